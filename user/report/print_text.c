// SPDX-License-Identifier: GPL-2.0
/* The plain-text printer: one readable line per violation, for a developer. */
#include <inttypes.h>
#include <string.h>
#include <stdio.h>
#include "heap.h"
#include "races.h"
#include "events.h"
#include "stats.h"
#include "ko/ko.h"
#include "ko/accesses.h"
#include "probe/deep_probes.h"
#include "probe/heap_maps.h"
#include "probe/lock_maps.h"
#include "probe/progs.h"
#include "probe/module_registry.h"
#include "report/latency.h"
#include "report/payload.h"
#include "report/print_text.h"
#include "report/printer.h"
#include "lib/escape.h"
#include "report/counters.h"
#include "report/rules.h"
#include "report/text_parts.h"
#include "symbols/ksym.h"
#include "probe/bpf.h"
#include "report/suppress.h"
#include "ko/callees.h"


/* "exit 2, notrace 3": the unprobed sites of @m by reason. */
static void print_skips(FILE *out, const struct mw_module *m)
{
	__u32 count[MW_SKIP_NR] = {}, i, k;
	const char *sep = "";

	for (i = 0; i < m->nr_unprobed; i++)
		count[m->unprobed[i].skip < MW_SKIP_NR ? m->unprobed[i].skip : 0]++;
	fprintf(out, ", %u not probed (", m->nr_unprobed);
	for (k = 1; k < MW_SKIP_NR; k++) {
		if (!count[k])
			continue;
		fprintf(out, "%s%s %u", sep, mw_skip_name(k), count[k]);
		sep = ", ";
	}
	fprintf(out, "%s)", m->nr_unprobed ? "; -v lists them" : "");
}

/* "blind to kvmalloc_node (alloc) 3, kstrdup (alloc) 1": calls it cannot judge. */
static void print_blind(FILE *out, const struct mw_module *m)
{
	__u32 i;

	fprintf(out, "modwatch:   %-24s blind to", "");
	for (i = 0; i < m->nr_blind; i++)
		fprintf(out, "%s %s (%s) %u", i ? "," : "",
			mw_escn(m->blind[i].name, sizeof(m->blind[i].name)), m->blind[i].family,
			m->blind[i].calls);
	fputc('\n', out);
}

/* One of print_deep()'s counts: "; not probed: " before the first, ", " between. */
static void print_left(FILE *out, bool *any, const char *what, __u64 n)
{
	if (!n)
		return;
	fprintf(out, "%s%s %llu", *any ? ", " : "; not probed: ", what, (unsigned long long)n);
	*any = true;
}

/* --deep: "N kprobes on its M loads and stores (R reads, W writes); not probed: stack S, ..." */
static void print_deep(FILE *out, const struct mw_module *m)
{
	const struct mw_deep_tally *t = m->deep;
	bool any = false;
	unsigned int c;

	fprintf(out, "modwatch:   %-24s --deep: %u kprobes on its %u loads and stores (%llu reads, "
		"%llu writes)", "", m->nr_deep, m->deep_found, (unsigned long long)t->reads,
		(unsigned long long)t->writes);
	for (c = MW_ACC_KEPT + 1; c < MW_ACC_NR; c++)
		print_left(out, &any, mw_acc_class_name(c), t->classes[c]);
	for (c = MW_SKIP_NONE + 1; c < MW_SKIP_NR; c++)
		print_left(out, &any, mw_skip_name(c), t->skipped[c]);
	print_left(out, &any, "attach", t->refused);
	fputc('\n', out);
}

void mw_text_module_head(FILE *out, const char *name, __u64 lo, __u64 hi, const char *ko,
			 __u32 sites, __u32 probes, __u32 probed)
{
	fprintf(out, "modwatch:   %-24s text 0x%llx-0x%llx", mw_esc(name), (unsigned long long)lo,
		(unsigned long long)hi);
	if (ko && ko[0])
		fprintf(out, ", %u call sites in %s, %u kprobes on %u of them", sites, mw_esc(ko),
			probes, probed);
}

