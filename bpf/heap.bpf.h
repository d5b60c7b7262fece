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
 *
 * heap <-> locks is bpf/'s one coupling of two features both ways, and
 * tools/unit-graph allows no other: freeing a held lock is the lock rules'
 * business (mw_locks_freed(), so this header includes locks.bpf.h), and
 * locking a freed object is this file's (mw_heap_lock_use(); the lock hooks'
 * bodies are at the end of this file, so locks.bpf.c includes it).
 */
#ifndef MODWATCH_HEAP_BPF_H
#define MODWATCH_HEAP_BPF_H

#include "common.bpf.h"
#include "registry.bpf.h"
#include "heap.h"
#include "races.h"
#include "locks.bpf.h"

/* Both sized by the daemon (--max-objects, --quarantine) before load. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u64);
	__type(value, struct mw_object);
} mw_objects_t;
mw_objects_t mw_objects __weak SEC(".maps");

typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct mw_object);
} mw_quarantine_t;
mw_quarantine_t mw_quarantine __weak SEC(".maps");

/*
 * Freed objects whose memory core code got (struct mw_reuse). A plain hash:
 * a record leaves when the memory is freed again, and mw_heap_filter must
 * see every departure, which an LRU's evictions would not tell it.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_REUSED_ENTRIES);
	__type(key, __u64);
	__type(value, struct mw_reuse);
} mw_reused_t;
mw_reused_t mw_reused __weak SEC(".maps");

/*
 * How many records of mw_objects, mw_quarantine and mw_reused start at an
 * address of each slot. Nearly every allocation and free in the kernel is no watched
 * module's business: a zero here answers the kmem hooks with an array
 * lookup the verifier inlines, where a hash lookup costs several times more.
 * A slot is raised before its record goes in and lowered after it is gone,
 * so no CPU ever reads less than the truth. What nobody lowers it for (a
 * quarantine record the LRU evicts, records the daemon drops when their
 * module unloads) leaves it high: a wasted lookup, never a missed record.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MW_HEAP_FILTER / MW_FILTER_LANES);
	__type(key, __u32);
	__type(value, __u64);	/* MW_FILTER_LANES slots */
} mw_heap_filter_t;
mw_heap_filter_t mw_heap_filter __weak SEC(".maps");

extern const volatile __u32 mw_heap_filter_mask;	/* slots - 1, set with the map's size */
extern __u64 mw_heap_summary[MW_SUMMARY_WORDS];	/* the filter's summary (include/heap.h) */

/*
 * A counting filter: @filter counts the records of its maps by slot (@mask:
 * slots - 1) of their start address. A slot is raised before its record goes
 * in and lowered after it is gone.
 */
static __always_inline __u64 *mw_filter_at(void *filter, __u32 slot, __u32 *shift)
{
	__u32 i = mw_filter_word(slot);

	*shift = mw_filter_shift(slot);
	return bpf_map_lookup_elem(filter, &i);
}

/* The summary's lane of filter slot @slot (include/heap.h): its word, *@shift its place. */
static __always_inline __u64 *mw_summary_at(__u32 slot, __u32 *shift)
{
	slot &= MW_SUMMARY_SLOTS - 1;
	*shift = mw_filter_shift(slot);
	return &mw_heap_summary[mw_filter_word(slot) & (MW_SUMMARY_WORDS - 1)];
}

/*
 * May a record start at @ptr? No is exact; yes needs the lookup. The
 * summary answers first; the address is hashed once for both.
 */
static __always_inline bool mw_filter_maybe(void *filter, __u32 mask, __u64 ptr)
{
	__u32 slot = mw_filter_slot(ptr, mask), shift;
	__u64 *n = mw_summary_at(slot, &shift);

	if (!(__u16)(*n >> shift))
		return false;
	n = mw_filter_at(filter, slot, &shift);
	return !n || (__u16)(*n >> shift);
}

/*
 * @d: +1 or -1 on the slot's lane and its summary's; neither carries nor
 * borrows into another lane. A raise goes to the summary first and a
 * lowering last, so that no CPU reads the summary lower than the filter.
 */
static __always_inline void mw_filter_add(void *filter, __u32 mask, __u64 ptr, __s32 d)
{
	__u32 slot = mw_filter_slot(ptr, mask), shift, sshift;
	__u64 *sum = mw_summary_at(slot, &sshift);
	__u64 *n = mw_filter_at(filter, slot, &shift);

	if (d > 0)
		__sync_fetch_and_add(sum, (__u64)(__s64)d << sshift);
	if (n)
		__sync_fetch_and_add(n, (__u64)(__s64)d << shift);
	if (d < 0)
		__sync_fetch_and_add(sum, (__u64)(__s64)d << sshift);
}

/* A new record @v at @ptr in @map: 0, -EEXIST, or the map is full. */
static __always_inline long mw_filter_insert(void *map, void *filter, __u32 mask, __u64 ptr,
					     const void *v)
{
	long err;

	mw_filter_add(filter, mask, ptr, 1);
	err = bpf_map_update_elem(map, &ptr, v, BPF_NOEXIST);
	if (err)
		mw_filter_add(filter, mask, ptr, -1);
	return err;
}

/* The record @v at @ptr in @map, new or replacing the one there. */
static __always_inline long mw_filter_put(void *map, void *filter, __u32 mask, __u64 ptr,
					  const void *v)
{
	long err = mw_filter_insert(map, filter, mask, ptr, v);

	return err == -EEXIST ? bpf_map_update_elem(map, &ptr, v, BPF_EXIST) : err;
}

static __always_inline long mw_filter_remove(void *map, void *filter, __u32 mask, __u64 ptr)
{
	long err = bpf_map_delete_elem(map, &ptr);

	if (!err)
		mw_filter_add(filter, mask, ptr, -1);
	return err;
}

