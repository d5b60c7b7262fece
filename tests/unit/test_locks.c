// SPDX-License-Identifier: GPL-2.0
/*
 * The lock ownership rules, driven through the raw_tp test entries that run
 * the same inline rules as the production kprobes. A lock call is two probe
 * runs, as in the kernel: its call instruction, then the instruction after
 * it with the call's return value. Other tasks are threads of this process.
 *
 * Lock addresses are non-canonical, so the kernel's lock word is unreadable
 * there and only the tracking decides; the tests of the rules that read the
 * lock word put their locks in kernel memory (fx_lock_mem()).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "locks.h"
#include "events.h"
#include "sites.h"
#include "stacks.h"
#include "fixture.h"
#include "test.h"
#include "probe/lock_maps.h"

#define LOCK(i)		(0xdead000000000000ull + (unsigned long long)(i) * 64)
#define SITE(i)		(FAKE_LO + 0x2000 + (unsigned long long)(i) * 0x20)
#define CALLEE_ADDR(c)	(0xffffffff81000000ull + (unsigned long long)(c) * 0x100)
#define GFP_KERNEL	0xcc0u
#define GFP_ATOMIC	0xa20u
#define EINTR_RET	((__u64)-4)

/* The call sites of the fake module, indexed as in mw_sites. */
enum {
	S_LOCK, S_LOCK2, S_LOCK3, S_LOCK4, S_UNLOCK, S_TRYLOCK, S_KILLABLE,
	S_SPIN, S_SPIN_UNLOCK, S_SPIN_TRY,
	S_READ, S_READ_UNLOCK, S_WRITE, S_WRITE_UNLOCK,
	S_DOWN_READ, S_UP_READ, S_DOWN_WRITE, S_UP_WRITE,
	S_FETCH, S_FETCH_NOFAULT, S_LIMITS_COMMIT,
	S_NR
};

static const __u32 callee_of[S_NR] = {
	[S_LOCK] = MW_CALLEE_MUTEX_LOCK,
	[S_LOCK2] = MW_CALLEE_MUTEX_LOCK,
	[S_LOCK3] = MW_CALLEE_MUTEX_LOCK,
	[S_LOCK4] = MW_CALLEE_MUTEX_LOCK,
	[S_UNLOCK] = MW_CALLEE_MUTEX_UNLOCK,
	[S_TRYLOCK] = MW_CALLEE_MUTEX_TRYLOCK,
	[S_KILLABLE] = MW_CALLEE_MUTEX_LOCK_KILLABLE,
	[S_SPIN] = MW_CALLEE_SPIN_LOCK,
	[S_SPIN_UNLOCK] = MW_CALLEE_SPIN_UNLOCK,
	[S_SPIN_TRY] = MW_CALLEE_SPIN_TRYLOCK,
	[S_READ] = MW_CALLEE_READ_LOCK,
	[S_READ_UNLOCK] = MW_CALLEE_READ_UNLOCK,
	[S_WRITE] = MW_CALLEE_WRITE_LOCK,
	[S_WRITE_UNLOCK] = MW_CALLEE_WRITE_UNLOCK,
	[S_DOWN_READ] = MW_CALLEE_DOWN_READ,
	[S_UP_READ] = MW_CALLEE_UP_READ,
	[S_DOWN_WRITE] = MW_CALLEE_DOWN_WRITE,
	[S_UP_WRITE] = MW_CALLEE_UP_WRITE,
	[S_FETCH] = MW_CALLEE_COPY_FROM_USER,
	[S_FETCH_NOFAULT] = MW_CALLEE_COPY_FROM_USER_NOFAULT,
	[S_LIMITS_COMMIT] = MW_CALLEE_QUEUE_LIMITS_COMMIT,
};

static struct fx fx;

static int install(void)
{
	__u32 i;
	int err = 0;

	for (i = 0; i < S_NR && !err; i++)
		err = fx_site(&fx, i, SITE(i), callee_of[i]);
	for (i = 1; i < MW_CALLEE_NR && !err; i++)
		err = fx_callee_addr(&fx, i, CALLEE_ADDR(i));
	return err;
}

#define SETUP() SETUP_WITH(NULL)
#define SETUP_WITH(cfg)								\
	do {									\
		FX_SETUP(&fx, cfg);						\
		if (install()) {						\
			fx_teardown(&fx);					\
			ASSERT_OK(-1, "installing the sites");			\
		}								\
	} while (0)

static bool owned(__u64 lock)
{
	struct mw_lock_owner o;

	return !fx_lock_owner(&fx, lock, &o) && o.tid;
}

/*
 * Another task: runs fn in a thread that then stays alive (its task_struct
 * may be named as a lock's owner) until worker_stop().
 */
struct worker {
	pthread_t thread;
	pthread_barrier_t ready, done;
	void (*fn)(struct worker *w);
	__u64 lock;
	pid_t tid;
	__u64 task;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->tid = gettid();
	w->task = fx_task(&fx);
	w->fn(w);
	pthread_barrier_wait(&w->ready);
	pthread_barrier_wait(&w->done);
	return NULL;
}

static void worker_start(struct worker *w, void (*fn)(struct worker *w), __u64 lock)
{
	w->fn = fn;
	w->lock = lock;
	pthread_barrier_init(&w->ready, NULL, 2);
	pthread_barrier_init(&w->done, NULL, 2);
	pthread_create(&w->thread, NULL, worker_main, w);
	pthread_barrier_wait(&w->ready);
}

static void worker_stop(struct worker *w)
{
	pthread_barrier_wait(&w->done);
	pthread_join(w->thread, NULL);
	pthread_barrier_destroy(&w->ready);
	pthread_barrier_destroy(&w->done);
}

