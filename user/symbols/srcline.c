// SPDX-License-Identifier: GPL-2.0
/*
 * Source lines of a watched module's code: "func+0x1c [mod]" to file:line,
 * with the inlined frames around it, from the .ko's DWARF through libdw's
 * offline Dwfl (which applies an ET_REL file's relocations to its DWARF).
 *
 * Addresses are taken as function + offset, never as live addresses: the
 * same lookup serves a running session (kallsyms names the function) and
 * `modwatch report`, which renders JSON lines on another machine.
 *
 * The DWARF comes from the .ko itself, or, when Debian's build stripped it,
 * from a split debug file found by build-id or debuglink under the debug
 * folders (/usr/lib/debug, --debug-dir), or by the .ko's own path under
 * them: Debian's linux-image-*-dbg packages keep
 * /usr/lib/debug/lib/modules/VERSION/kernel/.../NAME.ko.
 *
 * The core kernel's frames (module NULL) resolve the same way from a
 * vmlinux with DWARF (--vmlinux: Debian's /usr/lib/debug/boot/vmlinux-V),
 * registered as module "vmlinux".
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include "registry.h"
#include "lib/error.h"
#include "symbols/srcline.h"

#define MW_DEBUG_DIRS 8

struct src_module {
	char name[64];
	char path[PATH_MAX];
	Dwfl *dwfl;
	Dwfl_Module *mod;
	bool opened;		/* tried: a module without DWARF is not tried again */
	bool exec;		/* a linked image (vmlinux), not a relocatable .ko */
};

static struct src_module mods[MW_MAX_MODULES];
static size_t nr_mods;
static const char *debug_dirs[MW_DEBUG_DIRS];
static size_t nr_debug_dirs;
/* libdw's search path: "-" (no CRC check), the .ko's folder, .debug, /usr/lib/debug. */
static char *debuginfo_path = "-:.debug:/usr/lib/debug";

/*
 * A report names each site in every printer (JSON, text, the CI files, the
 * KASAN layout): the lookups, a symbol table scan and a relocation scan
 * each, are kept by module, function and offset. Emptied when a module's
 * .ko changes; the frames' strings live as long as their module's Dwfl.
 */
#define SRC_CACHE 256

static struct {
	const struct src_module *m;	/* NULL: an empty slot */
	__u64 offset;
	char func[128];
	int nr;
	struct mw_src_frame f[MW_SRC_FRAMES];
} cache[SRC_CACHE];

static struct src_module *find_module(const char *name)
{
	size_t i;

	for (i = 0; i < nr_mods; i++)
		if (!strcmp(mods[i].name, name))
			return &mods[i];
	return NULL;
}

int mw_srcline_debug_dir(const char *dir)
{
	char *path;

	if (nr_debug_dirs == MW_DEBUG_DIRS)
		return -E2BIG;
	if (access(dir, R_OK | X_OK))
		return -errno;
	if (asprintf(&path, "%s:%s", debuginfo_path, dir) < 0)
		return -ENOMEM;
	if (nr_debug_dirs)
		free(debuginfo_path);
	debuginfo_path = path;
	debug_dirs[nr_debug_dirs++] = dir;
	return 0;
}

/* A split debug file at DIR + the .ko's own path, Debian's -dbg layout. */
static int find_by_path(Dwfl_Module *mod, const char *file_name, char **debuginfo_file_name)
{
	char path[PATH_MAX];
	size_t i;
	int fd;

	(void)mod;
	for (i = 0; i < nr_debug_dirs + 1; i++) {
		const char *dir = i < nr_debug_dirs ? debug_dirs[i] : "/usr/lib/debug";

		if (snprintf(path, sizeof(path), "%s%s", dir, file_name) >= (int)sizeof(path))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			*debuginfo_file_name = strdup(path);
			return fd;
		}
	}
	return -1;
}

static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	int fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
					      debuglink_file, debuglink_crc, debuginfo_file_name);

	if (fd >= 0 || !file_name || file_name[0] != '/')
		return fd;
	return find_by_path(mod, file_name, debuginfo_file_name);
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

/* The .ko of module @name is @path (a later call for the same module replaces it). */
int mw_srcline_add(const char *name, const char *path)
{
	struct src_module *m = find_module(name);

	if (m && !strcmp(m->path, path))
		return 0;
	if (!m) {
		if (nr_mods == MW_MAX_MODULES)
			return -E2BIG;
		m = &mods[nr_mods++];
	}
	if (m->dwfl)
		dwfl_end(m->dwfl);
	memset(cache, 0, sizeof(cache));
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->path, sizeof(m->path), "%s", path);
	return 0;
}

void mw_srcline_free(void)
{
	size_t i;

	for (i = 0; i < nr_mods; i++)
		if (mods[i].dwfl)
			dwfl_end(mods[i].dwfl);
	memset(mods, 0, nr_mods * sizeof(mods[0]));
	memset(cache, 0, sizeof(cache));
	nr_mods = 0;
	if (nr_debug_dirs)
		free(debuginfo_path);
	debuginfo_path = "-:.debug:/usr/lib/debug";
	nr_debug_dirs = 0;
}

