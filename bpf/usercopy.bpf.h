/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-slice rules, checked at a watched module's own calls to the
 * user-copy functions (one kprobe per call instruction):
 *
 * - user_slice_overrun: a copy that starts inside the slice the system call
 *   declared (read/write/pread64/pwrite64: buf, count) but ends past it.
 *   Copies wholly outside the slice are nested user pointers, not violations.
 * - ioctl_size_mismatch (a warning): the same for an ioctl's arg and
 *   _IOC_SIZE(cmd), which real drivers legitimately exceed (see events.h).
 * - double_fetch: a fetch overlapping one the same task made earlier in the
 *   same system call. Rust's UserSlicePtr reader consumes what it reads, so
 *   a second read of the same bytes is impossible there; here it is the race
 *   a concurrent writer can win. The first bytes of every fetch are kept so
 *   the report can say whether they changed in between.
 * - heap_overflow_write/read: the kernel side of the copy lies in a tracked
 *   heap object and the copy runs past the object's requested size.
 */
#ifndef MODWATCH_USERCOPY_BPF_H
#define MODWATCH_USERCOPY_BPF_H

#include "common.bpf.h"
#include "copies.bpf.h"
#include "heap.bpf.h"
#include "races.bpf.h"
#include "sites.bpf.h"
#include "usercopy.h"

/* x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define MW_NR_READ	0
#define MW_NR_WRITE	1
#define MW_NR_IOCTL	16
#define MW_NR_PREAD64	17
#define MW_NR_PWRITE64	18

/* include/uapi/asm-generic/ioctl.h */
#define MW_IOC_SIZE(cmd) (((cmd) >> 16) & ((1u << 14) - 1))

typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct mw_epoch);
} mw_epochs_t;
mw_epochs_t mw_epochs __weak SEC(".maps");

/* Kernel threads and io_uring workers have no syscall boundaries to reset epochs at. */
static __always_inline bool mw_task_has_epochs(void)
{
	return mw_task_has_syscalls();
}

/* The user slice @sc declares, if any: [*start, *start + *len); ioctls apart. */
static __always_inline bool mw_syscall_slice(const struct mw_syscall *sc, __u64 *start,
					     __u64 *len)
{
	switch (sc->nr) {
	case MW_NR_READ:
	case MW_NR_WRITE:
	case MW_NR_PREAD64:
	case MW_NR_PWRITE64:
		*start = sc->arg[1];
		*len = sc->arg[2];
		return true;
	case MW_NR_IOCTL:
		*start = sc->arg[2];
		*len = MW_IOC_SIZE((__u32)sc->arg[1]);
		return *len != 0;
	}
	return false;
}

/* An ioctl copying past _IOC_SIZE(cmd): a warning, once per module, site and command. */
static __always_inline void mw_report_ioctl_size(const struct mw_site *s,
						 const struct mw_syscall *sc, __u64 start,
						 __u64 slen, __u64 uaddr, __u64 len, __u32 dir)
{
	__u32 cmd = sc->arg[1];
	struct mw_event *e;

	e = mw_report(MW_IOCTL_SIZE_MISMATCH, MW_EVENT_SIZE(ioctl_size_mismatch), s->addr,
		      s->module_id, cmd);
	if (!e)
		return;
	e->hdr.flags |= MW_EV_WARNING;
	e->ioctl_size_mismatch.slice_start = start;
	e->ioctl_size_mismatch.slice_len = slen;
	e->ioctl_size_mismatch.copy_start = uaddr;
	e->ioctl_size_mismatch.copy_len = len;
	e->ioctl_size_mismatch.cmd = cmd;
	e->ioctl_size_mismatch.dir = dir;
	mw_report_send(e);
}

/* A copy at @s of user [uaddr, +len) in system call @sc, @dir: against its declared slice. */
MW_GLOBAL int mw_check_slice(const struct mw_site *s, const struct mw_syscall *sc, __u64 uaddr,
			     __u64 len, __u32 dir)
{
	__u64 start, slen;
	struct mw_event *e;

	if (!s || !sc || !mw_syscall_slice(sc, &start, &slen))
		return 0;
	if (uaddr < start || uaddr >= start + slen || uaddr + len <= start + slen)
		return 0;
	if (sc->nr == MW_NR_IOCTL) {
		mw_report_ioctl_size(s, sc, start, slen, uaddr, len, dir);
		return 0;
	}
	e = mw_report(MW_USER_SLICE_OVERRUN, MW_EVENT_SIZE(user_slice_overrun), s->addr,
		      s->module_id, sc->nr);
	if (!e)
		return 0;
	e->user_slice_overrun.slice_start = start;
	e->user_slice_overrun.slice_len = slen;
	e->user_slice_overrun.copy_start = uaddr;
	e->user_slice_overrun.copy_len = len;
	e->user_slice_overrun.syscall_nr = sc->nr;
	e->user_slice_overrun.dir = dir;
	mw_report_send(e);
	return 0;
}

