// SPDX-License-Identifier: GPL-2.0
/*
 * The session's reports: each one judged (--kind, --severity, evidence the
 * kernel may have cut short), suppressed or counted, written and flushed;
 * and the reports the daemon makes itself: lock-order cycles, repeats,
 * losses, what a module leaves behind as it unloads. The report stream and
 * its printer are chosen here too.
 */
#include <stdio_ext.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include "events.h"
#include "stacks.h"
#include "stats.h"
#include "locks.h"
#include "cli/options.h"
#include "probe/heap_maps.h"
#include "probe/lock_maps.h"
#include "probe/stack_maps.h"
#include "report/output.h"
#include "report/printer.h"
#include "report/rules.h"
#include "service/journal.h"
#include "session/repeats.h"
#include "session/report.h"
#include "session/state.h"
#include "symbols/ksym.h"
#include "report/kasan.h"
#include "report/print_json.h"
#include "report/print_text.h"

/*
 * Does @e rest on heap hook runs the kernel skipped? A freed object's
 * report needs every allocation since the free (a skipped one may have
 * handed the memory out again); a live object's, every free since its
 * allocation (a skipped one would have retired it). leak_on_unload is
 * judged in session_report_leaks(), per allocation site.
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

/*
 * Lines reach the output once per ring buffer batch: a write() per report
 * would cap the drain rate at the syscall rate. Each report's latency is
 * taken when its line is out.
 */
void session_flush_reports(struct session *s)
{
	__u64 now;
	__u32 i;

	if (!s->nr_pending)
		return;
	fflush(s->out);
	now = session_now_ns();
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

void session_emit(struct session *s, struct mw_event *e)
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
		session_flush_reports(s);
	s->pending[s->nr_pending++] = e->hdr.ts_ns;
}

/* leak_on_unload: every object @m allocated and never freed, one report per site. */
void session_report_leaks(struct session *s, struct mw_module *m)
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
		e.hdr.ts_ns = session_now_ns();
		e.hdr.module_id = m->id;
		e.hdr.site = g[i].site;
		snprintf(e.hdr.comm, sizeof(e.hdr.comm), "(unload)");
		e.leak_on_unload.alloc_site = g[i].site;
		e.leak_on_unload.count = g[i].count;
		e.leak_on_unload.bytes = g[i].bytes;
		session_emit(s, &e);
	}
}

/* lock_held_on_unload: the module's locks someone still holds as it goes. */
void session_report_held_locks(struct session *s, struct mw_module *m)
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
		e.hdr.ts_ns = session_now_ns();
		e.hdr.module_id = m->id;
		e.hdr.site = owners[i].site;
		snprintf(e.hdr.comm, sizeof(e.hdr.comm), "(unload)");
		e.lock_held_on_unload.lock.addr = locks[i];
		e.lock_held_on_unload.lock.type = owners[i].type;
		e.lock_held_on_unload.acquire_site = owners[i].site;
		e.lock_held_on_unload.owner_tid = owners[i].tid;
		session_emit(s, &e);
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
void session_check_cycles(struct session *s)
{
	static struct mw_edge e[MW_MAX_EDGES];
	int n = mw_lock_edges(e, MW_MAX_EDGES);

	if (n < 3 || n == s->nr_edges)
		return;
	s->nr_edges = n;
	mw_lock_cycles(e, n, on_cycle, s);
}

void session_print_live(struct session *s)
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
void session_check_repeats(struct session *s)
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
void session_check_lost(struct session *s)
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

/* The printer --format asks for; "auto" looks at where the reports go. */
const struct mw_printer *session_choose_printer(const struct mw_run_opts *o, int fd)
{
	if (o->format == MW_FORMAT_JSON)
		return &mw_print_json;
	if (o->format == MW_FORMAT_KASAN || (o->format == MW_FORMAT_AUTO && isatty(fd)))
		return mw_kasan_printer();
	return &mw_print_text;
}

static char out_buf[1 << 20];	/* the report stream's stdio buffer */

/*
 * @out becomes the report stream. Only this thread writes reports: no lock
 * per character (threads: kprobes.c, storm.c). A batch's lines leave in one
 * write() (see session_flush_reports()), not one per 4 KiB, stdio's default.
 */
void session_use_stream(struct session *s, struct mw_output *out)
{
	s->output = out;
	s->out = out->f;
	__fsetlocking(s->out, FSETLOCKING_BYCALLER);
	setvbuf(s->out, out_buf, _IOFBF, sizeof(out_buf));
}

/* Under systemd, --journal and no --output: stdout is the journal too, once is enough. */
bool session_journal_only(const struct mw_run_opts *o)
{
	return o->journal && !o->output && mw_journal_stream();
}
