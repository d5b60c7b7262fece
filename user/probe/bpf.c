// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF object's lifecycle: open -> configure rodata and map sizes ->
 * choose which programs this kernel can run -> load -> attach.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include "heap.h"
#include "events.h"
#include "stacks.h"
#include "stats.h"
#include "lib/error.h"
#include "probe/bpf.h"
#include "probe/kernel.h"
#include "probe/progs.h"
#include "probe/stack_maps.h"
#include "probe/skel.h"

void mw_config_default(struct mw_config *cfg)
{
	/* Everything else off: a caller's stack garbage must not turn a filter on. */
	*cfg = (struct mw_config){
		.max_objects = 32768,
		.quarantine = 16384,
		.ringbuf_kb = 1024,
		.exclude_self = true,
		.image_not_heap = true,
		.crash_log = true,
		.stacks = MW_STACKS_DEFAULT,
		.stack_depth = MW_STACK_DEPTH,
		.stack_entries = MW_STACK_ENTRIES,
	};
}

/*
 * What libbpf says of a load: the program it could not load ("prog 'X':
 * failed to load: -N", libbpf 1.1's words), and its first warning, for the
 * one line that says why a load failed. libbpf's own lines, verifier logs
 * among them, reach the screen only with -v.
 */
static char refused_prog[sizeof(((struct mw_verdict *)0)->name)];
static char libbpf_first[256];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512], name[sizeof(refused_prog)];
	va_list cp;
	int end = 0;

	if (level == LIBBPF_WARN) {
		va_copy(cp, ap);
		vsnprintf(line, sizeof(line), fmt, cp);
		va_end(cp);
		/* The whole line must match: %n is reached only then. */
		if (sscanf(line, "libbpf: prog '%47[^']': failed to load:%n", name, &end) == 1 &&
		    end)
			memcpy(refused_prog, name, sizeof(name));
		if (!libbpf_first[0])
			snprintf(libbpf_first, sizeof(libbpf_first), "%.*s",
				 (int)strcspn(line, "\n"), line);
	}
	return mw_vraw(level == LIBBPF_DEBUG ? MW_DEBUG : MW_VERBOSE, fmt, ap);
}

/*
 * Load a program only where the kernel has its tracepoint (kmalloc_node and
 * kmem_cache_alloc_node are gone since v6.1, module_* without modules).
 */
static void choose_programs(struct modwatch_bpf *skel, const struct mw_kernel *k)
{
	bpf_program__set_autoload(skel->progs.mw_kmalloc, k->tp_kmalloc);
	bpf_program__set_autoload(skel->progs.mw_kmalloc_node, k->tp_kmalloc_node);
	bpf_program__set_autoload(skel->progs.mw_kmem_cache_alloc, k->tp_kmem_cache_alloc);
	bpf_program__set_autoload(skel->progs.mw_kmem_cache_alloc_node,
				  k->tp_kmem_cache_alloc_node);
	bpf_program__set_autoload(skel->progs.mw_kfree, k->tp_kfree);
	bpf_program__set_autoload(skel->progs.mw_kmem_cache_free, k->tp_kmem_cache_free);
	bpf_program__set_autoload(skel->progs.mw_module_free, k->tp_module_free && k->modules);
	bpf_program__set_autoload(skel->progs.mw_module_load, k->tp_module_load && k->modules);
}

/*
 * Call-site programs only where a call site can be probed: a kernel without
 * kprobes or without modules has none (kprobe programs load there, and
 * cost the verifier's time, but could never run).
 */
static void choose_kprobes(struct modwatch_bpf *skel, const struct mw_config *cfg,
			   const struct mw_kernel *k)
{
	struct bpf_program *prog;

	if (k->kprobes && k->modules && !cfg->probe_global)
		return;
	bpf_object__for_each_program(prog, skel->obj)
		if (bpf_program__type(prog) == BPF_PROG_TYPE_KPROBE &&
		    strncmp(bpf_program__name(prog), "mw_kpg_", strlen("mw_kpg_")))
			bpf_program__set_autoload(prog, false);
}

/*
 * The unit tests' mw_test_* entries drive the rules by BPF_PROG_TEST_RUN; a
 * session never runs them. Not loading them spares the verifier 18 of 51
 * programs at every start (3.5 s of 23 in the emulated test VM). The unit
 * tests in turn never run a kprobe program (BPF_PROG_TEST_RUN cannot): their
 * fixture skips the kprobes, 4.4 of 7.5 s of verifier time on the host for
 * each of about 170 loads. One test loads every program, so that the whole
 * object is still verified on the host's kernel.
 */
