// SPDX-License-Identifier: GPL-2.0
/*
 * Call-site probes: for each watched module, the calls its .ko makes to the
 * callees of include/sites.h become one kprobe each, at the call
 * instruction, so that only the watched module's own code pays for them.
 *
 * Live address = the section's address (/sys/module/NAME/sections/) + the
 * call's offset in it. A .ko whose build ID differs from the loaded
 * module's is refused, never probed blindly; then each site's live bytes
 * must be that call (opcode, and a rel32 that lands on the callee).
 *
 * Never one site's fault for the whole session: a site the kernel would
 * refuse (ko/callsites.c says which and why), that does not match, or whose attach
 * fails anyway is skipped, and the module's unprobed[] list says so.
 * Probes are attached by address (a module may have two static functions
 * of one name), from several threads at once (probe/kprobes.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include "sites.h"
#include "ko/ko.h"
#include "locks.h"
#include "lib/error.h"
#include "probe/bpf.h"
#include "probe/kprobes.h"
#include "probe/module_registry.h"
#include "probe/site_probes.h"
#include "probe/slots.h"
#include "symbols/ksym.h"
#include "symbols/srcline.h"
#include "probe/skel.h"
#include "ko/callees.h"

static const __u8 callee_class[MW_CALLEE_NR] = {
#define MW_CALLEE_CLASS(id, sym, class, size) [MW_CALLEE_##id] = MW_CLASS_##class,
	MW_CALLEES(MW_CALLEE_CLASS)
#undef MW_CALLEE_CLASS
};

static const __u8 callee_arg[MW_CALLEE_NR] = {
#define MW_CALLEE_ARG(id, sym, class, arg) [MW_CALLEE_##id] = arg,
	MW_CALLEES(MW_CALLEE_ARG)
#undef MW_CALLEE_ARG
};

/* The program that handles a class of callee, or NULL: the tracepoints see it. */
static struct bpf_program *class_prog(struct modwatch_bpf *skel, __u8 class)
{
	switch (class) {
	case MW_CLASS_LOCK:
	case MW_CLASS_UNLOCK:
		return skel->progs.mw_kp_lock;
	case MW_CLASS_FETCH:
	case MW_CLASS_COPY_TO:
	case MW_CLASS_GET_USER:
	case MW_CLASS_PUT_USER:
	case MW_CLASS_STRNCPY:
	case MW_CLASS_CHECK_SIZE:
	case MW_CLASS_COPY_USER:
	case MW_CLASS_DUP_USER:
	case MW_CLASS_ITER_TO:
	case MW_CLASS_ITER_FROM:
	case MW_CLASS_SIMPLE_READ:
	case MW_CLASS_SIMPLE_WRITE:
		return skel->progs.mw_kp_copy;
	case MW_CLASS_FREE:
	case MW_CLASS_FREE_RCU:
	case MW_CLASS_FREE_BULK:
	case MW_CLASS_BEHALF:
		return skel->progs.mw_kp_heap;
	case MW_CLASS_ENTRY:
		return skel->progs.mw_kp_entry;
	}
	return NULL;
}

/* 16 bytes of kernel memory at @addr, through a test run of mw_peek: no /proc/kcore needed. */
int mw_peek(struct modwatch_bpf *skel, __u64 addr, __u8 buf[16])
{
	__u64 arg = addr;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &arg, .ctx_size_in = sizeof(arg));
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.mw_peek), &opts);
	if (err)
		return -errno;
	if (opts.retval)
		return -EFAULT;
	memcpy(buf, skel->bss->mw_peek_buf, 16);
	return 0;
}

const char *mw_callee_in_kernel(__u32 callee, __u64 *addr)
{
	const char *name;
	unsigned int nth;

	for (nth = 0; (name = mw_callee_symbol(callee, nth)); nth++)
		if (!mw_ksym_addr(NULL, name, addr))
			return name;
	return NULL;
}

/* Callee addresses, resolved once each from kallsyms; 0: not looked up yet, 1: absent. */
static __u64 callee_addr[MW_CALLEE_NR];

static __u64 lookup_callee(__u32 callee)
{
	__u64 a;

	if (!callee_addr[callee])
		callee_addr[callee] = mw_callee_in_kernel(callee, &a) && a ? a : 1;
	return callee_addr[callee];
}

