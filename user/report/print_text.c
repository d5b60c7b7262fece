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
#include "probe/heap_maps.h"
#include "probe/lock_maps.h"
#include "probe/progs.h"
#include "probe/module_registry.h"
#include "probe/statics.h"
#include "report/latency.h"
#include "report/printer.h"
#include "report/counters.h"
#include "report/rules.h"
#include "symbols/ksym.h"
#include "probe/bpf.h"
#include "report/suppress.h"
#include "ko/callees.h"

#define SYM_LEN 160

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
		fprintf(out, "%s %s (%s) %u", i ? "," : "", m->blind[i].name, m->blind[i].family,
			m->blind[i].calls);
	fputc('\n', out);
}

static void print_module(FILE *out, const struct mw_module *m)
{
	fprintf(out, "modwatch:   %-24s text 0x%llx-0x%llx", m->name,
		(unsigned long long)m->text_lo, (unsigned long long)m->text_hi);
	if (m->ko[0]) {
		fprintf(out, ", %u call sites in %s, %u kprobes on %u of them", m->nr_sites, m->ko,
			m->nr_probes, m->nr_slots - m->probed_entries);
		if (m->probed_entries)
			fprintf(out, " and on %u of its %u entry points", m->probed_entries,
				m->nr_entries);
		if (m->nr_unprobed)
			print_skips(out, m);
	}
	fputc('\n', out);
	if (m->nr_blind)
		print_blind(out, m);
}

static void text_module(FILE *out, const struct mw_module *m)
{
	if (!m->loaded) {
		fprintf(out, "modwatch: module %s unloaded: its probes are detached\n", m->name);
	} else {
		fprintf(out, "modwatch: module %s loaded, now watched:\n", m->name);
		print_module(out, m);
	}
	fflush(out);
}

