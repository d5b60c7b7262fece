/* SPDX-License-Identifier: GPL-2.0 */
/* The race rules' payload printers (rules.c's rows point at them): data_race and
 * unprotected_shared_access share one. */
#ifndef MODWATCH_REPORT_PAYLOAD_RACES_H
#define MODWATCH_REPORT_PAYLOAD_RACES_H

#include "report/payload.h"

extern const struct mw_payload mw_payload_shared;

#endif /* MODWATCH_REPORT_PAYLOAD_RACES_H */