/* mw_objects, mw_quarantine and mw_reused share mw_heap_filter: one lookup per kernel free. */
static __always_inline bool mw_heap_maybe(__u64 ptr)
{
	return mw_filter_maybe(&mw_heap_filter, mw_heap_filter_mask, ptr);
}

static __always_inline long mw_heap_insert(void *map, __u64 ptr, const struct mw_object *o)
{
	return mw_filter_insert(map, &mw_heap_filter, mw_heap_filter_mask, ptr, o);
}

static __always_inline long mw_heap_put(void *map, __u64 ptr, const void *o)
{
	return mw_filter_put(map, &mw_heap_filter, mw_heap_filter_mask, ptr, o);
}

static __always_inline long mw_heap_remove(void *map, __u64 ptr)
{
	return mw_filter_remove(map, &mw_heap_filter, mw_heap_filter_mask, ptr);
}

/* First bytes of non-zeroed live objects, for uninit_leak; sized like mw_objects. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u64);
	__type(value, struct mw_snap);
} mw_snaps_t;
mw_snaps_t mw_snaps __weak SEC(".maps");

/*
 * Objects user copies of two tasks reached: how they share them
 * (bpf/races.bpf.h). An entry goes when its object is freed.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_SHARES);
	__type(key, __u64);
	__type(value, struct mw_share);
} mw_shares_t;
mw_shares_t mw_shares __weak SEC(".maps");

/* Layouts of the caches watched modules allocate from, keyed by struct kmem_cache *. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_MAX_CACHES);
	__type(key, __u64);
	__type(value, struct mw_cache);
} mw_caches_t;
mw_caches_t mw_caches __weak SEC(".maps");

/* Allocation windows opened by a module's calls (include/heap.h, struct mw_behalf). */
typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct mw_behalf);
} mw_behalf_t;
mw_behalf_t mw_behalf __weak SEC(".maps");

/* Open windows, all tasks together (bpf/sites.bpf.c). */
extern __u64 mw_behalf_active;
/* Where the direct map and the struct page array are (bpf/sites.bpf.c). */
extern __u64 mw_page_offset;
extern __u64 mw_vmemmap;
extern __u64 mw_vmalloc_start, mw_vmalloc_end;

/* include/linux/gfp_types.h: ___GFP_ZERO, the same bit in 6.1 and 6.18 */
#define MW_GFP_ZERO 0x100u

/* NULL and ZERO_SIZE_PTR: what kmalloc(0) returns and kfree() ignores. */
#define MW_ZERO_SIZE_PTR 16

/* The maps a search for the object containing an address looks in (mw_heap_find()). */
enum {
	MW_IN_OBJECTS,
	MW_IN_QUARANTINE,
	MW_IN_REUSED,	/* read as struct mw_object: struct mw_reuse starts with one */
};

/* Does the record @o starting at @start hold @p? */
static __always_inline bool mw_heap_holds(const struct mw_object *o, __u64 start, __u64 p)
{
	return p - start < (o->alloc_size > o->size ? o->alloc_size : o->size);
}

/* What a search for the object containing p carries through its callbacks. */
struct mw_find {
	void *map;
	__u64 p;
	__u64 start;	/* the record found: its start, 0 until then */
};

/* Is there a record in f->map starting at @start that holds f->p? */
static __always_inline bool mw_find_at(struct mw_find *f, __u64 start)
{
	struct mw_object *o = bpf_map_lookup_elem(f->map, &start);

	if (!o || !mw_heap_holds(o, start, f->p))
		return false;
	f->start = start;
	return true;
}

/* Where @p's object would start in a slab of @c of the given order. */
static __always_inline bool mw_cache_slot(struct mw_find *f, const struct mw_cache *c, __u32 order)
{
	__u64 base = f->p & ~((4096ull << (order & 15)) - 1), first, k;

	first = base + c->red_left_pad;
	if (f->p < first || !c->size)
		return false;
	k = (f->p - first) / c->size;
	return mw_find_at(f, first + k * c->size);
}

static long mw_find_in_cache(void *map, __u64 *cache, struct mw_cache *c, void *ctx)
{
	struct mw_find *f = ctx;

	if (mw_cache_slot(f, c, c->order))
		return 1;	/* 1 stops the walk */
	return c->min_order != c->order && mw_cache_slot(f, c, c->min_order);
}

/* bpf_loop callback: try the start aligned to 2^(3 + i). */
static long mw_find_aligned(__u32 i, void *ctx)
{
	struct mw_find *f = ctx;
	__u64 start = f->p & ~((8ull << (i & 31)) - 1);

	return start != f->p && mw_find_at(f, start);
}

/*
 * The start of the record in map @which (MW_IN_*) whose object holds @p, an
 * interior pointer, with a bounded number of lookups; 0 if none. Slab
 * objects of a power-of-two kmalloc class are aligned to their size and
 * large kmallocs come from buddy pages aligned to their order, so the
 * object starts at @p rounded down to one of 2^3..2^22; kmalloc-96 and -192
 * objects sit at multiples of their size in their page; objects of the
 * modules' own caches (red zones and all) where their recorded layout puts
 * them. Callbacks keep the verifier's work independent of the bounds.
 */
MW_GLOBAL __u64 mw_heap_find_start(__u32 which, __u64 p)
{
	struct mw_find f = { .p = p };
	__u64 page = p & ~4095ull;

	if (which == MW_IN_OBJECTS)
		f.map = &mw_objects;
	else if (which == MW_IN_QUARANTINE)
		f.map = &mw_quarantine;
	else
		f.map = &mw_reused;
	bpf_loop(20, mw_find_aligned, &f, 0);
	if (!f.start && !mw_find_at(&f, page + (p - page) / 96 * 96) &&
	    !mw_find_at(&f, page + (p - page) / 192 * 192))
		bpf_for_each_map_elem(&mw_caches, mw_find_in_cache, &f, 0);
	return f.start;
}

