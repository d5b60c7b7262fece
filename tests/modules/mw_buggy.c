// SPDX-License-Identifier: GPL-2.0
/*
 * mw_buggy - a misc device (/dev/mw_buggy) whose every command commits exactly one
 * memory-safety or locking rule violation at the module's API boundary, for modwatch's
 * end-to-end tests. mw_clean.c does the same work correctly. Commands and structs come
 * from mw_ioctl.h; `trigger list` names the scenarios.
 *
 * Each violating call is a real call instruction in the noinline function named below
 * (__noclone, so the symbol keeps its name), which is what a report should name.
 *
 * scenario / kind              command(s)             function: the call that matters
 * ---------------------------  ---------------------  ----------------------------------------
 * slice_write                  write(fd, buf, 40)     buggy_copy_past_count: copy_from_user of
 *   user_slice_overrun                                round_up(count, 32) = 64 bytes
 * slice_ioctl                  MW_IOC_SLICE (16 B)    buggy_copy_past_ioc_size: copy_from_user of
 *   ioctl_size_mismatch                               sizeof(struct mw_slice_v2) = 24 bytes
 *   (a warning: real drivers do this on purpose)
 * double_fetch_len             MW_IOC_FETCH_LEN       buggy_double_fetch_len: copy_from_user of
 *   double_fetch                                      msg->len, then of the whole msg
 * double_fetch_get_user        MW_IOC_FETCH_GET_USER  buggy_double_fetch_get_user: get_user
 *   double_fetch                                      (__get_user_4) of len, copy_from_user of msg
 * double_fetch_race            MW_IOC_FETCH_RACE      buggy_double_fetch_race: as _len with a
 *   double_fetch                                      2-4 ms sleep between; 1 if len changed
 * heap_write                   MW_IOC_HEAP_WRITE      buggy_heap_overflow_write: kmalloc(40),
 *   heap_overflow_write                               copy_from_user of 56 bytes into it, kfree
 * heap_read                    MW_IOC_HEAP_READ       buggy_heap_overflow_read: kzalloc(40),
 *   heap_overflow_read                                copy_to_user of 56 bytes from it, kfree
 * uaf_copy                     MW_IOC_UAF_COPY        buggy_uaf_copy: kzalloc(40), kfree,
 *   use_after_free                                    then copy_to_user from it
 * uaf_kmemdup                  MW_IOC_UAF_KMEMDUP     buggy_uaf_kmemdup: kmemdup(40) (core code
 *   use_after_free                                    allocates it for the module), kfree, then
 *                                                     copy_to_user from it
 * uaf_mutex                    MW_IOC_UAF_MUTEX       buggy_uaf_mutex: kmem_cache_alloc (in
 *   use_after_free                                    mw_lockobj_alloc), kmem_cache_free, then
 *                                                     mutex_lock/mutex_unlock of its mutex
 * uninit_partial               MW_IOC_UNINIT_PARTIAL  buggy_uninit_partial: kmalloc of a struct
 *   uninit_leak                                       whose fields are set one by one (its
 *                                                     padding and name[]'s tail never are),
 *                                                     copy_to_user of all of it
 * uaf_inflight                 MW_IOC_INFLIGHT_COPY,  buggy_uaf_inflight: kmem_cache_alloc,
 *   use_after_free             and _FREE from the     published, copy_to_user of 64 bytes from
 *                              trigger's userfaultfd  it to a page that faults; the fault's
 *                              handler, while the     handler frees it (buggy_inflight_free),
 *                              copy waits             then lets the copy finish from freed
 *                                                     memory
 * uaf_reused                   MW_IOC_STALE_FREE,     buggy_stale_free: kmalloc(100), pointer
 *   use_after_free (possible:  the trigger's msgsnd() kept, kfree; the trigger's msgsnd()s
 *   core code got the memory)  spray, then            then get the memory (kmalloc-cg-128);
 *                              MW_IOC_STALE_READ      buggy_stale_read: copy_to_user from it
 * double_free                  MW_IOC_DOUBLE_FREE     buggy_double_free: kmem_cache_alloc, then
 *   double_free                                       kmem_cache_free twice
 * invalid_free                 MW_IOC_INVALID_FREE    buggy_invalid_free: kmem_cache_alloc,
 *   invalid_free                                      kfree(obj + 8), kmem_cache_free(obj)
 * leak                         MW_IOC_LEAK            buggy_leak: kmalloc(40), never freed, not
 *   leak_on_unload                                    even by module exit
 * uninit_copy                  MW_IOC_UNINIT          buggy_uninit_copy: kmalloc(40) (no
 *   uninit_leak                                       __GFP_ZERO, never written), copy_to_user
 * unlock_not_owner             MW_IOC_OWNER_TAKE in   buggy_owner_take (task A): mutex_lock,
 *   unlock_not_owner           task A, then           sleeps holding it; buggy_owner_drop
 *                              MW_IOC_OWNER_DROP in   (task B): mutex_unlock of A's mutex
 *                              task B
 * unlock_not_held              MW_IOC_UNLOCK_UNHELD   buggy_unlock_unheld: mutex_unlock of a
 *   unlock_not_held                                   mutex nobody holds
 * recursive_lock               MW_IOC_RECURSIVE       buggy_recursive_lock: mutex_lock_killable
 *   recursive_lock             (blocks until killed)  twice on the same mutex
 * held_on_return               MW_IOC_HOLD, then      buggy_hold: mutex_lock, returns to user
 *   lock_held_on_return        MW_IOC_RELEASE         holding it; buggy_release: mutex_unlock
 * copy_under_spinlock          MW_IOC_ATOMIC_COPY     buggy_copy_under_spinlock: spin_lock
 *   sleep_in_atomic                                   (_raw_spin_lock), copy_from_user, unlock
 * lock_order                   MW_IOC_ORDER_AB, then  buggy_lock_ab: mutex_lock A then B;
 *   lock_order_inversion       MW_IOC_ORDER_BA        buggy_lock_ba: mutex_lock B then A
 * lock_cycle                   MW_IOC_ORDER_AB, _BC,  buggy_lock_bc: B then C; buggy_lock_ca:
 *   lock_order_inversion       _CA                    C then A (a cycle through three locks)
 * held_lock_freed              MW_IOC_FREE_HELD       buggy_free_held_lock: kmem_cache_alloc,
 *   held_lock_freed                                   mutex_lock of its mutex, kmem_cache_free
 * held_on_unload               MW_IOC_HOLD_UNLOAD     buggy_lock_until_unload (in a kworker,
 *   lock_held_on_unload                               via mw_unload_work_fn): mutex_lock that
 *                                                     is never released; rmmod with it held
 * race_nolock                  MW_IOC_SHARED_READ to  buggy_shared_read: copy_to_user from the
 *   data_race                  a userfaultfd page,    shared buffer, no lock, waiting on the
 *                              _SHARED_WRITE from the fault; buggy_shared_write (the other
 *                              fault's handler        task): copy_from_user into it meanwhile
 * race_two_locks               MW_IOC_SHARED_READ_A,  buggy_shared_read_a: copy_to_user under
 *   unprotected_shared_access  _WRITE_B (another      lock A; buggy_shared_write_b:
 *   (a warning)                task), _READ_A again   copy_from_user under lock B; turns taken,
 *                                                     no lock in common (mw_share.h's hand-off
 *                                                     and per-file buffers follow, correct)
 * race_static                  MW_IOC_STATIC_READ to  buggy_static_read: copy_to_user from a
 *   data_race                  a userfaultfd page,    static buffer (.bss), no lock;
 *                              _STATIC_WRITE from the buggy_static_write (the other task):
 *                              fault's handler        copy_from_user into it meanwhile
 *
 *
 * --deep's scenarios (mw_ioctl.h's MW_IOC_DEEP_*, mw_deep.h): the bug is a plain load or store
 * deep_uaf_load                MW_IOC_DEEP_LOAD       buggy_deep_load: kmalloc, kfree, then a
 *   use_after_free (Read 8)                           field read
 * deep_uaf_store               MW_IOC_DEEP_STORE      buggy_deep_store: kmem_cache_alloc (a cache
 *   use_after_free (Write 8)                          with a constructor), kmem_cache_free, then
 *                                                     obj->count++
 * deep_uaf_work                MW_IOC_DEEP_WORK       buggy_deep_work_fn (a kworker): the delayed
 *   use_after_free (Write 8)                          work's obj->count++, its object freed by
 *                                                     buggy_deep_work_queue while it was pending
 * deep_term                    MW_IOC_DEEP_TERM       buggy_deep_term: kmalloc(rec_size), the
 *   heap_overflow_write (1)                           string's NUL stored at [rec_size]
 * deep_index                   MW_IOC_DEEP_INDEX      buggy_deep_entry: table[n] of a table of n
 *   heap_overflow_read (4)                            u32 (buggy_deep_index's loop runs to i <= n)
 *
 * How each bug stays survivable on Debian's 6.1 kernel (HARDENED_USERCOPY, FREELIST_HARDENED,
 * INIT_ON_ALLOC, no lockdep, no DEBUG_MUTEXES):
 * - user slices: the trigger passes user buffers larger than the slice, so nothing faults;
 *   kernel-side destinations are big enough for what is copied.
 * - heap overflows: records are kmalloc(rec_size = 40), i.e. kmalloc-64 slots, and the copy
 *   is bounded by ksize() (the slot, 64) instead of rec_size: it overruns the object but stays
 *   in its slot, so hardened usercopy (which checks slots) lets it through. rec_size is a
 *   module parameter, opaque to the compiler, so check_copy_size() does not skip the copy.
 * - uaf_copy only reads freed kmalloc-64 memory (SLUB keeps its free pointer at offset 32).
 * - uaf_mutex and held_lock_freed use mw_lockobj_cache: private, unpoisoned, free pointer in
 *   the second half of the object (after the mutex), and its slab is pinned by
 *   mw_lockobj_pin, so a freed object still holds a well-formed mutex and is nobody else's.
 * - double/invalid free go to mw_dbg_cache, created with SLAB_CONSISTENCY_CHECKS: SLUB logs
 *   "BUG mw_buggy_dbg ..." and refuses the free (the kernel is tainted 'B'). Its objects are
 *   16 KiB, one per slab: before checking a free, SLUB rewrites the object's free pointer,
 *   which for an object in the middle of a freelist would cut off the rest of the slab's free
 *   objects and leave the cache undestroyable at rmmod; alone in its slab it has nothing to lose.
 * - unlock_not_held: without DEBUG_MUTEXES, unlocking an unlocked mutex is a no-op (the slow
 *   path swaps an owner of 0 for 0). A spinlock would underflow preempt_count instead.
 * - recursive_lock waits killably (the trigger or the harness SIGKILLs it). Note that 6.1
 *   first spins on the owner (itself) with preemption off until need_resched(), up to a few
 *   seconds in an idle guest, before it sleeps and sees the signal.
 * - copy_under_spinlock: the trigger's buffer is already faulted in; were it not, a fault in
 *   atomic context is not handled on this kernel (PREEMPT_COUNT) and the copy just fails.
 * - lock_order: the two orders are taken one after the other, never concurrently.
 * - unlock_not_owner, held_on_return: every wait is bounded; a hold left behind by a killed
 *   trigger is dropped when its file is closed.
 * - held_on_unload: the kworker takes the mutex only once per load, so a second run does
 *   not block the workqueue; nothing touches the mutex after that.
 * - race_nolock: both copies stay inside the 64-byte buffer; it is freed by the trigger
 *   (MW_IOC_SHARED_FREE) once both returned.
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/semaphore.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mw_info.h"
#include "mw_ioctl.h"

/* Every call site a checker must see lives in one of these, under its own symbol name. */
#define mw_site noinline __noclone

