// SPDX-License-Identifier: GPL-2.0
/*
 * mw_clean - a misc device (/dev/mw_clean) that does the work of every mw_buggy command
 * (same numbers and structs, from mw_ioctl.h) correctly: copies bounded by the user slice
 * and by the object, a single fetch of each user struct, every object freed exactly once
 * and only through its start, locks released by their owner, always taken in one order and
 * never held across a return to user space or across module unload.
 *
 * It is modwatch's false-positive control: a correct checker reports nothing for it,
 * whatever `trigger --dev /dev/mw_clean` runs. The functions are named clean_* after the
 * buggy_* function of mw_buggy.c that they replace.
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mw_info.h"
#include "mw_ioctl.h"

/* Same symbols in a checker's reports as in mw_buggy: one function per operation. */
#define mw_site noinline __noclone

#include "mw_share.h"
#include "mw_deep.h"

static unsigned int rec_size = MW_REC_SIZE;
module_param(rec_size, uint, 0444);
MODULE_PARM_DESC(rec_size, "requested size of heap records, 33..64");

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

/* ---- private slab caches, created like mw_buggy's ---- */

#define MW_DBG_OBJ_SIZE		(16 * 1024)
#define MW_DBG_FLAGS		(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | \
				 SLAB_STORE_USER)

static struct kmem_cache *mw_dbg_cache;

struct mw_lockobj {
	struct mutex lock;
	u64 payload[12];
};

static struct kmem_cache *mw_lockobj_cache;

static mw_site struct mw_lockobj *mw_lockobj_alloc(void)
{
	struct mw_lockobj *obj = kmem_cache_alloc(mw_lockobj_cache, GFP_KERNEL);

	if (obj)
		mutex_init(&obj->lock);
	return obj;
}

/* ---- user slices ---- */

static mw_site ssize_t clean_copy_count(const char __user *ubuf, size_t count)
{
	char kbuf[MW_WRITE_MAX];

	if (copy_from_user(kbuf, ubuf, count))
		return -EFAULT;
	mw_sum = mw_checksum(kbuf, count);
	return count;
}

static ssize_t mw_clean_write(struct file *file, const char __user *ubuf, size_t count,
			      loff_t *ppos)
{
	/* A short write: the caller learns how much was taken. */
	count = min_t(size_t, count, MW_WRITE_MAX);
	return clean_copy_count(ubuf, count);
}

static mw_site long clean_copy_ioc_size(void __user *argp)
{
	struct mw_slice s;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	mw_sum = s.a + s.b;
	return 0;
}

/* ---- single fetches ---- */

/* Validates the one copy that it then uses. */
static long mw_use_msg(const struct mw_msg *msg)
{
	if (msg->len > MW_MSG_DATA)
		return -EINVAL;
	mw_sum = mw_checksum(msg->data, msg->len);
	return msg->len;
}

static mw_site long clean_fetch_len(const struct mw_msg __user *umsg)
{
	struct mw_msg msg;

	if (copy_from_user(&msg, umsg, sizeof(msg)))
		return -EFAULT;
	return mw_use_msg(&msg);
}

/* mw_buggy's get_user() + copy_from_user(), done as one fetch. */
static mw_site long clean_fetch_get_user(const struct mw_msg __user *umsg)
{
	struct mw_msg msg;

	if (copy_from_user(&msg, umsg, sizeof(msg)))
		return -EFAULT;
	return mw_use_msg(&msg);
}

/* One fetch, so user space cannot change what was checked: never reports a change. */
static mw_site long clean_fetch_race(const struct mw_msg __user *umsg)
{
	struct mw_msg msg;
	long ret;

	if (copy_from_user(&msg, umsg, sizeof(msg)))
		return -EFAULT;
	ret = mw_use_msg(&msg);
	return ret < 0 ? ret : 0;
}

/* ---- heap objects ---- */

static long mw_fetch_buf(struct mw_buf *b, const void __user *argp)
{
	if (copy_from_user(b, argp, sizeof(*b)))
		return -EFAULT;
	return 0;
}