static void print_module(FILE *out, const struct mw_module *m)
{
	mw_text_module_head(out, m->name, m->text_lo, m->text_hi, m->ko, m->nr_sites,
			    m->nr_probes, m->nr_slots - m->probed_entries);
	if (m->ko[0]) {
		if (m->probed_entries)
			fprintf(out, " and on %u of its %u entry points", m->probed_entries,
				m->nr_entries);
		if (m->nr_unprobed)
			print_skips(out, m);
	}
	fputc('\n', out);
	if (m->nr_blind)
		print_blind(out, m);
	if (m->deep)
		print_deep(out, m);
}

void mw_text_module_event(FILE *out, const char *name, bool loaded)
{
	if (!loaded)
		fprintf(out, "modwatch: module %s unloaded: its probes are detached\n", mw_esc(name));
	else
		fprintf(out, "modwatch: module %s loaded, now watched:\n", mw_esc(name));
}

static void text_module(FILE *out, const struct mw_module *m)
{
	mw_text_module_event(out, m->name, m->loaded);
	if (m->loaded)
		print_module(out, m);
	fflush(out);
}

void mw_text_kernel(FILE *out, const char *kernel, __u32 nr)
{
	fprintf(out, "modwatch: kernel %s, watching %u module%s\n", mw_esc(kernel), nr,
		nr == 1 ? "" : "s");
}

static void text_start(FILE *out, const struct mw_start *s)
{
	__u64 total = 0;
	__u32 i;
	int m;

	mw_text_kernel(out, s->kernel, s->reg->nr);
	for (i = 0; i < s->reg->nr; i++)
		print_module(out, &s->reg->mods[i]);
	fprintf(out, "modwatch: BPF map memory:\n");
	for (m = 0; m < s->nr_maps; m++) {
		fprintf(out, "modwatch:   %-14s %9u entries %10.1f KiB\n", s->maps[m].name,
			s->maps[m].entries, s->maps[m].bytes / 1024.0);
		total += s->maps[m].bytes;
	}
	fprintf(out, "modwatch:   %-14s %28.1f KiB\n", "total", total / 1024.0);
	fflush(out);
}

