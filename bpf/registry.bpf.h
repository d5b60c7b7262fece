/* SPDX-License-Identifier: GPL-2.0 */
/* Which watched module, if any, a call site belongs to (see include/registry.h). */
#ifndef MODWATCH_REGISTRY_BPF_H
#define MODWATCH_REGISTRY_BPF_H

#include "common.bpf.h"
#include "registry.h"

typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MW_REG_SLOTS);
	__type(key, __u32);
	__type(value, struct mw_page);
} mw_pages_t;
mw_pages_t mw_pages __weak SEC(".maps");

/* Watched modules by name, for module:module_free, which only has the struct module. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_MAX_MODULES);
	__type(key, struct mw_module_key);
	__type(value, __u32);
} mw_module_ids_t;
mw_module_ids_t mw_module_ids __weak SEC(".maps");

/* Span of all watched text, published by the daemon through .bss. */
extern __u64 mw_watch_lo;
extern __u64 mw_watch_hi;

static __always_inline __u32 mw_site_module(__u64 site)
{
	struct mw_page *pg;
	__u32 slot;

	if (site < mw_watch_lo || site >= mw_watch_hi)
		return 0;
	slot = mw_page_slot(site);
	pg = bpf_map_lookup_elem(&mw_pages, &slot);
	if (!pg || pg->tag != mw_page_tag(site))
		return 0;
	return pg->module_id;
}

#endif /* MODWATCH_REGISTRY_BPF_H */
