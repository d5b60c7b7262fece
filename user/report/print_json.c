// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON-lines printer: one object per line, for fleets and CI. Every
 * line has "type": "start", "module", "violation", "repeat", "lost", "live"
 * or "summary". Its schema is doc/schema/modwatch-report.schema.json (and
 * doc/output.md in words): a member added here without it fails the tests,
 * which check every line they make (tools/check-json).
 */
#include <string.h>
#include <stdio.h>
#include "heap.h"
#include "races.h"
#include "events.h"
#include "stacks.h"
#include "stats.h"
#include "ko/ko.h"
#include "ko/accesses.h"
#include "probe/deep_probes.h"
#include "probe/heap_maps.h"
#include "probe/lock_maps.h"
#include "probe/progs.h"
#include "probe/module_registry.h"
#include "report/json_parts.h"
#include "report/json_writer.h"
#include "report/payload.h"
#include "report/print_json.h"
#include "report/latency.h"
#include "report/printer.h"
#include "report/counters.h"
#include "report/rules.h"
#include "probe/bpf.h"
#include "report/suppress.h"
#include "ko/callees.h"

/* "unprobed":[{"function","offset","reason"[,"error"]}] */
static void json_unprobed(struct jw *out, const struct mw_module *m)
{
	const struct mw_unprobed *u;
	__u32 i;

	jw_puts(",\"unprobed\":[", out);
	for (i = 0; i < m->nr_unprobed; i++) {
		u = &m->unprobed[i];
		jw_printf(out, "%s{\"function\":", i ? "," : "");
		json_str(out, u->func, sizeof(u->func));
		jw_printf(out, ",\"offset\":%llu,\"reason\":\"%s\"", (unsigned long long)u->offset,
			mw_skip_name(u->skip));
		if (u->err) {
			jw_puts(",\"error\":", out);
			json_str(out, strerror(-u->err), 128);
		}
		jw_putc('}', out);
	}
	jw_putc(']', out);
}

/*
 * {"id","name","text_start","text_end","ko","sites","probes","probed_sites",
 *  "unprobed","no_return_probe","static_locks","blind"}
 */
/* ,"deep":{"accesses","probes","reads","writes","not_probed":{class or reason: count}} */
static void json_deep(struct jw *out, const struct mw_module *m)
{
	const struct mw_deep_tally *t = m->deep;
	const char *sep = "";
	unsigned int c;

	jw_printf(out, ",\"deep\":{\"accesses\":%u,\"probes\":%u,\"reads\":%llu,"
		  "\"writes\":%llu,\"not_probed\":{", m->deep_found, m->nr_deep,
		  (unsigned long long)t->reads, (unsigned long long)t->writes);
	for (c = MW_ACC_KEPT + 1; c < MW_ACC_NR; c++, sep = ",")
		jw_printf(out, "%s\"%s\":%llu", sep, mw_acc_class_name(c),
			  (unsigned long long)t->classes[c]);
	for (c = MW_SKIP_NONE + 1; c < MW_SKIP_NR; c++)
		if (t->skipped[c])
			jw_printf(out, ",\"%s\":%u", mw_skip_name(c), t->skipped[c]);
	jw_printf(out, ",\"attach\":%u}}", t->refused);
}

static void json_module(struct jw *out, const struct mw_module *m)
{
	__u32 i;

	jw_printf(out, "{\"id\":%u,\"name\":", m->id);
	json_str(out, m->name, 64);
	jw_putc(',', out);
	json_addr(out, "text_start", m->text_lo);
	jw_putc(',', out);
	json_addr(out, "text_end", m->text_hi);
	jw_puts(",\"ko\":", out);
	if (m->ko[0])
		json_str(out, m->ko, sizeof(m->ko));
	else
		jw_puts("null", out);
	jw_printf(out, ",\"sites\":%u,\"probes\":%u,\"probed_sites\":%u", m->nr_sites,
		m->nr_probes, m->nr_slots - m->probed_entries);
	jw_printf(out, ",\"entries\":%u,\"probed_entries\":%u", m->nr_entries,
		m->probed_entries);
	json_unprobed(out, m);
	if (m->deep)
		json_deep(out, m);
	jw_printf(out, ",\"no_return_probe\":%u,\"static_locks\":%u,\"blind\":[", m->nr_noret,
		m->nr_static_locks);
	for (i = 0; i < m->nr_blind; i++) {
		jw_printf(out, "%s{\"function\":", i ? "," : "");
		json_str(out, m->blind[i].name, sizeof(m->blind[i].name));
		jw_printf(out, ",\"family\":\"%s\",\"calls\":%u}", m->blind[i].family,
			m->blind[i].calls);
	}
	jw_puts("]}", out);
}

