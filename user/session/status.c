// SPDX-License-Identifier: GPL-2.0
/*
 * The session's status file, what `modwatch status` reads (cli/status.c):
 * status.json in the runtime folder, beside the instance lock. One JSON
 * object, written when watching begins and each second after, to a
 * temporary file renamed over the last one (a reader never sees half of
 * it), removed at a clean exit; one left behind is a session that died
 * (the reader says so, from the instance lock). Mode 0644: it holds counts,
 * module names and output paths, no report's contents nor any kernel
 * address; the folder (0700 by default) decides who may read it.
 * Its members are listed in doc/usage.md ("modwatch status").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "modwatch.h"
#include "cli/options.h"
#include "lib/error.h"
#include "report/json_writer.h"
#include "report/output.h"
#include "report/rules.h"
#include "session/instance.h"
#include "session/state.h"
#include "session/status.h"

int mw_status_path(char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", mw_runtime_dir(), MW_STATUS_FILE);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* "KEY":"S" or "KEY":null, with @sep before it. */
static void key_str(struct jw *w, const char *sep, const char *key, const char *s)
{
	jw_printf(w, "%s\"%s\":", sep, key);
	if (s)
		json_str(w, s, 4096);
	else
		jw_puts("null", w);
}

/* "modules":[{"name","probes","reports"}...]: the modules watched now. */
static void put_modules(struct jw *w, const struct session *s)
{
	const struct mw_module *m;
	__u64 reports;
	__u32 i, k;
	bool first = true;

	jw_puts(",\"modules\":[", w);
	for (i = 0; i < s->reg.nr; i++) {
		m = &s->reg.mods[i];
		if (!m->loaded)
			continue;
		for (reports = 0, k = 1; k < MW_KIND_NR; k++)
			reports += m->counts[k];
		key_str(w, first ? "{" : ",{", "name", m->name);
		json_key_u64(w, "probes", m->nr_probes + m->nr_deep);
		json_key_u64(w, "reports", reports);
		jw_putc('}', w);
		first = false;
	}
	jw_putc(']', w);
}

/* "reports":{"violations","warnings","repeats","by_kind":{KIND:N...}}: modules gone too. */
static void put_reports(struct jw *w, const struct session *s)
{
	__u64 by_kind[MW_KIND_NR] = {};
	const char *sep = "";
	__u32 i, k;

	for (i = 0; i < s->reg.nr; i++)
		for (k = 1; k < MW_KIND_NR; k++)
			by_kind[k] += s->reg.mods[i].counts[k];
	jw_puts(",\"reports\":{\"violations\":", w);
	json_u64(w, s->violations);
	json_key_u64(w, "warnings", s->warnings);
	json_key_u64(w, "repeats", s->repeats);
	jw_puts(",\"by_kind\":{", w);
	for (k = 1; k < MW_KIND_NR; k++) {
		if (!by_kind[k])
			continue;
		jw_printf(w, "%s\"%s\":", sep, mw_kind_name(k));
		json_u64(w, by_kind[k]);
		sep = ",";
	}
	jw_puts("}}", w);
}

/* "disabled_rules":[{"rule","why"}...]: what the kernel refused, what --kind left out. */
static void put_disabled(struct jw *w, const struct session *s)
{
	__u32 k, only = s->opts->cfg.only_kinds, bit;
	const char *sep = "{";

	jw_puts(",\"disabled_rules\":[", w);
	for (k = 1; k < MW_KIND_NR; k++) {
		bit = 1u << k;
		if (!(s->rules_off & bit) && (!only || (only & bit)))
			continue;
		key_str(w, sep, "rule", mw_kind_name(k));
		key_str(w, ",", "why", s->rules_off & bit ? "refused by this kernel's verifier" :
			"left out by --kind");
		jw_putc('}', w);
		sep = ",{";
	}
	jw_putc(']', w);
}

/* "outputs":{"reports","junit","sarif","journal","metrics"}: where reports go. */
static void put_outputs(struct jw *w, const struct session *s)
{
	const struct mw_run_opts *o = s->opts;

	key_str(w, ",\"outputs\":{", "reports", s->journal_only ? "journal" :
		s->output->path ? s->output->path : "stdout");
	key_str(w, ",", "junit", o->junit);
	key_str(w, ",", "sarif", o->sarif);
	jw_printf(w, ",\"journal\":%s", o->journal ? "true" : "false");
	key_str(w, ",", "metrics", o->metrics);
	jw_putc('}', w);
}

static void put_status(struct jw *w, const struct session *s)
{
	jw_printf(w, "{\"pid\":%d", (int)getpid());
	key_str(w, ",", "version", MODWATCH_VERSION);
	json_key_u64(w, "start_time", s->start_real);
	json_key_u64(w, "updated", time(NULL));
	key_str(w, ",", "kernel", s->kernel.release);
	put_modules(w, s);
	put_reports(w, s);
	json_key_u64(w, "lost", s->lost_reported);
	json_key_u64(w, "output_dropped", s->output->dropped);
	put_disabled(w, s);
	put_outputs(w, s);
	jw_puts("}\n", w);
}

/* Write @path's temporary twin and rename it over @path: 0 or -errno. */
static int write_file(const struct session *s, const char *path)
{
	char tmp[4096 + 8];
	struct jw *w;
	FILE *f;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	fchmod(fd, 0644);	/* whatever the umask */
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	w = jw_begin(f);
	put_status(w, s);
	jw_end(w, false);
	if (fflush(f) || ferror(f))
		err = -(errno ? errno : EIO);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* Each second, and when watching begins: a failure is said once, until it clears. */
void session_write_status(const struct session *s)
{
	static int said;
	char path[4096];
	int err = mw_status_path(path, sizeof(path));

	if (!err)
		err = write_file(s, path);
	if (err && err != said)
		mw_warn("cannot write the status file %s: %s (modwatch status will not see this "
			"session)", path, strerror(-err));
	said = err;
}

/* A clean exit leaves no status file: one there is a session that died. */
void session_remove_status(void)
{
	char path[4096];

	if (!mw_status_path(path, sizeof(path)))
		unlink(path);
}
