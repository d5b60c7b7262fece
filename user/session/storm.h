/* SPDX-License-Identifier: GPL-2.0 */
/* The report path's benchmark (modwatch storm). */
#ifndef MODWATCH_SESSION_STORM_H
#define MODWATCH_SESSION_STORM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct modwatch_bpf;

int mw_storm_start(struct modwatch_bpf *skel, __u64 count, __u64 rate);
bool mw_storm_done(void);
int mw_storm_join(__u64 *made, __u64 *start_ns);

#endif /* MODWATCH_SESSION_STORM_H */
