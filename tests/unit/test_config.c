// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file's reader, the suppression rules and the kinds'
 * journal MESSAGE_IDs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "events.h"
#include "cli/config.h"
#include "report/rules.h"
#include "report/suppress.h"
#include "test.h"

struct seen {
	char lines[8][160];
	int n;
	int fail_at;		/* reject this line number */
};

static int collect(void *ctx, char *key, char *value, int line)
{
	struct seen *s = ctx;

	if (line == s->fail_at)
		return -EINVAL;
	snprintf(s->lines[s->n++], sizeof(s->lines[0]), "%d:%s=%s", line, key, value ? value : "(flag)");
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

TEST(config_lines_keys_values_flags_comments)
{
	char path[64];
	struct seen s = {};

	snprintf(path, sizeof(path), "/tmp/mw-conf-%d", getpid());
	write_file(path, "# a comment\n\n  module   snd_*  # trailing\nappend\nsuppress = a:b:c\n"
			 "\tkind\t-double_free\nlast-line-no-newline 1");
	ASSERT_OK(mw_config_read(path, collect, &s), "read");
	ASSERT_EQ(s.n, 5, "five directives");
	ASSERT_TRUE(!strcmp(s.lines[0], "3:module=snd_*"), "value trimmed, comment cut");
	ASSERT_TRUE(!strcmp(s.lines[1], "4:append=(flag)"), "a flag has no value");
	ASSERT_TRUE(!strcmp(s.lines[2], "5:suppress=a:b:c"), "KEY = VALUE too");
	ASSERT_TRUE(!strcmp(s.lines[3], "6:kind=-double_free"), "tabs");
	ASSERT_TRUE(!strcmp(s.lines[4], "7:last-line-no-newline=1"), "the last line");
	memset(&s, 0, sizeof(s));
	s.fail_at = 4;
	ASSERT_EQ(mw_config_read(path, collect, &s), -EINVAL, "a rejected line stops the read");
	ASSERT_EQ(s.n, 1, "nothing after it is read");
	unlink(path);
	ASSERT_EQ(mw_config_read(path, collect, &s), -ENOENT, "no file");
}

TEST(suppression_parse_and_match)
{
	const char *funcs[] = { "buggy_uaf_copy", "mw_buggy_ioctl", "__x64_sys_ioctl" };
	struct mw_suppression r;

	ASSERT_OK(mw_suppression_parse("use_after_free:mw_*:mw_buggy_ioctl", &r), "parse");
	ASSERT_TRUE(mw_suppression_match(&r, "use_after_free", "mw_buggy", funcs, 3),
		    "a frame of the stack matches, not only the site");
	ASSERT_TRUE(!mw_suppression_match(&r, "use_after_free", "mw_buggy", funcs, 1),
		    "the site alone does not");
	ASSERT_TRUE(!mw_suppression_match(&r, "double_free", "mw_buggy", funcs, 3), "kind");
	ASSERT_TRUE(!mw_suppression_match(&r, "use_after_free", "ext4", funcs, 3), "module");
	ASSERT_TRUE(!mw_suppression_match(&r, "use_after_free", NULL, funcs, 3), "no module");
	ASSERT_OK(mw_suppression_parse("*:*:*", &r), "all globs");
	ASSERT_TRUE(mw_suppression_match(&r, "double_free", "x", funcs, 1), "matches any");
	ASSERT_TRUE(mw_suppression_match(&r, "double_free", "x", funcs, 0),
		    "* is any function, even none known");
	ASSERT_OK(mw_suppression_parse("*:*:mw_*", &r), "a function glob");
	ASSERT_TRUE(!mw_suppression_match(&r, "double_free", "x", funcs, 0),
		    "no function known: a function glob cannot match");
	ASSERT_EQ(mw_suppression_parse("a:b", &r), -EINVAL, "two parts");
	ASSERT_EQ(mw_suppression_parse("a:b:c:d", &r), -EINVAL, "four parts");
	ASSERT_EQ(mw_suppression_parse(":b:c", &r), -EINVAL, "empty kind");
	ASSERT_EQ(mw_suppression_parse("a::c", &r), -EINVAL, "empty module");
	ASSERT_EQ(mw_suppression_parse("a:b:", &r), -EINVAL, "empty function");
}

TEST(every_kind_has_its_own_message_id)
{
	__u32 k, j;

	for (k = MW_KIND_NONE + 1; k < MW_KIND_NR; k++) {
		const char *id = mw_kind_message_id(k);

		ASSERT_TRUE(id != NULL, mw_kind_name(k));
		ASSERT_EQ(strlen(id), 32, "128 bits in hex");
		ASSERT_EQ(strspn(id, "0123456789abcdef"), 32, "lower-case hex");
		for (j = MW_KIND_NONE + 1; j < k; j++)
			ASSERT_TRUE(strcmp(id, mw_kind_message_id(j)), "distinct");
	}
	ASSERT_TRUE(mw_kind_message_id(MW_KIND_NR) == NULL, "none past the last kind");
}