static void choose_for_tests(struct modwatch_bpf *skel, const struct mw_config *cfg)
{
	struct bpf_program *prog;
	bool entry;

	bpf_object__for_each_program(prog, skel->obj) {
		entry = !strncmp(bpf_program__name(prog), "mw_test_", strlen("mw_test_"));
		if (cfg->progs == MW_PROGS_ALL)
			bpf_program__set_autoload(prog, true);
		else if (entry)
			bpf_program__set_autoload(prog, cfg->progs == MW_PROGS_UNIT);
		else if (cfg->progs == MW_PROGS_UNIT &&
			 bpf_program__type(prog) == BPF_PROG_TYPE_KPROBE)
			bpf_program__set_autoload(prog, false);
	}
}

/* --probe-mode global's programs and where the skeleton keeps their links. */
struct global_prog {
	struct bpf_program *prog;
	struct bpf_link **link;
};

#define NR_GLOBAL 3

static void global_progs(struct modwatch_bpf *skel, struct global_prog g[NR_GLOBAL])
{
	g[0] = (struct global_prog){ skel->progs.mw_kpg_check_object_size,
				     &skel->links.mw_kpg_check_object_size };
	g[1] = (struct global_prog){ skel->progs.mw_kpg_strncpy, &skel->links.mw_kpg_strncpy };
	g[2] = (struct global_prog){ skel->progs.mw_kpg_fetch_nofault,
				     &skel->links.mw_kpg_fetch_nofault };
}

/*
 * Loaded only for --probe-mode global on a kernel with kprobes; attached one
 * by one. These probe function entries, where a multi-kprobe link (fprobe:
 * ftrace calls the program, no int3 and no perf event in between) replaces
 * a kprobe wherever the kernel has them; the program is the same, only its
 * expected attach type differs. Call sites cannot use them: fprobe attaches
 * only at ftrace locations, the functions' entries.
 */
static void choose_global(struct modwatch_bpf *skel, const struct mw_config *cfg,
			  const struct mw_kernel *k)
{
	struct global_prog g[NR_GLOBAL];
	int i;

	global_progs(skel, g);
	for (i = 0; i < NR_GLOBAL; i++) {
		bpf_program__set_autoload(g[i].prog, cfg->probe_global && k->kprobes);
		bpf_program__set_autoattach(g[i].prog, false);
		if (k->kprobe_multi)
			bpf_program__set_expected_attach_type(g[i].prog, BPF_TRACE_KPROBE_MULTI);
	}
}

/*
 * Attach what the kernel lets us probe; a function it refuses (notrace or
 * blacklisted) only turns off what depends on it, and modwatch says so.
 * Returns how many were attached; the skeleton destroys their links.
 */
int mw_bpf_attach_global(struct modwatch_bpf *skel, const struct mw_kernel *k)
{
	struct global_prog g[NR_GLOBAL];
	int i, attached = 0;
	const char *fn;

	global_progs(skel, g);
	for (i = 0; i < NR_GLOBAL; i++) {
		if (bpf_program__fd(g[i].prog) < 0)
			continue;	/* refused: said at load */
		fn = strchr(bpf_program__section_name(g[i].prog), '/') + 1;
		*g[i].link = k->kprobe_multi ?
			bpf_program__attach_kprobe_multi_opts(g[i].prog, fn, NULL) :
			bpf_program__attach(g[i].prog);
		if (*g[i].link) {
			attached++;
			continue;
		}
		mw_warn("--probe-mode global: cannot %s %s (%s): what it sees goes unchecked",
			k->kprobe_multi ? "attach a multi-kprobe link to" : "kprobe", fn,
			strerror(errno));
	}
	return attached;
}

/* Two filter slots per record the live, quarantine and reused maps can hold: mostly zeros. */
static int size_heap_filter(struct modwatch_bpf *skel, const struct mw_config *cfg)
{
	__u64 want = 2 * ((__u64)cfg->max_objects + cfg->quarantine + MW_REUSED_ENTRIES);
	__u64 n = MW_HEAP_FILTER;

	while (n < want && n < (1u << 30))
		n <<= 1;
	skel->rodata->mw_heap_filter_mask = (__u32)n - 1;
	return bpf_map__set_max_entries(skel->maps.mw_heap_filter, (__u32)n / MW_FILTER_LANES);
}

/*
 * --deep's probe on each memory access of the watched modules, and the
 * descriptors it reads (1.5 MiB): neither exists in a session without it.
 * Before choose_kprobes(), which may turn it off again; the unit tests' and
 * the verifier's loads (choose_for_tests()) need the map for the programs
 * they load.
 */
