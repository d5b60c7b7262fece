// SPDX-License-Identifier: GPL-2.0
/*
 * modwatch: run-time checks of Rust-for-Linux's safety rules on C kernel
 * modules. The command line: global options, then a command (bpftool
 * style), then for CI mode "-- CMD ARGS...".
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "events.h"
#include "registry.h"
#include "stacks.h"
#include "modwatch.h"
#include "cli/config.h"
#include "cli/doctor.h"
#include "cli/options.h"
#include "lib/error.h"
#include "probe/bpf.h"
#include "report/kasan.h"
#include "report/rules.h"
#include "session/session.h"
#include "symbols/srcline.h"


static const char usage_text[] =
"Usage: modwatch [OPTIONS] [run] [-- CMD [ARGS...]]\n"
"  or:  modwatch doctor [--verifier [--json]]\n"
"  or:  modwatch [-j] [-o FILE] storm [N [PER_SECOND]]\n"
"  or:  modwatch report [--ko NAME=PATH]... [--debug-dir DIR] [--vmlinux FILE] [-o OUT] FILE.json\n"
"  or:  modwatch help | version\n"
"\n"
"modwatch watches what loaded kernel modules do at their API boundary (the\n"
"allocator, user copies, locks) with BPF, and reports every memory-safety or\n"
"locking rule they break, on a stock kernel with no rebuild. Run it as root.\n"
"\n"
"Commands:\n"
"  run       (default) watch until Ctrl-C or SIGTERM, printing each violation\n"
"            (in KASAN's layout on a terminal, one line otherwise: --format)\n"
"            and a summary at the end\n"
"  doctor    say what this kernel offers and which rules can run on it;\n"
"            --verifier: how its verifier takes each BPF program (processed\n"
"            instructions, peak states, time; the budget is 250000 a\n"
"            program), as a table or JSON lines\n"
"  report    print saved JSON lines (--json's) as KASAN-shaped reports,\n"
"            on any machine, as root or not: each site's file:line from\n"
"            the .ko given with --ko (else as the JSON carries it)\n"
"  storm     measure the report path: a BPF generator makes N distinct\n"
"            reports (default 1000000) through the ring buffer, the\n"
"            deduplication and the printer, as fast as they drain (it\n"
"            pauses while the buffer is half full) or PER_SECOND; the\n"
"            summary says reports/s written and how late (p50, p99): at\n"
"            full speed that is the queue, paced it is the daemon's delay.\n"
"            Watches nothing; make bench runs it\n"
"\n"
"CI mode: with \"-- CMD ARGS\", modwatch starts watching, runs CMD and stops\n"
"when it exits. Exit status: 0 no violation and CMD succeeded; 1 a violation\n"
"was reported (warnings only with --strict); 2 usage error; 3 no violation\n"
"but CMD failed; 4 modwatch itself failed (not root, cannot load its BPF\n"
"programs, a named module cannot be watched). Call sites the kernel will\n"
"not let modwatch probe (notrace and __exit code, jump labels, ...) are\n"
"skipped and listed, never fatal.\n"
"\n"
"Options:\n"
"      --config FILE     read options from FILE, one per line: a long option's\n"
"                        name without \"--\", then its value (a flag alone);\n"
"                        '#' starts a comment. Options after --config\n"
"                        override it; SIGHUP reads it again. A bad line is\n"
"                        an error naming FILE:LINE (exit 2)\n"
"  -m, --module NAME     watch module NAME, or every module a glob such as\n"
"                        'snd_*' matches (repeatable); one not loaded yet is\n"
"                        watched from when it loads; default: every loaded\n"
"                        module that is not built in\n"
"      --ko NAME=PATH    the .ko file of module NAME (repeatable), for a module\n"
"                        not in /lib/modules/$(uname -r)/modules.dep; its call\n"
"                        sites get the user-copy probes\n"
"      --debug-dir DIR   also look for split debug files (build-id/.debug,\n"
"                        or the .ko's own path under DIR, as Debian's\n"
"                        linux-image-*-dbg lays them out) in DIR\n"
"                        (repeatable); /usr/lib/debug always: reports give\n"
"                        each site's file:line from the .ko's DWARF\n"
"      --vmlinux FILE    the running kernel's vmlinux with DWARF (Debian:\n"
"                        linux-image-$(uname -r)-dbg's /usr/lib/debug/boot/\n"
"                        vmlinux-VERSION): stack frames in the core kernel\n"
"                        get their file:line too\n"
"      --junit FILE      also write the session as JUnit XML: a test suite per\n"
"                        watched module, a test case per rule, failing with\n"
"                        its reports (warnings only with --strict)\n"
"      --sarif FILE      also write the reports as SARIF 2.1.0, at the source\n"
"                        lines of the module's calls, for code-scanning\n"
"                        dashboards\n"
"      --source-root DIR SARIF paths under DIR are relative to it (default:\n"
"                        the current folder): the repository's root\n"
"      --probe-mode MODE sites (default): kprobes on the module's own calls,\n"
"                        found in its .ko; global: kprobes on the exported\n"
"                        functions, for modules without a .ko (fewer rules:\n"
"                        modwatch says which)\n"
"  -j, --json            one JSON object per line (schema: README.md); the\n"
"                        same as --format json\n"
"      --format FMT      kasan: KASAN's layout (the default on a terminal:\n"
"                        the call, \"Allocated by task\", \"Freed by task\",\n"
"                        the object and its cache, with source lines);\n"
"                        line: one line per report (the default otherwise,\n"
"                        for logs); json: as --json\n"
"      --strict          warnings fail CI mode too: ioctl_size_mismatch,\n"
"                        unprotected_shared_access, and \"possible\" reports\n"
"                        whose evidence the kernel may\n"
"                        have cut short (see \"severity\" in README.md)\n"
"      --every           report every occurrence of a violation; by default\n"
"                        the first per site (and second site, lock or\n"
"                        allocation site) is reported and the others are\n"
"                        counted: \"repeated N times\" lines every 10 s and\n"
"                        in the summary\n"
"      --no-crash-log    do not also write reports a kernel crash may follow\n"
"                        (double or invalid free, use after free, heap\n"
"                        overflow) to the kernel's trace buffer, nor have the\n"
"                        kernel print it on an oops (ftrace_dump_on_oops)\n"
"      --prog-stats      have the kernel time modwatch's BPF programs while it\n"
"                        runs, and list each one's runs and nanoseconds per\n"
"                        run in the summary: what each hook costs (make bench\n"
"                        uses it). For measuring, not for fleets: the timing\n"
"                        adds cost and widens the window in which a nested\n"
"                        allocation goes unseen (counted, as always)\n"
"      --kind K[,K...]   report only these kinds (repeatable), e.g. --kind\n"
"                        double_free,use_after_free; the others are neither\n"
"                        reported nor counted. -K turns kind K off: --kind\n"
"                        -ioctl_size_mismatch reports every kind but that\n"
"      --severity K=SEV  make kind K's reports (K[,K...]) violations or\n"
"                        warnings: SEV is violation or warning (repeatable);\n"
"                        a \"possible\" report stays a warning\n"
"      --suppress K:M:F  do not report kind K made by module M in function F\n"
"                        (each a glob, * for any; F matches the site's\n"
"                        function or any in its stack, as sanitizers'\n"
"                        suppressions do); what each rule kept out is\n"
"                        counted in the summary and the metrics (repeatable)\n"
"      --pid PID         report only what process PID (its threads too) does\n"
"      --comm NAME       report only what tasks named NAME do (as in ps -o\n"
"                        comm; 15 characters at most). Reports made at a\n"
"                        module's unload (leaks, held locks) name no task\n"
"                        and pass --pid and --comm\n"
"      --stacks LIST     which kernel stacks reports show: report (the\n"
"                        violating call's), heap (each tracked object's\n"
"                        allocation and free), lock (each acquire: the\n"
"                        owner's, lockdep's dependency chain), all or none;\n"
"                        default report,heap (README.md: \"Stacks\" gives\n"
"                        what each costs)\n"
"      --stack-depth N   frames per stack, from the module's call on: 1 to\n"
"                        64 (default 32); 0 is --stacks none\n"
"      --stack-entries N distinct stacks kept (default 16384); a stack whose\n"
"                        slot another holds is not kept, and counted\n"
"  -o, --output FILE     write reports to FILE instead of standard output\n"
"                        (in CI mode, keeps them apart from CMD's output);\n"
"                        created 0600, reopened on SIGHUP (logrotate). Lines\n"
"                        a full disk refuses are kept, retried, and counted\n"
"                        if lost: watching never stops for them\n"
"      --append          append to --output's FILE instead of truncating it\n"
"      --journal         also send each report to journald as a structured\n"
"                        entry (MESSAGE_ID per kind, MODWATCH_KIND,\n"
"                        MODWATCH_MODULE, MODWATCH_FUNCTION, MODWATCH_JSON...)\n"
"      --metrics [ADDR:]PORT\n"
"                        serve OpenMetrics/Prometheus metrics at\n"
"                        http://ADDR:PORT/metrics (ADDR: 127.0.0.1 unless\n"
"                        given; [::1]:PORT for IPv6)\n"
"      --max-objects N   live heap objects tracked at once (default 32768)\n"
"      --quarantine N    freed objects remembered for double-free checks\n"
"                        (default 16384; least recently freed are forgotten)\n"
"      --ringbuf-kb N    ring buffer size in KiB, a power of two >= 4\n"
"                        (default 1024); a full buffer loses reports, which\n"
"                        are counted and printed\n"
"  -v, --verbose         libbpf's messages, the verifier log on failure\n"
"  -h, --help            this text\n"
"  -V, --version         print the version\n"
"\n"
"Examples:\n"
"  sudo modwatch -m mydrv                  watch mydrv until Ctrl-C\n"
"  sudo modwatch --json -m mydrv > v.json  JSON lines for a log pipeline\n"
"  sudo modwatch -m mydrv -- ./run-tests   fail CI on any violation\n"
"  sudo modwatch -j -o v.json -- ./tests   CI mode, reports in v.json\n";

enum {
	OPT_MAX_OBJECTS = 0x100,
	OPT_QUARANTINE,
	OPT_RINGBUF_KB,
	OPT_KO,
	OPT_PROBE_MODE,
	OPT_EVERY,
	OPT_STRICT,
	OPT_NO_CRASH_LOG,
	OPT_PROG_STATS,
	OPT_KIND,
	OPT_PID,
	OPT_COMM,
	OPT_DEBUG_DIR,
	OPT_JUNIT,
	OPT_SARIF,
	OPT_SOURCE_ROOT,
	OPT_FORMAT,
	OPT_STACKS,
	OPT_STACK_DEPTH,
	OPT_STACK_ENTRIES,
	OPT_VMLINUX,
	OPT_CONFIG,
	OPT_SEVERITY,
	OPT_SUPPRESS,
	OPT_APPEND,
	OPT_JOURNAL,
	OPT_METRICS,
};

static const struct option long_opts[] = {
	{ "module", required_argument, NULL, 'm' },
	{ "json", no_argument, NULL, 'j' },
	{ "output", required_argument, NULL, 'o' },
	{ "max-objects", required_argument, NULL, OPT_MAX_OBJECTS },
	{ "quarantine", required_argument, NULL, OPT_QUARANTINE },
	{ "ringbuf-kb", required_argument, NULL, OPT_RINGBUF_KB },
	{ "ko", required_argument, NULL, OPT_KO },
	{ "probe-mode", required_argument, NULL, OPT_PROBE_MODE },
	{ "every", no_argument, NULL, OPT_EVERY },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "no-crash-log", no_argument, NULL, OPT_NO_CRASH_LOG },
	{ "prog-stats", no_argument, NULL, OPT_PROG_STATS },
	{ "kind", required_argument, NULL, OPT_KIND },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "sarif", required_argument, NULL, OPT_SARIF },
	{ "source-root", required_argument, NULL, OPT_SOURCE_ROOT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "stacks", required_argument, NULL, OPT_STACKS },
	{ "stack-depth", required_argument, NULL, OPT_STACK_DEPTH },
	{ "stack-entries", required_argument, NULL, OPT_STACK_ENTRIES },
	{ "vmlinux", required_argument, NULL, OPT_VMLINUX },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "severity", required_argument, NULL, OPT_SEVERITY },
	{ "suppress", required_argument, NULL, OPT_SUPPRESS },
	{ "append", no_argument, NULL, OPT_APPEND },
	{ "journal", no_argument, NULL, OPT_JOURNAL },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* A config file's "FILE:LINE" while one is read: errors name it. */
