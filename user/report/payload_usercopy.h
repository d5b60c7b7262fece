/* SPDX-License-Identifier: GPL-2.0 */
/* The user-copy rules' payload printers (rules.c's rows point at them). */
#ifndef MODWATCH_REPORT_PAYLOAD_USERCOPY_H
#define MODWATCH_REPORT_PAYLOAD_USERCOPY_H

#include "report/payload.h"

extern const struct mw_payload mw_payload_user_slice_overrun;
extern const struct mw_payload mw_payload_ioctl_size_mismatch;
extern const struct mw_payload mw_payload_double_fetch;

#endif /* MODWATCH_REPORT_PAYLOAD_USERCOPY_H */
