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

const char *mw_skip_name(__u32 skip);
const char *mw_skip_desc(__u32 skip);

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

/* The callee's symbol name from MW_CALLEES; "unknown" if out of range. */
const char *mw_callee_name(__u32 callee);
/*
 * The callee's symbol names: 0 is MW_CALLEES', 1.. the later kernels' of
 * MW_CALLEE_RENAMES; NULL past the last.
 */
const char *mw_callee_symbol(__u32 callee, unsigned int nth);

#endif /* MODWATCH_KO_H */
