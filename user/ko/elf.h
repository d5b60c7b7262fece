/* SPDX-License-Identifier: GPL-2.0 */
/* The .ko as an ELF file: opening it (compressed or not), its sections and symbols. */
#ifndef MODWATCH_KO_ELF_H
#define MODWATCH_KO_ELF_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "ko/reader.h"

/* elf.c: messages (they return -EINVAL and -ENOMEM), the file and its header. */
int ko_malformed(const struct ko_reader *r, const char *what);
int ko_nomem(const struct ko_reader *r);
/* An fd with the plain ELF of @path, or -errno. */
int ko_open(const char *path);
int ko_check_header(struct ko_reader *r);
/* Opens @path into @r (fd, libelf handle); ko_reader_close() frees what the parse allocated. */
int ko_reader_open(struct ko_reader *r, const char *path);
void ko_reader_close(struct ko_reader *r);

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
/* Sorts @vec (struct ko_loc) by section and offset; an empty one has no array to sort. */
void ko_sort_locs(struct ko_vec *vec);
int ko_add_loc(struct ko_reader *r, struct ko_vec *vec, size_t shndx, __u64 off);
/* Does sorted @vec (struct ko_loc) hold a location in [lo, hi) of section @shndx? */
bool ko_any_loc(const struct ko_vec *vec, size_t shndx, __u64 lo, __u64 hi);
int ko_add_reserved(struct ko_reader *r, size_t shndx, __u64 lo, __u64 hi, __u8 skip);

#endif /* MODWATCH_KO_ELF_H */
