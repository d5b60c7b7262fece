// SPDX-License-Identifier: GPL-2.0
/*
 * The .ko reader, checked against objdump's disassembly of the test modules:
 * every call or jmp that objdump shows with a callee's rel32 relocation is
 * listed, with its callee and its function, and nothing else is. Then the
 * ways a .ko can be bad, compressed or missing.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include "sites.h"
#include "ko/ko.h"
#include "test.h"
#include "ko/callees.h"

#define MAX_REF_SITES	1024
#define MAX_REF_SYMS	4096

/* A call site as objdump shows it. */
struct ref_site {
	char section[64];
	unsigned long long off;
	__u32 callee;
	__u8 opcode;
	char func[128];		/* the label objdump printed last */
	unsigned long long func_addr;
};

/* A FUNC symbol from objdump -t, to accept the reader's pick among aliases. */
struct ref_sym {
	char section[64];
	unsigned long long addr;
	char name[128];
};

static struct ref_site ref[MAX_REF_SITES];
static struct ref_sym syms[MAX_REF_SYMS];

static void ko_path(const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s.ko", mw_test_modules_dir(), name);
}

static __u32 callee_id(const char *name)
{
	__u32 i;

	for (i = MW_CALLEE_NONE + 1; i < MW_CALLEE_NR; i++)
		if (!strcmp(mw_callee_name(i), name))
			return i;
	return MW_CALLEE_NONE;
}

/* "_copy_from_user-0x4" of a PLT32/PC32 relocation: the callee, or NONE. */
static __u32 reloc_callee(const char *type, const char *target)
{
	char sym[160];
	size_t n = strlen(target);

	if (strcmp(type, "R_X86_64_PLT32") && strcmp(type, "R_X86_64_PC32"))
		return MW_CALLEE_NONE;
	if (n < 5 || strcmp(target + n - 4, "-0x4"))
		return MW_CALLEE_NONE;
	snprintf(sym, sizeof(sym), "%.*s", (int)(n - 4), target);
	return callee_id(sym);
}

/* objdump -dr's state: where we are and the last instruction seen. */
struct dis {
	char section[64], func[128], mnem[32];
	unsigned long long func_addr, insn;
	bool have_insn;		/* the previous line was an instruction */
};

static int dis_reloc(struct dis *d, const char *type, const char *target, int n)
{
	__u32 callee = reloc_callee(type, target);
	struct ref_site *r;
	bool call = !strncmp(d->mnem, "call", 4), jmp = !strncmp(d->mnem, "jmp", 3);

	if (!d->have_insn || !callee || (!call && !jmp))
		return n;
	if (n == MAX_REF_SITES)
		return n;
	r = &ref[n];
	snprintf(r->section, sizeof(r->section), "%s", d->section);
	snprintf(r->func, sizeof(r->func), "%s", d->func);
	r->off = d->insn;
	r->func_addr = d->func_addr;
	r->callee = callee;
	r->opcode = call ? 0xe8 : 0xe9;
	return n + 1;
}

static int dis_line(struct dis *d, const char *line, int n)
{
	char name[128], type[32], target[160];
	unsigned long long addr;

	if (sscanf(line, "Disassembly of section %63[^:]:", d->section) == 1) {
		d->func[0] = '\0';
		d->have_insn = false;
	} else if (sscanf(line, "%llx <%127[^>]>:", &addr, name) == 2) {
		snprintf(d->func, sizeof(d->func), "%s", name);
		d->func_addr = addr;
		d->have_insn = false;
	} else if (sscanf(line, " %llx: %31s %159s", &addr, type, target) == 3 &&
		   !strncmp(type, "R_X86_64_", 9)) {
		n = dis_reloc(d, type, target, n);
		d->have_insn = false;
	} else if (sscanf(line, " %llx:\t%*[0-9a-f ]\t%31s", &addr, d->mnem) == 2) {
		d->insn = addr;
		d->have_insn = true;
	}
	return n;
}

