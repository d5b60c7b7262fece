// SPDX-License-Identifier: GPL-2.0
/*
 * Runs every registered unit test, or those whose names are given on the
 * command line, in as many worker processes as there are CPUs (-j), and
 * prints TAP in the tests' order with a closing "N passed, N failed" comment.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdio.h>
#include "test.h"

#define MAX_TESTS 256

static struct {
	const char *name;
	void (*fn)(void);
} tests[MAX_TESTS];
static int nr_tests;
static bool failed;
static const char *current;	/* the test a worker runs */

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

int mw_test_stderr(int (*fn)(void *ctx), void *ctx, char *buf, size_t len)
{
	char tmp[] = "/tmp/mw-stderr-XXXXXX";
	int fd = mkstemp(tmp), saved = dup(STDERR_FILENO), ret;
	ssize_t n;

	if (fd >= 0)
		unlink(tmp);
	if (fd < 0 || saved < 0 || !len) {
		if (fd >= 0)
			close(fd);
		if (saved >= 0)
			close(saved);
		return -EIO;
	}
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	ret = fn(ctx);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return ret;
}

int mw_test_lines(const char *text)
{
	int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/*
 * The JSON lines the tests make, checked against the schema once all have
 * run (check_json_lines()): one file per test in unit-json/ of the build
 * folder, so that the checker's FILE:LINE names the test.
 */
static void json_dir(char *buf, size_t len)
{
	snprintf(buf, len, "%s/unit-json", mw_test_build_dir());
}

void mw_test_json(const char *text, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	json_dir(path, sizeof(path));
	mkdir(path, 0755);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s.json",
		 current ? current : "unknown");
	f = fopen(path, "a");
	if (!f || fwrite(text, 1, len, f) != len || (len && text[len - 1] != '\n' &&
						     fputc('\n', f) == EOF)) {
		mw_test_fail(__FILE__, __LINE__, "cannot keep a JSON line in %s: %s", path,
			     strerror(errno));
	}
	if (f)
		fclose(f);
}

/* Forget the last run's lines: the tests run now make their own. */
static void clear_json_lines(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *d;
	DIR *dp;

	json_dir(dir, sizeof(dir));
	dp = opendir(dir);
	while (dp && (d = readdir(dp)))
		if (d->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
			unlink(path);
		}
	if (dp)
		closedir(dp);
}

/*
 * Every JSON line the tests kept, against doc/schema/modwatch-report.schema.json,
 * in one run of tools/check-json (from the source tree, as tools/validate-ci):
 * true if all match (or none was kept). What is wrong, as TAP comments.
 */
static bool check_json_lines(void)
{
	char dir[PATH_MAX], *cmd;
	struct dirent *d;
	bool any = false;
	DIR *dp;
	int rc;

	json_dir(dir, sizeof(dir));
	dp = opendir(dir);
	while (dp && !any && (d = readdir(dp)))
		any = d->d_name[0] != '.';
	if (dp)
		closedir(dp);
	if (!any)
		return true;
	if (asprintf(&cmd, "out=$(tools/check-json doc/schema/modwatch-report.schema.json "
		     "%s/*.json 2>&1); rc=$?; [ -z \"$out\" ] || echo \"$out\" | sed 's/^/# /'; "
		     "exit $rc", dir) < 0)
		return false;
	fflush(stdout);
	rc = system(cmd);
	free(cmd);
	return rc == 0;
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

	if (argc < 1)
		return true;
	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

/*
 * Tests run in worker processes, test i in worker i % jobs: most of a test
 * is the kernel verifying its own load of the BPF object (about 3 s on the
 * host, one CPU), so two CPUs take half the time. A worker writes each of
 * its tests' diagnostics to its pipe, then "=1" if the test failed or "=0";
 * the parent prints them in order, numbered, as they come.
 */
struct worker {
	pid_t pid;
	FILE *in;
	int status;	/* its wait status, once it has ended */
	bool ended;
};

static void run_worker(int fd, int k, int jobs, const int *sel, int nr)
{
	int i;

	if (dup2(fd, STDOUT_FILENO) < 0)
		_exit(2);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = k; i < nr; i += jobs) {
		failed = false;
		current = tests[sel[i]].name;
		tests[sel[i]].fn();
		printf("=%d\n", failed);
	}
	fflush(stdout);
	_exit(0);
}

