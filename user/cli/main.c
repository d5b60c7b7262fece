// SPDX-License-Identifier: GPL-2.0
/*
 * modwatch: run-time checks of Rust-for-Linux's safety rules on C kernel
 * modules. The command line: global options, then a command (bpftool
 * style), then for CI mode "-- CMD ARGS...". Here: the commands, the
 * --help text and main(); the options themselves are cli/options.c's.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "modwatch.h"
#include "cli/completion.h"
#include "cli/doctor.h"
#include "cli/options.h"
#include "cli/status.h"
#include "cli/version.h"
#include "lib/error.h"
#include "report/kasan.h"
#include "report/report_cmd.h"
#include "session/session.h"
#include "symbols/srcline.h"

static const char usage_text[] =
"Usage: modwatch [OPTIONS] [run] [-- CMD [ARGS...]]\n"
"  or:  modwatch doctor [--verifier [--json]]\n"
"  or:  modwatch [-j] [-o FILE] storm [N [PER_SECOND]]\n"
"  or:  modwatch report [--format FMT] [--ko NAME=PATH]... [--debug-dir DIR] [--vmlinux FILE]\n"
"                       [-o OUT] FILE.json (options may follow FILE too)\n"
"  or:  modwatch status [--json]\n"
"  or:  modwatch completion bash\n"
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
"            the .ko given with --ko (else as the JSON carries it).\n"
"            --format kasan (default): violations in KASAN's layout, other\n"
"            lines as text; line: every line as text; json: the lines\n"
"            again. A line that is not one of --json's objects (numbers\n"
"            in range, ranges inside the address space) is FILE:LINE: why,\n"
"            exit status 2\n"
"  status    say whether modwatch runs and what it is doing: pid, start\n"
"            time, kernel, watched modules, reports by kind, lost events,\n"
"            disabled rules, outputs (from the status file it rewrites each\n"
"            second in its runtime folder); --json: one JSON object. Exit\n"
"            status 0 running, 3 not running (a status file left by one\n"
"            that died is said to be stale), 4 it cannot be told\n"
"  completion bash\n"
"            print the bash completion script (the package installs it):\n"
"            every option, command, kind and value word, from the same\n"
"            tables as this text; -m offers the loaded modules\n"
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
"      --deep            also probe each load and store of the watched\n"
"                        modules' own code (decoded from their .ko): a\n"
"                        use after free or a heap overflow by plain memory\n"
"                        access, not only through calls; costs a kprobe per\n"
"                        instruction (the start line says how many)\n"
"      --deep-functions GLOB\n"
"                        --deep in the functions GLOB matches only\n"
"                        (repeatable)\n"
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
"                        dashboards. Both are written when the session ends,\n"
"                        created 0600; a session that fails to start writes\n"
"                        neither\n"
"      --source-root DIR SARIF paths under DIR are relative to it (default:\n"
"                        the current folder): the repository's root\n"
"      --probe-mode MODE sites (default): kprobes on the module's own calls,\n"
"                        found in its .ko; global: kprobes on the exported\n"
"                        functions, for modules without a .ko (fewer rules:\n"
"                        modwatch says which)\n"
"  -j, --json            one JSON object per line, as the JSON Schema\n"
"                        /usr/share/modwatch/modwatch-report.schema.json\n"
"                        (doc/schema/ in the source) has it; the same as\n"
"                        --format json\n"
"      --format FMT      kasan: KASAN's layout (the default on a terminal:\n"
"                        the call, \"Allocated by task\", \"Freed by task\",\n"
"                        the object and its cache, with source lines);\n"
"                        line: one line per report (the default otherwise,\n"
"                        for logs); json: as --json. In text, control\n"
"                        bytes of comms, names and paths are escaped:\n"
"                        \\\\ \\n \\t, else \\xNN (doc/usage.md: \"Control bytes\")\n"
"      --color[=WHEN]    colour the KASAN layout's headline: auto (the\n"
"                        default: on a terminal, unless NO_COLOR is set or\n"
"                        TERM is dumb), always (a bare --color), or never\n"
"      --strict          warnings fail CI mode too: ioctl_size_mismatch,\n"
"                        unprotected_shared_access, and \"possible\" reports\n"
"                        whose evidence the kernel may\n"
"                        have cut short (see \"Severity\" in doc/usage.md)\n"
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
"                        default report,heap (doc/usage.md: \"Stacks\" gives\n"
"                        what each costs)\n"
"      --stack-depth N   frames per stack, from the module's call on: 1 to\n"
"                        64 (default 32); 0 is --stacks none\n"
"      --stack-entries N distinct stacks kept (default 16384); a stack whose\n"
"                        slot another holds is not kept, and counted\n"
"  -o, --output FILE     write reports to FILE instead of standard output\n"
"                        (in CI mode, keeps them apart from CMD's output);\n"
"                        created 0600, reopened on SIGHUP (logrotate). An\n"
"                        existing FILE is replaced only once the session\n"
"                        watches: a failed start leaves it as it was. Lines\n"
"                        a full disk refuses are kept, retried, and counted\n"
"                        if lost: watching never stops for them\n"
"      --append          append to --output's FILE instead of truncating it\n"
"      --journal         also send each report to journald as a structured\n"
"                        entry (MESSAGE_ID per kind, MODWATCH_KIND,\n"
"                        MODWATCH_MODULE, MODWATCH_FUNCTION, MODWATCH_JSON...)\n"
"      --metrics [HOST]:PORT\n"
"                        serve OpenMetrics/Prometheus metrics at\n"
"                        http://HOST:PORT/metrics: PORT alone is 127.0.0.1,\n"
"                        :PORT every address (IPv4 and IPv6), HOST a name\n"
"                        (localhost) or an IPv4 address, [::1]:PORT IPv6\n"
"      --max-objects N   live heap objects tracked at once (default 32768)\n"
"      --quarantine N    freed objects remembered for double-free checks\n"
"                        (default 16384; least recently freed are forgotten)\n"
"      --ringbuf-kb N    ring buffer size in KiB, a power of two >= 4\n"
"                        (default 1024); a full buffer loses reports, which\n"
"                        are counted and printed\n"
"  -q, --quiet           say only errors on standard error: no warnings, no\n"
"                        notes (the report stream is unchanged)\n"
"  -v, --verbose         say more on standard error (repeatable): -v each\n"
"                        start phase and its time, each module's probes\n"
"                        planned and attached and the call sites not probed,\n"
"                        libbpf's warnings, the verifier's log of a refused\n"
"                        program; -vv libbpf's debug log too. The last of\n"
"                        -q and -v wins\n"
"  -h, --help            this text\n"
"  -V, --version         print the version, the git commit it was built from,\n"
"                        the libraries linked in and the features\n"
"\n"
"Examples:\n"
"  sudo modwatch -m mydrv                  watch mydrv until Ctrl-C\n"
"  sudo modwatch --json -m mydrv > v.json  JSON lines for a log pipeline\n"
"  sudo modwatch -m mydrv -- ./run-tests   fail CI on any violation\n"
"  sudo modwatch -j -o v.json -- ./tests   CI mode, reports in v.json\n";

static int cmd_help(int argc, char **argv, struct mw_run_opts *o)
{
	(void)argc, (void)argv, (void)o;
	fputs(usage_text, stdout);
	return MW_EXIT_OK;
}

static int cmd_version(int argc, char **argv, struct mw_run_opts *o)
{
	(void)argc, (void)argv, (void)o;
	mw_print_version();
	return MW_EXIT_OK;
}

/* The exit status when mw_opts_parse() stops: help or version printed, or a usage error. */
static int stopped(int err)
{
	if (err == MW_OPTS_HELP)
		return cmd_help(0, NULL, NULL);
	if (err == MW_OPTS_VERSION)
		return cmd_version(0, NULL, NULL);
	return MW_EXIT_USAGE;
}

