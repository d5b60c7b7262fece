// SPDX-License-Identifier: GPL-2.0
/*
 * The command line's options: the getopt table, each option's parser and
 * its checks, --config (each line a long option, through cli/config.c's
 * reader), the second reading on SIGHUP (struct mw_run_opts's reread), and
 * the options' lifetime with the strings they own. main.c holds the
 * commands and the --help text; what parsing stops for (help, version) it
 * prints, so the text has one home and this file no copy of it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "events.h"
#include "registry.h"
#include "stacks.h"
#include "modwatch.h"
#include "cli/config.h"
#include "cli/options.h"
#include "lib/color.h"
#include "lib/error.h"
#include "report/rules.h"
#include "service/metrics_http.h"
#include "symbols/srcline.h"

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
	OPT_COLOR,
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
	OPT_DEEP,
	OPT_DEEP_FUNCTIONS,
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
	{ "deep", no_argument, NULL, OPT_DEEP },
	{ "deep-functions", required_argument, NULL, OPT_DEEP_FUNCTIONS },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "sarif", required_argument, NULL, OPT_SARIF },
	{ "source-root", required_argument, NULL, OPT_SOURCE_ROOT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "color", optional_argument, NULL, OPT_COLOR },
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
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

const struct option *mw_opts_table(void)
{
	return long_opts;
}

/* A config file's "FILE:LINE" while one is read: errors name it. */
static char opt_where[PATH_MAX + 16];
/* The option being parsed, for the error message. */
static const char *argv_opt;

static void opt_verror(const char *fmt, va_list ap)
{
	char what[1024];

	vsnprintf(what, sizeof(what), fmt, ap);
	mw_err("%s%s%s (see modwatch --help)", opt_where, *opt_where ? ": " : "", what);
}

int mw_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	opt_verror(fmt, ap);
	va_end(ap);
	return -EINVAL;
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

int mw_parse_u32(const char *opt, const char *arg, __u32 min, __u32 max, __u32 *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max || arg[0] == '-')
		return mw_usage_error("invalid %s value '%s': expected a whole number from %u "
				      "to %u", opt, arg, min, max);
	*out = v;
	return 0;
}

static int parse_ringbuf(const char *arg, __u32 *kb)
{
	int err = mw_parse_u32("--ringbuf-kb", arg, 4, 1u << 20, kb);

	if (!err && (*kb & (*kb - 1)))
		return mw_usage_error("invalid --ringbuf-kb value '%s': must be a power of two",
				      arg);
	return err;
}

static int unknown_kind(const char *opt, const char *name)
{
	char all[512] = "";
	__u32 k;

	for (k = MW_KIND_NONE + 1; k < MW_KIND_NR; k++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s",
			 k > MW_KIND_NONE + 1 ? ", " : "", mw_kind_name(k));
	return mw_usage_error("unknown %s '%s': expected one of %s", opt, name, all);
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
		return mw_usage_error("%s needs a kind name", opt);
	return 0;
}

/* --severity K[,K...]=violation|warning: the last word for each kind wins. */
static int parse_severity(char *arg, struct mw_run_opts *o)
{
	char *eq = strrchr(arg, '=');
	__u32 kinds = 0;
	int err;

	if (!eq || eq == arg || (strcmp(eq + 1, "violation") && strcmp(eq + 1, "warning")))
		return mw_usage_error("invalid --severity '%s': expected KIND=violation or "
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
		return mw_usage_error("more than %d suppressions", MW_MAX_SUPPRESS);
	if (mw_suppression_parse(arg, s))
		return mw_usage_error("invalid --suppress '%s': expected KIND:MODULE:FUNCTION, "
				      "each a glob (e.g. use_after_free:mydrv:mydrv_ioctl or "
				      "*:mydrv:*)", arg);
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
		return mw_usage_error("invalid --comm '%s': a task name is 1 to 15 characters (the "
				      "kernel keeps no more)", arg);
	strncpy(comm, arg, MW_COMM_LEN);
	return 0;
}

/* --ko NAME=PATH */
static int parse_ko(char *arg, struct mw_run_opts *o)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1])
		return mw_usage_error("invalid --ko value '%s': expected NAME=PATH", arg);
	if (o->nr_kos == MW_MAX_MODULES)
		return mw_usage_error("too many --ko options");
	*eq = '\0';
	o->kos[o->nr_kos][0] = arg;
	o->kos[o->nr_kos][1] = eq + 1;
	for (; eq-- > arg;)	/* module names use '_' where modprobe accepts '-' */
		if (*eq == '-')
			*eq = '_';
	o->nr_kos++;
	return 0;
}

