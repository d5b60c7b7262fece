// SPDX-License-Identifier: GPL-2.0
/*
 * --deep: a kprobe on each of a watched module's own loads and stores
 * (ko/accesses.c finds them in its .ko), each with its descriptor in
 * mw_access_descs at the slot its cookie names; the BPF side rebuilds the
 * address from the registers and judges it (bpf/deep.bpf.h). The live code
 * is checked against the .ko first, as call sites are: an instruction the
 * kernel rewrote at load (alternatives, a relocated immediate) would have
 * another operand than the one decoded, and a report on it would be false.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ko/accesses.h"
#include "lib/error.h"
#include "probe/deep_probes.h"
#include "probe/kprobes.h"
#include "probe/module_registry.h"
#include "probe/site_probes.h"
#include "probe/slots.h"
#include "probe/skel.h"
#include "symbols/ksym.h"

struct deep_plan {
	struct modwatch_bpf *skel;
	struct mw_module *m;
	struct mw_deep_slots *ds;
	const struct mw_accesses *acc;
	__u64 *bases;		/* per section index: its live address; 0: not read, 1: none */
	__u64 tail_lo, tail_hi;	/* no probe here: mw_text_end_unsafe() */
	struct mw_kprobe *probes;
	size_t n;
	__u32 skipped[MW_SKIP_NR];	/* found in the .ko, not probed, by enum mw_skip */
};

/* Slot @idx free again, its descriptor zeroed: a probe still firing finds no module. */
static void free_slot(struct mw_deep_slots *ds, struct modwatch_bpf *skel, __u32 idx)
{
	struct mw_access_desc none = {};

	bpf_map_update_elem(bpf_map__fd(skel->maps.mw_access_descs), &idx, &none, BPF_ANY);
	ds->used[idx] = false;
}

static __u64 section_base(struct deep_plan *p, __u32 shndx)
{
	__u64 a;

	if (!p->bases[shndx])
		p->bases[shndx] = mw_section_addr(p->m->name, p->acc->sections[shndx], &a) ? 1 : a;
	return p->bases[shndx];
}

/* Where access @a is live, or the MW_SKIP_* reason it is not probed. */
static __u32 place(struct deep_plan *p, const struct mw_access_site *a, __u64 *addr)
{
	__u64 base = section_base(p, a->shndx);
	__u8 code[16];

	if (base == 1)
		return MW_SKIP_NO_SECTION;
	*addr = base + a->sec_off;
	if (mw_peek(p->skel, *addr, code) || memcmp(code, a->bytes, a->len))
		return MW_SKIP_PATCHED;
	if (*addr >= p->tail_lo && *addr < p->tail_hi)
		return MW_SKIP_TEXT_END;
	return MW_SKIP_NONE;
}

/* Access @a's descriptor installed and its probe planned, or why not. */
static void plan_access(struct deep_plan *p, const struct mw_access_site *a)
{
	struct mw_access_desc d = a->desc;
	__u32 skip = place(p, a, &d.site);
	int slot;

	if (skip == MW_SKIP_NONE && (slot = mw_slot_alloc(p->ds->used, MW_MAX_ACCESS_SITES, &p->ds->hint)) < 0)
		skip = MW_SKIP_FULL;
	if (skip != MW_SKIP_NONE) {
		p->skipped[skip]++;
		return;
	}
	d.module_id = p->m->id;
	bpf_map_update_elem(bpf_map__fd(p->skel->maps.mw_access_descs), &slot, &d, BPF_ANY);
	p->probes[p->n++] = (struct mw_kprobe){
		.prog = p->skel->progs.mw_kp_access, .addr = d.site, .cookie = (__u32)slot,
	};
}

/* The attached probes kept on @m, the others' slots freed; the number the kernel refused. */
static __u32 keep_probes(struct deep_plan *p)
{
	__u32 refused = 0;
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (!p->probes[i].link) {
			refused++;
			free_slot(p->ds, p->skel, (__u32)p->probes[i].cookie);
			continue;
		}
		p->m->deep_links[p->m->nr_deep] = p->probes[i].link;
		p->m->deep_slots[p->m->nr_deep++] = (__u32)p->probes[i].cookie;
	}
	return refused;
}

/* What the start line says of @p's module: its tally, kept on the module. */
static void tally(const struct deep_plan *p, __u32 refused)
{
	struct mw_deep_tally *t = p->m->deep;

	t->insns = p->acc->insns;
	t->reads = p->acc->reads;
	t->writes = p->acc->writes;
	memcpy(t->classes, p->acc->classes, sizeof(t->classes));
	memcpy(t->skipped, p->skipped, sizeof(t->skipped));
	t->skipped[MW_SKIP_NONE] = 0;
	t->refused = refused;
}

static int plan_alloc(struct deep_plan *p)
{
	size_t n = p->acc->nr_sites;

	p->bases = calloc(p->acc->nr_sections ? p->acc->nr_sections : 1, sizeof(*p->bases));
	p->probes = calloc(n ? n : 1, sizeof(*p->probes));
	p->m->deep_links = calloc(n ? n : 1, sizeof(*p->m->deep_links));
	p->m->deep_slots = calloc(n ? n : 1, sizeof(*p->m->deep_slots));
	p->m->deep = calloc(1, sizeof(*p->m->deep));
	if (p->bases && p->probes && p->m->deep_links && p->m->deep_slots && p->m->deep)
		return 0;
	mw_err("module %s: --deep: out of memory for %zu probes", p->m->name, n);
	return -ENOMEM;
}

int mw_deep_attach(struct mw_deep_slots *ds, struct modwatch_bpf *skel, struct mw_module *m,
		   const char *ko_path, const char *const *globs, int nr_globs)
{
	struct mw_accesses acc = {};
	struct deep_plan p = { .skel = skel, .m = m, .ds = ds, .acc = &acc };
	size_t i;
	int err;

	err = mw_ko_accesses(ko_path, globs, nr_globs, &acc);
	if (err)
		return err;
	m->deep_found = acc.nr_sites;
	err = plan_alloc(&p);
	if (!err) {
		mw_text_end_unsafe(skel, m->name, &p.tail_lo, &p.tail_hi);
		for (i = 0; i < acc.nr_sites; i++)
			plan_access(&p, &acc.sites[i]);
		mw_kprobes_attach(p.probes, p.n, sizeof(*p.probes));
		tally(&p, keep_probes(&p));
	}
	free(p.bases);
	free(p.probes);
	mw_accesses_free(&acc);
	if (err)
		mw_deep_detach(ds, skel, m, false);
	return err;
}

void mw_deep_detach(struct mw_deep_slots *ds, struct modwatch_bpf *skel, struct mw_module *m,
		    bool background)
{
	__u32 i;

	for (i = 0; i < m->nr_deep; i++)
		free_slot(ds, skel, m->deep_slots[i]);
	if (m->deep_links)
		mw_kprobes_detach(m->deep_links, m->nr_deep, background);
	free(m->deep_slots);
	free(m->deep);
	m->deep_links = NULL;
	m->deep_slots = NULL;
	m->deep = NULL;
	m->nr_deep = m->deep_found = 0;
}
