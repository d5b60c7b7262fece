// SPDX-License-Identifier: GPL-2.0
/* See fixture.h. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include "deep.h"
#include "heap.h"
#include "locks.h"
#include "usercopy.h"
#include "events.h"
#include "sites.h"
#include "stats.h"
#include "fixture.h"
#include "probe/lock_maps.h"
#include "probe/stack_maps.h"

static int on_event(void *ctx, void *data, size_t size)
{
	struct fx *f = ctx;

	if (f->nr_events < FX_MAX_EVENTS && size <= sizeof(struct mw_event))
		memcpy(&f->events[f->nr_events++], data, size);
	return 0;
}

void fx_config(struct mw_config *cfg)
{
	mw_config_default(cfg);
	cfg->exclude_self = false;	/* the tests are the "kernel" here */
	/* Stable kernel memory stands for fresh objects: the image's BTF (fx_btf_bytes()). */
	cfg->image_not_heap = false;
	cfg->every = true;		/* a rule's test sees each time it fires */
}

int fx_setup(struct fx *f, const struct mw_config *cfg)
{
	struct mw_config def;
	int err;

	memset(f, 0, sizeof(*f));
	if (!cfg) {
		fx_config(&def);
		cfg = &def;
	}
	def = *cfg;
	if (def.progs == MW_PROGS_SESSION)
		def.progs = MW_PROGS_UNIT;	/* the rules are driven through the entries */
	cfg = &def;
	err = mw_kernel_probe(&f->kernel);
	if (!err)
		err = mw_bpf_load(&f->skel, cfg, &f->kernel, &f->load);
	if (err)
		return err;
	mw_registry_init(&f->reg, f->skel);
	mw_stacks_init(f->skel);
	err = mw_registry_add_range(&f->reg, "mw_fake", FAKE_LO, FAKE_HI);
	if (err)
		return err;
	f->rb = ring_buffer__new(bpf_map__fd(f->skel->maps.mw_events), on_event, f, NULL);
	if (!f->rb)
		return -errno;
	return fx_next_syscall(f);	/* the test's first call into the fake module */
}

void fx_teardown(struct fx *f)
{
	/* A test that named its skeleton to the lock maps leaves none behind: it is freed here. */
	mw_locks_init(NULL);
	ring_buffer__free(f->rb);
	if (f->skel)
		mw_bpf_destroy(f->skel);
	f->rb = NULL;
	f->skel = NULL;
}

static int run(struct bpf_program *prog, __u64 *args, int nr)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = nr * sizeof(*args));
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	return err ? -errno : (int)opts.retval;
}

/* kmalloc(call_site, ptr, bytes_req, bytes_alloc, gfp_flags, node) */
int fx_kmalloc_gfp(struct fx *f, __u64 site, __u64 ptr, __u64 size, __u32 gfp)
{
	__u64 args[6] = { site, ptr, size, size < 64 ? 64 : size, gfp, 0 };

	return run(f->skel->progs.mw_kmalloc, args, 6);
}

/* GFP_KERNEL: not zeroed */
int fx_kmalloc(struct fx *f, __u64 site, __u64 ptr, __u64 size)
{
	return fx_kmalloc_gfp(f, site, ptr, size, 0xcc0);
}

/* kmem_cache_alloc(call_site, ptr, s, gfp_flags, node) since v6.1 */
int fx_cache_alloc(struct fx *f, __u64 site, __u64 ptr, __u64 cache)
{
	__u64 args[5] = { site, ptr, cache, 0xcc0, 0 };

	return run(f->skel->progs.mw_kmem_cache_alloc, args, 5);
}

int fx_kfree(struct fx *f, __u64 site, __u64 ptr)
{
	__u64 args[2] = { site, ptr };

	return run(f->skel->progs.mw_kfree, args, 2);
}

int fx_cache_free(struct fx *f, __u64 site, __u64 ptr)
{
	__u64 args[3] = { site, ptr, 0 };

	return run(f->skel->progs.mw_kmem_cache_free, args, 3);
}

#define CALLEE_CLASS(id, sym, class, arg) [MW_CALLEE_##id] = MW_CLASS_##class,
static const __u8 callee_class[MW_CALLEE_NR] = { MW_CALLEES(CALLEE_CLASS) };
#undef CALLEE_CLASS
#define CALLEE_ARG(id, sym, class, arg) [MW_CALLEE_##id] = arg,
static const __u8 callee_arg[MW_CALLEE_NR] = { MW_CALLEES(CALLEE_ARG) };
#undef CALLEE_ARG