static void run_in_thread(void (*fn)(struct worker *w), __u64 lock, pid_t *tid)
{
	struct worker w;

	worker_start(&w, fn, lock);
	worker_stop(&w);
	if (tid)
		*tid = w.tid;
}

TEST(held_locks_push_pop_and_overflow_is_counted)
{
	bool seen[MW_LOCK_DEPTH] = {};
	int i;

	SETUP();
	for (i = 0; i < MW_LOCK_DEPTH + 2; i++)
		fx_lock(&fx, S_LOCK, LOCK(i), 0);
	ASSERT_EQ(fx_stat(&fx, MW_STAT_LOCK_STACK_FULL), 2, "acquires past the stack's depth");
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), MW_LOCK_DEPTH, "every lock on the stack is held in the next system call");
	for (i = 0; i < MW_LOCK_DEPTH; i++) {
		__u64 a = fx.events[i].lock_held_on_return.lock.addr;

		ASSERT_TRUE(a >= LOCK(0) && a < LOCK(MW_LOCK_DEPTH), "a lock on the stack");
		seen[(a - LOCK(0)) / 64] = true;
	}
	for (i = 0; i < MW_LOCK_DEPTH; i++)
		ASSERT_TRUE(seen[i], "each of the first 16 locks once");
	for (i = 0; i < MW_LOCK_DEPTH + 2; i++)
		fx_unlock(&fx, S_UNLOCK, LOCK(i));
	ASSERT_EQ(fx_drain(&fx), 0, "releases of held locks, on the stack or past it");
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 0, "nothing held after the releases");

	fx.nr_events = 0;
	fx_lock(&fx, S_LOCK, LOCK(1), 0);
	fx_lock(&fx, S_LOCK2, LOCK(2), 0);
	fx_lock(&fx, S_SPIN, LOCK(3), 0);
	fx_unlock(&fx, S_UNLOCK, LOCK(2));	/* out of order: the middle one */
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 2, "the two still held");
	ASSERT_TRUE(fx.events[0].lock_held_on_return.lock.addr != LOCK(2) &&
		    fx.events[1].lock_held_on_return.lock.addr != LOCK(2),
		    "the released one is off the stack");
	fx_teardown(&fx);
}

TEST(ownership_is_recorded_when_the_acquire_returns)
{
	struct mw_lock_owner o;

	SETUP();
	fx_lock_call(&fx, S_LOCK, LOCK(1), 0);
	ASSERT_EQ(fx_lock_owner(&fx, LOCK(1), &o), -ENOENT,
		  "no owner while the call may still block");
	fx_lock_ret(&fx, S_LOCK2, 0);
	ASSERT_TRUE(!owned(LOCK(1)), "another site's return does not finish this call");
	fx_lock_ret(&fx, S_LOCK, 0);
	ASSERT_OK(fx_lock_owner(&fx, LOCK(1), &o), "an owner once the call returned");
	ASSERT_EQ(o.tid, gettid(), "owner tid");
	ASSERT_EQ(o.site, SITE(S_LOCK), "acquire site");
	ASSERT_EQ(o.module_id, 1, "module of the acquire site");
	ASSERT_EQ(o.type, MW_LOCK_MUTEX, "lock type");
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	ASSERT_EQ(fx_lock_owner(&fx, LOCK(1), &o), -ENOENT, "released: no owner");
	ASSERT_EQ(fx_drain(&fx), 0, "reports");
	fx_teardown(&fx);
}

static void unlock_mutex(struct worker *w)
{
	fx_unlock(&fx, S_UNLOCK, w->lock);
}

TEST(unlock_by_another_task_is_unlock_not_owner)
{
	const struct mw_unlock_not_owner *p;
	pid_t tid;

	SETUP();
	fx_lock(&fx, S_LOCK, LOCK(2), 0);
	run_in_thread(unlock_mutex, LOCK(2), &tid);
	ASSERT_EQ(fx_drain(&fx), 1, "reports");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_UNLOCK_NOT_OWNER, "kind");
	ASSERT_EQ(fx.events[0].hdr.tid, tid, "the releasing task");
	ASSERT_EQ(fx.events[0].hdr.site, SITE(S_UNLOCK), "release site");
	p = &fx.events[0].unlock_not_owner;
	ASSERT_EQ(p->lock.addr, LOCK(2), "lock");
	ASSERT_EQ(p->lock.type, MW_LOCK_MUTEX, "lock type");
	ASSERT_EQ(p->owner_tid, gettid(), "owner tid");
	ASSERT_EQ(p->owner_site, SITE(S_LOCK), "owner's acquire site");
	fx_teardown(&fx);
}

TEST(unlock_of_a_free_lock_is_unlock_not_held)
{
	__u64 m, sp;

	SETUP();
	m = fx_lock_mem(&fx, 0);	/* a free mutex: its owner word is 0 */
	sp = fx_lock_mem(&fx, 1);	/* a free spinlock */
	fx_unlock(&fx, S_UNLOCK, m);
	ASSERT_EQ(fx_drain(&fx), 1, "a mutex nobody ever took");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_UNLOCK_NOT_HELD, "kind");
	ASSERT_EQ(fx.events[0].hdr.site, SITE(S_UNLOCK), "release site");
	ASSERT_EQ(fx.events[0].unlock_not_held.lock.addr, m, "lock");
	ASSERT_EQ(fx.events[0].unlock_not_held.lock.type, MW_LOCK_MUTEX, "lock type");
	fx.nr_events = 0;
	fx_lock(&fx, S_SPIN, sp, 0);
	fx_unlock(&fx, S_SPIN_UNLOCK, sp);
	ASSERT_EQ(fx_drain(&fx), 0, "lock, unlock");
	fx_unlock(&fx, S_SPIN_UNLOCK, sp);
	ASSERT_EQ(fx_drain(&fx), 1, "then unlock again");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_UNLOCK_NOT_HELD, "kind");
	ASSERT_EQ(fx.events[0].unlock_not_held.lock.type, MW_LOCK_SPIN, "lock type");
	fx_teardown(&fx);
}

