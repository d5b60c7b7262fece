// SPDX-License-Identifier: GPL-2.0
/*
 * --deep's rule on one of a watched module's own memory accesses, through
 * the real program (mw_test_deep_access runs what the kprobe runs, with
 * the registers' values given): loads and stores into freed objects are
 * use_after_free, with their size and direction; past the requested size
 * of the object whose start the base register holds, heap_overflow_*.
 * Each has clean twins, which must stay silent. And how both print.
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "deep.h"
#include "events.h"
#include "heap.h"
#include "sites.h"
#include "fixture.h"
#include "test.h"
#include "report/kasan.h"
#include "report/print_json.h"
#include "report/print_text.h"

static struct fx fx;

/* The access instructions of the fake module, by descriptor index. */
enum {
	D_STORE16,	/* mov [rdi+16], 8 bytes */
	D_LOAD_ARR,	/* mov eax, [rdi+rcx*8+8] */
	D_RMW_ARR,	/* add [rdi+rcx*8], rax: a read and a write */
	D_LOAD40,	/* movzx eax, byte [rsi+40] */
	D_LOAD39,	/* movzx eax, byte [rsi+39] */
	D_LOAD_NEG,	/* mov rax, [rdi-8] */
	D_STORE_IDX,	/* mov byte [rdx+rax], 0: p[len] = 0, the pointer in the index */
	D_NR,
};

#define SITE_DEEP(i)	(FAKE_LO + 0x3000 + 0x10 * (i))
#define DESC(i, b, x, sc, d, sz, fl)						\
	[i] = { .site = SITE_DEEP(i), .module_id = 1, .base = MW_REG_##b,	\
		.index = MW_REG_##x, .scale = sc, .disp = d, .size = sz, .flags = fl }

static const struct mw_access_desc descs[D_NR] = {
	DESC(D_STORE16, DI, NONE, 0, 16, 8, MW_ACC_WRITE),
	DESC(D_LOAD_ARR, DI, CX, 8, 8, 4, MW_ACC_READ),
	DESC(D_RMW_ARR, DI, CX, 8, 0, 8, MW_ACC_READ | MW_ACC_WRITE),
	DESC(D_LOAD40, SI, NONE, 0, 40, 1, MW_ACC_READ),
	DESC(D_LOAD39, SI, NONE, 0, 39, 1, MW_ACC_READ),
	DESC(D_LOAD_NEG, DI, NONE, 0, -8, 8, MW_ACC_READ),
	DESC(D_STORE_IDX, DX, AX, 1, 0, 1, MW_ACC_WRITE),
};

static int setup(void)
{
	int err = fx_setup(&fx, NULL), i;

	for (i = 0; !err && i < D_NR; i++)
		err = fx_access_desc(&fx, i, &descs[i]);
	return err;
}

#define DEEP_SETUP()								\
	do {									\
		int _err = setup();						\
		if (_err) {							\
			fx_teardown(&fx);					\
			ASSERT_OK(_err, "loading the BPF object");		\
		}								\
	} while (0)

/* The one report of the last access, its kind checked. */
static const struct mw_event *one(__u32 kind)
{
	fx.nr_events = 0;
	if (fx_drain(&fx) != 1 || fx.events[0].hdr.kind != kind)
		return NULL;
	return &fx.events[0];
}

TEST(loads_and_stores_into_a_freed_kmalloc_object_are_use_after_free)
{
	const struct mw_event *e;

	DEEP_SETUP();
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(1), 64);
	fx_kfree(&fx, SITE_FREE1, OBJ(1));
	ASSERT_OK(fx_deep_access(&fx, D_STORE16, OBJ(1), 0), "the store runs");
	e = one(MW_USE_AFTER_FREE);
	ASSERT_TRUE(e, "a store to the freed object: one use_after_free");
	ASSERT_EQ(e->hdr.site, SITE_DEEP(D_STORE16), "the instruction");
	ASSERT_EQ(e->hdr.module_id, 1, "its module");
	ASSERT_EQ(e->hdr.flags & MW_EV_WARNING, 0, "memory nobody got since: certain");
	ASSERT_EQ(e->use_after_free.access, MW_ACCESS_STORE, "a store");
	ASSERT_EQ(e->use_after_free.access_addr, OBJ(1) + 16, "its address");
	ASSERT_EQ(e->use_after_free.access_len, 8, "its size");
	ASSERT_EQ(e->use_after_free.obj.free_site, SITE_FREE1, "the free");
	fx_deep_access(&fx, D_LOAD_ARR, OBJ(1), 0);
	ASSERT_EQ(fx_drain(&fx), 0, "once per freed object");

	fx_kmalloc(&fx, SITE_ALLOC, OBJ(2), 64);
	fx_kfree(&fx, SITE_FREE2, OBJ(2));
	fx_deep_access(&fx, D_LOAD_ARR, OBJ(2), 3);	/* OBJ(2) + 3 * 8 + 8 */
	e = one(MW_USE_AFTER_FREE);
	ASSERT_TRUE(e, "a load from the freed object");
	ASSERT_EQ(e->use_after_free.access, MW_ACCESS_LOAD, "a load");
	ASSERT_EQ(e->use_after_free.access_addr, OBJ(2) + 32, "base + index * scale + disp");
	ASSERT_EQ(e->use_after_free.access_len, 4, "its size");

	fx_kmalloc(&fx, SITE_ALLOC, OBJ(3), 64);
	fx_kfree(&fx, SITE_FREE1, OBJ(3));
	fx_deep_access(&fx, D_RMW_ARR, OBJ(3), 1);
	e = one(MW_USE_AFTER_FREE);
	ASSERT_TRUE(e, "a read-modify-write of the freed object");
	ASSERT_EQ(e->use_after_free.access, MW_ACCESS_STORE, "it writes: a store");
	fx_teardown(&fx);
}

