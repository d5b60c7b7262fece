/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-copy epochs: what a task fetched from user space through watched
 * modules during its current call into one (struct mw_call). Kept in BPF
 * task storage, created on a task's first fetch and begun anew at the first
 * fetch of its next call.
 */
#ifndef MODWATCH_USERCOPY_H
#define MODWATCH_USERCOPY_H

#include "types.h"

/* Fetches remembered per call; more are counted (epoch_full), not kept. */
#define MW_EPOCH_FETCHES	8
/* Bytes of each fetch kept to tell whether a second fetch saw other data. */
#define MW_SNAP_LEN		64

/* mw_double_fetch.changed */
enum {
	MW_CHANGED_NO = 0,
	MW_CHANGED_YES = 1,
	MW_CHANGED_UNKNOWN = 2,	/* user memory was not readable at one fetch */
};

struct mw_fetch {
	__u64 start;		/* user address */
	__u64 len;
	__u64 site;
	__u32 snap_len;		/* bytes of snap[] that hold user data */
	__u32 __pad;
	__u8 snap[MW_SNAP_LEN];	/* the first bytes as the fetch began */
};

/*
 * The fetches of one call into a watched module (struct mw_call's gen: a
 * new system call is always a new call): a fetch in another call starts
 * the epoch anew.
 */
struct mw_epoch {
	__u32 nr;		/* fetches in f[] */
	__u32 gen;		/* the call's mw_call.gen */
	struct mw_fetch f[MW_EPOCH_FETCHES];
};
_Static_assert(sizeof(struct mw_fetch) == 96, "mw_fetch layout");
_Static_assert(sizeof(struct mw_epoch) == 8 + 8 * 96, "mw_epoch layout");

/*
 * The user copy a task is in, for what happens around the copy call:
 * hardened usercopy's __check_object_size() call before it checked the
 * kernel side already (MW_COPY_CHECKED: the copy's own probe skips it), and
 * a copy that touches a live tracked object is checked again when it
 * returns (MW_COPY_IN_FLIGHT): a page fault in the copy (userfaultfd,
 * FUSE) can block it while another task frees the object.
 */
enum {
	MW_COPY_CHECKED = 1u << 0,
	MW_COPY_IN_FLIGHT = 1u << 1,
	MW_COPY_TO_USER = 1u << 2,
};

struct mw_copy {
	__u64 kaddr;		/* kernel side */
	__u64 len;
	__u64 site;		/* the copy call (MW_COPY_IN_FLIGHT) */
	__u64 obj;		/* the live object it touches: address ... */
	__u64 alloc_ns;		/* ... and lifetime */
	__u64 call_ns;
	__u32 flags;		/* MW_COPY_* */
	__u32 race_slot;	/* the mw_shares slot of race_obj this copy holds, + 1; 0: none */
	__u64 race_obj;
};
_Static_assert(sizeof(struct mw_copy) == 64, "mw_copy layout");

/* What the system call in progress declared about user memory. */
/* The system call a task is in, from its saved user registers. */
struct mw_syscall {
	__u64 nr;
	__u64 arg[3];
	__u32 id;		/* mw_sysid(): which call of the task this is */
	__u32 __pad;
};

#endif /* MODWATCH_USERCOPY_H */
