/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call sites: the calls in a watched module's own code to the functions
 * modwatch cares about. The daemon finds them in the module's .ko
 * (relocations against these callees) and attaches one kprobe at each call
 * instruction, where the arguments are still in their registers; the BPF
 * side finds the site's record in mw_sites by the kprobe's cookie.
 *
 * MW_CALLEES is the one table of callees: (id, symbol, class, size). The
 * class says how the probe reads the arguments (x86_64):
 *   FETCH       _copy_from_user(to=rdi, from=rsi, n=rdx) and alikes
 *   COPY_TO     _copy_to_user(to=rdi, from=rsi, n=rdx)
 *   GET_USER    __get_user_N: user address in rax, N bytes (size column)
 *   PUT_USER    __put_user_N: user address in rcx, N bytes
 *   STRNCPY     strncpy_from_user(dst=rdi, src=rsi, count=rdx)
 *   ALLOC, FREE, LOCK, UNLOCK: allocator and lock entry points, for the
 *               lifetime and lock rules
 */
#ifndef MODWATCH_SITES_H
#define MODWATCH_SITES_H

#include "types.h"

enum mw_callee_class {
	MW_CLASS_FETCH = 1,
	MW_CLASS_COPY_TO,
	MW_CLASS_GET_USER,
	MW_CLASS_PUT_USER,
	MW_CLASS_STRNCPY,
	MW_CLASS_ALLOC,
	MW_CLASS_FREE,
	MW_CLASS_LOCK,
	MW_CLASS_UNLOCK,
};

#define MW_CALLEES(X)								\
	X(COPY_FROM_USER,	_copy_from_user,	FETCH,		0)	\
	X(COPY_FROM_USER_NOFAULT, copy_from_user_nofault, FETCH,	0)	\
	X(COPY_TO_USER,		_copy_to_user,		COPY_TO,	0)	\
	X(GET_USER_1,		__get_user_1,		GET_USER,	1)	\
	X(GET_USER_2,		__get_user_2,		GET_USER,	2)	\
	X(GET_USER_4,		__get_user_4,		GET_USER,	4)	\
	X(GET_USER_8,		__get_user_8,		GET_USER,	8)	\
	X(PUT_USER_1,		__put_user_1,		PUT_USER,	1)	\
	X(PUT_USER_2,		__put_user_2,		PUT_USER,	2)	\
	X(PUT_USER_4,		__put_user_4,		PUT_USER,	4)	\
	X(PUT_USER_8,		__put_user_8,		PUT_USER,	8)	\
	X(STRNCPY_FROM_USER,	strncpy_from_user,	STRNCPY,	0)	\
	X(KMALLOC,		__kmalloc,		ALLOC,		0)	\
	X(KMALLOC_TRACE,	kmalloc_trace,		ALLOC,		0)	\
	X(KMEM_CACHE_ALLOC,	kmem_cache_alloc,	ALLOC,		0)	\
	X(KFREE,		kfree,			FREE,		0)	\
	X(KMEM_CACHE_FREE,	kmem_cache_free,	FREE,		0)	\
	X(MUTEX_LOCK,		mutex_lock,		LOCK,		0)	\
	X(MUTEX_LOCK_INTERRUPTIBLE, mutex_lock_interruptible, LOCK,	0)	\
	X(MUTEX_LOCK_KILLABLE,	mutex_lock_killable,	LOCK,		0)	\
	X(MUTEX_TRYLOCK,	mutex_trylock,		LOCK,		0)	\
	X(MUTEX_UNLOCK,		mutex_unlock,		UNLOCK,		0)	\
	X(SPIN_LOCK,		_raw_spin_lock,		LOCK,		0)	\
	X(SPIN_LOCK_IRQ,	_raw_spin_lock_irq,	LOCK,		0)	\
	X(SPIN_LOCK_IRQSAVE,	_raw_spin_lock_irqsave,	LOCK,		0)	\
	X(SPIN_LOCK_BH,		_raw_spin_lock_bh,	LOCK,		0)	\
	X(SPIN_TRYLOCK,		_raw_spin_trylock,	LOCK,		0)	\
	X(SPIN_UNLOCK,		_raw_spin_unlock,	UNLOCK,		0)	\
	X(SPIN_UNLOCK_IRQ,	_raw_spin_unlock_irq,	UNLOCK,		0)	\
	X(SPIN_UNLOCK_IRQRESTORE, _raw_spin_unlock_irqrestore, UNLOCK,	0)	\
	X(SPIN_UNLOCK_BH,	_raw_spin_unlock_bh,	UNLOCK,		0)	\
	X(READ_LOCK,		_raw_read_lock,		LOCK,		0)	\
	X(READ_UNLOCK,		_raw_read_unlock,	UNLOCK,		0)	\
	X(WRITE_LOCK,		_raw_write_lock,	LOCK,		0)	\
	X(WRITE_UNLOCK,		_raw_write_unlock,	UNLOCK,		0)	\
	X(DOWN_READ,		down_read,		LOCK,		0)	\
	X(DOWN_READ_TRYLOCK,	down_read_trylock,	LOCK,		0)	\
	X(UP_READ,		up_read,		UNLOCK,		0)	\
	X(DOWN_WRITE,		down_write,		LOCK,		0)	\
	X(DOWN_WRITE_TRYLOCK,	down_write_trylock,	LOCK,		0)	\
	X(UP_WRITE,		up_write,		UNLOCK,		0)

#define MW_CALLEE_ENUM(id, sym, class, size) MW_CALLEE_##id,
enum mw_callee {
	MW_CALLEE_NONE = 0,
	MW_CALLEES(MW_CALLEE_ENUM)
	MW_CALLEE_NR
};
#undef MW_CALLEE_ENUM

/* Sites probed at once, all modules together (the mw_sites array). */
#define MW_MAX_SITES 16384

/* What a probe needs to know about its site; indexed by the kprobe's cookie. */
struct mw_site {
	__u64 addr;		/* the live address of the call instruction */
	__u32 module_id;
	__u16 callee;		/* enum mw_callee */
	__u8 class;		/* enum mw_callee_class */
	__u8 size;		/* access size of __get_user_N/__put_user_N */
};
_Static_assert(sizeof(struct mw_site) == 16, "mw_site layout");

#endif /* MODWATCH_SITES_H */
