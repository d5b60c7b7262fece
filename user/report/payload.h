/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A rule's payload printer: what its reports say beyond the header (kind,
 * module, task, site, stack), as the text line's words and as the JSON
 * line's fields. Each rule's row in rules.c points at one; the family files
 * (payload_heap.c, payload_locks.c, ...) define them.
 */
#ifndef MODWATCH_REPORT_PAYLOAD_H
#define MODWATCH_REPORT_PAYLOAD_H

#include <stdio.h>
#include "events.h"

struct jw;

struct mw_payload {
	/* after "[time] module kind:", before " (pid ...)" */
	void (*text)(FILE *out, const struct mw_event *e);
	/* after the "stack" member: ,"key":value... */
	void (*json)(struct jw *out, const struct mw_event *e);
};

#endif /* MODWATCH_REPORT_PAYLOAD_H */