#include "mw_share.h"
#include "mw_deep.h"

static unsigned int rec_size = MW_REC_SIZE;
module_param(rec_size, uint, 0444);
MODULE_PARM_DESC(rec_size, "requested size of heap records, 33..64 (a kmalloc-64 slot)");

/* Sink for data the module reads, so no copy is dead code. */
static u32 mw_sum;

static u32 mw_checksum(const void *p, size_t n)
{
	const u8 *b = p;
	u32 sum = 0;

	while (n--)
		sum = sum * 31 + *b++;
	return sum;
}

/* ---- private slab caches ---- */

/* Objects alone in their slab (> 16 KiB with debug metadata, slabs are at most 32 KiB). */
#define MW_DBG_OBJ_SIZE		(16 * 1024)
#define MW_DBG_FLAGS		(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | \
				 SLAB_STORE_USER)
#define MW_INTERIOR_OFFSET	8

static struct kmem_cache *mw_dbg_cache;

/* The mutex must stay out of the free pointer, which SLUB puts at object_size / 2. */
struct mw_lockobj {
	struct mutex lock;
	u64 payload[12];
};
static_assert(offsetof(struct mw_lockobj, lock) + sizeof(struct mutex) <=
	      sizeof(struct mw_lockobj) / 2);

/* No SLAB_POISON: a freed object must keep its (unlocked) mutex intact. */
#define MW_LOCKOBJ_FLAGS	(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE)

