/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mw_buggy and mw_clean share around --deep's scenarios (mw_ioctl.h's
 * MW_IOC_DEEP_*), whose bugs are the module's own loads and stores, no call:
 * the objects, the module cache they come from and the delayed work that
 * touches one. Each module's scenarios and its work function are its own.
 * Included by both modules after their mw_site definition.
 *
 * Why a stock kernel survives mw_buggy's: stores into freed memory go only
 * to mw_deep_cache, which has a constructor, so SLUB keeps its free pointer
 * after the object (not inside it) and never poisons it, and whose slab is
 * pinned (mw_deep_pin) so that freed objects stay slab memory; loads from
 * freed kmalloc memory only read; the overflows stay in their kmalloc-64
 * slot (the sizes come from rec_size, 33..63, checked).
 */
#ifndef MW_DEEP_H
#define MW_DEEP_H

#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

/* A record of the module cache: fields that code after a free touches. */
struct mw_deep_obj {
	u64 seq;
	u64 count;
	u64 data[6];
};

/* A kmalloc'd record; rcu for mw_clean's kfree_rcu(). */
struct mw_deep_rec {
	u64 id;
	u64 seq;
	struct rcu_head rcu;
};

static struct kmem_cache *mw_deep_cache;
static struct mw_deep_obj *mw_deep_pin;

/* The object the delayed work (each module's) touches when it runs. */
static struct mw_deep_obj *mw_deep_job;

static void mw_deep_ctor(void *p)
{
	memset(p, 0, sizeof(struct mw_deep_obj));
}

static int mw_deep_create(void)
{
	mw_deep_cache = kmem_cache_create(KBUILD_MODNAME "_deep", sizeof(struct mw_deep_obj), 0,
					  0, mw_deep_ctor);
	if (mw_deep_cache)
		mw_deep_pin = kmem_cache_alloc(mw_deep_cache, GFP_KERNEL);
	if (mw_deep_pin)
		return 0;
	kmem_cache_destroy(mw_deep_cache);
	return -ENOMEM;
}

/* After the work is cancelled: every object but the pin is back. */
static void mw_deep_destroy(void)
{
	kmem_cache_free(mw_deep_cache, mw_deep_pin);
	kmem_cache_destroy(mw_deep_cache);
}

/* The table of deep_index: rec_size / 4 entries, over 32 bytes and under 64 (a kmalloc-64 slot). */
static unsigned int mw_deep_entries(unsigned int rec_size)
{
	unsigned int n = rec_size / sizeof(u32);

	return n * sizeof(u32) > 32 && n * sizeof(u32) < 64 ? n : 0;
}

#endif /* MW_DEEP_H */
