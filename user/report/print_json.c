// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON-lines printer: one object per line, for fleets and CI. Every
 * line has "type": "start", "violation", "lost" or "summary". The schema is
 * documented in README.md; keep the two in step.
 */
#include <string.h>
#include <stdio.h>
#include "heap.h"
#include "races.h"
#include "events.h"
#include "stacks.h"
#include "stats.h"
#include "ko/ko.h"
#include "probe/heap_maps.h"
#include "probe/lock_maps.h"
#include "probe/progs.h"
#include "probe/module_registry.h"
#include "probe/stack_maps.h"
#include "probe/statics.h"
#include "report/json_writer.h"
#include "report/latency.h"
#include "report/printer.h"
#include "report/counters.h"
#include "report/rules.h"
#include "symbols/ksym.h"
#include "probe/bpf.h"
#include "report/suppress.h"
#include "symbols/srcline.h"
#include "ko/callees.h"

/*
 * "source":[{"function","file","line"}]: the site's line in the module's
 * DWARF (or the core kernel's, with --vmlinux) and the inlined calls
 * around it, innermost first (empty without DWARF).
 */
static void json_source(struct jw *out, const struct mw_sym *s)
{
	struct mw_src_frame f[MW_SRC_FRAMES];
	int i, nr = s && s->name ? mw_srcline(s->module, s->name, s->offset, f, MW_SRC_FRAMES) : 0;

	jw_puts(",\"source\":[", out);
	for (i = 0; i < nr; i++) {
		jw_puts(i ? ",{\"function\":" : "{\"function\":", out);
		json_str(out, f[i].func ? f[i].func : "?", 256);
		jw_puts(",\"file\":", out);
		json_str(out, f[i].file ? f[i].file : "?", 1024);
		json_key_u64(out, "line", f[i].line);
		jw_putc('}', out);
	}
	jw_putc(']', out);
}

/* {"addr":"0x..","module":"m"|null,"function":"f"|null,"offset":N,"source":[..]} */
/* ,"module":M,"@name_key":NAME,"offset":N of symbol @s (NULL: unknown). */
static void json_sym(struct jw *out, const struct mw_sym *s, const char *name_key)
{
	jw_puts(",\"module\":", out);
	if (s && s->module)
		json_str(out, s->module, 64);
	else
		jw_puts("null", out);
	jw_puts(",\"", out);
	jw_puts(name_key, out);
	jw_puts("\":", out);
	if (s)
		json_str(out, s->name, 256);
	else
		jw_puts("null", out);
	json_key_u64(out, "offset", s ? s->offset : 0);
}

static void json_code(struct jw *out, __u64 addr)
{
	struct mw_sym s;
	bool ok = addr && !mw_ksym_resolve(addr, &s);

	jw_putc('{', out);
	json_addr(out, "addr", addr);
	json_sym(out, ok ? &s : NULL, "function");
	json_source(out, ok ? &s : NULL);
	jw_putc('}', out);
}

static void json_site(struct jw *out, const char *key, __u64 addr)
{
	jw_putc('"', out);
	jw_puts(key, out);
	jw_puts("\":", out);
	json_code(out, addr);
}

/*
 * ,"@key":[frames]: kernel stack @ref of the call at @site (see
 * mw_stack_read()), innermost first, each frame as a site; nothing when
 * no stack was kept.
 */
static void json_stack(struct jw *out, const char *key, __u32 ref, __u64 site)
{
	__u64 ips[MW_STACK_DEPTH_MAX];
	int i, n = mw_stack_read(ref, site, ips, MW_STACK_DEPTH_MAX);

	if (n <= 0)
		return;
	jw_puts(",\"", out);
	jw_puts(key, out);
	jw_puts("\":[", out);
	for (i = 0; i < n; i++) {
		if (i)
			jw_putc(',', out);
		json_code(out, ips[i]);
	}
	jw_putc(']', out);
}

