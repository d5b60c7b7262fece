// SPDX-License-Identifier: GPL-2.0
/*
 * modwatch doctor: what the running kernel offers and, from that, which
 * rules can run here. Every rule names what it needs, so a missing feature
 * is explained once instead of failing later and obscurely.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <sys/utsname.h>
#include "events.h"
#include "sites.h"
#include "modwatch.h"
#include "cli/doctor.h"
#include "lib/error.h"
#include "probe/bpf.h"
#include "probe/kernel.h"
#include "probe/kprobes.h"
#include "probe/progs.h"
#include "probe/site_probes.h"
#include "report/json_writer.h"
#include "report/rules.h"
#include "symbols/ksym.h"
#include "ko/accesses.h"
#include "ko/callees.h"
#include "ko/ko.h"
#include "probe/module_registry.h"

static const char *yes_no(bool v, bool known)
{
	return !known ? "unknown (run as root)" : v ? "yes" : "NO";
}

static __u32 missing_needs(const struct mw_kernel *k, bool core_ok)
{
	bool kmem = k->tp_kmalloc && k->tp_kfree && k->tp_kmem_cache_alloc &&
		    k->tp_kmem_cache_free;
	__u32 missing = 0;

	if (!kmem || !core_ok)
		missing |= MW_NEEDS_KMEM_TP;
	if (!k->kprobes)
		missing |= MW_NEEDS_KPROBES;
	if (!k->modules)
		missing |= MW_NEEDS_MODULES;
	return missing;
}

static void print_features(const struct mw_kernel *k, bool root)
{
	printf("kernel %s\n", k->release);
	printf("  BTF (/sys/kernel/btf/vmlinux)      %s\n", yes_no(k->btf, true));
	printf("  BPF ring buffer                    %s\n", yes_no(k->ringbuf, root));
	printf("  BPF raw tracepoints                %s\n", yes_no(k->raw_tp, root));
	printf("  kmem tracepoints                   %s%s\n",
	       yes_no(k->tp_kmalloc && k->tp_kfree, k->btf),
	       k->tp_kmalloc_node ? " (with kmalloc_node)" : "");
	printf("  module:module_free tracepoint      %s%s\n", yes_no(k->tp_module_free, k->btf),
	       k->tp_module_free || !k->btf ? "" : " (unloads found by polling)");
	printf("  module:module_load tracepoint      %s%s\n", yes_no(k->tp_module_load, k->btf),
	       k->tp_module_load || !k->btf ? "" : " (loads found by polling, within 1 s)");
	printf("  kprobes (CONFIG_KPROBES)           %s\n", yes_no(k->kprobes, true));
	printf("  multi-kprobe links (CONFIG_FPROBE) %s%s\n", yes_no(k->kprobe_multi, root),
	       k->kprobe_multi ? " (--probe-mode global uses them)" : "");
	printf("  loadable modules (CONFIG_MODULES)  %s\n", yes_no(k->modules, true));
	if (!k->kprobes)
		printf("kprobes are missing: the call-site rules (user slices, double fetches, "
		       "heap overflows, use after free, locks) cannot run on this kernel\n");
	if (!k->modules)
		printf("loadable modules are missing: there is no module to watch on this kernel\n");
}

static void print_rules(const struct mw_kernel *k, bool core_ok, __u32 rules_off)
{
	__u32 missing = missing_needs(k, core_ok), kind, lack;

	printf("rules\n");
	for (kind = 1; kind < MW_KIND_NR; kind++) {
		lack = mw_rule(kind)->needs & missing;
		printf("  %-22s ", mw_kind_name(kind));
		if (!lack && (rules_off & (1u << kind)))
			printf("off: this kernel refused a program it needs (see programs)\n");
		else if (!lack)
			printf("ready\n");
		else
			printf("cannot run: needs%s%s%s\n",
			       lack & MW_NEEDS_KMEM_TP ? " kmem-tracepoints" : "",
			       lack & MW_NEEDS_KPROBES ? " kprobes" : "",
			       lack & MW_NEEDS_MODULES ? " loadable-modules" : "");
	}
}

/* What --probe-mode global can enforce, from which of its functions can be probed here. */
static void print_global_reach(int check_size, int strncpy, int nofault)
{
	const char *fetch = strncpy > 0 && nofault > 0 ? "strncpy_from_user/copy_from_user_nofault" :
			    strncpy > 0 ? "strncpy_from_user" :
			    nofault > 0 ? "copy_from_user_nofault" : NULL;

	printf("  global cannot enforce user_slice_overrun; ");
	if (fetch)
		printf("double_fetch only through %s; ", fetch);
	else
		printf("nor double_fetch (neither strncpy_from_user nor copy_from_user_nofault "
		       "can be probed); ");
	if (check_size > 0)
		printf("heap_overflow_* only for copies whose size is not a compile-time "
		       "constant\n");
	else
		printf("nor heap_overflow_* (__check_object_size cannot be probed)\n");
}