static void print_generic(FILE *out, const struct mw_event *e)
{
	char site[MW_SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	fprintf(out, " at %s", site);
}

void mw_text_violation_head(FILE *out, const struct mw_text_report *r)
{
	fprintf(out, "[%llu.%06llu] %s %s%s%s:", (unsigned long long)(r->ts_ns / 1000000000),
		(unsigned long long)(r->ts_ns % 1000000000 / 1000), mw_esc(r->module),
		r->warning ? "warning: " : "", r->incomplete ? "possible " : "", mw_esc(r->kind));
}

void mw_text_violation_tail(FILE *out, const struct mw_text_report *r)
{
	fprintf(out, " (pid %u tid %u comm %s cpu %u)%s\n", r->pid, r->tid,
		mw_escn(r->comm, r->comm_len), r->cpu,
		r->incomplete ? " [evidence may be incomplete]" : "");
}

static void text_violation(FILE *out, struct mw_registry *reg, const struct mw_event *e)
{
	const struct mw_payload *payload = mw_rule(e->hdr.kind)->payload;
	const struct mw_text_report r = {
		.ts_ns = e->hdr.ts_ns, .module = mw_registry_name(reg, e->hdr.module_id),
		.kind = mw_kind_name(e->hdr.kind), .warning = e->hdr.flags & MW_EV_WARNING,
		.incomplete = e->hdr.flags & MW_EV_INCOMPLETE, .pid = e->hdr.pid,
		.tid = e->hdr.tid, .cpu = e->hdr.cpu, .comm = e->hdr.comm,
		.comm_len = MW_COMM_LEN,
	};

	mw_text_violation_head(out, &r);
	if (payload)
		payload->text(out, e);
	else
		print_generic(out, e);
	mw_text_violation_tail(out, &r);
	/* No flush: the session flushes once per ring buffer batch. */
}

static void text_lost(FILE *out, __u64 new_lost, __u64 total_lost)
{
	fprintf(out, "modwatch: LOST %llu violation report%s (ring buffer full; %llu in all):"
		" raise --ringbuf-kb\n", (unsigned long long)new_lost, new_lost == 1 ? "" : "s",
		(unsigned long long)total_lost);
	fflush(out);
}

static void text_cycle(FILE *out, struct mw_registry *reg, const struct mw_edge *e,
		       const int *path, int len)
{
	char name[256], sa[MW_SYM_LEN], sb[MW_SYM_LEN];
	int i;

	fprintf(out, "%s lock_order_inversion: a cycle of %d locks:",
		mw_esc(mw_registry_name(reg, e[path[len - 1]].module_id)), len);
	for (i = 0; i < len; i++) {
		const struct mw_edge *x = &e[path[i]];

		mw_lock_name(x->a, name, sizeof(name));
		mw_ksym_format(x->site_a, sa, sizeof(sa));
		mw_ksym_format(x->site_b, sb, sizeof(sb));
		fprintf(out, "%s %s taken at %s, then the next at %s", i ? ";" : "", mw_esc(name), sa,
			sb);
	}
	fputc('\n', out);
	fflush(out);
}

static void text_repeat(FILE *out, struct mw_registry *reg, const struct mw_dedup_key *k,
			__u64 more, __u64 total)
{
	char site[MW_SYM_LEN];

	mw_ksym_format(k->site, site, sizeof(site));
	mw_text_repeat_line(out, mw_registry_name(reg, k->module_id), mw_kind_name(k->kind), site,
			    more, total);
	fflush(out);
}

void mw_text_repeat_line(FILE *out, const char *module, const char *kind, const char *site,
			 __u64 more, __u64 total)
{
	fprintf(out, "%s %s at %s: repeated %llu more time%s (%llu in all)\n", mw_esc(module),
		mw_esc(kind), site, (unsigned long long)more, more == 1 ? "" : "s",
		(unsigned long long)total);
}

void mw_text_live_head(FILE *out, size_t n)
{
	fprintf(out, "modwatch: %zu allocation site%s with live objects\n", n, n == 1 ? "" : "s");
}

void mw_text_live_group(FILE *out, const char *module, const char *site, __u64 count,
			__u64 bytes)
{
	fprintf(out, "modwatch:   %-24s %-40s %llu object%s, %llu bytes\n", mw_esc(module), site,
		(unsigned long long)count, count == 1 ? "" : "s", (unsigned long long)bytes);
}

static void text_live(FILE *out, struct mw_registry *reg, const struct mw_alloc_group *g,
		      size_t n)
{
	char site[MW_SYM_LEN];
	size_t i;

	mw_text_live_head(out, n);
	for (i = 0; i < n; i++) {
		mw_ksym_format(g[i].site, site, sizeof(site));
		mw_text_live_group(out, mw_registry_name(reg, g[i].module_id), site, g[i].count,
				   g[i].bytes);
	}
	fflush(out);
}

/* How late reports were written; for modwatch storm, how many per second. */
static void text_report_path(FILE *out, const struct mw_summary *s)
{
	const struct mw_latency *l = s->latency;

	if (l && l->n)
		fprintf(out, "modwatch:   reports written %.3f ms (p50), %.3f ms (p99), %.3f ms "
			"(max) after the violation\n", mw_latency_quantile(l, 0.50) / 1e6,
			mw_latency_quantile(l, 0.99) / 1e6, l->max / 1e6);
	if (s->storm_ns)
		fprintf(out, "modwatch:   storm: %llu reports made in %.3f s: %.0f reports/s "
			"written (%s)\n", (unsigned long long)s->storm, s->storm_ns / 1e9,
			s->storm * 1e9 / s->storm_ns, s->storm_rate ? "paced" : "as fast as drained");
}

/* The rules off because this kernel refused their programs (said at start too). */
static void text_refusals(FILE *out, const struct mw_load *l)
{
	__u32 off = l ? mw_load_rules_off(l) : 0;
	char rules[512];
	int i;

	for (i = 0; l && i < l->n; i++)
		if (l->v[i].err)
			fprintf(out, "modwatch:   refused by this kernel: %s (%s)\n", l->v[i].name,
				mw_refusal_reason(l->v[i].err));
	mw_kinds_format(off, ", ", "", rules, sizeof(rules));
	if (off)
		fprintf(out, "modwatch:   rules off on this kernel: %s\n", rules);
}

void mw_text_summary_head(FILE *out, __u64 runtime_ns, __u64 violations, __u64 warnings,
			  __u64 repeats, __u64 lost)
{
	fprintf(out, "modwatch: summary after %.1f s: %llu violation%s, %llu warning%s, "
		"%llu repeats, %llu lost\n", runtime_ns / 1e9, (unsigned long long)violations,
		violations == 1 ? "" : "s", (unsigned long long)warnings, warnings == 1 ? "" : "s",
		(unsigned long long)repeats, (unsigned long long)lost);
}

void mw_text_summary_count(FILE *out, const char *module, const char *kind, __u64 count,
			   __u64 repeats)
{
	fprintf(out, "modwatch:   %-24s %-22s %llu (+%llu repeats)\n", mw_esc(module),
		mw_esc(kind), (unsigned long long)count, (unsigned long long)repeats);
}

static void text_summary(FILE *out, const struct mw_summary *s)
{
	__u64 lost = 0;
	__u32 i, k;

	for (k = 0; k < MW_KIND_NR; k++)
		lost += s->stats[MW_STAT_LOST_BASE + k];
	mw_text_summary_head(out, s->runtime_ns, s->violations, s->warnings, s->repeats, lost);
	for (i = 0; i < s->reg->nr; i++)
		for (k = 1; k < MW_KIND_NR; k++)
			if (s->reg->mods[i].counts[k])
				mw_text_summary_count(out, s->reg->mods[i].name, mw_kind_name(k),
						      s->reg->mods[i].counts[k],
						      s->reg->mods[i].repeats[k]);
	for (k = 1; k < MW_KIND_NR; k++)
		if (s->stats[MW_STAT_LOST_BASE + k])
			fprintf(out, "modwatch:   lost %-22s %llu\n", mw_kind_name(k),
				(unsigned long long)s->stats[MW_STAT_LOST_BASE + k]);
	for (k = 0; k < MW_STAT_LOST_BASE; k++)
		if (s->stats[k])
			fprintf(out, "modwatch:   %s: %llu\n", mw_stat_desc(k),
				(unsigned long long)s->stats[k]);
	if (s->quarantine_evicted)
		fprintf(out, "modwatch:   freed objects forgotten before reuse (--quarantine): "
			"%llu\n", (unsigned long long)s->quarantine_evicted);
	if (s->missed)
		fprintf(out, "modwatch:   heap hook runs the kernel skipped: %llu (lifetime "
			"reports may be incomplete)\n", (unsigned long long)s->missed);
	for (i = 0; i < (__u32)s->nr_supp; i++)
		fprintf(out, "modwatch:   suppressed by %s:%s:%s: %llu\n", mw_esc(s->supp[i].kind),
			mw_esc(s->supp[i].module), mw_esc(s->supp[i].func), (unsigned long long)s->supp[i].hits);
	if (s->output_dropped)
		fprintf(out, "modwatch:   report lines the output could not take: %llu\n",
			(unsigned long long)s->output_dropped);
	for (i = 0; i < (__u32)s->nr_progs; i++)
		fprintf(out, "modwatch:   program %-32s %10llu runs %8.1f ns/run\n",
			s->progs[i].name, (unsigned long long)s->progs[i].runs,
			(double)s->progs[i].run_ns / s->progs[i].runs);
	text_report_path(out, s);
	text_refusals(out, s->load);
	text_live(out, s->reg, s->live, s->nr_live);
}

const struct mw_printer mw_print_text = {
	.start = text_start,
	.violation = text_violation,
	.lost = text_lost,
	.module = text_module,
	.live = text_live,
	.cycle = text_cycle,
	.repeat = text_repeat,
	.summary = text_summary,
};