TEST(an_access_into_a_freed_object_of_a_module_cache_is_use_after_free)
{
	/* 16 KiB objects after a 64-byte left red zone in order-3 slabs */
	struct mw_cache c = { .size = 16448, .object_size = 16384, .red_left_pad = 64,
			      .order = 3, .min_order = 3, .name = "mw_deep_cache" };
	__u64 cache = 0xffff888123456700ull, slab = 0xffff888100040000ull;
	__u64 obj = slab + 64 + 16448;	/* the second object of the slab */
	const struct mw_event *e;

	DEEP_SETUP();
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.mw_caches), &cache, &c, 0),
		  "recording the cache layout");
	fx_cache_alloc(&fx, SITE_ALLOC, obj, cache);
	fx_deep_access(&fx, D_LOAD_ARR, obj, 1000);
	ASSERT_EQ(fx_drain(&fx), 0, "live: no report");
	fx_cache_free(&fx, SITE_FREE1, obj);
	fx_deep_access(&fx, D_LOAD_ARR, obj, 1000);	/* 8008 bytes in */
	e = one(MW_USE_AFTER_FREE);
	ASSERT_TRUE(e, "a load deep inside the freed cache object");
	ASSERT_EQ(e->use_after_free.obj.addr, obj, "found from the cache's layout");
	ASSERT_EQ(e->use_after_free.obj.cache, cache, "its cache");
	ASSERT_EQ(e->use_after_free.access_addr - obj, 8008, "the offset");
	ASSERT_EQ(e->use_after_free.access, MW_ACCESS_LOAD, "a load");
	fx_teardown(&fx);
}

