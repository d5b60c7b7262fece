/* SPDX-License-Identifier: GPL-2.0 */
/* The report stream, whose writes never fail (kept, retried, counted). */
#ifndef MODWATCH_REPORT_OUTPUT_H
#define MODWATCH_REPORT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <stdio.h>

struct mw_output {
	FILE *f;		/* what the printers write to */
	int fd;
	const char *path;	/* NULL: standard output */
	bool append;
	bool created;		/* made by this open: removed if never committed */
	bool truncate;		/* was there: truncated at the commit (not --append) */
	char name[4096];	/* the path, or "standard output" */
	char *backlog;		/* bytes the output refused, oldest first */
	size_t blen;
	bool dropping;		/* the start of the current line was dropped */
	int err;		/* the failure being said, 0 while writes succeed */
	__u64 errors;		/* failures (each said once) */
	__u64 dropped;		/* report lines lost */
	__u64 dropped_said;
};
int mw_output_open(struct mw_output **o, const char *path, bool append);
int mw_output_commit(struct mw_output *o);
int mw_output_reopen(struct mw_output *o);
void mw_output_retry(struct mw_output *o);
__u64 mw_output_close(struct mw_output *o);

#endif /* MODWATCH_REPORT_OUTPUT_H */