static char opt_where[PATH_MAX + 16];
/* The option being parsed, for the error message. */
static const char *argv_opt;

static void opt_verror(const char *fmt, va_list ap)
{
	fprintf(stderr, "modwatch: %s%s", opt_where, *opt_where ? ": " : "");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see modwatch --help)\n");
}

static int __attribute__((format(printf, 1, 2))) opt_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	opt_verror(fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int usage_error(const char *fmt, const char *arg)
{
	return opt_error(fmt, arg);
}

/* Every option value, copied: parsing may cut it up, and SIGHUP parses again. */
struct mw_strs {
	struct mw_strs *next;
	char s[];
};

static char *keep_str(struct mw_run_opts *o, const char *s)
{
	size_t len = strlen(s) + 1;
	struct mw_strs *k = malloc(sizeof(*k) + len);

	if (!k) {
		mw_err("out of memory");
		exit(MW_EXIT_FAILURE);
	}
	memcpy(k->s, s, len);
	k->next = o->strs;
	o->strs = k;
	return k->s;
}

static int parse_u32(const char *opt, const char *arg, __u32 min, __u32 max, __u32 *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max || arg[0] == '-')
		return opt_error("invalid %s value '%s': expected a whole number from %u to %u",
				 opt, arg, min, max);
	*out = v;
	return 0;
}

