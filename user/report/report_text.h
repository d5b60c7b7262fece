/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Saved JSON lines in the live session's text words (`modwatch report`):
 * each type of line the daemon writes, and a violation's one-line form.
 */
#ifndef MODWATCH_REPORT_REPORT_TEXT_H
#define MODWATCH_REPORT_REPORT_TEXT_H

#include <stdio.h>
#include <json-c/json.h>

void mw_report_text_start(FILE *out, json_object *v);
void mw_report_text_module(FILE *out, json_object *v);
void mw_report_text_lost(FILE *out, json_object *v);
void mw_report_text_repeat(FILE *out, json_object *v);
void mw_report_text_live(FILE *out, json_object *v);
void mw_report_text_summary(FILE *out, json_object *v);
/* A violation as the line layout prints it, with its site as its words. */
void mw_report_text_violation(FILE *out, json_object *v);

#endif /* MODWATCH_REPORT_REPORT_TEXT_H */