static struct kmem_cache *mw_lockobj_cache;
/* Keeps the slab of the scenarios' lock objects allocated, so freed ones stay slab memory. */
static struct mw_lockobj *mw_lockobj_pin;

static mw_site struct mw_lockobj *mw_lockobj_alloc(void)
{
	struct mw_lockobj *obj = kmem_cache_alloc(mw_lockobj_cache, GFP_KERNEL);

	if (obj)
		mutex_init(&obj->lock);
	return obj;
}

/* ---- user slices ---- */

/* slice_write: the protocol has no padding, yet whole 32-byte units are copied. */
static mw_site ssize_t buggy_copy_past_count(const char __user *ubuf, size_t count)
{
	char kbuf[MW_WRITE_MAX];
	size_t n = round_up(count, MW_WRITE_ROUND);

	if (copy_from_user(kbuf, ubuf, n))
		return -EFAULT;
	mw_sum = mw_checksum(kbuf, count);
	return count;
}

static ssize_t mw_buggy_write(struct file *file, const char __user *ubuf, size_t count,
			      loff_t *ppos)
{
	/* MW_WRITE_MAX is a multiple of MW_WRITE_ROUND: the rounded copy still fits kbuf. */
	count = min_t(size_t, count, MW_WRITE_MAX);
	return buggy_copy_past_count(ubuf, count);
}

/* slice_ioctl: copies the v2 struct for a command whose slice is the v1 struct. */
static mw_site long buggy_copy_past_ioc_size(void __user *argp)
{
	struct mw_slice_v2 s;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	mw_sum = s.a + s.b + s.c;
	return 0;
}

/* ---- double fetches ---- */

/* Uses the second fetch's len; clamped only so that a changed len cannot overrun data[]. */
static long mw_use_msg(const struct mw_msg *msg)
{
	u32 len = min_t(u32, msg->len, MW_MSG_DATA);

	mw_sum = mw_checksum(msg->data, len);
	return len;
}

static mw_site long buggy_double_fetch_len(struct mw_msg __user *umsg)
{
	struct mw_msg msg;
	u32 len;

	if (copy_from_user(&len, &umsg->len, sizeof(len)))
		return -EFAULT;
	if (len > MW_MSG_DATA)
		return -EINVAL;
	/* The checked len is fetched again with the message: user space may have changed it. */
	if (copy_from_user(&msg, umsg, sizeof(msg)))
		return -EFAULT;
	return mw_use_msg(&msg);
}

static mw_site long buggy_double_fetch_get_user(struct mw_msg __user *umsg)
{
	struct mw_msg msg;
	u32 len;

	if (get_user(len, &umsg->len))
		return -EFAULT;
	if (len > MW_MSG_DATA)
		return -EINVAL;
	if (copy_from_user(&msg, umsg, sizeof(msg)))
		return -EFAULT;
	return mw_use_msg(&msg);
}

/* Long enough for the trigger's flipping thread (every ~0.2 ms) to change len in between. */
#define MW_RACE_WINDOW_US	2000

static mw_site long buggy_double_fetch_race(struct mw_msg __user *umsg)
{
	struct mw_msg msg;
	u32 len;

	if (copy_from_user(&len, &umsg->len, sizeof(len)))
		return -EFAULT;
	if (len > MW_MSG_DATA)
		return -EINVAL;
	usleep_range(MW_RACE_WINDOW_US, 2 * MW_RACE_WINDOW_US);
	if (copy_from_user(&msg, umsg, sizeof(msg)))
		return -EFAULT;
	mw_use_msg(&msg);
	return msg.len != len;
}

/* ---- heap objects ---- */

/* The single, correct fetch of a struct mw_buf argument. */
static long mw_fetch_buf(struct mw_buf *b, const void __user *argp)
{
	if (copy_from_user(b, argp, sizeof(*b)))
		return -EFAULT;
	return 0;
}

/* Bounded by ksize(), the slab slot (64), instead of the rec_size (40) bytes requested. */
static mw_site long buggy_heap_overflow_write(const struct mw_buf *b)
{
	size_t n;
	u8 *rec;

	rec = kmalloc(rec_size, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	n = min_t(size_t, b->len, ksize(rec));
	if (copy_from_user(rec, u64_to_user_ptr(b->uptr), n)) {
		kfree(rec);
		return -EFAULT;
	}
	mw_sum = mw_checksum(rec, rec_size);
	kfree(rec);
	return n;
}

static mw_site long buggy_heap_overflow_read(const struct mw_buf *b)
{
	size_t n;
	u8 *rec;

	rec = kzalloc(rec_size, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	memset(rec, 0xa5, rec_size);
	n = min_t(size_t, b->len, ksize(rec));
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, n))
		n = -EFAULT;
	kfree(rec);
	return n;
}

