// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's side of heap tracking: what it reads back from the BPF maps.
 * Leaks at unload and the live-object listing group objects by module and
 * allocation site, the way kmemleak would, but from exact records.
 */
#include <errno.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include "heap.h"
#include "probe/heap_maps.h"
#include "probe/site_probes.h"
#include "symbols/ksym.h"
#include "probe/skel.h"

static struct modwatch_bpf *skel;

/* The address of core kernel symbol @name in /proc/kallsyms, 0 if it is not there. */
static __u64 core_symbol(const char *name)
{
	__u64 addr;

	return mw_ksym_addr("", name, &addr) ? 0 : addr;
}

/*
 * The value of the kernel variable @name, or @fallback: with a static
 * memory layout (no CONFIG_RANDOMIZE_MEMORY, 4-level paging) the variable
 * does not exist and the address is the compile-time constant.
 */
static __u64 layout_value(const char *name, __u64 fallback)
{
	__u64 addr = core_symbol(name), v;
	__u8 buf[16];

	if (!addr)
		return fallback;
	if (mw_peek(skel, addr, buf))
		return 0;	/* unknown: no slab is ever looked up */
	memcpy(&v, buf, sizeof(v));
	return v;
}

/*
 * Where the direct map and the struct page array are, for the BPF side to
 * tell which slab cache an address belongs to (bpf/heap.bpf.h). Both zero
 * when one is unknown: then it never looks.
 */
static void set_layout(void)
{
	__u64 page_offset = layout_value("page_offset_base", 0xffff888000000000ull);
	__u64 vmemmap = layout_value("vmemmap_base", 0xffffea0000000000ull);
	__u64 vmalloc = layout_value("vmalloc_base", 0xffffc90000000000ull);
	bool known = vmalloc && vmemmap > vmalloc;	/* x86-64: vmalloc, then vmemmap */

	skel->bss->mw_page_offset = page_offset && vmemmap ? page_offset : 0;
	skel->bss->mw_vmemmap = page_offset && vmemmap ? vmemmap : 0;
	skel->bss->mw_vmalloc_start = known ? vmalloc : 0;
	skel->bss->mw_vmalloc_end = known ? vmemmap : 0;
}

void mw_heap_init(struct modwatch_bpf *s)
{
	skel = s;
	set_layout();
}

int mw_heap_cache_name(__u64 cache, char *buf, size_t len)
{
	struct mw_cache c;

	if (!skel || !cache || bpf_map_lookup_elem(bpf_map__fd(skel->maps.mw_caches), &cache, &c))
		return -ENOENT;
	snprintf(buf, len, "%.*s", MW_CACHE_NAME, c.name);
	return 0;
}

/* Add @o to the per-(module, site) groups in @g[*n]; false when full. */
static bool group_add(struct mw_alloc_group *g, size_t *n, size_t max, const struct mw_object *o)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (g[i].module_id == o->module_id && g[i].site == o->alloc_site)
			break;
	if (i == *n) {
		if (*n == max)
			return false;
		memset(&g[i], 0, sizeof(g[i]));
		g[i].module_id = o->module_id;
		g[i].site = o->alloc_site;
		g[i].first_ns = o->alloc_ns;
		(*n)++;
	}
	if (o->alloc_ns < g[i].first_ns)
		g[i].first_ns = o->alloc_ns;
	g[i].vmalloc |= o->flags & MW_OBJ_VMALLOC;
	g[i].count++;
	g[i].bytes += o->size;
	return true;
}

/*
 * Group the live objects of @module_id (0: of every module) by allocation
 * site into @g (at most @max groups); with @drop, forget them as well: their
 * module is gone. Returns the number of groups or -errno.
 */
int mw_heap_group_live(__u32 module_id, bool drop, struct mw_alloc_group *g, size_t max)
{
	int fd = bpf_map__fd(skel->maps.mw_objects), sfd = bpf_map__fd(skel->maps.mw_snaps);
	__u64 key, next, *prev = NULL;
	struct mw_object o;
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &o))
			continue;
		if (module_id && o.module_id != module_id)
			continue;
		if (!group_add(g, &n, max, &o))
			break;
		if (drop) {
			bpf_map_delete_elem(fd, &key);
			bpf_map_delete_elem(sfd, &key);
			prev = NULL;	/* the walk restarts: deleting may reorder the map */
		}
	}
	return n;
}

