/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The watch session's state, shared by its parts (session.c, report.c,
 * watch.c, reload.c). Only the struct and its clock live here, with no
 * state.c: each part's functions are in its own header, and each part may
 * include this one without making the parts include each other in a ring.
 */
#ifndef MODWATCH_SESSION_STATE_H
#define MODWATCH_SESSION_STATE_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <sys/types.h>
#include <linux/types.h>
#include "probe/kernel.h"
#include "probe/module_registry.h"
#include "probe/progs.h"
#include "probe/deep_probes.h"
#include "probe/site_probes.h"
#include "report/findings.h"
#include "report/latency.h"

struct modwatch_bpf;
struct mw_output;
struct mw_printer;
struct mw_repeats;
struct mw_run_opts;
struct ring_buffer;

#define MAX_CYCLES 256
#define MAX_SUPP_KEYS 1024
/* Reports written but not yet flushed: one write() per batch, not per line. */
#define MAX_PENDING 4096

/* One watch session: its options, outputs, BPF side, modules and counts. */
struct session {
	struct mw_run_opts *opts;	/* replaced by a reload */
	struct mw_run_opts *reloaded;	/* the session's own, from a reload, or NULL */
	const struct mw_printer *pr;
	FILE *out;			/* output.f */
	struct mw_output *output;	/* the report stream; out is its FILE */
	struct modwatch_bpf *skel;
	struct ring_buffer *rb;
	struct mw_registry reg;
	struct mw_sites sites;
	struct mw_deep_slots deep;	/* --deep's descriptors */
	struct mw_kernel kernel;
	struct mw_load load;		/* what the kernel took, what it refused */
	__u32 rules_off;		/* rules its refusals leave unable to judge */
	__u64 violations;
	__u64 warnings;		/* reports of severity warning */
	__u64 repeats;
	struct mw_repeats *seen;	/* what session_check_repeats() printed */
	__u64 lost_reported;
	__u64 start_ns;
	pid_t child;
	int child_status;
	__u64 cycles[MAX_CYCLES];	/* signatures of the cycles reported */
	int nr_cycles;
	int nr_edges;			/* at the last look */
	int stats_fd;			/* --prog-stats: BPF_ENABLE_STATS held while >= 0 */
	struct mw_latency latency;	/* violation to line written */
	__u64 pending[MAX_PENDING];	/* their violations' timestamps */
	__u32 nr_pending;
	__u64 storm;			/* modwatch storm: reports to make, or 0 */
	__u64 storm_rate;		/* per second, or 0: as fast as they drain */
	__u64 storm_made;
	__u64 storm_ns;
	struct mw_findings findings;	/* for --junit and --sarif */
	int lock_fd;			/* the instance lock */
	bool modules_changed;		/* a module loaded: look at /proc/modules now */
	__u64 last_metrics;
	__u64 start_real;		/* the wall clock at start, for the metrics */
	__u64 reloads, reload_failures;
	__u64 journal_dropped;		/* reports journald did not take */
	bool journal_only;		/* reports go to the journal once, not via stdout too */
	/* Reports suppressed: their repeats are the rule's too, not printed. */
	struct suppressed_key {
		__u64 site;
		__u32 kind, module_id;
		int rule;
	} supp_keys[MAX_SUPP_KEYS];
	int nr_supp_keys;
};

/* The session's clock: timestamps, rates and latencies all read it. */
static inline __u64 session_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

#endif /* MODWATCH_SESSION_STATE_H */
