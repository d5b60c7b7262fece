/* SPDX-License-Identifier: GPL-2.0 */
/* The modules a session watches, and their probes (watch.c). */
#ifndef MODWATCH_SESSION_WATCH_H
#define MODWATCH_SESSION_WATCH_H

#include <stdbool.h>

struct mw_module;
struct mw_run_opts;
struct session;

/* The modules' call sites, the kernel-wide hooks and the crash log. */
int session_watch(struct session *s);
/* Modules come and go: the gone let go of, the new watched if wanted. */
void session_refresh_modules(struct session *s);
/* @m is gone: what it leaves behind reported, its probes and pages let go of. */
void session_unwatch_module(struct session *s, struct mw_module *m, bool from_poll);
/* Do @o's modules (names or globs) name module @name? */
bool session_is_named(const struct mw_run_opts *o, const char *name);

#endif /* MODWATCH_SESSION_WATCH_H */
