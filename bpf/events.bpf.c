// SPDX-License-Identifier: GPL-2.0
/* Definitions of the shared ring buffer, counters and configuration. */
#include "common.bpf.h"


const volatile __u32 mw_self_tgid = 0;
const volatile bool mw_every = false;
const volatile bool mw_crash_log = true;
/* Not const: SIGHUP's reload turns kinds on and off in the running programs. */
volatile __u32 mw_only_kinds = 0;
volatile __u32 mw_off_kinds = 0;
const volatile __u32 mw_only_tgid = 0;
const volatile char mw_only_comm[MW_COMM_LEN] = {};
const volatile __u32 mw_stacks_on = MW_STACKS_REPORT;

char LICENSE[] SEC("license") = "GPL";

/*
 * modwatch storm, the report path's benchmark: a test run of mw_storm makes
 * up to ctx[1] distinct reports, numbered from ctx[0], at call sites from
 * ctx[2] on, through the way every rule reports (deduplication, the ring
 * buffer, the lost counters). It stops while the ring buffer is half full,
 * so the rate measured is the daemon's drain rate with nothing lost, not
 * how fast BPF can overrun it. Loaded only for that command.
 */
struct storm {
	void *ctx;
	__u64 next;
	__u64 end;
	__u64 site;
	__u64 made;
};

static long storm_one(__u32 idx, void *data)
{
	struct storm *c = data;
	struct mw_event *e;
	__u32 base;

	if (c->next >= c->end ||
	    bpf_ringbuf_query(&mw_events, BPF_RB_AVAIL_DATA) >
		    bpf_ringbuf_query(&mw_events, BPF_RB_RING_SIZE) / 2)
		return 1;
	base = mw_report_mark();
	/* 4096 sites, 16 bytes apart: the daemon symbolises real, varied addresses. */
	e = mw_report(MW_USER_SLICE_OVERRUN, MW_EVENT_SIZE(user_slice_overrun),
		      c->site + (c->next & 4095) * 16, 0, c->next);	/* as a rule's is made */
	c->next++;
	c->made++;
	if (!e)
		return 0; /* counted as lost by mw_report_begin() */
	e->user_slice_overrun.slice_start = 0x10000;
	e->user_slice_overrun.slice_len = 64;
	e->user_slice_overrun.copy_start = 0x10000;
	e->user_slice_overrun.copy_len = 64 + (c->next & 63);
	e->user_slice_overrun.syscall_nr = 16;
	e->user_slice_overrun.dir = MW_FROM_USER;
	e->hdr.stack = 0;	/* made up: no stack to name */
	mw_report_send(e);
	mw_report_flush(c->ctx, base);
	return 0;
}

SEC("raw_tp")
int mw_storm(__u64 *ctx)
{
	struct storm c = { .ctx = ctx, .next = ctx[0], .end = ctx[0] + ctx[1], .site = ctx[2] };

	bpf_loop(1 << 16, storm_one, &c, 0);
	return c.made;
}