/* The call sites objdump shows in @ko, into ref[]; their number or -1. */
static int objdump_sites(const char *ko)
{
	char cmd[PATH_MAX + 64], line[1024];
	struct dis d = {};
	int n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "LC_ALL=C objdump -dr '%s'", ko);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		n = dis_line(&d, line, n);
	return pclose(p) || n == MAX_REF_SITES ? -1 : n;
}

/* objdump -t's FUNC symbols, into syms[]; their number or -1. */
static int objdump_funcs(const char *ko)
{
	char cmd[PATH_MAX + 64], line[1024], flags[8] = "";
	struct ref_sym *s;
	int n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "LC_ALL=C objdump -t -w '%s'", ko);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p) && n < MAX_REF_SYMS) {
		s = &syms[n];
		/* 0000000000000040 l     F .text	0000000000000024 mw_buggy_release */
		if (sscanf(line, "%llx %7c %63s %*x %127s", &s->addr, flags, s->section,
			   s->name) == 4 && flags[6] == 'F')
			n++;
	}
	return pclose(p) ? -1 : n;
}

static bool is_alias(int nr_syms, const struct ref_site *r, const char *func)
{
	int i;

	for (i = 0; i < nr_syms; i++)
		if (syms[i].addr == r->func_addr && !strcmp(syms[i].section, r->section) &&
		    !strcmp(syms[i].name, func))
			return true;
	return false;
}

static const struct mw_callsite *find_site(const struct mw_ko *ko, const char *sec, __u64 off)
{
	size_t i;

	for (i = 0; i < ko->nr_sites; i++)
		if (ko->sites[i].sec_off == off && !strcmp(ko->sites[i].section, sec))
			return &ko->sites[i];
	return NULL;
}

static bool in_ref(int n, const struct mw_callsite *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (ref[i].off == s->sec_off && !strcmp(ref[i].section, s->section))
			return true;
	return false;
}

#define MISMATCH(fmt, ...) (mw_test_fail(__FILE__, __LINE__, fmt, __VA_ARGS__), 1)

/* Is objdump's site @r the reader's @s: callee, opcode, function? 1 if not. */
static int compare_site(const struct ref_site *r, const struct mw_callsite *s, int nr_syms)
{
	if (!s)
		return MISMATCH("objdump's %s+0x%llx (%s in %s) is missing", r->section, r->off,
				mw_callee_name(r->callee), r->func);
	if (s->callee != r->callee || s->opcode != r->opcode)
		return MISMATCH("%s+0x%llx: objdump %s/%#x, reader %s/%#x", r->section, r->off,
				mw_callee_name(r->callee), r->opcode, mw_callee_name(s->callee),
				s->opcode);
	if (s->sec_off - s->func_off != r->func_addr ||
	    (strcmp(s->func, r->func) && !is_alias(nr_syms, r, s->func)))
		return MISMATCH("%s+0x%llx: objdump says in %s at 0x%llx, reader %s+0x%llx",
				r->section, r->off, r->func, r->func_addr, s->func,
				(unsigned long long)s->func_off);
	return 0;
}

/* The number of differences between objdump's sites and the reader's. */
static int compare_sites(const struct mw_ko *ko, int nr_ref, int nr_syms)
{
	int i, bad = 0;
	size_t j;

	for (i = 0; i < nr_ref; i++)
		bad += compare_site(&ref[i], find_site(ko, ref[i].section, ref[i].off), nr_syms);
	for (j = 0; j < ko->nr_sites; j++)
		if (!in_ref(nr_ref, &ko->sites[j]))
			bad += MISMATCH("reader's %s+0x%llx (%s in %s) is not in objdump",
					ko->sites[j].section,
					(unsigned long long)ko->sites[j].sec_off,
					mw_callee_name(ko->sites[j].callee), ko->sites[j].func);
	for (j = 1; j < ko->nr_sites; j++) {
		const struct mw_callsite *a = &ko->sites[j - 1], *b = &ko->sites[j];
		int c = strcmp(a->section, b->section);

		if (c > 0 || (!c && a->sec_off >= b->sec_off))
			bad += MISMATCH("sites %zu and %zu are out of order", j - 1, j);
	}
	return bad;
}

