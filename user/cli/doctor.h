/* SPDX-License-Identifier: GPL-2.0 */
/* modwatch doctor: what this kernel and machine let modwatch do. */
#ifndef MODWATCH_CLI_DOCTOR_H
#define MODWATCH_CLI_DOCTOR_H

#include <stdbool.h>

int mw_cmd_doctor(void);
int mw_cmd_doctor_verifier(bool json);

#endif /* MODWATCH_CLI_DOCTOR_H */
