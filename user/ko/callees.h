/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the .ko reader asks the callee families (callees.c) about a module's
 * imports, and the callees' and skips' names for everyone else.
 */
#ifndef MODWATCH_KO_CALLEES_H
#define MODWATCH_KO_CALLEES_H

#include <linux/types.h>

/* @name's enum mw_callee, by its MW_CALLEES name or a later one; MW_CALLEE_NONE if neither. */
__u8 ko_callee_by_name(const char *name);
/* The family of @name (1 + its row in families.h's table), or 0: a function no rule cares about. */
__u8 ko_family_of(const char *name);
/* The family ("copy", "alloc", "free", "lock") of a ko_family_of() other than 0. */
const char *ko_family_name(__u8 family);

/* An enum mw_skip's short name (JSON) and its words for people. */
const char *mw_skip_name(__u32 skip);
const char *mw_skip_desc(__u32 skip);

/* The callee's symbol name from MW_CALLEES; "unknown" if out of range. */
const char *mw_callee_name(__u32 callee);
/*
 * The callee's symbol names: 0 is MW_CALLEES', 1.. the later kernels' of
 * MW_CALLEE_RENAMES; NULL past the last.
 */
const char *mw_callee_symbol(__u32 callee, unsigned int nth);

#endif /* MODWATCH_KO_CALLEES_H */