/* --debug-dir and --vmlinux: kept, then read once by mw_opts_use_sources(). */
int mw_opts_use_sources(const struct mw_run_opts *o)
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
	return mw_usage_error("invalid --format '%s': expected line, kasan or json", arg);
}

/* --color[=auto|always|never] */
static int parse_color(const char *arg)
{
	int mode = mw_color_parse(arg);

	if (mode < 0)
		return mw_usage_error("invalid --color '%s': expected auto, always or never", arg);
	mw_color_mode = mode;
	return 0;
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
			return mw_usage_error("invalid --stacks '%s': expected report, heap, lock "
					      "(comma-separated), all or none", tok);
	}
	return 0;
}

/* --source-root DIR, kept as its real path (DWARF paths are absolute). */
static int parse_source_root(const char *dir, struct mw_run_opts *o)
{
	char root[PATH_MAX];

	if (!realpath(dir, root))
		return mw_usage_error("--source-root: no such folder '%s'", dir);
	o->source_root = keep_str(o, root);
	return 0;
}

/* --metrics PORT, :PORT, HOST:PORT or [IPv6]:PORT: checked here, resolved and bound at start. */
static int parse_metrics(const char *arg, struct mw_run_opts *o)
{
	unsigned int port;
	char host[256];

	if (mw_metrics_split(arg, host, sizeof(host), &port) || !port)
		return mw_usage_error("invalid --metrics value '%s': give PORT, :PORT (every "
				      "address), HOST:PORT or [IPv6]:PORT, port 1 to 65535", arg);
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
	case OPT_COLOR:
		return parse_color(arg);
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
			return mw_usage_error("too many --module options");
		if (!*arg)
			return mw_usage_error("--module needs a module name");
		o->modules[o->nr_modules++] = arg;
		return 0;
	case OPT_KO:
		return parse_ko(arg, o);
	case OPT_PROBE_MODE:
		if (strcmp(arg, "sites") && strcmp(arg, "global"))
			return mw_usage_error("invalid --probe-mode '%s': expected sites or "
					      "global", arg);
		o->cfg.probe_global = !strcmp(arg, "global");
		return 0;
	case OPT_STACKS:
		return parse_stacks(arg, &o->cfg.stacks);
	case OPT_STACK_DEPTH:
		return mw_parse_u32("--stack-depth", arg, 0, MW_STACK_DEPTH_MAX,
				    &o->cfg.stack_depth);
	case OPT_STACK_ENTRIES:
		return mw_parse_u32("--stack-entries", arg, 1, 1u << 20, &o->cfg.stack_entries);
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
		return mw_parse_u32("--pid", arg, 1, 1u << 22, &o->cfg.only_tgid);
	case OPT_COMM:
		return parse_comm(arg, o->cfg.only_comm);
	case OPT_MAX_OBJECTS:
		return mw_parse_u32("--max-objects", arg, 1, 1u << 24, &o->cfg.max_objects);
	case OPT_QUARANTINE:
		return mw_parse_u32("--quarantine", arg, 1, 1u << 24, &o->cfg.quarantine);
	case OPT_RINGBUF_KB:
		return parse_ringbuf(arg, &o->cfg.ringbuf_kb);
	}
	return 1;
}

