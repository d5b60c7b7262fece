// SPDX-License-Identifier: GPL-2.0
/*
 * What the running kernel offers, probed at run time (never from version
 * numbers): BTF, program and map types, the kmem and syscall tracepoints
 * and their argument layouts, kprobes and loadable modules.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "modwatch.h"

bool mw_is_root(void)
{
	return geteuid() == 0;
}

/* Tracepoint NAME exists iff the kernel's BTF has typedef btf_trace_NAME. */
static bool tp_exists(const struct btf *btf, const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
}

/* Is argument @idx of tracepoint @tp a pointer? (__data is argument 0.) */
static bool tp_arg_is_ptr(const struct btf *btf, const char *tp, unsigned int idx)
{
	const struct btf_type *t;
	const struct btf_param *p;
	char name[128];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	if (!t || !btf_is_ptr(t))
		return false;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) <= idx)
		return false;
	p = btf_params(t) + idx;
	t = btf__type_by_id(btf, btf__resolve_type(btf, p->type));
	return t && btf_is_ptr(t);
}

static void probe_tracepoints(struct mw_kernel *k, const struct btf *btf)
{
	k->tp_kmalloc = tp_exists(btf, "kmalloc");
	k->tp_kmalloc_node = tp_exists(btf, "kmalloc_node");
	k->tp_kmem_cache_alloc = tp_exists(btf, "kmem_cache_alloc");
	k->tp_kmem_cache_alloc_node = tp_exists(btf, "kmem_cache_alloc_node");
	k->tp_kfree = tp_exists(btf, "kfree");
	k->tp_kmem_cache_free = tp_exists(btf, "kmem_cache_free");
	k->tp_sys_enter = tp_exists(btf, "sys_enter");
	k->tp_sys_exit = tp_exists(btf, "sys_exit");
	/* args: __data, call_site, ptr, then s (v6.1+) or bytes_req */
	k->kca_has_cache = tp_arg_is_ptr(btf, "kmem_cache_alloc", 3);
}

int mw_kernel_probe(struct mw_kernel *k)
{
	struct utsname u;
	struct btf *btf;

	memset(k, 0, sizeof(*k));
	if (!uname(&u))
		snprintf(k->release, sizeof(k->release), "%s", u.release);
	k->btf = !access("/sys/kernel/btf/vmlinux", R_OK);
	k->modules = !access("/proc/modules", R_OK);
	/* libbpf attaches kprobes through the perf kprobe PMU, else through tracefs. */
	k->kprobes = !access("/sys/bus/event_source/devices/kprobe/type", R_OK) ||
		     !access("/sys/kernel/tracing/kprobe_events", F_OK) ||
		     !access("/sys/kernel/debug/tracing/kprobe_events", F_OK);
	if (mw_is_root()) {
		k->ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
		k->raw_tp = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL) == 1;
	}
	btf = k->btf ? btf__load_vmlinux_btf() : NULL;
	if (!btf)
		return k->btf ? -errno : 0;
	probe_tracepoints(k, btf);
	btf__free(btf);
	return 0;
}
