// SPDX-License-Identifier: GPL-2.0
/*
 * Which modules the session watches, and their probes: attached to the
 * modules named (or matched, or all of them) at start and as they load,
 * let go of as they unload. The kernel-wide hooks and the crash log are
 * armed here with them.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "ko/ko.h"
#include "cli/options.h"
#include "lib/error.h"
#include "report/printer.h"
#include "session/crashlog.h"
#include "session/report.h"
#include "session/state.h"
#include "session/watch.h"
#include "symbols/ksym.h"
#include "probe/skel.h"
#include "ko/callees.h"

/* The .ko of module @name: from --ko, else from modules.dep. */
static const char *ko_for(struct session *s, const char *name, char *buf, size_t len)
{
	int i;

	for (i = 0; i < s->opts->nr_kos; i++)
		if (!strcmp(s->opts->kos[i][0], name))
			return s->opts->kos[i][1];
	return mw_ko_find(name, buf, len) ? NULL : buf;
}

/* Say what modwatch could not probe in @m: everything, or how much of it. */
static void say_unprobed(const struct mw_module *m)
{
	__u32 i, init = 0;

	for (i = 0; i < m->nr_unprobed; i++)
		init += m->unprobed[i].skip == MW_SKIP_INIT;
	if (!m->nr_probes && m->nr_unprobed > init)
		mw_warn("module %s: none of its call sites could be probed: only its heap rules "
			"run (-v says why)", m->name);
	if (mw_verbosity < MW_VERBOSE)
		return;
	for (i = 0; i < m->nr_unprobed; i++)
		mw_warn("module %s: %s+0x%llx not probed: %s%s%s", m->name, m->unprobed[i].func,
			(unsigned long long)m->unprobed[i].offset,
			mw_skip_desc(m->unprobed[i].skip), m->unprobed[i].err ? ": " : "",
			m->unprobed[i].err ? strerror(-m->unprobed[i].err) : "");
}

/*
 * Probe the module's own call sites. Without its .ko only the heap rules
 * run for it: an error for a module the user named, a warning otherwise.
 */
static int probe_module(struct session *s, struct mw_module *m, bool named)
{
	char buf[PATH_MAX];
	const char *ko;
	int err;

	/* mw_peek checks each site's live code: without it none is probed (said at load). */
	if (!s->kernel.kprobes || s->opts->cfg.probe_global ||
	    !mw_bpf_loaded(s->skel->progs.mw_peek))
		return 0;
	ko = ko_for(s, m->name, buf, sizeof(buf));
	if (ko) {
		err = mw_sites_attach(&s->sites, s->skel, m, ko, named || ko != buf);
		if (!err)
			say_unprobed(m);
		if (!err && s->opts->cfg.deep)
			err = mw_deep_attach(&s->deep, s->skel, m, ko, s->opts->deep_globs,
					     s->opts->nr_deep_globs);
		return err;
	}
	if (named) {
		mw_err("no .ko for module %s in /lib/modules/%s/modules.dep: pass --ko %s=PATH "
		       "or use --probe-mode global", m->name, s->kernel.release, m->name);
		return -ENOENT;
	}
	mw_warn("no .ko for module %s: only its heap rules run (pass --ko %s=PATH or use "
		"--probe-mode global)", m->name, m->name);
	return 0;
}

static int watch_module(struct session *s, const char *name, bool named)
{
	int err = mw_registry_add_loaded(&s->reg, name);

	if (!err)
		err = probe_module(s, &s->reg.mods[s->reg.nr - 1], named);
	return err;
}

static bool is_glob(const char *name)
{
	return strpbrk(name, "*?[") != NULL;
}

static struct mw_module *find_loaded(struct session *s, const char *name);

/*
 * A module named on the command line or in the configuration: watched now
 * if it is loaded, else from when it loads, if it is a module at all (a
 * name in no modules.dep nor --ko is a typo, said at once).
 */
static int watch_named(struct session *s, const char *name)
{
	char want[64], buf[PATH_MAX];

	mw_module_name(want, name, sizeof(want));
	if (find_loaded(s, want))
		return 0;
	if (!s->kernel.modules || mw_registry_loaded(want) || !ko_for(s, want, buf, sizeof(buf)))
		return watch_module(s, want, true);
	mw_warn("module %s is not loaded: watching it from when it loads", want);
	return 0;
}

/* Every loaded module a glob matches now; more as they load. */
static int watch_glob(struct session *s, const char *glob)
{
	char (*names)[64] = NULL;
	int k, n, err = 0, matched = 0;

	n = mw_registry_loaded_names(&names);
	for (k = 0; k < n && !err; k++) {
		if (fnmatch(glob, names[k], 0) || find_loaded(s, names[k]))
			continue;
		err = watch_module(s, names[k], false);
		matched++;
	}
	free(names);
	if (!err && !matched)
		mw_warn("no loaded module matches '%s': watching those that load", glob);
	return err;
}

