// SPDX-License-Identifier: GPL-2.0
/*
 * modwatch report FILE: the JSON lines a session wrote (--json), on any
 * machine, as root or not. Each line is checked first (report/json_check.c:
 * one object of a type the daemon writes, its numbers in range), then
 * written in the form asked for: KASAN's layout for violations and the
 * live session's text for the other lines, the one-line text for all, or
 * the JSON again, through the daemon's own writer and its escaping. The
 * first bad line stops it: "FILE:LINE: what is wrong", exit status 2.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include "events.h"
#include "modwatch.h"
#include "lib/color.h"
#include "lib/error.h"
#include "report/json_check.h"
#include "report/json_read.h"
#include "report/json_writer.h"
#include "report/kasan.h"
#include "report/report_cmd.h"
#include "report/report_text.h"
#include "report/rules.h"

/* Each type of line the daemon writes (print_json.c), and its text; a violation's is the form's. */
static const struct {
	const char *type;
	void (*text)(FILE *out, json_object *v);
} line_types[] = {
	{ "start", mw_report_text_start },
	{ "module", mw_report_text_module },
	{ "violation", NULL },
	{ "lost", mw_report_text_lost },
	{ "repeat", mw_report_text_repeat },
	{ "live", mw_report_text_live },
	{ "summary", mw_report_text_summary },
};

/* @v again, as the JSON writer writes it: its checked values, JSON's escaping. */
static void json_again(struct jw *w, json_object *v)
{
	bool first = true;
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_object:
		jw_putc('{', w);
		json_object_object_foreach(v, key, m) {
			jw_puts(first ? "" : ",", w);
			json_str(w, key, SIZE_MAX);
			jw_putc(':', w);
			json_again(w, m);
			first = false;
		}
		jw_putc('}', w);
		break;
	case json_type_array:
		jw_putc('[', w);
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			jw_puts(i ? "," : "", w);
			json_again(w, json_object_array_get_idx(v, i));
		}
		jw_putc(']', w);
		break;
	case json_type_string:
		json_str(w, json_object_get_string(v), json_object_get_string_len(v));
		break;
	case json_type_int:	/* checked: whole and not negative */
		json_u64(w, json_object_get_uint64(v));
		break;
	case json_type_boolean:
		jw_puts(json_object_get_boolean(v) ? "true" : "false", w);
		break;
	default:
		jw_puts("null", w);
	}
}

/* One checked line in @form: 0, or -EINVAL with what is wrong in @why. */
static int render(json_object *v, enum mw_report_form form, char *why, size_t size)
{
	const char *type = mw_jstr(v, "type"), *kind = mw_jstr(v, "kind");
	struct jw *w;
	size_t i;

	for (i = 0; type && i < sizeof(line_types) / sizeof(line_types[0]); i++)
		if (!strcmp(type, line_types[i].type))
			break;
	if (!type || i == sizeof(line_types) / sizeof(line_types[0])) {
		snprintf(why, size, "no \"type\" of modwatch's JSON lines (start, violation, ...)");
		return -EINVAL;
	}
	if (!line_types[i].text && (!kind || mw_kind_by_name(kind) == MW_KIND_NONE)) {
		snprintf(why, size, "a violation of no kind modwatch knows");
		return -EINVAL;
	}
	if (form == MW_REPORT_JSON) {
		w = jw_begin(stdout);
		json_again(w, v);
		jw_putc('\n', w);
		jw_end(w, false);
	} else if (line_types[i].text) {
		line_types[i].text(stdout, v);
	} else if (form == MW_REPORT_KASAN) {
		mw_kasan_render(stdout, v, mw_color_on(STDOUT_FILENO));
	} else {
		mw_report_text_violation(stdout, v);
	}
	return 0;
}

/* The lines of @in, each checked and rendered; the first bad one stops it. */
static int report_lines(FILE *in, const char *path, enum mw_report_form form)
{
	char *line = NULL, why[256];
	size_t cap = 0, nr = 0;
	json_object *v;
	ssize_t len;
	int err = 0;

	while (!err && (len = getline(&line, &cap, in)) > 0) {
		nr++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (strspn(line, " \t\r") == (size_t)len)
			continue;
		err = mw_json_check_line(line, len, &v, why, sizeof(why));
		if (!err)
			err = render(v, form, why, sizeof(why));
		json_object_put(v);
		if (err == -EINVAL)
			mw_err("%s:%zu: %s", path, nr, why);
	}
	free(line);
	if (!err && ferror(in))
		err = -errno ?: -EIO;
	return err;
}

int mw_cmd_report(const char *path, enum mw_report_form form)
{
	FILE *in = strcmp(path, "-") ? fopen(path, "re") : stdin;
	struct stat st;
	int err;

	if (!in) {
		mw_err("cannot read %s: %s", path, strerror(errno));
		return MW_EXIT_FAILURE;
	}
	if (!fstat(fileno(in), &st) && S_ISDIR(st.st_mode)) {
		mw_err("%s: a directory, not a file of JSON lines", path);
		err = -EINVAL;
	} else {
		err = report_lines(in, path, form);
		if (err && err != -EINVAL)
			mw_err("cannot read %s: %s", path, strerror(-err));
	}
	if (in != stdin)
		fclose(in);
	fflush(stdout);
	return !err ? MW_EXIT_OK : err == -EINVAL ? MW_EXIT_USAGE : MW_EXIT_FAILURE;
}
