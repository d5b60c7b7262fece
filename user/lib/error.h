/* SPDX-License-Identifier: GPL-2.0 */
/* The one error printer: every message a person reads goes through it. */
#ifndef MODWATCH_LIB_ERROR_H
#define MODWATCH_LIB_ERROR_H

#include <stdbool.h>

void mw_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mw_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool mw_verbose;
void mw_phase(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* MODWATCH_LIB_ERROR_H */
