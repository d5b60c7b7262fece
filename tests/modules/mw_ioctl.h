/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mw_ioctl.h - the ABI shared by the modwatch test modules (mw_buggy.ko, mw_clean.ko) and
 * their userspace trigger.
 *
 * Both modules implement every command below with the same numbers and structs:
 * mw_buggy commits exactly one rule violation per scenario, mw_clean does the same work
 * correctly (the false-positive control). The commands carry real struct sizes, so
 * _IOC_SIZE(cmd) is the size of the user slice that the argument pointer names.
 *
 * This header is included by kernel code and by userspace, so it only uses uapi headers.
 */
#ifndef MW_IOCTL_H
#define MW_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MW_IOC_MAGIC	0xB7	/* private misc devices: any free magic will do */
#define MW_ABI_VERSION	1

/* Payload of struct mw_msg; 64 bytes in all, one kmalloc-64 slot. */
#define MW_MSG_DATA	56
/* Largest write() a module accepts; a write handler copies into a stack buffer. */
#define MW_WRITE_MAX	96
/* The buggy write() handler copies count rounded up to this many bytes. */
#define MW_WRITE_ROUND	32
/* Default requested size of a heap record (module parameter rec_size). */
#define MW_REC_SIZE	40
/* How many bytes the trigger asks the heap-overflow commands to move (> MW_REC_SIZE). */
#define MW_HEAP_LEN	56

/* MW_IOC_INFO: which device this is. */
struct mw_info {
	__u32 abi;		/* MW_ABI_VERSION */
	__u32 buggy;		/* 1 for mw_buggy, 0 for mw_clean */
	__u32 rec_size;		/* requested size of heap records (module parameter) */
	__u32 slot_size;	/* ksize() of such a record: its slab slot */
};

/* MW_IOC_SLICE: the documented (v1) layout; the buggy module copies struct mw_slice_v2. */
struct mw_slice {
	__u64 a;
	__u64 b;
};

struct mw_slice_v2 {
	__u64 a;
	__u64 b;
	__u64 c;	/* not part of the MW_IOC_SLICE slice */
};

/* MW_IOC_FETCH_*: a length-prefixed message. */
struct mw_msg {
	__u32 len;	/* bytes of data[] in use, at most MW_MSG_DATA */
	__u32 flags;
	__u8 data[MW_MSG_DATA];
};

/* MW_IOC_HEAP_*, MW_IOC_UNINIT, MW_IOC_UAF_*: a separate user buffer of len bytes. */
struct mw_buf {
	__u64 uptr;	/* user address of the buffer */
	__u32 len;	/* its size in bytes */
	__u32 pad;
};

/* MW_IOC_ATOMIC_COPY: counters copied in under a spinlock. */
struct mw_stats {
	__u64 packets;
	__u64 bytes;
};

/*
 * Commands. Unless noted, a command returns 0 on success; the heap commands return the
 * number of bytes copied, the fetch commands the length the module used, and
 * MW_IOC_FETCH_RACE returns 1 when the two fetches saw different lengths.
 */
