// SPDX-License-Identifier: GPL-2.0
/*
 * The .ko reader's call sites: a module's own calls to the functions of
 * MW_CALLEES, its entry points, and what the kernel lets modwatch probe.
 *
 * In a relocatable object a call to an external function is "e8 <rel32>"
 * (a tail call: "e9 <rel32>") with an R_X86_64_PLT32 (older toolchains:
 * PC32) relocation on the rel32 and addend -4, because the CPU adds the rel32
 * to the address of the next instruction, 4 bytes past the field. Any other
 * relocation against a callee (a lea of its address, a conditional jump) is
 * no call instruction a probe could sit on, and is skipped.
 *
 * The reader also says, per site, whether the kernel will accept a kprobe on
 * the call and on the instruction after it, from the same tables the kernel
 * consults (kernel/trace/trace_kprobe.c, kernel/kprobes.c): a function
 * without an ftrace location (__mcount_loc) is notrace, and trace_kprobe
 * refuses any address in it; jump labels (__jump_table), static calls
 * (.static_call_sites) and BUG() sites (__bug_table) are reserved text; and
 * the module's kprobe blacklist (_kprobe_blacklist, .kprobes.text,
 * .noinstr.text). Deciding here keeps one refusal from aborting a session.
 */
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "sites.h"
#include "ko/callees.h"
#include "ko/callsites.h"
#include "ko/elf.h"
#include "ko/ko_types.h"

#define X86_CALL_REL32	0xe8
#define X86_JMP_REL32	0xe9

static int ko_add_site(struct ko_reader *r, size_t shndx, const char *section, __u64 off,
		       __u8 callee, __u8 opcode)
{
	struct mw_ko *ko = r->ko;
	const struct ko_func *f;
	struct mw_callsite *s;

	if (ko->nr_sites == r->cap_sites) {
		size_t cap = r->cap_sites ? 2 * r->cap_sites : 64;

		s = realloc(ko->sites, cap * sizeof(*s));
		if (!s)
			return ko_nomem(r);
		ko->sites = s;
		r->cap_sites = cap;
	}
	s = &ko->sites[ko->nr_sites++];
	memset(s, 0, sizeof(*s));
	snprintf(s->section, sizeof(s->section), "%s", section);
	s->sec_off = off;
	s->callee = callee;
	s->shndx = shndx;
	s->opcode = opcode;
	f = ko_find_func(r, shndx, off);
	if (f)
		snprintf(s->func, sizeof(s->func), "%s", f->name);
	s->func_off = f ? off - f->value : off;
	return 0;
}

/* Calls @fn for every relocation of @rela; stops at the first error. */
int ko_each_rela(struct ko_reader *r, Elf_Scn *rela, const GElf_Shdr *rsh, ko_rela_fn fn,
		 void *ctx)
{
	Elf_Data *rd = elf_getdata(rela, NULL);
	GElf_Rela rel;
	size_t i, n;
	int err = 0;

	if (rsh->sh_link != r->symtab)
		return ko_malformed(r, "relocations against a second symbol table");
	if (!rd)
		return ko_malformed(r, elf_errmsg(-1));
	n = rd->d_size / gelf_fsize(r->elf, ELF_T_RELA, 1, EV_CURRENT);
	for (i = 0; i < n && !err; i++) {
		if (!gelf_getrela(rd, i, &rel))
			return ko_malformed(r, elf_errmsg(-1));
		if (GELF_R_SYM(rel.r_info) >= r->nr_syms)
			return ko_malformed(r, "relocation against a symbol past the symbol table");
		err = fn(r, &rel, ctx);
	}
	return err;
}

/* Where relocation @rel points: its symbol's section and value, plus the addend. */
static struct ko_loc ko_target(const struct ko_reader *r, const GElf_Rela *rel)
{
	struct ko_loc l = r->sym_loc[GELF_R_SYM(rel->r_info)];

	l.off += rel->r_addend;
	return l;
}

/* A code section being scanned for call sites. */
struct ko_code {
	size_t shndx;
	const char *name;
	const Elf_Data *data;
};

/* The opcode of the call or tail-call jmp whose rel32 @rel relocates, or 0 if it is none. */
static __u8 ko_call_op(const struct ko_code *c, const GElf_Rela *rel)
{
	size_t type = GELF_R_TYPE(rel->r_info);
	__u8 op;

	if ((type != R_X86_64_PLT32 && type != R_X86_64_PC32) || rel->r_addend != -4 ||
	    rel->r_offset < 1)
		return 0;
	op = ((const __u8 *)c->data->d_buf)[rel->r_offset - 1];
	return op == X86_CALL_REL32 || op == X86_JMP_REL32 ? op : 0;
}

