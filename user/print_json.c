// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON-lines printer: one object per line, for fleets and CI. Every
 * line has "type": "start", "violation", "lost" or "summary". The schema is
 * documented in README.md; keep the two in step.
 */
#include <string.h>
#include "ko.h"
#include "modwatch.h"

static void json_str(FILE *out, const char *s, size_t max)
{
	size_t i, run = 0;

	fputc('"', out);
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c != '"' && c != '\\' && c >= 0x20 && c < 0x7f)
			continue;
		/* Whole runs of plain characters at once: this is the drain's hot path. */
		fwrite(s + run, 1, i - run, out);
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else
			fprintf(out, "\\u%04x", c);
		run = i + 1;
	}
	fwrite(s + run, 1, i - run, out);
	fputc('"', out);
}

/*
 * Numbers for the fields every report has, without fprintf(): its format
 * parsing was most of the drain's time (modwatch storm).
 */
static void json_u64(FILE *out, __u64 v)
{
	char buf[20];
	int i = sizeof(buf);

	do
		buf[--i] = '0' + v % 10;
	while (v /= 10);
	fwrite(buf + i, 1, sizeof(buf) - i, out);
}

/* ,"KEY":V */
static void json_key_u64(FILE *out, const char *key, __u64 v)
{
	fputs(",\"", out);
	fputs(key, out);
	fputs("\":", out);
	json_u64(out, v);
}

static void json_addr(FILE *out, const char *key, __u64 addr)
{
	static const char hex[] = "0123456789abcdef";
	char buf[16];
	int i = sizeof(buf);

	do
		buf[--i] = hex[addr & 15];
	while (addr >>= 4);
	fputc('"', out);
	fputs(key, out);
	fputs("\":\"0x", out);
	fwrite(buf + i, 1, sizeof(buf) - i, out);
	fputc('"', out);
}

/* {"addr":"0x..","module":"m"|null,"function":"f"|null,"offset":N} */
static void json_site(FILE *out, const char *key, __u64 addr)
{
	struct mw_sym s;
	bool ok = addr && !mw_ksym_resolve(addr, &s);

	fputc('"', out);
	fputs(key, out);
	fputs("\":{", out);
	json_addr(out, "addr", addr);
	fputs(",\"module\":", out);
	if (ok && s.module)
		json_str(out, s.module, 64);
	else
		fputs("null", out);
	fputs(",\"function\":", out);
	if (ok)
		json_str(out, s.name, 256);
	else
		fputs("null", out);
	json_key_u64(out, "offset", ok ? s.offset : 0);
	fputc('}', out);
}

/* "unprobed":[{"function","offset","reason"[,"error"]}] */
static void json_unprobed(FILE *out, const struct mw_module *m)
{
	const struct mw_unprobed *u;
	__u32 i;

	fputs(",\"unprobed\":[", out);
	for (i = 0; i < m->nr_unprobed; i++) {
		u = &m->unprobed[i];
		fprintf(out, "%s{\"function\":", i ? "," : "");
		json_str(out, u->func, sizeof(u->func));
		fprintf(out, ",\"offset\":%llu,\"reason\":\"%s\"", (unsigned long long)u->offset,
			mw_skip_name(u->skip));
		if (u->err) {
			fputs(",\"error\":", out);
			json_str(out, strerror(-u->err), 128);
		}
		fputc('}', out);
	}
	fputc(']', out);
}

/*
 * {"id","name","text_start","text_end","ko","sites","probes","probed_sites",
 *  "unprobed","no_return_probe","static_locks","blind"}
 */
