// SPDX-License-Identifier: GPL-2.0
/*
 * Runs every registered unit test, or those whose names are given on the
 * command line, and prints TAP with a closing "N passed, N failed" comment.
 */
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test.h"

#define MAX_TESTS 256

static struct {
	const char *name;
	void (*fn)(void);
} tests[MAX_TESTS];
static int nr_tests;
static bool failed;

/* The folder this binary is in: the build folder (make puts unit-tests there). */
const char *mw_test_build_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	if (n <= 0)
		return "build";
	dir[n] = '\0';
	return dirname(dir);
}

/* $MW_MODULES_DIR, else modules/ in the build folder, else build/modules. */
const char *mw_test_modules_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("MW_MODULES_DIR");

	if (env && *env)
		return env;
	snprintf(dir, sizeof(dir), "%s/modules", mw_test_build_dir());
	if (!access(dir, F_OK))
		return dir;
	return "build/modules";
}

void mw_test_register(const char *name, void (*fn)(void))
{
	if (nr_tests == MAX_TESTS) {
		fprintf(stderr, "too many tests: raise MAX_TESTS\n");
		exit(2);
	}
	tests[nr_tests].name = name;
	tests[nr_tests].fn = fn;
	nr_tests++;
}

void mw_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	failed = true;
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

bool mw_test_failed(void)
{
	return failed;
}

static bool selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int i, run = 0, passed = 0;

	if (geteuid()) {
		printf("1..0 # SKIP unit tests load BPF programs: run them as root\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < nr_tests; i++)
		run += selected(tests[i].name, argc, argv);
	printf("1..%d\n", run);
	run = 0;
	for (i = 0; i < nr_tests; i++) {
		if (!selected(tests[i].name, argc, argv))
			continue;
		failed = false;
		tests[i].fn();
		run++;
		printf("%sok %d - %s\n", failed ? "not " : "", run, tests[i].name);
		passed += !failed;
	}
	printf("# unit: %d passed, %d failed\n", passed, run - passed);
	return passed == run ? 0 : 1;
}
