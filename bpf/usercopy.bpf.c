// SPDX-License-Identifier: GPL-2.0
/*
 * User-copy hooks. In production each is a kprobe on one call instruction
 * in a watched module (the cookie names the site), reading the callee's
 * arguments from their registers; the unit tests' entries (tests.bpf.c)
 * take the same arguments from the test and drive the same rules. The
 * syscall's declared slice comes from the task's saved user registers, so
 * no sys_enter hook is needed; a double-fetch epoch is one call into the
 * module, from one of its entry points (mw_kp_entry).
 */
#include "usercopy.bpf.h"

/* races.bpf.h's zeroed record: one object defines it, linked before tests.bpf.c uses it. */
const struct mw_share mw_share_zero = {};

static __always_inline const struct mw_site *kprobe_site(void *ctx)
{
	return mw_site((__u32)bpf_get_attach_cookie(ctx));
}

/* How a copy goes (mw_copy()). */
enum {
	MW_COPY_AT_TO_USER = 1u << 0,
	MW_COPY_AT_RETURNS = 1u << 1,	/* a probe sees the call return */
};

/*
 * A copy at @s between kernel [kaddr, +len) and user [uaddr, +len): the
 * callee may fault and sleep (the lock rules' business), then the copy's
 * own rules, in the system call the task is in.
 */
MW_GLOBAL int mw_copy(const struct mw_site *s, __u64 kaddr, __u64 uaddr, __u64 len, __u32 how)
{
	bool to_user = how & MW_COPY_AT_TO_USER;
	struct mw_syscall sc;

	if (!s)
		return 0;
	mw_locks_may_sleep(s, s->callee, 0);
	mw_current_syscall(&sc);
	if (to_user)
		mw_user_store(s, &sc, uaddr, kaddr, len);
	else
		mw_user_fetch(s, &sc, kaddr, uaddr, len);
	if (kaddr)
		mw_race_copy(s, kaddr, len, !to_user, how & MW_COPY_AT_RETURNS);
	return 0;
}

/* A copy probe's rules, @to_user or not, for the kprobe at the copy call (@ctx). */
static __always_inline void copy_at(struct pt_regs *ctx, const struct mw_site *s, __u64 kaddr,
				    __u64 uaddr, __u64 len, bool to_user)
{
	__u32 how = to_user ? MW_COPY_AT_TO_USER : 0;

	if (!(bpf_get_attach_cookie(ctx) & MW_LOCK_COOKIE_TAIL))
		how |= MW_COPY_AT_RETURNS;
	mw_run(ctx, mw_copy(s, kaddr, uaddr, len, how));
}

/* The instruction after a copy call: the copy returned (see mw_copy_return()). */
SEC("kprobe")
int BPF_KPROBE(mw_kp_copy_ret)
{
	const struct mw_site *s = kprobe_site(ctx);

	if (s)
		mw_run(ctx, mw_copy_return(s));
	return 0;
}

/*
 * The bytes simple_read_from_buffer() and simple_write_to_buffer() move:
 * from *@ppos, at most @count, not past @available (fs/libfs.c); 0: none.
 */
static __always_inline __u64 simple_span(__u64 ppos, __u64 count, __u64 available, __u64 *pos)
{
	loff_t p;

	if (bpf_probe_read_kernel(&p, sizeof(p), (void *)ppos) || p < 0 || (__u64)p >= available)
		return 0;
	*pos = p;
	return available - p < count ? available - p : count;
}

/*
 * copy_user_generic_*(to, from, len), what __copy_{from,to}_user() call:
 * one function both ways, so the user side says the direction.
 */
static __always_inline void copy_user(struct pt_regs *ctx, const struct mw_site *s, __u64 to,
				      __u64 from, __u32 len)
{
	if (mw_is_user(from))
		copy_at(ctx, s, to, from, len, false);
	else if (mw_is_user(to))
		copy_at(ctx, s, from, to, len, true);
}

/*
 * memdup_user(src, len), vmemdup_user(), memdup_user_nul(), strndup_user(s,
 * n): a fetch, and an allocation on the module's behalf that the next
 * instruction's probe (mw_kp_behalf_ret) takes over.
 */
static __always_inline void dup_user(struct pt_regs *ctx, const struct mw_site *s, __u64 src,
				     long len)
{
	if (len <= 0)
		return;
	/* Without a probe on the next instruction, nobody would close the window. */
	if (!(bpf_get_attach_cookie(ctx) & MW_LOCK_COOKIE_TAIL))
		mw_behalf_open(s, s->arg ? len : 0);
	copy_at(ctx, s, 0, src, len, false);
}

/* simple_read_from_buffer(to, count, ppos, from, available): debugfs and procfs reads. */
static __always_inline void simple_read(struct pt_regs *ctx, const struct mw_site *s, __u64 to,
					__u64 count, __u64 ppos, __u64 from, __u64 available)
{
	__u64 pos = 0, n = simple_span(ppos, count, available, &pos);

	if (n)
		copy_at(ctx, s, from + pos, to, n, true);
}

/* simple_write_to_buffer(to, available, ppos, from, count) */
static __always_inline void simple_write(struct pt_regs *ctx, const struct mw_site *s, __u64 to,
					 __u64 available, __u64 ppos, __u64 from, __u64 count)
{
	__u64 pos = 0, n = simple_span(ppos, count, available, &pos);

	if (n)
		copy_at(ctx, s, to + pos, from, n, false);
}

/*
 * Every user-copy call site of a watched module: its class (include/sites.h)
 * says which callee it calls, so where the callee's arguments are. One
 * program for them all: the verifier checks the rules once, not once a class.
 */
