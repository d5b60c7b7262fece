// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer's one escaping rule (report/json_writer.h), byte by byte:
 * the JSON lines, the SARIF file and doctor's --json all write strings with
 * it, so what it does to a control byte, to DEL and to bytes that are not
 * UTF-8 is pinned here. The printers once had a rule each: the JSON lines
 * escaped every byte >= 0x7f (valid UTF-8 too), SARIF none of them (its
 * files could be invalid UTF-8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "report/json_writer.h"
#include "test.h"

/* @s (at most @max bytes of it) as json_str() writes it. */
static const char *str_of(const char *s, size_t max)
{
	static char out[256];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jw *w;

	if (!f)
		return "(no memory)";
	w = jw_begin(f);
	json_str(w, s, max);
	jw_end(w, false);
	fclose(f);
	snprintf(out, sizeof(out), "%s", buf);
	free(buf);
	return out;
}

#define ASSERT_JSON(in, max, want)						\
	do {									\
		const char *_got = str_of(in, max);				\
		if (strcmp(_got, want)) {					\
			mw_test_fail(__FILE__, __LINE__, "%s: expected %s, got %s", \
				     #in, want, _got);				\
			return;							\
		}								\
	} while (0)

TEST(json_str_escapes_quote_backslash_and_control_bytes)
{
	ASSERT_JSON("plain text 0-9 ~", SIZE_MAX, "\"plain text 0-9 ~\"");
	ASSERT_JSON("a\"b", SIZE_MAX, "\"a\\\"b\"");
	ASSERT_JSON("a\\b", SIZE_MAX, "\"a\\\\b\"");
	/* One form for every control byte: \u00XX, none of the short ones. */
	ASSERT_JSON("a\nb", SIZE_MAX, "\"a\\u000ab\"");
	ASSERT_JSON("a\tb", SIZE_MAX, "\"a\\u0009b\"");
	ASSERT_JSON("\x01", SIZE_MAX, "\"\\u0001\"");
	ASSERT_JSON("\x1f", SIZE_MAX, "\"\\u001f\"");
	ASSERT_JSON("\x7f", SIZE_MAX, "\"\\u007f\"");
}

TEST(json_str_keeps_valid_utf8_and_escapes_other_high_bytes)
{
	ASSERT_JSON("caf\xc3\xa9", SIZE_MAX, "\"caf\xc3\xa9\"");		/* U+00E9 */
	ASSERT_JSON("\xe2\x82\xac 1", SIZE_MAX, "\"\xe2\x82\xac 1\"");		/* U+20AC */
	ASSERT_JSON("\xf0\x9f\x98\x80", SIZE_MAX, "\"\xf0\x9f\x98\x80\"");	/* U+1F600 */
	/* a lone continuation byte */
	ASSERT_JSON("a\x80z", SIZE_MAX, "\"a\\u0080z\"");
	ASSERT_JSON("\xc0\x80", SIZE_MAX, "\"\\u00c0\\u0080\"");		/* overlong NUL */
	ASSERT_JSON("\xed\xa0\x80", SIZE_MAX, "\"\\u00ed\\u00a0\\u0080\"");	/* a surrogate */
	ASSERT_JSON("\xf4\x90\x80\x80", SIZE_MAX,				/* past U+10FFFF */
		    "\"\\u00f4\\u0090\\u0080\\u0080\"");
	ASSERT_JSON("\xc3z", SIZE_MAX, "\"\\u00c3z\"");			/* a broken sequence */
	/* A sequence cut by the end of the string, then by its bound (a comm cut at 16 bytes). */
	ASSERT_JSON("ab\xe2\x82", SIZE_MAX, "\"ab\\u00e2\\u0082\"");
	ASSERT_JSON("ab\xe2\x82\xac", 4, "\"ab\\u00e2\\u0082\"");
	ASSERT_JSON("ab\xe2\x82\xac", 5, "\"ab\xe2\x82\xac\"");
	ASSERT_JSON("abc\0def", 7, "\"abc\"");
}
