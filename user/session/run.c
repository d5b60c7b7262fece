// SPDX-License-Identifier: GPL-2.0
/*
 * The watch session: load and attach the probes, stream violations until
 * a signal (or, in CI mode, until the command exits), then drain the ring
 * buffer and print the summary.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include "events.h"
#include "stacks.h"
#include "stats.h"
#include "modwatch.h"
#include "ko/ko.h"
#include "report/findings.h"
#include "locks.h"
#include "cli/options.h"
#include "lib/error.h"
#include "probe/bpf.h"
#include "probe/heap_maps.h"
#include "probe/kernel.h"
#include "probe/lock_maps.h"
#include "probe/progs.h"
#include "probe/module_registry.h"
#include "probe/site_probes.h"
#include "probe/stack_maps.h"
#include "report/latency.h"
#include "report/output.h"
#include "report/printer.h"
#include "report/rules.h"
#include "report/suppress.h"
#include "service/journal.h"
#include "service/metrics.h"
#include "service/metrics_http.h"
#include "service/notify.h"
#include "session/crashlog.h"
#include "session/instance.h"
#include "session/repeats.h"
#include "session/run.h"
#include "session/storm.h"
#include "symbols/ksym.h"
#include "probe/skel.h"

#define POLL_MS 100
/* How often repeats are read back and printed, in a long run. */
#define REPEAT_NS (10 * 1000000000ull)

#define MAX_CYCLES 256
#define MAX_SUPP_KEYS 1024
/* Reports written but not yet flushed: one write() per batch, not per line. */
#define MAX_PENDING 4096

struct session {
	struct mw_run_opts *opts;	/* replaced by a reload */
	struct mw_run_opts *reloaded;	/* the session's own, from a reload, or NULL */
	const struct mw_printer *pr;
	FILE *out;			/* output.f */
	struct mw_output *output;	/* the report stream; out is its FILE */
	struct modwatch_bpf *skel;
	struct ring_buffer *rb;
	struct mw_registry reg;
	struct mw_sites sites;
	struct mw_kernel kernel;
	struct mw_load load;		/* what the kernel took, what it refused */
	__u32 rules_off;		/* rules its refusals leave unable to judge */
	__u64 violations;
	__u64 warnings;		/* reports of severity warning */
	__u64 repeats;
	struct mw_repeats *seen;	/* what check_repeats() printed */
	__u64 lost_reported;
	__u64 start_ns;
	pid_t child;
	int child_status;
	__u64 cycles[MAX_CYCLES];	/* signatures of the cycles reported */
	int nr_cycles;
	int nr_edges;			/* at the last look */
	int stats_fd;			/* --prog-stats: BPF_ENABLE_STATS held while >= 0 */
	struct mw_latency latency;	/* violation to line written */
	__u64 pending[MAX_PENDING];	/* their violations' timestamps */
	__u32 nr_pending;
	__u64 storm;			/* modwatch storm: reports to make, or 0 */
	__u64 storm_rate;		/* per second, or 0: as fast as they drain */
	__u64 storm_made;
	__u64 storm_ns;
	struct mw_findings findings;	/* for --junit and --sarif */
	int lock_fd;			/* the instance lock */
	bool modules_changed;		/* a module loaded: look at /proc/modules now */
	__u64 last_metrics;
	__u64 start_real;		/* the wall clock at start, for the metrics */
	__u64 reloads, reload_failures;
	__u64 journal_dropped;		/* reports journald did not take */
	bool journal_only;		/* reports go to the journal once, not via stdout too */
	/* Reports suppressed: their repeats are the rule's too, not printed. */
	struct suppressed_key {
		__u64 site;
		__u32 kind, module_id;
		int rule;
	} supp_keys[MAX_SUPP_KEYS];
	int nr_supp_keys;
};

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

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
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

