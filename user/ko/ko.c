// SPDX-License-Identifier: GPL-2.0
/*
 * The .ko reader: a module's own calls to the functions of MW_CALLEES.
 *
 * In a relocatable object a call to an external function is "e8 <rel32>"
 * (a tail call: "e9 <rel32>") with an R_X86_64_PLT32 (older toolchains:
 * PC32) relocation on the rel32 and addend -4, because the CPU adds the rel32
 * to the address of the next instruction, 4 bytes past the field. Any other
 * relocation against a callee (a lea of its address, a conditional jump) is
 * no call instruction a probe could sit on, and is skipped.
 *
 * The reader also says, per site, whether the kernel will accept a kprobe on
 * the call and on the instruction after it, from the same tables the kernel
 * consults (kernel/trace/trace_kprobe.c, kernel/kprobes.c): a function
 * without an ftrace location (__mcount_loc) is notrace, and trace_kprobe
 * refuses any address in it; jump labels (__jump_table), static calls
 * (.static_call_sites) and BUG() sites (__bug_table) are reserved text; and
 * the module's kprobe blacklist (_kprobe_blacklist, .kprobes.text,
 * .noinstr.text). Deciding here keeps one refusal from aborting a session.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <regex.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include "sites.h"
#include "ko/families.h"
#include "ko/ko.h"
#include "lib/error.h"

#define X86_CALL_REL32	0xe8
#define X86_JMP_REL32	0xe9

/* struct module's name: after enum module_state (4 + 4 padding) and a list_head (16). */
#define THIS_MODULE_NAME_OFF	24
#define MODULE_NAME_LEN		56

#define CALLEE_NAME(id, sym, class, size) [MW_CALLEE_##id] = #sym,
static const char *const callee_names[MW_CALLEE_NR] = { MW_CALLEES(CALLEE_NAME) };
#undef CALLEE_NAME

/* Each callee's later names (include/sites.h), in the order the kernel renamed them. */
static const struct {
	__u8 callee;
	const char *name;
} callee_renames[] = {
#define CALLEE_RENAME(id, sym) { MW_CALLEE_##id, #sym },
	MW_CALLEE_RENAMES(CALLEE_RENAME)
#undef CALLEE_RENAME
};

#define NR_CALLEE_RENAMES (sizeof(callee_renames) / sizeof(callee_renames[0]))

_Static_assert(MW_CALLEE_ENTRY < 256, "a callee id fits the reader's per-symbol byte");

#define MW_SKIP_NAME(id, name, desc) [MW_SKIP_##id] = name,
static const char *const skip_names[MW_SKIP_NR] = { MW_SKIPS(MW_SKIP_NAME) };
#undef MW_SKIP_NAME
#define MW_SKIP_DESC(id, name, desc) [MW_SKIP_##id] = desc,
static const char *const skip_descs[MW_SKIP_NR] = { MW_SKIPS(MW_SKIP_DESC) };
#undef MW_SKIP_DESC

const char *mw_skip_name(__u32 skip)
{
	return skip < MW_SKIP_NR ? skip_names[skip] : "unknown";
}

const char *mw_skip_desc(__u32 skip)
{
	return skip < MW_SKIP_NR ? skip_descs[skip] : "unknown";
}

const char *mw_callee_name(__u32 callee)
{
	if (callee == MW_CALLEE_ENTRY)
		return "entry";
	if (callee == MW_CALLEE_NONE || callee >= MW_CALLEE_NR)
		return "unknown";
	return callee_names[callee];
}

const char *mw_callee_symbol(__u32 callee, unsigned int nth)
{
	size_t i;

	if (callee == MW_CALLEE_NONE || callee >= MW_CALLEE_NR)
		return NULL;
	if (!nth)
		return callee_names[callee];
	for (i = 0; i < NR_CALLEE_RENAMES; i++)
		if (callee_renames[i].callee == callee && !--nth)
			return callee_renames[i].name;
	return NULL;
}

#define MW_FAMILY_ROW(fam, re) { #fam, re },
static const struct {
	const char *family;
	const char *re;
} family_rows[] = { MW_FAMILIES(MW_FAMILY_ROW) };
#undef MW_FAMILY_ROW

#define NR_FAMILY_ROWS (sizeof(family_rows) / sizeof(family_rows[0]))

/* The family of @name (1 + its row in family_rows), or 0: a function no rule cares about. */
static __u8 family_of(const char *name)
{
	static regex_t re[NR_FAMILY_ROWS];
	static bool compiled[NR_FAMILY_ROWS];
	size_t i;

	_Static_assert(NR_FAMILY_ROWS < 255, "a family row fits the reader's per-symbol byte");
	for (i = 0; i < NR_FAMILY_ROWS; i++) {
		if (!compiled[i] && regcomp(&re[i], family_rows[i].re, REG_EXTENDED | REG_NOSUB))
			continue;	/* a bad row matches nothing (tests check them all) */
		compiled[i] = true;
		if (!regexec(&re[i], name, 0, NULL, 0))
			return i + 1;
	}
	return 0;
}

static __u8 callee_by_name(const char *name)
{
	__u32 i;

	for (i = MW_CALLEE_NONE + 1; i < MW_CALLEE_NR; i++)
		if (!strcmp(callee_names[i], name))
			return i;
	for (i = 0; i < NR_CALLEE_RENAMES; i++)
		if (!strcmp(callee_renames[i].name, name))
			return callee_renames[i].callee;
	return MW_CALLEE_NONE;
}

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

static int ko_malformed(const struct ko_reader *r, const char *what)
{
	mw_err("cannot read %s: %s", r->path, what);
	return -EINVAL;
}

