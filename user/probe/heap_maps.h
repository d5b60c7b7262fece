/* SPDX-License-Identifier: GPL-2.0 */
/* The heap tracker's maps, read back by the daemon. */
#ifndef MODWATCH_PROBE_HEAP_MAPS_H
#define MODWATCH_PROBE_HEAP_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct modwatch_bpf;

struct mw_alloc_group {
	__u32 module_id;
	__u32 __pad;
	__u64 site;		/* allocation site */
	__u64 count;
	__u64 bytes;		/* requested */
	__u64 first_ns;		/* the oldest allocation's time */
	bool vmalloc;		/* some of them are vmalloc areas */
};
#define MW_MAX_GROUPS 1024
void mw_heap_init(struct modwatch_bpf *skel);
int mw_heap_cache_name(__u64 cache, char *buf, size_t len);
int mw_heap_group_live(__u32 module_id, bool drop, struct mw_alloc_group *g, size_t max);
__u64 mw_heap_quarantined(void);
__u64 mw_heap_missed(void);
void mw_heap_sample_misses(void);
/*
 * The skip counts @missed ([0] allocations, [1] frees), as read at @now
 * (CLOCK_MONOTONIC ns): a growth since the last is a window of lost evidence.
 */
void mw_heap_note_misses(const __u64 missed[2], __u64 now);
void mw_heap_misses_reset(void);
void mw_heap_sample_misses_after(__u64 ns);
bool mw_heap_missed_since(bool frees, __u64 ns);

#endif /* MODWATCH_PROBE_HEAP_MAPS_H */
