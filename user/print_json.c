// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON-lines printer: one object per line, for fleets and CI. Every
 * line has "type": "start", "violation", "lost" or "summary". The schema is
 * documented in README.md; keep the two in step.
 */
#include <string.h>
#include "modwatch.h"

static void json_str(FILE *out, const char *s, size_t max)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_addr(FILE *out, const char *key, __u64 addr)
{
	fprintf(out, "\"%s\":\"0x%llx\"", key, (unsigned long long)addr);
}

/* {"addr":"0x..","module":"m"|null,"function":"f"|null,"offset":N} */
static void json_site(FILE *out, const char *key, __u64 addr)
{
	struct mw_sym s;
	bool ok = addr && !mw_ksym_resolve(addr, &s);

	fprintf(out, "\"%s\":{", key);
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
	fprintf(out, ",\"offset\":%llu}", ok ? (unsigned long long)s.offset : 0ull);
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
		fprintf(out, "%s{\"id\":%u,\"name\":", i ? "," : "", s->reg->mods[i].id);
		json_str(out, s->reg->mods[i].name, 64);
		fputc(',', out);
		json_addr(out, "text_start", s->reg->mods[i].text_lo);
		fputc(',', out);
		json_addr(out, "text_end", s->reg->mods[i].text_hi);
		fputc('}', out);
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
	fputs("\"object\":{", out);
	json_addr(out, "addr", o->addr);
	fprintf(out, ",\"size\":%llu,\"alloc_size\":%llu,", (unsigned long long)o->size,
		(unsigned long long)o->alloc_size);
	json_addr(out, "cache", o->cache);
	fputs("},\"alloc\":{", out);
	json_site(out, "site", o->alloc_site);
	fprintf(out, ",\"tid\":%u,\"time_ns\":%llu}", o->alloc_tid,
		(unsigned long long)o->alloc_ns);
	if (!o->free_site)
		return;
	fputs(",\"free\":{", out);
	json_site(out, "site", o->free_site);
	fprintf(out, ",\"tid\":%u,\"time_ns\":%llu}", o->free_tid,
		(unsigned long long)o->free_ns);
}

static void json_violation(FILE *out, struct mw_registry *reg, const struct mw_event *e)
{
	fputs("{\"type\":\"violation\",\"kind\":", out);
	json_str(out, mw_kind_name(e->hdr.kind), 32);
	fputs(",\"module\":", out);
	json_str(out, mw_registry_name(reg, e->hdr.module_id), 64);
	fprintf(out, ",\"time_ns\":%llu,\"pid\":%u,\"tid\":%u,\"cpu\":%u,\"comm\":",
		(unsigned long long)e->hdr.ts_ns, e->hdr.pid, e->hdr.tid, e->hdr.cpu);
	json_str(out, e->hdr.comm, MW_COMM_LEN);
	fprintf(out, ",\"incomplete\":%s,", e->hdr.flags & MW_EV_INCOMPLETE ? "true" : "false");
	json_site(out, "site", e->hdr.site);
	switch (e->hdr.kind) {
	case MW_DOUBLE_FREE:
		fputc(',', out);
		json_object(out, &e->double_free.obj);
		break;
	default:
		break;
	}
	fputs("}\n", out);
	fflush(out);
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

static void json_summary(FILE *out, const struct mw_summary *s)
{
	__u64 lost = 0;
	__u32 i, k;

	for (k = 0; k < MW_KIND_NR; k++)
		lost += s->stats[MW_STAT_LOST_BASE + k];
	fprintf(out, "{\"type\":\"summary\",\"runtime_ns\":%llu,\"violations\":%llu,"
		"\"lost\":%llu,\"lost_by_kind\":", (unsigned long long)s->runtime_ns,
		(unsigned long long)s->violations, (unsigned long long)lost);
	json_counts(out, s->stats + MW_STAT_LOST_BASE);
	fputs(",\"by_module\":{", out);
	for (i = 0; i < s->reg->nr; i++) {
		fprintf(out, "%s", i ? "," : "");
		json_str(out, s->reg->mods[i].name, 64);
		fputc(':', out);
		json_counts(out, s->reg->mods[i].counts);
	}
	fputs("},\"counters\":{", out);
	for (k = 0; k < MW_STAT_LOST_BASE; k++)
		fprintf(out, "%s\"%s\":%llu", k ? "," : "", mw_stat_name(k),
			(unsigned long long)s->stats[k]);
	fputs("}}\n", out);
	fflush(out);
}

const struct mw_printer mw_print_json = {
	.start = json_start,
	.violation = json_violation,
	.lost = json_lost,
	.summary = json_summary,
};
