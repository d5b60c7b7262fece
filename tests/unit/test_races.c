// SPDX-License-Identifier: GPL-2.0
/*
 * data_race and unprotected_shared_access (bpf/races.bpf.h), driven through
 * the copy and lock test entries. Each task of a scenario is a thread of
 * this process: BPF sees its own tid, locks and task storage.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "heap.h"
#include "usercopy.h"
#include "events.h"
#include "fixture.h"
#include "test.h"
#include "probe/site_probes.h"
#include "probe/statics.h"
#include "symbols/ksym.h"
#include "sites.h"

#define LOCK(i)		(0xdead000000000000ull + (unsigned long long)(i) * 64)
#define SITE(i)		(FAKE_LO + 0x3000 + (unsigned long long)(i) * 0x20)

enum { S_FETCH, S_STORE, S_LOCK, S_UNLOCK, S_NR };

static struct fx fx;
static __u8 ubuf[256];
static const struct mw_syscall wr = { .nr = 1, .arg = { 3, (__u64)ubuf, sizeof(ubuf) } };

static int install(void)
{
	static const __u32 callee[S_NR] = {
		[S_FETCH] = MW_CALLEE_COPY_FROM_USER,
		[S_STORE] = MW_CALLEE_COPY_TO_USER,
		[S_LOCK] = MW_CALLEE_MUTEX_LOCK,
		[S_UNLOCK] = MW_CALLEE_MUTEX_UNLOCK,
	};
	__u32 i;
	int err = 0;

	for (i = 0; i < S_NR && !err; i++)
		err = fx_site(&fx, i, SITE(i), callee[i]);
	return err;
}

/* One access of a task: a copy into (write) or out of OBJ(1) + off, under lock (0: none). */
struct step {
	bool write;
	__u64 off, len;
	__u64 lock;
	bool in_flight;		/* the copy does not return (yet) */
	__u64 base;		/* the object's address: OBJ(1) unless set */
	pid_t tid;
};

/* Reports of @kind so far, after taking in what the ring buffer holds. */
static int count(__u32 kind)
{
	fx_drain(&fx);
	return fx_count(&fx, kind);
}

static void do_step(struct step *s)
{
	__u64 obj = s->base ? s->base : OBJ(1);

	s->tid = gettid();
	if (s->lock)
		fx_lock(&fx, S_LOCK, s->lock, 0);
	if (s->write)
		fx_fetch(&fx, S_FETCH, &wr, obj + s->off, ubuf, s->len);
	else
		fx_store(&fx, S_STORE, &wr, ubuf, obj + s->off, s->len);
	if (!s->in_flight)
		fx_copy_ret(&fx, s->write ? S_FETCH : S_STORE);
	if (s->lock)
		fx_unlock(&fx, S_UNLOCK, s->lock);
	fx_next_syscall(&fx);	/* each step is one system call */
}

static void *step_main(void *arg)
{
	do_step(arg);
	return NULL;
}

/* The step as another task: a thread that runs it and ends. */
static void other_task(struct step *s)
{
	pthread_t t;

	pthread_create(&t, NULL, step_main, s);
	pthread_join(t, NULL);
}

#define SETUP()									\
	do {									\
		FX_SETUP(&fx, NULL);						\
		if (install()) {						\
			fx_teardown(&fx);					\
			ASSERT_OK(-1, "installing the sites");			\
		}								\
		fx_kmalloc(&fx, SITE_ALLOC, OBJ(1), 64);			\
	} while (0)

TEST(a_write_while_another_task_copies_the_same_bytes_is_a_data_race)
{
	struct step a = { .write = true, .off = 0, .len = 64, .in_flight = true };
	struct step b = { .write = false, .off = 8, .len = 16 };
	const struct mw_shared_access *p;

	SETUP();
	do_step(&a);		/* its copy faults and waits: not returned */
	other_task(&b);
	ASSERT_EQ(count(MW_DATA_RACE), 1, "the overlap in time is a data race");
	p = &fx.events[0].shared_access;
	ASSERT_EQ(fx.events[0].hdr.kind, MW_DATA_RACE, "kind");
	ASSERT_EQ(fx.events[0].hdr.flags & MW_EV_WARNING, 0, "a violation, not a warning");
	ASSERT_EQ(fx.events[0].hdr.site, SITE(S_STORE), "at the copy that began second");
	ASSERT_EQ(p->self.tid, (__u32)b.tid, "this access's task");
	ASSERT_EQ(p->other.tid, (__u32)a.tid, "the task whose copy was in flight");
	ASSERT_EQ(p->other.site, SITE(S_FETCH), "its site");
	ASSERT_EQ(p->other.dir, MW_FROM_USER, "it wrote the object");
	ASSERT_EQ(p->overlap_addr, OBJ(1) + 8, "the overlap's start");
	ASSERT_EQ(p->overlap_len, 16, "the overlap's length");
	ASSERT_EQ(p->obj.alloc_site, SITE_ALLOC, "the object");
	fx_copy_ret(&fx, S_FETCH);
	fx_teardown(&fx);
}

