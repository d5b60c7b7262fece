// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's side of the lock rules: naming locks for reports, and the
 * locks a module still holds when it unloads (read from mw_lock_owners).
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include "heap.h"
#include "events.h"
#include "locks.h"
#include "probe/lock_maps.h"
#include "probe/statics.h"
#include "symbols/ksym.h"
#include "probe/skel.h"

static struct modwatch_bpf *skel;

void mw_locks_init(struct modwatch_bpf *s)
{
	skel = s;
}

const char *mw_lock_type_name(__u32 type)
{
	static const char *const names[] = {
		[MW_LOCK_MUTEX] = "mutex", [MW_LOCK_SPIN] = "spinlock",
		[MW_LOCK_RWLOCK] = "rwlock", [MW_LOCK_RWSEM] = "rw_semaphore",
	};

	return type <= MW_LOCK_RWSEM && names[type] ? names[type] : "lock";
}

/* The heap object in @map that holds @addr: a linear walk, for reports only. */
static bool object_holding(struct bpf_map *map, __u64 addr, struct mw_object *o)
{
	int fd = bpf_map__fd(map);
	__u64 key, next, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, o) && addr >= o->addr &&
		    addr < o->addr + (o->size ? o->size : 1))
			return true;
	}
	return false;
}

/*
 * A lock's name: a static lock by its symbol ("mw_buggy:lock_a"), a lock in
 * a heap object by the object's allocation site and its offset in it.
 */
void mw_lock_name(__u64 addr, char *buf, size_t len)
{
	char site[160];
	struct mw_object o;
	struct mw_sym s;

	if (!mw_ksym_resolve_data(addr, &s) && s.module && s.offset < 4096) {
		if (s.offset)
			snprintf(buf, len, "%s:%s+0x%llx", s.module, s.name,
				 (unsigned long long)s.offset);
		else
			snprintf(buf, len, "%s:%s", s.module, s.name);
		return;
	}
	if (skel && (object_holding(skel->maps.mw_objects, addr, &o) ||
		     object_holding(skel->maps.mw_quarantine, addr, &o))) {
		mw_ksym_format(o.alloc_site, site, sizeof(site));
		snprintf(buf, len, "+0x%llx in the object allocated at %s",
			 (unsigned long long)(addr - o.addr), site);
		return;
	}
	snprintf(buf, len, "0x%llx", (unsigned long long)addr);
}

/*
 * The locks held in code of module @module_id, for lock_held_on_unload:
 * fills @locks/@owners (at most @max); returns how many.
 */
int mw_locks_held(__u32 module_id, __u64 *locks, struct mw_lock_owner *owners, int max)
{
	int fd = bpf_map__fd(skel->maps.mw_lock_owners), n = 0;
	__u64 key, next, *prev = NULL;
	struct mw_lock_owner o;

	while (n < max && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &o) || o.module_id != module_id)
			continue;
		if (!o.tid && !o.readers)
			continue;
		locks[n] = key;
		owners[n++] = o;
	}
	return n;
}

/* All recorded lock-order edges (at most @max). */
int mw_lock_edges(struct mw_edge *e, int max)
{
	int fd = bpf_map__fd(skel->maps.mw_lock_edges), n = 0;
	struct mw_lock_edge_key key, next, *prev = NULL;
	struct mw_lock_edge v;

	while (n < max && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		e[n].a = key.a;
		e[n].b = key.b;
		e[n].site_a = v.site_a;
		e[n].site_b = v.site_b;
		e[n].module_id = v.module_id;
		e[n].ns = v.ns;
		e[n].stack_a = v.stack_a;
		e[n].stack_b = v.stack_b;
		n++;
	}
	return n;
}

struct cycle_walk {
	const struct mw_edge *e;
	int n;
	int path[MW_CYCLE_MAX];	/* edge indexes */
	mw_cycle_fn fn;
	void *ctx;
	int found;
};

/* Extend a path ending at lock @at whose first lock (the smallest) is @start. */
static void walk(struct cycle_walk *w, __u64 start, __u64 at, int depth)
{
	int i;

	for (i = 0; i < w->n; i++) {
		if (w->e[i].a != at || w->e[i].b < start)
			continue;
		w->path[depth] = i;
		if (w->e[i].b == start) {
			if (depth >= 2) {	/* two-lock cycles are the BPF side's */
				w->fn(w->ctx, w->e, w->path, depth + 1);
				w->found++;
			}
			continue;
		}
		if (depth + 1 < MW_CYCLE_MAX)
			walk(w, start, w->e[i].b, depth + 1);
	}
}

/*
 * Lock-order cycles of three to MW_CYCLE_MAX locks (A->B->C->A) in @e, each
 * once: a cycle is walked only from its smallest lock address, through
 * larger ones. Calls @fn with the edges of each; returns how many.
 */
int mw_lock_cycles(const struct mw_edge *e, int n, mw_cycle_fn fn, void *ctx)
{
	struct cycle_walk w = { .e = e, .n = n, .fn = fn, .ctx = ctx };
	int i;

	for (i = 0; i < n; i++) {
		if (e[i].b <= e[i].a)
			continue;
		w.path[0] = i;
		walk(&w, e[i].a, e[i].b, 1);
	}
	return w.found;
}
