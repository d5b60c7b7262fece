/* SPDX-License-Identifier: GPL-2.0 */
/* Saved JSON reports in KASAN's layout (modwatch report). */
#ifndef MODWATCH_REPORT_KASAN_H
#define MODWATCH_REPORT_KASAN_H

int mw_cmd_report(const char *path);

#endif /* MODWATCH_REPORT_KASAN_H */