TEST(a_copy_after_the_other_returned_is_no_data_race)
{
	struct step a = { .write = true, .off = 0, .len = 64 };
	struct step b = { .write = true, .off = 0, .len = 64 };

	SETUP();
	do_step(&a);
	other_task(&b);
	ASSERT_EQ(count(MW_DATA_RACE), 0, "one after the other");
	ASSERT_EQ(count(MW_UNPROTECTED_SHARED_ACCESS), 0,
		  "handed over once: Send, not shared");
	fx_teardown(&fx);
}

TEST(two_readers_at_once_or_disjoint_bytes_are_no_data_race)
{
	struct step a = { .write = false, .off = 0, .len = 32, .in_flight = true };
	struct step b = { .write = false, .off = 0, .len = 32 };
	struct step c = { .write = true, .off = 32, .len = 32 };

	SETUP();
	do_step(&a);
	other_task(&b);
	other_task(&c);
	ASSERT_EQ(count(MW_DATA_RACE), 0, "reads together, a write beside them");
	fx_copy_ret(&fx, S_STORE);
	fx_teardown(&fx);
}

TEST(copies_in_flight_under_a_common_lock_are_no_data_race)
{
	struct step a = { .write = true, .len = 64, .lock = LOCK(1), .in_flight = true };
	struct step b = { .write = false, .len = 64, .lock = LOCK(1) };

	SETUP();
	fx_lock(&fx, S_LOCK, LOCK(1), 0);
	a.lock = 0;		/* held across the copy, released after it returns */
	do_step(&a);
	other_task(&b);
	ASSERT_EQ(count(MW_DATA_RACE), 0, "both held LOCK(1)");
	fx_copy_ret(&fx, S_FETCH);
	fx_unlock(&fx, S_UNLOCK, LOCK(1));
	fx_teardown(&fx);
}

TEST(turns_taken_under_two_different_locks_are_an_unprotected_shared_access)
{
	struct step a1 = { .write = true, .len = 64, .lock = LOCK(1) };
	struct step b = { .write = false, .len = 64, .lock = LOCK(2) };
	struct step a2 = { .write = true, .len = 64, .lock = LOCK(1) };
	const struct mw_shared_access *p;

	SETUP();
	do_step(&a1);
	other_task(&b);
	do_step(&a2);		/* the first task again: both use it */
	ASSERT_EQ(count(MW_UNPROTECTED_SHARED_ACCESS), 1, "no lock in common");
	ASSERT_EQ(count(MW_DATA_RACE), 0, "no overlap in time was seen");
	p = &fx.events[0].shared_access;
	ASSERT_TRUE(fx.events[0].hdr.flags & MW_EV_WARNING, "a warning");
	ASSERT_EQ(p->self.tid, (__u32)a2.tid, "this access");
	ASSERT_EQ(p->other.tid, (__u32)b.tid, "the other task's latest access");
	ASSERT_EQ(p->self.nr_locks, 1, "held LOCK(1)");
	ASSERT_EQ(p->self.locks[0], LOCK(1), "named");
	ASSERT_EQ(p->other.locks[0], LOCK(2), "the other held LOCK(2)");
	do_step(&a2);
	other_task(&b);
	do_step(&a2);
	ASSERT_EQ(count(MW_UNPROTECTED_SHARED_ACCESS), 1, "said once per object");
	fx_teardown(&fx);
}

TEST(turns_taken_under_one_lock_or_reading_only_are_fine)
{
	struct step a = { .write = true, .len = 64, .lock = LOCK(1) };
	struct step b = { .write = false, .len = 64, .lock = LOCK(1) };
	struct step r = { .write = false, .len = 64 };

	SETUP();
	do_step(&a);
	other_task(&b);
	do_step(&a);
	other_task(&b);
	ASSERT_EQ(fx_drain(&fx), 0, "LOCK(1) at every access");
	fx_kfree(&fx, SITE_FREE1, OBJ(1));
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(1), 64);
	do_step(&r);
	other_task(&r);
	do_step(&r);
	ASSERT_EQ(fx_drain(&fx), 0, "shared, never written (a new lifetime: nothing carried over)");
	fx_teardown(&fx);
}

