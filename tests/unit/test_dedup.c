// SPDX-License-Identifier: GPL-2.0
/*
 * Deduplication, through the real programs: the first report per (kind,
 * module, site, key) goes out, the others are counted in mw_dedup and read
 * back by the daemon's repeat scan; a report lost to a full ring buffer is
 * made again by the next occurrence; --every reports them all.
 */
#include <string.h>
#include "events.h"
#include "stats.h"
#include "fixture.h"
#include "test.h"
#include "session/repeats.h"

static struct fx fx;

static void setup(bool every, __u32 ringbuf_kb)
{
	struct mw_config cfg;

	fx_config(&cfg);
	cfg.every = every;
	cfg.ringbuf_kb = ringbuf_kb;
	if (fx_setup(&fx, &cfg))
		fx_teardown(&fx);
}

/* Object i allocated at SITE_ALLOC, freed at SITE_FREE1, then again at @second. */
static void double_free(int i, __u64 second)
{
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(i), 8);
	fx_kfree(&fx, SITE_FREE1, OBJ(i));
	fx_kfree(&fx, second, OBJ(i));
}

/* What a repeat scan saw: the keys that grew, and by how much in all. */
struct scan {
	int keys;
	__u64 more, total;
	struct mw_dedup_key last;
};

static void on_repeat(void *ctx, const struct mw_dedup_key *k, __u64 more, __u64 total)
{
	struct scan *s = ctx;

	s->keys++;
	s->more += more;
	s->total = total;
	s->last = *k;
}

TEST(repeats_are_counted_not_reported)
{
	struct mw_repeats *r = mw_repeats_new();
	struct scan sc = {};
	int i;

	setup(false, 1024);
	ASSERT_TRUE(fx.skel && r, "loading the BPF object");
	for (i = 0; i < 100; i++)
		double_free(i, SITE_FREE2);
	ASSERT_EQ(fx_drain(&fx), 1, "one report for 100 double frees at the same sites");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_DOUBLE_FREE, "it is the double free");
	mw_repeats_scan(r, fx.skel, on_repeat, &sc);
	ASSERT_EQ(sc.keys, 1, "one key repeated");
	ASSERT_EQ(sc.more, 99, "the other 99, counted");
	ASSERT_EQ(sc.total, 100, "100 occurrences in all");
	ASSERT_EQ(sc.last.site, SITE_FREE2, "keyed by the second free's site");
	ASSERT_EQ(sc.last.key, SITE_FREE1, "and the first free's");
	ASSERT_EQ(sc.last.kind, MW_DOUBLE_FREE, "and the kind");
	for (i = 100; i < 150; i++)
		double_free(i, SITE_FREE2);
	memset(&sc, 0, sizeof(sc));
	mw_repeats_scan(r, fx.skel, on_repeat, &sc);
	ASSERT_EQ(sc.more, 50, "a later scan says only what grew since");
	ASSERT_EQ(sc.total, 150, "of 150");
	memset(&sc, 0, sizeof(sc));
	mw_repeats_scan(r, fx.skel, on_repeat, &sc);
	ASSERT_EQ(sc.keys, 0, "nothing grew: nothing said");
	ASSERT_EQ(fx_drain(&fx), 0, "and no report either");
	mw_repeats_free(r);
	fx_teardown(&fx);
}

TEST(each_key_is_reported_once)
{
	int i;

	setup(false, 1024);
	ASSERT_TRUE(fx.skel, "loading the BPF object");
	for (i = 0; i < 30; i++)
		double_free(i, i % 3 ? SITE_FREE2 : SITE_ALLOC);	/* two second-free sites */
	ASSERT_EQ(fx_drain(&fx), 2, "one report per second-free site");
	ASSERT_TRUE(fx.events[0].hdr.site != fx.events[1].hdr.site, "at different sites");
	fx_teardown(&fx);
}

TEST(every_reports_each_occurrence)
{
	int i;

	setup(true, 1024);
	ASSERT_TRUE(fx.skel, "loading the BPF object");
	for (i = 0; i < 20; i++)
		double_free(i, SITE_FREE2);
	ASSERT_EQ(fx_drain(&fx), 20, "--every: 20 reports");
	fx_teardown(&fx);
}

/*
 * A storm of distinct bugs fills a one-page ring buffer: the reports that
 * did not fit are counted as lost, and their keys stay unsent, so the next
 * occurrence of each is reported once the daemon has read the buffer.
 */
TEST(a_lost_first_report_is_made_by_the_next_occurrence)
{
	const int n = 100;
	int i, round, read, reported = 0, lost = 0;

	setup(false, 4);
	ASSERT_TRUE(fx.skel, "loading the BPF object");
	for (round = 0; round < 10 && reported < n; round++) {
		/* each object at its own second-free site: n keys, every round again */
		for (i = 0; i < n; i++)
			double_free(round * n + i, SITE_FREE2 + 16 * i);
		read = fx_drain(&fx);
		ASSERT_GT(read, 0, "reports that fit in this round");
		if (!round)
			ASSERT_GT(n - read, 0, "reports that did not fit at first");
		lost += n - reported - read;	/* the keys still unsent tried, and failed */
		reported += read;
	}
	ASSERT_EQ(reported, n, "each key reported exactly once in the end");
	ASSERT_EQ(fx_stat(&fx, MW_STAT_LOST_BASE + MW_DOUBLE_FREE), lost,
		  "every failed attempt counted as lost");
	fx_teardown(&fx);
}
