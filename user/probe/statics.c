// SPDX-License-Identifier: GPL-2.0
/*
 * A watched module's writable static objects (its .data and .bss OBJECT
 * symbols, read from the .ko) for the race rules: a user copy into or out
 * of one is an access to module memory as much as one into a kmalloc()ed
 * buffer. Each module's objects take one run of the mw_statics array,
 * sorted by address, and every page they touch points at the part of the
 * run that touches it (include/races.h); the BPF side binary-searches that.
 *
 * Live address = the section's address (/sys/module/NAME/sections/) + the
 * symbol's value. Aliases and overlapping symbols keep the first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "heap.h"
#include "races.h"
#include "registry.h"
#include "ko/ko.h"
#include "lib/error.h"
#include "probe/module_registry.h"
#include "probe/statics.h"
#include "symbols/ksym.h"
#include "probe/skel.h"

/*
 * Pages one object may name: larger objects (a multi-megabyte buffer) are
 * watched on their first this many pages only, so one symbol cannot fill
 * the page table.
 */
#define MW_STATIC_MAX_PAGES	256

/* The modules whose objects are published, to name them (mw_statics_resolve()). */
static struct mw_module *named[MW_MAX_MODULES];

static void set_named(struct mw_module *m, bool on)
{
	__u32 i;

	for (i = 0; i < MW_MAX_MODULES; i++) {
		if (on ? !named[i] : named[i] == m) {
			named[i] = on ? m : NULL;
			return;
		}
	}
}

int mw_statics_resolve(__u64 addr, struct mw_sym *sym)
{
	const struct mw_static_range *r;
	__u32 i, lo, hi, mid;

	for (i = 0; i < MW_MAX_MODULES; i++) {
		if (!named[i] || !named[i]->nr_statics)
			continue;
		r = named[i]->statics;
		lo = 0;
		hi = named[i]->nr_statics;
		while (lo < hi) {	/* the first starting above @addr */
			mid = lo + (hi - lo) / 2;
			if (r[mid].addr <= addr)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo && addr - r[lo - 1].addr < r[lo - 1].size) {
			sym->module = named[i]->name;
			sym->name = r[lo - 1].name;
			sym->offset = addr - r[lo - 1].addr;
			return 0;
		}
	}
	return -ENOENT;
}