static void json_module(FILE *out, const struct mw_module *m)
{
	__u32 i;

	fprintf(out, "{\"id\":%u,\"name\":", m->id);
	json_str(out, m->name, 64);
	fputc(',', out);
	json_addr(out, "text_start", m->text_lo);
	fputc(',', out);
	json_addr(out, "text_end", m->text_hi);
	fputs(",\"ko\":", out);
	if (m->ko[0])
		json_str(out, m->ko, sizeof(m->ko));
	else
		fputs("null", out);
	fprintf(out, ",\"sites\":%u,\"probes\":%u,\"probed_sites\":%u", m->nr_sites,
		m->nr_probes, m->nr_slots);
	json_unprobed(out, m);
	fprintf(out, ",\"no_return_probe\":%u,\"static_locks\":%u,\"blind\":[", m->nr_noret,
		m->nr_static_locks);
	for (i = 0; i < m->nr_blind; i++) {
		fprintf(out, "%s{\"function\":", i ? "," : "");
		json_str(out, m->blind[i].name, sizeof(m->blind[i].name));
		fprintf(out, ",\"family\":\"%s\",\"calls\":%u}", m->blind[i].family,
			m->blind[i].calls);
	}
	fputs("]}", out);
}

static void json_module_event(FILE *out, const struct mw_module *m)
{
	fprintf(out, "{\"type\":\"module\",\"event\":\"%s\",\"module\":",
		m->loaded ? "load" : "unload");
	json_module(out, m);
	fputs("}\n", out);
	fflush(out);
}

static void json_start(FILE *out, const struct mw_start *s)
{
	__u64 total = 0;
	__u32 i;
	int m;

	fputs("{\"type\":\"start\",\"kernel\":", out);
	json_str(out, s->kernel, 64);
	fputs(",\"modules\":[", out);
	for (i = 0; i < s->reg->nr; i++) {
		fputs(i ? "," : "", out);
		json_module(out, &s->reg->mods[i]);
	}
	fputs("],\"maps\":[", out);
	for (m = 0; m < s->nr_maps; m++) {
		fprintf(out, "%s{\"name\":", m ? "," : "");
		json_str(out, s->maps[m].name, 64);
		fprintf(out, ",\"entries\":%u,\"bytes\":%llu}", s->maps[m].entries,
			(unsigned long long)s->maps[m].bytes);
		total += s->maps[m].bytes;
	}
	fprintf(out, "],\"memory_bytes\":%llu}\n", (unsigned long long)total);
	fflush(out);
}

/* An object and the history the heap tracker knows of it. */
static void json_object(FILE *out, const struct mw_object *o)
{
	char name[MW_CACHE_NAME + 1];

	fputs("\"object\":{", out);
	json_addr(out, "addr", o->addr);
	json_key_u64(out, "size", o->size);
	json_key_u64(out, "alloc_size", o->alloc_size);
	fputc(',', out);
	json_addr(out, "cache", o->cache);
	fputs(",\"cache_name\":", out);
	if (!mw_heap_cache_name(o->cache, name, sizeof(name)))
		json_str(out, name, sizeof(name));
	else
		fputs("null", out);
	fputs("},\"alloc\":{", out);
	json_site(out, "site", o->alloc_site);
	json_key_u64(out, "tid", o->alloc_tid);
	json_key_u64(out, "time_ns", o->alloc_ns);
	fputc('}', out);
	if (!o->free_site)
		return;
	fputs(",\"free\":{", out);
	json_site(out, "site", o->free_site);
	json_key_u64(out, "tid", o->free_tid);
	json_key_u64(out, "time_ns", o->free_ns);
	fputc('}', out);
}

static void json_slice(FILE *out, const struct mw_user_slice_overrun *p)
{
	fputs(p->dir == MW_TO_USER ? ",\"direction\":\"to_user\"" : ",\"direction\":\"from_user\"",
	      out);
	json_key_u64(out, "syscall", p->syscall_nr);
	fputs(",\"slice\":{", out);
	json_addr(out, "addr", p->slice_start);
	json_key_u64(out, "len", p->slice_len);
	fputs("},\"copy\":{", out);
	json_addr(out, "addr", p->copy_start);
	json_key_u64(out, "len", p->copy_len);
	fputc('}', out);
}

static void json_ioctl_size(FILE *out, const struct mw_ioctl_size_mismatch *p)
{
	fprintf(out, ",\"direction\":\"%s\",\"cmd\":\"0x%x\",\"ioc_size\":%llu,\"arg\":",
		p->dir == MW_TO_USER ? "to_user" : "from_user", p->cmd,
		(unsigned long long)p->slice_len);
	fputs("{", out);
	json_addr(out, "addr", p->slice_start);
	fputs("},\"copy\":{", out);
	json_addr(out, "addr", p->copy_start);
	fprintf(out, ",\"len\":%llu}", (unsigned long long)p->copy_len);
}