static void check_against_objdump(const char *name)
{
	char path[PATH_MAX];
	struct mw_ko ko;
	int nr_ref, nr_syms, bad;
	bool named;

	ko_path(name, path, sizeof(path));
	ASSERT_TRUE(!access(path, R_OK), "the test modules are built (make modules)");
	nr_ref = objdump_sites(path);
	nr_syms = objdump_funcs(path);
	ASSERT_GT(nr_ref, 0, "call sites objdump -dr shows (binutils installed?)");
	ASSERT_GT(nr_syms, 0, "functions objdump -t shows");
	ASSERT_OK(mw_ko_read(path, &ko), "reading the .ko");
	bad = compare_sites(&ko, nr_ref, nr_syms);
	named = !strcmp(ko.name, name);
	mw_ko_free(&ko);
	ASSERT_EQ(bad, 0, "differences from objdump");
	ASSERT_TRUE(named, "the module's name");
	ASSERT_TRUE(!ko.sites && !ko.nr_sites, "mw_ko_free() empties the list");
}

TEST(ko_buggy_sites_match_objdump)
{
	check_against_objdump("mw_buggy");
}

TEST(ko_clean_sites_match_objdump)
{
	check_against_objdump("mw_clean");
}

static size_t count_sites(const struct mw_ko *ko, const char *func, __u32 callee)
{
	size_t i, n = 0;

	for (i = 0; i < ko->nr_sites; i++)
		n += (!func || !strcmp(ko->sites[i].func, func)) &&
		     (!callee || ko->sites[i].callee == callee);
	return n;
}

TEST(ko_buggy_has_the_sites_the_rules_need)
{
	char path[PATH_MAX];
	size_t copy_from, copy_to, get_user, frees, locks, fetches;
	struct mw_ko ko;

	ko_path("mw_buggy", path, sizeof(path));
	ASSERT_OK(mw_ko_read(path, &ko), "reading mw_buggy.ko");
	copy_from = count_sites(&ko, NULL, MW_CALLEE_COPY_FROM_USER);
	copy_to = count_sites(&ko, NULL, MW_CALLEE_COPY_TO_USER);
	get_user = count_sites(&ko, NULL, MW_CALLEE_GET_USER_4);
	frees = count_sites(&ko, NULL, MW_CALLEE_KFREE) +
		count_sites(&ko, NULL, MW_CALLEE_KMEM_CACHE_FREE);
	locks = count_sites(&ko, NULL, MW_CALLEE_MUTEX_LOCK);
	fetches = count_sites(&ko, "buggy_double_fetch_len", MW_CALLEE_COPY_FROM_USER);
	mw_ko_free(&ko);
	ASSERT_GT(copy_from, 0, "_copy_from_user sites");
	ASSERT_GT(copy_to, 0, "_copy_to_user sites");
	ASSERT_GT(get_user, 0, "__get_user_4 sites");
	ASSERT_GT(frees, 0, "kfree and kmem_cache_free sites");
	ASSERT_GT(locks, 0, "mutex_lock sites");
	ASSERT_EQ(fetches, 2, "the two fetches of buggy_double_fetch_len");
}

/* The first site of @callee in function @func of @ko, or NULL. */
static bool has_entry(const struct mw_ko *ko, const char *func)
{
	size_t i;

	for (i = 0; i < ko->nr_entries; i++)
		if (!strcmp(ko->entries[i].func, func))
			return true;
	return false;
}

/*
 * The entry points are the functions the module's data points to (its
 * file_operations here), each once, at offset 0, and never init or exit
 * code; they are not call sites.
 */