static mw_site long buggy_uaf_copy(const struct mw_buf *b)
{
	size_t n = min_t(size_t, b->len, rec_size);
	u8 *rec;

	rec = kzalloc(rec_size, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	memset(rec, 0x5a, rec_size);
	kfree(rec);
	/* Reads the record after kfree(); read-only, so at worst it shows a free pointer. */
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, n))
		return -EFAULT;
	return n;
}

/* The same through kmemdup(): an object core code allocated on the module's behalf. */
static mw_site long buggy_uaf_kmemdup(const struct mw_buf *b)
{
	size_t n = min_t(size_t, b->len, rec_size);
	u8 src[64], *rec;

	memset(src, 0x5a, sizeof(src));
	rec = kmemdup(src, rec_size, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	kfree(rec);
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, n))
		return -EFAULT;
	return n;
}

/* With init_on_alloc (Debian's default) these bytes are zero; with init_on_alloc=0, stale. */
static mw_site long buggy_uninit_copy(const struct mw_buf *b)
{
	size_t n = min_t(size_t, b->len, rec_size);
	u8 *rec;

	rec = kmalloc(rec_size, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, n))
		n = -EFAULT;
	kfree(rec);
	return n;
}

/* Fields set one by one: the padding after kind and name[]'s tail are never written. */
static mw_site long buggy_uninit_partial(const struct mw_buf *b)
{
	size_t n = min_t(size_t, b->len, sizeof(struct mw_report_rec));
	struct mw_report_rec *rec = kmalloc(sizeof(*rec), GFP_KERNEL);

	if (!rec)
		return -ENOMEM;
	rec->kind = 1;
	rec->id = 42;
	scnprintf(rec->name, sizeof(rec->name), "mw%u", rec->kind);
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, n))
		n = -EFAULT;
	kfree(rec);
	return n;
}

static long mw_buf_cmd(const void __user *argp, long (*op)(const struct mw_buf *))
{
	struct mw_buf b;
	long ret = mw_fetch_buf(&b, argp);

	return ret ? ret : op(&b);
}

static mw_site long buggy_uaf_mutex(void)
{
	struct mw_lockobj *obj = mw_lockobj_alloc();

	if (!obj)
		return -ENOMEM;
	kmem_cache_free(mw_lockobj_cache, obj);
	/* The object is freed; its bytes still form an unlocked mutex (see the top comment). */
	mutex_lock(&obj->lock);
	mutex_unlock(&obj->lock);
	return 0;
}

/*
 * The object a copy is in flight from, published for buggy_inflight_free()
 * without a reference: the bug. From mw_lockobj_cache, whose slab is
 * pinned and which nobody else allocates from, so the freed memory stays
 * readable and nobody's; the constant size skips hardened usercopy (the
 * cache has no usercopy region).
 */
static struct mw_lockobj *mw_inflight;

static mw_site long buggy_uaf_inflight(const struct mw_buf *b)
{
	struct mw_lockobj *obj = mw_lockobj_alloc();

	if (!obj)
		return -ENOMEM;
	memset(obj->payload, 0x5a, sizeof(obj->payload));
	WRITE_ONCE(mw_inflight, obj);
	if (copy_to_user(u64_to_user_ptr(b->uptr), obj->payload, 64))
		return -EFAULT;
	return 64;
}

static mw_site long buggy_inflight_free(void)
{
	struct mw_lockobj *obj = xchg(&mw_inflight, NULL);

	if (obj)
		kmem_cache_free(mw_lockobj_cache, obj);
	return 0;
}

/*
 * uaf_reused: the record freed by buggy_stale_free() but still pointed to,
 * so buggy_stale_read() in a later call copies whatever now lives there: a
 * SysV message of the trigger's when its msgsnd() got the memory. Read only,
 * so the message's owner is not hurt.
 */
static u8 *mw_stale;

static mw_site long buggy_stale_free(void)
{
	u8 *rec = kmalloc(MW_STALE_SIZE, GFP_KERNEL_ACCOUNT);

	if (!rec)
		return -ENOMEM;
	memset(rec, 0x5a, MW_STALE_SIZE);
	WRITE_ONCE(mw_stale, rec);
	kfree(rec);		/* the bug: mw_stale still points at it */
	return 0;
}

static mw_site long buggy_stale_read(const struct mw_buf *b)
{
	size_t n = min_t(size_t, b->len, MW_STALE_SIZE);
	u8 *rec = READ_ONCE(mw_stale);

	if (!rec)
		return -ENODATA;
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, n))
		return -EFAULT;
	return n;
}

