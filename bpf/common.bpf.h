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
#include "usercopy.h"

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
/* Rules this kernel's refusals leave unable to judge (a mask of 1 << kind): never reported. */
extern volatile __u32 mw_off_kinds;
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
 * Which system call the current task is in: its number in the high half,
 * and in the low half an identity of the call (never 0) made from the
 * task's saved user registers: the number, the instruction and stack
 * pointer it was made from, and its first three arguments. None of them
 * changes while the call runs. Two calls of a loop with the same arguments
 * share an identity: a rule that tells calls apart by it may then miss a
 * violation, never make one up.
 */
static __always_inline __u64 mw_sysid_of(__u64 nr, __u64 ip, __u64 sp, __u64 a0, __u64 a1,
					 __u64 a2)
{
	const __u64 k = 0x9e3779b97f4a7c15ull;
	__u64 h = nr;

	h = (h ^ ip) * k;
	h = (h ^ sp) * k;
	h = (h ^ a0) * k;
	h = (h ^ a1) * k;
	h = (h ^ a2) * k;
	return (nr << 32) | (__u32)(h >> 32) | 1;
}

#define MW_SYSID(call)	((__u32)(call))
#define MW_SYSNR(call)	((__u32)((call) >> 32))

/* The system call the current task is in, from its saved user registers. */
static __always_inline void mw_current_syscall(struct mw_syscall *sc)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	sc->nr = BPF_CORE_READ(regs, orig_ax);
	sc->arg[0] = BPF_CORE_READ(regs, di);
	sc->arg[1] = BPF_CORE_READ(regs, si);
	sc->arg[2] = BPF_CORE_READ(regs, dx);
	sc->id = MW_SYSID(mw_sysid_of(sc->nr, BPF_CORE_READ(regs, ip), BPF_CORE_READ(regs, sp),
				      sc->arg[0], sc->arg[1], sc->arg[2]));
	sc->__pad = 0;
}

/* The same as one value: mw_sysid_of()'s, number and identity. */
static __always_inline __u64 mw_syscall_now(void)
{
	struct mw_syscall sc;

	mw_current_syscall(&sc);
	return (sc.nr << 32) | sc.id;
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
	if (mw_off_kinds & (1u << (kind & 31)))
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
 * A rule's global function: the verifier checks it once, on its own, with
 * whatever arguments its type allows, instead of once for every path of
 * every caller that reaches it (the cost that grows with each rule, and with
 * each kernel's verifier). Global functions take no context pointer (its
 * type differs between kprobes and raw tracepoints, and v6.1 checks it by
 * name), so the rules are the same whatever hook runs them. Weak: every
 * feature object that includes a rule's header emits it, the linker keeps
 * one.
 */
#define MW_GLOBAL __weak __noinline

/*
 * Reports: a rule fills one in this CPU's pending list (it has no context to
 * take a stack with), the hook that ran it then sends them with its stack
 * (mw_run()). Hooks nest on a CPU (a kmalloc tracepoint inside a kprobe
 * program, an interrupt's kfree), always last in first out: a hook marks
 * where the list stood, and sends and drops only what came after the mark;
 * a slot is claimed before it is filled, so a nested hook never takes it.
 * Reports with a stack of their own skip the list (mw_report_direct()), so
 * a hook run that reports more than a few is rare: a free of an object that
 * holds more than MW_PENDING held locks, a bulk free of many freed objects.
 * What does not fit is counted lost, as a full ring buffer's reports are.
 */
#define MW_PENDING 16
/* hdr.stack of a pending report that the hook's stack is to fill in. */
#define MW_STACK_OF_HOOK 0xffffffffu

struct mw_pending_slot {
	struct mw_event ev;		/* first: a rule's event pointer is its slot's */
	struct mw_dedup_key key;	/* to undo the dedup mark if it cannot be sent */
	__u32 ready;			/* filled: 0 while the rule writes it */
	__u32 __pad;
};

struct mw_pending {
	__u32 n;
	__u32 __pad;
	struct mw_pending_slot slot[MW_PENDING];
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_pending);
} mw_pending_t;
mw_pending_t mw_pending __weak SEC(".maps");

static __always_inline struct mw_pending *mw_pending_list(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&mw_pending, &zero);
}

