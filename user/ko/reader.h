/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The .ko reader's private state: one read (struct ko_reader), shared by
 * the files of user/ko/ (elf.c, callsites.c, ko.c which drives them). Types
 * only, as ko_types.h: so the parts' headers and ko.h form no cycle.
 */
#ifndef MODWATCH_KO_READER_H
#define MODWATCH_KO_READER_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct mw_ko;

/* A FUNC symbol, to name the function around a call. */
struct ko_func {
	size_t shndx;
	__u64 value, size;
	size_t index;		/* in the symbol table: the kernel's pick among aliases */
	const char *name;	/* libelf's, valid until elf_end() */
};

/* An offset in a section of the .ko. */
struct ko_loc {
	size_t shndx;
	__u64 off;
};

/* [lo, hi) of a code section where the kernel refuses kprobes, and why. */
struct ko_range {
	size_t shndx;
	__u64 lo, hi;
	__u8 skip;		/* enum mw_skip */
};

/* "mov $obj,%rdi" or "lea obj(%rip),%rdi", ending at @end of code section @shndx. */
struct ko_rdi {
	size_t shndx;
	__u64 end;
	struct ko_loc obj;
};

/* A growable array of @size-byte elements. */
struct ko_vec {
	void *v;
	size_t n, cap;
};

struct ko_scn {
	const char *name;	/* libelf's, valid until elf_end() */
	__u64 size;
	bool code;		/* SHF_EXECINSTR */
	bool data;		/* allocated, not code: where static objects live */
	bool writable;		/* allocated, written at run time, one copy: .data, .bss */
};

struct ko_reader {
	const char *path;	/* for messages */
	struct mw_ko *ko;
	int fd;			/* the plain ELF */
	Elf *elf;
	size_t shstrndx;
	struct ko_scn *scns;	/* by section index */
	size_t nr_scns;
	size_t symtab;		/* section index of the symbol table */
	size_t nr_syms;
	__u8 *callee_of;	/* per symbol: enum mw_callee, MW_CALLEE_NONE for the others */
	__u8 *family_of;	/* per symbol: 1 + family row of an unknown import, else 0 */
	__u32 *blind_calls;	/* per symbol: calls to it, for those */
	struct ko_loc *sym_loc;	/* per symbol: its section and value */
	struct ko_func *funcs;	/* sorted by section, value, index */
	size_t nr_funcs;
	size_t cap_sites;
	struct ko_vec bounds;	/* struct ko_loc: where symbols in code start, sorted */
	struct ko_vec ftrace;	/* struct ko_loc: __mcount_loc entries, sorted */
	struct ko_vec reserved;	/* struct ko_range */
	struct ko_vec rdi;	/* struct ko_rdi, sorted by shndx, end */
	struct ko_vec statics;	/* struct mw_static_sym, handed to the mw_ko */
	struct ko_vec entries;	/* struct ko_loc: functions that data points to */
};

#endif /* MODWATCH_KO_READER_H */
