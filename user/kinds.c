// SPDX-License-Identifier: GPL-2.0
/* Report names of the violation kinds and of the BPF counters. */
#include <string.h>
#include "modwatch.h"

#define MW_KIND_NAME(up, low) [MW_##up] = #low,
static const char *const kind_names[MW_KIND_NR] = {
	MW_KINDS(MW_KIND_NAME)
};

#define MW_STAT_NAME(up, low, desc) [MW_STAT_##up] = #low,
static const char *const stat_names[MW_STAT_LOST_BASE] = {
	MW_STATS(MW_STAT_NAME)
};

#define MW_STAT_DESC(up, low, desc) [MW_STAT_##up] = desc,
static const char *const stat_descs[MW_STAT_LOST_BASE] = {
	MW_STATS(MW_STAT_DESC)
};

const char *mw_kind_name(__u32 kind)
{
	if (kind == MW_KIND_NONE || kind >= MW_KIND_NR)
		return "unknown";
	return kind_names[kind];
}

/* The kind named @name, or MW_KIND_NONE. */
__u32 mw_kind_by_name(const char *name)
{
	__u32 k;

	for (k = MW_KIND_NONE + 1; k < MW_KIND_NR; k++)
		if (!strcmp(kind_names[k], name))
			return k;
	return MW_KIND_NONE;
}

const char *mw_stat_name(__u32 stat)
{
	return stat < MW_STAT_LOST_BASE ? stat_names[stat] : "lost";
}

const char *mw_stat_desc(__u32 stat)
{
	return stat < MW_STAT_LOST_BASE ? stat_descs[stat] : "events lost: ring buffer full";
}
