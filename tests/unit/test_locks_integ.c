// SPDX-License-Identifier: GPL-2.0
/* The lock rules through the other hooks that call them (after integration). */
#include <unistd.h>
#include "fixture.h"
#include "test.h"

#define S_LOCK		0
#define S_SPIN		1
#define S_FETCH		2
#define SITE(i)		(FAKE_LO + 0x3000 + (unsigned long long)(i) * 0x20)

static struct fx fx;

static int install(void)
{
	int err = fx_site(&fx, S_LOCK, SITE(S_LOCK), MW_CALLEE_MUTEX_LOCK);

	if (!err)
		err = fx_site(&fx, S_SPIN, SITE(S_SPIN), MW_CALLEE_SPIN_LOCK);
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
	fx_sys_exit(&fx);
	ASSERT_EQ(fx_drain(&fx), 0, "no lock_held_on_return for it");
	fx_teardown(&fx);
}

TEST(integ_an_acquire_gives_sys_exit_work_and_its_exit_takes_it)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(install(), "sites");
	ASSERT_EQ(fx.skel->bss->mw_exit_work, 0, "at start");
	fx_lock(&fx, S_SPIN, 0xdead000000000040ull, 0);
	ASSERT_EQ(fx.skel->bss->mw_exit_work, 1, "after an acquire");
	fx_sys_exit(&fx);
	ASSERT_EQ(fx_drain(&fx), 1, "lock_held_on_return");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_LOCK_HELD_ON_RETURN, "kind");
	ASSERT_EQ(fx.skel->bss->mw_exit_work, 0, "taken at the exit");
	fx_teardown(&fx);
}

TEST(integ_gfp_kernel_kmalloc_and_sys_exit)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(install(), "sites");
	fx_lock(&fx, S_SPIN, 0xdead000000000040ull, 0);
	fx_kmalloc_gfp(&fx, SITE_ALLOC, OBJ(1), 32, 0xa20);	/* GFP_ATOMIC */
	ASSERT_EQ(fx_drain(&fx), 0, "GFP_ATOMIC under a spinlock");
	fx_kmalloc_gfp(&fx, SITE_ALLOC, OBJ(2), 32, 0xcc0);	/* GFP_KERNEL */
	ASSERT_EQ(fx_drain(&fx), 1, "sleep_in_atomic from the kmalloc hook");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_SLEEP_IN_ATOMIC, "kind");
	fx_sys_exit(&fx);
	ASSERT_EQ(fx_drain(&fx), 1, "lock_held_on_return from mw_sys_exit");
	fx_teardown(&fx);
}
