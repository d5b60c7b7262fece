/* SPDX-License-Identifier: GPL-2.0 */
/* systemd's sd_notify protocol, without libsystemd. */
#ifndef MODWATCH_SERVICE_NOTIFY_H
#define MODWATCH_SERVICE_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

int mw_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mw_notify_forget_env(void);	/* before running a child: it must not notify as us */
__u64 mw_notify_watchdog_usec(void);	/* 0: no watchdog for this process */
/* notify.c: WATCHDOG=1 when half the interval has passed (cheap: call often). */
void mw_watchdog_kick(void);

#endif /* MODWATCH_SERVICE_NOTIFY_H */