TEST(past_the_requested_size_from_the_objects_start_is_heap_overflow)
{
	const struct mw_event *e;

	DEEP_SETUP();
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(10), 40);	/* 64 allocated */
	fx_deep_access(&fx, D_RMW_ARR, OBJ(10), 4);	/* the last element: [32, 40) */
	fx_deep_access(&fx, D_LOAD39, OBJ(10), 0);	/* the last byte */
	ASSERT_EQ(fx_drain(&fx), 0, "exact bounds: no report");
	fx_deep_access(&fx, D_RMW_ARR, OBJ(10), 5);	/* one element past: [40, 48) */
	e = one(MW_HEAP_OVERFLOW_WRITE);
	ASSERT_TRUE(e, "a store one element past: heap_overflow_write");
	ASSERT_EQ(e->hdr.site, SITE_DEEP(D_RMW_ARR), "the instruction");
	ASSERT_EQ(e->heap_overflow.obj.addr, OBJ(10), "the object");
	ASSERT_EQ(e->heap_overflow.obj.size, 40, "its requested size");
	ASSERT_EQ(e->heap_overflow.copy_addr, OBJ(10) + 40, "the store's address");
	ASSERT_EQ(e->heap_overflow.copy_len, 8, "its size");
	ASSERT_EQ(e->heap_overflow.access, MW_ACCESS_STORE, "a store, not a copy");
	fx_deep_access(&fx, D_LOAD40, OBJ(10), 0);	/* one byte past */
	e = one(MW_HEAP_OVERFLOW_READ);
	ASSERT_TRUE(e, "a load one byte past: heap_overflow_read");
	ASSERT_EQ(e->heap_overflow.copy_addr, OBJ(10) + 40, "the load's address");
	ASSERT_EQ(e->heap_overflow.copy_len, 1, "its size");
	ASSERT_EQ(e->heap_overflow.access, MW_ACCESS_LOAD, "a load");
	ASSERT_TRUE(fx_is_live(&fx, OBJ(10)), "the object stays live");
	fx_teardown(&fx);
}

/* p[len] = 0 as [len + p]: with scale 1 the object's start may sit in the index register. */
TEST(a_terminator_past_the_object_through_either_register_is_heap_overflow_write)
{
	const struct mw_event *e;

	DEEP_SETUP();
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(11), 40);
	fx_deep_access(&fx, D_STORE_IDX, 39, OBJ(11));	/* p[len - 1] = 0 */
	ASSERT_EQ(fx_drain(&fx), 0, "the last byte: no report");
	fx_deep_access(&fx, D_STORE_IDX, 40, OBJ(11));	/* p[len] = 0 */
	e = one(MW_HEAP_OVERFLOW_WRITE);
	ASSERT_TRUE(e, "one byte past, the pointer in the index register");
	ASSERT_EQ(e->heap_overflow.obj.addr, OBJ(11), "the object");
	ASSERT_EQ(e->heap_overflow.copy_addr, OBJ(11) + 40, "the store's address");
	ASSERT_EQ(e->heap_overflow.copy_len, 1, "its size");
	fx_deep_access(&fx, D_STORE_IDX, OBJ(11) + 8, 32);	/* inner pointer + 32 */
	ASSERT_EQ(fx_drain(&fx), 0, "neither register the object's start: no claim");
	fx_teardown(&fx);
}

/*
 * Memory the module freed, then core code got (an rhashtable's bucket
 * table), which the module reads through inlined code: no claim, not
 * even a possible one (a call's use of it would be).
 */
TEST(a_load_from_memory_core_code_got_since_is_no_report)
{
	DEEP_SETUP();
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(40), 128);
	fx_kfree(&fx, SITE_FREE1, OBJ(40));
	fx_kmalloc(&fx, SITE_CORE, OBJ(40), 128);
	ASSERT_TRUE(!fx_is_quarantined(&fx, OBJ(40)), "core code's now");
	fx_deep_access(&fx, D_LOAD_ARR, OBJ(40), 0);
	fx_deep_access(&fx, D_STORE16, OBJ(40), 0);
	ASSERT_EQ(fx_drain(&fx), 0, "the module reading core code's object: no report");
	fx_teardown(&fx);
}

