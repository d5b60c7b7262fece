/* SPDX-License-Identifier: GPL-2.0 */
/* --suppress KIND:MODULE:FUNCTION: reports a user chose not to see. */
#ifndef MODWATCH_REPORT_SUPPRESS_H
#define MODWATCH_REPORT_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct mw_suppression {
	char kind[40];
	char module[64];
	char func[128];
	__u64 hits;		/* reports it kept from being made */
};
#define MW_MAX_SUPPRESS 256
int mw_suppression_parse(const char *text, struct mw_suppression *s);
bool mw_suppression_match(const struct mw_suppression *s, const char *kind, const char *module,
			  const char *const *funcs, int nr_funcs);

#endif /* MODWATCH_REPORT_SUPPRESS_H */
