/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The .ko reader's private header: the state of one read (struct ko_reader),
 * shared by the files of user/ko/, and the functions they call across files:
 * elf.c's (the file, sections, symbols) and callsites.c's (the relocations).
 * One header for the folder's internals rather than elf.h and callsites.h:
 * those files need ko/ko.h's types, so ko.c, which drives them, may include
 * no header of theirs without an include cycle.
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

/* elf.c: messages (they return -EINVAL and -ENOMEM), the file and its header. */
int ko_malformed(const struct ko_reader *r, const char *what);
int ko_nomem(const struct ko_reader *r);
/* An fd with the plain ELF of @path, or -errno. */
int ko_open(const char *path);
int ko_check_header(struct ko_reader *r);

/* elf.c: sections and symbols. */
const char *ko_scn_name(const struct ko_reader *r, const GElf_Shdr *sh);
int ko_load_scns(struct ko_reader *r);
int ko_load_symbols(struct ko_reader *r);
bool ko_is_code(const struct ko_reader *r, size_t shndx);
/* The function around @off of section @shndx, as kallsyms names it; NULL if none. */
const struct ko_func *ko_find_func(const struct ko_reader *r, size_t shndx, __u64 off);

/* elf.c: the reader's arrays. */
void *ko_push(struct ko_vec *vec, size_t size);
int ko_cmp_loc(const void *a, const void *b);
int ko_add_loc(struct ko_reader *r, struct ko_vec *vec, size_t shndx, __u64 off);
int ko_add_reserved(struct ko_reader *r, size_t shndx, __u64 lo, __u64 hi, __u8 skip);

/* callsites.c: the sites and entry points, what the kernel would refuse, the blind spots. */
int ko_scan_relocs(struct ko_reader *r);
void ko_classify(const struct ko_reader *r);
int ko_collect_blind(struct ko_reader *r);

#endif /* MODWATCH_KO_READER_H */