static void json_double_fetch(FILE *out, const struct mw_double_fetch *p)
{
	static const char *const changed[] = { "false", "true", "null" };

	fputc(',', out);
	json_site(out, "first_site", p->first_site);
	fprintf(out, ",\"syscall\":%u,\"first_size\":%u,\"second_size\":%u,\"overlap\":{",
		p->syscall_nr, p->first_size, p->second_size);
	json_addr(out, "addr", p->user_addr);
	fprintf(out, ",\"len\":%llu},\"changed\":%s", (unsigned long long)p->overlap_len,
		changed[p->changed < 3 ? p->changed : 2]);
}

static void json_heap_overflow(FILE *out, const struct mw_heap_overflow *p)
{
	fputc(',', out);
	json_object(out, &p->obj);
	fputs(",\"copy\":{", out);
	json_addr(out, "addr", p->copy_addr);
	fprintf(out, ",\"len\":%llu,\"offset\":%llu}", (unsigned long long)p->copy_len,
		(unsigned long long)(p->copy_addr - p->obj.addr));
}

static const char *const access_names[] = {
	[MW_ACCESS_COPY_FROM_USER] = "copy_from_user",
	[MW_ACCESS_COPY_TO_USER] = "copy_to_user",
	[MW_ACCESS_LOCK] = "lock",
	[MW_ACCESS_UNLOCK] = "unlock",
};

/* ,"reused_by":{"site":{...},"tid":N} when core code got the memory since; nothing else. */
static void json_reused(FILE *out, const struct mw_reused_by *r)
{
	if (!r->site)
		return;
	fputs(",\"reused_by\":{", out);
	json_site(out, "site", r->site);
	fprintf(out, ",\"tid\":%u}", r->tid);
}

static void json_uaf(FILE *out, const struct mw_use_after_free *p)
{
	fputc(',', out);
	json_object(out, &p->obj);
	fprintf(out, ",\"access\":{\"type\":\"%s\",",
		p->access <= MW_ACCESS_UNLOCK && access_names[p->access] ?
			access_names[p->access] : "unknown");
	json_addr(out, "addr", p->access_addr);
	fprintf(out, ",\"len\":%llu,\"offset\":%llu,\"in_flight\":%s}",
		(unsigned long long)p->access_len,
		(unsigned long long)(p->access_addr - p->obj.addr),
		p->in_flight ? "true" : "false");
	json_reused(out, &p->reused);
}

static void json_invalid_free(FILE *out, const struct mw_invalid_free *p)
{
	fputc(',', out);
	json_object(out, &p->obj);
	fputc(',', out);
	json_addr(out, "ptr", p->ptr);
	fprintf(out, ",\"offset\":%llu", (unsigned long long)(p->ptr - p->obj.addr));
}

static void json_leak(FILE *out, const struct mw_leak_on_unload *p)
{
	fputc(',', out);
	json_site(out, "alloc_site", p->alloc_site);
	fprintf(out, ",\"count\":%llu,\"bytes\":%llu", (unsigned long long)p->count,
		(unsigned long long)p->bytes);
}

static void json_uninit(FILE *out, const struct mw_uninit_leak *p)
{
	fputc(',', out);
	json_object(out, &p->obj);
	fputs(",\"copy\":{", out);
	json_addr(out, "addr", p->copy_addr);
	fprintf(out, ",\"len\":%llu,\"offset\":%llu},\"uninit_len\":%llu,"
		"\"uninit_first\":%llu,\"uninit_end\":%llu",
		(unsigned long long)p->copy_len, (unsigned long long)(p->copy_addr - p->obj.addr),
		(unsigned long long)p->uninit_len, (unsigned long long)p->first_off,
		(unsigned long long)p->end_off);
}

