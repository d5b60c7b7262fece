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
#include "families.h"
#include "fixture.h"
#include "ko.h"
#include "test.h"

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
	struct mw_syscall rd = { 0, { 3, 0, 40 } };	/* read(fd, buf, 40) */
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

/* Every row compiles; every callee modwatch knows is in a family (tools/api-census counts it). */
TEST(family_table_compiles_and_covers_every_callee)
{
	regex_t re[sizeof(family_res) / sizeof(family_res[0])];
	size_t i, n = sizeof(family_res) / sizeof(family_res[0]), bad = 0;
	__u32 c;

	for (i = 0; i < n; i++)
		ASSERT_OK(regcomp(&re[i], family_res[i], REG_EXTENDED | REG_NOSUB), family_res[i]);
	for (c = MW_CALLEE_NONE + 1; c < MW_CALLEE_NR; c++) {
		for (i = 0; i < n && regexec(&re[i], mw_callee_name(c), 0, NULL, 0); i++)
			;
		if (i == n && ++bad)
			mw_test_fail(__FILE__, __LINE__, "%s is in no family", mw_callee_name(c));
	}
	for (i = 0; i < n; i++)
		regfree(&re[i]);
	ASSERT_EQ(bad, 0, "callees outside the family table");
}
