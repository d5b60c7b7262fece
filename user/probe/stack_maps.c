// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel stacks: sizing the BPF stack map before load, and reading a
 * stack back by the reference a record carries (id + 1), cut to the
 * frames from the module's own code on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "stacks.h"
#include "lib/error.h"
#include "probe/stack_maps.h"
#include "probe/skel.h"

static int stacks_fd = -1;
static __u32 stacks_depth;	/* frames captured */
static __u32 stacks_shown;	/* --stack-depth: frames read back */

/* The kernel's own cap on a walk: a stack map deeper than it fails to create. */
static __u32 perf_max_stack(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_stack", "re");
	unsigned int v = 127;	/* PERF_MAX_STACK_DEPTH, the default */

	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 127;
		fclose(f);
	}
	return v;
}

/*
 * The stack map holds max_entries stacks in roundup_pow_of_two(max_entries)
 * hash buckets (kernel/bpf/stackmap.c, since it came in v4.6, d5a3b1f69186),
 * and a stack whose bucket another holds is not kept. One more than a power
 * of two doubles the buckets for one more stack's memory: half the
 * collisions (the real-module gate lost 699 of about 4800 distinct stacks
 * at 16384 buckets).
 */
static __u32 stack_entries(__u32 n)
{
	return n & (n - 1) ? n : n + 1;
}

/*
 * Before load: which stacks are kept and how deep. A map of one entry
 * stands in when none are: the programs still name it. Frames spent in
 * BPF and the tracepoint's own functions come on top of --stack-depth
 * (see mw_stack_read()), up to the kernel's cap.
 */
int mw_stacks_configure(struct modwatch_bpf *skel, __u32 stacks, __u32 shown, __u32 entries)
{
	__u32 depth = shown ? shown + MW_STACK_NOISE : 0;
	__u32 cap = perf_max_stack();
	int err;

	if (depth > cap) {
		if (stacks && shown)
			mw_warn("stacks are cut at %u frames: kernel.perf_event_max_stack is %u "
				"(raise it with sysctl for deeper ones)", cap, cap);
		depth = cap;
	}
	skel->rodata->mw_stacks_on = depth ? stacks : 0;
	stacks_depth = skel->rodata->mw_stacks_on ? depth : 0;
	stacks_shown = shown;
	err = bpf_map__set_value_size(skel->maps.mw_stacks,
				      (stacks_depth ? stacks_depth : 1) * sizeof(__u64));
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.mw_stacks,
					       stacks_depth ? stack_entries(entries) : 1);
	return err;
}

void mw_stacks_init(struct modwatch_bpf *skel)
{
	stacks_fd = skel ? bpf_map__fd(skel->maps.mw_stacks) : -1;
}

/*
 * The frames of stack @ref, into @ips (@max of them), from the one at
 * @site on: a kprobe's stack starts at the module's call already, a kmem
 * tracepoint's at BPF and the allocator, above the module's return
 * address, which is @site there. Without a frame near @site, all of
 * them. Returns the number of frames, 0 for none.
 */
int mw_stack_read(__u32 ref, __u64 site, __u64 *ips, int max)
{
	__u64 buf[MW_STACK_DEPTH_MAX + MW_STACK_NOISE];
	__u32 id = ref - 1;
	int n, i, from = 0;

	if (!ref || stacks_fd < 0 || !stacks_depth || stacks_depth > sizeof(buf) / sizeof(buf[0]))
		return 0;
	if (bpf_map_lookup_elem(stacks_fd, &id, buf))
		return 0;
	for (n = 0; n < (int)stacks_depth && buf[n]; n++)
		;
	for (i = 0; site && i < n; i++) {
		/* The call itself (a kprobe on it, or on the instruction after) or its return. */
		if (buf[i] >= site - 16 && buf[i] <= site + 16) {
			from = i;
			break;
		}
	}
	for (i = 0; from + i < n && i < max && i < (int)stacks_shown; i++)
		ips[i] = buf[from + i];
	/*
	 * A kprobe's walk starts at its pt_regs' ip, which is one past the
	 * probed call after an int3 (x86 reports the trap's return address),
	 * or the instruction after the call for a return probe: the frame
	 * names the call, as the report does.
	 */
	if (i && site && ips[0] > site && ips[0] <= site + 16)
		ips[0] = site;
	return i;
}
