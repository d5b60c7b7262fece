/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF object's generated skeleton (bpftool gen skeleton), with the
 * shared types its .bss and .rodata are made of: include this, never the
 * skeleton alone.
 */
#ifndef MODWATCH_PROBE_SKEL_H
#define MODWATCH_PROBE_SKEL_H

#include "events.h"
#include "modwatch.skel.h"

#endif /* MODWATCH_PROBE_SKEL_H */