/* A call or jmp of a callee: a site. */
static int ko_callee_rela(struct ko_reader *r, const struct ko_code *c, const GElf_Rela *rel)
{
	__u8 op = ko_call_op(c, rel);

	if (!op)
		return 0;
	return ko_add_site(r, c->shndx, c->name, rel->r_offset - 1,
			   r->callee_of[GELF_R_SYM(rel->r_info)], op);
}

/*
 * Past the pops of an epilogue at @off (pop %rax..%rsi: 58..5e, pop
 * %r8..%r15: 41 58..5f): they leave rdi alone, and a tail call (jmp) to
 * the lock function comes after them.
 */
static __u64 ko_skip_pops(const struct ko_code *c, __u64 off)
{
	const __u8 *b = c->data->d_buf;
	size_t n = c->data->d_size;

	for (;;) {
		if (off < n && b[off] >= 0x58 && b[off] <= 0x5e)
			off++;
		else if (off + 1 < n && b[off] == 0x41 && b[off + 1] >= 0x58 && b[off + 1] <= 0x5f)
			off += 2;
		else
			return off;
	}
}

/*
 * "mov $obj,%rdi" (48 c7 c7, R_X86_64_32S: S + A) or "lea obj(%rip),%rdi"
 * (48 8d 3d, R_X86_64_PC32 on the displacement, which counts from the end
 * of the instruction 4 bytes on: S + A + 4), with obj in a data section:
 * remembered, so a lock call right after it (or after an epilogue's pops)
 * names a static lock.
 */
static int ko_rdi_rela(struct ko_reader *r, const struct ko_code *c, const GElf_Rela *rel)
{
	static const __u8 mov[3] = { 0x48, 0xc7, 0xc7 }, lea[3] = { 0x48, 0x8d, 0x3d };
	const __u8 *op = (const __u8 *)c->data->d_buf + rel->r_offset - 3;
	size_t type = GELF_R_TYPE(rel->r_info);
	struct ko_loc obj = ko_target(r, rel);
	struct ko_rdi *d;

	if (rel->r_offset < 3)
		return 0;
	if (type == R_X86_64_PC32 && !memcmp(op, lea, 3))
		obj.off += 4;
	else if (type != R_X86_64_32S || memcmp(op, mov, 3))
		return 0;
	if (obj.shndx >= r->nr_scns || !r->scns[obj.shndx].data)
		return 0;
	d = ko_push(&r->rdi, sizeof(*d));
	if (!d)
		return ko_nomem(r);
	d->shndx = c->shndx;
	d->end = ko_skip_pops(c, rel->r_offset + 4);
	d->obj = obj;
	return 0;
}

static int ko_code_rela(struct ko_reader *r, const GElf_Rela *rel, void *ctx)
{
	const struct ko_code *c = ctx;

	if (c->data->d_size < 4 || rel->r_offset > c->data->d_size - 4)
		return ko_malformed(r, "relocation past the end of its section");
	if (r->callee_of[GELF_R_SYM(rel->r_info)])
		return ko_callee_rela(r, c, rel);
	if (r->family_of[GELF_R_SYM(rel->r_info)] && ko_call_op(c, rel))
		r->blind_calls[GELF_R_SYM(rel->r_info)]++;
	return ko_rdi_rela(r, c, rel);
}

/*
 * The symbol range kallsyms would report for @off: from the last symbol
 * at or before it to the next one (or the section's end). trace_kprobe
 * takes "notrace" from there, and the kprobe blacklist its ranges.
 */
static void ko_sym_range(const struct ko_reader *r, size_t shndx, __u64 off, __u64 *lo, __u64 *hi)
{
	const struct ko_loc *b = r->bounds.v;
	size_t l = 0, h = r->bounds.n;

	while (l < h) {
		size_t mid = l + (h - l) / 2;

		if (b[mid].shndx < shndx || (b[mid].shndx == shndx && b[mid].off <= off))
			l = mid + 1;
		else
			h = mid;
	}
	*lo = l && b[l - 1].shndx == shndx ? b[l - 1].off : 0;
	*hi = l < r->bounds.n && b[l].shndx == shndx ? b[l].off : r->scns[shndx].size;
}

/* Entries of the special tables: what the kernel will refuse to probe. */
enum ko_table {
	KO_MCOUNT,		/* __mcount_loc: the ftrace locations */
	KO_JUMP,		/* __jump_table: struct jump_entry, 16 bytes, code first */
	KO_STATIC_CALL,		/* .static_call_sites: the call, then the key */
	KO_BUG,			/* __bug_table: the ud2, then its file name */
	KO_BLACKLIST,		/* _kprobe_blacklist: NOKPROBE_SYMBOL() functions */
};

/* x86 JUMP_LABEL_NOP_SIZE and CALL_INSN_SIZE: the bytes a jump label or static call patches. */
#define X86_PATCH_SIZE	5

