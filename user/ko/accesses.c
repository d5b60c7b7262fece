// SPDX-License-Identifier: GPL-2.0
/*
 * A module's own memory accesses (issue 29, --deep), from its .ko: every
 * function the symbol table sizes is decoded with capstone (decoding
 * restarts at each function, so padding and data between functions never
 * shift it), and each instruction with a memory operand is kept or put in
 * a class saying why not (accesses.h). Kept are the data accesses through a
 * general register that may point into the heap: not the stack (rsp), the
 * module's own statics (rip-relative, or a relocated displacement), per-cpu
 * or TLS data (gs:/fs:), absolute addresses, nor string instructions whose
 * length is in rcx. Then where the kernel would refuse a kprobe, as for call
 * sites (callsites.c: ko_skip_at()). The module is built without frame
 * pointers (Debian's kernels use ORC), so rbp is a general register here.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include "ko/accesses.h"
#include "ko/callsites.h"
#include "ko/elf.h"
#include "ko/ko.h"
#include "lib/error.h"

struct acc_ctx {
	struct ko_reader r;
	struct mw_ko scratch;		/* the call sites ko_scan_relocs() finds on the way */
	struct mw_accesses *out;
	const char *const *globs;
	int nr_globs;
	struct ko_vec relocs;		/* struct ko_loc: relocated bytes in code, sorted */
	struct ko_vec sites;		/* struct mw_access_site */
	struct ko_vec funcs;		/* char *: out->funcs */
	csh cs;
	cs_insn *insn;
};

/* The general registers' names by size (64, 32, 16, 8 bits, high 8), by enum mw_reg. */
static const x86_reg acc_gprs[MW_REG_NR][5] = {
	[MW_REG_R15] = { X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B },
	[MW_REG_R14] = { X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B },
	[MW_REG_R13] = { X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B },
	[MW_REG_R12] = { X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B },
	[MW_REG_BP] = { X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL },
	[MW_REG_BX] = { X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH },
	[MW_REG_R11] = { X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B },
	[MW_REG_R10] = { X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B },
	[MW_REG_R9] = { X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B },
	[MW_REG_R8] = { X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B },
	[MW_REG_AX] = { X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH },
	[MW_REG_CX] = { X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH },
	[MW_REG_DX] = { X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH },
	[MW_REG_SI] = { X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL },
	[MW_REG_DI] = { X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL },
	[MW_REG_SP] = { X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL },
};

/* @reg's word in struct pt_regs (a sub-register: its whole register's); MW_REG_NONE if none. */
static __u8 acc_reg(x86_reg reg)
{
	int i, j;

	for (i = 0; i < MW_REG_NR; i++)
		for (j = 0; j < 5 && acc_gprs[i][j]; j++)
			if (acc_gprs[i][j] == reg)
				return i;
	return MW_REG_NONE;
}

/* Instructions whose memory operand is an address, not data the CPU loads or stores. */
static bool acc_no_data(unsigned int id)
{
	switch (id) {
	case X86_INS_LEA:
	case X86_INS_NOP:
	case X86_INS_PREFETCH:
	case X86_INS_PREFETCHNTA:
	case X86_INS_PREFETCHT0:
	case X86_INS_PREFETCHT1:
	case X86_INS_PREFETCHT2:
	case X86_INS_PREFETCHW:
	case X86_INS_CLFLUSH:
	case X86_INS_CLFLUSHOPT:
	case X86_INS_CLWB:
	case X86_INS_INVLPG:
		return true;
	}
	return false;
}

/* movs, cmps, stos, lods, scas, ins, outs: one-byte opcodes; a rep prefix repeats them rcx times. */
static bool acc_string(const cs_x86 *x)
{
	__u8 op = x->opcode[0];

	return (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) ||
	       (op >= 0x6c && op <= 0x6f);
}

static const cs_x86_op *acc_mem_op(const cs_x86 *x)
{
	int i;

	for (i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM)
			return &x->operands[i];
	return NULL;
}

/* The class of memory operand @op's address; MW_ACC_KEPT fills @d's registers. */
static int acc_address(const cs_x86 *x, const cs_x86_op *op, struct mw_access_desc *d)
{
	x86_reg base = op->mem.base, index = op->mem.index;

	if (op->mem.segment != X86_REG_INVALID)
		return MW_ACC_SEGMENT;
	if (base == X86_REG_INVALID)
		return MW_ACC_ABSOLUTE;
	if (base == X86_REG_RIP || base == X86_REG_EIP)
		return MW_ACC_RIP;
	if (acc_reg(base) == MW_REG_SP)
		return MW_ACC_STACK;
	if (x->addr_size != 8)
		return MW_ACC_ADDR32;
	if (index == X86_REG_RIZ || index == X86_REG_EIZ)
		index = X86_REG_INVALID;
	d->base = acc_reg(base);
	d->index = index == X86_REG_INVALID ? MW_REG_NONE : acc_reg(index);
	if (d->base == MW_REG_NONE || (index != X86_REG_INVALID && d->index == MW_REG_NONE))
		return MW_ACC_ODD;
	d->scale = op->mem.scale;
	d->size = op->size;
	d->disp = (__s32)op->mem.disp;
	d->flags = (op->access & CS_AC_READ ? MW_ACC_READ : 0) |
		   (op->access & CS_AC_WRITE ? MW_ACC_WRITE : 0);
	return MW_ACC_KEPT;
}

