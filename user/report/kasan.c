// SPDX-License-Identifier: GPL-2.0
/*
 * Reports in the layout kernel developers read every day: KASAN's for the
 * heap kinds (header, the access, the call, "Allocated by task", "Freed by
 * task", the object and its cache), lockdep's and might_sleep()'s words for
 * the lock kinds. Rendered from a report's JSON object, so the same code
 * serves a live session (--format kasan, the default on a terminal) and
 * `modwatch report`, which renders saved JSON lines on another machine.
 *
 * Each code site is printed as decode_stacktrace.sh prints a frame: the
 * inlined calls first ("kmalloc include/linux/slab.h:568 [inline]"), then
 * "func+0x1e [mod] file:line".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <stdio.h>
#include "events.h"
#include "modwatch.h"
#include "lib/color.h"
#include "lib/escape.h"
#include "lib/error.h"
#include "report/json_read.h"
#include "report/kasan.h"
#include "report/printer.h"
#include "report/rules.h"
#include "symbols/srcline.h"
#include "report/print_json.h"
#include "report/print_text.h"

#define RULE "=================================================================="

/*
 * The other sites a report may name, with the heading KASAN or lockdep
 * would give them, and the key of their kernel stack, if they have one.
 */
static const struct {
	const char *key;
	const char *stack;
	const char *heading;
} site_blocks[] = {
	{ "first_site", "first_stack", "The first access, at:" },
	{ "owner_site", "owner_stack", "The owner took it at:" },
	{ "acquire_site", "acquire_stack", "Acquired at:" },
	{ "callee", NULL, "The call that may sleep:" },
	{ "ab_site_a", "ab_stack_a", "Existing dependency chain: the first lock taken at:" },
	{ "ab_site_b", "ab_stack_b", " then the second at:" },
	{ "ba_site_b", "ba_stack_b", "And in the other order: the second lock taken at:" },
	{ "ba_site_a", NULL, " then the first at:" },	/* its stack is the call trace */
	{ "alloc_site", NULL, "Allocated at:" },
};

/* An address as the kernel prints it: hex without "0x". */
static const char *hex(json_object *o, const char *key)
{
	const char *s = mw_jstr(o, key);

	/* modwatch report checks a saved line's addresses are hex (report/json_check.c). */
	return !s ? "?" : strncmp(s, "0x", 2) ? s : s + 2;
}

/*
 * The site's source frames: from the module's .ko when it is registered
 * (a live session, or modwatch report --ko), else as the JSON carries them.
 */
int mw_json_site_frames(json_object *site, struct mw_src_frame *f, int max)
{
	json_object *src = mw_jget(site, "source");
	const char *mod = mw_jstr(site, "module"), *func = mw_jstr(site, "function");
	int i, n = mw_srcline(mod, func, mw_jnum(site, "offset"), f, max);

	if (n > 0 || !src || !json_object_is_type(src, json_type_array))
		return n > 0 ? n : 0;
	n = json_object_array_length(src);
	for (i = 0; i < n && i < max; i++) {
		json_object *x = json_object_array_get_idx(src, i);

		f[i].func = mw_jstr(x, "function");
		f[i].file = mw_jstr(x, "file");
		f[i].line = mw_jnum(x, "line");
	}
	return i;
}

/* A frame's file, escaped: @buf of MW_ESC_LEN bytes. */
static const char *shown(char *buf, const char *module, const char *file)
{
	if (!file)
		return "?";
	return mw_escape(buf, MW_ESC_LEN, module ? mw_srcline_display(module, file) : file,
			 SIZE_MAX);
}

/* "func+0x1c/0x40" as the kernel prints a code address (no size: unknown), or the address. */
static void print_func(FILE *out, json_object *site)
{
	const char *func = mw_jstr(site, "function");

	if (!func) {
		fprintf(out, "0x%s", hex(site, "addr"));
		return;
	}
	fprintf(out, "%s+0x%llx", mw_esc(func), mw_jnum(site, "offset"));
	if (mw_jnum(site, "size"))
		fprintf(out, "/0x%llx", mw_jnum(site, "size"));
}

/* One frame per inlined call, then the site itself, with its line. */
static void print_frames(FILE *out, json_object *site)
{
	const char *mod = mw_jstr(site, "module");
	struct mw_src_frame f[MW_SRC_FRAMES];
	int i, n = mw_json_site_frames(site, f, MW_SRC_FRAMES);
	char file[MW_ESC_LEN];

	for (i = 0; i + 1 < n; i++)
		fprintf(out, " %s %s:%d [inline]\n", mw_esc(f[i].func ?: "?"),
			shown(file, mod, f[i].file), f[i].line);
	fputc(' ', out);
	print_func(out, site);
	if (mod)
		fprintf(out, " [%s]", mw_esc(mod));
	if (n)
		fprintf(out, " %s:%d", shown(file, mod, f[n - 1].file), f[n - 1].line);
	fputc('\n', out);
}

