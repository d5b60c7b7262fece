// SPDX-License-Identifier: GPL-2.0
/* Heap-object tracking and the double_free rule, driven through the real kmem hooks. */
#include <pthread.h>
#include <sys/mount.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include "heap.h"
#include "events.h"
#include "registry.h"
#include "stats.h"
#include "fixture.h"
#include "test.h"

static struct fx fx;

TEST(double_free_names_all_three_sites)
{
	const struct mw_object *o;

	FX_SETUP(&fx, NULL);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(1), 40);
	ASSERT_TRUE(fx_is_live(&fx, OBJ(1)), "allocation from a watched site is tracked");
	fx_kfree(&fx, SITE_FREE1, OBJ(1));
	ASSERT_TRUE(!fx_is_live(&fx, OBJ(1)) && fx_is_quarantined(&fx, OBJ(1)),
		    "a freed object moves to the quarantine");
	ASSERT_EQ(fx_drain(&fx), 0, "a single free is no violation");
	fx_kfree(&fx, SITE_FREE2, OBJ(1));
	ASSERT_EQ(fx_drain(&fx), 1, "events after the second free");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_DOUBLE_FREE, "event kind");
	ASSERT_EQ(fx.events[0].hdr.size, MW_EVENT_SIZE(double_free), "record size");
	ASSERT_EQ(fx.events[0].hdr.module_id, 1, "module of the second free");
	ASSERT_EQ(fx.events[0].hdr.site, SITE_FREE2, "second free site");
	ASSERT_EQ(fx.events[0].hdr.tid, gettid(), "tid of the freeing task");
	o = &fx.events[0].double_free.obj;
	ASSERT_EQ(o->alloc_site, SITE_ALLOC, "alloc site");
	ASSERT_EQ(o->free_site, SITE_FREE1, "first free site");
	ASSERT_EQ(o->addr, OBJ(1), "object address");
	ASSERT_EQ(o->size, 40, "requested size");
	ASSERT_EQ(o->alloc_size, 64, "allocated size");
	ASSERT_EQ(o->module_id, 1, "allocating module");
	fx_kfree(&fx, SITE_FREE2, OBJ(1));
	ASSERT_EQ(fx_drain(&fx), 0, "one report per freed object, not per extra free");
	fx_teardown(&fx);
}

/*
 * Core code with no watched module on its stack (the test's own) gets the
 * memory: a second free by the module frees someone else's object. Core
 * code may have handed that object to the module since: "possible".
 */
TEST(a_free_of_memory_core_code_got_since_is_a_possible_double_free)
{
	const struct mw_double_free *p;

	FX_SETUP(&fx, NULL);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(2), 32);
	fx_kfree(&fx, SITE_FREE1, OBJ(2));
	fx_kmalloc(&fx, SITE_CORE, OBJ(2), 32);
	ASSERT_TRUE(!fx_is_quarantined(&fx, OBJ(2)), "reuse takes the record out of quarantine");
	ASSERT_TRUE(!fx_is_live(&fx, OBJ(2)), "an unwatched allocation is not tracked");
	fx_kfree(&fx, SITE_FREE2, OBJ(2));
	ASSERT_EQ(fx_drain(&fx), 1, "free after reuse");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_DOUBLE_FREE, "kind");
	ASSERT_EQ(fx.events[0].hdr.flags & (MW_EV_WARNING | MW_EV_INCOMPLETE),
		  MW_EV_WARNING | MW_EV_INCOMPLETE, "a possible one: a warning");
	p = &fx.events[0].double_free;
	ASSERT_EQ(p->obj.free_site, SITE_FREE1, "the module's first free");
	ASSERT_EQ(p->reused.site, SITE_CORE, "who got the memory");
	ASSERT_EQ(p->reused.tid, gettid(), "the task that got it");
	fx_kfree(&fx, SITE_FREE2, OBJ(2));
	ASSERT_EQ(fx_drain(&fx), 0, "reported once");
	/* the module's own allocation of it is a new lifetime, its free no double free */
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(2), 32);
	fx_kfree(&fx, SITE_FREE1, OBJ(2));
	ASSERT_EQ(fx_drain(&fx), 0, "a new lifetime");
	fx_teardown(&fx);
}

TEST(reallocation_by_the_module_starts_a_new_lifetime)
{
	FX_SETUP(&fx, NULL);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(3), 32);
	fx_kfree(&fx, SITE_FREE1, OBJ(3));
	fx_kmalloc(&fx, SITE_ALLOC + 8, OBJ(3), 48);
	fx_kfree(&fx, SITE_FREE1, OBJ(3));
	ASSERT_EQ(fx_drain(&fx), 0, "alloc, free, alloc, free");
	fx_kfree(&fx, SITE_FREE2, OBJ(3));
	ASSERT_EQ(fx_drain(&fx), 1, "then a double free");
	ASSERT_EQ(fx.events[0].double_free.obj.alloc_site, SITE_ALLOC + 8,
		  "the report quotes the second lifetime");
	ASSERT_EQ(fx.events[0].double_free.obj.size, 48, "size of the second lifetime");
	fx_teardown(&fx);
}