/* The two ways of probing user copies, and what each can see here. */
/* modwatch pauses kprobe optimization while it attaches many probes: a killed one leaves it off. */
static void print_optimization(void)
{
	int o = mw_kprobes_optimization();

	if (o == 0)
		printf("  kprobe optimization    OFF: every probe traps; if no modwatch runs: "
		       "echo 1 >/proc/sys/debug/kprobes-optimization\n");
	else
		printf("  kprobe optimization    %s\n", o == 1 ? "on" :
		       o == -ENOENT ? "none in this kernel (no CONFIG_OPTPROBES)" : "unknown");
}

static void print_probe_modes(const struct mw_kernel *k)
{
	static const char *const global[] = { "__check_object_size", "strncpy_from_user",
					       "copy_from_user_nofault", "_copy_from_user",
					       "_copy_to_user" };
	int p[sizeof(global) / sizeof(global[0])];
	size_t i;

	printf("probe modes\n");
	if (!k->kprobes) {
		printf("  sites, global          cannot run: needs kprobes\n");
		return;
	}
	printf("  sites (default)        ready: kprobes on each watched module's own calls "
	       "(needs its .ko)\n");
	print_optimization();
	printf("  global                 %s on exported functions:\n",
	       k->kprobe_multi ? "multi-kprobe links" : "kprobes");
	for (i = 0; i < sizeof(global) / sizeof(global[0]); i++) {
		p[i] = mw_kernel_probeable(global[i]);
		printf("    %-22s %s\n", global[i],
		       p[i] < 0 ? "unknown (mount tracefs)" :
		       p[i] ? "probeable" : "NOT probeable (notrace)");
	}
	print_global_reach(p[0], p[1], p[2]);
}

/*
 * The callee table as this kernel names it. A module built for the kernel
 * calls its names, which changed (6.12's *_noprof allocators): each callee
 * is looked up under all its names in kallsyms, never chosen by version.
 */
static void print_callees(void)
{
	unsigned int as_named = 0, renamed = 0, absent = 0;
	char missing[2048] = "";
	const char *name;
	size_t len = 0;
	__u64 addr;
	__u32 c;

	printf("callees (include/sites.h)\n");
	if (mw_ksym_reload()) {
		printf("  unknown: cannot read /proc/kallsyms\n");
		return;
	}
	for (c = MW_CALLEE_NONE + 1; c < MW_CALLEE_NR; c++) {
		name = mw_callee_in_kernel(c, &addr);
		if (name && !strcmp(name, mw_callee_name(c))) {
			as_named++;
		} else if (name) {
			renamed++;
			printf("    %-26s here %s\n", mw_callee_name(c), name);
		} else {
			absent++;
			if (len < sizeof(missing))
				len += snprintf(missing + len, sizeof(missing) - len, "%s%s",
						len ? ", " : "", mw_callee_name(c));
		}
	}
	printf("  %u functions: %u as named, %u under this kernel's names (above), %u absent\n",
	       MW_CALLEE_NR - 1, as_named, renamed, absent);
	if (absent)
		printf("  absent here (no module built for this kernel calls them): %s\n", missing);
}

/* "on", "off" or "unknown": init_on_alloc from the command line, else the build's default. */
static const char *init_on_alloc(void)
{
	char buf[4096], path[300], *p;
	const char *state = "unknown";
	struct utsname u;
	FILE *f = fopen("/proc/cmdline", "re");

	if (f && fgets(buf, sizeof(buf), f) && (p = strstr(buf, "init_on_alloc=")))
		state = p[14] == '0' ? "off" : "on";
	if (f)
		fclose(f);
	if (strcmp(state, "unknown") || uname(&u))
		return state;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "re");
	if (!f)
		return state;
	state = "off";
	while (fgets(buf, sizeof(buf), f))
		if (!strcmp(buf, "CONFIG_INIT_ON_ALLOC_DEFAULT_ON=y\n"))
			state = "on";
	fclose(f);
	return state;
}

/* What uninit_leak can tell here: with init_on_alloc nothing; with slab poison, each byte. */
static void print_uninit(void)
{
	const char *alloc = init_on_alloc();
	FILE *f = fopen("/sys/kernel/slab/kmalloc-64/poison", "re");
	int poison = -1;

	if (f && fscanf(f, "%d", &poison) != 1)
		poison = -1;
	if (f)
		fclose(f);
	printf("uninit_leak\n");
	printf("  init_on_alloc                      %s\n", alloc);
	printf("  slab poison (kmalloc-64)           %s\n",
	       poison < 0 ? "unknown" : poison ? "yes" : "no");
	if (!strcmp(alloc, "on"))
		printf("init_on_alloc zeroes every allocation: no stale byte can reach user space, "
		       "so uninit_leak has nothing to find (boot with init_on_alloc=0 to test for "
		       "it)\n");
	else if (poison != 1)
		printf("without slab poison, uninit_leak needs a whole copied range as the allocator "
		       "left it; boot with slub_debug=P init_on_alloc=0 (tools/vm run "
		       "--uninit-exact) to count unwritten bytes one by one\n");
}