/* Bytes a copy to user space takes that the module never wrote. */
struct mw_uninit {
	__u64 len;		/* how many */
	__u64 first;		/* object offsets: the first ... */
	__u64 end;		/* ... and the end of the last */
};

/* The poison scan's state, across its 64-byte steps. */
struct mw_poison_scan {
	__u8 buf[MW_CMP_MAX];
	__u64 kaddr;		/* the copy's kernel side */
	__u64 len;
	__u64 off;		/* the copy's offset in its object */
	__u64 run_start;	/* copy offset of the current run of poison */
	__u64 run;
	struct mw_uninit u;
};

static __always_inline void mw_poison_run_end(struct mw_poison_scan *p)
{
	if (p->run >= MW_UNINIT_RUN) {
		if (!p->u.len)
			p->u.first = p->off + p->run_start;
		p->u.len += p->run;
		p->u.end = p->off + p->run_start + p->run;
	}
	p->run = 0;
}

/*
 * bpf_loop callback: byte @i of the copy, read 64 bytes at a time. One
 * callback per byte keeps the verifier's work to one pass over it.
 */
static long mw_poison_step(__u32 i, void *ctx)
{
	struct mw_poison_scan *p = *(struct mw_poison_scan **)ctx;

	if (!p || i >= p->len)
		return 1;
	if (!(i & (MW_CMP_MAX - 1)) &&
	    bpf_probe_read_kernel(p->buf, mw_cmp_len(p->len - i), (void *)(p->kaddr + i)))
		return 1;
	if (p->buf[i & (MW_CMP_MAX - 1)] != MW_POISON_FREE) {
		mw_poison_run_end(p);
		return 0;
	}
	if (!p->run)
		p->run_start = i;
	p->run++;
	return 0;
}

/*
 * The scan's state lives in map memory, whose contents the verifier does
 * not track: the callback's counters then do not keep its states apart,
 * and verifiers that walk bpf_loop() like a loop converge at once.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_poison_scan);
} mw_poison_scratch_t;
mw_poison_scratch_t mw_poison_scratch __weak SEC(".maps");

/* A poisoned object (MW_OBJ_POISONED): its unwritten bytes in the copy, one by one. */
static __always_inline void mw_uninit_poison(__u64 kaddr, __u64 len, __u64 off,
					     struct mw_uninit *u)
{
	struct mw_poison_scan *p;
	__u32 zero = 0;

	p = bpf_map_lookup_elem(&mw_poison_scratch, &zero);
	if (!p)
		return;
	p->kaddr = kaddr;
	p->len = len;
	p->off = off;
	p->run = 0;
	p->run_start = 0;
	p->u.len = 0;
	p->u.first = 0;
	p->u.end = 0;
	bpf_loop(MW_UNINIT_SCAN, mw_poison_step, &p, 0);	/* ctx: on the stack */
	mw_poison_run_end(p);
	u->len = p->u.len;
	u->first = p->u.first;
	u->end = p->u.end;
}

/*
 * uninit_leak: bytes of the copy the module never wrote. In a poisoned
 * object each one, anywhere in the copy's first MW_UNINIT_SCAN bytes; else,
 * of the copied bytes within the object's first MW_ALLOC_SNAP, all still
 * exactly as the allocator left them (stale data: a written byte equals the
 * old one by chance 1 in 256 times, so they must all be). Bytes that are all
 * zero leak nothing (init_on_alloc) and do not count. Returns how many.
 */
static __always_inline __u64 mw_uninit_bytes(const struct mw_object *o, __u64 kaddr, __u64 len,
					     struct mw_uninit *u)
{
	__u64 off = kaddr - o->addr, n;
	struct mw_snap *snap;
	struct mw_cmp *c;

