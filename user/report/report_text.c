// SPDX-License-Identifier: GPL-2.0
/*
 * Saved JSON lines in the live session's text words, for `modwatch report`:
 * the words are print_text.c's (mw_text_*()), the values the JSON's, every
 * string escaped there. A violation's line has its site where the live
 * line has each kind's details: those are in the KASAN layout and the JSON.
 */
#include <stdio.h>
#include <string.h>
#include "events.h"
#include "lib/escape.h"
#include "report/json_read.h"
#include "report/kasan.h"
#include "report/print_text.h"
#include "report/report_text.h"
#include "symbols/srcline.h"

/* "func+0x1e [mod] (file:line)", as mw_ksym_format() says a site, escaped. */
static void site_text(json_object *site, char *buf, size_t len)
{
	const char *func = mw_jstr(site, "function"), *mod = mw_jstr(site, "module");
	struct mw_src_frame f[MW_SRC_FRAMES];
	int n = mw_json_site_frames(site, f, MW_SRC_FRAMES), at;

	if (!func)
		at = snprintf(buf, len, "%s", mw_jstr(site, "addr") ?: "-");
	else if (!mod)
		at = snprintf(buf, len, "%s+0x%llx", mw_esc(func), mw_jnum(site, "offset"));
	else
		at = snprintf(buf, len, "%s+0x%llx [%s]", mw_esc(func), mw_jnum(site, "offset"),
			      mw_esc(mod));
	if (n > 0 && f[n - 1].file && at > 0 && (size_t)at < len)
		snprintf(buf + at, len - at, " (%s:%d)",
			 mw_esc(mod ? mw_srcline_display(mod, f[n - 1].file) : f[n - 1].file),
			 f[n - 1].line);
}

static void module_head(FILE *out, json_object *m)
{
	mw_text_module_head(out, mw_jstr(m, "name") ?: "?", mw_jnum(m, "text_start"),
			    mw_jnum(m, "text_end"), mw_jstr(m, "ko"), mw_jnum(m, "sites"),
			    mw_jnum(m, "probes"), mw_jnum(m, "probed_sites"));
	fputc('\n', out);
}

/* The length of @v's array @key, 0 when it is none. */
static size_t array_len(json_object *v, const char *key)
{
	json_object *a = mw_jget(v, key);

	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

void mw_report_text_start(FILE *out, json_object *v)
{
	size_t i, n = array_len(v, "modules");

	mw_text_kernel(out, mw_jstr(v, "kernel") ?: "?", n);
	for (i = 0; i < n; i++)
		module_head(out, json_object_array_get_idx(mw_jget(v, "modules"), i));
}

void mw_report_text_module(FILE *out, json_object *v)
{
	json_object *m = mw_jget(v, "module");
	const char *event = mw_jstr(v, "event");
	bool loaded = event && !strcmp(event, "load");

	mw_text_module_event(out, mw_jstr(m, "name") ?: "?", loaded);
	if (loaded)
		module_head(out, m);
}

void mw_report_text_lost(FILE *out, json_object *v)
{
	mw_print_text.lost(out, mw_jnum(v, "new"), mw_jnum(v, "total"));
}

void mw_report_text_repeat(FILE *out, json_object *v)
{
	char site[MW_ESC_LEN];

	site_text(mw_jget(v, "site"), site, sizeof(site));
	mw_text_repeat_line(out, mw_jstr(v, "module") ?: "?", mw_jstr(v, "kind") ?: "?", site,
			    mw_jnum(v, "new"), mw_jnum(v, "count"));
}

/* @v's "live" or "objects": allocation sites with live objects. */
static void live_groups(FILE *out, json_object *v, const char *key)
{
	char site[MW_ESC_LEN];
	size_t i, n = array_len(v, key);

	mw_text_live_head(out, n);
	for (i = 0; i < n; i++) {
		json_object *g = json_object_array_get_idx(mw_jget(v, key), i);

		site_text(mw_jget(g, "site"), site, sizeof(site));
		mw_text_live_group(out, mw_jstr(g, "module") ?: "?", site, mw_jnum(g, "count"),
				   mw_jnum(g, "bytes"));
	}
}

void mw_report_text_live(FILE *out, json_object *v)
{
	live_groups(out, v, "objects");
}

void mw_report_text_summary(FILE *out, json_object *v)
{
	json_object *by = mw_jget(v, "by_module"), *rep = mw_jget(v, "repeats_by_module");

	mw_text_summary_head(out, mw_jnum(v, "runtime_ns"), mw_jnum(v, "violations"),
			     mw_jnum(v, "warnings"), mw_jnum(v, "repeats"), mw_jnum(v, "lost"));
	if (json_object_is_type(by, json_type_object)) {
		json_object_object_foreach(by, mod, counts) {
			if (!json_object_is_type(counts, json_type_object))
				continue;
			json_object_object_foreach(counts, kind, n)
				mw_text_summary_count(out, mod, kind, json_object_get_uint64(n),
						      mw_jnum(mw_jget(rep, mod), kind));
		}
	}
	if (mw_jget(v, "live"))
		live_groups(out, v, "live");
}

void mw_report_text_violation(FILE *out, json_object *v)
{
	const char *sev = mw_jstr(v, "severity"), *comm = mw_jstr(v, "comm") ?: "?";
	const struct mw_text_report r = {
		.ts_ns = mw_jnum(v, "time_ns"), .module = mw_jstr(v, "module") ?: "?",
		.kind = mw_jstr(v, "kind") ?: "?", .warning = sev && !strcmp(sev, "warning"),
		.incomplete = json_object_get_boolean(mw_jget(v, "incomplete")),
		.pid = mw_jnum(v, "pid"), .tid = mw_jnum(v, "tid"), .cpu = mw_jnum(v, "cpu"),
		.comm = comm, .comm_len = strlen(comm),
	};
	char site[MW_ESC_LEN];

	site_text(mw_jget(v, "site"), site, sizeof(site));
	mw_text_violation_head(out, &r);
	fprintf(out, " at %s", site);
	mw_text_violation_tail(out, &r);
}
