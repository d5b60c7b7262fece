/* SPDX-License-Identifier: GPL-2.0 */
/* journald's native protocol, without libsystemd. */
#ifndef MODWATCH_SERVICE_JOURNAL_H
#define MODWATCH_SERVICE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "events.h"

struct mw_registry;

struct mw_journal_field {
	const char *name;	/* [A-Z0-9_], not starting with '_' or a digit, <= 64 chars */
	const char *value;
	size_t len;		/* of value, 0: strlen(value) */
};
int mw_journal_open(const char *path);	/* NULL: journald's own socket */
void mw_journal_close(void);
int mw_journal_send(const struct mw_journal_field *f, int n);
bool mw_journal_stream(void);		/* is stderr journald's? */
/* journal.c: a report as one structured journal entry. */
int mw_journal_report(struct mw_registry *reg, const struct mw_event *e);

#endif /* MODWATCH_SERVICE_JOURNAL_H */
