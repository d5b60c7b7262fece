// SPDX-License-Identifier: GPL-2.0
/*
 * The memory-access reader (user/ko/accesses.c, --deep), checked against
 * objdump's disassembly of the test modules: the instructions it keeps are
 * exactly those objdump shows with a memory operand through a general
 * register other than rsp (no lea, nop, string op, segment override), with
 * the right function, size, direction and address registers; its counts
 * add up; globs limit it; a bad file is one line and -errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include "deep.h"
#include "ko/accesses.h"
#include "test.h"

static void ko_path(const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s.ko", mw_test_modules_dir(), name);
}

/* An instruction as objdump -d shows it. */
struct ref_insn {
	char section[64], func[128];
	unsigned long long addr, func_addr, len;
	char text[160];
};

#define MAX_REF_INSNS	8192

static struct ref_insn insns[MAX_REF_INSNS];

/* Every instruction of @ko's code sections, into insns[]; their number or -1. */
static int objdump_insns(const char *ko)
{
	char cmd[PATH_MAX + 64], line[512], func[128] = "", section[64] = "";
	unsigned long long addr, func_addr = 0;
	int n = 0, off;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "LC_ALL=C objdump -d --no-show-raw-insn '%s'", ko);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p) && n < MAX_REF_INSNS) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "Disassembly of section %63[^:]:", section) == 1)
			continue;
		if (sscanf(line, "%llx <%127[^>]>:", &addr, func) == 2) {
			func_addr = addr;
			continue;
		}
		if (sscanf(line, " %llx:\t%n", &addr, &off) != 1 || !off)
			continue;
		if (n && insns[n - 1].addr < addr && !strcmp(insns[n - 1].func, func))
			insns[n - 1].len = addr - insns[n - 1].addr;
		snprintf(insns[n].section, sizeof(insns[n].section), "%s", section);
		snprintf(insns[n].func, sizeof(insns[n].func), "%s", func);
		snprintf(insns[n].text, sizeof(insns[n].text), "%s", line + off);
		insns[n].addr = addr;
		insns[n].func_addr = func_addr;
		insns[n].len = 0;
		n++;
	}
	return pclose(p) == 0 && n < MAX_REF_INSNS ? n : -1;
}

/* The module's FUNC symbols as objdump -t shows them: aliases share an address. */
struct ref_sym {
	char section[64], name[128];
	unsigned long long addr;
};

#define MAX_REF_SYMS	4096

static struct ref_sym syms[MAX_REF_SYMS];
static int nr_syms;

static int objdump_syms(const char *ko)
{
	char cmd[PATH_MAX + 64], line[512];
	struct ref_sym *y;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "LC_ALL=C objdump -t '%s'", ko);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	for (nr_syms = 0; fgets(line, sizeof(line), p) && nr_syms < MAX_REF_SYMS;) {
		y = &syms[nr_syms];
		/* "00000000000008e0 l     F .text	000000000000004c clean_uaf_mutex" */
		if (strlen(line) > 24 && line[23] == 'F' &&
		    sscanf(line, "%llx %*[^F]F %63s %*x %127s", &y->addr, y->section, y->name) == 3)
			nr_syms++;
	}
	return pclose(p) == 0 ? nr_syms : -1;
}

/* Is @name a FUNC symbol at @addr of @section? */
static bool is_func(const char *section, unsigned long long addr, const char *name)
{
	int i;

	for (i = 0; i < nr_syms; i++)
		if (syms[i].addr == addr && !strcmp(syms[i].section, section) &&
		    !strcmp(syms[i].name, name))
			return true;
	return false;
}

/*
 * Does objdump's @text access memory through a general register but rsp?
 * Not a lea, nor a nop (padding: "data16 cs nopw ..."), prefetch or
 * clflush, nor a string instruction (objdump shows them with %es:(%rdi)
 * or %ds:(%rsi)); not through a segment override.
 */
static bool ref_is_access(const char *text)
{
	static const char *const no[] = { "nop", "prefetch", "clflush", "%es:", "%ds:", "%gs:",
					   "%fs:", "(%rsp", "(%rip" };
	size_t i;

	if (!strstr(text, "(%r") || !strncmp(text, "lea", 3))
		return false;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strstr(text, no[i]))
			return false;
	return true;
}

