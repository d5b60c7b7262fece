// SPDX-License-Identifier: GPL-2.0
/*
 * Object lifetimes: use after free, invalid free, uninitialised bytes copied
 * to user space, leaks grouped by site, quarantine eviction. Driven through
 * the real kmem hooks and the user-copy test entries.
 */
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "heap.h"
#include "usercopy.h"
#include "events.h"
#include "fixture.h"
#include "test.h"
#include "probe/heap_maps.h"
#include "sites.h"

#define SITE_COPY	(FAKE_LO + 0x2000)
#define GFP_KERNEL	0xcc0u
#define GFP_ZERO	0x100u

static struct fx fx;
static __u8 ubuf[256];
static const struct mw_syscall no_slice = { .nr = 39 };	/* getpid: declares no slice */

TEST(copy_from_a_freed_object_is_use_after_free_once)
{
	const struct mw_use_after_free *p;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(fx_site(&fx, 0, SITE_COPY, MW_CALLEE_COPY_TO_USER), "installing a site");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(1), 64);
	fx_kfree(&fx, SITE_FREE1, OBJ(1));
	fx_store(&fx, 0, &no_slice, ubuf, OBJ(1) + 16, 8);	/* interior */
	ASSERT_EQ(fx_drain(&fx), 1, "reports");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_USE_AFTER_FREE, "kind");
	ASSERT_EQ(fx.events[0].hdr.site, SITE_COPY, "use site");
	p = &fx.events[0].use_after_free;
	ASSERT_EQ(p->obj.addr, OBJ(1), "object");
	ASSERT_EQ(p->obj.alloc_site, SITE_ALLOC, "alloc site");
	ASSERT_EQ(p->obj.free_site, SITE_FREE1, "free site");
	ASSERT_EQ(p->access_addr - p->obj.addr, 16, "offset of the access");
	ASSERT_EQ(p->access, MW_ACCESS_COPY_TO_USER, "access");
	fx_store(&fx, 0, &no_slice, ubuf, OBJ(1), 8);
	ASSERT_EQ(fx_drain(&fx), 0, "one report per freed object");
	fx_teardown(&fx);
}

/*
 * SLUB gives an empty slab page to any cache: memory of a freed object that
 * belongs to another cache now is someone else's, though no allocation
 * returned the object's own address. Real kernel memory here: this
 * process's task_struct, a slab object whose cache the BPF side reads
 * through the struct page array.
 */
TEST(a_slab_page_given_to_another_cache_is_no_use_after_free)
{
	int fd;
	__u64 task;
	struct mw_object q;

	FX_SETUP(&fx, NULL);
	mw_heap_init(fx.skel);
	task = fx_task(&fx);
	fd = bpf_map__fd(fx.skel->maps.mw_quarantine);
	ASSERT_OK(fx_site(&fx, 0, SITE_COPY, MW_CALLEE_COPY_TO_USER), "installing a site");
	fx_kmalloc(&fx, SITE_ALLOC, task, 64);
	fx_kfree(&fx, SITE_FREE1, task);
	ASSERT_OK(bpf_map_lookup_elem(fd, &task, &q), "quarantined");
	ASSERT_NE(q.slab_cache, 0, "its slab cache was read at allocation");
	fx_store(&fx, 0, &no_slice, ubuf, task + 8, 8);
	ASSERT_EQ(fx_drain(&fx), 1, "still under its cache: a use after free");
	fx_kmalloc(&fx, SITE_ALLOC, task, 64);
	fx_kfree(&fx, SITE_FREE1, task);
	ASSERT_OK(bpf_map_lookup_elem(fd, &task, &q), "quarantined again");
	q.slab_cache ^= 0x40;	/* as if its page belonged to another cache then */
	ASSERT_OK(bpf_map_update_elem(fd, &task, &q, BPF_ANY), "rewriting the record");
	fx_store(&fx, 0, &no_slice, ubuf, task + 8, 8);
	ASSERT_EQ(fx_drain(&fx), 0, "under another cache now: someone else's memory");
	ASSERT_TRUE(!fx_is_quarantined(&fx, task), "the stale record is gone");
	fx_teardown(&fx);
}