/* Entries in the quarantine now: evictions = inserts - reused - this. */
__u64 mw_heap_quarantined(void)
{
	int fd = bpf_map__fd(skel->maps.mw_quarantine);
	__u64 key, next, *prev = NULL, n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

/* The heap hooks of one path, allocations or frees, by program. */
static int path_progs(bool frees, struct bpf_program **p)
{
	if (frees) {
		p[0] = skel->progs.mw_kfree;
		p[1] = skel->progs.mw_kmem_cache_free;
		return 2;
	}
	p[0] = skel->progs.mw_kmalloc;
	p[1] = skel->progs.mw_kmalloc_node;
	p[2] = skel->progs.mw_kmem_cache_alloc;
	p[3] = skel->progs.mw_kmem_cache_alloc_node;
	return 4;
}

/*
 * Runs of one path's hooks the kernel skipped (BPF recursion protection:
 * an interrupt's kmalloc or kfree while the same program ran on that CPU),
 * as the kernel counts them per program.
 */
static __u64 path_missed(bool frees)
{
	struct bpf_program *progs[4];
	struct bpf_prog_info info;
	int i, n = path_progs(frees, progs);
	__u64 missed = 0;
	__u32 len;

	for (i = 0; i < n; i++) {
		if (bpf_program__fd(progs[i]) < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len))
			missed += info.recursion_misses;
	}
	return missed;
}

/*
 * Runs of the heap hooks the kernel skipped. While this is 0 the lifetime
 * evidence is complete.
 */
__u64 mw_heap_missed(void)
{
	return path_missed(false) + path_missed(true);
}

/*
 * When each path's miss count was seen to grow: a report whose evidence
 * spans a time after such a sample may rest on a skipped run. A ring of
 * the latest growths; older ones, once overwritten, count as "always".
 */
#define MISS_RING 256

static struct miss_history {
	__u64 seen;		/* the count at the last sample */
	__u64 grew[MISS_RING];	/* CLOCK_MONOTONIC ns of the samples that saw it grow */
	unsigned int n;		/* growths recorded, ever */
} history[2];			/* [0] allocations, [1] frees */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* When the last sample began: every miss before it is in history[]. */
static __u64 last_sample_ns;

void mw_heap_note_misses(const __u64 missed[2], __u64 now)
{
	struct miss_history *h;
	int path;

	for (path = 0; path < 2; path++) {
		h = &history[path];
		if (missed[path] > h->seen) {
			h->grew[h->n++ % MISS_RING] = now;
			h->seen = missed[path];
		}
	}
}

void mw_heap_misses_reset(void)
{
	memset(history, 0, sizeof(history));
	last_sample_ns = 0;
}

void mw_heap_sample_misses(void)
{
	__u64 missed[2];

	last_sample_ns = now_ns();
	missed[0] = path_missed(false);
	missed[1] = path_missed(true);
	mw_heap_note_misses(missed, now_ns());
}

/*
 * Sample unless a sample began after @ns: then every miss before @ns is
 * known already. Before each report, at most one read of the programs'
 * counters per ring buffer batch, not one per report.
 */
void mw_heap_sample_misses_after(__u64 ns)
{
	if (last_sample_ns <= ns)
		mw_heap_sample_misses();
}

/*
 * Did the kernel skip a run of the allocation (@frees false) or free path
 * after @ns? Samples are taken at each poll of the ring buffer (100 ms at
 * most apart) and before each lifetime report, so a growth seen at sample
 * time T happened after the sample before it: after @ns if T is.
 */
bool mw_heap_missed_since(bool frees, __u64 ns)
{
	const struct miss_history *h = &history[frees];
	unsigned int i;

	if (h->n > MISS_RING && h->grew[h->n % MISS_RING] > ns)
		return true;	/* the oldest kept is after ns: older ones are forgotten */
	for (i = 0; i < h->n && i < MISS_RING; i++)
		if (h->grew[i] > ns)
			return true;
	return false;
}
