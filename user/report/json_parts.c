// SPDX-License-Identifier: GPL-2.0
/*
 * Pieces of the JSON lines that several rules' payloads and the printer
 * share: code addresses with their symbols, lines and stacks, objects and
 * their history, locks and who took them.
 */
#include <stdbool.h>
#include <stdio.h>
#include "heap.h"
#include "events.h"
#include "stacks.h"
#include "probe/heap_maps.h"
#include "probe/lock_maps.h"
#include "probe/stack_maps.h"
#include "probe/statics.h"
#include "report/json_parts.h"
#include "report/json_writer.h"
#include "symbols/ksym.h"
#include "symbols/srcline.h"

/*
 * "source":[{"function","file","line"}]: the site's line in the module's
 * DWARF (or the core kernel's, with --vmlinux) and the inlined calls
 * around it, innermost first (empty without DWARF).
 */
static void json_source(struct jw *out, const struct mw_sym *s)
{
	struct mw_src_frame f[MW_SRC_FRAMES];
	int i, nr = s && s->name ? mw_srcline(s->module, s->name, s->offset, f, MW_SRC_FRAMES) : 0;

	jw_puts(",\"source\":[", out);
	for (i = 0; i < nr; i++) {
		jw_puts(i ? ",{\"function\":" : "{\"function\":", out);
		json_str(out, f[i].func ? f[i].func : "?", 256);
		jw_puts(",\"file\":", out);
		json_str(out, f[i].file ? f[i].file : "?", 1024);
		json_key_u64(out, "line", f[i].line);
		jw_putc('}', out);
	}
	jw_putc(']', out);
}

/* ,"module":M,"@name_key":NAME,"offset":N[,"size":N] of symbol @s (NULL: unknown). */
void json_sym(struct jw *out, const struct mw_sym *s, const char *name_key)
{
	jw_puts(",\"module\":", out);
	if (s && s->module)
		json_str(out, s->module, 64);
	else
		jw_puts("null", out);
	jw_puts(",\"", out);
	jw_puts(name_key, out);
	jw_puts("\":", out);
	if (s)
		json_str(out, s->name, 256);
	else
		jw_puts("null", out);
	json_key_u64(out, "offset", s ? s->offset : 0);
	if (s && s->size)
		json_key_u64(out, "size", s->size);
}

/* {"addr":"0x..","module":"m"|null,"function":"f"|null,"offset":N[,"size":N],"source":[..]} */
void json_code(struct jw *out, __u64 addr)
{
	struct mw_sym s;
	bool ok = addr && !mw_ksym_resolve(addr, &s);

	jw_putc('{', out);
	json_addr(out, "addr", addr);
	json_sym(out, ok ? &s : NULL, "function");
	json_source(out, ok ? &s : NULL);
	jw_putc('}', out);
}

/* "@key":{code}: json_code() of @addr as a member. */
void json_site(struct jw *out, const char *key, __u64 addr)
{
	jw_putc('"', out);
	jw_puts(key, out);
	jw_puts("\":", out);
	json_code(out, addr);
}

/*
 * ,"@key":[frames]: kernel stack @ref of the call at @site (see
 * mw_stack_read()), innermost first, each frame as a site; nothing when
 * no stack was kept.
 */
void json_stack(struct jw *out, const char *key, __u32 ref, __u64 site)
{
	__u64 ips[MW_STACK_DEPTH_MAX];
	int i, n = mw_stack_read(ref, site, ips, MW_STACK_DEPTH_MAX);

	if (n <= 0)
		return;
	jw_puts(",\"", out);
	jw_puts(key, out);
	jw_puts("\":[", out);
	for (i = 0; i < n; i++) {
		if (i)
			jw_putc(',', out);
		json_code(out, ips[i]);
	}
	jw_putc(']', out);
}

/* ,"static":{"addr","module","symbol","offset"}: the module's .data or .bss object at @addr. */
static void json_static(struct jw *out, __u64 addr)
{
	struct mw_sym s;
	bool ok = !mw_ksym_resolve_data(addr, &s);

	jw_puts(",\"static\":{", out);
	json_addr(out, "addr", addr);
	json_sym(out, ok ? &s : NULL, "symbol");
	jw_putc('}', out);
}

/* ,"@key":{"site","tid","time_ns","stack"}: where and when an object was allocated or freed. */
static void json_moment(struct jw *out, const char *key, __u64 site, __u32 tid, __u64 ns,
			__u32 stack)
{
	jw_printf(out, ",\"%s\":{", key);
	json_site(out, "site", site);
	json_key_u64(out, "tid", tid);
	json_key_u64(out, "time_ns", ns);
	json_stack(out, "stack", stack, site);
	jw_putc('}', out);
}

/* "object":{...}[,"alloc":{site,tid,time_ns,stack}][,"free":{...}]: an object and its history. */
void json_object(struct jw *out, const struct mw_object *o)
{
	char name[MW_CACHE_NAME + 1];

	jw_puts("\"object\":{", out);
	json_addr(out, "addr", o->addr);
	json_key_u64(out, "size", o->size);
	json_key_u64(out, "alloc_size", o->alloc_size);
	jw_putc(',', out);
	json_addr(out, "cache", o->cache);
	jw_puts(",\"cache_name\":", out);
	if (!mw_heap_cache_name(o->cache, name, sizeof(name)))
		json_str(out, name, sizeof(name));
	else
		jw_puts("null", out);
	if (o->flags & MW_OBJ_STATIC) {
		/* the module's own .data or .bss: no allocation, a symbol */
		json_static(out, o->addr);
		jw_putc('}', out);
		return;
	}
	jw_putc('}', out);
	json_moment(out, "alloc", o->alloc_site, o->alloc_tid, o->alloc_ns, o->alloc_stack);
	if (o->free_site)
		json_moment(out, "free", o->free_site, o->free_tid, o->free_ns, o->free_stack);
}

/* ,"reused_by":{"site":{...},"tid":N} when core code got the memory since; nothing else. */
void json_reused(struct jw *out, const struct mw_reused_by *r)
{
	if (!r->site)
		return;
	jw_puts(",\"reused_by\":{", out);
	json_site(out, "site", r->site);
	jw_printf(out, ",\"tid\":%u}", r->tid);
}

/* "KEY":{"addr","type","name"} */
void json_lock(struct jw *out, const char *key, const struct mw_lock *l)
{
	char name[256];

	mw_lock_name(l->addr, name, sizeof(name));
	jw_printf(out, ",\"%s\":{", key);
	json_addr(out, "addr", l->addr);
	jw_printf(out, ",\"type\":\"%s\",\"name\":", mw_lock_type_name(l->type));
	json_str(out, name, sizeof(name));
	jw_putc('}', out);
}

/* An acquire: ,"@site_key":{site},"@stack_key":[frames] ("owner_site", "owner_stack"...) */
void json_acquire(struct jw *out, const char *site_key, const char *stack_key, __u64 site,
		  __u32 stack)
{
	jw_putc(',', out);
	json_site(out, site_key, site);
	json_stack(out, stack_key, stack, site);
}

/* json_acquire() and the tid that holds the lock since. */
void json_owner(struct jw *out, const char *site_key, const char *stack_key, __u64 site,
		__u32 stack, __u32 tid)
{
	json_acquire(out, site_key, stack_key, site, stack);
	jw_printf(out, ",\"owner_tid\":%u", tid);
}
