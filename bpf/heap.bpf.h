/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Heap-object lifetimes: the rules behind the kmem hooks.
 *
 * Objects whose allocation call site lies in a watched module are kept in
 * mw_objects while live. A free moves the record, with its free site, into
 * the mw_quarantine LRU; any allocation anywhere in the kernel that returns a
 * quarantined address drops it, because that memory now belongs to someone
 * again (SLUB hands freed addresses back almost at once, and core code such
 * as memdup_user() allocates on a module's behalf from call sites outside
 * it). Only then is "freed twice" a fact rather than a guess.
 */
#ifndef MODWATCH_HEAP_BPF_H
#define MODWATCH_HEAP_BPF_H

#include "common.bpf.h"
#include "registry.bpf.h"
#include "heap.h"

/* Both sized by the daemon (--max-objects, --quarantine) before load. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u64);
	__type(value, struct mw_object);
} mw_objects_t;
extern mw_objects_t mw_objects SEC(".maps");

typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct mw_object);
} mw_quarantine_t;
extern mw_quarantine_t mw_quarantine SEC(".maps");

/* NULL and ZERO_SIZE_PTR: what kmalloc(0) returns and kfree() ignores. */
#define MW_ZERO_SIZE_PTR 16

/* The object whose slot starting at @start holds @p, if @start is a tracked object. */
static __always_inline struct mw_object *mw_heap_at(__u64 start, __u64 p)
{
	struct mw_object *o = bpf_map_lookup_elem(&mw_objects, &start);

	return o && p < start + (o->alloc_size > o->size ? o->alloc_size : o->size) ? o : NULL;
}

/*
 * The live object that contains @p, possibly an interior pointer, with a
 * bounded number of lookups: slab objects of a power-of-two size class are
 * aligned to their size, and large kmallocs come from buddy pages aligned to
 * their order, so the object starts at @p rounded down to one of 2^3..2^22.
 * kmalloc-96 and kmalloc-192 objects sit at multiples of their size from the
 * start of their (single-page) slab.
 */
static __always_inline struct mw_object *mw_heap_find(__u64 p)
{
	struct mw_object *o;
	__u64 start, prev = p, page = p & ~4095ull;
	__u32 shift;

	o = bpf_map_lookup_elem(&mw_objects, &p);
	if (o)
		return o;
	for (shift = 3; shift <= 22; shift++) {
		start = p & ~((1ull << shift) - 1);
		if (start == prev)
			continue;
		prev = start;
		o = mw_heap_at(start, p);
		if (o)
			return o;
	}
	o = mw_heap_at(page + (p - page) / 96 * 96, p);
	if (o)
		return o;
	return mw_heap_at(page + (p - page) / 192 * 192, p);
}

static __always_inline void mw_report_double_free(struct mw_object *q, __u64 site, __u32 module_id)
{
	struct mw_event *e;

	/* One report per freed object, however many CPUs free it again at once. */
	if (__sync_fetch_and_or(&q->flags, MW_OBJ_DOUBLE_FREE_REPORTED) &
	    MW_OBJ_DOUBLE_FREE_REPORTED)
		return;
	e = mw_event_reserve(MW_DOUBLE_FREE, MW_EVENT_SIZE(double_free), site, module_id);
	if (!e)
		return;
	e->double_free.obj = *q;
	bpf_ringbuf_submit(e, 0);
}

/*
 * An allocation returned @ptr to the code at @site. @cache is the
 * struct kmem_cache * for kmem_cache_alloc(), 0 for kmalloc().
 */
static __always_inline void mw_heap_alloc(__u64 site, __u64 ptr, __u64 size, __u64 alloc_size,
					  __u64 cache)
{
	struct mw_object obj = {};
	__u32 module_id;

	if (ptr <= MW_ZERO_SIZE_PTR)
		return;
	/* A lookup is lock-free; delete only on a hit, the rare case. */
	if (bpf_map_lookup_elem(&mw_quarantine, &ptr))
		bpf_map_delete_elem(&mw_quarantine, &ptr);
	module_id = mw_site_module(site);
	if (!module_id)
		return;
	obj.addr = ptr;
	obj.size = size;
	obj.alloc_size = alloc_size;
	obj.alloc_site = site;
	obj.alloc_ns = bpf_ktime_get_ns();
	obj.cache = cache;
	obj.alloc_tid = (__u32)bpf_get_current_pid_tgid();
	obj.module_id = module_id;
	if (bpf_map_update_elem(&mw_objects, &ptr, &obj, BPF_ANY))
		mw_stat_inc(MW_STAT_OBJECTS_FULL);
}

/*
 * A live object is freed: quarantine it. BPF_NOEXIST makes the insert the
 * one atomic step that decides which of two racing frees came first; the
 * loser finds the winner's record and is the double free.
 */
static __always_inline void mw_heap_retire(struct mw_object *live, __u64 site, __u64 ptr,
					   __u32 module_id)
{
	struct mw_object q = *live;
	struct mw_object *first;
	long err;

	q.free_site = site;
	q.free_ns = bpf_ktime_get_ns();
	q.free_tid = (__u32)bpf_get_current_pid_tgid();
	q.flags = 0;
	err = bpf_map_update_elem(&mw_quarantine, &ptr, &q, BPF_NOEXIST);
	if (!err) {
		bpf_map_delete_elem(&mw_objects, &ptr);
		return;
	}
	if (err != -EEXIST) {
		/* Keep the live record: a later free still sees the object. */
		mw_stat_inc(MW_STAT_QUARANTINE_FULL);
		return;
	}
	first = bpf_map_lookup_elem(&mw_quarantine, &ptr);
	if (first && module_id)
		mw_report_double_free(first, site, module_id);
}

/*
 * @site freed @ptr. Frees from anywhere retire tracked objects (ownership
 * may pass to core code), but only a watched module's free of a
 * quarantined address is its double free.
 */
static __always_inline void mw_heap_free(__u64 site, __u64 ptr)
{
	struct mw_object *obj;
	__u32 module_id;

	if (ptr <= MW_ZERO_SIZE_PTR)
		return;
	module_id = mw_site_module(site);
	obj = bpf_map_lookup_elem(&mw_objects, &ptr);
	if (obj) {
		mw_heap_retire(obj, site, ptr, module_id);
		return;
	}
	if (!module_id)
		return;
	obj = bpf_map_lookup_elem(&mw_quarantine, &ptr);
	if (obj)
		mw_report_double_free(obj, site, module_id);
}

#endif /* MODWATCH_HEAP_BPF_H */
