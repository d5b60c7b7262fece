/* SPDX-License-Identifier: GPL-2.0 */
/* Occurrences the BPF side counted but did not report again. */
#ifndef MODWATCH_SESSION_REPEATS_H
#define MODWATCH_SESSION_REPEATS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "events.h"

struct modwatch_bpf;

typedef void (*mw_repeat_fn)(void *ctx, const struct mw_dedup_key *k, __u64 more, __u64 total);
struct mw_repeats;
struct mw_repeats *mw_repeats_new(void);
void mw_repeats_free(struct mw_repeats *r);
int mw_repeats_scan(struct mw_repeats *r, struct modwatch_bpf *skel, mw_repeat_fn fn, void *ctx);

#endif /* MODWATCH_SESSION_REPEATS_H */