TEST(ko_entry_points_are_what_the_ops_tables_point_to)
{
	static const char *const fops[] = {
		"mw_buggy_write", "mw_buggy_ioctl", "mw_share_open", "mw_buggy_release",
	};
	char path[PATH_MAX];
	struct mw_ko ko;
	size_t i, j;

	ko_path("mw_buggy", path, sizeof(path));
	ASSERT_OK(mw_ko_read(path, &ko), "reading mw_buggy.ko");
	for (i = 0; i < sizeof(fops) / sizeof(fops[0]); i++)
		ASSERT_TRUE(has_entry(&ko, fops[i]), fops[i]);
	ASSERT_TRUE(!has_entry(&ko, "noop_llseek"), "core code's function is not the module's");
	ASSERT_TRUE(!has_entry(&ko, "buggy_double_fetch_len"), "a function called directly");
	for (i = 0; i < ko.nr_entries; i++) {
		ASSERT_EQ(ko.entries[i].callee, MW_CALLEE_ENTRY, "callee");
		ASSERT_EQ(ko.entries[i].func_off, 0, "at the function's start");
		ASSERT_TRUE(strncmp(ko.entries[i].section, ".init", 5) &&
			    strcmp(ko.entries[i].section, ".exit.text"), ko.entries[i].func);
		for (j = i + 1; j < ko.nr_entries; j++)
			ASSERT_TRUE(strcmp(ko.entries[i].func, ko.entries[j].func), "each once");
	}
	for (i = 0; i < ko.nr_sites; i++)
		ASSERT_TRUE(ko.sites[i].callee != MW_CALLEE_ENTRY, "not among the call sites");
	mw_ko_free(&ko);
}

static const struct mw_callsite *site_in(const struct mw_ko *ko, const char *func, __u32 callee)
{
	size_t i;

	for (i = 0; i < ko->nr_sites; i++)
		if (!strcmp(ko->sites[i].func, func) && ko->sites[i].callee == callee)
			return &ko->sites[i];
	return NULL;
}

/* Does readelf list a __jump_table entry whose code is .text+@off? */
static bool jump_label_at(const char *path, unsigned long long off)
{
	char cmd[PATH_MAX + 64], line[512];
	unsigned long long r_off, addend;
	bool in_table = false, found = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "LC_ALL=C readelf -rW '%s'", path);
	p = popen(cmd, "r");
	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		if (!strncmp(line, "Relocation section", 18))
			in_table = strstr(line, "'.rela__jump_table'");
		/* struct jump_entry is 16 bytes, its code offset first */
		else if (in_table && sscanf(line, "%llx %*x %*s %*x .text + %llx", &r_off, &addend) == 2 &&
			 r_off % 16 == 0 && addend == off)
			found = true;
	}
	pclose(p);
	return found;
}

/*
 * mw_buggy has each shape the kernel refuses a kprobe in, as Debian's own
 * modules do: __exit code, init code, a notrace function, and a jump label
 * right after a spin_lock call. Every other site is probeable.
 */
TEST(ko_marks_the_sites_the_kernel_refuses)
{
	const struct mw_callsite *lock, *s;
	char path[PATH_MAX];
	struct mw_ko ko;
	size_t i, bad = 0;

	ko_path("mw_buggy", path, sizeof(path));
	ASSERT_OK(mw_ko_read(path, &ko), "reading mw_buggy.ko");
	for (i = 0; i < ko.nr_sites; i++) {
		const char *f = ko.sites[i].func;
		__u8 want = !strcmp(f, "mw_buggy_exit") ? MW_SKIP_EXIT :
			    !strcmp(f, "mw_buggy_init") ? MW_SKIP_INIT :
			    !strcmp(f, "mw_info_count_notrace") ? MW_SKIP_NOTRACE : MW_SKIP_NONE;

		if (ko.sites[i].skip != want && ++bad)
			mw_test_fail(__FILE__, __LINE__, "%s+0x%llx: skip %s, expected %s", f,
				     (unsigned long long)ko.sites[i].func_off,
				     mw_skip_name(ko.sites[i].skip), mw_skip_name(want));
	}
	lock = site_in(&ko, "mw_info_count", MW_CALLEE_SPIN_LOCK);
	s = lock ? lock : &ko.sites[0];
	ASSERT_EQ(bad, 0, "sites with the wrong verdict");
	ASSERT_TRUE(lock, "mw_info_count's spin_lock site");
	ASSERT_EQ(s->skip_next, MW_SKIP_JUMP_LABEL, "the instruction after it");
	ASSERT_TRUE(jump_label_at(path, s->sec_off + 5), "readelf's __jump_table has it too");
	s = site_in(&ko, "buggy_double_free", MW_CALLEE_KMEM_CACHE_FREE);
	ASSERT_TRUE(s && !s->skip && !s->skip_next, "an ordinary site is probeable");
	mw_ko_free(&ko);
}

