/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every BPF feature shares: the ring buffer, the per-CPU counters, the
 * daemon's configuration and the one way to emit a violation.
 */
#ifndef MODWATCH_COMMON_BPF_H
#define MODWATCH_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"
#include "stats.h"
#include "stacks.h"

#ifndef E2BIG
#define E2BIG 7
#endif
#ifndef EEXIST
#define EEXIST 17
#endif

/* Sized by the daemon (--ringbuf-kb) before load. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} mw_events_t;
mw_events_t mw_events __weak SEC(".maps");

typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MW_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} mw_stats_t;
mw_stats_t mw_stats __weak SEC(".maps");

typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_DEDUP_ENTRIES);
	__type(key, struct mw_dedup_key);
	__type(value, struct mw_dedup_val);
} mw_dedup_t;
mw_dedup_t mw_dedup __weak SEC(".maps");

/*
 * Kernel stacks, each kept once (the kernel hashes them; ids are stable,
 * as nothing is deleted), for reports, allocations, frees and lock
 * acquires: see mw_stack(). The daemon sizes it before load: value_size
 * is 8 bytes per frame of --stack-depth, max_entries --stack-entries.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MW_STACK_DEPTH_MAX * sizeof(__u64));
	__uint(max_entries, MW_STACK_ENTRIES);
} mw_stacks_t;
mw_stacks_t mw_stacks __weak SEC(".maps");

/* The daemon's own thread group: it must not report on itself (feedback loop). */
extern const volatile __u32 mw_self_tgid;
/* --every: report every occurrence, not only the first per dedup key. */
extern const volatile bool mw_every;
/* The crash log (on unless --no-crash-log): see mw_crash_line(). */
extern const volatile bool mw_crash_log;
/*
 * --kind (a mask of 1 << kind), --pid (a thread group), --comm: 0 and "" for
 * all. The kinds may change while the programs run (SIGHUP), so are not const.
 */
extern volatile __u32 mw_only_kinds;
extern const volatile __u32 mw_only_tgid;
extern const volatile char mw_only_comm[MW_COMM_LEN];
/* --stacks: which stacks are kept, MW_STACKS_*; 0 with --stack-depth 0. */
extern const volatile __u32 mw_stacks_on;

/* include/linux/sched.h: not in BTF, stable for years. */
#define PF_IO_WORKER	0x00000010
#define PF_KTHREAD	0x00200000

/* Kernel threads and io_uring workers never return from a system call. */
static __always_inline bool mw_task_has_syscalls(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return !(t->flags & (PF_KTHREAD | PF_IO_WORKER));
}

/*
 * raw_syscalls:sys_exit fires for every system call of every process, and
 * has work only for a task that ran a watched module's code in that call
 * (a fetch that opened a double-fetch epoch, a lock acquire). Such a task
 * raises its flag and this count; the hook does nothing while the count is
 * 0: one load. A task that dies with its flag up (no sys_exit) leaves the
 * count high, which costs time, never a report. Kernel threads, which
 * never get to sys_exit, never raise it.
 */
extern __u64 mw_exit_work;

static __always_inline void mw_exit_work_mark(__u32 *flag)
{
	if (mw_task_has_syscalls() && !__sync_fetch_and_or(flag, 1))
		__sync_fetch_and_add(&mw_exit_work, 1);
}

/* At sys_exit: lower the task's flag, if up, and the count with it. */
static __always_inline void mw_exit_work_take(__u32 *flag)
{
	if (__sync_fetch_and_and(flag, 0))
		__sync_fetch_and_sub(&mw_exit_work, 1);
}

static __always_inline void mw_stat_inc(__u32 id)
{
	__u64 *n = bpf_map_lookup_elem(&mw_stats, &id);

	if (n)
		*n += 1;	/* per-CPU slot: no other writer */
}

/*
 * Count this occurrence in mw_dedup; true if it is to be reported: the
 * first, or the first since a report of it was lost. *@v is its entry
 * (NULL when the map had no room for it: then it is reported too).
 */
