// SPDX-License-Identifier: GPL-2.0
/*
 * --junit and --sarif: the files the writers make from a session's reports,
 * checked against their schemas with real validators (tools/validate-ci:
 * xmllint with Jenkins' junit-4 XSD, python3-jsonschema with the OASIS
 * SARIF 2.1.0 schema; tools/ci-schemas fetches them), and for what a CI
 * dashboard shows: which rule failed in which module, at which line.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "events.h"
#include "report/findings.h"
#include "report/junit.h"
#include "report/sarif.h"
#include "probe/lock_maps.h"
#include "probe/module_registry.h"
#include "symbols/ksym.h"
#include "test.h"

/* tools/validate-ci KIND FILE: 0 when the file is valid; what it said, as TAP comments. */
static int validate(const char *kind, const char *file, bool quiet)
{
	char *cmd;
	int rc;

	if (asprintf(&cmd, "out=$(tools/validate-ci %s/schemas %s %s 2>&1) || "
		     "{ rc=$?; [ %d = 1 ] || echo \"$out\" | sed 's/^/# /' >&2; exit $rc; }",
		     mw_test_build_dir(), kind, file, quiet) < 0)
		return -1;
	rc = system(cmd);
	free(cmd);
	return rc;
}

static char *slurp(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static void place(struct mw_place *p, const char *module, const char *func, __u64 off,
		  const char *file, int line, const char *what)
{
	memset(p, 0, sizeof(*p));
	p->addr = 0xffffffffc0a01000ull + off;
	snprintf(p->module, sizeof(p->module), "%s", module);
	snprintf(p->func, sizeof(p->func), "%s", func);
	p->offset = off;
	p->file = file ? strdup(file) : NULL;
	p->line = line;
	p->what = what;
}

/*
 * A session's worth: mw_buggy broke double_free (with alloc and free
 * sites) and had an ioctl_size_mismatch warning; mw_clean broke nothing.
 */
static void make_run(struct mw_findings *fs, struct mw_registry *reg, struct mw_ci_run *run)
{
	struct mw_finding *f;

	memset(fs, 0, sizeof(*fs));
	memset(reg, 0, sizeof(*reg));
	memset(run, 0, sizeof(*run));
	snprintf(reg->mods[0].name, sizeof(reg->mods[0].name), "mw_buggy");
	snprintf(reg->mods[1].name, sizeof(reg->mods[1].name), "mw_clean");
	reg->nr = 2;
	fs->cap = fs->nr = 2;
	fs->items = calloc(2, sizeof(*fs->items));
	f = &fs->items[0];
	f->kind = MW_DOUBLE_FREE;
	snprintf(f->module, sizeof(f->module), "mw_buggy");
	f->message = strdup("mw_buggy double_free: object 0xffff888004a3c000 <40 bytes> & \"more\"");
	f->detail = strdup("BUG: modwatch: double-free in buggy_double_free+0x1e [mw_buggy]\n"
			   "Call trace:\n buggy_double_free+0x1e [mw_buggy] mw_buggy.c:472\n"
			   " __x64_sys_ioctl+0x90\n");
	place(&f->site, "mw_buggy", "buggy_double_free", 0x1e, "/src/mod/mw_buggy.c", 472, "here");
	place(&f->related[0], "mw_buggy", "buggy_double_free", 0x8, "/src/mod/mw_buggy.c", 466,
	      "allocated here");
	place(&f->related[1], "mw_buggy", "buggy_double_free", 0x12, "/elsewhere/mw_buggy.c",
	      470, "freed here");
	f->nr_related = 2;
	/* Its call trace: the module's call, then a core kernel frame (no line). */
	f->traces[0].what = "call trace";
	f->traces[0].frames = calloc(2, sizeof(struct mw_place));
	f->traces[0].nr = 2;
	place(&f->traces[0].frames[0], "mw_buggy", "buggy_double_free", 0x1e, "/src/mod/mw_buggy.c",
	      472, "call trace");
	place(&f->traces[0].frames[1], "", "__x64_sys_ioctl", 0x90, NULL, 0, "call trace");
	f->nr_traces = 1;
	f = &fs->items[1];
	f->kind = MW_IOCTL_SIZE_MISMATCH;
	f->warning = true;
	snprintf(f->module, sizeof(f->module), "mw_buggy");
	f->message = strdup("mw_buggy warning: ioctl_size_mismatch: copy past _IOC_SIZE");
	place(&f->site, "mw_buggy", "buggy_ioctl", 0x40, NULL, 0, "here");
	run->findings = fs;
	run->reg = reg;
	run->seconds = 1.5;
	run->source_root = "/src";
}

/* A session's findings (make_run()) and a temporary file to write them to. */
struct ci_case {
	char path[32];
	struct mw_registry *reg;
	struct mw_findings fs;
	struct mw_ci_run run;
};

static bool case_open(struct ci_case *c)
{
	int fd;

	snprintf(c->path, sizeof(c->path), "/tmp/mw-ci-XXXXXX");
	fd = mkstemp(c->path);
	c->reg = calloc(1, sizeof(*c->reg));
	if (fd < 0 || !c->reg)
		return false;
	close(fd);
	make_run(&c->fs, c->reg, &c->run);
	return true;
}

static void case_close(struct ci_case *c)
{
	unlink(c->path);
	mw_findings_free(&c->fs);
	free(c->reg);
}

TEST(junit_file_is_valid_and_fails_only_the_broken_rule)
{
	struct ci_case c;
	const char *x;

	ASSERT_TRUE(case_open(&c), "a temporary file");
	ASSERT_OK(mw_junit_write(c.path, &c.run), "writing the JUnit file");
	ASSERT_OK(validate("junit", c.path, false), "the JUnit file against junit-4.xsd");
	x = slurp(c.path);
	ASSERT_TRUE(strstr(x, "<testsuite name=\"mw_buggy\" tests=\"20\" failures=\"1\""),
		    "mw_buggy: 20 rules, 1 failing");
	ASSERT_TRUE(strstr(x, "<testsuite name=\"mw_clean\" tests=\"20\" failures=\"0\""),
		    "mw_clean: 20 rules, none failing");
	ASSERT_TRUE(strstr(x, "name=\"double_free\" time=\"0\">\n      <failure type=\"double_free\""),
		    "double_free failing");
	ASSERT_TRUE(strstr(x, "&lt;40 bytes&gt; &amp; &quot;more&quot;"), "the report, escaped");
	ASSERT_TRUE(strstr(x, "&quot;more&quot;\nBUG: modwatch: double-free in buggy_double_free+0x1e "
			      "[mw_buggy]\nCall trace:\n buggy_double_free+0x1e [mw_buggy] "
			      "mw_buggy.c:472\n __x64_sys_ioctl+0x90\n</failure>"),
		    "then the report in KASAN's layout, its stack included");
	ASSERT_TRUE(strstr(x, "name=\"ioctl_size_mismatch\" time=\"0\">\n      <system-out>"),
		    "a warning passes, with its report as output");

	c.run.strict = true;
	c.run.only_kinds = 1u << MW_DOUBLE_FREE | 1u << MW_IOCTL_SIZE_MISMATCH;
	ASSERT_OK(mw_junit_write(c.path, &c.run), "writing it with --strict --kind");
	ASSERT_OK(validate("junit", c.path, false), "the strict JUnit file against junit-4.xsd");
	x = slurp(c.path);
	ASSERT_TRUE(strstr(x, "<testsuite name=\"mw_buggy\" tests=\"20\" failures=\"2\" errors=\"0\" "
			      "skipped=\"18\""), "--strict fails the warning; --kind skips 18");
	ASSERT_TRUE(strstr(x, "<skipped>not checked: left out by --kind</skipped>"), "skipped");
	case_close(&c);
}

TEST(sarif_file_is_valid_with_lines_rules_and_related_locations)
{
	struct ci_case c;
	const char *x;

	ASSERT_TRUE(case_open(&c), "a temporary file");
	ASSERT_OK(mw_sarif_write(c.path, &c.run), "writing the SARIF file");
	ASSERT_OK(validate("sarif", c.path, false), "the SARIF file against the SARIF 2.1.0 schema");
	x = slurp(c.path);
	ASSERT_TRUE(strstr(x, "{\"ruleId\":\"double_free\",\"ruleIndex\":5,\"level\":\"error\""),
		    "the double free, an error, pointing at its rule");
	ASSERT_TRUE(strstr(x, "\"uri\":\"mod/mw_buggy.c\",\"uriBaseId\":\"SRCROOT\"},"
			      "\"region\":{\"startLine\":472}"), "at its line, under the root");
	ASSERT_TRUE(strstr(x, "\"uri\":\"file:///elsewhere/mw_buggy.c\""),
		    "a file outside the root, absolute");
	ASSERT_TRUE(strstr(x, "\"message\":{\"text\":\"allocated here\"}"), "the allocation");
	ASSERT_TRUE(strstr(x, "{\"ruleId\":\"ioctl_size_mismatch\",\"ruleIndex\":17,"
			      "\"level\":\"warning\""), "the warning");
	ASSERT_TRUE(strstr(x, "\"fullyQualifiedName\":\"buggy_ioctl+0x40 [mw_buggy]\""),
		    "no DWARF: the function as a logical location");
	ASSERT_TRUE(strstr(x, "\"originalUriBaseIds\":{\"SRCROOT\":{\"uri\":\"file:///src/\"}}"),
		    "the root");
	ASSERT_TRUE(strstr(x, "\"stacks\":[{\"message\":{\"text\":\"call trace\"},\"frames\":["
			      "{\"location\":{\"physicalLocation\":{\"artifactLocation\":{\"uri\":"
			      "\"mod/mw_buggy.c\""), "the kernel stack, its module frame at its line");
	ASSERT_TRUE(strstr(x, "{\"location\":{\"logicalLocations\":[{\"fullyQualifiedName\":"
			      "\"__x64_sys_ioctl+0x90\",\"kind\":\"function\"}]}}]}]"),
		    "then the core kernel's frame, a function without a line");
	case_close(&c);
}

/* The validators can say no: a SARIF log without its version, a JUnit case without a name. */
TEST(ci_file_validators_reject_broken_files)
{
	char path[] = "/tmp/mw-bad-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	ASSERT_TRUE(fd >= 0, "a temporary file");
	f = fdopen(fd, "w");
	fputs("{\"runs\":[]}\n", f);
	fclose(f);
	ASSERT_NE(validate("sarif", path, true), 0, "a SARIF log without \"version\"");
	f = fopen(path, "w");
	fputs("<testsuites><testsuite name=\"m\" tests=\"1\"><testcase/></testsuite></testsuites>\n",
	      f);
	fclose(f);
	ASSERT_NE(validate("junit", path, true), 0, "a test case without a name");
	unlink(path);
}

/* A report as the session keeps it: the text printer's words, its sites resolved. */
TEST(findings_keep_the_report_text_and_resolve_sites)
{
	struct mw_registry *reg = calloc(1, sizeof(*reg));
	struct mw_findings fs = {};
	struct mw_event e = {};
	__u64 kfree_addr = 0, alloc_addr = 0;

	ASSERT_TRUE(reg, "memory");
	ASSERT_OK(mw_ksym_addr(NULL, "kfree", &kfree_addr), "kfree in kallsyms");
	ASSERT_OK(mw_ksym_addr(NULL, "kmem_cache_alloc_lru", &alloc_addr) &&
		  mw_ksym_addr(NULL, "kmem_cache_alloc_lru_noprof", &alloc_addr),
		  "kmem_cache_alloc_lru (6.1) or kmem_cache_alloc_lru_noprof (6.10+) in kallsyms");
	snprintf(reg->mods[0].name, sizeof(reg->mods[0].name), "mw_buggy");
	reg->mods[0].id = 1;
	reg->nr = 1;
	e.hdr.kind = MW_DOUBLE_FREE;
	e.hdr.module_id = 1;
	e.hdr.ts_ns = 1234567890123ull;
	e.hdr.site = kfree_addr + 0x10;
	e.double_free.obj.addr = 0xffff888004a3c000ull;
	e.double_free.obj.size = 40;
	e.double_free.obj.alloc_site = alloc_addr + 0x20;
	e.double_free.obj.free_site = kfree_addr + 0x4;
	ASSERT_OK(mw_findings_add(&fs, reg, &e), "keeping the report");
	ASSERT_EQ(fs.nr, 1, "findings");
	ASSERT_TRUE(!strncmp(fs.items[0].message, "mw_buggy double_free:", 21),
		    "the text report without its time stamp");
	ASSERT_TRUE(!strchr(fs.items[0].message, '\n'), "one line");
	ASSERT_TRUE(!strcmp(fs.items[0].site.func, "kfree") && fs.items[0].site.offset == 0x10,
		    "the site resolved");
	ASSERT_EQ(fs.items[0].nr_related, 2, "allocation and first free");
	ASSERT_TRUE(!strncmp(fs.items[0].related[0].func, "kmem_cache_alloc_lru", 20) &&
		    fs.items[0].related[0].offset == 0x20, "the allocation site");
	ASSERT_TRUE(!strcmp(fs.items[0].related[1].what, "freed here"), "the first free");
	mw_findings_free(&fs);
	mw_ksym_free();
	free(reg);
}

/* A cycle of three locks, found by the daemon from the edges, is a finding too. */
TEST(findings_keep_a_lock_cycle_the_daemon_found)
{
	struct mw_registry *reg = calloc(1, sizeof(*reg));
	struct mw_findings fs = {};
	struct mw_edge e[3] = {};
	int path[3] = { 0, 1, 2 }, i;
	__u64 base = 0;

	ASSERT_TRUE(reg, "memory");
	ASSERT_OK(mw_ksym_addr(NULL, "kfree", &base), "kfree in kallsyms");
	snprintf(reg->mods[0].name, sizeof(reg->mods[0].name), "mw_buggy");
	reg->mods[0].id = 1;
	reg->nr = 1;
	for (i = 0; i < 3; i++) {
		e[i].a = 0xffffffffc0a05000ull + 0x40 * i;
		e[i].b = 0xffffffffc0a05000ull + 0x40 * ((i + 1) % 3);
		e[i].site_a = base + 0x10 * i;
		e[i].site_b = base + 0x10 * i + 8;
		e[i].ns = i + 1;
		e[i].module_id = 1;
	}
	ASSERT_OK(mw_findings_add_cycle(&fs, reg, e, path, 3), "keeping the cycle");
	ASSERT_EQ(fs.nr, 1, "findings");
	ASSERT_EQ(fs.items[0].kind, MW_LOCK_ORDER_INVERSION, "its kind");
	ASSERT_TRUE(!strcmp(fs.items[0].module, "mw_buggy"), "its module");
	ASSERT_TRUE(strstr(fs.items[0].message, "a cycle of 3 locks"), "the text printer's words");
	ASSERT_EQ(fs.items[0].site.offset, 0x28, "at the newest edge's second acquire");
	ASSERT_EQ(fs.items[0].related[0].offset, 0, "the first edge's first acquire");
	mw_findings_free(&fs);
	mw_ksym_free();
	free(reg);
}