/* A report that cannot leave: counted by kind, and its dedup mark undone. */
static __always_inline void mw_report_lost(const struct mw_dedup_key *k)
{
	struct mw_dedup_val *v = bpf_map_lookup_elem(&mw_dedup, k);

	mw_stat_inc(MW_STAT_LOST_BASE + (k->kind < MW_KIND_NR ? k->kind : 0));
	if (v)
		__sync_fetch_and_and(&v->flags, ~MW_DEDUP_SENT);
}

/*
 * Is a violation of @kind at @site (its dedup key: @key) to be reported?
 * Not a repeat, not one nobody asked for (--kind, --pid, --comm, a rule
 * this kernel's refusals turned off), not the daemon itself. A yes has
 * marked its dedup entry sent: a report that then cannot leave undoes it
 * (mw_report_lost()). A crash may follow a report of some kinds: its line
 * goes to the kernel's trace buffer now.
 */
MW_GLOBAL int mw_report_admit(__u32 kind, __u64 site, __u32 module_id, __u64 key)
{
	struct mw_dedup_key k = { .site = site, .key = key, .kind = kind, .module_id = module_id };
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct mw_dedup_val *v = NULL;

	if (mw_self_tgid && (__u32)(pid_tgid >> 32) == mw_self_tgid)
		return 0;
	if (!mw_wanted(kind, pid_tgid))
		return 0;
	if (!mw_every && !mw_dedup_first(&k, &v))
		return 0;
	mw_crash_line(kind, site, key);
	return 1;
}

static __always_inline void mw_report_header(struct mw_event_hdr *h, __u32 kind, __u32 size,
					     __u64 site, __u32 module_id, __u32 stack)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	h->kind = kind;
	h->size = size;
	h->cpu = bpf_get_smp_processor_id();
	h->ts_ns = bpf_ktime_get_ns();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->module_id = module_id;
	h->flags = 0;
	h->site = site;
	h->stack = stack;
	h->__pad = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/*
 * Claim a pending report of @size bytes for a violation of @kind at @site
 * (its dedup key: @key) and fill its header. Returns its slot plus one, or
 * 0 when there is nothing to fill: see mw_report_admit(), or no slot left
 * (counted, as a full ring buffer is).
 */
MW_GLOBAL int mw_report_begin(__u32 kind, __u32 size, __u64 site, __u32 module_id, __u64 key)
{
	struct mw_dedup_key k = { .site = site, .key = key, .kind = kind, .module_id = module_id };
	struct mw_pending *p = mw_pending_list();
	struct mw_pending_slot *slot;
	__u32 n;

	if (!mw_report_admit(kind, site, module_id, key))
		return 0;
	n = p ? p->n : MW_PENDING;
	if (!p || n >= MW_PENDING || size > sizeof(struct mw_event)) {
		mw_report_lost(&k);
		return 0;
	}
	p->n = n + 1;	/* claimed before it is filled: see MW_PENDING */
	slot = &p->slot[n];
	slot->ready = 0;
	slot->key = k;
	mw_report_header(&slot->ev.hdr, kind, size, site, module_id, MW_STACK_OF_HOOK);
	return n + 1;
}

/*
 * The report to fill for a violation of @kind, @size bytes, at @site (see
 * mw_report_begin()), or NULL. Its stack is the hook's.
 */
static __always_inline struct mw_event *mw_report(__u32 kind, __u32 size, __u64 site,
						  __u32 module_id, __u64 key)
{
	int i = mw_report_begin(kind, size, site, module_id, key);
	struct mw_pending *p;

	if (!i)
		return NULL;
	p = mw_pending_list();
	if (!p)
		return NULL;
	return &p->slot[(i - 1) & (MW_PENDING - 1)].ev;
}

/* @e is filled: the hook sends it. */
static __always_inline void mw_report_send(struct mw_event *e)
{
	((struct mw_pending_slot *)e)->ready = 1;
}

/*
 * A report whose stack is its own (@stack: an acquire's, or none at an
 * unload), so it needs no hook's: straight into the ring buffer, however
 * many a rule makes (every lock a module still holds as it goes). @size
 * is a constant where this is inlined. Filled, it leaves by
 * bpf_ringbuf_submit().
 */
