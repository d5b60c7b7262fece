/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call sites: the calls in a watched module's own code to the functions
 * modwatch cares about. The daemon finds them in the module's .ko
 * (relocations against these callees) and attaches one kprobe at each call
 * instruction, where the arguments are still in their registers; the BPF
 * side finds the site's record in mw_sites by the kprobe's cookie.
 *
 * MW_CALLEES is the one table of callees: (id, symbol, class, arg), names
 * as on Debian's 6.1 kernel and as a module's source calls them
 * (tools/api-census counts who calls what); MW_CALLEE_RENAMES gives later
 * kernels' names for the same functions. The
 * class says how the probe reads the arguments (x86_64: rdi, rsi, rdx,
 * rcx, r8), arg is the class's parameter:
 *   FETCH       _copy_from_user(to, from, n) and alikes
 *   COPY_TO     _copy_to_user(to, from, n)
 *   COPY_USER   copy_user_generic_*(to, from, len), behind __copy_{from,to}_user():
 *               the direction is whichever side is a user address; alternatives
 *               patch the call to another of the family at load
 *   GET_USER    __get_user_N: user address in rax; arg: N bytes
 *   PUT_USER    __put_user_N: user address in rcx; arg: N bytes
 *   STRNCPY     strncpy_from_user(dst, src, count)
 *   CHECK_SIZE  __check_object_size(ptr, n, to_user): hardened usercopy's check,
 *               inlined before the copy call; it BUGs on a heap overflow before
 *               the copy's probe runs, so the kernel side is checked here first
 *   DUP_USER    memdup_user(src, len), strndup_user(src, n): a fetch whose kernel
 *               copy core code allocates, tracked as BEHALF does; arg as there
 *   BEHALF      allocations core code makes for the module (kmemdup, kstrdup,
 *               kvmalloc_node, vmalloc, devm_kmalloc...): probed at the call and
 *               the next instruction (include/heap.h, struct mw_behalf); arg:
 *               0, kmalloc only, or 1 (rdi) / 2 (rsi) holds the size of a
 *               vmalloc area it may return instead
 *   ITER_TO     _copy_to_iter(addr, bytes, iter): to the iter's user memory
 *   ITER_FROM   _copy_from_iter(addr, bytes, iter)
 *   SIMPLE_READ simple_read_from_buffer(to, count, ppos, from, available)
 *   SIMPLE_WRITE simple_write_to_buffer(to, available, ppos, from, count)
 *   ALLOC       allocators the kmem tracepoints see, called from the module (not
 *               probed: the tracepoints' call_site is the module's)
 *   FREE        frees: the pointer is argument arg (0: rdi, 1: rsi); probed as a
 *               second path to the kfree tracepoints, which the kernel skips when
 *               a free nests in a running hook, and the only one for vfree
 *   FREE_RCU    kvfree_call_rcu(head, func): kfree_rcu(), freed later in batches
 *               that no per-object tracepoint reports
 *   FREE_BULK   kmem_cache_free_bulk(cache, n, ptrs): kfree_bulk() too
 *   DEFER       call_rcu(): no free itself (not probed); the callback's free is a
 *               site of its own
 *   LOCK, UNLOCK: the lock entry points, lock in rdi (bpf/locks.bpf.h has their
 *               semantics); an UNLOCK's arg, when not 0, says where in the object
 *               rdi points to the lock is (MW_UNLOCK_*)
 */
#ifndef MODWATCH_SITES_H
#define MODWATCH_SITES_H

#include "types.h"

enum mw_callee_class {
	MW_CLASS_FETCH = 1,
	MW_CLASS_COPY_TO,
	MW_CLASS_COPY_USER,
	MW_CLASS_GET_USER,
	MW_CLASS_PUT_USER,
	MW_CLASS_STRNCPY,
	MW_CLASS_DUP_USER,
	MW_CLASS_BEHALF,
	MW_CLASS_ITER_TO,
	MW_CLASS_ITER_FROM,
	MW_CLASS_SIMPLE_READ,
	MW_CLASS_SIMPLE_WRITE,
	MW_CLASS_ALLOC,
	MW_CLASS_FREE,
	MW_CLASS_FREE_RCU,
	MW_CLASS_FREE_BULK,
	MW_CLASS_DEFER,
	MW_CLASS_LOCK,
	MW_CLASS_UNLOCK,
	MW_CLASS_CHECK_SIZE,
	MW_CLASS_ENTRY,		/* no callee: the module's own entry point (struct mw_call) */
};

