/* SPDX-License-Identifier: GPL-2.0 */
/* What the running kernel offers, probed once at start. */
#ifndef MODWATCH_PROBE_KERNEL_H
#define MODWATCH_PROBE_KERNEL_H

#include <stdbool.h>

struct mw_kernel {
	char release[65];
	bool btf;		/* /sys/kernel/btf/vmlinux */
	bool ringbuf;		/* BPF_MAP_TYPE_RINGBUF */
	bool raw_tp;		/* BPF_PROG_TYPE_RAW_TRACEPOINT */
	bool kprobes;		/* perf kprobe PMU */
	bool kprobe_multi;	/* multi-kprobe links (CONFIG_FPROBE) */
	bool modules;		/* CONFIG_MODULES: /proc/modules */
	bool tp_kmalloc, tp_kmalloc_node, tp_kmem_cache_alloc, tp_kmem_cache_alloc_node;
	bool tp_kfree, tp_kmem_cache_free;
	bool tp_module_free;	/* module:module_free: unloads as events */
	bool tp_module_load;	/* module:module_load: loads as events */
	bool kca_has_cache;	/* kmem_cache_alloc passes struct kmem_cache * (v6.1+) */
};
int mw_kernel_probe(struct mw_kernel *k);
int mw_kernel_probeable(const char *name);
bool mw_is_root(void);

#endif /* MODWATCH_PROBE_KERNEL_H */
