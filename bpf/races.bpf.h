/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sync, checked where modwatch sees module memory touched: the user copies
 * whose kernel side lies in a live object the module allocated, or in one
 * of its writable static objects (.data, .bss).
 *
 * - data_race: a copy begins on bytes another task's copy is still on (its
 *   call was probed, the probe on the instruction after it has not run),
 *   one of the two writing the object, no lock held in common. Observed,
 *   not inferred: two memcpy()s on the same bytes at once, one a write,
 *   is what Rust's Sync rules out.
 * - unprotected_shared_access (a warning): Eraser's lockset. Once two tasks
 *   take turns on an object, the locks held at every access are
 *   intersected; empty, with a write among them, nothing protects it, even
 *   if no overlap in time was seen yet. An object handed from task to task
 *   (Send: filled by one, used by the next, never again by the first) is
 *   not shared: ownership moves with the access (include/races.h).
 *
 * Only copies whose return is probed take part in the overlap rule: without
 * that probe nobody would say the copy is over.
 */
#ifndef MODWATCH_RACES_BPF_H
#define MODWATCH_RACES_BPF_H

#include "copies.bpf.h"
#include "heap.bpf.h"
#include "locks.bpf.h"
#include "usercopy.h"

/* A zeroed record to create entries from (never written; usercopy.bpf.c defines it). */
extern const struct mw_share mw_share_zero;

/*
 * The locks the current task holds, as one access counts them: a write
 * counts only exclusive holds (a read hold of an rwlock protects readers
 * from writers, not a writer from others).
 */
MW_GLOBAL int mw_access_locks(struct mw_share_access *a, bool write)
{
	struct mw_lock_task *t = mw_lock_task(false);
	__u32 i, n = 0, depth;

	if (!t || !a)
		return 0;
	depth = t->depth;
	for (i = 0; i < MW_LOCK_DEPTH; i++) {
		if (i >= depth)
			break;
		if (write && (t->held[i].flags & MW_HELD_READ))
			continue;
		if (n < MW_RACE_LOCKS)
			a->locks[n] = t->held[i].addr;
		n++;
	}
	a->nr_locks = n;
	return 0;
}

static __always_inline void mw_access_fill(struct mw_share_access *a, const struct mw_site *s,
					   __u64 kaddr, __u64 len, bool write)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	a->site = s->addr;
	a->addr = kaddr;
	a->len = len;
	a->ns = bpf_ktime_get_ns();
	a->tid = (__u32)pid_tgid;
	a->pid = pid_tgid >> 32;
	a->dir = write ? MW_FROM_USER : MW_TO_USER;
	bpf_get_current_comm(a->comm, sizeof(a->comm));
	mw_access_locks(a, write);
}

/* Is @addr among the first @n of @locks? */
static __always_inline bool mw_lock_in(const __u64 *locks, __u32 n, __u64 addr)
{
	__u32 i;

	for (i = 0; i < MW_RACE_LOCKS; i++) {
		if (i >= n)
			break;
		if (locks[i] == addr)
			return true;
	}
	return false;
}

/*
 * Is a lock of @a's also in @b's? Unknown (more than kept) counts as yes.
 * Global: nested loops are checked once, not on every path into them.
 */
MW_GLOBAL int mw_locks_shared(const struct mw_share_access *a, const struct mw_share_access *b)
{
	__u32 i;

	if (!a || !b || a->nr_locks > MW_RACE_LOCKS || b->nr_locks > MW_RACE_LOCKS)
		return true;
	for (i = 0; i < MW_RACE_LOCKS; i++) {
		if (i >= a->nr_locks)
			break;
		if (mw_lock_in(b->locks, b->nr_locks, a->locks[i]))
			return true;
	}
	return false;
}