/* "KEY":{"addr","type","name"} */
static void json_lock(FILE *out, const char *key, const struct mw_lock *l)
{
	char name[256];

	mw_lock_name(l->addr, name, sizeof(name));
	fprintf(out, ",\"%s\":{", key);
	json_addr(out, "addr", l->addr);
	fprintf(out, ",\"type\":\"%s\",\"name\":", mw_lock_type_name(l->type));
	json_str(out, name, sizeof(name));
	fputc('}', out);
}

static void json_owner(FILE *out, const char *site_key, __u64 site, __u32 tid)
{
	fputc(',', out);
	json_site(out, site_key, site);
	fprintf(out, ",\"owner_tid\":%u", tid);
}

static void json_lock_event(FILE *out, const struct mw_event *e)
{
	switch (e->hdr.kind) {
	case MW_UNLOCK_NOT_OWNER:
		json_lock(out, "lock", &e->unlock_not_owner.lock);
		json_owner(out, "owner_site", e->unlock_not_owner.owner_site,
			   e->unlock_not_owner.owner_tid);
		break;
	case MW_UNLOCK_NOT_HELD:
		json_lock(out, "lock", &e->unlock_not_held.lock);
		break;
	case MW_RECURSIVE_LOCK:
		json_lock(out, "lock", &e->recursive_lock.lock);
		fputc(',', out);
		json_site(out, "first_site", e->recursive_lock.first_site);
		break;
	case MW_LOCK_HELD_ON_RETURN:
		json_lock(out, "lock", &e->lock_held_on_return.lock);
		fprintf(out, ",\"syscall\":%u", e->lock_held_on_return.syscall_nr);
		break;
	case MW_SLEEP_IN_ATOMIC:
		json_lock(out, "held", &e->sleep_in_atomic.held);
		fputc(',', out);
		json_site(out, "acquire_site", e->sleep_in_atomic.acquire_site);
		fputc(',', out);
		json_site(out, "callee", e->sleep_in_atomic.callee);
		fprintf(out, ",\"gfp_flags\":%u", e->sleep_in_atomic.gfp_flags);
		break;
	case MW_LOCK_ORDER_INVERSION:
		json_lock(out, "a", &e->lock_order_inversion.a);
		json_lock(out, "b", &e->lock_order_inversion.b);
		fputc(',', out);
		json_site(out, "ab_site_a", e->lock_order_inversion.ab_site_a);
		fputc(',', out);
		json_site(out, "ab_site_b", e->lock_order_inversion.ab_site_b);
		fputc(',', out);
		json_site(out, "ba_site_b", e->lock_order_inversion.ba_site_b);
		fputc(',', out);
		json_site(out, "ba_site_a", e->lock_order_inversion.ba_site_a);
		break;
	case MW_HELD_LOCK_FREED:
		fputc(',', out);
		json_object(out, &e->held_lock_freed.obj);
		json_lock(out, "lock", &e->held_lock_freed.lock);
		json_owner(out, "acquire_site", e->held_lock_freed.acquire_site,
			   e->held_lock_freed.owner_tid);
		break;
	case MW_LOCK_HELD_ON_UNLOAD:
		json_lock(out, "lock", &e->lock_held_on_unload.lock);
		json_owner(out, "acquire_site", e->lock_held_on_unload.acquire_site,
			   e->lock_held_on_unload.owner_tid);
		break;
	}
}