static int parse_ringbuf(const char *arg, __u32 *kb)
{
	int err = parse_u32("--ringbuf-kb", arg, 4, 1u << 20, kb);

	if (!err && (*kb & (*kb - 1)))
		return usage_error("invalid --ringbuf-kb value '%s': must be a power of two", arg);
	return err;
}

static int unknown_kind(const char *opt, const char *name)
{
	char all[512] = "";
	__u32 k;

	for (k = MW_KIND_NONE + 1; k < MW_KIND_NR; k++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s",
			 k > MW_KIND_NONE + 1 ? ", " : "", mw_kind_name(k));
	return opt_error("unknown %s '%s': expected one of %s", opt, name, all);
}

/* K[,K...] into @on, and with @off, -K into @off; "all" is every kind. */
static int parse_kind_list(const char *opt, char *arg, __u32 *on, __u32 *off)
{
	char *tok, *save = NULL;
	__u32 k, *mask;
	bool any = false;

	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		mask = on;
		if (*tok == '-' && off) {
			mask = off;
			tok++;
		}
		k = mw_kind_by_name(tok);
		if (!strcmp(tok, "all"))
			*mask |= MW_KINDS_ALL;
		else if (k != MW_KIND_NONE)
			*mask |= 1u << k;
		else
			return unknown_kind(opt, tok);
		any = true;
	}
	if (!any)
		return opt_error("%s needs a kind name", opt);
	return 0;
}

