// SPDX-License-Identifier: GPL-2.0
/*
 * The rules table: one row per kind of report, everything the daemon says
 * about it. Adding a rule on this side is its row here and its payload's
 * printer (report/payload_*.c); its number and name are the ABI's
 * (MW_KINDS in include/events.h), shared with the BPF side.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "events.h"
#include "report/payload_heap.h"
#include "report/payload_locks.h"
#include "report/payload_races.h"
#include "report/payload_usercopy.h"
#include "report/rules.h"

static const struct mw_rule rules[MW_KIND_NR] = {
	[MW_USER_SLICE_OVERRUN] = {
		.desc = "A user copy ran past the user buffer the system call declared.",
		.message_id = "d6cf983baa3c4ab6ac86a84257f1445b",
		.kasan = "user-slice-overrun",
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES,
		.payload = &mw_payload_user_slice_overrun,
	},
	[MW_DOUBLE_FETCH] = {
		.desc = "The same user bytes were copied in twice within one system call; "
			"user space may change them in between.",
		.message_id = "c6a17b35d9964b049528ab4b360d5a51",
		.kasan = "double-fetch",
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES,
		.first_site = offsetof(struct mw_event, double_fetch.first_site),
		.payload = &mw_payload_double_fetch,
	},
	[MW_HEAP_OVERFLOW_WRITE] = {
		.desc = "A copy from user space wrote past the end of a heap object "
			"the module allocated.",
		.message_id = "e6c66e3ef39f441fbab3c3d70fbac343",
		.kasan = "slab-out-of-bounds",
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES | MW_NEEDS_KMEM_TP,
		.access = MW_KASAN_COPY_WRITE,
		.object = offsetof(struct mw_event, heap_overflow.obj),
		.payload = &mw_payload_heap_overflow,
	},
	[MW_HEAP_OVERFLOW_READ] = {
		.desc = "A copy to user space read past the end of a heap object the "
			"module allocated.",
		.message_id = "b3b8105d5ce04f6b9c19e592e59ae5cd",
		.kasan = "slab-out-of-bounds",
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES | MW_NEEDS_KMEM_TP,
		.access = MW_KASAN_COPY_READ,
		.object = offsetof(struct mw_event, heap_overflow.obj),
		.payload = &mw_payload_heap_overflow,
	},
	[MW_USE_AFTER_FREE] = {
		.desc = "The module copied to, from, or locked memory it had freed.",
		.message_id = "64e6e61e567d457ea540d721d3c3ef94",
		.kasan = "slab-use-after-free",
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES | MW_NEEDS_KMEM_TP,
		.access = MW_KASAN_MEMORY,
		.object = offsetof(struct mw_event, use_after_free.obj),
		.payload = &mw_payload_use_after_free,
	},
	[MW_DOUBLE_FREE] = {
		.desc = "The module freed an object that was already free.",
		.message_id = "fc9bbc86914a42058d6f2831778b1991",
		.kasan = "double-free",
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KMEM_TP,
		.access = MW_KASAN_FREE,
		.object = offsetof(struct mw_event, double_free.obj),
		.payload = &mw_payload_double_free,
	},
	[MW_INVALID_FREE] = {
		.desc = "The module freed a pointer that is not the start of a live object.",
		.message_id = "8c57c092ac5c45f9a8ea5f6dc3aed508",
		.kasan = "invalid-free",
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KMEM_TP,
		.access = MW_KASAN_FREE_PTR,
		.object = offsetof(struct mw_event, invalid_free.obj),
		.payload = &mw_payload_invalid_free,
	},
	[MW_LEAK_ON_UNLOAD] = {
		.desc = "Objects the module allocated were still live when it unloaded.",
		.message_id = "13b5cd14eea54af1b4274dd1516cabcf",
		.kasan = "memory leak",
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KMEM_TP,
		.payload = &mw_payload_leak_on_unload,
	},
	[MW_UNINIT_LEAK] = {
		.desc = "Bytes of a heap object never written since its allocation were "
			"copied to user space.",
		.message_id = "0a219ab7d88947979270ad6c7cb9c505",
		.kasan = "kernel-infoleak",
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES | MW_NEEDS_KMEM_TP,
		.access = MW_KASAN_COPY_READ,
		.payload = &mw_payload_uninit_leak,
	},
	[MW_UNLOCK_NOT_OWNER] = {
		.desc = "A task released a lock another task holds.",
		.message_id = "9140e7232539483793714b562bd3123d",
		.kasan = "unlock-not-owner",
		.title = "bad unlock: not the owner",
		.kernel_warning = true,
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES,
		.payload = &mw_payload_unlock_not_owner,
	},
	[MW_UNLOCK_NOT_HELD] = {
		.desc = "A lock nobody holds was released.",
		.message_id = "e42c60a8a7ee4ddf854522dbaae4a414",
		.kasan = "unlock-not-held",
		.title = "bad unlock balance detected!",
		.kernel_warning = true,
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES,
		.payload = &mw_payload_unlock_not_held,
	},
	[MW_RECURSIVE_LOCK] = {
		.desc = "A task took a lock it already holds.",
		.message_id = "96272ec25d814a22b37e33c66c758457",
		.kasan = "recursive-lock",
		.title = "possible recursive locking detected",
		.kernel_warning = true,
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES,
		.payload = &mw_payload_recursive_lock,
	},
	[MW_LOCK_HELD_ON_RETURN] = {
		.desc = "A system call returned to user space with a module lock held.",
		.message_id = "2d4cd5b5a08845c6b20e3785b3760351",
		.kasan = "lock-held-on-return",
		.title = "lock held when returning to user space!",
		.kernel_warning = true,
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES,
		.payload = &mw_payload_lock_held_on_return,
	},
	[MW_SLEEP_IN_ATOMIC] = {
		.desc = "The module called a function that may sleep while holding a "
			"spinlock.",
		.message_id = "79b0057d5048464f95ed01d10b4b4689",
		.kasan = "sleep-in-atomic",
		.title = "sleeping function called from invalid context",
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES | MW_NEEDS_KMEM_TP,
		.payload = &mw_payload_sleep_in_atomic,
	},
	[MW_LOCK_ORDER_INVERSION] = {
		.desc = "Two locks were taken in both orders: a deadlock waiting "
			"for two tasks.",
		.message_id = "385d4272b25e44229cfab7f779916508",
		.kasan = "lock-order-inversion",
		.title = "possible circular locking dependency detected",
		.kernel_warning = true,
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES,
		.payload = &mw_payload_lock_order_inversion,
	},
	[MW_HELD_LOCK_FREED] = {
		.desc = "Memory holding a lock that is held was freed.",
		.message_id = "435330d1361c42f6acc6dd726154e8f8",
		.kasan = "held-lock-freed",
		.title = "held lock freed!",
		.kernel_warning = true,
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES | MW_NEEDS_KMEM_TP,
		.payload = &mw_payload_held_lock_freed,
	},
	[MW_LOCK_HELD_ON_UNLOAD] = {
		.desc = "A module lock was still held when the module unloaded.",
		.message_id = "2df87770225a46f5963fd9164a0e916a",
		.kasan = "lock-held-on-unload",
		.title = "lock held at module unload!",
		.kernel_warning = true,
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES,
		.payload = &mw_payload_lock_held_on_unload,
	},
	[MW_IOCTL_SIZE_MISMATCH] = {
		.desc = "An ioctl copy ran past the size its command number encodes "
			"(legacy numbers and variable-length headers do this too).",
		.message_id = "c8679d1bae504832bb27b45317ff4d82",
		.kasan = "ioctl-size-mismatch",
		.kernel_warning = true,
		.warning = true,
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES,
		.payload = &mw_payload_ioctl_size_mismatch,
	},
	[MW_DATA_RACE] = {
		.desc = "Two tasks copied to or from the same bytes of a module object at "
			"once, one of them writing it, with no lock in common.",
		.message_id = "cbf6cc2720504c16b9375a0f5aa919ff",
		.kasan = "data-race",
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES | MW_NEEDS_KMEM_TP,
		.payload = &mw_payload_shared,
	},
	[MW_UNPROTECTED_SHARED_ACCESS] = {
		.desc = "Two tasks used a module object in turn, one writing "
			"it, and no lock was held at every access.",
		.message_id = "a445d23d0dac41f2a1648cea63b88c08",
		.kasan = "unprotected-shared-access",
		.kernel_warning = true,
		.warning = true,
		.needs = MW_NEEDS_MODULES | MW_NEEDS_KPROBES | MW_NEEDS_KMEM_TP,
		.payload = &mw_payload_shared,
	},
};

#define MW_KIND_NAME(up, low) [MW_##up] = #low,
static const char *const kind_names[MW_KIND_NR] = {
	MW_KINDS(MW_KIND_NAME)
};

static const struct mw_rule unknown = { .desc = "unknown" };

const struct mw_rule *mw_rule(__u32 kind)
{
	return kind == MW_KIND_NONE || kind >= MW_KIND_NR ? &unknown : &rules[kind];
}

const char *mw_kind_name(__u32 kind)
{
	if (kind == MW_KIND_NONE || kind >= MW_KIND_NR)
		return "unknown";
	return kind_names[kind];
}

/* The kind named @name, or MW_KIND_NONE. */
__u32 mw_kind_by_name(const char *name)
{
	__u32 k;

	for (k = MW_KIND_NONE + 1; k < MW_KIND_NR; k++)
		if (!strcmp(kind_names[k], name))
			return k;
	return MW_KIND_NONE;
}

const char *mw_kind_desc(__u32 kind)
{
	return mw_rule(kind)->desc;
}

const char *mw_kind_message_id(__u32 kind)
{
	return mw_rule(kind)->message_id;
}

const struct mw_object *mw_rule_object(const struct mw_event *e)
{
	const struct mw_rule *r = mw_rule(e->hdr.kind);

	return r->object ? (const void *)((const char *)e + r->object) : NULL;
}

/* The names of the kinds in @mask into @buf, each in @quote, @sep between them. */
void mw_kinds_format(__u32 mask, const char *sep, const char *quote, char *buf, size_t len)
{
	size_t used = 0;
	__u32 k;

	buf[0] = '\0';
	for (k = 1; k < MW_KIND_NR && used < len; k++)
		if (mask & (1u << k))
			used += snprintf(buf + used, len - used, "%s%s%s%s", used ? sep : "",
					 quote, mw_kind_name(k), quote);
}
