// SPDX-License-Identifier: GPL-2.0
/*
 * Runs of the kmem hooks the kernel skipped (BPF recursion: counted in each
 * program's recursion_misses) make a lifetime report "possible" only when a
 * skip was counted in the window its evidence spans: after the allocation
 * for a live object's report, after the free for a freed one's.
 */
#include "probe/heap_maps.h"
#include "test.h"

static void note(__u64 allocs, __u64 frees, __u64 now)
{
	const __u64 missed[2] = { allocs, frees };

	mw_heap_note_misses(missed, now);
}

TEST(a_skip_makes_only_the_evidence_after_it_possible)
{
	mw_heap_misses_reset();
	note(0, 0, 1000);
	ASSERT_TRUE(!mw_heap_missed_since(false, 500), "no skip yet");
	note(2, 0, 2000);	/* two allocations skipped between 1000 and 2000 */
	ASSERT_TRUE(mw_heap_missed_since(false, 1500), "a free at 1500: reuse may be unseen");
	ASSERT_TRUE(mw_heap_missed_since(false, 500), "a free long before: the same");
	ASSERT_TRUE(!mw_heap_missed_since(false, 2500), "a free after the skip was counted");
	ASSERT_TRUE(!mw_heap_missed_since(true, 500), "the free path skipped nothing");
	note(2, 0, 3000);
	ASSERT_TRUE(!mw_heap_missed_since(false, 2500), "no growth since: still complete");
	note(2, 1, 4000);
	ASSERT_TRUE(mw_heap_missed_since(true, 3500), "a free skipped after 3500");
	ASSERT_TRUE(!mw_heap_missed_since(false, 3500), "the allocation path did not grow");
	mw_heap_misses_reset();
}
