// SPDX-License-Identifier: GPL-2.0
/*
 * The .ko reader on the fuzzers' findings (tests/fuzz/regress/ko/, tiny
 * objects: `call _copy_from_user` assembled, then one field broken): each
 * is one error line that says what is wrong, or a clean read, never a
 * crash. The paths are the source tree's: make test-unit runs from there.
 */
#include <errno.h>
#include <string.h>
#include "sites.h"
#include "ko/accesses.h"
#include "ko/ko.h"
#include "test.h"

#define REGRESS	"tests/fuzz/regress/ko/"

struct ko_run {
	const char *path;
	struct mw_ko ko;
	struct mw_accesses acc;
};

static int run_read(void *ctx)
{
	struct ko_run *k = ctx;

	return mw_ko_read(k->path, &k->ko);
}

static int run_accesses(void *ctx)
{
	struct ko_run *k = ctx;
	int err = mw_ko_accesses(k->path, NULL, 0, &k->acc);

	mw_accesses_free(&k->acc);
	return err;
}

/* Both readers refuse @file with -EINVAL and one line that ends in @why. */
static void check_refused(const char *file, const char *why)
{
	struct ko_run k = { .path = file };
	char err[1024], want[512];
	int (*const readers[])(void *) = { run_read, run_accesses };
	size_t i;

	snprintf(want, sizeof(want), "modwatch: cannot read %s: %s\n", file, why);
	for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		ASSERT_EQ(mw_test_stderr(readers[i], &k, err, sizeof(err)), -EINVAL, file);
		ASSERT_EQ(k.ko.nr_sites, 0, "no sites from a refused .ko");
		if (strcmp(err, want))
			mw_test_fail(__FILE__, __LINE__, "stderr: got '%s', want '%s'", err, want);
		ASSERT_TRUE(!strcmp(err, want), "one line saying what is wrong");
	}
}

TEST(ko_relocations_for_section_0_are_one_error)
{
	/* .rela.text's sh_info zeroed: section 0, whose name was never read (a crash). */
	check_refused(REGRESS "rela-for-section-0.elf",
		      "relocations for a section that does not exist");
}

TEST(ko_relocations_in_empty_code_say_so)
{
	/* .text's sh_size zeroed under its relocation: it said "no error". */
	check_refused(REGRESS "relocs-in-empty-text.elf", "relocations for an empty code section");
}

TEST(ko_without_mcount_loc_reads_its_call)
{
	struct ko_run k = { .path = REGRESS "no-mcount-loc.elf" };
	char err[256];

	/* No __mcount_loc, no symbol in .text: the reader's sorts get empty arrays. */
	ASSERT_OK(mw_test_stderr(run_read, &k, err, sizeof(err)), "reading it");
	ASSERT_EQ(k.ko.nr_sites, 1, "its one call");
	ASSERT_EQ(k.ko.sites[0].callee, MW_CALLEE_COPY_FROM_USER, "to _copy_from_user");
	ASSERT_EQ(k.ko.sites[0].skip, MW_SKIP_NOTRACE, "no ftrace location: notrace");
	ASSERT_EQ(mw_test_lines(err), 0, "nothing said");
	mw_ko_free(&k.ko);
}
