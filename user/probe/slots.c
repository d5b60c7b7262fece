// SPDX-License-Identifier: GPL-2.0
/* Next-fit indices of a probe map (see slots.h). */
#include <errno.h>
#include "probe/slots.h"

int mw_slot_alloc(bool *used, __u32 n, __u32 *hint)
{
	__u32 i, idx;

	for (i = 0; i < n; i++) {
		idx = (*hint + i) % n;
		if (!used[idx]) {
			used[idx] = true;
			*hint = idx + 1;
			return idx;
		}
	}
	return -ENOSPC;
}
