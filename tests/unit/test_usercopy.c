// SPDX-License-Identifier: GPL-2.0
/*
 * The user-copy rules (double_fetch, user_slice_overrun, heap overflows),
 * driven through the raw_tp test entries that call the same inline rules as
 * the production kprobes. User addresses are this process's own memory, so
 * the rules' reads of user bytes see real data.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "usercopy.h"
#include "events.h"
#include "fixture.h"
#include "test.h"
#include "sites.h"

#define SITE_A		(FAKE_LO + 0x1000)
#define SITE_B		(FAKE_LO + 0x1040)
#define NR_IOCTL	16
#define NR_READ		0
#define NR_WRITE	1
/* _IOW('x', 1, 16 bytes) */
#define IOW16		((1u << 30) | (16u << 16) | ('x' << 8) | 1)

static struct fx fx;
static __u8 ubuf[4096];

/* An ioctl whose declared slice is ubuf[0, 16). */
static const struct mw_syscall *ioctl16(void)
{
	static struct mw_syscall sc;

	sc.nr = NR_IOCTL;
	sc.arg[0] = 3;
	sc.arg[1] = IOW16;
	sc.arg[2] = (__u64)ubuf;
	return &sc;
}

static int sites(void)
{
	int err = fx_site(&fx, 0, SITE_A, MW_CALLEE_COPY_FROM_USER);

	return err ? err : fx_site(&fx, 1, SITE_B, MW_CALLEE_COPY_FROM_USER);
}

TEST(overlapping_fetches_are_a_double_fetch)
{
	const struct mw_double_fetch *p;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	memset(ubuf, 7, 64);
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf, 4);	/* the length */
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf, 16);	/* the whole struct again */
	ASSERT_EQ(fx_drain(&fx), 1, "reports");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_DOUBLE_FETCH, "kind");
	ASSERT_EQ(fx.events[0].hdr.site, SITE_B, "second fetch site");
	ASSERT_EQ(fx.events[0].hdr.module_id, 1, "module");
	p = &fx.events[0].double_fetch;
	ASSERT_EQ(p->first_site, SITE_A, "first fetch site");
	ASSERT_EQ(p->user_addr, (__u64)ubuf, "overlap start");
	ASSERT_EQ(p->overlap_len, 4, "overlap length");
	ASSERT_EQ(p->first_size, 4, "first size");
	ASSERT_EQ(p->second_size, 16, "second size");
	ASSERT_EQ(p->changed, MW_CHANGED_NO, "bytes unchanged");
	ASSERT_EQ(p->syscall_nr, NR_IOCTL, "syscall");
	fx_teardown(&fx);
}

TEST(adjacent_and_disjoint_fetches_are_fine)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf, 16);
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf + 16, 16);	/* adjacent */
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf + 100, 8);	/* elsewhere */
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf + 15, 0);	/* empty */
	ASSERT_EQ(fx_drain(&fx), 0, "reports");
	fx_teardown(&fx);
}

TEST(changed_bytes_between_fetches_are_reported)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	memset(ubuf, 1, 64);
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf, 8);
	ubuf[5] = 99;	/* a racing thread wins */
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf + 4, 8);
	ASSERT_EQ(fx_drain(&fx), 1, "reports");
	ASSERT_EQ(fx.events[0].double_fetch.user_addr, (__u64)ubuf + 4, "overlap start");
	ASSERT_EQ(fx.events[0].double_fetch.overlap_len, 4, "overlap length");
	ASSERT_EQ(fx.events[0].double_fetch.changed, MW_CHANGED_YES, "changed");
	fx_teardown(&fx);
}

TEST(an_epoch_is_one_call_into_the_module)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf, 16);
	fx_next_syscall(&fx);
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf, 16);	/* the next syscall */
	ASSERT_EQ(fx_drain(&fx), 0, "reports across syscalls");
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf, 16);
	ASSERT_EQ(fx_drain(&fx), 1, "reports within the new syscall");
	fx_teardown(&fx);
}

/*
 * A module's compat_ioctl that calls its own unlocked_ioctl: both are entry
 * points, and the second runs inside the first (deeper on the stack).
 */
