// SPDX-License-Identifier: GPL-2.0
/*
 * The kmem hooks' witnesses: an event the kernel skipped a hook for (it
 * nested in the hook's own run on that CPU) is judged by the witness, and
 * only then. The kernel's nesting is staged by writing the per-CPU busy
 * marks, then running the programs on that CPU.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "test.h"

static struct fx fx;

/* Run @prog on @cpu with raw_tp arguments @args. */
static int run_on(struct bpf_program *prog, int cpu, __u64 *args, int nr)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = nr * sizeof(*args),
		    .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = cpu);

	return bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) ? -errno : 0;
}

/* Read (@set NULL) or write one CPU's marks; the others are left as they are. */
static int hook_cpu(int cpu, struct mw_hook_cpu *get, const struct mw_hook_cpu *set)
{
	int fd = bpf_map__fd(fx.skel->maps.mw_hook_cpu), ncpu = libbpf_num_possible_cpus();
	struct mw_hook_cpu *vals = calloc(ncpu, sizeof(*vals));
	__u32 zero = 0;
	int err = -ENOMEM;

	if (!vals)
		return err;
	err = bpf_map_lookup_elem(fd, &zero, vals) ? -errno : 0;
	if (!err && set) {
		vals[cpu] = *set;
		err = bpf_map_update_elem(fd, &zero, vals, BPF_ANY) ? -errno : 0;
	}
	if (!err && get)
		*get = vals[cpu];
	free(vals);
	return err;
}

static int busy(int cpu, __u32 hook, __u8 nested)
{
	struct mw_hook_cpu c = {};

	c.busy[hook] = 1;
	c.nested[hook] = nested;
	return hook_cpu(cpu, NULL, &c);
}

static int kfree_witness(int cpu, __u64 site, __u64 ptr)
{
	__u64 args[2] = { site, ptr };

	return run_on(fx.skel->progs.mw_kfree_witness, cpu, args, 2);
}

TEST(witness_is_silent_while_its_hook_is_idle)
{
	FX_SETUP(&fx, NULL);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(1), 40);
	ASSERT_OK(kfree_witness(0, SITE_CORE, OBJ(1)), "running the kfree witness");
	ASSERT_TRUE(fx_is_live(&fx, OBJ(1)), "the hook judged this free: the witness leaves it");
	ASSERT_EQ(fx_stat(&fx, MW_STAT_WITNESSED_FREES), 0, "frees witnessed");
	fx_teardown(&fx);
}

TEST(witness_judges_a_free_its_busy_hook_was_skipped_for)
{
	FX_SETUP(&fx, NULL);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(2), 40);
	ASSERT_OK(busy(1 % libbpf_num_possible_cpus(), MW_HOOK_KFREE, 0), "marking mw_kfree busy");
	ASSERT_OK(kfree_witness(0, SITE_CORE, OBJ(2)), "witness on another CPU");
	ASSERT_TRUE(fx_is_live(&fx, OBJ(2)) || libbpf_num_possible_cpus() == 1,
		    "a hook busy on another CPU was not skipped here");
	ASSERT_OK(busy(0, MW_HOOK_KFREE, 0), "marking mw_kfree busy on CPU 0");
	ASSERT_OK(kfree_witness(0, SITE_CORE, OBJ(2)), "witness on the busy CPU");
	ASSERT_TRUE(!fx_is_live(&fx, OBJ(2)) && fx_is_quarantined(&fx, OBJ(2)),
		    "the skipped free retires the object");
	ASSERT_EQ(fx_stat(&fx, MW_STAT_WITNESSED_FREES), 1, "frees witnessed");
	ASSERT_EQ(fx_stat(&fx, MW_STAT_WITNESSED_ALLOCS), 0, "allocations witnessed");
	/* the module frees it again, also in an interrupt of the hook */
	ASSERT_OK(kfree_witness(0, SITE_FREE2, OBJ(2)), "a second skipped free");
	ASSERT_EQ(fx_drain(&fx), 1, "reports");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_DOUBLE_FREE, "a witnessed free can be a double free");
	ASSERT_EQ(fx.events[0].double_free.obj.free_site, SITE_CORE, "its first free");
	fx_teardown(&fx);
}