/* MW_OPTS_HELP or MW_OPTS_VERSION to stop there, 0 to go on, -EINVAL on error. */
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
			return mw_usage_error("too many --debug-dir options");
		o->debug_dirs[o->nr_debug_dirs++] = arg;
		return 0;
	case OPT_VMLINUX:
		o->vmlinux = arg;
		return 0;
	case OPT_DEEP_FUNCTIONS:
		if (o->nr_deep_globs == (int)(sizeof(o->deep_globs) / sizeof(o->deep_globs[0])))
			return mw_usage_error("too many --deep-functions options");
		o->deep_globs[o->nr_deep_globs++] = arg;
		o->cfg.deep = true;	/* a glob of functions to probe deeply is --deep */
		return 0;
	case OPT_DEEP:
		o->cfg.deep = true;
		return 0;
	case 'v':	/* -v, -vv: each one more; after -q, -v is -v */
		o->verbosity = o->verbosity < MW_VERBOSE ? MW_VERBOSE : MW_DEBUG;
		mw_verbosity = o->verbosity;
		return 0;
	case 'q':
		o->verbosity = mw_verbosity = MW_QUIET;
		return 0;
	case 'h':
		return MW_OPTS_HELP;
	case 'V':
		return MW_OPTS_VERSION;
	case ':':
		return mw_usage_error("option %s needs a value", argv_opt);
	default:
		return mw_usage_error("unknown option '%s'", argv_opt);
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
		err = mw_usage_error("--config cannot be nested: one file holds the whole "
				     "configuration");
	else if (!opt->name || !strcmp(key, "help") || !strcmp(key, "version"))
		err = mw_usage_error("unknown option '%s': a line is a long option's name without "
				     "\"--\", then its value", key);
	else if (opt->has_arg == required_argument && !value)
		err = mw_usage_error("%s needs a value", key);
	else if (opt->has_arg == no_argument && value)
		err = mw_usage_error("%s is a flag: it takes no value, got '%s'", key, value);
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

int mw_opts_parse(int argc, char **argv, struct mw_run_opts *o)
{
	int c, err;

	opterr = 0;	/* our own one-line messages */
	while ((c = getopt_long(argc, argv, "+:m:jo:vqhV", long_opts, NULL)) != -1) {
		argv_opt = argv[optind - 1];
		err = parse_opt(c, optarg, o);
		if (err)
			return err;
	}
	return 0;
}

bool mw_opts_after_dashdash(char **argv)
{
	return optind > 1 && !strcmp(argv[optind - 1], "--");
}

int mw_opts_finish(struct mw_run_opts *o)
{
	__u32 on = o->kinds_on ? o->kinds_on : MW_KINDS_ALL;

	o->cfg.only_kinds = 0;
	if (o->kinds_on || o->kinds_off) {
		o->cfg.only_kinds = on & ~o->kinds_off;
		if (!o->cfg.only_kinds)
			return mw_usage_error("--kind turns every kind off");
	}
	if (o->append && !o->output)
		return mw_usage_error("--append needs --output FILE");
	if (o->sarif && !o->source_root && parse_source_root(".", o))
		return -EINVAL;
	return 0;
}

static int saved_argc;
static char **saved_argv;

void mw_opts_cmdline(int argc, char **argv)
{
	saved_argc = argc;
	saved_argv = argv;
}

/*
 * SIGHUP: the same command line, read again, with it the configuration
 * file as it is now. Run's options are those before and after "run".
 */
static int reread(struct mw_run_opts *o)
{
	int err;

	optind = 0;	/* getopt starts over */
	mw_verbosity = MW_NORMAL;	/* as the options now say, if they say */
	mw_color_mode = MW_COLOR_AUTO;
	err = mw_opts_parse(saved_argc, saved_argv, o);
	if (!err && optind < saved_argc && !mw_opts_after_dashdash(saved_argv) &&
	    !strcmp(saved_argv[optind], "run")) {
		optind++;
		err = mw_opts_parse(saved_argc, saved_argv, o);
	}
	return err ? -EINVAL : mw_opts_finish(o);
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