/* What must make no claim: each is a twin of a report above. */
TEST(in_bounds_inner_bases_reallocations_and_rcu_readers_are_no_report)
{
	DEEP_SETUP();
	ASSERT_OK(fx_site(&fx, 0, FAKE_LO + 0x500, MW_CALLEE_KVFREE_CALL_RCU), "an rcu site");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(12), 40);
	fx_deep_access(&fx, D_LOAD40, OBJ(12) + 16, 0);	/* base inside: 56, past 40 */
	ASSERT_EQ(fx_drain(&fx), 0, "a base inside the object: no claim");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(14), 64);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(15), 64);
	fx_deep_access(&fx, D_LOAD_NEG, OBJ(15), 0);	/* OBJ(14)'s end pointer, [-8] */
	ASSERT_EQ(fx_drain(&fx), 0, "below the base's object: the one before's, no claim");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(16), 64);
	fx_kfree(&fx, SITE_FREE1, OBJ(16));
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(16), 64);	/* the module's again */
	fx_deep_access(&fx, D_STORE16, OBJ(16), 0);
	ASSERT_EQ(fx_drain(&fx), 0, "reallocated after its free: no report");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(17), 64);
	fx_free_rcu(&fx, 0, 0, OBJ(17));		/* kvfree_rcu_mightsleep(obj) */
	ASSERT_TRUE(fx_is_quarantined(&fx, OBJ(17)), "retired by kfree_rcu()");
	fx_deep_access(&fx, D_STORE16, OBJ(17), 0);
	fx_deep_access(&fx, D_LOAD_ARR, OBJ(17), 2);
	ASSERT_EQ(fx_drain(&fx), 0, "an RCU reader before the grace period: no report");
	fx_teardown(&fx);
}

/*
 * A freed large kmalloc's pages went to a slab since, where the module got
 * a small object: the search for a freed object holding the address finds
 * the old one around it, but the live one is the truth.
 */
TEST(a_live_object_in_a_freed_large_objects_memory_wins)
{
	__u64 big = 0xffff888100200000ull, small = big + 128;

	DEEP_SETUP();
	fx_kmalloc(&fx, SITE_ALLOC, big, 8192);
	fx_kfree(&fx, SITE_FREE1, big);
	fx_kmalloc(&fx, SITE_ALLOC, small, 64);
	fx_deep_access(&fx, D_LOAD_NEG, small + 16, 0);	/* a field, from a base inside */
	ASSERT_EQ(fx_drain(&fx), 0, "a load from the live object: no report");
	fx_kfree(&fx, SITE_FREE2, small);
	fx_deep_access(&fx, D_LOAD_NEG, small + 16, 0);
	ASSERT_EQ(fx_drain(&fx), 1, "once it is freed too, a use after free");
	ASSERT_EQ(fx.events[0].use_after_free.obj.addr, small, "of the small one");
	fx_teardown(&fx);
}

/* A freed object of another module: not this one's to have used after its free. */
TEST(another_modules_freed_object_is_no_claim)
{
	DEEP_SETUP();
	ASSERT_OK(mw_registry_add_range(&fx.reg, "mw_other", FAKE_HI + 0x1000,
					FAKE_HI + 0x2000), "adding a second module");
	fx_kmalloc(&fx, FAKE_HI + 0x1100, OBJ(20), 64);
	fx_deep_access(&fx, D_LOAD40, OBJ(20), 0);
	ASSERT_EQ(fx_drain(&fx), 0, "past the size of another module's object: no claim");
	fx_kfree(&fx, FAKE_HI + 0x1200, OBJ(20));
	fx_deep_access(&fx, D_STORE16, OBJ(20), 0);
	ASSERT_EQ(fx_drain(&fx), 0, "into another module's freed object: no claim");
	fx_teardown(&fx);
}

/* @e as the printer @p writes it, in a buffer the caller frees; a JSON line kept for the schema. */
static char *render(const struct mw_printer *p, const struct mw_event *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	p->violation(out, &fx.reg, e);
	fclose(out);
	if (p == &mw_print_json)
		mw_test_json(buf, len);
	return buf;
}

/* The KASAN layout of @e, rendered from its JSON line. */
static char *render_kasan(const struct mw_event *e)
{
	char *json = render(&mw_print_json, e), *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (out && json)
		mw_kasan_line(out, json, false);
	if (out)
		fclose(out);
	free(json);
	return buf;
}

#define HAS(s, sub, what) ASSERT_TRUE((s) && strstr((s), (sub)), what)