/* "unprobed":[{"function","offset","reason"[,"error"]}] */
static void json_unprobed(struct jw *out, const struct mw_module *m)
{
	const struct mw_unprobed *u;
	__u32 i;

	jw_puts(",\"unprobed\":[", out);
	for (i = 0; i < m->nr_unprobed; i++) {
		u = &m->unprobed[i];
		jw_printf(out, "%s{\"function\":", i ? "," : "");
		json_str(out, u->func, sizeof(u->func));
		jw_printf(out, ",\"offset\":%llu,\"reason\":\"%s\"", (unsigned long long)u->offset,
			mw_skip_name(u->skip));
		if (u->err) {
			jw_puts(",\"error\":", out);
			json_str(out, strerror(-u->err), 128);
		}
		jw_putc('}', out);
	}
	jw_putc(']', out);
}

/*
 * {"id","name","text_start","text_end","ko","sites","probes","probed_sites",
 *  "unprobed","no_return_probe","static_locks","blind"}
 */
static void json_module(struct jw *out, const struct mw_module *m)
{
	__u32 i;

	jw_printf(out, "{\"id\":%u,\"name\":", m->id);
	json_str(out, m->name, 64);
	jw_putc(',', out);
	json_addr(out, "text_start", m->text_lo);
	jw_putc(',', out);
	json_addr(out, "text_end", m->text_hi);
	jw_puts(",\"ko\":", out);
	if (m->ko[0])
		json_str(out, m->ko, sizeof(m->ko));
	else
		jw_puts("null", out);
	jw_printf(out, ",\"sites\":%u,\"probes\":%u,\"probed_sites\":%u", m->nr_sites,
		m->nr_probes, m->nr_slots - m->probed_entries);
	jw_printf(out, ",\"entries\":%u,\"probed_entries\":%u", m->nr_entries,
		m->probed_entries);
	json_unprobed(out, m);
	jw_printf(out, ",\"no_return_probe\":%u,\"static_locks\":%u,\"blind\":[", m->nr_noret,
		m->nr_static_locks);
	for (i = 0; i < m->nr_blind; i++) {
		jw_printf(out, "%s{\"function\":", i ? "," : "");
		json_str(out, m->blind[i].name, sizeof(m->blind[i].name));
		jw_printf(out, ",\"family\":\"%s\",\"calls\":%u}", m->blind[i].family,
			m->blind[i].calls);
	}
	jw_puts("]}", out);
}

static void json_module_event(FILE *f, const struct mw_module *m)
{
	struct jw *out = jw_begin(f);

	jw_printf(out, "{\"type\":\"module\",\"event\":\"%s\",\"module\":",
		m->loaded ? "load" : "unload");
	json_module(out, m);
	jw_puts("}\n", out);
	jw_end(out, true);
}

static void json_start(FILE *f, const struct mw_start *s)
{
	struct jw *out = jw_begin(f);
	__u64 total = 0;
	__u32 i;
	int m;

	jw_puts("{\"type\":\"start\",\"kernel\":", out);
	json_str(out, s->kernel, 64);
	jw_puts(",\"modules\":[", out);
	for (i = 0; i < s->reg->nr; i++) {
		jw_puts(i ? "," : "", out);
		json_module(out, &s->reg->mods[i]);
	}
	jw_puts("],\"maps\":[", out);
	for (m = 0; m < s->nr_maps; m++) {
		jw_printf(out, "%s{\"name\":", m ? "," : "");
		json_str(out, s->maps[m].name, 64);
		jw_printf(out, ",\"entries\":%u,\"bytes\":%llu}", s->maps[m].entries,
			(unsigned long long)s->maps[m].bytes);
		total += s->maps[m].bytes;
	}
	jw_printf(out, "],\"memory_bytes\":%llu}\n", (unsigned long long)total);
	jw_end(out, true);
}

/* An object and the history the heap tracker knows of it. */
/* ,"static":{"addr","module","symbol","offset"}: the module's .data or .bss object at @addr. */
static void json_static(struct jw *out, __u64 addr)
{
	struct mw_sym s;
	bool ok = !mw_ksym_resolve_data(addr, &s);

	jw_puts(",\"static\":{", out);
	json_addr(out, "addr", addr);
	json_sym(out, ok ? &s : NULL, "symbol");
	jw_putc('}', out);
}