/* The OBJECT symbol of @path that holds @section+@off, into @name; false if none. */
static bool object_at(const char *path, const char *section, unsigned long long off, char *name)
{
	char cmd[PATH_MAX + 64], line[512], flags[8], sec[64];
	unsigned long long addr, size;
	bool found = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "LC_ALL=C objdump -t -w '%s'", path);
	p = popen(cmd, "r");
	if (!p)
		return false;
	while (!found && fgets(line, sizeof(line), p))
		/* 0000000000000100 l     O .data	0000000000000020 mw_lock_a */
		found = sscanf(line, "%llx %7c %63s %llx %127s", &addr, flags, sec, &size, name) == 5 &&
			flags[6] == 'O' && !strcmp(sec, section) && off - addr < size;
	pclose(p);
	return found;
}

/* "mov $lock,%rdi; call mutex_lock": the reader names the static lock, as objdump does. */
TEST(ko_static_lock_arguments_match_objdump)
{
	char path[PATH_MAX], name[128];
	const struct mw_callsite *s;
	struct mw_ko ko;
	size_t i, n = 0, bad = 0;

	ko_path("mw_buggy", path, sizeof(path));
	ASSERT_OK(mw_ko_read(path, &ko), "reading mw_buggy.ko");
	for (i = 0; i < ko.nr_sites; i++) {
		s = &ko.sites[i];
		/* lock calls: other callees' first arguments may be strings (kstrdup) */
		if (!s->arg_section[0] || !strstr(mw_callee_name(s->callee), "lock"))
			continue;
		n++;
		if (!object_at(path, s->arg_section, s->arg_off, name) && ++bad)
			mw_test_fail(__FILE__, __LINE__, "%s+0x%llx: no object at %s+0x%llx",
				     s->func, (unsigned long long)s->func_off, s->arg_section,
				     (unsigned long long)s->arg_off);
	}
	s = site_in(&ko, "mw_buggy_exit", MW_CALLEE_MUTEX_LOCK);
	ASSERT_TRUE(s && s->arg_section[0], "the exit function's mutex_lock has a static lock");
	ASSERT_TRUE(object_at(path, s->arg_section, s->arg_off, name), "objdump names it");
	ASSERT_TRUE(!strcmp(name, "mw_exit_lock"), "it is mw_exit_lock");
	mw_ko_free(&ko);
	ASSERT_GT(n, 10, "sites with a static first argument");
	ASSERT_EQ(bad, 0, "arguments objdump does not place in an object");
}

/* What mw_buggy calls of the families that modwatch does not know: a semaphore. */
TEST(ko_names_the_blind_spots)
{
	char path[PATH_MAX];
	struct mw_ko ko;
	bool two;

	ko_path("mw_buggy", path, sizeof(path));
	ASSERT_OK(mw_ko_read(path, &ko), "reading mw_buggy.ko");
	/* sorted by calls, then by name */
	two = ko.nr_blind == 2 && !strcmp(ko.blind[0].name, "down_trylock") &&
	      !strcmp(ko.blind[1].name, "up") && !strcmp(ko.blind[0].family, "lock") &&
	      ko.blind[0].calls == 1 && ko.blind[1].calls == 1;
	mw_ko_free(&ko);
	ASSERT_TRUE(two, "two blind spots: down_trylock and up (lock), one call each");
}

