/* SPDX-License-Identifier: GPL-2.0 */
/* modwatch report FILE: saved JSON lines, checked, in the form asked for. */
#ifndef MODWATCH_REPORT_REPORT_CMD_H
#define MODWATCH_REPORT_REPORT_CMD_H

enum mw_report_form {
	MW_REPORT_KASAN,	/* violations in KASAN's layout, the other lines as text */
	MW_REPORT_LINE,		/* every line as the live session's text */
	MW_REPORT_JSON,		/* the checked lines, written again by the JSON writer */
};

/* The exit status: MW_EXIT_OK, MW_EXIT_USAGE for a bad line (FILE:LINE: why), MW_EXIT_FAILURE. */
int mw_cmd_report(const char *path, enum mw_report_form form);

#endif /* MODWATCH_REPORT_REPORT_CMD_H */