/* --severity K[,K...]=violation|warning: the last word for each kind wins. */
static int parse_severity(char *arg, struct mw_run_opts *o)
{
	char *eq = strrchr(arg, '=');
	__u32 kinds = 0;
	int err;

	if (!eq || eq == arg || (strcmp(eq + 1, "violation") && strcmp(eq + 1, "warning")))
		return opt_error("invalid --severity '%s': expected KIND=violation or "
				 "KIND=warning", arg);
	*eq = '\0';
	err = parse_kind_list("--severity kind", arg, &kinds, NULL);
	if (err)
		return err;
	if (!strcmp(eq + 1, "warning")) {
		o->warn_kinds |= kinds;
		o->violation_kinds &= ~kinds;
	} else {
		o->violation_kinds |= kinds;
		o->warn_kinds &= ~kinds;
	}
	return 0;
}

/* --suppress KIND:MODULE:FUNCTION */
static int parse_suppress(const char *arg, struct mw_run_opts *o)
{
	struct mw_suppression *s = &o->supp[o->nr_supp];
	__u32 k;

	if (o->nr_supp == MW_MAX_SUPPRESS)
		return opt_error("more than %d suppressions", MW_MAX_SUPPRESS);
	if (mw_suppression_parse(arg, s))
		return opt_error("invalid --suppress '%s': expected KIND:MODULE:FUNCTION, each "
				 "a glob (e.g. use_after_free:mydrv:mydrv_ioctl or *:mydrv:*)", arg);
	/* A kind spelled wrong would suppress nothing, silently. */
	if (!strpbrk(s->kind, "*?[")) {
		k = mw_kind_by_name(s->kind);
		if (k == MW_KIND_NONE)
			return unknown_kind("--suppress kind", s->kind);
	}
	o->nr_supp++;
	return 0;
}

