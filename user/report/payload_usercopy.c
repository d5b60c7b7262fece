// SPDX-License-Identifier: GPL-2.0
/*
 * The user-copy rules' payloads, as text and as JSON: the copy, the slice
 * or ioctl size it ran past, the earlier fetch.
 */
#include <stdio.h>
#include "events.h"
#include "usercopy.h"
#include "report/json_parts.h"
#include "report/json_writer.h"
#include "report/payload_usercopy.h"
#include "report/text_parts.h"
#include "symbols/ksym.h"

static const char *const dir_names[] = { [MW_FROM_USER] = "from", [MW_TO_USER] = "to" };

static void text_slice(FILE *out, const struct mw_event *e)
{
	const struct mw_user_slice_overrun *p = &e->user_slice_overrun;
	char site[MW_SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	fprintf(out, " copy %s user [0x%llx, +%llu) at %s runs %llu bytes past the slice "
		"[0x%llx, +%llu) that syscall %u declared", dir_names[p->dir & 3],
		(unsigned long long)p->copy_start, (unsigned long long)p->copy_len, site,
		(unsigned long long)(p->copy_start + p->copy_len - p->slice_start - p->slice_len),
		(unsigned long long)p->slice_start, (unsigned long long)p->slice_len,
		p->syscall_nr);
}

static void text_ioctl_size(FILE *out, const struct mw_event *e)
{
	const struct mw_ioctl_size_mismatch *p = &e->ioctl_size_mismatch;
	char site[MW_SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	fprintf(out, " ioctl 0x%x copies %llu bytes %s user at %s, past its _IOC_SIZE of %llu "
		"(a legacy number or a variable-length header, or a bug)", p->cmd,
		(unsigned long long)p->copy_len, dir_names[p->dir & 3], site,
		(unsigned long long)p->slice_len);
}

static const char *const changed_names[] = { "no", "YES", "unknown" };

static void text_double_fetch(FILE *out, const struct mw_event *e)
{
	const struct mw_double_fetch *p = &e->double_fetch;
	char site[MW_SYM_LEN], first[MW_SYM_LEN];

	mw_ksym_format(e->hdr.site, site, sizeof(site));
	mw_ksym_format(p->first_site, first, sizeof(first));
	fprintf(out, " user [0x%llx, +%llu) fetched again at %s (%u bytes), first at %s "
		"(%u bytes) in syscall %u; changed in between: %s",
		(unsigned long long)p->user_addr, (unsigned long long)p->overlap_len, site,
		p->second_size, first, p->first_size, p->syscall_nr,
		changed_names[p->changed < 3 ? p->changed : 2]);
}

static void json_slice(struct jw *out, const struct mw_event *e)
{
	const struct mw_user_slice_overrun *p = &e->user_slice_overrun;

	jw_puts(p->dir == MW_TO_USER ? ",\"direction\":\"to_user\"" : ",\"direction\":\"from_user\"",
	      out);
	json_key_u64(out, "syscall", p->syscall_nr);
	jw_puts(",\"slice\":{", out);
	json_addr(out, "addr", p->slice_start);
	json_key_u64(out, "len", p->slice_len);
	jw_puts("},\"copy\":{", out);
	json_addr(out, "addr", p->copy_start);
	json_key_u64(out, "len", p->copy_len);
	jw_putc('}', out);
}

static void json_ioctl_size(struct jw *out, const struct mw_event *e)
{
	const struct mw_ioctl_size_mismatch *p = &e->ioctl_size_mismatch;

	jw_printf(out, ",\"direction\":\"%s\",\"cmd\":\"0x%x\",\"ioc_size\":%llu,\"arg\":",
		p->dir == MW_TO_USER ? "to_user" : "from_user", p->cmd,
		(unsigned long long)p->slice_len);
	jw_puts("{", out);
	json_addr(out, "addr", p->slice_start);
	jw_puts("},\"copy\":{", out);
	json_addr(out, "addr", p->copy_start);
	jw_printf(out, ",\"len\":%llu}", (unsigned long long)p->copy_len);
}

static void json_double_fetch(struct jw *out, const struct mw_event *e)
{
	const struct mw_double_fetch *p = &e->double_fetch;

	static const char *const changed[] = { "false", "true", "null" };

	jw_putc(',', out);
	json_site(out, "first_site", p->first_site);
	jw_printf(out, ",\"syscall\":%u,\"first_size\":%u,\"second_size\":%u,\"overlap\":{",
		p->syscall_nr, p->first_size, p->second_size);
	json_addr(out, "addr", p->user_addr);
	jw_printf(out, ",\"len\":%llu},\"changed\":%s", (unsigned long long)p->overlap_len,
		changed[p->changed < 3 ? p->changed : 2]);
}

const struct mw_payload mw_payload_user_slice_overrun = {
	.text = text_slice,
	.json = json_slice,
};

const struct mw_payload mw_payload_ioctl_size_mismatch = {
	.text = text_ioctl_size,
	.json = json_ioctl_size,
};

const struct mw_payload mw_payload_double_fetch = {
	.text = text_double_fetch,
	.json = json_double_fetch,
};
