// SPDX-License-Identifier: GPL-2.0
/*
 * Call-site probes: for each watched module, the calls its .ko makes to the
 * callees of include/sites.h become one kprobe each, at the call
 * instruction, so that only the watched module's own code pays for them.
 *
 * Live address = the section's address (/sys/module/NAME/sections/) + the
 * call's offset in it. Before probing, the live bytes must be that call
 * (opcode, and a rel32 that lands on the callee): a .ko that does not match
 * the loaded module is refused, never probed blindly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ko.h"
#include "locks.h"
#include "modwatch.h"
#include "modwatch.skel.h"

static const __u8 callee_class[MW_CALLEE_NR] = {
#define MW_CALLEE_CLASS(id, sym, class, size) [MW_CALLEE_##id] = MW_CLASS_##class,
	MW_CALLEES(MW_CALLEE_CLASS)
#undef MW_CALLEE_CLASS
};

static const __u8 callee_size[MW_CALLEE_NR] = {
#define MW_CALLEE_SIZE(id, sym, class, size) [MW_CALLEE_##id] = size,
	MW_CALLEES(MW_CALLEE_SIZE)
#undef MW_CALLEE_SIZE
};

/* The program that handles a class of callee, or NULL: the tracepoints see it. */
static struct bpf_program *class_prog(struct modwatch_bpf *skel, __u8 class)
{
	switch (class) {
	case MW_CLASS_LOCK:
		return skel->progs.mw_kp_lock;
	case MW_CLASS_UNLOCK:
		return skel->progs.mw_kp_unlock;
	case MW_CLASS_FETCH:
		return skel->progs.mw_kp_fetch;
	case MW_CLASS_COPY_TO:
		return skel->progs.mw_kp_copy_to;
	case MW_CLASS_GET_USER:
		return skel->progs.mw_kp_get_user;
	case MW_CLASS_PUT_USER:
		return skel->progs.mw_kp_put_user;
	case MW_CLASS_STRNCPY:
		return skel->progs.mw_kp_strncpy;
	}
	return NULL;
}

static int section_addr(const char *module, const char *section, __u64 *addr)
{
	char path[PATH_MAX];
	unsigned long long a;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/module/%s/sections/%s", module, section);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%llx", &a);
	fclose(f);
	if (n != 1 || !a)
		return -ENOENT;
	*addr = a;
	return 0;
}

static int peek(struct modwatch_bpf *skel, __u64 addr, __u8 buf[16])
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

/* Callee addresses, resolved once each from kallsyms; 0: not looked up yet, 1: absent. */
static __u64 callee_addr[MW_CALLEE_NR];