static int ko_table_rela(struct ko_reader *r, const GElf_Rela *rel, void *ctx)
{
	enum ko_table t = *(enum ko_table *)ctx;
	struct ko_loc l = ko_target(r, rel);
	__u64 lo, hi;

	/* Other fields point at data (keys, file names), or at jump targets in __jump_table. */
	if (!ko_is_code(r, l.shndx) || (t == KO_JUMP && rel->r_offset % 16))
		return 0;
	switch (t) {
	case KO_MCOUNT:
		return ko_add_loc(r, &r->ftrace, l.shndx, l.off);
	case KO_JUMP:
		return ko_add_reserved(r, l.shndx, l.off, l.off + X86_PATCH_SIZE, MW_SKIP_JUMP_LABEL);
	case KO_STATIC_CALL:
		return ko_add_reserved(r, l.shndx, l.off, l.off + X86_PATCH_SIZE,
				       MW_SKIP_STATIC_CALL);
	case KO_BUG:
		return ko_add_reserved(r, l.shndx, l.off, l.off + 1, MW_SKIP_BUG);
	case KO_BLACKLIST:
		ko_sym_range(r, l.shndx, l.off, &lo, &hi);
		return ko_add_reserved(r, l.shndx, lo, hi, MW_SKIP_BLACKLIST);
	}
	return 0;
}

static bool ko_table_of(const char *name, enum ko_table *t)
{
	static const struct {
		const char *name;
		enum ko_table t;
	} tables[] = {
		{ "__mcount_loc", KO_MCOUNT },
		{ "__jump_table", KO_JUMP },
		{ ".static_call_sites", KO_STATIC_CALL },
		{ "__bug_table", KO_BUG },
		{ "_kprobe_blacklist", KO_BLACKLIST },
	};
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (!strcmp(name, tables[i].name)) {
			*t = tables[i].t;
			return true;
		}
	return false;
}

/*
 * Sections whose function pointers are the module's entry points: the ops
 * tables (file_operations, proc_ops, seq_operations...) are data, const or
 * not. Init and exit data, the module struct (init and exit), the symbol
 * tables and the special tables above are no entry points a task calls.
 */
static bool ko_ops_section(const char *name)
{
	return !strncmp(name, ".data", strlen(".data")) ||
	       !strncmp(name, ".rodata", strlen(".rodata"));
}

/* A pointer in data to the start of a function of the module: an entry point. */
static int ko_entry_rela(struct ko_reader *r, const GElf_Rela *rel, void *ctx)
{
	struct ko_loc l = ko_target(r, rel);
	const struct ko_func *f;

	(void)ctx;
	if (GELF_R_TYPE(rel->r_info) != R_X86_64_64 || !ko_is_code(r, l.shndx))
		return 0;
	f = ko_find_func(r, l.shndx, l.off);
	if (!f || f->value != l.off)
		return 0;
	return ko_add_loc(r, &r->entries, l.shndx, l.off);
}

/* One site per entry point, however many tables point to it. */
static int ko_add_entries(struct ko_reader *r)
{
	const struct ko_loc *e = r->entries.v;
	size_t i;
	int err = 0;

	ko_sort_locs(&r->entries);
	for (i = 0; i < r->entries.n && !err; i++)
		if (!i || e[i].shndx != e[i - 1].shndx || e[i].off != e[i - 1].off)
			err = ko_add_site(r, e[i].shndx, r->scns[e[i].shndx].name, e[i].off,
					  MW_CALLEE_ENTRY, 0);
	return err;
}

static int ko_scan_rela(struct ko_reader *r, Elf_Scn *rela, const GElf_Shdr *rsh)
{
	size_t target = rsh->sh_info;
	struct ko_code c = { .shndx = target };
	enum ko_table t;
	Elf_Scn *code;

	/* Section 0 is SHN_UNDEF, no section: it has no name, nor bytes to relocate. */
	if (!target || target >= r->nr_scns)
		return ko_malformed(r, "relocations for a section that does not exist");
	c.name = r->scns[target].name;
	if (ko_table_of(c.name, &t))
		return ko_each_rela(r, rela, rsh, ko_table_rela, &t);
	if (r->scns[target].data && c.name && ko_ops_section(c.name))
		return ko_each_rela(r, rela, rsh, ko_entry_rela, NULL);
	/* .altinstr_replacement is copied over .text at load: its calls never run there. */
	if (!r->scns[target].code || !strcmp(c.name, ".altinstr_replacement"))
		return 0;
	code = elf_getscn(r->elf, target);
	c.data = code ? elf_getdata(code, NULL) : NULL;
	if (!c.data)
		return ko_malformed(r, elf_errmsg(-1));
	/* Empty code (libelf gives no buffer): any relocation in it is past its end. */
	if (!c.data->d_size || !c.data->d_buf)
		return rsh->sh_size ? ko_malformed(r, "relocations for an empty code section") : 0;
	return ko_each_rela(r, rela, rsh, ko_code_rela, &c);
}

