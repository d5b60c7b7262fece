/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A module's own memory accesses, found in its .ko (issue 29, --deep): the
 * instructions whose memory operand could reach a heap object, each with
 * what the BPF side needs to rebuild the address from struct pt_regs
 * (include/deep.h), and counts of what was left out and why, so that the
 * daemon can say per module how much of its code --deep watches.
 */
#ifndef MODWATCH_KO_ACCESSES_H
#define MODWATCH_KO_ACCESSES_H

#include <stddef.h>
#include <linux/types.h>
#include "deep.h"
#include "ko/ko_types.h"

/*
 * What became of an instruction with a memory operand: X(id, short name for
 * JSON, words for people). Only KEPT ones are probed.
 */
#define MW_ACC_CLASSES(X)							\
	X(KEPT,		"kept",		"probed")				\
	X(NOMEM,	"nomem",	"lea, nop, prefetch, clflush: no data access") \
	X(UNACCESSED,	"unaccessed",	"operand neither read nor written")	\
	X(STRING,	"string",	"string instruction (rep: length in rcx)") \
	X(SEGMENT,	"segment",	"fs:/gs: override (per-cpu, TLS)")	\
	X(STACK,	"stack",	"rsp-based: the stack")			\
	X(RIP,		"rip",		"rip-relative: the module's own data")	\
	X(ABSOLUTE,	"absolute",	"no base register")			\
	X(ADDR32,	"addr32",	"32-bit address (addr32 prefix)")	\
	X(ODD,		"odd",		"a register no probe can read (vector index)") \
	X(RELOCATED,	"relocated",	"displacement is a symbol's address, not a heap offset") \
	X(REFUSED,	"refused",	"the kernel would refuse a kprobe there")

#define MW_ACC_ENUM(id, name, desc) MW_ACC_##id,
enum mw_acc_class {
	MW_ACC_CLASSES(MW_ACC_ENUM)
	MW_ACC_NR
};
#undef MW_ACC_ENUM

/* One kept access instruction. */
struct mw_access_site {
	/* site and module_id are 0: the daemon sets them once the module is loaded. */
	struct mw_access_desc desc;
	__u64 sec_off;		/* the instruction's offset in its section */
	__u32 shndx;		/* its section: mw_accesses.sections[shndx] */
	__u32 func;		/* its function: mw_accesses.funcs[func] */
	__u32 func_off;		/* its offset in that function */
	__u8 len;		/* its length in bytes */
	__u8 bytes[15];		/* and the bytes: the live code must match them */
};

struct mw_accesses {
	struct mw_access_site *sites;	/* by section index, then offset */
	size_t nr_sites;
	char **sections;	/* by section index: the decoded code sections' names, else NULL */
	size_t nr_sections;
	char **funcs;		/* the functions decoded, in section and address order */
	size_t nr_funcs;
	__u64 insns;		/* instructions decoded */
	__u64 classes[MW_ACC_NR];	/* instructions with a memory operand, by class */
	__u64 reads, writes;	/* of the kept: a read-modify-write counts in both */
	__u64 refused[MW_SKIP_NR];	/* MW_ACC_REFUSED, by enum mw_skip */
	__u32 unsized;		/* functions with no size: not decoded */
	__u32 undecodable;	/* functions capstone could not decode to their end */
};

/*
 * Decodes the functions of the .ko at @ko_path (plain or compressed) that
 * match one of the @nr_globs shell globs (fnmatch; all when @nr_globs is
 * 0) into @out, which mw_accesses_free() frees (also on error). Returns 0
 * or -errno, having printed one line (as mw_ko_read()).
 */
int mw_ko_accesses(const char *ko_path, const char *const *globs, int nr_globs,
		   struct mw_accesses *out);
void mw_accesses_free(struct mw_accesses *a);
/* "kept", "stack"...; "unknown" past the table. */
const char *mw_acc_class_name(unsigned int c);

#endif /* MODWATCH_KO_ACCESSES_H */
