/* SPDX-License-Identifier: GPL-2.0 */
/* The session's reports, kept for the CI report files (junit.c, sarif.c). */
#ifndef MODWATCH_FINDINGS_H
#define MODWATCH_FINDINGS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "events.h"

struct mw_registry;

/* A code address as reports name it. */
struct mw_place {
	__u64 addr;
	char module[64];	/* "" for core kernel */
	char func[128];		/* "" when kallsyms does not know it */
	__u64 offset;
	char *file;		/* the module's source line for it, if its DWARF says */
	int line;
	const char *what;	/* "allocated here", ... */
};

/* A kernel stack of a finding: its frames as places, innermost first. */
struct mw_trace {
	const char *what;	/* "call trace", "allocated by", "freed by" */
	struct mw_place *frames;
	int nr;
};
#define MW_FINDING_TRACES 3

struct mw_finding {
	__u32 kind;		/* enum mw_kind */
	bool warning;		/* severity warning (MW_EV_WARNING) */
	char module[64];
	char *message;		/* the text report, without its time stamp */
	char *detail;		/* the report in KASAN's layout, stacks included; may be NULL */
	struct mw_place site;
	struct mw_place related[2];
	int nr_related;
	struct mw_trace traces[MW_FINDING_TRACES];	/* the kernel stacks modwatch kept */
	int nr_traces;
};

struct mw_findings {
	struct mw_finding *items;
	size_t nr, cap;
	__u64 dropped;		/* past the limit */
};

int mw_findings_add(struct mw_findings *fs, struct mw_registry *reg, const struct mw_event *e);
struct mw_edge;
int mw_findings_add_cycle(struct mw_findings *fs, struct mw_registry *reg,
			  const struct mw_edge *e, const int *path, int len);
void mw_findings_free(struct mw_findings *fs);
void mw_place_format(const struct mw_place *p, char *buf, size_t len);

/* What a CI report file covers besides the findings. */
struct mw_ci_run {
	const struct mw_findings *findings;
	struct mw_registry *reg;	/* the watched modules: one test suite each */
	__u64 only_kinds;		/* --kind: bit per kind, 0 for all */
	bool strict;			/* warnings fail too */
	double seconds;
	const char *source_root;	/* SARIF: file paths under it become relative */
};

FILE *mw_ci_open(const char *path);
int mw_ci_close(FILE *out);

#endif /* MODWATCH_FINDINGS_H */
