// SPDX-License-Identifier: GPL-2.0
/*
 * The unit tests' entry points (tests/unit/fixture.c runs them with
 * BPF_PROG_TEST_RUN). Each takes, as plain u64 arguments, what a production
 * hook reads from registers or a tracepoint, and runs the same rule, or the
 * same hook body, that hook runs: the rules are tested, not a copy of them.
 * A file of their own, so that the features' files hold only what runs in
 * production; linked last into the one object, after the features whose
 * globals it uses (see BPF_FEATURES in the Makefile). A session never loads
 * them: user/probe/bpf.c tells them apart by their mw_test_ names.
 */
#include "deep.bpf.h"
#include "heap.bpf.h"
#include "modules.bpf.h"
#include "usercopy.bpf.h"

/* ---- locks (locks.bpf.c's kprobes) ---- */

/*
 * Unit-test entries: (site index, lock, cookie flags, the system call as
 * mw_syscall_now() gives it); (site index, return value); (site index,
 * unlock's first argument); (site index, callee, gfp); (call site, callee,
 * gfp) as the kmem tracepoints pass them; (address, size, free site, module
 * id, alloc site) of a freed object.
 */
SEC("raw_tp")
int mw_test_lock(__u64 *ctx)
{
	const struct mw_site *s = mw_site(ctx[0]);

	if (!s)
		return 1;
	mw_lock_call_hook(ctx, s, ctx[1], ctx[2], false, ctx[3]);
	return 0;
}

SEC("raw_tp")
int mw_test_lock_ret(__u64 *ctx)
{
	const struct mw_site *s = mw_site(ctx[0]);

	if (!s)
		return 1;
	mw_run(ctx, mw_lock_return(s, ctx[1]));
	return 0;
}

SEC("raw_tp")
int mw_test_unlock(__u64 *ctx)
{
	const struct mw_site *s = mw_site(ctx[0]);

	if (!s)
		return 1;
	mw_unlock_call(ctx, s, ctx[1]);
	return 0;
}

SEC("raw_tp")
int mw_test_may_sleep(__u64 *ctx)
{
	const struct mw_site *s = mw_site(ctx[0]);

	if (!s)
		return 1;
	mw_run(ctx, mw_locks_may_sleep(s, ctx[1], ctx[2]));
	return 0;
}

SEC("raw_tp")
int mw_test_lock_alloc(__u64 *ctx)
{
	__u32 base = mw_report_mark();

	mw_locks_alloc(ctx[0], mw_site_module(ctx[0]), ctx[1], ctx[2]);
	mw_report_flush(ctx, base);
	return 0;
}

SEC("raw_tp")
int mw_test_locks_freed(__u64 *ctx)
{
	struct mw_object obj = {
		.addr = ctx[0],
		.size = ctx[1],
		.alloc_size = ctx[1],
		.alloc_site = ctx[4],
		.module_id = ctx[3],
	};

	mw_run(ctx, mw_locks_freed(ctx[0], ctx[1], ctx[2], ctx[3], &obj));
	return 0;
}

/*
 * Lock words in kernel memory for the unit tests: the release rules read the
 * kernel's own lock word, which must be kernel memory. The test writes them
 * through the mmapped .bss and learns their kernel address (and its own
 * task_struct's, a mutex owner) from a run of mw_test_lock_kaddrs.
 */
__u64 mw_test_lock_mem[64 + 16];	/* and a fake kernel stack: tests/unit/fixture.c */
__u64 mw_test_lock_mem_kaddr;
__u64 mw_test_task_kaddr;

SEC("raw_tp")
int mw_test_lock_kaddrs(__u64 *ctx)
{
	mw_test_lock_mem_kaddr = (__u64)mw_test_lock_mem;
	mw_test_task_kaddr = bpf_get_current_task();
	return 0;
}

/* ---- the heap (heap.bpf.c's kprobes) ---- */

/* Unit-test entry: (site index, head, arg), kvfree_call_rcu()'s registers (mw_kp_heap). */
SEC("raw_tp")
int mw_test_free_rcu(__u64 *ctx)
{
	const struct mw_site *s = mw_site(ctx[0]);

	if (!s)
		return 1;
	mw_free_rcu(ctx, s, ctx[1], ctx[2]);
	return 0;
}

/* Unit-test entry: (site index, pointer, how: MW_FREE_*), as mw_kp_heap runs it. */
SEC("raw_tp")
int mw_test_free_call(__u64 *ctx)
{
	const struct mw_site *s = mw_site(ctx[0]);

	if (!s)
		return 1;
	mw_run(ctx, mw_heap_free(s->addr, s->module_id, ctx[1], ctx[2],
				 mw_free_stack(ctx, ctx[1])));
	return 0;
}