/* As for quarantined records: a slab page that went to another cache voids the record. */
TEST(a_reused_record_whose_page_went_to_another_cache_is_dropped)
{
	struct mw_reuse r;
	__u64 task;
	int fd;

	FX_SETUP(&fx, NULL);
	mw_heap_init(fx.skel);
	task = fx_task(&fx);
	fd = bpf_map__fd(fx.skel->maps.mw_reused);
	ASSERT_OK(fx_site(&fx, 0, SITE_COPY, MW_CALLEE_COPY_TO_USER), "installing a site");
	fx_kmalloc(&fx, SITE_ALLOC, task, 64);
	fx_kfree(&fx, SITE_FREE1, task);
	fx_kmalloc(&fx, SITE_CORE, task, 64);
	ASSERT_OK(bpf_map_lookup_elem(fd, &task, &r), "core code got it: a reused record");
	ASSERT_NE(r.obj.slab_cache, 0, "its slab cache was read at allocation");
	r.obj.slab_cache ^= 0x40;	/* as if its page belonged to another cache now */
	ASSERT_OK(bpf_map_update_elem(fd, &task, &r, BPF_ANY), "rewriting the record");
	fx_store(&fx, 0, &no_slice, ubuf, task + 8, 8);
	ASSERT_EQ(fx_drain(&fx), 0, "under another cache now: no report");
	ASSERT_TRUE(bpf_map_lookup_elem(fd, &task, &r), "the stale record is gone");
	fx_teardown(&fx);
}

/* The module's own allocation of an address core code had: its record goes. */
TEST(a_watched_allocation_retires_the_reused_record)
{
	struct mw_reuse r;
	int fd;

	FX_SETUP(&fx, NULL);
	fd = bpf_map__fd(fx.skel->maps.mw_reused);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(3), 64);
	fx_kfree(&fx, SITE_FREE1, OBJ(3));
	fx_kmalloc(&fx, SITE_CORE, OBJ(3), 64);
	ASSERT_OK(bpf_map_lookup_elem(fd, &(__u64){ OBJ(3) }, &r), "core code got it");
	ASSERT_EQ(r.by.site, SITE_CORE, "and is named");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(3), 64);
	ASSERT_TRUE(bpf_map_lookup_elem(fd, &(__u64){ OBJ(3) }, &r), "the module's again");
	ASSERT_EQ(fx_drain(&fx), 0, "nothing to report");
	fx_teardown(&fx);
}

/*
 * The new owner frees the memory: the record is quarantined again, so the
 * next owner is judged afresh (a module allocating it on its own behalf
 * owns it) and the old owner's second free is a double free again.
 */
TEST(memory_its_new_owner_frees_goes_back_to_quarantine)
{
	struct mw_reuse r;
	int fd;

	FX_SETUP(&fx, NULL);
	fd = bpf_map__fd(fx.skel->maps.mw_reused);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(4), 64);
	fx_kfree(&fx, SITE_FREE1, OBJ(4));
	fx_kmalloc(&fx, SITE_CORE, OBJ(4), 64);
	fx_kfree(&fx, SITE_CORE, OBJ(4));
	ASSERT_TRUE(fx_is_quarantined(&fx, OBJ(4)), "quarantined again");
	ASSERT_TRUE(bpf_map_lookup_elem(fd, &(__u64){ OBJ(4) }, &r), "no reused record left");
	ASSERT_EQ(fx_stat(&fx, MW_STAT_REUSED_RETURNED), 1, "counted");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(4), 64);
	fx_kfree(&fx, SITE_FREE1, OBJ(4));
	ASSERT_EQ(fx_drain(&fx), 0, "the module's own again: its free is no double free");
	fx_kmalloc(&fx, SITE_CORE, OBJ(4), 64);
	fx_kfree(&fx, SITE_CORE, OBJ(4));
	fx_kfree(&fx, SITE_FREE2, OBJ(4));
	ASSERT_EQ(fx_drain(&fx), 1, "freed by its new owner, then by the old one");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_DOUBLE_FREE, "a double free");
	ASSERT_EQ(fx.events[0].hdr.flags & MW_EV_WARNING, 0, "of free memory: certain");
	fx_teardown(&fx);
}