/*
 * Addresses no heap object can hold, answered before any lookup: the
 * kernel image and the modules (x86-64 maps both from __START_KERNEL_map,
 * KASLR or not: a module's static locks and buffers), and the current
 * task's own stack (THREAD_SIZE, 16 KiB without KASAN: the buffers most
 * user copies go through). A watched module's hot path asks this for
 * every lock call and copy, up to three times.
 */
#define MW_START_KERNEL_MAP	0xffffffff80000000ull
#define MW_THREAD_SIZE		16384ull

extern const volatile bool mw_image_not_heap;	/* off only in unit tests: see mw_config */

static __always_inline bool mw_not_heap(__u64 p)
{
	__u64 stack;

	if (p >= MW_START_KERNEL_MAP && mw_image_not_heap)
		return true;
	stack = (__u64)bpf_get_current_task_btf()->stack;
	return p - stack < MW_THREAD_SIZE;
}

/*
 * The object in @map (@which: MW_IN_*, the same map) that contains @p,
 * possibly an interior pointer: the start first, then the search.
 */
static __always_inline struct mw_object *mw_heap_find(void *map, __u32 which, __u64 p)
{
	struct mw_object *o;
	__u64 start;

	if (mw_not_heap(p))
		return NULL;
	o = bpf_map_lookup_elem(map, &p);
	if (o)
		return o;
	start = mw_heap_find_start(which, p);
	if (!start)
		return NULL;
	o = bpf_map_lookup_elem(map, &start);
	return o && mw_heap_holds(o, start, p) ? o : NULL;
}

/*
 * The slab cache the direct-map address @addr belongs to now: its struct
 * page (the head of a compound one), a slab page (PG_slab, up to v6.10's
 * page types), then struct slab's slab_cache. 0 when it cannot tell: no
 * layout from the daemon, or not a slab page.
 */
static __always_inline __u64 mw_slab_cache_of(__u64 addr)
{
	struct page *page;
	__u64 head, flags;

	if (!mw_vmemmap || addr < mw_page_offset)
		return 0;
	page = (void *)(mw_vmemmap + ((addr - mw_page_offset) >> 12) *
				     bpf_core_type_size(struct page));
	head = BPF_CORE_READ(page, compound_head);
	if (head & 1)
		page = (void *)(head - 1);
	if (bpf_core_enum_value_exists(enum pageflags, PG_slab)) {
		flags = BPF_CORE_READ(page, flags);
		if (!(flags & (1ull << bpf_core_enum_value(enum pageflags, PG_slab))))
			return 0;
	}
	return (__u64)BPF_CORE_READ((struct slab *)page, slab_cache);
}

/* @s touched freed object @q: once per freed object, like double_free. */
static __always_inline void mw_report_uaf(const struct mw_site *s, struct mw_object *q, __u64 addr,
					  __u64 len, __u32 access, bool in_flight)
{
	struct mw_event *e;

	if (q->flags & MW_OBJ_RCU)
		return;		/* RCU readers may use it until the grace period ends */
	/*
	 * Its slab page went to another cache since: the memory is someone
	 * else's now, and so is the access. The record is stale; it goes.
	 */
	if (q->slab_cache && mw_slab_cache_of(addr) != q->slab_cache) {
		mw_heap_remove(&mw_quarantine, q->addr);
		return;
	}
	if (__sync_fetch_and_or(&q->flags, MW_OBJ_UAF_REPORTED) & MW_OBJ_UAF_REPORTED)
		return;
	e = mw_report(MW_USE_AFTER_FREE, MW_EVENT_SIZE(use_after_free), s->addr, s->module_id,
		      q->free_site);
	if (!e)
		return;
	e->use_after_free.obj = *q;
	e->use_after_free.access_addr = addr;
	e->use_after_free.access_len = len;
	e->use_after_free.access = access;
	e->use_after_free.in_flight = in_flight;
	e->use_after_free.reused = (struct mw_reused_by){};
	mw_report_send(e);
}

/*
 * [addr, addr + len) at @site runs past live @o's requested size: @kind is
 * heap_overflow_write or _read, @access 0 for a user copy (the kind says
 * which way), MW_ACCESS_LOAD or _STORE for one of the module's own
 * instructions (--deep). Deduplicated by site and allocation site.
 */
static __always_inline void mw_report_heap_overflow(__u64 site, __u32 module_id,
						    const struct mw_object *o, __u64 addr,
						    __u64 len, __u32 kind, __u32 access)
{
	struct mw_event *e;

	e = mw_report(kind, MW_EVENT_SIZE(heap_overflow), site, module_id, o->alloc_site);
	if (!e)
		return;
	e->heap_overflow.obj = *o;
	e->heap_overflow.copy_addr = addr;
	e->heap_overflow.copy_len = len;
	e->heap_overflow.access = access;
	e->heap_overflow.__pad = 0;
	mw_report_send(e);
}

static __always_inline void mw_report_double_free(struct mw_object *q, __u64 site, __u32 module_id)
{
	struct mw_event *e;

	/* One report per freed object, however many CPUs free it again at once. */
	if (__sync_fetch_and_or(&q->flags, MW_OBJ_DOUBLE_FREE_REPORTED) &
	    MW_OBJ_DOUBLE_FREE_REPORTED)
		return;
	e = mw_report(MW_DOUBLE_FREE, MW_EVENT_SIZE(double_free), site, module_id, q->free_site);
	if (!e)
		return;
	e->double_free.obj = *q;
	e->double_free.reused = (struct mw_reused_by){};
	mw_report_send(e);
}