static void nothing(struct worker *w)
{
	(void)w;
}

TEST(unlock_of_a_lock_taken_unseen_follows_the_lock_word)
{
	__u64 m, sp;
	struct worker w;

	SETUP();
	m = fx_lock_mem(&fx, 0);
	sp = fx_lock_mem(&fx, 1);
	/* Taken before modwatch started, by this task: the mutex names its owner. */
	fx_lock_word(&fx, 0)[0] = fx_task(&fx);
	fx_unlock(&fx, S_UNLOCK, m);
	ASSERT_EQ(fx_drain(&fx), 0, "this task's own mutex");
	/* The same, by another task (flag bits set in the owner word). */
	worker_start(&w, nothing, 0);
	fx_lock_word(&fx, 0)[0] = w.task | 1;
	fx_unlock(&fx, S_UNLOCK, m);
	worker_stop(&w);
	ASSERT_EQ(fx_drain(&fx), 1, "another task's mutex");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_UNLOCK_NOT_OWNER, "kind");
	ASSERT_EQ(fx.events[0].unlock_not_owner.owner_tid, w.tid, "owner from the lock word");
	ASSERT_EQ(fx.events[0].unlock_not_owner.owner_site, 0, "its acquire site is unknown");
	/* A locked spinlock does not say by whom: no report. */
	fx.nr_events = 0;
	fx_lock_word(&fx, 1)[0] = 1;
	fx_unlock(&fx, S_SPIN_UNLOCK, sp);
	ASSERT_EQ(fx_drain(&fx), 0, "a held spinlock of unknown owner");
	fx_teardown(&fx);
}

TEST(recursive_lock_is_reported_at_the_second_acquire)
{
	SETUP();
	fx_lock(&fx, S_LOCK, LOCK(1), 0);
	fx_lock_call(&fx, S_TRYLOCK, LOCK(1), 0);
	fx_lock_ret(&fx, S_TRYLOCK, 0);
	ASSERT_EQ(fx_drain(&fx), 0, "a trylock of a held mutex fails, it does not block");
	fx_lock_call(&fx, S_LOCK2, LOCK(1), 0);
	ASSERT_EQ(fx_drain(&fx), 1, "reports at the call, before it blocks");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_RECURSIVE_LOCK, "kind");
	ASSERT_EQ(fx.events[0].hdr.site, SITE(S_LOCK2), "second acquire site");
	ASSERT_EQ(fx.events[0].recursive_lock.first_site, SITE(S_LOCK), "first acquire site");
	ASSERT_EQ(fx.events[0].recursive_lock.lock.addr, LOCK(1), "lock");
	ASSERT_EQ(fx.events[0].recursive_lock.lock.type, MW_LOCK_MUTEX, "lock type");

	fx.nr_events = 0;
	fx_lock(&fx, S_DOWN_READ, LOCK(3), 0);
	fx_lock_call(&fx, S_DOWN_READ, LOCK(3), 0);
	fx_lock(&fx, S_READ, LOCK(2), 0);
	fx_lock(&fx, S_READ, LOCK(2), 0);
	ASSERT_EQ(fx_drain(&fx), 1, "rwsem read twice; rwlock read holds nest");
	fx_lock_call(&fx, S_WRITE, LOCK(2), 0);
	fx_lock(&fx, S_SPIN, LOCK(4), 0);
	fx_lock_call(&fx, S_SPIN, LOCK(4), 0);
	ASSERT_EQ(fx_drain(&fx), 2, "rwlock write after read, spinlock twice");
	ASSERT_EQ(fx.events[0].recursive_lock.lock.type, MW_LOCK_RWSEM, "rwsem");
	ASSERT_EQ(fx.events[1].recursive_lock.lock.type, MW_LOCK_RWLOCK, "rwlock");
	ASSERT_EQ(fx.events[2].recursive_lock.lock.type, MW_LOCK_SPIN, "spinlock");
	fx_teardown(&fx);
}

TEST(lock_held_on_return_is_reported_once)
{
	const struct mw_lock_held_on_return *p;

	SETUP();
	fx_lock(&fx, S_KILLABLE, LOCK(1), 0);
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 1, "reports in the next system call");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_LOCK_HELD_ON_RETURN, "kind");
	ASSERT_EQ(fx.events[0].hdr.site, SITE(S_KILLABLE), "site: where it was taken");
	ASSERT_EQ(fx.events[0].hdr.module_id, 1, "module");
	p = &fx.events[0].lock_held_on_return;
	ASSERT_EQ(p->lock.addr, LOCK(1), "lock");
	ASSERT_EQ(p->acquire_site, SITE(S_KILLABLE), "acquire site");
	ASSERT_EQ(p->syscall_nr, 16, "the system call that took it (the fixture's ioctl)");
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 0, "not again in the one after");
	ASSERT_TRUE(owned(LOCK(1)), "still held");
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 0, "released in a later system call");
	fx_teardown(&fx);
}

