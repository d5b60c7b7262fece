/* SPDX-License-Identifier: GPL-2.0 */
/* The plain text printer: one line per report. */
#ifndef MODWATCH_REPORT_PRINT_TEXT_H
#define MODWATCH_REPORT_PRINT_TEXT_H

#include "report/printer.h"

extern const struct mw_printer mw_print_text;

#endif /* MODWATCH_REPORT_PRINT_TEXT_H */
