/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lock ownership rules, checked at a watched module's own calls to the
 * mutex, spinlock, rwlock and rw-semaphore API (one kprobe per call
 * instruction, plus one on the instruction after each acquire call).
 *
 * Rust's lock guards prove who holds a lock; here the proof is kept at run
 * time. Every task has a stack of the locks it holds (BPF task storage; at
 * most MW_LOCK_DEPTH, a removal moves the top entry into the gap), and
 * mw_lock_owners maps a lock to its exclusive holder and counts read holds.
 *
 * When ownership is recorded: not at the acquire call, where a contended
 * lock still belongs to another task for as long as this one blocks or
 * spins, but when the call has returned (a probe at site + 5). rdi is gone by
 * then, so the call probe leaves the lock address in a per-task pending slot
 * for its return. The return also decides conditional acquires: trylocks
 * hold the lock when they return 1, mutex_lock_interruptible/_killable when
 * they return 0. A tail call (jmp) has no return in the module: its pending
 * acquire is committed at the task's next lock event, as by then it has
 * returned (an interrupted spin is the one exception), and a conditional one
 * is counted as untracked.
 *
 * The rules:
 * - unlock_not_owner / unlock_not_held: a release of a lock this task does
 *   not hold. The kernel's own lock word is read to tell the two apart (and
 *   the mutex or rwsem owner from it), so a lock taken before modwatch
 *   started, or by code it does not watch, is never called "not held".
 *   Read sides: holds are tracked per task, only counted globally; a read
 *   release by a task that holds no read hold is unlock_not_held when the
 *   kernel says the lock is free, or when only read holds modwatch saw other
 *   tasks take exist; if a writer holds it, unlock_not_owner; if this task
 *   is the writer, it is taken as downgrade_write() + up_read().
 * - recursive_lock: at the acquire call, before the task blocks forever on
 *   itself. rwlock read holds may nest (qrwlock can still deadlock on them
 *   if a writer queues in between; not reported). Trylocks never block.
 * - lock_held_on_return: a lock taken in one system call and still held when
 *   its task next enters a watched module in another (struct mw_call) is
 *   reported once, and stays held.
 * - sleep_in_atomic: a call that may sleep (user copies, allocations with
 *   __GFP_DIRECT_RECLAIM, mutex_lock*, down_read/down_write) while a spinlock
 *   or rwlock is held: once per such hold.
 * - lock_order_inversion: taking b while holding a records the edge a -> b
 *   with both sites; taking a while holding b then reports the pair once.
 *   Edges are global, keyed by lock address (an address names one lock across
 *   modules); those of freed locks stay until the LRU drops them.
 * - held_lock_freed: a heap free of a tracked object that contains a held
 *   lock. Held locks are also kept in a hashed table of MW_HELD_SLOTS slots
 *   (MW_HELD_PROBES per lock) that the free path scans, reporting at most
 *   MW_FREED_HITS locks per free; the freeing task's own stack is scanned
 *   too, so its own holds are found even when the table is crowded.
 *
 * Every record can go stale (a release or acquire through a function
 * modwatch does not probe, an LRU eviction, a probe attached mid-call). So
 * before a report says a lock is held, the stack entry must still agree with
 * mw_lock_owners, and the kernel's lock word, where it can be read, must not
 * say the lock is free; else the entry is dropped. Misses are preferred to
 * false reports.
 *
 * Interrupt handlers run as the task they interrupt: a module's irq handler
 * that takes a spinlock does so on that task's stack while it runs, which
 * is also how the order and sleep rules should see it.
 *
 * heap <-> locks is bpf/'s one coupling of two features both ways:
 * held_lock_freed is judged on the heap's free path (heap.bpf.h calls
 * mw_locks_freed()), and locking a freed object is the heap's
 * use_after_free (heap.bpf.h's mw_lock_call_hook() and mw_unlock_call(),
 * which locks.bpf.c's kprobes run). This header needs only include/heap.h's
 * struct mw_object; the lock hooks include heap.bpf.h.
 */
#ifndef MODWATCH_LOCKS_BPF_H
#define MODWATCH_LOCKS_BPF_H

#include "common.bpf.h"
#include "registry.bpf.h"
#include "sites.bpf.h"
#include "heap.h"
#include "locks.h"

typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct mw_lock_task);
} mw_lock_tasks_t;
mw_lock_tasks_t mw_lock_tasks __weak SEC(".maps");

typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_LOCK_OWNERS);
	__type(key, __u64);
	__type(value, struct mw_lock_owner);
} mw_lock_owners_t;
mw_lock_owners_t mw_lock_owners __weak SEC(".maps");

typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_LOCK_EDGES);
	__type(key, struct mw_lock_edge_key);
	__type(value, struct mw_lock_edge);
} mw_lock_edges_t;
mw_lock_edges_t mw_lock_edges __weak SEC(".maps");

typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MW_HELD_SLOTS);
	__type(key, __u32);
	__type(value, struct mw_held_slot);
} mw_held_slots_t;
mw_held_slots_t mw_held_slots __weak SEC(".maps");

typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_STATIC_LOCKS);
	__type(key, __u64);
	__type(value, struct mw_static_lock);
} mw_static_locks_t;
mw_static_locks_t mw_static_locks __weak SEC(".maps");

/* Held locks a heap free found in the freed object; see mw_locks_freed(). */
#define MW_FREED_HITS	8

struct mw_freed_hits {
	__u32 n;
	__u32 idx[MW_FREED_HITS];	/* mw_held_slots indices */
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_freed_hits);
} mw_freed_scratch_t;
mw_freed_scratch_t mw_freed_scratch __weak SEC(".maps");

/* Callee addresses by MW_CALLEE_* id, from kallsyms (the daemon): sleep_in_atomic names one. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MW_CALLEE_NR);
	__type(key, __u32);
	__type(value, __u64);
} mw_callee_addrs_t;
mw_callee_addrs_t mw_callee_addrs __weak SEC(".maps");

/* include/linux/gfp_types.h: bit 10 on 6.1 and since. */
#define MW_GFP_DIRECT_RECLAIM	0x400u

/* Low bits of mutex and rwsem owner words are flags (kernel/locking/{mutex,rwsem}.c). */
#define MW_OWNER_FLAGS		0x7ull
#define MW_RWSEM_WRITER_LOCKED	0x1ull
#define MW_RWSEM_READER_SHIFT	8
#define MW_RWSEM_READERS	((1ull << 55) - 1)	/* bits 8..62 of count */
/* include/asm-generic/qrwlock.h */
#define MW_QW_LOCKED		0xffu
#define MW_QR_SHIFT		9

/* What a lock callee does: its lock type and MW_LI_* bits. */
enum {
	MW_LI_TYPE	= 0x0f,		/* enum mw_lock_type */
	MW_LI_ACQUIRE	= 1u << 4,
	MW_LI_RELEASE	= 1u << 5,
	MW_LI_READ	= 1u << 6,	/* the read side of an rwlock or rwsem */
	MW_LI_TRY	= 1u << 7,	/* took the lock iff it returns non-zero; never blocks */
	MW_LI_ZERO_OK	= 1u << 8,	/* took the lock iff it returns 0 (else: a signal) */
	MW_LI_SLEEPS	= 1u << 9,
};

