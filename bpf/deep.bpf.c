// SPDX-License-Identifier: GPL-2.0
/*
 * --deep's hook: a kprobe on one memory-access instruction of a watched
 * module, its cookie the instruction's index in mw_access_descs. It only
 * reads the two registers the descriptor names; the rule is deep.bpf.h's.
 * Loaded only with --deep (user/probe/bpf.c).
 */
#include "deep.bpf.h"

/*
 * A kprobe's context is the struct pt_regs itself, which a program may read
 * only at constant offsets: the registers are copied to the stack, where a
 * bounded variable index may read them.
 */
SEC("kprobe")
int mw_kp_access(struct pt_regs *ctx)
{
	const struct mw_access_desc *d = mw_access_desc((__u32)bpf_get_attach_cookie(ctx));
	__u64 regs[MW_DEEP_REGS];

	if (!d || bpf_probe_read_kernel(regs, sizeof(regs), ctx))
		return 0;
	mw_deep_hook(ctx, d, mw_deep_reg(regs, d->base), mw_deep_reg(regs, d->index));
	return 0;
}