static mw_site long buggy_double_free(void)
{
	void *obj = kmem_cache_alloc(mw_dbg_cache, GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	kmem_cache_free(mw_dbg_cache, obj);
	/* SLUB's consistency checks catch and refuse this second free. */
	kmem_cache_free(mw_dbg_cache, obj);
	return 0;
}

/*
 * crash=1 allows MW_IOC_CRASH_DOUBLE_FREE: the double free as it happens in
 * the wild, on a kmalloc object, where SLUB's freelist hardening BUGs on the
 * second kfree (object == freelist head): with oops=panic the guest dies,
 * and only modwatch's line in the trace buffer, dumped on the oops, tells.
 * Interrupts stay off between the frees, so no allocation comes between.
 */
static bool crash;
module_param(crash, bool, 0444);

static mw_site long buggy_crash_double_free(void)
{
	unsigned long flags;
	void *obj;

	if (!crash)
		return -EPERM;
	obj = kmalloc(64, GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	local_irq_save(flags);
	kfree(obj);
	kfree(obj);
	local_irq_restore(flags);
	return 0;
}

/*
 * A copy to user past its slab object (kmalloc-64): hardened usercopy BUGs
 * before the copy call, so only the probe on the module's own
 * __check_object_size() call can report it.
 */
static mw_site long buggy_crash_heap_read(const struct mw_buf *b)
{
	long ret = 0;
	u8 *rec;

	if (!crash)
		return -EPERM;
	/* rec_size, not a constant: else FORTIFY refuses the copy at compile-time size. */
	rec = kzalloc(rec_size, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, b->len))
		ret = -EFAULT;
	kfree(rec);
	return ret;
}

static mw_site long buggy_invalid_free(void)
{
	u8 *obj = kmem_cache_alloc(mw_dbg_cache, GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	/* Not an object start: SLUB reports "Invalid object pointer" and refuses it. */
	kfree(obj + MW_INTERIOR_OFFSET);
	kmem_cache_free(mw_dbg_cache, obj);
	return 0;
}

/* Kept reachable (for a debugger), never freed: module exit leaves them behind. */
#define MW_LEAK_SLOTS	16
static void *mw_leaked[MW_LEAK_SLOTS];
static atomic_t mw_leak_next = ATOMIC_INIT(0);

static mw_site long buggy_leak(void)
{
	void *rec = kmalloc(rec_size, GFP_KERNEL);

	if (!rec)
		return -ENOMEM;
	WRITE_ONCE(mw_leaked[atomic_inc_return(&mw_leak_next) % MW_LEAK_SLOTS], rec);
	return 0;
}

/* ---- unlock_not_owner: task A holds owner_lock while task B unlocks it ---- */

enum {
	MW_OWNER_IDLE,
	MW_OWNER_TAKING,	/* A is taking (or giving up) the mutex */
	MW_OWNER_HELD,		/* A holds it and waits for B */
	MW_OWNER_DROPPING,	/* B is unlocking it */
	MW_OWNER_DROPPED,	/* B has unlocked it */
};

#define MW_HANDSHAKE_TIMEOUT	(5 * HZ)

static DEFINE_MUTEX(mw_owner_lock);
static DECLARE_WAIT_QUEUE_HEAD(mw_owner_wq);
static atomic_t mw_owner_state = ATOMIC_INIT(MW_OWNER_IDLE);

static bool mw_owner_is(int state)
{
	return atomic_read(&mw_owner_state) == state;
}

static void mw_owner_set(int state)
{
	atomic_set(&mw_owner_state, state);
	wake_up_all(&mw_owner_wq);
}

/* Task A: takes the mutex and sleeps holding it until task B has unlocked it. */
static mw_site long buggy_owner_take(void)
{
	long left;

	if (atomic_cmpxchg(&mw_owner_state, MW_OWNER_IDLE, MW_OWNER_TAKING) != MW_OWNER_IDLE)
		return -EBUSY;
	mutex_lock(&mw_owner_lock);
	mw_owner_set(MW_OWNER_HELD);
	left = wait_event_killable_timeout(mw_owner_wq, mw_owner_is(MW_OWNER_DROPPED),
					   MW_HANDSHAKE_TIMEOUT);
	if (left <= 0 &&
	    atomic_cmpxchg(&mw_owner_state, MW_OWNER_HELD, MW_OWNER_TAKING) == MW_OWNER_HELD) {
		/* B never came: give the mutex up properly, no bug committed. */
		mutex_unlock(&mw_owner_lock);
		mw_owner_set(MW_OWNER_IDLE);
		return left ? -EINTR : -ETIMEDOUT;
	}
	/* B is unlocking or has unlocked it: that is brief. */
	wait_event(mw_owner_wq, mw_owner_is(MW_OWNER_DROPPED));
	mw_owner_set(MW_OWNER_IDLE);
	return 0;
}

/* Task B: unlocks the mutex that task A holds. */
static mw_site long buggy_owner_drop(void)
{
	long left;

	left = wait_event_killable_timeout(mw_owner_wq, mw_owner_is(MW_OWNER_HELD),
					   MW_HANDSHAKE_TIMEOUT);
	if (left <= 0)
		return left ? -EINTR : -ETIMEDOUT;
	if (atomic_cmpxchg(&mw_owner_state, MW_OWNER_HELD, MW_OWNER_DROPPING) != MW_OWNER_HELD)
		return -EAGAIN;
	mutex_unlock(&mw_owner_lock);
	mw_owner_set(MW_OWNER_DROPPED);
	return 0;
}

/* ---- other lock misuse ---- */

static DEFINE_MUTEX(mw_unheld_lock);

static mw_site long buggy_unlock_unheld(void)
{
	mutex_unlock(&mw_unheld_lock);
	return 0;
}

static DEFINE_MUTEX(mw_rec_lock);

static mw_site long buggy_recursive_lock(void)
{
	int ret = mutex_lock_killable(&mw_rec_lock);

	if (ret)
		return ret;
	/*
	 * Self-deadlock: only a fatal signal ends this wait, with -EINTR, or on
	 * 6.1 with 0: woken as the first waiter, it hands the mutex to its own
	 * owner (the HANDOFF flag), and the task goes on "holding it twice".
	 */
	ret = mutex_lock_killable(&mw_rec_lock);
	if (!ret)
		mutex_unlock(&mw_rec_lock);
	mutex_unlock(&mw_rec_lock);
	return ret;
}

static DEFINE_MUTEX(mw_hold_lock);
/* The open file whose MW_IOC_HOLD holds mw_hold_lock, so that close() can drop it. */
static struct file *mw_hold_file;

static mw_site long buggy_hold(struct file *file)
{
	int ret = mutex_lock_killable(&mw_hold_lock);

	if (ret)
		return ret;
	/* Returns to user space holding mw_hold_lock. */
	WRITE_ONCE(mw_hold_file, file);
	return 0;
}

static mw_site long buggy_release(struct file *file)
{
	/* Only a hold taken through this file is released: no unlock of an unheld mutex. */
	if (READ_ONCE(mw_hold_file) != file)
		return -EPERM;
	WRITE_ONCE(mw_hold_file, NULL);
	mutex_unlock(&mw_hold_lock);
	return 0;
}

static DEFINE_SPINLOCK(mw_stats_lock);
static struct mw_stats mw_stats;

static mw_site long buggy_copy_under_spinlock(const void __user *argp)
{
	long ret = 0;

	spin_lock(&mw_stats_lock);
	/* copy_from_user may sleep to fault a page in: not allowed under a spinlock. */
	if (copy_from_user(&mw_stats, argp, sizeof(mw_stats)))
		ret = -EFAULT;
	spin_unlock(&mw_stats_lock);
	return ret;
}

static DEFINE_MUTEX(mw_lock_a);
static DEFINE_MUTEX(mw_lock_b);
static u64 mw_ab_count;

static mw_site long buggy_lock_ab(void)
{
	mutex_lock(&mw_lock_a);
	mutex_lock(&mw_lock_b);
	mw_ab_count++;
	mutex_unlock(&mw_lock_b);
	mutex_unlock(&mw_lock_a);
	return 0;
}

static DEFINE_MUTEX(mw_lock_c);

/* With buggy_lock_ab and buggy_lock_ca, a cycle A -> B -> C -> A. */
static mw_site long buggy_lock_bc(void)
{
	mutex_lock(&mw_lock_b);
	mutex_lock(&mw_lock_c);
	mutex_unlock(&mw_lock_c);
	mutex_unlock(&mw_lock_b);
	return 0;
}

static mw_site long buggy_lock_ca(void)
{
	mutex_lock(&mw_lock_c);
	mutex_lock(&mw_lock_a);
	mutex_unlock(&mw_lock_a);
	mutex_unlock(&mw_lock_c);
	return 0;
}

/* The reverse of buggy_lock_ab's order: run concurrently with it, this could deadlock. */
static mw_site long buggy_lock_ba(void)
{
	mutex_lock(&mw_lock_b);
	mutex_lock(&mw_lock_a);
	mw_ab_count++;
	mutex_unlock(&mw_lock_a);
	mutex_unlock(&mw_lock_b);
	return 0;
}

static mw_site long buggy_free_held_lock(void)
{
	struct mw_lockobj *obj = mw_lockobj_alloc();

	if (!obj)
		return -ENOMEM;
	mutex_lock(&obj->lock);
	/* Freed with its mutex held; unlocking it now would be a use after free. */
	kmem_cache_free(mw_lockobj_cache, obj);
	return 0;
}

static DEFINE_MUTEX(mw_unload_lock);
static bool mw_unload_locked;	/* only the (non-reentrant) work item touches it */

static mw_site void buggy_lock_until_unload(void)
{
	if (mw_unload_locked)
		return;
	/* Never released: the module is unloaded with it held. */
	mutex_lock(&mw_unload_lock);
	mw_unload_locked = true;
}

static void mw_unload_work_fn(struct work_struct *work)
{
	buggy_lock_until_unload();
}

static DECLARE_WORK(mw_unload_work, mw_unload_work_fn);

static long mw_hold_until_unload(void)
{
	schedule_work(&mw_unload_work);
	flush_work(&mw_unload_work);
	return 0;
}

/* ---- the device ---- */

static long mw_info(void __user *argp)
{
	struct mw_info info = {
		.abi = MW_ABI_VERSION,
		.buggy = 1,
		.rec_size = rec_size,
		.slot_size = kmalloc_size_roundup(rec_size),
	};

	mw_info_count();
	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

/*
 * race_nolock: the shared buffer copied out and in by whoever calls, no
 * lock: a reader whose copy waits on a page fault overlaps a writer.
 */
static mw_site long buggy_shared_read(const struct mw_buf *b)
{
	u8 *buf = mw_shared_get();

	if (!buf)
		return -ENOMEM;
	return copy_to_user(u64_to_user_ptr(b->uptr), buf, MW_SHARED_LEN) ? -EFAULT :
									    MW_SHARED_LEN;
}

static mw_site long buggy_shared_write(const struct mw_buf *b)
{
	u8 *buf = mw_shared_get();

	if (!buf)
		return -ENOMEM;
	return copy_from_user(buf, u64_to_user_ptr(b->uptr), MW_SHARED_LEN) ? -EFAULT :
									      MW_SHARED_LEN;
}

/* race_two_locks: each path under a lock of its own, which protects nothing. */
static DEFINE_MUTEX(mw_shared_lock_a);
static DEFINE_MUTEX(mw_shared_lock_b);

static mw_site long buggy_shared_read_a(const struct mw_buf *b)
{
	u8 *buf = mw_shared_get();
	long n = MW_SHARED_LEN;

	if (!buf)
		return -ENOMEM;
	mutex_lock(&mw_shared_lock_a);
	if (copy_to_user(u64_to_user_ptr(b->uptr), buf, MW_SHARED_LEN))
		n = -EFAULT;
	mutex_unlock(&mw_shared_lock_a);
	return n;
}

static mw_site long buggy_shared_write_b(const struct mw_buf *b)
{
	u8 *buf = mw_shared_get();
	long n = MW_SHARED_LEN;

	if (!buf)
		return -ENOMEM;
	mutex_lock(&mw_shared_lock_b);
	if (copy_from_user(buf, u64_to_user_ptr(b->uptr), MW_SHARED_LEN))
		n = -EFAULT;
	mutex_unlock(&mw_shared_lock_b);
	return n;
}

/* race_static: the same race on the module's own static buffer, not a heap object. */
static u8 buggy_static_buf[MW_SHARED_LEN];

static mw_site long buggy_static_read(const struct mw_buf *b)
{
	return copy_to_user(u64_to_user_ptr(b->uptr), buggy_static_buf, MW_SHARED_LEN) ?
		       -EFAULT : MW_SHARED_LEN;
}

static mw_site long buggy_static_write(const struct mw_buf *b)
{
	return copy_from_user(buggy_static_buf, u64_to_user_ptr(b->uptr), MW_SHARED_LEN) ?
		       -EFAULT : MW_SHARED_LEN;
}

static long buggy_shared_free(void)
{
	kfree(xchg(&mw_shared, NULL));
	return 0;
}

/* ---- plain loads and stores: --deep (mw_deep.h) ---- */

/* deep_uaf_load: a field of a record read after kfree(); read-only, like uaf_copy. */
static mw_site long buggy_deep_load(void)
{
	struct mw_deep_rec *rec = kmalloc(sizeof(*rec), GFP_KERNEL);

	if (!rec)
		return -ENOMEM;
	rec->id = 1;
	rec->seq = 2;
	kfree(rec);
	return READ_ONCE(rec->seq) & 0xff;
}

/* deep_uaf_store: s->count++ on an object already given back to its cache. */
static mw_site long buggy_deep_store(void)
{
	struct mw_deep_obj *obj = kmem_cache_alloc(mw_deep_cache, GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	obj->seq = 1;
	kmem_cache_free(mw_deep_cache, obj);
	obj->count++;
	return 0;
}

/* deep_uaf_work: the work item counts on its object, which was freed while it was pending. */
static mw_site void buggy_deep_work_fn(struct work_struct *work)
{
	struct mw_deep_obj *obj = READ_ONCE(mw_deep_job);

	obj->count++;
}
static DECLARE_DELAYED_WORK(buggy_deep_work, buggy_deep_work_fn);

static mw_site long buggy_deep_work_queue(void)
{
	struct mw_deep_obj *obj = kmem_cache_alloc(mw_deep_cache, GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	WRITE_ONCE(mw_deep_job, obj);
	schedule_delayed_work(&buggy_deep_work, HZ / 10);
	kmem_cache_free(mw_deep_cache, obj);	/* the work is not cancelled */
	flush_delayed_work(&buggy_deep_work);	/* it runs now, in a kworker */
	return 0;
}

/* deep_term: a user string of rec_size bytes in kmalloc(rec_size), its NUL at [rec_size]. */
static mw_site long buggy_deep_term(const struct mw_buf *b)
{
	size_t len = rec_size;
	char *s;

	if (b->len < len || len >= 64)
		return -EINVAL;
	s = kmalloc(len, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	if (copy_from_user(s, u64_to_user_ptr(b->uptr), len)) {
		kfree(s);
		return -EFAULT;
	}
	s[len] = '\0';
	mw_sum = mw_checksum(s, len);
	kfree(s);
	return 0;
}

/* One entry of a table: the load deep_index makes one element past its end. */
static mw_site u32 buggy_deep_entry(const u32 *table, unsigned int i)
{
	return table[i];
}

static mw_site long buggy_deep_index(void)
{
	unsigned int i, n = mw_deep_entries(rec_size);
	u32 *table, sum = 0;

	if (!n)
		return -EINVAL;
	table = kmalloc_array(n, sizeof(*table), GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		table[i] = i;
	for (i = 0; i <= n; i++)	/* the off-by-one */
		sum += buggy_deep_entry(table, i);
	kfree(table);
	return sum & 0xffff;
}

/* --deep's commands; -ENOTTY for any other. */
static long buggy_deep_ioctl(unsigned int cmd, void __user *argp)
{
	switch (cmd) {
	case MW_IOC_DEEP_LOAD:
		return buggy_deep_load();
	case MW_IOC_DEEP_STORE:
		return buggy_deep_store();
	case MW_IOC_DEEP_WORK:
		return buggy_deep_work_queue();
	case MW_IOC_DEEP_TERM:
		return mw_buf_cmd(argp, buggy_deep_term);
	case MW_IOC_DEEP_INDEX:
		return buggy_deep_index();
	}
	return -ENOTTY;
}

static long mw_buggy_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	long ret;

	switch (cmd) {
	case MW_IOC_INFO:
		return mw_info(argp);
	case MW_IOC_SHARED_READ:
		return mw_buf_cmd(argp, buggy_shared_read);
	case MW_IOC_SHARED_WRITE:
		return mw_buf_cmd(argp, buggy_shared_write);
	case MW_IOC_SHARED_READ_A:
		return mw_buf_cmd(argp, buggy_shared_read_a);
	case MW_IOC_SHARED_WRITE_B:
		return mw_buf_cmd(argp, buggy_shared_write_b);
	case MW_IOC_SHARED_FREE:
		return buggy_shared_free();
	case MW_IOC_STATIC_READ:
		return mw_buf_cmd(argp, buggy_static_read);
	case MW_IOC_STATIC_WRITE:
		return mw_buf_cmd(argp, buggy_static_write);
	case MW_IOC_SLICE:
		return buggy_copy_past_ioc_size(argp);
	case MW_IOC_FETCH_LEN:
		return buggy_double_fetch_len(argp);
	case MW_IOC_FETCH_GET_USER:
		return buggy_double_fetch_get_user(argp);
	case MW_IOC_FETCH_RACE:
		return buggy_double_fetch_race(argp);
	case MW_IOC_HEAP_WRITE:
		return mw_buf_cmd(argp, buggy_heap_overflow_write);
	case MW_IOC_HEAP_READ:
		return mw_buf_cmd(argp, buggy_heap_overflow_read);
	case MW_IOC_UAF_COPY:
		return mw_buf_cmd(argp, buggy_uaf_copy);
	case MW_IOC_UAF_KMEMDUP:
		return mw_buf_cmd(argp, buggy_uaf_kmemdup);
	case MW_IOC_UNINIT:
		return mw_buf_cmd(argp, buggy_uninit_copy);
	case MW_IOC_UAF_MUTEX:
		return buggy_uaf_mutex();
	case MW_IOC_UNINIT_PARTIAL:
		return mw_buf_cmd(argp, buggy_uninit_partial);
	case MW_IOC_STALE_FREE:
		return buggy_stale_free();
	case MW_IOC_STALE_READ:
		return mw_buf_cmd(argp, buggy_stale_read);
	case MW_IOC_INFLIGHT_COPY:
		return mw_buf_cmd(argp, buggy_uaf_inflight);
	case MW_IOC_INFLIGHT_FREE:
		return buggy_inflight_free();
	case MW_IOC_DOUBLE_FREE:
		return buggy_double_free();
	case MW_IOC_INVALID_FREE:
		return buggy_invalid_free();
	case MW_IOC_LEAK:
		return buggy_leak();
	case MW_IOC_OWNER_TAKE:
		return buggy_owner_take();
	case MW_IOC_OWNER_DROP:
		return buggy_owner_drop();
	case MW_IOC_UNLOCK_UNHELD:
		return buggy_unlock_unheld();
	case MW_IOC_RECURSIVE:
		return buggy_recursive_lock();
	case MW_IOC_HOLD:
		return buggy_hold(file);
	case MW_IOC_RELEASE:
		return buggy_release(file);
	case MW_IOC_ATOMIC_COPY:
		return buggy_copy_under_spinlock(argp);
	case MW_IOC_ORDER_AB:
		return buggy_lock_ab();
	case MW_IOC_ORDER_BC:
		return buggy_lock_bc();
	case MW_IOC_ORDER_CA:
		return buggy_lock_ca();
	case MW_IOC_ORDER_BA:
		return buggy_lock_ba();
	case MW_IOC_FREE_HELD:
		return buggy_free_held_lock();
	case MW_IOC_HOLD_UNLOAD:
		return mw_hold_until_unload();
	case MW_IOC_CRASH_DOUBLE_FREE:
		return buggy_crash_double_free();
	case MW_IOC_CRASH_HEAP_READ:
		return mw_buf_cmd(argp, buggy_crash_heap_read);
	}
	ret = buggy_deep_ioctl(cmd, argp);
	return ret != -ENOTTY ? ret : mw_share_ioctl(file, cmd, argp);
}

/* A trigger killed between MW_IOC_HOLD and MW_IOC_RELEASE must not leave the hold behind. */
static int mw_buggy_release(struct inode *inode, struct file *file)
{
	if (READ_ONCE(mw_hold_file) == file)
		buggy_release(file);
	mw_share_release(file);
	return 0;
}

static const struct file_operations mw_buggy_fops = {
	.owner = THIS_MODULE,
	.write = mw_buggy_write,
	.unlocked_ioctl = mw_buggy_ioctl,
	.open = mw_share_open,
	.release = mw_buggy_release,
	.llseek = noop_llseek,
};

static struct miscdevice mw_buggy_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mw_buggy",
	.fops = &mw_buggy_fops,
	.mode = 0600,
};

static int mw_create_caches(void)
{
	mw_dbg_cache = kmem_cache_create("mw_buggy_dbg", MW_DBG_OBJ_SIZE, 0, MW_DBG_FLAGS, NULL);
	mw_lockobj_cache = kmem_cache_create("mw_buggy_lockobj", sizeof(struct mw_lockobj), 0,
					     MW_LOCKOBJ_FLAGS, NULL);
	if (mw_dbg_cache && mw_lockobj_cache)
		mw_lockobj_pin = kmem_cache_alloc(mw_lockobj_cache, GFP_KERNEL);
	if (mw_lockobj_pin && !mw_deep_create())
		return 0;
	if (mw_lockobj_pin)
		kmem_cache_free(mw_lockobj_cache, mw_lockobj_pin);
	kmem_cache_destroy(mw_lockobj_cache);
	kmem_cache_destroy(mw_dbg_cache);
	return -ENOMEM;
}

static void mw_destroy_caches(void)
{
	mw_deep_destroy();
	kmem_cache_free(mw_lockobj_cache, mw_lockobj_pin);
	kmem_cache_destroy(mw_lockobj_cache);
	kmem_cache_destroy(mw_dbg_cache);
}

/*
 * Its name, from kstrdup(): an allocation core code makes on the module's
 * behalf (modwatch tracks it as the module's); and a counting semaphore,
 * which has no owner and which modwatch names as a blind spot.
 */
static char *mw_name;
/*
 * Not DEFINE_SEMAPHORE(): it takes the count as a second argument since
 * v6.4 (commit 48380368dec1, "Change DEFINE_SEMAPHORE() to take a number
 * argument"); the initializer under it has taken both on every kernel.
 */
static struct semaphore mw_init_sem = __SEMAPHORE_INITIALIZER(mw_init_sem, 1);

static int __init mw_buggy_init(void)
{
	int ret;

	/* The heap overflows must land in a kmalloc-64 slot (see the top comment). */
	if (rec_size <= 32 || rec_size > 64)
		return -EINVAL;
	if (down_trylock(&mw_init_sem))
		return -EBUSY;
	mw_name = kstrdup(KBUILD_MODNAME, GFP_KERNEL);
	up(&mw_init_sem);
	if (!mw_name)
		return -ENOMEM;
	ret = mw_create_caches();
	if (ret) {
		kfree(mw_name);
		return ret;
	}
	ret = misc_register(&mw_buggy_dev);
	if (ret)
		mw_destroy_caches();
	if (ret)
		kfree(mw_name);
	return ret;
}

/*
 * hold_at_exit=1 (writable in /sys/module/mw_buggy/parameters/) makes the
 * exit function return with mw_exit_lock held. __exit code is notrace, so
 * no probe sees the acquire: lock_held_on_unload must come from the lock
 * word, read when the module is freed.
 */
static bool hold_at_exit;
module_param(hold_at_exit, bool, 0644);

static void __exit mw_buggy_exit(void)
{
	misc_deregister(&mw_buggy_dev);
	cancel_work_sync(&mw_unload_work);
	cancel_delayed_work_sync(&buggy_deep_work);
	mw_destroy_caches();
	mw_share_exit();
	kfree(mw_name);
	if (hold_at_exit)
		mutex_lock(&mw_exit_lock);
	/* mw_leaked[] stays allocated and mw_unload_lock may stay held: both on purpose. */
}

module_init(mw_buggy_init);
module_exit(mw_buggy_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modwatch test module: one deliberate rule violation per command");