/* The class of instruction @in at @off of section @shndx; -1 if it has no memory operand. */
static int acc_class(const struct acc_ctx *c, size_t shndx, const cs_insn *in,
		     struct mw_access_desc *d)
{
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_op *op = acc_mem_op(x);
	int cls;

	if (!op)
		return -1;
	if (acc_no_data(in->id))
		return MW_ACC_NOMEM;
	if (acc_string(x))
		return MW_ACC_STRING;
	if (!(op->access & (CS_AC_READ | CS_AC_WRITE)))
		return MW_ACC_UNACCESSED;
	cls = acc_address(x, op, d);
	if (cls != MW_ACC_KEPT)
		return cls;
	if (x->encoding.disp_offset &&
	    ko_any_loc(&c->relocs, shndx, in->address + x->encoding.disp_offset,
		       in->address + x->encoding.disp_offset + x->encoding.disp_size))
		return MW_ACC_RELOCATED;
	return MW_ACC_KEPT;
}

/* Counts instruction @in of function @f (out->funcs[@fi]) and keeps it if it is an access. */
static int acc_insn(struct acc_ctx *c, const struct ko_func *f, __u32 fi, const cs_insn *in)
{
	struct mw_accesses *out = c->out;
	struct mw_access_desc d = { 0 };
	struct mw_access_site *a;
	int cls = acc_class(c, f->shndx, in, &d);
	__u8 skip;

	out->insns++;
	if (cls < 0)
		return 0;
	skip = cls == MW_ACC_KEPT ? ko_skip_at(&c->r, f->shndx, in->address) : MW_SKIP_NONE;
	if (skip) {
		out->refused[skip]++;
		cls = MW_ACC_REFUSED;
	}
	out->classes[cls]++;
	if (cls != MW_ACC_KEPT)
		return 0;
	out->reads += !!(d.flags & MW_ACC_READ);
	out->writes += !!(d.flags & MW_ACC_WRITE);
	a = ko_push(&c->sites, sizeof(*a));
	if (!a)
		return ko_nomem(&c->r);
	a->desc = d;
	a->sec_off = in->address;
	a->shndx = f->shndx;
	a->func = fi;
	a->func_off = in->address - f->value;
	a->len = in->size;
	memcpy(a->bytes, in->bytes, in->size < sizeof(a->bytes) ? in->size : sizeof(a->bytes));
	return 0;
}

static bool acc_wanted(const struct acc_ctx *c, const char *name)
{
	int i;

	for (i = 0; i < c->nr_globs; i++)
		if (!fnmatch(c->globs[i], name, 0))
			return true;
	return !c->nr_globs;
}

/* Section @shndx's name in out->sections, on its first decoded function. */
static int acc_section(struct acc_ctx *c, size_t shndx)
{
	struct mw_accesses *out = c->out;

	if (!out->sections) {
		out->sections = calloc(c->r.nr_scns, sizeof(*out->sections));
		if (!out->sections)
			return ko_nomem(&c->r);
		out->nr_sections = c->r.nr_scns;
	}
	if (!out->sections[shndx] && !(out->sections[shndx] = strdup(c->r.scns[shndx].name)))
		return ko_nomem(&c->r);
	return 0;
}

/* Decodes function @f, whose bytes are @code, from its first byte to its size. */
static int acc_func(struct acc_ctx *c, const struct ko_func *f, const __u8 *code)
{
	char **name = ko_push(&c->funcs, sizeof(*name));
	__u32 fi = c->funcs.n - 1;
	size_t size = f->size;
	uint64_t addr = f->value;
	int err = 0;

	if (!name || !(*name = strdup(f->name)) || acc_section(c, f->shndx))
		return ko_nomem(&c->r);
	while (!err && size && cs_disasm_iter(c->cs, &code, &size, &addr, c->insn))
		err = acc_insn(c, f, fi, c->insn);
	/* Past bytes it cannot decode, instruction boundaries are a guess: stop there. */
	c->out->undecodable += !err && size;
	return err;
}

/*
 * The functions, once each: of aliases (one address, several FUNC symbols)
 * the one kallsyms names, as for call sites. Code the kernel copies
 * elsewhere at load (.altinstr_replacement) never runs where it lies.
 */
