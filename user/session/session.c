// SPDX-License-Identifier: GPL-2.0
/*
 * The watch session: load and attach the probes, stream violations until
 * a signal (or, in CI mode, until the command exits), then drain the ring
 * buffer and print the summary. Its lifecycle, signals, CI mode's child and
 * event loop live here; deciding and writing reports is report.c's,
 * attaching and letting go of modules watch.c's, SIGHUP reload.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libgen.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include "events.h"
#include "stats.h"
#include "modwatch.h"
#include "report/rules.h"
#include "cli/options.h"
#include "lib/error.h"
#include "probe/heap_maps.h"
#include "probe/lock_maps.h"
#include "probe/stack_maps.h"
#include "report/junit.h"
#include "report/output.h"
#include "report/sarif.h"
#include "report/printer.h"
#include "service/journal.h"
#include "service/metrics.h"
#include "service/metrics_http.h"
#include "service/notify.h"
#include "session/crashlog.h"
#include "session/instance.h"
#include "session/reload.h"
#include "session/repeats.h"
#include "session/report.h"
#include "session/session.h"
#include "session/state.h"
#include "session/status.h"
#include "session/storm.h"
#include "session/watch.h"
#include "symbols/ksym.h"
#include "probe/skel.h"

#define POLL_MS 100
/* How often repeats are read back and printed, in a long run. */
#define REPEAT_NS (10 * 1000000000ull)

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t child_exited;
static volatile sig_atomic_t live_requested;
static volatile sig_atomic_t reload_requested;

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	live_requested = 1;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_child(int sig)
{
	(void)sig;
	child_exited = 1;
}

/* No SA_RESTART: a signal must wake ring_buffer__poll(). */
static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	/* A reader gone away is an output error (counted, retried), not death. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
}

/* A record that is no violation: a watched module is being freed (module:module_free). */
static void handle_record(struct session *s, const struct mw_event *e)
{
	struct mw_module *m = mw_registry_module(&s->reg, e->hdr.module_id);

	if (e->hdr.kind == MW_REC_MODULE_FREE && m && m->loaded)
		session_unwatch_module(s, m, false);
	/* Not from here: session_refresh_modules() drains the ring buffer itself. */
	if (e->hdr.kind == MW_REC_MODULE_LOAD)
		s->modules_changed = true;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct mw_event e = {};
	const struct mw_event_hdr *h = data;
	bool record = h->kind >= MW_REC_BASE && h->kind < MW_REC_END;

	if (size < sizeof(*h) || h->size > size || h->size > sizeof(e) ||
	    ((h->kind >= MW_KIND_NR || h->kind == MW_KIND_NONE) && !record)) {
		mw_warn("dropping a malformed record (%zu bytes): BPF object and daemon disagree",
			size);
		return 0;
	}
	memcpy(&e, data, h->size);
	if (record)
		handle_record(ctx, &e);
	else
		session_emit(ctx, &e);
	return 0;
}

static int check_kernel(const struct mw_kernel *k)
{
	if (!k->btf) {
		mw_err("this kernel has no BTF (/sys/kernel/btf/vmlinux): boot one built with "
		       "CONFIG_DEBUG_INFO_BTF=y");
		return -ENOTSUP;
	}
	if (!k->ringbuf || !k->raw_tp) {
		mw_err("this kernel lacks BPF %s: modwatch needs Linux 5.8 or later "
		       "(see modwatch doctor)", !k->ringbuf ? "ring buffers" : "raw tracepoints");
		return -ENOTSUP;
	}
	if (!k->tp_kmalloc || !k->tp_kfree || !k->tp_kmem_cache_alloc || !k->tp_kmem_cache_free) {
		mw_err("this kernel lacks the kmem tracepoints (CONFIG_TRACEPOINTS): "
		       "see modwatch doctor");
		return -ENOTSUP;
	}
	return 0;
}

