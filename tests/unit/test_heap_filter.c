// SPDX-License-Identifier: GPL-2.0
/*
 * The counting filter in front of the live objects, the quarantine and the
 * reused records: every record counted once in its slot while it is in one
 * of the maps, so that
 * a zero slot answers the kernel-wide kmem hooks without a hash lookup, and
 * never lower than the truth (a record the filter denied would be missed).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "heap.h"
#include "fixture.h"
#include "test.h"

static struct fx fx;

/* The summary's count for @ptr's slot. */
static __u32 summary_count(__u64 ptr)
{
	__u32 slot = mw_filter_slot(ptr, fx.skel->rodata->mw_heap_filter_mask) &
		     (MW_SUMMARY_SLOTS - 1);

	return (__u16)(fx.skel->bss->mw_heap_summary[mw_filter_word(slot)] >>
		       mw_filter_shift(slot));
}

static __u32 slot_count(__u64 ptr)
{
	__u32 slot = mw_filter_slot(ptr, fx.skel->rodata->mw_heap_filter_mask);
	__u32 i = mw_filter_word(slot);
	__u64 n = ~0ull;

	bpf_map_lookup_elem(bpf_map__fd(fx.skel->maps.mw_heap_filter), &i, &n);
	return (__u16)(n >> mw_filter_shift(slot));
}

/* The sum over all slots, lane by lane. */
static __u64 filter_total(void)
{
	int fd = bpf_map__fd(fx.skel->maps.mw_heap_filter);
	__u32 i, lane, words = bpf_map__max_entries(fx.skel->maps.mw_heap_filter);
	__u64 sum = 0, n;

	for (i = 0; i < words; i++)
		if (!bpf_map_lookup_elem(fd, &i, &n))
			for (lane = 0; lane < MW_FILTER_LANES; lane++)
				sum += (__u16)(n >> (16 * lane));
	return sum;
}

/* The summary's lanes, summed: the same records as the filter's. */
static __u64 summary_total(void)
{
	__u32 i, lane;
	__u64 sum = 0;

	for (i = 0; i < MW_SUMMARY_WORDS; i++)
		for (lane = 0; lane < MW_FILTER_LANES; lane++)
			sum += (__u16)(fx.skel->bss->mw_heap_summary[i] >> (16 * lane));
	return sum;
}

TEST(the_heap_filter_counts_a_record_once_through_its_whole_life)
{
	FX_SETUP(&fx, NULL);
	ASSERT_EQ(filter_total(), 0, "empty at start");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(1), 64);
	ASSERT_EQ(slot_count(OBJ(1)), 1, "live");
	ASSERT_EQ(summary_count(OBJ(1)), 1, "in the summary too");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(1), 64);	/* its free was missed: tracked anew */
	ASSERT_EQ(slot_count(OBJ(1)), 1, "a record replaced is not a second record");
	fx_kfree(&fx, SITE_FREE1, OBJ(1));
	ASSERT_TRUE(fx_is_quarantined(&fx, OBJ(1)), "quarantined");
	ASSERT_EQ(slot_count(OBJ(1)), 1, "moved from live to quarantine: still one");
	fx_kmalloc(&fx, SITE_CORE, OBJ(1), 64);
	ASSERT_TRUE(!fx_is_quarantined(&fx, OBJ(1)), "core code got the memory");
	ASSERT_EQ(slot_count(OBJ(1)), 1, "a reused record now: still one (core code's free must find it)");
	fx_kfree(&fx, SITE_CORE, OBJ(1));
	ASSERT_TRUE(fx_is_quarantined(&fx, OBJ(1)), "its new owner freed it: back in quarantine");
	ASSERT_EQ(slot_count(OBJ(1)), 1, "counted again");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(1), 64);
	ASSERT_TRUE(fx_is_live(&fx, OBJ(1)), "the module's own again");
	ASSERT_EQ(filter_total(), 1, "one record, one count, nothing else");
	ASSERT_EQ(summary_total(), 1, "and one in the summary");
	fx_kfree(&fx, SITE_CORE, OBJ(1));
	ASSERT_TRUE(fx_is_quarantined(&fx, OBJ(1)), "core code's free of a live object passes the filter");
	ASSERT_EQ(fx_drain(&fx), 0, "nothing to report");
	fx_teardown(&fx);
}

/* Unwatched traffic at addresses nobody tracks leaves the filter as it was. */
TEST(allocations_and_frees_no_module_made_leave_the_filter_empty)
{
	int i;

	FX_SETUP(&fx, NULL);
	for (i = 0; i < 64; i++) {
		fx_kmalloc(&fx, SITE_CORE, OBJ(200 + i), 32);
		fx_kfree(&fx, SITE_CORE, OBJ(200 + i));
	}
	ASSERT_EQ(filter_total(), 0, "nothing counted");
	ASSERT_EQ(fx_stat(&fx, MW_STAT_QUARANTINE_INSERTS), 0, "nothing quarantined");
	fx_teardown(&fx);
}

/*
 * LRU evictions from the quarantine tell nobody: their slots stay high.
 * What matters is that every record still there has a non-zero slot.
 */
TEST(evicted_records_leave_slots_high_never_low)
{
	struct mw_config cfg;
	__u64 key, next, *prev = NULL;
	int fd, i, seen = 0;

	fx_config(&cfg);
	cfg.quarantine = 8;
	FX_SETUP(&fx, &cfg);
	for (i = 0; i < 40; i++) {
		fx_kmalloc(&fx, SITE_ALLOC, OBJ(100 + i), 8);
		fx_kfree(&fx, SITE_FREE1, OBJ(100 + i));
	}
	fd = bpf_map__fd(fx.skel->maps.mw_quarantine);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		ASSERT_GT(slot_count(key), 0, "a quarantined record's slot");
		ASSERT_TRUE(summary_count(key) >= slot_count(key), "its summary: no lower");
		seen++;
	}
	ASSERT_GT(seen, 0, "records left to check");
	ASSERT_EQ(filter_total(), 40, "one count per record ever quarantined: evictions leak");
	ASSERT_EQ(summary_total(), 40, "the summary, the same");
	fx_teardown(&fx);
}

TEST(the_filter_grows_with_the_maps_it_stands_for)
{
	struct mw_config cfg;

	FX_SETUP(&fx, NULL);
	ASSERT_EQ(bpf_map__max_entries(fx.skel->maps.mw_heap_filter), 131072 / MW_FILTER_LANES,
		  "defaults: 2 x (32768 + 16384 + 8192) slots, rounded up to a power of two");
	ASSERT_EQ(fx.skel->rodata->mw_heap_filter_mask, 131071, "its mask");
	fx_teardown(&fx);
	fx_config(&cfg);
	cfg.max_objects = 100000;
	FX_SETUP(&fx, &cfg);
	ASSERT_EQ(bpf_map__max_entries(fx.skel->maps.mw_heap_filter), 262144 / MW_FILTER_LANES,
		  "2 x (100000 + 16384 + 8192) slots rounded up");
	ASSERT_EQ(fx.skel->rodata->mw_heap_filter_mask, 262143, "its mask");
	fx_teardown(&fx);
}
