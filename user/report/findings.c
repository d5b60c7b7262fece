// SPDX-License-Identifier: GPL-2.0
/*
 * Findings: the session's reports kept for the CI files written at its end
 * (--junit, --sarif). Each is resolved when it is reported, not at the end:
 * by then its module may be gone and kallsyms with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "heap.h"
#include "events.h"
#include "stacks.h"
#include "report/findings.h"
#include "probe/lock_maps.h"
#include "probe/module_registry.h"
#include "probe/stack_maps.h"
#include "report/printer.h"
#include "report/rules.h"
#include "symbols/ksym.h"
#include "symbols/srcline.h"
#include "report/kasan.h"
#include "report/print_json.h"
#include "report/print_text.h"

/* A report file holds this many; the others are counted (the summary says so). */
#define MW_MAX_FINDINGS 10000

/* @addr as a place: module, function + offset, and its source line if known. */
static void resolve_place(__u64 addr, struct mw_place *p, const char *what)
{
	struct mw_src_frame f[MW_SRC_FRAMES];
	struct mw_sym s;
	int nr;

	memset(p, 0, sizeof(*p));
	p->addr = addr;
	p->what = what;
	if (!addr || mw_ksym_resolve(addr, &s))
		return;
	snprintf(p->func, sizeof(p->func), "%s", s.name);
	snprintf(p->module, sizeof(p->module), "%s", s.module ? s.module : "");
	p->offset = s.offset;
	nr = mw_srcline(s.module, s.name, s.offset, f, MW_SRC_FRAMES);	/* NULL: --vmlinux's */
	if (nr > 0 && f[nr - 1].file) {
		p->file = strdup(f[nr - 1].file);
		p->line = f[nr - 1].line;
	}
}

/* The sites a report names besides its own: where the object came from and went. */
static int related(const struct mw_event *e, struct mw_place *r)
{
	const struct mw_rule *rule = mw_rule(e->hdr.kind);
	const struct mw_object *o = mw_rule_object(e);
	int n = 0;

	if (rule->first_site) {
		resolve_place(*(const __u64 *)((const char *)e + rule->first_site), &r[n++],
			      "the first fetch");
		return n;
	}
	if (!o)
		return 0;
	if (o->alloc_site)
		resolve_place(o->alloc_site, &r[n++], "allocated here");
	if (o->free_site)
		resolve_place(o->free_site, &r[n++], "freed here");
	return n;
}

/* A new finding, its message @text (the text printer's line, stamp and newline cut). */
static struct mw_finding *new_finding(struct mw_findings *fs, __u32 kind, const char *module,
				      char *text, size_t len)
{
	struct mw_finding *f, *grown;
	char *sp = strchr(text, ' ');

	if (fs->nr == MW_MAX_FINDINGS) {
		fs->dropped++;
		return NULL;
	}
	if (fs->nr == fs->cap) {
		fs->cap = fs->cap ? 2 * fs->cap : 64;
		grown = realloc(fs->items, fs->cap * sizeof(*grown));
		if (!grown)
			return NULL;
		fs->items = grown;
	}
	f = &fs->items[fs->nr++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	snprintf(f->module, sizeof(f->module), "%s", module);
	if (len && text[len - 1] == '\n')
		text[len - 1] = '\0';
	if (text[0] == '[' && sp)
		memmove(text, sp + 1, strlen(sp + 1) + 1);
	f->message = text;
	return f;
}

/* Kernel stack @ref of the call at @site, as a trace of @f. */
static void add_trace(struct mw_finding *f, __u32 ref, __u64 site, const char *what)
{
	__u64 ips[MW_STACK_DEPTH_MAX];
	struct mw_trace *t;
	int i, n;

	if (f->nr_traces == MW_FINDING_TRACES)
		return;
	n = mw_stack_read(ref, site, ips, MW_STACK_DEPTH_MAX);
	if (n <= 0)
		return;
	t = &f->traces[f->nr_traces];
	t->frames = calloc(n, sizeof(*t->frames));
	if (!t->frames)
		return;
	for (i = 0; i < n; i++)
		resolve_place(ips[i], &t->frames[i], what);
	t->what = what;
	t->nr = n;
	f->nr_traces++;
}

/* The report's stack, and its object's allocation and free stacks. */
static void add_traces(struct mw_finding *f, const struct mw_event *e)
{
	const struct mw_object *o = mw_rule_object(e);

	add_trace(f, e->hdr.stack, e->hdr.site, "call trace");
	if (o) {
		add_trace(f, o->alloc_stack, o->alloc_site, "allocated by");
		add_trace(f, o->free_stack, o->free_site, "freed by");
	}
}

/* @e in KASAN's layout, without colour: what a CI job's reader knows how to read. */
static char *kasan_text(struct mw_registry *reg, const struct mw_event *e)
{
	char *json = NULL, *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&json, &len);

	if (!mem)
		return NULL;
	mw_print_json.violation(mem, reg, e);
	fclose(mem);
	mem = open_memstream(&text, &len);
	if (mem) {
		mw_kasan_line(mem, json, false);
		fclose(mem);
	}
	free(json);
	return text;
}