static void json_object(struct jw *out, const struct mw_object *o)
{
	char name[MW_CACHE_NAME + 1];

	jw_puts("\"object\":{", out);
	json_addr(out, "addr", o->addr);
	json_key_u64(out, "size", o->size);
	json_key_u64(out, "alloc_size", o->alloc_size);
	jw_putc(',', out);
	json_addr(out, "cache", o->cache);
	jw_puts(",\"cache_name\":", out);
	if (!mw_heap_cache_name(o->cache, name, sizeof(name)))
		json_str(out, name, sizeof(name));
	else
		jw_puts("null", out);
	if (o->flags & MW_OBJ_STATIC) {
		/* the module's own .data or .bss: no allocation, a symbol */
		json_static(out, o->addr);
		jw_putc('}', out);
		return;
	}
	jw_puts("},\"alloc\":{", out);
	json_site(out, "site", o->alloc_site);
	json_key_u64(out, "tid", o->alloc_tid);
	json_key_u64(out, "time_ns", o->alloc_ns);
	json_stack(out, "stack", o->alloc_stack, o->alloc_site);
	jw_putc('}', out);
	if (!o->free_site)
		return;
	jw_puts(",\"free\":{", out);
	json_site(out, "site", o->free_site);
	json_key_u64(out, "tid", o->free_tid);
	json_key_u64(out, "time_ns", o->free_ns);
	json_stack(out, "stack", o->free_stack, o->free_site);
	jw_putc('}', out);
}

static void json_slice(struct jw *out, const struct mw_user_slice_overrun *p)
{
	jw_puts(p->dir == MW_TO_USER ? ",\"direction\":\"to_user\"" : ",\"direction\":\"from_user\"",
	      out);
	json_key_u64(out, "syscall", p->syscall_nr);
	jw_puts(",\"slice\":{", out);
	json_addr(out, "addr", p->slice_start);
	json_key_u64(out, "len", p->slice_len);
	jw_puts("},\"copy\":{", out);
	json_addr(out, "addr", p->copy_start);
	json_key_u64(out, "len", p->copy_len);
	jw_putc('}', out);
}

static void json_ioctl_size(struct jw *out, const struct mw_ioctl_size_mismatch *p)
{
	jw_printf(out, ",\"direction\":\"%s\",\"cmd\":\"0x%x\",\"ioc_size\":%llu,\"arg\":",
		p->dir == MW_TO_USER ? "to_user" : "from_user", p->cmd,
		(unsigned long long)p->slice_len);
	jw_puts("{", out);
	json_addr(out, "addr", p->slice_start);
	jw_puts("},\"copy\":{", out);
	json_addr(out, "addr", p->copy_start);
	jw_printf(out, ",\"len\":%llu}", (unsigned long long)p->copy_len);
}

static void json_double_fetch(struct jw *out, const struct mw_double_fetch *p)
{
	static const char *const changed[] = { "false", "true", "null" };

	jw_putc(',', out);
	json_site(out, "first_site", p->first_site);
	jw_printf(out, ",\"syscall\":%u,\"first_size\":%u,\"second_size\":%u,\"overlap\":{",
		p->syscall_nr, p->first_size, p->second_size);
	json_addr(out, "addr", p->user_addr);
	jw_printf(out, ",\"len\":%llu},\"changed\":%s", (unsigned long long)p->overlap_len,
		changed[p->changed < 3 ? p->changed : 2]);
}

static void json_heap_overflow(struct jw *out, const struct mw_heap_overflow *p)
{
	jw_putc(',', out);
	json_object(out, &p->obj);
	jw_puts(",\"copy\":{", out);
	json_addr(out, "addr", p->copy_addr);
	jw_printf(out, ",\"len\":%llu,\"offset\":%llu}", (unsigned long long)p->copy_len,
		(unsigned long long)(p->copy_addr - p->obj.addr));
}