static int parse_comm(const char *arg, char comm[MW_COMM_LEN])
{
	if (!*arg || strlen(arg) >= MW_COMM_LEN)
		return usage_error("invalid --comm '%s': a task name is 1 to 15 characters (the "
				   "kernel keeps no more)", arg);
	strncpy(comm, arg, MW_COMM_LEN);
	return 0;
}

/* --ko NAME=PATH */
static int parse_ko(char *arg, struct mw_run_opts *o)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1])
		return usage_error("invalid --ko value '%s': expected NAME=PATH", arg);
	if (o->nr_kos == MW_MAX_MODULES)
		return usage_error("too many --ko options%s", "");
	*eq = '\0';
	o->kos[o->nr_kos][0] = arg;
	o->kos[o->nr_kos][1] = eq + 1;
	for (; eq-- > arg;)	/* module names use '_' where modprobe accepts '-' */
		if (*eq == '-')
			*eq = '_';
	o->nr_kos++;
	return 0;
}

/* --debug-dir and --vmlinux: kept, then read once by use_sources(). */
static int use_sources(const struct mw_run_opts *o)
{
	int i, err;

	for (i = 0; i < o->nr_debug_dirs; i++) {
		err = mw_srcline_debug_dir(o->debug_dirs[i]);
		if (err) {
			mw_err("--debug-dir %s: %s (see modwatch --help)", o->debug_dirs[i],
			       strerror(-err));
			return -EINVAL;
		}
	}
	err = o->vmlinux ? mw_srcline_vmlinux(o->vmlinux) : 0;
	if (err == -ENODATA) {
		mw_err("--vmlinux %s: no DWARF in it: give the one with debug info (Debian: "
		       "linux-image-VERSION-dbg's /usr/lib/debug/boot/vmlinux-VERSION)", o->vmlinux);
		return -EINVAL;
	}
	if (err) {
		mw_err("--vmlinux %s: %s (see modwatch --help)", o->vmlinux, strerror(-err));
		return -EINVAL;
	}
	return 0;
}

/* --format line|kasan|json */
static int parse_format(const char *arg, struct mw_run_opts *o)
{
	static const char *const names[] = { [MW_FORMAT_LINE] = "line",
					     [MW_FORMAT_KASAN] = "kasan",
					     [MW_FORMAT_JSON] = "json" };
	int i;

	for (i = MW_FORMAT_LINE; i <= MW_FORMAT_JSON; i++)
		if (!strcmp(arg, names[i])) {
			o->format = i;
			return 0;
		}
	return usage_error("invalid --format '%s': expected line, kasan or json", arg);
}

/* --stacks report,heap,lock | all | none */
static int parse_stacks(char *arg, __u32 *mask)
{
	char *tok, *save = NULL;

	*mask = 0;
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "report"))
			*mask |= MW_STACKS_REPORT;
		else if (!strcmp(tok, "heap"))
			*mask |= MW_STACKS_HEAP;
		else if (!strcmp(tok, "lock"))
			*mask |= MW_STACKS_LOCK;
		else if (!strcmp(tok, "all"))
			*mask |= MW_STACKS_ALL;
		else if (strcmp(tok, "none"))
			return usage_error("invalid --stacks '%s': expected report, heap, lock "
					   "(comma-separated), all or none", tok);
	}
	return 0;
}

/* --source-root DIR, kept as its real path (DWARF paths are absolute). */
static int parse_source_root(const char *dir, struct mw_run_opts *o)
{
	char root[PATH_MAX];

	if (!realpath(dir, root))
		return usage_error("--source-root: no such folder '%s'", dir);
	o->source_root = keep_str(o, root);
	return 0;
}

/* Is @a (@len bytes, IPv6 in brackets) an address to listen on? */
static bool listen_addr_ok(const char *a, size_t len)
{
	char addr[64];
	__u8 buf[16];

	if (len >= 2 && a[0] == '[' && a[len - 1] == ']') {
		a++;
		len -= 2;
	}
	if (len >= sizeof(addr))
		return false;
	memcpy(addr, a, len);
	addr[len] = '\0';
	return inet_pton(AF_INET, addr, buf) == 1 || inet_pton(AF_INET6, addr, buf) == 1;
}

/* --metrics [ADDR:]PORT: checked here, bound when the session starts. */
static int parse_metrics(const char *arg, struct mw_run_opts *o)
{
	const char *colon = strrchr(arg, ':');
	__u32 v;

	if (parse_u32("--metrics port", colon ? colon + 1 : arg, 1, 65535, &v))
		return -EINVAL;
	if (colon && !listen_addr_ok(arg, colon - arg))
		return opt_error("invalid --metrics address in '%s': expected an IPv4 address, or "
				 "an IPv6 one in brackets ([::1]:9464)", arg);
	o->metrics = arg;
	return 0;
}