static int ko_nomem(const struct ko_reader *r)
{
	mw_err("cannot read %s: out of memory", r->path);
	return -ENOMEM;
}

/* Debian compresses its modules; the decompressor is recognised by content, not by name. */
static const struct ko_codec {
	const char *tool;
	unsigned char magic[6];
	size_t len;
} ko_codecs[] = {
	{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6 },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
	{ "gzip", { 0x1f, 0x8b }, 2 },
};

static const struct ko_codec *ko_codec(int fd)
{
	unsigned char magic[6];
	ssize_t n = pread(fd, magic, sizeof(magic), 0);
	size_t i;

	for (i = 0; i < sizeof(ko_codecs) / sizeof(ko_codecs[0]); i++)
		if (n >= (ssize_t)ko_codecs[i].len &&
		    !memcmp(magic, ko_codecs[i].magic, ko_codecs[i].len))
			return &ko_codecs[i];
	return NULL;
}

static int ko_spawn(const char *path, int in, int out, const char *tool, pid_t *pid)
{
	char *argv[] = { (char *)tool, (char *)"-dc", NULL };
	posix_spawn_file_actions_t fa;
	int err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
	/* Our own one-line error says what failed; the tool's would be a second line. */
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(pid, tool, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err == ENOENT)
		mw_err("cannot read %s: %s is not installed", path, tool);
	else if (err)
		mw_err("cannot read %s: cannot run %s: %s", path, tool, strerror(err));
	return -err;
}