static const char *const access_names[] = {
	[MW_ACCESS_COPY_FROM_USER] = "copy_from_user",
	[MW_ACCESS_COPY_TO_USER] = "copy_to_user",
	[MW_ACCESS_LOCK] = "lock",
	[MW_ACCESS_UNLOCK] = "unlock",
};

/* ,"reused_by":{"site":{...},"tid":N} when core code got the memory since; nothing else. */
static void json_reused(struct jw *out, const struct mw_reused_by *r)
{
	if (!r->site)
		return;
	jw_puts(",\"reused_by\":{", out);
	json_site(out, "site", r->site);
	jw_printf(out, ",\"tid\":%u}", r->tid);
}

static void json_uaf(struct jw *out, const struct mw_use_after_free *p)
{
	jw_putc(',', out);
	json_object(out, &p->obj);
	jw_printf(out, ",\"access\":{\"type\":\"%s\",",
		p->access <= MW_ACCESS_UNLOCK && access_names[p->access] ?
			access_names[p->access] : "unknown");
	json_addr(out, "addr", p->access_addr);
	jw_printf(out, ",\"len\":%llu,\"offset\":%llu,\"in_flight\":%s}",
		(unsigned long long)p->access_len,
		(unsigned long long)(p->access_addr - p->obj.addr),
		p->in_flight ? "true" : "false");
	json_reused(out, &p->reused);
}

/* "KEY":{"site":{...},"tid","pid","comm","type","addr","len","offset","locks":[...]} */
static void json_share_access(struct jw *out, const char *key, const struct mw_share_access *a,
			      __u64 obj)
{
	__u32 i;

	jw_printf(out, ",\"%s\":{", key);
	json_site(out, "site", a->site);
	jw_printf(out, ",\"tid\":%u,\"pid\":%u,\"comm\":", a->tid, a->pid);
	json_str(out, a->comm, sizeof(a->comm));
	jw_printf(out, ",\"type\":\"%s\",",
		  a->dir == MW_FROM_USER ? "copy_from_user" : "copy_to_user");
	json_addr(out, "addr", a->addr);
	jw_printf(out, ",\"len\":%llu,\"offset\":%llu,\"locks\":[",
		  (unsigned long long)a->len, (unsigned long long)(a->addr - obj));
	for (i = 0; i < a->nr_locks && i < MW_RACE_LOCKS; i++) {
		if (i)
			jw_putc(',', out);
		jw_printf(out, "\"0x%llx\"", (unsigned long long)a->locks[i]);
	}
	jw_printf(out, "],\"locks_held\":%u}", a->nr_locks);
}

static void json_shared(struct jw *out, const struct mw_event *e)
{
	const struct mw_shared_access *p = &e->shared_access;

	jw_putc(',', out);
	json_object(out, &p->obj);
	json_share_access(out, "access", &p->self, p->obj.addr);
	json_share_access(out, "other", &p->other, p->obj.addr);
	if (e->hdr.kind != MW_DATA_RACE)
		return;
	jw_puts(",\"overlap\":{", out);
	json_addr(out, "addr", p->overlap_addr);
	jw_printf(out, ",\"len\":%llu,\"offset\":%llu}", (unsigned long long)p->overlap_len,
		  (unsigned long long)(p->overlap_addr - p->obj.addr));
}

static void json_invalid_free(struct jw *out, const struct mw_invalid_free *p)
{
	jw_putc(',', out);
	json_object(out, &p->obj);
	jw_putc(',', out);
	json_addr(out, "ptr", p->ptr);
	jw_printf(out, ",\"offset\":%llu", (unsigned long long)(p->ptr - p->obj.addr));
}

static void json_leak(struct jw *out, const struct mw_leak_on_unload *p)
{
	jw_putc(',', out);
	json_site(out, "alloc_site", p->alloc_site);
	jw_printf(out, ",\"count\":%llu,\"bytes\":%llu", (unsigned long long)p->count,
		(unsigned long long)p->bytes);
}