/* Is @addr the start of entry point @cs's function, as kallsyms names it? */
static int verify_entry(const struct mw_callsite *cs, __u64 addr)
{
	struct mw_sym sym;

	if (mw_ksym_resolve(addr, &sym) || sym.offset || strcmp(sym.name, cs->func))
		return -EILSEQ;
	return 0;
}

/*
 * Is the live code at @addr the call of @cs? The rel32 must land on the
 * callee, or within 64 bytes before it where call-depth-tracking kernels
 * (v6.2, "x86/calldepth") route calls through padding thunks.
 */
static int verify_site(struct modwatch_bpf *skel, const struct mw_callsite *cs, __u64 addr)
{
	__u64 callee, target;
	__u8 code[16];
	__s32 rel;
	int err;

	if (cs->callee == MW_CALLEE_ENTRY)
		return verify_entry(cs, addr);
	err = mw_peek(skel, addr, code);
	if (err)
		return err;
	if (code[0] != cs->opcode)
		return -EILSEQ;
	callee = lookup_callee(cs->callee);
	if (callee == 1)
		return 0;	/* callee not in kallsyms: the opcode is all we can check */
	memcpy(&rel, code + 1, sizeof(rel));
	target = addr + 5 + (__s64)rel;
	return target <= callee && callee - target <= 64 ? 0 : -EILSEQ;
}

static bool is_free_class(__u8 class)
{
	return class == MW_CLASS_FREE || class == MW_CLASS_FREE_RCU || class == MW_CLASS_FREE_BULK;
}

/*
 * The kmem tracepoint inside a probed free call has the call's return
 * address as its call_site: the BPF side leaves that call's rules to the
 * probe (bpf/heap.bpf.h, mw_probed_frees).
 */
static void set_probed_free(struct modwatch_bpf *skel, __u64 call, bool probed)
{
	int fd = bpf_map__fd(skel->maps.mw_probed_frees);
	__u64 ret = call + 5;
	__u32 one = 1;

	if (probed)
		bpf_map_update_elem(fd, &ret, &one, BPF_ANY);
	else
		bpf_map_delete_elem(fd, &ret);
}

static void free_slot(struct mw_sites *ss, struct modwatch_bpf *skel, __u32 idx)
{
	int fd = bpf_map__fd(skel->maps.mw_sites);
	struct mw_site none = {}, old;

	if (!bpf_map_lookup_elem(fd, &idx, &old) && is_free_class(old.class))
		set_probed_free(skel, old.addr, false);

	bpf_map_update_elem(fd, &idx, &none, BPF_ANY);
	ss->used[idx] = false;
}

/* Callee addresses for sleep_in_atomic reports, once per run. */
void mw_sites_init(struct modwatch_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.mw_callee_addrs);
	__u64 addr;
	__u32 i;

	for (i = 1; i < MW_CALLEE_NR; i++) {
		addr = lookup_callee(i);
		if (addr > 1)
			bpf_map_update_elem(fd, &i, &addr, BPF_ANY);
	}
}

/* ---- the plan: which sites get which probes ---- */

/* One kprobe to attach; the plan fills these, probe/kprobes.c attaches them. */
struct probe {
	struct mw_kprobe kp;
	size_t site;		/* index in the .ko's sites */
	bool next;		/* the probe after an acquire call, not the call */
};

/* The loaded module's build ID, from the note in /sys/module/NAME/notes/; 0 if unknown. */
static __u32 live_build_id(const char *module, __u8 id[MW_BUILD_ID_MAX])
{
	struct {
		__u32 namesz, descsz, type;
		char name[4];
		__u8 desc[MW_BUILD_ID_MAX];
	} note;
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/sys/module/%s/notes/.note.gnu.build-id", module);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(&note, 1, sizeof(note), f);
	fclose(f);
	if (n < 16 || note.namesz != 4 || memcmp(note.name, "GNU", 4) ||
	    note.descsz > MW_BUILD_ID_MAX || n < 16 + note.descsz)
		return 0;
	memcpy(id, note.desc, note.descsz);
	return note.descsz;
}

