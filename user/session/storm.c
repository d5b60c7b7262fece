// SPDX-License-Identifier: GPL-2.0
/*
 * modwatch storm: how many reports per second the daemon writes, and how
 * late. A thread drives the BPF generator (mw_storm in bpf/events.bpf.c)
 * with test runs while the session drains the ring buffer exactly as it
 * does when watching: deduplication, symbolisation, the printers, the
 * lost counters. The generator pauses while the ring buffer is half full,
 * so the rate is the sustained one with nothing lost.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/error.h"
#include "probe/bpf.h"
#include "session/storm.h"
#include "symbols/ksym.h"
#include "probe/skel.h"

/* Reports per test run: large enough that the syscall is noise, small enough to pace. */
#define STORM_BATCH 4096

static struct {
	pthread_t thread;
	int prog_fd;
	__u64 count;
	__u64 rate;		/* reports per second, or 0: as fast as they drain */
	__u64 site;
	__u64 made;
	__u64 start_ns;
	atomic_bool done;
	atomic_bool stop;	/* the session ended first (a signal, an error) */
	int err;
	bool running;
} storm;

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* How many reports to make now: all that are left, or, at a set rate, those due by now. */
static __u64 storm_due(void)
{
	__u64 left = storm.count - storm.made, due;

	if (storm.rate) {
		due = (mono_ns() - storm.start_ns) * storm.rate / 1000000000ull + 1;
		left = due > storm.made ? due - storm.made : 0;
		if (left > storm.count - storm.made)
			left = storm.count - storm.made;
	}
	return left < STORM_BATCH ? left : STORM_BATCH;
}

static void *storm_main(void *arg)
{
	__u64 ctx[3] = { 0, 0, storm.site };
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = ctx, .ctx_size_in = sizeof(ctx));

	(void)arg;
	storm.start_ns = mono_ns();
	while (storm.made < storm.count && !atomic_load(&storm.stop)) {
		ctx[0] = storm.made;
		ctx[1] = storm_due();
		if (!ctx[1]) {
			usleep(100);	/* paced: the next one is not due yet */
			continue;
		}
		if (bpf_prog_test_run_opts(storm.prog_fd, &t)) {
			storm.err = -errno;
			break;
		}
		storm.made += t.retval;
		if (!t.retval)
			usleep(50);	/* half full: the daemon's turn, and the CPU */
	}
	atomic_store(&storm.done, true);
	return NULL;
}

/*
 * Start making @count reports, @rate per second (0: as fast as the daemon
 * drains them). Their sites run through the kernel's text
 * from a real function on, so the daemon symbolises varied, real addresses.
 */
int mw_storm_start(struct modwatch_bpf *skel, __u64 count, __u64 rate)
{
	int err;

	if (!mw_bpf_loaded(skel->progs.mw_storm)) {
		mw_err("storm: this kernel refused the report generator (said above)");
		return -ENOEXEC;
	}
	storm.prog_fd = bpf_program__fd(skel->progs.mw_storm);
	storm.count = count;
	storm.rate = rate;
	if (mw_ksym_addr(NULL, "vfs_read", &storm.site))
		storm.site = 0xffffffff81000000ull;
	err = pthread_create(&storm.thread, NULL, storm_main, NULL);
	if (err) {
		mw_err("cannot start the report generator: %s", strerror(err));
		return -err;
	}
	storm.running = true;
	return 0;
}

bool mw_storm_done(void)
{
	return atomic_load(&storm.done);
}

/* Stop the generator if it still runs; how many reports it made and when it started. */
int mw_storm_join(__u64 *made, __u64 *start_ns)
{
	if (!storm.running)
		return 0;
	atomic_store(&storm.stop, true);
	pthread_join(storm.thread, NULL);
	storm.running = false;
	*made = storm.made;
	*start_ns = storm.start_ns;
	if (storm.err)
		mw_err("the report generator failed: %s", strerror(-storm.err));
	return storm.err;
}