static int start_workers(struct worker *w, int jobs, const int *sel, int nr)
{
	int k, fds[2];

	for (k = 0; k < jobs; k++) {
		if (pipe(fds))
			return -errno;
		fflush(stdout);
		w[k].pid = fork();
		if (w[k].pid < 0)
			return -errno;
		if (!w[k].pid) {
			close(fds[0]);
			run_worker(fds[1], k, jobs, sel, nr);
		}
		close(fds[1]);
		w[k].ended = false;
		w[k].in = fdopen(fds[0], "r");
		if (!w[k].in)
			return -errno;
	}
	return 0;
}

/* Copy a worker's lines for its next test; true if the test passed. */
static bool next_result(struct worker *w, const char *name)
{
	char line[4096];

	while (fgets(line, sizeof(line), w->in)) {
		if (line[0] == '=')
			return line[1] == '0';
		fputs(line, stdout);
	}
	if (!w->ended && waitpid(w->pid, &w->status, 0) == w->pid)
		w->ended = true;
	if (w->ended && WIFSIGNALED(w->status))
		printf("# %s: its worker (pid %d) was killed by %s\n", name, (int)w->pid,
		       strsignal(WTERMSIG(w->status)));
	else
		printf("# %s: its worker (pid %d) ended before the test did\n", name,
		       (int)w->pid);
	return false;
}

static int jobs_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 16 ? 16 : (int)n;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [-j JOBS] [TEST...]\n"
		"  Runs every unit test, or the TESTs named, as root (they load BPF).\n"
		"  -j JOBS  worker processes (default: the CPUs online, %d here)\n",
		prog, jobs_default());
}

int main(int argc, char **argv)
{
	int i, opt, nr = 0, passed = 0, jobs = jobs_default();
	static int sel[MAX_TESTS];
	struct worker w[16];
	bool ok;

	while ((opt = getopt(argc, argv, "j:h")) != -1) {
		if (opt == 'j' && atoi(optarg) >= 1 && atoi(optarg) <= 16) {
			jobs = atoi(optarg);
			continue;
		}
		if (opt == 'j')
			fprintf(stderr, "%s: -j %s: give 1 to 16 workers\n", argv[0], optarg);
		usage(opt == 'h' ? stdout : stderr, argv[0]);
		return opt == 'h' ? 0 : 2;
	}
	if (geteuid()) {
		printf("1..0 # SKIP unit tests load BPF programs: run them as root\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < nr_tests; i++)
		if (selected(tests[i].name, argc - optind, argv + optind))
			sel[nr++] = i;
	/* and the JSON lines they made, against the schema, as a last test */
	printf("1..%d\n", nr + 1);
	clear_json_lines();
	if (jobs > nr)
		jobs = nr ? nr : 1;
	if (start_workers(w, jobs, sel, nr)) {
		printf("# cannot start %d test workers: %s\n", jobs, strerror(errno));
		return 1;
	}
	for (i = 0; i < nr; i++) {
		ok = next_result(&w[i % jobs], tests[sel[i]].name);
		printf("%sok %d - %s\n", ok ? "" : "not ", i + 1, tests[sel[i]].name);
		passed += ok;
	}
	for (i = 0; i < jobs; i++) {
		fclose(w[i].in);
		if (!w[i].ended)
			waitpid(w[i].pid, NULL, 0);
	}
	ok = check_json_lines();
	printf("%sok %d - json_lines_match_the_schema\n", ok ? "" : "not ", nr + 1);
	passed += ok;
	printf("# unit: %d passed, %d failed\n", passed, nr + 1 - passed);
	return passed == nr + 1 ? 0 : 1;
}
