// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel stacks: kept by the hooks in the BPF stack map, quoted by reports
 * and objects, read back and cut by the daemon. In the unit tests the
 * "kernel stack" is the host kernel's own, under BPF_PROG_TEST_RUN: real
 * frames from a real walk, which kallsyms names.
 */
#include <string.h>
#include "events.h"
#include "stacks.h"
#include "fixture.h"
#include "test.h"
#include "probe/stack_maps.h"
#include "symbols/ksym.h"

static struct fx fx;

/* A double free at SITE_FREE2 of an object allocated and freed once; the report, drained. */
static const struct mw_event *double_free(struct fx *f, __u64 obj)
{
	fx_kmalloc(f, SITE_ALLOC, obj, 40);
	fx_kfree(f, SITE_FREE1, obj);
	fx_kfree(f, SITE_FREE2, obj);
	if (fx_drain(f) != 1 || f->events[f->nr_events - 1].hdr.kind != MW_DOUBLE_FREE)
		return NULL;
	return &f->events[f->nr_events - 1];
}

/* Does stack @ref have a frame in a kernel function whose name holds @part? */
static bool stack_has(__u32 ref, const char *part)
{
	__u64 ips[MW_STACK_DEPTH_MAX];
	int i, n = mw_stack_read(ref, 0, ips, MW_STACK_DEPTH_MAX);
	struct mw_sym s;

	for (i = 0; i < n; i++)
		if (!mw_ksym_resolve(ips[i], &s) && s.name && strstr(s.name, part))
			return true;
	return false;
}

TEST(stacks_of_the_report_the_allocation_and_the_free_are_kept)
{
	const struct mw_event *e;
	__u64 ips[MW_STACK_DEPTH_MAX];

	FX_SETUP(&fx, NULL);
	e = double_free(&fx, OBJ(1));
	ASSERT_TRUE(e, "a double free is reported");
	ASSERT_NE(e->hdr.stack, 0, "the report quotes its stack");
	ASSERT_NE(e->double_free.obj.alloc_stack, 0, "the object quotes its allocation's stack");
	ASSERT_NE(e->double_free.obj.free_stack, 0, "and its first free's");
	ASSERT_GT(mw_stack_read(e->hdr.stack, 0, ips, MW_STACK_DEPTH_MAX), 1,
		  "the report's stack has frames");
	ASSERT_TRUE(ips[0] >= 0xffffffff80000000ull, "frames are kernel text addresses");
	/* The walk really is this kernel's: BPF_PROG_TEST_RUN's raw_tp runner called the hook. */
	ASSERT_TRUE(stack_has(e->hdr.stack, "test_run_raw_tp"),
		    "the report's stack passes through the test runner");
	ASSERT_TRUE(stack_has(e->double_free.obj.alloc_stack, "test_run_raw_tp"),
		    "so does the allocation's");
	fx_teardown(&fx);
}

TEST(the_same_stack_is_kept_once)
{
	const struct mw_event *a, *b;

	FX_SETUP(&fx, NULL);
	a = double_free(&fx, OBJ(1));
	b = double_free(&fx, OBJ(2));
	ASSERT_TRUE(a && b, "both double frees are reported");
	ASSERT_EQ(a->hdr.stack, b->hdr.stack, "one code path, one stack id");
	ASSERT_EQ(a->double_free.obj.alloc_stack, b->double_free.obj.alloc_stack,
		  "allocations by one path share their stack");
	fx_teardown(&fx);
}

TEST(stacks_option_picks_which_are_kept)
{
	static const struct {
		const char *what;
		__u32 stacks, depth;
		bool report, heap;	/* expected */
	} cases[] = {
		{ "--stacks report", MW_STACKS_REPORT, MW_STACK_DEPTH, true, false },
		{ "--stacks none", 0, MW_STACK_DEPTH, false, false },
		{ "--stack-depth 0", MW_STACKS_ALL, 0, false, false },
	};
	const struct mw_event *e;
	struct mw_config cfg;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx_config(&cfg);
		cfg.stacks = cases[i].stacks;
		cfg.stack_depth = cases[i].depth;
		FX_SETUP(&fx, &cfg);
		e = double_free(&fx, OBJ(1));
		ASSERT_TRUE(e, cases[i].what);
		ASSERT_EQ(!!e->hdr.stack, cases[i].report, cases[i].what);
		ASSERT_EQ(!!e->double_free.obj.alloc_stack, cases[i].heap, cases[i].what);
		ASSERT_EQ(!!e->double_free.obj.free_stack, cases[i].heap, cases[i].what);
		fx_teardown(&fx);
	}
}