static __always_inline void mw_reused_add(__u64 ptr, const struct mw_reuse *r)
{
	if (mw_heap_put(&mw_reused, ptr, r))
		mw_stat_inc(MW_STAT_REUSED_FULL);
}

static __always_inline void mw_reused_del(__u64 ptr)
{
	mw_heap_remove(&mw_reused, ptr);
}

/*
 * Core code frees @ptr, memory it got from a watched module's freed object:
 * the old record goes back to quarantine, so that the next owner is found
 * as the first one was (a module's own reuse then owns it again).
 */
static __always_inline void mw_reused_return(__u64 ptr)
{
	struct mw_reuse *r = bpf_map_lookup_elem(&mw_reused, &ptr);

	if (!r)
		return;
	if (!mw_heap_put(&mw_quarantine, ptr, &r->obj))
		mw_stat_inc(MW_STAT_REUSED_RETURNED);
	mw_reused_del(ptr);
}

/*
 * A watched module touches (@access) or frees (@kind MW_DOUBLE_FREE) memory
 * of a freed object of its own that core code has since handed out (@r),
 * at @site: the old owner still at work on someone else's object.
 * "Possible": core code may have passed the new object to the module in
 * the meantime.
 */
static __always_inline void mw_report_reused(struct mw_reuse *r, __u64 site, __u32 module_id,
					     __u32 kind, __u64 addr, __u64 len, __u32 access)
{
	__u32 once = kind == MW_DOUBLE_FREE ? MW_OBJ_DOUBLE_FREE_REPORTED : MW_OBJ_UAF_REPORTED;
	struct mw_event *e;

	/*
	 * Only the old owner is suspect. Another module touching or freeing
	 * memory core code got since is most likely its new owner, handed the
	 * object by core code: in the real-module gate, ext4 locking the
	 * super_block alloc_super() made where virtio_ring's buffer had been.
	 */
	if (module_id != r->obj.module_id)
		return;
	if (kind != MW_DOUBLE_FREE && (r->obj.flags & MW_OBJ_RCU))
		return;		/* RCU readers may have used it until the grace period ended */
	/* Its slab page went to another cache since: a stale record (see mw_report_uaf()). */
	if (r->obj.slab_cache && mw_slab_cache_of(addr) != r->obj.slab_cache) {
		mw_reused_del(r->obj.addr);
		return;
	}
	if (__sync_fetch_and_or(&r->obj.flags, once) & once)
		return;
	e = mw_report(kind,
		      kind == MW_DOUBLE_FREE ? MW_EVENT_SIZE(double_free)
					     : MW_EVENT_SIZE(use_after_free),
		      site, module_id, r->obj.free_site);
	if (!e)
		return;
	e->hdr.flags |= MW_EV_WARNING | MW_EV_INCOMPLETE;
	if (kind == MW_DOUBLE_FREE) {
		e->double_free.obj = r->obj;
		e->double_free.reused = r->by;
	} else {
		e->use_after_free.obj = r->obj;
		e->use_after_free.access_addr = addr;
		e->use_after_free.access_len = len;
		e->use_after_free.access = access;
		e->use_after_free.in_flight = 0;
		e->use_after_free.reused = r->by;
	}
	mw_report_send(e);
}

/* use_after_free through a lock: @s locks or unlocks @lock, inside a freed object. */
MW_GLOBAL int mw_heap_lock_use(const struct mw_site *s, __u64 lock, __u32 access)
{
	struct mw_object *q;

	if (!s)
		return 0;
	q = mw_heap_find(&mw_quarantine, MW_IN_QUARANTINE, lock);
	if (q) {
		mw_report_uaf(s, q, lock, 0, access, false);
		return 0;
	}
	q = mw_heap_find(&mw_reused, MW_IN_REUSED, lock);
	if (q)
		mw_report_reused((struct mw_reuse *)q, s->addr, s->module_id, MW_USE_AFTER_FREE,
				 lock, 0, access);
	return 0;
}

/*
 * Keep the first bytes of an object allocated without __GFP_ZERO as the
 * allocator left them (the tracepoint fires before the caller writes), so
 * that a later copy to user space can tell bytes never written.
 */
static __always_inline __u32 mw_heap_snapshot(__u64 ptr, __u64 size)
{
	struct mw_snap snap = {};
	__u32 n = size < MW_ALLOC_SNAP ? size : MW_ALLOC_SNAP, i;
	__u64 w, bad = 0;

	if (bpf_probe_read_kernel(snap.bytes, n, (void *)ptr))
		return 0;
	/*
	 * Poisoned: every whole word before the last byte (which may be
	 * POISON_END, 0xa5) is POISON_FREE. An XOR, not a count: the verifier
	 * need not tell the iterations apart.
	 */
	for (i = 0; i < MW_ALLOC_SNAP / 8; i++) {
		if ((i + 1) * 8 > n - 1)
			break;
		__builtin_memcpy(&w, &snap.bytes[i * 8], 8);
		bad |= w ^ MW_POISON_FREE64;
	}
	if (n > 8 && !bad)
		return MW_OBJ_POISONED;	/* slub_debug=P: the poison itself tells */
	if (bpf_map_update_elem(&mw_snaps, &ptr, &snap, BPF_ANY)) {
		mw_stat_inc(MW_STAT_SNAPSHOTS_FULL);
		return 0;
	}
	return MW_OBJ_SNAPSHOT;
}

/*
 * The layout of a watched module's cache, recorded the first time it is used
 * (so later allocations cost one lookup, not a walk of struct kmem_cache).
 */
