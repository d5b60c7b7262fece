/* SPDX-License-Identifier: GPL-2.0 */
/* A CI run as SARIF 2.1.0: one rule per kind, one result per finding. */
#ifndef MODWATCH_REPORT_SARIF_H
#define MODWATCH_REPORT_SARIF_H

#include "report/findings.h"

int mw_sarif_write(const char *path, const struct mw_ci_run *run);

#endif /* MODWATCH_REPORT_SARIF_H */
