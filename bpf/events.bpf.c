// SPDX-License-Identifier: GPL-2.0
/* Definitions of the shared ring buffer, counters and configuration. */
#include "common.bpf.h"


const volatile __u32 mw_self_tgid = 0;
const volatile bool mw_every = false;
const volatile bool mw_crash_log = true;

char LICENSE[] SEC("license") = "GPL";
