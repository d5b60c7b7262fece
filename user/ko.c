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
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ko.h"
#include "modwatch.h"

#define X86_CALL_REL32	0xe8
#define X86_JMP_REL32	0xe9

/* struct module's name: after enum module_state (4 + 4 padding) and a list_head (16). */
#define THIS_MODULE_NAME_OFF	24
#define MODULE_NAME_LEN		56

#define CALLEE_NAME(id, sym, class, size) [MW_CALLEE_##id] = #sym,
static const char *const callee_names[MW_CALLEE_NR] = { MW_CALLEES(CALLEE_NAME) };
#undef CALLEE_NAME

_Static_assert(MW_CALLEE_NR <= 256, "a callee id fits the reader's per-symbol byte");

const char *mw_callee_name(__u32 callee)
{
	if (callee == MW_CALLEE_NONE || callee >= MW_CALLEE_NR)
		return "unknown";
	return callee_names[callee];
}

static __u8 callee_by_name(const char *name)
{
	__u32 i;

	for (i = MW_CALLEE_NONE + 1; i < MW_CALLEE_NR; i++)
		if (!strcmp(callee_names[i], name))
			return i;
	return MW_CALLEE_NONE;
}

/* A FUNC symbol, to name the function around a call. */
struct ko_func {
	size_t shndx;
	__u64 value, size;
	size_t index;		/* in the symbol table: the kernel's pick among aliases */
	const char *name;	/* libelf's, valid until elf_end() */
};

struct ko_reader {
	const char *path;	/* for messages */
	struct mw_ko *ko;
	int fd;			/* the plain ELF */
	Elf *elf;
	size_t shstrndx;
	size_t symtab;		/* section index of the symbol table */
	size_t nr_syms;
	__u8 *callee_of;	/* per symbol: enum mw_callee, MW_CALLEE_NONE for the others */
	struct ko_func *funcs;	/* sorted by section, value, index */
	size_t nr_funcs;
	size_t cap_sites;
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

static void ko_add_symbol(struct ko_reader *r, size_t strtab, size_t i, const GElf_Sym *sym)
{
	const char *name = elf_strptr(r->elf, strtab, sym->st_name);
	struct ko_func *f;

	if (!name || !*name)
		return;
	if (sym->st_shndx == SHN_UNDEF) {
		/* Only a callee the module imports: its own function of that name is no callee. */
		r->callee_of[i] = callee_by_name(name);
		return;
	}
	/* SHN_XINDEX (over 65279 sections) is left out: no module has that many. */
	if (GELF_ST_TYPE(sym->st_info) != STT_FUNC || sym->st_shndx >= SHN_LORESERVE)
		return;
	f = &r->funcs[r->nr_funcs++];
	f->shndx = sym->st_shndx;
	f->value = sym->st_value;
	f->size = sym->st_size;
	f->index = i;
	f->name = name;
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
	r->funcs = calloc(r->nr_syms + 1, sizeof(*r->funcs));
	if (!r->callee_of || !r->funcs)
		return ko_nomem(r);
	for (i = 0; i < r->nr_syms; i++) {
		if (!gelf_getsym(data, i, &sym))
			return ko_malformed(r, elf_errmsg(-1));
		ko_add_symbol(r, sh.sh_link, i, &sym);
	}
	qsort(r->funcs, r->nr_funcs, sizeof(*r->funcs), cmp_func);
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
	s->opcode = opcode;
	f = ko_find_func(r, shndx, off);
	if (f)
		snprintf(s->func, sizeof(s->func), "%s", f->name);
	s->func_off = f ? off - f->value : off;
	return 0;
}

/* One relocation of code section @shndx: a site if it is a call or jmp of a callee. */
static int ko_check_rela(struct ko_reader *r, size_t shndx, const char *section,
			 const Elf_Data *code, const GElf_Rela *rel)
{
	size_t sym = GELF_R_SYM(rel->r_info), type = GELF_R_TYPE(rel->r_info);
	__u8 op;

	if (sym >= r->nr_syms)
		return ko_malformed(r, "relocation against a symbol past the symbol table");
	if (!r->callee_of[sym])
		return 0;
	if ((type != R_X86_64_PLT32 && type != R_X86_64_PC32) || rel->r_addend != -4)
		return 0;
	if (rel->r_offset < 1 || code->d_size < 4 || rel->r_offset > code->d_size - 4)
		return ko_malformed(r, "relocation past the end of its section");
	op = ((const __u8 *)code->d_buf)[rel->r_offset - 1];
	if (op != X86_CALL_REL32 && op != X86_JMP_REL32)
		return 0;
	return ko_add_site(r, shndx, section, rel->r_offset - 1, r->callee_of[sym], op);
}

/* The code section that relocation section @rsh applies to, or NULL if it is no code. */
static Elf_Scn *ko_rela_code(struct ko_reader *r, const GElf_Shdr *rsh, GElf_Shdr *sh)
{
	Elf_Scn *scn = elf_getscn(r->elf, rsh->sh_info);

	if (!scn || !gelf_getshdr(scn, sh) || sh->sh_type != SHT_PROGBITS ||
	    !(sh->sh_flags & SHF_EXECINSTR))
		return NULL;
	/* Copied over .text at load: a call there never runs at this address. */
	if (!strcmp(ko_scn_name(r, sh), ".altinstr_replacement"))
		return NULL;
	return scn;
}

static int ko_scan_rela(struct ko_reader *r, Elf_Scn *rela, const GElf_Shdr *rsh)
{
	Elf_Data *rd, *cd;
	Elf_Scn *code;
	GElf_Shdr sh;
	GElf_Rela rel;
	size_t i, n;
	int err = 0;

	code = ko_rela_code(r, rsh, &sh);
	if (!code)
		return 0;
	if (rsh->sh_link != r->symtab)
		return ko_malformed(r, "code relocations against a second symbol table");
	rd = elf_getdata(rela, NULL);
	cd = elf_getdata(code, NULL);
	if (!rd || !cd || !cd->d_buf)
		return ko_malformed(r, elf_errmsg(-1));
	n = rd->d_size / gelf_fsize(r->elf, ELF_T_RELA, 1, EV_CURRENT);
	for (i = 0; i < n && !err; i++) {
		if (!gelf_getrela(rd, i, &rel))
			return ko_malformed(r, elf_errmsg(-1));
		err = ko_check_rela(r, elf_ndxscn(code), ko_scn_name(r, &sh), cd, &rel);
	}
	return err;
}

static int ko_scan_relocs(struct ko_reader *r)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int err = 0;

	while (!err && (scn = elf_nextscn(r->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_RELA)
			err = ko_scan_rela(r, scn, &sh);
	return err;
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

static int ko_parse(struct ko_reader *r)
{
	int err;

	err = ko_check_header(r);
	if (!err)
		err = ko_load_symbols(r);
	if (!err)
		err = ko_scan_relocs(r);
	if (err)
		return err;
	ko_read_name(r);
	qsort(r->ko->sites, r->ko->nr_sites, sizeof(*r->ko->sites), cmp_site);
	return 0;
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
	free(r.callee_of);
	free(r.funcs);
	close(fd);
	if (err)
		mw_ko_free(ko);
	return err;
}

void mw_ko_free(struct mw_ko *ko)
{
	free(ko->sites);
	ko->sites = NULL;
	ko->nr_sites = 0;
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
