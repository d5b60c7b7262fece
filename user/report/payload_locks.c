// SPDX-License-Identifier: GPL-2.0
/*
 * The lock rules' payloads, as text and as JSON: which lock, where it was
 * taken and by whom.
 */
#include <stdio.h>
#include "events.h"
#include "report/json_parts.h"
#include "report/json_writer.h"
#include "report/payload_locks.h"
#include "report/text_parts.h"
#include "symbols/ksym.h"

/* Text: what happened at hdr.site, to which lock, and its history. */

/* The report's site into @site, and the space the payload starts with. */
static void lock_site(FILE *out, const struct mw_event *e, char site[MW_SYM_LEN])
{
	mw_ksym_format(e->hdr.site, site, MW_SYM_LEN);
	fputc(' ', out);
}

static void text_unlock_not_owner(FILE *out, const struct mw_event *e)
{
	char site[MW_SYM_LEN], other[MW_SYM_LEN];

	lock_site(out, e, site);
	mw_ksym_format(e->unlock_not_owner.owner_site, other, sizeof(other));
	text_lock(out, &e->unlock_not_owner.lock);
	fprintf(out, " released at %s, but tid %u holds it (taken at %s)", site,
		e->unlock_not_owner.owner_tid, other);
}

static void text_unlock_not_held(FILE *out, const struct mw_event *e)
{
	char site[MW_SYM_LEN];

	lock_site(out, e, site);
	text_lock(out, &e->unlock_not_held.lock);
	fprintf(out, " released at %s while nobody holds it", site);
}

static void text_recursive_lock(FILE *out, const struct mw_event *e)
{
	char site[MW_SYM_LEN], other[MW_SYM_LEN];

	lock_site(out, e, site);
	mw_ksym_format(e->recursive_lock.first_site, other, sizeof(other));
	text_lock(out, &e->recursive_lock.lock);
	fprintf(out, " acquired again at %s by the task that holds it since %s", site,
		other);
}

static void text_lock_held_on_return(FILE *out, const struct mw_event *e)
{
	char site[MW_SYM_LEN];

	lock_site(out, e, site);
	text_lock(out, &e->lock_held_on_return.lock);
	fprintf(out, " taken at %s still held when syscall %u returns to user space", site,
		e->lock_held_on_return.syscall_nr);
}

static void text_sleep_in_atomic(FILE *out, const struct mw_event *e)
{
	char site[MW_SYM_LEN], other[MW_SYM_LEN], third[MW_SYM_LEN];

	lock_site(out, e, site);
	mw_ksym_format(e->sleep_in_atomic.callee, other, sizeof(other));
	mw_ksym_format(e->sleep_in_atomic.acquire_site, third, sizeof(third));
	fprintf(out, "%s may sleep, called at %s while holding ", other, site);
	text_lock(out, &e->sleep_in_atomic.held);
	fprintf(out, " (taken at %s)", third);
}

static void text_lock_order_inversion(FILE *out, const struct mw_event *e)
{
	char site[MW_SYM_LEN], other[MW_SYM_LEN], third[MW_SYM_LEN], fourth[MW_SYM_LEN];

	lock_site(out, e, site);
	mw_ksym_format(e->lock_order_inversion.ab_site_a, other, sizeof(other));
	mw_ksym_format(e->lock_order_inversion.ab_site_b, third, sizeof(third));
	mw_ksym_format(e->lock_order_inversion.ba_site_b, fourth, sizeof(fourth));
	text_lock(out, &e->lock_order_inversion.a);
	fputs(" then ", out);
	text_lock(out, &e->lock_order_inversion.b);
	fprintf(out, " at %s, %s; now B then A at %s, %s", other, third, fourth, site);
}

static void text_held_lock_freed(FILE *out, const struct mw_event *e)
{
	char site[MW_SYM_LEN], other[MW_SYM_LEN];

	lock_site(out, e, site);
	mw_ksym_format(e->held_lock_freed.acquire_site, other, sizeof(other));
	fprintf(out, "free at %s of object ", site);
	text_object(out, &e->held_lock_freed.obj);
	fputs(" holding ", out);
	text_lock(out, &e->held_lock_freed.lock);
	fprintf(out, ", held by tid %u since %s", e->held_lock_freed.owner_tid, other);
}

static void text_lock_held_on_unload(FILE *out, const struct mw_event *e)
{
	char site[MW_SYM_LEN];

	lock_site(out, e, site);
	text_lock(out, &e->lock_held_on_unload.lock);
	fprintf(out, " taken at %s by tid %u still held as the module unloads", site,
		e->lock_held_on_unload.owner_tid);
}