/* "TOOL -dc < fd" into a memfd, which libelf then reads like the file itself. */
static int ko_decompress(const char *path, int fd, const char *tool)
{
	int memfd, status, err;
	pid_t pid;

	memfd = memfd_create("modwatch-ko", MFD_CLOEXEC);
	if (memfd < 0) {
		err = -errno;
		mw_err("cannot read %s: memfd_create: %s", path, strerror(-err));
		return err;
	}
	err = ko_spawn(path, fd, memfd, tool, &pid);
	if (err) {
		close(memfd);
		return err;
	}
	while ((err = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (err < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		mw_err("cannot read %s: %s -dc failed: corrupt or truncated data", path, tool);
		close(memfd);
		return -EINVAL;
	}
	return memfd;
}

/* An fd with the plain ELF of @path, or -errno. */
static int ko_open(const char *path)
{
	const struct ko_codec *c;
	int fd, out;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		out = -errno;
		mw_err("cannot read %s: %s", path, strerror(-out));
		return out;
	}
	c = ko_codec(fd);
	if (!c)
		return fd;
	out = ko_decompress(path, fd, c->tool);
	close(fd);
	return out;
}

/*
 * libelf reads a truncated file without complaint and fails later, section by
 * section: say "truncated" here rather than "no symbol table" there.
 */
static int ko_check_size(struct ko_reader *r, const GElf_Ehdr *eh)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	struct stat st;

	if (fstat(r->fd, &st))
		return ko_malformed(r, strerror(errno));
	if (eh->e_shoff > (__u64)st.st_size ||
	    (__u64)eh->e_shnum * eh->e_shentsize > (__u64)st.st_size - eh->e_shoff)
		return ko_malformed(r, "truncated (section headers past the end)");
	while ((scn = elf_nextscn(r->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return ko_malformed(r, elf_errmsg(-1));
		if (sh.sh_type != SHT_NOBITS && (sh.sh_offset > (__u64)st.st_size ||
						 sh.sh_size > (__u64)st.st_size - sh.sh_offset))
			return ko_malformed(r, "truncated (a section past the end)");
	}
	return 0;
}

static int ko_check_header(struct ko_reader *r)
{
	GElf_Ehdr eh;

	if (elf_kind(r->elf) != ELF_K_ELF) {
		mw_err("cannot read %s: not an ELF file", r->path);
		return -ENOEXEC;
	}
	if (gelf_getclass(r->elf) != ELFCLASS64 || !gelf_getehdr(r->elf, &eh) ||
	    eh.e_machine != EM_X86_64) {
		mw_err("cannot read %s: not an x86_64 ELF file", r->path);
		return -ENOEXEC;
	}
	if (eh.e_type != ET_REL) {
		mw_err("cannot read %s: not a kernel module (ELF type %u, not relocatable)",
		       r->path, eh.e_type);
		return -ENOEXEC;
	}
	if (elf_getshdrstrndx(r->elf, &r->shstrndx))
		return ko_malformed(r, elf_errmsg(-1));
	return ko_check_size(r, &eh);
}

static const char *ko_scn_name(const struct ko_reader *r, const GElf_Shdr *sh)
{
	const char *name = elf_strptr(r->elf, r->shstrndx, sh->sh_name);

	return name ? name : "";
}

/* Room for one more element of @vec, zeroed; NULL when out of memory. */
static void *ko_push(struct ko_vec *vec, size_t size)
{
	void *p;

	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? 2 * vec->cap : 64;

		p = realloc(vec->v, cap * size);
		if (!p)
			return NULL;
		vec->v = p;
		vec->cap = cap;
	}
	p = (char *)vec->v + vec->n++ * size;
	memset(p, 0, size);
	return p;
}

static int cmp_loc(const void *a, const void *b)
{
	const struct ko_loc *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int ko_add_loc(struct ko_reader *r, struct ko_vec *vec, size_t shndx, __u64 off)
{
	struct ko_loc *l = ko_push(vec, sizeof(*l));

	if (!l)
		return ko_nomem(r);
	l->shndx = shndx;
	l->off = off;
	return 0;
}

static bool ko_is_code(const struct ko_reader *r, size_t shndx)
{
	return shndx < r->nr_scns && r->scns[shndx].code;
}

/* A writable static object: the race rules watch copies into and out of it. */
static int ko_add_static(struct ko_reader *r, const char *name, const GElf_Sym *sym)
{
	struct mw_static_sym *st;

	if (GELF_ST_TYPE(sym->st_info) != STT_OBJECT || !sym->st_size ||
	    sym->st_shndx >= SHN_LORESERVE || sym->st_shndx >= r->nr_scns ||
	    !r->scns[sym->st_shndx].writable)
		return 0;
	st = ko_push(&r->statics, sizeof(*st));
	if (!st)
		return ko_nomem(r);
	snprintf(st->name, sizeof(st->name), "%s", name);
	snprintf(st->section, sizeof(st->section), "%s", r->scns[sym->st_shndx].name);
	st->off = sym->st_value;
	st->size = sym->st_size;
	return 0;
}

static int ko_add_symbol(struct ko_reader *r, size_t strtab, size_t i, const GElf_Sym *sym)
{
	const char *name = elf_strptr(r->elf, strtab, sym->st_name);
	struct ko_func *f;

	r->sym_loc[i].shndx = sym->st_shndx;
	r->sym_loc[i].off = sym->st_value;
	if (!name || !*name)
		return 0;
	if (sym->st_shndx == SHN_UNDEF) {
		/* Only a callee the module imports: its own function of that name is no callee. */
		r->callee_of[i] = callee_by_name(name);
		if (!r->callee_of[i])
			r->family_of[i] = family_of(name);
		return 0;
	}
	if (ko_add_static(r, name, sym))
		return -ENOMEM;
	/* SHN_XINDEX (over 65279 sections) is left out: no module has that many. */
	if (sym->st_shndx >= SHN_LORESERVE || !ko_is_code(r, sym->st_shndx))
		return 0;
	/* kallsyms splits code at every named symbol: its "function" ends at the next. */
	if (GELF_ST_TYPE(sym->st_info) != STT_SECTION && GELF_ST_TYPE(sym->st_info) != STT_FILE &&
	    ko_add_loc(r, &r->bounds, sym->st_shndx, sym->st_value))
		return -ENOMEM;
	if (GELF_ST_TYPE(sym->st_info) != STT_FUNC)
		return 0;
	f = &r->funcs[r->nr_funcs++];
	f->shndx = sym->st_shndx;
	f->value = sym->st_value;
	f->size = sym->st_size;
	f->index = i;
	f->name = name;
	return 0;
}

static int cmp_func(const void *a, const void *b)
{
	const struct ko_func *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static Elf_Scn *ko_find_symtab(struct ko_reader *r, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(r->elf, scn)))
		if (gelf_getshdr(scn, sh) && sh->sh_type == SHT_SYMTAB)
			return scn;
	return NULL;
}

static int ko_load_symbols(struct ko_reader *r)
{
	Elf_Scn *scn;
	Elf_Data *data;
	GElf_Shdr sh;
	GElf_Sym sym;
	size_t i;

	scn = ko_find_symtab(r, &sh);
	if (!scn)
		return ko_malformed(r, "no symbol table (stripped?)");
	data = elf_getdata(scn, NULL);
	if (!data)
		return ko_malformed(r, elf_errmsg(-1));
	r->symtab = elf_ndxscn(scn);
	r->nr_syms = data->d_size / gelf_fsize(r->elf, ELF_T_SYM, 1, EV_CURRENT);
	r->callee_of = calloc(r->nr_syms + 1, sizeof(*r->callee_of));
	r->family_of = calloc(r->nr_syms + 1, sizeof(*r->family_of));
	r->blind_calls = calloc(r->nr_syms + 1, sizeof(*r->blind_calls));
	r->sym_loc = calloc(r->nr_syms + 1, sizeof(*r->sym_loc));
	r->funcs = calloc(r->nr_syms + 1, sizeof(*r->funcs));
	if (!r->callee_of || !r->family_of || !r->blind_calls || !r->sym_loc || !r->funcs)
		return ko_nomem(r);
	for (i = 0; i < r->nr_syms; i++) {
		if (!gelf_getsym(data, i, &sym))
			return ko_malformed(r, elf_errmsg(-1));
		if (ko_add_symbol(r, sh.sh_link, i, &sym))
			return -ENOMEM;
	}
	qsort(r->funcs, r->nr_funcs, sizeof(*r->funcs), cmp_func);
	qsort(r->bounds.v, r->bounds.n, sizeof(struct ko_loc), cmp_loc);
	return 0;
}

/*
 * The function around @off: of the symbols that start last at or before it,
 * the first in the symbol table that spans it. That is the kernel's own pick
 * among a module's aliases (mw_init before init_module), so names agree with
 * kallsyms, and a static name is more telling than init_module. Without a
 * spanning one (size 0, as in some assembly), the nearest preceding symbol.
 */
static const struct ko_func *ko_find_func(const struct ko_reader *r, size_t shndx, __u64 off)
{
	const struct ko_func *f = r->funcs;
	size_t lo = 0, hi = r->nr_funcs, first, i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f[mid].shndx < shndx || (f[mid].shndx == shndx && f[mid].value <= off))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || f[lo - 1].shndx != shndx)
		return NULL;
	for (first = lo - 1; first && f[first - 1].shndx == shndx &&
			     f[first - 1].value == f[lo - 1].value; first--)
		;
	for (i = first; i < lo; i++)
		if (off - f[i].value < f[i].size)
			return &f[i];
	return &f[first];
}

