/* SPDX-License-Identifier: GPL-2.0 */
/* The Prometheus / OpenMetrics endpoint, served by its own thread. */
#ifndef MODWATCH_SERVICE_METRICS_H
#define MODWATCH_SERVICE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct mw_registry;
struct mw_suppression;
struct mw_map_info;
struct mw_load;

/* metrics.c: the Prometheus / OpenMetrics endpoint, served by its own thread. */
int mw_metrics_start(const char *listen);	/* "PORT" (127.0.0.1), "ADDR:PORT", "[IPv6]:PORT" */
int mw_metrics_port(void);			/* as bound (port 0: the kernel's pick) */
void mw_metrics_publish(const char *prom, size_t prom_len, const char *om, size_t om_len);
void mw_metrics_stop(void);
/*
 * Both renderings from one description: mw_metric_family() then its
 * samples, for each family, then mw_metric_end(). NAME is the family's
 * bare name: counters' samples get "_total", infos' "_info". TYPE is
 * "counter", "gauge" or "info"; LABELS 'k="v",k2="v2"' with each value
 * passed through mw_metric_label_escape(), or NULL.
 */
struct mw_mbuf {
	char *buf;		/* NUL-terminated; zeroed: empty */
	size_t len, cap;
	int err;		/* the first failure: the rendering is incomplete */
};
void mw_mbuf_reset(struct mw_mbuf *b);
void mw_mbuf_free(struct mw_mbuf *b);
void mw_metric_family(struct mw_mbuf *prom, struct mw_mbuf *om, const char *name,
		      const char *type, const char *help);
void mw_metric_sample(struct mw_mbuf *prom, struct mw_mbuf *om, const char *name,
		      const char *type, const char *labels, double value);
int mw_metric_end(struct mw_mbuf *prom, struct mw_mbuf *om);
int mw_metric_label_escape(char *dst, size_t size, const char *val);
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
int mw_metrics_render(const struct mw_metrics_view *v);

#endif /* MODWATCH_SERVICE_METRICS_H */
