// SPDX-License-Identifier: GPL-2.0
/*
 * modwatch completion bash. The options come from options.c's getopt table
 * (the one the parser reads), the kinds from the rule table, the commands
 * from main.c's: only how each option's value completes is said here, one
 * row per option, and an option with a value but no row is an error, so a
 * new option cannot ship without its completion (tests/completion.bats checks
 * every option --help lists, and that every word offered is accepted).
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include "modwatch.h"
#include "cli/completion.h"
#include "cli/options.h"
#include "lib/error.h"
#include "report/rules.h"

/* How an option's value completes: a bash function of the script below. */
struct value_row {
	const char *opt;
	const char *how; /* "_modwatch_files", "_modwatch_words 'a b'", ... */
};

static const struct value_row value_rows[] = {
	{ "module", "_modwatch_modules" },
	{ "output", "_modwatch_files" },
	{ "config", "_modwatch_files" },
	{ "junit", "_modwatch_files" },
	{ "sarif", "_modwatch_files" },
	{ "vmlinux", "_modwatch_files" },
	{ "debug-dir", "_modwatch_dirs" },
	{ "source-root", "_modwatch_dirs" },
	{ "ko", "_modwatch_ko" },
	{ "kind", "_modwatch_kind_list" },
	{ "severity", "_modwatch_severity" },
	{ "suppress", "_modwatch_suppress" },
	{ "format", "_modwatch_words 'line kasan json'" },
	{ "color", "_modwatch_words 'auto always never'" },
	{ "probe-mode", "_modwatch_words 'sites global'" },
	{ "stacks", "_modwatch_list 'report heap lock all none'" },
	{ "pid", "_modwatch_pids" },
	/* Free text: a name, a number, a glob, an address. */
	{ "comm", "_modwatch_none" },
	{ "deep-functions", "_modwatch_none" },
	{ "metrics", "_modwatch_none" },
	{ "max-objects", "_modwatch_none" },
	{ "quarantine", "_modwatch_none" },
	{ "ringbuf-kb", "_modwatch_none" },
	{ "stack-depth", "_modwatch_none" },
	{ "stack-entries", "_modwatch_none" },
};

/* The script's fixed part: the value completers, then the dispatcher. */
/* clang-format off: one line of the script a line */
static const char script_helpers[] =
	"_modwatch_words() { COMPREPLY=($(compgen -W \"$1\" -- \"$cur\")); }\n"
	"_modwatch_none() { COMPREPLY=(); }\n"
	"_modwatch_files() { compopt -o filenames; COMPREPLY=($(compgen -f -- \"$cur\")); }\n"
	"_modwatch_dirs() { compopt -o filenames; COMPREPLY=($(compgen -d -- \"$cur\")); }\n"
	"_modwatch_pids() { _modwatch_words \"$(cd /proc && echo [0-9]*)\"; }\n"
	"_modwatch_modules() {\n"
	"\t_modwatch_words \"$(cut -d' ' -f1 /proc/modules 2>/dev/null)\"\n"
	"}\n"
	"# A comma-separated list: complete its last word.\n"
	"_modwatch_list() {\n"
	"\tlocal pre=\n"
	"\t[[ $cur == *,* ]] && pre=${cur%,*},\n"
	"\tCOMPREPLY=($(compgen -P \"$pre\" -W \"$1\" -- \"${cur##*,}\"))\n"
	"\tcompopt -o nospace\n"
	"}\n"
	"_modwatch_kind_list() {\n"
	"\t_modwatch_list \"all $_modwatch_kinds $(printf -- '-%s ' $_modwatch_kinds)\"\n"
	"}\n"
	"# NAME=PATH, K=SEV and K:M:F: bash splits the word at = and :\n"
	"_modwatch_ko() {\n"
	"\tif ((stage)); then _modwatch_files; return; fi\n"
	"\tCOMPREPLY=($(compgen -S = -W \"$(cut -d' ' -f1 /proc/modules 2>/dev/null)\" -- "
	"\"$cur\"))\n"
	"\tcompopt -o nospace\n"
	"}\n"
	"_modwatch_severity() {\n"
	"\tif ((stage)); then _modwatch_words 'violation warning'; return; fi\n"
	"\t_modwatch_list \"$_modwatch_kinds\"\n"
	"}\n"
	"_modwatch_suppress() {\n"
	"\t((stage)) && return\n"
	"\tCOMPREPLY=($(compgen -S : -W \"'*' $_modwatch_kinds\" -- \"$cur\"))\n"
	"\tcompopt -o nospace\n"
	"}\n";
/* clang-format on */