/*
 * Does @e rest on heap hook runs the kernel skipped? A freed object's
 * report needs every allocation since the free (a skipped one may have
 * handed the memory out again); a live object's, every free since its
 * allocation (a skipped one would have retired it). leak_on_unload is
 * judged in report_leaks(), per allocation site.
 */
static bool incomplete(const struct mw_event *e)
{
	switch (e->hdr.kind) {
	case MW_DOUBLE_FREE:
		return mw_heap_missed_since(false, e->double_free.obj.free_ns);
	case MW_USE_AFTER_FREE:
		return mw_heap_missed_since(false, e->use_after_free.obj.free_ns);
	case MW_INVALID_FREE:
		return mw_heap_missed_since(true, e->invalid_free.obj.alloc_ns);
	case MW_HEAP_OVERFLOW_WRITE:
	case MW_HEAP_OVERFLOW_READ:
		return mw_heap_missed_since(true, e->heap_overflow.obj.alloc_ns);
	case MW_UNINIT_LEAK:
		return mw_heap_missed_since(true, e->uninit_leak.obj.alloc_ns);
	case MW_HELD_LOCK_FREED:
		return mw_heap_missed_since(true, e->held_lock_freed.obj.alloc_ns);
	}
	return false;
}

static char out_buf[1 << 20];	/* the report stream's stdio buffer */

/*
 * Lines reach the output once per ring buffer batch: a write() per report
 * would cap the drain rate at the syscall rate. Each report's latency is
 * taken when its line is out.
 */
static void flush_reports(struct session *s)
{
	__u64 now;
	__u32 i;

	if (!s->nr_pending)
		return;
	fflush(s->out);
	now = now_ns();
	for (i = 0; i < s->nr_pending; i++)
		mw_latency_add(&s->latency, now > s->pending[i] ? now - s->pending[i] : 0);
	s->nr_pending = 0;
}

/* --kind, for the reports the daemon makes itself (the BPF side filters its own). */
static bool kind_wanted(const struct session *s, __u32 kind)
{
	if (s->rules_off & (1u << kind))
		return false;
	return !s->opts->cfg.only_kinds || (s->opts->cfg.only_kinds & (1u << kind));
}

/* The functions a suppression may name: the site's, then its stack's. */
static int report_funcs(const struct mw_event *e, const char **funcs, int max)
{
	__u64 ips[MW_STACK_DEPTH_MAX];
	struct mw_sym sym;
	int n = 0, i, nr;

	if (!mw_ksym_resolve(e->hdr.site, &sym) && sym.name)
		funcs[n++] = sym.name;
	nr = e->hdr.stack ? mw_stack_read(e->hdr.stack, e->hdr.site, ips, MW_STACK_DEPTH_MAX) : 0;
	for (i = 0; i < nr && n < max; i++)
		if (!mw_ksym_resolve(ips[i], &sym) && sym.name)
			funcs[n++] = sym.name;
	return n;
}

/* --suppress: the first rule that covers the report counts it; its index, or -1. */
static int suppressed(struct session *s, __u32 kind, const char *module, const char **funcs,
		      int nr)
{
	int i;

	for (i = 0; i < s->opts->nr_supp; i++)
		if (mw_suppression_match(&s->opts->supp[i], mw_kind_name(kind), module, funcs, nr)) {
			s->opts->supp[i].hits++;
			return i;
		}
	return -1;
}

static bool suppressed_event(struct session *s, const struct mw_event *e, const char *module)
{
	const char *funcs[MW_STACK_DEPTH_MAX + 1];
	struct suppressed_key *k;
	int rule;

	if (!s->opts->nr_supp)
		return false;
	rule = suppressed(s, e->hdr.kind, module, funcs,
			  report_funcs(e, funcs, MW_STACK_DEPTH_MAX + 1));
	if (rule < 0)
		return false;
	if (s->nr_supp_keys < MAX_SUPP_KEYS) {
		k = &s->supp_keys[s->nr_supp_keys++];
		k->site = e->hdr.site;
		k->kind = e->hdr.kind;
		k->module_id = e->hdr.module_id;
		k->rule = rule;
	}
	return true;
}

