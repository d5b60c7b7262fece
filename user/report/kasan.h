/* SPDX-License-Identifier: GPL-2.0 */
/* Reports in KASAN's layout, rendered from their JSON objects. */
#ifndef MODWATCH_REPORT_KASAN_H
#define MODWATCH_REPORT_KASAN_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

struct mw_printer;
struct mw_src_frame;

/* The KASAN layout printer: the JSON line, rendered (a terminal's default). */
const struct mw_printer *mw_kasan_printer(void);
/* One JSON line in KASAN's layout (nothing for lines that are not reports); @color: ANSI. */
int mw_kasan_line(FILE *out, const char *json_line, bool color);
/* One violation's JSON object in KASAN's layout. */
void mw_kasan_render(FILE *out, json_object *v, bool color);
/* A site's source frames, innermost first: from its module's .ko (--ko), else the JSON's. */
int mw_json_site_frames(json_object *site, struct mw_src_frame *f, int max);

#endif /* MODWATCH_REPORT_KASAN_H */
