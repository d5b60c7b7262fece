/* SPDX-License-Identifier: GPL-2.0 */
/* modwatch status: the running instance's state, from its status file. */
#ifndef MODWATCH_CLI_STATUS_H
#define MODWATCH_CLI_STATUS_H

#include <stdbool.h>

/* Print it (plain, or one JSON object): MW_EXIT_OK, MW_EXIT_NOT_RUNNING or MW_EXIT_FAILURE. */
int mw_cmd_status(bool json);

#endif /* MODWATCH_CLI_STATUS_H */
