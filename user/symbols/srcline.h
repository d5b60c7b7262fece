/* SPDX-License-Identifier: GPL-2.0 */
/* file:line of a module's code, from its .ko's DWARF (libdw). */
#ifndef MODWATCH_SYMBOLS_SRCLINE_H
#define MODWATCH_SYMBOLS_SRCLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct mw_src_frame {
	const char *func;	/* the (inlined) function this frame is in */
	const char *file;	/* as the DWARF names it; valid until mw_srcline_free() */
	int line;
};
#define MW_SRC_FRAMES 8
#define MW_SRC_VMLINUX "vmlinux"	/* the core kernel's name among them */
int mw_srcline_add(const char *module, const char *ko_path);
int mw_srcline_vmlinux(const char *path);
int mw_srcline_debug_dir(const char *dir);
int mw_srcline(const char *module, const char *func, __u64 offset, struct mw_src_frame *f,
	       int max);
const char *mw_srcline_display(const char *module, const char *file);
void mw_srcline_free(void);

#endif /* MODWATCH_SYMBOLS_SRCLINE_H */