static __always_inline struct mw_cache *mw_heap_cache_seen(__u64 cache)
{
	struct kmem_cache *s = (void *)cache;
	struct mw_cache c = {}, *known;

	known = bpf_map_lookup_elem(&mw_caches, &cache);
	if (known)
		return known;
	c.size = BPF_CORE_READ(s, size);
	c.object_size = BPF_CORE_READ(s, object_size);
	c.red_left_pad = BPF_CORE_READ(s, red_left_pad);
	/* mm/slub.c: OO_SHIFT 16 */
	c.order = BPF_CORE_READ(s, oo.x) >> 16;
	c.min_order = BPF_CORE_READ(s, min.x) >> 16;
	bpf_probe_read_kernel_str(c.name, sizeof(c.name), BPF_CORE_READ(s, name));
	if (bpf_map_update_elem(&mw_caches, &cache, &c, BPF_NOEXIST) == -E2BIG)
		mw_stat_inc(MW_STAT_CACHES_FULL);
	return bpf_map_lookup_elem(&mw_caches, &cache);
}

/* A kmalloc by core code inside a module's allocator call: the first is the candidate. */
static __always_inline void mw_behalf_candidate(__u64 ptr, __u64 size, __u64 alloc_size)
{
	struct mw_behalf *b = bpf_task_storage_get(&mw_behalf, bpf_get_current_task_btf(), 0, 0);

	if (!b || !b->site || b->ptr)
		return;
	b->ptr = ptr;
	b->size = size;
	b->alloc_size = alloc_size;
}

/* Track @ptr as the object @module_id allocated at @site, its stack @stack. */
static __always_inline void mw_heap_track(__u64 ptr, __u64 size, __u64 alloc_size, __u64 cache,
					  __u64 site, __u32 module_id, __u32 flags, __u32 stack)
{
	struct mw_object obj = {
		.addr = ptr,
		.size = size,
		.alloc_size = alloc_size,
		.alloc_site = site,
		.alloc_ns = bpf_ktime_get_ns(),
		.cache = cache,
		.alloc_tid = (__u32)bpf_get_current_pid_tgid(),
		.module_id = module_id,
		.flags = flags,
		.slab_cache = flags & MW_OBJ_VMALLOC ? 0 : mw_slab_cache_of(ptr),
		.alloc_stack = stack,
	};

	if (mw_heap_put(&mw_objects, ptr, &obj))
		mw_stat_inc(MW_STAT_OBJECTS_FULL);
}

/*
 * Is a watched module's return address on this kernel stack? Evidence only
 * a hook can gather (it needs the context): a subprogram of its own, so
 * that its frame buffer is not on the stack the rules run on.
 */
static __noinline bool mw_stack_has_module(void *ctx)
{
	__u64 frames[MW_REUSE_FRAMES];
	long n = bpf_get_stack(ctx, frames, sizeof(frames), 0);
	__u32 i;

	for (i = 0; i < MW_REUSE_FRAMES; i++) {
		if ((long)i * 8 >= n)
			break;
		if (mw_site_module(frames[i]))
			return true;
	}
	return false;
}

/*
 * Quarantined @q's address @ptr is handed out again, to the code at @site
 * (@module_id 0: core code). Who got the memory? A watched module, or core
 * code with one on its stack (@module_on_stack): an allocation made while
 * the module runs (memdup_user(), kstrdup(), but also alloc_netdev()'s
 * core-owned objects), so the memory is in the module's sight again and
 * the old record goes; whether the module owns the new object is for the
 * on-behalf rule (probed callees) to say, not for a frame deep in the
 * stack. Otherwise someone else owns it now: the old record is kept
 * (bounded) with who got it, for the module's later uses.
 */
static __always_inline void mw_heap_reuse(struct mw_object *q, __u64 ptr, __u64 site,
					  __u32 module_id, bool module_on_stack)
{
	struct mw_reuse r = { .obj = *q };

	if (!module_id && !module_on_stack) {
		r.by.site = site;
		r.by.tid = (__u32)bpf_get_current_pid_tgid();
		mw_reused_add(ptr, &r);
	}
	if (!mw_heap_remove(&mw_quarantine, ptr))
		mw_stat_inc(MW_STAT_QUARANTINE_REUSED);
}

/* An allocation a kmem tracepoint saw, with the evidence its hook gathered. */
struct mw_alloc {
	__u64 site;		/* the caller's return address */
	__u64 ptr;
	__u64 size;		/* kmalloc's bytes_req and bytes_alloc, */
	__u64 alloc_size;
	__u64 cache;		/* or kmem_cache_alloc()'s struct kmem_cache * */
	__u32 gfp;
	__u32 module_id;	/* of @site: mw_site_module() */
	__u32 stack;		/* the allocation's kernel stack, for a watched module's */
	__u32 module_on_stack;	/* a watched module on the stack (core code's allocation) */
};

/*
 * An allocation returned a->ptr to the code at a->site. a->cache is the
 * struct kmem_cache * for kmem_cache_alloc() (the sizes then come from the
 * cache, only for watched call sites), 0 for kmalloc().
 */
MW_GLOBAL int mw_heap_alloc(const struct mw_alloc *a)
{
	__u64 ptr, size, alloc_size;
	struct mw_object *q;
	struct mw_cache *c;

	if (!a)
		return 0;
	ptr = a->ptr;
	size = a->size;
	alloc_size = a->alloc_size;
	if (ptr <= MW_ZERO_SIZE_PTR)
		return 0;
	/* The filter, then a lock-free lookup; the rest only on a hit, the rare case. */
	q = mw_heap_maybe(ptr) ? bpf_map_lookup_elem(&mw_quarantine, &ptr) : NULL;
	if (q)
		mw_heap_reuse(q, ptr, a->site, a->module_id, a->module_on_stack);
	if (!a->module_id) {
		if (mw_behalf_active && !a->cache)
			mw_behalf_candidate(ptr, size, alloc_size);
		return 0;
	}
	/* The module owns this memory again: an older owner's record would misname its free. */
	if (mw_heap_maybe(ptr))
		mw_reused_del(ptr);
	if (a->cache) {
		c = mw_heap_cache_seen(a->cache);
		size = c ? c->object_size : 0;
		alloc_size = c ? c->size : 0;
	}
	mw_heap_track(ptr, size, alloc_size, a->cache, a->site, a->module_id,
		      a->gfp & MW_GFP_ZERO ? 0 : mw_heap_snapshot(ptr, size), a->stack);
	return 0;
}

