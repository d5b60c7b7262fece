/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event ABI: every record that crosses the BPF ring buffer.
 *
 * A record is one struct mw_event_hdr followed by the payload of its kind;
 * hdr.size is the size of the whole record, so a reader can skip kinds it
 * does not know. Fields are fixed width and padding is explicit so that the
 * BPF object (clang -target bpf) and the daemon (gcc, x86_64) agree byte for
 * byte; the _Static_asserts below hold both sides to it.
 */
#ifndef MODWATCH_EVENTS_H
#define MODWATCH_EVENTS_H

#include "heap.h"
#include "races.h"
#include "registry.h"

/*
 * Every violation kind, in ABI order, with the exact name used in reports.
 * Append only: the numbers are part of the ABI.
 */
#define MW_KINDS(X)							\
	X(USER_SLICE_OVERRUN,	user_slice_overrun)			\
	X(DOUBLE_FETCH,		double_fetch)				\
	X(HEAP_OVERFLOW_WRITE,	heap_overflow_write)			\
	X(HEAP_OVERFLOW_READ,	heap_overflow_read)			\
	X(USE_AFTER_FREE,	use_after_free)				\
	X(DOUBLE_FREE,		double_free)				\
	X(INVALID_FREE,		invalid_free)				\
	X(LEAK_ON_UNLOAD,	leak_on_unload)				\
	X(UNINIT_LEAK,		uninit_leak)				\
	X(UNLOCK_NOT_OWNER,	unlock_not_owner)			\
	X(UNLOCK_NOT_HELD,	unlock_not_held)			\
	X(RECURSIVE_LOCK,	recursive_lock)				\
	X(LOCK_HELD_ON_RETURN,	lock_held_on_return)			\
	X(SLEEP_IN_ATOMIC,	sleep_in_atomic)			\
	X(LOCK_ORDER_INVERSION,	lock_order_inversion)			\
	X(HELD_LOCK_FREED,	held_lock_freed)			\
	X(LOCK_HELD_ON_UNLOAD,	lock_held_on_unload)			\
	X(IOCTL_SIZE_MISMATCH,	ioctl_size_mismatch)			\
	X(DATA_RACE,		data_race)				\
	X(UNPROTECTED_SHARED_ACCESS, unprotected_shared_access)

#define MW_KIND_ENUM(up, low) MW_##up,
enum mw_kind {
	MW_KIND_NONE = 0,
	MW_KINDS(MW_KIND_ENUM)
	MW_KIND_NR
};
#undef MW_KIND_ENUM

/*
 * Records that are not violations, with kinds from MW_REC_BASE on: what the
 * kernel says about the watched modules themselves.
 */
enum {
	MW_REC_BASE = 0x100,
	MW_REC_MODULE_FREE = MW_REC_BASE,	/* module:module_free of a watched module */
	MW_REC_MODULE_LOAD,	/* module:module_load of any module: hdr.module_id 0 */
	MW_REC_END,
};

/* hdr.flags */
enum {
	/* BPF missed some hook runs before this report: its evidence may be incomplete. */
	MW_EV_INCOMPLETE = 1u << 0,
	/* A warning, not a violation: ioctl_size_mismatch, or incomplete evidence. */
	MW_EV_WARNING = 1u << 1,
};

/*
 * Deduplication: the first report per (kind, module, site, key) goes out,
 * where key is the rule's second point of reference (the first fetch's or
 * free's site, the lock, the allocation site: see each rule); the others
 * only count, in mw_dedup, which the daemon reads back as repeats. A
 * report that could not be queued leaves its entry unsent, so a later
 * occurrence is reported: the first report of a bug is never lost for good.
 */
#define MW_DEDUP_ENTRIES 16384

/*
 * double_fetch's key is the first fetch's site, with this bit flipped when
 * the bytes changed in between: a won race is reported apart from a double
 * fetch that read the same bytes twice. (Kernel addresses have bit 63 set,
 * so a flipped one is never another site.)
 */