static int read_config(const char *path, struct mw_run_opts *o);

/* Options that only change where reports go and how they are judged. */
static int parse_policy_opt(int c, char *arg, struct mw_run_opts *o)
{
	switch (c) {
	case OPT_KIND:
		return parse_kind_list("--kind", arg, &o->kinds_on, &o->kinds_off);
	case OPT_SEVERITY:
		return parse_severity(arg, o);
	case OPT_SUPPRESS:
		return parse_suppress(arg, o);
	case OPT_APPEND:
		o->append = true;
		return 0;
	case OPT_JOURNAL:
		o->journal = true;
		return 0;
	case OPT_METRICS:
		return parse_metrics(arg, o);
	case 'o':
		o->output = arg;
		return 0;
	case 'j':
		o->format = MW_FORMAT_JSON;
		return 0;
	case OPT_FORMAT:
		return parse_format(arg, o);
	case OPT_JUNIT:
		o->junit = arg;
		return 0;
	case OPT_SARIF:
		o->sarif = arg;
		return 0;
	case OPT_SOURCE_ROOT:
		return parse_source_root(arg, o);
	}
	return 1;
}

/* Options that shape what is watched and the BPF side's tables. */
static int parse_watch_opt(int c, char *arg, struct mw_run_opts *o)
{
	switch (c) {
	case 'm':
		if (o->nr_modules == MW_MAX_MODULES)
			return usage_error("too many --module options%s", "");
		if (!*arg)
			return usage_error("--module needs a module name%s", "");
		o->modules[o->nr_modules++] = arg;
		return 0;
	case OPT_KO:
		return parse_ko(arg, o);
	case OPT_PROBE_MODE:
		if (strcmp(arg, "sites") && strcmp(arg, "global"))
			return usage_error("invalid --probe-mode '%s': expected sites or global", arg);
		o->cfg.probe_global = !strcmp(arg, "global");
		return 0;
	case OPT_STACKS:
		return parse_stacks(arg, &o->cfg.stacks);
	case OPT_STACK_DEPTH:
		return parse_u32("--stack-depth", arg, 0, MW_STACK_DEPTH_MAX, &o->cfg.stack_depth);
	case OPT_STACK_ENTRIES:
		return parse_u32("--stack-entries", arg, 1, 1u << 20, &o->cfg.stack_entries);
	case OPT_EVERY:
		o->cfg.every = true;
		return 0;
	case OPT_STRICT:
		o->cfg.strict = true;
		return 0;
	case OPT_NO_CRASH_LOG:
		o->cfg.crash_log = false;
		return 0;
	case OPT_PROG_STATS:
		o->cfg.prog_stats = true;
		return 0;
	case OPT_PID:
		return parse_u32("--pid", arg, 1, 1u << 22, &o->cfg.only_tgid);
	case OPT_COMM:
		return parse_comm(arg, o->cfg.only_comm);
	case OPT_MAX_OBJECTS:
		return parse_u32("--max-objects", arg, 1, 1u << 24, &o->cfg.max_objects);
	case OPT_QUARANTINE:
		return parse_u32("--quarantine", arg, 1, 1u << 24, &o->cfg.quarantine);
	case OPT_RINGBUF_KB:
		return parse_ringbuf(arg, &o->cfg.ringbuf_kb);
	}
	return 1;
}

/* Returns 1 to stop with success (help/version), 0 to go on, -EINVAL on error. */
static int parse_opt(int c, const char *optval, struct mw_run_opts *o)
{
	char *arg = optval ? keep_str(o, optval) : NULL;
	int err = parse_policy_opt(c, arg, o);

	if (err <= 0)
		return err;
	err = parse_watch_opt(c, arg, o);
	if (err <= 0)
		return err;
	switch (c) {
	case OPT_CONFIG:
		return read_config(arg, o);
	case OPT_DEBUG_DIR:
		if (o->nr_debug_dirs == (int)(sizeof(o->debug_dirs) / sizeof(o->debug_dirs[0])))
			return usage_error("too many --debug-dir options%s", "");
		o->debug_dirs[o->nr_debug_dirs++] = arg;
		return 0;
	case OPT_VMLINUX:
		o->vmlinux = arg;
		return 0;
	case 'v':
		mw_verbose = true;
		return 0;
	case 'h':
		fputs(usage_text, stdout);
		return 1;
	case 'V':
		printf("modwatch %s\n", MODWATCH_VERSION);
		return 1;
	case ':':
		return usage_error("option %s needs a value", argv_opt);
	default:
		return usage_error("unknown option '%s'", argv_opt);
	}
}

