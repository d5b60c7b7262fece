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
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include "probe/kernel.h"

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
	k->tp_module_free = tp_exists(btf, "module_free");
	k->tp_module_load = tp_exists(btf, "module_load");
	/* args: __data, call_site, ptr, then s (v6.1+) or bytes_req */
	k->kca_has_cache = tp_arg_is_ptr(btf, "kmem_cache_alloc", 3);
}

/*
 * Multi-kprobe links (BPF_TRACE_KPROBE_MULTI, v5.18 "bpf: Add multi kprobe
 * link") need CONFIG_FPROBE: Debian's 6.1 has it off, its 6.12 on. Without
 * it, a link fails with EOPNOTSUPP whatever it targets; with it, one to a
 * bogus address fails otherwise (no such ftrace location).
 */
static bool probe_kprobe_multi(void)
{
	const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, popts, .expected_attach_type = BPF_TRACE_KPROBE_MULTI);
	unsigned long bogus = 1;
	LIBBPF_OPTS(bpf_link_create_opts, lopts, .kprobe_multi.addrs = &bogus,
		    .kprobe_multi.cnt = 1);
	int prog, link;
	bool ok;

	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", ret0, 2, &popts);
	if (prog < 0)
		return false;
	link = bpf_link_create(prog, 0, BPF_TRACE_KPROBE_MULTI, &lopts);
	ok = link >= 0 || errno != EOPNOTSUPP;
	if (link >= 0)
		close(link);
	close(prog);
	return ok;
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
		k->kprobe_multi = k->kprobes && probe_kprobe_multi();
	}
	btf = k->btf ? btf__load_vmlinux_btf() : NULL;
	if (!btf)
		return k->btf ? -errno : 0;
	probe_tracepoints(k, btf);
	btf__free(btf);
	return 0;
}

/* Does @path list @name as the first word of a line? -1: cannot tell. */
static int file_lists(const char *path, const char *name, int word)
{
	char line[512], w[2][256];
	int found = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		w[1][0] = '\0';
		if (sscanf(line, "%255s %255s", w[0], w[1]) >= 1)
			found = !strcmp(w[word], name);
	}
	fclose(f);
	return found;
}

/*
 * Can a kprobe go on function @name? Not if it is notrace (absent from
 * ftrace's available_filter_functions: "Could not probe notrace function")
 * or on the kprobe blacklist. -1: tracefs/debugfs not mounted, cannot tell.
 */
int mw_kernel_probeable(const char *name)
{
	int in_ftrace = file_lists("/sys/kernel/tracing/available_filter_functions", name, 0);
	int blacklisted = file_lists("/sys/kernel/debug/kprobes/blacklist", name, 1);

	if (in_ftrace < 0)
		in_ftrace = file_lists("/sys/kernel/debug/tracing/available_filter_functions",
				       name, 0);
	if (in_ftrace < 0)
		return -1;
	return in_ftrace && blacklisted != 1;
}
