// SPDX-License-Identifier: GPL-2.0
/*
 * The report latency histogram (user/report/latency.c): quantiles within 1/16 of
 * the exact value at every scale, never above the largest value seen.
 */
#include <string.h>
#include "report/latency.h"
#include "test.h"

/* Is @got within [want, want + want/16]: rounded up to its bucket's top? */
static bool close_above(__u64 got, __u64 want)
{
	return got >= want && got <= want + want / MW_LAT_SUB;
}

TEST(latency_quantiles_are_within_a_sixteenth_at_every_scale)
{
	static struct mw_latency l;
	__u64 scale, i;

	for (scale = 1; scale <= 1000000; scale *= 1000) {
		memset(&l, 0, sizeof(l));
		for (i = 1; i <= 1000; i++)
			mw_latency_add(&l, i * scale);
		ASSERT_EQ(l.n, 1000, "samples");
		ASSERT_EQ(l.max, 1000 * scale, "maximum");
		ASSERT_TRUE(close_above(mw_latency_quantile(&l, 0.50), 500 * scale), "p50");
		ASSERT_TRUE(close_above(mw_latency_quantile(&l, 0.99), 990 * scale), "p99");
		ASSERT_EQ(mw_latency_quantile(&l, 1.0), 1000 * scale, "p100 is the maximum");
	}
}

TEST(latency_small_values_are_exact_and_an_empty_histogram_says_zero)
{
	static struct mw_latency l;

	ASSERT_EQ(mw_latency_quantile(&l, 0.5), 0, "no samples");
	mw_latency_add(&l, 3);
	mw_latency_add(&l, 7);
	ASSERT_EQ(mw_latency_quantile(&l, 0.5), 3, "p50 of {3, 7}");
	ASSERT_EQ(mw_latency_quantile(&l, 0.99), 7, "p99 of {3, 7}");
	/* the largest value a u64 holds lands in the last bucket, not past it */
	mw_latency_add(&l, ~0ull);
	ASSERT_EQ(mw_latency_quantile(&l, 1.0), ~0ull, "the maximum");
}