TEST(an_entry_point_called_from_the_open_call_keeps_its_epoch)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf, 4);
	ASSERT_OK(fx_enter(&fx, 5), "the nested entry point");
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf, 16);
	ASSERT_EQ(fx_drain(&fx), 1, "the same call: a double fetch");
	fx_teardown(&fx);
}

/*
 * Two calls core code makes into the module in one system call (seq_file's
 * start, then show, from seq_read()): each is a call of its own, no
 * deeper than the one before.
 */
TEST(an_entry_point_at_the_depth_of_the_last_begins_a_new_epoch)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf, 16);
	ASSERT_OK(fx_enter(&fx, 0), "the next call from core code");
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf, 16);
	ASSERT_EQ(fx_drain(&fx), 0, "no double fetch across two calls");
	fx_teardown(&fx);
}

/*
 * A loop of identical system calls (the same number, arguments and user
 * stack: the same identity), each entering the module deeper or shallower
 * on the stack by the random offset the kernel gives each system call: a
 * call deeper than the last one is no call from inside it once that one
 * returned (its return address is gone), so each is an epoch of its own.
 */
TEST(identical_system_calls_at_random_stack_offsets_are_calls_of_their_own)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf, 16);
	*fx_stack_word(&fx, 0) = 0x1234;	/* it returned: later frames wrote over its slot */
	ASSERT_OK(fx_enter(&fx, 3), "the same system call again, 24 bytes deeper");
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf, 16);
	ASSERT_EQ(fx_drain(&fx), 0, "no double fetch across the two");
	ASSERT_OK(fx_enter(&fx, 6), "called from inside that one");
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf, 16);
	ASSERT_EQ(fx_drain(&fx), 1, "within it: a double fetch");
	fx_teardown(&fx);
}

/*
 * A fetch in a system call where no entry point of the module ran (a path
 * from one that could not be probed) has no known start: it is not
 * compared, so an earlier call's fetches never make it a double fetch.
 */
TEST(fetches_outside_any_call_an_entry_point_saw_are_not_compared)
{
	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf, 16);
	fx.call += 2;	/* a new system call, and no entry point ran in it */
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf, 16);
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf, 16);
	ASSERT_EQ(fx_drain(&fx), 0, "no report without a known call");
	fx_teardown(&fx);
}

static void *fetch_in_thread(void *arg)
{
	(void)arg;
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf, 16);
	return NULL;
}

TEST(tasks_have_their_own_epochs)
{
	pthread_t t;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf, 16);
	pthread_create(&t, NULL, fetch_in_thread, NULL);
	pthread_join(t, NULL);
	ASSERT_EQ(fx_drain(&fx), 0, "another task fetching the same bytes");
	fx_teardown(&fx);
}

TEST(a_full_epoch_table_is_counted)
{
	int i;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	for (i = 0; i < MW_EPOCH_FETCHES + 2; i++)
		fx_fetch(&fx, 0, ioctl16(), 0, ubuf + 100 * i, 8);
	ASSERT_EQ(fx_stat(&fx, MW_STAT_EPOCH_FULL), 2, "fetches not remembered");
	fx_fetch(&fx, 1, ioctl16(), 0, ubuf + 700, 8);	/* overlaps the 8th, remembered */
	ASSERT_EQ(fx_drain(&fx), 1, "the remembered fetches still count");
	fx_teardown(&fx);
}

/*
 * An ioctl copying past _IOC_SIZE(cmd) is no proof of a bug (legacy
 * numbers, variable-length headers): a warning of its own kind.
 */
TEST(ioctl_past_its_size_is_a_warning_not_a_slice_overrun)
{
	const struct mw_ioctl_size_mismatch *p;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf, 16);	/* exactly the slice */
	fx_next_syscall(&fx);
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf + 200, 64);	/* a nested user pointer */
	fx_next_syscall(&fx);
	ASSERT_EQ(fx_drain(&fx), 0, "copies inside or wholly outside the slice");
	fx_fetch(&fx, 0, ioctl16(), 0, ubuf + 8, 24);	/* crosses the end by 16 */
	ASSERT_EQ(fx_drain(&fx), 1, "a copy crossing the slice's end");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_IOCTL_SIZE_MISMATCH, "kind");
	ASSERT_TRUE(fx.events[0].hdr.flags & MW_EV_WARNING, "a warning");
	p = &fx.events[0].ioctl_size_mismatch;
	ASSERT_EQ(p->slice_start, (__u64)ubuf, "slice start");
	ASSERT_EQ(p->slice_len, 16, "slice length from _IOC_SIZE");
	ASSERT_EQ(p->copy_start, (__u64)ubuf + 8, "copy start");
	ASSERT_EQ(p->copy_len, 24, "copy length");
	ASSERT_EQ(p->cmd, ioctl16()->arg[1], "the command");
	ASSERT_EQ(p->dir, MW_FROM_USER, "direction");
	fx_teardown(&fx);
}

