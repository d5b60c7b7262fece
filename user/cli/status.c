// SPDX-License-Identifier: GPL-2.0
/*
 * modwatch status [--json]: what the running instance says of itself, read
 * from the status file it rewrites each second (session/status.c), and
 * whether one runs at all. The instance lock held (session/instance.c) is
 * what says it runs; a status file whose writer holds no lock is what a
 * session that died left behind: stale, said as such. Exit status: 0
 * running, 3 not running (systemctl's and LSB's "not running"), 4 when it
 * cannot be told.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "modwatch.h"
#include "cli/status.h"
#include "lib/error.h"
#include "session/instance.h"
#include "session/status.h"

static json_object *member(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static long long num(json_object *o, const char *key)
{
	return json_object_get_int64(member(o, key));
}

static const char *str(json_object *o, const char *key, const char *none)
{
	json_object *v = member(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : none;
}

/* The status file at @path into *@st: 0, -ENOENT, -EINVAL (not a JSON object) or -errno. */
static int read_status(const char *path, json_object **st)
{
	FILE *f = fopen(path, "re");

	*st = NULL;
	if (!f)
		return -errno;
	fclose(f);
	*st = json_object_from_file(path);
	if (json_object_is_type(*st, json_type_object) && json_object_is_type(member(*st, "pid"),
									   json_type_int))
		return 0;
	json_object_put(*st);
	*st = NULL;
	return -EINVAL;
}

static void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* None runs: "not running", and why a status file is still there if one is (stale). */
static int not_running(bool json, const char *path, json_object *st)
{
	long long pid = num(st, "pid");
	bool gone = pid > 0 && kill(pid, 0) && errno == ESRCH;
	json_object *o = json_object_new_object(), *stale;

	if (!json && !st)
		puts("modwatch: not running");
	else if (!json)
		printf("modwatch: not running: %s is stale (pid %lld %s)\n", path, pid,
		       gone ? "is gone" : "holds no instance lock");
	if (json) {
		json_object_object_add(o, "running", json_object_new_boolean(false));
		if (st) {
			stale = json_object_new_object();
			json_object_object_add(stale, "file", json_object_new_string(path));
			json_object_object_add(stale, "pid", json_object_new_int64(pid));
			json_object_object_add(o, "stale", stale);
		}
		print_json(o);
	}
	json_object_put(o);
	return MW_EXIT_NOT_RUNNING;
}

/* The lock is held but the status file is not its holder's yet: it is starting. */
static int starting(bool json, pid_t pid)
{
	if (json)
		printf("{\"running\":true,\"pid\":%d,\"starting\":true}\n", (int)pid);
	else
		printf("modwatch: running (pid %d), starting: no status written yet\n", (int)pid);
	return MW_EXIT_OK;
}

/* "mw_buggy (120 probes, 3 reports), loop (...)" */
static void print_modules(json_object *st)
{
	json_object *mods = member(st, "modules"), *m;
	size_t i, n = json_object_is_type(mods, json_type_array) ?
		      json_object_array_length(mods) : 0;

	printf("modules:  %zu watched%s", n, n ? ": " : "");
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(mods, i);
		printf("%s%s (%lld probes, %lld reports)", i ? ", " : "", str(m, "name", "?"),
		       num(m, "probes"), num(m, "reports"));
	}
	putchar('\n');
}

static void print_reports(json_object *st)
{
	json_object *r = member(st, "reports"), *d = member(st, "disabled_rules"), *e;
	json_object *by_kind = member(r, "by_kind");
	const char *sep = "";
	size_t i, n;

	printf("reports:  %lld violations, %lld warnings, %lld repeats\n", num(r, "violations"),
	       num(r, "warnings"), num(r, "repeats"));
	printf("by kind: ");
	if (json_object_is_type(by_kind, json_type_object)) {
		json_object_object_foreach(by_kind, k, v) {
			printf("%s %s %lld", sep, k, (long long)json_object_get_int64(v));
			sep = ",";
		}
	}
	printf("%s\nlost:     %lld (ring buffer full), %lld report lines the output refused\n",
	       *sep ? "" : " none", num(st, "lost"), num(st, "output_dropped"));
	n = json_object_is_type(d, json_type_array) ? json_object_array_length(d) : 0;
	printf("disabled: %s", n ? "" : "none");
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(d, i);
		printf("%s%s (%s)", i ? ", " : "", str(e, "rule", "?"), str(e, "why", "?"));
	}
	putchar('\n');
}

static void print_outputs(json_object *st)
{
	json_object *o = member(st, "outputs");

	printf("outputs:  reports to %s", str(o, "reports", "?"));
	if (str(o, "junit", NULL))
		printf(", JUnit %s", str(o, "junit", ""));
	if (str(o, "sarif", NULL))
		printf(", SARIF %s", str(o, "sarif", ""));
	if (json_object_get_boolean(member(o, "journal")))
		printf(", journald");
	if (str(o, "metrics", NULL))
		printf(", metrics on %s", str(o, "metrics", ""));
	putchar('\n');
}

/* The running instance, from its status file: plain, or the file's object and three more members. */
static int running(bool json, const char *path, json_object *st)
{
	long long now = time(NULL), start = num(st, "start_time"), up = now - start;
	char when[64] = "?";
	struct tm tm;
	time_t t = start;

	if (json) {
		json_object_object_add(st, "running", json_object_new_boolean(true));
		json_object_object_add(st, "uptime", json_object_new_int64(up));
		json_object_object_add(st, "status_file", json_object_new_string(path));
		print_json(st);
		return MW_EXIT_OK;
	}
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("modwatch: running (pid %lld), version %s\n", num(st, "pid"),
	       str(st, "version", "?"));
	printf("started:  %s, up %lldd %02lld:%02lld:%02lld\n", when, up / 86400,
	       up / 3600 % 24, up / 60 % 60, up % 60);
	printf("kernel:   %s\n", str(st, "kernel", "?"));
	print_modules(st);
	print_reports(st);
	print_outputs(st);
	printf("updated:  %lld s ago (%s)\n", now - num(st, "updated"), path);
	return MW_EXIT_OK;
}

int mw_cmd_status(bool json)
{
	char path[4096];
	json_object *st = NULL;
	pid_t holder;
	int held, err, code;

	held = mw_instance_holder(&holder);
	if (held < 0) {
		mw_err("cannot tell whether modwatch runs (its lock in %s): %s", mw_runtime_dir(),
		       strerror(-held));
		return MW_EXIT_FAILURE;
	}
	err = mw_status_path(path, sizeof(path));
	if (!err)
		err = read_status(path, &st);
	if (err && err != -ENOENT) {
		mw_err("cannot read modwatch's status file %s: %s", path,
		       err == -EINVAL ? "not a JSON object with a pid" : strerror(-err));
		return MW_EXIT_FAILURE;
	}
	if (!held)
		code = not_running(json, path, st);
	else if (!st || (holder && num(st, "pid") != holder))
		code = starting(json, holder);
	else
		code = running(json, path, st);
	json_object_put(st);
	return code;
}