TEST(stack_depth_caps_the_frames_read_back)
{
	const struct mw_event *e;
	__u64 ips[MW_STACK_DEPTH_MAX];
	struct mw_config cfg;

	fx_config(&cfg);
	cfg.stack_depth = 2;
	FX_SETUP(&fx, &cfg);
	e = double_free(&fx, OBJ(1));
	ASSERT_TRUE(e && e->hdr.stack, "a report with a stack");
	ASSERT_EQ(mw_stack_read(e->hdr.stack, 0, ips, MW_STACK_DEPTH_MAX), 2,
		  "--stack-depth 2: two frames");
	fx_teardown(&fx);
}

/* The daemon cuts a stack at the module's frame: the frames above it are BPF's and the hook's. */
TEST(a_stack_is_read_from_the_frame_at_the_site_on)
{
	const struct mw_event *e;
	__u64 all[MW_STACK_DEPTH_MAX], cut[MW_STACK_DEPTH_MAX];
	int n, m;

	FX_SETUP(&fx, NULL);
	e = double_free(&fx, OBJ(1));
	ASSERT_TRUE(e && e->hdr.stack, "a report with a stack");
	n = mw_stack_read(e->hdr.stack, 0, all, MW_STACK_DEPTH_MAX);
	ASSERT_GT(n, 2, "frames to cut");
	m = mw_stack_read(e->hdr.stack, all[2] - 3, cut, MW_STACK_DEPTH_MAX);
	ASSERT_EQ(m, n - 2, "cut at the frame near the site");
	ASSERT_EQ(cut[0], all[2] - 3, "starting with it, named by the site (a kprobe's ip is past it)");
	m = mw_stack_read(e->hdr.stack, all[2], cut, MW_STACK_DEPTH_MAX);
	ASSERT_TRUE(m == n - 2 && cut[0] == all[2], "a return address at the site stays as it is");
	m = mw_stack_read(e->hdr.stack, 0x1000, cut, MW_STACK_DEPTH_MAX);
	ASSERT_EQ(m, n, "no frame near the site: all of them");
	ASSERT_EQ(mw_stack_read(0, 0, cut, MW_STACK_DEPTH_MAX), 0, "reference 0: no stack");
	fx_teardown(&fx);
}

/* A code symbol's size is what the kernel prints after the slash: up to the next symbol. */
TEST(a_code_symbol_is_resolved_with_its_size_up_to_the_next_one)
{
	__u64 fn = fx_ksym("bpf_prog_test_run_raw_tp");
	struct mw_sym s, next;

	ASSERT_NE(fn, 0, "the test runner is in kallsyms");
	ASSERT_EQ(mw_ksym_resolve(fn + 1, &s), 0, "an address inside it resolves");
	ASSERT_TRUE(s.name && !strcmp(s.name, "bpf_prog_test_run_raw_tp"), "to it");
	ASSERT_GT(s.size, 1, "with its size");
	ASSERT_TRUE(s.size < 0x10000, "a function's, not a section's");
	ASSERT_EQ(mw_ksym_resolve(fn + s.size - 1, &next), 0, "its last byte resolves");
	ASSERT_TRUE(next.name == s.name, "to it still");
	ASSERT_EQ(mw_ksym_resolve(fn + s.size, &next), 0, "and the byte after it");
	ASSERT_TRUE(next.name && strcmp(next.name, s.name), "to the next function");
	ASSERT_EQ(next.offset, 0, "at its start");
	mw_ksym_resolve_var(fn, &next);
	ASSERT_EQ(next.size, 0, "data symbols get no size");
}
