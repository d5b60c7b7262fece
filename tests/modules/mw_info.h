/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mw_info.h - what both test modules do on MW_IOC_INFO besides answering:
 * bookkeeping in shapes real drivers have and the kernel refuses kprobes
 * in, so that modwatch must skip those sites and say so, never fail: lock
 * calls in a notrace function (no ftrace entry), and a static key tested
 * right after a spinlock call (the instruction after the call is a jump
 * label). Correct code. mw_exit_lock is also what each exit function takes
 * (mw_buggy's may return holding it). Kernel code only.
 */
#ifndef MW_INFO_H
#define MW_INFO_H

#include <linux/jump_label.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

static DEFINE_MUTEX(mw_exit_lock);
static DEFINE_STATIC_KEY_FALSE(mw_info_trace);
static DEFINE_SPINLOCK(mw_info_lock);
static unsigned long mw_info_calls;

static noinline notrace void mw_info_count_notrace(void)
{
	mutex_lock(&mw_exit_lock);
	mw_info_calls++;
	mutex_unlock(&mw_exit_lock);
}

static noinline void mw_info_count(void)
{
	spin_lock(&mw_info_lock);
	if (static_branch_unlikely(&mw_info_trace))
		pr_info("%s: info call %lu\n", KBUILD_MODNAME, mw_info_calls);
	mw_info_calls++;
	spin_unlock(&mw_info_lock);
	mw_info_count_notrace();
}

#endif /* MW_INFO_H */
