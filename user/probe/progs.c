// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF programs as the running kernel took them: what each one watches
 * (one row per program), the verifier's own account of each (BPF_LOG_STATS:
 * processed instructions, states, time), and what a program the kernel
 * refused turns off. A refusal costs the rules that program serves, never
 * the monitor: the rules it leaves unable to judge correctly are switched
 * off in the running programs, so that a missing hook never makes a false
 * report (a double fetch across system calls whose end nobody saw, say).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "events.h"
#include "probe/progs.h"

#define K(kind) (1u << MW_##kind)

/* Rules that stand on the heap tracker: every allocation and free of a watched module seen. */
#define HEAP_RULES								\
	(K(HEAP_OVERFLOW_WRITE) | K(HEAP_OVERFLOW_READ) | K(USE_AFTER_FREE) |	\
	 K(DOUBLE_FREE) | K(INVALID_FREE) | K(LEAK_ON_UNLOAD) | K(UNINIT_LEAK) |	\
	 K(HELD_LOCK_FREED) | K(DATA_RACE) | K(UNPROTECTED_SHARED_ACCESS))
/* Rules judged at a watched module's user copies. */
#define COPY_RULES								\
	(K(USER_SLICE_OVERRUN) | K(DOUBLE_FETCH) | K(HEAP_OVERFLOW_WRITE) |	\
	 K(HEAP_OVERFLOW_READ) | K(UNINIT_LEAK) | K(IOCTL_SIZE_MISMATCH) |	\
	 K(DATA_RACE) | K(UNPROTECTED_SHARED_ACCESS))
/* Rules judged at a watched module's lock calls. */
#define LOCK_RULES								\
	(K(UNLOCK_NOT_OWNER) | K(UNLOCK_NOT_HELD) | K(RECURSIVE_LOCK) |		\
	 K(LOCK_HELD_ON_RETURN) | K(SLEEP_IN_ATOMIC) | K(LOCK_ORDER_INVERSION) |	\
	 K(HELD_LOCK_FREED) | K(UNPROTECTED_SHARED_ACCESS))

/* Where a program runs, and so what it costs the rest of the machine. */
enum {
	KERNEL = MW_RUNS_KERNEL,	/* at every event of its kind in the kernel */
	MODULES = MW_RUNS_MODULES,	/* only in watched modules' code (kprobes there) */
	DAEMON = MW_RUNS_DAEMON,	/* when the daemon runs it (BPF_PROG_TEST_RUN) */
};

/*
 * One row per program: its name, where it runs, what goes unwatched without
 * it (read as "... are not watched on this kernel"), and the rules that
 * cannot judge correctly without it. A missing row is a bug the unit tests
 * catch.
 */
static const struct mw_prog_fact {
	const char *name;
	__u32 runs;
	const char *watches;
	__u32 rules;
} facts[] = {
	{ "mw_kmalloc", KERNEL, "kmalloc() allocations", HEAP_RULES },
	{ "mw_kmalloc_node", KERNEL, "kmalloc_node() allocations", HEAP_RULES },
	{ "mw_kmem_cache_alloc", KERNEL, "kmem_cache_alloc() allocations", HEAP_RULES },
	{ "mw_kmem_cache_alloc_node", KERNEL, "kmem_cache_alloc_node() allocations", HEAP_RULES },
	{ "mw_kfree", KERNEL, "kfree() frees", HEAP_RULES },
	{ "mw_kmem_cache_free", KERNEL, "kmem_cache_free() frees", HEAP_RULES },
	/*
	 * Without it no call's start is seen: fetches are then never compared,
	 * and no lock is known to have outlived its system call.
	 */
	{ "mw_kp_entry", MODULES, "calls into watched modules at their entry points (double-fetch "
				  "epochs, locks held on return)",
	  K(DOUBLE_FETCH) | K(LOCK_HELD_ON_RETURN) },
	{ "mw_module_free", KERNEL,
	  "module unloads (found by polling, after the module's memory is gone)",
	  K(LOCK_HELD_ON_UNLOAD) },
	{ "mw_module_load", KERNEL, "module loads (found by polling, within 1 s)", 0 },
	/* Without it no call site's live code can be checked: none is probed, frees neither. */
	{ "mw_peek", DAEMON,
	  "call sites (their live code cannot be checked before a probe goes on)",
	  COPY_RULES | LOCK_RULES | HEAP_RULES },
	{ "mw_kp_copy", MODULES, "user copies at watched modules' calls", COPY_RULES },
	/* Copies are then judged at their calls only, as tail calls are. */
	{ "mw_kp_copy_ret", MODULES,
	  "user copies' returns (copies in flight: data races, frees meanwhile)", K(DATA_RACE) },
	{ "mw_kp_lock", MODULES, "lock calls of watched modules", LOCK_RULES },
	/*
	 * Acquires are then committed at the task's next lock event, as tail
	 * calls are, and conditional ones never: a copy may then seem to run
	 * under no lock while one is held, which only the lockset rule misjudges.
	 */
	{ "mw_kp_lock_ret", MODULES, "lock calls' returns (conditional acquires go untracked)",
	  K(UNPROTECTED_SHARED_ACCESS) },
	/*
	 * Objects freed by kfree_rcu() and kfree_bulk() (no per-object kmem
	 * tracepoint) would look live for good, also once core code has the
	 * memory: every rule that stands on the heap tracker could misjudge.
	 */
	{ "mw_kp_heap", MODULES, "frees and allocations at watched modules' calls (vfree, "
				 "kfree_rcu, kfree_bulk, kmemdup, vmalloc...)", HEAP_RULES },
	/*
	 * --deep's: without it the heap rules still judge every call as
	 * before, correctly, only not each instruction: no rule goes off.
	 */
	{ "mw_kp_access", MODULES, "watched modules' own memory accesses (--deep: "
				   "use_after_free, heap_overflow_read/write at each instruction)",
	  0 },
	{ "mw_kp_behalf_ret", MODULES, "allocations made on watched modules' behalf (kmemdup, "
				       "vmalloc, memdup_user...)", 0 },
	/* --probe-mode global's: on the exported functions, so at every call in the kernel. */
	{ "mw_kpg_check_object_size", KERNEL, "--probe-mode global's copies (__check_object_size)",
	  0 },
	{ "mw_kpg_strncpy", KERNEL, "--probe-mode global's strncpy_from_user() calls", 0 },
	{ "mw_kpg_fetch_nofault", KERNEL, "--probe-mode global's copy_from_user_nofault() calls", 0 },
	{ "mw_storm", DAEMON, "modwatch storm's reports", 0 },
};