static int cmd_run(int argc, char **argv, struct mw_run_opts *o)
{
	int err = mw_opts_parse(argc, argv, o);

	if (err)
		return stopped(err);
	if (optind < argc) {
		if (!mw_opts_after_dashdash(argv)) {
			mw_usage_error("unexpected argument '%s': put the command to run after --",
				       argv[optind]);
			return MW_EXIT_USAGE;
		}
		o->cmd = &argv[optind];
	} else if (mw_opts_after_dashdash(argv)) {
		mw_usage_error("no command after --");
		return MW_EXIT_USAGE;
	}
	if (mw_opts_finish(o) || mw_opts_use_sources(o))
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
			mw_usage_error("doctor takes --verifier [--json], got '%s'", argv[optind]);
			return MW_EXIT_USAGE;
		}
	}
	if (json && !verifier) {
		mw_usage_error("doctor's --json goes with --verifier");
		return MW_EXIT_USAGE;
	}
	return verifier ? mw_cmd_doctor_verifier(json) : mw_cmd_doctor();
}

static int cmd_storm(int argc, char **argv, struct mw_run_opts *o)
{
	__u32 count = 1000000, rate = 0;
	int err = mw_opts_parse(argc, argv, o);

	if (err)
		return stopped(err);
	if (optind < argc && mw_parse_u32("storm count", argv[optind++], 1, 1u << 30, &count))
		return MW_EXIT_USAGE;
	if (optind < argc && mw_parse_u32("storm rate", argv[optind++], 1, 1u << 30, &rate))
		return MW_EXIT_USAGE;
	if (optind < argc) {
		mw_usage_error("storm takes a count and a rate, got '%s' too", argv[optind]);
		return MW_EXIT_USAGE;
	}
	if (mw_opts_finish(o))
		return MW_EXIT_USAGE;
	return mw_cmd_storm(o, count, rate);
}

