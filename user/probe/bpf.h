/* SPDX-License-Identifier: GPL-2.0 */
/* The BPF object's lifecycle: open, configure, load, attach, destroy. */
#ifndef MODWATCH_PROBE_BPF_H
#define MODWATCH_PROBE_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "events.h"
#include "stats.h"
#include "stacks.h"

struct modwatch_bpf;
struct mw_kernel;
struct mw_load;
struct bpf_program;

/* Which of the object's programs a load verifies (choose_for_tests() says why). */
enum mw_prog_set {
	MW_PROGS_SESSION,	/* a session's: never the unit tests' mw_test_* entries */
	MW_PROGS_UNIT,		/* the unit tests': raw_tp programs only, no kprobe */
	MW_PROGS_ALL,		/* every program, whatever the kernel and options */
};

struct mw_config {
	__u32 max_objects;
	__u32 quarantine;
	__u32 ringbuf_kb;
	bool exclude_self;	/* off only in unit tests, which drive the hooks themselves */
	bool image_not_heap;	/* off only in unit tests, whose fake objects live in the image */
	enum mw_prog_set progs;	/* which programs a load verifies: MW_PROGS_SESSION but in unit tests */
	bool every;		/* --every: report every occurrence (no deduplication) */
	bool strict;		/* --strict: warnings fail CI mode too */
	bool probe_global;	/* --probe-mode global: kprobes on exported functions */
	bool crash_log;		/* reports a crash may follow go to the console too (crashlog.c) */
	bool prog_stats;	/* --prog-stats: the kernel times each BPF program's runs */
	bool storm;		/* modwatch storm: load the report generator */
	bool deep;		/* --deep: the probes on watched modules' own memory accesses */
	/* --kind, --pid, --comm: only these reports are made (0, "": no filter). */
	__u32 only_kinds;	/* 1 << enum mw_kind */
	__u32 only_tgid;
	char only_comm[MW_COMM_LEN];
	/* --stacks, --stack-depth, --stack-entries (stack_maps.c) */
	__u32 stacks;		/* MW_STACKS_* */
	__u32 stack_depth;	/* frames shown, 0: no stacks */
	__u32 stack_entries;	/* distinct stacks kept */
};
void mw_config_default(struct mw_config *cfg);

int mw_bpf_load(struct modwatch_bpf **skel, const struct mw_config *cfg,
		const struct mw_kernel *k, struct mw_load *l);
int mw_bpf_attach(struct modwatch_bpf *skel);
int mw_bpf_attach_global(struct modwatch_bpf *skel, const struct mw_kernel *k);
void mw_bpf_destroy(struct modwatch_bpf *skel);
void mw_bpf_set_kinds(struct modwatch_bpf *skel, __u32 only_kinds);
void mw_bpf_set_rules_off(struct modwatch_bpf *skel, __u32 off);
struct bpf_program;
bool mw_bpf_loaded(const struct bpf_program *prog);
__u64 mw_bpf_stat(struct modwatch_bpf *skel, __u32 id);

/* One BPF program's runs and the time spent in them, by the kernel's count. */
struct mw_prog_stat {
	char name[32];
	__u64 runs;
	__u64 run_ns;
};
int mw_bpf_prog_stats(struct modwatch_bpf *skel, struct mw_prog_stat *out, int max);
int mw_bpf_stats(struct modwatch_bpf *skel, __u64 stats[MW_STAT_NR]);

struct mw_map_info {
	const char *name;
	__u32 entries;
	__u64 bytes;		/* the kernel's count (fdinfo memlock) */
	__s64 used;		/* entries now (mw_bpf_maps(count)), -1: not counted */
};
#define MW_MAX_MAPS 40
int mw_bpf_maps(struct modwatch_bpf *skel, struct mw_map_info *info, int max, bool count);

#endif /* MODWATCH_PROBE_BPF_H */