#define MW_DEDUP_CHANGED (1ull << 63)

struct mw_dedup_key {
	__u64 site;
	__u64 key;
	__u32 kind;
	__u32 module_id;
};
_Static_assert(sizeof(struct mw_dedup_key) == 24, "mw_dedup_key layout");

enum {
	MW_DEDUP_SENT = 1u << 0,	/* one report of it is in the ring buffer */
};

struct mw_dedup_val {
	__u64 count;		/* occurrences, the one reported included */
	__u32 flags;		/* MW_DEDUP_* */
	__u32 __pad;
};
_Static_assert(sizeof(struct mw_dedup_val) == 16, "mw_dedup_val layout");

#define MW_COMM_LEN 16

struct mw_event_hdr {
	__u16 kind;		/* enum mw_kind */
	__u16 size;		/* whole record, header included */
	__u32 cpu;
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 pid;		/* thread group id */
	__u32 tid;
	__u32 module_id;	/* registry id of the module that broke the rule */
	__u32 flags;		/* MW_EV_* */
	__u64 site;		/* the call site that broke the rule */
	char comm[MW_COMM_LEN];
	__u32 stack;		/* the kernel stack of the call: mw_stacks id + 1, 0: none */
	__u32 __pad;
};
_Static_assert(sizeof(struct mw_event_hdr) == 64, "mw_event_hdr layout");

/* A lock as the lock rules name it. */
enum mw_lock_type {
	MW_LOCK_MUTEX = 1,
	MW_LOCK_SPIN,
	MW_LOCK_RWLOCK,
	MW_LOCK_RWSEM,
};

struct mw_lock {
	__u64 addr;
	__u32 type;		/* enum mw_lock_type */
	__u32 __pad;
};
_Static_assert(sizeof(struct mw_lock) == 16, "mw_lock layout");

/* Direction of a user copy. */
enum mw_dir {
	MW_FROM_USER = 1,
	MW_TO_USER,
};

/* What a use_after_free touched the freed object with; a heap_overflow_*, 0 or the last two. */
enum mw_access {
	MW_ACCESS_COPY_FROM_USER = 1,	/* the object was the destination */
	MW_ACCESS_COPY_TO_USER,		/* the object was the source */
	MW_ACCESS_LOCK,
	MW_ACCESS_UNLOCK,
	MW_ACCESS_LOAD,			/* one of the module's own instructions (--deep) */
	MW_ACCESS_STORE,		/* the same, writing (a read-modify-write too) */
	MW_ACCESS_NR,
};

struct mw_user_slice_overrun {
	__u64 slice_start;	/* the slice the syscall declared */
	__u64 slice_len;
	__u64 copy_start;	/* the copy that ran past its end */
	__u64 copy_len;
	__u32 syscall_nr;
	__u32 dir;		/* enum mw_dir */
};

/*
 * ioctl_size_mismatch: an ioctl copy that starts inside [arg, arg +
 * _IOC_SIZE(cmd)) and runs past it. No proof of a bug: legacy numbers
 * (tun's TUNSETIFF is _IOW('T', 202, int) and copies a struct ifreq) and
 * variable-length headers (dm's struct dm_ioctl, sized by data_size) are
 * normal, so it is a warning, once per module, command and site.
 */
struct mw_ioctl_size_mismatch {
	__u64 slice_start;	/* arg */
	__u64 slice_len;	/* _IOC_SIZE(cmd) */
	__u64 copy_start;
	__u64 copy_len;
	__u32 cmd;
	__u32 dir;		/* enum mw_dir */
};

struct mw_double_fetch {
	__u64 first_site;
	__u64 user_addr;	/* start of the overlap */
	__u64 overlap_len;
	__u32 first_size;
	__u32 second_size;
	__u32 changed;		/* the overlapping bytes differed: a race was won */
	__u32 syscall_nr;
};