#define MW_IOC_INFO		_IOR(MW_IOC_MAGIC, 0x00, struct mw_info)
#define MW_IOC_SLICE		_IOW(MW_IOC_MAGIC, 0x01, struct mw_slice)
#define MW_IOC_FETCH_LEN	_IOW(MW_IOC_MAGIC, 0x02, struct mw_msg)
#define MW_IOC_FETCH_GET_USER	_IOW(MW_IOC_MAGIC, 0x03, struct mw_msg)
#define MW_IOC_FETCH_RACE	_IOW(MW_IOC_MAGIC, 0x04, struct mw_msg)
#define MW_IOC_HEAP_WRITE	_IOW(MW_IOC_MAGIC, 0x05, struct mw_buf)
#define MW_IOC_HEAP_READ	_IOW(MW_IOC_MAGIC, 0x06, struct mw_buf)
#define MW_IOC_UAF_COPY		_IOW(MW_IOC_MAGIC, 0x07, struct mw_buf)
#define MW_IOC_UNINIT		_IOW(MW_IOC_MAGIC, 0x08, struct mw_buf)
#define MW_IOC_UAF_MUTEX	_IO(MW_IOC_MAGIC, 0x09)
#define MW_IOC_DOUBLE_FREE	_IO(MW_IOC_MAGIC, 0x0a)
#define MW_IOC_INVALID_FREE	_IO(MW_IOC_MAGIC, 0x0b)
#define MW_IOC_LEAK		_IO(MW_IOC_MAGIC, 0x0c)
#define MW_IOC_OWNER_TAKE	_IO(MW_IOC_MAGIC, 0x0d)
#define MW_IOC_OWNER_DROP	_IO(MW_IOC_MAGIC, 0x0e)
#define MW_IOC_UNLOCK_UNHELD	_IO(MW_IOC_MAGIC, 0x0f)
#define MW_IOC_RECURSIVE	_IO(MW_IOC_MAGIC, 0x10)
#define MW_IOC_HOLD		_IO(MW_IOC_MAGIC, 0x11)
#define MW_IOC_RELEASE		_IO(MW_IOC_MAGIC, 0x12)
#define MW_IOC_ATOMIC_COPY	_IOW(MW_IOC_MAGIC, 0x13, struct mw_stats)
#define MW_IOC_ORDER_AB		_IO(MW_IOC_MAGIC, 0x14)
#define MW_IOC_ORDER_BA		_IO(MW_IOC_MAGIC, 0x15)
#define MW_IOC_FREE_HELD	_IO(MW_IOC_MAGIC, 0x16)
#define MW_IOC_HOLD_UNLOAD	_IO(MW_IOC_MAGIC, 0x17)
#define MW_IOC_ORDER_BC		_IO(MW_IOC_MAGIC, 0x18)
#define MW_IOC_ORDER_CA		_IO(MW_IOC_MAGIC, 0x19)
#define MW_IOC_UAF_KMEMDUP	_IOW(MW_IOC_MAGIC, 0x1a, struct mw_buf)
/* uninit_partial: a report struct with a padding hole and a text tail, copied whole. */
#define MW_IOC_UNINIT_PARTIAL	_IOW(MW_IOC_MAGIC, 0x1f, struct mw_buf)

/*
 * What MW_IOC_UNINIT_PARTIAL copies out (56 bytes, a kmalloc-64 slot): 7
 * bytes of padding after kind, and name[] filled by scnprintf() only as far
 * as its text goes.
 */
struct mw_report_rec {
	__u8 kind;
	__u64 id;
	char name[40];
};

/* uaf_inflight: a copy from a shared object, and its free from another task. */
#define MW_IOC_INFLIGHT_COPY	_IOW(MW_IOC_MAGIC, 0x1d, struct mw_buf)
#define MW_IOC_INFLIGHT_FREE	_IO(MW_IOC_MAGIC, 0x1e)
/*
 * uaf_reused: a record freed in one call whose pointer is kept, and a later
 * call that copies from it after core code got the memory: the trigger sends
 * SysV messages of MW_STALE_MSG_LEN bytes, which msgsnd() allocates (48-byte
 * header + text) from kmalloc-cg-128, the cache of the MW_STALE_SIZE record.
 */
#define MW_IOC_STALE_FREE	_IO(MW_IOC_MAGIC, 0x20)
#define MW_IOC_STALE_READ	_IOW(MW_IOC_MAGIC, 0x21, struct mw_buf)
#define MW_STALE_SIZE		100
#define MW_STALE_MSG_HDR	48	/* sizeof(struct msg_msg) on 64-bit */
#define MW_STALE_MSG_LEN	(MW_STALE_SIZE - MW_STALE_MSG_HDR)
/* Crash the kernel (mw_buggy loaded with crash=1 only): no scenarios, see trigger's "crash". */
#define MW_IOC_CRASH_DOUBLE_FREE _IO(MW_IOC_MAGIC, 0x1b)
#define MW_IOC_CRASH_HEAP_READ	_IOW(MW_IOC_MAGIC, 0x1c, struct mw_buf)

