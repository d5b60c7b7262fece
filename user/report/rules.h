/* SPDX-License-Identifier: GPL-2.0 */
/* The rules: one row each, everything the daemon says about a kind. */
#ifndef MODWATCH_REPORT_RULES_H
#define MODWATCH_REPORT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "events.h"

const char *mw_kind_name(__u32 kind);
__u32 mw_kind_by_name(const char *name);
const char *mw_kind_desc(__u32 kind);
const char *mw_kind_message_id(__u32 kind);
const char *mw_stat_name(__u32 stat);
const char *mw_stat_desc(__u32 stat);
/* Every violation kind, as a mask of 1 << enum mw_kind. */
#define MW_KINDS_ALL	(((1u << MW_KIND_NR) - 1) & ~1u)
void mw_kinds_format(__u32 mask, const char *sep, const char *quote, char *buf, size_t len);

#endif /* MODWATCH_REPORT_RULES_H */