static int ko_add_site(struct ko_reader *r, size_t shndx, const char *section, __u64 off,
		       __u8 callee, __u8 opcode)
{
	struct mw_ko *ko = r->ko;
	const struct ko_func *f;
	struct mw_callsite *s;

	if (ko->nr_sites == r->cap_sites) {
		size_t cap = r->cap_sites ? 2 * r->cap_sites : 64;

		s = realloc(ko->sites, cap * sizeof(*s));
		if (!s)
			return ko_nomem(r);
		ko->sites = s;
		r->cap_sites = cap;
	}
	s = &ko->sites[ko->nr_sites++];
	memset(s, 0, sizeof(*s));
	snprintf(s->section, sizeof(s->section), "%s", section);
	s->sec_off = off;
	s->callee = callee;
	s->shndx = shndx;
	s->opcode = opcode;
	f = ko_find_func(r, shndx, off);
	if (f)
		snprintf(s->func, sizeof(s->func), "%s", f->name);
	s->func_off = f ? off - f->value : off;
	return 0;
}

typedef int (*ko_rela_fn)(struct ko_reader *r, const GElf_Rela *rel, void *ctx);

/* Calls @fn for every relocation of @rela; stops at the first error. */
static int ko_each_rela(struct ko_reader *r, Elf_Scn *rela, const GElf_Shdr *rsh, ko_rela_fn fn,
			void *ctx)
{
	Elf_Data *rd = elf_getdata(rela, NULL);
	GElf_Rela rel;
	size_t i, n;
	int err = 0;

	if (rsh->sh_link != r->symtab)
		return ko_malformed(r, "relocations against a second symbol table");
	if (!rd)
		return ko_malformed(r, elf_errmsg(-1));
	n = rd->d_size / gelf_fsize(r->elf, ELF_T_RELA, 1, EV_CURRENT);
	for (i = 0; i < n && !err; i++) {
		if (!gelf_getrela(rd, i, &rel))
			return ko_malformed(r, elf_errmsg(-1));
		if (GELF_R_SYM(rel.r_info) >= r->nr_syms)
			return ko_malformed(r, "relocation against a symbol past the symbol table");
		err = fn(r, &rel, ctx);
	}
	return err;
}

/* Where relocation @rel points: its symbol's section and value, plus the addend. */
static struct ko_loc ko_target(const struct ko_reader *r, const GElf_Rela *rel)
{
	struct ko_loc l = r->sym_loc[GELF_R_SYM(rel->r_info)];

	l.off += rel->r_addend;
	return l;
}

/* A code section being scanned for call sites. */
struct ko_code {
	size_t shndx;
	const char *name;
	const Elf_Data *data;
};

/* The opcode of the call or tail-call jmp whose rel32 @rel relocates, or 0 if it is none. */
static __u8 ko_call_op(const struct ko_code *c, const GElf_Rela *rel)
{
	size_t type = GELF_R_TYPE(rel->r_info);
	__u8 op;

	if ((type != R_X86_64_PLT32 && type != R_X86_64_PC32) || rel->r_addend != -4 ||
	    rel->r_offset < 1)
		return 0;
	op = ((const __u8 *)c->data->d_buf)[rel->r_offset - 1];
	return op == X86_CALL_REL32 || op == X86_JMP_REL32 ? op : 0;
}

/* A call or jmp of a callee: a site. */
static int ko_callee_rela(struct ko_reader *r, const struct ko_code *c, const GElf_Rela *rel)
{
	__u8 op = ko_call_op(c, rel);

	if (!op)
		return 0;
	return ko_add_site(r, c->shndx, c->name, rel->r_offset - 1,
			   r->callee_of[GELF_R_SYM(rel->r_info)], op);
}

/*
 * Past the pops of an epilogue at @off (pop %rax..%rsi: 58..5e, pop
 * %r8..%r15: 41 58..5f): they leave rdi alone, and a tail call (jmp) to
 * the lock function comes after them.
 */
static __u64 ko_skip_pops(const struct ko_code *c, __u64 off)
{
	const __u8 *b = c->data->d_buf;
	size_t n = c->data->d_size;

	for (;;) {
		if (off < n && b[off] >= 0x58 && b[off] <= 0x5e)
			off++;
		else if (off + 1 < n && b[off] == 0x41 && b[off + 1] >= 0x58 && b[off + 1] <= 0x5f)
			off += 2;
		else
			return off;
	}
}

/*
 * "mov $obj,%rdi" (48 c7 c7, R_X86_64_32S: S + A) or "lea obj(%rip),%rdi"
 * (48 8d 3d, R_X86_64_PC32 on the displacement, which counts from the end
 * of the instruction 4 bytes on: S + A + 4), with obj in a data section:
 * remembered, so a lock call right after it (or after an epilogue's pops)
 * names a static lock.
 */
static int ko_rdi_rela(struct ko_reader *r, const struct ko_code *c, const GElf_Rela *rel)
{
	static const __u8 mov[3] = { 0x48, 0xc7, 0xc7 }, lea[3] = { 0x48, 0x8d, 0x3d };
	const __u8 *op = (const __u8 *)c->data->d_buf + rel->r_offset - 3;
	size_t type = GELF_R_TYPE(rel->r_info);
	struct ko_loc obj = ko_target(r, rel);
	struct ko_rdi *d;

	if (rel->r_offset < 3)
		return 0;
	if (type == R_X86_64_PC32 && !memcmp(op, lea, 3))
		obj.off += 4;
	else if (type != R_X86_64_32S || memcmp(op, mov, 3))
		return 0;
	if (obj.shndx >= r->nr_scns || !r->scns[obj.shndx].data)
		return 0;
	d = ko_push(&r->rdi, sizeof(*d));
	if (!d)
		return ko_nomem(r);
	d->shndx = c->shndx;
	d->end = ko_skip_pops(c, rel->r_offset + 4);
	d->obj = obj;
	return 0;
}

