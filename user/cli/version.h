/* SPDX-License-Identifier: GPL-2.0 */
/* modwatch --version: the build, its libraries and features. */
#ifndef MODWATCH_CLI_VERSION_H
#define MODWATCH_CLI_VERSION_H

void mw_print_version(void);

#endif /* MODWATCH_CLI_VERSION_H */