/* mw_lock_info() of the reader-writer locks: rwlock_t and rw_semaphore. */
static __always_inline __u32 mw_rw_lock_info(__u32 callee)
{
	switch (callee) {
	case MW_CALLEE_READ_LOCK:
	case MW_CALLEE_READ_LOCK_IRQ:
	case MW_CALLEE_READ_LOCK_IRQSAVE:
	case MW_CALLEE_READ_LOCK_BH:
		return MW_LOCK_RWLOCK | MW_LI_ACQUIRE | MW_LI_READ;
	case MW_CALLEE_READ_TRYLOCK:
		return MW_LOCK_RWLOCK | MW_LI_ACQUIRE | MW_LI_READ | MW_LI_TRY;
	case MW_CALLEE_READ_UNLOCK:
	case MW_CALLEE_READ_UNLOCK_IRQ:
	case MW_CALLEE_READ_UNLOCK_IRQRESTORE:
	case MW_CALLEE_READ_UNLOCK_BH:
		return MW_LOCK_RWLOCK | MW_LI_RELEASE | MW_LI_READ;
	case MW_CALLEE_WRITE_LOCK:
	case MW_CALLEE_WRITE_LOCK_IRQ:
	case MW_CALLEE_WRITE_LOCK_IRQSAVE:
	case MW_CALLEE_WRITE_LOCK_BH:
		return MW_LOCK_RWLOCK | MW_LI_ACQUIRE;
	case MW_CALLEE_WRITE_TRYLOCK:
		return MW_LOCK_RWLOCK | MW_LI_ACQUIRE | MW_LI_TRY;
	case MW_CALLEE_WRITE_UNLOCK:
	case MW_CALLEE_WRITE_UNLOCK_IRQ:
	case MW_CALLEE_WRITE_UNLOCK_IRQRESTORE:
	case MW_CALLEE_WRITE_UNLOCK_BH:
		return MW_LOCK_RWLOCK | MW_LI_RELEASE;
	case MW_CALLEE_DOWN_READ:
		return MW_LOCK_RWSEM | MW_LI_ACQUIRE | MW_LI_READ | MW_LI_SLEEPS;
	case MW_CALLEE_DOWN_READ_INTERRUPTIBLE:
	case MW_CALLEE_DOWN_READ_KILLABLE:
		return MW_LOCK_RWSEM | MW_LI_ACQUIRE | MW_LI_READ | MW_LI_SLEEPS | MW_LI_ZERO_OK;
	case MW_CALLEE_DOWN_WRITE_KILLABLE:
		return MW_LOCK_RWSEM | MW_LI_ACQUIRE | MW_LI_SLEEPS | MW_LI_ZERO_OK;
	case MW_CALLEE_DOWN_READ_TRYLOCK:
		return MW_LOCK_RWSEM | MW_LI_ACQUIRE | MW_LI_READ | MW_LI_TRY;
	case MW_CALLEE_UP_READ:
		return MW_LOCK_RWSEM | MW_LI_RELEASE | MW_LI_READ;
	case MW_CALLEE_DOWN_WRITE:
		return MW_LOCK_RWSEM | MW_LI_ACQUIRE | MW_LI_SLEEPS;
	case MW_CALLEE_DOWN_WRITE_TRYLOCK:
		return MW_LOCK_RWSEM | MW_LI_ACQUIRE | MW_LI_TRY;
	case MW_CALLEE_UP_WRITE:
		return MW_LOCK_RWSEM | MW_LI_RELEASE;
	}
	return 0;
}

static __always_inline __u32 mw_lock_info(__u32 callee)
{
	switch (callee) {
	case MW_CALLEE_MUTEX_LOCK:
	case MW_CALLEE_MUTEX_LOCK_IO:
		return MW_LOCK_MUTEX | MW_LI_ACQUIRE | MW_LI_SLEEPS;
	case MW_CALLEE_MUTEX_LOCK_INTERRUPTIBLE:
	case MW_CALLEE_MUTEX_LOCK_KILLABLE:
		return MW_LOCK_MUTEX | MW_LI_ACQUIRE | MW_LI_SLEEPS | MW_LI_ZERO_OK;
	case MW_CALLEE_MUTEX_TRYLOCK:
		return MW_LOCK_MUTEX | MW_LI_ACQUIRE | MW_LI_TRY;
	case MW_CALLEE_MUTEX_UNLOCK:
		return MW_LOCK_MUTEX | MW_LI_RELEASE;
	case MW_CALLEE_SPIN_LOCK:
	case MW_CALLEE_SPIN_LOCK_IRQ:
	case MW_CALLEE_SPIN_LOCK_IRQSAVE:
	case MW_CALLEE_SPIN_LOCK_BH:
		return MW_LOCK_SPIN | MW_LI_ACQUIRE;
	case MW_CALLEE_SPIN_TRYLOCK:
	case MW_CALLEE_SPIN_TRYLOCK_BH:
		return MW_LOCK_SPIN | MW_LI_ACQUIRE | MW_LI_TRY;
	case MW_CALLEE_SPIN_UNLOCK:
	case MW_CALLEE_SPIN_UNLOCK_IRQ:
	case MW_CALLEE_SPIN_UNLOCK_IRQRESTORE:
	case MW_CALLEE_SPIN_UNLOCK_BH:
		return MW_LOCK_SPIN | MW_LI_RELEASE;
	case MW_CALLEE_QUEUE_LIMITS_COMMIT:
		return MW_LOCK_MUTEX | MW_LI_RELEASE;
	}
	return mw_rw_lock_info(callee);
}

/* struct request_queue's limits_lock, where the kernel has it (v6.9+): CO-RE finds it. */
struct request_queue___limits {
	struct mutex limits_lock;
} __attribute__((preserve_access_index));

/* The lock an unlock call at @s releases, from its first argument @rdi; 0: none here. */
static __always_inline __u64 mw_unlocked_lock(const struct mw_site *s, __u64 rdi)
{
	if (s->arg != MW_UNLOCK_QUEUE_LIMITS)
		return rdi;
	if (!bpf_core_field_exists(struct request_queue___limits, limits_lock))
		return 0;
	return rdi + bpf_core_field_offset(struct request_queue___limits, limits_lock);
}

/* Can a call to @what (enum mw_callee) with @gfp sleep? */
static __always_inline bool mw_callee_may_sleep(__u32 what, __u32 gfp)
{
	switch (what) {
	case MW_CALLEE_KMALLOC:
	case MW_CALLEE_KMALLOC_TRACE:
	case MW_CALLEE_KMEM_CACHE_ALLOC:
		return gfp & MW_GFP_DIRECT_RECLAIM;
	case MW_CALLEE_COPY_FROM_USER_NOFAULT:
		return false;
	case MW_CALLEE_COPY_FROM_USER:
	case MW_CALLEE_COPY_TO_USER:
	case MW_CALLEE_COPY_USER_UNROLLED:
	case MW_CALLEE_COPY_USER_STRING:
	case MW_CALLEE_COPY_USER_ERMS:
	case MW_CALLEE_GET_USER_1 ... MW_CALLEE_PUT_USER_NOCHECK_8:
	case MW_CALLEE_STRNCPY_FROM_USER:
	case MW_CALLEE_COPY_TO_ITER:		/* the probes ask only for user-backed iters */
	case MW_CALLEE_COPY_FROM_ITER:
	case MW_CALLEE_SIMPLE_READ:
	case MW_CALLEE_SIMPLE_WRITE:
		return true;	/* a page fault may sleep */
	case MW_CALLEE_MEMDUP_USER ... MW_CALLEE_STRNDUP_USER:
		return true;	/* a GFP_KERNEL allocation, then a fault */
	case MW_CALLEE_VFREE:
		return true;	/* vfree(): might_sleep() outside interrupts */
	}
	return mw_lock_info(what) & MW_LI_SLEEPS;
}

