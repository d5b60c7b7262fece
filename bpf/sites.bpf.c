// SPDX-License-Identifier: GPL-2.0
/* Storage of the probed call sites; the daemon fills it before attaching. */
#include "sites.bpf.h"
#include "heap.h"


/*
 * Before a kprobe goes on a call site the daemon checks that the live code
 * is the call the .ko says it is: a test run of this program copies the
 * bytes at an address into mw_peek_buf. (Reading module text needs no
 * /proc/kcore this way.)
 */
__u8 mw_peek_buf[16];

/*
 * Tasks inside a module's call to an allocator that allocates on its behalf
 * (bpf/heap.bpf.h): while none is, a kmalloc tracepoint pays one load for
 * it. Defined here, before the features that use it are linked.
 */
__u64 mw_behalf_active = 0;

/* The heap filter's summary (include/heap.h); defined here for the same reason. */
__u64 mw_heap_summary[MW_SUMMARY_WORDS];

/*
 * The kernel's direct map and struct page array (page_offset_base and
 * vmemmap_base, randomised with CONFIG_RANDOMIZE_MEMORY), which the daemon
 * reads at start: they lead from an address to its slab (bpf/heap.bpf.h).
 * 0: unknown, and no slab is ever looked up.
 */
__u64 mw_page_offset = 0;
__u64 mw_vmemmap = 0;
/*
 * The vmalloc area (vmalloc_base up to vmemmap_base): only an address in
 * it is a vmalloc area. Both 0: unknown, and any address may be one.
 */
__u64 mw_vmalloc_start = 0;
__u64 mw_vmalloc_end = 0;

SEC("raw_tp")
int mw_peek(__u64 *ctx)
{
	return bpf_probe_read_kernel(mw_peek_buf, sizeof(mw_peek_buf), (void *)ctx[0]) ? 1 : 0;
}
