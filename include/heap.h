/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Heap-object records, shared by the BPF maps (live objects, quarantine)
 * and the event payloads that quote an object.
 */
#ifndef MODWATCH_HEAP_H
#define MODWATCH_HEAP_H

#include "types.h"

/* mw_object.flags */
enum {
	/* A double_free was reported for this freed object: report it once. */
	MW_OBJ_DOUBLE_FREE_REPORTED = 1u << 0,
	/* Allocated without __GFP_ZERO: mw_snaps holds its first bytes as allocated. */
	MW_OBJ_SNAPSHOT = 1u << 1,
	/* A use_after_free was reported for this freed object: report it once. */
	MW_OBJ_UAF_REPORTED = 1u << 2,
	/*
	 * Freed, as the module's probed call said; the kfree tracepoint inside
	 * that call is yet to come, in the same task, and is no second free.
	 */
	MW_OBJ_AWAIT_TP = 1u << 3,
	/*
	 * Handed to kvfree_call_rcu() (kfree_rcu()): freed after a grace period,
	 * in a batch no tracepoint reports. RCU readers may still use it: a use
	 * is no use after free; a second free is a double free.
	 */
	MW_OBJ_RCU = 1u << 4,
	/* From vmalloc(): only vfree()/kvfree() free it, and no tracepoint says when. */
	MW_OBJ_VMALLOC = 1u << 5,
	/*
	 * Allocated full of SLUB's free poison (slub_debug=P, init_on_alloc=0):
	 * every byte the module never wrote still says so, at any offset, and
	 * uninit_leak counts them one by one (no snapshot is kept).
	 */
	MW_OBJ_POISONED = 1u << 6,
	/* mw_shares holds its sharing state between tasks (include/races.h). */
	MW_OBJ_SHARED = 1u << 7,
	/*
	 * Not from the heap: a writable static object of the module (its .data
	 * or .bss), which lives as long as the module (alloc_ns: when modwatch
	 * learnt of it). Only the race rules look at these (mw_statics).
	 */
	MW_OBJ_STATIC = 1u << 8,
};

/* SLUB's POISON_FREE (include/linux/poison.h): a freed object's bytes under slub_debug=P. */
#define MW_POISON_FREE 0x6b
#define MW_POISON_FREE64 0x6b6b6b6b6b6b6b6bull
/*
 * Unwritten bytes count in runs of at least this many poison bytes: a
 * written 'k' (0x6b) now and then is data, not a hole. Holes of 1 to 3
 * bytes are missed; a miss, never a false report.
 */
#define MW_UNINIT_RUN 4
/* How far into a copy the poison scan reads (64-byte steps). */
#define MW_UNINIT_SCAN 4096

/*
 * The kmem tracepoint hooks (bpf/heap.bpf.c), by the argument layout each
 * passes; in this order: the kmalloc layouts, the kmem_cache ones, the frees.
 */
enum mw_hook {
	MW_HOOK_KMALLOC,
	MW_HOOK_KMALLOC_NODE,
	MW_HOOK_KMEM_CACHE_ALLOC,
	MW_HOOK_KMEM_CACHE_ALLOC_NODE,
	MW_HOOK_KFREE,
	MW_HOOK_KMEM_CACHE_FREE,
	MW_HOOK_NR,
};

/*
 * An allocation core code makes on a module's behalf (kmemdup(), kstrdup(),
 * kvmalloc(), vmalloc(), devm_kmalloc(), memdup_user()...): its kmalloc
 * tracepoint's call site is core code's, not the module's. A probe on the
 * module's call opens a window in the task's storage, the first kmalloc
 * inside it is the candidate, and a probe on the instruction after the
 * call decides from the pointer returned (rax): the candidate if it holds
 * it, else, for a vmalloc-capable callee, a vmalloc area of the size the
 * call asked for. The object is then tracked as the module's, allocated at
 * its call.
 */
struct mw_behalf {
	__u64 site;		/* the open call, 0: no window */
	__u64 size_hint;	/* the size the call asked for, 0 if unknown */
	__u64 ptr;		/* the candidate: 0 until a kmalloc inside the call */
	__u64 size;
	__u64 alloc_size;
	__u32 module_id;
	__u32 __pad;
};
_Static_assert(sizeof(struct mw_behalf) == 48, "mw_behalf layout");

/* Bytes of a non-zeroed allocation kept to tell later whether they were written. */
#define MW_ALLOC_SNAP 64

struct mw_snap {
	__u8 bytes[MW_ALLOC_SNAP];
};

/*
 * The layout of a kmem_cache a watched module allocates from: where its
 * objects sit in a slab (SLUB: slab base, aligned to its order, plus
 * red_left_pad, plus k * size), so interior pointers resolve, and its name
 * for reports.
 */
