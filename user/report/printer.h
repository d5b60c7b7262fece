/* SPDX-License-Identifier: GPL-2.0 */
/* The report printers: plain text, JSON lines and KASAN's layout. */
#ifndef MODWATCH_REPORT_PRINTER_H
#define MODWATCH_REPORT_PRINTER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <stdio.h>
#include "events.h"

struct mw_registry;
struct mw_module;
struct mw_alloc_group;
struct mw_prog_stat;
struct mw_latency;
struct mw_suppression;
struct mw_load;
struct mw_map_info;
struct mw_edge;

struct mw_summary {
	struct mw_registry *reg;
	const __u64 *stats;	/* MW_STAT_NR counters */
	__u64 violations;
	__u64 warnings;
	__u64 repeats;		/* occurrences counted, not reported again */
	__u64 runtime_ns;
	__u64 quarantine_evicted;	/* freed objects forgotten before reuse */
	__u64 missed;		/* heap hook runs the kernel skipped */
	const struct mw_alloc_group *live;	/* live objects by module and site */
	size_t nr_live;
	const struct mw_prog_stat *progs;	/* --prog-stats: programs that ran */
	int nr_progs;
	const struct mw_latency *latency;	/* of the reports written */
	__u64 storm;		/* modwatch storm: reports the generator made */
	__u64 storm_rate;	/* and the rate it was asked for (0: unpaced) */
	__u64 storm_ns;		/* from its first report to the last one written */
	const struct mw_suppression *supp;	/* --suppress rules and what each kept out */
	int nr_supp;
	__u64 output_dropped;	/* report lines the output refused and could not keep */
	const struct mw_load *load;	/* the programs this kernel refused, and the rules off */
};

struct mw_start {
	struct mw_registry *reg;
	const struct mw_map_info *maps;
	int nr_maps;
	const char *kernel;	/* release */
};

struct mw_printer {
	void (*start)(FILE *out, const struct mw_start *s);
	void (*violation)(FILE *out, struct mw_registry *reg, const struct mw_event *e);
	void (*lost)(FILE *out, __u64 new_lost, __u64 total_lost);
	void (*module)(FILE *out, const struct mw_module *m);	/* loaded or unloaded */
	void (*live)(FILE *out, struct mw_registry *reg, const struct mw_alloc_group *g, size_t n);
	/* lock_order_inversion through three or more locks, found from the edges */
	void (*cycle)(FILE *out, struct mw_registry *reg, const struct mw_edge *e, const int *path,
		      int len);
	/* @more new repeats of the report with dedup key @k, @total occurrences in all */
	void (*repeat)(FILE *out, struct mw_registry *reg, const struct mw_dedup_key *k, __u64 more,
		       __u64 total);
	void (*summary)(FILE *out, const struct mw_summary *s);
};

#endif /* MODWATCH_REPORT_PRINTER_H */