/* modwatch status [-j|--json]: the running instance's state. */
static int cmd_status(int argc, char **argv, struct mw_run_opts *o)
{
	bool json = o->format == MW_FORMAT_JSON;

	for (; optind < argc; optind++) {
		if (strcmp(argv[optind], "-j") && strcmp(argv[optind], "--json")) {
			mw_usage_error("status takes --json, got '%s'", argv[optind]);
			return MW_EXIT_USAGE;
		}
		json = true;
	}
	return mw_cmd_status(json);
}

/* --ko NAME=PATH for modwatch report: a .ko it cannot read is said, the JSON's lines kept. */
static void report_kos(const struct mw_run_opts *o)
{
	int i;

	for (i = 0; i < o->nr_kos; i++) {
		if (access(o->kos[i][1], R_OK))
			mw_warn("--ko %s=%s: %s: %s's sites keep the lines the JSON carries",
				o->kos[i][0], o->kos[i][1], strerror(errno), o->kos[i][0]);
		else
			mw_srcline_add(o->kos[i][0], o->kos[i][1]);
	}
}

/*
 * report -o OUT: a regular file (or a new one) is written beside it and
 * renamed over it once FILE was read whole, so a bad line or a missing
 * FILE never costs OUT what it held; anything else (a pipe, /dev/stdout)
 * is written as it comes.
 */
static int report_to(const char *out, const char *file, enum mw_report_form form)
{
	char tmp[PATH_MAX + 32];
	struct stat st;
	bool existed = !stat(out, &st);
	int rc;

	if ((existed && !S_ISREG(st.st_mode)) ||
	    snprintf(tmp, sizeof(tmp), "%s.%d.tmp", out, (int)getpid()) >= (int)sizeof(tmp))
		snprintf(tmp, sizeof(tmp), "%s", out);
	if (!freopen(tmp, "w", stdout)) {
		mw_err("cannot write %s: %s", tmp, strerror(errno));
		return MW_EXIT_FAILURE;
	}
	/* The file replaced keeps its mode, as it would have written in place. */
	if (existed && strcmp(tmp, out))
		fchmod(fileno(stdout), st.st_mode & 07777);
	rc = mw_cmd_report(file, form);
	if (fflush(stdout) && rc == MW_EXIT_OK) {
		mw_err("cannot write %s: %s", tmp, strerror(errno));
		rc = MW_EXIT_FAILURE;
	}
	if (!strcmp(tmp, out))
		return rc;
	if (rc == MW_EXIT_OK && rename(tmp, out)) {
		mw_err("cannot rename %s to %s: %s", tmp, out, strerror(errno));
		rc = MW_EXIT_FAILURE;
	}
	if (rc != MW_EXIT_OK)
		unlink(tmp);
	return rc;
}