static void print_start(struct session *s)
{
	struct mw_map_info maps[MW_MAX_MAPS];
	struct mw_start st = {
		.reg = &s->reg,
		.maps = maps,
		.kernel = s->kernel.release,
	};

	st.nr_maps = mw_bpf_maps(s->skel, maps, MW_MAX_MAPS, false);
	s->pr->start(s->out, &st);
}

/* The file limit modwatch started with: CI mode's command gets it back. */
static struct rlimit nofile_orig;

/*
 * Every kprobe costs a perf event and a BPF link, two file descriptors: a
 * module like fuse has ~500 call sites, every module of a desktop several
 * thousand, far past the usual soft limit of 1024. Raise it to what the
 * kernel allows (fs.nr_open), or at least to the hard limit.
 */
static void raise_nofile(void)
{
	struct rlimit r;
	unsigned long nr_open = 0;
	FILE *f;

	if (getrlimit(RLIMIT_NOFILE, &nofile_orig))
		return;
	f = fopen("/proc/sys/fs/nr_open", "re");
	if (f) {
		if (fscanf(f, "%lu", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	r.rlim_cur = r.rlim_max = nr_open > nofile_orig.rlim_max ? nr_open : nofile_orig.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &r)) {
		r.rlim_cur = r.rlim_max = nofile_orig.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/*
 * Start CI mode's command. A close-on-exec pipe carries exec()'s errno back,
 * so "command not found" is an error of modwatch's, not a silent exit 127.
 */
static int spawn(struct session *s)
{
	int pfd[2], child_errno = 0;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	s->child = fork();
	if (s->child < 0)
		return -errno;
	if (!s->child) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);	/* ignored signals stay ignored across exec */
		setrlimit(RLIMIT_NOFILE, &nofile_orig);
		execvp(s->opts->cmd[0], s->opts->cmd);
		child_errno = errno;
		if (write(pfd[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pfd[1]);
	n = read(pfd[0], &child_errno, sizeof(child_errno));
	close(pfd[0]);
	if (n == sizeof(child_errno)) {
		waitpid(s->child, NULL, 0);
		s->child = 0;
		mw_err("cannot run %s: %s", s->opts->cmd[0], strerror(child_errno));
		return -child_errno;
	}
	return 0;
}

/* Has CI mode's command ended? Reaps it. */
static bool child_done(struct session *s)
{
	if (!s->child || !child_exited)
		return false;
	child_exited = 0;
	if (waitpid(s->child, &s->child_status, WNOHANG) != s->child)
		return false;
	s->child = 0;
	return true;
}

static void stop_child(struct session *s)
{
	if (!s->child)
		return;
	kill(s->child, SIGTERM);
	waitpid(s->child, &s->child_status, 0);
	s->child = 0;
}

/* The metrics endpoint's view of the session, rendered every second. */
static void publish_metrics(struct session *s)
{
	static struct mw_map_info maps[MW_MAX_MAPS];
	static __u64 maps_ns;
	static int nr_maps;
	__u64 stats[MW_STAT_NR] = {};
	struct mw_metrics_view v = {
		.reg = &s->reg,
		.stats = stats,
		.kernel = s->kernel.release,
		.start_time = s->start_real,
		.uptime = (session_now_ns() - s->start_ns) / 1e9,
		.missed = mw_heap_missed(),
		.supp = s->opts->supp,
		.nr_supp = s->opts->nr_supp,
		.output = s->output->path ? "file" : "stdout",
		.output_dropped = s->output->dropped,
		.journal = s->opts->journal,
		.journal_dropped = s->journal_dropped,
		.maps = maps,
		.reloads = s->reloads,
		.reload_failures = s->reload_failures,
		.load = &s->load,
	};

	mw_bpf_stats(s->skel, stats);
	/* A table's fill is counted by walking its keys: every 10 s is often enough. */
	if (!maps_ns || session_now_ns() - maps_ns >= 10 * 1000000000ull) {
		nr_maps = mw_bpf_maps(s->skel, maps, MW_MAX_MAPS, true);
		maps_ns = session_now_ns();
	}
	v.nr_maps = nr_maps;
	if (mw_metrics_render(&v))
		mw_warn("cannot render the metrics: out of memory; the endpoint serves the last ones");
}

/* Each pass of the loop: what is due besides reading the ring buffer. */
static void housekeeping(struct session *s)
{
	if (reload_requested) {
		reload_requested = 0;
		session_reload(s);
	}
	if (s->modules_changed && s->kernel.modules) {
		s->modules_changed = false;
		session_refresh_modules(s);
	}
	if (live_requested) {
		live_requested = 0;
		session_print_live(s);
	}
	mw_output_retry(s->output);
	mw_watchdog_kick();
	if (s->opts->metrics && session_now_ns() - s->last_metrics >= 1000000000ull) {
		publish_metrics(s);
		s->last_metrics = session_now_ns();
	}
}

static int event_loop(struct session *s)
{
	__u64 last_check = session_now_ns(), last_repeats = last_check;
	int err;

	while (!stop_requested) {
		err = ring_buffer__poll(s->rb, POLL_MS);
		session_flush_reports(s);
		if (err < 0 && err != -EINTR) {
			mw_err("reading the ring buffer failed: %s", strerror(-err));
			return err;
		}
		if (s->opts->cmd && child_done(s))
			break;
		if (s->storm && mw_storm_done())
			break;
		housekeeping(s);
		/* Each poll: a lifetime report's window then blurs by POLL_MS at most. */
		mw_heap_sample_misses();
		if (session_now_ns() - last_check >= 1000000000ull) {
			session_check_lost(s);
			session_check_cycles(s);
			if (s->kernel.modules)
				session_refresh_modules(s);
			session_write_status(s);
			last_check = session_now_ns();
		}
		if (session_now_ns() - last_repeats >= REPEAT_NS) {
			session_check_repeats(s);
			last_repeats = session_now_ns();
		}
		session_flush_reports(s);
	}
	return 0;
}

/* Inserted (or back from reuse), minus handed out again, minus still there: what the LRU forgot. */
static __u64 quarantine_evicted(const __u64 *stats)
{
	__u64 in = stats[MW_STAT_QUARANTINE_INSERTS] + stats[MW_STAT_REUSED_RETURNED];
	__u64 gone = stats[MW_STAT_QUARANTINE_REUSED] + mw_heap_quarantined();

	return in > gone ? in - gone : 0;
}

static void finish(struct session *s)
{
	static struct mw_alloc_group live[MW_MAX_GROUPS];
	static struct mw_prog_stat progs[MW_MAX_PROGS];
	__u64 stats[MW_STAT_NR] = {};
	struct mw_summary sum = {
		.reg = &s->reg,
		.stats = stats,
		.live = live,
	};
	int n;

	stop_child(s);
	/* Drain what the probes wrote before they stopped, and an unload no record told. */
	ring_buffer__consume(s->rb);
	session_flush_reports(s);
	if (s->storm) {
		__u64 start = 0;

		mw_storm_join(&s->storm_made, &start);
		s->storm_ns = session_now_ns() - start;
	}
	if (s->kernel.modules)
		session_refresh_modules(s);
	session_check_lost(s);
	session_check_cycles(s);
	session_check_repeats(s);
	mw_bpf_stats(s->skel, stats);
	sum.violations = s->violations;
	sum.warnings = s->warnings;
	sum.repeats = s->repeats;
	sum.runtime_ns = session_now_ns() - s->start_ns;
	sum.quarantine_evicted = quarantine_evicted(stats);
	sum.missed = mw_heap_missed();
	sum.latency = &s->latency;
	sum.storm = s->storm_made;
	sum.storm_rate = s->storm_rate;
	sum.storm_ns = s->storm_ns;
	sum.supp = s->opts->supp;
	sum.nr_supp = s->opts->nr_supp;
	sum.output_dropped = s->output->dropped;
	sum.load = &s->load;
	n = mw_heap_group_live(0, false, live, MW_MAX_GROUPS);
	sum.nr_live = n > 0 ? n : 0;
	if (s->stats_fd >= 0) {
		sum.progs = progs;
		sum.nr_progs = mw_bpf_prog_stats(s->skel, progs, MW_MAX_PROGS);
	}
	session_flush_reports(s);
	s->pr->summary(s->out, &sum);
}

/* --junit and --sarif: written at the end; 0 or -errno (said). */
static int write_ci_files(struct session *s)
{
	struct mw_ci_run run = {
		.findings = &s->findings,
		.reg = &s->reg,
		.only_kinds = s->opts->cfg.only_kinds,
		.strict = s->opts->cfg.strict,
		.seconds = (session_now_ns() - s->start_ns) / 1e9,
		.source_root = s->opts->source_root,
	};
	int err = 0, e;

	if (s->findings.dropped)
		mw_warn("%llu reports past the first %zu are not in the CI files",
			(unsigned long long)s->findings.dropped, s->findings.nr);
	if (s->opts->junit && (e = mw_junit_write(s->opts->junit, &run))) {
		mw_err("cannot write the JUnit file %s: %s", s->opts->junit, strerror(-e));
		err = e;
	}
	if (s->opts->sarif && (e = mw_sarif_write(s->opts->sarif, &run))) {
		mw_err("cannot write the SARIF file %s: %s", s->opts->sarif, strerror(-e));
		err = e;
	}
	return err;
}

/*
 * Fail before watching if a CI file cannot be written at all, but make no
 * file: only a session that ran writes one (at its end), and then a whole one.
 */
static int check_writable(const char *path, const char *what)
{
	char dir[4096];
	struct stat st;
	int err = 0;

	if (!path)
		return 0;
	if (!stat(path, &st)) {
		if (S_ISDIR(st.st_mode))
			err = -EISDIR;
		else if (access(path, W_OK))
			err = -errno;
	} else if (errno != ENOENT) {
		err = -errno;
	} else {
		snprintf(dir, sizeof(dir), "%s", path);
		err = access(dirname(dir), W_OK | X_OK) ? -errno : 0;
	}
	if (err)
		mw_err("cannot write the %s file %s: %s", what, path, strerror(-err));
	return err;
}

static int exit_code(const struct session *s)
{
	int st = s->child_status;

	/* A storm's reports are no violations: it fails only if it lost one or stopped short. */
	if (s->storm) {
		if (s->storm_made == s->storm && !s->lost_reported)
			return MW_EXIT_OK;
		mw_err("storm: %llu of %llu reports made, %llu lost",
		       (unsigned long long)s->storm_made, (unsigned long long)s->storm,
		       (unsigned long long)s->lost_reported);
		return MW_EXIT_FAILURE;
	}
	if (s->opts->cfg.strict && mw_load_refused(&s->load)) {
		mw_err("--strict: this kernel refused %d of modwatch's BPF programs (said at start)",
		       mw_load_refused(&s->load));
		return MW_EXIT_VIOLATION;
	}
	if (s->violations || (s->opts->cfg.strict && s->warnings))
		return MW_EXIT_VIOLATION;
	if (s->opts->cmd && (!WIFEXITED(st) || WEXITSTATUS(st))) {
		if (WIFSIGNALED(st))
			mw_err("%s was killed by signal %d", s->opts->cmd[0], WTERMSIG(st));
		else
			mw_err("%s exited with status %d", s->opts->cmd[0], WEXITSTATUS(st));
		return MW_EXIT_CMD_FAILED;
	}
	return MW_EXIT_OK;
}

/* One line per refused program: what goes unwatched, why, and which rules are off. */
static void say_refusals(const struct mw_load *l)
{
	char rules[512];
	int i;

	for (i = 0; i < l->n; i++) {
		if (!l->v[i].err)
			continue;
		mw_kinds_format(mw_prog_rules(l->v[i].name), ", ", "", rules, sizeof(rules));
		mw_warn("%s are not watched on this kernel: the verifier refused %s (%s)%s%s",
			mw_prog_watches(l->v[i].name), l->v[i].name,
			mw_refusal_reason(l->v[i].err), rules[0] ? "; rules off: " : "", rules);
	}
}

static int setup(struct session *s)
{
	int err;

	mw_phase("starting");
	err = mw_kernel_probe(&s->kernel);
	mw_phase("kernel probed");
	if (err) {
		mw_err("cannot read the kernel's BTF: %s", strerror(-err));
		return err;
	}
	err = check_kernel(&s->kernel);
	/* A storm attaches no kprobe: it needs none of this. */
	if (!err && s->kernel.kprobes && !s->storm)
		err = mw_caps_check_perf();
	if (!err)
		err = mw_bpf_load(&s->skel, &s->opts->cfg, &s->kernel, &s->load);
	if (err)
		return err;
	mw_phase("BPF loaded: %d programs, %d refused, %.2f s in the verifier", s->load.n,
		 mw_load_refused(&s->load), mw_load_verify_us(&s->load) / 1e6);
	say_refusals(&s->load);
	s->rules_off = mw_load_rules_off(&s->load);
	mw_bpf_set_rules_off(s->skel, s->rules_off);
	mw_registry_init(&s->reg, s->skel);
	mw_heap_init(s->skel);
	mw_phase("heap layout read");
	mw_sites_init(s->skel);
	mw_phase("callees resolved");
	mw_locks_init(s->skel);
	mw_stacks_init(s->skel);
	/* A storm watches nothing: only the report path runs. */
	if (!s->storm && (err = session_watch(s)))
		return err;
	/* Held as an fd: the kernel stops timing when it closes, even if modwatch dies. */
	if (s->opts->cfg.prog_stats && (s->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME)) < 0)
		mw_warn("--prog-stats: the kernel will not time BPF programs: %s (needs 5.8+)",
			strerror(errno));
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.mw_events), handle_event, s, NULL);
	if (!s->rb) {
		mw_err("cannot open the ring buffer: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* The outputs besides the report stream: journald and the metrics endpoint. */
static int open_outputs(struct session *s)
{
	int err;

	s->journal_only = session_journal_only(s->opts);
	if (s->opts->journal && (err = mw_journal_open(NULL)))
		mw_warn("--journal: journald is not reachable (%s): reports go to %s only",
			strerror(-err), s->output->name);
	if (s->opts->metrics && (err = mw_metrics_start(s->opts->metrics)))
		return err;
	return 0;
}

/* systemd: watching has begun (Type=notify), and the watchdog's pace. */
static void say_ready(struct session *s)
{
	__u32 i, probes = 0, mods = 0;

	for (i = 0; i < s->reg.nr; i++) {
		mods += s->reg.mods[i].loaded;
		probes += s->reg.mods[i].nr_probes;
	}
	if (s->opts->metrics)
		publish_metrics(s);
	mw_notify("READY=1\nSTATUS=watching %u modules, %u probes", mods, probes);
	mw_watchdog_kick();	/* reads WATCHDOG_USEC before CI mode's child is spawned */
}

/* The report stream: --output's FILE, or standard output. */
static int open_report_stream(struct session *s)
{
	struct mw_output *out;
	int err = mw_output_open(&out, s->opts->output, s->opts->append);

	if (err) {
		mw_err("cannot write %s: %s", s->opts->output, strerror(-err));
		return err;
	}
	session_use_stream(s, out);
	s->pr = session_choose_printer(s->opts, s->output->fd);
	return 0;
}

/*
 * What a session needs before it watches: the CI files checked, the report
 * stream, the signals, the BPF side loaded and the modules watched, the
 * other outputs. 0 or -errno (said).
 */
static int open_session(struct session *s)
{
	int err;

	err = check_writable(s->opts->junit, "JUnit");
	if (!err)
		err = check_writable(s->opts->sarif, "SARIF");
	if (!err)
		err = open_report_stream(s);
	if (err)
		return err;
	s->seen = mw_repeats_new();
	install_signals();
	raise_nofile();
	err = setup(s);
	if (!err)
		err = open_outputs(s);
	return err;
}

/* Watching begins: the start line, systemd told, CI mode's command or the storm started. */
static int begin(struct session *s)
{
	int err;

	/* Only now is an existing --output file replaced: a failed start keeps it. */
	err = mw_output_commit(s->output);
	if (err) {
		mw_err("cannot truncate %s: %s", s->output->name, strerror(-err));
		return err;
	}
	s->start_ns = session_now_ns();
	s->start_real = time(NULL);
	print_start(s);
	session_write_status(s);
	say_ready(s);
	if (s->opts->cmd) {
		mw_notify_forget_env();
		err = spawn(s);
		if (err)
			return err;
	}
	if (s->storm && (err = mw_storm_start(s->skel, s->storm, s->storm_rate)))
		return err;
	return 0;
}

/*
 * Until a signal, the end of CI mode's command or of the storm; then the
 * summary and the CI files. Returns modwatch's exit code.
 */
static int run_until_stopped(struct session *s)
{
	int err, code = MW_EXIT_FAILURE;

	err = event_loop(s);
	mw_phase("stopping");
	mw_notify("STOPPING=1");
	finish(s);
	if (!err)
		code = exit_code(s);
	if ((s->opts->junit || s->opts->sarif) && write_ci_files(s))
		code = MW_EXIT_FAILURE;
	return code;
}

/* Let go of whatever the session got to start, however far it got. */
static void close_session(struct session *s)
{
	__u32 i;

	stop_child(s);
	mw_storm_join(&s->storm_made, &s->storm_ns);
	ring_buffer__free(s->rb);
	/* All modules' probes in one queue: the detach threads overlap across modules. */
	for (i = 0; s->skel && i < s->reg.nr; i++) {
		mw_deep_detach(&s->deep, s->skel, &s->reg.mods[i], true);
		mw_sites_detach(&s->sites, s->skel, &s->reg.mods[i], true);
	}
	mw_sites_wait();
	mw_phase("probes detached");
	mw_crashlog_disarm();
	if (s->stats_fd >= 0)
		close(s->stats_fd);
	if (s->skel)
		mw_bpf_destroy(s->skel);
	mw_phase("BPF unloaded");
	mw_ksym_free();
	mw_repeats_free(s->seen);
	mw_findings_free(&s->findings);
	mw_metrics_stop();
	mw_journal_close();
	mw_output_close(s->output);
	mw_opts_free(s->reloaded);
	if (s->lock_fd >= 0) {
		session_remove_status();
		close(s->lock_fd);
	}
}

static int run_session(struct mw_run_opts *o, __u64 storm, __u64 rate)
{
	static struct session s;
	int code = MW_EXIT_FAILURE;

	s = (struct session){
		.opts = o,
		.stats_fd = -1,
		.lock_fd = -1,
		.storm = storm,
		.storm_rate = rate,
	};

	if (mw_caps_check())
		return MW_EXIT_FAILURE;
	/* Before any output is opened: a second instance must not truncate the first's. */
	if (mw_instance_lock(o->cmd, &s.lock_fd))
		return MW_EXIT_FAILURE;
	if (!open_session(&s) && !begin(&s))
		code = run_until_stopped(&s);
	close_session(&s);
	return code;
}

int mw_cmd_run(struct mw_run_opts *o)
{
	return run_session(o, 0, 0);
}

/*
 * modwatch storm: the session with nothing watched and @count reports made
 * by the BPF generator, @rate per second or as fast as they drain; the
 * summary says how fast they were written and how late. The storm runs in
 * this process, so the daemon's own reports must not be filtered out.
 */
int mw_cmd_storm(struct mw_run_opts *o, __u64 count, __u64 rate)
{
	o->cfg.exclude_self = false;
	o->cfg.storm = true;
	o->cmd = NULL;
	return run_session(o, count, rate);
}
