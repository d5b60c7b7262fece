/* SPDX-License-Identifier: GPL-2.0 */
/* Lock names, the locks a module holds as it unloads, and lock-order cycles. */
#ifndef MODWATCH_PROBE_LOCK_MAPS_H
#define MODWATCH_PROBE_LOCK_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct modwatch_bpf;

struct mw_lock_owner;
void mw_locks_init(struct modwatch_bpf *skel);
const char *mw_lock_type_name(__u32 type);
void mw_lock_name(__u64 addr, char *buf, size_t len);
int mw_locks_held(__u32 module_id, __u64 *locks, struct mw_lock_owner *owners, int max);

/* Lock-order edges as the daemon reads them, and cycles of three or more locks. */
struct mw_edge {
	__u64 a, b;		/* b was taken while a was held */
	__u64 site_a, site_b;
	__u64 ns;		/* when the edge was first seen */
	__u32 module_id;
	__u32 stack_a, stack_b;	/* the two acquires' kernel stacks (id + 1, 0: none) */
};
#define MW_CYCLE_MAX 6
#define MW_MAX_EDGES 8192
typedef void (*mw_cycle_fn)(void *ctx, const struct mw_edge *e, const int *path, int len);
int mw_lock_edges(struct mw_edge *e, int max);
int mw_lock_cycles(const struct mw_edge *e, int n, mw_cycle_fn fn, void *ctx);

#endif /* MODWATCH_PROBE_LOCK_MAPS_H */