/*
 * A trace: each frame of @holder's @key (the kernel stack modwatch kept,
 * from the module's call on), or, without one, the site alone.
 */
static void print_trace(FILE *out, json_object *holder, const char *key, json_object *site)
{
	json_object *stack = key ? mw_jget(holder, key) : NULL;
	int i, n = stack && json_object_is_type(stack, json_type_array) ?
			   (int)json_object_array_length(stack) : 0;

	if (!n) {
		print_frames(out, site);
		return;
	}
	for (i = 0; i < n; i++)
		print_frames(out, json_object_array_get_idx(stack, i));
}

/* "func+0x1e/0x40 [mod]" for the header. */
static void print_site_name(FILE *out, json_object *site)
{
	const char *mod = mw_jstr(site, "module");

	print_func(out, site);
	if (mod)
		fprintf(out, " [%s]", mw_esc(mod));
}

/*
 * " Read"/" Write" after the title of a plain load or store (--deep), as in
 * syzbot's KASAN titles ("slab-use-after-free Write in f+0x1c/0x40"); ""
 * for every other report, whose title says what the call did.
 */
static const char *headline_access(json_object *v)
{
	const char *type = mw_jstr(mw_jget(v, "access"), "type");

	if (!type)
		return "";
	return !strcmp(type, "load") ? " Read" : !strcmp(type, "store") ? " Write" : "";
}

/* The access line: what the module did to which address, by which task. */
static void print_access(FILE *out, json_object *v, __u32 kind, __u64 *addr)
{
	json_object *acc = mw_jget(v, "access"), *copy = mw_jget(v, "copy"), *obj = mw_jget(v, "object");
	const char *type = mw_jstr(acc, "type");
	const char *comm = mw_esc(mw_jstr(v, "comm") ?: "?");
	enum mw_kasan_access how = mw_rule(kind)->access;
	__u64 tid = mw_jnum(v, "tid");
	json_object *at = NULL;	/* the read or write: "access", or the copy's */
	bool write = false;

	if (how == MW_KASAN_MEMORY) {
		at = acc;
		write = !type || (strcmp(type, "copy_to_user") && strcmp(type, "load"));
	} else if (how == MW_KASAN_COPY_READ || how == MW_KASAN_COPY_WRITE) {
		at = copy ?: acc;	/* --deep's loads and stores past an object: "access" */
		write = how == MW_KASAN_COPY_WRITE;
	}
	if (at) {
		*addr = mw_jnum(at, "addr");
		fprintf(out, "%s of size %llu at addr %s by task %s/%llu\n", write ? "Write" : "Read",
			mw_jnum(at, "len"), hex(at, "addr"), comm, tid);
	} else if (how == MW_KASAN_FREE || how == MW_KASAN_FREE_PTR) {
		const char *key = how == MW_KASAN_FREE ? "addr" : "ptr";

		at = how == MW_KASAN_FREE ? obj : v;
		*addr = mw_jnum(at, key);
		fprintf(out, "Free of addr %s by task %s/%llu\n", hex(at, key), comm, tid);
	} else {
		fprintf(out, "%s\nTask: %s/%llu\n", mw_kind_desc(kind), comm, tid);
	}
	if (mw_jget(v, "uninit_len"))
		fprintf(out, "Bytes %llu-%llu of %llu are uninitialized "
			"(%llu unwritten since the allocation)\n", mw_jnum(v, "uninit_first"),
			mw_jnum(v, "uninit_end") ? mw_jnum(v, "uninit_end") - 1 : 0, mw_jnum(copy, "len"),
			mw_jnum(v, "uninit_len"));
}

/* KASAN's closing paragraph: the object and the cache the address is in. */
static void print_object(FILE *out, json_object *obj, __u64 addr)
{
	__u64 start = mw_jnum(obj, "addr"), size = mw_jnum(obj, "size");
	const char *cache = mw_jstr(obj, "cache_name");

	fprintf(out, "\nThe buggy address belongs to the object at %s\n", hex(obj, "addr"));
	/* A kmalloc object's cache is not named: its size class alone would be a guess. */
	if (cache)
		fprintf(out, " which belongs to the cache %s of size %llu\n", mw_esc(cache),
			mw_jnum(obj, "alloc_size"));
	else
		fprintf(out, " which belongs to a kmalloc cache (%llu bytes allocated)\n",
			mw_jnum(obj, "alloc_size"));
	if (addr >= start && addr < start + size)
		fprintf(out, "The buggy address is located %llu bytes inside of\n",
			addr - start);
	else if (addr >= start + size)
		fprintf(out, "The buggy address is located %llu bytes to the right of\n",
			addr - start - size);
	else
		fprintf(out, "The buggy address is located %llu bytes to the left of\n",
			start - addr);
	fprintf(out, " %llu-byte region [%llx, %llx)\n", size, start,
		start + size);
}

