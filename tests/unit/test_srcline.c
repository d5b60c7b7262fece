// SPDX-License-Identifier: GPL-2.0
/*
 * Source lines from the test modules' own DWARF: every call site modwatch
 * probes in mw_buggy.ko resolves to the line of mw_buggy.c that makes the
 * call; a split debug file (found by build-id, or by the .ko's path under a
 * debug folder, Debian's -dbg layout) gives the same answer as the .ko; a
 * .ko without DWARF gives none, quietly.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ko/ko.h"
#include "symbols/srcline.h"
#include "test.h"
#include "ko/callees.h"

/* Line @line of @file, or "" when there is none. */
static const char *source_line(const char *file, int line, char *buf, size_t len)
{
	FILE *f = fopen(file, "r");
	int n = 0;

	buf[0] = '\0';
	if (!f)
		return buf;
	while (fgets(buf, len, f))
		if (++n == line)
			break;
	if (n != line)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/*
 * Does @text call @callee? The symbol's leading underscores and a size
 * suffix are the macro's doing: raw_spin_lock() calls _raw_spin_lock,
 * get_user() calls __get_user_4.
 */
static bool names_callee(const char *text, const char *callee)
{
	char name[128];
	size_t n;

	snprintf(name, sizeof(name), "%s(", callee + strspn(callee, "_"));
	n = strlen(name) - 1;
	while (n && strchr("0123456789", name[n - 1]))
		n--;
	if (n && name[n - 1] == '_' && n < strlen(name) - 1)
		strcpy(name + n - 1, "(");
	return strstr(text, name);
}

/* The module's own sources: mw_buggy.c and the mw_info.h it includes. */
static bool own_source(const char *file)
{
	return file && (ends_with(file, "/mw_buggy.c") || ends_with(file, "/mw_info.h") ||
			ends_with(file, "/mw_share.h"));
}

/* The two kmem_cache_free() calls of buggy_double_free, on their own two lines. */
TEST(srcline_double_free_sites_are_the_lines_of_the_two_calls)
{
	struct mw_src_frame f[MW_SRC_FRAMES];
	char path[PATH_MAX], text[512];
	int lines[2] = { 0, 0 }, n, found = 0;
	struct mw_ko ko;
	size_t i;

	snprintf(path, sizeof(path), "%s/mw_buggy.ko", mw_test_modules_dir());
	ASSERT_OK(mw_ko_read(path, &ko), "reading mw_buggy.ko");
	ASSERT_OK(mw_srcline_add("mw_buggy", path), "registering mw_buggy.ko");
	for (i = 0; i < ko.nr_sites && found < 2; i++) {
		const struct mw_callsite *cs = &ko.sites[i];

		if (strcmp(cs->func, "buggy_double_free") || cs->callee != MW_CALLEE_KMEM_CACHE_FREE)
			continue;
		n = mw_srcline("mw_buggy", cs->func, cs->func_off, f, MW_SRC_FRAMES);
		ASSERT_EQ(n, 1, "frames of a call that is not inlined");
		ASSERT_TRUE(ends_with(f[0].file, "/mw_buggy.c"), "the call's file");
		ASSERT_TRUE(!strcmp(f[0].func, "buggy_double_free"), "the call's function");
		source_line(f[0].file, f[0].line, text, sizeof(text));
		ASSERT_TRUE(strstr(text, "kmem_cache_free(mw_dbg_cache, obj);"), "the line's text");
		lines[found++] = f[0].line;
	}
	mw_ko_free(&ko);
	mw_srcline_free();
	ASSERT_EQ(found, 2, "kmem_cache_free sites in buggy_double_free");
	ASSERT_GT(lines[1], lines[0], "the second free's line after the first's");
}

/*
 * A kmem tracepoint names its caller by return address, the instruction
 * after the call: the allocation and both frees of buggy_double_free
 * resolve, from there, to the lines of their calls, not the next line.
 */
TEST(srcline_a_return_address_resolves_to_its_call)
{
	struct mw_src_frame f[MW_SRC_FRAMES], r[MW_SRC_FRAMES];
	char path[PATH_MAX];
	struct mw_ko ko;
	size_t i, checked = 0;

	snprintf(path, sizeof(path), "%s/mw_buggy.ko", mw_test_modules_dir());
	ASSERT_OK(mw_ko_read(path, &ko), "reading mw_buggy.ko");
	ASSERT_OK(mw_srcline_add("mw_buggy", path), "registering mw_buggy.ko");
	for (i = 0; i < ko.nr_sites; i++) {
		const struct mw_callsite *cs = &ko.sites[i];

		if (strcmp(cs->func, "buggy_double_free"))
			continue;
		ASSERT_EQ(mw_srcline("mw_buggy", cs->func, cs->func_off, f, MW_SRC_FRAMES), 1,
			  "the call's frames");
		ASSERT_EQ(mw_srcline("mw_buggy", cs->func, cs->func_off + 5, r, MW_SRC_FRAMES), 1,
			  "the return address's frames");
		ASSERT_EQ(r[0].line, f[0].line, "the return address's line is the call's");
		checked++;
	}
	mw_ko_free(&ko);
	mw_srcline_free();
	ASSERT_EQ(checked, 3, "buggy_double_free's allocation and two frees");
}

/*
 * Every probed call site of mw_buggy, inlined or not: the outermost frame
 * is a line of mw_buggy.c in the site's function, and the innermost frame's
 * line names the callee (a call through an inline wrapper, copy_from_user()
 * to _copy_from_user(), has its innermost frame in the wrapper's header).
 */
TEST(srcline_every_site_of_mw_buggy_names_its_callee)
{
	struct mw_src_frame f[MW_SRC_FRAMES];
	char path[PATH_MAX], text[512];
	size_t i, resolved = 0, bad = 0;
	struct mw_ko ko;
	int n;

	snprintf(path, sizeof(path), "%s/mw_buggy.ko", mw_test_modules_dir());
	ASSERT_OK(mw_ko_read(path, &ko), "reading mw_buggy.ko");
	ASSERT_OK(mw_srcline_add("mw_buggy", path), "registering mw_buggy.ko");
	for (i = 0; i < ko.nr_sites; i++) {
		const struct mw_callsite *cs = &ko.sites[i];
		const char *callee = mw_callee_name(cs->callee);

		if (!cs->func[0])
			continue;
		n = mw_srcline("mw_buggy", cs->func, cs->func_off, f, MW_SRC_FRAMES);
		if (n < 1) {
			fprintf(stderr, "# %s+0x%llx: no line\n", cs->func,
				(unsigned long long)cs->func_off);
			bad++;
			continue;
		}
		resolved++;
		source_line(f[0].file, f[0].line, text, sizeof(text));
		if (!own_source(f[n - 1].file) || strcmp(f[n - 1].func, cs->func) ||
		    !names_callee(text, callee)) {
			fprintf(stderr, "# %s+0x%llx (%s): %d frames, innermost %s:%d: %s"
				"#   outermost %s in %s\n", cs->func,
				(unsigned long long)cs->func_off, callee, n, f[0].file, f[0].line,
				text, f[n - 1].file, f[n - 1].func);
			bad++;
		}
	}
	mw_ko_free(&ko);
	mw_srcline_free();
	ASSERT_GT(resolved, 40, "sites resolved");
	ASSERT_EQ(bad, 0, "sites whose line does not name the call");
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

/*
 * Debian strips its modules' DWARF into linux-image-*-dbg: the same lines
 * come from a split debug file found by build-id under --debug-dir, or at
 * the .ko's own path under it; without one, no line and no error.
 */
TEST(srcline_split_debug_by_build_id_and_by_path)
{
	char ko[PATH_MAX], dir[] = "/tmp/mw-srcline-XXXXXX", *cmd = NULL;
	char stripped[PATH_MAX + 32], byid[PATH_MAX + 64], bypath[PATH_MAX * 2];
	struct mw_src_frame want[MW_SRC_FRAMES], f[MW_SRC_FRAMES];
	int n_want, n;
	struct mw_ko k;
	const struct mw_callsite *cs = NULL;
	char id[2 * MW_BUILD_ID_MAX + 1];
	size_t i;

	snprintf(ko, sizeof(ko), "%s/mw_buggy.ko", mw_test_modules_dir());
	ASSERT_OK(mw_ko_read(ko, &k), "reading mw_buggy.ko");
	for (i = 0; i < k.nr_sites && !cs; i++)
		if (!strcmp(k.sites[i].func, "buggy_double_free"))
			cs = &k.sites[i];
	ASSERT_TRUE(cs && k.build_id_len, "a site and a build-id");
	for (i = 0; i < k.build_id_len; i++)
		sprintf(id + 2 * i, "%02x", k.build_id[i]);
	ASSERT_OK(mw_srcline_add("mw_buggy", ko), "registering mw_buggy.ko");
	n_want = mw_srcline("mw_buggy", cs->func, cs->func_off, want, MW_SRC_FRAMES);
	ASSERT_EQ(n_want, 1, "frames from the .ko itself");
	want[0].file = strdup(want[0].file);
	mw_srcline_free();

	ASSERT_TRUE(mkdtemp(dir), "a temporary folder");
	snprintf(stripped, sizeof(stripped), "%s/mw_buggy.ko", dir);
	snprintf(byid, sizeof(byid), "%s/id/.build-id/%.2s/%s.debug", dir, id, id + 2);
	snprintf(bypath, sizeof(bypath), "%s/dbg%s", dir, stripped);
	ASSERT_TRUE(asprintf(&cmd, "objcopy --strip-debug %s %s && mkdir -p $(dirname %s) "
			     "$(dirname %s) && objcopy --only-keep-debug %s %s && cp %s %s", ko,
			     stripped, byid, bypath, ko, byid, byid, bypath) > 0, "a command");
	ASSERT_OK(run(cmd), cmd);
	free(cmd);

	ASSERT_OK(mw_srcline_add("mw_buggy", stripped), "registering the stripped .ko");
	n = mw_srcline("mw_buggy", cs->func, cs->func_off, f, MW_SRC_FRAMES);
	ASSERT_EQ(n, 0, "frames without any debug file");
	mw_srcline_free();

	for (i = 0; i < 2; i++) {
		char d[PATH_MAX + 8];

		snprintf(d, sizeof(d), "%s/%s", dir, i ? "dbg" : "id");
		ASSERT_OK(mw_srcline_debug_dir(d), "adding the debug folder");
		ASSERT_OK(mw_srcline_add("mw_buggy", stripped), "registering the stripped .ko");
		n = mw_srcline("mw_buggy", cs->func, cs->func_off, f, MW_SRC_FRAMES);
		ASSERT_EQ(n, 1, i ? "frames by the .ko's path" : "frames by build-id");
		ASSERT_EQ(f[0].line, want[0].line, "the same line as from the .ko");
		ASSERT_TRUE(!strcmp(f[0].file, want[0].file), "the same file as from the .ko");
		mw_srcline_free();
	}
	if (asprintf(&cmd, "rm -rf %s", dir) > 0)
		run(cmd);
	free(cmd);
	free((char *)want[0].file);
	mw_ko_free(&k);
}

TEST(srcline_unknown_module_or_function_gives_no_line)
{
	struct mw_src_frame f[MW_SRC_FRAMES];
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/mw_buggy.ko", mw_test_modules_dir());
	ASSERT_OK(mw_srcline_add("mw_buggy", path), "registering mw_buggy.ko");
	ASSERT_EQ(mw_srcline("mw_clean", "clean_read", 4, f, MW_SRC_FRAMES), 0, "unregistered");
	ASSERT_EQ(mw_srcline("mw_buggy", "no_such_function", 4, f, MW_SRC_FRAMES), 0, "no symbol");
	ASSERT_EQ(mw_srcline("mw_buggy", NULL, 4, f, MW_SRC_FRAMES), 0, "no function");
	ASSERT_EQ(mw_srcline_debug_dir("/nonexistent/debug"), -ENOENT, "a missing --debug-dir");
	mw_srcline_free();
}

/* Lookups are kept; a module given another .ko forgets them (and so does mw_srcline_free()). */
TEST(srcline_kept_lookups_go_with_the_ko)
{
	struct mw_src_frame f[MW_SRC_FRAMES], again[MW_SRC_FRAMES];
	char buggy[PATH_MAX], clean[PATH_MAX];

	snprintf(buggy, sizeof(buggy), "%s/mw_buggy.ko", mw_test_modules_dir());
	snprintf(clean, sizeof(clean), "%s/mw_clean.ko", mw_test_modules_dir());
	ASSERT_OK(mw_srcline_add("mw_buggy", buggy), "registering mw_buggy.ko");
	ASSERT_EQ(mw_srcline("mw_buggy", "buggy_double_free", 0x10, f, MW_SRC_FRAMES), 1, "lookup");
	ASSERT_EQ(mw_srcline("mw_buggy", "buggy_double_free", 0x10, again, MW_SRC_FRAMES), 1,
		  "the same lookup again");
	ASSERT_EQ(again[0].line, f[0].line, "the same line");
	ASSERT_OK(mw_srcline_add("mw_buggy", clean), "another .ko for the module");
	ASSERT_EQ(mw_srcline("mw_buggy", "buggy_double_free", 0x10, f, MW_SRC_FRAMES), 0,
		  "a function the new .ko does not have");
	mw_srcline_free();
	ASSERT_OK(mw_srcline_add("mw_buggy", clean), "mw_clean.ko after a free");
	ASSERT_EQ(mw_srcline("mw_buggy", "buggy_double_free", 0x10, f, MW_SRC_FRAMES), 0,
		  "nothing kept across mw_srcline_free()");
	mw_srcline_free();
}

/* The line of the first line of user/@file that starts with @prefix, 0 if none. */
static int repo_line(const char *file, const char *prefix)
{
	char path[PATH_MAX], buf[512];
	int n = 0, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "user/%s", file);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!found && fgets(buf, sizeof(buf), f)) {
		n++;
		if (!strncmp(buf, prefix, strlen(prefix)))
			found = n;
	}
	fclose(f);
	return found;
}