/*
 * @file as a terminal shows it: relative to the .ko's folder when it is in
 * it (an out-of-tree module built in place), else as the DWARF names it.
 */
const char *mw_srcline_display(const char *module, const char *file)
{
	const struct src_module *m = find_module(module);
	const char *slash = m ? strrchr(m->path, '/') : NULL;
	size_t dir = slash ? (size_t)(slash - m->path) + 1 : 0;

	if (dir && !strncmp(file, m->path, dir) && file[dir])
		return file + dir;
	return file;
}

static bool is_exec(Dwfl_Module *mod)
{
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	GElf_Ehdr eh;

	return elf && gelf_getehdr(elf, &eh) && eh.e_type != ET_REL;
}

/* The module's Dwfl, opened on first use; NULL when it has no .ko or no DWARF. */
static Dwfl_Module *open_module(const char *name)
{
	struct src_module *m = find_module(name);
	Dwarf_Addr bias;

	if (!m)
		return NULL;
	if (m->opened)
		return m->mod;
	m->opened = true;
	m->dwfl = dwfl_begin(&callbacks);
	if (!m->dwfl)
		return NULL;
	m->mod = dwfl_report_offline(m->dwfl, m->name, m->path, -1);
	dwfl_report_end(m->dwfl, NULL, NULL);
	if (m->mod && !dwfl_module_getdwarf(m->mod, &bias))
		m->mod = NULL;
	m->exec = m->mod && is_exec(m->mod);
	if (!m->mod && mw_verbosity >= MW_VERBOSE)
		mw_warn("no source lines for %s: %s (a split debug file: --debug-dir)", m->name,
			dwfl_errmsg(-1));
	return m->mod;
}

/* --vmlinux @path: the core kernel's DWARF, said at once when it has none. */
int mw_srcline_vmlinux(const char *path)
{
	int err = access(path, R_OK) ? -errno : mw_srcline_add(MW_SRC_VMLINUX, path);

	if (!err && !open_module(MW_SRC_VMLINUX))
		err = -ENODATA;
	return err;
}

/*
 * The FUNC symbol @func in @mod's layout: its address, and its name as the
 * Dwfl keeps it. In a vmlinux (@unique) static functions of one name are
 * many (kallsyms gives the name only): none is guessed, no line is better
 * than another function's.
 */
static const char *func_addr(Dwfl_Module *mod, const char *func, bool unique, GElf_Addr *addr)
{
	int i, n = dwfl_module_getsymtab(mod);
	const char *name, *found = NULL;
	GElf_Addr a;
	GElf_Sym sym;

	for (i = 1; i < n; i++) {
		name = dwfl_module_getsym_info(mod, i, &sym, &a, NULL, NULL, NULL);
		if (!name || GELF_ST_TYPE(sym.st_info) != STT_FUNC || strcmp(name, func))
			continue;
		if (found && *addr != a)
			return NULL;
		found = name;
		*addr = a;
		if (!unique)
			break;
	}
	return found;
}

/*
 * A relocated call (e8) or tail-call jmp (e9) rel32 at @off of @scn? A
 * module's calls into the kernel are always relocated: PLT32 or PC32 with
 * addend -4 at @off + 1 makes the opcode byte certain.
 */
static bool call_at(Elf *elf, Elf_Scn *scn, Dwarf_Addr off)
{
	Elf_Data *text = elf_getdata(scn, NULL), *data;
	size_t idx = elf_ndxscn(scn), i, n;
	Elf_Scn *r = NULL;
	GElf_Shdr sh;
	GElf_Rela rela;
	__u8 op;

	if (!text || !text->d_buf || off >= text->d_size)
		return false;
	op = ((const __u8 *)text->d_buf)[off];
	if (op != 0xe8 && op != 0xe9)
		return false;
	while ((r = elf_nextscn(elf, r))) {
		if (!gelf_getshdr(r, &sh) || sh.sh_type != SHT_RELA || sh.sh_info != idx ||
		    !sh.sh_entsize || !(data = elf_getdata(r, NULL)))
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++)
			if (gelf_getrela(data, i, &rela) && rela.r_offset == off + 1 &&
			    rela.r_addend == -4 &&
			    (GELF_R_TYPE(rela.r_info) == R_X86_64_PLT32 ||
			     GELF_R_TYPE(rela.r_info) == R_X86_64_PC32))
				return true;
	}
	return false;
}

/*
 * Sites are call instructions (a probe's address) or return addresses (a
 * kmem tracepoint's call_site is its caller's _RET_IP_): @addr is the
 * latter when no call starts there and one ends there. Its line is the
 * call's, as decode_stacktrace.sh looks a return address up at addr - 1.
 */
static bool return_address(Dwfl_Module *mod, Dwarf_Addr addr)
{
	Dwarf_Addr off = addr, bias;
	Elf_Scn *scn = dwfl_module_address_section(mod, &off, &bias);
	Elf *elf = dwfl_module_getelf(mod, &bias);

	return scn && elf && !call_at(elf, scn, off) && off >= 5 && call_at(elf, scn, off - 5);
}

