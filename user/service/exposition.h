/* SPDX-License-Identifier: GPL-2.0 */
/* The Prometheus text and OpenMetrics renderings, written side by side. */
#ifndef MODWATCH_SERVICE_EXPOSITION_H
#define MODWATCH_SERVICE_EXPOSITION_H

#include <stddef.h>

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

#endif /* MODWATCH_SERVICE_EXPOSITION_H */