/* The bytes two accesses share: 0 if none. */
static __always_inline __u64 mw_overlap(const struct mw_share_access *a, const struct mw_share_access *b,
					__u64 *start)
{
	__u64 lo = a->addr > b->addr ? a->addr : b->addr;
	__u64 ae = a->addr + a->len, be = b->addr + b->len;
	__u64 hi = ae < be ? ae : be;

	*start = lo;
	return hi > lo ? hi - lo : 0;
}

static __always_inline void mw_report_shared(__u32 kind, const struct mw_object *o,
					     const struct mw_share_access *self,
					     const struct mw_share_access *other, __u64 start,
					     __u64 len)
{
	struct mw_event *e;

	e = mw_report(kind, MW_EVENT_SIZE(shared_access), self->site, o->module_id, other->site);
	if (!e)
		return;
	if (kind == MW_UNPROTECTED_SHARED_ACCESS)
		e->hdr.flags |= MW_EV_WARNING;
	e->shared_access.obj = *o;
	e->shared_access.self = *self;
	e->shared_access.other = *other;
	e->shared_access.overlap_addr = start;
	e->shared_access.overlap_len = len;
	mw_report_send(e);
}

/* The copy @c holds a slot in: it is over. */
static __always_inline void mw_race_release(struct mw_copy *c)
{
	struct mw_share *sh;
	__u32 i;

	if (!c->race_slot)
		return;
	i = (c->race_slot - 1) & (MW_RACE_SLOTS - 1);
	c->race_slot = 0;
	sh = bpf_map_lookup_elem(&mw_shares, &c->race_obj);
	if (!sh || sh->slot[i].claim != (__u32)bpf_get_current_pid_tgid())
		return;
	__sync_lock_test_and_set(&sh->slot[i].ready, 0);
	__sync_lock_test_and_set(&sh->slot[i].claim, 0);
}

/* Claim a slot of @sh for access @a, published before the caller looks at the others. */
static __always_inline int mw_race_claim(struct mw_share *sh, const struct mw_share_access *a)
{
	__u32 i;

	for (i = 0; i < MW_RACE_SLOTS; i++) {
		if (__sync_val_compare_and_swap(&sh->slot[i].claim, 0, a->tid) != 0)
			continue;
		sh->slot[i].a = *a;
		__sync_lock_test_and_set(&sh->slot[i].ready, a->ns);
		return i;
	}
	mw_stat_inc(MW_STAT_RACE_SLOTS_FULL);
	return -1;
}

/*
 * What a race rule works on, per CPU rather than on the stack that the
 * rules' chain of global functions shares (512 bytes in all): a copy of the
 * object it judges, whichever map it came from (the rules then see one kind
 * of pointer, and the verifier walks them once, not once per map), this
 * access and the other task's. Only kprobe programs run these rules (and
 * the unit tests' entries), and they never nest on a CPU.
 */
struct mw_race_work {
	struct mw_object obj;
	struct mw_share_access self;
	struct mw_share_access other;
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_race_work);
} mw_race_scratch_t;
mw_race_scratch_t mw_race_scratch __weak SEC(".maps");

/* Another task's copy in flight on @sh that @a overlaps, one of them writing: data_race. */
static __always_inline void mw_race_check(struct mw_share *sh, struct mw_race_work *w, int mine)
{
	const struct mw_share_access *a = &w->self;
	struct mw_share_access *other = &w->other;
	__u64 ready, start, len;
	__u32 i;

	for (i = 0; i < MW_RACE_SLOTS; i++) {
		if ((int)i == mine)
			continue;
		ready = sh->slot[i].ready;
		if (!ready || sh->slot[i].claim == a->tid)
			continue;
		*other = sh->slot[i].a;
		if (sh->slot[i].ready != ready || other->tid == a->tid)
			continue;	/* that copy ended meanwhile */
		if (a->dir != MW_FROM_USER && other->dir != MW_FROM_USER)
			continue;	/* two readers */
		len = mw_overlap(a, other, &start);
		if (len && !mw_locks_shared(a, other))
			mw_report_shared(MW_DATA_RACE, &w->obj, a, other, start, len);
	}
}

