// SPDX-License-Identifier: GPL-2.0
/*
 * The .ko reader's entry points: mw_ko_read() drives the parse (elf.c reads
 * the file, its sections and symbols; callsites.c the calls, entry points and
 * blind spots the relocations show), and reads the module's name and build
 * ID; mw_ko_find() finds a module's .ko through modules.dep.
 */
#include <errno.h>
#include <gelf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <stdio.h>
#include "sites.h"
#include "ko/callsites.h"
#include "ko/elf.h"
#include "ko/ko.h"
#include "lib/error.h"

/* struct module's name: after enum module_state (4 + 4 padding) and a list_head (16). */
#define THIS_MODULE_NAME_OFF	24
#define MODULE_NAME_LEN		56

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
	if (r->ko->nr_sites)	/* none: no array, and qsort() must not be given NULL */
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

int mw_ko_read(const char *path, struct mw_ko *ko)
{
	struct ko_reader r = { .ko = ko };
	int err;

	memset(ko, 0, sizeof(*ko));
	err = ko_reader_open(&r, path);
	if (err)
		return err;
	err = r.elf ? ko_parse(&r) : ko_malformed(&r, elf_errmsg(-1));
	ko_reader_close(&r);
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
