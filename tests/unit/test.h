/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small unit-test runner: TEST() registers a test, the ASSERT_*() macros
 * name what failed (the expression, the expected and the actual value) and
 * end the test. Output is TAP, so the CI script counts it like BATS.
 */
#ifndef MODWATCH_TEST_H
#define MODWATCH_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

void mw_test_register(const char *name, void (*fn)(void));
void mw_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool mw_test_failed(void);
const char *mw_test_build_dir(void);
const char *mw_test_modules_dir(void);
/*
 * @fn(@ctx) with its stderr caught into @buf (@len bytes, NUL-terminated,
 * cut if longer): @fn's return value, or -EIO if stderr could not be caught.
 */
int mw_test_stderr(int (*fn)(void *ctx), void *ctx, char *buf, size_t len);
/*
 * Keep JSON lines (@len bytes of @text, a newline after the last added if
 * missing) the test made with modwatch's JSON writer: once all tests have
 * run, the runner checks them against doc/schema/modwatch-report.schema.json
 * (its last test, json_lines_match_the_schema).
 */
void mw_test_json(const char *text, size_t len);
/* The lines of @text: its newlines. */
int mw_test_lines(const char *text);

#define TEST(name)								\
	static void test_##name(void);						\
	__attribute__((constructor)) static void register_##name(void)		\
	{									\
		mw_test_register(#name, test_##name);				\
	}									\
	static void test_##name(void)

#define ASSERT_CMP(a, op, b, what)						\
	do {									\
		unsigned long long _a = (unsigned long long)(a);		\
		unsigned long long _b = (unsigned long long)(b);		\
		if (!(_a op _b)) {						\
			mw_test_fail(__FILE__, __LINE__,			\
				     "%s: expected %s %s %s, got %llu (0x%llx) vs %llu (0x%llx)", \
				     what, #a, #op, #b, _a, _a, _b, _b);	\
			return;							\
		}								\
	} while (0)

#define ASSERT_EQ(a, b, what) ASSERT_CMP(a, ==, b, what)
#define ASSERT_NE(a, b, what) ASSERT_CMP(a, !=, b, what)
#define ASSERT_GT(a, b, what) ASSERT_CMP(a, >, b, what)
#define ASSERT_OK(err, what) ASSERT_CMP(err, ==, 0, what)

#define ASSERT_TRUE(cond, what)							\
	do {									\
		if (!(cond)) {							\
			mw_test_fail(__FILE__, __LINE__, "%s: expected %s",	\
				     what, #cond);				\
			return;							\
		}								\
	} while (0)

#endif /* MODWATCH_TEST_H */
