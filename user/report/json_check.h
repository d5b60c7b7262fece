/* SPDX-License-Identifier: GPL-2.0 */
/* A saved JSON line, checked before `modwatch report` renders it. */
#ifndef MODWATCH_REPORT_JSON_CHECK_H
#define MODWATCH_REPORT_JSON_CHECK_H

#include <stddef.h>
#include <json-c/json.h>

/*
 * @line (@len bytes, no newline) as one JSON object in *@v, the caller's
 * to put: 0, or -EINVAL with what is wrong in @why (@size bytes).
 */
int mw_json_check_line(const char *line, size_t len, json_object **v, char *why, size_t size);

#endif /* MODWATCH_REPORT_JSON_CHECK_H */
