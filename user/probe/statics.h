/* SPDX-License-Identifier: GPL-2.0 */
/* A module's writable static objects, for the race rules. */
#ifndef MODWATCH_PROBE_STATICS_H
#define MODWATCH_PROBE_STATICS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "races.h"

struct modwatch_bpf;
struct mw_module;
struct mw_sym;

/* Which entries of the mw_statics map are taken, by which module's run. */
struct mw_static_slots {
	bool used[MW_STATICS];
};

struct mw_static_range {
	__u64 addr;
	__u64 size;
	char name[64];
};
struct mw_ko;
void mw_statics_add(struct mw_static_slots *ss, struct modwatch_bpf *skel, struct mw_module *m,
		    const struct mw_ko *ko);
void mw_statics_drop(struct mw_static_slots *ss, struct modwatch_bpf *skel, struct mw_module *m);
/* @m's objects are @r[0..n), sorted, not overlapping (taken over, freed on drop); 0 or -errno. */
int mw_statics_set(struct mw_static_slots *ss, struct modwatch_bpf *skel, struct mw_module *m,
		   struct mw_static_range *r, __u32 n);
/*
 * The watched module's static object at @addr, named from its .ko (Debian's
 * kallsyms has no module data: no CONFIG_KALLSYMS_ALL); -ENOENT if none.
 */
int mw_statics_resolve(__u64 addr, struct mw_sym *sym);
/* @addr as a data symbol: kallsyms, else a watched module's static object. */
int mw_ksym_resolve_data(__u64 addr, struct mw_sym *sym);

#endif /* MODWATCH_PROBE_STATICS_H */