static void json_module_event(FILE *f, const struct mw_module *m)
{
	struct jw *out = jw_begin(f);

	jw_printf(out, "{\"type\":\"module\",\"event\":\"%s\",\"module\":",
		m->loaded ? "load" : "unload");
	json_module(out, m);
	jw_puts("}\n", out);
	jw_end(out, true);
}

static void json_start(FILE *f, const struct mw_start *s)
{
	struct jw *out = jw_begin(f);
	__u64 total = 0;
	__u32 i;
	int m;

	jw_puts("{\"type\":\"start\",\"kernel\":", out);
	json_str(out, s->kernel, 64);
	jw_puts(",\"modules\":[", out);
	for (i = 0; i < s->reg->nr; i++) {
		jw_puts(i ? "," : "", out);
		json_module(out, &s->reg->mods[i]);
	}
	jw_puts("],\"maps\":[", out);
	for (m = 0; m < s->nr_maps; m++) {
		jw_printf(out, "%s{\"name\":", m ? "," : "");
		json_str(out, s->maps[m].name, 64);
		jw_printf(out, ",\"entries\":%u,\"bytes\":%llu}", s->maps[m].entries,
			(unsigned long long)s->maps[m].bytes);
		total += s->maps[m].bytes;
	}
	jw_printf(out, "],\"memory_bytes\":%llu}\n", (unsigned long long)total);
	jw_end(out, true);
}

static void json_violation(FILE *f, struct mw_registry *reg, const struct mw_event *e)
{
	const struct mw_payload *payload = mw_rule(e->hdr.kind)->payload;
	struct jw *out = jw_begin(f);

	jw_puts("{\"type\":\"violation\",\"kind\":", out);
	json_str(out, mw_kind_name(e->hdr.kind), 32);
	jw_puts(e->hdr.flags & MW_EV_WARNING ? ",\"severity\":\"warning\",\"module\":" :
					     ",\"severity\":\"violation\",\"module\":", out);
	json_str(out, mw_registry_name(reg, e->hdr.module_id), 64);
	json_key_u64(out, "time_ns", e->hdr.ts_ns);
	json_key_u64(out, "pid", e->hdr.pid);
	json_key_u64(out, "tid", e->hdr.tid);
	json_key_u64(out, "cpu", e->hdr.cpu);
	jw_puts(",\"comm\":", out);
	json_str(out, e->hdr.comm, MW_COMM_LEN);
	jw_puts(e->hdr.flags & MW_EV_INCOMPLETE ? ",\"incomplete\":true," : ",\"incomplete\":false,",
	      out);
	json_site(out, "site", e->hdr.site);
	json_stack(out, "stack", e->hdr.stack, e->hdr.site);
	if (payload)
		payload->json(out, e);
	jw_puts("}\n", out);
	jw_end(out, false);	/* no flush: the session flushes once per ring buffer batch */
}

static void json_lost(FILE *f, __u64 new_lost, __u64 total_lost)
{
	struct jw *out = jw_begin(f);

	jw_printf(out, "{\"type\":\"lost\",\"new\":%llu,\"total\":%llu}\n",
		(unsigned long long)new_lost, (unsigned long long)total_lost);
	jw_end(out, true);
}

static void json_counts(struct jw *out, const __u64 *counts)
{
	bool first = true;
	__u32 k;

	jw_putc('{', out);
	for (k = 1; k < MW_KIND_NR; k++) {
		if (!counts[k])
			continue;
		jw_printf(out, "%s\"%s\":%llu", first ? "" : ",", mw_kind_name(k),
			(unsigned long long)counts[k]);
		first = false;
	}
	jw_putc('}', out);
}

