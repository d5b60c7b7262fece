// SPDX-License-Identifier: GPL-2.0
/*
 * Symbolisation of kernel addresses from /proc/kallsyms: "func+0x1c [mod]".
 * Loaded lazily on the first address, kept sorted for binary search; call
 * mw_ksym_free() when modules come or go so the next lookup reloads.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "lib/escape.h"
#include "symbols/ksym.h"
#include "symbols/srcline.h"

/* No symbol spans more than this: beyond it the address is "unknown". */
#define MW_KSYM_MAX_OFFSET (1u << 20)

struct ksym {
	unsigned long long addr;
	char *name;
	const char *module;	/* interned; NULL for core kernel */
	bool text;		/* code, else data (lock names, layout variables) */
};

static struct ksym *syms;
static size_t nr_syms, cap_syms;
static size_t *by_name;		/* indices of syms sorted by name, built on the first lookup */
static char **mod_names;
static size_t nr_mods;
static bool loaded;

static const char *intern_module(const char *name)
{
	char **grown;
	size_t i;

	for (i = 0; i < nr_mods; i++)
		if (!strcmp(mod_names[i], name))
			return mod_names[i];
	grown = realloc(mod_names, (nr_mods + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	mod_names = grown;
	mod_names[nr_mods] = strdup(name);
	return mod_names[nr_mods++];
}

static int add_sym(__u64 addr, const char *name, const char *module, bool text)
{
	struct ksym *grown;

	if (nr_syms == cap_syms) {
		cap_syms = cap_syms ? cap_syms * 2 : 65536;
		grown = realloc(syms, cap_syms * sizeof(*syms));
		if (!grown)
			return -ENOMEM;
		syms = grown;
	}
	syms[nr_syms].addr = addr;
	syms[nr_syms].name = strdup(name);
	syms[nr_syms].module = module && *module ? intern_module(module) : NULL;
	syms[nr_syms].text = text;
	if (!syms[nr_syms].name)
		return -ENOMEM;
	nr_syms++;
	return 0;
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * One line of /proc/kallsyms, "ADDR TYPE NAME[\t[MODULE]]", split in place;
 * false if it is not one.
 */
static bool split_line(char *line, __u64 *addr, char *type, char **name, char **module)
{
	char *end;

	*addr = strtoull(line, &end, 16);
	if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
		return false;
	*type = end[1];
	*name = end + 3;
	*module = NULL;
	end = *name + strcspn(*name, " \t\n");
	if (*end == '\t' && end[1] == '[') {
		*module = end + 2;
		(*module)[strcspn(*module, "]")] = '\0';
	}
	*end = '\0';
	return **name;
}

/*
 * Under emulation the kernel's side of reading kallsyms is slow (a
 * hundred thousand lines): one pass, in large reads (its st_blksize, 1 KiB,
 * would make stdio read it a kilobyte at a time), parsed by hand.
 */
static int load_kallsyms(void)
{
	static char buf[1 << 20];
	char line[512], type, *name, *module;
	__u64 addr;
	FILE *f;
	int err = 0;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	while (!err && fgets(line, sizeof(line), f)) {
		if (!split_line(line, &addr, &type, &name, &module))
			continue;
		/*
		 * Code for call sites; data to name static locks and to find the
		 * kernel's layout variables (percpu offsets, below the kernel's
		 * half of the address space, are no addresses).
		 */
		if (type == 't' || type == 'T')
			err = add_sym(addr, name, module, true);
		else if (strchr("dDbB", type) && (module || addr >= 0xffff000000000000ull))
			err = add_sym(addr, name, module, false);
	}
	fclose(f);
	qsort(syms, nr_syms, sizeof(*syms), cmp_ksym);
	loaded = true;
	return err;
}

static int ensure_loaded(void)
{
	return loaded ? 0 : load_kallsyms();
}

void mw_ksym_free(void)
{
	size_t i;

	for (i = 0; i < nr_syms; i++)
		free(syms[i].name);
	for (i = 0; i < nr_mods; i++)
		free(mod_names[i]);
	free(syms);
	free(mod_names);
	free(by_name);
	by_name = NULL;
	syms = NULL;
	mod_names = NULL;
	nr_syms = cap_syms = nr_mods = 0;
	loaded = false;
}

/* The last symbol of the wanted kind at or below @addr, as an index + 1 (0: none). */
static size_t find_below(__u64 addr, bool text)
{
	size_t lo = 0, hi = nr_syms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo && syms[lo - 1].text != text)
		lo--;
	return lo;
}

/*
 * Code symbol @i's size as the kernel prints it ("+0x1c/0x40"): up to the
 * next code symbol above it in the same module, looked for among a few
 * neighbours; 0 when none is.
 */
static __u64 size_of(size_t i)
{
	size_t j, end = i + 64 < nr_syms ? i + 64 : nr_syms;

	for (j = i + 1; j < end; j++)
		if (syms[j].text && syms[j].addr > syms[i].addr)
			return syms[j].module == syms[i].module ? syms[j].addr - syms[i].addr : 0;
	return 0;
}

static int resolve(__u64 addr, bool text, struct mw_sym *sym)
{
	size_t i;
	int err;

	memset(sym, 0, sizeof(*sym));
	err = ensure_loaded();
	if (err)
		return err;
	i = find_below(addr, text);
	if (!i || !syms[i - 1].addr || addr - syms[i - 1].addr > MW_KSYM_MAX_OFFSET)
		return -ENOENT;
	sym->name = syms[i - 1].name;
	sym->module = syms[i - 1].module;
	sym->offset = addr - syms[i - 1].addr;
	sym->size = text ? size_of(i - 1) : 0;
	if (sym->size && sym->offset >= sym->size)
		sym->size = 0;	/* past the next symbol: not in this one after all */
	return 0;
}

/* @addr as the last data symbol of kallsyms at or below it. */
int mw_ksym_resolve_var(__u64 addr, struct mw_sym *sym)
{
	return resolve(addr, false, sym);
}

int mw_ksym_module_tail(const char *module, __u64 *last_text, __u64 *next)
{
	size_t i;
	int err;

	err = ensure_loaded();
	if (err)
		return err;
	*last_text = *next = 0;
	for (i = 0; i < nr_syms; i++) {		/* by address: the last code symbol wins */
		if (!syms[i].module || strcmp(syms[i].module, module))
			continue;
		if (syms[i].text) {
			*last_text = syms[i].addr;
			*next = 0;
		} else if (*last_text && !*next) {
			*next = syms[i].addr;
		}
	}
	return *last_text ? 0 : -ENOENT;
}

/* Read /proc/kallsyms again now, e.g. as a module has just been loaded. */
int mw_ksym_reload(void)
{
	mw_ksym_free();
	return load_kallsyms();
}

int mw_ksym_resolve(__u64 addr, struct mw_sym *sym)
{
	return resolve(addr, true, sym);
}

static int cmp_by_name(const void *a, const void *b)
{
	const struct ksym *x = &syms[*(const size_t *)a], *y = &syms[*(const size_t *)b];
	int c = strcmp(x->name, y->name);

	return c ? c : x->addr < y->addr ? -1 : x->addr > y->addr;	/* the lowest first */
}

/* The symbols by name, for lookups by name: a hundred of them at every start. */
static int index_names(void)
{
	size_t i;

	if (by_name)
		return 0;
	by_name = malloc(nr_syms * sizeof(*by_name) + 1);
	if (!by_name)
		return -ENOMEM;
	for (i = 0; i < nr_syms; i++)
		by_name[i] = i;
	qsort(by_name, nr_syms, sizeof(*by_name), cmp_by_name);
	return 0;
}

/*
 * The address of @name: in @module, in the core kernel (@module ""), or
 * anywhere (NULL); of several, the lowest address.
 */
int mw_ksym_addr(const char *module, const char *name, __u64 *addr)
{
	size_t lo = 0, hi, i;
	int err;

	err = ensure_loaded();
	if (!err)
		err = index_names();
	if (err)
		return err;
	for (hi = nr_syms; lo < hi;) {
		i = lo + (hi - lo) / 2;
		if (strcmp(syms[by_name[i]].name, name) < 0)
			lo = i + 1;
		else
			hi = i;
	}
	for (i = lo; i < nr_syms && !strcmp(syms[by_name[i]].name, name); i++) {
		const struct ksym *k = &syms[by_name[i]];

		if (module && *module && (!k->module || strcmp(k->module, module)))
			continue;
		if (module && !*module && k->module)
			continue;
		*addr = k->addr;
		return 0;
	}
	return -ENOENT;
}

void mw_ksym_format(__u64 addr, char *buf, size_t len)
{
	struct mw_src_frame f[MW_SRC_FRAMES];
	struct mw_sym s;
	int n, nr;

	if (!addr) {
		snprintf(buf, len, "-");
		return;
	}
	if (mw_ksym_resolve(addr, &s)) {
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		return;
	}
	if (!s.module) {
		snprintf(buf, len, "%s+0x%llx", mw_esc(s.name), (unsigned long long)s.offset);
		return;
	}
	n = snprintf(buf, len, "%s+0x%llx [%s]", mw_esc(s.name), (unsigned long long)s.offset,
		     mw_esc(s.module));
	/* The line of the module's own source that made it, through any inlines. */
	nr = mw_srcline(s.module, s.name, s.offset, f, MW_SRC_FRAMES);
	if (nr > 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " (%s:%d)",
			 mw_esc(mw_srcline_display(s.module, f[nr - 1].file)), f[nr - 1].line);
}

int mw_section_addr(const char *module, const char *section, __u64 *addr)
{
	char path[PATH_MAX];
	unsigned long long a;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/module/%s/sections/%s", module, section);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%llx", &a);
	fclose(f);
	if (n != 1 || !a)
		return -ENOENT;
	*addr = a;
	return 0;
}