static const struct mw_access_site *find_site(const struct mw_accesses *a, const char *func,
					 unsigned long long func_off)
{
	size_t i;

	for (i = 0; i < a->nr_sites; i++)
		if (!strcmp(a->funcs[a->sites[i].func], func) && a->sites[i].func_off == func_off)
			return &a->sites[i];
	return NULL;
}

static const struct ref_insn *find_ref(int n, const char *func, const char *text)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(insns[i].func, func) && !strcmp(insns[i].text, text))
			return &insns[i];
	return NULL;
}

/* The kept site at objdump's instruction @r; NULL if none. */
static const struct mw_access_site *site_at(const struct mw_accesses *a, const struct ref_insn *r)
{
	size_t i;

	for (i = 0; i < a->nr_sites; i++)
		if (a->sites[i].sec_off == r->addr &&
		    !strcmp(a->sections[a->sites[i].shndx], r->section))
			return &a->sites[i];
	return NULL;
}

/* The counts add up, and every kept site is one a probe can rebuild. */
static void check_consistent(const struct mw_accesses *a)
{
	__u64 both = 0, refused = 0, sum = 0;
	size_t i;

	for (i = 0; i < MW_SKIP_NR; i++)
		refused += a->refused[i];
	for (i = 0; i < MW_ACC_NR; i++)
		sum += a->classes[i];
	ASSERT_EQ(a->refused[MW_SKIP_NONE], 0, "a refusal has a reason");
	ASSERT_EQ(refused, a->classes[MW_ACC_REFUSED], "refusals by reason add up");
	ASSERT_EQ(a->classes[MW_ACC_KEPT], a->nr_sites, "one site per kept instruction");
	ASSERT_TRUE(sum <= a->insns, "classified instructions are decoded ones");
	for (i = 0; i < a->nr_sites; i++) {
		const struct mw_access_site *s = &a->sites[i];

		both += s->desc.flags == (MW_ACC_READ | MW_ACC_WRITE);
		ASSERT_TRUE(s->desc.flags && !(s->desc.flags & ~(MW_ACC_READ | MW_ACC_WRITE)),
			    "a kept access reads or writes");
		ASSERT_TRUE(s->desc.base < MW_REG_NR && s->desc.base != MW_REG_SP &&
			    s->desc.base != MW_REG_IP, "the base is a general register, not rsp");
		ASSERT_TRUE(s->desc.index == MW_REG_NONE ||
			    (s->desc.index < MW_REG_NR && s->desc.index != MW_REG_SP),
			    "the index is none or a general register");
		ASSERT_TRUE(s->desc.scale == 1 || s->desc.scale == 2 || s->desc.scale == 4 ||
			    s->desc.scale == 8, "scale");
		ASSERT_TRUE(s->desc.size >= 1 && s->desc.size <= 64, "size");
		ASSERT_TRUE(s->len >= 2 && s->len <= 15, "an x86 instruction's length");
		ASSERT_TRUE(!s->desc.site && !s->desc.module_id, "set once loaded");
		ASSERT_TRUE(s->func < a->nr_funcs && s->shndx < a->nr_sections &&
			    a->sections[s->shndx], "function and section named");
		ASSERT_TRUE(s->sec_off >= s->func_off, "inside its function");
	}
	ASSERT_EQ(a->reads + a->writes - both, a->classes[MW_ACC_KEPT],
		  "reads + writes - read-modify-writes = kept");
}

TEST(accesses_of_mw_buggy_add_up)
{
	struct mw_accesses a;
	char path[PATH_MAX];

	ko_path("mw_buggy", path, sizeof(path));
	ASSERT_OK(mw_ko_accesses(path, NULL, 0, &a), "reading mw_buggy.ko");
	check_consistent(&a);
	if (!mw_test_failed()) {
		ASSERT_GT(a.classes[MW_ACC_KEPT], 10, "kept accesses");
		ASSERT_GT(a.reads, 0, "kept reads");
		ASSERT_GT(a.writes, 0, "kept writes");
		ASSERT_GT(a.classes[MW_ACC_STACK], 0, "stack accesses skipped");
		ASSERT_GT(a.classes[MW_ACC_RIP], 0, "rip-relative ones skipped");
		ASSERT_GT(a.classes[MW_ACC_SEGMENT], 0, "the stack protector's %gs: skipped");
		ASSERT_GT(a.classes[MW_ACC_NOMEM], 0, "nops and leas skipped");
		ASSERT_EQ(a.undecodable, 0, "capstone decodes all of it");
	}
	mw_accesses_free(&a);
}