TEST(slice_rule_for_read_write_and_sizeless_ioctls)
{
	struct mw_syscall rd = { .nr = NR_READ, .arg = { 3, (__u64)ubuf, 40 } };
	struct mw_syscall wr = { .nr = NR_WRITE, .arg = { 3, (__u64)ubuf, 40 } };
	struct mw_syscall io = { .nr = NR_IOCTL, .arg = { 3, 0x7801, (__u64)ubuf } };	/* _IO: no size */

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_fetch(&fx, 0, &io, 0, ubuf, 64);
	fx_next_syscall(&fx);
	fx_store(&fx, 0, &rd, ubuf, 0, 40);
	ASSERT_EQ(fx_drain(&fx), 0, "an _IO ioctl declares nothing; a read of count bytes");
	fx_store(&fx, 0, &rd, ubuf, 0, 41);
	fx_fetch(&fx, 0, &wr, 0, ubuf, 64);
	ASSERT_EQ(fx_drain(&fx), 2, "read and write past count");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_USER_SLICE_OVERRUN, "a violation: count is the slice");
	ASSERT_TRUE(!(fx.events[0].hdr.flags & MW_EV_WARNING), "not a warning");
	ASSERT_EQ(fx.events[0].user_slice_overrun.dir, MW_TO_USER, "read copies to user");
	ASSERT_EQ(fx.events[1].user_slice_overrun.dir, MW_FROM_USER, "write copies from user");
	ASSERT_EQ(fx.events[1].user_slice_overrun.copy_len, 64, "write's copy length");
	fx_teardown(&fx);
}

TEST(heap_overflow_write_and_read_resolve_interior_pointers)
{
	const __u64 obj96 = OBJ(0x1000) + 3 * 96;	/* kmalloc-96: page + k * 96 */

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(1), 40);
	fx_fetch(&fx, 0, ioctl16(), OBJ(1), ubuf + 300, 40);
	fx_fetch(&fx, 0, ioctl16(), OBJ(1) + 16, ubuf + 400, 24);
	ASSERT_EQ(fx_drain(&fx), 0, "copies within the object");
	fx_fetch(&fx, 0, ioctl16(), OBJ(1) + 8, ubuf + 500, 40);
	ASSERT_EQ(fx_drain(&fx), 1, "a copy 8 bytes past the object");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_HEAP_OVERFLOW_WRITE, "kind");
	ASSERT_EQ(fx.events[0].heap_overflow.obj.addr, OBJ(1), "object found from an interior pointer");
	ASSERT_EQ(fx.events[0].heap_overflow.copy_addr, OBJ(1) + 8, "copy address");
	ASSERT_EQ(fx.events[0].heap_overflow.copy_len, 40, "copy length");
	fx.nr_events = 0;
	fx_kmalloc(&fx, SITE_ALLOC, obj96, 90);
	fx_store(&fx, 0, ioctl16(), ubuf + 600, obj96 + 50, 50);
	ASSERT_EQ(fx_drain(&fx), 1, "a read past a kmalloc-96 object");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_HEAP_OVERFLOW_READ, "kind");
	ASSERT_EQ(fx.events[0].heap_overflow.obj.addr, obj96, "the kmalloc-96 object");
	fx_store(&fx, 0, ioctl16(), ubuf + 600, OBJ(0x2000), 4096);
	ASSERT_EQ(fx_drain(&fx), 0, "untracked kernel memory");
	fx_teardown(&fx);
}

