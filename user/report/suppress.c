// SPDX-License-Identifier: GPL-2.0
/*
 * --suppress KIND:MODULE:FUNCTION: the reports a user chose not to see,
 * each part a glob; the command line and the config file both set them.
 */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include "report/suppress.h"

/* KIND:MODULE:FUNCTION, each a glob; 0 or -EINVAL. */
int mw_suppression_parse(const char *text, struct mw_suppression *s)
{
	const char *c1 = strchr(text, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	memset(s, 0, sizeof(*s));
	if (!c1 || !c2 || strchr(c2 + 1, ':') || c1 == text || c2 == c1 + 1 || !c2[1])
		return -EINVAL;
	if ((size_t)(c1 - text) >= sizeof(s->kind) || (size_t)(c2 - c1 - 1) >= sizeof(s->module) ||
	    strlen(c2 + 1) >= sizeof(s->func))
		return -EINVAL;
	memcpy(s->kind, text, c1 - text);
	memcpy(s->module, c1 + 1, c2 - c1 - 1);
	strcpy(s->func, c2 + 1);
	return 0;
}

/*
 * Does @s cover a report of @kind by @module? FUNCTION matches the
 * function of the report's site or of any frame of its stack, as a
 * sanitizer's suppression matches any frame: a known bug is often named
 * by the caller that gets it wrong, not by the call that notices.
 */
bool mw_suppression_match(const struct mw_suppression *s, const char *kind, const char *module,
			  const char *const *funcs, int nr_funcs)
{
	int i;

	if (fnmatch(s->kind, kind, 0) || fnmatch(s->module, module ? module : "", 0))
		return false;
	if (!strcmp(s->func, "*"))	/* any function, known or not */
		return true;
	for (i = 0; i < nr_funcs; i++)
		if (funcs[i] && !fnmatch(s->func, funcs[i], 0))
			return true;
	return false;
}