TEST(sleep_in_atomic_under_a_spinlock)
{
	const struct mw_sleep_in_atomic *p;

	SETUP();
	fx_lock(&fx, S_SPIN, LOCK(1), 0);
	fx_may_sleep(&fx, S_FETCH, MW_CALLEE_COPY_FROM_USER, 0);
	ASSERT_EQ(fx_drain(&fx), 1, "a user copy under a spinlock");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_SLEEP_IN_ATOMIC, "kind");
	ASSERT_EQ(fx.events[0].hdr.site, SITE(S_FETCH), "the call that may sleep");
	p = &fx.events[0].sleep_in_atomic;
	ASSERT_EQ(p->held.addr, LOCK(1), "the spinlock");
	ASSERT_EQ(p->held.type, MW_LOCK_SPIN, "its type");
	ASSERT_EQ(p->acquire_site, SITE(S_SPIN), "where it was taken");
	ASSERT_EQ(p->callee, CALLEE_ADDR(MW_CALLEE_COPY_FROM_USER), "the callee");
	ASSERT_EQ(p->gfp_flags, 0, "no gfp for a copy");
	fx_may_sleep(&fx, S_FETCH, MW_CALLEE_COPY_FROM_USER, 0);
	ASSERT_EQ(fx_drain(&fx), 0, "once per hold");
	fx_unlock(&fx, S_SPIN_UNLOCK, LOCK(1));

	fx.nr_events = 0;
	fx_lock(&fx, S_SPIN, LOCK(1), 0);
	fx_lock_alloc(&fx, FAKE_LO + 0x500, MW_CALLEE_KMALLOC, GFP_KERNEL);
	ASSERT_EQ(fx_drain(&fx), 1, "a GFP_KERNEL allocation under it");
	ASSERT_EQ(fx.events[0].hdr.site, FAKE_LO + 0x500, "the allocation's call site");
	ASSERT_EQ(fx.events[0].sleep_in_atomic.gfp_flags, GFP_KERNEL, "gfp flags");
	ASSERT_EQ(fx.events[0].sleep_in_atomic.callee, CALLEE_ADDR(MW_CALLEE_KMALLOC), "callee");
	fx_unlock(&fx, S_SPIN_UNLOCK, LOCK(1));

	fx.nr_events = 0;
	fx_lock(&fx, S_READ, LOCK(2), 0);
	fx_lock_call(&fx, S_LOCK, LOCK(3), 0);
	ASSERT_EQ(fx_drain(&fx), 1, "mutex_lock under an rwlock read hold");
	ASSERT_EQ(fx.events[0].sleep_in_atomic.held.type, MW_LOCK_RWLOCK, "held type");
	ASSERT_EQ(fx.events[0].sleep_in_atomic.callee, CALLEE_ADDR(MW_CALLEE_MUTEX_LOCK),
		  "callee");
	fx_teardown(&fx);
}

TEST(no_sleep_in_atomic_without_a_spinlock_or_for_atomic_calls)
{
	SETUP();
	fx_may_sleep(&fx, S_FETCH, MW_CALLEE_COPY_FROM_USER, 0);
	fx_lock(&fx, S_LOCK, LOCK(1), 0);
	fx_may_sleep(&fx, S_FETCH, MW_CALLEE_COPY_FROM_USER, 0);
	fx_lock_alloc(&fx, FAKE_LO + 0x500, MW_CALLEE_KMALLOC, GFP_KERNEL);
	fx_lock(&fx, S_DOWN_WRITE, LOCK(2), 0);
	ASSERT_EQ(fx_drain(&fx), 0, "sleeping calls holding nothing, or only sleeping locks");
	fx_lock(&fx, S_SPIN, LOCK(3), 0);
	fx_lock_alloc(&fx, FAKE_LO + 0x500, MW_CALLEE_KMALLOC, GFP_ATOMIC);
	fx_may_sleep(&fx, S_FETCH, MW_CALLEE_KMEM_CACHE_ALLOC, GFP_ATOMIC);	/* at a call */
	fx_may_sleep(&fx, S_FETCH_NOFAULT, MW_CALLEE_COPY_FROM_USER_NOFAULT, 0);
	fx_lock(&fx, S_TRYLOCK, LOCK(4), 1);
	fx_lock_alloc(&fx, SITE_CORE, MW_CALLEE_KMALLOC, GFP_KERNEL);
	ASSERT_EQ(fx_drain(&fx), 0, "GFP_ATOMIC, a nofault copy, a trylock, core kernel code");
	fx_may_sleep(&fx, S_FETCH, MW_CALLEE_COPY_FROM_USER, 0);
	ASSERT_EQ(fx_drain(&fx), 1, "but a user copy still is one");
	fx_teardown(&fx);
}

TEST(lock_order_inversion_is_reported_once_with_four_sites)
{
	const struct mw_lock_order_inversion *p;
	int round;

	SETUP();
	for (round = 0; round < 2; round++) {
		fx_lock(&fx, S_LOCK, LOCK(1), 0);	/* A */
		fx_lock(&fx, S_LOCK2, LOCK(2), 0);	/* then B */
		fx_unlock(&fx, S_UNLOCK, LOCK(2));
		fx_unlock(&fx, S_UNLOCK, LOCK(1));
		fx_lock(&fx, S_LOCK3, LOCK(2), 0);	/* B */
		fx_lock(&fx, S_LOCK4, LOCK(1), 0);	/* then A */
		fx_unlock(&fx, S_UNLOCK, LOCK(1));
		fx_unlock(&fx, S_UNLOCK, LOCK(2));
	}
	ASSERT_EQ(fx_drain(&fx), 1, "one report for the pair, however often");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_LOCK_ORDER_INVERSION, "kind");
	ASSERT_EQ(fx.events[0].hdr.site, SITE(S_LOCK4), "the acquire that inverts");
	p = &fx.events[0].lock_order_inversion;
	ASSERT_EQ(p->a.addr, LOCK(1), "a: the lock taken last");
	ASSERT_EQ(p->b.addr, LOCK(2), "b: the lock held");
	ASSERT_EQ(p->a.type, MW_LOCK_MUTEX, "a's type");
	ASSERT_EQ(p->ab_site_a, SITE(S_LOCK), "A then B: A taken");
	ASSERT_EQ(p->ab_site_b, SITE(S_LOCK2), "A then B: B taken");
	ASSERT_EQ(p->ba_site_b, SITE(S_LOCK3), "B then A: B taken");
	ASSERT_EQ(p->ba_site_a, SITE(S_LOCK4), "B then A: A taken");
	fx_teardown(&fx);
}

