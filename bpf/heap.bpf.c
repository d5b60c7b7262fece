// SPDX-License-Identifier: GPL-2.0
/*
 * kmem tracepoint hooks (raw_tp flavour: plain u64 arguments; tp_btf with
 * const void * arguments fails the verifier on 6.1). Each hook only unpacks
 * its arguments; the rules live in heap.bpf.h. The unit tests drive the
 * same rules through their own entries (tests.bpf.c).
 */
#include "heap.bpf.h"
#include "sites.bpf.h"

/*
 * Argument layouts of kmem_cache_alloc. Since v6.1 ("mm/slab_common: drop
 * kmem_alloc & avoid dereferencing fields when not using") it passes the
 * struct kmem_cache * instead of bytes_req/bytes_alloc. The daemon reads the
 * layout from the kernel's BTF (btf_trace_kmem_cache_alloc) and sets this.
 */
const volatile bool mw_kca_has_cache = true;
const volatile bool mw_image_not_heap = true;
const volatile __u32 mw_heap_filter_mask = MW_HEAP_FILTER - 1;

/*
 * One program per kmem tracepoint, and nothing before the rule's first,
 * cheapest test. An event the kernel skips (it nested in the same program's
 * run on this CPU: BPF recursion protection) is counted in the program's
 * recursion_misses; the daemon reads those counts and marks a lifetime
 * report "possible" when a skip was counted in the window its evidence
 * spans (user/probe/heap_maps.c).
 *
 * The rule behind kmem tracepoint @hook: (call_site, ptr) and, for kmalloc,
 * bytes_req, bytes_alloc, gfp; for kmem_cache_alloc, (cache, gfp) since
 * v6.1, (bytes_req, bytes_alloc, gfp) before.
 */
static __always_inline void mw_kmem_event(void *ctx, __u32 hook, __u64 site, __u64 ptr, __u64 a2,
					  __u64 a3, __u64 a4)
{
	struct mw_alloc a = {};
	__u32 module_id;
	bool maybe;

	if (hook >= MW_HOOK_KFREE) {
		mw_heap_free_hook(ctx, site, ptr);
		return;
	}
	if (!mw_heap_alloc_wanted(site, ptr, &maybe, &module_id))
		return;
	a.site = site;
	a.ptr = ptr;
	a.module_id = module_id;
	if (hook >= MW_HOOK_KMEM_CACHE_ALLOC && mw_kca_has_cache) {
		a.cache = a2;
		a.gfp = a3;
	} else {	/* the kmalloc layout */
		a.size = a2;
		a.alloc_size = a3;
		a.gfp = a4;
	}
	mw_heap_alloc_hook(ctx, &a, maybe);
}

SEC("raw_tp/kmalloc")
int BPF_PROG(mw_kmalloc, unsigned long site, const void *ptr, __u64 req, __u64 alloc, __u64 gfp)
{
	mw_kmem_event(ctx, MW_HOOK_KMALLOC, site, (__u64)ptr, req, alloc, gfp);
	return 0;
}

/*
 * kmalloc_node and kmem_cache_alloc_node exist before v6.1 only ("mm/slab_common:
 * unify NUMA and UMA version of tracepoints"); the daemon loads these
 * programs only where the kernel has the tracepoints.
 */
SEC("raw_tp/kmalloc_node")
int BPF_PROG(mw_kmalloc_node, unsigned long site, const void *ptr, __u64 req, __u64 alloc,
	     __u64 gfp)
{
	mw_kmem_event(ctx, MW_HOOK_KMALLOC_NODE, site, (__u64)ptr, req, alloc, gfp);
	return 0;
}

SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(mw_kmem_cache_alloc, unsigned long site, const void *ptr, __u64 a2, __u64 a3,
	     __u64 a4)
{
	mw_kmem_event(ctx, MW_HOOK_KMEM_CACHE_ALLOC, site, (__u64)ptr, a2, a3, a4);
	return 0;
}

SEC("raw_tp/kmem_cache_alloc_node")
int BPF_PROG(mw_kmem_cache_alloc_node, unsigned long site, const void *ptr, __u64 a2,
	     __u64 a3, __u64 a4)
{
	mw_kmem_event(ctx, MW_HOOK_KMEM_CACHE_ALLOC_NODE, site, (__u64)ptr, a2, a3, a4);
	return 0;
}

SEC("raw_tp/kfree")
int BPF_PROG(mw_kfree, unsigned long site, const void *ptr)
{
	mw_kmem_event(ctx, MW_HOOK_KFREE, site, (__u64)ptr, 0, 0, 0);
	return 0;
}

