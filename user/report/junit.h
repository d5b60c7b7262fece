/* SPDX-License-Identifier: GPL-2.0 */
/* A CI run as JUnit XML: one test suite per module, one test case per rule. */
#ifndef MODWATCH_REPORT_JUNIT_H
#define MODWATCH_REPORT_JUNIT_H

#include "report/findings.h"

int mw_junit_write(const char *path, const struct mw_ci_run *run);

#endif /* MODWATCH_REPORT_JUNIT_H */