/* Unit-test entries: (site index, size hint), and (site index, returned pointer). */
SEC("raw_tp")
int mw_test_behalf_call(__u64 *ctx)
{
	const struct mw_site *s = mw_site(ctx[0]);

	if (!s)
		return 1;
	mw_behalf_open(s, ctx[1]);
	return 0;
}

SEC("raw_tp")
int mw_test_behalf_ret(__u64 *ctx)
{
	const struct mw_site *s = mw_site(ctx[0]);

	if (!s)
		return 1;
	mw_behalf_close(s, ctx[1], mw_behalf_stack(ctx, s, ctx[1]));
	return 0;
}

/* ---- --deep (deep.bpf.c's kprobe) ---- */

/*
 * Unit-test entry: (descriptor index, the value of its base register, of its
 * index register), as mw_kp_access reads them from the probed registers.
 */
SEC("raw_tp")
int mw_test_deep_access(__u64 *ctx)
{
	const struct mw_access_desc *d = mw_access_desc(ctx[0]);

	if (!d)
		return 1;
	mw_deep_hook(ctx, d, ctx[1], ctx[2]);
	return 0;
}

/* ---- user copies (usercopy.bpf.c's kprobes) ---- */

/*
 * Unit-test entries: (site index, syscall nr, syscall arg0..2, kernel
 * address, user address, length, the call's identity: mw_syscall_now()'s
 * value), and (stack pointer, identity): an entry point runs, its return
 * address read from the stack pointer as the kprobe reads it.
 */
static __always_inline void test_args(__u64 *ctx, struct mw_syscall *sc)
{
	sc->nr = ctx[1];
	sc->arg[0] = ctx[2];
	sc->arg[1] = ctx[3];
	sc->arg[2] = ctx[4];
	sc->id = MW_SYSID(ctx[8]);
	sc->__pad = 0;
}

/*
 * A copy as mw_copy() runs its rules, in the system call the test names
 * rather than the task's own, and without the lock rules' may-sleep check
 * (the lock tests drive that one themselves). The tests' copies are copies
 * whose return is probed (mw_test_copy_ret).
 */
static __always_inline int test_copy(__u64 *ctx, bool to_user)
{
	const struct mw_site *s = mw_site(ctx[0]);
	struct mw_syscall sc;
	__u32 base;

	if (!s)
		return 1;
	test_args(ctx, &sc);
	base = mw_report_mark();
	if (to_user)
		mw_user_store(s, &sc, ctx[6], ctx[5], ctx[7]);
	else
		mw_user_fetch(s, &sc, ctx[5], ctx[6], ctx[7]);
	if (ctx[5])
		mw_race_copy(s, ctx[5], ctx[7], !to_user, true);
	mw_report_flush(ctx, base);
	return 0;
}

SEC("raw_tp")
int mw_test_fetch(__u64 *ctx)
{
	return test_copy(ctx, false);
}

SEC("raw_tp")
int mw_test_store(__u64 *ctx)
{
	return test_copy(ctx, true);
}

/* (site index): the copy at that site returns. */
SEC("raw_tp")
int mw_test_copy_ret(__u64 *ctx)
{
	const struct mw_site *s = mw_site(ctx[0]);

	if (!s)
		return 1;
	mw_run(ctx, mw_copy_return(s));
	return 0;
}

/* (site index, ptr, n, to_user): the module's __check_object_size() call. */
SEC("raw_tp")
int mw_test_check_size(__u64 *ctx)
{
	const struct mw_site *s = mw_site(ctx[0]);

	if (!s)
		return 1;
	mw_run(ctx, mw_check_object_size(s, ctx[1], ctx[2], ctx[3]));
	return 0;
}

SEC("raw_tp")
int mw_test_call(__u64 *ctx)
{
	__u64 ret = 0;

	bpf_probe_read_kernel(&ret, sizeof(ret), (void *)ctx[0]);
	mw_run(ctx, mw_call_enter(ctx[0], ret, ctx[1]));
	return 0;
}

/* ---- modules (modules.bpf.c's tracepoint) ---- */

/* Unit-test entry: the module's name in the 7 u64 arguments (56 bytes). */
SEC("raw_tp")
int mw_test_module_free(__u64 *ctx)
{
	struct mw_module_key key;

	__builtin_memcpy(&key, ctx, sizeof(key));
	mw_module_gone(ctx, &key);
	return 0;
}