static bool same_build(const struct mw_module *m, const struct mw_ko *ko)
{
	__u8 id[MW_BUILD_ID_MAX];
	__u32 n = live_build_id(m->name, id);

	return !n || !ko->build_id_len || (n == ko->build_id_len && !memcmp(id, ko->build_id, n));
}

static void add_unprobed(struct mw_module *m, const struct mw_callsite *cs, __u32 skip, int err)
{
	struct mw_unprobed *u = &m->unprobed[m->nr_unprobed++];

	/* A vfree() no probe sees: its module's vmalloc areas may leak in appearance only. */
	m->unseen_vfree |= cs->callee == MW_CALLEE_VFREE || cs->callee == MW_CALLEE_KVFREE;
	snprintf(u->func, sizeof(u->func), "%s", cs->func);
	u->offset = cs->func_off;
	u->skip = skip;
	u->err = err;
}

/* What one module's plan needs as it goes. */
struct plan {
	struct mw_sites *ss;
	struct modwatch_bpf *skel;
	struct mw_module *m;
	const struct mw_ko *ko;
	struct probe *probes;
	size_t nr_probes;
	__u32 *slot_of;		/* per site: its mw_sites slot, or -1 */
	size_t nr_planned;	/* the .ko's sites, then its entry points if they matter */
	__u32 verified, mismatched;
	__u64 tail_lo, tail_hi;	/* sites not to probe: see mw_text_end_unsafe() */
};

/*
 * Registering a kprobe on x86 decodes the whole function around it (can it
 * be optimised into a jump? can_optimize()), up to where kallsyms says the
 * function ends: for a module's last code symbol, the end of the module's
 * text, and the decoder reads up to 15 bytes from its last start there.
 * Since v6.4 ("module: replace module_layout with module_memory") a
 * module's text is an allocation of its own, followed by an unmapped guard
 * page, and that read oopses the kernel (Debian 6.12, a probe in stp's
 * stp_proto_unregister()). Before, the module's data followed its text in
 * one allocation. So, probed at run time rather than by version: when the
 * pages after the last code symbol reach an unmapped one before any data
 * symbol of the module, every site from that symbol on is not probed.
 * Sets [@lo, @hi) to that range, or leaves it empty (--deep's probes too).
 */
void mw_text_end_unsafe(struct modwatch_bpf *skel, const char *module, __u64 *lo, __u64 *hi)
{
	__u64 last, next, page;
	__u8 buf[16];
	int i;

	*lo = *hi = 0;
	if (mw_ksym_module_tail(module, &last, &next))
		return;
	page = (last | 4095) + 1;
	for (i = 0; i < 64; i++, page += 4096) {
		if (next && next < page)
			return;		/* the module's data: mapped past the text */
		if (mw_peek(skel, page, buf)) {
			*lo = last;
			*hi = page;
			return;
		}
	}
}

/* The live address of site @cs and a check that it is that call; an MW_SKIP_* if not. */
static __u32 locate_site(struct plan *pl, const struct mw_callsite *cs, __u64 *addr)
{
	__u64 base;

	if (mw_section_addr(pl->m->name, cs->section, &base))
		return MW_SKIP_NO_SECTION;
	*addr = base + cs->sec_off;
	pl->verified++;
	if (verify_site(pl->skel, cs, *addr)) {
		pl->mismatched++;
		return MW_SKIP_PATCHED;
	}
	if (*addr >= pl->tail_lo && *addr < pl->tail_hi)
		return MW_SKIP_TEXT_END;
	return MW_SKIP_NONE;
}

static void add_probe(struct plan *pl, struct bpf_program *prog, __u64 addr, __u64 cookie,
		      size_t site, bool next)
{
	pl->probes[pl->nr_probes++] = (struct probe){
		.kp = { .prog = prog, .addr = addr, .cookie = cookie }, .site = site, .next = next,
	};
}

/* Site @i of the plan: the .ko's call sites, then its entry points. */
static const struct mw_callsite *plan_cs(const struct plan *pl, size_t i)
{
	return i < pl->ko->nr_sites ? &pl->ko->sites[i] : &pl->ko->entries[i - pl->ko->nr_sites];
}

