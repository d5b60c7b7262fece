/* SPDX-License-Identifier: GPL-2.0 */
/* The plain text printer: one line per report. */
#ifndef MODWATCH_REPORT_PRINT_TEXT_H
#define MODWATCH_REPORT_PRINT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include "report/printer.h"

extern const struct mw_printer mw_print_text;

/*
 * The words of the printer's lines, for the live session and for `modwatch
 * report` (which has them from JSON): strings raw, escaped here.
 */
struct mw_text_report {
	__u64 ts_ns;
	const char *module, *kind;
	bool warning, incomplete;
	__u32 pid, tid, cpu;
	const char *comm;
	size_t comm_len;
};
/* "[ts] MOD warning: possible KIND:" */
void mw_text_violation_head(FILE *out, const struct mw_text_report *r);
/* " (pid P tid T comm C cpu N) [evidence may be incomplete]\n" */
void mw_text_violation_tail(FILE *out, const struct mw_text_report *r);
/* "modwatch:   NAME text LO-HI" and with a .ko ", S call sites in KO, P kprobes on N of them" */
void mw_text_module_head(FILE *out, const char *name, __u64 lo, __u64 hi, const char *ko,
			 __u32 sites, __u32 probes, __u32 probed);
void mw_text_module_event(FILE *out, const char *name, bool loaded);
void mw_text_kernel(FILE *out, const char *kernel, __u32 nr);
/* @site: mw_ksym_format()'s, already escaped */
void mw_text_repeat_line(FILE *out, const char *module, const char *kind, const char *site,
			 __u64 more, __u64 total);
void mw_text_live_head(FILE *out, size_t n);
void mw_text_live_group(FILE *out, const char *module, const char *site, __u64 count,
			__u64 bytes);
void mw_text_summary_head(FILE *out, __u64 runtime_ns, __u64 violations, __u64 warnings,
			  __u64 repeats, __u64 lost);
void mw_text_summary_count(FILE *out, const char *module, const char *kind, __u64 count,
			   __u64 repeats);

#endif /* MODWATCH_REPORT_PRINT_TEXT_H */