static void json_groups(struct jw *out, struct mw_registry *reg, const struct mw_alloc_group *g,
			size_t n)
{
	size_t i;

	jw_putc('[', out);
	for (i = 0; i < n; i++) {
		jw_printf(out, "%s{\"module\":", i ? "," : "");
		json_str(out, mw_registry_name(reg, g[i].module_id), 64);
		jw_putc(',', out);
		json_site(out, "site", g[i].site);
		jw_printf(out, ",\"count\":%llu,\"bytes\":%llu}", (unsigned long long)g[i].count,
			(unsigned long long)g[i].bytes);
	}
	jw_putc(']', out);
}

static void json_cycle(FILE *f, struct mw_registry *reg, const struct mw_edge *e,
		       const int *path, int len)
{
	struct jw *out = jw_begin(f);
	const struct mw_lock none = {};
	struct mw_lock l = none;
	int i;

	jw_puts("{\"type\":\"violation\",\"kind\":\"lock_order_inversion\",\"module\":", out);
	json_str(out, mw_registry_name(reg, e[path[len - 1]].module_id), 64);
	/* The acquire that closed the cycle. */
	jw_putc(',', out);
	json_site(out, "site", e[path[len - 1]].site_b);
	jw_puts(",\"cycle\":[", out);
	for (i = 0; i < len; i++) {
		const struct mw_edge *x = &e[path[i]];

		jw_puts(i ? ",{" : "{", out);
		json_site(out, "site_a", x->site_a);
		json_acquire(out, "site_b", "stack_b", x->site_b, x->stack_b);
		json_stack(out, "stack_a", x->stack_a, x->site_a);
		l.addr = x->a;
		json_lock(out, "a", &l);	/* json_lock starts with its comma */
		l.addr = x->b;
		json_lock(out, "b", &l);
		jw_putc('}', out);
	}
	jw_puts("]}\n", out);
	jw_end(out, true);
}

/* {"type":"repeat","kind","module","site","key","new","count"} */
static void json_repeat(FILE *f, struct mw_registry *reg, const struct mw_dedup_key *k,
			__u64 more, __u64 total)
{
	struct jw *out = jw_begin(f);

	jw_puts("{\"type\":\"repeat\",\"kind\":", out);
	json_str(out, mw_kind_name(k->kind), 32);
	jw_puts(",\"module\":", out);
	json_str(out, mw_registry_name(reg, k->module_id), 64);
	jw_putc(',', out);
	json_site(out, "site", k->site);
	jw_putc(',', out);
	json_addr(out, "key", k->key);
	jw_printf(out, ",\"new\":%llu,\"count\":%llu}\n", (unsigned long long)more,
		(unsigned long long)total);
	jw_end(out, true);
}

static void json_live(FILE *f, struct mw_registry *reg, const struct mw_alloc_group *g,
		      size_t n)
{
	struct jw *out = jw_begin(f);

	jw_puts("{\"type\":\"live\",\"objects\":", out);
	json_groups(out, reg, g, n);
	jw_puts("}\n", out);
	jw_end(out, true);
}

/* How late reports were written; for modwatch storm, how many per second. */
static void json_report_path(struct jw *out, const struct mw_summary *s)
{
	const struct mw_latency *l = s->latency;

	if (l)
		jw_printf(out, ",\"report_latency_ns\":{\"reports\":%llu,\"p50\":%llu,\"p99\":%llu,"
			"\"max\":%llu}", (unsigned long long)l->n,
			(unsigned long long)mw_latency_quantile(l, 0.50),
			(unsigned long long)mw_latency_quantile(l, 0.99), (unsigned long long)l->max);
	if (s->storm_ns)
		jw_printf(out, ",\"storm\":{\"reports\":%llu,\"rate\":%llu,\"ns\":%llu,"
			"\"per_second\":%.0f}", (unsigned long long)s->storm,
			(unsigned long long)s->storm_rate, (unsigned long long)s->storm_ns,
			s->storm * 1e9 / s->storm_ns);
}

