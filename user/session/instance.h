/* SPDX-License-Identifier: GPL-2.0 */
/* One watching modwatch per kernel, with what it needs. */
#ifndef MODWATCH_SESSION_INSTANCE_H
#define MODWATCH_SESSION_INSTANCE_H

#include <stdbool.h>

/* instance.c: one watching modwatch per kernel, with what it needs. */
int mw_caps_check(void);
int mw_caps_check_perf(void);
int mw_instance_lock(bool ci, int *held);
const char *mw_runtime_dir(void);

#endif /* MODWATCH_SESSION_INSTANCE_H */
