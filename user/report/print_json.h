/* SPDX-License-Identifier: GPL-2.0 */
/* The JSON lines printer: one JSON object per line, for machines. */
#ifndef MODWATCH_REPORT_PRINT_JSON_H
#define MODWATCH_REPORT_PRINT_JSON_H

#include "report/printer.h"

extern const struct mw_printer mw_print_json;

#endif /* MODWATCH_REPORT_PRINT_JSON_H */
