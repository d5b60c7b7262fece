// SPDX-License-Identifier: GPL-2.0
/* The module registry's storage; the daemon fills it, hooks read it. */
#include "registry.bpf.h"


/* Empty span: nothing is watched until the daemon says so. */
__u64 mw_watch_lo = 0;
__u64 mw_watch_hi = 0;