static __always_inline __u32 mw_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline struct mw_lock_task *mw_lock_task(bool create)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (create)
		return bpf_task_storage_get(&mw_lock_tasks, task, 0,
					    BPF_LOCAL_STORAGE_GET_F_CREATE);
	return bpf_task_storage_get(&mw_lock_tasks, task, 0, 0);
}

static __always_inline struct mw_lock_owner *mw_owner(__u64 addr)
{
	return bpf_map_lookup_elem(&mw_lock_owners, &addr);
}

/* ---- the kernel's own view of a lock ---- */

enum {
	MW_KS_UNKNOWN,		/* not readable (or not this kernel's layout) */
	MW_KS_FREE,
	MW_KS_EXCL,		/* held exclusively */
	MW_KS_SHARED,		/* read holds only */
};

static __always_inline __u32 mw_kstate_mutex(__u64 addr, __u64 *owner)
{
	struct mutex *m = (void *)addr;
	long v;

	if (!bpf_core_field_exists(m->owner) || bpf_core_read(&v, sizeof(v), &m->owner.counter))
		return MW_KS_UNKNOWN;
	*owner = v & ~MW_OWNER_FLAGS;
	return *owner ? MW_KS_EXCL : MW_KS_FREE;
}

static __always_inline __u32 mw_kstate_rwsem(__u64 addr, __u64 *owner)
{
	struct rw_semaphore *sem = (void *)addr;
	long count, o;

	if (!bpf_core_field_exists(sem->count) || bpf_core_read(&count, sizeof(count),
								&sem->count.counter))
		return MW_KS_UNKNOWN;
	if (count & MW_RWSEM_WRITER_LOCKED) {
		if (!bpf_core_read(&o, sizeof(o), &sem->owner.counter))
			*owner = o & ~MW_OWNER_FLAGS;
		return MW_KS_EXCL;
	}
	return (count >> MW_RWSEM_READER_SHIFT) & MW_RWSEM_READERS ? MW_KS_SHARED : MW_KS_FREE;
}

/* raw_spinlock_t and rwlock_t start with their arch lock (no lock debugging on our kernels). */
static __always_inline __u32 mw_kstate_spin(__u64 addr)
{
	struct qspinlock *q = (void *)addr;
	int v;

	if (bpf_core_read(&v, sizeof(v), &q->val.counter))
		return MW_KS_UNKNOWN;
	return v & 0xff ? MW_KS_EXCL : MW_KS_FREE;	/* the "locked" byte */
}

static __always_inline __u32 mw_kstate_rwlock(__u64 addr)
{
	struct qrwlock *q = (void *)addr;
	int v;

	if (bpf_core_read(&v, sizeof(v), &q->cnts.counter))
		return MW_KS_UNKNOWN;
	if (v & MW_QW_LOCKED)
		return MW_KS_EXCL;
	return (__u32)v >> MW_QR_SHIFT ? MW_KS_SHARED : MW_KS_FREE;
}

/*
 * Is @addr held, by the kernel's lock word, as a release call is about to
 * run? *@owner: the holding task, where the lock names it (mutex, rwsem writer).
 */
static __always_inline __u32 mw_kstate(__u64 addr, __u32 type, __u64 *owner)
{
	*owner = 0;
	switch (type) {
	case MW_LOCK_MUTEX:
		return mw_kstate_mutex(addr, owner);
	case MW_LOCK_RWSEM:
		return mw_kstate_rwsem(addr, owner);
	case MW_LOCK_SPIN:
		return mw_kstate_spin(addr);
	case MW_LOCK_RWLOCK:
		return mw_kstate_rwlock(addr);
	}
	return MW_KS_UNKNOWN;
}

static __always_inline __u32 mw_task_tid(__u64 task)
{
	return BPF_CORE_READ((struct task_struct *)task, pid);
}

/*
 * Is @addr held, as far as anyone can tell? The lock word decides where it
 * can be read; @tracked (modwatch's records say so) decides elsewhere. A
 * report that claims a lock is held asks this first.
 */
static __always_inline bool mw_still_held(__u64 addr, __u32 type, bool tracked)
{
	__u64 kowner;
	__u32 ks = mw_kstate(addr, type, &kowner);

	return ks == MW_KS_UNKNOWN ? tracked : ks != MW_KS_FREE;
}

/* ---- reports ---- */

static __always_inline void mw_lock_set(struct mw_lock *l, __u64 addr, __u32 type)
{
	l->addr = addr;
	l->type = type;
	l->__pad = 0;
}

static __always_inline void mw_report_unlock(const struct mw_site *s, __u64 addr, __u32 type,
					     __u32 owner_tid, __u64 owner_site, __u32 owner_stack,
					     bool not_owner)
{
	struct mw_event *e;

	if (!not_owner) {
		e = mw_report(MW_UNLOCK_NOT_HELD, MW_EVENT_SIZE(unlock_not_held), s->addr,
			      s->module_id, addr);
		if (!e)
			return;
		mw_lock_set(&e->unlock_not_held.lock, addr, type);
		mw_report_send(e);
		return;
	}
	e = mw_report(MW_UNLOCK_NOT_OWNER, MW_EVENT_SIZE(unlock_not_owner), s->addr, s->module_id,
		      addr);
	if (!e)
		return;
	mw_lock_set(&e->unlock_not_owner.lock, addr, type);
	e->unlock_not_owner.owner_site = owner_site;
	e->unlock_not_owner.owner_tid = owner_tid;
	e->unlock_not_owner.owner_stack = owner_stack;
	mw_report_send(e);
}

static __always_inline void mw_report_recursive(const struct mw_site *s, __u64 addr, __u32 type,
						const struct mw_lock_held *first)
{
	struct mw_event *e;

	e = mw_report(MW_RECURSIVE_LOCK, MW_EVENT_SIZE(recursive_lock), s->addr, s->module_id,
		      addr);
	if (!e)
		return;
	mw_lock_set(&e->recursive_lock.lock, addr, type);
	e->recursive_lock.first_site = first->site;
	e->recursive_lock.first_stack = first->stack;
	e->recursive_lock.__pad = 0;
	mw_report_send(e);
}

/*
 * The report's site is the acquire, so its stack is the acquire's (where
 * the task is seen next would tell nothing); @nr: the system call it was
 * taken in.
 */
static __always_inline void mw_report_held_on_return(const struct mw_lock_held *h, __u32 nr)
{
	struct mw_event *e;

	e = mw_report_direct(MW_LOCK_HELD_ON_RETURN, MW_EVENT_SIZE(lock_held_on_return), h->site,
			     h->module_id, h->addr, h->stack);
	if (!e)
		return;
	mw_lock_set(&e->lock_held_on_return.lock, h->addr, h->type);
	e->lock_held_on_return.acquire_site = h->site;
	e->lock_held_on_return.syscall_nr = nr;
	e->lock_held_on_return.__pad = 0;
	bpf_ringbuf_submit(e, 0);
}