TEST(witness_leaves_a_nested_run_that_was_not_skipped)
{
	struct mw_hook_cpu c;

	FX_SETUP(&fx, NULL);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(3), 40);
	/* A kernel without raw_tp recursion protection: the hook ran nested itself. */
	ASSERT_OK(busy(0, MW_HOOK_KFREE, 1), "marking mw_kfree busy, one nested run");
	ASSERT_OK(kfree_witness(0, SITE_CORE, OBJ(3)), "running the witness");
	ASSERT_TRUE(fx_is_live(&fx, OBJ(3)), "the witness does not judge the event twice");
	ASSERT_OK(hook_cpu(0, &c, NULL), "reading the marks");
	ASSERT_EQ(c.nested[MW_HOOK_KFREE], 0, "the nested run is accounted for");
	ASSERT_EQ(c.busy[MW_HOOK_KFREE], 1, "the outer run is still busy");
	fx_teardown(&fx);
}

TEST(hook_marks_itself_busy_only_while_it_runs)
{
	__u64 args[2] = { SITE_CORE, OBJ(4) };
	struct mw_hook_cpu c;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(run_on(fx.skel->progs.mw_kfree, 0, args, 2), "running mw_kfree");
	ASSERT_OK(hook_cpu(0, &c, NULL), "reading the marks");
	ASSERT_EQ(c.busy[MW_HOOK_KFREE], 0, "idle after its run");
	ASSERT_EQ(c.nested[MW_HOOK_KFREE], 0, "a run that nested in nothing");
	/* A run inside a busy hook (no recursion protection) keeps the outer mark. */
	ASSERT_OK(busy(0, MW_HOOK_KFREE, 0), "marking mw_kfree busy");
	ASSERT_OK(run_on(fx.skel->progs.mw_kfree, 0, args, 2), "a nested mw_kfree");
	ASSERT_OK(hook_cpu(0, &c, NULL), "reading the marks");
	ASSERT_EQ(c.busy[MW_HOOK_KFREE], 1, "the outer run's mark stays");
	ASSERT_EQ(c.nested[MW_HOOK_KFREE], 1, "the nested run tells its witness");
	fx_teardown(&fx);
}

TEST(allocation_witness_retires_a_quarantined_address)
{
	__u64 args[6] = { SITE_CORE, OBJ(5), 40, 64, 0xcc0, 0 };

	FX_SETUP(&fx, NULL);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(5), 40);
	fx_kfree(&fx, SITE_FREE1, OBJ(5));
	ASSERT_TRUE(fx_is_quarantined(&fx, OBJ(5)), "freed: quarantined");
	ASSERT_OK(busy(0, MW_HOOK_KMALLOC, 0), "marking mw_kmalloc busy");
	ASSERT_OK(run_on(fx.skel->progs.mw_kmalloc_witness, 0, args, 6), "kmalloc witness");
	ASSERT_TRUE(!fx_is_quarantined(&fx, OBJ(5)), "handed out again: no longer quarantined");
	ASSERT_EQ(fx_stat(&fx, MW_STAT_WITNESSED_ALLOCS), 1, "allocations witnessed");
	fx_kfree(&fx, SITE_FREE2, OBJ(5));
	ASSERT_EQ(fx_drain(&fx), 1, "a free after a witnessed reuse by core code");
	ASSERT_TRUE(fx.events[0].hdr.flags & MW_EV_WARNING, "is a possible double free");
	ASSERT_EQ(fx.events[0].double_free.reused.site, SITE_CORE, "who got the memory");
	fx_teardown(&fx);
}
