// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's side of heap tracking: what it reads back from the BPF maps.
 * Leaks at unload and the live-object listing group objects by module and
 * allocation site, the way kmemleak would, but from exact records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "modwatch.h"
#include "modwatch.skel.h"

static struct modwatch_bpf *skel;

void mw_heap_init(struct modwatch_bpf *s)
{
	skel = s;
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
		(*n)++;
	}
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

/*
 * Runs of the heap programs the kernel skipped (BPF recursion protection,
 * e.g. an allocation made by a BPF helper inside another hook). While this
 * is 0 the lifetime evidence is complete.
 */
__u64 mw_heap_missed(void)
{
	struct bpf_program *progs[] = {
		skel->progs.mw_kmalloc, skel->progs.mw_kmalloc_node,
		skel->progs.mw_kmem_cache_alloc, skel->progs.mw_kmem_cache_alloc_node,
		skel->progs.mw_kfree, skel->progs.mw_kmem_cache_free,
	};
	struct bpf_prog_info info;
	__u32 len;
	__u64 missed = 0;
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		if (bpf_program__fd(progs[i]) < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len))
			missed += info.recursion_misses;
	}
	return missed;
}