/* The target of the call instruction at @insn ("e8 rel32"), or 0 if it is none. */
static __always_inline __u64 mw_call_target(__u64 insn)
{
	struct {
		__u8 op;
		__s32 rel;
	} __attribute__((packed)) c;

	if (bpf_probe_read_kernel(&c, sizeof(c), (void *)insn) || c.op != 0xe8)
		return 0;
	return insn + sizeof(c) + c.rel;
}

/*
 * The function called at @s: a probed site's callee by its id; at a site
 * the kmem tracepoints made up (class 0), the call instruction's own
 * target, which names kmalloc_trace(), __kmalloc_node()... as they are.
 */
static __always_inline __u64 mw_callee_of(const struct mw_site *s, __u32 what)
{
	__u64 *addr, target = s->class ? 0 : mw_call_target(s->addr);

	if (target)
		return target;
	addr = bpf_map_lookup_elem(&mw_callee_addrs, &what);
	return addr ? *addr : 0;
}

static __always_inline void mw_report_sleep(const struct mw_site *s, const struct mw_lock_held *h,
					    __u32 what, __u32 gfp)
{
	__u64 callee = mw_callee_of(s, what);
	struct mw_event *e;

	e = mw_report(MW_SLEEP_IN_ATOMIC, MW_EVENT_SIZE(sleep_in_atomic), s->addr, s->module_id,
		      h->addr);
	if (!e)
		return;
	mw_lock_set(&e->sleep_in_atomic.held, h->addr, h->type);
	e->sleep_in_atomic.acquire_site = h->site;
	e->sleep_in_atomic.callee = callee;
	e->sleep_in_atomic.gfp_flags = gfp;
	e->sleep_in_atomic.acquire_stack = h->stack;
	mw_report_send(e);
}

/*
 * This task takes @a (at @s) holding @b after some task took b holding a
 * (edge @ab): the report names both acquisitions of both locks.
 */
static __always_inline void mw_report_inversion(const struct mw_site *s, __u64 a, __u32 a_type,
						const struct mw_lock_held *b,
						const struct mw_lock_edge *ab)
{
	struct mw_event *e;

	e = mw_report(MW_LOCK_ORDER_INVERSION, MW_EVENT_SIZE(lock_order_inversion), s->addr,
		      s->module_id, b->addr);
	if (!e)
		return;
	mw_lock_set(&e->lock_order_inversion.a, a, a_type);
	mw_lock_set(&e->lock_order_inversion.b, b->addr, b->type);
	e->lock_order_inversion.ab_site_a = ab->site_a;
	e->lock_order_inversion.ab_site_b = ab->site_b;
	e->lock_order_inversion.ba_site_b = b->site;
	e->lock_order_inversion.ba_site_a = s->addr;
	e->lock_order_inversion.ab_stack_a = ab->stack_a;
	e->lock_order_inversion.ab_stack_b = ab->stack_b;
	e->lock_order_inversion.ba_stack_b = b->stack;
	e->lock_order_inversion.__pad = 0;
	mw_report_send(e);
}

static __always_inline void mw_report_freed(const struct mw_object *obj, __u64 addr, __u32 type,
					    __u64 acquire_site, __u32 acquire_stack,
					    __u32 owner_tid,
					    __u64 site, __u32 module_id)
{
	struct mw_event *e;

	e = mw_report(MW_HELD_LOCK_FREED, MW_EVENT_SIZE(held_lock_freed), site, module_id, addr);
	if (!e)
		return;
	e->held_lock_freed.obj = *obj;
	mw_lock_set(&e->held_lock_freed.lock, addr, type);
	e->held_lock_freed.acquire_site = acquire_site;
	e->held_lock_freed.owner_tid = owner_tid;
	e->held_lock_freed.acquire_stack = acquire_stack;
	mw_report_send(e);
}

/* ---- the held-lock table that heap frees scan ---- */

static __always_inline __u32 mw_held_hash(__u64 addr)
{
	return (__u32)(((addr >> 3) * 0x9e3779b97f4a7c15ull) >> (64 - MW_HELD_BITS));
}

/*
 * Probe @i (from 0, up to MW_HELD_PROBES) of the open-addressed slots of a
 * lock that hashes to @h: where the table keeps it, or may.
 */
static __always_inline struct mw_held_slot *mw_held_probe(__u32 h, __u32 i)
{
	__u32 idx = (h + i) & (MW_HELD_SLOTS - 1);

	return bpf_map_lookup_elem(&mw_held_slots, &idx);
}

static __always_inline void mw_held_set_add(__u64 addr, __u64 site, __u32 tid, __u32 module_id,
					    __u32 type, __u32 flags, __u32 stack)
{
	__u32 h = mw_held_hash(addr), i;
	struct mw_held_slot *sl;

	for (i = 0; i < MW_HELD_PROBES; i++) {
		sl = mw_held_probe(h, i);
		if (!sl)
			return;
		/* Claim a free slot atomically: other CPUs add and free concurrently. */
		if (sl->addr || __sync_val_compare_and_swap(&sl->addr, 0, addr))
			continue;
		sl->site = site;
		sl->tid = tid;
		sl->module_id = module_id;
		sl->type = type;
		sl->flags = flags;
		sl->stack = stack;
		return;
	}
	mw_stat_inc(MW_STAT_HELD_SET_FULL);
}

/* Forget @addr's slots: all of them (@tid 0), or the one of @tid (a read hold). */
static __always_inline void mw_held_set_del(__u64 addr, __u32 tid)
{
	__u32 h = mw_held_hash(addr), i;
	struct mw_held_slot *sl;

	for (i = 0; i < MW_HELD_PROBES; i++) {
		sl = mw_held_probe(h, i);
		if (!sl)
			return;
		if (sl->addr != addr || (tid && sl->tid != tid))
			continue;
		__sync_val_compare_and_swap(&sl->addr, addr, 0);
		if (tid)
			return;
	}
}

/* ---- a task's stack of held locks ---- */

/*
 * @i masked to an index of an array of @n (a power of two) entries, in a way
 * the compiler cannot drop: it drops a mask it can prove redundant (say,
 * d - 1 after a check of d), and 6.1's verifier does not learn bounds from
 * "d != 0" or from comparing two registers, so it must see the mask itself.
 */
#define MW_IDX(i, n)					\
	({						\
		__u32 __i = (i);			\
		barrier_var(__i);			\
		__i & ((n) - 1);			\
	})

/*
 * @v, as an index the verifier does not know. A search loop leaves a
 * different constant in its result on every path; once that result decides
 * a branch it is tracked precisely and each constant is verified on its own
 * (hundreds of thousands of instructions). Memory of a map value is not
 * tracked, so a round trip through it ends that.
 */
static __always_inline __u32 mw_opaque(struct mw_lock_task *t, __u32 v)
{
	*(volatile __u32 *)&t->scratch = v;
	return *(volatile __u32 *)&t->scratch;
}

/*
 * The entry for @addr whose flags & @mask are @want; -1 if none. A match does
 * not end the loop, and the result goes through mw_opaque(): the verifier
 * then carries one state out of the loop, not one per index.
 */
static __always_inline int mw_held_find(struct mw_lock_task *t, __u64 addr, __u32 mask,
					__u32 want)
{
	int found = -1;
	__u32 i;

	for (i = 0; i < MW_LOCK_DEPTH; i++) {
		if (i >= t->depth)
			break;
		if (t->held[i].addr == addr && (t->held[i].flags & mask) == want)
			found = i;
	}
	return (int)mw_opaque(t, found);
}

