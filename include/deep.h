/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --deep's ABI between the daemon and BPF: one descriptor per probed
 * memory-access instruction of a watched module, which the daemon decodes
 * from the module's code and the kprobe on that instruction reads back by
 * its cookie, to compute the address it accesses from the registers.
 */
#ifndef MODWATCH_DEEP_H
#define MODWATCH_DEEP_H

#include "types.h"

/*
 * A register, as the index of its 8-byte field in x86-64's struct pt_regs
 * (arch/x86/include/asm/ptrace.h), in field order: the kprobe reads the
 * value at that index of the registers it was given.
 */
enum mw_reg {
	MW_REG_R15,
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
	MW_REG_NONE = 0xff,	/* no base, or no index */
};

/* mw_access_desc.flags: what the instruction does to the memory (both: read-modify-write). */
enum {
	MW_ACC_READ = 1,
	MW_ACC_WRITE = 2,
};

/*
 * One memory access of a watched module: the address is base + index *
 * scale + disp, of size bytes.
 */
struct mw_access_desc {
	__u64 site;		/* the live address of the instruction */
	__s32 disp;
	__u32 module_id;	/* registry id; 0: its module is gone, the probe is stale */
	__u8 base, index, scale, size;	/* enum mw_reg (or MW_REG_NONE), 1/2/4/8, bytes */
	__u8 flags;		/* MW_ACC_* */
	__u8 __pad[3];
};
_Static_assert(sizeof(struct mw_access_desc) == 24, "mw_access_desc layout");

/* Descriptors the daemon can install: mw_access_descs' entries, 1.5 MiB. */
#define MW_MAX_ACCESS_SITES 65536

#endif /* MODWATCH_DEEP_H */
