/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one error printer: every message a person reads goes through it, on
 * stderr, at the verbosity -q and -v ask for (errors always).
 */
#ifndef MODWATCH_LIB_ERROR_H
#define MODWATCH_LIB_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

/* How much modwatch says on stderr: -q, the default, -v, -vv. */
enum mw_verbosity {
	MW_QUIET = -1,		/* errors only */
	MW_NORMAL = 0,		/* and warnings */
	MW_VERBOSE = 1,		/* and progress: each start phase, libbpf's warnings */
	MW_DEBUG = 2,		/* and libbpf's own debug log */
};
extern int mw_verbosity;

void mw_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* At MW_NORMAL and above. */
void mw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* At MW_NORMAL and above: something to know that needs no action. */
void mw_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* At MW_VERBOSE and above: "+1.23 s: what", the time since the first call. */
void mw_phase(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Text as it is (another library's log, the verifier's), at @level and above; returns 0. */
int mw_vraw(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int mw_raw(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* MODWATCH_LIB_ERROR_H */
