/* SPDX-License-Identifier: GPL-2.0 */
/* From a violation's timestamp to its line being written. */
#ifndef MODWATCH_REPORT_LATENCY_H
#define MODWATCH_REPORT_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define MW_LAT_SUB_BITS	4
#define MW_LAT_SUB	(1u << MW_LAT_SUB_BITS)
#define MW_LAT_BUCKETS	((64 - MW_LAT_SUB_BITS + 1) * MW_LAT_SUB)
struct mw_latency {
	__u64 n;
	__u64 max;
	__u64 b[MW_LAT_BUCKETS];
};
void mw_latency_add(struct mw_latency *l, __u64 ns);
__u64 mw_latency_quantile(const struct mw_latency *l, double q);

#endif /* MODWATCH_REPORT_LATENCY_H */