static void choose_deep(struct modwatch_bpf *skel, const struct mw_config *cfg)
{
	bpf_program__set_autoload(skel->progs.mw_kp_access, cfg->deep);
	bpf_map__set_autocreate(skel->maps.mw_access_descs,
				cfg->deep || cfg->progs != MW_PROGS_SESSION);
}

static int configure(struct modwatch_bpf *skel, const struct mw_config *cfg,
		     const struct mw_kernel *k)
{
	int err;

	skel->rodata->mw_self_tgid = cfg->exclude_self ? (__u32)getpid() : 0;
	skel->rodata->mw_image_not_heap = cfg->image_not_heap;
	skel->rodata->mw_every = cfg->every;
	skel->rodata->mw_crash_log = cfg->crash_log;
	skel->bss->mw_only_kinds = cfg->only_kinds;
	skel->rodata->mw_only_tgid = cfg->only_tgid;
	memcpy((char *)skel->rodata->mw_only_comm, cfg->only_comm, sizeof(cfg->only_comm));
	skel->rodata->mw_kca_has_cache = k->kca_has_cache;
	err = bpf_map__set_max_entries(skel->maps.mw_objects, cfg->max_objects);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.mw_quarantine, cfg->quarantine);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.mw_events, cfg->ringbuf_kb * 1024);
	if (!err)
		err = size_heap_filter(skel, cfg);
	if (!err)
		err = mw_stacks_configure(skel, cfg->stacks, cfg->stack_depth, cfg->stack_entries);
	choose_programs(skel, k);
	choose_deep(skel, cfg);
	choose_kprobes(skel, cfg, k);
	choose_global(skel, cfg, k);
	/* The report path's generator: only for modwatch storm, never attached. */
	bpf_program__set_autoload(skel->progs.mw_storm, cfg->storm);
	choose_for_tests(skel, cfg);
	return err;
}

/*
 * Fault injection for the tests of a refusal: MODWATCH_FAULT_REFUSE names
 * programs (comma-separated) to load as socket filters, a type whose
 * helpers and context they cannot use: the kernel's verifier refuses them
 * for real, through the load path a refusal on a new kernel takes.
 */
static void inject_refusals(struct modwatch_bpf *skel)
{
	const char *want = getenv("MODWATCH_FAULT_REFUSE");
	struct bpf_program *prog;
	const char *name, *p;
	size_t len;

	if (!want)
		return;
	bpf_object__for_each_program(prog, skel->obj) {
		name = bpf_program__name(prog);
		len = strlen(name);
		for (p = want; (p = strstr(p, name)); p += len)
			if ((p == want || p[-1] == ',') && (!p[len] || p[len] == ','))
				bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
	}
}

/*
 * Room for a BPF_LOG_STATS log: a few lines of statistics, but since v6.4
 * the kernel sizes the log by all it formatted, kept or not (4 KiB were
 * short by little for mw_kfree): a load whose log did not fit fails with
 * ENOSPC, and that program is then loaded again without statistics.
 */
#define STATS_LOG 16384

/*
 * Each program's log: the verifier's statistics, whether it loads or not;
 * none[i] once program i's did not fit (by its place in the object, the
 * same at every open).
 */
struct logs {
	char buf[MW_MAX_PROGS][STATS_LOG];
	bool none[MW_MAX_PROGS];
};

/* Program @name's statistics did not fit: none for it from now on. False if it had none. */
static bool drop_stats(struct modwatch_bpf *skel, struct logs *logs, const char *name)
{
	struct bpf_program *prog;
	int i = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		if (i < MW_MAX_PROGS && !strcmp(bpf_program__name(prog), name)) {
			if (logs->none[i])
				return false;
			logs->none[i] = true;
			return true;
		}
		i++;
	}
	return false;
}

static void ask_for_stats(struct modwatch_bpf *skel, struct logs *logs)
{
	struct bpf_program *prog;
	int i = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		if (i == MW_MAX_PROGS)
			break;
		logs->buf[i][0] = '\0';
		if (!logs->none[i]) {
			bpf_program__set_log_buf(prog, logs->buf[i], STATS_LOG);
			bpf_program__set_log_level(prog, 4);	/* BPF_LOG_STATS */
		}
		i++;
	}
}