TEST(frees_from_unwatched_sites_are_ignored)
{
	FX_SETUP(&fx, NULL);
	fx_kfree(&fx, SITE_CORE, OBJ(4));
	fx_kfree(&fx, SITE_CORE, OBJ(4));
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(5), 16);
	fx_kfree(&fx, SITE_CORE, OBJ(5));
	fx_kfree(&fx, SITE_CORE, OBJ(5));
	ASSERT_EQ(fx_drain(&fx), 0, "frees by core kernel code");
	fx_kfree(&fx, SITE_FREE1, OBJ(6));
	ASSERT_EQ(fx_drain(&fx), 0, "a module's free of memory it never got from kmalloc");
	fx_teardown(&fx);
}

TEST(module_freeing_what_core_code_freed_is_a_double_free)
{
	FX_SETUP(&fx, NULL);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(7), 16);
	fx_kfree(&fx, SITE_CORE, OBJ(7));	/* ownership passed to core code */
	ASSERT_TRUE(fx_is_quarantined(&fx, OBJ(7)), "an unwatched free retires the object");
	fx_kfree(&fx, SITE_FREE2, OBJ(7));
	ASSERT_EQ(fx_drain(&fx), 1, "the module freed it again");
	ASSERT_EQ(fx.events[0].double_free.obj.free_site, SITE_CORE, "first free site");
	fx_teardown(&fx);
}

TEST(cache_objects_are_tracked_with_their_cache)
{
	FX_SETUP(&fx, NULL);
	fx_cache_alloc(&fx, SITE_ALLOC, OBJ(8), 0x1234);
	fx_cache_free(&fx, SITE_FREE1, OBJ(8));
	fx_cache_free(&fx, SITE_FREE2, OBJ(8));
	ASSERT_EQ(fx_drain(&fx), 1, "double kmem_cache_free");
	ASSERT_EQ(fx.events[0].double_free.obj.cache, 0x1234, "cache pointer recorded");
	fx_teardown(&fx);
}

TEST(null_and_zero_size_pointers_are_ignored)
{
	FX_SETUP(&fx, NULL);
	fx_kmalloc(&fx, SITE_ALLOC, 16, 0);
	fx_kfree(&fx, SITE_FREE1, 16);
	fx_kfree(&fx, SITE_FREE2, 16);
	fx_kfree(&fx, SITE_FREE2, 0);
	fx_kfree(&fx, SITE_FREE2, 0);
	ASSERT_EQ(fx_drain(&fx), 0, "kfree(NULL) and kfree(ZERO_SIZE_PTR) are legal");
	fx_teardown(&fx);
}

TEST(registry_bounds_are_exact)
{
	FX_SETUP(&fx, NULL);
	fx_kmalloc(&fx, FAKE_LO - 1, OBJ(9), 8);
	fx_kmalloc(&fx, FAKE_HI, OBJ(10), 8);
	fx_kmalloc(&fx, FAKE_LO, OBJ(11), 8);
	fx_kmalloc(&fx, FAKE_HI - 1, OBJ(12), 8);
	/* Same page slot, different tag: aliases 2 GiB away must not match. */
	fx_kmalloc(&fx, FAKE_LO + (1ull << (MW_PAGE_SHIFT + MW_REG_BITS)), OBJ(13), 8);
	ASSERT_TRUE(!fx_is_live(&fx, OBJ(9)), "site below the text");
	ASSERT_TRUE(!fx_is_live(&fx, OBJ(10)), "site at the text's end");
	ASSERT_TRUE(fx_is_live(&fx, OBJ(11)), "first byte of the text");
	ASSERT_TRUE(fx_is_live(&fx, OBJ(12)), "last byte of the text");
	ASSERT_TRUE(!fx_is_live(&fx, OBJ(13)), "aliasing page 2 GiB away");
	fx_teardown(&fx);
}

TEST(second_module_gets_its_own_id)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(mw_registry_add_range(&fx.reg, "mw_other", FAKE_HI + 0x1000,
					FAKE_HI + 0x3000), "adding a second module");
	fx_kmalloc(&fx, FAKE_HI + 0x1800, OBJ(14), 8);
	fx_kfree(&fx, FAKE_HI + 0x1900, OBJ(14));
	fx_kfree(&fx, SITE_FREE2, OBJ(14));
	ASSERT_EQ(fx_drain(&fx), 1, "double free across modules");
	ASSERT_EQ(fx.events[0].double_free.obj.module_id, 2, "allocating module");
	ASSERT_EQ(fx.events[0].hdr.module_id, 1, "module of the second free");
	ASSERT_TRUE(!strcmp(mw_registry_name(&fx.reg, 2), "mw_other"), "name of module 2");
	fx_teardown(&fx);
}

