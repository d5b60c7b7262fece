/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel stacks, kept once each by BPF, read back by reference. */
#ifndef MODWATCH_PROBE_STACK_MAPS_H
#define MODWATCH_PROBE_STACK_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct modwatch_bpf;

/* --stacks (MW_STACKS_*), --stack-depth (frames shown, 0: none), --stack-entries. */
int mw_stacks_configure(struct modwatch_bpf *skel, __u32 stacks, __u32 shown, __u32 entries);
void mw_stacks_init(struct modwatch_bpf *skel);
int mw_stack_read(__u32 ref, __u64 site, __u64 *ips, int max);

#endif /* MODWATCH_PROBE_STACK_MAPS_H */
