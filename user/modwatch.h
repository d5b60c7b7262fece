/* SPDX-License-Identifier: GPL-2.0 */
/* What every part of the daemon shares: its version and exit codes. */
#ifndef MODWATCH_MODWATCH_H
#define MODWATCH_MODWATCH_H

#define MODWATCH_VERSION "0.1.0"

/* Exit codes of the modwatch binary. */
enum {
	MW_EXIT_OK = 0,
	MW_EXIT_VIOLATION = 1,	/* a violation was reported */
	MW_EXIT_USAGE = 2,
	MW_EXIT_CMD_FAILED = 3,	/* CI mode: clean, but CMD itself failed */
	MW_EXIT_FAILURE = 4,	/* modwatch failed: could not load, could not watch */
	MW_EXIT_NOT_RUNNING = 3,	/* modwatch status: none runs (systemctl's and LSB's 3) */
};

#endif /* MODWATCH_MODWATCH_H */
