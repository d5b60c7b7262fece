// SPDX-License-Identifier: GPL-2.0
/* The BPF side's counters (MW_STATS in include/stats.h) by name, for the summary and metrics. */
#include "stats.h"
#include "report/counters.h"

#define MW_STAT_NAME(up, low, desc) [MW_STAT_##up] = #low,
static const char *const stat_names[MW_STAT_LOST_BASE] = {
	MW_STATS(MW_STAT_NAME)
};

#define MW_STAT_DESC(up, low, desc) [MW_STAT_##up] = desc,
static const char *const stat_descs[MW_STAT_LOST_BASE] = {
	MW_STATS(MW_STAT_DESC)
};

const char *mw_stat_name(__u32 stat)
{
	return stat < MW_STAT_LOST_BASE ? stat_names[stat] : "lost";
}

const char *mw_stat_desc(__u32 stat)
{
	return stat < MW_STAT_LOST_BASE ? stat_descs[stat] : "events lost: ring buffer full";
}
