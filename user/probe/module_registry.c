// SPDX-License-Identifier: GPL-2.0
/*
 * The module registry: which modules are watched, where their text lies,
 * and the BPF page table (include/registry.h) that lets a hook name the
 * module of a call site in O(1).
 *
 * Text ranges come from /proc/modules (base address and core size) and
 * /sys/module/NAME/sections/ (section addresses). The core allocation holds
 * text first, then read-only data and data; the text ends where the first
 * non-text section above the base starts. Sizes are clamped to the next
 * module's base so that, on kernels whose module memory is split by type,
 * a range never covers another module's code.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <stdio.h>
#include "registry.h"
#include "lib/error.h"
#include "probe/module_registry.h"
#include "probe/skel.h"

struct proc_module {
	char name[64];
	__u64 size;
	__u64 base;
};

void mw_registry_init(struct mw_registry *r, struct modwatch_bpf *skel)
{
	memset(r, 0, sizeof(*r));
	r->pages_fd = bpf_map__fd(skel->maps.mw_pages);
	r->ids_fd = bpf_map__fd(skel->maps.mw_module_ids);
	r->watch_lo = &skel->bss->mw_watch_lo;
	r->watch_hi = &skel->bss->mw_watch_hi;
}

struct mw_module *mw_registry_module(struct mw_registry *r, __u32 id)
{
	return id && id <= r->nr ? &r->mods[id - 1] : NULL;
}

const char *mw_registry_name(struct mw_registry *r, __u32 id)
{
	struct mw_module *m = mw_registry_module(r, id);

	return m ? m->name : "?";
}

/* Module names use '_' in /proc/modules; modprobe accepts '-' too. */
void mw_module_name(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = src[i] == '-' ? '_' : src[i];
	dst[i] = '\0';
}

/* Read /proc/modules; returns the number of entries or -errno. */
static int read_proc_modules(struct proc_module *mods, int max)
{
	char line[512];
	int n = 0;
	FILE *f;

	f = fopen("/proc/modules", "re");
	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		struct proc_module *m = &mods[n];

		/* name size refcount deps state address [taints] */
		if (sscanf(line, "%63s %llu %*s %*s %*s %llx", m->name, &m->size,
			   &m->base) == 3)
			n++;
	}
	fclose(f);
	return n;
}

static bool is_text_section(const char *name)
{
	return strstr(name, "text") || !strcmp(name, ".altinstr_replacement");
}

/* The end of @m's core text: the first non-text section above its base. */
static __u64 text_end(const struct proc_module *m)
{
	__u64 end = m->base + m->size, addr;
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/sections", m->name);
	dir = opendir(path);
	if (!dir)
		return end;
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") ||
		    is_text_section(d->d_name))
			continue;
		snprintf(path, sizeof(path), "/sys/module/%s/sections/%s", m->name, d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%llx", &addr) == 1 && addr > m->base && addr < end)
			end = addr;
		fclose(f);
	}
	closedir(dir);
	return end;
}

