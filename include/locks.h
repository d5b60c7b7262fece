/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lock ownership: the records the lock rules keep (bpf/locks.bpf.h), shared
 * with the daemon, which reads mw_lock_owners when a module unloads
 * (lock_held_on_unload) and fills mw_callee_addrs.
 */
#ifndef MODWATCH_LOCKS_H
#define MODWATCH_LOCKS_H

#include "types.h"

/* Locks one task holds at once on its stack; more are counted (lock_stack_full). */
#define MW_LOCK_DEPTH		16
/* Lock calls of one task between the call and its return (irq handlers nest). */
#define MW_LOCK_PENDING		4
/*
 * Held locks a heap free can find, all tasks together: a lock lives in one of
 * MW_HELD_PROBES slots after its hash; when all are taken it is counted
 * (held_set_full) and only its own task's frees find it.
 */
#define MW_HELD_SLOTS		128
#define MW_HELD_BITS		7
#define MW_HELD_PROBES		4
/* Entries of the owner and lock-order maps (LRU: the oldest go first). */
#define MW_LOCK_OWNERS		8192
#define MW_LOCK_EDGES		8192

/*
 * The kprobe cookie of a lock site: its mw_sites index in the low 32 bits,
 * flags above. A lock site is probed twice, at the call instruction and at
 * the next one (site + 5, where the call has returned), with the same index;
 * a tail call (jmp), or a next instruction the kernel will not probe, has
 * no such probe and says so in its cookie (so does an allocation on the
 * module's behalf, whose result that probe would read).
 */
#define MW_LOCK_COOKIE_TAIL	(1ull << 32)

/*
 * mw_lock_owners: lock address -> who holds it, recorded when the acquiring
 * call returned. An exclusive hold (mutex, spinlock, write side) names its
 * task; read holds are only counted. site and module_id are those of the
 * latest acquire.
 */
struct mw_lock_owner {
	__u64 site;		/* the acquiring call instruction */
	__u32 tid;		/* exclusive holder; 0: not held exclusively */
	__u32 module_id;	/* registry id of the site's module */
	__u32 type;		/* enum mw_lock_type */
	__u32 readers;		/* read holds (rwlock, rwsem) */
	__u32 stack;		/* the latest acquire's kernel stack: mw_stacks id + 1, 0: none */
	__u32 __pad;
};
_Static_assert(sizeof(struct mw_lock_owner) == 32, "mw_lock_owner layout");

/* mw_lock_edges: lock b was taken while lock a was held. */
struct mw_lock_edge_key {
	__u64 a;
	__u64 b;
};

enum {
	/* An inversion of this pair was reported: report it once. */
	MW_EDGE_REPORTED = 1u << 0,
};

struct mw_lock_edge {
	__u64 site_a;		/* where a was taken */
	__u64 site_b;		/* where b was taken, a held */
	__u32 module_id;	/* of site_b */
	__u32 flags;		/* MW_EDGE_* */
	__u64 ns;		/* when first seen: the newest edge closes a cycle */
	__u32 stack_a;		/* the kernel stacks of the two acquires (id + 1, 0: none) */
	__u32 stack_b;
};
_Static_assert(sizeof(struct mw_lock_edge) == 40, "mw_lock_edge layout");

/* mw_lock_held.flags, mw_held_slot.flags */
enum {
	MW_HELD_READ = 1u << 0,			/* a read hold of an rwlock or rwsem */
	MW_HELD_RETURN_REPORTED = 1u << 1,	/* lock_held_on_return said so once */
	MW_HELD_SLEEP_REPORTED = 1u << 2,	/* sleep_in_atomic said so once */
	/*
	 * Bits 8..15: acquires of this exclusive hold the kernel let through
	 * while the task already held it (6.1's mutex hands a lock to its own
	 * owner when it wakes as the first waiter): each release takes one
	 * back before the hold itself goes. recursive_lock reported the first.
	 */
	MW_HELD_NEST_ONE = 1u << 8,
	MW_HELD_NEST_MASK = 0xffu << 8,
};

/* One lock a task holds, on its stack in acquire order. */
struct mw_lock_held {
	__u64 addr;
	__u64 site;
	__u32 module_id;
	__u16 type;		/* enum mw_lock_type */
	__u16 flags;		/* MW_HELD_* */
	__u32 stack;		/* the acquire's kernel stack (id + 1, 0: none) */
	__u32 sysid;		/* the system call it was taken in (mw_sysid()), 0: unknown */
	__u32 nr;		/* and that call's number */
	__u32 __pad;
};

/* mw_lock_pending.flags */
enum {
	MW_PEND_TAIL = 1u << 0,	/* no probe sees this call return */
};

/* A lock call that has not returned yet: the lock address is gone from rdi by then. */
struct mw_lock_pending {
	__u64 addr;
	__u64 site;
	__u32 module_id;
	__u16 callee;		/* enum mw_callee */
	__u16 flags;		/* MW_PEND_* */
	__u32 stack;		/* the call's kernel stack (id + 1, 0: none) */
	__u32 sysid;		/* the system call it was made in (mw_sysid()) */
	__u32 nr;
	__u32 __pad;
};

/* Per task (BPF task storage), created at its first lock call in a watched module. */
struct mw_lock_task {
	__u32 depth;		/* entries of held[] */
	__u32 npend;		/* entries of pend[] */
	__u32 scratch;		/* see mw_opaque() in bpf/locks.bpf.h */
	__u32 __pad;
	struct mw_lock_held held[MW_LOCK_DEPTH];
	struct mw_lock_pending pend[MW_LOCK_PENDING];
};
_Static_assert(sizeof(struct mw_lock_held) == 40, "mw_lock_held layout");
_Static_assert(sizeof(struct mw_lock_pending) == 40, "mw_lock_pending layout");

/* mw_held_slots: held locks by hash of their address, for heap frees. */
struct mw_held_slot {
	__u64 addr;		/* 0: free slot */
	__u64 site;
	__u32 tid;
	__u32 module_id;
	__u16 type;
	__u16 flags;		/* MW_HELD_READ */
	__u32 stack;		/* the acquire's kernel stack (id + 1, 0: none) */
};
_Static_assert(sizeof(struct mw_held_slot) == 32, "mw_held_slot layout");

/*
 * mw_static_locks: lock address -> a watched module's static lock, found in
 * its .ko ("mov $lock,%rdi" right before a lock call). When the module is
 * freed its lock words are read: a lock still held then is reported even
 * if no probe saw it taken (the exit function is notrace, say).
 */
#define MW_STATIC_LOCKS		4096

struct mw_static_lock {
	__u32 module_id;
	__u32 callee;		/* enum mw_callee of a call that takes or drops it: its type */
};
_Static_assert(sizeof(struct mw_static_lock) == 8, "mw_static_lock layout");

#endif /* MODWATCH_LOCKS_H */
