// SPDX-License-Identifier: GPL-2.0
/*
 * --sarif FILE: the session's reports as SARIF 2.1.0, which code-scanning
 * dashboards show inline on the module's source (checked in the tests
 * against the OASIS schema). One rule per kind; each result at the line of
 * the module's source that made the call (from its DWARF), with the
 * function as a logical location, and where the object was allocated and
 * freed (or the first fetch) as related locations, and the kernel stacks
 * modwatch kept as SARIF stacks. With --source-root DIR
 * (default: the current folder) paths under DIR are relative to it, as
 * %SRCROOT%, so a dashboard finds them in the repository.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "events.h"
#include "modwatch.h"
#include "report/findings.h"
#include "report/rules.h"

/* @s as a JSON string's contents. */
static void json_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
}

static void write_rules(FILE *out)
{
	__u32 k;

	fputs("\"rules\":[", out);
	for (k = MW_KIND_NONE + 1; k < MW_KIND_NR; k++) {
		fprintf(out, "%s{\"id\":\"%s\",\"name\":\"%s\",\"shortDescription\":{\"text\":\"",
			k > 1 ? "," : "", mw_kind_name(k), mw_kind_name(k));
		json_text(out, mw_kind_desc(k));
		fprintf(out, "\"},\"defaultConfiguration\":{\"level\":\"%s\"}}",
			mw_rule(k)->warning ? "warning" : "error");
	}
	fputc(']', out);
}

/* The file of @p: relative to @root (a "%SRCROOT%" URI) when under it. */
static void write_artifact(FILE *out, const struct mw_place *p, const char *root)
{
	size_t n = strlen(root);
	const char *rel = p->file;
	bool under = n && !strncmp(p->file, root, n) && p->file[n] == '/';

	fputs("\"artifactLocation\":{\"uri\":\"", out);
	if (under)
		rel = p->file + n + 1;
	else if (p->file[0] == '/')
		fputs("file://", out);
	json_text(out, rel);
	fputc('"', out);
	if (under)
		fputs(",\"uriBaseId\":\"SRCROOT\"", out);
	fputc('}', out);
}

static void write_location(FILE *out, const struct mw_place *p, const char *root, int id)
{
	char name[256];

	mw_place_format(p, name, sizeof(name));
	fputc('{', out);
	if (id >= 0)
		fprintf(out, "\"id\":%d,\"message\":{\"text\":\"%s\"},", id, p->what);
	if (p->file) {
		fputs("\"physicalLocation\":{", out);
		write_artifact(out, p, root);
		fprintf(out, ",\"region\":{\"startLine\":%d}},", p->line > 0 ? p->line : 1);
	}
	fputs("\"logicalLocations\":[{\"fullyQualifiedName\":\"", out);
	json_text(out, name);
	fputs("\",\"kind\":\"function\"}]}", out);
}

/*
 * "stacks": the kernel stacks modwatch kept, a SARIF stack each (the call
 * trace, then the allocation's and the free's), each frame a location.
 */
static void write_stacks(FILE *out, const struct mw_finding *f, const char *root)
{
	int i, j;

	fputs(",\"stacks\":[", out);
	for (i = 0; i < f->nr_traces; i++) {
		const struct mw_trace *t = &f->traces[i];

		fprintf(out, "%s{\"message\":{\"text\":\"%s\"},\"frames\":[", i ? "," : "",
			t->what);
		for (j = 0; j < t->nr; j++) {
			fputs(j ? ",{\"location\":" : "{\"location\":", out);
			write_location(out, &t->frames[j], root, -1);
			if (t->frames[j].module[0]) {
				fputs(",\"module\":\"", out);
				json_text(out, t->frames[j].module);
				fputc('"', out);
			}
			fputc('}', out);
		}
		fputs("]}", out);
	}
	fputc(']', out);
}

static void write_result(FILE *out, const struct mw_finding *f, const char *root, bool strict)
{
	int i;

	fprintf(out, "{\"ruleId\":\"%s\",\"ruleIndex\":%u,\"level\":\"%s\",\"message\":{\"text\":\"",
		mw_kind_name(f->kind), f->kind - 1, f->warning && !strict ? "warning" : "error");
	json_text(out, f->message);
	fputs("\"},\"locations\":[", out);
	write_location(out, &f->site, root, -1);
	fputc(']', out);
	if (f->nr_related) {
		fputs(",\"relatedLocations\":[", out);
		for (i = 0; i < f->nr_related; i++) {
			if (i)
				fputc(',', out);
			write_location(out, &f->related[i], root, i + 1);
		}
		fputc(']', out);
	}
	if (f->nr_traces)
		write_stacks(out, f, root);
	fputs(",\"properties\":{\"module\":\"", out);
	json_text(out, f->module);
	fputs("\"}}", out);
}

int mw_sarif_write(const char *path, const struct mw_ci_run *run)
{
	const char *root = run->source_root ? run->source_root : "";
	size_t i;
	FILE *out;

	out = fopen(path, "w");
	if (!out)
		return -errno;
	fprintf(out, "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"modwatch\","
		"\"version\":\"%s\",", MODWATCH_VERSION);
	write_rules(out);
	fputs("}}", out);
	if (root[0]) {
		fputs(",\"originalUriBaseIds\":{\"SRCROOT\":{\"uri\":\"file://", out);
		json_text(out, root);
		fputs("/\"}}", out);
	}
	fputs(",\"results\":[", out);
	for (i = 0; i < run->findings->nr; i++) {
		if (i)
			fputc(',', out);
		write_result(out, &run->findings->items[i], root, run->strict);
	}
	fputs("]}]}\n", out);
	return mw_ci_close(out);
}
