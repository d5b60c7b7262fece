// SPDX-License-Identifier: GPL-2.0
/*
 * SIGHUP: the session's options and configuration file read again, in
 * place. Apart from the session's lifecycle: what a reload may change and
 * what it must keep is a question of its own.
 */
#include <stddef.h>
#include <string.h>
#include <stdio.h>
#include "cli/options.h"
#include "lib/error.h"
#include "report/output.h"
#include "service/journal.h"
#include "service/metrics_http.h"
#include "service/notify.h"
#include "session/reload.h"
#include "session/report.h"
#include "session/state.h"
#include "session/watch.h"

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* What a reload cannot change: the BPF side's tables and programs are sized and chosen. */
static void say_kept(const struct mw_run_opts *old, const struct mw_run_opts *n)
{
	const struct mw_config *a = &old->cfg, *b = &n->cfg;
	char list[256] = "";

#define KEPT(cond, name) \
	if (cond) snprintf(list + strlen(list), sizeof(list) - strlen(list), " %s", name)
	KEPT(a->max_objects != b->max_objects, "max-objects");
	KEPT(a->quarantine != b->quarantine, "quarantine");
	KEPT(a->ringbuf_kb != b->ringbuf_kb, "ringbuf-kb");
	KEPT(a->stacks != b->stacks, "stacks");
	KEPT(a->stack_depth != b->stack_depth, "stack-depth");
	KEPT(a->stack_entries != b->stack_entries, "stack-entries");
	KEPT(a->probe_global != b->probe_global, "probe-mode");
	KEPT(a->every != b->every, "every");
	KEPT(a->crash_log != b->crash_log, "no-crash-log");
	KEPT(a->prog_stats != b->prog_stats, "prog-stats");
	KEPT(a->only_tgid != b->only_tgid, "pid");
	KEPT(strcmp(a->only_comm, b->only_comm), "comm");
#undef KEPT
	if (*list)
		mw_warn("reload: changing%s needs a restart: the running values are kept", list);
}

/* Modules the new configuration no longer names stay watched: their objects are tracked. */
static void say_still_watched(struct session *s, const struct mw_run_opts *n)
{
	__u32 i;

	for (i = 0; i < s->reg.nr; i++)
		if (s->reg.mods[i].loaded && n->nr_modules &&
		    !session_is_named(n, s->reg.mods[i].name))
			mw_warn("reload: module %s is no longer named but stays watched until "
				"modwatch restarts (its live objects are tracked)", s->reg.mods[i].name);
}

/* The new options' outputs: the report file reopened (logrotate), journal, metrics. */
static int reload_outputs(struct session *s, struct mw_run_opts *n)
{
	const struct mw_run_opts *o = s->opts;
	struct mw_output *out;
	int err;

	if (!same_str(o->output, n->output) || o->append != n->append) {
		err = mw_output_open(&out, n->output, n->append);
		if (!err && (err = mw_output_commit(out)))
			mw_output_close(out);
		if (err) {
			mw_warn("reload: cannot write %s: %s", n->output, strerror(-err));
			return err;
		}
		fflush(s->out);
		mw_output_close(s->output);
		session_use_stream(s, out);
	} else if ((err = mw_output_reopen(s->output))) {
		mw_warn("cannot reopen %s: %s: writing on to the file as it was",
			s->output->name, strerror(-err));
	}
	if (!same_str(o->metrics, n->metrics)) {
		mw_metrics_stop();
		if (n->metrics && mw_metrics_start(n->metrics))
			mw_warn("reload: no metrics endpoint now (said above)");
	}
	if (n->journal && !o->journal && (err = mw_journal_open(NULL)))
		mw_warn("reload: journald not reachable: %s", strerror(-err));
	s->journal_only = session_journal_only(n);
	return 0;
}

/*
 * SIGHUP: the command line and the configuration file read again. What
 * can change in a running session does (kinds, severities, suppressions,
 * modules to watch, outputs); the rest is said. A bad file changes nothing.
 */
void session_reload(struct session *s)
{
	struct mw_run_opts *n = NULL, *old = s->reloaded;
	struct mw_config cfg = s->opts->cfg;
	int i, j, err;

	mw_notify("RELOADING=1");
	err = mw_opts_new(&n);
	if (!err)
		err = s->opts->reread(n);
	if (!err)
		err = reload_outputs(s, n);
	if (err) {
		s->reload_failures++;
		mw_warn("reload: the running configuration is kept (the problem is said above)");
		mw_output_reopen(s->output);
		mw_opts_free(n);
		mw_notify("READY=1");
		return;
	}
	say_kept(s->opts, n);
	say_still_watched(s, n);
	for (i = 0; i < n->nr_supp; i++)	/* a rule kept keeps its count */
		for (j = 0; j < s->opts->nr_supp; j++)
			if (!memcmp(&n->supp[i], &s->opts->supp[j], offsetof(struct mw_suppression, hits)))
				n->supp[i].hits = s->opts->supp[j].hits;
	cfg.only_kinds = n->cfg.only_kinds;
	cfg.strict = n->cfg.strict;
	n->cfg = cfg;
	n->cmd = s->opts->cmd;
	mw_bpf_set_kinds(s->skel, cfg.only_kinds);
	s->pr = session_choose_printer(n, s->output->fd);
	s->opts = n;
	s->reloaded = n;
	mw_opts_free(old);
	s->modules_changed = true;	/* watch what it names now */
	s->reloads++;
	mw_warn("reloaded %s", n->config ? n->config : "the options");
	mw_notify("READY=1");
}
