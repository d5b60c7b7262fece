// SPDX-License-Identifier: GPL-2.0
/* Definitions of the shared ring buffer, counters and configuration. */
#include "common.bpf.h"

mw_events_t mw_events SEC(".maps");
mw_stats_t mw_stats SEC(".maps");

const volatile __u32 mw_self_tgid = 0;

char LICENSE[] SEC("license") = "GPL";