/* The rule that suppressed the report whose repeats these are, or -1. */
static int suppressed_repeat(const struct session *s, const struct mw_dedup_key *k)
{
	int i;

	for (i = 0; i < s->nr_supp_keys; i++)
		if (s->supp_keys[i].site == k->site && s->supp_keys[i].kind == k->kind &&
		    s->supp_keys[i].module_id == k->module_id)
			return s->supp_keys[i].rule < s->opts->nr_supp ? s->supp_keys[i].rule : -1;
	return -1;
}

/*
 * --severity: a kind made a warning, or a violation. A report on evidence
 * the kernel may have cut short stays a "possible" warning whatever its
 * kind's severity: a false positive costs more than a miss.
 */
static void judge(const struct session *s, struct mw_event *e)
{
	__u32 bit = 1u << e->hdr.kind;

	if (s->opts->warn_kinds & bit)
		e->hdr.flags |= MW_EV_WARNING;
	else if ((s->opts->violation_kinds & bit) && !(e->hdr.flags & MW_EV_INCOMPLETE))
		e->hdr.flags &= ~MW_EV_WARNING;
}

/* A report made: counted by severity, and per module and kind. */
static void count_report(struct session *s, struct mw_module *m, __u32 kind, bool warning)
{
	if (warning)
		s->warnings++;
	else
		s->violations++;
	if (!m)
		return;
	m->counts[kind]++;
	if (warning)
		m->warnings[kind]++;
}

static void emit(struct session *s, struct mw_event *e)
{
	struct mw_module *m = mw_registry_module(&s->reg, e->hdr.module_id);

	if (!kind_wanted(s, e->hdr.kind))
		return;
	/* The kernel skipped some heap hook runs: say the evidence may be partial. */
	mw_heap_sample_misses_after(e->hdr.ts_ns);
	if (incomplete(e))
		e->hdr.flags |= MW_EV_INCOMPLETE | MW_EV_WARNING;
	judge(s, e);
	if (suppressed_event(s, e, m ? m->name : mw_registry_name(&s->reg, e->hdr.module_id)))
		return;
	count_report(s, m, e->hdr.kind, e->hdr.flags & MW_EV_WARNING);
	if (!s->journal_only)
		s->pr->violation(s->out, &s->reg, e);
	if (s->opts->journal && mw_journal_report(&s->reg, e))
		s->journal_dropped++;
	if (s->opts->junit || s->opts->sarif)
		mw_findings_add(&s->findings, &s->reg, e);
	if (s->nr_pending == MAX_PENDING)
		flush_reports(s);
	s->pending[s->nr_pending++] = e->hdr.ts_ns;
}

static void unwatch_module(struct session *s, struct mw_module *m, bool from_poll);

/* A record that is no violation: a watched module is being freed (module:module_free). */
static void handle_record(struct session *s, const struct mw_event *e)
{
	struct mw_module *m = mw_registry_module(&s->reg, e->hdr.module_id);

	if (e->hdr.kind == MW_REC_MODULE_FREE && m && m->loaded)
		unwatch_module(s, m, false);
	/* Not from here: refresh_modules() drains the ring buffer itself. */
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
		emit(ctx, &e);
	return 0;
}

