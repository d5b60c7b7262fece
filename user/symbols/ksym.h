/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel addresses to module:function+offset, from kallsyms; module sections. */
#ifndef MODWATCH_SYMBOLS_KSYM_H
#define MODWATCH_SYMBOLS_KSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct mw_sym {
	const char *module;	/* NULL for core kernel */
	const char *name;	/* NULL when unknown */
	__u64 offset;
	__u64 size;		/* code: up to the next symbol, as kallsyms says it; 0: unknown */
};
int mw_ksym_resolve(__u64 addr, struct mw_sym *sym);
int mw_ksym_resolve_var(__u64 addr, struct mw_sym *sym);
/* "func+0x1e [mod] (file:line)" for a person: names escaped (lib/escape.h). */
void mw_ksym_format(__u64 addr, char *buf, size_t len);
void mw_ksym_free(void);
int mw_ksym_reload(void);
/* @module: that module, "" the core kernel, NULL anywhere. */
int mw_ksym_addr(const char *module, const char *name, __u64 *addr);
/*
 * @module's last code symbol in kallsyms and the address of its first data
 * symbol after it (0: none); -ENOENT if it has no code symbol.
 */
int mw_ksym_module_tail(const char *module, __u64 *last_text, __u64 *next);
/* The live address of @module's @section (/sys/module/NAME/sections/); 0 or -errno. */
int mw_section_addr(const char *module, const char *section, __u64 *addr);

#endif /* MODWATCH_SYMBOLS_KSYM_H */