static int cmp_range(const void *a, const void *b)
{
	const struct mw_static_range *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* @m's objects at their live addresses, sorted, overlaps dropped; returns how many. */
static __u32 live_ranges(const struct mw_module *m, const struct mw_ko *ko,
			 struct mw_static_range *r)
{
	__u64 base = 0;
	const char *sec = NULL;
	__u32 i, n = 0, kept = 0;

	for (i = 0; i < ko->nr_statics; i++) {
		const struct mw_static_sym *st = &ko->statics[i];

		if (!sec || strcmp(sec, st->section)) {
			sec = st->section;
			if (mw_section_addr(m->name, sec, &base))
				base = 0;	/* not loaded (an init-only section) */
		}
		if (!base)
			continue;
		r[n].addr = base + st->off;
		r[n].size = st->size;
		memcpy(r[n++].name, st->name, sizeof(r->name));
	}
	qsort(r, n, sizeof(*r), cmp_range);
	for (i = 0; i < n; i++) {
		if (kept && r[i].addr < r[kept - 1].addr + r[kept - 1].size)
			continue;
		r[kept++] = r[i];
	}
	return kept;
}

/* A free run of @n entries of mw_statics (first fit); -ENOSPC if none. */
static int alloc_run(struct mw_static_slots *ss, __u32 n)
{
	__u32 i, len = 0;

	for (i = 0; i < MW_STATICS; i++) {
		len = ss->used[i] ? 0 : len + 1;
		if (len == n) {
			memset(&ss->used[i + 1 - n], 1, n);
			return i + 1 - n;
		}
	}
	return -ENOSPC;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* bpf_ktime_get_ns()'s clock */
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Write @m's run, then the pages (a reader finds a page only once its run is there). */
static int publish(struct modwatch_bpf *skel, const struct mw_module *m)
{
	int objs = bpf_map__fd(skel->maps.mw_statics);
	int pages = bpf_map__fd(skel->maps.mw_static_pages);
	struct mw_static_page pg = {};
	struct mw_object o = { .alloc_ns = now_ns(), .module_id = m->id, .flags = MW_OBJ_STATIC };
	__u64 page = 0, p, last;
	__u32 i, key;

	for (i = 0; i < m->nr_statics; i++) {
		key = m->static_first + i;
		o.addr = m->statics[i].addr;
		o.size = o.alloc_size = m->statics[i].size;
		if (bpf_map_update_elem(objs, &key, &o, BPF_ANY))
			return -errno;
	}
	for (i = 0; i < m->nr_statics; i++) {
		p = m->statics[i].addr >> MW_PAGE_SHIFT;
		last = (m->statics[i].addr + m->statics[i].size - 1) >> MW_PAGE_SHIFT;
		if (last - p >= MW_STATIC_MAX_PAGES)
			last = p + MW_STATIC_MAX_PAGES - 1;
		for (; p <= last; p++) {
			if (pg.count && p == page) {
				pg.count = m->static_first + i - pg.first + 1;
				continue;
			}
			if (pg.count && bpf_map_update_elem(pages, &page, &pg, BPF_ANY))
				return -errno;
			page = p;
			pg.first = m->static_first + i;
			pg.count = 1;
		}
	}
	if (pg.count && bpf_map_update_elem(pages, &page, &pg, BPF_ANY))
		return -errno;
	return 0;
}

int mw_statics_set(struct mw_static_slots *ss, struct modwatch_bpf *skel, struct mw_module *m,
		   struct mw_static_range *r, __u32 n)
{
	int first, err;

	first = n ? alloc_run(ss, n) : -ENOSPC;
	if (first < 0) {
		free(r);
		return first;
	}
	m->statics = r;
	m->nr_statics = n;
	m->static_first = first;
	set_named(m, true);
	err = publish(skel, m);
	if (err)
		mw_statics_drop(ss, skel, m);
	return err;
}

void mw_statics_add(struct mw_static_slots *ss, struct modwatch_bpf *skel, struct mw_module *m,
		    const struct mw_ko *ko)
{
	struct mw_static_range *r;
	__u32 n;
	int err;

	if (!ko->nr_statics)
		return;
	r = calloc(ko->nr_statics, sizeof(*r));
	if (!r) {
		mw_warn("%s: out of memory: its static objects are not watched for races", m->name);
		return;
	}
	n = live_ranges(m, ko, r);
	if (!n) {
		free(r);
		return;
	}
	err = mw_statics_set(ss, skel, m, r, n);
	if (err == -ENOSPC)
		mw_warn("%s: its %u static objects are not watched for races (the table of %u is "
			"full: watch fewer modules)", m->name, n, MW_STATICS);
	else if (err)
		mw_warn("%s: its static objects are not watched for races (%s)", m->name,
			strerror(-err));
}

/* The module is gone: its pages, its objects' sharing state, then its run. */
void mw_statics_drop(struct mw_static_slots *ss, struct modwatch_bpf *skel, struct mw_module *m)
{
	int pages = bpf_map__fd(skel->maps.mw_static_pages);
	int shares = bpf_map__fd(skel->maps.mw_shares);
	__u64 p, last;
	__u32 i;

	for (i = 0; i < m->nr_statics; i++) {
		p = m->statics[i].addr >> MW_PAGE_SHIFT;
		last = (m->statics[i].addr + m->statics[i].size - 1) >> MW_PAGE_SHIFT;
		if (last - p >= MW_STATIC_MAX_PAGES)
			last = p + MW_STATIC_MAX_PAGES - 1;
		for (; p <= last; p++)
			bpf_map_delete_elem(pages, &p);
		bpf_map_delete_elem(shares, &m->statics[i].addr);
	}
	if (m->nr_statics)
		memset(&ss->used[m->static_first], 0, m->nr_statics);
	set_named(m, false);
	free(m->statics);
	m->statics = NULL;
	m->nr_statics = 0;
	m->static_first = 0;
}

/*
 * A module's static data at @addr (a lock, a buffer): "module:symbol[+off]",
 * from its .ko first (sized, and there without CONFIG_KALLSYMS_ALL).
 */
int mw_ksym_resolve_data(__u64 addr, struct mw_sym *sym)
{
	if (!mw_statics_resolve(addr, sym))
		return 0;
	return mw_ksym_resolve_var(addr, sym);
}