/* @common keeps only the locks @a holds too; returns how many are left. Global, as above. */
MW_GLOBAL int mw_lockset_meet(struct mw_share *sh, const struct mw_share_access *a)
{
	__u64 keep[MW_RACE_LOCKS] = {};
	__u32 i, n = 0;

	if (!sh || !a)
		return 0;
	for (i = 0; i < MW_RACE_LOCKS; i++) {
		if (i >= sh->nr_common)
			break;
		if (mw_lock_in(a->locks, a->nr_locks, sh->common[i]) && n < MW_RACE_LOCKS)
			keep[n++] = sh->common[i];
	}
	for (i = 0; i < MW_RACE_LOCKS; i++)
		sh->common[i] = keep[i];
	sh->nr_common = n;
	return n;
}

/*
 * Access @a by its task: ownership moves, or the object is shared and its
 * lockset narrows. The other task's latest access is @sh->last[1] once the
 * owner changed at least once.
 */
static __always_inline void mw_lockset_access(struct mw_share *sh, const struct mw_object *o,
					      const struct mw_share_access *a)
{
	bool write = a->dir == MW_FROM_USER;

	if (a->tid == sh->owner) {
		sh->last[0] = *a;
	} else {
		bool back = a->tid == sh->prev;

		sh->last[1] = sh->last[0];
		sh->last[0] = *a;
		sh->prev = sh->owner;
		sh->owner = a->tid;
		if (back && sh->state == MW_SHARE_EXCLUSIVE) {
			/* Turns taken: from here on every access counts. */
			sh->state = MW_SHARE_SHARED;
			if (sh->last[1].nr_locks > MW_RACE_LOCKS) {
				mw_stat_inc(MW_STAT_LOCKSET_PARTIAL);
				sh->nr_common = MW_RACE_LOCKS + 1;	/* unknown: never empties */
				return;
			}
			for (int i = 0; i < MW_RACE_LOCKS; i++)
				sh->common[i] = sh->last[1].locks[i];
			sh->nr_common = sh->last[1].nr_locks;
			sh->written = sh->last[1].dir == MW_FROM_USER;
		}
	}
	if (sh->state != MW_SHARE_SHARED)
		return;
	sh->written |= write;
	if (sh->nr_common > MW_RACE_LOCKS)
		return;
	if (a->nr_locks > MW_RACE_LOCKS) {
		mw_stat_inc(MW_STAT_LOCKSET_PARTIAL);
		return;
	}
	if (mw_lockset_meet(sh, a) || !sh->written || sh->reported || !sh->last[1].tid)
		return;
	sh->reported = 1;
	mw_report_shared(MW_UNPROTECTED_SHARED_ACCESS, o, a, &sh->last[1], 0, 0);
}

/* The sharing state of live object @o, for this lifetime of it. */
static __always_inline struct mw_share *mw_share_of(const struct mw_object *o)
{
	struct mw_share *sh;
	__u64 addr = o->addr;

	sh = bpf_map_lookup_elem(&mw_shares, &addr);
	if (sh && sh->alloc_ns == o->alloc_ns)
		return sh;
	if (bpf_map_update_elem(&mw_shares, &addr, &mw_share_zero, BPF_ANY)) {
		mw_stat_inc(MW_STAT_SHARES_FULL);
		return NULL;
	}
	sh = bpf_map_lookup_elem(&mw_shares, &addr);
	if (!sh)
		return NULL;
	sh->alloc_ns = o->alloc_ns;
	return sh;
}

/* The watched modules' writable static objects, filled by the daemon (include/races.h). */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MW_STATICS);
	__type(key, __u32);
	__type(value, struct mw_object);
} mw_statics_t;
mw_statics_t mw_statics __weak SEC(".maps");