	if (o->flags & MW_OBJ_POISONED) {
		mw_uninit_poison(kaddr, len, off, u);
		return u->len;
	}
	if (!(o->flags & MW_OBJ_SNAPSHOT) || off >= MW_ALLOC_SNAP || off >= o->size)
		return 0;
	snap = bpf_map_lookup_elem(&mw_snaps, &o->addr);
	if (!snap)
		return 0;
	n = MW_ALLOC_SNAP - off;
	if (n > len)
		n = len;
	if (n > o->size - off)
		n = o->size - off;
	n = mw_cmp_len(n);
	c = mw_cmp_buf();
	if (!c || bpf_probe_read_kernel(c->a, n, (void *)kaddr) ||
	    bpf_probe_read_kernel(c->b, n, snap->bytes + (off & (MW_ALLOC_SNAP - 1))))
		return 0;
	c->n = n;
	mw_cmp_run(c);
	if (c->same != n || !c->nonzero)
		return 0;
	u->len = n;
	u->first = off;
	u->end = off + n;
	return n;
}

static __always_inline void mw_report_uninit(const struct mw_site *s, struct mw_object *o,
					     __u64 kaddr, __u64 len, const struct mw_uninit *u)
{
	struct mw_event *e;

	e = mw_report(MW_UNINIT_LEAK, MW_EVENT_SIZE(uninit_leak), s->addr, s->module_id,
		      o->alloc_site);
	if (!e)
		return;
	e->uninit_leak.obj = *o;
	e->uninit_leak.copy_addr = kaddr;
	e->uninit_leak.copy_len = len;
	e->uninit_leak.uninit_len = u->len;
	e->uninit_leak.first_off = u->first;
	e->uninit_leak.end_off = u->end;
	mw_report_send(e);
}

/* A live object a copy lies within: its record's start and lifetime. */
struct mw_live {
	__u64 addr;	/* 0: none */
	__u64 alloc_ns;
};

/*
 * The kernel side [kaddr, kaddr + len) of a copy at @s against the heap
 * tracker: past a live object's requested size (heap_overflow_*), bytes
 * the module never wrote going to user space (uninit_leak), or a freed
 * object (use_after_free). *@live: the live object the copy lies within.
 */
MW_GLOBAL int mw_kernel_side_rules(const struct mw_site *s, __u64 kaddr, __u64 len, bool to_user,
				   struct mw_live *live)
{
	struct mw_uninit u = {};
	struct mw_object *o;

	if (!s || !live)
		return 0;
	live->addr = 0;
	live->alloc_ns = 0;
	o = mw_heap_find(&mw_objects, MW_IN_OBJECTS, kaddr);
	if (o) {
		if (kaddr + len > o->addr + o->size) {
			mw_report_heap_overflow(s->addr, s->module_id, o, kaddr, len,
						to_user ? MW_HEAP_OVERFLOW_READ
							: MW_HEAP_OVERFLOW_WRITE, 0);
			return 0;
		}
		if (to_user && mw_uninit_bytes(o, kaddr, len, &u))
			mw_report_uninit(s, o, kaddr, len, &u);
		live->addr = o->addr;
		live->alloc_ns = o->alloc_ns;
		return 0;
	}
	o = mw_heap_find(&mw_quarantine, MW_IN_QUARANTINE, kaddr);
	if (o) {
		mw_report_uaf(s, o, kaddr, len,
			      to_user ? MW_ACCESS_COPY_TO_USER : MW_ACCESS_COPY_FROM_USER, false);
		return 0;
	}
	o = mw_heap_find(&mw_reused, MW_IN_REUSED, kaddr);
	if (o)
		mw_report_reused((struct mw_reuse *)o, s->addr, s->module_id, MW_USE_AFTER_FREE,
				 kaddr, len,
				 to_user ? MW_ACCESS_COPY_TO_USER : MW_ACCESS_COPY_FROM_USER);
	return 0;
}

/*
 * A copy at @s of [kaddr, +len) lies within live object @obj (its lifetime:
 * @alloc_ns): the probe after the call checks it again (mw_copy_return()).
 */
static __always_inline void mw_copy_begin(const struct mw_site *s, struct mw_copy *c, __u64 kaddr,
					  __u64 len, __u64 obj, __u64 alloc_ns, bool to_user)
{
	if (!c)
		c = mw_copy_state(true);
	if (!c)
		return;
	c->kaddr = kaddr;
	c->len = len;
	c->site = s->addr;
	c->obj = obj;
	c->alloc_ns = alloc_ns;
	c->call_ns = bpf_ktime_get_ns();
	c->flags = MW_COPY_IN_FLIGHT | (to_user ? MW_COPY_TO_USER : 0);
}

