// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF object's loads. The fixture leaves the kprobes out (the tests
 * cannot run them), so one test loads every program: the whole object must
 * verify on the host's kernel, as on the test VM's.
 */
#include <string.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "test.h"

static struct fx fx;

static bool is_kprobe(const struct bpf_program *prog)
{
	return bpf_program__type(prog) == BPF_PROG_TYPE_KPROBE;
}

TEST(every_program_of_the_object_verifies_on_this_kernel)
{
	struct bpf_program *prog;
	struct mw_config cfg;
	int kprobes = 0;

	fx_config(&cfg);
	cfg.progs = MW_PROGS_ALL;
	FX_SETUP(&fx, &cfg);
	bpf_object__for_each_program(prog, fx.skel->obj) {
		if (bpf_program__fd(prog) < 0) {
			mw_test_fail(__FILE__, __LINE__, "%s was not loaded",
				     bpf_program__name(prog));
			break;
		}
		kprobes += is_kprobe(prog);
	}
	ASSERT_GT(kprobes, 20, "kprobe programs verified");
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
		entries += loaded && !strncmp(bpf_program__name(prog), "mw_test_", strlen("mw_test_"));
	}
	ASSERT_GT(entries, 17, "mw_test_* entries loaded");
	fx_teardown(&fx);
}