/*
 * An unlock core code does for the module: queue_limits_commit_update(q, lim)
 * (v6.9, "block: add an API to atomically update queue limits") releases
 * q->limits_lock, which the inline queue_limits_start_update() took at the
 * module's own mutex_lock() call. Unseen, the lock would stay held for good
 * and order every later lock after it (loop and nbd on 6.12).
 */
#define MW_UNLOCK_QUEUE_LIMITS	1

#define MW_CALLEES(X)								\
	X(COPY_FROM_USER,	_copy_from_user,	FETCH,		0)	\
	X(COPY_FROM_USER_NOFAULT, copy_from_user_nofault, FETCH,	0)	\
	X(COPY_TO_USER,		_copy_to_user,		COPY_TO,	0)	\
	X(COPY_USER_UNROLLED,	copy_user_generic_unrolled, COPY_USER,	0)	\
	X(COPY_USER_STRING,	copy_user_generic_string, COPY_USER,	0)	\
	X(COPY_USER_ERMS,	copy_user_enhanced_fast_string, COPY_USER, 0)	\
	X(GET_USER_1,		__get_user_1,		GET_USER,	1)	\
	X(GET_USER_2,		__get_user_2,		GET_USER,	2)	\
	X(GET_USER_4,		__get_user_4,		GET_USER,	4)	\
	X(GET_USER_8,		__get_user_8,		GET_USER,	8)	\
	X(GET_USER_NOCHECK_1,	__get_user_nocheck_1,	GET_USER,	1)	\
	X(GET_USER_NOCHECK_2,	__get_user_nocheck_2,	GET_USER,	2)	\
	X(GET_USER_NOCHECK_4,	__get_user_nocheck_4,	GET_USER,	4)	\
	X(GET_USER_NOCHECK_8,	__get_user_nocheck_8,	GET_USER,	8)	\
	X(PUT_USER_1,		__put_user_1,		PUT_USER,	1)	\
	X(PUT_USER_2,		__put_user_2,		PUT_USER,	2)	\
	X(PUT_USER_4,		__put_user_4,		PUT_USER,	4)	\
	X(PUT_USER_8,		__put_user_8,		PUT_USER,	8)	\
	X(PUT_USER_NOCHECK_1,	__put_user_nocheck_1,	PUT_USER,	1)	\
	X(PUT_USER_NOCHECK_2,	__put_user_nocheck_2,	PUT_USER,	2)	\
	X(PUT_USER_NOCHECK_4,	__put_user_nocheck_4,	PUT_USER,	4)	\
	X(PUT_USER_NOCHECK_8,	__put_user_nocheck_8,	PUT_USER,	8)	\
	X(STRNCPY_FROM_USER,	strncpy_from_user,	STRNCPY,	0)	\
	X(CHECK_OBJECT_SIZE,	__check_object_size,	CHECK_SIZE,	0)	\
	X(MEMDUP_USER,		memdup_user,		DUP_USER,	0)	\
	X(MEMDUP_USER_NUL,	memdup_user_nul,	DUP_USER,	0)	\
	X(VMEMDUP_USER,		vmemdup_user,		DUP_USER,	2)	\
	X(STRNDUP_USER,		strndup_user,		DUP_USER,	0)	\
	X(COPY_TO_ITER,		_copy_to_iter,		ITER_TO,	0)	\
	X(COPY_FROM_ITER,	_copy_from_iter,	ITER_FROM,	0)	\
	X(SIMPLE_READ,		simple_read_from_buffer, SIMPLE_READ,	0)	\
	X(SIMPLE_WRITE,		simple_write_to_buffer,	SIMPLE_WRITE,	0)	\
	X(KMALLOC,		__kmalloc,		ALLOC,		0)	\
	X(KMALLOC_NODE,		__kmalloc_node,		ALLOC,		0)	\
	X(KMALLOC_TRACE,	kmalloc_trace,		ALLOC,		0)	\
	X(KMALLOC_NODE_TRACE,	kmalloc_node_trace,	ALLOC,		0)	\
	X(KMALLOC_LARGE,	kmalloc_large,		ALLOC,		0)	\
	X(KMALLOC_LARGE_NODE,	kmalloc_large_node,	ALLOC,		0)	\
	X(KMEM_CACHE_ALLOC,	kmem_cache_alloc,	ALLOC,		0)	\
	X(KMEM_CACHE_ALLOC_NODE, kmem_cache_alloc_node,	ALLOC,		0)	\
	X(KMEM_CACHE_ALLOC_LRU,	kmem_cache_alloc_lru,	ALLOC,		0)	\
	X(KMEMDUP,		kmemdup,		BEHALF,		0)	\
	X(KMEMDUP_NUL,		kmemdup_nul,		BEHALF,		0)	\
	X(KSTRDUP,		kstrdup,		BEHALF,		0)	\
	X(KSTRNDUP,		kstrndup,		BEHALF,		0)	\
	X(KASPRINTF,		kasprintf,		BEHALF,		0)	\
	X(KVASPRINTF,		kvasprintf,		BEHALF,		0)	\
	X(KREALLOC,		krealloc,		BEHALF,		0)	\
	X(BITMAP_ALLOC,		bitmap_alloc,		BEHALF,		0)	\
	X(BITMAP_ZALLOC,	bitmap_zalloc,		BEHALF,		0)	\
	X(DEVM_KMALLOC,		devm_kmalloc,		BEHALF,		0)	\
	X(DEVM_KMEMDUP,		devm_kmemdup,		BEHALF,		0)	\
	X(DEVM_KSTRDUP,		devm_kstrdup,		BEHALF,		0)	\
	X(DEVM_KASPRINTF,	devm_kasprintf,		BEHALF,		0)	\
	X(KVMALLOC_NODE,	kvmalloc_node,		BEHALF,		1)	\
	X(VMALLOC,		vmalloc,		BEHALF,		1)	\
	X(VZALLOC,		vzalloc,		BEHALF,		1)	\
	X(VMALLOC_NODE,		vmalloc_node,		BEHALF,		1)	\
	X(VZALLOC_NODE,		vzalloc_node,		BEHALF,		1)	\
	X(VMALLOC_USER,		vmalloc_user,		BEHALF,		1)	\
	X(VMALLOC_GFP,		__vmalloc,		BEHALF,		1)	\
	X(KFREE,		kfree,			FREE,		0)	\
	X(KVFREE,		kvfree,			FREE,		0)	\
	X(KFREE_SENSITIVE,	kfree_sensitive,	FREE,		0)	\
	X(BITMAP_FREE,		bitmap_free,		FREE,		0)	\
	X(VFREE,		vfree,			FREE,		0)	\
	X(KMEM_CACHE_FREE,	kmem_cache_free,	FREE,		1)	\
	X(KVFREE_CALL_RCU,	kvfree_call_rcu,	FREE_RCU,	0)	\
	X(KMEM_CACHE_FREE_BULK,	kmem_cache_free_bulk,	FREE_BULK,	0)	\
	X(CALL_RCU,		call_rcu,		DEFER,		0)	\
	X(MUTEX_LOCK,		mutex_lock,		LOCK,		0)	\
	X(MUTEX_LOCK_INTERRUPTIBLE, mutex_lock_interruptible, LOCK,	0)	\
	X(MUTEX_LOCK_KILLABLE,	mutex_lock_killable,	LOCK,		0)	\
	X(MUTEX_LOCK_IO,	mutex_lock_io,		LOCK,		0)	\
	X(MUTEX_TRYLOCK,	mutex_trylock,		LOCK,		0)	\
	X(MUTEX_UNLOCK,		mutex_unlock,		UNLOCK,		0)	\
	X(SPIN_LOCK,		_raw_spin_lock,		LOCK,		0)	\
	X(SPIN_LOCK_IRQ,	_raw_spin_lock_irq,	LOCK,		0)	\
	X(SPIN_LOCK_IRQSAVE,	_raw_spin_lock_irqsave,	LOCK,		0)	\
	X(SPIN_LOCK_BH,		_raw_spin_lock_bh,	LOCK,		0)	\
	X(SPIN_TRYLOCK,		_raw_spin_trylock,	LOCK,		0)	\
	X(SPIN_TRYLOCK_BH,	_raw_spin_trylock_bh,	LOCK,		0)	\
	X(SPIN_UNLOCK,		_raw_spin_unlock,	UNLOCK,		0)	\
	X(SPIN_UNLOCK_IRQ,	_raw_spin_unlock_irq,	UNLOCK,		0)	\
	X(SPIN_UNLOCK_IRQRESTORE, _raw_spin_unlock_irqrestore, UNLOCK,	0)	\
	X(SPIN_UNLOCK_BH,	_raw_spin_unlock_bh,	UNLOCK,		0)	\
	X(READ_LOCK,		_raw_read_lock,		LOCK,		0)	\
	X(READ_LOCK_IRQ,	_raw_read_lock_irq,	LOCK,		0)	\
	X(READ_LOCK_IRQSAVE,	_raw_read_lock_irqsave,	LOCK,		0)	\
	X(READ_LOCK_BH,		_raw_read_lock_bh,	LOCK,		0)	\
	X(READ_TRYLOCK,		_raw_read_trylock,	LOCK,		0)	\
	X(READ_UNLOCK,		_raw_read_unlock,	UNLOCK,		0)	\
	X(READ_UNLOCK_IRQ,	_raw_read_unlock_irq,	UNLOCK,		0)	\
	X(READ_UNLOCK_IRQRESTORE, _raw_read_unlock_irqrestore, UNLOCK,	0)	\
	X(READ_UNLOCK_BH,	_raw_read_unlock_bh,	UNLOCK,		0)	\
	X(WRITE_LOCK,		_raw_write_lock,	LOCK,		0)	\
	X(WRITE_LOCK_IRQ,	_raw_write_lock_irq,	LOCK,		0)	\
	X(WRITE_LOCK_IRQSAVE,	_raw_write_lock_irqsave, LOCK,		0)	\
	X(WRITE_LOCK_BH,	_raw_write_lock_bh,	LOCK,		0)	\
	X(WRITE_TRYLOCK,	_raw_write_trylock,	LOCK,		0)	\
	X(WRITE_UNLOCK,		_raw_write_unlock,	UNLOCK,		0)	\
	X(WRITE_UNLOCK_IRQ,	_raw_write_unlock_irq,	UNLOCK,		0)	\
	X(WRITE_UNLOCK_IRQRESTORE, _raw_write_unlock_irqrestore, UNLOCK, 0)	\
	X(WRITE_UNLOCK_BH,	_raw_write_unlock_bh,	UNLOCK,		0)	\
	X(DOWN_READ,		down_read,		LOCK,		0)	\
	X(DOWN_READ_INTERRUPTIBLE, down_read_interruptible, LOCK,	0)	\
	X(DOWN_READ_KILLABLE,	down_read_killable,	LOCK,		0)	\
	X(DOWN_READ_TRYLOCK,	down_read_trylock,	LOCK,		0)	\
	X(UP_READ,		up_read,		UNLOCK,		0)	\
	X(DOWN_WRITE,		down_write,		LOCK,		0)	\
	X(DOWN_WRITE_KILLABLE,	down_write_killable,	LOCK,		0)	\
	X(DOWN_WRITE_TRYLOCK,	down_write_trylock,	LOCK,		0)	\
	X(UP_WRITE,		up_write,		UNLOCK,		0)	\
	X(QUEUE_LIMITS_COMMIT,	queue_limits_commit_update, UNLOCK,	MW_UNLOCK_QUEUE_LIMITS)