/* One line of the configuration file: the long option KEY with VALUE. */
static int config_line(void *ctx, char *key, char *value, int line)
{
	struct mw_run_opts *o = ctx;
	const struct option *opt;
	int err;

	for (opt = long_opts; opt->name && strcmp(opt->name, key); opt++)
		;
	snprintf(opt_where, sizeof(opt_where), "%s:%d", o->config, line);
	argv_opt = key;
	if (!strcmp(key, "config"))
		err = opt_error("--config cannot be nested: one file holds the whole configuration");
	else if (!opt->name || !strcmp(key, "help") || !strcmp(key, "version"))
		err = opt_error("unknown option '%s': a line is a long option's name without "
				"\"--\", then its value", key);
	else if (opt->has_arg == required_argument && !value)
		err = opt_error("%s needs a value", key);
	else if (opt->has_arg == no_argument && value)
		err = opt_error("%s is a flag: it takes no value, got '%s'", key, value);
	else
		err = parse_opt(opt->val, value, o);
	opt_where[0] = '\0';
	return err;
}

static int read_config(const char *path, struct mw_run_opts *o)
{
	int err;

	o->config = path;
	err = mw_config_read(path, config_line, o);
	return err ? -EINVAL : 0;
}

/* Parse options up to the first non-option; 1: done, 0: go on, <0: error. */
static int parse_opts(int argc, char **argv, struct mw_run_opts *o)
{
	int c, err;

	opterr = 0;	/* our own one-line messages */
	while ((c = getopt_long(argc, argv, "+:m:jo:vhV", long_opts, NULL)) != -1) {
		argv_opt = argv[optind - 1];
		err = parse_opt(c, optarg, o);
		if (err)
			return err;
	}
	return 0;
}

/* getopt swallows "--": was it what stopped option parsing? */
static bool after_dashdash(char **argv)
{
	return optind > 1 && !strcmp(argv[optind - 1], "--");
}

/* What the options give together, once all are read. */
static int finish_opts(struct mw_run_opts *o)
{
	__u32 on = o->kinds_on ? o->kinds_on : MW_KINDS_ALL;

	o->cfg.only_kinds = 0;
	if (o->kinds_on || o->kinds_off) {
		o->cfg.only_kinds = on & ~o->kinds_off;
		if (!o->cfg.only_kinds)
			return usage_error("--kind turns every kind off%s", "");
	}
	if (o->append && !o->output)
		return usage_error("--append needs --output FILE%s", "");
	if (o->sarif && !o->source_root && parse_source_root(".", o))
		return -EINVAL;
	return 0;
}

static int saved_argc;
static char **saved_argv;

/*
 * SIGHUP: the same command line, read again, with it the configuration
 * file as it is now. Run's options are those before and after "run".
 */
static int reread(struct mw_run_opts *o)
{
	int err;

	optind = 0;	/* getopt starts over */
	err = parse_opts(saved_argc, saved_argv, o);
	if (!err && optind < saved_argc && !after_dashdash(saved_argv) &&
	    !strcmp(saved_argv[optind], "run")) {
		optind++;
		err = parse_opts(saved_argc, saved_argv, o);
	}
	return err ? -EINVAL : finish_opts(o);
}

int mw_opts_new(struct mw_run_opts **op)
{
	struct mw_run_opts *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	mw_config_default(&o->cfg);
	o->reread = reread;
	*op = o;
	return 0;
}

void mw_opts_free(struct mw_run_opts *o)
{
	struct mw_strs *k, *next;

	if (!o)
		return;
	for (k = o->strs; k; k = next) {
		next = k->next;
		free(k);
	}
	free(o);
}