static int ko_code_rela(struct ko_reader *r, const GElf_Rela *rel, void *ctx)
{
	const struct ko_code *c = ctx;

	if (c->data->d_size < 4 || rel->r_offset > c->data->d_size - 4)
		return ko_malformed(r, "relocation past the end of its section");
	if (r->callee_of[GELF_R_SYM(rel->r_info)])
		return ko_callee_rela(r, c, rel);
	if (r->family_of[GELF_R_SYM(rel->r_info)] && ko_call_op(c, rel))
		r->blind_calls[GELF_R_SYM(rel->r_info)]++;
	return ko_rdi_rela(r, c, rel);
}

static int ko_add_reserved(struct ko_reader *r, size_t shndx, __u64 lo, __u64 hi, __u8 skip)
{
	struct ko_range *x = ko_push(&r->reserved, sizeof(*x));

	if (!x)
		return ko_nomem(r);
	x->shndx = shndx;
	x->lo = lo;
	x->hi = hi;
	x->skip = skip;
	return 0;
}

/*
 * The symbol range kallsyms would report for @off: from the last symbol
 * at or before it to the next one (or the section's end). trace_kprobe
 * takes "notrace" from there, and the kprobe blacklist its ranges.
 */
static void ko_sym_range(const struct ko_reader *r, size_t shndx, __u64 off, __u64 *lo, __u64 *hi)
{
	const struct ko_loc *b = r->bounds.v;
	size_t l = 0, h = r->bounds.n;

	while (l < h) {
		size_t mid = l + (h - l) / 2;

		if (b[mid].shndx < shndx || (b[mid].shndx == shndx && b[mid].off <= off))
			l = mid + 1;
		else
			h = mid;
	}
	*lo = l && b[l - 1].shndx == shndx ? b[l - 1].off : 0;
	*hi = l < r->bounds.n && b[l].shndx == shndx ? b[l].off : r->scns[shndx].size;
}

/* Entries of the special tables: what the kernel will refuse to probe. */
enum ko_table {
	KO_MCOUNT,		/* __mcount_loc: the ftrace locations */
	KO_JUMP,		/* __jump_table: struct jump_entry, 16 bytes, code first */
	KO_STATIC_CALL,		/* .static_call_sites: the call, then the key */
	KO_BUG,			/* __bug_table: the ud2, then its file name */
	KO_BLACKLIST,		/* _kprobe_blacklist: NOKPROBE_SYMBOL() functions */
};

/* x86 JUMP_LABEL_NOP_SIZE and CALL_INSN_SIZE: the bytes a jump label or static call patches. */
#define X86_PATCH_SIZE	5

static int ko_table_rela(struct ko_reader *r, const GElf_Rela *rel, void *ctx)
{
	enum ko_table t = *(enum ko_table *)ctx;
	struct ko_loc l = ko_target(r, rel);
	__u64 lo, hi;

	/* Other fields point at data (keys, file names), or at jump targets in __jump_table. */
	if (!ko_is_code(r, l.shndx) || (t == KO_JUMP && rel->r_offset % 16))
		return 0;
	switch (t) {
	case KO_MCOUNT:
		return ko_add_loc(r, &r->ftrace, l.shndx, l.off);
	case KO_JUMP:
		return ko_add_reserved(r, l.shndx, l.off, l.off + X86_PATCH_SIZE, MW_SKIP_JUMP_LABEL);
	case KO_STATIC_CALL:
		return ko_add_reserved(r, l.shndx, l.off, l.off + X86_PATCH_SIZE,
				       MW_SKIP_STATIC_CALL);
	case KO_BUG:
		return ko_add_reserved(r, l.shndx, l.off, l.off + 1, MW_SKIP_BUG);
	case KO_BLACKLIST:
		ko_sym_range(r, l.shndx, l.off, &lo, &hi);
		return ko_add_reserved(r, l.shndx, lo, hi, MW_SKIP_BLACKLIST);
	}
	return 0;
}

static bool ko_table_of(const char *name, enum ko_table *t)
{
	static const struct {
		const char *name;
		enum ko_table t;
	} tables[] = {
		{ "__mcount_loc", KO_MCOUNT },
		{ "__jump_table", KO_JUMP },
		{ ".static_call_sites", KO_STATIC_CALL },
		{ "__bug_table", KO_BUG },
		{ "_kprobe_blacklist", KO_BLACKLIST },
	};
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (!strcmp(name, tables[i].name)) {
			*t = tables[i].t;
			return true;
		}
	return false;
}

/*
 * Sections whose function pointers are the module's entry points: the ops
 * tables (file_operations, proc_ops, seq_operations...) are data, const or
 * not. Init and exit data, the module struct (init and exit), the symbol
 * tables and the special tables above are no entry points a task calls.
 */
static bool ko_ops_section(const char *name)
{
	return !strncmp(name, ".data", strlen(".data")) ||
	       !strncmp(name, ".rodata", strlen(".rodata"));
}

/* A pointer in data to the start of a function of the module: an entry point. */
static int ko_entry_rela(struct ko_reader *r, const GElf_Rela *rel, void *ctx)
{
	struct ko_loc l = ko_target(r, rel);
	const struct ko_func *f;

	(void)ctx;
	if (GELF_R_TYPE(rel->r_info) != R_X86_64_64 || !ko_is_code(r, l.shndx))
		return 0;
	f = ko_find_func(r, l.shndx, l.off);
	if (!f || f->value != l.off)
		return 0;
	return ko_add_loc(r, &r->entries, l.shndx, l.off);
}