/* The verdicts of the programs this load asked for; @err: the refused one's. */
static void read_verdicts(struct modwatch_bpf *skel, const struct logs *logs, struct mw_load *l,
			  int err)
{
	struct bpf_program *prog;
	struct mw_verdict *v;
	const char *name;
	int i = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		name = bpf_program__name(prog);
		if (i == MW_MAX_PROGS || l->n == MW_MAX_PROGS)
			break;
		if (bpf_program__autoload(prog) && (!err || !strcmp(name, refused_prog))) {
			v = &l->v[l->n++];
			*v = (struct mw_verdict){ .insns = bpf_program__insn_cnt(prog),
						  .type = bpf_program__type(prog) };
			snprintf(v->name, sizeof(v->name), "%s", name);
			v->err = err && !strcmp(name, refused_prog) ? err : 0;
			mw_verdict_parse(v, logs->buf[i]);
		}
		i++;
	}
}

/*
 * One attempt: every chosen program but those refused before (@l's refused
 * verdicts). A log too short for a program's statistics (ENOSPC) drops them
 * for it, and the attempt is made again.
 */
static int load_once(struct modwatch_bpf **out, const struct mw_config *cfg,
		     const struct mw_kernel *k, struct logs *logs, struct mw_load *l)
{
	struct modwatch_bpf *skel = modwatch_bpf__open();
	struct bpf_program *prog;
	int err, i;

	if (!skel) {
		err = -errno;
		mw_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	err = configure(skel, cfg, k);
	if (err) {
		mw_err("cannot size the BPF maps: %s", strerror(-err));
		goto fail;
	}
	inject_refusals(skel);
	for (i = 0; i < l->n; i++) {
		prog = bpf_object__find_program_by_name(skel->obj, l->v[i].name);
		if (prog)
			bpf_program__set_autoload(prog, false);
	}
	ask_for_stats(skel, logs);
	refused_prog[0] = '\0';
	libbpf_first[0] = '\0';
	err = modwatch_bpf__load(skel);
	if (err == -ENOSPC && refused_prog[0] && drop_stats(skel, logs, refused_prog))
		err = -EAGAIN;
	else
		read_verdicts(skel, logs, l, err);
	if (!err) {
		*out = skel;
		return 0;
	}
fail:
	modwatch_bpf__destroy(skel);
	return err;
}

/* -v: the verifier's own account of why it refused @name, its last lines, on stderr. */
static void diagnose(const struct mw_config *cfg, const struct mw_kernel *k, const char *name)
{
	struct modwatch_bpf *skel = modwatch_bpf__open();
	size_t size = 16u << 20, len, lines = 0;
	struct bpf_program *prog;
	char *log = calloc(1, size);

	if (!skel || !log || configure(skel, cfg, k))
		goto out;
	inject_refusals(skel);
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), name));
	prog = bpf_object__find_program_by_name(skel->obj, name);
	if (!prog)
		goto out;
	bpf_program__set_log_buf(prog, log, size);
	bpf_program__set_log_level(prog, 1);
	modwatch_bpf__load(skel);
	/* The end says why: the last 40 lines (a full log kept only its start before v6.4). */
	for (len = strlen(log); len > 0 && lines < 41; len--)
		lines += log[len - 1] == '\n';
	mw_raw(MW_VERBOSE, "modwatch: the verifier on %s%s:\n%s", name,
		strlen(log) >= size - 1 ? " (its log filled 16 MiB: older kernels keep the start)" :
		"", log + len);
out:
	free(log);
	modwatch_bpf__destroy(skel);
}

/*
 * Load what this kernel accepts. A program it refuses (too large for its
 * verifier, a helper or attach type it lacks) is left out and the rest
 * loaded again: it costs the rules it serves (the session says which),
 * never the session. Only a failure that names no program is fatal.
 */
int mw_bpf_load(struct modwatch_bpf **out, const struct mw_config *cfg, const struct mw_kernel *k,
		struct mw_load *l)
{
	struct logs *logs = calloc(1, sizeof(*logs));
	int err, refused;

	if (!logs)
		return -ENOMEM;
	libbpf_set_print(libbpf_print);
	l->n = 0;
	for (;;) {
		refused = l->n;
		err = load_once(out, cfg, k, logs, l);
		if (err == -EAGAIN)
			continue;	/* statistics dropped: each time one more program's */
		if (!err || l->n == refused || l->n == MW_MAX_PROGS)
			break;
		if (mw_verbosity >= MW_VERBOSE)
			diagnose(cfg, k, refused_prog);
	}
	free(logs);
	if (err && libbpf_first[0])
		mw_err("cannot load the BPF programs: %s (%s)", strerror(-err), libbpf_first);
	else if (err)
		mw_err("cannot load the BPF programs: %s (run with -v for libbpf's account)",
		       strerror(-err));
	return err;
}