/* Remove entry @idx: the last one takes its place (no rule needs acquire order). */
static __always_inline void mw_held_remove(struct mw_lock_task *t, __u32 idx)
{
	__u32 d = t->depth, last;

	if (idx >= d || d > MW_LOCK_DEPTH)
		return;
	last = d - 1;
	if (idx != last)
		t->held[MW_IDX(idx, MW_LOCK_DEPTH)] = t->held[MW_IDX(last, MW_LOCK_DEPTH)];
	t->depth = last;
}

static __always_inline bool mw_held_drop(struct mw_lock_task *t, __u64 addr, __u32 mask,
					 __u32 want)
{
	int i = mw_held_find(t, addr, mask, want);

	if (i < 0)
		return false;
	mw_held_remove(t, i);
	return true;
}

/* Acquire @p returned: @type, @flags (MW_HELD_*) on top of this task's stack. */
static __always_inline void mw_held_push(struct mw_lock_task *t, const struct mw_lock_pending *p,
					 __u32 type, __u32 flags)
{
	__u32 d = t->depth;
	struct mw_lock_held *h;

	if (d >= MW_LOCK_DEPTH) {
		mw_stat_inc(MW_STAT_LOCK_STACK_FULL);
		return;
	}
	h = &t->held[MW_IDX(d, MW_LOCK_DEPTH)];
	h->addr = p->addr;
	h->site = p->site;
	h->module_id = p->module_id;
	h->type = type;
	h->flags = flags;
	h->stack = p->stack;
	h->sysid = p->sysid;
	h->nr = p->nr;
	h->__pad = 0;
	t->depth = d + 1;
}

/* Does mw_lock_owners still agree that this task holds @h? */
static __always_inline bool mw_held_valid(const struct mw_lock_held *h, __u32 tid)
{
	struct mw_lock_owner *o = mw_owner(h->addr);

	if (!o)
		return false;
	return h->flags & MW_HELD_READ ? o->readers != 0 : o->tid == tid;
}

/* Is @h still held, by mw_lock_owners and by the lock word? For reports. */
static __always_inline bool mw_held_live(const struct mw_lock_held *h, __u32 tid)
{
	return mw_held_valid(h, tid) && mw_still_held(h->addr, h->type, true);
}

/* ---- acquire ---- */

/* This task's exclusive hold of @addr, or NULL. */
static __always_inline struct mw_lock_held *mw_held_excl(struct mw_lock_task *t, __u64 addr)
{
	int i = mw_held_find(t, addr, MW_HELD_READ, 0);

	return i < 0 ? NULL : &t->held[MW_IDX(i, MW_LOCK_DEPTH)];
}

/*
 * An exclusive acquire of @addr that returned holding it, by a task that
 * holds it already (recursive_lock was reported at the call): the kernel
 * let it through. It nests in the first hold, whose owner stays.
 */
static __always_inline bool mw_lock_nest(struct mw_lock_task *t, __u64 addr)
{
	struct mw_lock_held *h = mw_held_excl(t, addr);

	if (!h)
		return false;
	if ((h->flags & MW_HELD_NEST_MASK) != MW_HELD_NEST_MASK)
		h->flags += MW_HELD_NEST_ONE;
	return true;
}

/* A release of exclusive @addr that only undoes a nested acquire (mw_lock_nest()). */
static __always_inline bool mw_lock_unnest(struct mw_lock_task *t, __u64 addr)
{
	struct mw_lock_held *h = mw_held_excl(t, addr);

	if (!h || !(h->flags & MW_HELD_NEST_MASK))
		return false;
	h->flags -= MW_HELD_NEST_ONE;
	return true;
}

/*
 * The acquire call @p (of this task's @t) returned holding its lock: this
 * task owns it now. Global: called at returns and when tail calls settle.
 */
MW_GLOBAL int mw_lock_commit(struct mw_lock_task *t, const struct mw_lock_pending *p)
{
	__u32 info, type, tid = mw_tid(), flags, module_id, stack;
	struct mw_lock_owner *o, n = {};
	__u64 addr, site;

	if (!t || !p)
		return 0;
	info = mw_lock_info(p->callee);
	type = info & MW_LI_TYPE;
	flags = info & MW_LI_READ ? MW_HELD_READ : 0;
	addr = p->addr;
	site = p->site;
	module_id = p->module_id;
	stack = p->stack;
	n.type = type;
	o = mw_owner(addr);
	if (!flags && o && o->tid == tid && mw_lock_nest(t, addr))
		return 0;

	if (!o) {
		bpf_map_update_elem(&mw_lock_owners, &addr, &n, BPF_NOEXIST);
		o = mw_owner(addr);
	}
	if (o) {
		if (flags)
			__sync_fetch_and_add(&o->readers, 1);
		else
			o->tid = tid;
		o->site = site;
		o->module_id = module_id;
		o->type = type;
		o->stack = stack;
	}
	mw_held_set_add(addr, site, tid, module_id, type, flags, stack);
	mw_held_push(t, p, type, flags);
	return 0;
}

/*
 * A tail-called acquire on top of the pending stack has returned by the
 * time this task does anything else: commit it (see the top comment).
 */
MW_GLOBAL int mw_lock_settle(struct mw_lock_task *t)
{
	struct mw_lock_pending *p;
	__u32 n;

	if (!t)
		return 0;
	n = t->npend;
	if (!n || n > MW_LOCK_PENDING)
		return 0;
	p = &t->pend[MW_IDX(n - 1, MW_LOCK_PENDING)];
	if (!(p->flags & MW_PEND_TAIL))
		return 0;
	t->npend = n - 1;
	if (mw_lock_info(p->callee) & (MW_LI_TRY | MW_LI_ZERO_OK)) {
		/* Its result went to the caller's caller: never seen. */
		mw_stat_inc(MW_STAT_LOCK_UNTRACKED);
		return 0;
	}
	return mw_lock_commit(t, p);
}

/*
 * This task's lock record (made if @create), its tail-called acquire
 * committed: what every lock event starts from. NULL: the task has none.
 */
static __always_inline struct mw_lock_task *mw_lock_task_settled(bool create)
{
	struct mw_lock_task *t = mw_lock_task(create);

	if (t)
		mw_lock_settle(t);
	return t;
}

/* The lock call at @s, if it does @op (MW_LI_ACQUIRE, MW_LI_RELEASE): its mw_lock_info(). */
static __always_inline __u32 mw_site_lock_op(const struct mw_site *s, __u32 op)
{
	__u32 info = mw_lock_info(s->callee);

	return info & op ? info : 0;
}

static __always_inline void mw_pend_push(struct mw_lock_task *t, const struct mw_site *s,
					 __u64 addr, __u32 flags, __u32 stack, __u64 call)
{
	__u32 n = t->npend, i;
	struct mw_lock_pending *p;

	if (n >= MW_LOCK_PENDING) {
		/* The oldest call's return was missed (say, probes attached mid-call). */
		for (i = 0; i < MW_LOCK_PENDING - 1; i++)
			t->pend[i] = t->pend[i + 1];
		n = MW_LOCK_PENDING - 1;
		mw_stat_inc(MW_STAT_LOCK_UNTRACKED);
	}
	p = &t->pend[MW_IDX(n, MW_LOCK_PENDING)];
	p->addr = addr;
	p->site = s->addr;
	p->module_id = s->module_id;
	p->callee = s->callee;
	p->flags = flags;
	p->stack = stack;
	p->sysid = MW_SYSID(call);
	p->nr = MW_SYSNR(call);
	p->__pad = 0;
	t->npend = n + 1;
}

