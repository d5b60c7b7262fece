/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module registry shared between the daemon, which fills it, and the BPF
 * hooks, which ask it "is this call site in a watched module, and which?".
 *
 * Why a direct-mapped page table: a kmem hook runs for every allocation in
 * the kernel, so the question must cost O(1) with no hashing. The daemon
 * also publishes the span [mw_watch_lo, mw_watch_hi) of all watched text, so
 * call sites outside it (all of core kernel text, on x86_64 far below the
 * module area) are rejected by two compares and no map lookup at all. Inside
 * the span one array lookup, which the verifier inlines, decides: the slot of
 * a page holds the page's remaining address bits (the tag) and its module.
 * 2^19 slots of 4 KiB pages cover 2 GiB without aliasing, more than the
 * x86_64 module area (at most 1.5 GiB), so no two module pages collide.
 */
#ifndef MODWATCH_REGISTRY_H
#define MODWATCH_REGISTRY_H

#include "types.h"

#define MW_PAGE_SHIFT	12
#define MW_REG_BITS	19
#define MW_REG_SLOTS	(1u << MW_REG_BITS)

/* Module ids are never reused within one run; 0 means "not watched". */
#define MW_MAX_MODULES	256

struct mw_page {
	__u32 tag;		/* page number >> MW_REG_BITS, truncated */
	__u32 module_id;
};
_Static_assert(sizeof(struct mw_page) == 8, "mw_page layout");

/*
 * A module's name as the kernel keeps it (MODULE_NAME_LEN on 64-bit), the
 * key of mw_module_ids: module:module_free only knows the struct module.
 */
#define MW_MODULE_NAME	56

struct mw_module_key {
	char name[MW_MODULE_NAME];
};
_Static_assert(sizeof(struct mw_module_key) == MW_MODULE_NAME, "mw_module_key layout");

static inline __u32 mw_page_slot(__u64 addr)
{
	return (__u32)(addr >> MW_PAGE_SHIFT) & (MW_REG_SLOTS - 1);
}

static inline __u32 mw_page_tag(__u64 addr)
{
	return (__u32)(addr >> (MW_PAGE_SHIFT + MW_REG_BITS));
}

#endif /* MODWATCH_REGISTRY_H */
