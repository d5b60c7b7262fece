/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters the BPF side keeps per CPU (a per-CPU array indexed by these ids)
 * so that nothing it drops is dropped silently. The daemon sums them.
 */
#ifndef MODWATCH_STATS_H
#define MODWATCH_STATS_H

#include "events.h"

#define MW_STATS(X)								\
	X(OBJECTS_FULL,		objects_full,	"allocations not tracked: object table full") \
	X(QUARANTINE_FULL,	quarantine_full, "frees not quarantined: quarantine insert failed") \
	X(EPOCH_FULL,		epoch_full,	"fetches not remembered: more than 8 in one syscall") \
	X(EPOCH_NO_STORAGE,	epoch_no_storage, "fetches not remembered: no task storage") \
	X(QUARANTINE_INSERTS,	quarantine_inserts, "objects quarantined") \
	X(QUARANTINE_REUSED,	quarantine_reused, "quarantined addresses handed out again") \
	X(SNAPSHOTS_FULL,	snapshots_full,	"allocations without a snapshot: table full") \
	X(CACHES_FULL,		caches_full,	"module caches not resolved: table full") \
	X(LOCK_STACK_FULL,	lock_stack_full, "held locks not on their task's stack: more than 16") \
	X(HELD_SET_FULL,	held_set_full,	"held locks a heap free cannot find: held-lock table crowded") \
	X(LOCK_UNTRACKED,	lock_untracked,	"lock calls not tracked: no task storage or outcome unseen") \
	X(RECORDS_LOST,		records_lost,	"module events not queued (unloads found by polling instead)") \
	X(REUSED_RETURNED,	reused_returned, "handed-out addresses freed by their new owner (quarantined again)") \
	X(REUSED_FULL,		reused_full,	"handed-out addresses forgotten: reused table full") \
	X(STACKS_FULL,		stacks_full,	"stacks not kept: their stack table bucket held another") \
	X(STACKS_FAILED,	stacks_failed,	"stacks not kept: the kernel could not walk them") \
	X(SHARES_FULL,		shares_full,	"objects whose sharing between tasks is not followed: table full") \
	X(RACE_SLOTS_FULL,	race_slots_full, "copies not checked for overlap: two others in flight on the object") \
	X(LOCKSET_PARTIAL,	lockset_partial, "shared accesses under more than 4 locks: lockset not narrowed")

#define MW_STAT_ENUM(up, low, desc) MW_STAT_##up,
enum mw_stat {
	MW_STATS(MW_STAT_ENUM)
	/* Ring buffer reserve failures, one counter per violation kind. */
	MW_STAT_LOST_BASE,
	MW_STAT_NR = MW_STAT_LOST_BASE + MW_KIND_NR,
};
#undef MW_STAT_ENUM

#endif /* MODWATCH_STATS_H */
