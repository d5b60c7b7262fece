/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tests' fixture: the real BPF object, loaded exactly as the
 * daemon loads it but never attached; tests drive its programs with
 * BPF_PROG_TEST_RUN and read back the ring buffer and the maps.
 */
#ifndef MODWATCH_FIXTURE_H
#define MODWATCH_FIXTURE_H

#include "modwatch.h"
#include "modwatch.skel.h"
#include "usercopy.h"

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
	struct mw_event events[FX_MAX_EVENTS];
	int nr_events;
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

/* Load with @cfg (NULL: defaults, self not excluded) and watch the fake module. */
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
int fx_sys_exit(struct fx *f);

/* Consume the ring buffer into f->events; returns the number read now. */
int fx_drain(struct fx *f);
int fx_count(struct fx *f, __u32 kind);
__u64 fx_stat(struct fx *f, __u32 stat);
bool fx_is_live(struct fx *f, __u64 ptr);
bool fx_is_quarantined(struct fx *f, __u64 ptr);
/* The address of kernel symbol @name from /proc/kallsyms, 0 if absent. */
__u64 fx_ksym(const char *name);
__u64 fx_btf_bytes(bool zero, size_t len);

#endif /* MODWATCH_FIXTURE_H */
