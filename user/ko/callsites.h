/* SPDX-License-Identifier: GPL-2.0 */
/* A .ko's call sites and entry points from its relocations, and what the kernel would refuse. */
#ifndef MODWATCH_KO_CALLSITES_H
#define MODWATCH_KO_CALLSITES_H

#include "ko/reader.h"

/* callsites.c: the sites and entry points, what the kernel would refuse, the blind spots. */
int ko_scan_relocs(struct ko_reader *r);
void ko_classify(const struct ko_reader *r);
int ko_collect_blind(struct ko_reader *r);

/* callsites.c, for the other readers of code (accesses.c). */
typedef int (*ko_rela_fn)(struct ko_reader *r, const GElf_Rela *rel, void *ctx);
/* Calls @fn for every relocation of section @rela; stops at the first error. */
int ko_each_rela(struct ko_reader *r, Elf_Scn *rela, const GElf_Shdr *rsh, ko_rela_fn fn,
		 void *ctx);
/* Why the kernel would refuse a kprobe at @off of section @shndx (after ko_scan_relocs()). */
__u8 ko_skip_at(const struct ko_reader *r, size_t shndx, __u64 off);

#endif /* MODWATCH_KO_CALLSITES_H */
