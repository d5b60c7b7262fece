// SPDX-License-Identifier: GPL-2.0
/*
 * The one escaping rule for text a person reads (lib/escape.h), and that
 * every text path takes it: a task that names itself with ESC, BEL and a
 * newline (prctl(PR_SET_NAME)) cannot retitle the terminal or forge a
 * "BUG:" line in the line layout, the KASAN layout or `modwatch report`.
 */
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include "events.h"
#include "test.h"
#include "lib/escape.h"
#include "probe/module_registry.h"
#include "report/kasan.h"
#include "report/print_text.h"
#include "report/printer.h"

/* 16 bytes with the NUL, as a comm is: ESC ] 0 ; p w n BEL b \n B U G : NUL */
static const char hostile[] = "a\x1b]0;pwn\x07" "b\nBUG:";
#define HOSTILE_SHOWN "a\\x1b]0;pwn\\x07b\\nBUG:"

#define ASSERT_STR(got, want, what)						\
	do {									\
		if (strcmp(got, want)) {					\
			mw_test_fail(__FILE__, __LINE__, "%s: expected '%s', got '%s'", \
				     what, want, got);				\
			return;							\
		}								\
	} while (0)

TEST(escape_shows_control_bytes_backslash_and_broken_utf8)
{
	char buf[16];

	ASSERT_STR(mw_esc(hostile), HOSTILE_SHOWN, "a hostile comm");
	ASSERT_STR(mw_esc("a\\b\tc\x7f"), "a\\\\b\\tc\\x7f", "backslash, tab, DEL");
	ASSERT_STR(mw_esc("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac", "valid UTF-8");
	ASSERT_STR(mw_esc("\xc2\x9b" "1m"), "\\xc2\\x9b1m", "a C1 control (CSI)");
	ASSERT_STR(mw_esc("\xff\xc3"), "\\xff\\xc3", "bytes of no sequence");
	ASSERT_STR(mw_escn("ab\ncd", 3), "ab\\n", "the bound");
	/* Cut after a whole escape, never inside one, and said so. */
	ASSERT_STR(mw_escape(buf, sizeof(buf), "abcdefghij\x1b" "klmnop", SIZE_MAX),
		   "abcdefghij...", "too long");
	ASSERT_STR(mw_escape(buf, sizeof(buf), "abcdefghijklmno", SIZE_MAX), "abcdefghijklmno",
		   "exactly the room");
}

/* @e as @p writes it, in a buffer the caller frees. */
static char *render(const struct mw_printer *p, struct mw_registry *reg, const struct mw_event *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	p->violation(out, reg, e);
	fclose(out);
	return buf;
}

/* No byte below 0x20 but the line ends, no line "BUG:" but modwatch's; the comm escaped. */
static bool shown_escaped(const char *s)
{
	const char *p;
	size_t i;

	for (i = 0; s && s[i]; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
			return false;
	for (p = s; p && (p = strstr(p, "\nBUG:")); p++)
		if (strncmp(p, "\nBUG: modwatch: ", strlen("\nBUG: modwatch: ")))
			return false;
	return s && strstr(s, HOSTILE_SHOWN);
}

TEST(a_hostile_comm_is_escaped_in_the_line_and_kasan_layouts)
{
	static struct mw_registry reg;
	struct mw_event e = { .hdr = { .kind = MW_DOUBLE_FREE, .pid = 7, .tid = 7 } };
	char *line, *kasan;

	memcpy(e.hdr.comm, hostile, sizeof(hostile));
	line = render(&mw_print_text, &reg, &e);
	kasan = render(mw_kasan_printer(), &reg, &e);
	ASSERT_TRUE(line && strstr(line, "comm " HOSTILE_SHOWN " cpu"), "the line layout");
	ASSERT_TRUE(shown_escaped(line), "no control byte in the line layout");
	ASSERT_TRUE(kasan && strstr(kasan, "by task " HOSTILE_SHOWN "/7"), "the KASAN layout");
	ASSERT_TRUE(shown_escaped(kasan), "no control byte in the KASAN layout");
	free(line);
	free(kasan);
}

TEST(a_hostile_string_in_a_saved_json_line_is_escaped_in_the_kasan_layout)
{
	const char *json = "{\"type\":\"violation\",\"kind\":\"double_free\",\"tid\":9,"
			   "\"comm\":\"a\\u001b]0;pwn\\u0007b\\nBUG:\",\"site\":{\"addr\":\"0x1\","
			   "\"module\":\"m\\u001b[2J\",\"function\":\"f\\nBUG: x\",\"offset\":1}}";
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	ASSERT_TRUE(out, "a memory stream");
	ASSERT_OK(mw_kasan_line(out, json, false), "the line renders");
	fclose(out);
	ASSERT_TRUE(shown_escaped(buf), "the comm escaped, no control byte");
	ASSERT_TRUE(strstr(buf, "in f\\nBUG: x+0x1 [m\\x1b[2J]"), "function and module escaped");
	free(buf);
}
