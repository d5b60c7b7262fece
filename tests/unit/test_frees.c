// SPDX-License-Identifier: GPL-2.0
/*
 * Frees seen at the module's own call instructions, through the real
 * programs: the probe and the kfree tracepoint inside the same call are one
 * free, not two; a free the tracepoint never reports (a skipped run, vfree)
 * still retires the object; kfree_rcu() retires it for good, its later
 * uses under RCU are no use after free, and a second free of it is still a
 * double free. Plus the family table behind the blind-spot lists.
 */
#include <regex.h>
#include <string.h>
#include <bpf/bpf.h>
#include "heap.h"
#include "usercopy.h"
#include "sites.h"
#include "ko/families.h"
#include "fixture.h"
#include "ko/ko.h"
#include "test.h"
#include "probe/heap_maps.h"
#include "ko/callees.h"

static struct fx fx;

/* Site 0: kfree; site 1: kvfree_call_rcu; site 2: a copy_to_user. */
#define S_KFREE		0
#define S_RCU		1
#define S_COPY		2
#define ADDR_KFREE	(FAKE_LO + 0x400)
#define ADDR_RCU	(FAKE_LO + 0x500)
#define ADDR_COPY	(FAKE_LO + 0x600)

static int sites(void)
{
	int err = fx_site(&fx, S_KFREE, ADDR_KFREE, MW_CALLEE_KFREE);

	if (!err)
		err = fx_site(&fx, S_RCU, ADDR_RCU, MW_CALLEE_KVFREE_CALL_RCU);
	return err ? err : fx_site(&fx, S_COPY, ADDR_COPY, MW_CALLEE_COPY_TO_USER);
}

TEST(a_probed_free_and_its_tracepoint_are_one_free)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(1), 40);
	fx_free_call(&fx, S_KFREE, OBJ(1), FX_FREE_PROBED);
	ASSERT_TRUE(fx_is_quarantined(&fx, OBJ(1)), "retired at the call");
	fx_kfree(&fx, ADDR_KFREE + 5, OBJ(1));	/* the tracepoint inside that kfree */
	ASSERT_EQ(fx_drain(&fx), 0, "no double free");
	/* a real second free: by the probe, and by the tracepoint alone */
	fx_free_call(&fx, S_KFREE, OBJ(1), FX_FREE_PROBED);
	fx_drain(&fx);
	ASSERT_EQ(fx_count(&fx, MW_DOUBLE_FREE), 1, "a second call is a double free");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(2), 40);
	fx_free_call(&fx, S_KFREE, OBJ(2), FX_FREE_PROBED);
	fx_kfree(&fx, ADDR_KFREE + 5, OBJ(2));
	fx_kfree(&fx, SITE_FREE2, OBJ(2));	/* an unprobed site frees it again */
	fx_drain(&fx);
	ASSERT_EQ(fx_count(&fx, MW_DOUBLE_FREE), 2, "after the mark is taken, a free is a second one");
	fx_teardown(&fx);
}

/* The tracepoint run was skipped (a free nested in a running hook): the probe retired it. */
TEST(a_free_whose_tracepoint_was_skipped_is_no_leak)
{
	struct mw_alloc_group g[4];

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	mw_heap_init(fx.skel);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(3), 40);
	fx_free_call(&fx, S_KFREE, OBJ(3), FX_FREE_PROBED);
	ASSERT_EQ(mw_heap_group_live(1, false, g, 4), 0, "nothing live left to call a leak");
	fx_teardown(&fx);
}