/* Load @progs as a session would on this kernel, never attached: what it takes and refuses. */
static int doctor_load(enum mw_prog_set progs, const struct mw_kernel *k, struct mw_load *l)
{
	struct modwatch_bpf *skel;
	struct mw_config cfg;
	int err;

	mw_config_default(&cfg);
	cfg.progs = progs;
	err = mw_bpf_load(&skel, &cfg, k, l);
	if (!err)
		mw_bpf_destroy(skel);
	return err;
}

/* The largest program of @l by processed instructions, or NULL. */
static const struct mw_verdict *largest(const struct mw_load *l)
{
	const struct mw_verdict *big = NULL;
	int i;

	for (i = 0; i < l->n; i++)
		if (!l->v[i].err && (!big || l->v[i].processed > big->processed))
			big = &l->v[i];
	return big;
}

/* The loaded programs of @l that run @runs (MW_RUNS_*), on one line after @what. */
static void print_runs(const struct mw_load *l, __u32 runs, const char *what)
{
	int i, n = 0;

	printf("  %s:", what);
	for (i = 0; i < l->n; i++)
		if (!l->v[i].err && mw_prog_runs(l->v[i].name) == runs)
			printf("%s %s", n++ ? "," : "", l->v[i].name);
	printf("%s\n", n ? "" : " none");
}

/* The programs as a session loads them here; returns the rules the refused ones turn off. */
static __u32 print_programs(const struct mw_kernel *k)
{
	const struct mw_verdict *big;
	struct mw_load *l = calloc(1, sizeof(*l));
	__u32 off;
	int i;

	printf("programs (as a session loads them)\n");
	if (!l || doctor_load(MW_PROGS_SESSION, k, l)) {
		printf("  cannot load them (said above)\n");
		free(l);
		return 0;
	}
	big = largest(l);
	printf("  %d loaded, %d refused", l->n - mw_load_refused(l), mw_load_refused(l));
	if (big)
		printf("; the largest: %s, %u processed instructions (%u%% of the budget)",
		       big->name, big->processed, big->processed * 100 / MW_VERIFIER_BUDGET);
	printf("\n");
	print_runs(l, MW_RUNS_KERNEL, "kernel-wide, at every event of their kind");
	print_runs(l, MW_RUNS_MODULES, "only in watched modules' code");
	print_runs(l, MW_RUNS_DAEMON, "only when the daemon runs them");
	for (i = 0; i < l->n; i++)
		if (l->v[i].err)
			printf("  refused %s (%s): %s are not watched\n", l->v[i].name,
			       mw_refusal_reason(l->v[i].err), mw_prog_watches(l->v[i].name));
	off = mw_load_rules_off(l);
	free(l);
	return off;
}

/* --deep's reach in module @name: the loads and stores its .ko holds, by what becomes of them. */
static void print_deep_module(const char *name)
{
	struct mw_accesses a = { 0 };
	char path[4096], left[512] = "none";
	unsigned int c;
	int len = 0;

	if (mw_ko_find(name, path, sizeof(path))) {
		printf("  %-22s no .ko in modules.dep (modwatch --ko NAME=PATH)\n", name);
		return;
	}
	if (mw_ko_accesses(path, NULL, 0, &a)) {
		printf("  %-22s cannot decode %s (said above)\n", name, path);
		return;
	}
	for (c = MW_ACC_KEPT + 1; c < MW_ACC_NR && len < (int)sizeof(left); c++)
		if (a.classes[c])
			len += snprintf(left + len, sizeof(left) - len, "%s%s %llu", len ? ", " : "",
					mw_acc_class_name(c), (unsigned long long)a.classes[c]);
	printf("  %-22s %6llu to probe (%llu reads, %llu writes); left out: %s\n", name,
	       (unsigned long long)a.classes[MW_ACC_KEPT], (unsigned long long)a.reads,
	       (unsigned long long)a.writes, left);
	mw_accesses_free(&a);
}

static void print_deep(void)
{
	char (*names)[64] = NULL;
	int i, n = mw_registry_loaded_names(&names);

	printf("deep (--deep: each loaded module's own loads and stores, from its .ko)\n");
	if (n == 0 || n == -ENOENT)
		printf("  no loaded module\n");
	else if (n < 0)
		printf("  cannot read /proc/modules: %s\n", strerror(-n));
	for (i = 0; i < n; i++)
		print_deep_module(names[i]);
	free(names);
}