TEST(loads_and_stores_print_as_such_and_copies_as_before)
{
	struct mw_event ovf, uaf, copy;
	const struct mw_event *e;
	char *s;

	DEEP_SETUP();
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(30), 40);
	fx_deep_access(&fx, D_RMW_ARR, OBJ(30), 5);
	e = one(MW_HEAP_OVERFLOW_WRITE);
	ASSERT_TRUE(e, "a store past the object");
	ovf = *e;
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(31), 64);
	fx_kfree(&fx, SITE_FREE1, OBJ(31));
	fx_deep_access(&fx, D_LOAD_ARR, OBJ(31), 0);
	e = one(MW_USE_AFTER_FREE);
	ASSERT_TRUE(e, "a load from a freed object");
	uaf = *e;
	copy = ovf;
	copy.heap_overflow.access = 0;	/* what a user copy's report holds */

	s = render(&mw_print_text, &ovf);
	HAS(s, " store of 8 bytes at 0xffff8881000007a8 (offset 40) at ", "text: a store");
	HAS(s, " runs 8 bytes past the 40-byte object ", "text: by how much");
	free(s);
	s = render(&mw_print_text, &copy);
	HAS(s, " copy of 8 bytes at 0xffff8881000007a8 (offset 40) at ", "text: a copy as before");
	free(s);
	s = render(&mw_print_text, &uaf);
	HAS(s, " load from freed object at offset 8 (4 bytes) at ", "text: a load");
	free(s);

	s = render(&mw_print_json, &ovf);
	HAS(s, ",\"access\":{\"type\":\"store\",\"addr\":\"0xffff8881000007a8\",\"len\":8,"
	       "\"offset\":40}", "JSON: a store");
	ASSERT_TRUE(s && !strstr(s, "\"copy\""), "JSON: not a copy");
	free(s);
	s = render(&mw_print_json, &copy);
	HAS(s, ",\"copy\":{\"addr\":\"0xffff8881000007a8\",\"len\":8,\"offset\":40}",
	    "JSON: a copy as before");
	free(s);
	s = render(&mw_print_json, &uaf);
	HAS(s, "\"access\":{\"type\":\"load\",", "JSON: a load");
	free(s);

	s = render_kasan(&ovf);
	HAS(s, "BUG: modwatch: slab-out-of-bounds Write in ", "KASAN: the headline says Write");
	HAS(s, "Write of size 8 at addr ffff8881000007a8", "KASAN: a store writes");
	free(s);
	s = render_kasan(&uaf);
	HAS(s, "BUG: modwatch: slab-use-after-free Read in ", "KASAN: the headline says Read");
	HAS(s, "Read of size 4 at addr ffff8881000007c8", "KASAN: a load reads");
	free(s);
	s = render_kasan(&copy);
	HAS(s, "BUG: modwatch: slab-out-of-bounds in ", "KASAN: a copy's headline as before");
	free(s);
	fx_teardown(&fx);
}

/* A session's load (no fixture: it would load the test entries): @deep, or not. */
static int session_load(struct modwatch_bpf **skel, struct mw_load *l, bool deep)
{
	struct mw_kernel k;
	struct mw_config cfg;
	int err = mw_kernel_probe(&k);

	mw_config_default(&cfg);
	cfg.deep = deep;
	return err ? err : mw_bpf_load(skel, &cfg, &k, l);
}

/* Without --deep nothing of it exists: no program, no 1.5 MiB map; with it, both. */
TEST(a_session_loads_deeps_probe_and_map_only_with_deep)
{
	static struct mw_load l;
	struct modwatch_bpf *skel = NULL;
	struct mw_kernel k;

	ASSERT_OK(mw_kernel_probe(&k), "probing the kernel");
	ASSERT_OK(session_load(&skel, &l, false), "a session's load");
	ASSERT_TRUE(!mw_bpf_loaded(skel->progs.mw_kp_access), "no deep probe");
	ASSERT_TRUE(bpf_map__fd(skel->maps.mw_access_descs) < 0, "no descriptor map");
	mw_bpf_destroy(skel);
	skel = NULL;
	ASSERT_OK(session_load(&skel, &l, true), "a --deep session's load");
	ASSERT_TRUE(bpf_map__fd(skel->maps.mw_access_descs) >= 0, "its descriptors");
	/* Where no call site can be probed, no kprobe program loads (choose_kprobes()). */
	ASSERT_EQ(mw_bpf_loaded(skel->progs.mw_kp_access), k.kprobes && k.modules,
		  "the deep probe, where probes can go");
	mw_bpf_destroy(skel);
}