/*
 * objdump's instructions through a general register but rsp are the kept
 * ones (or refused by the kernel: counted, not kept), in the function
 * objdump names there; and each kept one is such an instruction.
 */
static void check_against_objdump(const char *module)
{
	struct mw_accesses a;
	char path[PATH_MAX];
	const struct mw_access_site *s;
	int n, i, ref = 0;

	ko_path(module, path, sizeof(path));
	n = objdump_insns(path);
	ASSERT_GT(n, 100, "objdump -d of the test module");
	ASSERT_GT(objdump_syms(path), 10, "objdump -t of the test module");
	ASSERT_OK(mw_ko_accesses(path, NULL, 0, &a), "reading the test module");
	for (i = 0; i < n; i++) {
		if (!ref_is_access(insns[i].text))
			continue;
		ref++;
		s = site_at(&a, &insns[i]);
		if (!s)
			continue;	/* refused: the count below says how many */
		/* objdump names one of the aliases, the reader kallsyms's: either is the function. */
		ASSERT_TRUE(is_func(insns[i].section, insns[i].func_addr, a.funcs[s->func]),
			    insns[i].text);
		ASSERT_EQ(s->func_off, insns[i].addr - insns[i].func_addr, insns[i].text);
		ASSERT_TRUE(!insns[i].len || s->len == insns[i].len, insns[i].text);
	}
	ASSERT_EQ(ref, a.classes[MW_ACC_KEPT] + a.classes[MW_ACC_REFUSED],
		  "objdump's accesses through a general register");
	mw_accesses_free(&a);
}

TEST(accesses_are_objdumps_register_accesses)
{
	check_against_objdump("mw_buggy");
	if (!mw_test_failed())
		check_against_objdump("mw_clean");
}

/* Instruction @text of function @func, as objdump shows it, found with these fields. */
static void check_one(const struct mw_accesses *a, int n, const char *func, const char *text,
		      __u8 size, __u8 flags, __u8 base, __s32 disp)
{
	const struct ref_insn *r = find_ref(n, func, text);
	const struct mw_access_site *s;

	ASSERT_TRUE(r, text);
	s = find_site(a, func, r->addr - r->func_addr);
	ASSERT_TRUE(s, text);
	ASSERT_EQ(s->desc.size, size, text);
	ASSERT_EQ(s->desc.flags, flags, text);
	ASSERT_EQ(s->desc.base, base, text);
	ASSERT_EQ(s->desc.index, MW_REG_NONE, text);
	ASSERT_EQ(s->desc.scale, 1, text);
	ASSERT_EQ(s->desc.disp, disp, text);
	ASSERT_EQ(s->len, r->len, text);
}

/*
 * Hand-picked from objdump -d of mw_buggy.ko: buggy_uninit_partial()
 * writes a byte and a long into the object kmalloc() just returned (in
 * rax), after reading a 4-byte field of its argument.
 */
TEST(accesses_hand_picked_from_objdump)
{
	struct mw_accesses a;
	char path[PATH_MAX];
	int n;

	ko_path("mw_buggy", path, sizeof(path));
	n = objdump_insns(path);
	ASSERT_GT(n, 100, "objdump -d of mw_buggy.ko");
	ASSERT_OK(mw_ko_accesses(path, NULL, 0, &a), "reading mw_buggy.ko");
	check_one(&a, n, "buggy_uninit_partial", "movb   $0x1,(%rax)", 1, MW_ACC_WRITE,
		  MW_REG_AX, 0);
	check_one(&a, n, "buggy_uninit_partial", "movq   $0x2a,0x8(%rax)", 8, MW_ACC_WRITE,
		  MW_REG_AX, 8);
	check_one(&a, n, "buggy_uninit_partial", "mov    0x8(%rdi),%ebp", 4, MW_ACC_READ,
		  MW_REG_DI, 8);
	check_one(&a, n, "mw_share_open", "movq   $0x0,0xc8(%rsi)", 8, MW_ACC_WRITE,
		  MW_REG_SI, 0xc8);
	mw_accesses_free(&a);
}

