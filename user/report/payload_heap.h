/* SPDX-License-Identifier: GPL-2.0 */
/* The heap rules' payload printers (rules.c's rows point at them). */
#ifndef MODWATCH_REPORT_PAYLOAD_HEAP_H
#define MODWATCH_REPORT_PAYLOAD_HEAP_H

#include "report/payload.h"

extern const struct mw_payload mw_payload_double_free;
extern const struct mw_payload mw_payload_heap_overflow;
extern const struct mw_payload mw_payload_use_after_free;
extern const struct mw_payload mw_payload_invalid_free;
extern const struct mw_payload mw_payload_leak_on_unload;
extern const struct mw_payload mw_payload_uninit_leak;

#endif /* MODWATCH_REPORT_PAYLOAD_HEAP_H */
