/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-width types for headers shared by BPF and user space: BPF code gets
 * them from vmlinux.h, user space from the kernel UAPI.
 */
#ifndef MODWATCH_TYPES_H
#define MODWATCH_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#endif /* MODWATCH_TYPES_H */
