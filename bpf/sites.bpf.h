/* SPDX-License-Identifier: GPL-2.0 */
/* The probed call sites (include/sites.h), indexed by the kprobe's cookie. */
#ifndef MODWATCH_SITES_BPF_H
#define MODWATCH_SITES_BPF_H

#include "common.bpf.h"
#include "sites.h"

typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MW_MAX_SITES);
	__type(key, __u32);
	__type(value, struct mw_site);
} mw_sites_t;
mw_sites_t mw_sites __weak SEC(".maps");

/* A site whose module was unloaded has module_id 0: its probe is stale. */
static __always_inline const struct mw_site *mw_site(__u32 idx)
{
	const struct mw_site *s = bpf_map_lookup_elem(&mw_sites, &idx);

	return s && s->module_id ? s : NULL;
}

/* Each task's calls into the watched modules (include/sites.h). */
typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct mw_call);
} mw_calls_t;
mw_calls_t mw_calls __weak SEC(".maps");

static __always_inline struct mw_call *mw_call_of_task(bool create)
{
	return bpf_task_storage_get(&mw_calls, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

#endif /* MODWATCH_SITES_BPF_H */
