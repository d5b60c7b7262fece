/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --deep: kprobes on a watched module's own loads and stores, each with the
 * descriptor the BPF side rebuilds its address from (include/deep.h).
 */
#ifndef MODWATCH_PROBE_DEEP_PROBES_H
#define MODWATCH_PROBE_DEEP_PROBES_H

#include <stdbool.h>
#include <linux/types.h>
#include "deep.h"
#include "ko/accesses.h"
#include "ko/ko_types.h"

struct modwatch_bpf;
struct mw_module;

/* What --deep found in a module's .ko and what it probes: the start line says it. */
struct mw_deep_tally {
	__u64 insns;			/* instructions decoded */
	__u64 reads, writes;		/* of the loads and stores found */
	__u64 classes[MW_ACC_NR];	/* memory operands, by what became of them */
	__u32 skipped[MW_SKIP_NR];	/* found, not probed here: patched, text end, full */
	__u32 refused;			/* probes the kernel refused to attach */
};

/* Which entries of the mw_access_descs map are taken. */
struct mw_deep_slots {
	bool used[MW_MAX_ACCESS_SITES];
	__u32 hint;
};

/*
 * Probes the accesses of @m's .ko at @ko_path in the functions matching one
 * of @globs (all when @nr_globs is 0), and says per class what it found and
 * left out; 0 or -errno (one line said). A probe the kernel refuses is
 * counted and said, never fatal.
 */
int mw_deep_attach(struct mw_deep_slots *ds, struct modwatch_bpf *skel, struct mw_module *m,
		   const char *ko_path, const char *const *globs, int nr_globs);
void mw_deep_detach(struct mw_deep_slots *ds, struct modwatch_bpf *skel, struct mw_module *m,
		    bool background);

#endif /* MODWATCH_PROBE_DEEP_PROBES_H */