/* A watched module freed @ptr, which lies inside live @o but not at its start. */
static __always_inline void mw_report_invalid_free(struct mw_object *o, __u64 site, __u64 ptr,
						   __u32 module_id)
{
	struct mw_event *e;

	e = mw_report(MW_INVALID_FREE, MW_EVENT_SIZE(invalid_free), site, module_id,
		      o->alloc_site);
	if (!e)
		return;
	e->invalid_free.obj = *o;
	e->invalid_free.ptr = ptr;
	mw_report_send(e);
}

/* How a free was seen: by a kmem tracepoint (0), or at the module's own call. */
enum {
	MW_FREE_PROBED = 1u << 0,	/* a probe on its kfree/kmem_cache_free/vfree call */
	MW_FREE_RCU = 1u << 1,		/* a probe on its kvfree_call_rcu() call */
	MW_FREE_JUDGED = 1u << 2,	/* the tracepoint inside a probed call: the probe judged it */
};

/*
 * Return addresses of the probed free calls (the kmem tracepoints' call_site
 * for them), filled by the daemon: such a tracepoint run only retires what
 * the probe may have missed, and leaves the rules to the probe.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_MAX_SITES);
	__type(key, __u64);
	__type(value, __u32);
} mw_probed_frees_t;
mw_probed_frees_t mw_probed_frees __weak SEC(".maps");

/*
 * The live object at @ptr is freed: quarantine it. BPF_NOEXIST makes the
 * insert the one atomic step that decides which of two racing frees came
 * first; the loser finds the winner's record and is the double free. A
 * global function of its own: its copy of the record stays off the stack
 * of the lock rules the free path calls first.
 */
MW_GLOBAL int mw_heap_retire(__u64 site, __u64 ptr, __u32 module_id, __u32 how, __u32 stack)
{
	struct mw_object *live = bpf_map_lookup_elem(&mw_objects, &ptr);
	struct mw_object q, *first;
	long err;

	if (!live) {
		/* A racing free of the same live object retired it first: this is the second. */
		first = bpf_map_lookup_elem(&mw_quarantine, &ptr);
		if (first && module_id)
			mw_report_double_free(first, site, module_id);
		return 0;
	}
	q = *live;

	/*
	 * No tracepoint says when a vmalloc address is handed out again: a
	 * quarantined one could be someone else's by now. Forgotten, not kept.
	 */
	if (live->flags & MW_OBJ_SHARED)
		bpf_map_delete_elem(&mw_shares, &ptr);
	if (live->flags & MW_OBJ_VMALLOC) {
		mw_heap_remove(&mw_objects, ptr);
		return 0;
	}
	q.free_site = site;
	q.free_ns = bpf_ktime_get_ns();
	q.free_tid = (__u32)bpf_get_current_pid_tgid();
	q.free_stack = stack;
	q.flags = how & MW_FREE_RCU ? MW_OBJ_RCU : how & MW_FREE_PROBED ? MW_OBJ_AWAIT_TP : 0;
	err = mw_heap_insert(&mw_quarantine, ptr, &q);
	if (!err) {
		mw_stat_inc(MW_STAT_QUARANTINE_INSERTS);
		if (live->flags & MW_OBJ_SNAPSHOT)
			bpf_map_delete_elem(&mw_snaps, &ptr);
		mw_heap_remove(&mw_objects, ptr);
		return 0;
	}
	if (err != -EEXIST) {
		/* Keep the live record: a later free still sees the object. */
		mw_stat_inc(MW_STAT_QUARANTINE_FULL);
		return 0;
	}
	first = bpf_map_lookup_elem(&mw_quarantine, &ptr);
	if (first && module_id)
		mw_report_double_free(first, site, module_id);
	return 0;
}

/*
 * Is this tracepoint's free of quarantined @q the one a probe already saw
 * at the module's call (same task, the probe's mark still there)? Then it
 * takes the mark away and is no second free.
 */
static __always_inline bool mw_free_was_probed(struct mw_object *q)
{
	if (q->free_tid != (__u32)bpf_get_current_pid_tgid())
		return false;
	return __sync_fetch_and_and(&q->flags, ~MW_OBJ_AWAIT_TP) & MW_OBJ_AWAIT_TP;
}

/* A watched module frees @ptr that is no live object's start: which rule does it break? */
static __always_inline void mw_heap_free_unknown(__u64 site, __u32 module_id, __u64 ptr,
						 __u32 how, bool maybe)
{
	struct mw_object *obj = maybe ? bpf_map_lookup_elem(&mw_quarantine, &ptr) : NULL;

	if (how & MW_FREE_JUDGED) {
		if (obj)
			mw_free_was_probed(obj);	/* its probe's mark goes */
		return;
	}
	if (obj) {
		if (!how && mw_free_was_probed(obj))
			return;
		mw_report_double_free(obj, site, module_id);
		return;
	}
	obj = mw_heap_maybe(ptr) ? bpf_map_lookup_elem(&mw_reused, &ptr) : NULL;
	if (obj) {
		mw_report_reused((struct mw_reuse *)obj, site, module_id, MW_DOUBLE_FREE, ptr, 0,
				 0);
		return;
	}
	obj = mw_heap_find(&mw_objects, MW_IN_OBJECTS, ptr);
	if (obj)
		mw_report_invalid_free(obj, site, ptr, module_id);
}