static mw_site long clean_heap_write(const struct mw_buf *b)
{
	size_t n = min_t(size_t, b->len, rec_size);
	u8 *rec;

	rec = kmalloc(rec_size, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	if (copy_from_user(rec, u64_to_user_ptr(b->uptr), n)) {
		kfree(rec);
		return -EFAULT;
	}
	mw_sum = mw_checksum(rec, n);
	kfree(rec);
	return n;
}

static mw_site long clean_heap_read(const struct mw_buf *b)
{
	size_t n = min_t(size_t, b->len, rec_size);
	u8 *rec;

	rec = kzalloc(rec_size, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	memset(rec, 0xa5, rec_size);
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, n))
		n = -EFAULT;
	kfree(rec);
	return n;
}

static mw_site long clean_uaf_copy(const struct mw_buf *b)
{
	size_t n = min_t(size_t, b->len, rec_size);
	u8 *rec;

	rec = kzalloc(rec_size, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	memset(rec, 0x5a, rec_size);
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, n))
		n = -EFAULT;
	kfree(rec);
	return n;
}

static mw_site long clean_uaf_kmemdup(const struct mw_buf *b)
{
	size_t n = min_t(size_t, b->len, rec_size);
	u8 src[64], *rec;

	memset(src, 0x5a, sizeof(src));
	rec = kmemdup(src, rec_size, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, n))
		n = -EFAULT;
	kfree(rec);
	return n;
}

/* kzalloc: __GFP_ZERO says that every byte copied out is initialised. */
static mw_site long clean_uninit_copy(const struct mw_buf *b)
{
	size_t n = min_t(size_t, b->len, rec_size);
	u8 *rec;

	rec = kzalloc(rec_size, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, n))
		n = -EFAULT;
	kfree(rec);
	return n;
}

/* The same record, zeroed first: padding and tail leak nothing. */
static mw_site long clean_uninit_partial(const struct mw_buf *b)
{
	size_t n = min_t(size_t, b->len, sizeof(struct mw_report_rec));
	struct mw_report_rec *rec = kzalloc(sizeof(*rec), GFP_KERNEL);

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

static mw_site long clean_uaf_mutex(void)
{
	struct mw_lockobj *obj = mw_lockobj_alloc();

	if (!obj)
		return -ENOMEM;
	mutex_lock(&obj->lock);
	obj->payload[0]++;
	mutex_unlock(&obj->lock);
	kmem_cache_free(mw_lockobj_cache, obj);
	return 0;
}

/*
 * uaf_inflight done right: the published object holds one reference and
 * the copy another, so a free while the copy waits on its page fault only
 * drops the table's; the last reference frees it, after the copy.
 */
struct mw_shared {
	refcount_t ref;
	u8 data[64];
};

static struct mw_shared *mw_inflight;

static mw_site void clean_shared_put(struct mw_shared *s)
{
	if (refcount_dec_and_test(&s->ref))
		kfree(s);
}

static mw_site long clean_uaf_inflight(const struct mw_buf *b)
{
	struct mw_shared *s = kzalloc(sizeof(*s), GFP_KERNEL), *old;
	long ret = 64;

	if (!s)
		return -ENOMEM;
	refcount_set(&s->ref, 2);	/* the table's and this copy's */
	old = xchg(&mw_inflight, s);
	if (old)
		clean_shared_put(old);
	if (copy_to_user(u64_to_user_ptr(b->uptr), s->data, 64))
		ret = -EFAULT;
	clean_shared_put(s);
	return ret;
}

/*
 * uaf_reused done right: the record is freed and forgotten. The read works
 * on a fresh copy of the user's bytes from memdup_user(), which allocates
 * from the cache the record went back to and so likely gets its memory:
 * core code allocating on the module's behalf, so the module owns it again
 * and its kfree() is no double free.
 */
static mw_site long clean_stale_free(void)
{
	u8 *rec = kmalloc(MW_STALE_SIZE, GFP_USER);

	if (!rec)
		return -ENOMEM;
	memset(rec, 0x5a, MW_STALE_SIZE);
	mw_sum = mw_checksum(rec, MW_STALE_SIZE);
	kfree(rec);
	return 0;
}

static mw_site long clean_stale_read(const struct mw_buf *b)
{
	size_t n = min_t(size_t, b->len, MW_STALE_SIZE);
	u8 *rec = memdup_user(u64_to_user_ptr(b->uptr), n);

	if (IS_ERR(rec))
		return PTR_ERR(rec);
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, n))
		n = -EFAULT;
	kfree(rec);
	return n;
}

