/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entries of an array map handed out to probes: the call sites' mw_sites
 * and --deep's mw_access_descs keep which index is in use, next fit from
 * a hint so that a freed index is not reused at once (a probe being
 * detached may still fire on it).
 */
#ifndef MODWATCH_PROBE_SLOTS_H
#define MODWATCH_PROBE_SLOTS_H

#include <stdbool.h>
#include <linux/types.h>

/* A free index of @used[0..@n) (marked used), searched from *@hint; -ENOSPC when full. */
int mw_slot_alloc(bool *used, __u32 n, __u32 *hint);

#endif /* MODWATCH_PROBE_SLOTS_H */