/* struct request_queue's limits_lock offset in this kernel's BTF (v6.9+), or -1. */
static long limits_lock_offset(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_member *m;
	const struct btf_type *t;
	long off = -1;
	int id, i;

	id = btf ? btf__find_by_name_kind(btf, "request_queue", BTF_KIND_STRUCT) : -1;
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	for (i = 0, m = t ? btf_members(t) : NULL; t && i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), "limits_lock"))
			off = btf_member_bit_offset(t, i) / 8;
	btf__free(btf);
	return off;
}

/*
 * loop on 6.12: lo_mutex, then queue_limits_start_update() (the module's
 * own mutex_lock of q->limits_lock) and queue_limits_commit_update(q), whose
 * unlock is core code's; later the limits alone, then lo_mutex. The commit
 * call releases the queue's lock: held nowhere after it, no inversion.
 */
TEST(queue_limits_commit_update_releases_the_queues_limits_lock)
{
	long off = limits_lock_offset();
	__u64 q = LOCK(10), limits = q + off;

	ASSERT_TRUE(off > 0, "the build machine's kernel (6.9+) has request_queue.limits_lock");
	SETUP();
	fx_lock(&fx, S_LOCK, LOCK(1), 0);
	fx_lock(&fx, S_LOCK2, limits, 0);
	ASSERT_TRUE(owned(limits), "queue_limits_start_update() took it");
	fx_unlock(&fx, S_LIMITS_COMMIT, q);
	ASSERT_TRUE(!owned(limits), "queue_limits_commit_update(q) released it");
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	fx_lock(&fx, S_LOCK3, limits, 0);
	fx_unlock(&fx, S_LIMITS_COMMIT, q);
	fx_lock(&fx, S_LOCK4, LOCK(1), 0);
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	ASSERT_EQ(fx_drain(&fx), 0, "no lock_order_inversion, no unlock report");
	fx_teardown(&fx);
}

/* A then B, then B then A: the inversion, reported at the last acquire. */
static const struct mw_event *invert(void)
{
	fx_lock(&fx, S_LOCK, LOCK(1), 0);
	fx_lock(&fx, S_LOCK2, LOCK(2), 0);
	fx_unlock(&fx, S_UNLOCK, LOCK(2));
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	fx_lock(&fx, S_LOCK3, LOCK(2), 0);
	fx_lock(&fx, S_LOCK4, LOCK(1), 0);
	return fx_drain(&fx) == 1 ? &fx.events[0] : NULL;
}

TEST(lock_stacks_quote_each_acquire_of_the_dependency_chain)
{
	const struct mw_event *e;
	struct mw_config cfg;

	fx_config(&cfg);
	cfg.stacks = MW_STACKS_ALL;
	SETUP_WITH(&cfg);
	e = invert();
	ASSERT_TRUE(e && e->hdr.kind == MW_LOCK_ORDER_INVERSION, "the inversion is reported");
	ASSERT_NE(e->hdr.stack, 0, "B then A: A's acquire, the report's own stack");
	ASSERT_NE(e->lock_order_inversion.ab_stack_a, 0, "A then B: A's acquire");
	ASSERT_NE(e->lock_order_inversion.ab_stack_b, 0, "A then B: B's acquire");
	ASSERT_NE(e->lock_order_inversion.ba_stack_b, 0, "B then A: B's acquire");
	/* Here every acquire comes through the test runner's one path: one stack. */
	ASSERT_EQ(e->lock_order_inversion.ab_stack_a, e->lock_order_inversion.ba_stack_b,
		  "one path, one stack id");
	fx_teardown(&fx);

	SETUP();
	e = invert();
	ASSERT_TRUE(e && e->hdr.stack, "by default the report has its stack");
	ASSERT_TRUE(!e->lock_order_inversion.ab_stack_a && !e->lock_order_inversion.ba_stack_b,
		    "but acquires keep none (--stacks lock is off)");
	fx_teardown(&fx);
}

TEST(lock_stacks_name_the_first_hold_of_a_recursion)
{
	struct mw_config cfg;

	fx_config(&cfg);
	cfg.stacks = MW_STACKS_ALL;
	SETUP_WITH(&cfg);
	fx_lock(&fx, S_LOCK, LOCK(1), 0);
	fx_lock_call(&fx, S_LOCK2, LOCK(1), 0);
	ASSERT_EQ(fx_drain(&fx), 1, "recursive_lock");
	ASSERT_NE(fx.events[0].recursive_lock.first_stack, 0, "the first acquire's stack");
	fx_teardown(&fx);

	/* Held on return to user: the report's site is the acquire, and so is its stack. */
	SETUP_WITH(&cfg);
	fx_lock(&fx, S_KILLABLE, LOCK(1), 0);
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 1, "lock_held_on_return");
	ASSERT_NE(fx.events[0].hdr.stack, 0, "the acquire's stack, as the report's");
	fx_teardown(&fx);
}

