// SPDX-License-Identifier: GPL-2.0
/*
 * The metric families modwatch publishes: what the session gathered each
 * second (struct mw_metrics_view), described once in service/exposition.c's
 * terms, rendered in both formats and handed to the endpoint's server
 * (service/metrics_http.c).
 */
#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include "events.h"
#include "stats.h"
#include "modwatch.h"
#include "probe/progs.h"
#include "probe/module_registry.h"
#include "report/counters.h"
#include "report/rules.h"
#include "service/exposition.h"
#include "service/metrics.h"
#include "service/metrics_http.h"
#include "probe/bpf.h"
#include "report/suppress.h"

/* 'k="v",...' from @n key/value pairs, each value escaped. */
static const char *labels(char *buf, size_t len, int n, ...)
{
	char val[512];
	size_t at = 0;
	va_list ap;
	int i;

	buf[0] = '\0';
	va_start(ap, n);
	for (i = 0; i < n && at < len; i++) {
		const char *k = va_arg(ap, const char *), *v = va_arg(ap, const char *);

		mw_metric_label_escape(val, sizeof(val), v ? v : "");
		at += snprintf(buf + at, len - at, "%s%s=\"%s\"", i ? "," : "", k, val);
	}
	va_end(ap);
	return buf;
}

struct mw_render {
	struct mw_mbuf prom, om;
	char l[1024];
};

static void family(struct mw_render *r, const char *name, const char *type, const char *help)
{
	mw_metric_family(&r->prom, &r->om, name, type, help);
}

static void sample(struct mw_render *r, const char *name, const char *type, double v)
{
	mw_metric_sample(&r->prom, &r->om, name, type, *r->l ? r->l : NULL, v);
}

static void render_process(struct mw_render *r, const struct mw_metrics_view *v)
{
	family(r, "modwatch_build", "info", "modwatch's version and the kernel it watches");
	labels(r->l, sizeof(r->l), 2, "version", MODWATCH_VERSION, "kernel", v->kernel);
	sample(r, "modwatch_build", "info", 1);
	*r->l = '\0';
	family(r, "modwatch_start_time_seconds", "gauge", "when watching began (Unix time)");
	sample(r, "modwatch_start_time_seconds", "gauge", v->start_time);
	family(r, "modwatch_uptime_seconds", "gauge", "how long modwatch has been watching");
	sample(r, "modwatch_uptime_seconds", "gauge", v->uptime);
	family(r, "modwatch_config_reloads", "counter", "SIGHUP reloads of the configuration");
	labels(r->l, sizeof(r->l), 1, "result", "ok");
	sample(r, "modwatch_config_reloads", "counter", v->reloads);
	labels(r->l, sizeof(r->l), 1, "result", "failed");
	sample(r, "modwatch_config_reloads", "counter", v->reload_failures);
}

/* Reports made and repeats counted, per module and kind: only series that are not zero. */
static void render_reports(struct mw_render *r, const struct mw_metrics_view *v)
{
	const struct mw_module *m;
	__u32 i, k;

	family(r, "modwatch_reports", "counter",
	       "reports made, by module, kind and severity (violation or warning)");
	for (i = 0; i < v->reg->nr; i++)
		for (m = &v->reg->mods[i], k = 1; k < MW_KIND_NR; k++) {
			if (m->counts[k] > m->warnings[k]) {
				labels(r->l, sizeof(r->l), 3, "module", m->name, "kind",
				       mw_kind_name(k), "severity", "violation");
				sample(r, "modwatch_reports", "counter", m->counts[k] - m->warnings[k]);
			}
			if (m->warnings[k]) {
				labels(r->l, sizeof(r->l), 3, "module", m->name, "kind",
				       mw_kind_name(k), "severity", "warning");
				sample(r, "modwatch_reports", "counter", m->warnings[k]);
			}
		}
	family(r, "modwatch_repeats", "counter",
	       "occurrences of a report already made, counted and not reported again");
	for (i = 0; i < v->reg->nr; i++)
		for (m = &v->reg->mods[i], k = 1; k < MW_KIND_NR; k++)
			if (m->repeats[k]) {
				labels(r->l, sizeof(r->l), 2, "module", m->name, "kind",
				       mw_kind_name(k));
				sample(r, "modwatch_repeats", "counter", m->repeats[k]);
			}
}