static __always_inline bool mw_dedup_first(const struct mw_dedup_key *k, struct mw_dedup_val **v)
{
	struct mw_dedup_val n = {};

	*v = bpf_map_lookup_elem(&mw_dedup, k);
	if (!*v) {
		bpf_map_update_elem(&mw_dedup, k, &n, BPF_NOEXIST);
		*v = bpf_map_lookup_elem(&mw_dedup, k);
		if (!*v)
			return true;
	}
	__sync_fetch_and_add(&(*v)->count, 1);
	/* One CPU wins the right to report, however many hit it at once. */
	return !(__sync_fetch_and_or(&(*v)->flags, MW_DEDUP_SENT) & MW_DEDUP_SENT);
}

/*
 * A report of a kind after which the kernel may BUG at once (SLUB's
 * freelist checks on a double or invalid free, a use of memory that is
 * someone else's now) also goes, synchronously, into the kernel's trace
 * buffer: the ring buffer dies with a crashed kernel, while the daemon has
 * the kernel dump the oopsing CPU's trace buffer to the console
 * (ftrace_dump_on_oops), and from there to the serial log, pstore or kdump.
 * %pS: the kernel names the sites as it writes the line.
 */
static __always_inline void mw_crash_line(__u32 kind, __u64 site, __u64 key)
{
	if (!mw_crash_log)
		return;
	switch (kind) {
	case MW_DOUBLE_FREE:
		bpf_printk("modwatch: double_free at %pS, first freed at %pS", site, key);
		break;
	case MW_INVALID_FREE:
		bpf_printk("modwatch: invalid_free at %pS, object allocated at %pS", site, key);
		break;
	case MW_USE_AFTER_FREE:
		bpf_printk("modwatch: use_after_free at %pS, freed at %pS", site, key);
		break;
	case MW_HEAP_OVERFLOW_WRITE:
		bpf_printk("modwatch: heap_overflow_write at %pS, object allocated at %pS", site,
			   key);
		break;
	case MW_HEAP_OVERFLOW_READ:
		bpf_printk("modwatch: heap_overflow_read at %pS, object allocated at %pS", site,
			   key);
		break;
	}
}

/*
 * --kind, --pid, --comm: a report nobody asked for is never made, so its
 * first occurrence by a task that was asked for is not taken for a repeat.
 * Reports made at a module's unload belong to no task of the user's
 * (rmmod's): only the kind filter applies to them.
 */
