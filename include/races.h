/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sharing of module objects (heap, or static data) between tasks through user copies: the
 * state bpf/races.bpf.h keeps per object for data_race (two copies in
 * flight at once on the same bytes, one writing the object) and
 * unprotected_shared_access (Eraser's lockset rule), and the access record
 * both reports carry.
 */
#ifndef MODWATCH_RACES_H
#define MODWATCH_RACES_H

#include "types.h"

/*
 * Locks named per access: the first this many a task holds, in acquire
 * order. An access under more is not used to narrow a lockset (a common
 * lock could be among those not kept) and is counted (lockset_partial).
 */
#define MW_RACE_LOCKS		4
/* Copies in flight on one object at once; one more is counted (race_slots_full). */
#define MW_RACE_SLOTS		2
/* Objects with sharing state; an object past it is counted (shares_full). */
#define MW_SHARES		4096

/*
 * Writable static objects of the watched modules (mw_statics: OBJECT
 * symbols of their .data and .bss, with sizes, from the .ko), each module's
 * sorted by address in one run of the array; the largest module of Debian's
 * (xfs) has about 1,600. Past it a module's statics are not watched, and
 * the daemon says so.
 */
#define MW_STATICS		16384

/*
 * mw_static_pages: page (address >> 12) -> the run of mw_statics that
 * touches it. Objects do not overlap, so those touching one page are
 * consecutive in address order: a binary search of at most
 * MW_STATIC_SEARCH steps finds the one holding an address.
 */
struct mw_static_page {
	__u32 first;
	__u32 count;
};
_Static_assert(sizeof(struct mw_static_page) == 8, "mw_static_page layout");
#define MW_STATIC_SEARCH	14	/* 2^14 == MW_STATICS */
_Static_assert(1u << MW_STATIC_SEARCH == MW_STATICS, "mw_statics search depth");

/* One user copy's access to a module object. */
struct mw_share_access {
	__u64 site;		/* the copy call */
	__u64 addr;		/* kernel side */
	__u64 len;
	__u64 ns;		/* when the call began */
	__u64 locks[MW_RACE_LOCKS];	/* lock addresses held, acquire order */
	__u32 tid;
	__u32 pid;
	__u32 dir;		/* enum mw_dir: MW_FROM_USER writes the object */
	__u32 nr_locks;		/* held, all of them (may exceed MW_RACE_LOCKS) */
	char comm[16];
	__u32 stack;		/* the call's kernel stack: mw_stacks id + 1, 0: none */
	__u32 __pad;
};
_Static_assert(sizeof(struct mw_share_access) == 104, "mw_access layout");

/*
 * A copy in flight on the object: claimed by its task (claim = tid), then
 * filled, then published (ready = the access's ns, an atomic exchange, a
 * full barrier); a task publishes its own slot before it looks at the
 * others, so of two overlapping copies at least one sees the other.
 */
struct mw_race_slot {
	__u64 ready;
	__u32 claim;
	__u32 __pad;
	struct mw_share_access a;
};

/* mw_share.state */
enum {
	/*
	 * One task at a time: the latest accessor owns it. A different task's
	 * access hands it over (Rust's Send: allocated or filled by one task,
	 * used by the next) unless that task is the one before the owner:
	 * then both use it, turns taken, and it is shared.
	 */
	MW_SHARE_EXCLUSIVE = 0,
	MW_SHARE_SHARED = 1,
};

/* mw_shares: object address -> its sharing state, for this lifetime of it. */
struct mw_share {
	__u64 alloc_ns;		/* the object's lifetime it belongs to */
	__u32 owner;		/* tid of the latest accessor */
	__u32 prev;		/* tid of the task it was handed over from, 0: none */
	__u32 state;		/* MW_SHARE_* */
	__u32 nr_common;	/* entries of common[]: locks held at every shared access */
	__u64 common[MW_RACE_LOCKS];
	__u32 written;		/* a shared access wrote the object */
	__u32 reported;		/* unprotected_shared_access was said for it */
	struct mw_share_access last[2];	/* the latest access; the other task's latest before it */
	struct mw_race_slot slot[MW_RACE_SLOTS];
};
_Static_assert(sizeof(struct mw_race_slot) == 16 + 104, "mw_race_slot layout");
_Static_assert(sizeof(struct mw_share) == 64 + 2 * 104 + MW_RACE_SLOTS * 120, "mw_share layout");

#endif /* MODWATCH_RACES_H */