static void text_start(FILE *out, const struct mw_start *s)
{
	__u64 total = 0;
	__u32 i;
	int m;

	fprintf(out, "modwatch: kernel %s, watching %u module%s\n", s->kernel, s->reg->nr,
		s->reg->nr == 1 ? "" : "s");
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

/* "; the memory since handed to f+0x10 [mod] (tid N)": core code got it. */
static void print_reused(FILE *out, const struct mw_reused_by *r)
{
	char by[SYM_LEN];

	if (!r->site)
		return;
	mw_ksym_format(r->site, by, sizeof(by));
	fprintf(out, "; the memory since handed to %s (tid %u)", by, r->tid);
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
	print_reused(out, &e->double_free.reused);
}

static const char *const dir_names[] = { [MW_FROM_USER] = "from", [MW_TO_USER] = "to" };

static void print_slice(FILE *out, const struct mw_event *e)
{
	const struct mw_user_slice_overrun *p = &e->user_slice_overrun;
	char site[SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	fprintf(out, " copy %s user [0x%llx, +%llu) at %s runs %llu bytes past the slice "
		"[0x%llx, +%llu) that syscall %u declared", dir_names[p->dir & 3],
		(unsigned long long)p->copy_start, (unsigned long long)p->copy_len, site,
		(unsigned long long)(p->copy_start + p->copy_len - p->slice_start - p->slice_len),
		(unsigned long long)p->slice_start, (unsigned long long)p->slice_len,
		p->syscall_nr);
}

static void print_ioctl_size(FILE *out, const struct mw_event *e)
{
	const struct mw_ioctl_size_mismatch *p = &e->ioctl_size_mismatch;
	char site[SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	fprintf(out, " ioctl 0x%x copies %llu bytes %s user at %s, past its _IOC_SIZE of %llu "
		"(a legacy number or a variable-length header, or a bug)", p->cmd,
		(unsigned long long)p->copy_len, dir_names[p->dir & 3], site,
		(unsigned long long)p->slice_len);
}

static const char *const changed_names[] = { "no", "YES", "unknown" };

static void print_double_fetch(FILE *out, const struct mw_event *e)
{
	const struct mw_double_fetch *p = &e->double_fetch;
	char site[SYM_LEN], first[SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	mw_ksym_format(p->first_site, first, sizeof(first));
	fprintf(out, " user [0x%llx, +%llu) fetched again at %s (%u bytes), first at %s "
		"(%u bytes) in syscall %u; changed in between: %s",
		(unsigned long long)p->user_addr, (unsigned long long)p->overlap_len, site,
		p->second_size, first, p->first_size, p->syscall_nr,
		changed_names[p->changed < 3 ? p->changed : 2]);
}

static void print_heap_overflow(FILE *out, const struct mw_event *e)
{
	const struct mw_heap_overflow *p = &e->heap_overflow;
	char site[SYM_LEN], alloc[SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	mw_ksym_format(p->obj.alloc_site, alloc, sizeof(alloc));
	fprintf(out, " copy of %llu bytes at 0x%llx (offset %llu) at %s runs %llu bytes past "
		"the %llu-byte object 0x%llx allocated at %s",
		(unsigned long long)p->copy_len, (unsigned long long)p->copy_addr,
		(unsigned long long)(p->copy_addr - p->obj.addr), site,
		(unsigned long long)(p->copy_addr + p->copy_len - p->obj.addr - p->obj.size),
		(unsigned long long)p->obj.size, (unsigned long long)p->obj.addr, alloc);
}

static const char *const access_names[] = {
	[MW_ACCESS_COPY_FROM_USER] = "copy_from_user into",
	[MW_ACCESS_COPY_TO_USER] = "copy_to_user from",
	[MW_ACCESS_LOCK] = "lock in",
	[MW_ACCESS_UNLOCK] = "unlock in",
};

/* "0xADDR (SIZE bytes[, cache NAME]) allocated at SITE" */
static void print_object(FILE *out, const struct mw_object *o)
{
	char alloc[SYM_LEN], cache[MW_CACHE_NAME + 1];
	struct mw_sym s;

	if (o->flags & MW_OBJ_STATIC) {
		fprintf(out, "0x%llx (%llu bytes, static ", (unsigned long long)o->addr,
			(unsigned long long)o->size);
		if (!mw_ksym_resolve_data(o->addr, &s))
			fprintf(out, "%s [%s])", s.name, s.module);
		else
			fputs("of the module)", out);
		return;
	}
	mw_ksym_format(o->alloc_site, alloc, sizeof(alloc));
	fprintf(out, "0x%llx (%llu bytes", (unsigned long long)o->addr,
		(unsigned long long)o->size);
	if (!mw_heap_cache_name(o->cache, cache, sizeof(cache)))
		fprintf(out, ", cache %s", cache);
	fprintf(out, ") allocated at %s by tid %u", alloc, o->alloc_tid);
}

static void print_uaf(FILE *out, const struct mw_event *e)
{
	const struct mw_use_after_free *p = &e->use_after_free;
	char site[SYM_LEN], freed[SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	mw_ksym_format(p->obj.free_site, freed, sizeof(freed));
	fprintf(out, " %s freed object at offset %llu (%llu bytes) at %s; object ",
		p->access <= MW_ACCESS_UNLOCK && access_names[p->access] ?
			access_names[p->access] : "access to",
		(unsigned long long)(p->access_addr - p->obj.addr),
		(unsigned long long)p->access_len, site);
	print_object(out, &p->obj);
	fprintf(out, ", freed at %s by tid %u", freed, p->obj.free_tid);
	if (p->in_flight)
		fputs(" while the copy was in flight (live at its call)", out);
	print_reused(out, &p->reused);
}

static void print_invalid_free(FILE *out, const struct mw_event *e)
{
	const struct mw_invalid_free *p = &e->invalid_free;
	char site[SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	fprintf(out, " free of 0x%llx at %s, %llu bytes into live object ",
		(unsigned long long)p->ptr, site, (unsigned long long)(p->ptr - p->obj.addr));
	print_object(out, &p->obj);
}

static void print_leak(FILE *out, const struct mw_event *e)
{
	const struct mw_leak_on_unload *p = &e->leak_on_unload;
	char site[SYM_LEN];

	mw_ksym_format(p->alloc_site, site, sizeof(site));
	fprintf(out, " unloaded with %llu object%s (%llu bytes) allocated at %s never freed",
		(unsigned long long)p->count, p->count == 1 ? "" : "s",
		(unsigned long long)p->bytes, site);
}

static void print_uninit(FILE *out, const struct mw_event *e)
{
	const struct mw_uninit_leak *p = &e->uninit_leak;
	char site[SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	fprintf(out, " copy_to_user at %s of %llu bytes, %llu of them never written since "
		"allocation (object offsets %llu to %llu), from object ", site,
		(unsigned long long)p->copy_len, (unsigned long long)p->uninit_len,
		(unsigned long long)p->first_off, (unsigned long long)p->end_off);
	print_object(out, &p->obj);
}

/* "mutex mw_buggy:lock_a" */
static void print_lock(FILE *out, const struct mw_lock *l)
{
	char name[256];

	mw_lock_name(l->addr, name, sizeof(name));
	fprintf(out, "%s %s", mw_lock_type_name(l->type), name);
}

/* The lock kinds: what happened at hdr.site, to which lock, and its history. */
static void print_lock_event(FILE *out, const struct mw_event *e)
{
	char site[SYM_LEN], other[SYM_LEN], third[SYM_LEN], fourth[SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	fputc(' ', out);
	switch (e->hdr.kind) {
	case MW_UNLOCK_NOT_OWNER:
		mw_ksym_format(e->unlock_not_owner.owner_site, other, sizeof(other));
		print_lock(out, &e->unlock_not_owner.lock);
		fprintf(out, " released at %s, but tid %u holds it (taken at %s)", site,
			e->unlock_not_owner.owner_tid, other);
		break;
	case MW_UNLOCK_NOT_HELD:
		print_lock(out, &e->unlock_not_held.lock);
		fprintf(out, " released at %s while nobody holds it", site);
		break;
	case MW_RECURSIVE_LOCK:
		mw_ksym_format(e->recursive_lock.first_site, other, sizeof(other));
		print_lock(out, &e->recursive_lock.lock);
		fprintf(out, " acquired again at %s by the task that holds it since %s", site,
			other);
		break;
	case MW_LOCK_HELD_ON_RETURN:
		print_lock(out, &e->lock_held_on_return.lock);
		fprintf(out, " taken at %s still held when syscall %u returns to user space", site,
			e->lock_held_on_return.syscall_nr);
		break;
	case MW_SLEEP_IN_ATOMIC:
		mw_ksym_format(e->sleep_in_atomic.callee, other, sizeof(other));
		mw_ksym_format(e->sleep_in_atomic.acquire_site, third, sizeof(third));
		fprintf(out, "%s may sleep, called at %s while holding ", other, site);
		print_lock(out, &e->sleep_in_atomic.held);
		fprintf(out, " (taken at %s)", third);
		break;
	case MW_LOCK_ORDER_INVERSION:
		mw_ksym_format(e->lock_order_inversion.ab_site_a, other, sizeof(other));
		mw_ksym_format(e->lock_order_inversion.ab_site_b, third, sizeof(third));
		mw_ksym_format(e->lock_order_inversion.ba_site_b, fourth, sizeof(fourth));
		print_lock(out, &e->lock_order_inversion.a);
		fputs(" then ", out);
		print_lock(out, &e->lock_order_inversion.b);
		fprintf(out, " at %s, %s; now B then A at %s, %s", other, third, fourth, site);
		break;
	case MW_HELD_LOCK_FREED:
		mw_ksym_format(e->held_lock_freed.acquire_site, other, sizeof(other));
		fprintf(out, "free at %s of object ", site);
		print_object(out, &e->held_lock_freed.obj);
		fputs(" holding ", out);
		print_lock(out, &e->held_lock_freed.lock);
		fprintf(out, ", held by tid %u since %s", e->held_lock_freed.owner_tid, other);
		break;
	case MW_LOCK_HELD_ON_UNLOAD:
		print_lock(out, &e->lock_held_on_unload.lock);
		fprintf(out, " taken at %s by tid %u still held as the module unloads", site,
			e->lock_held_on_unload.owner_tid);
		break;
	}
}

/* "copy_from_user into [+OFF, +LEN) at SITE by tid T (COMM) holding L1, L2" */
static void print_share_access(FILE *out, const struct mw_share_access *a, __u64 obj)
{
	char site[SYM_LEN];
	__u32 i;

	mw_ksym_format(a->site, site, sizeof(site));
	fprintf(out, "%s [+%llu, +%llu) at %s by tid %u (%.*s) holding ",
		a->dir == MW_FROM_USER ? "copy_from_user into" : "copy_to_user from",
		(unsigned long long)(a->addr - obj), (unsigned long long)a->len, site, a->tid,
		(int)sizeof(a->comm), a->comm);
	if (!a->nr_locks)
		fputs("no lock", out);
	for (i = 0; i < a->nr_locks && i < MW_RACE_LOCKS; i++)
		fprintf(out, "%s0x%llx", i ? ", " : "", (unsigned long long)a->locks[i]);
	if (a->nr_locks > MW_RACE_LOCKS)
		fprintf(out, " and %u more", a->nr_locks - MW_RACE_LOCKS);
}

static void print_shared(FILE *out, const struct mw_event *e)
{
	const struct mw_shared_access *p = &e->shared_access;

	fputs(" object ", out);
	print_object(out, &p->obj);
	if (e->hdr.kind == MW_DATA_RACE)
		fprintf(out, ": bytes [+%llu, +%llu) copied by two tasks at once: ",
			(unsigned long long)(p->overlap_addr - p->obj.addr),
			(unsigned long long)p->overlap_len);
	else
		fputs(": used by two tasks in turn, no lock held at every access: ", out);
	print_share_access(out, &p->self, p->obj.addr);
	fputs(e->hdr.kind == MW_DATA_RACE ? ", while in flight " : "; before it ", out);
	print_share_access(out, &p->other, p->obj.addr);
}

static void print_generic(FILE *out, const struct mw_event *e)
{
	char site[SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	fprintf(out, " at %s", site);
}

static void text_violation(FILE *out, struct mw_registry *reg, const struct mw_event *e)
{
	fprintf(out, "[%llu.%06llu] %s %s%s%s:", (unsigned long long)(e->hdr.ts_ns / 1000000000),
		(unsigned long long)(e->hdr.ts_ns % 1000000000 / 1000),
		mw_registry_name(reg, e->hdr.module_id),
		e->hdr.flags & MW_EV_WARNING ? "warning: " : "",
		e->hdr.flags & MW_EV_INCOMPLETE ? "possible " : "", mw_kind_name(e->hdr.kind));
	switch (e->hdr.kind) {
	case MW_IOCTL_SIZE_MISMATCH:
		print_ioctl_size(out, e);
		break;
	case MW_DOUBLE_FREE:
		print_double_free(out, e);
		break;
	case MW_USER_SLICE_OVERRUN:
		print_slice(out, e);
		break;
	case MW_DOUBLE_FETCH:
		print_double_fetch(out, e);
		break;
	case MW_HEAP_OVERFLOW_WRITE:
	case MW_HEAP_OVERFLOW_READ:
		print_heap_overflow(out, e);
		break;
	case MW_USE_AFTER_FREE:
		print_uaf(out, e);
		break;
	case MW_INVALID_FREE:
		print_invalid_free(out, e);
		break;
	case MW_LEAK_ON_UNLOAD:
		print_leak(out, e);
		break;
	case MW_UNINIT_LEAK:
		print_uninit(out, e);
		break;
	case MW_UNLOCK_NOT_OWNER ... MW_LOCK_HELD_ON_UNLOAD:
		print_lock_event(out, e);
		break;
	case MW_DATA_RACE:
	case MW_UNPROTECTED_SHARED_ACCESS:
		print_shared(out, e);
		break;
	default:
		print_generic(out, e);
		break;
	}
	fprintf(out, " (pid %u tid %u comm %.*s cpu %u)%s\n", e->hdr.pid, e->hdr.tid,
		MW_COMM_LEN, e->hdr.comm, e->hdr.cpu,
		e->hdr.flags & MW_EV_INCOMPLETE ? " [evidence may be incomplete]" : "");
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
	char name[256], sa[SYM_LEN], sb[SYM_LEN];
	int i;

	fprintf(out, "%s lock_order_inversion: a cycle of %d locks:",
		mw_registry_name(reg, e[path[len - 1]].module_id), len);
	for (i = 0; i < len; i++) {
		const struct mw_edge *x = &e[path[i]];

		mw_lock_name(x->a, name, sizeof(name));
		mw_ksym_format(x->site_a, sa, sizeof(sa));
		mw_ksym_format(x->site_b, sb, sizeof(sb));
		fprintf(out, "%s %s taken at %s, then the next at %s", i ? ";" : "", name, sa, sb);
	}
	fputc('\n', out);
	fflush(out);
}

static void text_repeat(FILE *out, struct mw_registry *reg, const struct mw_dedup_key *k,
			__u64 more, __u64 total)
{
	char site[SYM_LEN];

	mw_ksym_format(k->site, site, sizeof(site));
	fprintf(out, "%s %s at %s: repeated %llu more time%s (%llu in all)\n",
		mw_registry_name(reg, k->module_id), mw_kind_name(k->kind), site,
		(unsigned long long)more, more == 1 ? "" : "s", (unsigned long long)total);
	fflush(out);
}

static void text_live(FILE *out, struct mw_registry *reg, const struct mw_alloc_group *g,
		      size_t n)
{
	char site[SYM_LEN];
	size_t i;

	fprintf(out, "modwatch: %zu allocation site%s with live objects\n", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		mw_ksym_format(g[i].site, site, sizeof(site));
		fprintf(out, "modwatch:   %-24s %-40s %llu object%s, %llu bytes\n",
			mw_registry_name(reg, g[i].module_id), site, (unsigned long long)g[i].count,
			g[i].count == 1 ? "" : "s", (unsigned long long)g[i].bytes);
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

static void text_summary(FILE *out, const struct mw_summary *s)
{
	__u64 lost = 0;
	__u32 i, k;

	for (k = 0; k < MW_KIND_NR; k++)
		lost += s->stats[MW_STAT_LOST_BASE + k];
	fprintf(out, "modwatch: summary after %.1f s: %llu violation%s, %llu warning%s, "
		"%llu repeats, %llu lost\n", s->runtime_ns / 1e9,
		(unsigned long long)s->violations, s->violations == 1 ? "" : "s",
		(unsigned long long)s->warnings, s->warnings == 1 ? "" : "s",
		(unsigned long long)s->repeats, (unsigned long long)lost);
	for (i = 0; i < s->reg->nr; i++)
		for (k = 1; k < MW_KIND_NR; k++)
			if (s->reg->mods[i].counts[k])
				fprintf(out, "modwatch:   %-24s %-22s %llu (+%llu repeats)\n",
					s->reg->mods[i].name, mw_kind_name(k),
					(unsigned long long)s->reg->mods[i].counts[k],
					(unsigned long long)s->reg->mods[i].repeats[k]);
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
		fprintf(out, "modwatch:   suppressed by %s:%s:%s: %llu\n", s->supp[i].kind,
			s->supp[i].module, s->supp[i].func, (unsigned long long)s->supp[i].hits);
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