/*
 * @site (of watched module @module_id, or 0) freed @ptr, as @how saw it;
 * @stack: the free's kernel stack, which a hook takes when @ptr is a live
 * tracked object. Frees from anywhere retire tracked objects (ownership may
 * pass to core code), but only a watched module's free of a quarantined
 * address is its double free, and only its free of a pointer into a live
 * object is an invalid free (the interior search is too costly for every
 * free in the kernel).
 */
MW_GLOBAL int mw_heap_free(__u64 site, __u32 module_id, __u64 ptr, __u32 how, __u32 stack)
{
	bool maybe = mw_heap_maybe(ptr);	/* once: the maps below share the filter */
	struct mw_object *obj;

	if (ptr <= MW_ZERO_SIZE_PTR)
		return 0;
	obj = maybe ? bpf_map_lookup_elem(&mw_objects, &ptr) : NULL;
	if (obj) {
		mw_locks_freed(ptr, obj->size, site, module_id, obj);
		mw_heap_retire(site, ptr, module_id, how, stack);
		return 0;
	}
	if (!module_id) {
		if (maybe)
			mw_reused_return(ptr);
		return 0;
	}
	mw_heap_free_unknown(site, module_id, ptr, how, maybe);
	return 0;
}

/* ---- the hooks' side: what only they can see, and the cheap answer first ---- */

/* The stack of a free of @ptr, walked only when it frees a live tracked object. */
static __always_inline __u32 mw_free_stack(void *ctx, __u64 ptr)
{
	if (!mw_heap_maybe(ptr) || !bpf_map_lookup_elem(&mw_objects, &ptr))
		return 0;
	return mw_stack(ctx, MW_STACKS_HEAP);
}

/*
 * A kmem tracepoint's free of @ptr by the code at @site (its caller's return
 * address). Nearly every free in the kernel is nothing of ours: two filter
 * lookups say so; the rest goes to the rule, with the stack when the object
 * is a live tracked one.
 */
static __always_inline void mw_heap_free_hook(void *ctx, __u64 site, __u64 ptr)
{
	__u32 module_id, how = 0, stack = 0;
	bool maybe;

	if (ptr <= MW_ZERO_SIZE_PTR)
		return;
	module_id = mw_site_module(site);
	maybe = mw_heap_maybe(ptr);	/* the live, quarantined and reused records' filter */
	if (!module_id && !maybe)
		return;
	if (module_id && bpf_map_lookup_elem(&mw_probed_frees, &site))
		how = MW_FREE_JUDGED;
	if (maybe)
		stack = mw_free_stack(ctx, ptr);
	mw_run(ctx, mw_heap_free(site, module_id, ptr, how, stack));
}

/*
 * The object kvfree_call_rcu(head, arg) frees, 0 if none. Without a head
 * (kvfree_rcu_mightsleep()) arg is the object. With one, kfree_rcu() passed
 * the head's offset in the object until v6.3 and the object itself since
 * ("rcu: Refactor kvfree_call_rcu() and high-level helpers"); the offset is
 * below 4096 either way (__is_kvfree_rcu_offset()), so the values tell the
 * two apart without a version: anything else is no kfree_rcu().
 */
static __always_inline __u64 mw_rcu_object(__u64 head, __u64 arg)
{
	if (!head)
		return arg;
	if (arg < 4096)
		return head - arg;
	return arg <= head && head - arg < 4096 ? arg : 0;
}

/* kfree_rcu() at site @s: the object is retired for good (MW_FREE_RCU). */
static __always_inline void mw_free_rcu(void *ctx, const struct mw_site *s, __u64 head, __u64 arg)
{
	__u64 ptr = mw_rcu_object(head, arg);

	if (ptr > MW_ZERO_SIZE_PTR)
		mw_run(ctx, mw_heap_free(s->addr, s->module_id, ptr, MW_FREE_RCU,
					 mw_free_stack(ctx, ptr)));
}

/*
 * Is a kmem tracepoint's allocation of @ptr by the code at @site any of
 * ours? A watched module's, or at an address with a record (@maybe: the
 * filter says so), or while a module's allocator call waits for core
 * code's kmalloc. Nearly every allocation in the kernel is none of these:
 * one filter lookup and one compare say so, before anything else is done.
 */
static __always_inline bool mw_heap_alloc_wanted(__u64 site, __u64 ptr, bool *maybe,
						 __u32 *module_id)
{
	*maybe = ptr > MW_ZERO_SIZE_PTR && mw_heap_maybe(ptr);
	*module_id = mw_site_module(site);
	return *maybe || *module_id || mw_behalf_active;
}

/*
 * A kmem tracepoint's allocation @a (its site, pointer, sizes and flags
 * set) that mw_heap_alloc_wanted() let through, @maybe as it found it.
 */
static __always_inline void mw_heap_alloc_hook(void *ctx, struct mw_alloc *a, bool maybe)
{
	__u32 base;

	if (!a->module_id && !maybe && a->cache)
		return;		/* a window on the module's behalf waits for a kmalloc only */
	/* An allocation's own stack: only a watched module's allocation is tracked. */
	a->stack = a->module_id && a->ptr > MW_ZERO_SIZE_PTR ? mw_stack(ctx, MW_STACKS_HEAP) : 0;
	a->module_on_stack = !a->module_id && maybe &&
			     bpf_map_lookup_elem(&mw_quarantine, &a->ptr) &&
			     mw_stack_has_module(ctx);
	base = mw_report_mark();
	/* The lock rules first: an allocation that may sleep under a spinlock. */
	if (a->module_id)
		mw_locks_alloc(a->site, a->module_id,
			       a->cache ? MW_CALLEE_KMEM_CACHE_ALLOC : MW_CALLEE_KMALLOC, a->gfp);
	mw_heap_alloc(a);
	mw_report_flush(ctx, base);
}

