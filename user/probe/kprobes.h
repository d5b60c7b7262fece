/* SPDX-License-Identifier: GPL-2.0 */
/* kprobes by address, attached and detached many at once from several threads. */
#ifndef MODWATCH_PROBE_KPROBES_H
#define MODWATCH_PROBE_KPROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct bpf_program;
struct bpf_link;

/* One kprobe to attach: the caller fills the first three, the attach the last two. */
struct mw_kprobe {
	struct bpf_program *prog;
	__u64 addr;
	__u64 cookie;
	struct bpf_link *link;	/* the attached probe, or NULL */
	int err;		/* -errno if no link */
};
/*
 * Attaches @n kprobes, @stride bytes apart from @first (each may be part of
 * a bigger record of the caller's); each gets its link or its error.
 */
void mw_kprobes_attach(struct mw_kprobe *first, size_t n, size_t stride);
/* Destroys @n @links and frees the array: in a background thread if @background. */
void mw_kprobes_detach(struct bpf_link **links, __u32 n, bool background);
/* debug.kprobes-optimization: 1 or 0, or -errno; batches of 64 or more pause it. */
int mw_kprobes_optimization(void);
/* Returns once the background detaches are done. */
void mw_kprobes_wait(void);

#endif /* MODWATCH_PROBE_KPROBES_H */
