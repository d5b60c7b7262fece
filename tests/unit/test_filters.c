// SPDX-License-Identifier: GPL-2.0
/*
 * --kind, --pid and --comm, through the real programs: a report nobody
 * asked for is never made, and its occurrences do not make a wanted one a
 * repeat.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include "events.h"
#include "fixture.h"
#include "test.h"

static struct fx fx;

/* Object @i allocated at SITE_ALLOC and freed twice: one double_free report. */
static void double_free(int i)
{
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(i), 8);
	fx_kfree(&fx, SITE_FREE1, OBJ(i));
	fx_kfree(&fx, SITE_FREE2, OBJ(i));
}

/* Load with one filter set by @set, deduplication on (as the daemon runs). */
static int setup(void (*set)(struct mw_config *cfg, const void *arg), const void *arg)
{
	struct mw_config cfg;

	fx_config(&cfg);
	cfg.every = false;
	set(&cfg, arg);
	return fx_setup(&fx, &cfg);
}

static void set_kinds(struct mw_config *cfg, const void *arg)
{
	cfg->only_kinds = *(const __u32 *)arg;
}

static void set_tgid(struct mw_config *cfg, const void *arg)
{
	cfg->only_tgid = *(const __u32 *)arg;
}

static void set_comm(struct mw_config *cfg, const void *arg)
{
	snprintf(cfg->only_comm, sizeof(cfg->only_comm), "%s", (const char *)arg);
}

TEST(kind_filter_makes_only_the_kinds_asked_for)
{
	__u32 kinds = 1u << MW_USE_AFTER_FREE;

	ASSERT_OK(setup(set_kinds, &kinds), "loading with --kind use_after_free");
	double_free(1);
	ASSERT_EQ(fx_drain(&fx), 0, "a double free, not asked for");
	fx_teardown(&fx);
	kinds |= 1u << MW_DOUBLE_FREE;
	ASSERT_OK(setup(set_kinds, &kinds), "loading with --kind use_after_free,double_free");
	double_free(1);
	ASSERT_EQ(fx_drain(&fx), 1, "reports");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_DOUBLE_FREE, "kind");
	fx_teardown(&fx);
}

TEST(pid_filter_makes_only_that_process_s_reports)
{
	__u32 other = getpid() + 1, self = getpid();

	ASSERT_OK(setup(set_tgid, &other), "loading with --pid of another process");
	double_free(1);
	ASSERT_EQ(fx_drain(&fx), 0, "this process's double free");
	fx_teardown(&fx);
	ASSERT_OK(setup(set_tgid, &self), "loading with --pid of this process");
	double_free(1);
	ASSERT_EQ(fx_drain(&fx), 1, "this process's double free");
	ASSERT_EQ(fx.events[0].hdr.pid, self, "its pid");
	fx_teardown(&fx);
}

static void *double_free_as_other(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "mw-other");
	double_free(1);
	return NULL;
}

TEST(comm_filter_does_not_make_a_wanted_report_a_repeat)
{
	char self[MW_COMM_LEN] = {};
	pthread_t t;

	prctl(PR_GET_NAME, self);
	ASSERT_OK(setup(set_comm, self), "loading with --comm of this task");
	/* another task breaks the same rule at the same sites first */
	pthread_create(&t, NULL, double_free_as_other, NULL);
	pthread_join(t, NULL);
	ASSERT_EQ(fx_drain(&fx), 0, "the other task's double free");
	double_free(2);
	ASSERT_EQ(fx_drain(&fx), 1, "this task's: a first report, not a repeat");
	ASSERT_EQ(strncmp(fx.events[0].hdr.comm, self, MW_COMM_LEN), 0, "its comm");
	fx_teardown(&fx);
}
