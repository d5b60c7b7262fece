// SPDX-License-Identifier: GPL-2.0
/*
 * Lock hooks. In production each is a kprobe on one instruction of a
 * watched module: the call of a lock function (rdi is the lock) and, for
 * acquires, the instruction after it (rax is the result). The cookie is the
 * site's mw_sites index with MW_LOCK_COOKIE_* flags above it (include/locks.h).
 * In the unit tests the SEC("raw_tp") entries below take the same arguments
 * from the test and drive the same rules.
 */
#include "heap.bpf.h"


static __always_inline const struct mw_site *lock_site(void *ctx)
{
	return mw_site((__u32)bpf_get_attach_cookie(ctx));
}

/*
 * An acquire call at @s of @lock: a use of freed memory if the lock lies in
 * a freed object (@uaf: the kprobe asks, the unit tests' entry does not), then
 * the lock rules, with the call's stack taken here, where its first frame is
 * the module's (see mw_stack()), in system call @call (mw_syscall_now()).
 */
static __always_inline void mw_lock_call_hook(void *ctx, const struct mw_site *s, __u64 lock,
					      __u64 cookie, bool uaf, __u64 call)
{
	__u32 base = mw_report_mark();

	if (uaf)
		mw_heap_lock_use(s, lock, MW_ACCESS_LOCK);
	mw_lock_call(s, lock, cookie, mw_stack(ctx, MW_STACKS_LOCK), call);
	mw_report_flush(ctx, base);
}

/* The instruction after an acquire call: the lock is taken if rax says so. */
SEC("kprobe")
int BPF_KPROBE(mw_kp_lock_ret)
{
	const struct mw_site *s = lock_site(ctx);

	if (s)
		mw_run(ctx, mw_lock_return(s, PT_REGS_RC(ctx)));
	return 0;
}

/*
 * mutex_unlock(lock), _raw_spin_unlock*(lock, ...), _raw_{read,write}_unlock(lock), up_*(sem);
 * queue_limits_commit_update(q, lim), which releases q->limits_lock
 */
static __always_inline void mw_unlock_call(void *ctx, const struct mw_site *s, __u64 arg)
{
	__u64 lock = mw_unlocked_lock(s, arg);
	__u32 base;

	if (!lock)
		return;
	base = mw_report_mark();
	mw_heap_lock_use(s, lock, MW_ACCESS_UNLOCK);
	mw_lock_release(s, lock);
	mw_report_flush(ctx, base);
}

/*
 * Every lock call of a watched module: mutex_lock*(lock),
 * _raw_spin_lock*(lock), _raw_{read,write}_lock(lock), down_*(sem), and
 * the releases above. One program for both: the rules are checked once.
 */
SEC("kprobe")
int BPF_KPROBE(mw_kp_lock, __u64 arg)
{
	const struct mw_site *s = lock_site(ctx);

	if (!s)
		return 0;
	if (s->class == MW_CLASS_UNLOCK)
		mw_unlock_call(ctx, s, arg);
	else
		mw_lock_call_hook(ctx, s, arg, bpf_get_attach_cookie(ctx), true, mw_syscall_now());
	return 0;
}

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
