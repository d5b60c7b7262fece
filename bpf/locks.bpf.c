// SPDX-License-Identifier: GPL-2.0
/*
 * Lock hooks. In production each is a kprobe on one instruction of a
 * watched module: the call of a lock function (rdi is the lock) and, for
 * acquires, the instruction after it (rax is the result). The cookie is the
 * site's mw_sites index with MW_LOCK_COOKIE_* flags above it (include/locks.h).
 * Their bodies are heap.bpf.h's (a lock call is also a use of the memory the
 * lock lives in), which the unit tests' entries (tests.bpf.c) run too.
 */
#include "heap.bpf.h"


static __always_inline const struct mw_site *lock_site(void *ctx)
{
	return mw_site((__u32)bpf_get_attach_cookie(ctx));
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
 * Every lock call of a watched module: mutex_lock*(lock),
 * _raw_spin_lock*(lock), _raw_{read,write}_lock(lock), down_*(sem), and
 * the releases (mw_unlock_call()). One program for both: the rules are checked once.
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