TEST(a_copy_into_memory_core_code_got_since_is_a_possible_use_after_free)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(fx_site(&fx, 0, SITE_COPY, MW_CALLEE_COPY_FROM_USER), "installing a site");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(2), 64);
	fx_kfree(&fx, SITE_FREE1, OBJ(2));
	fx_kmalloc(&fx, SITE_CORE, OBJ(2), 64);		/* someone else's now */
	fx_fetch(&fx, 0, &no_slice, OBJ(2) + 8, ubuf, 8);
	ASSERT_EQ(fx_drain(&fx), 1, "copy into reused memory");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_USE_AFTER_FREE, "kind");
	ASSERT_TRUE(fx.events[0].hdr.flags & MW_EV_WARNING, "possible: a warning");
	ASSERT_EQ(fx.events[0].use_after_free.reused.site, SITE_CORE, "who got the memory");
	ASSERT_EQ(fx.events[0].use_after_free.access_addr, OBJ(2) + 8, "the copy");
	fx_fetch(&fx, 0, &no_slice, OBJ(2), ubuf + 64, 8);
	ASSERT_EQ(fx_drain(&fx), 0, "once per freed object");
	fx_teardown(&fx);
}

/*
 * Memory another module freed and core code got since, used or freed by a
 * second module: that one is most likely the new owner (core code handed it
 * the object), not a stale user. Only the old owner is suspect.
 */
TEST(another_module_using_memory_core_code_got_since_is_no_report)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(mw_registry_add_range(&fx.reg, "mw_other", FAKE_HI + 0x1000,
					FAKE_HI + 0x2000), "adding a second module");
	ASSERT_OK(fx_site(&fx, 0, SITE_COPY, MW_CALLEE_COPY_FROM_USER), "installing a site");
	fx_kmalloc(&fx, FAKE_HI + 0x1100, OBJ(5), 64);	/* mw_other's object */
	fx_kfree(&fx, FAKE_HI + 0x1200, OBJ(5));
	fx_kmalloc(&fx, SITE_CORE, OBJ(5), 64);		/* core code's now */
	fx_fetch(&fx, 0, &no_slice, OBJ(5) + 8, ubuf, 8);	/* module 1 copies into it */
	ASSERT_EQ(fx_drain(&fx), 0, "module 1 never owned it: no use after free");
	fx_kfree(&fx, SITE_FREE1, OBJ(5));
	ASSERT_EQ(fx_drain(&fx), 0, "nor a double free when it frees it");
	fx_teardown(&fx);
}

TEST(free_of_an_interior_pointer_is_invalid_free)
{
	FX_SETUP(&fx, NULL);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(3), 40);
	fx_kfree(&fx, SITE_FREE1, OBJ(3) + 8);
	ASSERT_EQ(fx_drain(&fx), 1, "reports");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_INVALID_FREE, "kind");
	ASSERT_EQ(fx.events[0].invalid_free.ptr, OBJ(3) + 8, "freed pointer");
	ASSERT_EQ(fx.events[0].invalid_free.obj.addr, OBJ(3), "the live object");
	ASSERT_TRUE(fx_is_live(&fx, OBJ(3)), "the object stays live");
	fx_kfree(&fx, SITE_CORE, OBJ(3) + 8);
	ASSERT_EQ(fx_drain(&fx), 0, "core code's frees are not checked that way");
	fx_teardown(&fx);
}