/*
 * A copy's kernel side: checked here unless hardened usercopy's check just
 * before this copy call checked it (mw_check_object_size()), so that one
 * bug makes one report; then the copy is in flight if it touches a live
 * object.
 */
MW_GLOBAL int mw_check_kernel_side(const struct mw_site *s, __u64 kaddr, __u64 len, bool to_user)
{
	struct mw_live live = {};
	struct mw_copy *c;

	if (!s || !kaddr)
		return 0;
	c = mw_copy_state(false);
	if (c && (c->flags & MW_COPY_CHECKED) && c->kaddr == kaddr && c->len == len) {
		live.addr = c->obj;
		live.alloc_ns = c->alloc_ns;
	} else {
		mw_kernel_side_rules(s, kaddr, len, to_user, &live);
	}
	if (c)
		c->flags = 0;
	if (live.addr)
		mw_copy_begin(s, c, kaddr, len, live.addr, live.alloc_ns, to_user);
	return 0;
}

/*
 * The module's call to __check_object_size(ptr, n, to_user): hardened
 * usercopy, inlined into copy_{from,to}_user() before the copy call. On a
 * copy past a slab object it BUGs before the copy call's probe would run,
 * so the kernel side is checked here first, and the copy's probe told.
 */
MW_GLOBAL int mw_check_object_size(const struct mw_site *s, __u64 ptr, __u64 n, bool to_user)
{
	struct mw_live live = {};
	struct mw_copy *c;

	if (!s || !ptr || !n)
		return 0;
	mw_kernel_side_rules(s, ptr, n, to_user, &live);
	c = mw_copy_state(true);
	if (!c)
		return 0;
	c->kaddr = ptr;
	c->len = n;
	c->obj = live.addr;
	c->alloc_ns = live.alloc_ns;
	c->flags = MW_COPY_CHECKED;
	return 0;
}

/*
 * The instruction after the copy call at @s: the copy is over. The object
 * it touched, live at the call, was freed meanwhile (same lifetime, freed
 * after the call): the copy ran on freed memory.
 */
MW_GLOBAL int mw_copy_return(const struct mw_site *s)
{
	struct mw_copy *c = mw_copy_state(false);
	struct mw_object *o;
	__u32 flags;
	__u64 obj;

	if (!c || !s)
		return 0;
	mw_race_release(c);
	if (!(c->flags & MW_COPY_IN_FLIGHT) || c->site != s->addr)
		return 0;
	flags = c->flags;
	c->flags = 0;
	obj = c->obj;
	o = bpf_map_lookup_elem(&mw_objects, &obj);
	if (o && o->alloc_ns == c->alloc_ns)
		return 0;	/* still live: the usual case */
	o = bpf_map_lookup_elem(&mw_quarantine, &obj);
	if (!o || o->alloc_ns != c->alloc_ns || o->free_ns < c->call_ns)
		return 0;
	mw_report_uaf(s, o, c->kaddr, c->len,
		      flags & MW_COPY_TO_USER ? MW_ACCESS_COPY_TO_USER : MW_ACCESS_COPY_FROM_USER,
		      true);
	return 0;
}

/* Do the overlapping bytes differ between the earlier fetch @f and user memory now? */
static __always_inline __u32 mw_bytes_changed(const struct mw_fetch *f, __u64 ostart, __u64 olen)
{
	__u64 skip = ostart - f->start, n;
	struct mw_cmp *c;

	if (skip >= f->snap_len)
		return MW_CHANGED_UNKNOWN;	/* the overlap lies past the kept bytes */
	n = f->snap_len - skip;
	if (n > olen)
		n = olen;
	n = mw_cmp_len(n);
	c = mw_cmp_buf();
	/* skip < snap_len <= MW_SNAP_LEN: the mask only tells the verifier so. */
	if (!c || bpf_probe_read_user(c->a, n, (void *)ostart) ||
	    bpf_probe_read_kernel(c->b, n, f->snap + (skip & (MW_SNAP_LEN - 1))))
		return MW_CHANGED_UNKNOWN;
	c->n = n;
	mw_cmp_run(c);
	return c->same == n ? MW_CHANGED_NO : MW_CHANGED_YES;
}

