// SPDX-License-Identifier: GPL-2.0
/* Report names of the violation kinds and of the BPF counters. */
#include <string.h>
#include <stdio.h>
#include "events.h"
#include "stats.h"
#include "report/rules.h"

#define MW_KIND_NAME(up, low) [MW_##up] = #low,
static const char *const kind_names[MW_KIND_NR] = {
	MW_KINDS(MW_KIND_NAME)
};

#define MW_STAT_NAME(up, low, desc) [MW_STAT_##up] = #low,
static const char *const stat_names[MW_STAT_LOST_BASE] = {
	MW_STATS(MW_STAT_NAME)
};

#define MW_STAT_DESC(up, low, desc) [MW_STAT_##up] = desc,
static const char *const stat_descs[MW_STAT_LOST_BASE] = {
	MW_STATS(MW_STAT_DESC)
};

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

/* What breaking each rule means, in one sentence (SARIF's rule descriptions). */
static const char *const kind_descs[MW_KIND_NR] = {
	[MW_USER_SLICE_OVERRUN] = "A user copy ran past the user buffer the system call declared.",
	[MW_DOUBLE_FETCH] = "The same user bytes were copied in twice within one system call; "
			    "user space may change them in between.",
	[MW_HEAP_OVERFLOW_WRITE] = "A copy from user space wrote past the end of a heap object "
				   "the module allocated.",
	[MW_HEAP_OVERFLOW_READ] = "A copy to user space read past the end of a heap object the "
				  "module allocated.",
	[MW_USE_AFTER_FREE] = "The module copied to, from, or locked memory it had freed.",
	[MW_DOUBLE_FREE] = "The module freed an object that was already free.",
	[MW_INVALID_FREE] = "The module freed a pointer that is not the start of a live object.",
	[MW_LEAK_ON_UNLOAD] = "Objects the module allocated were still live when it unloaded.",
	[MW_UNINIT_LEAK] = "Bytes of a heap object never written since its allocation were "
			   "copied to user space.",
	[MW_UNLOCK_NOT_OWNER] = "A task released a lock another task holds.",
	[MW_UNLOCK_NOT_HELD] = "A lock nobody holds was released.",
	[MW_RECURSIVE_LOCK] = "A task took a lock it already holds.",
	[MW_LOCK_HELD_ON_RETURN] = "A system call returned to user space with a module lock held.",
	[MW_SLEEP_IN_ATOMIC] = "The module called a function that may sleep while holding a "
			       "spinlock.",
	[MW_LOCK_ORDER_INVERSION] = "Two locks were taken in both orders: a deadlock waiting "
				    "for two tasks.",
	[MW_HELD_LOCK_FREED] = "Memory holding a lock that is held was freed.",
	[MW_LOCK_HELD_ON_UNLOAD] = "A module lock was still held when the module unloaded.",
	[MW_IOCTL_SIZE_MISMATCH] = "An ioctl copy ran past the size its command number encodes "
				   "(legacy numbers and variable-length headers do this too).",
	[MW_DATA_RACE] = "Two tasks copied to or from the same bytes of a module object at "
			 "once, one of them writing it, with no lock in common.",
	[MW_UNPROTECTED_SHARED_ACCESS] = "Two tasks used a module object in turn, one writing "
					 "it, and no lock was held at every access.",
};

const char *mw_kind_desc(__u32 kind)
{
	if (kind == MW_KIND_NONE || kind >= MW_KIND_NR || !kind_descs[kind])
		return "unknown";
	return kind_descs[kind];
}

const char *mw_stat_name(__u32 stat)
{
	return stat < MW_STAT_LOST_BASE ? stat_names[stat] : "lost";
}

const char *mw_stat_desc(__u32 stat)
{
	return stat < MW_STAT_LOST_BASE ? stat_descs[stat] : "events lost: ring buffer full";
}

/*
 * journald's MESSAGE_ID of each kind's reports (journalctl MESSAGE_ID=...):
 * made once at random, as systemd's catalog asks, and never changed.
 */
static const char *const kind_message_ids[MW_KIND_NR] = {
	[MW_USER_SLICE_OVERRUN] = "d6cf983baa3c4ab6ac86a84257f1445b",
	[MW_DOUBLE_FETCH] = "c6a17b35d9964b049528ab4b360d5a51",
	[MW_HEAP_OVERFLOW_WRITE] = "e6c66e3ef39f441fbab3c3d70fbac343",
	[MW_HEAP_OVERFLOW_READ] = "b3b8105d5ce04f6b9c19e592e59ae5cd",
	[MW_USE_AFTER_FREE] = "64e6e61e567d457ea540d721d3c3ef94",
	[MW_DOUBLE_FREE] = "fc9bbc86914a42058d6f2831778b1991",
	[MW_INVALID_FREE] = "8c57c092ac5c45f9a8ea5f6dc3aed508",
	[MW_LEAK_ON_UNLOAD] = "13b5cd14eea54af1b4274dd1516cabcf",
	[MW_UNINIT_LEAK] = "0a219ab7d88947979270ad6c7cb9c505",
	[MW_UNLOCK_NOT_OWNER] = "9140e7232539483793714b562bd3123d",
	[MW_UNLOCK_NOT_HELD] = "e42c60a8a7ee4ddf854522dbaae4a414",
	[MW_RECURSIVE_LOCK] = "96272ec25d814a22b37e33c66c758457",
	[MW_LOCK_HELD_ON_RETURN] = "2d4cd5b5a08845c6b20e3785b3760351",
	[MW_SLEEP_IN_ATOMIC] = "79b0057d5048464f95ed01d10b4b4689",
	[MW_LOCK_ORDER_INVERSION] = "385d4272b25e44229cfab7f779916508",
	[MW_HELD_LOCK_FREED] = "435330d1361c42f6acc6dd726154e8f8",
	[MW_LOCK_HELD_ON_UNLOAD] = "2df87770225a46f5963fd9164a0e916a",
	[MW_IOCTL_SIZE_MISMATCH] = "c8679d1bae504832bb27b45317ff4d82",
	[MW_DATA_RACE] = "cbf6cc2720504c16b9375a0f5aa919ff",
	[MW_UNPROTECTED_SHARED_ACCESS] = "a445d23d0dac41f2a1648cea63b88c08",
};

const char *mw_kind_message_id(__u32 kind)
{
	if (kind == MW_KIND_NONE || kind >= MW_KIND_NR || !kind_message_ids[kind])
		return NULL;
	return kind_message_ids[kind];
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