struct mw_heap_overflow {
	struct mw_object obj;
	__u64 copy_addr;	/* kernel side of the copy, or the load's or store's address */
	__u64 copy_len;
	__u32 access;		/* 0: a user copy (its kind says which way); MW_ACCESS_LOAD, _STORE */
	__u32 __pad;
};

struct mw_use_after_free {
	struct mw_object obj;
	__u64 access_addr;
	__u64 access_len;
	__u32 access;		/* enum mw_access */
	/*
	 * 1: the copy's call saw the object live; it was freed (by obj.free_tid)
	 * before the copy returned, a page fault in the copy having let the
	 * freeing task run (userfaultfd, FUSE, a slow disk).
	 */
	__u32 in_flight;
	struct mw_reused_by reused;	/* who got the memory since, if anyone */
};

struct mw_double_free {
	struct mw_object obj;	/* alloc site and first free site; hdr.site freed it again */
	struct mw_reused_by reused;	/* who got the memory since, if anyone */
};

struct mw_invalid_free {
	struct mw_object obj;	/* the live object the pointer lies inside */
	__u64 ptr;
};

struct mw_leak_on_unload {
	__u64 alloc_site;
	__u64 count;
	__u64 bytes;
};

struct mw_uninit_leak {
	struct mw_object obj;
	__u64 copy_addr;
	__u64 copy_len;
	__u64 uninit_len;	/* bytes still as they came from the allocator */
	__u64 first_off;	/* object offsets of the first of them ... */
	__u64 end_off;		/* ... and of the end of the last */
};

/* Each *_stack below: the kernel stack of the *_site's call, mw_stacks id + 1, 0: none. */

struct mw_unlock_not_owner {
	struct mw_lock lock;
	__u64 owner_site;	/* where the owner acquired it */
	__u32 owner_tid;
	__u32 owner_stack;
};

struct mw_unlock_not_held {
	struct mw_lock lock;
};

struct mw_recursive_lock {
	struct mw_lock lock;
	__u64 first_site;	/* where this task already acquired it */
	__u32 first_stack;
	__u32 __pad;
};

struct mw_lock_held_on_return {
	struct mw_lock lock;
	__u64 acquire_site;	/* hdr.site too, and hdr.stack its stack */
	__u32 syscall_nr;
	__u32 __pad;
};

struct mw_sleep_in_atomic {
	struct mw_lock held;	/* the spinlock held while sleeping */
	__u64 acquire_site;
	__u64 callee;		/* what may sleep: the called function's address */
	__u32 gfp_flags;	/* for allocations */
	__u32 acquire_stack;
};

struct mw_lock_order_inversion {
	struct mw_lock a;
	struct mw_lock b;
	__u64 ab_site_a;	/* A then B: where A was taken */
	__u64 ab_site_b;	/*           where B was taken */
	__u64 ba_site_b;	/* B then A: where B was taken */
	__u64 ba_site_a;	/*           where A was taken (hdr.site; its stack hdr.stack) */
	__u32 ab_stack_a;
	__u32 ab_stack_b;
	__u32 ba_stack_b;
	__u32 __pad;
};

struct mw_held_lock_freed {
	struct mw_object obj;
	struct mw_lock lock;
	__u64 acquire_site;
	__u32 owner_tid;
	__u32 acquire_stack;
};

struct mw_lock_held_on_unload {
	struct mw_lock lock;
	__u64 acquire_site;	/* hdr.site too, and hdr.stack its stack */
	__u32 owner_tid;
	__u32 __pad;
};

/*
 * data_race: two tasks' copies on overlapping bytes of one object were in
 * flight at once (other's call had not returned when this one's began), at
 * least one writing the object, no lock held in common. overlap_* is set.
 * unprotected_shared_access (a warning): the object is used by two tasks
 * taking turns, written, and no lock was held at every one of those
 * accesses (Eraser's lockset); other is the other task's latest access,
 * overlap_len 0. hdr names this access's task, site and stack.
 */