static __always_inline void mw_report_double_fetch(const struct mw_site *s,
						   const struct mw_fetch *f, __u64 uaddr, __u64 len,
						   __u64 syscall_nr)
{
	__u64 ostart = uaddr > f->start ? uaddr : f->start;
	__u64 oend = uaddr + len < f->start + f->len ? uaddr + len : f->start + f->len;
	__u32 changed = mw_bytes_changed(f, ostart, oend - ostart);
	struct mw_event *e;

	/* A won race (the bytes changed) is stronger evidence: it gets a report of its own. */
	e = mw_report(MW_DOUBLE_FETCH, MW_EVENT_SIZE(double_fetch), s->addr, s->module_id,
		      changed == MW_CHANGED_YES ? f->site ^ MW_DEDUP_CHANGED : f->site);
	if (!e)
		return;
	e->double_fetch.first_site = f->site;
	e->double_fetch.user_addr = ostart;
	e->double_fetch.overlap_len = oend - ostart;
	e->double_fetch.first_size = f->len;
	e->double_fetch.second_size = len;
	e->double_fetch.changed = changed;
	e->double_fetch.syscall_nr = syscall_nr;
	mw_report_send(e);
}

/* Remember this fetch and its first bytes in the task's epoch. */
static __always_inline void mw_epoch_add(struct mw_epoch *ep, __u64 site, __u64 uaddr, __u64 len)
{
	struct mw_fetch *f;
	__u32 n = ep->nr, snap;

	if (n >= MW_EPOCH_FETCHES) {
		mw_stat_inc(MW_STAT_EPOCH_FULL);
		return;
	}
	f = &ep->f[n];
	f->start = uaddr;
	f->len = len;
	f->site = site;
	snap = len < MW_SNAP_LEN ? len : MW_SNAP_LEN;
	f->snap_len = bpf_probe_read_user(f->snap, snap, (void *)uaddr) ? 0 : snap;
	ep->nr = n + 1;
}

/*
 * The epoch of this task's current call into a watched module, begun anew
 * if it held another call's fetches; NULL when the fetch in system call
 * @sysid is in no call an entry point saw (a path from an entry point that
 * could not be probed): without a known start, fetches are not compared.
 */
static __always_inline struct mw_epoch *mw_epoch_of_call(__u32 sysid)
{
	struct mw_call *c = mw_call_of_task(false);
	struct mw_epoch *ep;

	if (!c || c->sysid != sysid)
		return NULL;
	ep = bpf_task_storage_get(&mw_epochs, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ep) {
		mw_stat_inc(MW_STAT_EPOCH_NO_STORAGE);
		return NULL;
	}
	if (ep->gen != c->gen) {
		ep->nr = 0;
		ep->gen = c->gen;
	}
	return ep;
}

/* A fetch at @s of [uaddr, uaddr + len) in @sc: report the first earlier fetch it overlaps. */
MW_GLOBAL int mw_check_double_fetch(const struct mw_site *s, const struct mw_syscall *sc,
				    __u64 uaddr, __u64 len)
{
	struct mw_epoch *ep;
	__u32 i;

	if (!s || !sc)
		return 0;
	ep = mw_epoch_of_call(sc->id);
	if (!ep)
		return 0;
	for (i = 0; i < MW_EPOCH_FETCHES; i++) {
		struct mw_fetch *f = &ep->f[i];

		if (i >= ep->nr)
			break;
		if (uaddr < f->start + f->len && f->start < uaddr + len) {
			mw_report_double_fetch(s, f, uaddr, len, sc->nr);
			break;
		}
	}
	mw_epoch_add(ep, s->addr, uaddr, len);
	return 0;
}

/* A fetch from user memory: copy_from_user (kdst set), get_user, strncpy_from_user. */
MW_GLOBAL int mw_user_fetch(const struct mw_site *s, const struct mw_syscall *sc, __u64 kdst,
			    __u64 uaddr, __u64 len)
{
	if (!s || !sc || !len)
		return 0;
	mw_check_kernel_side(s, kdst, len, false);
	if (!mw_task_has_epochs())
		return 0;
	mw_check_slice(s, sc, uaddr, len, MW_FROM_USER);
	mw_check_double_fetch(s, sc, uaddr, len);
	return 0;
}

/* A copy to user memory: copy_to_user (ksrc set), put_user. */
MW_GLOBAL int mw_user_store(const struct mw_site *s, const struct mw_syscall *sc, __u64 uaddr,
			    __u64 ksrc, __u64 len)
{
	if (!s || !sc || !len)
		return 0;
	mw_check_kernel_side(s, ksrc, len, true);
	if (mw_task_has_epochs())
		mw_check_slice(s, sc, uaddr, len, MW_TO_USER);
	return 0;
}