int ko_scan_relocs(struct ko_reader *r)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int err = 0;

	while (!err && (scn = elf_nextscn(r->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_RELA)
			err = ko_scan_rela(r, scn, &sh);
	if (err)
		return err;
	ko_sort_locs(&r->ftrace);
	return ko_add_entries(r);
}

/* Does [lo, hi) of section @shndx hold an ftrace location (an __fentry__ call)? */
static bool ko_traced(const struct ko_reader *r, size_t shndx, __u64 lo, __u64 hi)
{
	return ko_any_loc(&r->ftrace, shndx, lo, hi);
}

/* Why the kernel would refuse a kprobe at @off of section @shndx; MW_SKIP_NONE if it would not. */
__u8 ko_skip_at(const struct ko_reader *r, size_t shndx, __u64 off)
{
	const struct ko_range *x = r->reserved.v;
	const char *name = r->scns[shndx].name;
	__u64 lo, hi;
	size_t i;

	if (!strncmp(name, ".init", 5))
		return MW_SKIP_INIT;
	if (!strcmp(name, ".exit.text"))
		return MW_SKIP_EXIT;
	for (i = 0; i < r->reserved.n; i++)
		if (x[i].shndx == shndx && x[i].skip == MW_SKIP_BLACKLIST && off - x[i].lo < x[i].hi - x[i].lo)
			return MW_SKIP_BLACKLIST;
	ko_sym_range(r, shndx, off, &lo, &hi);
	if (!ko_traced(r, shndx, lo, hi))
		return MW_SKIP_NOTRACE;
	for (i = 0; i < r->reserved.n; i++)
		if (x[i].shndx == shndx && off - x[i].lo < x[i].hi - x[i].lo)
			return x[i].skip;
	return MW_SKIP_NONE;
}

/* The static object loaded into rdi right before site @s, if any. */
static void ko_find_arg(const struct ko_reader *r, struct mw_callsite *s)
{
	const struct ko_rdi *d = r->rdi.v;
	size_t i;

	for (i = 0; i < r->rdi.n; i++)
		if (d[i].shndx == s->shndx && d[i].end == s->sec_off) {
			snprintf(s->arg_section, sizeof(s->arg_section), "%s",
				 r->scns[d[i].obj.shndx].name);
			s->arg_off = d[i].obj.off;
			return;
		}
}

/* What the kernel will let modwatch probe at each site, and its static first argument. */
void ko_classify(const struct ko_reader *r)
{
	struct mw_callsite *s;
	__u64 lo, hi;
	size_t i;

	for (i = 0; i < r->ko->nr_sites; i++) {
		s = &r->ko->sites[i];
		s->skip = ko_skip_at(r, s->shndx, s->sec_off);
		ko_sym_range(r, s->shndx, s->sec_off, &lo, &hi);
		s->skip_next = s->sec_off + 5 >= hi ? MW_SKIP_NO_NEXT :
						      ko_skip_at(r, s->shndx, s->sec_off + 5);
		ko_find_arg(r, s);
	}
}

static int cmp_blind(const void *a, const void *b)
{
	const struct mw_blind *x = a, *y = b;

	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The imports of the families modwatch does not know that the module calls. */
int ko_collect_blind(struct ko_reader *r)
{
	struct mw_ko *ko = r->ko;
	Elf_Data *data = elf_getdata(elf_getscn(r->elf, r->symtab), NULL);
	GElf_Shdr sh;
	GElf_Sym sym;
	size_t i, n = 0;

	for (i = 0; i < r->nr_syms; i++)
		n += r->blind_calls[i] > 0;
	if (!n || !data || !gelf_getshdr(elf_getscn(r->elf, r->symtab), &sh))
		return 0;
	ko->blind = calloc(n, sizeof(*ko->blind));
	if (!ko->blind)
		return ko_nomem(r);
	for (i = 0; i < r->nr_syms; i++) {
		struct mw_blind *b = &ko->blind[ko->nr_blind];
		const char *name;

		if (!r->blind_calls[i] || !gelf_getsym(data, i, &sym))
			continue;
		name = elf_strptr(r->elf, sh.sh_link, sym.st_name);
		snprintf(b->name, sizeof(b->name), "%s", name ? name : "?");
		b->family = ko_family_name(r->family_of[i]);
		b->calls = r->blind_calls[i];
		ko->nr_blind++;
	}
	qsort(ko->blind, ko->nr_blind, sizeof(*ko->blind), cmp_blind);
	return 0;
}
