/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a .ko says, as types: its call sites, entry points, blind spots and
 * static objects (struct mw_ko), and why a site is left unprobed. The
 * reader's parts (ko.c, elf.c, callsites.c) and its users share them.
 */
#ifndef MODWATCH_KO_KO_TYPES_H
#define MODWATCH_KO_KO_TYPES_H

#include <stddef.h>
#include <linux/types.h>
#include "sites.h"

/*
 * Why the kernel would refuse a kprobe at an instruction (checked before
 * attaching, so that one refusal never aborts a session), or why modwatch
 * did not probe it: X(id, short name for JSON, words for people).
 */
#define MW_SKIPS(X)								\
	X(NONE,		"",		"")					\
	X(INIT,		"init",		"init code, freed after load")		\
	X(EXIT,		"exit",		"__exit code (notrace)")		\
	X(NOTRACE,	"notrace",	"notrace function (no ftrace entry)")	\
	X(BLACKLIST,	"blacklist",	"in the kprobe blacklist")		\
	X(JUMP_LABEL,	"jump_label",	"jump label (static key)")		\
	X(STATIC_CALL,	"static_call",	"static call")				\
	X(BUG,		"bug",		"BUG() instruction")			\
	X(NO_NEXT,	"no_next",	"last instruction of its function")	\
	X(NO_SECTION,	"no_section",	"section not loaded")			\
	X(PATCHED,	"patched",	"live code differs from the .ko")	\
	X(FULL,		"full",		"site table full")			\
	X(ATTACH,	"attach",	"the kernel refused the kprobe")		\
	X(TEXT_END,	"text_end",	"last function of a text the kernel's kprobe optimizer reads past") \
	X(REFUSED,	"refused",	"its BPF program was refused by this kernel")

#define MW_SKIP_ENUM(id, name, desc) MW_SKIP_##id,
enum mw_skip {
	MW_SKIPS(MW_SKIP_ENUM)
	MW_SKIP_NR
};
#undef MW_SKIP_ENUM


struct mw_callsite {
	char func[128];		/* the FUNC symbol that contains the call ("" if none) */
	__u64 func_off;		/* offset of the call instruction from that symbol */
	char section[64];	/* e.g. ".text", ".text.unlikely", ".init.text" */
	__u64 sec_off;		/* offset of the call instruction in its section */
	__u32 callee;		/* enum mw_callee */
	__u32 shndx;		/* the section's index in the .ko */
	__u8 opcode;		/* 0xe8 (call rel32) or 0xe9 (jmp rel32: a tail call) */
	__u8 skip;		/* enum mw_skip: why the call instruction cannot be probed */
	__u8 skip_next;		/* why the instruction after it cannot be */
	/*
	 * A first argument that is a static object: "mov $sym,%rdi" or "lea
	 * sym(%rip),%rdi" ends right at the call (e.g. mutex_lock(&static_lock)).
	 * arg_section is "" when rdi comes from anywhere else.
	 */
	char arg_section[64];
	__u64 arg_off;		/* the object's offset in arg_section */
};

#define MW_BUILD_ID_MAX 20

/* A function of the families modwatch cares about that it does not know (user/ko/families.h). */
struct mw_blind {
	char name[64];
	const char *family;	/* "copy", "alloc", "free", "lock" */
	__u32 calls;		/* call sites in the module */
};

/*
 * A writable static object of the module: an OBJECT symbol with a size in an
 * allocated, writable section (.data, .bss; not .data..percpu, whose
 * symbols are offsets into each CPU's copy). The race rules watch these.
 */
struct mw_static_sym {
	char name[64];
	char section[64];
	__u64 off;		/* in its section */
	__u64 size;
};

struct mw_ko {			/* what a .ko says, freed with mw_ko_free() */
	char name[64];		/* from .gnu.linkonce.this_module or the modinfo "name=" */
	struct mw_callsite *sites;	/* sorted by section name, then offset */
	size_t nr_sites;
	/*
	 * Its entry points (struct mw_call): the functions its data points to
	 * (ops tables), as sites of callee MW_CALLEE_ENTRY at their first
	 * instruction, in the same order.
	 */
	struct mw_callsite *entries;
	size_t nr_entries;
	__u8 build_id[MW_BUILD_ID_MAX];	/* .note.gnu.build-id, if it has one */
	__u32 build_id_len;
	struct mw_blind *blind;	/* its blind spots, most called first */
	size_t nr_blind;
	struct mw_static_sym *statics;	/* in symbol table order */
	size_t nr_statics;
};

#endif /* MODWATCH_KO_KO_TYPES_H */
