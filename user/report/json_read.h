/* SPDX-License-Identifier: GPL-2.0 */
/* Reading a report's JSON object (json-c): a member, a string, a number. */
#ifndef MODWATCH_REPORT_JSON_READ_H
#define MODWATCH_REPORT_JSON_READ_H

#include <json-c/json.h>
#include <linux/types.h>

/* @o's member @key, or NULL (@o may be NULL). */
json_object *mw_jget(json_object *o, const char *key);
/* @o's string @key, or NULL when it is not a string. */
const char *mw_jstr(json_object *o, const char *key);
/* @o's number @key (or a string of one: "0x..." addresses), 0 when there is none. */
__u64 mw_jnum(json_object *o, const char *key);

#endif /* MODWATCH_REPORT_JSON_READ_H */