/* What was not reported, and why: every series always there, so alerts see 0 too. */
static void render_losses(struct mw_render *r, const struct mw_metrics_view *v)
{
	__u32 k;
	int i;

	family(r, "modwatch_reports_lost", "counter",
	       "reports the BPF side could not queue (ring buffer full), by kind");
	for (k = 1; k < MW_KIND_NR; k++) {
		labels(r->l, sizeof(r->l), 1, "kind", mw_kind_name(k));
		sample(r, "modwatch_reports_lost", "counter", v->stats[MW_STAT_LOST_BASE + k]);
	}
	family(r, "modwatch_reports_suppressed", "counter",
	       "reports a --suppress rule kept out, by rule");
	for (i = 0; i < v->nr_supp; i++) {
		char rule[256];

		snprintf(rule, sizeof(rule), "%s:%s:%s", v->supp[i].kind, v->supp[i].module,
			 v->supp[i].func);
		labels(r->l, sizeof(r->l), 1, "rule", rule);
		sample(r, "modwatch_reports_suppressed", "counter", v->supp[i].hits);
	}
	family(r, "modwatch_output_dropped", "counter",
	       "report lines an output refused and could not keep");
	labels(r->l, sizeof(r->l), 1, "output", v->output);
	sample(r, "modwatch_output_dropped", "counter", v->output_dropped);
	if (v->journal) {
		labels(r->l, sizeof(r->l), 1, "output", "journal");
		sample(r, "modwatch_output_dropped", "counter", v->journal_dropped);
	}
	*r->l = '\0';
	family(r, "modwatch_missed_hook_runs", "counter",
	       "heap hook runs the kernel skipped (recursion): lifetime reports may be incomplete");
	sample(r, "modwatch_missed_hook_runs", "counter", v->missed);
	family(r, "modwatch_kernel_events", "counter",
	       "the BPF side's own counters: tables full, stacks not kept, ...");
	for (k = 0; k < MW_STAT_LOST_BASE; k++) {
		labels(r->l, sizeof(r->l), 1, "event", mw_stat_name(k));
		sample(r, "modwatch_kernel_events", "counter", v->stats[k]);
	}
}

static void render_modules(struct mw_render *r, const struct mw_metrics_view *v)
{
	const struct mw_module *m;
	__u32 i;

	family(r, "modwatch_module_watched", "gauge", "1 while the module is loaded and watched");
	for (i = 0; i < v->reg->nr; i++) {
		m = &v->reg->mods[i];
		labels(r->l, sizeof(r->l), 1, "module", m->name);
		sample(r, "modwatch_module_watched", "gauge", m->loaded);
	}
	family(r, "modwatch_probes_attached", "gauge", "kprobes on the module's own call sites");
	for (i = 0; i < v->reg->nr; i++) {
		m = &v->reg->mods[i];
		labels(r->l, sizeof(r->l), 1, "module", m->name);
		sample(r, "modwatch_probes_attached", "gauge", m->loaded ? m->nr_probes : 0);
	}
	family(r, "modwatch_probes_skipped", "gauge",
	       "call sites of the module the kernel would not let modwatch probe");
	for (i = 0; i < v->reg->nr; i++) {
		m = &v->reg->mods[i];
		labels(r->l, sizeof(r->l), 1, "module", m->name);
		sample(r, "modwatch_probes_skipped", "gauge", m->loaded ? m->nr_unprobed : 0);
	}
}

static void render_maps(struct mw_render *r, const struct mw_metrics_view *v)
{
	int i;

	family(r, "modwatch_map_entries", "gauge", "entries in a BPF table now");
	for (i = 0; i < v->nr_maps; i++)
		if (v->maps[i].used >= 0) {
			labels(r->l, sizeof(r->l), 1, "map", v->maps[i].name);
			sample(r, "modwatch_map_entries", "gauge", v->maps[i].used);
		}
	family(r, "modwatch_map_max_entries", "gauge", "a BPF table's capacity");
	for (i = 0; i < v->nr_maps; i++) {
		labels(r->l, sizeof(r->l), 1, "map", v->maps[i].name);
		sample(r, "modwatch_map_max_entries", "gauge", v->maps[i].entries);
	}
	family(r, "modwatch_map_bytes", "gauge", "a BPF table's kernel memory");
	for (i = 0; i < v->nr_maps; i++) {
		labels(r->l, sizeof(r->l), 1, "map", v->maps[i].name);
		sample(r, "modwatch_map_bytes", "gauge", v->maps[i].bytes);
	}
}

/* What this kernel refused: always there, 0 on a kernel that took everything. */
static void render_refusals(struct mw_render *r, const struct mw_metrics_view *v)
{
	__u32 off = v->load ? mw_load_rules_off(v->load) : 0;
	int i;

	*r->l = '\0';
	family(r, "modwatch_rules_disabled", "gauge",
	       "rules switched off because this kernel refused a BPF program they need");
	sample(r, "modwatch_rules_disabled", "gauge", __builtin_popcount(off));
	family(r, "modwatch_program_refused", "gauge",
	       "1 for each BPF program this kernel refused (modwatch doctor says why)");
	for (i = 0; v->load && i < v->load->n; i++)
		if (v->load->v[i].err) {
			labels(r->l, sizeof(r->l), 1, "program", v->load->v[i].name);
			sample(r, "modwatch_program_refused", "gauge", 1);
		}
}

/* Render the session's metrics in both formats and hand them to the server. */
int mw_metrics_render(const struct mw_metrics_view *v)
{
	static struct mw_render r;
	int err;

	mw_mbuf_reset(&r.prom);
	mw_mbuf_reset(&r.om);
	*r.l = '\0';
	render_process(&r, v);
	render_reports(&r, v);
	render_losses(&r, v);
	render_modules(&r, v);
	render_maps(&r, v);
	render_refusals(&r, v);
	err = mw_metric_end(&r.prom, &r.om);
	if (!err)
		mw_metrics_publish(r.prom.buf, r.prom.len, r.om.buf, r.om.len);
	return err;
}