/*
 * --vmlinux: frames of the core kernel (module NULL) resolve from a linked
 * image's DWARF. The unit-test binary, a static executable built with -g,
 * stands in for vmlinux: the same ET_EXEC lookup, by function and offset.
 */
TEST(srcline_vmlinux_gives_core_kernel_frames_their_lines)
{
	int decl = repo_line("symbols/srcline.c", "int mw_srcline_vmlinux(");
	struct mw_src_frame f[MW_SRC_FRAMES];
	char path[PATH_MAX];
	int n;

	ASSERT_GT(decl, 0, "user/symbols/srcline.c is readable from the repository root");
	snprintf(path, sizeof(path), "%s/unit-tests", mw_test_build_dir());
	mw_srcline_free();
	ASSERT_EQ(mw_srcline(NULL, "mw_srcline_vmlinux", 0, f, MW_SRC_FRAMES), 0,
		  "no --vmlinux: core kernel frames have no line");
	ASSERT_OK(mw_srcline_vmlinux(path), "an executable with DWARF is taken");
	n = mw_srcline(NULL, "mw_srcline_vmlinux", 0, f, MW_SRC_FRAMES);
	ASSERT_GT(n, 0, "a function's entry has its line");
	ASSERT_TRUE(f[n - 1].file && strstr(f[n - 1].file, "srcline.c"), "in its file");
	ASSERT_TRUE(f[n - 1].line == decl || f[n - 1].line == decl + 1, "at its first line");
	ASSERT_TRUE(f[n - 1].func && !strcmp(f[n - 1].func, "mw_srcline_vmlinux"), "named");
	/* A caller's frame is a return address: the line of the call before it, in the body. */
	n = mw_srcline(NULL, "mw_srcline_vmlinux", 16, f, MW_SRC_FRAMES);
	ASSERT_TRUE(n > 0 && f[n - 1].line >= decl && f[n - 1].line < decl + 12,
		    "a frame inside the function is a line of its body");
	/* install() is static in two test files: which one kallsyms meant is unknown. */
	ASSERT_EQ(mw_srcline(NULL, "install", 0, f, MW_SRC_FRAMES), 0,
		  "a function name the image has twice gets no line, not a guess");
	ASSERT_EQ(mw_srcline_vmlinux("/bin/sh"), -ENODATA, "no DWARF is said");
	ASSERT_EQ(mw_srcline_vmlinux("/nonexistent"), -ENOENT, "no file is said");
	mw_srcline_free();
}