typedef struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_STATICS);
	__type(key, __u64);
	__type(value, struct mw_static_page);
} mw_static_pages_t;
mw_static_pages_t mw_static_pages __weak SEC(".maps");

/* A binary search of a page's run of mw_statics: [lo, hi) holds the one sought. */
struct mw_static_search {
	__u64 addr;
	__u32 lo;
	__u32 hi;
};

/* bpf_loop callback: one halving (a callback, so the verifier walks one, not fourteen). */
static long mw_static_step(__u32 i, struct mw_static_search *st)
{
	__u32 mid = st->lo + (st->hi - st->lo) / 2;
	struct mw_object *o;

	if (st->hi - st->lo <= 1)
		return 1;
	o = bpf_map_lookup_elem(&mw_statics, &mid);
	if (!o)
		return 1;
	if (o->addr <= st->addr)
		st->lo = mid;
	else
		st->hi = mid;
	return 0;
}

/* The static object of a watched module that holds @addr, if any. */
static __always_inline struct mw_object *mw_static_find(__u64 addr)
{
	__u64 page = addr >> MW_PAGE_SHIFT;
	struct mw_static_page *pg = bpf_map_lookup_elem(&mw_static_pages, &page);
	struct mw_static_search st;
	struct mw_object *o;

	if (!pg || !pg->count)
		return NULL;
	/* The last of the page's run that starts at or below @addr. */
	st.addr = addr;
	st.lo = pg->first;
	st.hi = pg->first + pg->count;
	bpf_loop(MW_STATIC_SEARCH, mw_static_step, &st, 0);
	o = bpf_map_lookup_elem(&mw_statics, &st.lo);
	if (!o || addr < o->addr || addr - o->addr >= o->size)
		return NULL;
	return o;
}

/*
 * The module object the copy at @s on [kaddr, +len) touches, copied into
 * @w: the live heap object mw_copy_begin() put in @c, else the static
 * object holding @kaddr. A heap object is marked as having sharing state
 * (its free deletes it). False: none.
 */
static __always_inline bool mw_race_object(const struct mw_site *s, const struct mw_copy *c,
					   __u64 kaddr, struct mw_race_work *w)
{
	struct mw_object *o;
	__u64 obj;

	if (!(c->flags & MW_COPY_IN_FLIGHT) || c->site != s->addr || c->kaddr != kaddr) {
		o = mw_static_find(kaddr);
	} else {
		obj = c->obj;
		o = bpf_map_lookup_elem(&mw_objects, &obj);
		if (!o || o->alloc_ns != c->alloc_ns)
			return false;
		if (!(o->flags & MW_OBJ_SHARED))
			__sync_fetch_and_or(&o->flags, MW_OBJ_SHARED);
	}
	if (!o)
		return false;
	w->obj = *o;
	return true;
}

/* The copy at @s on [kaddr, +len); @returns: a probe sees the call return. */
MW_GLOBAL int mw_race_copy(const struct mw_site *s, __u64 kaddr, __u64 len, bool write,
			   bool returns)
{
	struct mw_copy *c = mw_copy_state(true);
	struct mw_race_work *w;
	struct mw_share *sh;
	__u32 zero = 0;
	int mine = -1;

	w = bpf_map_lookup_elem(&mw_race_scratch, &zero);
	if (!c || !s || !w)
		return 0;
	mw_race_release(c);
	if (!mw_race_object(s, c, kaddr, w))
		return 0;
	sh = mw_share_of(&w->obj);
	if (!sh)
		return 0;
	w->self = (struct mw_share_access){};
	mw_access_fill(&w->self, s, kaddr, len, write);
	if (returns) {
		mine = mw_race_claim(sh, &w->self);
		if (mine >= 0) {
			c->race_obj = w->obj.addr;
			c->race_slot = mine + 1;
		}
		mw_race_check(sh, w, mine);
	}
	mw_lockset_access(sh, &w->obj, &w->self);
	return 0;
}

#endif /* MODWATCH_RACES_BPF_H */
