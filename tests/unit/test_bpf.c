// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF object's loads. The fixture leaves the kprobes out (the tests
 * cannot run them), so one test loads every program: the whole object must
 * verify on the host's kernel, as on the test VM's, each program within
 * the verifier budget (the e2e suite holds each guest kernel to it too).
 * A refusal is made real by loading a program as a type whose helpers it
 * cannot use (MODWATCH_FAULT_REFUSE): the kernel's verifier refuses it.
 */
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "usercopy.h"
#include "fixture.h"
#include "test.h"
#include "sites.h"

static struct fx fx;

static bool is_kprobe(const struct bpf_program *prog)
{
	return bpf_program__type(prog) == BPF_PROG_TYPE_KPROBE;
}

static const struct mw_verdict *verdict(const struct mw_load *l, const char *name)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

TEST(every_program_verifies_within_the_budget_on_this_kernel)
{
	const struct mw_verdict *v;
	struct bpf_program *prog;
	struct mw_config cfg;
	int kprobes = 0;

	fx_config(&cfg);
	cfg.progs = MW_PROGS_ALL;
	FX_SETUP(&fx, &cfg);
	bpf_object__for_each_program(prog, fx.skel->obj) {
		v = verdict(&fx.load, bpf_program__name(prog));
		if (!v || v->err || bpf_program__fd(prog) < 0) {
			mw_test_fail(__FILE__, __LINE__, "%s was not loaded",
				     bpf_program__name(prog));
			break;
		}
		if (!v->stats || v->processed > MW_VERIFIER_BUDGET) {
			mw_test_fail(__FILE__, __LINE__, "%s: %u processed instructions, budget %u",
				     v->name, v->processed, MW_VERIFIER_BUDGET);
			break;
		}
		if (!mw_prog_known(v->name)) {
			mw_test_fail(__FILE__, __LINE__, "%s has no row in progs.c's table",
				     v->name);
			break;
		}
		kprobes += is_kprobe(prog);
	}
	if (!mw_test_failed())
		ASSERT_GT(kprobes, 8, "kprobe programs verified");
	fx_teardown(&fx);
}

TEST(the_fixture_loads_the_test_entries_and_no_kprobe)
{
	struct bpf_program *prog;
	int entries = 0;
	bool loaded;

	FX_SETUP(&fx, NULL);
	bpf_object__for_each_program(prog, fx.skel->obj) {
		loaded = bpf_program__fd(prog) >= 0;
		if (is_kprobe(prog) && loaded) {
			mw_test_fail(__FILE__, __LINE__, "kprobe %s was loaded",
				     bpf_program__name(prog));
			break;
		}
		entries += loaded &&
			   !strncmp(bpf_program__name(prog), "mw_test_", strlen("mw_test_"));
	}
	ASSERT_GT(entries, 16, "mw_test_* entries loaded");
	fx_teardown(&fx);
}

/* Two overlapping fetches at two sites of the fake module, in one ioctl. */
static int double_fetch(struct fx *f)
{
	static __u8 ubuf[64];
	struct mw_syscall sc = { .nr = 16, .arg = { 3, (1u << 30) | (16u << 16), (__u64)ubuf } };
	int err = fx_site(f, 0, FAKE_LO + 0x1000, MW_CALLEE_COPY_FROM_USER);

	err = err ?: fx_site(f, 1, FAKE_LO + 0x1040, MW_CALLEE_COPY_FROM_USER);
	err = err ?: fx_fetch(f, 0, &sc, 0, ubuf, 4);
	err = err ?: fx_fetch(f, 1, &sc, 0, ubuf, 16);
	fx_next_syscall(f);
	fx_drain(f);
	return err ? err : fx_count(f, MW_DOUBLE_FETCH);
}

/* A watched allocation freed twice at the fake module's own kfree() call. */
static int double_free(struct fx *f)
{
	int err = fx_site(f, 2, FAKE_LO + 0x1080, MW_CALLEE_KFREE);

	err = err ?: fx_kmalloc(f, SITE_ALLOC, OBJ(7), 32);
	err = err ?: fx_free_call(f, 2, OBJ(7), FX_FREE_PROBED);
	err = err ?: fx_free_call(f, 2, OBJ(7), FX_FREE_PROBED);
	fx_drain(f);
	return err ? err : fx_count(f, MW_DOUBLE_FREE);
}

TEST(a_refused_program_costs_its_rules_not_the_load)
{
	const struct mw_verdict *v;

	/* Refused for real by this kernel's verifier: loaded as a socket filter. */
	setenv("MODWATCH_FAULT_REFUSE", "mw_kfree,mw_test_behalf_ret", 1);
	FX_SETUP(&fx, NULL);
	unsetenv("MODWATCH_FAULT_REFUSE");
	ASSERT_EQ(mw_load_refused(&fx.load), 2, "programs refused");
	v = verdict(&fx.load, "mw_kfree");
	ASSERT_TRUE(v && v->err < 0, "mw_kfree refused");
	ASSERT_TRUE(bpf_program__fd(fx.skel->progs.mw_kfree) < 0, "and not loaded");
	ASSERT_TRUE(bpf_program__fd(fx.skel->progs.mw_test_fetch) >= 0, "the others loaded");
	/* Without every kfree() a freed object's record may be stale: the heap rules are off. */
	ASSERT_TRUE(mw_load_rules_off(&fx.load) & (1u << MW_DOUBLE_FREE), "double_free off");
	ASSERT_TRUE(!(mw_load_rules_off(&fx.load) & (1u << MW_DOUBLE_FETCH)), "double_fetch on");
	mw_bpf_set_rules_off(fx.skel, mw_load_rules_off(&fx.load));
	ASSERT_EQ(double_free(&fx), 0, "no double_free report once it is off");
	ASSERT_EQ(double_fetch(&fx), 1, "the other rules still catch");
	fx_teardown(&fx);

	FX_SETUP(&fx, NULL);
	ASSERT_EQ(mw_load_refused(&fx.load), 0, "nothing refused without the fault");
	ASSERT_EQ(double_free(&fx), 1, "the same frees are a double_free");
	fx_teardown(&fx);
}
