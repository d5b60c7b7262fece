/* SPDX-License-Identifier: GPL-2.0 */
/* SIGHUP: the session's options and configuration read again (reload.c). */
#ifndef MODWATCH_SESSION_RELOAD_H
#define MODWATCH_SESSION_RELOAD_H

struct session;

void session_reload(struct session *s);

#endif /* MODWATCH_SESSION_RELOAD_H */