/* The probe on the instruction after a call of @class, where rax is its result; NULL: none. */
static struct bpf_program *next_prog(struct modwatch_bpf *skel, __u8 class)
{
	switch (class) {
	case MW_CLASS_LOCK:
		return skel->progs.mw_kp_lock_ret;
	case MW_CLASS_BEHALF:
	case MW_CLASS_DUP_USER:
		return skel->progs.mw_kp_behalf_ret;
	case MW_CLASS_FETCH:
	case MW_CLASS_COPY_TO:
	case MW_CLASS_COPY_USER:
	case MW_CLASS_ITER_TO:
	case MW_CLASS_ITER_FROM:
	case MW_CLASS_SIMPLE_READ:
	case MW_CLASS_SIMPLE_WRITE:
		return skel->progs.mw_kp_copy_ret;
	}
	return NULL;
}

/*
 * Site @i: its record in mw_sites and its probes. An acquire gets a second
 * probe at the next instruction, where rax says whether the lock was
 * taken; a tail call (jmp) or an unprobeable next instruction has none,
 * and its cookie says so: the BPF side then commits the acquire at the
 * task's next lock event (bpf/locks.bpf.h). An allocation on the module's
 * behalf is decided there too, from the pointer returned: without it there
 * is nothing to track, and the call itself is not probed (a memdup_user()
 * still is, for its fetch). A user copy's next instruction checks that
 * the object the copy touched was not freed while it ran; without that
 * probe the copy is checked at its call only.
 */
static void plan_site(struct plan *pl, size_t i)
{
	const struct mw_callsite *cs = plan_cs(pl, i);
	bool entry = cs->callee == MW_CALLEE_ENTRY;
	struct mw_site site = {
		.module_id = pl->m->id,
		.callee = cs->callee,
		.class = entry ? MW_CLASS_ENTRY : callee_class[cs->callee],
		.arg = entry ? 0 : callee_arg[cs->callee],
	};
	struct bpf_program *prog = class_prog(pl->skel, site.class);
	struct bpf_program *next = next_prog(pl->skel, site.class);
	bool noret = cs->opcode == 0xe9 || cs->skip_next;
	__u32 skip = cs->skip;
	int idx;

	if (!prog)
		return;		/* the kmem tracepoints see this callee */
	/* A refused next-instruction program: its sites are judged as tail calls are. */
	if (next && !mw_bpf_loaded(next))
		noret = true;
	if (!skip && !mw_bpf_loaded(prog))
		skip = MW_SKIP_REFUSED;
	if (!skip && noret && site.class == MW_CLASS_BEHALF)
		skip = cs->opcode == 0xe9 ? MW_SKIP_NO_NEXT :
		       cs->skip_next	  ? cs->skip_next : MW_SKIP_REFUSED;
	if (!skip)
		skip = locate_site(pl, cs, &site.addr);
	if (!skip && (idx = mw_slot_alloc(pl->ss->used, MW_MAX_SITES, &pl->ss->hint)) < 0)
		skip = MW_SKIP_FULL;
	if (skip) {
		add_unprobed(pl->m, cs, skip, 0);
		return;
	}
	bpf_map_update_elem(bpf_map__fd(pl->skel->maps.mw_sites), &idx, &site, BPF_ANY);
	pl->slot_of[i] = idx;
	if (is_free_class(site.class))
		set_probed_free(pl->skel, site.addr, true);
	add_probe(pl, prog, site.addr, idx | (next && noret ? MW_LOCK_COOKIE_TAIL : 0), i, false);
	if (next && !noret)
		add_probe(pl, next, site.addr + 5, idx, i, true);
	pl->m->nr_noret += site.class == MW_CLASS_LOCK && cs->opcode != 0xe9 && cs->skip_next;
}

static void drop_site(struct plan *pl, size_t site)
{
	if (pl->slot_of[site] == (__u32)-1)
		return;
	free_slot(pl->ss, pl->skel, pl->slot_of[site]);
	pl->slot_of[site] = -1;
}

/*
 * Keep what attached. A site whose call or next-instruction probe the
 * kernel refused anyway loses both (an acquire half-watched would
 * misjudge ownership), and is listed with the error.
 */