/* Which option is being given a value, then what completes: options, commands, files. */
/* clang-format off: one line of the script a line */
static const char script_main[] =
	"_modwatch_takes() { [[ \" $_modwatch_argopts \" == *\" $1 \"* ]]; }\n"
	"_modwatch() {\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} cword=$COMP_CWORD stage=0 opt= cmd= own= i w\n"
	"\tlocal prev=${COMP_WORDS[cword-1]} prev2=${COMP_WORDS[cword-2]} "
	"prev3=${COMP_WORDS[cword-3]}\n"
	"\tCOMPREPLY=()\n"
	"\t# bash cuts --opt=V at '=' (and ':'): the separator alone is an empty value\n"
	"\tif [[ $cur == [=:] ]]; then\n"
	"\t\tprev3=$prev2 prev2=$prev prev=$cur cur=\n"
	"\tfi\n"
	"\tif [[ $prev == [=:] ]]; then\n"
	"\t\tif [[ $prev2 == -* ]]; then opt=$prev2\n"
	"\t\telif _modwatch_takes \"$prev3\"; then opt=$prev3 stage=1\n"
	"\t\tfi\n"
	"\telif _modwatch_takes \"$prev\"; then\n"
	"\t\topt=$prev\n"
	"\tfi\n"
	"\tif [[ $opt ]]; then\n"
	"\t\t_modwatch_value \"$opt\"\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tfor ((i = 1; i < cword; i++)); do\n"
	"\t\tw=${COMP_WORDS[i]}\n"
	"\t\tif [[ $w == -- ]]; then\t# CI mode's command, then its arguments\n"
	"\t\t\tif ((i == cword - 1)); then COMPREPLY=($(compgen -c -- \"$cur\"))\n"
	"\t\t\telse compopt -o default\n"
	"\t\t\tfi\n"
	"\t\t\treturn\n"
	"\t\tfi\n"
	"\t\tif [[ -z $cmd && \" $_modwatch_cmds \" == *\" $w \"* ]] &&\n"
	"\t\t   ! _modwatch_takes \"${COMP_WORDS[i-1]}\" && [[ ${COMP_WORDS[i-1]} != [=:] ]]; "
	"then\n"
	"\t\t\tcmd=$w\n"
	"\t\tfi\n"
	"\tdone\n"
	"\town=$(_modwatch_cmd_words \"$cmd\")\n"
	"\tif [[ $own ]]; then _modwatch_words \"$own\"\n"
	"\telif [[ $cur == -* ]]; then _modwatch_words \"$_modwatch_opts\"\n"
	"\telif [[ -z $cmd ]]; then _modwatch_words \"$_modwatch_cmds\"\n"
	"\telif [[ \" $_modwatch_file_cmds \" == *\" $cmd \"* ]]; then _modwatch_files\n"
	"\tfi\n"
	"}\n"
	"complete -F _modwatch modwatch\n";
/* clang-format on */

static const char *value_how(const char *opt)
{
	size_t i;

	for (i = 0; i < sizeof(value_rows) / sizeof(value_rows[0]); i++)
		if (!strcmp(value_rows[i].opt, opt))
			return value_rows[i].how;
	return NULL;
}

/* "-m|--module", or "--ko": the spellings of @opt, as a bash case pattern or a list. */
static void spellings(FILE *out, const struct option *opt, const char *sep)
{
	if (opt->val > ' ' && opt->val < 0x7f)
		fprintf(out, "-%c%s", opt->val, sep);
	fprintf(out, "--%s", opt->name);
}

/* The variables the functions read: options, those with a value, kinds, commands. */
static void write_lists(FILE *out, const struct mw_completion_cmd *cmds, size_t nr)
{
	const struct option *opt;
	size_t i;
	__u32 k;

	fputs("_modwatch_opts='", out);
	for (opt = mw_opts_table(); opt->name; opt++) {
		spellings(out, opt, " ");
		fputc(opt[1].name ? ' ' : '\'', out);
	}
	fputs("\n_modwatch_argopts='", out);
	for (opt = mw_opts_table(); opt->name; opt++)
		if (opt->has_arg == required_argument) {
			spellings(out, opt, " ");
			fputc(' ', out);
		}
	fputs("'\n_modwatch_kinds='", out);
	for (k = MW_KIND_NONE + 1; k < MW_KIND_NR; k++)
		fprintf(out, "%s%s", mw_kind_name(k), k + 1 < MW_KIND_NR ? " " : "'\n");
	fputs("_modwatch_cmds='", out);
	for (i = 0; i < nr; i++)
		fprintf(out, "%s%s", cmds[i].name, i + 1 < nr ? " " : "'\n");
	fputs("_modwatch_file_cmds='", out);
	for (i = 0; i < nr; i++)
		if (cmds[i].files)
			fprintf(out, "%s ", cmds[i].name);
	fputs("'\n", out);
}

/* _modwatch_value OPT: a case per option with a value; -EINVAL if one has no row. */
static int write_values(FILE *out)
{
	const struct option *opt;
	const char *how;

	fputs("_modwatch_value() {\n\tcase $1 in\n", out);
	for (opt = mw_opts_table(); opt->name; opt++) {
		if (opt->has_arg == no_argument)
			continue;
		how = value_how(opt->name);
		if (!how) {
			mw_err("completion: option --%s takes a value but has no row in "
			       "user/cli/completion.c",
			       opt->name);
			return -EINVAL;
		}
		fputc('\t', out);
		spellings(out, opt, "|");
		fprintf(out, ") %s ;;\n", how);
	}
	fputs("\tesac\n}\n", out);
	return 0;
}

/* _modwatch_cmd_words CMD: the words of a command that takes only its own. */
static void write_cmd_words(FILE *out, const struct mw_completion_cmd *cmds, size_t nr)
{
	size_t i;

	fputs("_modwatch_cmd_words() {\n\tcase $1 in\n", out);
	for (i = 0; i < nr; i++)
		if (cmds[i].words)
			fprintf(out, "\t%s) echo '%s' ;;\n", cmds[i].name, cmds[i].words);
	fputs("\tesac\n}\n", out);
}

int mw_completion_bash(FILE *out, const struct mw_completion_cmd *cmds, size_t nr)
{
	int err;

	fprintf(out,
		"# bash completion for modwatch(8), generated by `modwatch completion bash`\n"
		"# (modwatch %s) from its own option, rule and command tables.\n",
		MODWATCH_VERSION);
	write_lists(out, cmds, nr);
	fputs(script_helpers, out);
	err = write_values(out);
	if (err)
		return err;
	write_cmd_words(out, cmds, nr);
	fputs(script_main, out);
	if (fflush(out) || ferror(out)) {
		mw_err("completion: cannot write the script: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}