/* ---- allocations on a module's behalf ---- */

/* The module's allocator call at @s opens a window; @size_hint: what a vmalloc would get. */
static __always_inline void mw_behalf_open(const struct mw_site *s, __u64 size_hint)
{
	struct mw_behalf *b = bpf_task_storage_get(&mw_behalf, bpf_get_current_task_btf(), 0,
						   BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!b)
		return;
	if (!b->site)
		__sync_fetch_and_add(&mw_behalf_active, 1);
	b->site = s->addr;	/* a nested call (an irq handler's) takes the window over */
	b->module_id = s->module_id;
	b->size_hint = size_hint;
	b->ptr = 0;
}

/* Whether @addr is in the vmalloc space; any address is when its bounds are unknown. */
static __always_inline bool mw_in_vmalloc(__u64 addr)
{
	return !mw_vmalloc_end || (addr >= mw_vmalloc_start && addr < mw_vmalloc_end);
}

/* ERR_PTR() values: the top 4095 addresses. */
#define MW_MAX_ERRNO 4095

/*
 * The call at @s returned @ret: the candidate if it holds @ret (devm_kmalloc
 * returns a pointer into its devres node), else a vmalloc area if the
 * callee may return one (s->arg: a size register) and asked for a size.
 * Not snapshotted for uninit_leak: the bytes were written before the call
 * returned (kmemdup and alikes copy them). @stack: the call's.
 */
MW_GLOBAL int mw_behalf_close(const struct mw_site *s, __u64 ret, __u32 stack)
{
	struct mw_behalf *b = bpf_task_storage_get(&mw_behalf, bpf_get_current_task_btf(), 0, 0);
	__u64 slot;

	if (!s || !b || b->site != s->addr)
		return 0;
	b->site = 0;
	__sync_fetch_and_sub(&mw_behalf_active, 1);
	if (ret <= MW_ZERO_SIZE_PTR || ret >= -(__u64)MW_MAX_ERRNO)
		return 0;
	slot = b->alloc_size > b->size ? b->alloc_size : b->size;
	if (b->ptr && ret - b->ptr < (slot ? slot : 1)) {
		mw_heap_track(b->ptr, b->size, b->alloc_size, 0, s->addr, b->module_id, 0, stack);
		return 0;
	}
	/*
	 * Not the candidate: a vmalloc area, if it is in the vmalloc space. A
	 * kvmalloc() whose kmalloc the tracepoint did not show (a hook run the
	 * kernel skipped) returns slab memory, a slot smaller than the page
	 * a vmalloc area would round to: taken for one, its neighbour in the
	 * slab would look like its tail. Unseen, it is a miss, not a guess.
	 */
	if (s->arg && b->size_hint && mw_in_vmalloc(ret))
		mw_heap_track(ret, b->size_hint, (b->size_hint + 4095) & ~4095ull, 0, s->addr,
			      b->module_id, MW_OBJ_VMALLOC, stack);
	return 0;
}

/*
 * The stack of the allocator call at @s that returned @ret, walked only when
 * this task's window is that call's and something came back to track.
 */
static __always_inline __u32 mw_behalf_stack(void *ctx, const struct mw_site *s, __u64 ret)
{
	struct mw_behalf *b = bpf_task_storage_get(&mw_behalf, bpf_get_current_task_btf(), 0, 0);

	if (!b || b->site != s->addr || ret <= MW_ZERO_SIZE_PTR || ret >= -(__u64)MW_MAX_ERRNO)
		return 0;
	return mw_stack(ctx, MW_STACKS_HEAP);
}

/*
 * ---- lock calls: the heap's rules, then the lock rules ----
 *
 * A lock call is a use of the memory its lock lives in before it is a lock
 * event (heap <-> locks: see the top). Its bodies live here, below both rule
 * sets: locks.bpf.c's kprobes and the unit tests' entries (tests.bpf.c) run
 * them.
 */

/*
 * An acquire call at @s of @lock: a use of freed memory if the lock lies in
 * a freed object (@uaf: the kprobe asks, the unit tests' entry does not), then
 * the lock rules, with the call's stack taken here, where its first frame is
 * the module's (see mw_stack()), in system call @call (mw_syscall_now()).
 */
static __always_inline void mw_lock_call_hook(void *ctx, const struct mw_site *s, __u64 lock,
					      __u64 cookie, bool uaf, __u64 call)
{
	__u32 base = mw_report_mark();

	if (uaf)
		mw_heap_lock_use(s, lock, MW_ACCESS_LOCK);
	mw_lock_call(s, lock, cookie, mw_stack(ctx, MW_STACKS_LOCK), call);
	mw_report_flush(ctx, base);
}

/*
 * mutex_unlock(lock), _raw_spin_unlock*(lock, ...), _raw_{read,write}_unlock(lock), up_*(sem);
 * queue_limits_commit_update(q, lim), which releases q->limits_lock
 */
static __always_inline void mw_unlock_call(void *ctx, const struct mw_site *s, __u64 arg)
{
	__u64 lock = mw_unlocked_lock(s, arg);
	__u32 base;

	if (!lock)
		return;
	base = mw_report_mark();
	mw_heap_lock_use(s, lock, MW_ACCESS_UNLOCK);
	mw_lock_release(s, lock);
	mw_report_flush(ctx, base);
}

#endif /* MODWATCH_HEAP_BPF_H */