static void json_uninit(struct jw *out, const struct mw_uninit_leak *p)
{
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

/* "KEY":{"addr","type","name"} */
static void json_lock(struct jw *out, const char *key, const struct mw_lock *l)
{
	char name[256];

	mw_lock_name(l->addr, name, sizeof(name));
	jw_printf(out, ",\"%s\":{", key);
	json_addr(out, "addr", l->addr);
	jw_printf(out, ",\"type\":\"%s\",\"name\":", mw_lock_type_name(l->type));
	json_str(out, name, sizeof(name));
	jw_putc('}', out);
}

/* An acquire: ,"@site_key":{site},"@stack_key":[frames] ("owner_site", "owner_stack"...) */
static void json_acquire(struct jw *out, const char *site_key, const char *stack_key, __u64 site,
			 __u32 stack)
{
	jw_putc(',', out);
	json_site(out, site_key, site);
	json_stack(out, stack_key, stack, site);
}

static void json_owner(struct jw *out, const char *site_key, const char *stack_key, __u64 site,
		       __u32 stack, __u32 tid)
{
	json_acquire(out, site_key, stack_key, site, stack);
	jw_printf(out, ",\"owner_tid\":%u", tid);
}

static void json_lock_event(struct jw *out, const struct mw_event *e)
{
	switch (e->hdr.kind) {
	case MW_UNLOCK_NOT_OWNER:
		json_lock(out, "lock", &e->unlock_not_owner.lock);
		json_owner(out, "owner_site", "owner_stack", e->unlock_not_owner.owner_site,
			   e->unlock_not_owner.owner_stack, e->unlock_not_owner.owner_tid);
		break;
	case MW_UNLOCK_NOT_HELD:
		json_lock(out, "lock", &e->unlock_not_held.lock);
		break;
	case MW_RECURSIVE_LOCK:
		json_lock(out, "lock", &e->recursive_lock.lock);
		json_acquire(out, "first_site", "first_stack", e->recursive_lock.first_site,
			     e->recursive_lock.first_stack);
		break;
	case MW_LOCK_HELD_ON_RETURN:
		json_lock(out, "lock", &e->lock_held_on_return.lock);
		jw_printf(out, ",\"syscall\":%u", e->lock_held_on_return.syscall_nr);
		break;
	case MW_SLEEP_IN_ATOMIC:
		json_lock(out, "held", &e->sleep_in_atomic.held);
		json_acquire(out, "acquire_site", "acquire_stack", e->sleep_in_atomic.acquire_site,
			     e->sleep_in_atomic.acquire_stack);
		jw_putc(',', out);
		json_site(out, "callee", e->sleep_in_atomic.callee);
		jw_printf(out, ",\"gfp_flags\":%u", e->sleep_in_atomic.gfp_flags);
		break;
	case MW_LOCK_ORDER_INVERSION:
		json_lock(out, "a", &e->lock_order_inversion.a);
		json_lock(out, "b", &e->lock_order_inversion.b);
		/* ba_site_a is the report's site: its stack is the report's. */
		json_acquire(out, "ab_site_a", "ab_stack_a", e->lock_order_inversion.ab_site_a,
			     e->lock_order_inversion.ab_stack_a);
		json_acquire(out, "ab_site_b", "ab_stack_b", e->lock_order_inversion.ab_site_b,
			     e->lock_order_inversion.ab_stack_b);
		json_acquire(out, "ba_site_b", "ba_stack_b", e->lock_order_inversion.ba_site_b,
			     e->lock_order_inversion.ba_stack_b);
		jw_putc(',', out);
		json_site(out, "ba_site_a", e->lock_order_inversion.ba_site_a);
		break;
	case MW_HELD_LOCK_FREED:
		jw_putc(',', out);
		json_object(out, &e->held_lock_freed.obj);
		json_lock(out, "lock", &e->held_lock_freed.lock);
		json_owner(out, "acquire_site", "acquire_stack", e->held_lock_freed.acquire_site,
			   e->held_lock_freed.acquire_stack, e->held_lock_freed.owner_tid);
		break;
	case MW_LOCK_HELD_ON_UNLOAD:
		json_lock(out, "lock", &e->lock_held_on_unload.lock);
		json_owner(out, "acquire_site", "acquire_stack", e->lock_held_on_unload.acquire_site, 0,
			   e->lock_held_on_unload.owner_tid);
		break;
	}
}

static void json_violation(FILE *f, struct mw_registry *reg, const struct mw_event *e)
{
	struct jw *out = jw_begin(f);

	jw_puts("{\"type\":\"violation\",\"kind\":", out);
	json_str(out, mw_kind_name(e->hdr.kind), 32);
	jw_puts(e->hdr.flags & MW_EV_WARNING ? ",\"severity\":\"warning\",\"module\":" :
					     ",\"severity\":\"violation\",\"module\":", out);
	json_str(out, mw_registry_name(reg, e->hdr.module_id), 64);
	json_key_u64(out, "time_ns", e->hdr.ts_ns);
	json_key_u64(out, "pid", e->hdr.pid);
	json_key_u64(out, "tid", e->hdr.tid);
	json_key_u64(out, "cpu", e->hdr.cpu);
	jw_puts(",\"comm\":", out);
	json_str(out, e->hdr.comm, MW_COMM_LEN);
	jw_puts(e->hdr.flags & MW_EV_INCOMPLETE ? ",\"incomplete\":true," : ",\"incomplete\":false,",
	      out);
	json_site(out, "site", e->hdr.site);
	json_stack(out, "stack", e->hdr.stack, e->hdr.site);
	switch (e->hdr.kind) {
	case MW_DOUBLE_FREE:
		jw_putc(',', out);
		json_object(out, &e->double_free.obj);
		json_reused(out, &e->double_free.reused);
		break;
	case MW_USER_SLICE_OVERRUN:
		json_slice(out, &e->user_slice_overrun);
		break;
	case MW_IOCTL_SIZE_MISMATCH:
		json_ioctl_size(out, &e->ioctl_size_mismatch);
		break;
	case MW_DOUBLE_FETCH:
		json_double_fetch(out, &e->double_fetch);
		break;
	case MW_HEAP_OVERFLOW_WRITE:
	case MW_HEAP_OVERFLOW_READ:
		json_heap_overflow(out, &e->heap_overflow);
		break;
	case MW_USE_AFTER_FREE:
		json_uaf(out, &e->use_after_free);
		break;
	case MW_INVALID_FREE:
		json_invalid_free(out, &e->invalid_free);
		break;
	case MW_LEAK_ON_UNLOAD:
		json_leak(out, &e->leak_on_unload);
		break;
	case MW_UNINIT_LEAK:
		json_uninit(out, &e->uninit_leak);
		break;
	case MW_UNLOCK_NOT_OWNER ... MW_LOCK_HELD_ON_UNLOAD:
		json_lock_event(out, e);
		break;
	case MW_DATA_RACE:
	case MW_UNPROTECTED_SHARED_ACCESS:
		json_shared(out, e);
		break;
	default:
		break;
	}
	jw_puts("}\n", out);
	jw_end(out, false);	/* no flush: the session flushes once per ring buffer batch */
}

static void json_lost(FILE *f, __u64 new_lost, __u64 total_lost)
{
	struct jw *out = jw_begin(f);

	jw_printf(out, "{\"type\":\"lost\",\"new\":%llu,\"total\":%llu}\n",
		(unsigned long long)new_lost, (unsigned long long)total_lost);
	jw_end(out, true);
}

static void json_counts(struct jw *out, const __u64 *counts)
{
	bool first = true;
	__u32 k;

	jw_putc('{', out);
	for (k = 1; k < MW_KIND_NR; k++) {
		if (!counts[k])
			continue;
		jw_printf(out, "%s\"%s\":%llu", first ? "" : ",", mw_kind_name(k),
			(unsigned long long)counts[k]);
		first = false;
	}
	jw_putc('}', out);
}

static void json_groups(struct jw *out, struct mw_registry *reg, const struct mw_alloc_group *g,
			size_t n)
{
	size_t i;

	jw_putc('[', out);
	for (i = 0; i < n; i++) {
		jw_printf(out, "%s{\"module\":", i ? "," : "");
		json_str(out, mw_registry_name(reg, g[i].module_id), 64);
		jw_putc(',', out);
		json_site(out, "site", g[i].site);
		jw_printf(out, ",\"count\":%llu,\"bytes\":%llu}", (unsigned long long)g[i].count,
			(unsigned long long)g[i].bytes);
	}
	jw_putc(']', out);
}

static void json_cycle(FILE *f, struct mw_registry *reg, const struct mw_edge *e,
		       const int *path, int len)
{
	struct jw *out = jw_begin(f);
	const struct mw_lock none = {};
	struct mw_lock l = none;
	int i;

	jw_puts("{\"type\":\"violation\",\"kind\":\"lock_order_inversion\",\"module\":", out);
	json_str(out, mw_registry_name(reg, e[path[len - 1]].module_id), 64);
	/* The acquire that closed the cycle. */
	jw_putc(',', out);
	json_site(out, "site", e[path[len - 1]].site_b);
	jw_puts(",\"cycle\":[", out);
	for (i = 0; i < len; i++) {
		const struct mw_edge *x = &e[path[i]];

		jw_puts(i ? ",{" : "{", out);
		json_site(out, "site_a", x->site_a);
		json_acquire(out, "site_b", "stack_b", x->site_b, x->stack_b);
		json_stack(out, "stack_a", x->stack_a, x->site_a);
		l.addr = x->a;
		json_lock(out, "a", &l);	/* json_lock starts with its comma */
		l.addr = x->b;
		json_lock(out, "b", &l);
		jw_putc('}', out);
	}
	jw_puts("]}\n", out);
	jw_end(out, true);
}

/* {"type":"repeat","kind","module","site","key","new","count"} */
static void json_repeat(FILE *f, struct mw_registry *reg, const struct mw_dedup_key *k,
			__u64 more, __u64 total)
{
	struct jw *out = jw_begin(f);

	jw_puts("{\"type\":\"repeat\",\"kind\":", out);
	json_str(out, mw_kind_name(k->kind), 32);
	jw_puts(",\"module\":", out);
	json_str(out, mw_registry_name(reg, k->module_id), 64);
	jw_putc(',', out);
	json_site(out, "site", k->site);
	jw_putc(',', out);
	json_addr(out, "key", k->key);
	jw_printf(out, ",\"new\":%llu,\"count\":%llu}\n", (unsigned long long)more,
		(unsigned long long)total);
	jw_end(out, true);
}

static void json_live(FILE *f, struct mw_registry *reg, const struct mw_alloc_group *g,
		      size_t n)
{
	struct jw *out = jw_begin(f);

	jw_puts("{\"type\":\"live\",\"objects\":", out);
	json_groups(out, reg, g, n);
	jw_puts("}\n", out);
	jw_end(out, true);
}

/* How late reports were written; for modwatch storm, how many per second. */
static void json_report_path(struct jw *out, const struct mw_summary *s)
{
	const struct mw_latency *l = s->latency;

	if (l)
		jw_printf(out, ",\"report_latency_ns\":{\"reports\":%llu,\"p50\":%llu,\"p99\":%llu,"
			"\"max\":%llu}", (unsigned long long)l->n,
			(unsigned long long)mw_latency_quantile(l, 0.50),
			(unsigned long long)mw_latency_quantile(l, 0.99), (unsigned long long)l->max);
	if (s->storm_ns)
		jw_printf(out, ",\"storm\":{\"reports\":%llu,\"rate\":%llu,\"ns\":%llu,"
			"\"per_second\":%.0f}", (unsigned long long)s->storm,
			(unsigned long long)s->storm_rate, (unsigned long long)s->storm_ns,
			s->storm * 1e9 / s->storm_ns);
}

/* The programs this kernel refused and the rules they turned off: always there, maybe empty. */
static void json_refusals(struct jw *out, const struct mw_load *l)
{
	__u32 off = l ? mw_load_rules_off(l) : 0;
	char rules[640];
	int i, n = 0;

	jw_puts(",\"refused\":[", out);
	for (i = 0; l && i < l->n; i++)
		if (l->v[i].err)
			jw_printf(out, "%s{\"program\":\"%s\",\"errno\":%d,\"reason\":\"%s\"}",
				  n++ ? "," : "", l->v[i].name, -l->v[i].err,
				  mw_refusal_reason(l->v[i].err));
	mw_kinds_format(off, ",", "\"", rules, sizeof(rules));
	jw_printf(out, "],\"rules_disabled\":[%s]", rules);
}

static void json_summary(FILE *f, const struct mw_summary *s)
{
	struct jw *out = jw_begin(f);
	__u64 lost = 0;
	__u32 i, k;

	for (k = 0; k < MW_KIND_NR; k++)
		lost += s->stats[MW_STAT_LOST_BASE + k];
	jw_printf(out, "{\"type\":\"summary\",\"runtime_ns\":%llu,\"violations\":%llu,"
		"\"warnings\":%llu,\"repeats\":%llu,\"lost\":%llu,\"lost_by_kind\":",
		(unsigned long long)s->runtime_ns, (unsigned long long)s->violations,
		(unsigned long long)s->warnings, (unsigned long long)s->repeats,
		(unsigned long long)lost);
	json_counts(out, s->stats + MW_STAT_LOST_BASE);
	jw_puts(",\"by_module\":{", out);
	for (i = 0; i < s->reg->nr; i++) {
		jw_printf(out, "%s", i ? "," : "");
		json_str(out, s->reg->mods[i].name, 64);
		jw_putc(':', out);
		json_counts(out, s->reg->mods[i].counts);
	}
	jw_puts("},\"repeats_by_module\":{", out);
	for (i = 0; i < s->reg->nr; i++) {
		jw_printf(out, "%s", i ? "," : "");
		json_str(out, s->reg->mods[i].name, 64);
		jw_putc(':', out);
		json_counts(out, s->reg->mods[i].repeats);
	}
	jw_puts("},\"counters\":{", out);
	for (k = 0; k < MW_STAT_LOST_BASE; k++)
		jw_printf(out, "%s\"%s\":%llu", k ? "," : "", mw_stat_name(k),
			(unsigned long long)s->stats[k]);
	jw_printf(out, ",\"quarantine_evicted\":%llu,\"missed\":%llu,\"output_dropped\":%llu}",
		(unsigned long long)s->quarantine_evicted, (unsigned long long)s->missed,
		(unsigned long long)s->output_dropped);
	jw_puts(",\"suppressed\":[", out);
	for (i = 0; i < (__u32)s->nr_supp; i++) {
		char rule[256];

		snprintf(rule, sizeof(rule), "%s:%s:%s", s->supp[i].kind, s->supp[i].module,
			 s->supp[i].func);
		jw_puts(i ? ",{\"rule\":" : "{\"rule\":", out);
		json_str(out, rule, sizeof(rule));
		jw_printf(out, ",\"count\":%llu}", (unsigned long long)s->supp[i].hits);
	}
	jw_putc(']', out);
	if (s->progs) {
		jw_puts(",\"programs\":[", out);
		for (i = 0; i < (__u32)s->nr_progs; i++)
			jw_printf(out, "%s{\"name\":\"%s\",\"runs\":%llu,\"run_ns\":%llu}", i ? "," : "",
				s->progs[i].name, (unsigned long long)s->progs[i].runs,
				(unsigned long long)s->progs[i].run_ns);
		jw_putc(']', out);
	}
	json_report_path(out, s);
	json_refusals(out, s->load);
	jw_puts(",\"live\":", out);
	json_groups(out, s->reg, s->live, s->nr_live);
	jw_puts("}\n", out);
	jw_end(out, true);
}

const struct mw_printer mw_print_json = {
	.start = json_start,
	.violation = json_violation,
	.lost = json_lost,
	.module = json_module_event,
	.live = json_live,
	.cycle = json_cycle,
	.repeat = json_repeat,
	.summary = json_summary,
};
