// SPDX-License-Identifier: GPL-2.0
/*
 * The heap rules' payloads, as text and as JSON: the object, the access or
 * free that broke the rule, and the object's history.
 */
#include <stdio.h>
#include "events.h"
#include "heap.h"
#include "report/json_parts.h"
#include "report/json_writer.h"
#include "report/payload_heap.h"
#include "report/text_parts.h"
#include "symbols/ksym.h"

static void text_double_free(FILE *out, const struct mw_event *e)
{
	const struct mw_object *o = &e->double_free.obj;
	char site[MW_SYM_LEN], alloc[MW_SYM_LEN], freed[MW_SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	mw_ksym_format(o->alloc_site, alloc, sizeof(alloc));
	mw_ksym_format(o->free_site, freed, sizeof(freed));
	fprintf(out, " object 0x%llx (%llu bytes, %llu allocated) freed again at %s;"
		" allocated at %s by tid %u; first freed at %s by tid %u",
		(unsigned long long)o->addr, (unsigned long long)o->size,
		(unsigned long long)o->alloc_size, site, alloc, o->alloc_tid, freed, o->free_tid);
	text_reused(out, &e->double_free.reused);
}

/* What ran past the object: a user copy, or one of the module's own loads or stores (--deep). */
static const char *overflow_what(const struct mw_heap_overflow *p)
{
	if (p->access == MW_ACCESS_LOAD)
		return "load";
	return p->access == MW_ACCESS_STORE ? "store" : "copy";
}

static void text_heap_overflow(FILE *out, const struct mw_event *e)
{
	const struct mw_heap_overflow *p = &e->heap_overflow;
	char site[MW_SYM_LEN], alloc[MW_SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	mw_ksym_format(p->obj.alloc_site, alloc, sizeof(alloc));
	fprintf(out, " %s of %llu bytes at 0x%llx (offset %llu) at %s runs %llu bytes past "
		"the %llu-byte object 0x%llx allocated at %s", overflow_what(p),
		(unsigned long long)p->copy_len, (unsigned long long)p->copy_addr,
		(unsigned long long)(p->copy_addr - p->obj.addr), site,
		(unsigned long long)(p->copy_addr + p->copy_len - p->obj.addr - p->obj.size),
		(unsigned long long)p->obj.size, (unsigned long long)p->obj.addr, alloc);
}

static const char *const text_access_names[] = {
	[MW_ACCESS_COPY_FROM_USER] = "copy_from_user into",
	[MW_ACCESS_COPY_TO_USER] = "copy_to_user from",
	[MW_ACCESS_LOCK] = "lock in",
	[MW_ACCESS_UNLOCK] = "unlock in",
	[MW_ACCESS_LOAD] = "load from",
	[MW_ACCESS_STORE] = "store to",
};

static void text_uaf(FILE *out, const struct mw_event *e)
{
	const struct mw_use_after_free *p = &e->use_after_free;
	char site[MW_SYM_LEN], freed[MW_SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	mw_ksym_format(p->obj.free_site, freed, sizeof(freed));
	fprintf(out, " %s freed object at offset %llu (%llu bytes) at %s; object ",
		p->access < MW_ACCESS_NR && text_access_names[p->access] ?
			text_access_names[p->access] : "access to",
		(unsigned long long)(p->access_addr - p->obj.addr),
		(unsigned long long)p->access_len, site);
	text_object(out, &p->obj);
	fprintf(out, ", freed at %s by tid %u", freed, p->obj.free_tid);
	if (p->in_flight)
		fputs(" while the copy was in flight (live at its call)", out);
	text_reused(out, &p->reused);
}

static void text_invalid_free(FILE *out, const struct mw_event *e)
{
	const struct mw_invalid_free *p = &e->invalid_free;
	char site[MW_SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	fprintf(out, " free of 0x%llx at %s, %llu bytes into live object ",
		(unsigned long long)p->ptr, site, (unsigned long long)(p->ptr - p->obj.addr));
	text_object(out, &p->obj);
}

static void text_leak(FILE *out, const struct mw_event *e)
{
	const struct mw_leak_on_unload *p = &e->leak_on_unload;
	char site[MW_SYM_LEN];

	mw_ksym_format(p->alloc_site, site, sizeof(site));
	fprintf(out, " unloaded with %llu object%s (%llu bytes) allocated at %s never freed",
		(unsigned long long)p->count, p->count == 1 ? "" : "s",
		(unsigned long long)p->bytes, site);
}

static void text_uninit(FILE *out, const struct mw_event *e)
{
	const struct mw_uninit_leak *p = &e->uninit_leak;
	char site[MW_SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	fprintf(out, " copy_to_user at %s of %llu bytes, %llu of them never written since "
		"allocation (object offsets %llu to %llu), from object ", site,
		(unsigned long long)p->copy_len, (unsigned long long)p->uninit_len,
		(unsigned long long)p->first_off, (unsigned long long)p->end_off);
	text_object(out, &p->obj);
}

static void json_double_free(struct jw *out, const struct mw_event *e)
{
	jw_putc(',', out);
	json_object(out, &e->double_free.obj);
	json_reused(out, &e->double_free.reused);
}

static void json_heap_overflow(struct jw *out, const struct mw_event *e)
{
	const struct mw_heap_overflow *p = &e->heap_overflow;

	jw_putc(',', out);
	json_object(out, &p->obj);
	/* A load or store is an "access", as use_after_free's; a user copy stays a "copy". */
	if (p->access == MW_ACCESS_LOAD || p->access == MW_ACCESS_STORE)
		jw_printf(out, ",\"access\":{\"type\":\"%s\",", overflow_what(p));
	else
		jw_puts(",\"copy\":{", out);
	json_addr(out, "addr", p->copy_addr);
	jw_printf(out, ",\"len\":%llu,\"offset\":%llu}", (unsigned long long)p->copy_len,
		(unsigned long long)(p->copy_addr - p->obj.addr));
}

static const char *const json_access_names[] = {
	[MW_ACCESS_COPY_FROM_USER] = "copy_from_user",
	[MW_ACCESS_COPY_TO_USER] = "copy_to_user",
	[MW_ACCESS_LOCK] = "lock",
	[MW_ACCESS_UNLOCK] = "unlock",
	[MW_ACCESS_LOAD] = "load",
	[MW_ACCESS_STORE] = "store",
};

static void json_uaf(struct jw *out, const struct mw_event *e)
{
	const struct mw_use_after_free *p = &e->use_after_free;

	jw_putc(',', out);
	json_object(out, &p->obj);
	jw_printf(out, ",\"access\":{\"type\":\"%s\",",
		p->access < MW_ACCESS_NR && json_access_names[p->access] ?
			json_access_names[p->access] : "unknown");
	json_addr(out, "addr", p->access_addr);
	jw_printf(out, ",\"len\":%llu,\"offset\":%llu,\"in_flight\":%s}",
		(unsigned long long)p->access_len,
		(unsigned long long)(p->access_addr - p->obj.addr),
		p->in_flight ? "true" : "false");
	json_reused(out, &p->reused);
}

static void json_invalid_free(struct jw *out, const struct mw_event *e)
{
	const struct mw_invalid_free *p = &e->invalid_free;

	jw_putc(',', out);
	json_object(out, &p->obj);
	jw_putc(',', out);
	json_addr(out, "ptr", p->ptr);
	jw_printf(out, ",\"offset\":%llu", (unsigned long long)(p->ptr - p->obj.addr));
}

static void json_leak(struct jw *out, const struct mw_event *e)
{
	const struct mw_leak_on_unload *p = &e->leak_on_unload;

	jw_putc(',', out);
	json_site(out, "alloc_site", p->alloc_site);
	jw_printf(out, ",\"count\":%llu,\"bytes\":%llu", (unsigned long long)p->count,
		(unsigned long long)p->bytes);
}

static void json_uninit(struct jw *out, const struct mw_event *e)
{
	const struct mw_uninit_leak *p = &e->uninit_leak;

	jw_putc(',', out);
	json_object(out, &p->obj);
	jw_puts(",\"copy\":{", out);
	json_addr(out, "addr", p->copy_addr);
	jw_printf(out, ",\"len\":%llu,\"offset\":%llu},\"uninit_len\":%llu,"
		"\"uninit_first\":%llu,\"uninit_end\":%llu",
		(unsigned long long)p->copy_len, (unsigned long long)(p->copy_addr - p->obj.addr),
		(unsigned long long)p->uninit_len, (unsigned long long)p->first_off,
		(unsigned long long)p->end_off);
}

const struct mw_payload mw_payload_double_free = {
	.text = text_double_free,
	.json = json_double_free,
};

const struct mw_payload mw_payload_heap_overflow = {
	.text = text_heap_overflow,
	.json = json_heap_overflow,
};

const struct mw_payload mw_payload_use_after_free = {
	.text = text_uaf,
	.json = json_uaf,
};

const struct mw_payload mw_payload_invalid_free = {
	.text = text_invalid_free,
	.json = json_invalid_free,
};

const struct mw_payload mw_payload_leak_on_unload = {
	.text = text_leak,
	.json = json_leak,
};

const struct mw_payload mw_payload_uninit_leak = {
	.text = text_uninit,
	.json = json_uninit,
};