/* leak_on_unload: every object @m allocated and never freed, one report per site. */
static void report_leaks(struct session *s, struct mw_module *m)
{
	static struct mw_alloc_group g[MW_MAX_GROUPS];
	struct mw_event e;
	int i, n;

	mw_heap_sample_misses();
	n = mw_heap_group_live(m->id, true, g, MW_MAX_GROUPS);
	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		e.hdr.kind = MW_LEAK_ON_UNLOAD;
		/*
		 * A free since the oldest allocation may have gone unseen: a skipped
		 * tracepoint run, or a vfree() where no probe could go: "possible".
		 */
		if (mw_heap_missed_since(true, g[i].first_ns) || (g[i].vmalloc && m->unseen_vfree))
			e.hdr.flags = MW_EV_INCOMPLETE | MW_EV_WARNING;
		e.hdr.size = MW_EVENT_SIZE(leak_on_unload);
		e.hdr.ts_ns = now_ns();
		e.hdr.module_id = m->id;
		e.hdr.site = g[i].site;
		snprintf(e.hdr.comm, sizeof(e.hdr.comm), "(unload)");
		e.leak_on_unload.alloc_site = g[i].site;
		e.leak_on_unload.count = g[i].count;
		e.leak_on_unload.bytes = g[i].bytes;
		emit(s, &e);
	}
}

/* lock_held_on_unload: the module's locks someone still holds as it goes. */
static void report_held_locks(struct session *s, struct mw_module *m)
{
	struct mw_lock_owner owners[64];
	__u64 locks[64];
	struct mw_event e;
	int i, n;

	n = mw_locks_held(m->id, locks, owners, 64);
	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		e.hdr.kind = MW_LOCK_HELD_ON_UNLOAD;
		e.hdr.size = MW_EVENT_SIZE(lock_held_on_unload);
		e.hdr.ts_ns = now_ns();
		e.hdr.module_id = m->id;
		e.hdr.site = owners[i].site;
		snprintf(e.hdr.comm, sizeof(e.hdr.comm), "(unload)");
		e.lock_held_on_unload.lock.addr = locks[i];
		e.lock_held_on_unload.lock.type = owners[i].type;
		e.lock_held_on_unload.acquire_site = owners[i].site;
		e.lock_held_on_unload.owner_tid = owners[i].tid;
		emit(s, &e);
	}
}

/* A cycle's signature: the same locks in the same order, wherever it starts. */
static __u64 cycle_sig(const struct mw_edge *e, const int *path, int len)
{
	__u64 h = 1469598103934665603ull;
	int i;

	for (i = 0; i < len; i++)
		h = (h ^ e[path[i]].a) * 1099511628211ull;
	return h;
}

/* A cycle's functions, for --suppress: each acquire's. */
static bool cycle_suppressed(struct session *s, const struct mw_edge *e, const int *path,
			     int len, struct mw_module *m)
{
	const char *funcs[2 * MW_CYCLE_MAX];
	struct mw_sym sym;
	int i, n = 0;

	if (!s->opts->nr_supp)
		return false;
	for (i = 0; i < len; i++) {
		if (!mw_ksym_resolve(e[path[i]].site_a, &sym) && sym.name)
			funcs[n++] = sym.name;
		if (!mw_ksym_resolve(e[path[i]].site_b, &sym) && sym.name)
			funcs[n++] = sym.name;
	}
	return suppressed(s, MW_LOCK_ORDER_INVERSION, m ? m->name : NULL, funcs, n);
}

/*
 * A new cycle, listed so that it ends with its newest edge: the acquire
 * that closed it, the report's site.
 */
static void on_cycle(void *ctx, const struct mw_edge *e, const int *walked, int len)
{
	struct session *s = ctx;
	__u64 sig = cycle_sig(e, walked, len);
	int i, newest = 0, path[MW_CYCLE_MAX];
	struct mw_module *m;

	if (!kind_wanted(s, MW_LOCK_ORDER_INVERSION))
		return;
	for (i = 1; i < len; i++)
		if (e[walked[i]].ns > e[walked[newest]].ns)
			newest = i;
	for (i = 0; i < len; i++)
		path[i] = walked[(newest + 1 + i) % len];

	for (i = 0; i < s->nr_cycles; i++)
		if (s->cycles[i] == sig)
			return;
	if (s->nr_cycles < MAX_CYCLES)
		s->cycles[s->nr_cycles++] = sig;
	m = mw_registry_module(&s->reg, e[path[len - 1]].module_id);
	if (cycle_suppressed(s, e, path, len, m))
		return;
	count_report(s, m, MW_LOCK_ORDER_INVERSION,
		     s->opts->warn_kinds & (1u << MW_LOCK_ORDER_INVERSION));
	s->pr->cycle(s->out, &s->reg, e, path, len);
	if (s->opts->junit || s->opts->sarif)
		mw_findings_add_cycle(&s->findings, &s->reg, e, path, len);
}