TEST(kfree_rcu_retires_the_object_and_rcu_readers_are_no_use_after_free)
{
	struct mw_syscall rd = { .nr = 0, .arg = { 3, 0, 40 } };	/* read(fd, buf, 40) */
	char ubuf[64];
	struct mw_alloc_group g[4];

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	mw_heap_init(fx.skel);
	rd.arg[1] = (__u64)ubuf;
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(4), 40);
	fx_free_call(&fx, S_RCU, OBJ(4), FX_FREE_RCU);
	ASSERT_TRUE(fx_is_quarantined(&fx, OBJ(4)), "retired at kvfree_call_rcu()");
	ASSERT_EQ(mw_heap_group_live(1, false, g, 4), 0, "no leak: the batch free is never reported");
	fx_store(&fx, S_COPY, &rd, ubuf, OBJ(4), 8);	/* a reader before the grace period */
	ASSERT_EQ(fx_drain(&fx), 0, "no use after free within the grace period");
	fx_free_call(&fx, S_KFREE, OBJ(4), FX_FREE_PROBED);
	fx_drain(&fx);
	ASSERT_EQ(fx_count(&fx, MW_DOUBLE_FREE), 1, "kfree_rcu() then kfree(): a double free");
	fx_teardown(&fx);
}

/*
 * kvfree_call_rcu()'s second argument: the rcu_head's offset in the object
 * before v6.3, the object itself since; none of the object without a head.
 * Each form retires the object; a value that is neither frees nothing.
 */
TEST(kfree_rcu_is_understood_in_both_kernels_forms)
{
	static const struct {
		const char *form;
		__u64 head_off, arg;	/* arg: OBJ()'s offset from it, or a value */
		bool obj_arg, frees;
	} c[] = {
		{ "6.1: head and its offset", 16, 16, false, true },
		{ "6.12: head and the object", 16, 0, true, true },
		{ "no head: the object", 0, 0, true, true },
		{ "head and a function address", 16, 0xffffffff81000000ull, false, false },
	};
	struct mw_alloc_group g[4];
	__u64 obj, head;
	size_t i;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	mw_heap_init(fx.skel);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		obj = OBJ(40 + i);
		head = c[i].head_off ? obj + c[i].head_off : 0;
		fx_kmalloc(&fx, SITE_ALLOC, obj, 40);
		fx_free_rcu(&fx, S_RCU, head, c[i].obj_arg ? obj : c[i].arg);
		ASSERT_EQ(fx_is_quarantined(&fx, obj), c[i].frees, c[i].form);
	}
	ASSERT_EQ(mw_heap_group_live(1, false, g, 4), 1, "the one not freed is live");
	ASSERT_EQ(fx_drain(&fx), 0, "no report");
	fx_teardown(&fx);
}

/*
 * The tracepoint inside a probed free call leaves the rules to the probe:
 * an invalid free there is reported once, not once per path.
 */
TEST(a_probed_call_is_judged_once)
{
	__u64 ret = ADDR_KFREE + 5;
	__u32 one = 1;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	ASSERT_OK(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.mw_probed_frees), &ret, &one,
				      BPF_ANY), "marking the site probed");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(8), 40);
	fx_free_call(&fx, S_KFREE, OBJ(8) + 8, FX_FREE_PROBED);	/* kfree(obj + 8) */
	fx_kfree(&fx, ret, OBJ(8) + 8);
	fx_drain(&fx);
	ASSERT_EQ(fx_count(&fx, MW_INVALID_FREE), 1, "one invalid free");
	fx_free_call(&fx, S_KFREE, OBJ(8), FX_FREE_PROBED);
	fx_kfree(&fx, ret, OBJ(8));
	fx_free_call(&fx, S_KFREE, OBJ(8), FX_FREE_PROBED);	/* again: a double free */
	fx_kfree(&fx, ret, OBJ(8));
	fx_drain(&fx);
	ASSERT_EQ(fx_count(&fx, MW_DOUBLE_FREE), 1, "one double free, from the probe");
	ASSERT_EQ(fx.nr_events, 2, "nothing else");
	fx_teardown(&fx);
}

#define FAMILY_RE(fam, re) re,
static const char *const family_res[] = { MW_FAMILIES(FAMILY_RE) };
#undef FAMILY_RE

/*
 * Every row compiles; every name of every callee modwatch knows, on each
 * kernel, is in a family (tools/api-census counts it).
 */
