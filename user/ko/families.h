/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The families of kernel functions whose calls matter to modwatch's rules:
 * user copies, allocations, frees and locks, as extended regular
 * expressions over the symbol names of the kernels modwatch runs on (6.1's;
 * 6.12's *_noprof allocators and rep_movs_alternative), first match wins.
 * A module's call to a member that MW_CALLEES (include/sites.h) and its
 * renames do not know is a blind spot:
 * the daemon names them per module at start, and tools/api-census counts
 * them over a whole module tree (it reads this table).
 */
#ifndef MODWATCH_FAMILIES_H
#define MODWATCH_FAMILIES_H

#define MW_FAMILIES(X) \
	X(copy,	"^_copy_(from|to)_user$") \
	X(copy,	"^copy_(from|to)_user_nofault$") \
	X(copy,	"^copy_user_(generic_unrolled|generic_string|enhanced_fast_string)$") \
	X(copy,	"^__copy_user_(nocache|flushcache)$") \
	X(copy,	"^rep_(movs|stos)_alternative$") \
	X(copy,	"^__(get|put)_user_(nocheck_)?(1|2|4|8)$") \
	X(copy,	"^(strncpy_from_user|strnlen_user|check_zeroed_user)$") \
	X(copy,	"^__check_object_size$") \
	X(copy,	"^clear_user(_erms|_rep_good|_original)?$") \
	X(copy,	"^_copy_(to|from)_iter(_nocache|_flushcache)?$") \
	X(copy,	"^(_copy_mc_to_iter|copy_mc_to_user)$") \
	X(copy,	"^copy_page_(to|from)_iter(_atomic)?$") \
	X(copy,	"^csum_and_copy_(to|from)_iter$") \
	X(copy,	"^iov_iter_zero$") \
	X(copy,	"^simple_(read_from|write_to)_buffer$") \
	X(copy,	"^(memdup_user|memdup_user_nul|vmemdup_user|strndup_user)$") \
	X(copy,	"^kstrto[a-z0-9]+_from_user$") \
	X(copy,	"^copy_(from_user_toio|to_user_fromio)$") \
	X(copy,	"^__kfifo_(to|from)_user(_r)?$") \
	X(copy,	"^skb_copy_datagram_(from_)?iter$") \
	X(alloc,	"^__kmalloc(_node|_node_track_caller|_cache|_cache_node)?(_noprof)?$") \
	X(alloc,	"^kmalloc_(node_)?trace(_noprof)?$") \
	X(alloc,	"^(__)?kmalloc_large(_node)?(_noprof)?$") \
	X(alloc,	"^kmem_cache_alloc(_lru|_node|_bulk)?(_noprof)?$") \
	X(alloc,	"^(kvmalloc_node|__kvmalloc_node|kvrealloc|krealloc|krealloc_node_align)(_noprof)?$") \
	X(alloc,	"^(kmemdup|kmemdup_nul|kstrdup|kstrdup_const|kstrndup)(_noprof)?$") \
	X(alloc,	"^(kasprintf|kvasprintf|kvasprintf_const)$") \
	X(alloc,	"^(__vmalloc|__vmalloc_node|__vmalloc_node_range)(_noprof)?$") \
	X(alloc,	"^(vmalloc|vzalloc|vmalloc_node|vzalloc_node|vmalloc_(no_)?huge)(_noprof)?$") \
	X(alloc,	"^(vmalloc_user|vmalloc_32|vmalloc_32_user)(_noprof)?$") \
	X(alloc,	"^(vmalloc_array|__vmalloc_array|vcalloc|__vcalloc)(_noprof)?$") \
	X(alloc,	"^devm_(kmalloc|kmemdup|kstrdup|kstrdup_const|krealloc)$") \
	X(alloc,	"^devm_(kasprintf|kvasprintf|get_free_pages|bitmap_alloc|bitmap_zalloc)$") \
	X(alloc,	"^bitmap_(alloc|zalloc)(_node)?$") \
	X(alloc,	"^(__)?(alloc_pages|alloc_pages_bulk|folio_alloc)(_noprof)?$") \
	X(alloc,	"^(alloc_pages_exact|alloc_pages_exact_nid)(_noprof)?$") \
	X(alloc,	"^(__get_free_pages|get_free_pages|get_zeroed_page)(_noprof)?$") \
	X(free,	"^(kfree|kvfree|kfree_sensitive|kvfree_sensitive|kfree_const)$") \
	X(free,	"^kmem_cache_free(_bulk)?$") \
	X(free,	"^kfree_bulk$") \
	X(free,	"^(kvfree_call_rcu|call_rcu)$") \
	X(free,	"^(vfree|vfree_atomic)$") \
	X(free,	"^(free_pages|__free_pages|free_pages_exact)$") \
	X(free,	"^devm_(kfree|free_pages|kfree_const)$") \
	X(free,	"^bitmap_free$") \
	X(lock,	"^mutex_(lock|lock_interruptible|lock_killable|lock_io)(_nested)?$") \
	X(lock,	"^(mutex_trylock|mutex_unlock|_mutex_lock_nest_lock)$") \
	X(lock,	"^atomic_dec_and_mutex_lock$") \
	X(lock,	"^_raw_(spin|read|write)_(lock|trylock|unlock)(_bh|_irq|_irqsave|_irqrestore)?$") \
	X(lock,	"^_raw_(spin|read|write)_(lock|trylock|unlock)(_nested|_irqsave_nested)$") \
	X(lock,	"^_atomic_dec_and_lock(_irqsave)?$") \
	X(lock,	"^refcount_dec_and_(lock|lock_irqsave|mutex_lock)$") \
	X(lock,	"^(down_read|down_write)(_interruptible|_killable|_trylock)?$") \
	X(lock,	"^(up_read|up_write|downgrade_write)$") \
	X(lock,	"^(down|down_interruptible|down_killable|down_trylock|down_timeout|up)$") \
	X(lock,	"^(__percpu_down_read|percpu_down_write|percpu_up_write)$") \
	X(lock,	"^ww_mutex_(lock|lock_interruptible|trylock|unlock)$") \
	X(lock,	"^rt_mutex_(lock|lock_interruptible|lock_killable|trylock|unlock)$") \
	X(lock,	"^queue_limits_commit_update(_frozen)?$")

#endif /* MODWATCH_FAMILIES_H */
