// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON lines against their schema (doc/schema/modwatch-report.schema.json):
 * a line of every type the JSON printer writes and a violation of every
 * kind, with each optional part (stacks the host kernel really walked, a
 * static object, reused memory, --deep accesses, a lock cycle, the
 * summary's programs, latency, storm, refusals and suppressions), are kept
 * for the runner, which checks them all against the schema once the tests
 * have run (json_lines_match_the_schema). And the checker itself
 * (tools/check-json): a field the schema does not list, a wrong type and an
 * unknown kind each fail, FILE:LINE: PATH: why.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <stdio.h>
#include "events.h"
#include "stats.h"
#include "fixture.h"
#include "test.h"
#include "ko/accesses.h"
#include "probe/bpf.h"
#include "probe/deep_probes.h"
#include "probe/heap_maps.h"
#include "probe/lock_maps.h"
#include "report/latency.h"
#include "report/print_json.h"
#include "report/suppress.h"

static struct fx fx;

/* The lines a printer call writes, kept for the schema check: the number of lines. */
#define KEEP(call)								\
	({									\
		char *_buf = NULL;						\
		size_t _len = 0;						\
		FILE *_f = open_memstream(&_buf, &_len);			\
		int _n = -1;							\
		if (_f) {							\
			FILE *out = _f;						\
			call;							\
			fclose(_f);						\
			_n = mw_test_lines(_buf);				\
			mw_test_json(_buf, _len);				\
			free(_buf);						\
		}								\
		_n;								\
	})

/* Real stacks, as the hooks keep them: a double free's, its object's allocation's and free's. */
struct stacks {
	__u32 report, alloc, free;
};

static int real_stacks(struct stacks *s)
{
	const struct mw_event *e;

	fx_kmalloc(&fx, SITE_ALLOC, OBJ(1), 40);
	fx_kfree(&fx, SITE_FREE1, OBJ(1));
	fx_kfree(&fx, SITE_FREE2, OBJ(1));
	if (fx_drain(&fx) != 1)
		return -ENOENT;
	e = &fx.events[fx.nr_events - 1];
	s->report = e->hdr.stack;
	s->alloc = e->double_free.obj.alloc_stack;
	s->free = e->double_free.obj.free_stack;
	return s->report && s->alloc && s->free ? 0 : -ENOENT;
}

static void object(struct mw_object *o, const struct stacks *s, bool freed)
{
	memset(o, 0, sizeof(*o));
	o->addr = OBJ(2);
	o->size = 40;
	o->alloc_size = 64;
	o->alloc_site = SITE_ALLOC;
	o->alloc_ns = 1000;
	o->alloc_tid = 41;
	o->alloc_stack = s->alloc;
	o->module_id = 1;
	if (freed) {
		o->free_site = SITE_FREE1;
		o->free_ns = 2000;
		o->free_tid = 42;
		o->free_stack = s->free;
	}
}

static void share(struct mw_share_access *a, __u64 site, __u32 dir, __u32 nr_locks)
{
	__u32 i;

	memset(a, 0, sizeof(*a));
	a->site = site;
	a->addr = OBJ(2) + 8;
	a->len = 16;
	a->tid = 51;
	a->pid = 50;
	a->dir = dir;
	a->nr_locks = nr_locks;
	for (i = 0; i < nr_locks && i < MW_RACE_LOCKS; i++)
		a->locks[i] = fx_lock_mem(&fx, i);
	strcpy(a->comm, "racer");
}

/* A report of @kind, its payload filled in, a real stack and a site the host's kallsyms names. */
static void event(struct mw_event *e, __u32 kind, const struct stacks *s, __u64 named)
{
	memset(e, 0, sizeof(*e));
	e->hdr.kind = kind;
	e->hdr.size = sizeof(*e);
	e->hdr.cpu = 1;
	e->hdr.ts_ns = 123456789;
	e->hdr.pid = 40;
	e->hdr.tid = 41;
	e->hdr.module_id = 1;
	e->hdr.site = named;
	e->hdr.stack = s->report;
	strcpy(e->hdr.comm, "trigger");
	switch (kind) {
	case MW_USER_SLICE_OVERRUN:
		e->user_slice_overrun = (struct mw_user_slice_overrun){
			.slice_start = 0x7ffd0000, .slice_len = 40, .copy_start = 0x7ffd0000,
			.copy_len = 64, .syscall_nr = 1, .dir = MW_FROM_USER };
		break;
	case MW_DOUBLE_FETCH:
		e->double_fetch = (struct mw_double_fetch){
			.first_site = SITE_FREE1, .user_addr = 0x7ffd0000, .overlap_len = 4,
			.first_size = 4, .second_size = 64, .changed = 1, .syscall_nr = 16 };
		break;
	case MW_HEAP_OVERFLOW_WRITE:
	case MW_HEAP_OVERFLOW_READ:
		object(&e->heap_overflow.obj, s, false);
		e->heap_overflow.copy_addr = OBJ(2);
		e->heap_overflow.copy_len = 56;
		break;
	case MW_USE_AFTER_FREE:
		object(&e->use_after_free.obj, s, true);
		e->use_after_free.access_addr = OBJ(2) + 8;
		e->use_after_free.access_len = 8;
		e->use_after_free.access = MW_ACCESS_COPY_TO_USER;
		break;
	case MW_DOUBLE_FREE:
		object(&e->double_free.obj, s, true);
		break;
	case MW_INVALID_FREE:
		object(&e->invalid_free.obj, s, false);
		e->invalid_free.ptr = OBJ(2) + 8;
		break;
	case MW_LEAK_ON_UNLOAD:
		e->leak_on_unload = (struct mw_leak_on_unload){
			.alloc_site = SITE_ALLOC, .count = 3, .bytes = 120 };
		break;
	case MW_UNINIT_LEAK:
		object(&e->uninit_leak.obj, s, false);
		e->uninit_leak.copy_addr = OBJ(2);
		e->uninit_leak.copy_len = 40;
		e->uninit_leak.uninit_len = 24;
		e->uninit_leak.first_off = 8;
		e->uninit_leak.end_off = 32;
		break;
	case MW_UNLOCK_NOT_OWNER:
		e->unlock_not_owner = (struct mw_unlock_not_owner){
			.lock = { .addr = fx_lock_mem(&fx, 0), .type = MW_LOCK_MUTEX },
			.owner_site = SITE_FREE1, .owner_tid = 43, .owner_stack = s->alloc };
		break;
	case MW_UNLOCK_NOT_HELD:
		e->unlock_not_held.lock = (struct mw_lock){ .addr = fx_lock_mem(&fx, 0),
									.type = MW_LOCK_SPIN };
		break;
	case MW_RECURSIVE_LOCK:
		e->recursive_lock = (struct mw_recursive_lock){
			.lock = { .addr = fx_lock_mem(&fx, 1), .type = MW_LOCK_MUTEX },
			.first_site = SITE_FREE1, .first_stack = s->alloc };
		break;
	case MW_LOCK_HELD_ON_RETURN:
		e->lock_held_on_return = (struct mw_lock_held_on_return){
			.lock = { .addr = fx_lock_mem(&fx, 1), .type = MW_LOCK_RWSEM },
			.acquire_site = named, .syscall_nr = 16 };
		break;
	case MW_SLEEP_IN_ATOMIC:
		e->sleep_in_atomic = (struct mw_sleep_in_atomic){
			.held = { .addr = fx_lock_mem(&fx, 2), .type = MW_LOCK_SPIN },
			.acquire_site = SITE_FREE1, .callee = fx_ksym("msleep"), .gfp_flags = 0xcc0,
			.acquire_stack = s->alloc };
		break;
	case MW_LOCK_ORDER_INVERSION:
		e->lock_order_inversion = (struct mw_lock_order_inversion){
			.a = { .addr = fx_lock_mem(&fx, 0), .type = MW_LOCK_MUTEX },
			.b = { .addr = fx_lock_mem(&fx, 1), .type = MW_LOCK_RWLOCK },
			.ab_site_a = SITE_ALLOC, .ab_site_b = SITE_FREE1, .ba_site_b = SITE_FREE2,
			.ba_site_a = named, .ab_stack_a = s->alloc, .ab_stack_b = s->free,
			.ba_stack_b = s->report };
		break;
	case MW_HELD_LOCK_FREED:
		object(&e->held_lock_freed.obj, s, false);
		e->held_lock_freed.lock = (struct mw_lock){ .addr = OBJ(2) + 16,
								  .type = MW_LOCK_SPIN };
		e->held_lock_freed.acquire_site = SITE_FREE1;
		e->held_lock_freed.owner_tid = 44;
		e->held_lock_freed.acquire_stack = s->alloc;
		break;
	case MW_LOCK_HELD_ON_UNLOAD:
		e->lock_held_on_unload = (struct mw_lock_held_on_unload){
			.lock = { .addr = fx_lock_mem(&fx, 3), .type = MW_LOCK_MUTEX },
			.acquire_site = named, .owner_tid = 45 };
		break;
	case MW_IOCTL_SIZE_MISMATCH:
		e->hdr.flags = MW_EV_WARNING;
		e->ioctl_size_mismatch = (struct mw_ioctl_size_mismatch){
			.slice_start = 0x7ffd0000, .slice_len = 16, .copy_start = 0x7ffd0000,
			.copy_len = 24, .cmd = 0x4010b701, .dir = MW_FROM_USER };
		break;
	case MW_DATA_RACE:
	case MW_UNPROTECTED_SHARED_ACCESS:
		object(&e->shared_access.obj, s, false);
		share(&e->shared_access.self, named, MW_FROM_USER, 1);
		share(&e->shared_access.other, SITE_FREE1, MW_TO_USER, 0);
		if (kind == MW_DATA_RACE) {
			e->shared_access.overlap_addr = OBJ(2) + 8;
			e->shared_access.overlap_len = 16;
		} else {
			e->hdr.flags = MW_EV_WARNING;
		}
		break;
	}
}

/* Each kind, then the variants of the optional parts: the number of lines kept. */
static int violations(const struct stacks *s, __u64 named)
{
	struct mw_event e;
	int n = 0;
	__u32 k;

	for (k = MW_KIND_NONE + 1; k < MW_KIND_NR; k++) {
		event(&e, k, s, named);
		n += KEEP(mw_print_json.violation(out, &fx.reg, &e));
	}
	/* a possible report (incomplete evidence), no stack, the memory reused since */
	event(&e, MW_DOUBLE_FREE, s, SITE_FREE2);
	e.hdr.flags = MW_EV_WARNING | MW_EV_INCOMPLETE;
	e.hdr.stack = 0;
	e.double_free.reused = (struct mw_reused_by){ .site = named, .tid = 77 };
	n += KEEP(mw_print_json.violation(out, &fx.reg, &e));
	/* each way to touch freed memory, one in flight and reused */
	for (k = MW_ACCESS_COPY_FROM_USER; k <= MW_ACCESS_NR; k++) {
		event(&e, MW_USE_AFTER_FREE, s, named);
		e.use_after_free.access = k;	/* MW_ACCESS_NR: one the printer does not know */
		e.use_after_free.in_flight = k == MW_ACCESS_COPY_TO_USER;
		e.use_after_free.reused = (struct mw_reused_by){ .site = named, .tid = 78 };
		n += KEEP(mw_print_json.violation(out, &fx.reg, &e));
	}
	/* --deep: the module's own store past the object, and its load */
	event(&e, MW_HEAP_OVERFLOW_WRITE, s, named);
	e.heap_overflow.access = MW_ACCESS_STORE;
	n += KEEP(mw_print_json.violation(out, &fx.reg, &e));
	event(&e, MW_HEAP_OVERFLOW_READ, s, named);
	e.heap_overflow.access = MW_ACCESS_LOAD;
	n += KEEP(mw_print_json.violation(out, &fx.reg, &e));
	/* a race on a module's static object (.data: no allocation), more locks than kept */
	event(&e, MW_DATA_RACE, s, named);
	e.shared_access.obj.flags = MW_OBJ_STATIC;
	share(&e.shared_access.self, named, MW_TO_USER, MW_RACE_LOCKS + 2);
	n += KEEP(mw_print_json.violation(out, &fx.reg, &e));
	/* the bytes fetched twice unchanged, or unreadable; the other direction */
	for (k = 0; k <= 2; k++) {
		event(&e, MW_DOUBLE_FETCH, s, named);
		e.double_fetch.changed = k;
		n += KEEP(mw_print_json.violation(out, &fx.reg, &e));
	}
	event(&e, MW_USER_SLICE_OVERRUN, s, named);
	e.user_slice_overrun.dir = MW_TO_USER;
	n += KEEP(mw_print_json.violation(out, &fx.reg, &e));
	event(&e, MW_IOCTL_SIZE_MISMATCH, s, named);
	e.ioctl_size_mismatch.dir = MW_TO_USER;
	n += KEEP(mw_print_json.violation(out, &fx.reg, &e));
	return n;
}

/* The start line's module parts: what was left unprobed and why, --deep's tally, blind calls. */
static void dress_module(struct mw_module *m, struct mw_unprobed *u, struct mw_blind *b,
			 struct mw_deep_tally *t)
{
	unsigned int c;

	snprintf(m->ko, sizeof(m->ko), "/lib/modules/mw_fake.ko");
	m->nr_sites = 12;
	m->nr_probes = 10;
	m->nr_slots = 9;
	m->nr_entries = 3;
	m->probed_entries = 2;
	u[0] = (struct mw_unprobed){ .func = "mw_fake_exit", .offset = 45, .skip = MW_SKIP_EXIT };
	u[1] = (struct mw_unprobed){ .func = "mw_fake_f", .offset = 9, .skip = MW_SKIP_ATTACH,
				      .err = -EINVAL };
	m->unprobed = u;
	m->nr_unprobed = 2;
	b[0] = (struct mw_blind){ .name = "kstrdup", .family = "alloc", .calls = 1 };
	m->blind = b;
	m->nr_blind = 1;
	m->nr_noret = 1;
	m->nr_static_locks = 2;
	memset(t, 0, sizeof(*t));
	t->reads = 30;
	t->writes = 20;
	for (c = 0; c < MW_ACC_NR; c++)
		t->classes[c] = c;
	t->skipped[MW_SKIP_PATCHED] = 2;
	t->skipped[MW_SKIP_TEXT_END] = 1;
	t->refused = 1;
	m->deep = t;
	m->deep_found = 50;
	m->nr_deep = 47;
}

static int other_lines(const struct stacks *s, __u64 named)
{
	static __u64 stats[MW_STAT_NR];
	static struct mw_latency lat;
	struct mw_map_info maps[2] = {
		{ .name = "mw_objects", .entries = 32768, .bytes = 4981920, .used = -1 },
		{ .name = "mw_events", .entries = 0, .bytes = 1 << 20, .used = -1 },
	};
	struct mw_start start = { .reg = &fx.reg, .maps = maps, .nr_maps = 2, .kernel = "6.1.0-test" };
	struct mw_alloc_group g[2] = { { .module_id = 1, .site = SITE_ALLOC, .count = 3, .bytes = 120 },
				       { .module_id = 1, .site = named, .count = 1, .bytes = 8 } };
	struct mw_edge edges[3] = {
		{ .a = fx_lock_mem(&fx, 0), .b = fx_lock_mem(&fx, 1), .site_a = SITE_ALLOC,
		  .site_b = SITE_FREE1, .ns = 1, .module_id = 1, .stack_a = s->alloc,
		  .stack_b = s->free },
		{ .a = fx_lock_mem(&fx, 1), .b = fx_lock_mem(&fx, 2), .site_a = SITE_FREE1,
		  .site_b = SITE_FREE2, .ns = 2, .module_id = 1 },
		{ .a = fx_lock_mem(&fx, 2), .b = fx_lock_mem(&fx, 0), .site_a = SITE_FREE2,
		  .site_b = named, .ns = 3, .module_id = 1, .stack_a = s->report },
	};
	int path[3] = { 0, 1, 2 };
	struct mw_dedup_key key = { .site = named, .key = SITE_FREE1, .kind = MW_DOUBLE_FETCH,
				    .module_id = 1 };
	struct mw_prog_stat progs[2] = { { .name = "mw_kmalloc", .runs = 10, .run_ns = 5000 },
					 { .name = "mw_kp_copy" } };
	struct mw_suppression supp = { .kind = "double_free", .module = "mw_*", .func = "*",
				       .hits = 4 };
	static struct mw_load load;
	struct mw_summary sum = { .reg = &fx.reg, .stats = stats };
	struct mw_module *m = &fx.reg.mods[0];
	struct mw_unprobed u[2];
	struct mw_deep_tally t;
	struct mw_blind b[1];
	int n = 0, i;

	dress_module(m, u, b, &t);
	n += KEEP(mw_print_json.start(out, &start));
	m->loaded = true;
	n += KEEP(mw_print_json.module(out, m));
	m->deep = NULL;		/* without --deep */
	n += KEEP(mw_print_json.module(out, m));
	m->loaded = false;
	n += KEEP(mw_print_json.module(out, m));
	n += KEEP(mw_print_json.lost(out, 3, 5));
	n += KEEP(mw_print_json.live(out, &fx.reg, g, 2));
	n += KEEP(mw_print_json.live(out, &fx.reg, g, 0));
	n += KEEP(mw_print_json.cycle(out, &fx.reg, edges, path, 3));
	n += KEEP(mw_print_json.repeat(out, &fx.reg, &key, 1520, 1521));
	/* the least summary, then one with every optional part */
	n += KEEP(mw_print_json.summary(out, &sum));
	for (i = 0; i < MW_STAT_NR; i++)
		stats[i] = i;
	m->counts[MW_DOUBLE_FREE] = 2;
	m->repeats[MW_DOUBLE_FETCH] = 1520;
	sum.violations = 3;
	sum.warnings = 1;
	sum.repeats = 1520;
	sum.runtime_ns = 2799492265ull;
	sum.quarantine_evicted = 1;
	sum.missed = 2;
	sum.output_dropped = 3;
	sum.live = g;
	sum.nr_live = 2;
	sum.progs = progs;
	sum.nr_progs = 2;
	mw_latency_add(&lat, 13250);
	mw_latency_add(&lat, 90000);
	sum.latency = &lat;
	sum.storm = 50000;
	sum.storm_rate = 0;
	sum.storm_ns = 1234567890;
	sum.supp = &supp;
	sum.nr_supp = 1;
	load.n = 2;
	snprintf(load.v[0].name, sizeof(load.v[0].name), "mw_kp_lock");
	load.v[0].err = -EACCES;
	snprintf(load.v[1].name, sizeof(load.v[1].name), "mw_kmalloc");
	sum.load = &load;
	n += KEEP(mw_print_json.summary(out, &sum));
	memset(m->counts, 0, sizeof(m->counts));
	memset(m->repeats, 0, sizeof(m->repeats));
	m->unprobed = NULL;
	m->nr_unprobed = 0;
	m->blind = NULL;
	m->nr_blind = 0;
	m->deep = NULL;
	return n;
}

TEST(json_lines_of_every_type_and_kind_are_kept_for_the_schema)
{
	__u64 named = fx_ksym("vfs_read") + 0x10;
	struct stacks s;
	int n;

	ASSERT_NE(named, 0x10, "vfs_read in /proc/kallsyms");
	FX_SETUP(&fx, NULL);
	mw_locks_init(fx.skel);	/* lock names from the maps, as a session names them */
	if (real_stacks(&s)) {
		fx_teardown(&fx);
		ASSERT_TRUE(false, "a double free with its three stacks");
	}
	n = violations(&s, named);
	ASSERT_EQ(n, MW_KIND_NR - 1 + 1 + MW_ACCESS_NR + 2 + 1 + 3 + 2, "one line per violation");
	n = other_lines(&s, named);
	fx_teardown(&fx);
	ASSERT_EQ(n, 11, "one line per start, module, lost, live, cycle, repeat and summary");
}

/* tools/check-json's words on @lines (written to a file) into @buf: its exit status. */
static int check(const char *lines, char *path, size_t plen, char *buf, size_t len)
{
	char cmd[512];
	size_t got = 0;
	FILE *f, *p;
	int st;

	snprintf(path, plen, "/tmp/mw-schema-%d.json", getpid());
	f = fopen(path, "w");
	if (!f || fputs(lines, f) < 0 || fclose(f))
		return -1;
	snprintf(cmd, sizeof(cmd), "tools/check-json doc/schema/modwatch-report.schema.json %s 2>&1",
		 path);
	p = popen(cmd, "r");
	if (p) {
		got = fread(buf, 1, len - 1, p);
		st = pclose(p);
	}
	buf[got] = '\0';
	unlink(path);
	return p && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* @line with @from (its first occurrence) replaced by @to, into @out: false if not found. */
static bool edit(char *out, size_t len, const char *line, const char *from, const char *to)
{
	const char *at = strstr(line, from);

	if (!at)
		return false;
	snprintf(out, len, "%.*s%s%s", (int)(at - line), line, to, at + strlen(from));
	return true;
}

#define HAS_LINE(buf, path, nr, text)						\
	do {									\
		char _want[512];						\
		snprintf(_want, sizeof(_want), "%s:%d: %s", path, nr, text);	\
		if (!strstr(buf, _want)) {					\
			mw_test_fail(__FILE__, __LINE__, "expected \"%s\" in:\n%s", _want, buf); \
			return;							\
		}								\
	} while (0)

/*
 * A field the writer adds without the schema fails the tests: one the
 * schema does not list (in the line, in a site), a number as a string and
 * a kind it does not know each make their line's error, and the line as
 * the writer wrote it passes.
 */
TEST(the_schema_rejects_an_unlisted_field_a_wrong_type_and_an_unknown_kind)
{
	static struct mw_registry reg = { .nr = 1, .mods = { { .name = "mw_fake", .id = 1 } } };
	struct mw_event e = { .hdr = { .kind = MW_DOUBLE_FREE, .pid = 7, .tid = 7, .module_id = 1,
				       .comm = "trigger" } };
	char *line = NULL, lines[4 * 2048 + 1024], v[4][2048], path[64], out[8192];
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);

	ASSERT_TRUE(f, "a memory stream");
	mw_print_json.violation(f, &reg, &e);
	fclose(f);
	ASSERT_TRUE(edit(v[0], sizeof(v[0]), line, "{\"type\":\"violation\",",
			 "{\"type\":\"violation\",\"bogus\":1,") &&
		    edit(v[1], sizeof(v[1]), line, "\"pid\":7,", "\"pid\":\"7\",") &&
		    edit(v[2], sizeof(v[2]), line, "\"site\":{\"addr\"", "\"site\":{\"bogus\":1,\"addr\"") &&
		    edit(v[3], sizeof(v[3]), line, "\"kind\":\"double_free\"", "\"kind\":\"bogus\""),
		    "the writer's line has the parts to break");
	/* one run of the checker (python's start is most of its time): a blank line is no line */
	snprintf(lines, sizeof(lines), "%s%s%s%s%s\n{\"type\":\"lost\",\"new\":1,\"total\":2}\n"
		 "not json\n", line, v[0], v[1], v[2], v[3]);
	free(line);
	ASSERT_EQ(check(lines, path, sizeof(path), out, sizeof(out)), 1,
		  "tools/check-json fails the file");
	ASSERT_TRUE(!strstr(out, ":1: ") && !strstr(out, ":6: ") && !strstr(out, ":7: "),
		    "the writer's own line, a blank line and a good lost line pass");
	HAS_LINE(out, path, 2, "/: Unevaluated properties are not allowed ('bogus' was unexpected)");
	HAS_LINE(out, path, 3, "/pid: '7' is not of type 'integer'");
	HAS_LINE(out, path, 4, "/site: Additional properties are not allowed ('bogus' was unexpected)");
	HAS_LINE(out, path, 5, "/kind: 'bogus' is not one of");
	HAS_LINE(out, path, 8, "/: not JSON: ");
}
