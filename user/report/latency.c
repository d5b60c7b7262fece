// SPDX-License-Identifier: GPL-2.0
/*
 * How late reports reach the output: from the violation's timestamp (BPF's
 * bpf_ktime_get_ns(), CLOCK_MONOTONIC) to the moment the line was flushed.
 * A log-linear histogram, 16 steps per power of two: quantiles to within
 * 1/16 in constant memory, however long the session runs.
 */
#include "report/latency.h"

static __u32 bucket_of(__u64 v)
{
	__u32 shift;

	if (v < MW_LAT_SUB)
		return v;
	shift = 63 - __builtin_clzll(v) - MW_LAT_SUB_BITS;
	return (shift + 1) * MW_LAT_SUB + ((v >> shift) & (MW_LAT_SUB - 1));
}

/* The largest value that falls in bucket @b. */
static __u64 bucket_top(__u32 b)
{
	__u32 shift;

	if (b < MW_LAT_SUB)
		return b;
	shift = b / MW_LAT_SUB - 1;
	return ((__u64)(MW_LAT_SUB + b % MW_LAT_SUB) << shift) + (1ull << shift) - 1;
}

void mw_latency_add(struct mw_latency *l, __u64 ns)
{
	l->b[bucket_of(ns)]++;
	l->n++;
	if (ns > l->max)
		l->max = ns;
}

/* The @q quantile (0 < q <= 1), rounded up to its bucket's top, never above the maximum. */
__u64 mw_latency_quantile(const struct mw_latency *l, double q)
{
	__u64 rank = (__u64)(q * l->n + 0.999999), seen = 0;
	__u32 b;

	if (!l->n)
		return 0;
	if (!rank)
		rank = 1;
	for (b = 0; b < MW_LAT_BUCKETS; b++) {
		seen += l->b[b];
		if (seen >= rank)
			return bucket_top(b) < l->max ? bucket_top(b) : l->max;
	}
	return l->max;
}
