/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metric families modwatch publishes on its endpoint (the server is
 * service/metrics_http.h: start and stop it there).
 */
#ifndef MODWATCH_SERVICE_METRICS_H
#define MODWATCH_SERVICE_METRICS_H

#include <stdbool.h>
#include <linux/types.h>

struct mw_registry;
struct mw_suppression;
struct mw_map_info;
struct mw_load;

/* What modwatch's metrics say, gathered by the session each second. */
struct mw_metrics_view {
	struct mw_registry *reg;
	const __u64 *stats;		/* MW_STAT_NR counters */
	const char *kernel;		/* release */
	__u64 start_time;		/* Unix seconds */
	double uptime;			/* seconds */
	__u64 missed;			/* heap hook runs skipped */
	const struct mw_suppression *supp;
	int nr_supp;
	const char *output;		/* the report stream: "stdout" or "file" */
	__u64 output_dropped;
	bool journal;
	__u64 journal_dropped;
	const struct mw_map_info *maps;
	int nr_maps;
	__u64 reloads, reload_failures;
	const struct mw_load *load;	/* the programs this kernel refused, and the rules off */
};
/* Render them in both formats and publish them to the endpoint (a no-op while it is off). */
int mw_metrics_render(const struct mw_metrics_view *v);

#endif /* MODWATCH_SERVICE_METRICS_H */
