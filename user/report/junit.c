// SPDX-License-Identifier: GPL-2.0
/*
 * --junit FILE: the session as JUnit XML, the format CI dashboards read
 * (Jenkins' junit-4 schema, checked in the tests with xmllint). A test
 * suite per watched module, a test case per rule: failing with its reports
 * when the module broke it, passing when not, skipped when --kind left the
 * rule out. Warnings fail only with --strict; else they are the passing
 * case's output.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include "events.h"
#include "report/findings.h"
#include "report/junit.h"
#include "report/rules.h"
#include "probe/module_registry.h"

/* @s with XML's five special characters escaped, and control bytes dropped. */
static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, out);
		}
	}
}

struct tally {
	__u32 failed, warned;	/* findings of the kind in the module */
};

static bool kind_run(const struct mw_ci_run *run, __u32 kind)
{
	return !run->only_kinds || (run->only_kinds & (1ull << kind));
}

static bool fails(const struct mw_ci_run *run, const struct mw_finding *f)
{
	return !f->warning || run->strict;
}

/*
 * The findings of @module and @kind, failing ones or the others: a line
 * each, then each in KASAN's layout, with its stacks and source lines.
 */
static void findings_text(FILE *out, const struct mw_ci_run *run, const char *module, __u32 kind,
			  bool failing)
{
	const struct mw_findings *fs = run->findings;
	size_t i;

	for (i = 0; i < fs->nr; i++) {
		const struct mw_finding *f = &fs->items[i];

		if (f->kind != kind || strcmp(f->module, module) || fails(run, f) != failing)
			continue;
		xml_text(out, f->message);
		fputc('\n', out);
	}
	for (i = 0; i < fs->nr; i++) {
		const struct mw_finding *f = &fs->items[i];

		if (f->kind != kind || strcmp(f->module, module) || fails(run, f) != failing ||
		    !f->detail)
			continue;
		xml_text(out, f->detail);
	}
}

static void tally_module(const struct mw_ci_run *run, const char *module, struct tally *t)
{
	const struct mw_findings *fs = run->findings;
	size_t i;

	memset(t, 0, MW_KIND_NR * sizeof(*t));
	for (i = 0; i < fs->nr; i++) {
		const struct mw_finding *f = &fs->items[i];

		if (strcmp(f->module, module) || f->kind >= MW_KIND_NR)
			continue;
		if (fails(run, f))
			t[f->kind].failed++;
		else
			t[f->kind].warned++;
	}
}

static void write_case(FILE *out, const struct mw_ci_run *run, const char *module, __u32 kind,
		       const struct tally *t)
{
	fprintf(out, "    <testcase classname=\"modwatch.%s\" name=\"%s\" time=\"0\">\n", module,
		mw_kind_name(kind));
	if (!kind_run(run, kind)) {
		fputs("      <skipped>not checked: left out by --kind</skipped>\n", out);
	} else if (t->failed) {
		fprintf(out, "      <failure type=\"%s\" message=\"%u report%s: ", mw_kind_name(kind),
			t->failed, t->failed == 1 ? "" : "s");
		xml_text(out, mw_kind_desc(kind));
		fputs("\">\n", out);
		findings_text(out, run, module, kind, true);
		fputs("</failure>\n", out);
	}
	if (t->warned) {
		fputs("      <system-out>", out);
		findings_text(out, run, module, kind, false);
		fputs("</system-out>\n", out);
	}
	fputs("    </testcase>\n", out);
}

static void write_suite(FILE *out, const struct mw_ci_run *run, const char *module,
			const char *stamp, const char *host)
{
	struct tally t[MW_KIND_NR];
	__u32 k, failed = 0, skipped = 0;

	tally_module(run, module, t);
	for (k = MW_KIND_NONE + 1; k < MW_KIND_NR; k++) {
		failed += kind_run(run, k) && t[k].failed;
		skipped += !kind_run(run, k);
	}
	fprintf(out, "  <testsuite name=\"%s\" tests=\"%u\" failures=\"%u\" errors=\"0\" "
		"skipped=\"%u\" time=\"%.3f\" timestamp=\"%s\" hostname=\"", module,
		MW_KIND_NR - 1, failed, skipped, run->seconds, stamp);
	xml_text(out, host);
	fputs("\">\n", out);
	for (k = MW_KIND_NONE + 1; k < MW_KIND_NR; k++)
		write_case(out, run, module, k, &t[k]);
	fputs("  </testsuite>\n", out);
}

int mw_junit_write(const char *path, const struct mw_ci_run *run)
{
	char stamp[32], host[HOST_NAME_MAX + 1] = "";
	time_t now = time(NULL);
	struct tm tm;
	FILE *out;
	__u32 i;

	out = mw_ci_open(path);
	if (!out)
		return -errno;
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", gmtime_r(&now, &tm));
	gethostname(host, sizeof(host) - 1);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"modwatch\" time=\"%.3f\">\n", run->seconds);
	for (i = 0; i < run->reg->nr; i++)
		write_suite(out, run, run->reg->mods[i].name, stamp, host);
	fputs("</testsuites>\n", out);
	return mw_ci_close(out);
}
