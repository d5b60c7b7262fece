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

#endif /* MODWATCH_CLI_OPTIONS_H */