/* Longer lock-order cycles (A->B->C->A), looked for when the edges change. */
static void check_cycles(struct session *s)
{
	static struct mw_edge e[MW_MAX_EDGES];
	int n = mw_lock_edges(e, MW_MAX_EDGES);

	if (n < 3 || n == s->nr_edges)
		return;
	s->nr_edges = n;
	mw_lock_cycles(e, n, on_cycle, s);
}

static void print_live(struct session *s)
{
	static struct mw_alloc_group g[MW_MAX_GROUPS];
	int n = mw_heap_group_live(0, false, g, MW_MAX_GROUPS);

	if (n >= 0)
		s->pr->live(s->out, &s->reg, g, n);
}

static void on_repeat(void *ctx, const struct mw_dedup_key *k, __u64 more, __u64 total)
{
	struct session *s = ctx;
	struct mw_module *m = mw_registry_module(&s->reg, k->module_id);
	int rule = suppressed_repeat(s, k);

	if (rule >= 0) {
		s->opts->supp[rule].hits += more;
		return;
	}
	s->repeats += more;
	if (m && k->kind < MW_KIND_NR)
		m->repeats[k->kind] += more;
	s->pr->repeat(s->out, &s->reg, k, more, total);
}

/* "Repeated N times": what the BPF side counted since the last look. */
static void check_repeats(struct session *s)
{
	if (s->seen)
		mw_repeats_scan(s->seen, s->skel, on_repeat, s);
}

static __u64 total_lost(const __u64 *stats)
{
	__u64 lost = 0;
	__u32 k;

	for (k = 0; k < MW_KIND_NR; k++)
		lost += stats[MW_STAT_LOST_BASE + k];
	return lost;
}

/* Say so as soon as the BPF side could not report a violation. */
static void check_lost(struct session *s)
{
	__u64 stats[MW_STAT_NR], lost;

	if (mw_bpf_stats(s->skel, stats))
		return;
	lost = total_lost(stats);
	if (lost > s->lost_reported) {
		s->pr->lost(s->out, lost - s->lost_reported, lost);
		s->lost_reported = lost;
	}
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
	if (!mw_verbose)
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

static bool is_named(const struct mw_run_opts *o, const char *name)
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
static void unwatch_module(struct session *s, struct mw_module *m, bool from_poll)
{
	if (from_poll) {
		/* Drain first: reports made before the unload still name its symbols. */
		ring_buffer__consume(s->rb);
		if (!s->kernel.tp_module_free)
			report_held_locks(s, m);
	}
	report_leaks(s, m);
	mw_sites_detach(&s->sites, s->skel, m, true);
	mw_registry_remove(&s->reg, m);
	s->pr->module(s->out, m);
}

/*
 * Follow modules coming and going: an unloaded module's probes are
 * detached and its pages forgotten; a module that (re)appears is watched
 * if it was named, or if every module is watched.
 */
static void refresh_modules(struct session *s)
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
			unwatch_module(s, m, true);
	}
	for (k = 0; k < n; k++) {
		if (find_loaded(s, names[k]))
			continue;
		if (s->opts->nr_modules && !is_named(s->opts, names[k]))
			continue;
		mw_ksym_reload();	/* its symbols, while it is there */
		if (!watch_module(s, names[k], false))
			s->pr->module(s->out, &s->reg.mods[s->reg.nr - 1]);
	}
	free(names);
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
		.uptime = (now_ns() - s->start_ns) / 1e9,
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
	if (!maps_ns || now_ns() - maps_ns >= 10 * 1000000000ull) {
		nr_maps = mw_bpf_maps(s->skel, maps, MW_MAX_MAPS, true);
		maps_ns = now_ns();
	}
	v.nr_maps = nr_maps;
	if (mw_metrics_render(&v))
		mw_warn("cannot render the metrics: out of memory; the endpoint serves the last ones");
}