TEST(consistent_lock_order_reports_nothing)
{
	int round;

	SETUP();
	for (round = 0; round < 3; round++) {
		fx_lock(&fx, S_LOCK, LOCK(1), 0);
		fx_lock(&fx, S_LOCK2, LOCK(2), 0);
		fx_lock(&fx, S_SPIN, LOCK(3), 0);
		fx_unlock(&fx, S_SPIN_UNLOCK, LOCK(3));
		fx_unlock(&fx, S_UNLOCK, LOCK(2));
		fx_lock(&fx, S_SPIN, LOCK(3), 0);	/* A then C, without B */
		fx_unlock(&fx, S_SPIN_UNLOCK, LOCK(3));
		fx_unlock(&fx, S_UNLOCK, LOCK(1));
		fx_lock(&fx, S_LOCK2, LOCK(2), 0);	/* B then C */
		fx_lock(&fx, S_SPIN, LOCK(3), 0);
		fx_unlock(&fx, S_SPIN_UNLOCK, LOCK(3));
		fx_unlock(&fx, S_UNLOCK, LOCK(2));
	}
	ASSERT_EQ(fx_drain(&fx), 0, "reports");
	fx_teardown(&fx);
}

static void lock_unlock_b(struct worker *w)
{
	fx_lock(&fx, S_LOCK2, w->lock, 0);
	fx_unlock(&fx, S_UNLOCK, w->lock);
}

static void lock_a_then_b(struct worker *w)
{
	fx_lock(&fx, S_LOCK, LOCK(1), 0);
	fx_lock(&fx, S_LOCK2, LOCK(2), 0);
	fx_unlock(&fx, S_UNLOCK, LOCK(2));
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	(void)w;
}

TEST(lock_order_follows_each_task_s_own_holds)
{
	pid_t tid;

	SETUP();
	fx_lock(&fx, S_LOCK, LOCK(1), 0);		/* this task holds A... */
	run_in_thread(lock_unlock_b, LOCK(2), NULL);	/* ...while another takes B */
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	fx_lock(&fx, S_LOCK3, LOCK(2), 0);		/* B then A */
	fx_lock(&fx, S_LOCK4, LOCK(1), 0);
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	fx_unlock(&fx, S_UNLOCK, LOCK(2));
	ASSERT_EQ(fx_drain(&fx), 0, "another task's lock is no order of this one");
	run_in_thread(lock_a_then_b, 0, &tid);
	ASSERT_EQ(fx_drain(&fx), 1, "A then B in another task inverts this task's B then A");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_LOCK_ORDER_INVERSION, "kind");
	ASSERT_EQ(fx.events[0].hdr.tid, tid, "reported by the task that closed the cycle");
	ASSERT_EQ(fx.events[0].lock_order_inversion.a.addr, LOCK(2), "a: B, taken last");
	ASSERT_EQ(fx.events[0].lock_order_inversion.ab_site_a, SITE(S_LOCK3),
		  "this task took B first, at S_LOCK3");
	ASSERT_EQ(fx.events[0].lock_order_inversion.ba_site_a, SITE(S_LOCK2),
		  "the other task took B last, at S_LOCK2");
	fx_teardown(&fx);
}

static void hold_spin(struct worker *w)
{
	fx_lock(&fx, S_SPIN, w->lock, 0);
}

TEST(held_lock_freed_names_the_holder_and_forgets_the_lock)
{
	const __u64 obj = LOCK(0x1000), obj2 = LOCK(0x2000);
	const struct mw_held_lock_freed *p;
	struct mw_lock_owner o;
	pid_t tid;

	SETUP();
	fx_lock(&fx, S_LOCK, obj + 16, 0);
	fx_lock(&fx, S_LOCK2, obj + 64, 0);	/* just past the object */
	fx_lock(&fx, S_LOCK3, obj + 32, 0);
	fx_unlock(&fx, S_UNLOCK, obj + 32);	/* released before the free */
	fx_locks_freed(&fx, obj, 64, SITE_FREE1, SITE_ALLOC);
	ASSERT_EQ(fx_drain(&fx), 1, "the held lock inside the object");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_HELD_LOCK_FREED, "kind");
	ASSERT_EQ(fx.events[0].hdr.site, SITE_FREE1, "free site");
	ASSERT_EQ(fx.events[0].hdr.module_id, 1, "module");
	p = &fx.events[0].held_lock_freed;
	ASSERT_EQ(p->obj.addr, obj, "object");
	ASSERT_EQ(p->obj.size, 64, "object size");
	ASSERT_EQ(p->obj.alloc_site, SITE_ALLOC, "alloc site");
	ASSERT_EQ(p->lock.addr, obj + 16, "lock");
	ASSERT_EQ(p->lock.type, MW_LOCK_MUTEX, "lock type");
	ASSERT_EQ(p->acquire_site, SITE(S_LOCK), "acquire site");
	ASSERT_EQ(p->owner_tid, gettid(), "owner");
	ASSERT_EQ(fx_lock_owner(&fx, obj + 16, &o), -ENOENT, "its owner record is gone");
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 1, "in the next system call: only the lock outside the object");
	ASSERT_EQ(fx.events[1].lock_held_on_return.lock.addr, obj + 64, "that lock");

	fx.nr_events = 0;
	run_in_thread(hold_spin, obj2 + 8, &tid);
	fx_locks_freed(&fx, obj2, 32, SITE_FREE2, SITE_ALLOC);
	ASSERT_EQ(fx_drain(&fx), 1, "a lock another task holds");
	ASSERT_EQ(fx.events[0].held_lock_freed.owner_tid, tid, "that task");
	ASSERT_EQ(fx.events[0].held_lock_freed.lock.type, MW_LOCK_SPIN, "lock type");
	fx_locks_freed(&fx, obj2, 32, SITE_FREE2, SITE_ALLOC);
	ASSERT_EQ(fx_drain(&fx), 0, "reported once");
	fx_teardown(&fx);
}