SEC("kprobe")
int BPF_KPROBE(mw_kp_copy, __u64 a0, __u64 a1, __u64 a2, __u64 a3, __u64 a4)
{
	const struct mw_site *s = kprobe_site(ctx);

	if (!s)
		return 0;
	switch (s->class) {
	case MW_CLASS_FETCH:	/* _copy_from_user(to, from, n), copy_from_user_nofault() */
		copy_at(ctx, s, a0, a1, a2, false);
		break;
	case MW_CLASS_COPY_TO:	/* _copy_to_user(to, from, n) */
		copy_at(ctx, s, a1, a0, a2, true);
		break;
	case MW_CLASS_CHECK_SIZE:	/* __check_object_size(ptr, n, to_user) */
		mw_run(ctx, mw_check_object_size(s, a0, a1, (bool)a2));
		break;
	case MW_CLASS_STRNCPY:	/* strncpy_from_user(dst, src, count): up to count bytes */
		if ((long)a2 > 0)
			copy_at(ctx, s, 0, a1, a2, false);
		break;
	case MW_CLASS_GET_USER:	/* __get_user_N: the user address in rax (arch/x86/lib/getuser.S) */
		copy_at(ctx, s, 0, PT_REGS_RC(ctx), s->arg, false);
		break;
	case MW_CLASS_PUT_USER:	/* __put_user_N: the user address in rcx (arch/x86/lib/putuser.S) */
		copy_at(ctx, s, 0, ctx->cx, s->arg, true);
		break;
	case MW_CLASS_COPY_USER:
		copy_user(ctx, s, a0, a1, a2);
		break;
	case MW_CLASS_DUP_USER:
		dup_user(ctx, s, a0, a1);
		break;
	case MW_CLASS_ITER_TO:	/* _copy_to_iter(addr, bytes, i): read_iter handlers and the like */
		mw_run(ctx, mw_iter_copy(s, a0, a1, a2, true));
		break;
	case MW_CLASS_ITER_FROM:	/* _copy_from_iter(addr, bytes, i) */
		mw_run(ctx, mw_iter_copy(s, a0, a1, a2, false));
		break;
	case MW_CLASS_SIMPLE_READ:
		simple_read(ctx, s, a0, a1, a2, a3, a4);
		break;
	case MW_CLASS_SIMPLE_WRITE:
		simple_write(ctx, s, a0, a1, a2, a3, a4);
		break;
	}
	return 0;
}

/*
 * The module's own entry points (MW_CLASS_ENTRY sites: functions its ops
 * tables point to), at their first instruction: where a call into the
 * module begins (see struct mw_call). Only in a task's own context: kernel
 * threads and io_uring workers have no system calls to tell apart, and an
 * interrupt runs on a stack of its own, where the stack pointer says
 * nothing about the task's calls.
 */
SEC("kprobe")
int BPF_KPROBE(mw_kp_entry)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 sp = PT_REGS_SP(ctx), base = (__u64)BPF_CORE_READ(task, stack), ret = 0;

	if (!mw_task_has_syscalls() || sp < base || sp >= (__u64)bpf_task_pt_regs(task))
		return 0;
	bpf_probe_read_kernel(&ret, sizeof(ret), (void *)sp);
	mw_run(ctx, mw_call_enter(sp, ret, mw_syscall_now()));
	return 0;
}

/*
 * --probe-mode global: without the module's .ko there are no call sites to
 * probe, so these kprobes sit on the exported functions themselves and
 * take the caller's return address (on the stack at entry) as the site.
 * Debian's 6.1 refuses kprobes on _copy_from_user/_copy_to_user (notrace);
 * hardened usercopy's __check_object_size(ptr, n, to_user) still sees the
 * kernel side of every copy whose size is not a compile-time constant.
 */
static __always_inline bool global_site(struct pt_regs *ctx, struct mw_site *s)
{
	__u64 ret = 0;

	bpf_probe_read_kernel(&ret, sizeof(ret), (void *)PT_REGS_SP(ctx));
	s->module_id = mw_site_module(ret);
	s->addr = ret - 5;	/* the call instruction */
	return s->module_id != 0;
}

SEC("kprobe/__check_object_size")
int BPF_KPROBE(mw_kpg_check_object_size, const void *ptr, unsigned long n, bool to_user)
{
	struct mw_live live = {};
	struct mw_site s = {};
	__u32 base;

	if (!global_site(ctx, &s))
		return 0;
	base = mw_report_mark();
	mw_locks_may_sleep(&s, to_user ? MW_CALLEE_COPY_TO_USER : MW_CALLEE_COPY_FROM_USER, 0);
	mw_kernel_side_rules(&s, (__u64)ptr, n, to_user, &live);
	mw_report_flush(ctx, base);
	return 0;
}

SEC("kprobe/strncpy_from_user")
int BPF_KPROBE(mw_kpg_strncpy, char *dst, const char *src, long count)
{
	struct mw_site s = {};
	struct mw_syscall sc;
	__u32 base;

	if (!global_site(ctx, &s) || count <= 0)
		return 0;
	base = mw_report_mark();
	mw_locks_may_sleep(&s, MW_CALLEE_STRNCPY_FROM_USER, 0);
	mw_current_syscall(&sc);
	mw_user_fetch(&s, &sc, 0, (__u64)src, count);
	mw_report_flush(ctx, base);
	return 0;
}

SEC("kprobe/copy_from_user_nofault")
int BPF_KPROBE(mw_kpg_fetch_nofault, void *dst, const void *src, size_t size)
{
	struct mw_site s = {};
	struct mw_syscall sc;

	if (!global_site(ctx, &s))
		return 0;
	mw_current_syscall(&sc);
	mw_run(ctx, mw_user_fetch(&s, &sc, (__u64)dst, (__u64)src, size));
	return 0;
}