/* User addresses have bit 63 clear, with 4- and 5-level paging alike. */
static __always_inline bool mw_is_user(__u64 addr)
{
	return (__s64)addr >= 0;
}

/* 6.4 renamed iov_iter's iov to __iov ("iov_iter: add iter_iovec() helper"). */
struct iov_iter___new {
	const struct iovec *__iov;
} __attribute__((preserve_access_index));

/*
 * Where the next bytes of iov_iter @i are in user memory, and how many are
 * in that segment; 0 for an iter over kernel memory (kvec, bvec, pipe...).
 * Only ubuf and iovec iters are user memory (the kernel's user_backed_iter();
 * the user_backed field it reads on 6.1 is gone from later kernels).
 */
static __always_inline __u64 mw_iter_user(struct iov_iter *i, __u64 *seg)
{
	__u8 type = BPF_CORE_READ(i, iter_type);
	__u64 off = BPF_CORE_READ(i, iov_offset);
	const struct iovec *iov;

	if (type == bpf_core_enum_value(enum iter_type, ITER_UBUF)) {
		*seg = BPF_CORE_READ(i, count);
		return (__u64)BPF_CORE_READ(i, ubuf) + off;
	}
	if (type != bpf_core_enum_value(enum iter_type, ITER_IOVEC))
		return 0;
	if (bpf_core_field_exists(i->iov))
		iov = BPF_CORE_READ(i, iov);
	else
		iov = BPF_CORE_READ((struct iov_iter___new *)i, __iov);
	*seg = BPF_CORE_READ(iov, iov_len) - off;
	return (__u64)BPF_CORE_READ(iov, iov_base) + off;
}

/*
 * _copy_to_iter(kaddr, len, i) or _copy_from_iter(kaddr, len, i) at @s:
 * the kernel side always; the user side (its first segment) when the iter
 * is user memory, which is also when the copy may fault and sleep.
 */
MW_GLOBAL int mw_iter_copy(const struct mw_site *s, __u64 kaddr, __u64 len, __u64 iter,
			   bool to_user)
{
	struct mw_syscall sc;
	__u64 seg = 0, uaddr;

	if (!s || !len)
		return 0;
	uaddr = mw_iter_user((struct iov_iter *)iter, &seg);
	if (!uaddr) {
		mw_check_kernel_side(s, kaddr, len, to_user);
		return 0;
	}
	mw_locks_may_sleep(s, s->callee, 0);
	mw_current_syscall(&sc);
	if (to_user)
		mw_user_store(s, &sc, uaddr, kaddr, len < seg ? len : seg);
	else
		mw_user_fetch(s, &sc, kaddr, uaddr, len < seg ? len : seg);
	return 0;
}

/*
 * Is the entry point that runs at @sp in system call @sysid called from
 * inside @c, the task's open call? Only if that one is in the same system
 * call, shallower on the stack, and still running: its return address is
 * still in its slot (once it returned, later frames wrote over it).
 */
static __always_inline bool mw_call_nested(const struct mw_call *c, __u64 sp, __u32 sysid)
{
	__u64 ret = 0;

	if (!c->gen || c->sysid != sysid || sp >= c->sp)
		return false;
	return !bpf_probe_read_kernel(&ret, sizeof(ret), (void *)c->sp) && ret == c->ret;
}

/*
 * An entry point of a watched module runs, the stack pointer at @sp (its
 * return address there: @ret), in system call @call (mw_syscall_now()): a
 * new outermost call unless the task's open one called it. A new call
 * starts a new double-fetch epoch (mw_epoch_of_call()); a new system call
 * is where locks held from an earlier one are judged.
 */
MW_GLOBAL int mw_call_enter(__u64 sp, __u64 ret, __u64 call)
{
	struct mw_call *c = mw_call_of_task(true);
	__u32 sysid = MW_SYSID(call);

	if (!c) {
		mw_stat_inc(MW_STAT_EPOCH_NO_STORAGE);
		return 0;
	}
	if (mw_call_nested(c, sp, sysid))
		return 0;
	c->gen = c->gen + 1 ? c->gen + 1 : 1;
	c->sp = sp;
	c->ret = ret;
	if (c->sysid == sysid)
		return 0;
	c->sysid = sysid;
	mw_locks_new_syscall(sysid);
	return 0;
}

#endif /* MODWATCH_USERCOPY_BPF_H */