TEST(held_lock_freed_asks_the_lock_word)
{
	__u64 m;

	SETUP();
	m = fx_lock_mem(&fx, 2);
	fx_lock(&fx, S_LOCK, m + 8, 0);	/* the mutex at m + 8 */
	fx_locks_freed(&fx, m, 64, SITE_FREE1, SITE_ALLOC);
	ASSERT_EQ(fx_drain(&fx), 0, "the kernel says it is free (released where no probe saw)");
	fx_lock(&fx, S_LOCK, m + 8, 0);
	fx_lock_word(&fx, 2)[1] = fx_task(&fx);
	fx_locks_freed(&fx, m, 64, SITE_FREE1, SITE_ALLOC);
	ASSERT_EQ(fx_drain(&fx), 1, "the kernel says it is held");
	fx_teardown(&fx);
}

TEST(failed_trylock_and_interrupted_lock_take_no_ownership)
{
	SETUP();
	fx_lock(&fx, S_TRYLOCK, LOCK(1), 0);
	ASSERT_TRUE(!owned(LOCK(1)), "mutex_trylock returned 0");
	fx_lock(&fx, S_SPIN_TRY, LOCK(2), 0);
	ASSERT_TRUE(!owned(LOCK(2)), "_raw_spin_trylock returned 0");
	fx_lock(&fx, S_KILLABLE, LOCK(3), EINTR_RET);
	ASSERT_TRUE(!owned(LOCK(3)), "mutex_lock_killable returned -EINTR");
	fx_lock_call(&fx, S_LOCK, LOCK(1), 0);
	fx_lock_call(&fx, S_LOCK2, LOCK(3), 0);
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 0, "no recursion and nothing held in the next system call");

	fx_lock(&fx, S_TRYLOCK, LOCK(4), 1);
	fx_lock(&fx, S_KILLABLE, LOCK(6), 0);
	fx_lock(&fx, S_SPIN_TRY, LOCK(5), 1);
	ASSERT_TRUE(owned(LOCK(4)) && owned(LOCK(5)) && owned(LOCK(6)), "the successes own");
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 3, "and are held in the next system call");
	fx_teardown(&fx);
}

TEST(a_recursive_acquire_never_changes_who_holds_the_lock)
{
	SETUP();
	/* killed out of the self-deadlock: -EINTR, and the first hold stays */
	fx_lock(&fx, S_LOCK, LOCK(1), 0);
	fx_lock_call(&fx, S_KILLABLE, LOCK(1), 0);
	fx_lock_ret(&fx, S_KILLABLE, EINTR_RET);
	ASSERT_TRUE(owned(LOCK(1)), "the interrupted acquire leaves the owner");
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	ASSERT_TRUE(!owned(LOCK(1)), "its one release frees it");
	ASSERT_EQ(fx_drain(&fx), 1, "only the recursive_lock");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_RECURSIVE_LOCK, "kind");
	/* 6.1 hands a mutex to its own owner woken as first waiter: the acquire returns 0 */
	fx.nr_events = 0;
	fx_lock(&fx, S_LOCK, LOCK(2), 0);
	fx_lock_call(&fx, S_KILLABLE, LOCK(2), 0);
	fx_lock_ret(&fx, S_KILLABLE, 0);
	fx_unlock(&fx, S_UNLOCK, LOCK(2));
	ASSERT_TRUE(owned(LOCK(2)), "the first release undoes the nested acquire only");
	fx_unlock(&fx, S_UNLOCK, LOCK(2));
	ASSERT_TRUE(!owned(LOCK(2)), "the second one the hold");
	ASSERT_EQ(fx_drain(&fx), 1, "only the recursive_lock, no unlock_not_held");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_RECURSIVE_LOCK, "kind");
	fx_unlock(&fx, S_UNLOCK, LOCK(2));
	ASSERT_EQ(fx_drain(&fx), 0, "a third release: the lock word of a fake lock is unknown");
	fx_teardown(&fx);
}

TEST(tail_called_acquire_is_committed_at_the_next_event)
{
	SETUP();
	fx_lock_call(&fx, S_LOCK, LOCK(1), MW_LOCK_COOKIE_TAIL);
	ASSERT_TRUE(!owned(LOCK(1)), "not owned at the jmp");
	fx_next_syscall(&fx);
	ASSERT_TRUE(owned(LOCK(1)), "owned once the task does anything else");
	ASSERT_EQ(fx_drain(&fx), 1, "held in the next system call");
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	ASSERT_EQ(fx_drain(&fx), 0, "its release");
	fx_lock_call(&fx, S_TRYLOCK, LOCK(2), MW_LOCK_COOKIE_TAIL);
	fx_next_syscall(&fx);
	ASSERT_TRUE(!owned(LOCK(2)), "a tail-called trylock's result is never seen");
	ASSERT_EQ(fx_stat(&fx, MW_STAT_LOCK_UNTRACKED), 1, "so it is counted");
	ASSERT_EQ(fx_drain(&fx), 0, "reports");
	fx_teardown(&fx);
}

static void hold_read(struct worker *w)
{
	fx_lock(&fx, S_DOWN_READ, w->lock, 0);
}

static void hold_write(struct worker *w)
{
	fx_lock(&fx, S_DOWN_WRITE, w->lock, 0);
}

