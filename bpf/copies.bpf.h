/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A task's user copy in flight (struct mw_copy, include/usercopy.h). Two
 * rule sets keep it: the copy rules (usercopy.bpf.h) note the live object a
 * copy call touches and check it again at the return; the race rules
 * (races.bpf.h) note the copy's claim on a shared object there, to release
 * it at the task's next copy. Its own header, which both include, so that
 * neither declares a function the other defines.
 */
#ifndef MODWATCH_COPIES_BPF_H
#define MODWATCH_COPIES_BPF_H

#include "common.bpf.h"
#include "usercopy.h"

typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct mw_copy);
} mw_copies_t;
mw_copies_t mw_copies __weak SEC(".maps");

static __always_inline struct mw_copy *mw_copy_state(bool create)
{
	return bpf_task_storage_get(&mw_copies, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

#endif /* MODWATCH_COPIES_BPF_H */