static __always_inline void mw_check_recursion(struct mw_lock_task *t, const struct mw_site *s,
					       __u64 addr, __u32 info)
{
	int i = mw_held_find(t, addr, 0, 0);
	struct mw_lock_held *h;

	if (i < 0)
		return;
	h = &t->held[MW_IDX(i, MW_LOCK_DEPTH)];
	if (!mw_held_live(h, mw_tid())) {
		mw_held_remove(t, i);
		return;
	}
	/* read_lock() does not wait for readers, so rwlock read holds nest. */
	if ((info & MW_LI_TYPE) == MW_LOCK_RWLOCK && (info & MW_LI_READ) &&
	    (h->flags & MW_HELD_READ))
		return;
	mw_report_recursive(s, addr, info & MW_LI_TYPE, h);
}

/* A spinlock or rwlock hold, if any: while one is held the task must not sleep. */
static __always_inline void mw_sleep_check(struct mw_lock_task *t, const struct mw_site *s,
					   __u32 what, __u32 gfp)
{
	__u32 i, found = MW_LOCK_DEPTH;
	struct mw_lock_held *h;

	for (i = 0; i < MW_LOCK_DEPTH; i++) {
		if (i >= t->depth)
			break;
		if (t->held[i].type == MW_LOCK_SPIN || t->held[i].type == MW_LOCK_RWLOCK)
			found = i;
	}
	found = mw_opaque(t, found);
	if (found >= MW_LOCK_DEPTH)
		return;
	h = &t->held[MW_IDX(found, MW_LOCK_DEPTH)];
	if ((h->flags & MW_HELD_SLEEP_REPORTED) || !mw_held_live(h, mw_tid()))
		return;
	h->flags |= MW_HELD_SLEEP_REPORTED;
	mw_report_sleep(s, h, what, gfp);
}

/* This task takes @addr at @s while holding @h: record h -> addr, report addr -> h. */
MW_GLOBAL int mw_order_edge(const struct mw_lock_held *h, const struct mw_site *s, __u64 addr,
			    __u32 type, __u32 stack)
{
	struct mw_lock_edge_key k, rk;
	struct mw_lock_edge n = {}, *rev;

	if (!h || !s)
		return 0;
	k = (struct mw_lock_edge_key){ .a = h->addr, .b = addr };
	rk = (struct mw_lock_edge_key){ .a = addr, .b = h->addr };
	n = (struct mw_lock_edge){ .site_a = h->site, .site_b = s->addr,
				   .module_id = s->module_id, .ns = bpf_ktime_get_ns(),
				   .stack_a = h->stack, .stack_b = stack };
	rev = bpf_map_lookup_elem(&mw_lock_edges, &rk);
	if (rev) {
		/* Once per pair: the flag goes on both edges, the old one atomically. */
		if (!(__sync_fetch_and_or(&rev->flags, MW_EDGE_REPORTED) & MW_EDGE_REPORTED))
			mw_report_inversion(s, addr, type, h, rev);
		n.flags = MW_EDGE_REPORTED;
	}
	if (!bpf_map_lookup_elem(&mw_lock_edges, &k))
		bpf_map_update_elem(&mw_lock_edges, &k, &n, BPF_NOEXIST);
	return 0;
}

static __always_inline void mw_check_order(struct mw_lock_task *t, const struct mw_site *s,
					   __u64 addr, __u32 type, __u32 stack)
{
	__u32 i, tid = mw_tid();
	struct mw_lock_held *h;

	for (i = 0; i < MW_LOCK_DEPTH; i++) {
		if (i >= t->depth)
			break;
		h = &t->held[i];
		if (h->addr == addr || !mw_held_valid(h, tid))
			continue;
		mw_order_edge(h, s, addr, type, stack);
	}
}

/*
 * The call instruction of an acquire at @s, lock @addr: the rules that must
 * speak before the task may block; ownership waits for the return. @stack:
 * the call's, which its hook took at the call (its first frame the module's);
 * @call: the system call it is made in (mw_syscall_now()).
 */
MW_GLOBAL int mw_lock_call(const struct mw_site *s, __u64 addr, __u64 cookie, __u32 stack,
			   __u64 call)
{
	struct mw_lock_task *t;
	__u32 info;

	if (!s)
		return 0;
	info = mw_site_lock_op(s, MW_LI_ACQUIRE);
	if (!info || !addr)
		return 0;
	t = mw_lock_task_settled(true);
	if (!t) {
		mw_stat_inc(MW_STAT_LOCK_UNTRACKED);
		return 0;
	}
	if (!(info & MW_LI_TRY)) {
		mw_check_recursion(t, s, addr, info);
		if (info & MW_LI_SLEEPS)
			mw_sleep_check(t, s, s->callee, 0);
		mw_check_order(t, s, addr, info & MW_LI_TYPE, stack);
	}
	mw_pend_push(t, s, addr, cookie & MW_LOCK_COOKIE_TAIL ? MW_PEND_TAIL : 0, stack, call);
	return 0;
}

/* The instruction after the acquire call at @s: the call returned @ret. */
MW_GLOBAL int mw_lock_return(const struct mw_site *s, __u64 ret)
{
	__u32 info, i, j, found = MW_LOCK_PENDING;
	struct mw_lock_task *t;

	if (!s)
		return 0;
	info = mw_site_lock_op(s, MW_LI_ACQUIRE);
	if (!info)
		return 0;
	t = mw_lock_task_settled(false);
	if (!t)
		return 0;
	for (i = 0; i < MW_LOCK_PENDING; i++) {
		j = MW_LOCK_PENDING - 1 - i;
		if (j >= t->npend)
			continue;
		if (t->pend[j].site == s->addr) {
			found = j;
			break;
		}
	}
	found = mw_opaque(t, found);
	/* Not found: a jump to this instruction, or a call made before the probes. */
	if (found >= MW_LOCK_PENDING)
		return 0;
	if (found + 1 < t->npend)
		mw_stat_inc(MW_STAT_LOCK_UNTRACKED);	/* later calls, returns missed */
	t->npend = found;
	if ((info & MW_LI_TRY) && !(__u32)ret)
		return 0;
	if ((info & MW_LI_ZERO_OK) && (__u32)ret)
		return 0;
	/* Its entry stays as it was above the pending stack's new top. */
	return mw_lock_commit(t, &t->pend[MW_IDX(found, MW_LOCK_PENDING)]);
}

/* ---- release ---- */

/*
 * Another task holds @addr exclusively: name it from the lock word where the
 * lock has one (@kowner), else from mw_lock_owners; silent if neither knows.
 */
static __always_inline void mw_report_not_owner(const struct mw_site *s, __u64 addr, __u32 type,
						__u32 owner_tid, __u64 owner_site,
						__u32 owner_stack, __u64 kowner)
{
	__u32 ktid;

	if (kowner) {
		ktid = mw_task_tid(kowner);
		if (ktid != owner_tid) {
			owner_tid = ktid;
			owner_site = 0;	/* taken where no probe saw it */
			owner_stack = 0;
		}
	}
	if (owner_tid)
		mw_report_unlock(s, addr, type, owner_tid, owner_site, owner_stack, true);
}