static __always_inline struct mw_event *mw_report_direct(__u32 kind, __u32 size, __u64 site,
							 __u32 module_id, __u64 key, __u32 stack)
{
	struct mw_dedup_key k = { .site = site, .key = key, .kind = kind, .module_id = module_id };
	struct mw_event *e;

	if (!mw_report_admit(kind, site, module_id, key))
		return NULL;
	e = bpf_ringbuf_reserve(&mw_events, size, 0);
	if (!e) {
		mw_report_lost(&k);
		return NULL;
	}
	mw_report_header(&e->hdr, kind, size, site, module_id, stack);
	return e;
}

/*
 * The kernel stack at this hook, as an id in mw_stacks plus one (0: none),
 * if stacks of class @what are on. In a kprobe the walk starts at the
 * probed instruction (the pt_regs), so the first frame is the module's own
 * call; in a raw tracepoint, at the tracepoint's caller. A stack that finds
 * its hash bucket taken by another is not kept (ids never change meaning:
 * BPF_F_REUSE_STACKID would let a report name another code path's stack)
 * and is counted, as is a walk that failed. Only hooks have the context it
 * needs: they take the stacks a rule records and pass them in.
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

/* Where a hook's pending reports start: see MW_PENDING. */
static __always_inline __u32 mw_report_mark(void)
{
	struct mw_pending *p = mw_pending_list();

	return p ? p->n : MW_PENDING;
}

struct mw_flush {
	void *ctx;		/* the hook's: the reports' stacks */
	__u32 base;
	__u32 n;
};

/* bpf_loop callback: send pending report base + @i. */
static long mw_flush_one(__u32 i, struct mw_flush *f)
{
	struct mw_pending *p = mw_pending_list();
	struct mw_pending_slot *slot;
	__u32 idx = f->base + i, size;

	if (!p || idx >= f->n || idx >= MW_PENDING)
		return 1;
	slot = &p->slot[idx];
	if (!slot->ready)
		return 0;	/* its rule gave up on it */
	slot->ready = 0;
	if (slot->ev.hdr.stack == MW_STACK_OF_HOOK)
		slot->ev.hdr.stack = mw_stack(f->ctx, MW_STACKS_REPORT);
	size = slot->ev.hdr.size;
	if (size > sizeof(slot->ev))
		size = sizeof(slot->ev);
	if (bpf_ringbuf_output(&mw_events, &slot->ev, size, 0))
		mw_report_lost(&slot->key);
	return 0;
}

/* Send the reports queued since @base, with the hook's stack (@ctx), and drop them. */
static __always_inline void mw_report_flush(void *ctx, __u32 base)
{
	struct mw_pending *p = mw_pending_list();
	struct mw_flush f = { .ctx = ctx, .base = base };

	if (!p || p->n <= base)
		return;
	f.n = p->n;
	bpf_loop(MW_PENDING, mw_flush_one, &f, 0);
	p->n = base;
}

/* Run rule @call from a hook whose context is @ctx: its reports leave with the hook's stack. */
#define mw_run(ctx, call)						\
	do {								\
		__u32 __base = mw_report_mark();			\
		(call);							\
		mw_report_flush(ctx, __base);				\
	} while (0)

/*
 * Compare up to 64 bytes: a[] (as they are now) with b[] (as they were).
 * A bpf_loop callback, so the verifier checks it once, not per byte. The
 * bytes live in a per-CPU buffer, not on the stack, which the rules' chain
 * of global functions shares (512 bytes in all): only kprobe programs
 * compare (and the unit tests' entries), and they never nest on a CPU.
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

typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_cmp);
} mw_cmp_scratch_t;
mw_cmp_scratch_t mw_cmp_scratch __weak SEC(".maps");

static __always_inline struct mw_cmp *mw_cmp_buf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&mw_cmp_scratch, &zero);
}

/* bpf_loop's context must be on the stack: it holds the buffer's address. */
static long mw_cmp_step(__u32 idx, void *ctx)
{
	struct mw_cmp *c = *(struct mw_cmp **)ctx;
	__u32 i = idx & (MW_CMP_MAX - 1);

	if (!c || idx >= c->n)
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

/* Compare the first c->n bytes of c->a and c->b. */
static __always_inline void mw_cmp_run(struct mw_cmp *c)
{
	c->same = 0;
	c->nonzero = 0;
	bpf_loop(MW_CMP_MAX, mw_cmp_step, &c, 0);
}

#endif /* MODWATCH_COMMON_BPF_H */