SEC("raw_tp/kmem_cache_free")
int BPF_PROG(mw_kmem_cache_free, unsigned long site, const void *ptr)
{
	mw_kmem_event(ctx, MW_HOOK_KMEM_CACHE_FREE, site, (__u64)ptr, 0, 0, 0);
	return 0;
}

/*
 * Frees at a watched module's own call instructions (kprobes; the cookie
 * names the site): the second path to the tracepoints above, which the
 * kernel skips when a free nests in a running hook (an RCU callback in a
 * softirq, say), and the only path for vfree() and kfree_rcu().
 */
static __always_inline const struct mw_site *probe_site(void *ctx)
{
	return mw_site((__u32)bpf_get_attach_cookie(ctx));
}

/*
 * A free at watched site @s of @ptr, as @how saw it: the callee may sleep
 * (vfree), then the heap rule, with the call's stack.
 */
static __always_inline void mw_free_call(void *ctx, const struct mw_site *s, __u64 ptr, __u32 how)
{
	__u32 base = mw_report_mark();

	mw_locks_may_sleep(s, s->callee, 0);
	if (ptr > MW_ZERO_SIZE_PTR)
		mw_heap_free(s->addr, s->module_id, ptr, how, mw_free_stack(ctx, ptr));
	mw_report_flush(ctx, base);
}

/* What a bulk free's loop carries: the call's site and stack. */
struct mw_bulk {
	const struct mw_site *s;
	void **p;
	__u64 n;
	__u32 stack;
};

static long mw_free_one(__u32 i, struct mw_bulk *b)
{
	__u64 ptr = 0;

	if (i >= b->n)
		return 1;
	if (!bpf_probe_read_kernel(&ptr, sizeof(ptr), b->p + i) && ptr > MW_ZERO_SIZE_PTR)
		mw_heap_free(b->s->addr, b->s->module_id, ptr, MW_FREE_PROBED, b->stack);
	return 0;
}

/*
 * Frees at most this many pointers of one bulk call (the rest go unseen
 * here), and reports at most MW_PENDING of them (the rest are counted lost).
 */
#define MW_BULK_MAX 256

/* kmem_cache_free_bulk(s, n, p), which kfree_bulk(n, p) is, inline. */
static __always_inline void mw_free_bulk(void *ctx, const struct mw_site *s, __u64 n, __u64 p)
{
	struct mw_bulk b = { .s = s, .p = (void **)p, .n = n };
	__u32 base = mw_report_mark();

	b.stack = mw_stack(ctx, MW_STACKS_HEAP);
	bpf_loop(MW_BULK_MAX, mw_free_one, &b, 0);
	mw_report_flush(ctx, base);
}

/*
 * Every heap call of a watched module the kmem tracepoints cannot judge
 * alone: kfree(p), kvfree(p), kfree_sensitive(p), vfree(p) (rdi) and
 * kmem_cache_free(s, p) (rsi); kvfree_call_rcu(head, arg); the bulk frees;
 * the allocators that allocate on its behalf (kmemdup, kvmalloc_node,
 * vmalloc...; include/heap.h), whose call opens the task's window and whose
 * next instruction (mw_kp_behalf_ret) closes it with the pointer returned
 * (s->arg: the register with the size a vmalloc area would get). One
 * program for them all, by the site's class.
 */
SEC("kprobe")
int BPF_KPROBE(mw_kp_heap, __u64 a0, __u64 a1, __u64 a2)
{
	const struct mw_site *s = probe_site(ctx);

	if (!s)
		return 0;
	switch (s->class) {
	case MW_CLASS_FREE:
		mw_free_call(ctx, s, s->arg ? a1 : a0, MW_FREE_PROBED);
		break;
	case MW_CLASS_FREE_RCU:
		mw_free_rcu(ctx, s, a0, a1);
		break;
	case MW_CLASS_FREE_BULK:
		mw_free_bulk(ctx, s, a1, a2);
		break;
	case MW_CLASS_BEHALF:
		mw_behalf_open(s, s->arg == 1 ? a0 : s->arg == 2 ? a1 : 0);
		break;
	}
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(mw_kp_behalf_ret)
{
	const struct mw_site *s = probe_site(ctx);

	if (s)
		mw_behalf_close(s, PT_REGS_RC(ctx), mw_behalf_stack(ctx, s, PT_REGS_RC(ctx)));
	return 0;
}
