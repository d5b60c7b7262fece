// SPDX-License-Identifier: GPL-2.0
/*
 * The ELF layer of the .ko reader: the file (decompressed when Debian's
 * xz, zstd or gzip: by content), its header and size checked before libelf
 * is trusted with it, its sections, and its symbols (what each import is,
 * the module's functions and where kallsyms splits its code, its writable
 * static objects). What the relocations say is callsites.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include "ko/callees.h"
#include "ko/elf.h"
#include "ko/ko_types.h"
#include "lib/error.h"

int ko_malformed(const struct ko_reader *r, const char *what)
{
	mw_err("cannot read %s: %s", r->path, what);
	return -EINVAL;
}

int ko_nomem(const struct ko_reader *r)
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
int ko_open(const char *path)
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

/*
 * Opens @path for reading into @r (whose other fields are zero); r->elf is
 * NULL when libelf cannot read it (the caller says so, through ko_malformed()).
 */
int ko_reader_open(struct ko_reader *r, const char *path)
{
	int err = ko_libelf_init();

	r->path = path;
	if (err)
		return err;
	r->fd = ko_open(path);
	if (r->fd < 0)
		return r->fd;
	/* ELF_C_READ: pread(), bounds-checked; a truncated file is an error, never a SIGBUS. */
	r->elf = elf_begin(r->fd, ELF_C_READ, NULL);
	return 0;
}

/* Everything ko_reader_open() and the parse allocated, but what was handed to r->ko. */
void ko_reader_close(struct ko_reader *r)
{
	elf_end(r->elf);
	free(r->scns);
	free(r->callee_of);
	free(r->family_of);
	free(r->blind_calls);
	free(r->sym_loc);
	free(r->funcs);
	free(r->bounds.v);
	free(r->ftrace.v);
	free(r->reserved.v);
	free(r->rdi.v);
	free(r->statics.v);
	free(r->entries.v);
	close(r->fd);
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

int ko_check_header(struct ko_reader *r)
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

const char *ko_scn_name(const struct ko_reader *r, const GElf_Shdr *sh)
{
	const char *name = elf_strptr(r->elf, r->shstrndx, sh->sh_name);

	return name ? name : "";
}

/* Room for one more element of @vec, zeroed; NULL when out of memory. */
void *ko_push(struct ko_vec *vec, size_t size)
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

int ko_cmp_loc(const void *a, const void *b)
{
	const struct ko_loc *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* qsort() must not be given NULL, even for no elements: an empty vector has no array yet. */
void ko_sort_locs(struct ko_vec *vec)
{
	if (vec->n)
		qsort(vec->v, vec->n, sizeof(struct ko_loc), ko_cmp_loc);
}

bool ko_any_loc(const struct ko_vec *vec, size_t shndx, __u64 lo, __u64 hi)
{
	const struct ko_loc *l = vec->v;
	size_t a = 0, b = vec->n;

	while (a < b) {		/* the first location at or after (shndx, lo) */
		size_t mid = a + (b - a) / 2;

		if (l[mid].shndx < shndx || (l[mid].shndx == shndx && l[mid].off < lo))
			a = mid + 1;
		else
			b = mid;
	}
	return a < vec->n && l[a].shndx == shndx && l[a].off < hi;
}

int ko_add_loc(struct ko_reader *r, struct ko_vec *vec, size_t shndx, __u64 off)
{
	struct ko_loc *l = ko_push(vec, sizeof(*l));

	if (!l)
		return ko_nomem(r);
	l->shndx = shndx;
	l->off = off;
	return 0;
}

int ko_add_reserved(struct ko_reader *r, size_t shndx, __u64 lo, __u64 hi, __u8 skip)
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

bool ko_is_code(const struct ko_reader *r, size_t shndx)
{
	return shndx < r->nr_scns && r->scns[shndx].code;
}

/*
 * Every section's name, size and kind; the kprobe blacklist's whole
 * sections (kernel/kprobes.c: add_module_kprobe_blacklist()) become ranges.
 */
int ko_load_scns(struct ko_reader *r)
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
		r->callee_of[i] = ko_callee_by_name(name);
		if (!r->callee_of[i])
			r->family_of[i] = ko_family_of(name);
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

int ko_load_symbols(struct ko_reader *r)
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
	ko_sort_locs(&r->bounds);
	return 0;
}

/*
 * The function around @off: of the symbols that start last at or before it,
 * the first in the symbol table that spans it. That is the kernel's own pick
 * among a module's aliases (mw_init before init_module), so names agree with
 * kallsyms, and a static name is more telling than init_module. Without a
 * spanning one (size 0, as in some assembly), the nearest preceding symbol.
 */
const struct ko_func *ko_find_func(const struct ko_reader *r, size_t shndx, __u64 off)
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