TEST(family_table_compiles_and_covers_every_callee)
{
	regex_t re[sizeof(family_res) / sizeof(family_res[0])];
	size_t i, n = sizeof(family_res) / sizeof(family_res[0]), bad = 0, names = 0;
	const char *name;
	unsigned int nth;
	__u32 c;

	for (i = 0; i < n; i++)
		ASSERT_OK(regcomp(&re[i], family_res[i], REG_EXTENDED | REG_NOSUB), family_res[i]);
	for (c = MW_CALLEE_NONE + 1; c < MW_CALLEE_NR; c++) {
		for (nth = 0; (name = mw_callee_symbol(c, nth)); nth++, names++) {
			for (i = 0; i < n && regexec(&re[i], name, 0, NULL, 0); i++)
				;
			if (i == n && ++bad)
				mw_test_fail(__FILE__, __LINE__, "%s is in no family", name);
		}
	}
	ASSERT_TRUE(names > MW_CALLEE_NR, "the renames are names too");
	ASSERT_EQ(strcmp(mw_callee_symbol(MW_CALLEE_KMEMDUP, 1), "kmemdup_noprof"), 0,
		  "kmemdup's 6.12 name");
	for (i = 0; i < n; i++)
		regfree(&re[i]);
	ASSERT_EQ(bad, 0, "callees outside the family table");
}

/* Sites of allocators that allocate on the module's behalf. */
#define S_KMEMDUP	3
#define S_VMALLOC	4
#define S_KVFREE	5
#define ADDR_KMEMDUP	(FAKE_LO + 0x700)
#define ADDR_VMALLOC	(FAKE_LO + 0x800)
#define ADDR_KVFREE	(FAKE_LO + 0x900)
#define VMALLOC_AREA	0xffffc90000100000ull

static int behalf_sites(void)
{
	int err = fx_site(&fx, S_KMEMDUP, ADDR_KMEMDUP, MW_CALLEE_KMEMDUP);

	if (!err)
		err = fx_site(&fx, S_VMALLOC, ADDR_VMALLOC, MW_CALLEE_VMALLOC);
	return err ? err : fx_site(&fx, S_KVFREE, ADDR_KVFREE, MW_CALLEE_KVFREE);
}

/* The layout without CONFIG_RANDOMIZE_MEMORY, whatever this machine's: VMALLOC_AREA is vmalloc's. */
static void static_layout(void)
{
	mw_heap_init(fx.skel);
	fx.skel->bss->mw_vmalloc_start = 0xffffc90000000000ull;
	fx.skel->bss->mw_vmalloc_end = 0xffffea0000000000ull;
}

static bool alloc_site_is(__u64 ptr, __u64 site, __u64 size, __u32 flags)
{
	struct mw_object o;

	return !bpf_map_lookup_elem(bpf_map__fd(fx.skel->maps.mw_objects), &ptr, &o) &&
	       o.alloc_site == site && o.size == size && o.flags == flags && o.module_id == 1;
}

/*
 * kmemdup(): core code's kmalloc inside the module's call is the module's
 * object, allocated at its call; a use after its free names that call.
 */
