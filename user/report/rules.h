/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules, one row each: everything the daemon says about a kind of
 * report, read by the printers, KASAN's layout, SARIF, JUnit, journald,
 * doctor and --help. A kind's number and name are the ABI's (MW_KINDS in
 * include/events.h); everything else about it is its row in rules.c.
 */
#ifndef MODWATCH_REPORT_RULES_H
#define MODWATCH_REPORT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "events.h"

struct mw_payload;

/* What a rule needs of the kernel (doctor says which are missing). */
enum {
	MW_NEEDS_KMEM_TP = 1u << 0,	/* the kmem tracepoints: allocations and frees */
	MW_NEEDS_KPROBES = 1u << 1,	/* kprobes on the module's call sites */
	MW_NEEDS_MODULES = 1u << 2,	/* loadable modules: something to watch at all */
};

/* What KASAN's layout says the module did, from the report's JSON (kasan.c). */
enum mw_kasan_access {
	MW_KASAN_NONE = 0,	/* the rule's description and the task */
	MW_KASAN_MEMORY,	/* "Read/Write of size N at addr A": "access" */
	MW_KASAN_COPY_READ,	/* the same, of the "copy": to user space */
	MW_KASAN_COPY_WRITE,	/* from user space */
	MW_KASAN_FREE,		/* "Free of addr A": the object's address */
	MW_KASAN_FREE_PTR,	/* the pointer freed, not an object's start */
};

struct mw_rule {
	const char *desc;	/* what breaking it means, in one sentence */
	const char *message_id;	/* journald's MESSAGE_ID, made once at random, never changed */
	const char *kasan;	/* the kernel's own name for it ("slab-use-after-free") */
	const char *title;	/* lockdep's / might_sleep()'s headline instead, if any */
	bool kernel_warning;	/* the kernel's headline says WARNING, not BUG */
	bool warning;		/* a warning unless --severity says otherwise (SARIF's level) */
	__u32 needs;		/* MW_NEEDS_* */
	enum mw_kasan_access access;
	__u16 object;		/* offset of the struct mw_object the event quotes, 0: none */
	__u16 first_site;	/* offset of the earlier site it names (__u64), 0: none */
	const struct mw_payload *payload;	/* what its reports say beyond the header */
};

/* @kind's row; a row described "unknown" for a kind this daemon does not know. */
/* Its name is the ABI's (MW_KINDS): --kind, JSON, metrics, SARIF's rule id. */
const struct mw_rule *mw_rule(__u32 kind);
const char *mw_kind_name(__u32 kind);
__u32 mw_kind_by_name(const char *name);
const char *mw_kind_desc(__u32 kind);
const char *mw_kind_message_id(__u32 kind);
/* The heap object a report quotes, or NULL. */
const struct mw_object *mw_rule_object(const struct mw_event *e);

/* Every violation kind, as a mask of 1 << enum mw_kind. */
#define MW_KINDS_ALL	(((1u << MW_KIND_NR) - 1) & ~1u)
/* The names of the kinds in @mask into @buf, each in @quote, @sep between them. */
void mw_kinds_format(__u32 mask, const char *sep, const char *quote, char *buf, size_t len);

#endif /* MODWATCH_REPORT_RULES_H */
