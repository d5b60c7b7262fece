// SPDX-License-Identifier: GPL-2.0
/*
 * The race rules' payloads, as text and as JSON: the object, the two tasks'
 * accesses and the locks each held.
 */
#include <stdio.h>
#include "events.h"
#include "races.h"
#include "lib/escape.h"
#include "report/json_parts.h"
#include "report/json_writer.h"
#include "report/payload_races.h"
#include "report/text_parts.h"
#include "symbols/ksym.h"

/* "copy_from_user into [+OFF, +LEN) at SITE by tid T (COMM) holding L1, L2" */
static void text_share_access(FILE *out, const struct mw_share_access *a, __u64 obj)
{
	char site[MW_SYM_LEN];
	__u32 i;

	mw_ksym_format(a->site, site, sizeof(site));
	fprintf(out, "%s [+%llu, +%llu) at %s by tid %u (%s) holding ",
		a->dir == MW_FROM_USER ? "copy_from_user into" : "copy_to_user from",
		(unsigned long long)(a->addr - obj), (unsigned long long)a->len, site, a->tid,
		mw_escn(a->comm, sizeof(a->comm)));
	if (!a->nr_locks)
		fputs("no lock", out);
	for (i = 0; i < a->nr_locks && i < MW_RACE_LOCKS; i++)
		fprintf(out, "%s0x%llx", i ? ", " : "", (unsigned long long)a->locks[i]);
	if (a->nr_locks > MW_RACE_LOCKS)
		fprintf(out, " and %u more", a->nr_locks - MW_RACE_LOCKS);
}

static void text_shared(FILE *out, const struct mw_event *e)
{
	const struct mw_shared_access *p = &e->shared_access;

	fputs(" object ", out);
	text_object(out, &p->obj);
	if (e->hdr.kind == MW_DATA_RACE)
		fprintf(out, ": bytes [+%llu, +%llu) copied by two tasks at once: ",
			(unsigned long long)(p->overlap_addr - p->obj.addr),
			(unsigned long long)p->overlap_len);
	else
		fputs(": used by two tasks in turn, no lock held at every access: ", out);
	text_share_access(out, &p->self, p->obj.addr);
	fputs(e->hdr.kind == MW_DATA_RACE ? ", while in flight " : "; before it ", out);
	text_share_access(out, &p->other, p->obj.addr);
}

/* "KEY":{"site":{...},"tid","pid","comm","type","addr","len","offset","locks":[...]} */
static void json_share_access(struct jw *out, const char *key, const struct mw_share_access *a,
			      __u64 obj)
{
	__u32 i;

	jw_printf(out, ",\"%s\":{", key);
	json_site(out, "site", a->site);
	jw_printf(out, ",\"tid\":%u,\"pid\":%u,\"comm\":", a->tid, a->pid);
	json_str(out, a->comm, sizeof(a->comm));
	jw_printf(out, ",\"type\":\"%s\",",
		  a->dir == MW_FROM_USER ? "copy_from_user" : "copy_to_user");
	json_addr(out, "addr", a->addr);
	jw_printf(out, ",\"len\":%llu,\"offset\":%llu,\"locks\":[",
		  (unsigned long long)a->len, (unsigned long long)(a->addr - obj));
	for (i = 0; i < a->nr_locks && i < MW_RACE_LOCKS; i++) {
		if (i)
			jw_putc(',', out);
		jw_printf(out, "\"0x%llx\"", (unsigned long long)a->locks[i]);
	}
	jw_printf(out, "],\"locks_held\":%u}", a->nr_locks);
}

static void json_shared(struct jw *out, const struct mw_event *e)
{
	const struct mw_shared_access *p = &e->shared_access;

	jw_putc(',', out);
	json_object(out, &p->obj);
	json_share_access(out, "access", &p->self, p->obj.addr);
	json_share_access(out, "other", &p->other, p->obj.addr);
	if (e->hdr.kind != MW_DATA_RACE)
		return;
	jw_puts(",\"overlap\":{", out);
	json_addr(out, "addr", p->overlap_addr);
	jw_printf(out, ",\"len\":%llu,\"offset\":%llu}", (unsigned long long)p->overlap_len,
		  (unsigned long long)(p->overlap_addr - p->obj.addr));
}

const struct mw_payload mw_payload_shared = {
	.text = text_shared,
	.json = json_shared,
};
