/* SPDX-License-Identifier: GPL-2.0 */
/* Reports that survive a kernel crash. */
#ifndef MODWATCH_SESSION_CRASHLOG_H
#define MODWATCH_SESSION_CRASHLOG_H

int mw_crashlog_arm(void);
void mw_crashlog_disarm(void);

#endif /* MODWATCH_SESSION_CRASHLOG_H */