static void print_lock(FILE *out, const char *what, json_object *lock)
{
	if (!lock)
		return;
	fprintf(out, "\n%s: %s (%s) at %s\n", what, mw_esc(mw_jstr(lock, "name") ?: "?"),
		mw_esc(mw_jstr(lock, "type") ?: "?"), hex(lock, "addr"));
}

/* "Allocated by task N:" and "Freed by task N:" with their sites. */
static void print_history(FILE *out, json_object *v)
{
	json_object *alloc = mw_jget(v, "alloc"), *freed = mw_jget(v, "free");
	size_t i;

	if (alloc) {
		fprintf(out, "\nAllocated by task %llu:\n", mw_jnum(alloc, "tid"));
		print_trace(out, alloc, "stack", mw_jget(alloc, "site"));
	}
	if (freed) {
		fprintf(out, "\nFreed by task %llu:\n", mw_jnum(freed, "tid"));
		print_trace(out, freed, "stack", mw_jget(freed, "site"));
	}
	for (i = 0; i < sizeof(site_blocks) / sizeof(site_blocks[0]); i++) {
		json_object *site = mw_jget(v, site_blocks[i].key);

		if (!site || !json_object_is_type(site, json_type_object))
			continue;
		fprintf(out, "%s%s\n", site_blocks[i].heading[0] == ' ' ? "" : "\n",
			site_blocks[i].heading);
		print_trace(out, v, site_blocks[i].stack, site);
	}
}

/* One report, from its JSON object; @color: ANSI bold red headline (a terminal). */
void mw_kasan_render(FILE *out, json_object *v, bool color)
{
	const char *sev = mw_jstr(v, "severity"), *kname = mw_jstr(v, "kind");
	__u32 kind = kname ? mw_kind_by_name(kname) : MW_KIND_NONE;
	bool incomplete = json_object_get_boolean(mw_jget(v, "incomplete"));
	const struct mw_rule *rule = mw_rule(kind);
	bool warning = (sev && !strcmp(sev, "warning")) || rule->kernel_warning;
	json_object *obj = mw_jget(v, "object");
	__u64 addr = 0;

	if (kind == MW_KIND_NONE)
		return;
	fprintf(out, "%s\n%s%s: modwatch: %s%s%s in ", RULE, color ? "\033[1;31m" : "",
		warning ? "WARNING" : "BUG", incomplete ? "possible " : "",
		rule->title ? rule->title : rule->kasan, headline_access(v));
	print_site_name(out, mw_jget(v, "site"));
	fprintf(out, "%s\n", color ? "\033[0m" : "");
	print_access(out, v, kind, &addr);
	if (incomplete)
		fputs("The kernel skipped some of modwatch's hook runs before this report: its "
		      "evidence may be incomplete.\n", out);
	fprintf(out, "\nCall trace:\n");
	print_trace(out, v, "stack", mw_jget(v, "site"));
	print_history(out, v);
	print_lock(out, "The lock", mw_jget(v, "lock"));
	print_lock(out, "The lock held", mw_jget(v, "held"));
	print_lock(out, "The first lock", mw_jget(v, "a"));
	print_lock(out, "The second lock", mw_jget(v, "b"));
	if (obj)
		print_object(out, obj, addr ? addr : mw_jnum(obj, "addr"));
	fprintf(out, "%s\n", RULE);
}

/* A JSON line as text: the KASAN layout for violations, nothing for the rest. */
int mw_kasan_line(FILE *out, const char *line, bool color)
{
	json_object *v = json_tokener_parse(line);
	const char *type;

	if (!v)
		return -EINVAL;
	type = mw_jstr(v, "type");
	if (type && !strcmp(type, "violation"))
		mw_kasan_render(out, v, color);
	json_object_put(v);
	return 0;
}

/* A live session's report: the JSON printer's object, rendered. */
static void kasan_violation(FILE *out, struct mw_registry *reg, const struct mw_event *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	if (!mem)
		return;
	mw_print_json.violation(mem, reg, e);
	fclose(mem);
	mw_kasan_line(out, buf, mw_color_on(fileno(out)));
	free(buf);
}

/* --format kasan: the text printer, with each violation in the KASAN layout. */
const struct mw_printer *mw_kasan_printer(void)
{
	static struct mw_printer p;

	p = mw_print_text;
	p.violation = kasan_violation;
	return &p;
}