TEST(interior_pointers_resolve_in_a_module_cache_with_red_zones)
{
	/* 16 KiB objects after a 64-byte left red zone in order-3 slabs */
	struct mw_cache c = { .size = 16448, .object_size = 16384, .red_left_pad = 64,
			      .order = 3, .min_order = 3, .name = "mw_test_cache" };
	__u64 cache = 0xffff888123456700ull, slab = 0xffff888100040000ull;
	__u64 obj = slab + 64 + 16448;	/* the second object of the slab */

	FX_SETUP(&fx, NULL);
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.mw_caches), &cache, &c, 0),
		  "recording the cache layout");
	fx_cache_alloc(&fx, SITE_ALLOC, obj, cache);
	fx_cache_free(&fx, SITE_FREE1, obj + 8000);
	ASSERT_EQ(fx_drain(&fx), 1, "reports");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_INVALID_FREE, "kind");
	ASSERT_EQ(fx.events[0].invalid_free.obj.addr, obj, "object found from its layout");
	ASSERT_EQ(fx.events[0].invalid_free.obj.cache, cache, "its cache");
	fx_teardown(&fx);
}

/*
 * The kernel image and the modules hold no heap objects: a copy there (a
 * module's static buffer) is answered before any lookup. Shown with the
 * image's BTF standing in for an object, found only when the shortcut is off.
 */
TEST(the_kernel_image_is_never_searched_for_heap_objects)
{
	__u64 img = fx_btf_bytes(false, 64);
	struct mw_config cfg;
	int on;

	ASSERT_TRUE(img, "the kernel's BTF in /proc/kallsyms and /sys/kernel/btf");
	for (on = 0; on <= 1; on++) {
		fx_config(&cfg);
		cfg.image_not_heap = on;
		FX_SETUP(&fx, &cfg);
		ASSERT_OK(fx_site(&fx, 0, SITE_COPY, MW_CALLEE_COPY_TO_USER), "installing a site");
		fx_kmalloc_gfp(&fx, SITE_ALLOC, img, 64, GFP_KERNEL | GFP_ZERO);
		fx_kfree(&fx, SITE_FREE1, img);
		fx_store(&fx, 0, &no_slice, ubuf, img + 8, 8);
		ASSERT_EQ(fx_drain(&fx), on ? 0 : 1, on ? "not searched" : "found when searched");
		fx_teardown(&fx);
	}
}

TEST(uninitialised_bytes_copied_to_user_are_reported)
{
	/* Kernel memory that never changes stands for fresh allocations. */
	__u64 stale = fx_btf_bytes(false, 48), zero = fx_btf_bytes(true, 8);

	ASSERT_TRUE(stale && zero, "the kernel's BTF in /proc/kallsyms and /sys/kernel/btf");
	FX_SETUP(&fx, NULL);
	ASSERT_OK(fx_site(&fx, 0, SITE_COPY, MW_CALLEE_COPY_TO_USER), "installing a site");
	fx_kmalloc_gfp(&fx, SITE_ALLOC, stale, 48, GFP_KERNEL);
	fx_store(&fx, 0, &no_slice, ubuf, stale + 8, 32);
	ASSERT_EQ(fx_drain(&fx), 1, "reports");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_UNINIT_LEAK, "kind");
	ASSERT_EQ(fx.events[0].uninit_leak.uninit_len, 32, "bytes never written");
	ASSERT_EQ(fx.events[0].uninit_leak.copy_addr, stale + 8, "copy address");
	fx_kfree(&fx, SITE_FREE1, stale);
	fx_kmalloc_gfp(&fx, SITE_ALLOC, stale, 48, GFP_KERNEL | GFP_ZERO);
	fx_store(&fx, 0, &no_slice, ubuf, stale, 32);
	ASSERT_EQ(fx_drain(&fx), 0, "a kzalloc'd object");
	fx_kmalloc_gfp(&fx, SITE_ALLOC, zero, 8, GFP_KERNEL);
	fx_store(&fx, 0, &no_slice, ubuf, zero, 8);
	ASSERT_EQ(fx_drain(&fx), 0, "all-zero bytes leak nothing");
	fx_teardown(&fx);
}