int mw_cmd_doctor(void)
{
	struct mw_kernel k;
	bool root = mw_is_root(), core_ok;
	__u32 rules_off = 0;
	int err;

	err = mw_kernel_probe(&k);
	if (err)
		mw_warn("cannot read the kernel's BTF: %s", strerror(-err));
	if (!root)
		mw_warn("not root: BPF features cannot be probed (try sudo modwatch doctor)");
	print_features(&k, root);
	core_ok = k.btf && k.ringbuf && k.raw_tp;
	if (root && core_ok)
		rules_off = print_programs(&k);
	print_rules(&k, core_ok, rules_off);
	print_probe_modes(&k);
	print_callees();
	print_uninit();
	print_deep();
	if (!core_ok) {
		printf("modwatch cannot run here: it needs BTF, BPF ring buffers and raw "
		       "tracepoints%s\n", root ? "" : " (and root)");
		return MW_EXIT_FAILURE;
	}
	return MW_EXIT_OK;
}

/*
 * {"program","type","loaded","insns","processed","peak_states","total_states",
 *  "verify_us","budget"[,"reason"]}: a program's verdict as a JSON line.
 */
static void verdict_json(const struct mw_verdict *v, const char *type)
{
	struct jw *out = jw_begin(stdout);

	jw_puts("{\"program\":", out);
	json_str(out, v->name, sizeof(v->name));
	jw_puts(",\"type\":", out);
	json_str(out, type, SIZE_MAX);
	jw_printf(out, ",\"loaded\":%s,\"insns\":%u,\"processed\":%u,\"peak_states\":%u,"
		  "\"total_states\":%u,\"verify_us\":%u,\"budget\":%u", v->err ? "false" : "true",
		  v->insns, v->processed, v->peak_states, v->total_states, v->verify_us,
		  MW_VERIFIER_BUDGET);
	if (v->err) {
		jw_puts(",\"reason\":", out);
		json_str(out, mw_refusal_reason(v->err), SIZE_MAX);
	}
	jw_puts("}\n", out);
	jw_end(out, false);
}

/* One program's line of the verifier table, text or JSON. */
static void verdict_line(const struct mw_verdict *v, bool json)
{
	const char *type = libbpf_bpf_prog_type_str(v->type);

	if (json) {
		verdict_json(v, type ? type : "unknown");
		return;
	}
	printf("  %-34s %-14s %6u %10u %7u %7u %9.1f%s%s\n", v->name, type ? type : "?", v->insns,
	       v->processed, v->peak_states, v->total_states, v->verify_us / 1000.0,
	       v->err ? "  REFUSED: " : v->processed > MW_VERIFIER_BUDGET ? "  OVER BUDGET" : "",
	       v->err ? mw_refusal_reason(v->err) : "");
}

/*
 * modwatch doctor --verifier: every program of the object (the unit tests'
 * entries too), as this kernel's verifier takes it, against the budget
 * every program keeps on every kernel we run. Exit 1 when one is refused
 * or over the budget.
 */
int mw_cmd_doctor_verifier(bool json)
{
	struct mw_load *l = calloc(1, sizeof(*l));
	const struct mw_verdict *big;
	struct mw_kernel k;
	int err, i, over = 0, code = MW_EXIT_OK;
	__u64 total = 0, us = 0;

	if (!l)
		return MW_EXIT_FAILURE;
	err = mw_kernel_probe(&k);
	if (!err)
		err = doctor_load(MW_PROGS_ALL, &k, l);
	if (err) {
		free(l);
		return MW_EXIT_FAILURE;	/* said why */
	}
	if (!json)
		printf("verifier of %s: every program, budget %u processed instructions each\n"
		       "  %-34s %-14s %6s %10s %7s %7s %9s\n", k.release, MW_VERIFIER_BUDGET,
		       "program", "type", "insns", "processed", "peak", "states", "time ms");
	for (i = 0; i < l->n; i++) {
		verdict_line(&l->v[i], json);
		over += !l->v[i].err && l->v[i].processed > MW_VERIFIER_BUDGET;
		total += l->v[i].processed;
		us += l->v[i].verify_us;
	}
	big = largest(l);
	if (!json && big)
		printf("  %d programs, %llu instructions processed in %.1f ms; the largest: %s, %u "
		       "(%u%% of the budget)\n", l->n, (unsigned long long)total, us / 1000.0,
		       big->name, big->processed, big->processed * 100 / MW_VERIFIER_BUDGET);
	if (over || mw_load_refused(l)) {
		mw_err("%d programs over the verifier budget of %u, %d refused", over,
		       MW_VERIFIER_BUDGET, mw_load_refused(l));
		code = MW_EXIT_VIOLATION;
	}
	free(l);
	return code;
}
