// SPDX-License-Identifier: GPL-2.0
/*
 * The callee families: what modwatch knows about the kernel functions a
 * module calls. The callees of MW_CALLEES (include/sites.h) and their later
 * names are the calls it probes; the families (ko/families.h) are the wider
 * sets its rules care about, whose unknown members are blind spots. The .ko
 * reader asks here what each of a module's imports is. The words for why a
 * site is not probed live here too, beside the callees' names: both are
 * tables the reports print from.
 */
#include <regex.h>
#include <stdbool.h>
#include <string.h>
#include "sites.h"
#include "ko/callees.h"
#include "ko/families.h"
#include "ko/ko_types.h"

#define CALLEE_NAME(id, sym, class, size) [MW_CALLEE_##id] = #sym,
static const char *const callee_names[MW_CALLEE_NR] = { MW_CALLEES(CALLEE_NAME) };
#undef CALLEE_NAME

/* Each callee's later names (include/sites.h), in the order the kernel renamed them. */
static const struct {
	__u8 callee;
	const char *name;
} callee_renames[] = {
#define CALLEE_RENAME(id, sym) { MW_CALLEE_##id, #sym },
	MW_CALLEE_RENAMES(CALLEE_RENAME)
#undef CALLEE_RENAME
};

#define NR_CALLEE_RENAMES (sizeof(callee_renames) / sizeof(callee_renames[0]))

_Static_assert(MW_CALLEE_ENTRY < 256, "a callee id fits the reader's per-symbol byte");

#define MW_SKIP_NAME(id, name, desc) [MW_SKIP_##id] = name,
static const char *const skip_names[MW_SKIP_NR] = { MW_SKIPS(MW_SKIP_NAME) };
#undef MW_SKIP_NAME
#define MW_SKIP_DESC(id, name, desc) [MW_SKIP_##id] = desc,
static const char *const skip_descs[MW_SKIP_NR] = { MW_SKIPS(MW_SKIP_DESC) };
#undef MW_SKIP_DESC

const char *mw_skip_name(__u32 skip)
{
	return skip < MW_SKIP_NR ? skip_names[skip] : "unknown";
}

const char *mw_skip_desc(__u32 skip)
{
	return skip < MW_SKIP_NR ? skip_descs[skip] : "unknown";
}

const char *mw_callee_name(__u32 callee)
{
	if (callee == MW_CALLEE_ENTRY)
		return "entry";
	if (callee == MW_CALLEE_NONE || callee >= MW_CALLEE_NR)
		return "unknown";
	return callee_names[callee];
}

const char *mw_callee_symbol(__u32 callee, unsigned int nth)
{
	size_t i;

	if (callee == MW_CALLEE_NONE || callee >= MW_CALLEE_NR)
		return NULL;
	if (!nth)
		return callee_names[callee];
	for (i = 0; i < NR_CALLEE_RENAMES; i++)
		if (callee_renames[i].callee == callee && !--nth)
			return callee_renames[i].name;
	return NULL;
}

#define MW_FAMILY_ROW(fam, re) { #fam, re },
static const struct {
	const char *family;
	const char *re;
} family_rows[] = { MW_FAMILIES(MW_FAMILY_ROW) };
#undef MW_FAMILY_ROW

#define NR_FAMILY_ROWS (sizeof(family_rows) / sizeof(family_rows[0]))

/* The family of @name (1 + its row in family_rows), or 0: a function no rule cares about. */
__u8 ko_family_of(const char *name)
{
	static regex_t re[NR_FAMILY_ROWS];
	static bool compiled[NR_FAMILY_ROWS];
	size_t i;

	_Static_assert(NR_FAMILY_ROWS < 255, "a family row fits the reader's per-symbol byte");
	for (i = 0; i < NR_FAMILY_ROWS; i++) {
		if (!compiled[i] && regcomp(&re[i], family_rows[i].re, REG_EXTENDED | REG_NOSUB))
			continue;	/* a bad row matches nothing (tests check them all) */
		compiled[i] = true;
		if (!regexec(&re[i], name, 0, NULL, 0))
			return i + 1;
	}
	return 0;
}

__u8 ko_callee_by_name(const char *name)
{
	__u32 i;

	for (i = MW_CALLEE_NONE + 1; i < MW_CALLEE_NR; i++)
		if (!strcmp(callee_names[i], name))
			return i;
	for (i = 0; i < NR_CALLEE_RENAMES; i++)
		if (!strcmp(callee_renames[i].name, name))
			return callee_renames[i].callee;
	return MW_CALLEE_NONE;
}

const char *ko_family_name(__u8 family)
{
	return family_rows[family - 1].family;
}