static __u64 lookup_callee(__u32 callee)
{
	__u64 a;

	if (!callee_addr[callee])
		callee_addr[callee] = mw_ksym_addr(NULL, mw_callee_name(callee), &a) ? 1 : a;
	return callee_addr[callee];
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

	err = peek(skel, addr, code);
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

static int alloc_slot(struct mw_sites *ss)
{
	__u32 i;

	for (i = 0; i < MW_MAX_SITES; i++) {
		__u32 idx = (ss->hint + i) % MW_MAX_SITES;

		if (!ss->used[idx]) {
			ss->used[idx] = true;
			ss->hint = idx + 1;
			return idx;
		}
	}
	return -ENOSPC;
}

static void free_slot(struct mw_sites *ss, int fd, __u32 idx)
{
	struct mw_site none = {};

	bpf_map_update_elem(fd, &idx, &none, BPF_ANY);
	ss->used[idx] = false;
}

/*
 * kprobe on "module:func+off": a plain name could resolve to a function of
 * the same name in vmlinux or in another module.
 */
static struct bpf_link *attach_at(struct bpf_program *prog, const struct mw_module *m,
				  const char *func, __u64 off, __u64 cookie)
{
	LIBBPF_OPTS(bpf_kprobe_opts, opts, .offset = off, .bpf_cookie = cookie);
	char name[256];

	snprintf(name, sizeof(name), "%s:%s", m->name, func);
	return bpf_program__attach_kprobe_opts(prog, name, &opts);
}

/*
 * The probes of one site: one at the call; for an acquire also one at the
 * next instruction, where rax says whether the lock was taken (ownership
 * starts there, not while the task may still block). A tail-called acquire
 * has no next instruction: its cookie says so, and the BPF side commits it
 * at the task's next lock event.
 */
static int attach_site(struct bpf_program *prog, struct modwatch_bpf *skel,
		       struct mw_module *m, const struct mw_callsite *cs, __u32 idx, __u8 class)
{
	bool tail = cs->opcode == 0xe9;
	__u64 cookie = idx | (class == MW_CLASS_LOCK && tail ? MW_LOCK_COOKIE_TAIL : 0);
	struct bpf_link *link;

	link = attach_at(prog, m, cs->func, cs->func_off, cookie);
	if (!link)
		return -errno;
	m->links[m->nr_probes++] = link;
	if (class != MW_CLASS_LOCK || tail)
		return 0;
	link = attach_at(skel->progs.mw_kp_lock_ret, m, cs->func, cs->func_off + 5, idx);
	if (!link)
		return -errno;
	m->links[m->nr_probes++] = link;
	return 0;
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

/* Record and probe one site; 0 when it needs no probe (yet). */
static int probe_site(struct mw_sites *ss, struct modwatch_bpf *skel, struct mw_module *m,
		      const struct mw_callsite *cs, const char *ko)
{
	struct mw_site site = {
		.module_id = m->id,
		.callee = cs->callee,
		.class = callee_class[cs->callee],
		.size = callee_size[cs->callee],
	};
	struct bpf_program *prog = class_prog(skel, site.class);
	__u64 base;
	int idx, err;

	if (!prog || !strncmp(cs->section, ".init", 5))
		return 0;	/* a later rule's callee, or init code that is gone */
	err = section_addr(m->name, cs->section, &base);
	if (err) {
		mw_err("cannot find section %s of module %s in /sys/module: %s", cs->section,
		       m->name, strerror(-err));
		return err;
	}
	site.addr = base + cs->sec_off;
	err = verify_site(skel, cs, site.addr);
	if (err) {
		mw_err("%s does not match the loaded %s at %s+0x%llx (%s): rebuild it or pass "
		       "the right --ko; refusing to probe", ko, m->name, cs->func,
		       (unsigned long long)cs->func_off,
		       err == -EILSEQ ? "the live code is not that call" : strerror(-err));
		return err;
	}
	idx = alloc_slot(ss);
	if (idx < 0) {
		mw_err("more than %d call sites to probe: watch fewer modules", MW_MAX_SITES);
		return idx;
	}
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.mw_sites), &idx, &site, BPF_ANY))
		return -errno;
	m->slots[m->nr_slots++] = idx;
	err = attach_site(prog, skel, m, cs, idx, site.class);
	if (err)
		mw_err("cannot kprobe %s+0x%llx in %s: %s", cs->func,
		       (unsigned long long)cs->func_off, m->name, strerror(-err));
	return err;
}

int mw_sites_attach(struct mw_sites *ss, struct modwatch_bpf *skel, struct mw_module *m,
		    const char *ko_path)
{
	struct mw_ko ko = {};
	size_t i;
	int err;

	err = mw_ko_read(ko_path, &ko);
	if (err)
		return err;
	m->links = calloc(2 * ko.nr_sites + 1, sizeof(*m->links));	/* acquires have two */
	m->slots = calloc(ko.nr_sites + 1, sizeof(*m->slots));
	if (!m->links || !m->slots) {
		err = -ENOMEM;
		goto cleanup;
	}
	snprintf(m->ko, sizeof(m->ko), "%s", ko_path);
	m->nr_sites = ko.nr_sites;
	for (i = 0; i < ko.nr_sites && !err; i++)
		err = probe_site(ss, skel, m, &ko.sites[i], ko_path);
	if (err)
		mw_sites_detach(ss, skel, m);
cleanup:
	mw_ko_free(&ko);
	return err;
}

void mw_sites_detach(struct mw_sites *ss, struct modwatch_bpf *skel, struct mw_module *m)
{
	int fd = bpf_map__fd(skel->maps.mw_sites);
	__u32 i;

	for (i = 0; i < m->nr_probes; i++)
		bpf_link__destroy(m->links[i]);
	for (i = 0; i < m->nr_slots; i++)
		free_slot(ss, fd, m->slots[i]);
	free(m->links);
	free(m->slots);
	m->links = NULL;
	m->slots = NULL;
	m->nr_probes = 0;
	m->nr_slots = 0;
}