/* The build ID, compared with the loaded module's before probing, is readelf's. */
TEST(ko_build_id_matches_readelf)
{
	char path[PATH_MAX], cmd[PATH_MAX + 64], want[64] = "", got[64] = "";
	struct mw_ko ko;
	__u32 i;
	FILE *p;

	ko_path("mw_buggy", path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "LC_ALL=C readelf -n '%s' | awk '/Build ID:/ { print $3 }'", path);
	p = popen(cmd, "r");
	ASSERT_TRUE(p && fgets(want, sizeof(want), p), "readelf -n shows a build ID");
	pclose(p);
	want[strcspn(want, "\n")] = '\0';
	ASSERT_OK(mw_ko_read(path, &ko), "reading mw_buggy.ko");
	for (i = 0; i < ko.build_id_len; i++)
		snprintf(got + 2 * i, sizeof(got) - 2 * i, "%02x", ko.build_id[i]);
	mw_ko_free(&ko);
	ASSERT_TRUE(!strcmp(got, want), "the reader's build ID is readelf's");
}

TEST(ko_callee_names_come_from_the_table)
{
	ASSERT_TRUE(!strcmp(mw_callee_name(MW_CALLEE_COPY_FROM_USER), "_copy_from_user"),
		    "first callee");
	ASSERT_TRUE(!strcmp(mw_callee_name(MW_CALLEE_UP_WRITE), "up_write"), "last callee");
	ASSERT_TRUE(!strcmp(mw_callee_name(MW_CALLEE_NONE), "unknown"), "no callee");
	ASSERT_TRUE(!strcmp(mw_callee_name(MW_CALLEE_ENTRY), "entry"), "an entry point");
	ASSERT_TRUE(!strcmp(mw_callee_name(MW_CALLEE_ENTRY + 1), "unknown"), "past the table");
}

/* A scratch folder for the tests that write files; removed by rm_tmp(). */
static char tmp[] = "/tmp/mw-ko-test-XXXXXX";

static const char *mk_tmp(void)
{
	memcpy(tmp + sizeof(tmp) - 7, "XXXXXX", 6);
	return mkdtemp(tmp);
}

static void rm_tmp(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmp);
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* The whole of @path in a malloc()ed buffer, or NULL. */
static char *read_whole(const char *path, size_t *len)
{
	char *buf = NULL;
	FILE *f = fopen(path, "re");

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (*len = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc(*len);
		if (buf && fread(buf, 1, *len, f) != *len) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* mw_ko_read() of @len bytes of @buf written to a file; nr_sites must stay 0 on error. */
static int read_bytes(const void *buf, size_t len, size_t *nr_sites)
{
	char path[PATH_MAX];
	struct mw_ko ko;
	int err;

	snprintf(path, sizeof(path), "%s/file.ko", tmp);
	err = write_file(path, buf, len);
	if (err)
		return err;
	err = mw_ko_read(path, &ko);
	*nr_sites = ko.nr_sites;
	mw_ko_free(&ko);
	return err;
}

TEST(ko_missing_file_is_enoent)
{
	struct mw_ko ko;

	ASSERT_EQ(mw_ko_read("/nonexistent/mw_none.ko", &ko), -ENOENT, "missing file");
	ASSERT_EQ(ko.nr_sites, 0, "no sites");
}

TEST(ko_not_an_x86_64_module_is_enoexec)
{
	static const char text[] = "this is not an ELF file\n";
	struct mw_ko ko;
	size_t n = 1;
	int err;

	ASSERT_TRUE(mk_tmp(), "making a scratch folder");
	err = read_bytes(text, sizeof(text), &n);
	rm_tmp();
	ASSERT_EQ(err, -ENOEXEC, "a text file");
	ASSERT_EQ(n, 0, "no sites");
	/* This test binary is ELF, x86_64 and static: an executable, not a module. */
	ASSERT_EQ(mw_ko_read("/proc/self/exe", &ko), -ENOEXEC, "an executable");
}

/* A copy of mw_buggy.ko with its first section of @type set to @new_type. */
static int retype_section(char *buf, size_t len, __u32 type, __u32 new_type)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Shdr *sh;
	int i;

	if (len < sizeof(*eh) || eh->e_shoff + eh->e_shnum * sizeof(*sh) > len)
		return -EINVAL;
	sh = (Elf64_Shdr *)(buf + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == type) {
			sh[i].sh_type = new_type;
			return i;
		}
	return -ENOENT;
}

/* The relocations of .text, the first SHT_RELA section whose target is code. */
static Elf64_Rela *text_relocs(char *buf, size_t *nr)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Shdr *sh = (Elf64_Shdr *)(buf + eh->e_shoff);
	int i;

	for (i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_RELA && sh[i].sh_info < eh->e_shnum &&
		    (sh[sh[i].sh_info].sh_flags & SHF_EXECINSTR)) {
			*nr = sh[i].sh_size / sizeof(Elf64_Rela);
			return (Elf64_Rela *)(buf + sh[i].sh_offset);
		}
	return NULL;
}

