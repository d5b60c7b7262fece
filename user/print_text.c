// SPDX-License-Identifier: GPL-2.0
/* The plain-text printer: one readable line per violation, for a developer. */
#include <inttypes.h>
#include <string.h>
#include "modwatch.h"

#define SYM_LEN 160

static void text_start(FILE *out, const struct mw_start *s)
{
	__u64 total = 0;
	__u32 i;
	int m;

	fprintf(out, "modwatch: kernel %s, watching %u module%s\n", s->kernel, s->reg->nr,
		s->reg->nr == 1 ? "" : "s");
	for (i = 0; i < s->reg->nr; i++)
		fprintf(out, "modwatch:   %-24s text 0x%llx-0x%llx\n", s->reg->mods[i].name,
			(unsigned long long)s->reg->mods[i].text_lo,
			(unsigned long long)s->reg->mods[i].text_hi);
	fprintf(out, "modwatch: BPF map memory:\n");
	for (m = 0; m < s->nr_maps; m++) {
		fprintf(out, "modwatch:   %-14s %9u entries %10.1f KiB\n", s->maps[m].name,
			s->maps[m].entries, s->maps[m].bytes / 1024.0);
		total += s->maps[m].bytes;
	}
	fprintf(out, "modwatch:   %-14s %28.1f KiB\n", "total", total / 1024.0);
	fflush(out);
}

static void print_double_free(FILE *out, const struct mw_event *e)
{
	const struct mw_object *o = &e->double_free.obj;
	char site[SYM_LEN], alloc[SYM_LEN], freed[SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	mw_ksym_format(o->alloc_site, alloc, sizeof(alloc));
	mw_ksym_format(o->free_site, freed, sizeof(freed));
	fprintf(out, " object 0x%llx (%llu bytes, %llu allocated) freed again at %s;"
		" allocated at %s by tid %u; first freed at %s by tid %u",
		(unsigned long long)o->addr, (unsigned long long)o->size,
		(unsigned long long)o->alloc_size, site, alloc, o->alloc_tid, freed, o->free_tid);
}

static void print_generic(FILE *out, const struct mw_event *e)
{
	char site[SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	fprintf(out, " at %s", site);
}

static void text_violation(FILE *out, struct mw_registry *reg, const struct mw_event *e)
{
	fprintf(out, "[%llu.%06llu] %s %s:", (unsigned long long)(e->hdr.ts_ns / 1000000000),
		(unsigned long long)(e->hdr.ts_ns % 1000000000 / 1000),
		mw_registry_name(reg, e->hdr.module_id), mw_kind_name(e->hdr.kind));
	switch (e->hdr.kind) {
	case MW_DOUBLE_FREE:
		print_double_free(out, e);
		break;
	default:
		print_generic(out, e);
		break;
	}
	fprintf(out, " (pid %u tid %u comm %.*s cpu %u)%s\n", e->hdr.pid, e->hdr.tid,
		MW_COMM_LEN, e->hdr.comm, e->hdr.cpu,
		e->hdr.flags & MW_EV_INCOMPLETE ? " [evidence may be incomplete]" : "");
	fflush(out);
}

static void text_lost(FILE *out, __u64 new_lost, __u64 total_lost)
{
	fprintf(out, "modwatch: LOST %llu violation report%s (ring buffer full; %llu in all):"
		" raise --ringbuf-kb\n", (unsigned long long)new_lost, new_lost == 1 ? "" : "s",
		(unsigned long long)total_lost);
	fflush(out);
}

static void text_summary(FILE *out, const struct mw_summary *s)
{
	__u64 lost = 0;
	__u32 i, k;

	for (k = 0; k < MW_KIND_NR; k++)
		lost += s->stats[MW_STAT_LOST_BASE + k];
	fprintf(out, "modwatch: summary after %.1f s: %llu violation%s, %llu lost\n",
		s->runtime_ns / 1e9, (unsigned long long)s->violations,
		s->violations == 1 ? "" : "s", (unsigned long long)lost);
	for (i = 0; i < s->reg->nr; i++)
		for (k = 1; k < MW_KIND_NR; k++)
			if (s->reg->mods[i].counts[k])
				fprintf(out, "modwatch:   %-24s %-22s %llu\n", s->reg->mods[i].name,
					mw_kind_name(k),
					(unsigned long long)s->reg->mods[i].counts[k]);
	for (k = 1; k < MW_KIND_NR; k++)
		if (s->stats[MW_STAT_LOST_BASE + k])
			fprintf(out, "modwatch:   lost %-22s %llu\n", mw_kind_name(k),
				(unsigned long long)s->stats[MW_STAT_LOST_BASE + k]);
	for (k = 0; k < MW_STAT_LOST_BASE; k++)
		if (s->stats[k])
			fprintf(out, "modwatch:   %s: %llu\n", mw_stat_desc(k),
				(unsigned long long)s->stats[k]);
	fflush(out);
}

const struct mw_printer mw_print_text = {
	.start = text_start,
	.violation = text_violation,
	.lost = text_lost,
	.summary = text_summary,
};