/* The exclusive side of @addr is released at @s. */
static __always_inline void mw_release_excl(const struct mw_site *s, struct mw_lock_task *t,
					    __u64 addr, __u32 type)
{
	__u32 tid = mw_tid(), owner_tid = 0, owner_stack = 0, ks;
	struct mw_lock_owner *o = mw_owner(addr);
	__u64 owner_site = 0, kowner;

	if (t && o && o->tid == tid && mw_lock_unnest(t, addr))
		return;
	if (t)
		mw_held_drop(t, addr, MW_HELD_READ, 0);
	mw_held_set_del(addr, 0);
	if (o) {
		owner_tid = o->tid;
		owner_site = o->site;
		owner_stack = o->stack;
		o->tid = 0;
		if (!o->readers)
			bpf_map_delete_elem(&mw_lock_owners, &addr);
	}
	if (owner_tid == tid)
		return;
	ks = mw_kstate(addr, type, &kowner);
	if (ks == MW_KS_FREE) {
		mw_report_unlock(s, addr, type, 0, 0, 0, false);
		return;
	}
	if (kowner == bpf_get_current_task())
		return;		/* ours, taken where no probe saw it */
	mw_report_not_owner(s, addr, type, owner_tid, owner_site, owner_stack, kowner);
}

/* A read release at @s of @addr by a task that holds no read hold of it. */
static __always_inline void mw_release_foreign_read(const struct mw_site *s,
						    struct mw_lock_task *t, struct mw_lock_owner *o,
						    __u64 addr, __u32 type)
{
	__u32 tid = mw_tid(), owner_tid = o ? o->tid : 0, ks;
	__u64 kowner;

	ks = mw_kstate(addr, type, &kowner);
	if (ks == MW_KS_EXCL || (ks == MW_KS_UNKNOWN && owner_tid)) {
		if (kowner == bpf_get_current_task() || (!kowner && owner_tid == tid)) {
			/* Its own write hold: downgrade_write() (unprobed), then up_read(). */
			mw_release_excl(s, t, addr, type);
			return;
		}
		mw_report_not_owner(s, addr, type, owner_tid, o ? o->site : 0,
				    o ? o->stack : 0, kowner);
		return;
	}
	/* Free, or read holds of which modwatch saw some (other tasks') taken. */
	if (ks == MW_KS_FREE || (o && o->readers)) {
		if (o && o->readers)
			__sync_fetch_and_sub(&o->readers, 1);
		mw_report_unlock(s, addr, type, 0, 0, 0, false);
	}
}

static __always_inline void mw_release_read(const struct mw_site *s, struct mw_lock_task *t,
					    __u64 addr, __u32 type)
{
	struct mw_lock_owner *o = mw_owner(addr);
	__u32 r;

	if (!t || !mw_held_drop(t, addr, MW_HELD_READ, MW_HELD_READ)) {
		mw_release_foreign_read(s, t, o, addr, type);
		return;
	}
	mw_held_set_del(addr, mw_tid());
	if (!o)
		return;
	r = o->readers;
	/* A lost race leaves the count high: a missed report, never a false one. */
	if (r)
		__sync_val_compare_and_swap(&o->readers, r, r - 1);
}

/* The call instruction of a release at @s, lock @addr. */
MW_GLOBAL int mw_lock_release(const struct mw_site *s, __u64 addr)
{
	struct mw_lock_task *t;
	__u32 info;

	if (!s)
		return 0;
	info = mw_site_lock_op(s, MW_LI_RELEASE);
	if (!info || !addr)
		return 0;
	t = mw_lock_task_settled(false);
	if (info & MW_LI_READ)
		mw_release_read(s, t, addr, info & MW_LI_TYPE);
	else
		mw_release_excl(s, t, addr, info & MW_LI_TYPE);
	return 0;
}

/* ---- the API for the other hooks ---- */

/*
 * A call at @s to @what (enum mw_callee) that may sleep, with @gfp for
 * allocations: user copies (from their kprobes), allocations, lock calls.
 */
MW_GLOBAL int mw_locks_may_sleep(const struct mw_site *s, __u32 what, __u32 gfp)
{
	struct mw_lock_task *t;

	if (!s || !mw_callee_may_sleep(what, gfp))
		return 0;
	t = mw_lock_task(false);
	/* Nothing held, nothing pending: the common case ends before mw_lock_settle()'s call. */
	if (!t || (!t->depth && !t->npend))
		return 0;
	mw_lock_settle(t);
	mw_sleep_check(t, s, what, gfp);
	return 0;
}

/*
 * The kmem allocation tracepoints: @call_site is the return address in the
 * caller, @what MW_CALLEE_KMALLOC or MW_CALLEE_KMEM_CACHE_ALLOC. Cheap for
 * the whole kernel: atomic allocations and unwatched callers stop at once.
 */
static __always_inline void mw_locks_alloc(__u64 call_site, __u32 module_id, __u32 what, __u32 gfp)
{
	struct mw_site s = {};

	if (!module_id || !(gfp & MW_GFP_DIRECT_RECLAIM))
		return;
	s.module_id = module_id;
	/* The return address: the call instruction is the 5 bytes before it, if any. */
	s.addr = mw_call_target(call_site - 5) ? call_site - 5 : call_site;
	s.callee = what;
	mw_locks_may_sleep(&s, what, gfp);
}

/*
 * The task is seen in system call @sysid, another than before: entry @j of
 * its stack, taken in an earlier call and still held, outlived that call.
 * Report it once; drop it if its records no longer agree (released
 * elsewhere, freed). A removal moves the last entry, already visited, into
 * the gap. A global function: the loop's body is checked once.
 */
MW_GLOBAL int mw_outlived_held(struct mw_lock_task *t, __u32 j, __u32 tid, __u32 sysid)
{
	struct mw_lock_held *h;

	if (!t || j >= t->depth || j >= MW_LOCK_DEPTH)
		return 0;
	h = &t->held[j];
	if (h->flags & MW_HELD_RETURN_REPORTED) {
		if (!mw_held_valid(h, tid))
			mw_held_remove(t, j);
		return 0;
	}
	if (!h->sysid || h->sysid == sysid)
		return 0;	/* taken in this system call, or in one not known */
	if (!mw_held_live(h, tid)) {
		mw_held_remove(t, j);
		return 0;
	}
	h->flags |= MW_HELD_RETURN_REPORTED;
	mw_report_held_on_return(h, h->nr);
	return 0;
}

/*
 * This task entered a watched module in system call @sysid, another than
 * it was last seen in: report each lock it still holds from an earlier one,
 * once; it stays on the stack (it is still held). Downwards, as
 * mw_outlived_held() removes. Lock calls of an earlier system call whose
 * return no probe saw are forgotten.
 */
MW_GLOBAL int mw_locks_new_syscall(__u32 sysid)
{
	struct mw_lock_task *t = mw_lock_task_settled(false);
	__u32 i, tid;

	if (!t)
		return 0;
	if (t->npend) {
		mw_stat_inc(MW_STAT_LOCK_UNTRACKED);	/* returns no probe saw */
		t->npend = 0;
	}
	if (!t->depth)
		return 0;
	tid = mw_tid();
	for (i = 0; i < MW_LOCK_DEPTH; i++)
		mw_outlived_held(t, MW_LOCK_DEPTH - 1 - i, tid, sysid);
	return 0;
}

