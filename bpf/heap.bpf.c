// SPDX-License-Identifier: GPL-2.0
/*
 * kmem tracepoint hooks (raw_tp flavour: plain u64 arguments; tp_btf with
 * const void * arguments fails the verifier on 6.1). Each hook only unpacks
 * its arguments; the rules live in heap.bpf.h. The same programs are driven
 * by BPF_PROG_TEST_RUN in the unit tests.
 */
#include "heap.bpf.h"


/*
 * Argument layouts of kmem_cache_alloc. Since v6.1 ("mm/slab_common: drop
 * kmem_alloc & avoid dereferencing fields when not using") it passes the
 * struct kmem_cache * instead of bytes_req/bytes_alloc. The daemon reads the
 * layout from the kernel's BTF (btf_trace_kmem_cache_alloc) and sets this.
 */
const volatile bool mw_kca_has_cache = true;

SEC("raw_tp/kmalloc")
int BPF_PROG(mw_kmalloc, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags)
{
	mw_heap_alloc(call_site, (__u64)ptr, bytes_req, bytes_alloc, 0, gfp_flags);
	return 0;
}

/*
 * kmalloc_node and kmem_cache_alloc_node exist before v6.1 only ("mm/slab_common:
 * unify NUMA and UMA version of tracepoints"); the daemon loads these two
 * programs only where the kernel has the tracepoints.
 */
SEC("raw_tp/kmalloc_node")
int BPF_PROG(mw_kmalloc_node, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags)
{
	mw_heap_alloc(call_site, (__u64)ptr, bytes_req, bytes_alloc, 0, gfp_flags);
	return 0;
}

/* (call_site, ptr, s, gfp) since v6.1; (call_site, ptr, bytes_req, bytes_alloc, gfp) before. */
static __always_inline void mw_cache_alloc(__u64 call_site, __u64 ptr, __u64 arg2, __u64 arg3,
					   __u64 arg4)
{
	if (!mw_kca_has_cache) {
		mw_heap_alloc(call_site, ptr, arg2, arg3, 0, arg4);
		return;
	}
	mw_heap_alloc(call_site, ptr, 0, 0, arg2, arg3);
}

SEC("raw_tp/kmem_cache_alloc")
int BPF_PROG(mw_kmem_cache_alloc, unsigned long call_site, const void *ptr, __u64 arg2,
	     __u64 arg3, __u64 arg4)
{
	mw_cache_alloc(call_site, (__u64)ptr, arg2, arg3, arg4);
	return 0;
}

SEC("raw_tp/kmem_cache_alloc_node")
int BPF_PROG(mw_kmem_cache_alloc_node, unsigned long call_site, const void *ptr, __u64 arg2,
	     __u64 arg3, __u64 arg4)
{
	mw_cache_alloc(call_site, (__u64)ptr, arg2, arg3, arg4);
	return 0;
}

SEC("raw_tp/kfree")
int BPF_PROG(mw_kfree, unsigned long call_site, const void *ptr)
{
	mw_heap_free(call_site, (__u64)ptr);
	return 0;
}

SEC("raw_tp/kmem_cache_free")
int BPF_PROG(mw_kmem_cache_free, unsigned long call_site, const void *ptr)
{
	mw_heap_free(call_site, (__u64)ptr);
	return 0;
}
