/* SPDX-License-Identifier: GPL-2.0 */
/* The session's reports: judged, suppressed, counted, written (report.c). */
#ifndef MODWATCH_SESSION_REPORT_H
#define MODWATCH_SESSION_REPORT_H

#include <stdbool.h>
#include <linux/types.h>

struct mw_event;
struct mw_module;
struct mw_output;
struct mw_printer;
struct mw_run_opts;
struct session;

/* A violation from the ring buffer, or one the daemon made: judged, then written or not. */
void session_emit(struct session *s, struct mw_event *e);
/* The reports written since the last flush, out in one write(); their latency taken. */
void session_flush_reports(struct session *s);
/* What @m leaves behind as it unloads: its leaks, and (found by polling) its held locks. */
void session_report_leaks(struct session *s, struct mw_module *m);
void session_report_held_locks(struct session *s, struct mw_module *m);
/* Reports the daemon looks for itself: lock-order cycles, repeats, losses. */
void session_check_cycles(struct session *s);
void session_check_repeats(struct session *s);
void session_check_lost(struct session *s);
/* SIGUSR1: the live objects. */
void session_print_live(struct session *s);
/* The report stream, its printer, and whether the journal takes the reports alone. */
const struct mw_printer *session_choose_printer(const struct mw_run_opts *o, int fd);
void session_use_stream(struct session *s, struct mw_output *out);
bool session_journal_only(const struct mw_run_opts *o);

#endif /* MODWATCH_SESSION_REPORT_H */