/* A heap free the lock rules look into: the object [addr, addr + size), freed at site. */
struct mw_freeing {
	__u64 addr;
	__u64 size;
	__u64 site;
	__u32 module_id;	/* the freeing site's, else the allocating module's */
	__u32 __pad;
};

/*
 * Slot @idx of the held-lock table names a lock inside the object @f frees
 * (@obj its record): report it if the lock is still held, then forget it
 * everywhere.
 */
MW_GLOBAL int mw_freed_slot(__u32 idx, const struct mw_freeing *f, const struct mw_object *obj)
{
	struct mw_held_slot *sl = bpf_map_lookup_elem(&mw_held_slots, &idx);
	struct mw_lock_owner *o;
	__u32 type, tid, astack;
	__u64 la, asite;
	bool held;

	if (!sl || !f || !obj)
		return 0;
	la = sl->addr;
	if (la - f->addr >= f->size)
		return 0;	/* freed meanwhile, or an earlier hit's other reader */
	asite = sl->site;
	astack = sl->stack;
	tid = sl->tid;
	type = sl->type;
	o = mw_owner(la);
	held = o && (sl->flags & MW_HELD_READ ? o->readers != 0 : o->tid == tid);
	held = mw_still_held(la, type, held);
	mw_held_set_del(la, 0);
	if (!held)
		return 0;
	/*
	 * The lock lives in freed memory now: its records must not speak again.
	 * Without an owner record, stack entries of it are dropped when next
	 * looked at (this task's own below, in mw_freed_own()).
	 */
	if (o)
		bpf_map_delete_elem(&mw_lock_owners, &la);
	mw_report_freed(obj, la, type, asite, astack, tid, f->site, f->module_id);
	return 0;
}

/* Entry @j of this task's stack, if inside the object @f frees: the table may not hold it. */
MW_GLOBAL int mw_freed_own(struct mw_lock_task *t, __u32 j, const struct mw_freeing *f,
			   const struct mw_object *obj)
{
	struct mw_lock_held *h;
	__u64 la;

	if (!t || !f || !obj || j >= t->depth || j >= MW_LOCK_DEPTH)
		return 0;
	h = &t->held[j];
	la = h->addr;	/* a key on the stack: v6.1 takes no other memory for one */
	if (la - f->addr >= f->size)
		return 0;
	if (mw_held_live(h, mw_tid())) {
		bpf_map_delete_elem(&mw_lock_owners, &la);
		mw_report_freed(obj, la, h->type, h->site, h->stack, mw_tid(), f->site,
				f->module_id);
	}
	mw_held_remove(t, j);
	return 0;
}

/*
 * The heap free path: the tracked object @obj, [@addr, @addr + @size), is
 * freed at @site by @module_id (0: core kernel code; the allocating module
 * is named then). Costs a scan of MW_HELD_SLOTS slots per tracked free.
 */
MW_GLOBAL int mw_locks_freed(__u64 addr, __u64 size, __u64 site, __u32 module_id,
			     const struct mw_object *obj)
{
	struct mw_freeing f = { .addr = addr, .size = size, .site = site };
	__u32 i, idx, n, zero = 0;
	struct mw_freed_hits *hits;
	struct mw_lock_task *t;
	struct mw_held_slot *sl;

	if (!obj)
		return 0;
	f.module_id = module_id ? module_id : obj->module_id;
	/*
	 * Collect first, report after: the scan then stays small for the
	 * verifier. The hits live in map memory, which it does not track, so
	 * which slots hit does not split its states either. (A nested run on
	 * this CPU may overwrite them: mw_freed_slot() checks each again.)
	 */
	hits = bpf_map_lookup_elem(&mw_freed_scratch, &zero);
	if (!hits)
		return 0;
	hits->n = 0;
	for (i = 0; i < MW_HELD_SLOTS; i++) {
		idx = i;
		sl = bpf_map_lookup_elem(&mw_held_slots, &idx);
		if (!sl)
			break;
		if (sl->addr - addr >= size)
			continue;
		n = hits->n;
		if (n < MW_FREED_HITS) {
			hits->idx[MW_IDX(n, MW_FREED_HITS)] = i;
			hits->n = n + 1;
		}
	}
	for (i = 0; i < MW_FREED_HITS; i++) {
		if (i >= hits->n)
			break;
		mw_freed_slot(hits->idx[i], &f, obj);
	}
	t = mw_lock_task(false);
	if (!t || !t->depth)
		return 0;
	for (i = 0; i < MW_LOCK_DEPTH; i++)
		mw_freed_own(t, MW_LOCK_DEPTH - 1 - i, &f, obj);	/* downwards, as at exit */
	return 0;
}

/* ---- the module goes ---- */

static __always_inline void mw_report_held_on_unload(__u64 addr, __u32 type, __u64 site,
						     __u32 stack, __u32 owner_tid, __u32 module_id)
{
	struct mw_event *e;

	/* The report's site is the acquire: its stack. */
	e = mw_report_direct(MW_LOCK_HELD_ON_UNLOAD, MW_EVENT_SIZE(lock_held_on_unload), site,
			     module_id, addr, stack);
	if (!e)
		return;
	mw_lock_set(&e->lock_held_on_unload.lock, addr, type);
	e->lock_held_on_unload.acquire_site = site;
	e->lock_held_on_unload.owner_tid = owner_tid;
	e->lock_held_on_unload.__pad = 0;
	bpf_ringbuf_submit(e, 0);
}

/* An owner record of the unloading module whose lock the lock word says is still held. */
static long mw_unload_owned(void *map, __u64 *addr, struct mw_lock_owner *o, __u32 *module_id)
{
	if (o->module_id == *module_id && (o->tid || o->readers) &&
	    mw_still_held(*addr, o->type, true))
		mw_report_held_on_unload(*addr, o->type, o->site, o->stack, o->tid, *module_id);
	return 0;
}

/*
 * A static lock of the unloading module that no owner record of it covers
 * (taken where no probe saw it: its notrace exit function, say): held if
 * its lock word says so, by the task the word names, if it names one.
 */
static long mw_unload_static(void *map, __u64 *addr, struct mw_static_lock *sl, __u32 *module_id)
{
	__u32 type = mw_lock_info(sl->callee) & MW_LI_TYPE;
	struct mw_lock_owner *o;
	__u64 kowner;

	if (sl->module_id != *module_id)
		return 0;
	o = mw_owner(*addr);
	if (o && o->module_id == *module_id && (o->tid || o->readers))
		return 0;	/* mw_unload_owned() judged it */
	if (mw_kstate(*addr, type, &kowner) < MW_KS_EXCL)
		return 0;	/* free, or unreadable: no evidence */
	mw_report_held_on_unload(*addr, type, 0, 0, kowner ? mw_task_tid(kowner) : 0, *module_id);
	return 0;
}

/*
 * module:module_free of watched module @module_id: its exit function has
 * run and its memory is still there. lock_held_on_unload for every lock of
 * it still held, from the owner records and from its static locks' words.
 */
MW_GLOBAL int mw_locks_unload(__u32 module_id)
{
	bpf_for_each_map_elem(&mw_lock_owners, mw_unload_owned, &module_id, 0);
	bpf_for_each_map_elem(&mw_static_locks, mw_unload_static, &module_id, 0);
	return 0;
}

#endif /* MODWATCH_LOCKS_BPF_H */
