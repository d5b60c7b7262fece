/* SPDX-License-Identifier: GPL-2.0 */
/* The BPF programs as this kernel took them, and what a refused one turns off. */
#ifndef MODWATCH_PROBE_PROGS_H
#define MODWATCH_PROBE_PROGS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define MW_MAX_PROGS 64
/* The processed instructions every program must stay within on every kernel we run. */
#define MW_VERIFIER_BUDGET 250000
struct mw_verdict {
	char name[48];
	int err;		/* 0: loaded; -errno: the kernel refused it */
	__u32 type;		/* enum bpf_prog_type */
	bool stats;		/* the verifier's statistics below were read */
	__u32 insns;		/* the program's instructions */
	__u32 processed;	/* instructions the verifier processed (its limit: 1,000,000) */
	__u32 total_states;
	__u32 peak_states;
	__u32 verify_us;	/* verification time */
};
struct mw_load {
	struct mw_verdict v[MW_MAX_PROGS];	/* each program this load asked for */
	int n;
};
bool mw_prog_known(const char *name);
/* Where a program runs: what it costs code that no watched module is part of. */
enum {
	MW_RUNS_KERNEL,		/* at every event of its kind, kernel-wide */
	MW_RUNS_MODULES,	/* only in watched modules' code */
	MW_RUNS_DAEMON,		/* only when the daemon runs it */
};
__u32 mw_prog_runs(const char *name);
const char *mw_prog_watches(const char *name);
__u32 mw_prog_rules(const char *name);
const char *mw_refusal_reason(int err);
void mw_verdict_parse(struct mw_verdict *v, const char *log);
__u32 mw_load_rules_off(const struct mw_load *l);
int mw_load_refused(const struct mw_load *l);
__u64 mw_load_verify_us(const struct mw_load *l);

#endif /* MODWATCH_PROBE_PROGS_H */
