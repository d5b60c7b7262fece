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
#include "lib/escape.h"
#include "lib/error.h"
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

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static __u64 num(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_string))
		return strtoull(json_object_get_string(v), NULL, 0);
	return (__u64)json_object_get_int64(v);
}

/* An address as the kernel prints it: hex without "0x". */
static const char *hex(json_object *o, const char *key)
{
	const char *s = str(o, key);

	/* modwatch report checks a saved line's addresses are hex (report/json_check.c). */
	return !s ? "?" : strncmp(s, "0x", 2) ? s : s + 2;
}

/*
 * The site's source frames: from the module's .ko when it is registered
 * (a live session, or modwatch report --ko), else as the JSON carries them.
 */
static int site_frames(json_object *site, struct mw_src_frame *f, int max)
{
	json_object *src = get(site, "source");
	const char *mod = str(site, "module"), *func = str(site, "function");
	int i, n = mw_srcline(mod, func, num(site, "offset"), f, max);

	if (n > 0 || !src || !json_object_is_type(src, json_type_array))
		return n > 0 ? n : 0;
	n = json_object_array_length(src);
	for (i = 0; i < n && i < max; i++) {
		json_object *x = json_object_array_get_idx(src, i);

		f[i].func = str(x, "function");
		f[i].file = str(x, "file");
		f[i].line = num(x, "line");
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

/* One frame per inlined call, then the site itself, with its line. */
static void print_frames(FILE *out, json_object *site)
{
	const char *mod = str(site, "module"), *func = str(site, "function");
	struct mw_src_frame f[MW_SRC_FRAMES];
	int i, n = site_frames(site, f, MW_SRC_FRAMES);

	char file[MW_ESC_LEN];

	for (i = 0; i + 1 < n; i++)
		fprintf(out, " %s %s:%d [inline]\n", mw_esc(f[i].func ?: "?"),
			shown(file, mod, f[i].file), f[i].line);
	if (!func)
		fprintf(out, " 0x%s", hex(site, "addr"));
	else
		fprintf(out, " %s+0x%llx", mw_esc(func), num(site, "offset"));
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
	json_object *stack = key ? get(holder, key) : NULL;
	int i, n = stack && json_object_is_type(stack, json_type_array) ?
			   (int)json_object_array_length(stack) : 0;

	if (!n) {
		print_frames(out, site);
		return;
	}
	for (i = 0; i < n; i++)
		print_frames(out, json_object_array_get_idx(stack, i));
}

/* "func+0x1e [mod]" for the header. */
static void print_site_name(FILE *out, json_object *site)
{
	const char *func = str(site, "function"), *mod = str(site, "module");

	if (func)
		fprintf(out, "%s+0x%llx", mw_esc(func), num(site, "offset"));
	else
		fprintf(out, "0x%s", hex(site, "addr"));
	if (mod)
		fprintf(out, " [%s]", mw_esc(mod));
}

/* The access line: what the module did to which address, by which task. */
static void print_access(FILE *out, json_object *v, __u32 kind, __u64 *addr)
{
	json_object *acc = get(v, "access"), *copy = get(v, "copy"), *obj = get(v, "object");
	const char *type = str(acc, "type");
	const char *comm = mw_esc(str(v, "comm") ?: "?");
	enum mw_kasan_access how = mw_rule(kind)->access;
	__u64 tid = num(v, "tid");
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
		*addr = num(at, "addr");
		fprintf(out, "%s of size %llu at addr %s by task %s/%llu\n", write ? "Write" : "Read",
			num(at, "len"), hex(at, "addr"), comm, tid);
	} else if (how == MW_KASAN_FREE || how == MW_KASAN_FREE_PTR) {
		const char *key = how == MW_KASAN_FREE ? "addr" : "ptr";

		at = how == MW_KASAN_FREE ? obj : v;
		*addr = num(at, key);
		fprintf(out, "Free of addr %s by task %s/%llu\n", hex(at, key), comm, tid);
	} else {
		fprintf(out, "%s\nTask: %s/%llu\n", mw_kind_desc(kind), comm, tid);
	}
	if (get(v, "uninit_len"))
		fprintf(out, "Bytes %llu-%llu of %llu are uninitialized "
			"(%llu unwritten since the allocation)\n", num(v, "uninit_first"),
			num(v, "uninit_end") ? num(v, "uninit_end") - 1 : 0, num(copy, "len"),
			num(v, "uninit_len"));
}

/* KASAN's closing paragraph: the object and the cache the address is in. */
static void print_object(FILE *out, json_object *obj, __u64 addr)
{
	__u64 start = num(obj, "addr"), size = num(obj, "size");
	const char *cache = str(obj, "cache_name");

	fprintf(out, "\nThe buggy address belongs to the object at %s\n", hex(obj, "addr"));
	/* A kmalloc object's cache is not named: its size class alone would be a guess. */
	if (cache)
		fprintf(out, " which belongs to the cache %s of size %llu\n", mw_esc(cache),
			num(obj, "alloc_size"));
	else
		fprintf(out, " which belongs to a kmalloc cache (%llu bytes allocated)\n",
			num(obj, "alloc_size"));
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
	fprintf(out, "\n%s: %s (%s) at %s\n", what, mw_esc(str(lock, "name") ?: "?"),
		mw_esc(str(lock, "type") ?: "?"), hex(lock, "addr"));
}

/* "Allocated by task N:" and "Freed by task N:" with their sites. */
static void print_history(FILE *out, json_object *v)
{
	json_object *alloc = get(v, "alloc"), *freed = get(v, "free");
	size_t i;

	if (alloc) {
		fprintf(out, "\nAllocated by task %llu:\n", num(alloc, "tid"));
		print_trace(out, alloc, "stack", get(alloc, "site"));
	}
	if (freed) {
		fprintf(out, "\nFreed by task %llu:\n", num(freed, "tid"));
		print_trace(out, freed, "stack", get(freed, "site"));
	}
	for (i = 0; i < sizeof(site_blocks) / sizeof(site_blocks[0]); i++) {
		json_object *site = get(v, site_blocks[i].key);

		if (!site || !json_object_is_type(site, json_type_object))
			continue;
		fprintf(out, "%s%s\n", site_blocks[i].heading[0] == ' ' ? "" : "\n",
			site_blocks[i].heading);
		print_trace(out, v, site_blocks[i].stack, site);
	}
}

/* One report, from its JSON object; @color: ANSI bold red headline (a terminal). */
static void mw_kasan_render(FILE *out, json_object *v, bool color)
{
	const char *sev = str(v, "severity"), *kname = str(v, "kind");
	__u32 kind = kname ? mw_kind_by_name(kname) : MW_KIND_NONE;
	bool incomplete = json_object_get_boolean(get(v, "incomplete"));
	const struct mw_rule *rule = mw_rule(kind);
	bool warning = (sev && !strcmp(sev, "warning")) || rule->kernel_warning;
	json_object *obj = get(v, "object");
	__u64 addr = 0;

	if (kind == MW_KIND_NONE)
		return;
	fprintf(out, "%s\n%s%s: modwatch: %s%s in ", RULE, color ? "\033[1;31m" : "",
		warning ? "WARNING" : "BUG", incomplete ? "possible " : "",
		rule->title ? rule->title : rule->kasan);
	print_site_name(out, get(v, "site"));
	fprintf(out, "%s\n", color ? "\033[0m" : "");
	print_access(out, v, kind, &addr);
	if (incomplete)
		fputs("The kernel skipped some of modwatch's hook runs before this report: its "
		      "evidence may be incomplete.\n", out);
	fprintf(out, "\nCall trace:\n");
	print_trace(out, v, "stack", get(v, "site"));
	print_history(out, v);
	print_lock(out, "The lock", get(v, "lock"));
	print_lock(out, "The lock held", get(v, "held"));
	print_lock(out, "The first lock", get(v, "a"));
	print_lock(out, "The second lock", get(v, "b"));
	if (obj)
		print_object(out, obj, addr ? addr : num(obj, "addr"));
	fprintf(out, "%s\n", RULE);
}

/* A JSON line as text: the KASAN layout for violations, nothing for the rest. */
int mw_kasan_line(FILE *out, const char *line, bool color)
{
	json_object *v = json_tokener_parse(line);
	const char *type;

	if (!v)
		return -EINVAL;
	type = str(v, "type");
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
	mw_kasan_line(out, buf, isatty(fileno(out)));
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

/*
 * modwatch report FILE: the violations of saved JSON lines in the KASAN
 * layout; lines of other types are skipped. Sites of a module whose .ko
 * was registered (--ko) get their lines from it, the others keep the ones
 * the JSON carries.
 */
int mw_cmd_report(const char *path)
{
	FILE *in = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char *line = NULL;
	size_t cap = 0, nr = 0;
	int err = 0;
	bool color;

	if (!in) {
		mw_err("cannot read %s: %s", path, strerror(errno));
		return MW_EXIT_FAILURE;
	}
	color = isatty(STDOUT_FILENO);
	while (getline(&line, &cap, in) > 0) {
		nr++;
		if (line[0] == '\n')
			continue;
		if (mw_kasan_line(stdout, line, color)) {
			mw_err("%s:%zu: not a JSON object (modwatch report reads what --json wrote)",
			       path, nr);
			err = -EINVAL;
			break;
		}
	}
	free(line);
	if (in != stdin)
		fclose(in);
	return err ? MW_EXIT_USAGE : MW_EXIT_OK;
}
