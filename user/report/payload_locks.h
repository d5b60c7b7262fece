/* SPDX-License-Identifier: GPL-2.0 */
/* The lock rules' payload printers (rules.c's rows point at them). */
#ifndef MODWATCH_REPORT_PAYLOAD_LOCKS_H
#define MODWATCH_REPORT_PAYLOAD_LOCKS_H

#include "report/payload.h"

extern const struct mw_payload mw_payload_unlock_not_owner;
extern const struct mw_payload mw_payload_unlock_not_held;
extern const struct mw_payload mw_payload_recursive_lock;
extern const struct mw_payload mw_payload_lock_held_on_return;
extern const struct mw_payload mw_payload_sleep_in_atomic;
extern const struct mw_payload mw_payload_lock_order_inversion;
extern const struct mw_payload mw_payload_held_lock_freed;
extern const struct mw_payload mw_payload_lock_held_on_unload;

#endif /* MODWATCH_REPORT_PAYLOAD_LOCKS_H */