int mw_bpf_attach(struct modwatch_bpf *skel)
{
	int err = modwatch_bpf__attach(skel);

	if (err) {
		mw_err("cannot attach the BPF programs: %s (see modwatch doctor)", strerror(-err));
		return err;
	}
	return 0;
}

void mw_bpf_destroy(struct modwatch_bpf *skel)
{
	modwatch_bpf__destroy(skel);
}

/* Counter @id (enum mw_stat) summed over the CPUs, or 0 if it cannot be read. */
__u64 mw_bpf_stat(struct modwatch_bpf *skel, __u32 id)
{
	int ncpu = libbpf_num_possible_cpus(), cpu;
	__u64 *vals, sum = 0;

	if (ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.mw_stats), &id, vals))
		for (cpu = 0; cpu < ncpu; cpu++)
			sum += vals[cpu];
	free(vals);
	return sum;
}

int mw_bpf_stats(struct modwatch_bpf *skel, __u64 stats[MW_STAT_NR])
{
	__u32 id;

	if (libbpf_num_possible_cpus() <= 0)
		return -EINVAL;
	for (id = 0; id < MW_STAT_NR; id++)
		stats[id] = mw_bpf_stat(skel, id);
	return 0;
}

/* The kernel's own account of a map's memory: "memlock:" in its fdinfo. */
static __u64 map_memory(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * Entries in a hash-like map now, by walking its keys: a syscall per entry,
 * so only the metrics ask, and not more than every few seconds. Arrays are
 * always full and a ring buffer has no keys: -1.
 */
static __s64 map_used(const struct bpf_map *map)
{
	enum bpf_map_type t = bpf_map__type(map);
	__u8 key[256], next[256];
	int fd = bpf_map__fd(map);
	__s64 n = 0;
	void *prev = NULL;

	if (t != BPF_MAP_TYPE_HASH && t != BPF_MAP_TYPE_LRU_HASH && t != BPF_MAP_TYPE_STACK_TRACE &&
	    t != BPF_MAP_TYPE_PERCPU_HASH && t != BPF_MAP_TYPE_LRU_PERCPU_HASH)
		return -1;
	if (bpf_map__key_size(map) > sizeof(key))
		return -1;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, bpf_map__key_size(map));
		prev = key;
		n++;
	}
	return n;
}

/* @count: also the entries in each now (map_used(), costly), else -1. */
int mw_bpf_maps(struct modwatch_bpf *skel, struct mw_map_info *info, int max, bool count)
{
	struct bpf_map *map;
	int n = 0;

	bpf_object__for_each_map(map, skel->obj) {
		/*
		 * .rodata and .bss hold a few variables: not worth a line. A map
		 * not created (--deep's without it) is none of this session's.
		 */
		if (bpf_map__is_internal(map) || bpf_map__fd(map) < 0 || n == max)
			continue;
		info[n].name = bpf_map__name(map);
		info[n].entries = bpf_map__max_entries(map);
		info[n].bytes = map_memory(bpf_map__fd(map));
		/* Before v6.4 ("bpf: add map_mem_usage") a ring buffer shows memlock 0. */
		if (!info[n].bytes && bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF)
			info[n].bytes = info[n].entries;
		info[n].used = count ? map_used(map) : -1;
		n++;
	}
	return n;
}

/*
 * Runs and run time of every loaded program that ran (a kprobe program
 * counts the hits of all its probes). The kernel counts time only while
 * BPF_ENABLE_STATS is held (--prog-stats); runs are counted then too.
 */
int mw_bpf_prog_stats(struct modwatch_bpf *skel, struct mw_prog_stat *out, int max)
{
	struct bpf_prog_info info;
	struct bpf_program *prog;
	__u32 len;
	int n = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (n == max || bpf_program__fd(prog) < 0 ||
		    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) || !info.run_cnt)
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_program__name(prog));
		out[n].runs = info.run_cnt;
		out[n].run_ns = info.run_time_ns;
		n++;
	}
	return n;
}

/* SIGHUP: which kinds the running programs report (0: all). */
void mw_bpf_set_kinds(struct modwatch_bpf *skel, __u32 only_kinds)
{
	skel->bss->mw_only_kinds = only_kinds;
}

/* The rules this kernel's refusals left unable to judge: never reported. */
void mw_bpf_set_rules_off(struct modwatch_bpf *skel, __u32 off)
{
	skel->bss->mw_off_kinds = off;
}

/* Did the kernel take @prog? */
bool mw_bpf_loaded(const struct bpf_program *prog)
{
	return prog && bpf_program__fd(prog) >= 0;
}