TEST(hardened_usercopy_check_reports_first_and_the_copy_stays_silent)
{
	const struct mw_syscall rd = { .nr = NR_READ, .arg = { 3, (__u64)ubuf, sizeof(ubuf) } };

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	ASSERT_OK(fx_site(&fx, 2, SITE_A - 0x10, MW_CALLEE_CHECK_OBJECT_SIZE), "check site");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(2), 40);
	fx_check_size(&fx, 2, OBJ(2), 40, true);
	fx_store(&fx, 0, &rd, ubuf, OBJ(2), 40);
	ASSERT_EQ(fx_drain(&fx), 0, "a checked copy within the object");
	fx_check_size(&fx, 2, OBJ(2), 100, true);
	ASSERT_EQ(fx_drain(&fx), 1, "reported at the check, before the kernel could BUG");
	ASSERT_EQ(fx.events[0].hdr.kind, MW_HEAP_OVERFLOW_READ, "kind");
	ASSERT_EQ(fx.events[0].hdr.site, SITE_A - 0x10, "at the check's call");
	fx_store(&fx, 0, &rd, ubuf, OBJ(2), 100);
	ASSERT_EQ(fx_drain(&fx), 0, "the copy after the check: the same bug, not reported again");
	fx_store(&fx, 1, &rd, ubuf, OBJ(2), 100);
	ASSERT_EQ(fx_drain(&fx), 1, "an unchecked copy (constant size) is checked itself");
	ASSERT_EQ(fx.events[1].hdr.site, SITE_B, "at the copy's call");
	fx_teardown(&fx);
}

TEST(a_copy_in_flight_when_its_object_is_freed_is_use_after_free)
{
	const struct mw_syscall rd = { .nr = NR_READ, .arg = { 3, (__u64)ubuf, sizeof(ubuf) } };
	const struct mw_use_after_free *p;

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(3), 40);
	fx_store(&fx, 0, &rd, ubuf, OBJ(3), 40);
	fx_copy_ret(&fx, 0);
	ASSERT_EQ(fx_drain(&fx), 0, "a copy from a live object that stays live");
	fx_store(&fx, 0, &rd, ubuf, OBJ(3) + 8, 16);
	fx_kfree(&fx, SITE_FREE1, OBJ(3));	/* another task, while the copy faults */
	fx_copy_ret(&fx, 1);
	ASSERT_EQ(fx_drain(&fx), 0, "another site's return is not this copy's");
	fx_copy_ret(&fx, 0);
	ASSERT_EQ(fx_drain(&fx), 1, "freed while the copy ran");
	p = &fx.events[0].use_after_free;
	ASSERT_EQ(fx.events[0].hdr.kind, MW_USE_AFTER_FREE, "kind");
	ASSERT_EQ(fx.events[0].hdr.site, SITE_A, "at the copy");
	ASSERT_EQ(p->in_flight, 1, "in flight");
	ASSERT_EQ(p->access, MW_ACCESS_COPY_TO_USER, "a copy to user");
	ASSERT_EQ(p->obj.free_site, SITE_FREE1, "the free site");
	ASSERT_EQ(p->access_addr, OBJ(3) + 8, "the copied range");
	fx_copy_ret(&fx, 0);
	ASSERT_EQ(fx_drain(&fx), 0, "one return, one check");
	fx_teardown(&fx);
}

TEST(a_copy_whose_object_is_freed_and_handed_out_again_after_it_returns_is_fine)
{
	const struct mw_syscall rd = { .nr = NR_READ, .arg = { 3, (__u64)ubuf, sizeof(ubuf) } };

	FX_SETUP(&fx, NULL);
	ASSERT_OK(sites(), "installing sites");
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(4), 40);
	fx_fetch(&fx, 0, &rd, OBJ(4), ubuf, 40);
	fx_copy_ret(&fx, 0);
	fx_kfree(&fx, SITE_FREE1, OBJ(4));
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(4), 40);
	fx_copy_ret(&fx, 0);
	ASSERT_EQ(fx_drain(&fx), 0, "freed after the copy returned, allocated again");
	/* freed during the copy and allocated again by the module before it returns */
	fx_fetch(&fx, 0, &rd, OBJ(4), ubuf + 100, 40);
	fx_kfree(&fx, SITE_FREE1, OBJ(4));
	fx_kmalloc(&fx, SITE_ALLOC, OBJ(4), 40);
	fx_copy_ret(&fx, 0);
	ASSERT_EQ(fx_drain(&fx), 0, "the record is gone with the reuse: a miss, never a guess");
	fx_teardown(&fx);
}