TEST(an_object_handed_from_task_to_task_is_not_shared)
{
	struct step w = { .write = true, .len = 64 };
	struct step r = { .write = false, .len = 64 };

	SETUP();
	do_step(&w);		/* filled by this task ... */
	do_step(&w);
	other_task(&r);		/* ... used by the next, and the next: Send */
	other_task(&w);
	other_task(&r);
	ASSERT_EQ(fx_drain(&fx), 0, "no task came back to it");
	fx_teardown(&fx);
}

/*
 * Static objects of the fake module (its .data and .bss), as the daemon
 * publishes them: three on one page, the last running on over two more, so
 * the page's binary search has something to search.
 */
#define PAGE0		0xffffffffc2000000ull
#define STATIC_A	(PAGE0 + 0x100)		/* 64 bytes */
#define STATIC_B	(PAGE0 + 0x200)		/* 32 bytes */
#define STATIC_C	(PAGE0 + 0x300)		/* 10000 bytes: pages 0, 1 and 2 */

static struct mw_static_slots statics_ss;

static int add_statics(void)
{
	static const struct mw_static_range r[] = {
		{ STATIC_A, 64, "static_a" }, { STATIC_B, 32, "static_b" },
		{ STATIC_C, 10000, "static_c" },
	};
	struct mw_static_range *v = malloc(sizeof(r));

	if (!v)
		return -ENOMEM;
	memcpy(v, r, sizeof(r));
	memset(&statics_ss, 0, sizeof(statics_ss));
	return mw_statics_set(&statics_ss, fx.skel, mw_registry_module(&fx.reg, 1), v, 3);
}

TEST(copies_racing_on_a_static_object_are_a_data_race_naming_it)
{
	struct step a = { .write = true, .base = STATIC_B, .len = 32, .in_flight = true };
	struct step b = { .write = false, .base = STATIC_B, .off = 8, .len = 8 };
	struct step gap = { .write = true, .base = STATIC_A + 64, .len = 16, .in_flight = true };
	struct step gap2 = { .write = true, .base = STATIC_A + 64, .len = 16 };
	const struct mw_shared_access *p;
	struct mw_sym sym;

	SETUP();
	ASSERT_OK(add_statics(), "publishing the static objects");
	do_step(&a);
	other_task(&b);
	ASSERT_EQ(count(MW_DATA_RACE), 1, "the overlap in time on STATIC_B");
	p = &fx.events[0].shared_access;
	ASSERT_EQ(p->obj.addr, STATIC_B, "the object is the static that holds the bytes");
	ASSERT_EQ(p->obj.size, 32, "its size, from the symbol");
	ASSERT_TRUE(p->obj.flags & MW_OBJ_STATIC, "marked static (no allocation site)");
	ASSERT_EQ(p->obj.module_id, 1, "of the fake module");
	ASSERT_OK(mw_statics_resolve(STATIC_B + 8, &sym), "named from the .ko's symbols");
	ASSERT_TRUE(!strcmp(sym.name, "static_b") && sym.offset == 8, "static_b+8");
	ASSERT_EQ(p->overlap_addr, STATIC_B + 8, "the overlap's start");
	fx_copy_ret(&fx, S_FETCH);
	do_step(&gap);		/* between A and B: no object of the module */
	other_task(&gap2);
	ASSERT_EQ(count(MW_DATA_RACE), 1, "bytes between two statics are nobody's");
	fx_copy_ret(&fx, S_FETCH);
	mw_statics_drop(&statics_ss, fx.skel, mw_registry_module(&fx.reg, 1));
	do_step(&a);
	other_task(&b);
	ASSERT_EQ(count(MW_DATA_RACE), 1, "dropped with its module: no more reports");
	fx_copy_ret(&fx, S_FETCH);
	fx_teardown(&fx);
}

TEST(a_static_object_used_in_turn_under_two_locks_warns_on_any_of_its_pages)
{
	struct step a1 = { .write = true, .base = STATIC_C, .off = 5000, .len = 64,
			   .lock = LOCK(1) };
	struct step b = { .write = false, .base = STATIC_C, .off = 9000, .len = 64,
			  .lock = LOCK(2) };
	const struct mw_shared_access *p;

	SETUP();
	ASSERT_OK(add_statics(), "publishing the static objects");
	do_step(&a1);		/* page 1 of it ... */
	other_task(&b);		/* ... and page 2: the same object */
	do_step(&a1);
	ASSERT_EQ(count(MW_UNPROTECTED_SHARED_ACCESS), 1, "no lock in common");
	p = &fx.events[0].shared_access;
	ASSERT_EQ(p->obj.addr, STATIC_C, "the static that spans the pages");
	ASSERT_EQ(p->other.addr, STATIC_C + 9000, "the other access, on its last page");
	mw_statics_drop(&statics_ss, fx.skel, mw_registry_module(&fx.reg, 1));
	fx_teardown(&fx);
}
