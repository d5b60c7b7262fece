/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a module's .ko says about its own call sites. Debian's 6.1 kernel
 * refuses kprobes on _copy_from_user()/_copy_to_user() (notrace), so modwatch
 * probes the module's call instructions instead: every call (or tail-call jmp)
 * to a function of MW_CALLEES, found from the relocations of the .ko's
 * executable sections. Functions return 0 or -errno and print their own
 * one-line error through mw_err(), except where noted.
 */
#ifndef MODWATCH_KO_H
#define MODWATCH_KO_H

#include <limits.h>	/* PATH_MAX, the size of mw_ko_find()'s buffer */
#include <stddef.h>
#include "ko/ko_types.h"

/*
 * Reads a .ko, plain or compressed (xz, zstd, gzip: by content, not by name).
 * -ENOEXEC: not an x86_64 relocatable ELF; -EINVAL: a malformed one (truncated,
 * no symbol table); -ENOENT: no such file, or the decompressor is not installed.
 */
int mw_ko_read(const char *path, struct mw_ko *ko);
void mw_ko_free(struct mw_ko *ko);

/*
 * Locates MODULE's .ko (into @path: PATH_MAX will do) through
 * /lib/modules/$(uname -r)/modules.dep, '-' and '_' being equivalent. -ENOENT
 * (printing nothing: the caller knows why it asked) when it is not listed or
 * there is no modules.dep.
 */
int mw_ko_find(const char *module, char *path, size_t len);
/* The same in the modules folder DIR (which holds modules.dep). */
int mw_ko_find_in(const char *dir, const char *module, char *path, size_t len);

#endif /* MODWATCH_KO_H */