TEST(read_side_releases)
{
	__u64 m0, m1, m2, m3;
	struct worker w;

	SETUP();
	m0 = fx_lock_mem(&fx, 0);
	m1 = fx_lock_mem(&fx, 1);
	m2 = fx_lock_mem(&fx, 2);
	m3 = fx_lock_mem(&fx, 3);
	fx_lock(&fx, S_DOWN_READ, m0, 0);
	fx_unlock(&fx, S_UP_READ, m0);
	ASSERT_EQ(fx_drain(&fx), 0, "down_read, up_read");
	fx_unlock(&fx, S_UP_READ, m0);
	ASSERT_EQ(fx_drain(&fx), 1, "up_read again: the rwsem is free");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_UNLOCK_NOT_HELD, "kind");
	ASSERT_EQ(fx.events[0].unlock_not_held.lock.type, MW_LOCK_RWSEM, "lock type");

	fx.nr_events = 0;
	run_in_thread(hold_read, m1, NULL);
	fx_lock_word(&fx, 1)[0] = 0x100;	/* one reader */
	fx_unlock(&fx, S_UP_READ, m1);
	ASSERT_EQ(fx_drain(&fx), 1, "up_read of another task's read hold");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_UNLOCK_NOT_HELD, "kind");

	fx.nr_events = 0;
	worker_start(&w, hold_write, m2);
	fx_lock_word(&fx, 2)[0] = 1;		/* writer locked... */
	fx_lock_word(&fx, 2)[1] = w.task;	/* ...by the worker */
	fx_unlock(&fx, S_UP_READ, m2);
	worker_stop(&w);
	ASSERT_EQ(fx_drain(&fx), 1, "up_read of another task's write hold");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_UNLOCK_NOT_OWNER, "kind");
	ASSERT_EQ(fx.events[0].unlock_not_owner.owner_tid, w.tid, "the writer");
	ASSERT_EQ(fx.events[0].unlock_not_owner.owner_site, SITE(S_DOWN_WRITE), "its site");

	fx.nr_events = 0;
	fx_lock(&fx, S_DOWN_WRITE, m3, 0);
	fx_lock_word(&fx, 3)[0] = 1;
	fx_lock_word(&fx, 3)[1] = fx_task(&fx);
	fx_unlock(&fx, S_UP_READ, m3);		/* after an (unprobed) downgrade_write() */
	ASSERT_TRUE(!owned(m3), "the downgraded hold is released");
	fx_lock_word(&fx, 0)[0] = 0x200;	/* two readers modwatch never saw */
	fx_unlock(&fx, S_UP_READ, m0);
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 0, "a downgrade; read holds taken unseen");
	fx_teardown(&fx);
}

struct cycles_seen {
	int n;
	int len[4];
	__u64 first[4];
};

static void count_cycle(void *ctx, const struct mw_edge *e, const int *path, int len)
{
	struct cycles_seen *c = ctx;

	if (c->n < 4) {
		c->len[c->n] = len;
		c->first[c->n] = e[path[0]].a;
	}
	c->n++;
}

/* A then B, B then C, C then A, each in its own critical sections: no pair inverts. */
TEST(a_three_lock_cycle_is_found_by_the_daemon_once)
{
	static struct mw_edge e[64];
	struct cycles_seen seen = {};
	int n;

	SETUP();
	mw_locks_init(fx.skel);
	fx_lock(&fx, S_LOCK, LOCK(1), 0);
	fx_lock(&fx, S_LOCK2, LOCK(2), 0);
	fx_unlock(&fx, S_UNLOCK, LOCK(2));
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	fx_lock(&fx, S_LOCK2, LOCK(2), 0);
	fx_lock(&fx, S_LOCK3, LOCK(3), 0);
	fx_unlock(&fx, S_UNLOCK, LOCK(3));
	fx_unlock(&fx, S_UNLOCK, LOCK(2));
	ASSERT_EQ(mw_lock_cycles(e, mw_lock_edges(e, 64), count_cycle, &seen), 0,
		  "A->B->C is no cycle");
	fx_lock(&fx, S_LOCK3, LOCK(3), 0);
	fx_lock(&fx, S_LOCK4, LOCK(1), 0);
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	fx_unlock(&fx, S_UNLOCK, LOCK(3));
	ASSERT_EQ(fx_drain(&fx), 0, "no two-lock inversion in BPF");
	n = mw_lock_edges(e, 64);
	ASSERT_EQ(n, 3, "edges recorded");
	ASSERT_EQ(mw_lock_cycles(e, n, count_cycle, &seen), 1, "cycles found");
	ASSERT_EQ(seen.len[0], 3, "its length");
	ASSERT_EQ(seen.first[0], LOCK(1), "walked from its smallest lock");
	fx_teardown(&fx);
}

/* The edges the daemon reads for longer cycles carry their acquires' stacks (--stacks lock). */
TEST(lock_edges_carry_both_acquires_stacks)
{
	static struct mw_edge e[64];
	struct mw_config cfg;

	fx_config(&cfg);
	cfg.stacks = MW_STACKS_ALL;
	SETUP_WITH(&cfg);
	mw_locks_init(fx.skel);
	fx_lock(&fx, S_LOCK, LOCK(1), 0);
	fx_lock(&fx, S_LOCK2, LOCK(2), 0);
	ASSERT_EQ(mw_lock_edges(e, 64), 1, "A then B: one edge");
	ASSERT_TRUE(e[0].stack_a && e[0].stack_b, "with A's and B's acquire stacks");
	fx_teardown(&fx);
}

TEST(cycle_search_ignores_two_lock_cycles_and_finds_longer_ones)
{
	/* 1->2->1 (BPF's), and 1->3->4->5->1 */
	struct mw_edge e[] = {
		{ .a = 1, .b = 2 }, { .a = 2, .b = 1 }, { .a = 1, .b = 3 },
		{ .a = 3, .b = 4 }, { .a = 4, .b = 5 }, { .a = 5, .b = 1 },
		{ .a = 4, .b = 6 },
	};
	struct cycles_seen seen = {};

	ASSERT_EQ(mw_lock_cycles(e, 7, count_cycle, &seen), 1, "cycles of three or more");
	ASSERT_EQ(seen.len[0], 4, "1->3->4->5->1");
}