static int acc_funcs(struct acc_ctx *c)
{
	const struct ko_reader *r = &c->r;
	const struct ko_func *f, *prev = NULL;
	const Elf_Data *d;
	size_t i;
	int err = 0;

	for (i = 0; i < r->nr_funcs && !err; i++) {
		f = ko_find_func(r, r->funcs[i].shndx, r->funcs[i].value);
		if (f == prev || !f || !strcmp(r->scns[f->shndx].name, ".altinstr_replacement"))
			continue;
		prev = f;
		if (!f->size) {
			c->out->unsized++;
			continue;
		}
		if (!acc_wanted(c, f->name))
			continue;
		d = elf_getdata(elf_getscn(r->elf, f->shndx), NULL);
		if (!d || !d->d_buf || f->value > d->d_size || f->size > d->d_size - f->value)
			return ko_malformed(&c->r, "a function past the end of its section");
		err = acc_func(c, f, (const __u8 *)d->d_buf + f->value);
	}
	return err;
}

struct acc_rela {
	struct acc_ctx *c;
	size_t shndx;
};

static int acc_reloc(struct ko_reader *r, const GElf_Rela *rel, void *ctx)
{
	struct acc_rela *a = ctx;

	return ko_add_loc(r, &a->c->relocs, a->shndx, rel->r_offset);
}

/* Where relocations patch code: those bytes are a symbol's address, once loaded. */
static int acc_relocs(struct acc_ctx *c)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int err = 0;

	while (!err && (scn = elf_nextscn(c->r.elf, scn))) {
		struct acc_rela a = { .c = c };

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA)
			continue;
		a.shndx = sh.sh_info;
		if (ko_is_code(&c->r, a.shndx))
			err = ko_each_rela(&c->r, scn, &sh, acc_reloc, &a);
	}
	ko_sort_locs(&c->relocs);
	return err;
}

static int acc_capstone(struct acc_ctx *c)
{
	cs_err err = cs_open(CS_ARCH_X86, CS_MODE_64, &c->cs);

	if (err == CS_ERR_OK)
		err = cs_option(c->cs, CS_OPT_DETAIL, CS_OPT_ON);
	if (err == CS_ERR_OK && !(c->insn = cs_malloc(c->cs)))
		err = CS_ERR_MEM;
	if (err == CS_ERR_MEM)
		return ko_nomem(&c->r);
	if (err != CS_ERR_OK) {
		mw_err("cannot decode %s: capstone: %s", c->r.path, cs_strerror(err));
		return -ENOTSUP;
	}
	return 0;
}

/* The reader's parse up to what the kernel would refuse (ko.c's, without the names). */
static int acc_parse(struct acc_ctx *c)
{
	int err;

	if (!c->r.elf)
		return ko_malformed(&c->r, elf_errmsg(-1));
	err = ko_check_header(&c->r);
	if (!err)
		err = ko_load_scns(&c->r);
	if (!err)
		err = ko_load_symbols(&c->r);
	if (!err)
		err = ko_scan_relocs(&c->r);
	if (!err)
		err = acc_relocs(c);
	if (!err)
		err = acc_capstone(c);
	if (!err)
		err = acc_funcs(c);
	return err;
}

int mw_ko_accesses(const char *ko_path, const char *const *globs, int nr_globs,
		   struct mw_accesses *out)
{
	struct acc_ctx c = { .out = out, .globs = globs, .nr_globs = nr_globs };
	int err;

	memset(out, 0, sizeof(*out));
	c.r.ko = &c.scratch;
	err = ko_reader_open(&c.r, ko_path);
	if (err)
		return err;
	err = acc_parse(&c);
	if (c.insn)
		cs_free(c.insn, 1);
	if (c.cs)
		cs_close(&c.cs);
	ko_reader_close(&c.r);
	mw_ko_free(&c.scratch);
	free(c.relocs.v);
	out->sites = c.sites.v;
	out->nr_sites = c.sites.n;
	out->funcs = c.funcs.v;
	out->nr_funcs = c.funcs.n;
	if (err)
		mw_accesses_free(out);
	return err;
}

void mw_accesses_free(struct mw_accesses *a)
{
	size_t i;

	for (i = 0; i < a->nr_sections; i++)
		free(a->sections[i]);
	for (i = 0; i < a->nr_funcs; i++)
		free(a->funcs[i]);
	free(a->sections);
	free(a->funcs);
	free(a->sites);
	memset(a, 0, sizeof(*a));
}

#define MW_ACC_NAME(id, name, desc) name,
const char *mw_acc_class_name(unsigned int c)
{
	static const char *const names[] = { MW_ACC_CLASSES(MW_ACC_NAME) };

	return c < MW_ACC_NR ? names[c] : "unknown";
}
#undef MW_ACC_NAME
