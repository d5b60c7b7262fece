/* SPDX-License-Identifier: GPL-2.0 */
/*
 * modwatch completion bash: the shell completion script, generated from
 * the option table --help documents and the rule table, so that neither
 * can drift from it.
 */
#ifndef MODWATCH_CLI_COMPLETION_H
#define MODWATCH_CLI_COMPLETION_H

#include <stdio.h>

/* A command, and the words it takes that are not options of the table. */
struct mw_completion_cmd {
	const char *name;
	const char *words;	/* its own words ("--verifier --json"), or NULL */
	int files;		/* 1: it takes a file (report's FILE.json) */
};

/*
 * Write the bash completion script for @cmds to @out: 0, or -EINVAL after
 * naming an option whose value it cannot complete (a new option needs its
 * row in completion.c's table) or -EIO when @out fails.
 */
int mw_completion_bash(FILE *out, const struct mw_completion_cmd *cmds, size_t nr);

#endif /* MODWATCH_CLI_COMPLETION_H */
