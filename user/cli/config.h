/* SPDX-License-Identifier: GPL-2.0 */
/* The configuration file: the command line's options, one per line. */
#ifndef MODWATCH_CLI_CONFIG_H
#define MODWATCH_CLI_CONFIG_H

/* The longest line (its newline aside) the file may have. */
#define MW_CONFIG_LINE_MAX	4094

typedef int (*mw_config_fn)(void *ctx, char *key, char *value, int line);
int mw_config_read(const char *path, mw_config_fn fn, void *ctx);

#endif /* MODWATCH_CLI_CONFIG_H */