/* The programs this kernel refused and the rules they turned off: always there, maybe empty. */
static void json_refusals(struct jw *out, const struct mw_load *l)
{
	__u32 off = l ? mw_load_rules_off(l) : 0;
	char rules[640];
	int i, n = 0;

	jw_puts(",\"refused\":[", out);
	for (i = 0; l && i < l->n; i++)
		if (l->v[i].err)
			jw_printf(out, "%s{\"program\":\"%s\",\"errno\":%d,\"reason\":\"%s\"}",
				  n++ ? "," : "", l->v[i].name, -l->v[i].err,
				  mw_refusal_reason(l->v[i].err));
	mw_kinds_format(off, ",", "\"", rules, sizeof(rules));
	jw_printf(out, "],\"rules_disabled\":[%s]", rules);
}

static void json_summary(FILE *f, const struct mw_summary *s)
{
	struct jw *out = jw_begin(f);
	__u64 lost = 0;
	__u32 i, k;

	for (k = 0; k < MW_KIND_NR; k++)
		lost += s->stats[MW_STAT_LOST_BASE + k];
	jw_printf(out, "{\"type\":\"summary\",\"runtime_ns\":%llu,\"violations\":%llu,"
		"\"warnings\":%llu,\"repeats\":%llu,\"lost\":%llu,\"lost_by_kind\":",
		(unsigned long long)s->runtime_ns, (unsigned long long)s->violations,
		(unsigned long long)s->warnings, (unsigned long long)s->repeats,
		(unsigned long long)lost);
	json_counts(out, s->stats + MW_STAT_LOST_BASE);
	jw_puts(",\"by_module\":{", out);
	for (i = 0; i < s->reg->nr; i++) {
		jw_printf(out, "%s", i ? "," : "");
		json_str(out, s->reg->mods[i].name, 64);
		jw_putc(':', out);
		json_counts(out, s->reg->mods[i].counts);
	}
	jw_puts("},\"repeats_by_module\":{", out);
	for (i = 0; i < s->reg->nr; i++) {
		jw_printf(out, "%s", i ? "," : "");
		json_str(out, s->reg->mods[i].name, 64);
		jw_putc(':', out);
		json_counts(out, s->reg->mods[i].repeats);
	}
	jw_puts("},\"counters\":{", out);
	for (k = 0; k < MW_STAT_LOST_BASE; k++)
		jw_printf(out, "%s\"%s\":%llu", k ? "," : "", mw_stat_name(k),
			(unsigned long long)s->stats[k]);
	jw_printf(out, ",\"quarantine_evicted\":%llu,\"missed\":%llu,\"output_dropped\":%llu}",
		(unsigned long long)s->quarantine_evicted, (unsigned long long)s->missed,
		(unsigned long long)s->output_dropped);
	jw_puts(",\"suppressed\":[", out);
	for (i = 0; i < (__u32)s->nr_supp; i++) {
		char rule[256];

		snprintf(rule, sizeof(rule), "%s:%s:%s", s->supp[i].kind, s->supp[i].module,
			 s->supp[i].func);
		jw_puts(i ? ",{\"rule\":" : "{\"rule\":", out);
		json_str(out, rule, sizeof(rule));
		jw_printf(out, ",\"count\":%llu}", (unsigned long long)s->supp[i].hits);
	}
	jw_putc(']', out);
	if (s->progs) {
		jw_puts(",\"programs\":[", out);
		for (i = 0; i < (__u32)s->nr_progs; i++)
			jw_printf(out, "%s{\"name\":\"%s\",\"runs\":%llu,\"run_ns\":%llu}", i ? "," : "",
				s->progs[i].name, (unsigned long long)s->progs[i].runs,
				(unsigned long long)s->progs[i].run_ns);
		jw_putc(']', out);
	}
	json_report_path(out, s);
	json_refusals(out, s->load);
	jw_puts(",\"live\":", out);
	json_groups(out, s->reg, s->live, s->nr_live);
	jw_puts("}\n", out);
	jw_end(out, true);
}

const struct mw_printer mw_print_json = {
	.start = json_start,
	.violation = json_violation,
	.lost = json_lost,
	.module = json_module_event,
	.live = json_live,
	.cycle = json_cycle,
	.repeat = json_repeat,
	.summary = json_summary,
};