/* JSON: the lock, and the other acquires its story needs. */
static void json_unlock_not_owner(struct jw *out, const struct mw_event *e)
{
	json_lock(out, "lock", &e->unlock_not_owner.lock);
	json_owner(out, "owner_site", "owner_stack", e->unlock_not_owner.owner_site,
		   e->unlock_not_owner.owner_stack, e->unlock_not_owner.owner_tid);
}

static void json_unlock_not_held(struct jw *out, const struct mw_event *e)
{
	json_lock(out, "lock", &e->unlock_not_held.lock);
}

static void json_recursive_lock(struct jw *out, const struct mw_event *e)
{
	json_lock(out, "lock", &e->recursive_lock.lock);
	json_acquire(out, "first_site", "first_stack", e->recursive_lock.first_site,
		     e->recursive_lock.first_stack);
}

static void json_lock_held_on_return(struct jw *out, const struct mw_event *e)
{
	json_lock(out, "lock", &e->lock_held_on_return.lock);
	jw_printf(out, ",\"syscall\":%u", e->lock_held_on_return.syscall_nr);
}

static void json_sleep_in_atomic(struct jw *out, const struct mw_event *e)
{
	json_lock(out, "held", &e->sleep_in_atomic.held);
	json_acquire(out, "acquire_site", "acquire_stack", e->sleep_in_atomic.acquire_site,
		     e->sleep_in_atomic.acquire_stack);
	jw_putc(',', out);
	json_site(out, "callee", e->sleep_in_atomic.callee);
	jw_printf(out, ",\"gfp_flags\":%u", e->sleep_in_atomic.gfp_flags);
}

static void json_lock_order_inversion(struct jw *out, const struct mw_event *e)
{
	json_lock(out, "a", &e->lock_order_inversion.a);
	json_lock(out, "b", &e->lock_order_inversion.b);
	/* ba_site_a is the report's site: its stack is the report's. */
	json_acquire(out, "ab_site_a", "ab_stack_a", e->lock_order_inversion.ab_site_a,
		     e->lock_order_inversion.ab_stack_a);
	json_acquire(out, "ab_site_b", "ab_stack_b", e->lock_order_inversion.ab_site_b,
		     e->lock_order_inversion.ab_stack_b);
	json_acquire(out, "ba_site_b", "ba_stack_b", e->lock_order_inversion.ba_site_b,
		     e->lock_order_inversion.ba_stack_b);
	jw_putc(',', out);
	json_site(out, "ba_site_a", e->lock_order_inversion.ba_site_a);
}

static void json_held_lock_freed(struct jw *out, const struct mw_event *e)
{
	jw_putc(',', out);
	json_object(out, &e->held_lock_freed.obj);
	json_lock(out, "lock", &e->held_lock_freed.lock);
	json_owner(out, "acquire_site", "acquire_stack", e->held_lock_freed.acquire_site,
		   e->held_lock_freed.acquire_stack, e->held_lock_freed.owner_tid);
}

static void json_lock_held_on_unload(struct jw *out, const struct mw_event *e)
{
	json_lock(out, "lock", &e->lock_held_on_unload.lock);
	json_owner(out, "acquire_site", "acquire_stack", e->lock_held_on_unload.acquire_site, 0,
		   e->lock_held_on_unload.owner_tid);
}

const struct mw_payload mw_payload_unlock_not_owner = {
	.text = text_unlock_not_owner,
	.json = json_unlock_not_owner,
};

const struct mw_payload mw_payload_unlock_not_held = {
	.text = text_unlock_not_held,
	.json = json_unlock_not_held,
};

const struct mw_payload mw_payload_recursive_lock = {
	.text = text_recursive_lock,
	.json = json_recursive_lock,
};

const struct mw_payload mw_payload_lock_held_on_return = {
	.text = text_lock_held_on_return,
	.json = json_lock_held_on_return,
};

const struct mw_payload mw_payload_sleep_in_atomic = {
	.text = text_sleep_in_atomic,
	.json = json_sleep_in_atomic,
};

const struct mw_payload mw_payload_lock_order_inversion = {
	.text = text_lock_order_inversion,
	.json = json_lock_order_inversion,
};

const struct mw_payload mw_payload_held_lock_freed = {
	.text = text_held_lock_freed,
	.json = json_held_lock_freed,
};

const struct mw_payload mw_payload_lock_held_on_unload = {
	.text = text_lock_held_on_unload,
	.json = json_lock_held_on_unload,
};
