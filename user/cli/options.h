/* SPDX-License-Identifier: GPL-2.0 */
/* The options of a session: parsed, read from --config, read again on SIGHUP. */
#ifndef MODWATCH_CLI_OPTIONS_H
#define MODWATCH_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "events.h"
#include "registry.h"
#include "probe/bpf.h"
#include "report/suppress.h"

struct mw_strs;

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
	const char *metrics;	/* --metrics [HOST]:PORT */
	__u32 kinds_on, kinds_off;	/* --kind K and -K: give cfg.only_kinds */
	__u32 warn_kinds;	/* --severity K=warning */
	__u32 violation_kinds;	/* --severity K=violation */
	struct mw_suppression supp[MW_MAX_SUPPRESS];	/* --suppress */
	int nr_supp;
	const char *deep_globs[32];	/* --deep-functions: --deep only in these functions */
	int nr_deep_globs;
	const char *debug_dirs[16];	/* --debug-dir */
	int nr_debug_dirs;
	const char *vmlinux;	/* --vmlinux */
	int verbosity;		/* -q, -v, -vv: enum mw_verbosity, as lib/error.h's mw_verbosity */
	struct mw_strs *strs;	/* every option's value, owned: freed with the options */
	/* Read the command line and --config again into fresh options (SIGHUP). */
	int (*reread)(struct mw_run_opts *o);
};
int mw_opts_new(struct mw_run_opts **o);
struct option;
/* getopt's table of the long options, ended by a NULL name: --help's options, --config's keys. */
const struct option *mw_opts_table(void);
void mw_opts_free(struct mw_run_opts *o);

/* What mw_opts_parse() stops for, not an error: main.c prints it and exits 0. */
enum mw_opts_stop {
	MW_OPTS_HELP = 1,	/* -h, --help */
	MW_OPTS_VERSION,	/* -V, --version */
};
/*
 * Parse argv's options from optind up to the first non-option (getopt's
 * optind is left there): 0 to go on, MW_OPTS_HELP or MW_OPTS_VERSION to
 * stop, -EINVAL after saying what is wrong.
 */
int mw_opts_parse(int argc, char **argv, struct mw_run_opts *o);
/* getopt swallows "--": was it what stopped option parsing? */
bool mw_opts_after_dashdash(char **argv);
/* What the options give together, once all are read: 0 or -EINVAL. */
int mw_opts_finish(struct mw_run_opts *o);
/* Read --debug-dir's and --vmlinux's debug information: 0 or -EINVAL. */
int mw_opts_use_sources(const struct mw_run_opts *o);
/* The whole command line, which reread() parses again on SIGHUP. */
void mw_opts_cmdline(int argc, char **argv);
/* @opt's value @arg, a whole number from @min to @max, into @out: 0 or -EINVAL. */
int mw_parse_u32(const char *opt, const char *arg, __u32 min, __u32 max, __u32 *out);
/* "modwatch: [FILE:LINE: ]what (see modwatch --help)" on stderr; returns -EINVAL. */
int mw_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --format: how reports are printed. */
enum mw_format {
	MW_FORMAT_AUTO = 0,	/* kasan on a terminal, else line */
	MW_FORMAT_LINE,
	MW_FORMAT_KASAN,
	MW_FORMAT_JSON,
};

#endif /* MODWATCH_CLI_OPTIONS_H */