TEST(an_allocation_on_the_modules_behalf_is_the_modules)
{
	struct mw_syscall rd = { .nr = 0, .arg = { 3, 0, 40 } };
	char ubuf[64];

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	ASSERT_OK(behalf_sites(), "installing allocator sites");
	rd.arg[1] = (__u64)ubuf;
	fx_behalf_call(&fx, S_KMEMDUP, 0);
	ASSERT_EQ(fx.skel->bss->mw_behalf_active, 1, "one window open");
	fx_kmalloc(&fx, SITE_CORE, OBJ(20), 40);	/* kmemdup's own kmalloc */
	fx_kmalloc(&fx, SITE_CORE, OBJ(21), 16);	/* something else it allocates: not the first */
	ASSERT_TRUE(!fx_is_live(&fx, OBJ(20)), "nothing tracked before the call returns");
	fx_behalf_ret(&fx, S_KMEMDUP, OBJ(20));
	ASSERT_EQ(fx.skel->bss->mw_behalf_active, 0, "the window closed");
	ASSERT_TRUE(alloc_site_is(OBJ(20), ADDR_KMEMDUP, 40, 0), "the module's, at its call");
	ASSERT_TRUE(!fx_is_live(&fx, OBJ(21)), "only the pointer returned");
	fx_kfree(&fx, SITE_FREE1, OBJ(20));
	fx_store(&fx, S_COPY, &rd, ubuf, OBJ(20), 8);
	fx_drain(&fx);
	ASSERT_EQ(fx_count(&fx, MW_USE_AFTER_FREE), 1, "a use after its free");
	ASSERT_EQ(fx.events[0].use_after_free.obj.alloc_site, ADDR_KMEMDUP, "named at the kmemdup");
	/* kstrdup_const() may return a string in .rodata: no kmalloc, nothing to track */
	fx_behalf_call(&fx, S_KMEMDUP, 0);
	fx_behalf_ret(&fx, S_KMEMDUP, OBJ(22));
	ASSERT_TRUE(!fx_is_live(&fx, OBJ(22)), "no candidate, no object");
	fx_teardown(&fx);
}

/* vmalloc(): no tracepoint at all; the size the call asked for, and a free only a probe sees. */
TEST(a_vmalloc_area_is_tracked_from_its_call_and_forgotten_when_freed)
{
	struct mw_alloc_group g[4];

	FX_SETUP(&fx, NULL);
	ASSERT_OK(behalf_sites(), "installing allocator sites");
	static_layout();
	fx_behalf_call(&fx, S_VMALLOC, 5000);
	fx_kmalloc(&fx, SITE_CORE, OBJ(23), 64);	/* its struct vm_struct: not the area */
	fx_behalf_ret(&fx, S_VMALLOC, VMALLOC_AREA);
	ASSERT_TRUE(alloc_site_is(VMALLOC_AREA, ADDR_VMALLOC, 5000, MW_OBJ_VMALLOC),
		    "the area, at the vmalloc call");
	ASSERT_EQ(mw_heap_group_live(1, false, g, 4), 1, "one live group");
	ASSERT_TRUE(g[0].vmalloc, "of vmalloc areas");
	fx_free_call(&fx, S_KVFREE, VMALLOC_AREA, FX_FREE_PROBED);
	ASSERT_TRUE(!fx_is_live(&fx, VMALLOC_AREA), "freed by kvfree");
	ASSERT_TRUE(!fx_is_quarantined(&fx, VMALLOC_AREA), "and forgotten: no tracepoint says "
		    "when the address is someone else's");
	fx_teardown(&fx);
}

/*
 * kvmalloc(1880) whose kmalloc the tracepoint did not show (the kernel
 * skipped the hook run): what comes back is slab memory in the direct map,
 * not a vmalloc area. Taken for a page-sized area, the object after it in
 * the slab (6.12's evdev client, then the uinput device's struct input_dev)
 * looked like its tail: a heap_overflow_read that was not.
 */
TEST(a_kvmalloc_whose_kmalloc_went_unseen_is_not_taken_for_a_vmalloc_area)
{
	const __u64 slab_obj = 0xffff888005a71000ull;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(behalf_sites(), "installing allocator sites");
	static_layout();
	fx_behalf_call(&fx, S_VMALLOC, 1880);
	fx_behalf_ret(&fx, S_VMALLOC, slab_obj);
	ASSERT_TRUE(!fx_is_live(&fx, slab_obj), "a direct-map address is no vmalloc area");
	ASSERT_EQ(fx.skel->bss->mw_behalf_active, 0, "the window closed all the same");
	fx_behalf_call(&fx, S_VMALLOC, 1880);
	fx_behalf_ret(&fx, S_VMALLOC, VMALLOC_AREA);
	ASSERT_TRUE(alloc_site_is(VMALLOC_AREA, ADDR_VMALLOC, 1880, MW_OBJ_VMALLOC),
		    "one in the vmalloc space is");
	fx_teardown(&fx);
}