#define MW_CACHE_NAME 32
#define MW_MAX_CACHES 64

struct mw_cache {
	__u32 size;		/* stride between objects */
	__u32 object_size;
	__u32 red_left_pad;
	__u32 order;		/* of its slabs, and the fallback order */
	__u32 min_order;
	__u32 __pad;
	char name[MW_CACHE_NAME];
};
_Static_assert(sizeof(struct mw_cache) == 56, "mw_cache layout");

/*
 * One heap object allocated by a watched module. Live objects are keyed by
 * address in mw_objects; on free the record moves, with its free site, to the
 * mw_quarantine LRU until the allocator hands the address out again.
 */
struct mw_object {
	__u64 addr;
	__u64 size;		/* bytes requested */
	__u64 alloc_size;	/* bytes the allocator gave (its size class) */
	__u64 alloc_site;
	__u64 alloc_ns;
	__u64 free_site;	/* 0 while live */
	__u64 free_ns;
	__u64 cache;		/* struct kmem_cache * for kmem_cache_alloc, 0 for kmalloc */
	__u32 alloc_tid;
	__u32 free_tid;
	__u32 module_id;	/* registry id of the allocating module */
	__u32 flags;		/* MW_OBJ_* */
	/*
	 * The slab cache its memory belonged to when allocated (0: unknown, or
	 * no slab: a large kmalloc). SLUB hands a freed slab page to any cache:
	 * memory of a freed object under another cache now is someone else's,
	 * even though no allocation returned the object's own address.
	 */
	__u64 slab_cache;
	/* The kernel stacks of the allocation and the free: mw_stacks id + 1, 0: none. */
	__u32 alloc_stack;
	__u32 free_stack;
};

#define MW_OBJECT_SIZE 96
_Static_assert(sizeof(struct mw_object) == MW_OBJECT_SIZE, "mw_object layout");

/*
 * The allocation that got a freed object's memory: core code's, with no
 * watched module on its kernel stack (else the object is that module's
 * again, allocated on its behalf). site 0: nobody known.
 */
struct mw_reused_by {
	__u64 site;		/* the allocation's call site */
	__u32 tid;
	__u32 __pad;
};
_Static_assert(sizeof(struct mw_reused_by) == 16, "mw_reused_by layout");

/*
 * A freed object whose address core code has handed out again: the old
 * record, and who got the memory. A watched module's later free or copy
 * of it is reported against both, as "possible": core code may have
 * handed the new object to the module since (a request a driver frees).
 * When the new owner frees the memory, the record goes back to quarantine.
 */
struct mw_reuse {
	struct mw_object obj;	/* first: mw_heap_find() reads records as mw_object */
	struct mw_reused_by by;
};
_Static_assert(sizeof(struct mw_reuse) == MW_OBJECT_SIZE + 16, "mw_reuse layout");

/* Reused records kept, and kernel stack frames searched for a watched module. */
#define MW_REUSED_ENTRIES 8192
#define MW_REUSE_FRAMES 16

/*
 * The counting filter in front of the live objects, the quarantine and the
 * reused records (mw_heap_filter): at least this many slots, a power of
 * two; the daemon gives it two per record the three maps can hold. A
 * counting filter's slot for a record's start address, the same in BPF and
 * in the daemon's tests: a multiplicative hash, because slab addresses
 * share their low bits.
 */
#define MW_HEAP_FILTER 65536

static inline __u32 mw_filter_slot(__u64 addr, __u32 mask)
{
	return (__u32)((addr * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

/*
 * A slot's count is a 16-bit lane of a 64-bit map value, four to a value:
 * an array map spends 8 bytes on each value whatever its size, and every
 * allocation and free in the kernel reads one slot, so a denser filter
 * misses the cache less (256 KiB at the defaults, 1 MiB as 32-bit values).
 * A lane cannot overflow into the next: that would take 65536 records of
 * one slot, in maps that hold fewer than that many altogether.
 */
#define MW_FILTER_LANES 4

static inline __u32 mw_filter_word(__u32 slot)
{
	return slot / MW_FILTER_LANES;
}

static inline __u32 mw_filter_shift(__u32 slot)
{
	return slot % MW_FILTER_LANES * 16;
}

/*
 * In front of the filter, its summary: the counts of MW_SUMMARY_SLOTS
 * slots, each the sum of the filter's slots with the same low bits, in 8
 * KiB of the object's .bss (mw_heap_summary) that stay in the cache. While
 * a watched module holds few records, most of the kernel's allocations and
 * frees are answered there and never touch the filter. Its lanes cannot
 * overflow either: each counts about 1/4096 of the records.
 */
#define MW_SUMMARY_SLOTS 4096
#define MW_SUMMARY_WORDS (MW_SUMMARY_SLOTS / MW_FILTER_LANES)

#endif /* MODWATCH_HEAP_H */