static const struct mw_prog_fact *fact_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		if (!strcmp(facts[i].name, name))
			return &facts[i];
	return NULL;
}

/* Unit tests' entries drive the rules; they watch nothing of their own. */
static bool is_test_entry(const char *name)
{
	return !strncmp(name, "mw_test_", strlen("mw_test_"));
}

bool mw_prog_known(const char *name)
{
	return is_test_entry(name) || fact_of(name);
}

/* Where program @name runs: MW_RUNS_*. */
__u32 mw_prog_runs(const char *name)
{
	const struct mw_prog_fact *f = fact_of(name);

	return f ? f->runs : MW_RUNS_DAEMON;
}

const char *mw_prog_watches(const char *name)
{
	const struct mw_prog_fact *f = fact_of(name);

	return f ? f->watches : is_test_entry(name) ? "a unit test's entry" : "its rules";
}

__u32 mw_prog_rules(const char *name)
{
	const struct mw_prog_fact *f = fact_of(name);

	return f ? f->rules : 0;
}

/* Words for people for a refusal's errno (the kernel's own log: -v). */
const char *mw_refusal_reason(int err)
{
	switch (err) {
	case -E2BIG:
		return "program too large for its verifier";
	case -EACCES:
		return "the verifier found it unsafe";
	case -EINVAL:
		return "the kernel lacks a helper, kfunc or attach type it needs";
	case -EPERM:
		return "not permitted";
	case -ENOMEM:
		return "out of memory for its verification";
	}
	return strerror(-err);
}

/*
 * The statistics line of a BPF_LOG_STATS log, as every kernel since v5.2
 * prints it: "verification time N usec", then "processed N insns (limit N)
 * max_states_per_insn N total_states N peak_states N mark_read N".
 */
void mw_verdict_parse(struct mw_verdict *v, const char *log)
{
	const char *p;

	p = strstr(log, "verification time ");
	if (p)
		v->verify_us = strtoul(p + strlen("verification time "), NULL, 10);
	p = strstr(log, "processed ");
	if (!p)
		return;
	v->processed = strtoul(p + strlen("processed "), NULL, 10);
	p = strstr(p, "total_states ");
	if (p)
		v->total_states = strtoul(p + strlen("total_states "), NULL, 10);
	p = p ? strstr(p, "peak_states ") : NULL;
	if (p)
		v->peak_states = strtoul(p + strlen("peak_states "), NULL, 10);
	v->stats = true;
}

/* The rules the refused programs of @l leave unable to judge. */
__u32 mw_load_rules_off(const struct mw_load *l)
{
	__u32 off = 0;
	int i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].err)
			off |= mw_prog_rules(l->v[i].name);
	return off;
}

/* Microseconds the verifier took over the programs of @l, as it says itself. */
__u64 mw_load_verify_us(const struct mw_load *l)
{
	__u64 us = 0;
	int i;

	for (i = 0; i < l->n; i++)
		us += l->v[i].verify_us;
	return us;
}

int mw_load_refused(const struct mw_load *l)
{
	int i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->v[i].err != 0;
	return n;
}