/* The printer --format asks for; "auto" looks at where the reports go. */
static const struct mw_printer *choose_printer(const struct mw_run_opts *o, int fd)
{
	if (o->format == MW_FORMAT_JSON)
		return &mw_print_json;
	if (o->format == MW_FORMAT_KASAN || (o->format == MW_FORMAT_AUTO && isatty(fd)))
		return mw_kasan_printer();
	return &mw_print_text;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/*
 * @out becomes the report stream. Only this thread writes reports: no lock
 * per character (threads: sites.c, storm.c). A batch's lines leave in one
 * write() (see flush_reports()), not one per 4 KiB, stdio's default.
 */
static void use_stream(struct session *s, struct mw_output *out)
{
	s->output = out;
	s->out = out->f;
	__fsetlocking(s->out, FSETLOCKING_BYCALLER);
	setvbuf(s->out, out_buf, _IOFBF, sizeof(out_buf));
}

/* Under systemd, --journal and no --output: stdout is the journal too, once is enough. */
static bool journal_only(const struct mw_run_opts *o)
{
	return o->journal && !o->output && mw_journal_stream();
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
		if (s->reg.mods[i].loaded && n->nr_modules && !is_named(n, s->reg.mods[i].name))
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
		if (err) {
			mw_warn("reload: cannot write %s: %s", n->output, strerror(-err));
			return err;
		}
		fflush(s->out);
		mw_output_close(s->output);
		use_stream(s, out);
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
	s->journal_only = journal_only(n);
	return 0;
}

/*
 * SIGHUP: the command line and the configuration file read again. What
 * can change in a running session does (kinds, severities, suppressions,
 * modules to watch, outputs); the rest is said. A bad file changes nothing.
 */
static void reload(struct session *s)
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
	s->pr = choose_printer(n, s->output->fd);
	s->opts = n;
	s->reloaded = n;
	mw_opts_free(old);
	s->modules_changed = true;	/* watch what it names now */
	s->reloads++;
	mw_warn("reloaded %s", n->config ? n->config : "the options");
	mw_notify("READY=1");
}

/* Each pass of the loop: what is due besides reading the ring buffer. */
static void housekeeping(struct session *s)
{
	if (reload_requested) {
		reload_requested = 0;
		reload(s);
	}
	if (s->modules_changed && s->kernel.modules) {
		s->modules_changed = false;
		refresh_modules(s);
	}
	if (live_requested) {
		live_requested = 0;
		print_live(s);
	}
	mw_output_retry(s->output);
	mw_watchdog_kick();
	if (s->opts->metrics && now_ns() - s->last_metrics >= 1000000000ull) {
		publish_metrics(s);
		s->last_metrics = now_ns();
	}
}