/* One site per entry point, however many tables point to it. */
static int ko_add_entries(struct ko_reader *r)
{
	const struct ko_loc *e = r->entries.v;
	size_t i;
	int err = 0;

	qsort(r->entries.v, r->entries.n, sizeof(*e), cmp_loc);
	for (i = 0; i < r->entries.n && !err; i++)
		if (!i || e[i].shndx != e[i - 1].shndx || e[i].off != e[i - 1].off)
			err = ko_add_site(r, e[i].shndx, r->scns[e[i].shndx].name, e[i].off,
					  MW_CALLEE_ENTRY, 0);
	return err;
}

static int ko_scan_rela(struct ko_reader *r, Elf_Scn *rela, const GElf_Shdr *rsh)
{
	size_t target = rsh->sh_info;
	struct ko_code c = { .shndx = target };
	enum ko_table t;
	Elf_Scn *code;

	if (target >= r->nr_scns)
		return ko_malformed(r, "relocations for a section that does not exist");
	c.name = r->scns[target].name;
	if (ko_table_of(c.name, &t))
		return ko_each_rela(r, rela, rsh, ko_table_rela, &t);
	if (r->scns[target].data && c.name && ko_ops_section(c.name))
		return ko_each_rela(r, rela, rsh, ko_entry_rela, NULL);
	/* .altinstr_replacement is copied over .text at load: its calls never run there. */
	if (!r->scns[target].code || !strcmp(c.name, ".altinstr_replacement"))
		return 0;
	code = elf_getscn(r->elf, target);
	c.data = code ? elf_getdata(code, NULL) : NULL;
	if (!c.data || !c.data->d_buf)
		return ko_malformed(r, elf_errmsg(-1));
	return ko_each_rela(r, rela, rsh, ko_code_rela, &c);
}

static int ko_scan_relocs(struct ko_reader *r)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int err = 0;

	while (!err && (scn = elf_nextscn(r->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_RELA)
			err = ko_scan_rela(r, scn, &sh);
	if (err)
		return err;
	qsort(r->ftrace.v, r->ftrace.n, sizeof(struct ko_loc), cmp_loc);
	return ko_add_entries(r);
}

/*
 * Every section's name, size and kind; the kprobe blacklist's whole
 * sections (kernel/kprobes.c: add_module_kprobe_blacklist()) become ranges.
 */
static int ko_load_scns(struct ko_reader *r)
{
	Elf_Scn *scn = NULL;
	struct ko_scn *k;
	GElf_Shdr sh;

	if (elf_getshdrnum(r->elf, &r->nr_scns))
		return ko_malformed(r, elf_errmsg(-1));
	r->scns = calloc(r->nr_scns + 1, sizeof(*r->scns));
	if (!r->scns)
		return ko_nomem(r);
	while ((scn = elf_nextscn(r->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || elf_ndxscn(scn) >= r->nr_scns)
			return ko_malformed(r, elf_errmsg(-1));
		k = &r->scns[elf_ndxscn(scn)];
		k->name = ko_scn_name(r, &sh);
		k->size = sh.sh_size;
		k->code = sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR);
		k->data = (sh.sh_flags & SHF_ALLOC) && !(sh.sh_flags & SHF_EXECINSTR);
		k->writable = k->data && (sh.sh_flags & SHF_WRITE) && k->name &&
			      strncmp(k->name, ".data..percpu", strlen(".data..percpu"));
		if (k->code && (!strcmp(k->name, ".kprobes.text") || !strcmp(k->name, ".noinstr.text")) &&
		    ko_add_reserved(r, elf_ndxscn(scn), 0, sh.sh_size, MW_SKIP_BLACKLIST))
			return -ENOMEM;
	}
	return 0;
}

/* Does [lo, hi) of section @shndx hold an ftrace location (an __fentry__ call)? */
static bool ko_traced(const struct ko_reader *r, size_t shndx, __u64 lo, __u64 hi)
{
	const struct ko_loc *f = r->ftrace.v;
	size_t l = 0, h = r->ftrace.n;

	while (l < h) {		/* the first location at or after (shndx, lo) */
		size_t mid = l + (h - l) / 2;

		if (f[mid].shndx < shndx || (f[mid].shndx == shndx && f[mid].off < lo))
			l = mid + 1;
		else
			h = mid;
	}
	return l < r->ftrace.n && f[l].shndx == shndx && f[l].off < hi;
}

/* Why the kernel would refuse a kprobe at @off of section @shndx; MW_SKIP_NONE if it would not. */
static __u8 ko_skip_at(const struct ko_reader *r, size_t shndx, __u64 off)
{
	const struct ko_range *x = r->reserved.v;
	const char *name = r->scns[shndx].name;
	__u64 lo, hi;
	size_t i;

	if (!strncmp(name, ".init", 5))
		return MW_SKIP_INIT;
	if (!strcmp(name, ".exit.text"))
		return MW_SKIP_EXIT;
	for (i = 0; i < r->reserved.n; i++)
		if (x[i].shndx == shndx && x[i].skip == MW_SKIP_BLACKLIST && off - x[i].lo < x[i].hi - x[i].lo)
			return MW_SKIP_BLACKLIST;
	ko_sym_range(r, shndx, off, &lo, &hi);
	if (!ko_traced(r, shndx, lo, hi))
		return MW_SKIP_NOTRACE;
	for (i = 0; i < r->reserved.n; i++)
		if (x[i].shndx == shndx && off - x[i].lo < x[i].hi - x[i].lo)
			return x[i].skip;
	return MW_SKIP_NONE;
}

/* The static object loaded into rdi right before site @s, if any. */
static void ko_find_arg(const struct ko_reader *r, struct mw_callsite *s)
{
	const struct ko_rdi *d = r->rdi.v;
	size_t i;

	for (i = 0; i < r->rdi.n; i++)
		if (d[i].shndx == s->shndx && d[i].end == s->sec_off) {
			snprintf(s->arg_section, sizeof(s->arg_section), "%s",
				 r->scns[d[i].obj.shndx].name);
			s->arg_off = d[i].obj.off;
			return;
		}
}

/* What the kernel will let modwatch probe at each site, and its static first argument. */
static void ko_classify(const struct ko_reader *r)
{
	struct mw_callsite *s;
	__u64 lo, hi;
	size_t i;

	for (i = 0; i < r->ko->nr_sites; i++) {
		s = &r->ko->sites[i];
		s->skip = ko_skip_at(r, s->shndx, s->sec_off);
		ko_sym_range(r, s->shndx, s->sec_off, &lo, &hi);
		s->skip_next = s->sec_off + 5 >= hi ? MW_SKIP_NO_NEXT :
						      ko_skip_at(r, s->shndx, s->sec_off + 5);
		ko_find_arg(r, s);
	}
}

static int cmp_blind(const void *a, const void *b)
{
	const struct mw_blind *x = a, *y = b;

	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The imports of the families modwatch does not know that the module calls. */
static int ko_collect_blind(struct ko_reader *r)
{
	struct mw_ko *ko = r->ko;
	Elf_Data *data = elf_getdata(elf_getscn(r->elf, r->symtab), NULL);
	GElf_Shdr sh;
	GElf_Sym sym;
	size_t i, n = 0;

	for (i = 0; i < r->nr_syms; i++)
		n += r->blind_calls[i] > 0;
	if (!n || !data || !gelf_getshdr(elf_getscn(r->elf, r->symtab), &sh))
		return 0;
	ko->blind = calloc(n, sizeof(*ko->blind));
	if (!ko->blind)
		return ko_nomem(r);
	for (i = 0; i < r->nr_syms; i++) {
		struct mw_blind *b = &ko->blind[ko->nr_blind];
		const char *name;

		if (!r->blind_calls[i] || !gelf_getsym(data, i, &sym))
			continue;
		name = elf_strptr(r->elf, sh.sh_link, sym.st_name);
		snprintf(b->name, sizeof(b->name), "%s", name ? name : "?");
		b->family = family_rows[r->family_of[i] - 1].family;
		b->calls = r->blind_calls[i];
		ko->nr_blind++;
	}
	qsort(ko->blind, ko->nr_blind, sizeof(*ko->blind), cmp_blind);
	return 0;
}

/* The GNU build ID note, which /sys/module/NAME/notes/ also shows for the loaded module. */
static void ko_read_build_id(struct ko_reader *r)
{
	Elf_Scn *scn = NULL;
	Elf_Data *d;
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(r->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    strcmp(ko_scn_name(r, &sh), ".note.gnu.build-id"))
			continue;
		d = elf_getdata(scn, NULL);
		while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || !nh.n_descsz ||
			    nh.n_descsz > MW_BUILD_ID_MAX)
				continue;
			memcpy(r->ko->build_id, (const char *)d->d_buf + desc_off, nh.n_descsz);
			r->ko->build_id_len = nh.n_descsz;
			return;
		}
	}
}

