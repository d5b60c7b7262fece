/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --deep: the rule that judges one memory access of a watched module's own
 * code, from the address it touches and the heap tracker's exact knowledge
 * of the module's objects (heap.bpf.h). The kprobe on each access
 * instruction (deep.bpf.c) and the unit tests' entry (tests.bpf.c) read
 * the instruction's descriptor (include/deep.h), compute its address the
 * same way (mw_deep_ea()) and run the same rule (mw_deep_access()).
 */
#ifndef MODWATCH_DEEP_BPF_H
#define MODWATCH_DEEP_BPF_H

#include "heap.bpf.h"
#include "deep.h"

/*
 * The probed accesses, indexed by their kprobe's cookie; the daemon fills
 * it before attaching. Created only with --deep (and for the verifier's
 * and the unit tests' loads): user/probe/bpf.c.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MW_MAX_ACCESS_SITES);
	__type(key, __u32);
	__type(value, struct mw_access_desc);
} mw_access_descs_t;
mw_access_descs_t mw_access_descs __weak SEC(".maps");

/* struct pt_regs's 8-byte fields: the registers enum mw_reg indexes. */
#define MW_DEEP_REGS (sizeof(struct pt_regs) / sizeof(__u64))

/* Descriptor @idx, NULL if none or its module is gone (module_id 0: the probe is stale). */
static __always_inline const struct mw_access_desc *mw_access_desc(__u32 idx)
{
	const struct mw_access_desc *d = bpf_map_lookup_elem(&mw_access_descs, &idx);

	return d && d->module_id ? d : NULL;
}

/* Register @r (enum mw_reg) of the copy @regs of a struct pt_regs; MW_REG_NONE: 0. */
static __always_inline __u64 mw_deep_reg(const __u64 *regs, __u8 r)
{
	return r < MW_DEEP_REGS ? regs[r] : 0;
}

/* The address @d accesses when its base register holds @base and its index @index. */
static __always_inline __u64 mw_deep_ea(const struct mw_access_desc *d, __u64 base, __u64 index)
{
	if (d->base == MW_REG_NONE)
		base = 0;
	if (d->index == MW_REG_NONE)
		index = 0;
	return base + index * d->scale + (__s64)d->disp;
}

/*
 * heap_overflow_*: the base register holds exactly the start of a live
 * object of the module (one lookup, no search) and the access leaves the
 * bytes it asked for. True when the base is such an object: the access is
 * judged. An address below the start makes no claim (the end pointer of
 * the object before it in the slab looks just like this one's start), nor
 * does a base inside an object (which object the code meant is a guess),
 * nor an object whose size is unknown (a cache whose layout was not read).
 */
static __always_inline bool mw_deep_overflow(const struct mw_access_desc *d, __u64 base, __u64 ea,
					     bool store)
{
	struct mw_object *o;

	if (base <= MW_ZERO_SIZE_PTR || !mw_heap_maybe(base))
		return false;
	o = bpf_map_lookup_elem(&mw_objects, &base);
	if (!o || o->module_id != d->module_id || !o->size || ea < base)
		return false;
	if (ea + d->size > base + o->size)
		mw_report_heap_overflow(d->site, d->module_id, o, ea, d->size,
					store ? MW_HEAP_OVERFLOW_WRITE : MW_HEAP_OVERFLOW_READ,
					store ? MW_ACCESS_STORE : MW_ACCESS_LOAD);
	return true;
}

/*
 * use_after_free: @ea lies in an object of the module that is freed and
 * not handed out again (the quarantine). Once per freed object;
 * kfree_rcu()'d objects never (RCU readers: mw_report_uaf()). A live
 * object that holds @ea wins over a freed one: memory of a freed large
 * kmalloc may be a new slab's by now, whose objects the search would
 * otherwise take for the old one's inside. Memory core code got since (the
 * reused records) is no claim here, not even a possible one, unlike a
 * call's use of it: a plain load is how the module reads what core code
 * allocated for it, through code inlined into the module (bridge's
 * fdb_find_rcu() walking the rhashtable bucket_table_alloc() made where a
 * freed record of bridge's had been: the --deep real-module gate).
 */
static __always_inline void mw_deep_uaf(const struct mw_access_desc *d, __u64 ea, bool store)
{
	struct mw_site s = { .addr = d->site, .module_id = d->module_id };
	struct mw_object *q;

	q = mw_heap_find(&mw_quarantine, MW_IN_QUARANTINE, ea);
	if (q && q->module_id == d->module_id && !mw_heap_find(&mw_objects, MW_IN_OBJECTS, ea))
		mw_report_uaf(&s, q, ea, d->size, store ? MW_ACCESS_STORE : MW_ACCESS_LOAD, false);
}

/*
 * The instruction @d accessed [ea, ea + d->size), its base and index
 * registers holding @base and @index (0 without one). The cheap answers
 * first: most of a module's accesses are to its stack and its own image,
 * no heap object. [base + index] with scale 1 reads the same either way
 * round, and compilers put the pointer of p[len] in either register.
 */
MW_GLOBAL int mw_deep_access(const struct mw_access_desc *d, __u64 base, __u64 index, __u64 ea)
{
	bool store;

	if (!d || !d->module_id || mw_not_heap(ea))
		return 0;
	store = d->flags & MW_ACC_WRITE;
	if (mw_deep_overflow(d, base, ea, store))
		return 0;
	if (d->scale == 1 && mw_deep_overflow(d, index, ea, store))
		return 0;
	mw_deep_uaf(d, ea, store);
	return 0;
}

/*
 * A hook's body: access @d ran with @base and @index in its registers; the
 * reports leave with the hook's stack (@ctx).
 */
static __always_inline void mw_deep_hook(void *ctx, const struct mw_access_desc *d, __u64 base,
					 __u64 index)
{
	mw_run(ctx, mw_deep_access(d, d->base == MW_REG_NONE ? 0 : base,
				   d->index == MW_REG_NONE ? 0 : index, mw_deep_ea(d, base, index)));
}

#endif /* MODWATCH_DEEP_BPF_H */