static int event_loop(struct session *s)
{
	__u64 last_check = now_ns(), last_repeats = last_check;
	int err;

	while (!stop_requested) {
		err = ring_buffer__poll(s->rb, POLL_MS);
		flush_reports(s);
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
		if (now_ns() - last_check >= 1000000000ull) {
			check_lost(s);
			check_cycles(s);
			if (s->kernel.modules)
				refresh_modules(s);
			last_check = now_ns();
		}
		if (now_ns() - last_repeats >= REPEAT_NS) {
			check_repeats(s);
			last_repeats = now_ns();
		}
		flush_reports(s);
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
	flush_reports(s);
	if (s->storm) {
		__u64 start = 0;

		mw_storm_join(&s->storm_made, &start);
		s->storm_ns = now_ns() - start;
	}
	if (s->kernel.modules)
		refresh_modules(s);
	check_lost(s);
	check_cycles(s);
	check_repeats(s);
	mw_bpf_stats(s->skel, stats);
	sum.violations = s->violations;
	sum.warnings = s->warnings;
	sum.repeats = s->repeats;
	sum.runtime_ns = now_ns() - s->start_ns;
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
	flush_reports(s);
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
		.seconds = (now_ns() - s->start_ns) / 1e9,
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

/* Fail before watching if a CI file cannot be written at all. */
static int check_writable(const char *path, const char *what)
{
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "we");
	if (!f) {
		mw_err("cannot write the %s file %s: %s", what, path, strerror(errno));
		return -errno;
	}
	fclose(f);
	return 0;
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
static int watch(struct session *s)
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
	mw_load_say(&s->load);
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
	if (!s->storm && (err = watch(s)))
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

	s->journal_only = journal_only(s->opts);
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
	use_stream(s, out);
	s->pr = choose_printer(s->opts, s->output->fd);
	return 0;
}

static int run_session(struct mw_run_opts *o, __u64 storm, __u64 rate)
{
	static struct session s;
	int err, code = MW_EXIT_FAILURE;
	__u32 i;

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
	s.lock_fd = mw_instance_lock();
	if (s.lock_fd < 0)
		return MW_EXIT_FAILURE;
	if (check_writable(o->junit, "JUnit") || check_writable(o->sarif, "SARIF") ||
	    open_report_stream(&s))
		goto cleanup;
	s.seen = mw_repeats_new();
	install_signals();
	raise_nofile();
	err = setup(&s);
	if (!err)
		err = open_outputs(&s);
	if (err)
		goto cleanup;
	s.start_ns = now_ns();
	s.start_real = time(NULL);
	print_start(&s);
	say_ready(&s);
	if (s.opts->cmd) {
		mw_notify_forget_env();
		err = spawn(&s);
		if (err)
			goto cleanup;
	}
	if (storm && (err = mw_storm_start(s.skel, storm, rate)))
		goto cleanup;
	err = event_loop(&s);
	mw_phase("stopping");
	mw_notify("STOPPING=1");
	finish(&s);
	if (!err)
		code = exit_code(&s);
	if ((s.opts->junit || s.opts->sarif) && write_ci_files(&s))
		code = MW_EXIT_FAILURE;
cleanup:
	stop_child(&s);
	mw_storm_join(&s.storm_made, &s.storm_ns);
	ring_buffer__free(s.rb);
	/* All modules' probes in one queue: the detach threads overlap across modules. */
	for (i = 0; s.skel && i < s.reg.nr; i++)
		mw_sites_detach(&s.sites, s.skel, &s.reg.mods[i], true);
	mw_sites_wait();
	mw_phase("probes detached");
	mw_crashlog_disarm();
	if (s.stats_fd >= 0)
		close(s.stats_fd);
	if (s.skel)
		mw_bpf_destroy(s.skel);
	mw_phase("BPF unloaded");
	mw_ksym_free();
	mw_repeats_free(s.seen);
	mw_findings_free(&s.findings);
	mw_metrics_stop();
	mw_journal_close();
	mw_output_close(s.output);
	mw_opts_free(s.reloaded);
	if (s.lock_fd >= 0)
		close(s.lock_fd);
	return code;
}

int mw_cmd_run(struct mw_run_opts *o)
{
	return run_session(o, 0, 0);
}

/*
 * modwatch storm: the session with nothing watched and @count reports made
 * by the BPF generator, @rate per second or as fast as they drain; the summary says how fast they were written and how
 * late. The storm runs in this process, so the daemon's own reports must
 * not be filtered out.
 */
int mw_cmd_storm(struct mw_run_opts *o, __u64 count, __u64 rate)
{
	o->cfg.exclude_self = false;
	o->cfg.storm = true;
	o->cmd = NULL;
	return run_session(o, count, rate);
}
