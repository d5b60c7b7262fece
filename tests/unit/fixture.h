/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tests' fixture: the real BPF object, loaded as the daemon loads
 * it but with its raw_tp programs only (MW_PROGS_UNIT: no kprobe, which
 * BPF_PROG_TEST_RUN cannot run), never attached; tests drive its programs
 * with BPF_PROG_TEST_RUN and read back the ring buffer and the maps.
 */
#ifndef MODWATCH_FIXTURE_H
#define MODWATCH_FIXTURE_H

#include "events.h"
#include "probe/bpf.h"
#include "probe/kernel.h"
#include "probe/progs.h"
#include "probe/module_registry.h"
#include "probe/skel.h"
#include "usercopy.h"
#include "locks.h"

/* A fake watched module: its text, and call sites inside and outside it. */
#define FAKE_LO		0xffffffffc1000000ull
#define FAKE_HI		(FAKE_LO + 0x10000)
#define SITE_ALLOC	(FAKE_LO + 0x100)
#define SITE_FREE1	(FAKE_LO + 0x200)
#define SITE_FREE2	(FAKE_LO + 0x300)
#define SITE_CORE	0xffffffff81000100ull	/* core kernel text: never watched */
/* Object addresses no real allocation returns (tests never attach anyway). */
#define OBJ(i)		(0xffff888100000000ull + (unsigned long long)(i) * 64)

#define FX_MAX_EVENTS	1024

struct fx {
	struct modwatch_bpf *skel;
	struct ring_buffer *rb;
	struct mw_registry reg;
	struct mw_kernel kernel;
	struct mw_load load;
	struct mw_event events[FX_MAX_EVENTS];
	int nr_events;
	__u64 call;		/* the system call the test is in (see fx_next_syscall()) */
	__u32 calls;		/* system calls so far */
	__u32 pushes;		/* return addresses fx_enter() pushed */
};

/* In a test: load the object (fx_setup) or fail the test, saying why. */
#define FX_SETUP(f, cfg)							\
	do {									\
		int _err = fx_setup(f, cfg);					\
		if (_err) {							\
			fx_teardown(f);						\
			ASSERT_OK(_err, "loading the BPF object");		\
		}								\
	} while (0)

/* The tests' defaults: the daemon's, but self not excluded, and every occurrence reported. */
void fx_config(struct mw_config *cfg);
/* Load with @cfg (NULL: fx_config()'s) and watch the fake module. */
int fx_setup(struct fx *f, const struct mw_config *cfg);
void fx_teardown(struct fx *f);

int fx_kmalloc(struct fx *f, __u64 site, __u64 ptr, __u64 size);
int fx_kmalloc_gfp(struct fx *f, __u64 site, __u64 ptr, __u64 size, __u32 gfp);
int fx_cache_alloc(struct fx *f, __u64 site, __u64 ptr, __u64 cache);
int fx_kfree(struct fx *f, __u64 site, __u64 ptr);
int fx_cache_free(struct fx *f, __u64 site, __u64 ptr);

/* Install call site @idx at @addr in the fake module, for the user-copy entries. */
int fx_site(struct fx *f, __u32 idx, __u64 addr, __u32 callee);
/* The user-copy rules as a probe at site @idx would run them, in syscall @sc. */
int fx_fetch(struct fx *f, __u32 idx, const struct mw_syscall *sc, __u64 kdst, const void *usrc,
	     __u64 len);
int fx_store(struct fx *f, __u32 idx, const struct mw_syscall *sc, void *udst, __u64 ksrc,
	     __u64 len);
/*
 * The test's system call returns, and its next one calls into the fake
 * module (its entry point runs): a new double-fetch epoch, and the locks
 * still held from before outlived their call (lock_held_on_return).
 */
int fx_next_syscall(struct fx *f);
/*
 * An entry point of the fake module runs in the same system call, @depth
 * words below the top of a fake kernel stack (FX_STACK_WORDS words in
 * kernel memory), a fresh return address pushed there first: called from
 * the open call if deeper than its entry and its return address is still
 * in place, else a call of its own (seq_file's start, then show, at 0).
 */
