/* SPDX-License-Identifier: GPL-2.0 */
/* One watching modwatch per kernel, with what it needs. */
#ifndef MODWATCH_SESSION_INSTANCE_H
#define MODWATCH_SESSION_INSTANCE_H

#include <stdbool.h>
#include <sys/types.h>

/* The instance lock in mw_runtime_dir(), holding its holder's pid. */
#define MW_LOCK_FILE "modwatch.pid"

/* instance.c: one watching modwatch per kernel, with what it needs. */
int mw_caps_check(void);
int mw_caps_check_perf(void);
int mw_instance_lock(bool ci, int *held);
/* Who holds the instance lock, not taking it: 1 (*pid: its holder, 0 if unseen), 0 or -errno. */
int mw_instance_holder(pid_t *pid);
const char *mw_runtime_dir(void);

#endif /* MODWATCH_SESSION_INSTANCE_H */
