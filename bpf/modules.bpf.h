/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A watched module's end as the kernel reports it. module:module_free fires
 * in free_module() after the exit function ran and before the module's
 * memory is freed: its static locks can still be read, and the daemon hears
 * of the unload from the ring buffer, in order with the reports, instead of
 * by polling /proc/modules (a CI command ending in rmmod needs no sleep).
 */
#ifndef MODWATCH_MODULES_BPF_H
#define MODWATCH_MODULES_BPF_H

#include "common.bpf.h"
#include "locks.bpf.h"
#include "registry.bpf.h"

/*
 * Tell the daemon the module named @key is going (or coming). A failed
 * reserve is counted: the daemon then finds it by polling, as on kernels
 * without the tracepoints.
 */
static __always_inline void mw_module_record(const struct mw_module_key *key, __u32 id,
					     __u16 kind)
{
	struct mw_event *e;
	__u32 size = MW_EVENT_SIZE(module_free);

	e = bpf_ringbuf_reserve(&mw_events, size, 0);
	if (!e) {
		mw_stat_inc(MW_STAT_RECORDS_LOST);
		return;
	}
	__builtin_memset(&e->hdr, 0, sizeof(e->hdr));
	e->hdr.kind = kind;
	e->hdr.size = size;
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->hdr.module_id = id;
	e->module_free.module = *key;
	bpf_ringbuf_submit(e, 0);
}

/*
 * The locks it still holds are reported first, then the record, in that
 * order (the hook's context @ctx sends the reports before the record goes).
 */
static __always_inline void mw_module_gone(void *ctx, const struct mw_module_key *key)
{
	__u32 *id = bpf_map_lookup_elem(&mw_module_ids, key);

	if (!id)
		return;		/* not watched */
	mw_run(ctx, mw_locks_unload(*id));
	mw_module_record(key, *id, MW_REC_MODULE_FREE);
}

/* A module is loading, watched or not: the daemon decides (a lost record is counted). */
static __always_inline void mw_module_load_record(const struct mw_module_key *key)
{
	mw_module_record(key, 0, MW_REC_MODULE_LOAD);
}

#endif /* MODWATCH_MODULES_BPF_H */