int fx_site(struct fx *f, __u32 idx, __u64 addr, __u32 callee)
{
	struct mw_site site = {
		.addr = addr,
		.module_id = 1,
		.callee = callee,
		.class = callee < MW_CALLEE_NR ? callee_class[callee] : 0,
		.arg = callee < MW_CALLEE_NR ? callee_arg[callee] : 0,
	};

	return bpf_map_update_elem(bpf_map__fd(f->skel->maps.mw_sites), &idx, &site, BPF_ANY) ?
		-errno : 0;
}

static int run_copy(struct bpf_program *prog, __u32 idx, const struct mw_syscall *sc,
		    __u64 kaddr, __u64 uaddr, __u64 len, __u64 f_call)
{
	__u64 args[9] = { idx, sc->nr, sc->arg[0], sc->arg[1], sc->arg[2], kaddr, uaddr, len,
			  f_call };

	return run(prog, args, 9);
}

int fx_fetch(struct fx *f, __u32 idx, const struct mw_syscall *sc, __u64 kdst, const void *usrc,
	     __u64 len)
{
	return run_copy(f->skel->progs.mw_test_fetch, idx, sc, kdst, (__u64)usrc, len, f->call);
}

int fx_copy_ret(struct fx *f, __u32 idx)
{
	__u64 args[1] = { idx };

	return run(f->skel->progs.mw_test_copy_ret, args, 1);
}

int fx_check_size(struct fx *f, __u32 idx, __u64 ptr, __u64 n, bool to_user)
{
	__u64 args[4] = { idx, ptr, n, to_user };

	return run(f->skel->progs.mw_test_check_size, args, 4);
}

int fx_store(struct fx *f, __u32 idx, const struct mw_syscall *sc, void *udst, __u64 ksrc,
	     __u64 len)
{
	return run_copy(f->skel->progs.mw_test_store, idx, sc, ksrc, (__u64)udst, len, f->call);
}

int fx_free_call(struct fx *f, __u32 idx, __u64 ptr, __u32 how)
{
	__u64 args[3] = { idx, ptr, how };

	return run(f->skel->progs.mw_test_free_call, args, 3);
}

int fx_free_rcu(struct fx *f, __u32 idx, __u64 head, __u64 arg)
{
	__u64 args[3] = { idx, head, arg };

	return run(f->skel->progs.mw_test_free_rcu, args, 3);
}

int fx_behalf_call(struct fx *f, __u32 idx, __u64 size_hint)
{
	__u64 args[2] = { idx, size_hint };

	return run(f->skel->progs.mw_test_behalf_call, args, 2);
}

int fx_behalf_ret(struct fx *f, __u32 idx, __u64 ret)
{
	__u64 args[2] = { idx, ret };

	return run(f->skel->progs.mw_test_behalf_ret, args, 2);
}

int fx_access_desc(struct fx *f, __u32 idx, const struct mw_access_desc *d)
{
	return bpf_map_update_elem(bpf_map__fd(f->skel->maps.mw_access_descs), &idx, d,
				   BPF_ANY) ? -errno : 0;
}

int fx_deep_access(struct fx *f, __u32 idx, __u64 base, __u64 index)
{
	__u64 args[3] = { idx, base, index };

	return run(f->skel->progs.mw_test_deep_access, args, 3);
}

/*
 * The calling thread's system call returns and its next one enters the
 * fake module at an entry point: a new call (mw_call_enter()), in a system
 * call of a new identity, as mw_syscall_now() gives it (number 16: ioctl).
 */
int fx_next_syscall(struct fx *f)
{
	f->call = (16ull << 32) | (2 * ++f->calls + 1);
	return fx_enter(f, 0);
}

/* The fake stack: the words after the lock words in mw_test_lock_mem, top first. */
__u64 *fx_stack_word(struct fx *f, int depth)
{
	return &f->skel->bss->mw_test_lock_mem[FX_LOCK_SLOTS * 8 + FX_STACK_WORDS - 1 - depth];
}

int fx_enter(struct fx *f, int depth)
{
	__u64 args[2];

	if (depth < 0 || depth >= FX_STACK_WORDS)
		return -EINVAL;
	/* What a call instruction leaves there: a return address of its own. */
	*fx_stack_word(f, depth) = 0xffffffff81000000ull + 16 * ++f->pushes;
	args[0] = fx_lock_mem(f, FX_LOCK_SLOTS) + 8 * (FX_STACK_WORDS - 1 - depth);
	args[1] = f->call;
	return run(f->skel->progs.mw_test_call, args, 2);
}

int fx_drain(struct fx *f)
{
	int before = f->nr_events;

	ring_buffer__consume(f->rb);
	return f->nr_events - before;
}

int fx_count(struct fx *f, __u32 kind)
{
	int i, n = 0;

	for (i = 0; i < f->nr_events; i++)
		n += f->events[i].hdr.kind == kind;
	return n;
}

