/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces between the daemon's parts. Functions return 0 or -errno. */
#ifndef MODWATCH_USER_H
#define MODWATCH_USER_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "events.h"
#include "registry.h"
#include "sites.h"
#include "stats.h"
#include "stacks.h"

struct modwatch_bpf;

#define MODWATCH_VERSION "0.1.0"

/* Exit codes of the modwatch binary. */
enum {
	MW_EXIT_OK = 0,
	MW_EXIT_VIOLATION = 1,	/* a violation was reported */
	MW_EXIT_USAGE = 2,
	MW_EXIT_CMD_FAILED = 3,	/* CI mode: clean, but CMD itself failed */
	MW_EXIT_FAILURE = 4,	/* modwatch failed: could not load, could not watch */
};

/* error.c: the one error printer. */
void mw_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool mw_verbose;
void mw_phase(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* kernel.c: what the running kernel offers. */
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

struct mw_blind;

/* A call site modwatch found but does not probe, and why. */
struct mw_unprobed {
	char func[128];
	__u64 offset;
	__u32 skip;		/* enum mw_skip (ko.h) */
	int err;		/* -errno, for MW_SKIP_ATTACH */
};

/* registry.c: watched modules and the BPF page table that names them. */
struct mw_module {
	char name[64];
	__u32 id;
	__u64 text_lo, text_hi;	/* [lo, hi) */
	bool loaded;
	__u64 counts[MW_KIND_NR];	/* violations reported, for the summary */
	__u64 repeats[MW_KIND_NR];	/* and their repeats, counted but not reported */
	__u64 warnings[MW_KIND_NR];	/* of counts[], those of severity warning */
	/* call-site probes (sites.c) */
	char ko[256];		/* the .ko they came from */
	__u32 nr_sites;		/* calls to callees of interest found in it */
	__u32 nr_probes;	/* kprobes attached: links[] */
	__u32 nr_slots;		/* their sites' slots[] in mw_sites */
	__u32 nr_entries;	/* entry points in its .ko (struct mw_call) */
	__u32 probed_entries;	/* of them, probed (their slots are in slots[] too) */
	__u32 nr_unprobed;	/* sites of probed callees left alone: unprobed[] */
	__u32 nr_noret;		/* acquires probed at the call only: ownership settles later */
	bool unseen_vfree;	/* a vfree()/kvfree() site of it is not probed */
	__u32 nr_static_locks;	/* static locks found in the .ko, checked at unload */
	struct bpf_link **links;
	__u32 *slots;
	struct mw_unprobed *unprobed;
	struct mw_blind *blind;	/* calls of the families modwatch does not know (ko.h) */
	__u32 nr_blind;
	/* writable static objects (statics.c): mw_statics[static_first, + nr_statics) */
	__u32 static_first;
	__u32 nr_statics;
	struct mw_static_range *statics;	/* theirs, by address */
};

struct mw_registry {
	struct mw_module mods[MW_MAX_MODULES];
	__u32 nr;		/* ids 1..nr are mods[0..nr-1] */
	int pages_fd;		/* the mw_pages map */
	int ids_fd;		/* the mw_module_ids map */
	__u64 *watch_lo, *watch_hi;	/* in the skeleton's .bss */
};
void mw_registry_init(struct mw_registry *r, struct modwatch_bpf *skel);
int mw_registry_add_loaded(struct mw_registry *r, const char *name);
int mw_registry_add_all(struct mw_registry *r);
int mw_registry_add_range(struct mw_registry *r, const char *name, __u64 lo, __u64 hi);
struct mw_module *mw_registry_module(struct mw_registry *r, __u32 id);
void mw_registry_remove(struct mw_registry *r, struct mw_module *m);
void mw_registry_key(const char *name, struct mw_module_key *key);
int mw_registry_loaded_names(char (**names)[64]);
bool mw_registry_loaded(const char *name);
/* A module's name as the kernel spells it: '_' where modprobe accepts '-'. */
void mw_module_name(char *dst, const char *src, size_t len);
const char *mw_registry_name(struct mw_registry *r, __u32 id);

/* ksym.c: addresses to module:function+offset. */
struct mw_sym {
	const char *module;	/* NULL for core kernel */
	const char *name;	/* NULL when unknown */
	__u64 offset;
};
int mw_ksym_resolve(__u64 addr, struct mw_sym *sym);
int mw_ksym_resolve_data(__u64 addr, struct mw_sym *sym);
void mw_ksym_format(__u64 addr, char *buf, size_t len);
void mw_ksym_free(void);
int mw_ksym_reload(void);
/* @module: that module, "" the core kernel, NULL anywhere. */
int mw_ksym_addr(const char *module, const char *name, __u64 *addr);
/*
 * @module's last code symbol in kallsyms and the address of its first data
 * symbol after it (0: none); -ENOENT if it has no code symbol.
 */
int mw_ksym_module_tail(const char *module, __u64 *last_text, __u64 *next);

/* srcline.c: file:line of a module's code, from its .ko's DWARF (libdw). */
struct mw_src_frame {
	const char *func;	/* the (inlined) function this frame is in */
	const char *file;	/* as the DWARF names it; valid until mw_srcline_free() */
	int line;
};
#define MW_SRC_FRAMES 8
#define MW_SRC_VMLINUX "vmlinux"	/* the core kernel's name among them */
int mw_srcline_add(const char *module, const char *ko_path);
int mw_srcline_vmlinux(const char *path);
int mw_srcline_debug_dir(const char *dir);
int mw_srcline(const char *module, const char *func, __u64 offset, struct mw_src_frame *f,
	       int max);
const char *mw_srcline_display(const char *module, const char *file);
void mw_srcline_free(void);

/* sites.c: kprobes on a watched module's own call instructions. */
struct mw_sites {
	bool used[MW_MAX_SITES];	/* slots of the mw_sites map */
	__u32 hint;
	bool static_used[MW_STATICS];	/* entries of the mw_statics map */
};
int mw_sites_attach(struct mw_sites *ss, struct modwatch_bpf *skel, struct mw_module *m,
		    const char *ko_path, bool named);
void mw_sites_detach(struct mw_sites *ss, struct modwatch_bpf *skel, struct mw_module *m,
		     bool background);
void mw_sites_wait(void);
/* The live address of @module's @section (/sys/module/NAME/sections/); 0 or -errno. */
int mw_section_addr(const char *module, const char *section, __u64 *addr);

/* statics.c: a module's writable static objects, for the race rules. */
struct mw_static_range {
	__u64 addr;
	__u64 size;
	char name[64];
};
struct mw_ko;
void mw_statics_add(struct mw_sites *ss, struct modwatch_bpf *skel, struct mw_module *m,
		    const struct mw_ko *ko);
void mw_statics_drop(struct mw_sites *ss, struct modwatch_bpf *skel, struct mw_module *m);
/* @m's objects are @r[0..n), sorted, not overlapping (taken over, freed on drop); 0 or -errno. */
int mw_statics_set(struct mw_sites *ss, struct modwatch_bpf *skel, struct mw_module *m,
		   struct mw_static_range *r, __u32 n);
/*
 * The watched module's static object at @addr, named from its .ko (Debian's
 * kallsyms has no module data: no CONFIG_KALLSYMS_ALL); -ENOENT if none.
 */
int mw_statics_resolve(__u64 addr, struct mw_sym *sym);
void mw_sites_init(struct modwatch_bpf *skel);
/*
 * The name under which the running kernel's kallsyms has @callee: its
 * MW_CALLEES name or a later one (include/sites.h), NULL if neither; @addr
 * its address (0 when kallsyms hides addresses: not root).
 */
const char *mw_callee_in_kernel(__u32 callee, __u64 *addr);
int mw_peek(struct modwatch_bpf *skel, __u64 addr, __u8 buf[16]);

/* heap.c: reading the heap tracker's maps back. */
struct mw_alloc_group {
	__u32 module_id;
	__u32 __pad;
	__u64 site;		/* allocation site */
	__u64 count;
	__u64 bytes;		/* requested */
	__u64 first_ns;		/* the oldest allocation's time */
	bool vmalloc;		/* some of them are vmalloc areas */
};
#define MW_MAX_GROUPS 1024
void mw_heap_init(struct modwatch_bpf *skel);
int mw_heap_cache_name(__u64 cache, char *buf, size_t len);
int mw_heap_group_live(__u32 module_id, bool drop, struct mw_alloc_group *g, size_t max);
__u64 mw_heap_quarantined(void);
__u64 mw_heap_missed(void);
void mw_heap_sample_misses(void);
/*
 * The skip counts @missed ([0] allocations, [1] frees), as read at @now
 * (CLOCK_MONOTONIC ns): a growth since the last is a window of lost evidence.
 */
void mw_heap_note_misses(const __u64 missed[2], __u64 now);
void mw_heap_misses_reset(void);
void mw_heap_sample_misses_after(__u64 ns);
bool mw_heap_missed_since(bool frees, __u64 ns);

/* locks.c: lock names, and the locks a module holds as it unloads. */
struct mw_lock_owner;
void mw_locks_init(struct modwatch_bpf *skel);
const char *mw_lock_type_name(__u32 type);
void mw_lock_name(__u64 addr, char *buf, size_t len);
int mw_locks_held(__u32 module_id, __u64 *locks, struct mw_lock_owner *owners, int max);

/* Lock-order edges as the daemon reads them, and cycles of three or more locks. */
struct mw_edge {
	__u64 a, b;		/* b was taken while a was held */
	__u64 site_a, site_b;
	__u64 ns;		/* when the edge was first seen */
	__u32 module_id;
	__u32 stack_a, stack_b;	/* the two acquires' kernel stacks (id + 1, 0: none) */
};
#define MW_CYCLE_MAX 6
#define MW_MAX_EDGES 8192
typedef void (*mw_cycle_fn)(void *ctx, const struct mw_edge *e, const int *path, int len);
int mw_lock_edges(struct mw_edge *e, int max);
int mw_lock_cycles(const struct mw_edge *e, int n, mw_cycle_fn fn, void *ctx);

/* latency.c: from a violation's timestamp to its line being written. */
#define MW_LAT_SUB_BITS	4
#define MW_LAT_SUB	(1u << MW_LAT_SUB_BITS)
#define MW_LAT_BUCKETS	((64 - MW_LAT_SUB_BITS + 1) * MW_LAT_SUB)
struct mw_latency {
	__u64 n;
	__u64 max;
	__u64 b[MW_LAT_BUCKETS];
};
void mw_latency_add(struct mw_latency *l, __u64 ns);
__u64 mw_latency_quantile(const struct mw_latency *l, double q);

/* storm.c: the report path's benchmark (modwatch storm). */
int mw_storm_start(struct modwatch_bpf *skel, __u64 count, __u64 rate);
bool mw_storm_done(void);
int mw_storm_join(__u64 *made, __u64 *start_ns);

/* repeats.c: occurrences the BPF side counted but did not report again. */
typedef void (*mw_repeat_fn)(void *ctx, const struct mw_dedup_key *k, __u64 more, __u64 total);
struct mw_repeats;
struct mw_repeats *mw_repeats_new(void);
void mw_repeats_free(struct mw_repeats *r);
int mw_repeats_scan(struct mw_repeats *r, struct modwatch_bpf *skel, mw_repeat_fn fn, void *ctx);

/* bpf.c: the BPF object's lifecycle. */

/* Which of the object's programs a load verifies (choose_for_tests() says why). */
enum mw_prog_set {
	MW_PROGS_SESSION,	/* a session's: never the unit tests' mw_test_* entries */
	MW_PROGS_UNIT,		/* the unit tests': raw_tp programs only, no kprobe */
	MW_PROGS_ALL,		/* every program, whatever the kernel and options */
};

struct mw_config {
	__u32 max_objects;
	__u32 quarantine;
	__u32 ringbuf_kb;
	bool exclude_self;	/* off only in unit tests, which drive the hooks themselves */
	bool image_not_heap;	/* off only in unit tests, whose fake objects live in the image */
	enum mw_prog_set progs;	/* which programs a load verifies: MW_PROGS_SESSION but in unit tests */
	bool every;		/* --every: report every occurrence (no deduplication) */
	bool strict;		/* --strict: warnings fail CI mode too */
	bool probe_global;	/* --probe-mode global: kprobes on exported functions */
	bool crash_log;		/* reports a crash may follow go to the console too (crashlog.c) */
	bool prog_stats;	/* --prog-stats: the kernel times each BPF program's runs */
	bool storm;		/* modwatch storm: load the report generator */
	/* --kind, --pid, --comm: only these reports are made (0, "": no filter). */
	__u32 only_kinds;	/* 1 << enum mw_kind */
	__u32 only_tgid;
	char only_comm[MW_COMM_LEN];
	/* --stacks, --stack-depth, --stack-entries (stacks.c) */
	__u32 stacks;		/* MW_STACKS_* */
	__u32 stack_depth;	/* frames shown, 0: no stacks */
	__u32 stack_entries;	/* distinct stacks kept */
};
void mw_config_default(struct mw_config *cfg);

/* stacks.c: kernel stacks, kept once each by BPF, read back by reference. */
int mw_stacks_configure(struct modwatch_bpf *skel, const struct mw_config *cfg);
void mw_stacks_init(struct modwatch_bpf *skel);
int mw_stack_read(__u32 ref, __u64 site, __u64 *ips, int max);

/* crashlog.c: reports that survive a kernel crash. */
int mw_crashlog_arm(void);
void mw_crashlog_disarm(void);

#define MW_MAX_PROGS 64
/* progs.c: the BPF programs as this kernel took them, and what a refused one turns off. */
/* The processed instructions every program must stay within on every kernel we run. */
#define MW_VERIFIER_BUDGET 250000
struct mw_verdict {
	char name[48];
	int err;		/* 0: loaded; -errno: the kernel refused it */
	__u32 type;		/* enum bpf_prog_type */
	bool stats;		/* the verifier's statistics below were read */
	__u32 insns;		/* the program's instructions */
	__u32 processed;	/* instructions the verifier processed (its limit: 1,000,000) */
	__u32 total_states;
	__u32 peak_states;
	__u32 verify_us;	/* verification time */
};
struct mw_load {
	struct mw_verdict v[MW_MAX_PROGS];	/* each program this load asked for */
	int n;
};
bool mw_prog_known(const char *name);
/* Where a program runs: what it costs code that no watched module is part of. */
enum {
	MW_RUNS_KERNEL,		/* at every event of its kind, kernel-wide */
	MW_RUNS_MODULES,	/* only in watched modules' code */
	MW_RUNS_DAEMON,		/* only when the daemon runs it */
};
__u32 mw_prog_runs(const char *name);
const char *mw_prog_watches(const char *name);
__u32 mw_prog_rules(const char *name);
const char *mw_refusal_reason(int err);
void mw_verdict_parse(struct mw_verdict *v, const char *log);
__u32 mw_load_rules_off(const struct mw_load *l);
int mw_load_refused(const struct mw_load *l);
__u64 mw_load_verify_us(const struct mw_load *l);
void mw_kinds_format(__u32 mask, const char *sep, const char *quote, char *buf, size_t len);
void mw_load_say(const struct mw_load *l);

int mw_bpf_load(struct modwatch_bpf **skel, const struct mw_config *cfg,
		const struct mw_kernel *k, struct mw_load *l);
int mw_bpf_attach(struct modwatch_bpf *skel);
int mw_bpf_attach_global(struct modwatch_bpf *skel, const struct mw_kernel *k);
void mw_bpf_destroy(struct modwatch_bpf *skel);
void mw_bpf_set_kinds(struct modwatch_bpf *skel, __u32 only_kinds);
void mw_bpf_set_rules_off(struct modwatch_bpf *skel, __u32 off);
struct bpf_program;
bool mw_bpf_loaded(const struct bpf_program *prog);
__u64 mw_bpf_stat(struct modwatch_bpf *skel, __u32 id);

/* One BPF program's runs and the time spent in them, by the kernel's count. */
struct mw_prog_stat {
	char name[32];
	__u64 runs;
	__u64 run_ns;
};
int mw_bpf_prog_stats(struct modwatch_bpf *skel, struct mw_prog_stat *out, int max);
int mw_bpf_stats(struct modwatch_bpf *skel, __u64 stats[MW_STAT_NR]);

struct mw_map_info {
	const char *name;
	__u32 entries;
	__u64 bytes;		/* the kernel's count (fdinfo memlock) */
	__s64 used;		/* entries now (mw_bpf_maps(count)), -1: not counted */
};
#define MW_MAX_MAPS 32
int mw_bpf_maps(struct modwatch_bpf *skel, struct mw_map_info *info, int max, bool count);

/* kinds.c: names and what each rule needs. */
const char *mw_kind_name(__u32 kind);
__u32 mw_kind_by_name(const char *name);
const char *mw_kind_desc(__u32 kind);
const char *mw_kind_message_id(__u32 kind);
const char *mw_stat_name(__u32 stat);
const char *mw_stat_desc(__u32 stat);

/* The printers: plain text (print_text.c) and JSON lines (print_json.c). */
struct mw_summary {
	struct mw_registry *reg;
	const __u64 *stats;	/* MW_STAT_NR counters */
	__u64 violations;
	__u64 warnings;
	__u64 repeats;		/* occurrences counted, not reported again */
	__u64 runtime_ns;
	__u64 quarantine_evicted;	/* freed objects forgotten before reuse */
	__u64 missed;		/* heap hook runs the kernel skipped */
	const struct mw_alloc_group *live;	/* live objects by module and site */
	size_t nr_live;
	const struct mw_prog_stat *progs;	/* --prog-stats: programs that ran */
	int nr_progs;
	const struct mw_latency *latency;	/* of the reports written */
	__u64 storm;		/* modwatch storm: reports the generator made */
	__u64 storm_rate;	/* and the rate it was asked for (0: unpaced) */
	__u64 storm_ns;		/* from its first report to the last one written */
	const struct mw_suppression *supp;	/* --suppress rules and what each kept out */
	int nr_supp;
	__u64 output_dropped;	/* report lines the output refused and could not keep */
	const struct mw_load *load;	/* the programs this kernel refused, and the rules off */
};

struct mw_start {
	struct mw_registry *reg;
	const struct mw_map_info *maps;
	int nr_maps;
	const char *kernel;	/* release */
};

struct mw_printer {
	void (*start)(FILE *out, const struct mw_start *s);
	void (*violation)(FILE *out, struct mw_registry *reg, const struct mw_event *e);
	void (*lost)(FILE *out, __u64 new_lost, __u64 total_lost);
	void (*module)(FILE *out, const struct mw_module *m);	/* loaded or unloaded */
	void (*live)(FILE *out, struct mw_registry *reg, const struct mw_alloc_group *g, size_t n);
	/* lock_order_inversion through three or more locks, found from the edges */
	void (*cycle)(FILE *out, struct mw_registry *reg, const struct mw_edge *e, const int *path,
		      int len);
	/* @more new repeats of the report with dedup key @k, @total occurrences in all */
	void (*repeat)(FILE *out, struct mw_registry *reg, const struct mw_dedup_key *k, __u64 more,
		       __u64 total);
	void (*summary)(FILE *out, const struct mw_summary *s);
};
extern const struct mw_printer mw_print_text;
extern const struct mw_printer mw_print_json;
const struct mw_printer *mw_kasan_printer(void);
int mw_kasan_line(FILE *out, const char *json_line, bool color);

/* output.c: the report stream, whose writes never fail (kept, retried, counted). */
struct mw_output {
	FILE *f;		/* what the printers write to */
	int fd;
	const char *path;	/* NULL: standard output */
	bool append;
	char name[4096];	/* the path, or "standard output" */
	char *backlog;		/* bytes the output refused, oldest first */
	size_t blen;
	bool dropping;		/* the start of the current line was dropped */
	int err;		/* the failure being said, 0 while writes succeed */
	__u64 errors;		/* failures (each said once) */
	__u64 dropped;		/* report lines lost */
	__u64 dropped_said;
};
int mw_output_open(struct mw_output **o, const char *path, bool append);
int mw_output_reopen(struct mw_output *o);
void mw_output_retry(struct mw_output *o);
__u64 mw_output_close(struct mw_output *o);

/* config.c: the configuration file, and the report policy it sets. */
typedef int (*mw_config_fn)(void *ctx, char *key, char *value, int line);
int mw_config_read(const char *path, mw_config_fn fn, void *ctx);
/* --suppress KIND:MODULE:FUNCTION, each part a glob. */
struct mw_suppression {
	char kind[40];
	char module[64];
	char func[128];
	__u64 hits;		/* reports it kept from being made */
};
#define MW_MAX_SUPPRESS 256
int mw_suppression_parse(const char *text, struct mw_suppression *s);
bool mw_suppression_match(const struct mw_suppression *s, const char *kind, const char *module,
			  const char *const *funcs, int nr_funcs);

/* notify.c: systemd's sd_notify protocol, without libsystemd. */
int mw_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mw_notify_forget_env(void);	/* before running a child: it must not notify as us */
__u64 mw_notify_watchdog_usec(void);	/* 0: no watchdog for this process */

/* journal.c: journald's native protocol, without libsystemd. */
struct mw_journal_field {
	const char *name;	/* [A-Z0-9_], not starting with '_' or a digit, <= 64 chars */
	const char *value;
	size_t len;		/* of value, 0: strlen(value) */
};
int mw_journal_open(const char *path);	/* NULL: journald's own socket */
void mw_journal_close(void);
int mw_journal_send(const struct mw_journal_field *f, int n);
bool mw_journal_stream(void);		/* is stderr journald's? */

/* metrics.c: the Prometheus / OpenMetrics endpoint, served by its own thread. */
int mw_metrics_start(const char *listen);	/* "PORT" (127.0.0.1), "ADDR:PORT", "[IPv6]:PORT" */
int mw_metrics_port(void);			/* as bound (port 0: the kernel's pick) */
void mw_metrics_publish(const char *prom, size_t prom_len, const char *om, size_t om_len);
void mw_metrics_stop(void);
/*
 * Both renderings from one description: mw_metric_family() then its
 * samples, for each family, then mw_metric_end(). NAME is the family's
 * bare name: counters' samples get "_total", infos' "_info". TYPE is
 * "counter", "gauge" or "info"; LABELS 'k="v",k2="v2"' with each value
 * passed through mw_metric_label_escape(), or NULL.
 */
struct mw_mbuf {
	char *buf;		/* NUL-terminated; zeroed: empty */
	size_t len, cap;
	int err;		/* the first failure: the rendering is incomplete */
};
void mw_mbuf_reset(struct mw_mbuf *b);
void mw_mbuf_free(struct mw_mbuf *b);
void mw_metric_family(struct mw_mbuf *prom, struct mw_mbuf *om, const char *name,
		      const char *type, const char *help);
void mw_metric_sample(struct mw_mbuf *prom, struct mw_mbuf *om, const char *name,
		      const char *type, const char *labels, double value);
int mw_metric_end(struct mw_mbuf *prom, struct mw_mbuf *om);
int mw_metric_label_escape(char *dst, size_t size, const char *val);
/* What modwatch's metrics say, gathered by the session each second. */
struct mw_metrics_view {
	struct mw_registry *reg;
	const __u64 *stats;		/* MW_STAT_NR counters */
	const char *kernel;		/* release */
	__u64 start_time;		/* Unix seconds */
	double uptime;			/* seconds */
	__u64 missed;			/* heap hook runs skipped */
	const struct mw_suppression *supp;
	int nr_supp;
	const char *output;		/* the report stream: "stdout" or "file" */
	__u64 output_dropped;
	bool journal;
	__u64 journal_dropped;
	const struct mw_map_info *maps;
	int nr_maps;
	__u64 reloads, reload_failures;
	const struct mw_load *load;	/* the programs this kernel refused, and the rules off */
};
int mw_metrics_render(const struct mw_metrics_view *v);
/* journal.c: a report as one structured journal entry. */
int mw_journal_report(struct mw_registry *reg, const struct mw_event *e);
/* notify.c: WATCHDOG=1 when half the interval has passed (cheap: call often). */
void mw_watchdog_kick(void);

/* instance.c: one watching modwatch per kernel, with what it needs. */
int mw_caps_check(void);
int mw_caps_check_perf(void);
int mw_instance_lock(void);
const char *mw_runtime_dir(void);

/* Every violation kind, as a mask of 1 << enum mw_kind. */
#define MW_KINDS_ALL	(((1u << MW_KIND_NR) - 1) & ~1u)

/* The commands. */
struct mw_run_opts {
	struct mw_config cfg;
	const char *modules[MW_MAX_MODULES];
	int nr_modules;
	int format;		/* enum mw_format */
	const char *kos[MW_MAX_MODULES][2];	/* --ko NAME=PATH */
	int nr_kos;
	const char *output;	/* reports go here, or to stdout */
	const char *junit;	/* --junit FILE */
	const char *sarif;	/* --sarif FILE */
	const char *source_root;	/* --source-root DIR: SARIF paths relative to it */
	char **cmd;		/* CI mode: argv of the command to run, or NULL */
	const char *config;	/* --config FILE */
	bool append;		/* --append: to --output, never truncating it */
	bool journal;		/* --journal: reports to journald too */
	const char *metrics;	/* --metrics [ADDR:]PORT */
	__u32 kinds_on, kinds_off;	/* --kind K and -K: give cfg.only_kinds */
	__u32 warn_kinds;	/* --severity K=warning */
	__u32 violation_kinds;	/* --severity K=violation */
	struct mw_suppression supp[MW_MAX_SUPPRESS];	/* --suppress */
	int nr_supp;
	const char *debug_dirs[16];	/* --debug-dir */
	int nr_debug_dirs;
	const char *vmlinux;	/* --vmlinux */
	struct mw_strs *strs;	/* every option's value, owned: freed with the options */
	/* Read the command line and --config again into fresh options (SIGHUP). */
	int (*reread)(struct mw_run_opts *o);
};
int mw_opts_new(struct mw_run_opts **o);
void mw_opts_free(struct mw_run_opts *o);
/* --format: how reports are printed. */
enum mw_format {
	MW_FORMAT_AUTO = 0,	/* kasan on a terminal, else line */
	MW_FORMAT_LINE,
	MW_FORMAT_KASAN,
	MW_FORMAT_JSON,
};
int mw_cmd_run(struct mw_run_opts *o);
int mw_cmd_report(const char *path);
int mw_cmd_storm(struct mw_run_opts *o, __u64 count, __u64 rate);
int mw_cmd_doctor(void);
int mw_cmd_doctor_verifier(bool json);

#endif /* MODWATCH_USER_H */