/*
 * Later kernels' names of MW_CALLEES functions, with what the probes read
 * in the same registers: v6.10's memory allocation profiling ("mm/slab: enable slab
 * allocation tagging for kmalloc and friends", "mm: vmalloc: enable memory
 * allocation profiling") made the allocators alloc_hooks() macros around
 * *_noprof functions, and v6.11 ("mm, slab: don't wrap internal functions
 * with alloc_hooks()") renamed kmalloc_trace() and kmalloc_large(); v6.17's
 * krealloc_node_align_noprof() ("mm/slub: allow to set node and align in
 * k[v]realloc") has more arguments, but BEHALF with arg 0 reads none. A module
 * calls the names of the kernel it was built for; the daemon resolves each
 * callee to whichever of its names the running kernel's kallsyms has
 * (user/probe/site_probes.c), never by version number, and reports keep MW_CALLEES'
 * name, the one in the module's source.
 */
#define MW_CALLEE_RENAMES(X)							\
	X(KMALLOC,		__kmalloc_noprof)				\
	X(KMALLOC_NODE,		__kmalloc_node_noprof)				\
	X(KMALLOC_TRACE,	__kmalloc_cache_noprof)				\
	X(KMALLOC_NODE_TRACE,	__kmalloc_cache_node_noprof)			\
	X(KMALLOC_LARGE,	__kmalloc_large_noprof)				\
	X(KMALLOC_LARGE_NODE,	__kmalloc_large_node_noprof)			\
	X(KMEM_CACHE_ALLOC,	kmem_cache_alloc_noprof)			\
	X(KMEM_CACHE_ALLOC_NODE, kmem_cache_alloc_node_noprof)			\
	X(KMEM_CACHE_ALLOC_LRU,	kmem_cache_alloc_lru_noprof)			\
	X(KMEMDUP,		kmemdup_noprof)					\
	X(KREALLOC,		krealloc_noprof)				\
	X(KREALLOC,		krealloc_node_align_noprof)			\
	X(KVMALLOC_NODE,	__kvmalloc_node_noprof)				\
	X(VMALLOC,		vmalloc_noprof)					\
	X(VZALLOC,		vzalloc_noprof)					\
	X(VMALLOC_NODE,		vmalloc_node_noprof)				\
	X(VZALLOC_NODE,		vzalloc_node_noprof)				\
	X(VMALLOC_USER,		vmalloc_user_noprof)				\
	X(VMALLOC_GFP,		__vmalloc_noprof)

