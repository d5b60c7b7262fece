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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "events.h"
#include "modwatch.h"
#include "report/findings.h"
#include "report/sarif.h"
#include "report/json_writer.h"
#include "report/rules.h"

static void write_rules(struct jw *out)
{
	__u32 k;

	jw_puts("\"rules\":[", out);
	for (k = MW_KIND_NONE + 1; k < MW_KIND_NR; k++) {
		jw_printf(out, "%s{\"id\":\"%s\",\"name\":\"%s\",\"shortDescription\":{\"text\":\"",
			k > 1 ? "," : "", mw_kind_name(k), mw_kind_name(k));
		json_text(out, mw_kind_desc(k), SIZE_MAX);
		jw_printf(out, "\"},\"defaultConfiguration\":{\"level\":\"%s\"}}",
			  mw_rule(k)->warning ? "warning" : "error");
	}
	jw_putc(']', out);
}

/* The file of @p: relative to @root (a "%SRCROOT%" URI) when under it. */
static void write_artifact(struct jw *out, const struct mw_place *p, const char *root)
{
	size_t n = strlen(root);
	const char *rel = p->file;
	bool under = n && !strncmp(p->file, root, n) && p->file[n] == '/';

	jw_puts("\"artifactLocation\":{\"uri\":\"", out);
	if (under)
		rel = p->file + n + 1;
	else if (p->file[0] == '/')
		jw_puts("file://", out);
	json_text(out, rel, SIZE_MAX);
	jw_putc('"', out);
	if (under)
		jw_puts(",\"uriBaseId\":\"SRCROOT\"", out);
	jw_putc('}', out);
}

static void write_location(struct jw *out, const struct mw_place *p, const char *root, int id)
{
	char name[256];

	mw_place_format(p, name, sizeof(name));
	jw_putc('{', out);
	if (id >= 0) {
		jw_printf(out, "\"id\":%d,\"message\":{\"text\":", id);
		json_str(out, p->what, SIZE_MAX);
		jw_puts("},", out);
	}
	if (p->file) {
		jw_puts("\"physicalLocation\":{", out);
		write_artifact(out, p, root);
		jw_printf(out, ",\"region\":{\"startLine\":%d}},", p->line > 0 ? p->line : 1);
	}
	jw_puts("\"logicalLocations\":[{\"fullyQualifiedName\":", out);
	json_str(out, name, sizeof(name));
	jw_puts(",\"kind\":\"function\"}]}", out);
}

/*
 * "stacks": the kernel stacks modwatch kept, a SARIF stack each (the call
 * trace, then the allocation's and the free's), each frame a location.
 */
static void write_stacks(struct jw *out, const struct mw_finding *f, const char *root)
{
	int i, j;

	jw_puts(",\"stacks\":[", out);
	for (i = 0; i < f->nr_traces; i++) {
		const struct mw_trace *t = &f->traces[i];

		jw_puts(i ? ",{\"message\":{\"text\":" : "{\"message\":{\"text\":", out);
		json_str(out, t->what, SIZE_MAX);
		jw_puts("},\"frames\":[", out);
		for (j = 0; j < t->nr; j++) {
			jw_puts(j ? ",{\"location\":" : "{\"location\":", out);
			write_location(out, &t->frames[j], root, -1);
			if (t->frames[j].module[0]) {
				jw_puts(",\"module\":", out);
				json_str(out, t->frames[j].module, sizeof(t->frames[j].module));
			}
			jw_putc('}', out);
		}
		jw_puts("]}", out);
	}
	jw_putc(']', out);
}

static void write_result(struct jw *out, const struct mw_finding *f, const char *root,
			 bool strict)
{
	int i;

	jw_printf(out, "{\"ruleId\":\"%s\",\"ruleIndex\":%u,\"level\":\"%s\","
		  "\"message\":{\"text\":\"", mw_kind_name(f->kind), f->kind - 1,
		  f->warning && !strict ? "warning" : "error");
	json_text(out, f->message, SIZE_MAX);
	jw_puts("\"},\"locations\":[", out);
	write_location(out, &f->site, root, -1);
	jw_putc(']', out);
	if (f->nr_related) {
		jw_puts(",\"relatedLocations\":[", out);
		for (i = 0; i < f->nr_related; i++) {
			if (i)
				jw_putc(',', out);
			write_location(out, &f->related[i], root, i + 1);
		}
		jw_putc(']', out);
	}
	if (f->nr_traces)
		write_stacks(out, f, root);
	jw_puts(",\"properties\":{\"module\":", out);
	json_str(out, f->module, sizeof(f->module));
	jw_puts("}}", out);
}

int mw_sarif_write(const char *path, const struct mw_ci_run *run)
{
	const char *root = run->source_root ? run->source_root : "";
	struct jw *out;
	size_t i;
	FILE *f;

	f = mw_ci_open(path);
	if (!f)
		return -errno;
	out = jw_begin(f);
	jw_printf(out, "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
		  "\"name\":\"modwatch\",\"version\":\"%s\",", MODWATCH_VERSION);
	write_rules(out);
	jw_puts("}}", out);
	if (root[0]) {
		jw_puts(",\"originalUriBaseIds\":{\"SRCROOT\":{\"uri\":\"file://", out);
		json_text(out, root, SIZE_MAX);
		jw_puts("/\"}}", out);
	}
	jw_puts(",\"results\":[", out);
	for (i = 0; i < run->findings->nr; i++) {
		if (i)
			jw_putc(',', out);
		write_result(out, &run->findings->items[i], root, run->strict);
	}
	jw_puts("]}]}\n", out);
	jw_end(out, false);
	return mw_ci_close(f);
}