/*
 * Not a scenario: `make bench`'s watched hot path (mw_clean only; mw_buggy
 * says ENOTTY). A typical ioctl done right: kmalloc, copy_from_user,
 * mutex_lock/unlock, copy_to_user, kfree of one MW_HOT_LEN-byte record.
 */
#define MW_IOC_HOT		_IOW(MW_IOC_MAGIC, 0x22, struct mw_buf)
#define MW_HOT_LEN		64

/*
 * race_nolock, race_two_locks: the device's one MW_SHARED_LEN-byte buffer,
 * allocated by its first user, copied out (READ) and in (WRITE) through
 * user copies by whichever task calls, freed by SHARED_FREE. mw_buggy
 * shares it with no lock (READ, WRITE) or with a lock per path (READ_A
 * under one, WRITE_B under another); mw_clean under one mutex throughout.
 * Also, correct in both: an object one task fills and hands to another
 * (HANDOFF_PUT, HANDOFF_TAKE: Send), and a buffer of each open file's own
 * (PRIVATE_WRITE, PRIVATE_READ; freed when the file is released).
 */
#define MW_SHARED_LEN		64
#define MW_IOC_SHARED_READ	_IOW(MW_IOC_MAGIC, 0x23, struct mw_buf)
#define MW_IOC_SHARED_WRITE	_IOW(MW_IOC_MAGIC, 0x24, struct mw_buf)
#define MW_IOC_SHARED_READ_A	_IOW(MW_IOC_MAGIC, 0x25, struct mw_buf)
#define MW_IOC_SHARED_WRITE_B	_IOW(MW_IOC_MAGIC, 0x26, struct mw_buf)
#define MW_IOC_SHARED_FREE	_IO(MW_IOC_MAGIC, 0x27)
#define MW_IOC_HANDOFF_PUT	_IOW(MW_IOC_MAGIC, 0x28, struct mw_buf)
#define MW_IOC_HANDOFF_TAKE	_IOW(MW_IOC_MAGIC, 0x29, struct mw_buf)
#define MW_IOC_PRIVATE_WRITE	_IOW(MW_IOC_MAGIC, 0x2a, struct mw_buf)
#define MW_IOC_PRIVATE_READ	_IOW(MW_IOC_MAGIC, 0x2b, struct mw_buf)

/*
 * race_static: a MW_SHARED_LEN-byte static buffer of the module's own (its
 * .bss), copied out (READ) and in (WRITE) by whichever task calls: mw_buggy
 * with no lock, mw_clean under a mutex.
 */
#define MW_IOC_STATIC_READ	_IOW(MW_IOC_MAGIC, 0x2c, struct mw_buf)
#define MW_IOC_STATIC_WRITE	_IOW(MW_IOC_MAGIC, 0x2d, struct mw_buf)

/*
 * --deep's scenarios (mw_deep.h): the bug is the module's own load or store.
 * DEEP_LOAD: a kmalloc'd record freed, then a field read (mw_clean: the
 * reader of a record it retired with kfree_rcu(), in its RCU read section).
 * DEEP_STORE: an object of the module cache freed, then a field written
 * (mw_clean: freed, allocated again, then written). DEEP_WORK: a delayed
 * work item runs on an object freed while it was pending (mw_clean: it
 * runs before the free). DEEP_TERM: len bytes of a user string in
 * kmalloc(len), the terminator stored at [len] (mw_clean: kmalloc(len + 1)).
 * DEEP_INDEX: a table of n u32 entries summed over [0, n] (mw_clean: over
 * [0, n), and its second half through a pointer into its middle). The
 * return value is a checksum of what the module read.
 */
#define MW_IOC_DEEP_LOAD	_IO(MW_IOC_MAGIC, 0x30)
#define MW_IOC_DEEP_STORE	_IO(MW_IOC_MAGIC, 0x31)
#define MW_IOC_DEEP_WORK	_IO(MW_IOC_MAGIC, 0x32)
#define MW_IOC_DEEP_TERM	_IOW(MW_IOC_MAGIC, 0x33, struct mw_buf)
#define MW_IOC_DEEP_INDEX	_IO(MW_IOC_MAGIC, 0x34)