static void check_bad_copies(char *buf, size_t len)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	size_t cuts[] = { 10, 64, len / 2, len - 1 }, i, nr, n;
	Elf64_Rela *rel;

	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		ASSERT_TRUE(read_bytes(buf, cuts[i], &n) < 0, "a truncated .ko");
		ASSERT_EQ(n, 0, "no sites from a truncated .ko");
	}
	eh->e_machine = EM_AARCH64;
	ASSERT_EQ(read_bytes(buf, len, &n), -ENOEXEC, "an arm64 .ko");
	eh->e_machine = EM_X86_64;
	rel = text_relocs(buf, &nr);
	ASSERT_TRUE(rel && nr, "mw_buggy.ko has code relocations");
	for (i = 0; i < nr; i++)
		rel[i].r_offset += 1ull << 40;
	ASSERT_EQ(read_bytes(buf, len, &n), -EINVAL, "relocations past their section");
	for (i = 0; i < nr; i++) {
		rel[i].r_offset -= 1ull << 40;
		rel[i].r_info = ELF64_R_INFO(0xffffff, ELF64_R_TYPE(rel[i].r_info));
	}
	ASSERT_EQ(read_bytes(buf, len, &n), -EINVAL, "relocations against no symbol");
	ASSERT_TRUE(retype_section(buf, len, SHT_SYMTAB, SHT_PROGBITS) > 0, "hiding the symtab");
	ASSERT_EQ(read_bytes(buf, len, &n), -EINVAL, "a .ko without a symbol table");
}

TEST(ko_bad_modules_are_errors_not_crashes)
{
	char path[PATH_MAX], *buf;
	size_t len;

	ko_path("mw_buggy", path, sizeof(path));
	buf = read_whole(path, &len);
	ASSERT_TRUE(buf, "reading mw_buggy.ko");
	if (!mk_tmp()) {
		free(buf);
		ASSERT_TRUE(false, "making a scratch folder");
	}
	check_bad_copies(buf, len);
	rm_tmp();
	free(buf);
}

static bool have_tool(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return !system(cmd);
}

static const struct {
	const char *tool, *ext;
} codecs[] = { { "xz", "xz" }, { "zstd", "zst" }, { "gzip", "gz" } };

/* Compress @ko with each tool that is installed: the same sites and name. */
static void check_compressed(const char *ko, const struct mw_ko *plain)
{
	char path[PATH_MAX], cmd[2 * PATH_MAX + 64];
	struct mw_ko z;
	size_t i, j;
	bool same;

	for (i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		if (!have_tool(codecs[i].tool))
			continue;
		snprintf(path, sizeof(path), "%s/mw_clean.ko.%s", tmp, codecs[i].ext);
		snprintf(cmd, sizeof(cmd), "%s -q -c < '%s' > '%s'", codecs[i].tool, ko, path);
		ASSERT_OK(system(cmd), codecs[i].tool);
		ASSERT_OK(mw_ko_read(path, &z), path);
		for (j = 0; j < plain->nr_sites && j < z.nr_sites; j++)
			if (memcmp(&plain->sites[j], &z.sites[j], sizeof(z.sites[j])))
				break;
		same = j == plain->nr_sites && z.nr_sites == j && !strcmp(z.name, plain->name);
		mw_ko_free(&z);
		ASSERT_TRUE(same, "compressed, the same name and sites");
	}
}

