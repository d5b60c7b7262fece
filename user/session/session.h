/* SPDX-License-Identifier: GPL-2.0 */
/* A session: watch modules, report what they break (modwatch run, storm). */
#ifndef MODWATCH_SESSION_SESSION_H
#define MODWATCH_SESSION_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct mw_run_opts;

int mw_cmd_run(struct mw_run_opts *o);
int mw_cmd_storm(struct mw_run_opts *o, __u64 count, __u64 rate);

#endif /* MODWATCH_SESSION_SESSION_H */
