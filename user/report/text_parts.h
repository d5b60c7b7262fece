/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pieces of the text printer's lines that several rules' payloads share.
 */
#ifndef MODWATCH_REPORT_TEXT_PARTS_H
#define MODWATCH_REPORT_TEXT_PARTS_H

#include <stdio.h>
#include "heap.h"
#include "events.h"

/* Room for a code address as "module:function+0xoff/0xsize". */
#define MW_SYM_LEN 160

/* "; the memory since handed to f+0x10 [mod] (tid N)": core code got it. */
void text_reused(FILE *out, const struct mw_reused_by *r);
/* "0xADDR (SIZE bytes[, cache NAME]) allocated at SITE" */
void text_object(FILE *out, const struct mw_object *o);
/* "mutex mw_buggy:lock_a" */
void text_lock(FILE *out, const struct mw_lock *l);

#endif /* MODWATCH_REPORT_TEXT_PARTS_H */
