/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-copy epochs: what a task fetched from user space through watched
 * modules during its current system call. Kept in BPF task storage, created
 * on a task's first fetch and emptied at sys_exit.
 */
#ifndef MODWATCH_USERCOPY_H
#define MODWATCH_USERCOPY_H

#include "types.h"

/* Fetches remembered per syscall; more are counted (epoch_full), not kept. */
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

struct mw_epoch {
	__u32 nr;		/* fetches in f[] */
	__u32 __pad;
	struct mw_fetch f[MW_EPOCH_FETCHES];
};
_Static_assert(sizeof(struct mw_fetch) == 96, "mw_fetch layout");
_Static_assert(sizeof(struct mw_epoch) == 8 + 8 * 96, "mw_epoch layout");

/* What the system call in progress declared about user memory. */
struct mw_syscall {
	__u64 nr;
	__u64 arg[3];
};

#endif /* MODWATCH_USERCOPY_H */