TEST(full_ring_buffer_counts_lost_reports)
{
	struct mw_config cfg;
	const int n = 100;
	int i, read;

	fx_config(&cfg);
	cfg.ringbuf_kb = 4;	/* one page: room for about 28 reports */
	FX_SETUP(&fx, &cfg);
	for (i = 0; i < n; i++) {
		fx_kmalloc(&fx, SITE_ALLOC, OBJ(100 + i), 8);
		fx_kfree(&fx, SITE_FREE1, OBJ(100 + i));
		fx_kfree(&fx, SITE_FREE2, OBJ(100 + i));
	}
	read = fx_drain(&fx);
	ASSERT_GT(read, 0, "reports that fit");
	ASSERT_GT(n - read, 0, "reports that did not fit");
	ASSERT_EQ(fx_stat(&fx, MW_STAT_LOST_BASE + MW_DOUBLE_FREE), n - read,
		  "every report is either read or counted as lost");
	fx_teardown(&fx);
}

TEST(full_object_table_is_counted)
{
	struct mw_config cfg;
	int i;

	fx_config(&cfg);
	cfg.max_objects = 4;
	FX_SETUP(&fx, &cfg);
	for (i = 0; i < 6; i++)
		fx_kmalloc(&fx, SITE_ALLOC, OBJ(200 + i), 8);
	ASSERT_EQ(fx_stat(&fx, MW_STAT_OBJECTS_FULL), 2, "allocations not tracked");
	fx_teardown(&fx);
}

TEST(daemon_does_not_report_on_itself)
{
	struct mw_config cfg;

	mw_config_default(&cfg);	/* exclude_self: this process is "the daemon" */
	FX_SETUP(&fx, &cfg);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(300), 8);
	fx_kfree(&fx, SITE_FREE1, OBJ(300));
	ASSERT_TRUE(fx_is_quarantined(&fx, OBJ(300)), "its objects are still tracked");
	fx_kfree(&fx, SITE_FREE2, OBJ(300));
	ASSERT_EQ(fx_drain(&fx), 0, "no report from the daemon's own context");
	fx_teardown(&fx);
}

/* Two threads on two CPUs free the same objects at the same moment. */
#define RACE_OBJECTS 300

struct racer {
	int cpu;
	pthread_barrier_t *go;
};

static void *race_frees(void *arg)
{
	struct racer *r = arg;
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (i = 0; i < RACE_OBJECTS; i++) {
		pthread_barrier_wait(r->go);	/* object i is allocated */
		fx_kfree(&fx, r->cpu ? SITE_FREE2 : SITE_FREE1, OBJ(1000 + i));
		pthread_barrier_wait(r->go);	/* both freed it */
	}
	return NULL;
}

TEST(racing_frees_give_exactly_one_report)
{
	pthread_barrier_t go;
	struct racer r[2] = { { 0, &go }, { 1, &go } };
	pthread_t t[2];
	int i, seen[RACE_OBJECTS] = {};

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		mw_test_fail(__FILE__, __LINE__, "needs 2 CPUs to race");
		return;
	}
	FX_SETUP(&fx, NULL);
	pthread_barrier_init(&go, NULL, 3);
	pthread_create(&t[0], NULL, race_frees, &r[0]);
	pthread_create(&t[1], NULL, race_frees, &r[1]);
	for (i = 0; i < RACE_OBJECTS; i++) {
		fx_kmalloc(&fx, SITE_ALLOC, OBJ(1000 + i), 8);
		pthread_barrier_wait(&go);
		pthread_barrier_wait(&go);
	}
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_barrier_destroy(&go);
	fx_drain(&fx);
	ASSERT_EQ(fx.nr_events, RACE_OBJECTS, "one report per doubly freed object");
	for (i = 0; i < fx.nr_events; i++)
		seen[(fx.events[i].double_free.obj.addr - OBJ(1000)) / 64]++;
	for (i = 0; i < RACE_OBJECTS; i++)
		ASSERT_EQ(seen[i], 1, "reports for one object");
	fx_teardown(&fx);
}

/* The kernel's trace buffer, mounting tracefs where it is not yet. */
#define TRACE_DIR "/sys/kernel/tracing"

static bool trace_has(const char *needle)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(TRACE_DIR "/trace", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

TEST(a_double_free_is_also_written_to_the_kernel_trace_buffer)
{
	char want[128];
	FILE *f;

	if (access(TRACE_DIR "/trace", R_OK))
		mount("nodev", TRACE_DIR, "tracefs", 0, NULL);
	f = fopen(TRACE_DIR "/trace", "we");	/* opened for writing with O_TRUNC: clears it */
	ASSERT_TRUE(f != NULL, "tracefs is mounted");
	fclose(f);
	FX_SETUP(&fx, NULL);
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(7), 40);
	fx_kfree(&fx, SITE_FREE1, OBJ(7));
	fx_kfree(&fx, SITE_FREE2, OBJ(7));
	ASSERT_EQ(fx_drain(&fx), 1, "the double free's report");
	snprintf(want, sizeof(want), "modwatch: double_free at 0x%llx, first freed at 0x%llx",
		 SITE_FREE2, SITE_FREE1);
	ASSERT_TRUE(trace_has(want), "the crash line is in the trace buffer");
	fx_teardown(&fx);
}