/* modwatch report [OPTIONS] FILE [OPTIONS]: saved JSON lines, checked, in --format's form. */
static int cmd_report(int argc, char **argv, struct mw_run_opts *o)
{
	static const enum mw_report_form forms[] = {
		[MW_FORMAT_AUTO] = MW_REPORT_KASAN, [MW_FORMAT_KASAN] = MW_REPORT_KASAN,
		[MW_FORMAT_LINE] = MW_REPORT_LINE, [MW_FORMAT_JSON] = MW_REPORT_JSON,
	};
	const char *file = NULL;
	int err;

	while (!(err = mw_opts_parse(argc, argv, o)) && optind < argc) {
		if (file || mw_opts_after_dashdash(argv)) {
			mw_usage_error("report takes one file of JSON lines (or -), got '%s' too",
				       argv[optind]);
			return MW_EXIT_USAGE;
		}
		file = argv[optind++];
	}
	if (err)
		return stopped(err);
	if (!file) {
		mw_usage_error("report takes one file of JSON lines (or -)");
		return MW_EXIT_USAGE;
	}
	if (mw_opts_use_sources(o))
		return MW_EXIT_USAGE;
	report_kos(o);
	return o->output ? report_to(o->output, file, forms[o->format]) :
			   mw_cmd_report(file, forms[o->format]);
}

static int cmd_completion(int argc, char **argv, struct mw_run_opts *o);

/* The commands; words and files: what completion offers after each. */
static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct mw_run_opts *o);
	const char *words;	/* it takes only these words, not the options */
	int files;		/* it takes a file */
} cmds[] = {
	{ "run", cmd_run, NULL, 0 },
	{ "doctor", cmd_doctor, "--verifier --json", 0 },
	{ "storm", cmd_storm, NULL, 0 },
	{ "report", cmd_report, NULL, 1 },
	{ "status", cmd_status, "--json", 0 },
	{ "completion", cmd_completion, "bash", 0 },
	{ "help", cmd_help, NULL, 0 },
	{ "version", cmd_version, NULL, 0 },
};
#define NR_CMDS (sizeof(cmds) / sizeof(cmds[0]))

/* modwatch completion bash */
static int cmd_completion(int argc, char **argv, struct mw_run_opts *o)
{
	struct mw_completion_cmd list[NR_CMDS];
	size_t i;

	(void)o;
	if (optind + 1 != argc || strcmp(argv[optind], "bash")) {
		mw_usage_error("completion takes one shell: bash");
		return MW_EXIT_USAGE;
	}
	for (i = 0; i < NR_CMDS; i++)
		list[i] = (struct mw_completion_cmd){ cmds[i].name, cmds[i].words, cmds[i].files };
	return mw_completion_bash(stdout, list, NR_CMDS) ? MW_EXIT_FAILURE : MW_EXIT_OK;
}

static int dispatch(int argc, char **argv, struct mw_run_opts *o)
{
	size_t i;
	int err;

	err = mw_opts_parse(argc, argv, o);
	if (err)
		return stopped(err);
	if (optind >= argc || mw_opts_after_dashdash(argv))
		return cmd_run(argc, argv, o);
	for (i = 0; i < NR_CMDS; i++) {
		if (strcmp(argv[optind], cmds[i].name))
			continue;
		optind++;
		return cmds[i].fn(argc, argv, o);
	}
	mw_usage_error("unknown command '%s'", argv[optind]);
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
	mw_opts_cmdline(argc, argv);
	code = dispatch(argc, argv, o);
	mw_opts_free(o);
	return code;
}