TEST(ko_compressed_modules_read_the_same)
{
	char ko[PATH_MAX];
	struct mw_ko plain;

	ko_path("mw_clean", ko, sizeof(ko));
	ASSERT_OK(mw_ko_read(ko, &plain), "reading mw_clean.ko");
	if (!mk_tmp()) {
		mw_ko_free(&plain);
		ASSERT_TRUE(false, "making a scratch folder");
	}
	check_compressed(ko, &plain);
	rm_tmp();
	mw_ko_free(&plain);
}

TEST(ko_missing_decompressor_is_enoent)
{
	static const char xz[] = { (char)0xfd, '7', 'z', 'X', 'Z', 0, 'j', 'u', 'n', 'k' };
	char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	int missing, corrupt = -EINVAL;
	size_t n;

	ASSERT_TRUE(mk_tmp(), "making a scratch folder");
	setenv("PATH", tmp, 1);	/* an empty folder: no xz in it */
	missing = read_bytes(xz, sizeof(xz), &n);
	if (saved)
		setenv("PATH", saved, 1);
	free(saved);
	if (have_tool("xz"))
		corrupt = read_bytes(xz, sizeof(xz), &n);
	rm_tmp();
	ASSERT_EQ(missing, -ENOENT, "xz data without xz");
	ASSERT_EQ(corrupt, -EINVAL, "corrupt xz data");
}

static const char modules_dep[] =
	"kernel/drivers/net/foo-bar.ko.xz: kernel/lib/dep_mod.ko.xz\n"
	"kernel/lib/dep_mod.ko.xz:\n"
	"/opt/updates/baz.ko:\n"
	"kernel/x/foobar2.ko.zst:\n";

static int find_in_tmp(const char *module, char *path, size_t len)
{
	return mw_ko_find_in(tmp, module, path, len);
}

static void check_find(void)
{
	char path[PATH_MAX], want[PATH_MAX];

	snprintf(want, sizeof(want), "%s/kernel/drivers/net/foo-bar.ko.xz", tmp);
	ASSERT_OK(find_in_tmp("foo_bar", path, sizeof(path)), "foo_bar for foo-bar.ko.xz");
	ASSERT_TRUE(!strcmp(path, want), "relative to the modules folder");
	ASSERT_OK(find_in_tmp("foo-bar", path, sizeof(path)), "foo-bar for foo-bar.ko.xz");
	ASSERT_OK(find_in_tmp("dep-mod", path, sizeof(path)), "dep-mod for dep_mod.ko.xz");
	ASSERT_OK(find_in_tmp("baz", path, sizeof(path)), "an absolute path");
	ASSERT_TRUE(!strcmp(path, "/opt/updates/baz.ko"), "kept as it is");
	ASSERT_EQ(find_in_tmp("foo", path, sizeof(path)), -ENOENT, "a prefix is no match");
	ASSERT_EQ(find_in_tmp("foobar", path, sizeof(path)), -ENOENT, "nor is a longer name");
	ASSERT_EQ(find_in_tmp("foo_bar", path, 8), -ENAMETOOLONG, "a short buffer");
}

TEST(ko_find_uses_modules_dep)
{
	char path[PATH_MAX], dep[PATH_MAX];

	ASSERT_EQ(mw_ko_find("mw_no_such_module", path, sizeof(path)), -ENOENT,
		  "a module that modules.dep does not list");
	ASSERT_TRUE(mk_tmp(), "making a scratch folder");
	ASSERT_EQ(find_in_tmp("foo_bar", path, sizeof(path)), -ENOENT, "no modules.dep");
	snprintf(dep, sizeof(dep), "%s/modules.dep", tmp);
	if (write_file(dep, modules_dep, sizeof(modules_dep) - 1)) {
		rm_tmp();
		ASSERT_TRUE(false, "writing modules.dep");
	}
	check_find();
	rm_tmp();
}