static void keep_probes(struct plan *pl)
{
	struct mw_module *m = pl->m;
	size_t i, j;

	for (i = 0; i < pl->nr_probes; i = j) {
		int err = 0;

		for (j = i; j < pl->nr_probes && pl->probes[j].site == pl->probes[i].site; j++)
			err = err ? err : pl->probes[j].kp.err;
		if (!err) {
			m->probed_entries += pl->probes[i].site >= pl->ko->nr_sites;
			for (; i < j; i++)
				m->links[m->nr_probes++] = pl->probes[i].kp.link;
			m->slots[m->nr_slots++] = pl->slot_of[pl->probes[j - 1].site];
			continue;
		}
		add_unprobed(m, plan_cs(pl, pl->probes[i].site), MW_SKIP_ATTACH, err);
		drop_site(pl, pl->probes[i].site);
		for (; i < j; i++)
			bpf_link__destroy(pl->probes[i].kp.link);
	}
}

/* More than half of the sites' live code differs: this .ko is not the loaded module. */
static bool wrong_ko(const struct plan *pl)
{
	return pl->mismatched >= 2 && pl->mismatched * 2 > pl->verified;
}

static void drop_all(struct plan *pl)
{
	size_t i;

	for (i = 0; i < pl->nr_planned; i++)
		drop_site(pl, i);
	pl->m->nr_unprobed = 0;
	pl->m->nr_noret = 0;
}

static int alloc_module_sites(struct mw_module *m, size_t n)
{
	m->links = calloc(2 * n + 1, sizeof(*m->links));	/* acquires have two */
	m->slots = calloc(n + 1, sizeof(*m->slots));
	m->unprobed = calloc(n + 1, sizeof(*m->unprobed));
	return m->links && m->slots && m->unprobed ? 0 : -ENOMEM;
}

/*
 * The entry points matter to the rules that judge a whole call: double
 * fetches and locks held on return. A module without user fetches or lock
 * calls gets no probes on them.
 */
static bool needs_entries(const struct plan *pl)
{
	size_t i;
	__u8 class;

	for (i = 0; i < pl->ko->nr_sites; i++) {
		class = callee_class[pl->ko->sites[i].callee];
		if (class_prog(pl->skel, class) == pl->skel->progs.mw_kp_copy ||
		    class_prog(pl->skel, class) == pl->skel->progs.mw_kp_lock)
			return true;
	}
	return false;
}

static int plan_module(struct plan *pl)
{
	size_t i, n = pl->ko->nr_sites;

	if (needs_entries(pl))
		n += pl->ko->nr_entries;
	pl->nr_planned = n;

	pl->probes = calloc(2 * n + 1, sizeof(*pl->probes));
	pl->slot_of = malloc((n + 1) * sizeof(*pl->slot_of));
	if (!pl->probes || !pl->slot_of || alloc_module_sites(pl->m, n))
		return -ENOMEM;
	memset(pl->slot_of, 0xff, (n + 1) * sizeof(*pl->slot_of));
	mw_text_end_unsafe(pl->skel, pl->m->name, &pl->tail_lo, &pl->tail_hi);
	for (i = 0; i < n; i++)
		plan_site(pl, i);
	return 0;
}

/*
 * The module's static locks: the objects its lock calls take straight from
 * a "mov $lock,%rdi", probed or not (its notrace exit function's too). The
 * BPF side reads their lock words when the module is freed.
 */
static void add_static_locks(struct plan *pl)
{
	int fd = bpf_map__fd(pl->skel->maps.mw_static_locks);
	const struct mw_callsite *cs;
	struct mw_static_lock sl = { .module_id = pl->m->id };
	__u64 base, addr;
	size_t i;

	for (i = 0; i < pl->ko->nr_sites; i++) {
		cs = &pl->ko->sites[i];
		/* an unlock with an arg takes an object holding the lock, not the lock */
		if (!cs->arg_section[0] || callee_arg[cs->callee] ||
		    (callee_class[cs->callee] != MW_CLASS_LOCK &&
		     callee_class[cs->callee] != MW_CLASS_UNLOCK))
			continue;
		if (mw_section_addr(pl->m->name, cs->arg_section, &base))
			continue;
		addr = base + cs->arg_off;
		sl.callee = cs->callee;
		pl->m->nr_static_locks += !bpf_map_update_elem(fd, &addr, &sl, BPF_NOEXIST);
	}
}