/* MW_IOC_HOT, for make bench: each call a watched module typically makes, once. */
static DEFINE_MUTEX(mw_hot_lock);

static mw_site long clean_hot(const struct mw_buf *b)
{
	long n = min_t(size_t, b->len, MW_HOT_LEN);
	u8 *rec = kmalloc(MW_HOT_LEN, GFP_KERNEL);

	if (!rec)
		return -ENOMEM;
	if (copy_from_user(rec, u64_to_user_ptr(b->uptr), n)) {
		n = -EFAULT;
		goto out;
	}
	mutex_lock(&mw_hot_lock);
	mw_sum += mw_checksum(rec, n);
	mutex_unlock(&mw_hot_lock);
	if (copy_to_user(u64_to_user_ptr(b->uptr), rec, n))
		n = -EFAULT;
out:
	kfree(rec);
	return n;
}

static mw_site long clean_inflight_free(void)
{
	struct mw_shared *s = xchg(&mw_inflight, NULL);

	if (s)
		clean_shared_put(s);
	return 0;
}

static mw_site long clean_double_free(void)
{
	void *obj = kmem_cache_alloc(mw_dbg_cache, GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	kmem_cache_free(mw_dbg_cache, obj);
	return 0;
}

/* kfree() of the object's start; SLUB lets kfree() free kmem_cache objects. */
static mw_site long clean_invalid_free(void)
{
	u8 *obj = kmem_cache_alloc(mw_dbg_cache, GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	kfree(obj);
	return 0;
}

/* Records are kept until module exit (or until their slot is reused), then freed. */
#define MW_LEAK_SLOTS	16
static void *mw_kept[MW_LEAK_SLOTS];
static DEFINE_SPINLOCK(mw_kept_lock);
static unsigned int mw_kept_next;

static mw_site long clean_leak(void)
{
	void *rec = kmalloc(rec_size, GFP_KERNEL);
	void *old;

	if (!rec)
		return -ENOMEM;
	spin_lock(&mw_kept_lock);
	old = mw_kept[mw_kept_next];
	mw_kept[mw_kept_next] = rec;
	mw_kept_next = (mw_kept_next + 1) % MW_LEAK_SLOTS;
	spin_unlock(&mw_kept_lock);
	/*
	 * After a grace period, as RCU-protected records go: kvfree_call_rcu()
	 * frees in batches no per-object tracepoint reports, and that is no leak.
	 */
	kfree_rcu_mightsleep(old);
	return 0;
}

static mw_site void clean_free_kept(void)
{
	int i;

	for (i = 0; i < MW_LEAK_SLOTS; i++) {
		kfree(mw_kept[i]);
		mw_kept[i] = NULL;
	}
}

/* ---- owner handshake: task A locks, task B only signals, task A unlocks ---- */

enum {
	MW_OWNER_IDLE,
	MW_OWNER_TAKING,
	MW_OWNER_HELD,
	MW_OWNER_DROPPED,	/* B has signalled: A may unlock */
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

static mw_site long clean_owner_take(void)
{
	long left;

	if (atomic_cmpxchg(&mw_owner_state, MW_OWNER_IDLE, MW_OWNER_TAKING) != MW_OWNER_IDLE)
		return -EBUSY;
	mutex_lock(&mw_owner_lock);
	mw_owner_set(MW_OWNER_HELD);
	left = wait_event_killable_timeout(mw_owner_wq, mw_owner_is(MW_OWNER_DROPPED),
					   MW_HANDSHAKE_TIMEOUT);
	mutex_unlock(&mw_owner_lock);
	mw_owner_set(MW_OWNER_IDLE);
	if (left <= 0)
		return left ? -EINTR : -ETIMEDOUT;
	return 0;
}

static mw_site long clean_owner_drop(void)
{
	long left;

	left = wait_event_killable_timeout(mw_owner_wq, mw_owner_is(MW_OWNER_HELD),
					   MW_HANDSHAKE_TIMEOUT);
	if (left <= 0)
		return left ? -EINTR : -ETIMEDOUT;
	if (atomic_cmpxchg(&mw_owner_state, MW_OWNER_HELD, MW_OWNER_DROPPED) != MW_OWNER_HELD)
		return -EAGAIN;
	wake_up_all(&mw_owner_wq);
	return 0;
}

/* ---- balanced locking ---- */

static DEFINE_MUTEX(mw_unheld_lock);

static mw_site long clean_unlock_unheld(void)
{
	mutex_lock(&mw_unheld_lock);
	mutex_unlock(&mw_unheld_lock);
	return 0;
}

static DEFINE_MUTEX(mw_rec_lock);

static mw_site long clean_recursive_lock(void)
{
	int ret = mutex_lock_killable(&mw_rec_lock);

	if (ret)
		return ret;
	mutex_unlock(&mw_rec_lock);
	return 0;
}

/* MW_IOC_HOLD/RELEASE set and clear a flag under the lock instead of keeping it. */
static DEFINE_MUTEX(mw_hold_lock);
static struct file *mw_hold_file;

static mw_site long clean_hold(struct file *file)
{
	long ret = 0;

	mutex_lock(&mw_hold_lock);
	if (mw_hold_file)
		ret = -EBUSY;
	else
		mw_hold_file = file;
	mutex_unlock(&mw_hold_lock);
	return ret;
}

static mw_site long clean_release(struct file *file)
{
	long ret = 0;

	mutex_lock(&mw_hold_lock);
	if (mw_hold_file == file)
		mw_hold_file = NULL;
	else
		ret = -EPERM;
	mutex_unlock(&mw_hold_lock);
	return ret;
}

static DEFINE_SPINLOCK(mw_stats_lock);
static struct mw_stats mw_stats;

/* Copies to a local first; the spinlock only covers the store. */
static mw_site long clean_copy_under_spinlock(const void __user *argp)
{
	struct mw_stats s;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	spin_lock(&mw_stats_lock);
	mw_stats = s;
	spin_unlock(&mw_stats_lock);
	return 0;
}

static DEFINE_MUTEX(mw_lock_a);
static DEFINE_MUTEX(mw_lock_b);
static u64 mw_ab_count;

/* Both commands take A before B. */
static mw_site long clean_lock_ab(void)
{
	mutex_lock(&mw_lock_a);
	mutex_lock(&mw_lock_b);
	mw_ab_count++;
	mutex_unlock(&mw_lock_b);
	mutex_unlock(&mw_lock_a);
	return 0;
}

static mw_site long clean_lock_ba(void)
{
	mutex_lock(&mw_lock_a);
	mutex_lock(&mw_lock_b);
	mw_ab_count--;
	mutex_unlock(&mw_lock_b);
	mutex_unlock(&mw_lock_a);
	return 0;
}

static DEFINE_MUTEX(mw_lock_c);

/* Always A before B before C: the cycle's commands in one consistent order. */
static mw_site long clean_lock_bc(void)
{
	mutex_lock(&mw_lock_b);
	mutex_lock(&mw_lock_c);
	mutex_unlock(&mw_lock_c);
	mutex_unlock(&mw_lock_b);
	return 0;
}

static mw_site long clean_lock_ca(void)
{
	mutex_lock(&mw_lock_a);
	mutex_lock(&mw_lock_c);
	mutex_unlock(&mw_lock_c);
	mutex_unlock(&mw_lock_a);
	return 0;
}

static mw_site long clean_free_held_lock(void)
{
	struct mw_lockobj *obj = mw_lockobj_alloc();

	if (!obj)
		return -ENOMEM;
	mutex_lock(&obj->lock);
	obj->payload[0]++;
	mutex_unlock(&obj->lock);
	kmem_cache_free(mw_lockobj_cache, obj);
	return 0;
}

static DEFINE_MUTEX(mw_unload_lock);
static u64 mw_unload_count;

static mw_site void clean_lock_until_unload(void)
{
	mutex_lock(&mw_unload_lock);
	mw_unload_count++;
	mutex_unlock(&mw_unload_lock);
}

static void mw_unload_work_fn(struct work_struct *work)
{
	clean_lock_until_unload();
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
		.buggy = 0,
		.rec_size = rec_size,
		.slot_size = kmalloc_size_roundup(rec_size),
	};

	mw_info_count();
	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

/*
 * The shared buffer, every path under one mutex: copies in and out never
 * overlap, and the lock is common to all of them (Sync).
 */
static DEFINE_MUTEX(mw_shared_lock);

static mw_site long clean_shared_copy(const struct mw_buf *b, bool to_user)
{
	u8 *buf = mw_shared_get();
	long n = MW_SHARED_LEN;

	if (!buf)
		return -ENOMEM;
	mutex_lock(&mw_shared_lock);
	if (to_user ? copy_to_user(u64_to_user_ptr(b->uptr), buf, MW_SHARED_LEN) :
		      copy_from_user(buf, u64_to_user_ptr(b->uptr), MW_SHARED_LEN))
		n = -EFAULT;
	mutex_unlock(&mw_shared_lock);
	return n;
}

static long clean_shared_read(const struct mw_buf *b)
{
	return clean_shared_copy(b, true);
}

static long clean_shared_write(const struct mw_buf *b)
{
	return clean_shared_copy(b, false);
}

/* race_static: the module's own static buffer, under a mutex too. */
static u8 clean_static_buf[MW_SHARED_LEN];
static DEFINE_MUTEX(clean_static_lock);

static mw_site long clean_static_copy(const struct mw_buf *b, bool to_user)
{
	long n = MW_SHARED_LEN;

	mutex_lock(&clean_static_lock);
	if (to_user ? copy_to_user(u64_to_user_ptr(b->uptr), clean_static_buf, MW_SHARED_LEN) :
		      copy_from_user(clean_static_buf, u64_to_user_ptr(b->uptr), MW_SHARED_LEN))
		n = -EFAULT;
	mutex_unlock(&clean_static_lock);
	return n;
}

static long clean_static_read(const struct mw_buf *b)
{
	return clean_static_copy(b, true);
}

static long clean_static_write(const struct mw_buf *b)
{
	return clean_static_copy(b, false);
}

static long clean_shared_free(void)
{
	mutex_lock(&mw_shared_lock);
	kfree(xchg(&mw_shared, NULL));
	mutex_unlock(&mw_shared_lock);
	return 0;
}

/* ---- plain loads and stores: --deep (mw_deep.h) ---- */

/* The current record, replaced by each deep_uaf_load; the old one is retired by kfree_rcu(). */
static struct mw_deep_rec __rcu *clean_deep_cur;

/*
 * deep_uaf_load's twin: a reader of the record it retires itself. kfree_rcu() frees it
 * only after every read section running now, this one too, so the read is correct.
 */
static mw_site long clean_deep_load(void)
{
	struct mw_deep_rec *fresh = kmalloc(sizeof(*fresh), GFP_KERNEL), *old;
	long seq = 0;

	if (!fresh)
		return -ENOMEM;
	fresh->id = 1;
	fresh->seq = 2;
	rcu_read_lock();
	old = unrcu_pointer(xchg(&clean_deep_cur, RCU_INITIALIZER(fresh)));
	if (old) {
		kfree_rcu(old, rcu);
		seq = READ_ONCE(old->seq);
	}
	rcu_read_unlock();
	return seq & 0xff;
}

/* deep_uaf_store's twin: an object freed, then allocated again (most likely the same memory). */
static mw_site long clean_deep_store(void)
{
	struct mw_deep_obj *obj = kmem_cache_alloc(mw_deep_cache, GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	obj->seq = 1;
	kmem_cache_free(mw_deep_cache, obj);
	obj = kmem_cache_alloc(mw_deep_cache, GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	obj->count++;
	kmem_cache_free(mw_deep_cache, obj);
	return 0;
}

/* deep_uaf_work's twin: the work runs on its live object, which is freed after it. */
static mw_site void clean_deep_work_fn(struct work_struct *work)
{
	struct mw_deep_obj *obj = READ_ONCE(mw_deep_job);

	obj->count++;
}
static DECLARE_DELAYED_WORK(clean_deep_work, clean_deep_work_fn);

static mw_site long clean_deep_work_queue(void)
{
	struct mw_deep_obj *obj = kmem_cache_alloc(mw_deep_cache, GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	WRITE_ONCE(mw_deep_job, obj);
	schedule_delayed_work(&clean_deep_work, HZ / 10);
	flush_delayed_work(&clean_deep_work);
	kmem_cache_free(mw_deep_cache, obj);
	return 0;
}

/* deep_term's twin: room for the NUL, stored at the last byte (exact bounds). */
static mw_site long clean_deep_term(const struct mw_buf *b)
{
	size_t len = rec_size;
	char *s;

	if (b->len < len || len >= 64)
		return -EINVAL;
	s = kmalloc(len + 1, GFP_KERNEL);
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

static mw_site u32 clean_deep_entry(const u32 *table, unsigned int i)
{
	return table[i];
}

/*
 * deep_index's twin: entries [0, n), the last one exactly at the end; then the second half
 * through a pointer into the middle of the table, as code handed a slice of it does.
 */
static mw_site long clean_deep_index(void)
{
	unsigned int i, n = mw_deep_entries(rec_size);
	u32 *table, *half, sum = 0;

	if (!n)
		return -EINVAL;
	table = kmalloc_array(n, sizeof(*table), GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		table[i] = i;
	for (i = 0; i < n; i++)
		sum += clean_deep_entry(table, i);
	half = table + n / 2;
	for (i = 0; i < n - n / 2; i++)
		sum += clean_deep_entry(half, i);
	kfree(table);
	return sum & 0xffff;
}

/* --deep's commands; -ENOTTY for any other. */
static long clean_deep_ioctl(unsigned int cmd, void __user *argp)
{
	switch (cmd) {
	case MW_IOC_DEEP_LOAD:
		return clean_deep_load();
	case MW_IOC_DEEP_STORE:
		return clean_deep_store();
	case MW_IOC_DEEP_WORK:
		return clean_deep_work_queue();
	case MW_IOC_DEEP_TERM:
		return mw_buf_cmd(argp, clean_deep_term);
	case MW_IOC_DEEP_INDEX:
		return clean_deep_index();
	}
	return -ENOTTY;
}

/* At unload: the work, the current record (no reader is left), the cache. */
static void clean_deep_exit(void)
{
	cancel_delayed_work_sync(&clean_deep_work);
	kfree(rcu_dereference_protected(clean_deep_cur, 1));
	mw_deep_destroy();
}

static long mw_clean_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	long ret;

	switch (cmd) {
	case MW_IOC_INFO:
		return mw_info(argp);
	case MW_IOC_SHARED_READ:
	case MW_IOC_SHARED_READ_A:
		return mw_buf_cmd(argp, clean_shared_read);
	case MW_IOC_SHARED_WRITE:
	case MW_IOC_SHARED_WRITE_B:
		return mw_buf_cmd(argp, clean_shared_write);
	case MW_IOC_SHARED_FREE:
		return clean_shared_free();
	case MW_IOC_STATIC_READ:
		return mw_buf_cmd(argp, clean_static_read);
	case MW_IOC_STATIC_WRITE:
		return mw_buf_cmd(argp, clean_static_write);
	case MW_IOC_SLICE:
		return clean_copy_ioc_size(argp);
	case MW_IOC_FETCH_LEN:
		return clean_fetch_len(argp);
	case MW_IOC_FETCH_GET_USER:
		return clean_fetch_get_user(argp);
	case MW_IOC_FETCH_RACE:
		return clean_fetch_race(argp);
	case MW_IOC_HEAP_WRITE:
		return mw_buf_cmd(argp, clean_heap_write);
	case MW_IOC_HEAP_READ:
		return mw_buf_cmd(argp, clean_heap_read);
	case MW_IOC_UAF_COPY:
		return mw_buf_cmd(argp, clean_uaf_copy);
	case MW_IOC_UAF_KMEMDUP:
		return mw_buf_cmd(argp, clean_uaf_kmemdup);
	case MW_IOC_UNINIT:
		return mw_buf_cmd(argp, clean_uninit_copy);
	case MW_IOC_UAF_MUTEX:
		return clean_uaf_mutex();
	case MW_IOC_UNINIT_PARTIAL:
		return mw_buf_cmd(argp, clean_uninit_partial);
	case MW_IOC_HOT:
		return mw_buf_cmd(argp, clean_hot);
	case MW_IOC_STALE_FREE:
		return clean_stale_free();
	case MW_IOC_STALE_READ:
		return mw_buf_cmd(argp, clean_stale_read);
	case MW_IOC_INFLIGHT_COPY:
		return mw_buf_cmd(argp, clean_uaf_inflight);
	case MW_IOC_INFLIGHT_FREE:
		return clean_inflight_free();
	case MW_IOC_DOUBLE_FREE:
		return clean_double_free();
	case MW_IOC_INVALID_FREE:
		return clean_invalid_free();
	case MW_IOC_LEAK:
		return clean_leak();
	case MW_IOC_OWNER_TAKE:
		return clean_owner_take();
	case MW_IOC_OWNER_DROP:
		return clean_owner_drop();
	case MW_IOC_UNLOCK_UNHELD:
		return clean_unlock_unheld();
	case MW_IOC_RECURSIVE:
		return clean_recursive_lock();
	case MW_IOC_HOLD:
		return clean_hold(file);
	case MW_IOC_RELEASE:
		return clean_release(file);
	case MW_IOC_ATOMIC_COPY:
		return clean_copy_under_spinlock(argp);
	case MW_IOC_ORDER_AB:
		return clean_lock_ab();
	case MW_IOC_ORDER_BA:
		return clean_lock_ba();
	case MW_IOC_ORDER_BC:
		return clean_lock_bc();
	case MW_IOC_ORDER_CA:
		return clean_lock_ca();
	case MW_IOC_FREE_HELD:
		return clean_free_held_lock();
	case MW_IOC_HOLD_UNLOAD:
		return mw_hold_until_unload();
	}
	ret = clean_deep_ioctl(cmd, argp);
	return ret != -ENOTTY ? ret : mw_share_ioctl(file, cmd, argp);
}

/* Forgets a hold flag that a killed trigger left set; no lock is held here. */
static int mw_clean_release(struct inode *inode, struct file *file)
{
	clean_release(file);
	mw_share_release(file);
	return 0;
}

static const struct file_operations mw_clean_fops = {
	.owner = THIS_MODULE,
	.write = mw_clean_write,
	.unlocked_ioctl = mw_clean_ioctl,
	.open = mw_share_open,
	.release = mw_clean_release,
	.llseek = noop_llseek,
};

static struct miscdevice mw_clean_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mw_clean",
	.fops = &mw_clean_fops,
	.mode = 0600,
};

static int mw_create_caches(void)
{
	mw_dbg_cache = kmem_cache_create("mw_clean_dbg", MW_DBG_OBJ_SIZE, 0, MW_DBG_FLAGS, NULL);
	mw_lockobj_cache = kmem_cache_create("mw_clean_lockobj", sizeof(struct mw_lockobj), 0,
					     SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE, NULL);
	if (mw_dbg_cache && mw_lockobj_cache && !mw_deep_create())
		return 0;
	kmem_cache_destroy(mw_lockobj_cache);
	kmem_cache_destroy(mw_dbg_cache);
	return -ENOMEM;
}

static int __init mw_clean_init(void)
{
	int ret;

	if (rec_size <= 32 || rec_size > 64)
		return -EINVAL;
	ret = mw_create_caches();
	if (ret)
		return ret;
	ret = misc_register(&mw_clean_dev);
	if (ret) {
		mw_deep_destroy();
		kmem_cache_destroy(mw_lockobj_cache);
		kmem_cache_destroy(mw_dbg_cache);
	}
	return ret;
}

static void __exit mw_clean_exit(void)
{
	misc_deregister(&mw_clean_dev);
	cancel_work_sync(&mw_unload_work);
	clean_free_kept();
	clean_inflight_free();	/* a trigger killed before its free */
	mw_share_exit();
	clean_deep_exit();
	kmem_cache_destroy(mw_lockobj_cache);
	kmem_cache_destroy(mw_dbg_cache);
	/* What mw_buggy's exit gets wrong with hold_at_exit, done right. */
	mutex_lock(&mw_exit_lock);
	mw_info_calls = 0;
	mutex_unlock(&mw_exit_lock);
}

module_init(mw_clean_init);
module_exit(mw_clean_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modwatch test module: mw_buggy's commands done correctly");