/* Keeps @e, with its report as the text printer words it, and in KASAN's layout. */
int mw_findings_add(struct mw_findings *fs, struct mw_registry *reg, const struct mw_event *e)
{
	struct mw_finding *f;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return -ENOMEM;
	mw_print_text.violation(mem, reg, e);
	fclose(mem);
	f = new_finding(fs, e->hdr.kind, mw_registry_name(reg, e->hdr.module_id), text, len);
	if (!f) {
		free(text);
		return -ENOSPC;
	}
	f->warning = e->hdr.flags & MW_EV_WARNING;
	f->detail = kasan_text(reg, e);
	resolve_place(e->hdr.site, &f->site, "here");
	f->nr_related = related(e, f->related);
	add_traces(f, e);
	return 0;
}

/*
 * Keeps a lock_order_inversion through three or more locks (the daemon
 * finds those from the edges): at the newest edge's second acquire, the
 * oldest edge's first acquire related.
 */
int mw_findings_add_cycle(struct mw_findings *fs, struct mw_registry *reg,
			  const struct mw_edge *e, const int *path, int len)
{
	const struct mw_edge *last = &e[path[len - 1]];
	struct mw_finding *f;
	char *text = NULL;
	size_t n = 0;
	FILE *mem = open_memstream(&text, &n);

	if (!mem)
		return -ENOMEM;
	mw_print_text.cycle(mem, reg, e, path, len);
	fclose(mem);
	f = new_finding(fs, MW_LOCK_ORDER_INVERSION, mw_registry_name(reg, last->module_id), text,
			n);
	if (!f) {
		free(text);
		return -ENOSPC;
	}
	resolve_place(last->site_b, &f->site, "here");
	resolve_place(e[path[0]].site_a, &f->related[0], "the cycle's first lock taken here");
	f->nr_related = 1;
	return 0;
}

static void free_trace(struct mw_trace *t)
{
	int i;

	for (i = 0; i < t->nr; i++)
		free(t->frames[i].file);
	free(t->frames);
}

void mw_findings_free(struct mw_findings *fs)
{
	size_t i;
	int j;

	for (i = 0; i < fs->nr; i++) {
		free(fs->items[i].message);
		free(fs->items[i].detail);
		free(fs->items[i].site.file);
		for (j = 0; j < fs->items[i].nr_related; j++)
			free(fs->items[i].related[j].file);
		for (j = 0; j < fs->items[i].nr_traces; j++)
			free_trace(&fs->items[i].traces[j]);
	}
	free(fs->items);
	memset(fs, 0, sizeof(*fs));
}

/* Closes a CI report file: 0, or -errno when any of it failed to be written. */
/* A CI report file, 0600 like the report stream (it names kernel addresses); NULL and errno. */
FILE *mw_ci_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	if (!f && fd >= 0) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return f;
}

int mw_ci_close(FILE *out)
{
	int err = ferror(out) ? -EIO : 0;

	if (fclose(out) && !err)
		err = -errno;
	return err;
}

/* "func+0x1e [mod]" of @p, or its address. */
void mw_place_format(const struct mw_place *p, char *buf, size_t len)
{
	if (!p->func[0])
		snprintf(buf, len, "0x%llx", (unsigned long long)p->addr);
	else if (p->module[0])
		snprintf(buf, len, "%s+0x%llx [%s]", p->func, (unsigned long long)p->offset,
			 p->module);
	else
		snprintf(buf, len, "%s+0x%llx", p->func, (unsigned long long)p->offset);
}