static const char *call_file(Dwarf_Die *cu, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word idx;
	size_t nfiles;

	if (!dwarf_attr(die, DW_AT_call_file, &attr) || dwarf_formudata(&attr, &idx) ||
	    dwarf_getsrcfiles(cu, &files, &nfiles) || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

static int call_line(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word line;

	if (!dwarf_attr(die, DW_AT_call_line, &attr) || dwarf_formudata(&attr, &line))
		return 0;
	return line;
}

/*
 * The frames around @addr, innermost first, as addr2line -i gives them:
 * frame 0 (its file:line already set) is in the innermost inlined function;
 * each inlined scope adds a frame in the function it was inlined into, at
 * the line of that call. The subprogram names the outermost frame.
 */
static int inlined_frames(Dwfl_Module *mod, Dwarf_Addr addr, struct mw_src_frame *f, int max)
{
	Dwarf_Die *cu, *scopes = NULL, *chain = NULL;
	Dwarf_Addr bias;
	int i, n, nr = 1;

	cu = dwfl_module_addrdie(mod, addr, &bias);
	if (!cu)
		return 1;
	/*
	 * dwarf_getscopes() goes out from an inlined instance to where the
	 * inline function was defined, not to its caller: the call chain
	 * comes from dwarf_getscopes_die() on the innermost inlined instance.
	 */
	n = dwarf_getscopes(cu, addr - bias, &scopes);
	for (i = 0; i < n; i++)
		if (dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine)
			break;
	if (i < n)
		n = dwarf_getscopes_die(&scopes[i], &chain);
	for (i = 0; chain && i < n; i++) {
		int tag = dwarf_tag(&chain[i]);

		if (tag == DW_TAG_subprogram) {
			f[nr - 1].func = dwarf_diename(&chain[i]);
			break;
		}
		if (tag != DW_TAG_inlined_subroutine || nr == max)
			continue;
		f[nr - 1].func = dwarf_diename(&chain[i]);
		f[nr].file = call_file(cu, &chain[i]);
		f[nr].line = call_line(&chain[i]);
		nr++;
	}
	free(chain);
	free(scopes);
	return nr;
}

/* The lookup behind mw_srcline(), uncached. */
static int lookup(const struct src_module *m, const char *func, __u64 offset,
		  struct mw_src_frame *f, int max)
{
	Dwfl_Module *mod = m->mod;
	const char *name;
	Dwfl_Line *line;
	GElf_Addr base;
	Dwarf_Addr addr;
	int nr, lineno = 0;

	name = func_addr(mod, func, m->exec, &base);
	if (!name)
		return 0;
	addr = base + offset;
	/*
	 * A linked vmlinux keeps no relocations to tell calls by: its frames
	 * are callers' return addresses (the module's call is the first frame),
	 * looked up at addr - 1 as decode_stacktrace.sh does; an offset of 0
	 * is a function named itself (a callee), no return address.
	 */
	if (m->exec ? offset != 0 : return_address(mod, addr))
		addr--;
	line = dwfl_module_getsrc(mod, addr);
	if (!line)
		return 0;
	memset(f, 0, max * sizeof(*f));
	f[0].file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
	f[0].line = lineno;
	if (!f[0].file)
		return 0;
	nr = inlined_frames(mod, addr, f, max);
	if (!f[nr - 1].func)
		f[nr - 1].func = name;
	return nr;
}

static unsigned int cache_slot(const char *module, const char *func, __u64 offset)
{
	unsigned int h = 2166136261u;

	for (; *module; module++)
		h = (h ^ (unsigned char)*module) * 16777619u;
	for (; *func; func++)
		h = (h ^ (unsigned char)*func) * 16777619u;
	return (h ^ (unsigned int)offset) % SRC_CACHE;
}

/*
 * The source of @func+@offset in @module: frame 0 is the line of that
 * instruction, then one frame per function it was inlined through (the
 * outermost last, in @func itself); for a return address, the call's.
 * Returns the number of frames, 0 when there is no DWARF for it.
 */
int mw_srcline(const char *module, const char *func, __u64 offset, struct mw_src_frame *f, int max)
{
	struct src_module *m, *mod;
	unsigned int i;
	int nr;

	if (!module)
		module = MW_SRC_VMLINUX;	/* the core kernel, if --vmlinux gave it */
	m = find_module(module);
	mod = m && func && open_module(module) ? m : NULL;
	if (!mod || max < 1)
		return 0;
	i = cache_slot(module, func, offset);
	if (cache[i].m != m || cache[i].offset != offset || strcmp(cache[i].func, func)) {
		cache[i].m = m;
		cache[i].offset = offset;
		snprintf(cache[i].func, sizeof(cache[i].func), "%s", func);
		cache[i].nr = lookup(m, func, offset, cache[i].f, MW_SRC_FRAMES);
	}
	nr = cache[i].nr < max ? cache[i].nr : max;
	memcpy(f, cache[i].f, nr * sizeof(*f));
	return nr;
}