/* "name=" among the NUL-separated "key=value" strings of .modinfo. */
static bool ko_modinfo_name(Elf_Scn *scn, char *name, size_t len)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	const char *p, *end;
	size_t n;

	if (!d || !d->d_buf)
		return false;
	for (p = d->d_buf, end = p + d->d_size; p < end; p += n + 1) {
		n = strnlen(p, end - p);
		if (n > 5 && n < (size_t)(end - p) && !strncmp(p, "name=", 5)) {
			snprintf(name, len, "%s", p + 5);
			return true;
		}
	}
	return false;
}

static bool ko_this_module_name(Elf_Scn *scn, char *name, size_t len)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	const char *p;

	if (!d || !d->d_buf || d->d_size < THIS_MODULE_NAME_OFF + MODULE_NAME_LEN)
		return false;
	p = (const char *)d->d_buf + THIS_MODULE_NAME_OFF;
	if (!*p || strnlen(p, MODULE_NAME_LEN) == MODULE_NAME_LEN)
		return false;
	snprintf(name, len, "%s", p);
	return true;
}

/* Failing both sections, the file's name up to ".ko", as modprobe spells modules. */
static void ko_path_name(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; i + 1 < len && base[i] && strncmp(base + i, ".ko", 3); i++)
		name[i] = base[i] == '-' ? '_' : base[i];
	name[i] = '\0';
}

/* The name the kernel gives the module: modinfo "name=", else struct module's. */
static void ko_read_name(struct ko_reader *r)
{
	char *name = r->ko->name;
	size_t len = sizeof(r->ko->name);
	Elf_Scn *scn = NULL, *this_module = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(r->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		if (!strcmp(ko_scn_name(r, &sh), ".modinfo") && ko_modinfo_name(scn, name, len))
			return;
		if (!strcmp(ko_scn_name(r, &sh), ".gnu.linkonce.this_module"))
			this_module = scn;
	}
	if (!this_module || !ko_this_module_name(this_module, name, len))
		ko_path_name(r->path, name, len);
}