static int cmd_run(int argc, char **argv, struct mw_run_opts *o)
{
	int err = parse_opts(argc, argv, o);

	if (err)
		return err > 0 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (optind < argc) {
		if (!after_dashdash(argv)) {
			usage_error("unexpected argument '%s': put the command to run after --",
				    argv[optind]);
			return MW_EXIT_USAGE;
		}
		o->cmd = &argv[optind];
	} else if (after_dashdash(argv)) {
		usage_error("no command after --%s", "");
		return MW_EXIT_USAGE;
	}
	if (finish_opts(o) || use_sources(o))
		return MW_EXIT_USAGE;
	return mw_cmd_run(o);
}

/* modwatch doctor [--verifier [-j|--json]]: its own words, after the command. */
static int cmd_doctor(int argc, char **argv, struct mw_run_opts *o)
{
	bool verifier = false, json = o->format == MW_FORMAT_JSON;

	for (; optind < argc; optind++) {
		if (!strcmp(argv[optind], "--verifier")) {
			verifier = true;
		} else if (!strcmp(argv[optind], "-j") || !strcmp(argv[optind], "--json")) {
			json = true;
		} else {
			usage_error("doctor takes --verifier [--json], got '%s'", argv[optind]);
			return MW_EXIT_USAGE;
		}
	}
	if (json && !verifier) {
		usage_error("doctor's --json goes with --verifier%s", "");
		return MW_EXIT_USAGE;
	}
	return verifier ? mw_cmd_doctor_verifier(json) : mw_cmd_doctor();
}

static int cmd_help(int argc, char **argv, struct mw_run_opts *o)
{
	(void)argc, (void)argv, (void)o;
	fputs(usage_text, stdout);
	return MW_EXIT_OK;
}

static int cmd_version(int argc, char **argv, struct mw_run_opts *o)
{
	(void)argc, (void)argv, (void)o;
	printf("modwatch %s\n", MODWATCH_VERSION);
	return MW_EXIT_OK;
}

static int cmd_storm(int argc, char **argv, struct mw_run_opts *o)
{
	__u32 count = 1000000, rate = 0;
	int err = parse_opts(argc, argv, o);

	if (err)
		return err > 0 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (optind < argc && parse_u32("storm count", argv[optind++], 1, 1u << 30, &count))
		return MW_EXIT_USAGE;
	if (optind < argc && parse_u32("storm rate", argv[optind++], 1, 1u << 30, &rate))
		return MW_EXIT_USAGE;
	if (optind < argc) {
		usage_error("storm takes a count and a rate, got '%s' too", argv[optind]);
		return MW_EXIT_USAGE;
	}
	if (finish_opts(o))
		return MW_EXIT_USAGE;
	return mw_cmd_storm(o, count, rate);
}

/* modwatch report FILE.json: saved reports as KASAN-shaped text. */
static int cmd_report(int argc, char **argv, struct mw_run_opts *o)
{
	int err = parse_opts(argc, argv, o), i;

	if (err)
		return err > 0 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (optind != argc - 1) {
		usage_error("report takes one file of JSON lines (or -)%s", "");
		return MW_EXIT_USAGE;
	}
	if (o->output && !freopen(o->output, "w", stdout)) {
		mw_err("cannot write %s: %s", o->output, strerror(errno));
		return MW_EXIT_FAILURE;
	}
	if (use_sources(o))
		return MW_EXIT_USAGE;
	for (i = 0; i < o->nr_kos; i++)
		mw_srcline_add(o->kos[i][0], o->kos[i][1]);
	return mw_cmd_report(argv[optind]);
}

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct mw_run_opts *o);
} cmds[] = {
	{ "run", cmd_run },
	{ "doctor", cmd_doctor },
	{ "storm", cmd_storm },
	{ "report", cmd_report },
	{ "help", cmd_help },
	{ "version", cmd_version },
};

static int dispatch(int argc, char **argv, struct mw_run_opts *o)
{
	size_t i;
	int err;

	err = parse_opts(argc, argv, o);
	if (err)
		return err > 0 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (optind >= argc || after_dashdash(argv))
		return cmd_run(argc, argv, o);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[optind], cmds[i].name))
			continue;
		optind++;
		return cmds[i].fn(argc, argv, o);
	}
	usage_error("unknown command '%s'", argv[optind]);
	return MW_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct mw_run_opts *o;
	int code;

	if (mw_opts_new(&o)) {
		mw_err("out of memory");
		return MW_EXIT_FAILURE;
	}
	saved_argc = argc;
	saved_argv = argv;
	code = dispatch(argc, argv, o);
	mw_opts_free(o);
	return code;
}