__u64 fx_stat(struct fx *f, __u32 stat)
{
	__u64 stats[MW_STAT_NR];

	if (mw_bpf_stats(f->skel, stats))
		return ~0ull;
	return stats[stat];
}

static bool in_map(struct bpf_map *map, __u64 ptr)
{
	struct mw_object obj;

	return !bpf_map_lookup_elem(bpf_map__fd(map), &ptr, &obj);
}

bool fx_is_live(struct fx *f, __u64 ptr)
{
	return in_map(f->skel->maps.mw_objects, ptr);
}

bool fx_is_quarantined(struct fx *f, __u64 ptr)
{
	return in_map(f->skel->maps.mw_quarantine, ptr);
}

__u64 fx_ksym(const char *name)
{
	char line[256], sym[128];
	unsigned long long addr;
	__u64 found = 0;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %*c %127s", &addr, sym) == 2 && !strcmp(sym, name))
			found = addr;
	fclose(f);
	return found;
}

/*
 * Real kernel memory whose bytes never change and that user space can read
 * too: the kernel's BTF, at __start_BTF and in /sys/kernel/btf/vmlinux.
 * Finds @len bytes there that are all zero (@zero), or the header, which
 * starts with the BTF magic (not all zero).
 */
__u64 fx_btf_bytes(bool zero, size_t len)
{
	__u64 base = fx_ksym("__start_BTF"), found = 0;
	unsigned char buf[1 << 16];
	size_t n, i, run = 0;
	FILE *f;

	f = fopen("/sys/kernel/btf/vmlinux", "re");
	if (!base || !f) {
		if (f)
			fclose(f);
		return 0;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (!zero)
		return n >= len && buf[0] ? base : 0;
	for (i = 0; i < n && !found; i++) {
		run = buf[i] ? 0 : run + 1;
		if (run == len)
			found = base + i + 1 - len;
	}
	return found;
}

int fx_lock_call(struct fx *f, __u32 idx, __u64 lock, __u64 cookie)
{
	__u64 args[4] = { idx, lock, cookie, f->call };

	return run(f->skel->progs.mw_test_lock, args, 4);
}

int fx_lock_ret(struct fx *f, __u32 idx, __u64 ret)
{
	__u64 args[2] = { idx, ret };

	return run(f->skel->progs.mw_test_lock_ret, args, 2);
}

int fx_lock(struct fx *f, __u32 idx, __u64 lock, __u64 ret)
{
	int err = fx_lock_call(f, idx, lock, 0);

	return err ? err : fx_lock_ret(f, idx, ret);
}

int fx_unlock(struct fx *f, __u32 idx, __u64 lock)
{
	__u64 args[2] = { idx, lock };

	return run(f->skel->progs.mw_test_unlock, args, 2);
}

int fx_may_sleep(struct fx *f, __u32 idx, __u32 what, __u32 gfp)
{
	__u64 args[3] = { idx, what, gfp };

	return run(f->skel->progs.mw_test_may_sleep, args, 3);
}

int fx_lock_alloc(struct fx *f, __u64 call_site, __u32 what, __u32 gfp)
{
	__u64 args[3] = { call_site, what, gfp };

	return run(f->skel->progs.mw_test_lock_alloc, args, 3);
}



int fx_locks_freed(struct fx *f, __u64 addr, __u64 size, __u64 site, __u64 alloc_site)
{
	__u64 args[5] = { addr, size, site, 1, alloc_site };

	return run(f->skel->progs.mw_test_locks_freed, args, 5);
}

int fx_lock_owner(struct fx *f, __u64 lock, struct mw_lock_owner *o)
{
	return bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.mw_lock_owners), &lock, o) ?
		-errno : 0;
}

int fx_callee_addr(struct fx *f, __u32 callee, __u64 addr)
{
	return bpf_map_update_elem(bpf_map__fd(f->skel->maps.mw_callee_addrs), &callee, &addr,
				   BPF_ANY) ? -errno : 0;
}

static void lock_kaddrs(struct fx *f)
{
	__u64 arg = 0;

	run(f->skel->progs.mw_test_lock_kaddrs, &arg, 1);
}

__u64 fx_lock_mem(struct fx *f, int i)
{
	lock_kaddrs(f);
	return f->skel->bss->mw_test_lock_mem_kaddr + (__u64)i * 64;
}

__u64 *fx_lock_word(struct fx *f, int i)
{
	return &f->skel->bss->mw_test_lock_mem[i * 8];
}

__u64 fx_task(struct fx *f)
{
	lock_kaddrs(f);
	return f->skel->bss->mw_test_task_kaddr;
}
