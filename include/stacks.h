/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel stacks: which are kept, and how many frames. The BPF side keeps
 * each distinct stack once in a stack map (mw_stacks) and records quote it
 * by id plus one (0: no stack); the daemon reads and names the frames.
 */
#ifndef MODWATCH_STACKS_H
#define MODWATCH_STACKS_H

/* --stacks: the classes of stacks kept. */
enum {
	MW_STACKS_REPORT = 1u << 0,	/* the violating call's, once per report */
	MW_STACKS_HEAP = 1u << 1,	/* each tracked object's allocation and free */
	MW_STACKS_LOCK = 1u << 2,	/* each acquire by a watched module */
	MW_STACKS_ALL = MW_STACKS_REPORT | MW_STACKS_HEAP | MW_STACKS_LOCK,
	/* What make bench found cheap enough to be on by default (doc/cost.md). */
	MW_STACKS_DEFAULT = MW_STACKS_REPORT | MW_STACKS_HEAP,
};

/* Frames per stack: at most KASAN's KASAN_STACK_DEPTH; --stack-depth. */
#define MW_STACK_DEPTH_MAX 64
#define MW_STACK_DEPTH 32
/*
 * Frames captured on top of those shown: a kmem tracepoint's stack starts
 * in BPF and the tracepoint's callers, above the module's frame; a
 * report's, taken where its hook sends it, two deeper (bpf_loop() and its
 * callback).
 */
#define MW_STACK_NOISE 12
/* Distinct stacks kept, in twice as many hash buckets (user/probe/stack_maps.c); --stack-entries. */
#define MW_STACK_ENTRIES 16384

#endif /* MODWATCH_STACKS_H */