static int fill_pages(struct mw_registry *r, __u32 id, __u64 lo, __u64 hi)
{
	struct mw_page pg, old;
	__u64 a;
	__u32 slot;

	for (a = lo & ~((1ull << MW_PAGE_SHIFT) - 1); a < hi; a += 1ull << MW_PAGE_SHIFT) {
		slot = mw_page_slot(a);
		if (!bpf_map_lookup_elem(r->pages_fd, &slot, &old) && old.module_id &&
		    old.tag != mw_page_tag(a))
			return -EEXIST;
		pg.tag = mw_page_tag(a);
		pg.module_id = id;
		if (bpf_map_update_elem(r->pages_fd, &slot, &pg, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* The key of mw_module_ids: the name, zero-padded as the BPF side reads it. */
void mw_registry_key(const char *name, struct mw_module_key *key)
{
	size_t n = strnlen(name, sizeof(key->name) - 1);

	memset(key, 0, sizeof(*key));
	memcpy(key->name, name, n);
}

int mw_registry_add_range(struct mw_registry *r, const char *name, __u64 lo, __u64 hi)
{
	struct mw_module_key key;
	struct mw_module *m;
	int err;

	if (r->nr >= MW_MAX_MODULES)
		return -ENOSPC;
	if (lo >= hi)
		return -EINVAL;
	m = &r->mods[r->nr];
	memset(m, 0, sizeof(*m));
	mw_module_name(m->name, name, sizeof(m->name));
	m->id = r->nr + 1;
	m->text_lo = lo;
	m->text_hi = hi;
	m->loaded = true;
	err = fill_pages(r, m->id, lo, hi);
	if (err)
		return err;
	r->nr++;
	mw_registry_key(m->name, &key);
	bpf_map_update_elem(r->ids_fd, &key, &m->id, BPF_ANY);
	/* Pages first, then the span: a hook never sees a span without its pages. */
	if (!*r->watch_hi || lo < *r->watch_lo)
		*r->watch_lo = lo;
	if (hi > *r->watch_hi)
		*r->watch_hi = hi;
	return 0;
}

/* Clamp @m's text end below the next module's base. */
static __u64 clamp_to_neighbours(const struct proc_module *m, __u64 end,
				 const struct proc_module *all, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (all[i].base > m->base && all[i].base < end)
			end = all[i].base;
	return end;
}

static int add_one(struct mw_registry *r, const struct proc_module *m,
		   const struct proc_module *all, int n)
{
	__u64 end;
	int err;

	if (!m->base) {
		mw_err("the address of module %s is hidden (kptr_restrict): run modwatch as root",
		       m->name);
		return -EPERM;
	}
	end = clamp_to_neighbours(m, text_end(m), all, n);
	err = mw_registry_add_range(r, m->name, m->base, end);
	if (err == -ENOSPC)
		mw_err("cannot watch module %s: more than %d modules watched in this run",
		       m->name, MW_MAX_MODULES);
	else if (err)
		mw_err("cannot watch module %s: %s", m->name, strerror(-err));
	return err;
}

static int load_proc_modules(struct proc_module **out)
{
	struct proc_module *mods;
	int n;

	mods = calloc(4096, sizeof(*mods));
	if (!mods)
		return -ENOMEM;
	n = read_proc_modules(mods, 4096);
	if (n < 0) {
		free(mods);
		return n;
	}
	*out = mods;
	return n;
}

/* Forget a module that was unloaded: its pages no longer name it. */
void mw_registry_remove(struct mw_registry *r, struct mw_module *m)
{
	struct mw_module_key key;
	struct mw_page none = {};
	__u64 a, lo = 0, hi = 0;
	__u32 i, slot;

	for (a = m->text_lo & ~((1ull << MW_PAGE_SHIFT) - 1); a < m->text_hi;
	     a += 1ull << MW_PAGE_SHIFT) {
		slot = mw_page_slot(a);
		bpf_map_update_elem(r->pages_fd, &slot, &none, BPF_ANY);
	}
	m->loaded = false;
	mw_registry_key(m->name, &key);
	bpf_map_delete_elem(r->ids_fd, &key);
	for (i = 0; i < r->nr; i++) {
		if (!r->mods[i].loaded)
			continue;
		if (!hi || r->mods[i].text_lo < lo)
			lo = r->mods[i].text_lo;
		if (r->mods[i].text_hi > hi)
			hi = r->mods[i].text_hi;
	}
	/* Narrow the span only after the pages are gone. */
	*r->watch_hi = hi;
	*r->watch_lo = lo;
}

/* Names of the loaded modules; returns how many (or -errno), *names to free(). */
int mw_registry_loaded_names(char (**names)[64])
{
	struct proc_module *mods = NULL;
	int i, n;

	n = load_proc_modules(&mods);
	if (n < 0)
		return n;
	*names = calloc(n + 1, sizeof(**names));
	if (!*names) {
		free(mods);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		memcpy((*names)[i], mods[i].name, sizeof(mods[i].name));
	free(mods);
	return n;
}

bool mw_registry_loaded(const char *name)
{
	char (*names)[64] = NULL;
	int i, n = mw_registry_loaded_names(&names);
	bool found = false;

	for (i = 0; i < n && !found; i++)
		found = !strcmp(names[i], name);
	free(names);
	return found;
}

int mw_registry_add_loaded(struct mw_registry *r, const char *name)
{
	struct proc_module *mods = NULL;
	char want[64];
	int i, n, err = -ENOENT;

	mw_module_name(want, name, sizeof(want));
	n = load_proc_modules(&mods);
	if (n == -ENOENT) {
		mw_err("module %s is not loaded: this kernel has no loadable modules "
		       "(CONFIG_MODULES is off; see modwatch doctor)", name);
		return -ENOENT;
	}
	if (n < 0) {
		mw_err("cannot read /proc/modules: %s", strerror(-n));
		return n;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(mods[i].name, want)) {
			err = add_one(r, &mods[i], mods, n);
			break;
		}
	if (i == n)
		mw_err("module %s is not loaded, and is no module modules.dep knows: check the "
		       "name (modinfo %s), or pass --ko %s=PATH to wait for it", name, want, want);
	free(mods);
	return err;
}

int mw_registry_add_all(struct mw_registry *r)
{
	struct proc_module *mods = NULL;
	int i, n, err = 0;

	n = load_proc_modules(&mods);
	if (n == -ENOENT)
		return 0;	/* no loadable modules on this kernel: nothing to watch */
	if (n < 0)
		return n;
	/* One module that cannot be watched (said by add_one) leaves the others watched. */
	for (i = 0; i < n && err != -EPERM; i++)
		err = add_one(r, &mods[i], mods, n);
	free(mods);
	return err == -EPERM ? err : 0;
}