#define FX_STACK_WORDS	16
int fx_enter(struct fx *f, int depth);
/* The fake stack's word @depth below the top, as this process writes it. */
__u64 *fx_stack_word(struct fx *f, int depth);
/* The copy at site @idx returns (the probe on its next instruction). */
int fx_copy_ret(struct fx *f, __u32 idx);
/* Hardened usercopy's check at site @idx, before a copy of [ptr, ptr + n). */
int fx_check_size(struct fx *f, __u32 idx, __u64 ptr, __u64 n, bool to_user);
/* An allocator call at site @idx that allocates on the module's behalf, and its return. */
int fx_behalf_call(struct fx *f, __u32 idx, __u64 size_hint);
int fx_behalf_ret(struct fx *f, __u32 idx, __u64 ret);
/* A free at site @idx's own call, as its probe runs it (@how: MW_FREE_* of bpf/heap.bpf.h). */
int fx_free_call(struct fx *f, __u32 idx, __u64 ptr, __u32 how);
/* A kvfree_call_rcu(head, arg) call at site @idx, as its kprobe decodes it. */
int fx_free_rcu(struct fx *f, __u32 idx, __u64 head, __u64 arg);
#define FX_FREE_PROBED	1
#define FX_FREE_RCU	2

/*
 * --deep: install access descriptor @idx (include/deep.h); the access it
 * describes runs with @base in its base register and @index in its index
 * register, as its kprobe would read them.
 */
struct mw_access_desc;
int fx_access_desc(struct fx *f, __u32 idx, const struct mw_access_desc *d);
int fx_deep_access(struct fx *f, __u32 idx, __u64 base, __u64 index);

/* Consume the ring buffer into f->events; returns the number read now. */
int fx_drain(struct fx *f);
int fx_count(struct fx *f, __u32 kind);
__u64 fx_stat(struct fx *f, __u32 stat);
bool fx_is_live(struct fx *f, __u64 ptr);
bool fx_is_quarantined(struct fx *f, __u64 ptr);
/* The address of kernel symbol @name from /proc/kallsyms, 0 if absent. */
__u64 fx_ksym(const char *name);
__u64 fx_btf_bytes(bool zero, size_t len);

/*
 * The lock rules as the probes at site @idx would run them: the call
 * instruction (@cookie: MW_LOCK_COOKIE_* flags), the instruction after it
 * (the call returned @ret), and both in a row.
 */
int fx_lock_call(struct fx *f, __u32 idx, __u64 lock, __u64 cookie);
int fx_lock_ret(struct fx *f, __u32 idx, __u64 ret);
int fx_lock(struct fx *f, __u32 idx, __u64 lock, __u64 ret);
int fx_unlock(struct fx *f, __u32 idx, __u64 lock);
/* A call at site @idx to @what (enum mw_callee) that may sleep; a kmem tracepoint's view. */
int fx_may_sleep(struct fx *f, __u32 idx, __u32 what, __u32 gfp);
int fx_lock_alloc(struct fx *f, __u64 call_site, __u32 what, __u32 gfp);
/* The heap free path's call for a tracked object [addr, addr + size) of the fake module. */
int fx_locks_freed(struct fx *f, __u64 addr, __u64 size, __u64 site, __u64 alloc_site);
/* mw_lock_owners' record of @lock: 0, or -ENOENT. */
int fx_lock_owner(struct fx *f, __u64 lock, struct mw_lock_owner *o);
int fx_callee_addr(struct fx *f, __u32 callee, __u64 addr);
/*
 * Lock words in kernel memory (8 slots of 64 bytes), for the rules that read
 * the kernel's own lock word: slot @i's kernel address, its words as this
 * process writes them, and the calling thread's task_struct (a mutex owner).
 */
#define FX_LOCK_SLOTS	8
__u64 fx_lock_mem(struct fx *f, int i);
__u64 *fx_lock_word(struct fx *f, int i);
__u64 fx_task(struct fx *f);

#endif /* MODWATCH_FIXTURE_H */