static int cmp_site(const void *a, const void *b)
{
	const struct mw_callsite *x = a, *y = b;
	int c = strcmp(x->section, y->section);

	if (c)
		return c;
	return x->sec_off < y->sec_off ? -1 : x->sec_off > y->sec_off;
}

/* The entry points apart from the call sites, in the same order: ko->entries. */
static int ko_split_entries(struct mw_ko *ko)
{
	size_t i, n = 0;

	for (i = 0; i < ko->nr_sites; i++)
		n += ko->sites[i].callee == MW_CALLEE_ENTRY;
	if (!n)
		return 0;
	ko->entries = calloc(n, sizeof(*ko->entries));
	if (!ko->entries)
		return -ENOMEM;
	for (i = 0, n = 0; i < ko->nr_sites; i++) {
		if (ko->sites[i].callee == MW_CALLEE_ENTRY)
			ko->entries[ko->nr_entries++] = ko->sites[i];
		else
			ko->sites[n++] = ko->sites[i];
	}
	ko->nr_sites = n;
	return 0;
}

static int ko_parse(struct ko_reader *r)
{
	int err;

	err = ko_check_header(r);
	if (!err)
		err = ko_load_scns(r);
	if (!err)
		err = ko_load_symbols(r);
	if (!err)
		err = ko_scan_relocs(r);
	if (err)
		return err;
	ko_read_name(r);
	ko_read_build_id(r);
	qsort(r->ko->sites, r->ko->nr_sites, sizeof(*r->ko->sites), cmp_site);
	ko_classify(r);
	err = ko_split_entries(r->ko);
	if (err)
		return ko_nomem(r);
	r->ko->statics = r->statics.v;
	r->ko->nr_statics = r->statics.n;
	r->statics.v = NULL;
	return ko_collect_blind(r);
}

static int ko_libelf_init(void)
{
	static bool ready;

	if (!ready && elf_version(EV_CURRENT) == EV_NONE) {
		mw_err("libelf cannot read this ELF version: %s", elf_errmsg(-1));
		return -ENOTSUP;
	}
	ready = true;
	return 0;
}

int mw_ko_read(const char *path, struct mw_ko *ko)
{
	struct ko_reader r = { .path = path, .ko = ko };
	int fd, err;

	memset(ko, 0, sizeof(*ko));
	err = ko_libelf_init();
	if (err)
		return err;
	fd = ko_open(path);
	if (fd < 0)
		return fd;
	/* ELF_C_READ: pread(), bounds-checked; a truncated file is an error, never a SIGBUS. */
	r.fd = fd;
	r.elf = elf_begin(fd, ELF_C_READ, NULL);
	err = r.elf ? ko_parse(&r) : ko_malformed(&r, elf_errmsg(-1));
	elf_end(r.elf);
	free(r.scns);
	free(r.callee_of);
	free(r.family_of);
	free(r.blind_calls);
	free(r.sym_loc);
	free(r.funcs);
	free(r.bounds.v);
	free(r.ftrace.v);
	free(r.reserved.v);
	free(r.rdi.v);
	free(r.statics.v);
	free(r.entries.v);
	close(fd);
	if (err)
		mw_ko_free(ko);
	return err;
}

void mw_ko_free(struct mw_ko *ko)
{
	free(ko->sites);
	free(ko->entries);
	ko->entries = NULL;
	ko->nr_entries = 0;
	free(ko->blind);
	free(ko->statics);
	ko->sites = NULL;
	ko->nr_sites = 0;
	ko->blind = NULL;
	ko->nr_blind = 0;
	ko->statics = NULL;
	ko->nr_statics = 0;
}

static bool same_name_char(char a, char b)
{
	return (a == '-' ? '_' : a) == (b == '-' ? '_' : b);
}

/* Is modules.dep's "kernel/fs/9p/9p.ko.xz" module @module? '-' and '_' are one. */
static bool dep_is_module(const char *key, const char *module)
{
	const char *base = strrchr(key, '/');
	size_t i;

	base = base ? base + 1 : key;
	for (i = 0; base[i] && module[i]; i++)
		if (!same_name_char(base[i], module[i]))
			return false;
	if (module[i] || strncmp(base + i, ".ko", 3))
		return false;
	return !base[i + 3] || base[i + 3] == '.';	/* ".ko" or ".ko.xz" */
}

int mw_ko_find_in(const char *dir, const char *module, char *path, size_t len)
{
	char dep[PATH_MAX], *line = NULL, *colon;
	size_t cap = 0;
	int err = -ENOENT, n;
	FILE *f;

	snprintf(dep, sizeof(dep), "%s/modules.dep", dir);
	f = fopen(dep, "re");
	if (!f) {
		err = -errno;
		if (err != -ENOENT)
			mw_err("cannot read %s: %s", dep, strerror(-err));
		return err;
	}
	while (err == -ENOENT && getline(&line, &cap, f) > 0) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (!dep_is_module(line, module))
			continue;
		/* Paths are relative to the modules folder; depmod -b may write them whole. */
		n = line[0] == '/' ? snprintf(path, len, "%s", line) :
				     snprintf(path, len, "%s/%s", dir, line);
		err = n >= 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
	}
	free(line);
	fclose(f);
	if (err == -ENAMETOOLONG)
		mw_err("the path of %s's .ko in %s is too long", module, dep);
	return err;
}

int mw_ko_find(const char *module, char *path, size_t len)
{
	char dir[PATH_MAX];
	struct utsname u;

	if (uname(&u))
		return -errno;
	snprintf(dir, sizeof(dir), "/lib/modules/%s", u.release);
	return mw_ko_find_in(dir, module, path, len);
}