/* Scenario flags. */
#define MW_SCN_BLOCKS	0x1	/* mw_buggy blocks in the kernel until the task is killed */
#define MW_SCN_DEEP	0x2	/* a plain load or store: reported only by modwatch --deep */

/*
 * The scenario table: X(name, kind, flags, site).
 *   name  - what `trigger NAME` runs;
 *   kind  - the violation kind a checker must report for mw_buggy (and never for mw_clean);
 *           ioctl_size_mismatch is reported as a warning;
 *   site  - the mw_buggy.c function that holds the violating call (what a report should name).
 * mw_buggy.c's header comment gives the commands and the other call sites of each scenario.
 * For MW_SCN_DEEP scenarios, site is the function holding the load or store.
 */
#define MW_SCENARIOS(X)								\
	X(slice_write,		user_slice_overrun,	0, "buggy_copy_past_count")	\
	X(slice_ioctl,		ioctl_size_mismatch,	0, "buggy_copy_past_ioc_size")	\
	X(double_fetch_len,	double_fetch,		0, "buggy_double_fetch_len")	\
	X(double_fetch_get_user, double_fetch,		0, "buggy_double_fetch_get_user") \
	X(double_fetch_race,	double_fetch,		0, "buggy_double_fetch_race")	\
	X(heap_write,		heap_overflow_write,	0, "buggy_heap_overflow_write")	\
	X(heap_read,		heap_overflow_read,	0, "buggy_heap_overflow_read")	\
	X(uaf_copy,		use_after_free,		0, "buggy_uaf_copy")		\
	X(uaf_kmemdup,		use_after_free,		0, "buggy_uaf_kmemdup")		\
	X(uaf_mutex,		use_after_free,		0, "buggy_uaf_mutex")		\
	X(uaf_inflight,		use_after_free,		0, "buggy_uaf_inflight")	\
	X(uaf_reused,		use_after_free,		0, "buggy_stale_read")		\
	X(double_free,		double_free,		0, "buggy_double_free")		\
	X(invalid_free,		invalid_free,		0, "buggy_invalid_free")	\
	X(leak,			leak_on_unload,		0, "buggy_leak")		\
	X(uninit_copy,		uninit_leak,		0, "buggy_uninit_copy")		\
	X(uninit_partial,	uninit_leak,		0, "buggy_uninit_partial")	\
	X(unlock_not_owner,	unlock_not_owner,	0, "buggy_owner_drop")		\
	X(unlock_not_held,	unlock_not_held,	0, "buggy_unlock_unheld")	\
	X(recursive_lock,	recursive_lock,		MW_SCN_BLOCKS, "buggy_recursive_lock") \
	X(held_on_return,	lock_held_on_return,	0, "buggy_hold")		\
	X(copy_under_spinlock,	sleep_in_atomic,	0, "buggy_copy_under_spinlock")	\
	X(lock_order,		lock_order_inversion,	0, "buggy_lock_ba")		\
	X(lock_cycle,		lock_order_inversion,	0, "buggy_lock_ca")		\
	X(held_lock_freed,	held_lock_freed,	0, "buggy_free_held_lock")	\
	X(held_on_unload,	lock_held_on_unload,	0, "buggy_lock_until_unload") \
	X(race_nolock,		data_race,		0, "buggy_shared_write")	\
	X(race_two_locks,	unprotected_shared_access, 0, "buggy_shared_read_a") \
	X(race_static,		data_race,		0, "buggy_static_write")	\
	X(deep_uaf_load,	use_after_free,		MW_SCN_DEEP, "buggy_deep_load") \
	X(deep_uaf_store,	use_after_free,		MW_SCN_DEEP, "buggy_deep_store") \
	X(deep_uaf_work,	use_after_free,		MW_SCN_DEEP, "buggy_deep_work_fn") \
	X(deep_term,		heap_overflow_write,	MW_SCN_DEEP, "buggy_deep_term") \
	X(deep_index,		heap_overflow_read,	MW_SCN_DEEP, "buggy_deep_entry")

#endif /* MW_IOCTL_H */
