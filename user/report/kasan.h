/* SPDX-License-Identifier: GPL-2.0 */
/* Saved JSON reports in KASAN's layout (modwatch report). */
#ifndef MODWATCH_REPORT_KASAN_H
#define MODWATCH_REPORT_KASAN_H

#include <stdbool.h>
#include <stdio.h>

struct mw_printer;

/* The KASAN layout printer: the JSON line, rendered (a terminal's default). */
const struct mw_printer *mw_kasan_printer(void);
/* One JSON line in KASAN's layout (nothing for lines that are not reports); @color: ANSI. */
int mw_kasan_line(FILE *out, const char *json_line, bool color);
int mw_cmd_report(const char *path);

#endif /* MODWATCH_REPORT_KASAN_H */