TEST(live_objects_group_by_module_and_site_and_leave_on_unload)
{
	struct mw_alloc_group g[8];
	int n, i;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(mw_registry_add_range(&fx.reg, "mw_other", FAKE_HI + 0x1000,
					FAKE_HI + 0x2000), "adding a second module");
	mw_heap_init(fx.skel);
	for (i = 0; i < 3; i++)
		fx_kmalloc(&fx, SITE_ALLOC, OBJ(10 + i), 40);
	fx_kmalloc(&fx, SITE_FREE1, OBJ(20), 100);
	fx_kmalloc(&fx, FAKE_HI + 0x1100, OBJ(30), 8);
	n = mw_heap_group_live(1, true, g, 8);
	ASSERT_EQ(n, 2, "allocation sites of module 1");
	ASSERT_EQ(g[0].site == SITE_ALLOC ? g[0].count : g[1].count, 3, "objects at SITE_ALLOC");
	ASSERT_EQ(g[0].site == SITE_ALLOC ? g[0].bytes : g[1].bytes, 120, "their bytes");
	ASSERT_TRUE(!fx_is_live(&fx, OBJ(10)) && !fx_is_live(&fx, OBJ(20)),
		    "the unloaded module's objects are forgotten");
	ASSERT_TRUE(fx_is_live(&fx, OBJ(30)), "the other module's stay");
	ASSERT_EQ(mw_heap_group_live(0, false, g, 8), 1, "what is left");
	fx_teardown(&fx);
}

TEST(quarantine_evictions_are_countable)
{
	struct mw_config cfg;
	__u64 inserts, reused;
	int i;

	fx_config(&cfg);
	cfg.quarantine = 8;
	FX_SETUP(&fx, &cfg);
	mw_heap_init(fx.skel);
	for (i = 0; i < 40; i++) {
		fx_kmalloc(&fx, SITE_ALLOC, OBJ(100 + i), 8);
		fx_kfree(&fx, SITE_FREE1, OBJ(100 + i));
	}
	fx_kmalloc(&fx, SITE_CORE, OBJ(139), 8);	/* one handed out again */
	inserts = fx_stat(&fx, MW_STAT_QUARANTINE_INSERTS);
	reused = fx_stat(&fx, MW_STAT_QUARANTINE_REUSED);
	ASSERT_EQ(inserts, 40, "objects quarantined");
	ASSERT_EQ(reused, 1, "addresses handed out again");
	ASSERT_TRUE(mw_heap_quarantined() <= 8, "the quarantine keeps its bound");
	ASSERT_GT(inserts - reused - mw_heap_quarantined(), 20, "evicted: at least 40 - 1 - 8 - slack");
	fx_teardown(&fx);
}

TEST(uninitialised_bytes_of_a_poisoned_object_are_counted_one_by_one)
{
	__u64 obj;
	__u8 *mem;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(fx_site(&fx, 0, SITE_COPY, MW_CALLEE_COPY_TO_USER), "installing a site");
	/* Kernel memory the test can write: an object as slub_debug=P hands it out. */
	obj = fx_lock_mem(&fx, 4);
	mem = (__u8 *)fx_lock_word(&fx, 4);
	memset(mem, MW_POISON_FREE, 128);
	fx_kmalloc_gfp(&fx, SITE_ALLOC, obj, 100, GFP_KERNEL);
	/* The module writes its fields: an 8-byte hole at 8, a 3-byte one at 48, a 'k'. */
	memset(mem, 1, 8);
	memset(mem + 16, 2, 32);
	mem[20] = 'k';
	memset(mem + 51, 3, 9);
	/* [60, 100): the tail a scnprintf() never reached */
	fx_store(&fx, 0, &no_slice, ubuf, obj, 100);
	ASSERT_EQ(fx_drain(&fx), 1, "reports");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_UNINIT_LEAK, "kind");
	ASSERT_EQ(fx.events[0].uninit_leak.uninit_len, 48, "the hole and the tail, not 3 bytes or a 'k'");
	ASSERT_EQ(fx.events[0].uninit_leak.first_off, 8, "the first unwritten byte");
	ASSERT_EQ(fx.events[0].uninit_leak.end_off, 100, "the end of the last");
	fx.nr_events = 0;
	memset(mem + 8, 0, 8);
	memset(mem + 60, 0, 40);
	fx_store(&fx, 0, &no_slice, ubuf + 200, obj, 100);
	ASSERT_EQ(fx_drain(&fx), 0, "every byte written (short holes are not counted)");
	fx_teardown(&fx);
}
