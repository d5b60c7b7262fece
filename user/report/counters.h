/* SPDX-License-Identifier: GPL-2.0 */
/* The BPF side's counters by name, for the summary and metrics. */
#ifndef MODWATCH_REPORT_COUNTERS_H
#define MODWATCH_REPORT_COUNTERS_H

#include <linux/types.h>

const char *mw_stat_name(__u32 stat);
const char *mw_stat_desc(__u32 stat);

#endif /* MODWATCH_REPORT_COUNTERS_H */