static void json_violation(FILE *out, struct mw_registry *reg, const struct mw_event *e)
{
	fputs("{\"type\":\"violation\",\"kind\":", out);
	json_str(out, mw_kind_name(e->hdr.kind), 32);
	fputs(e->hdr.flags & MW_EV_WARNING ? ",\"severity\":\"warning\",\"module\":" :
					     ",\"severity\":\"violation\",\"module\":", out);
	json_str(out, mw_registry_name(reg, e->hdr.module_id), 64);
	json_key_u64(out, "time_ns", e->hdr.ts_ns);
	json_key_u64(out, "pid", e->hdr.pid);
	json_key_u64(out, "tid", e->hdr.tid);
	json_key_u64(out, "cpu", e->hdr.cpu);
	fputs(",\"comm\":", out);
	json_str(out, e->hdr.comm, MW_COMM_LEN);
	fputs(e->hdr.flags & MW_EV_INCOMPLETE ? ",\"incomplete\":true," : ",\"incomplete\":false,",
	      out);
	json_site(out, "site", e->hdr.site);
	switch (e->hdr.kind) {
	case MW_DOUBLE_FREE:
		fputc(',', out);
		json_object(out, &e->double_free.obj);
		json_reused(out, &e->double_free.reused);
		break;
	case MW_USER_SLICE_OVERRUN:
		json_slice(out, &e->user_slice_overrun);
		break;
	case MW_IOCTL_SIZE_MISMATCH:
		json_ioctl_size(out, &e->ioctl_size_mismatch);
		break;
	case MW_DOUBLE_FETCH:
		json_double_fetch(out, &e->double_fetch);
		break;
	case MW_HEAP_OVERFLOW_WRITE:
	case MW_HEAP_OVERFLOW_READ:
		json_heap_overflow(out, &e->heap_overflow);
		break;
	case MW_USE_AFTER_FREE:
		json_uaf(out, &e->use_after_free);
		break;
	case MW_INVALID_FREE:
		json_invalid_free(out, &e->invalid_free);
		break;
	case MW_LEAK_ON_UNLOAD:
		json_leak(out, &e->leak_on_unload);
		break;
	case MW_UNINIT_LEAK:
		json_uninit(out, &e->uninit_leak);
		break;
	case MW_UNLOCK_NOT_OWNER ... MW_LOCK_HELD_ON_UNLOAD:
		json_lock_event(out, e);
		break;
	default:
		break;
	}
	/* No flush: the session flushes once per ring buffer batch. */
	fputs("}\n", out);
}

static void json_lost(FILE *out, __u64 new_lost, __u64 total_lost)
{
	fprintf(out, "{\"type\":\"lost\",\"new\":%llu,\"total\":%llu}\n",
		(unsigned long long)new_lost, (unsigned long long)total_lost);
	fflush(out);
}

static void json_counts(FILE *out, const __u64 *counts)
{
	bool first = true;
	__u32 k;

	fputc('{', out);
	for (k = 1; k < MW_KIND_NR; k++) {
		if (!counts[k])
			continue;
		fprintf(out, "%s\"%s\":%llu", first ? "" : ",", mw_kind_name(k),
			(unsigned long long)counts[k]);
		first = false;
	}
	fputc('}', out);
}

static void json_groups(FILE *out, struct mw_registry *reg, const struct mw_alloc_group *g,
			size_t n)
{
	size_t i;

	fputc('[', out);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s{\"module\":", i ? "," : "");
		json_str(out, mw_registry_name(reg, g[i].module_id), 64);
		fputc(',', out);
		json_site(out, "site", g[i].site);
		fprintf(out, ",\"count\":%llu,\"bytes\":%llu}", (unsigned long long)g[i].count,
			(unsigned long long)g[i].bytes);
	}
	fputc(']', out);
}

static void json_cycle(FILE *out, struct mw_registry *reg, const struct mw_edge *e,
		       const int *path, int len)
{
	const struct mw_lock none = {};
	struct mw_lock l = none;
	int i;

	fputs("{\"type\":\"violation\",\"kind\":\"lock_order_inversion\",\"module\":", out);
	json_str(out, mw_registry_name(reg, e[path[len - 1]].module_id), 64);
	/* The acquire that closed the cycle. */
	fputc(',', out);
	json_site(out, "site", e[path[len - 1]].site_b);
	fputs(",\"cycle\":[", out);
	for (i = 0; i < len; i++) {
		const struct mw_edge *x = &e[path[i]];

		fputs(i ? ",{" : "{", out);
		json_site(out, "site_a", x->site_a);
		fputc(',', out);
		json_site(out, "site_b", x->site_b);
		l.addr = x->a;
		json_lock(out, "a", &l);	/* json_lock starts with its comma */
		l.addr = x->b;
		json_lock(out, "b", &l);
		fputc('}', out);
	}
	fputs("]}\n", out);
	fflush(out);
}