struct mw_shared_access {
	struct mw_object obj;
	struct mw_share_access self;
	struct mw_share_access other;
	__u64 overlap_addr;
	__u64 overlap_len;
};

/* MW_REC_MODULE_FREE: the module is going; hdr.module_id names it. */
struct mw_module_free {
	struct mw_module_key module;
};

struct mw_event {
	struct mw_event_hdr hdr;
	union {
		struct mw_user_slice_overrun user_slice_overrun;
		struct mw_ioctl_size_mismatch ioctl_size_mismatch;
		struct mw_double_fetch double_fetch;
		struct mw_heap_overflow heap_overflow;	/* both heap_overflow_* kinds */
		struct mw_use_after_free use_after_free;
		struct mw_double_free double_free;
		struct mw_invalid_free invalid_free;
		struct mw_leak_on_unload leak_on_unload;
		struct mw_uninit_leak uninit_leak;
		struct mw_unlock_not_owner unlock_not_owner;
		struct mw_unlock_not_held unlock_not_held;
		struct mw_recursive_lock recursive_lock;
		struct mw_lock_held_on_return lock_held_on_return;
		struct mw_sleep_in_atomic sleep_in_atomic;
		struct mw_lock_order_inversion lock_order_inversion;
		struct mw_held_lock_freed held_lock_freed;
		struct mw_lock_held_on_unload lock_held_on_unload;
		struct mw_shared_access shared_access;	/* data_race, unprotected_shared_access */
		struct mw_module_free module_free;
	};
};

_Static_assert(sizeof(struct mw_user_slice_overrun) == 40, "user_slice_overrun layout");
_Static_assert(sizeof(struct mw_ioctl_size_mismatch) == 40, "ioctl_size_mismatch layout");
_Static_assert(sizeof(struct mw_double_fetch) == 40, "double_fetch layout");
_Static_assert(sizeof(struct mw_heap_overflow) == MW_OBJECT_SIZE + 24, "heap_overflow layout");
_Static_assert(sizeof(struct mw_use_after_free) == MW_OBJECT_SIZE + 40, "use_after_free layout");
_Static_assert(sizeof(struct mw_double_free) == MW_OBJECT_SIZE + 16, "double_free layout");
_Static_assert(sizeof(struct mw_invalid_free) == MW_OBJECT_SIZE + 8, "invalid_free layout");
_Static_assert(sizeof(struct mw_leak_on_unload) == 24, "leak_on_unload layout");
_Static_assert(sizeof(struct mw_uninit_leak) == MW_OBJECT_SIZE + 40, "uninit_leak layout");
_Static_assert(sizeof(struct mw_unlock_not_owner) == 32, "unlock_not_owner layout");
_Static_assert(sizeof(struct mw_unlock_not_held) == 16, "unlock_not_held layout");
_Static_assert(sizeof(struct mw_recursive_lock) == 32, "recursive_lock layout");
_Static_assert(sizeof(struct mw_lock_held_on_return) == 32, "lock_held_on_return layout");
_Static_assert(sizeof(struct mw_sleep_in_atomic) == 40, "sleep_in_atomic layout");
_Static_assert(sizeof(struct mw_lock_order_inversion) == 80, "lock_order_inversion layout");
_Static_assert(sizeof(struct mw_held_lock_freed) == MW_OBJECT_SIZE + 32, "held_lock_freed layout");
_Static_assert(sizeof(struct mw_lock_held_on_unload) == 32, "lock_held_on_unload layout");
_Static_assert(sizeof(struct mw_shared_access) == MW_OBJECT_SIZE + 2 * 104 + 16,
	       "shared_access layout");
_Static_assert(sizeof(struct mw_module_free) == MW_MODULE_NAME, "module_free layout");

/* The record size of a kind: header plus that kind's payload. */
#define MW_EVENT_SIZE(member) \
	(sizeof(struct mw_event_hdr) + sizeof(((struct mw_event *)0)->member))

#endif /* MODWATCH_EVENTS_H */