static __always_inline bool mw_wanted(__u32 kind, __u64 pid_tgid)
{
	char comm[MW_COMM_LEN];
	int i;

	if (mw_only_kinds && !(mw_only_kinds & (1u << (kind & 31))))
		return false;
	if (kind == MW_LEAK_ON_UNLOAD || kind == MW_LOCK_HELD_ON_UNLOAD)
		return true;
	if (mw_only_tgid && (__u32)(pid_tgid >> 32) != mw_only_tgid)
		return false;
	if (!mw_only_comm[0])
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	for (i = 0; i < MW_COMM_LEN; i++) {
		if (comm[i] != mw_only_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/*
 * The kernel stack at this hook, as an id in mw_stacks plus one (0: none),
 * if stacks of class @what are on. In a kprobe the walk starts at the
 * probed instruction (the pt_regs), so the first frame is the module's own
 * call; in a raw tracepoint, at the tracepoint's caller. A stack that finds
 * its hash bucket taken by another is not kept (ids never change meaning:
 * BPF_F_REUSE_STACKID would let a report name another code path's stack)
 * and is counted, as is a walk that failed.
 */
static __always_inline __u32 mw_stack(void *ctx, __u32 what)
{
	long id;

	if (!(mw_stacks_on & what))
		return 0;
	id = bpf_get_stackid(ctx, &mw_stacks, 0);
	if (id < 0) {
		mw_stat_inc(id == -EEXIST ? MW_STAT_STACKS_FULL : MW_STAT_STACKS_FAILED);
		return 0;
	}
	return id + 1;
}

/*
 * Reserve a record of @size bytes for a violation of @kind at @site (its
 * dedup key: @key) and fill its header. A failed reserve is counted per
 * kind, never dropped silently. Returns NULL when there is nothing to fill:
 * a repeat, no room, or the task is the daemon itself.
 */
static __always_inline struct mw_event *__mw_event_reserve(__u32 kind, __u32 size, __u64 site,
							   __u32 module_id, __u64 key)
{
	struct mw_dedup_key k = { .site = site, .key = key, .kind = kind, .module_id = module_id };
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct mw_dedup_val *v = NULL;
	struct mw_event *e;

	if (mw_self_tgid && (__u32)(pid_tgid >> 32) == mw_self_tgid)
		return NULL;
	if (!mw_wanted(kind, pid_tgid))
		return NULL;
	if (!mw_every && !mw_dedup_first(&k, &v))
		return NULL;
	mw_crash_line(kind, site, key);
	e = bpf_ringbuf_reserve(&mw_events, size, 0);
	if (!e) {
		mw_stat_inc(MW_STAT_LOST_BASE + kind);
		if (v)
			__sync_fetch_and_and(&v->flags, ~MW_DEDUP_SENT);
		return NULL;
	}
	e->hdr.kind = kind;
	e->hdr.size = size;
	e->hdr.cpu = bpf_get_smp_processor_id();
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->hdr.pid = pid_tgid >> 32;
	e->hdr.tid = (__u32)pid_tgid;
	e->hdr.module_id = module_id;
	e->hdr.flags = 0;
	e->hdr.site = site;
	e->hdr.stack = 0;
	e->hdr.__pad = 0;
	bpf_get_current_comm(e->hdr.comm, sizeof(e->hdr.comm));
	return e;
}

/*
 * As __mw_event_reserve(), in a hook whose @ctx gives the stack of the
 * violating call (the reports made at unload, in map iterations, have
 * none: the stack there is rmmod's). The walk comes after the dedup: only
 * a report pays for it.
 */
static __always_inline struct mw_event *mw_event_reserve(void *ctx, __u32 kind, __u32 size,
							 __u64 site, __u32 module_id, __u64 key)
{
	struct mw_event *e = __mw_event_reserve(kind, size, site, module_id, key);

	if (e)
		e->hdr.stack = mw_stack(ctx, MW_STACKS_REPORT);
	return e;
}

/*
 * Compare up to 64 bytes: a[] (as they are now) with b[] (as they were).
 * A bpf_loop callback, so the verifier checks it once, not per byte.
 */
#define MW_CMP_MAX 64

struct mw_cmp {
	__u8 a[MW_CMP_MAX];
	__u8 b[MW_CMP_MAX];
	__u32 n;
	__u32 same;		/* positions where a[i] == b[i] */
	__u32 nonzero;		/* OR of the equal bytes */
	__u32 __pad;
};

static long mw_cmp_step(__u32 idx, void *ctx)
{
	struct mw_cmp *c = ctx;
	__u32 i = idx & (MW_CMP_MAX - 1);

	if (idx >= c->n)
		return 1;
	if (c->a[i] == c->b[i]) {
		c->same++;
		c->nonzero |= c->a[i];
	}
	return 0;
}

/*
 * @n capped at MW_CMP_MAX in a way the verifier sees: the empty asm makes n
 * opaque, so clang cannot drop a comparison it proved redundant from the
 * caller's arithmetic, which older verifiers (6.1) do not follow.
 */
static __always_inline __u32 mw_cmp_len(__u64 n)
{
	asm volatile("" : "+r"(n));
	return n > MW_CMP_MAX ? MW_CMP_MAX : n;
}

static __always_inline void mw_cmp_run(struct mw_cmp *c)
{
	c->same = 0;
	c->nonzero = 0;
	bpf_loop(MW_CMP_MAX, mw_cmp_step, c, 0);
}

#endif /* MODWATCH_COMMON_BPF_H */