#define MW_CALLEE_ENUM(id, sym, class, size) MW_CALLEE_##id,
enum mw_callee {
	MW_CALLEE_NONE = 0,
	MW_CALLEES(MW_CALLEE_ENUM)
	MW_CALLEE_NR
};
#undef MW_CALLEE_ENUM

/*
 * Not a callee: a site at the first instruction of one of the module's own
 * entry points (struct mw_call), of class MW_CLASS_ENTRY. Past the table,
 * so that nothing that walks the callees meets it.
 */
#define MW_CALLEE_ENTRY MW_CALLEE_NR

/* Sites probed at once, all modules together (the mw_sites array). */
#define MW_MAX_SITES 16384

/* What a probe needs to know about its site; indexed by the kprobe's cookie. */
struct mw_site {
	__u64 addr;		/* the live address of the call instruction */
	__u32 module_id;
	__u16 callee;		/* enum mw_callee */
	__u8 class;		/* enum mw_callee_class */
	__u8 arg;		/* the class's parameter (MW_CALLEES' last column) */
};
_Static_assert(sizeof(struct mw_site) == 16, "mw_site layout");

/*
 * A task's calls into the watched modules, as their entry points see them
 * (MW_CLASS_ENTRY: the module's functions that its ops tables point to,
 * file_operations, proc_ops and alikes, so that core code calls them). An
 * entry point is the outermost call unless the task's open call is in the
 * same system call, deeper on the stack than it, and still running: its
 * return address is still where it was at entry. Depth alone would not do:
 * the kernel moves each system call's stack by a random offset
 * (CONFIG_RANDOMIZE_KSTACK_OFFSET). The rules that judge a whole call use
 * this instead of a hook on every system call in the kernel: a double-fetch
 * epoch is one outermost call (gen), and a lock still held when the task is
 * next seen in another system call (sysid) outlived the call that took it.
 */
struct mw_call {
	__u64 sp;		/* the stack pointer at the outermost call's entry */
	__u64 ret;		/* its return address: what was at sp then */
	__u32 gen;		/* outermost calls of this task so far (0: none) */
	__u32 sysid;		/* the system call they are in (mw_sysid()) */
};
_Static_assert(sizeof(struct mw_call) == 24, "mw_call layout");

#endif /* MODWATCH_SITES_H */