/* Forget @m's static locks: the module is gone. */
static void drop_static_locks(struct modwatch_bpf *skel, const struct mw_module *m)
{
	int fd = bpf_map__fd(skel->maps.mw_static_locks);
	__u64 key, next, *prev = NULL;
	struct mw_static_lock sl;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &sl) || sl.module_id != m->id)
			continue;
		bpf_map_delete_elem(fd, &key);
		prev = NULL;	/* deleting may reorder the walk: restart it */
	}
}

/* The .ko is not the loaded module: an error if the user named either, else a warning. */
static int refuse_ko(const struct mw_module *m, const char *ko, bool named, const char *why)
{
	if (named) {
		mw_err("%s is not the loaded %s (%s): rebuild it or pass the right --ko %s=PATH",
		       ko, m->name, why, m->name);
		return -ESTALE;
	}
	mw_warn("%s is not the loaded %s (%s): only its heap rules run (pass --ko %s=PATH)", ko,
		m->name, why, m->name);
	return 0;
}

int mw_sites_attach(struct mw_sites *ss, struct modwatch_bpf *skel, struct mw_module *m,
		    const char *ko_path, bool named)
{
	struct mw_ko ko = {};
	struct plan pl = { .ss = ss, .skel = skel, .m = m, .ko = &ko };
	int err;

	mw_phase("%s: reading %s", m->name, ko_path);
	err = mw_ko_read(ko_path, &ko);
	if (err)
		return named ? err : 0;		/* mw_ko_read said why */
	if (!same_build(m, &ko)) {
		err = refuse_ko(m, ko_path, named, "build IDs differ");
		goto cleanup;
	}
	err = plan_module(&pl);
	if (err)
		goto cleanup;
	if (wrong_ko(&pl)) {
		drop_all(&pl);
		err = refuse_ko(m, ko_path, named, "its call sites are not in the live code");
		goto cleanup;
	}
	snprintf(m->ko, sizeof(m->ko), "%s", ko_path);
	mw_srcline_add(m->name, m->ko);	/* its lines, read on the first report */
	m->nr_sites = ko.nr_sites;
	m->nr_entries = ko.nr_entries;
	/* Its blind spots: the reader's list becomes the module's. */
	m->blind = ko.blind;
	m->nr_blind = ko.nr_blind;
	ko.blind = NULL;
	ko.nr_blind = 0;
	add_static_locks(&pl);
	mw_statics_add(&ss->statics, skel, m, &ko);
	mw_phase("%s: %u probes planned", m->name, (unsigned)pl.nr_probes);
	mw_kprobes_attach(&pl.probes[0].kp, pl.nr_probes, sizeof(*pl.probes));
	keep_probes(&pl);
	mw_phase("%s: probes attached", m->name);
cleanup:
	free(pl.probes);
	free(pl.slot_of);
	mw_ko_free(&ko);
	return err;
}

/*
 * @background: @m's module is gone, so its kprobes never fire again and
 * the seconds their removal takes need not hold up the reports.
 */
void mw_sites_detach(struct mw_sites *ss, struct modwatch_bpf *skel, struct mw_module *m,
		     bool background)
{
	__u32 i;

	mw_kprobes_detach(m->links, m->nr_probes, background);
	if (m->nr_static_locks)
		drop_static_locks(skel, m);
	mw_statics_drop(&ss->statics, skel, m);
	for (i = 0; i < m->nr_slots; i++)
		free_slot(ss, skel, m->slots[i]);
	free(m->slots);
	free(m->unprobed);
	free(m->blind);
	m->links = NULL;
	m->slots = NULL;
	m->unprobed = NULL;
	m->blind = NULL;
	m->nr_blind = 0;
	m->nr_probes = 0;
	m->nr_slots = 0;
	m->probed_entries = 0;
	m->nr_unprobed = 0;
	m->nr_noret = 0;
	m->nr_static_locks = 0;
}

/* Returns once the probes detached in the background are gone: the session ends after. */
void mw_sites_wait(void)
{
	mw_kprobes_wait();
}
