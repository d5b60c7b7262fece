/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --deep (issue 29): the BPF<->daemon ABI for probing a watched module's own
 * memory-access instructions. The daemon decodes the module's .ko
 * (user/ko/accesses.c) and gives the BPF side one descriptor per probed
 * instruction; the kprobe there rebuilds the effective address from struct
 * pt_regs (base + index * scale + disp) and checks it against the heap
 * tracker's objects. Registers are indexes into struct pt_regs as x86-64
 * lays it out (arch/x86/include/asm/ptrace.h), so the BPF side reads
 * ((unsigned long *)ctx)[reg] without a switch.
 */
#ifndef MODWATCH_DEEP_H
#define MODWATCH_DEEP_H

#include "types.h"

/* struct pt_regs's fields in order, x86-64: the word index of each register. */
enum mw_reg {
	MW_REG_R15 = 0,
	MW_REG_R14,
	MW_REG_R13,
	MW_REG_R12,
	MW_REG_BP,
	MW_REG_BX,
	MW_REG_R11,
	MW_REG_R10,
	MW_REG_R9,
	MW_REG_R8,
	MW_REG_AX,
	MW_REG_CX,
	MW_REG_DX,
	MW_REG_SI,
	MW_REG_DI,
	MW_REG_ORIG_AX,
	MW_REG_IP,
	MW_REG_CS,
	MW_REG_FLAGS,
	MW_REG_SP,
	MW_REG_SS,
	MW_REG_NR,
	MW_REG_NONE = 0xff,	/* no index register */
};

/* struct mw_access_desc.flags: what the instruction does with the memory. */
#define MW_ACC_READ	0x1
#define MW_ACC_WRITE	0x2

/*
 * One probed memory access: the instruction at @site (its live address, in
 * module @module_id) touches @size bytes at base + index * scale + disp.
 */
struct mw_access_desc {
	__u64 site;
	__s32 disp;
	__u32 module_id;	/* registry id; 0: its module is gone, the probe is stale */
	__u8 base;		/* enum mw_reg */
	__u8 index;		/* enum mw_reg, MW_REG_NONE when there is none */
	__u8 scale;		/* 1, 2, 4 or 8 */
	__u8 size;		/* bytes accessed */
	__u8 flags;		/* MW_ACC_READ | MW_ACC_WRITE */
	__u8 __pad[3];
};

_Static_assert(sizeof(struct mw_access_desc) == 24, "struct mw_access_desc is BPF ABI");

/* Descriptors the daemon can install: mw_access_descs' entries, 1.5 MiB. */
#define MW_MAX_ACCESS_SITES 65536

#endif /* MODWATCH_DEEP_H */
