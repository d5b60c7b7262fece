// SPDX-License-Identifier: GPL-2.0
/* The lock rules through the other hooks that call them (after integration). */
#include <unistd.h>
#include "fixture.h"
#include "test.h"
#include "sites.h"

#define S_LOCK		0
#define S_SPIN		1
#define S_FETCH		2
#define S_UNLOCK	3
#define SITE(i)		(FAKE_LO + 0x3000 + (unsigned long long)(i) * 0x20)

static struct fx fx;

static int install(void)
{
	int err = fx_site(&fx, S_LOCK, SITE(S_LOCK), MW_CALLEE_MUTEX_LOCK);

	if (!err)
		err = fx_site(&fx, S_SPIN, SITE(S_SPIN), MW_CALLEE_SPIN_LOCK);
	if (!err)
		err = fx_site(&fx, S_UNLOCK, SITE(S_UNLOCK), MW_CALLEE_MUTEX_UNLOCK);
	return err ? err : fx_site(&fx, S_FETCH, SITE(S_FETCH), MW_CALLEE_COPY_FROM_USER);
}

TEST(integ_kfree_of_an_object_with_a_held_mutex)
{
	__u64 obj;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(install(), "sites");
	obj = fx_lock_mem(&fx, 0);
	fx_kmalloc(&fx, SITE_ALLOC, obj, 64);
	fx_lock(&fx, S_LOCK, obj + 8, 0);
	fx_lock_word(&fx, 0)[1] = fx_task(&fx);		/* the mutex at obj + 8 is held */
	fx_kfree(&fx, SITE_FREE1, obj);
	ASSERT_EQ(fx_drain(&fx), 1, "held_lock_freed from the kfree hook");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_HELD_LOCK_FREED, "kind");
	ASSERT_EQ(fx.events[0].held_lock_freed.obj.alloc_site, SITE_ALLOC, "the tracked object");
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 0, "no lock_held_on_return for it");
	fx_teardown(&fx);
}

TEST(integ_a_lock_held_into_the_next_system_call_outlived_its_call)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(install(), "sites");
	fx_lock(&fx, S_SPIN, 0xdead000000000040ull, 0);
	ASSERT_OK(fx_enter(&fx, 0), "another call in the same system call");
	ASSERT_OK(fx_enter(&fx, 4), "and one inside it");
	ASSERT_EQ(fx_drain(&fx), 0, "still in the system call that took it");
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 1, "lock_held_on_return");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_LOCK_HELD_ON_RETURN, "kind");
	ASSERT_EQ(fx.events[0].lock_held_on_return.syscall_nr, 16, "the system call that took it");
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 0, "once");
	fx_teardown(&fx);
}

/* seq_file: start takes the lock, stop releases it, two calls of one read(). */
TEST(integ_a_lock_taken_and_released_in_two_calls_of_one_system_call_is_fine)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(install(), "sites");
	fx_lock(&fx, S_LOCK, 0xdead000000000080ull, 0);
	ASSERT_OK(fx_enter(&fx, 0), "show");
	ASSERT_OK(fx_enter(&fx, 0), "stop");
	fx_unlock(&fx, S_UNLOCK, 0xdead000000000080ull);
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 0, "no report");
	fx_teardown(&fx);
}

TEST(integ_gfp_kernel_kmalloc_and_the_next_system_call)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(install(), "sites");
	fx_lock(&fx, S_SPIN, 0xdead000000000040ull, 0);
	fx_kmalloc_gfp(&fx, SITE_ALLOC, OBJ(1), 32, 0xa20);	/* GFP_ATOMIC */
	ASSERT_EQ(fx_drain(&fx), 0, "GFP_ATOMIC under a spinlock");
	fx_kmalloc_gfp(&fx, SITE_ALLOC, OBJ(2), 32, 0xcc0);	/* GFP_KERNEL */
	ASSERT_EQ(fx_drain(&fx), 1, "sleep_in_atomic from the kmalloc hook");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_SLEEP_IN_ATOMIC, "kind");
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 1, "lock_held_on_return at the next system call");
	fx_teardown(&fx);
}