/* Only the functions a glob matches, and all of their kept accesses. */
TEST(accesses_limited_by_globs)
{
	const char *const globs[] = { "buggy_stale_*", "mw_share_open" };
	struct mw_accesses all, some;
	char path[PATH_MAX];
	size_t i, want = 0;

	ko_path("mw_buggy", path, sizeof(path));
	ASSERT_OK(mw_ko_accesses(path, NULL, 0, &all), "all functions");
	ASSERT_OK(mw_ko_accesses(path, globs, 2, &some), "two globs");
	for (i = 0; i < all.nr_sites; i++)
		want += !fnmatch(globs[0], all.funcs[all.sites[i].func], 0) ||
			!fnmatch(globs[1], all.funcs[all.sites[i].func], 0);
	ASSERT_GT(want, 0, "the globs match functions with accesses");
	ASSERT_TRUE(want < all.nr_sites, "and not all of them");
	ASSERT_EQ(some.nr_sites, want, "the globs' functions' accesses");
	for (i = 0; i < some.nr_funcs; i++)
		ASSERT_TRUE(!fnmatch(globs[0], some.funcs[i], 0) ||
			    !fnmatch(globs[1], some.funcs[i], 0), some.funcs[i]);
	ASSERT_TRUE(some.insns < all.insns, "fewer instructions decoded");
	mw_accesses_free(&all);
	mw_accesses_free(&some);
	ASSERT_OK(mw_ko_accesses(path, (const char *const[]){ "no_such_fn*" }, 1, &some),
		  "a glob that matches nothing");
	ASSERT_EQ(some.nr_sites + some.nr_funcs + some.insns, 0, "nothing decoded");
	mw_accesses_free(&some);
}

/* mw_ko_accesses() of @path, its stderr's lines counted into @lines. */
static int accesses_lines(const char *path, int *lines)
{
	char tmp[] = "/tmp/mw-acc-err-XXXXXX";
	int fd = mkstemp(tmp), saved = dup(STDERR_FILENO), err, c;
	struct mw_accesses a;
	FILE *f;

	*lines = -1;
	if (fd < 0 || saved < 0)
		return -EIO;
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	err = mw_ko_accesses(path, NULL, 0, &a);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	if (!err || a.nr_sites || a.sites || a.funcs)
		err = err ? -EFAULT : 0;	/* an error leaves nothing behind */
	mw_accesses_free(&a);
	f = fdopen(fd, "r");
	if (f) {
		rewind(f);
		for (*lines = 0; (c = fgetc(f)) != EOF;)
			*lines += c == '\n';
		fclose(f);
	}
	unlink(tmp);
	return err;
}

/* @len bytes of @src copied to a scratch file @dst. */
static int copy_head(const char *src, const char *dst, size_t len)
{
	char buf[4096];
	int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n = 0;

	while (in >= 0 && out >= 0 && len &&
	       (n = read(in, buf, len < sizeof(buf) ? len : sizeof(buf))) > 0) {
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
		len -= n;
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return in < 0 || out < 0 || n < 0 ? -EIO : 0;
}

TEST(accesses_of_a_bad_file_is_one_line_and_errno)
{
	char path[PATH_MAX], tmp[] = "/tmp/mw-acc-ko-XXXXXX";
	int lines, err, fd;

	ASSERT_EQ(accesses_lines("/nonexistent/mw_none.ko", &lines), -ENOENT, "a missing file");
	ASSERT_EQ(lines, 1, "one line says so");
	ASSERT_EQ(accesses_lines("/proc/self/exe", &lines), -ENOEXEC, "an executable");
	ASSERT_EQ(lines, 1, "one line says so");
	fd = mkstemp(tmp);
	ASSERT_TRUE(fd >= 0, "a scratch file");
	close(fd);
	ko_path("mw_buggy", path, sizeof(path));
	err = copy_head(path, tmp, 4096);
	if (!err)
		err = accesses_lines(tmp, &lines);
	unlink(tmp);
	ASSERT_EQ(err, -EINVAL, "a truncated module");
	ASSERT_EQ(lines, 1, "one line says so");
}
