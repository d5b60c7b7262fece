/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pieces of the JSON lines that several rules' payloads and the printer share.
 */
#ifndef MODWATCH_REPORT_JSON_PARTS_H
#define MODWATCH_REPORT_JSON_PARTS_H

#include <linux/types.h>
#include "heap.h"
#include "events.h"

struct jw;
struct mw_sym;

/* ,"module":M,"@name_key":NAME,"offset":N of symbol @s (NULL: unknown). */
void json_sym(struct jw *out, const struct mw_sym *s, const char *name_key);
/* {"addr":"0x..","module":"m"|null,"function":"f"|null,"offset":N,"source":[..]} */
void json_code(struct jw *out, __u64 addr);
/* "@key":{code}: json_code() of @addr as a member. */
void json_site(struct jw *out, const char *key, __u64 addr);
/*
 * ,"@key":[frames]: kernel stack @ref of the call at @site (see
 * mw_stack_read()), innermost first, each frame as a site; nothing when
 * no stack was kept.
 */
void json_stack(struct jw *out, const char *key, __u32 ref, __u64 site);
/* "object":{...}[,"alloc":{site,tid,time_ns,stack}][,"free":{...}]: an object and its history. */
void json_object(struct jw *out, const struct mw_object *o);
/* ,"reused_by":{"site":{...},"tid":N} when core code got the memory since; nothing else. */
void json_reused(struct jw *out, const struct mw_reused_by *r);
/* "KEY":{"addr","type","name"} */
void json_lock(struct jw *out, const char *key, const struct mw_lock *l);
/* An acquire: ,"@site_key":{site},"@stack_key":[frames] ("owner_site", "owner_stack"...) */
void json_acquire(struct jw *out, const char *site_key, const char *stack_key, __u64 site,
		  __u32 stack);
/* json_acquire() and the tid that holds the lock since. */
void json_owner(struct jw *out, const char *site_key, const char *stack_key, __u64 site,
		__u32 stack, __u32 tid);

#endif /* MODWATCH_REPORT_JSON_PARTS_H */