static int watch_modules(struct session *s)
{
	const struct mw_run_opts *o = s->opts;
	__u32 i;
	int n, err = 0;

	for (n = 0; n < o->nr_modules && !err; n++)
		err = is_glob(o->modules[n]) ? watch_glob(s, o->modules[n]) :
					       watch_named(s, o->modules[n]);
	if (!o->nr_modules) {
		err = mw_registry_add_all(&s->reg);
		for (i = 0; i < s->reg.nr && !err; i++)
			err = probe_module(s, &s->reg.mods[i], false);
	}
	if (err)
		return err;
	if (!s->reg.nr && !o->nr_modules)
		mw_warn("no loadable modules are loaded%s: nothing to watch yet",
			s->kernel.modules ? "" : " (this kernel has no CONFIG_MODULES)");
	else if (!s->kernel.kprobes)
		mw_warn("this kernel has no kprobes: the user-copy rules cannot run "
			"(see modwatch doctor)");
	return 0;
}

bool session_is_named(const struct mw_run_opts *o, const char *name)
{
	char want[64];
	int i;

	for (i = 0; i < o->nr_modules; i++) {
		mw_module_name(want, o->modules[i], sizeof(want));
		if (!fnmatch(want, name, 0))
			return true;
	}
	return false;
}

static struct mw_module *find_loaded(struct session *s, const char *name)
{
	__u32 i;

	for (i = 0; i < s->reg.nr; i++)
		if (s->reg.mods[i].loaded && !strcmp(s->reg.mods[i].name, name))
			return &s->reg.mods[i];
	return NULL;
}

/*
 * @m is gone: its leaks, then its probes (detached in the background: a
 * gone module's kprobes never fire again) and its pages. Its symbols stay
 * cached: reports still in flight name its functions; the next module
 * load reads kallsyms again. From the module_free record, the BPF side has
 * reported its held locks already, with the lock words in hand; found by
 * polling (no such tracepoint), the owner records are all there is.
 */
void session_unwatch_module(struct session *s, struct mw_module *m, bool from_poll)
{
	if (from_poll) {
		/* Drain first: reports made before the unload still name its symbols. */
		ring_buffer__consume(s->rb);
		if (!s->kernel.tp_module_free)
			session_report_held_locks(s, m);
	}
	session_report_leaks(s, m);
	mw_deep_detach(&s->deep, s->skel, m, true);
	mw_sites_detach(&s->sites, s->skel, m, true);
	mw_registry_remove(&s->reg, m);
	s->pr->module(s->out, m);
}

/*
 * Follow modules coming and going: an unloaded module's probes are
 * detached and its pages forgotten; a module that (re)appears is watched
 * if it was named, or if every module is watched.
 */
void session_refresh_modules(struct session *s)
{
	char (*names)[64] = NULL;
	struct mw_module *m;
	__u32 i;
	int n, k;

	/* Unload records come first: the module may have gone since the last poll. */
	ring_buffer__consume(s->rb);
	n = mw_registry_loaded_names(&names);
	if (n < 0)
		return;
	for (i = 0; i < s->reg.nr; i++) {
		m = &s->reg.mods[i];
		for (k = 0; k < n && strcmp(names[k], m->name); k++)
			;
		if (m->loaded && k == n)
			session_unwatch_module(s, m, true);
	}
	for (k = 0; k < n; k++) {
		if (find_loaded(s, names[k]))
			continue;
		if (s->opts->nr_modules && !session_is_named(s->opts, names[k]))
			continue;
		mw_ksym_reload();	/* its symbols, while it is there */
		if (!watch_module(s, names[k], false))
			s->pr->module(s->out, &s->reg.mods[s->reg.nr - 1]);
	}
	free(names);
}

/* --probe-mode global: say what it cannot do, and attach what it can. */
static void attach_global(struct session *s)
{
	if (!s->kernel.kprobes) {
		mw_warn("--probe-mode global needs kprobes, which this kernel lacks: only the "
			"heap rules run (see modwatch doctor)");
		return;
	}
	mw_warn("--probe-mode global (%s on exported functions) cannot enforce "
		"user_slice_overrun, nor double_fetch through copy_from_user/get_user "
		"(Debian 6.1: _copy_*_user are notrace); heap_overflow_* only for copies whose "
		"size is not a compile-time constant",
		s->kernel.kprobe_multi ? "multi-kprobe links" : "kprobes");
	if (!mw_bpf_attach_global(s->skel, &s->kernel))
		mw_warn("--probe-mode global: no probe attached: only the heap rules run");
}

/* The modules' call sites, the kernel-wide hooks and the crash log. */
int session_watch(struct session *s)
{
	int err;

	err = watch_modules(s);
	mw_phase("modules watched");
	if (!err)
		err = mw_bpf_attach(s->skel);
	if (err)
		return err;
	mw_phase("hooks attached");
	if (s->opts->cfg.probe_global)
		attach_global(s);
	if (s->opts->cfg.crash_log && (err = mw_crashlog_arm()))
		mw_warn("reports will not survive a kernel crash: cannot set "
			"kernel.ftrace_dump_on_oops: %s (%s; --no-crash-log silences this)",
			strerror(-err), err == -ENOENT ? "this kernel has no ftrace" :
			"not permitted here: a container, or kernel lockdown");
	return 0;
}