/* {"type":"repeat","kind","module","site","key","new","count"} */
static void json_repeat(FILE *out, struct mw_registry *reg, const struct mw_dedup_key *k,
			__u64 more, __u64 total)
{
	fputs("{\"type\":\"repeat\",\"kind\":", out);
	json_str(out, mw_kind_name(k->kind), 32);
	fputs(",\"module\":", out);
	json_str(out, mw_registry_name(reg, k->module_id), 64);
	fputc(',', out);
	json_site(out, "site", k->site);
	fputc(',', out);
	json_addr(out, "key", k->key);
	fprintf(out, ",\"new\":%llu,\"count\":%llu}\n", (unsigned long long)more,
		(unsigned long long)total);
	fflush(out);
}

static void json_live(FILE *out, struct mw_registry *reg, const struct mw_alloc_group *g,
		      size_t n)
{
	fputs("{\"type\":\"live\",\"objects\":", out);
	json_groups(out, reg, g, n);
	fputs("}\n", out);
	fflush(out);
}

/* How late reports were written; for modwatch storm, how many per second. */
static void json_report_path(FILE *out, const struct mw_summary *s)
{
	const struct mw_latency *l = s->latency;

	if (l)
		fprintf(out, ",\"report_latency_ns\":{\"reports\":%llu,\"p50\":%llu,\"p99\":%llu,"
			"\"max\":%llu}", (unsigned long long)l->n,
			(unsigned long long)mw_latency_quantile(l, 0.50),
			(unsigned long long)mw_latency_quantile(l, 0.99), (unsigned long long)l->max);
	if (s->storm_ns)
		fprintf(out, ",\"storm\":{\"reports\":%llu,\"rate\":%llu,\"ns\":%llu,"
			"\"per_second\":%.0f}", (unsigned long long)s->storm,
			(unsigned long long)s->storm_rate, (unsigned long long)s->storm_ns,
			s->storm * 1e9 / s->storm_ns);
}

static void json_summary(FILE *out, const struct mw_summary *s)
{
	__u64 lost = 0;
	__u32 i, k;

	for (k = 0; k < MW_KIND_NR; k++)
		lost += s->stats[MW_STAT_LOST_BASE + k];
	fprintf(out, "{\"type\":\"summary\",\"runtime_ns\":%llu,\"violations\":%llu,"
		"\"warnings\":%llu,\"repeats\":%llu,\"lost\":%llu,\"lost_by_kind\":",
		(unsigned long long)s->runtime_ns, (unsigned long long)s->violations,
		(unsigned long long)s->warnings, (unsigned long long)s->repeats,
		(unsigned long long)lost);
	json_counts(out, s->stats + MW_STAT_LOST_BASE);
	fputs(",\"by_module\":{", out);
	for (i = 0; i < s->reg->nr; i++) {
		fprintf(out, "%s", i ? "," : "");
		json_str(out, s->reg->mods[i].name, 64);
		fputc(':', out);
		json_counts(out, s->reg->mods[i].counts);
	}
	fputs("},\"repeats_by_module\":{", out);
	for (i = 0; i < s->reg->nr; i++) {
		fprintf(out, "%s", i ? "," : "");
		json_str(out, s->reg->mods[i].name, 64);
		fputc(':', out);
		json_counts(out, s->reg->mods[i].repeats);
	}
	fputs("},\"counters\":{", out);
	for (k = 0; k < MW_STAT_LOST_BASE; k++)
		fprintf(out, "%s\"%s\":%llu", k ? "," : "", mw_stat_name(k),
			(unsigned long long)s->stats[k]);
	fprintf(out, ",\"quarantine_evicted\":%llu,\"missed\":%llu}",
		(unsigned long long)s->quarantine_evicted, (unsigned long long)s->missed);
	if (s->progs) {
		fputs(",\"programs\":[", out);
		for (i = 0; i < (__u32)s->nr_progs; i++)
			fprintf(out, "%s{\"name\":\"%s\",\"runs\":%llu,\"run_ns\":%llu}", i ? "," : "",
				s->progs[i].name, (unsigned long long)s->progs[i].runs,
				(unsigned long long)s->progs[i].run_ns);
		fputc(']', out);
	}
	json_report_path(out, s);
	fputs(",\"live\":", out);
	json_groups(out, s->reg, s->live, s->nr_live);
	fputs("}\n", out);
	fflush(out);
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
