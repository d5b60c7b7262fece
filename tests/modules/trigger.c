// SPDX-License-Identifier: GPL-2.0
/*
 * trigger - runs modwatch's test scenarios against /dev/mw_buggy or /dev/mw_clean.
 *
 *   trigger [--dev PATH] [--include-blocking] [--block-timeout SEC] [--comm NAME]
 *           list|sites|all|SCENARIO...
 *
 *   --comm    name the task NAME first (prctl(PR_SET_NAME), the kernel keeps 15 bytes):
 *             any bytes, ESC and newlines too, for the test that reports show them escaped
 *
 *   list      one line per scenario: "NAME KIND" (KIND is the violation mw_buggy commits)
 *   sites     one line per scenario: "NAME KIND FUNCTION" (the mw_buggy.c function of the
 *             violating call)
 *   all       every scenario in table order, except the blocking one (recursive_lock)
 *             unless --include-blocking is given
 *   --deep    list, sites and all take the deep_* scenarios instead, whose bug is a plain
 *             load or store that only modwatch --deep sees (named, they always run)
 *   SCENARIO  the named scenarios, in the order given
 *   hot N     MW_IOC_HOT N times on mw_clean, printing the wall time in ns: make bench's
 *             watched hot path (not a scenario)
 *   crash [double_free|heap_read]
 *             a bug that crashes the kernel (mw_buggy loaded with crash=1): a double free
 *             on a kmalloc object (SLUB's freelist check BUGs) or a copy to user past a
 *             slab object (hardened usercopy BUGs); for the tests that modwatch's report
 *             survives the crash; never part of "all"
 *
 * For each scenario run it prints one line, "NAME KIND ok DETAILS" or "NAME KIND failed:
 * REASON", and exits 0 when every scenario ran (whether or not the module had a bug), 1 when
 * one could not run, 2 on a usage error. The same scenarios run against both devices.
 *
 * recursive_lock deadlocks mw_buggy's ioctl on itself, killably. It runs in a child process
 * that the trigger SIGKILLs after --block-timeout seconds (default 3; 0 = never, leaving it
 * to the test harness, which then kills the trigger: the child dies with its parent through
 * PR_SET_PDEATHSIG). A kill takes effect once the kernel stops spinning on the owner, which
 * on 6.1 may take a few seconds. Scenarios that need two tasks (unlock_not_owner, the racing
 * flip of double_fetch_race) create a thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mw_ioctl.h"

#define DEFAULT_DEV		"/dev/mw_buggy"
#define DEFAULT_BLOCK_TIMEOUT	3
/* double_fetch_race: tries at least this often (a checker may miss one flip), at most MAX. */
#define RACE_MIN_TRIES		8
#define RACE_MAX_TRIES		64
#define RACE_LEN_A		8
#define RACE_LEN_B		48

struct ctx {
	int fd;
	const char *dev;	/* for a task that opens a file of its own */
	unsigned int block_timeout;
	char detail[160];
};

static void note(struct ctx *c, const char *fmt, ...)
{
	size_t used = strlen(c->detail);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->detail + used, sizeof(c->detail) - used, fmt, ap);
	va_end(ap);
}

/* ioctl() that returns -errno on failure. */
static long xioctl(struct ctx *c, unsigned long cmd, void *arg)
{
	long ret = ioctl(c->fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static int simple_cmd(struct ctx *c, unsigned long cmd)
{
	long ret = xioctl(c, cmd, NULL);

	return ret < 0 ? (int)ret : 0;
}

/* ---- user slices ---- */

static int run_slice_write(struct ctx *c)
{
	/* Room past the 40 bytes written, so the rounded-up copy reads mapped memory. */
	char buf[MW_WRITE_MAX * 2];
	ssize_t n;

	memset(buf, 'w', sizeof(buf));
	n = write(c->fd, buf, 40);
	if (n < 0)
		return -errno;
	note(c, "wrote=%zd", n);
	return 0;
}

static int run_slice_ioctl(struct ctx *c)
{
	/* The v2 layout, so that mw_buggy's over-long copy stays inside this object. */
	struct mw_slice_v2 v = { .a = 1, .b = 2, .c = 3 };
	long ret = xioctl(c, MW_IOC_SLICE, &v);

	return ret < 0 ? (int)ret : 0;
}

/* ---- double fetches ---- */

static int fetch_once(struct ctx *c, unsigned long cmd)
{
	struct mw_msg msg = { .len = 16 };
	long ret;

	memset(msg.data, 'm', sizeof(msg.data));
	ret = xioctl(c, cmd, &msg);
	if (ret < 0)
		return (int)ret;
	note(c, "used_len=%ld", ret);
	return 0;
}

static int run_double_fetch_len(struct ctx *c)
{
	return fetch_once(c, MW_IOC_FETCH_LEN);
}

static int run_double_fetch_get_user(struct ctx *c)
{
	return fetch_once(c, MW_IOC_FETCH_GET_USER);
}

struct flipper {
	struct mw_msg msg;
	volatile bool stop;
};

/* Flips msg.len between two valid lengths every ~0.2 ms, slower than one fetch. */
static void *flip_len(void *arg)
{
	struct timespec pause = { .tv_nsec = 200 * 1000 };
	struct flipper *f = arg;
	uint32_t len = RACE_LEN_A;

	while (!f->stop) {
		len = len == RACE_LEN_A ? RACE_LEN_B : RACE_LEN_A;
		__atomic_store_n(&f->msg.len, len, __ATOMIC_RELAXED);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

static int run_double_fetch_race(struct ctx *c)
{
	struct flipper f = { .msg.len = RACE_LEN_A };
	int tries, changed = 0, err = 0;
	pthread_t t;

	memset(f.msg.data, 'r', sizeof(f.msg.data));
	err = pthread_create(&t, NULL, flip_len, &f);
	if (err)
		return -err;
	for (tries = 0; tries < RACE_MAX_TRIES; tries++) {
		long ret = xioctl(c, MW_IOC_FETCH_RACE, &f.msg);

		if (ret < 0) {
			err = (int)ret;
			break;
		}
		changed += ret == 1;
		if (changed && tries + 1 >= RACE_MIN_TRIES) {
			tries++;
			break;
		}
	}
	f.stop = true;
	pthread_join(t, NULL);
	note(c, "changed=%d tries=%d", changed, tries);
	return err;
}

/* ---- heap objects ---- */

static long buf_cmd(struct ctx *c, unsigned long cmd, void *buf, uint32_t len)
{
	struct mw_buf b = { .uptr = (uintptr_t)buf, .len = len };

	return xioctl(c, cmd, &b);
}

static int count_not(const unsigned char *p, long n, unsigned char byte)
{
	int count = 0;

	while (n-- > 0)
		count += *p++ != byte;
	return count;
}

static int run_heap_write(struct ctx *c)
{
	unsigned char buf[MW_HEAP_LEN];
	long n;

	memset(buf, 'h', sizeof(buf));
	n = buf_cmd(c, MW_IOC_HEAP_WRITE, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	note(c, "copied=%ld", n);
	return 0;
}

static int run_heap_read(struct ctx *c)
{
	unsigned char buf[MW_HEAP_LEN];
	long n;

	memset(buf, 0, sizeof(buf));
	n = buf_cmd(c, MW_IOC_HEAP_READ, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	note(c, "copied=%ld", n);
	return 0;
}

static int run_uaf(struct ctx *c, unsigned long cmd)
{
	unsigned char buf[MW_HEAP_LEN];
	long n;

	memset(buf, 0x5a, sizeof(buf));
	n = buf_cmd(c, cmd, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* The module wrote 0x5a before freeing; other bytes are what the allocator left. */
	note(c, "copied=%ld changed_after_free=%d", n, count_not(buf, n, 0x5a));
	return 0;
}

static int run_uaf_copy(struct ctx *c)
{
	return run_uaf(c, MW_IOC_UAF_COPY);
}

static int run_uaf_kmemdup(struct ctx *c)
{
	return run_uaf(c, MW_IOC_UAF_KMEMDUP);
}

/*
 * A copy_to_user into a page userfaultfd serves: while the copy waits on
 * the fault, the handler thread runs during(), then serves the page.
 */
struct inflight {
	struct ctx *c;
	int uffd;
	char *page;
	long page_size;
	int err;
	int (*during)(struct inflight *h);
	unsigned long write_cmd;	/* what the second task of a race runs */
	pthread_t writer;	/* a race's second task */
	bool writing;
	volatile long written;	/* its ioctl's result; 1 while it runs */
};

static void *inflight_handler(void *arg)
{
	struct inflight *h = arg;
	struct pollfd p = { .fd = h->uffd, .events = POLLIN };
	struct uffd_msg msg;
	struct uffdio_copy copy;
	char *src;

	if (poll(&p, 1, 10000) != 1 || read(h->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT) {
		h->err = -ETIMEDOUT;
		return NULL;
	}
	h->err = h->during(h);
	src = calloc(1, h->page_size);
	if (!src) {
		h->err = -ENOMEM;
		return NULL;
	}
	copy = (struct uffdio_copy){ .dst = (uintptr_t)h->page, .src = (uintptr_t)src,
				     .len = h->page_size };
	if (ioctl(h->uffd, UFFDIO_COPY, &copy) && !h->err)
		h->err = -errno;
	free(src);
	return NULL;
}

/* uaf_inflight: the free comes while the copy waits. */
static int inflight_free(struct inflight *h)
{
	return (int)xioctl(h->c, MW_IOC_INFLIGHT_FREE, NULL);
}

/*
 * Runs @cmd on the copy at @page (in flight, waiting on userfaultfd) with
 * during() in the handler (@write_cmd: its second task's, if it starts
 * one): 0 (the bytes copied noted) or -errno.
 */
static int copy_in_flight(struct ctx *c, unsigned long cmd, int (*during)(struct inflight *h),
			  unsigned long write_cmd)
{
	struct inflight h = { .c = c, .page_size = sysconf(_SC_PAGESIZE), .during = during,
			      .write_cmd = write_cmd };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	pthread_t t;
	long n;

	h.uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC);
	if (h.uffd < 0)
		return -errno;
	h.page = mmap(NULL, h.page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	reg.range = (struct uffdio_range){ .start = (uintptr_t)h.page, .len = h.page_size };
	if (h.page == MAP_FAILED || ioctl(h.uffd, UFFDIO_API, &api) ||
	    ioctl(h.uffd, UFFDIO_REGISTER, &reg) || pthread_create(&t, NULL, inflight_handler, &h)) {
		n = -errno;
		close(h.uffd);
		return (int)n;
	}
	n = buf_cmd(c, cmd, h.page, 64);
	pthread_join(t, NULL);
	if (h.writing)
		pthread_join(h.writer, NULL);
	munmap(h.page, h.page_size);
	close(h.uffd);
	if (n < 0)
		return (int)n;
	if (h.err || h.written < 0)
		return h.err ? h.err : (int)h.written;
	note(c, "copied=%ld", n);
	return 0;
}

static int run_uaf_inflight(struct ctx *c)
{
	return copy_in_flight(c, MW_IOC_INFLIGHT_COPY, inflight_free, 0);
}

/* A race's writer: another task copying into the buffer the reader's copy waits on. */
static void *shared_writer(void *arg)
{
	struct inflight *h = arg;
	char src[MW_SHARED_LEN];

	memset(src, 0x77, sizeof(src));
	h->written = buf_cmd(h->c, h->write_cmd, src, sizeof(src));
	return NULL;
}

/*
 * The writer starts while the reader's copy waits; the page is served once
 * it is done, or after 2 s if it waits (mw_clean: the reader holds the
 * mutex until its copy returns, so the writer goes after it).
 */
static int start_writer(struct inflight *h)
{
	int i, err;

	h->written = 1;
	err = pthread_create(&h->writer, NULL, shared_writer, h);
	if (err)
		return -err;
	h->writing = true;
	for (i = 0; i < 200 && h->written == 1; i++)
		usleep(10000);
	return 0;
}

/* A reader's copy of the shared buffer waits on a fault; another task writes it meanwhile. */
static int run_race_nolock(struct ctx *c)
{
	int err = copy_in_flight(c, MW_IOC_SHARED_READ, start_writer, MW_IOC_SHARED_WRITE);

	simple_cmd(c, MW_IOC_SHARED_FREE);
	return err;
}

/* The same on the module's static buffer. */
static int run_race_static(struct ctx *c)
{
	return copy_in_flight(c, MW_IOC_STATIC_READ, start_writer, MW_IOC_STATIC_WRITE);
}

struct task_cmd {
	struct ctx *c;
	unsigned long cmd;
	long ret;
};

static void *task_cmd_main(void *arg)
{
	struct task_cmd *t = arg;
	char buf[MW_SHARED_LEN] = { 0 };

	t->ret = buf_cmd(t->c, t->cmd, buf, sizeof(buf));
	return NULL;
}

/* @cmd with a buffer, run by another task (a thread that ends). */
static long other_task_cmd(struct ctx *c, unsigned long cmd)
{
	struct task_cmd t = { .c = c, .cmd = cmd };
	pthread_t th;
	int err = pthread_create(&th, NULL, task_cmd_main, &t);

	if (err)
		return -err;
	pthread_join(th, NULL);
	return t.ret;
}

/* Each of two tasks with a file of its own, writing and reading its own buffer. */
static void *private_user(void *arg)
{
	struct task_cmd *t = arg;
	struct ctx own = *t->c;
	char buf[MW_SHARED_LEN] = { 0 };
	int i;

	own.fd = open(t->c->dev, O_RDWR | O_CLOEXEC);
	if (own.fd < 0) {
		t->ret = -errno;
		return NULL;
	}
	for (i = 0; i < 3 && t->ret >= 0; i++) {
		t->ret = buf_cmd(&own, MW_IOC_PRIVATE_WRITE, buf, sizeof(buf));
		if (t->ret >= 0)
			t->ret = buf_cmd(&own, MW_IOC_PRIVATE_READ, buf, sizeof(buf));
	}
	close(own.fd);
	return NULL;
}

/*
 * race_two_locks: this task reads the shared buffer under lock A, another
 * writes it under lock B, this one reads again: turns taken, no lock in
 * common. Then what is correct in both modules: an object handed from this
 * task to another, and two tasks each with a buffer of its own file.
 */
static int run_race_two_locks(struct ctx *c)
{
	char buf[MW_SHARED_LEN] = { 0 };
	struct task_cmd p[2] = { { .c = c }, { .c = c } };
	pthread_t th[2];
	long n[5];
	int i;

	n[0] = buf_cmd(c, MW_IOC_SHARED_READ_A, buf, sizeof(buf));
	n[1] = other_task_cmd(c, MW_IOC_SHARED_WRITE_B);
	n[2] = buf_cmd(c, MW_IOC_SHARED_READ_A, buf, sizeof(buf));
	simple_cmd(c, MW_IOC_SHARED_FREE);
	n[3] = buf_cmd(c, MW_IOC_HANDOFF_PUT, buf, sizeof(buf));
	n[4] = other_task_cmd(c, MW_IOC_HANDOFF_TAKE);
	for (i = 0; i < 5; i++)
		if (n[i] < 0)
			return (int)n[i];
	for (i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, private_user, &p[i]))
			return -errno;
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 2; i++)
		if (p[i].ret < 0)
			return (int)p[i].ret;
	note(c, "copied=%ld", n[2]);
	return 0;
}

/*
 * uaf_reused: the module frees its record but keeps the pointer; SysV
 * messages of the record's size class then ask for memory on the same CPU
 * (SLUB hands a CPU the object it freed last), and the module's next call
 * copies from the stale pointer. a_message_got_it=1 when what came back is
 * one of the messages (its text after the 48-byte header).
 */
#define STALE_SPRAY	16

static int spray_after_free(struct ctx *c, int q)
{
	struct {
		long mtype;
		char text[MW_STALE_MSG_LEN];
	} msg = { .mtype = 1 };
	int i, err;

	memset(msg.text, 0xc3, sizeof(msg.text));
	err = simple_cmd(c, MW_IOC_STALE_FREE);
	for (i = 0; !err && i < STALE_SPRAY; i++)
		if (msgsnd(q, &msg, sizeof(msg.text), IPC_NOWAIT))
			err = -errno;
	return err;
}

static int run_uaf_reused(struct ctx *c)
{
	unsigned char buf[128] = { 0 };
	cpu_set_t one, old;
	int q, err;
	long n;

	if (sched_getaffinity(0, sizeof(old), &old))
		return -errno;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return -errno;
	q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	err = q < 0 ? -errno : spray_after_free(c, q);
	if (!err) {
		n = buf_cmd(c, MW_IOC_STALE_READ, buf, sizeof(buf));
		if (n < 0)
			err = (int)n;
		else
			note(c, "copied=%ld a_message_got_it=%d", n, n == MW_STALE_SIZE &&
			     !count_not(buf + MW_STALE_MSG_HDR, MW_STALE_MSG_LEN, 0xc3));
	}
	if (q >= 0)
		msgctl(q, IPC_RMID, NULL);
	sched_setaffinity(0, sizeof(old), &old);
	return err;
}

static int run_uninit_copy(struct ctx *c)
{
	unsigned char buf[MW_HEAP_LEN];
	long n;

	memset(buf, 0, sizeof(buf));
	n = buf_cmd(c, MW_IOC_UNINIT, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* Zero under init_on_alloc (the default); stale heap bytes with init_on_alloc=0. */
	note(c, "copied=%ld nonzero=%d", n, count_not(buf, n, 0));
	return 0;
}

static int run_uninit_partial(struct ctx *c)
{
	unsigned char buf[sizeof(struct mw_report_rec)];
	long n;

	memset(buf, 0, sizeof(buf));
	n = buf_cmd(c, MW_IOC_UNINIT_PARTIAL, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	note(c, "copied=%ld", n);
	return 0;
}

static int run_uaf_mutex(struct ctx *c)
{
	return simple_cmd(c, MW_IOC_UAF_MUTEX);
}

static int run_double_free(struct ctx *c)
{
	return simple_cmd(c, MW_IOC_DOUBLE_FREE);
}

static int run_invalid_free(struct ctx *c)
{
	return simple_cmd(c, MW_IOC_INVALID_FREE);
}

static int run_leak(struct ctx *c)
{
	return simple_cmd(c, MW_IOC_LEAK);
}

/* ---- locks ---- */

struct owner_task {
	struct ctx *c;
	long ret;
};

static void *owner_take(void *arg)
{
	struct owner_task *a = arg;

	a->ret = xioctl(a->c, MW_IOC_OWNER_TAKE, NULL);
	return NULL;
}

/* Task A (a thread) takes the lock and waits in the kernel; task B (this one) drops it. */
static int run_unlock_not_owner(struct ctx *c)
{
	struct owner_task a = { .c = c };
	long drop;
	pthread_t t;
	int err;

	err = pthread_create(&t, NULL, owner_take, &a);
	if (err)
		return -err;
	drop = xioctl(c, MW_IOC_OWNER_DROP, NULL);
	pthread_join(t, NULL);
	if (a.ret < 0)
		return (int)a.ret;
	return drop < 0 ? (int)drop : 0;
}

static int run_unlock_not_held(struct ctx *c)
{
	return simple_cmd(c, MW_IOC_UNLOCK_UNHELD);
}

static void recursive_child(struct ctx *c, pid_t parent)
{
	/* Dies with the trigger, even when the harness kills only the trigger. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	_exit(xioctl(c, MW_IOC_RECURSIVE, NULL) < 0 ? 1 : 0);
}

/* Waits up to timeout seconds (0: for ever) for pid; true when it has exited. */
static bool wait_child(pid_t pid, unsigned int timeout, int *status)
{
	struct timespec tick = { .tv_nsec = 50 * 1000 * 1000 };
	unsigned int ticks;

	for (ticks = 0; !timeout || ticks < timeout * 20; ticks++) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}

static int run_recursive_lock(struct ctx *c)
{
	pid_t parent = getpid();
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		recursive_child(c, parent);
	if (wait_child(pid, c->block_timeout, &status)) {
		note(c, "blocked=0 status=%d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return 0;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	note(c, "blocked=1 killed_after=%us", c->block_timeout);
	return 0;
}

static int run_held_on_return(struct ctx *c)
{
	long ret = xioctl(c, MW_IOC_HOLD, NULL);

	if (ret < 0)
		return (int)ret;
	ret = xioctl(c, MW_IOC_RELEASE, NULL);
	return ret < 0 ? (int)ret : 0;
}

static int run_copy_under_spinlock(struct ctx *c)
{
	/* On the stack and written just now: faulted in, so the copy cannot fault. */
	struct mw_stats s = { .packets = 1, .bytes = 1500 };
	long ret = xioctl(c, MW_IOC_ATOMIC_COPY, &s);

	return ret < 0 ? (int)ret : 0;
}

/* One after the other: the inversion is visible, but nothing can deadlock. */
static int run_lock_order(struct ctx *c)
{
	int err = simple_cmd(c, MW_IOC_ORDER_AB);

	return err ? err : simple_cmd(c, MW_IOC_ORDER_BA);
}

/* A then B, B then C, C then A: no pair inverts, the three make a cycle. */
static int run_lock_cycle(struct ctx *c)
{
	int err = simple_cmd(c, MW_IOC_ORDER_AB);

	if (!err)
		err = simple_cmd(c, MW_IOC_ORDER_BC);
	return err ? err : simple_cmd(c, MW_IOC_ORDER_CA);
}

static int run_held_lock_freed(struct ctx *c)
{
	return simple_cmd(c, MW_IOC_FREE_HELD);
}

static int run_held_on_unload(struct ctx *c)
{
	return simple_cmd(c, MW_IOC_HOLD_UNLOAD);
}

/* ---- plain loads and stores (modwatch --deep) ---- */

/* The module's checksum of what it read (>= 0), or -errno. */
static int deep_cmd(struct ctx *c, unsigned long cmd)
{
	long ret = xioctl(c, cmd, NULL);

	if (ret < 0)
		return (int)ret;
	note(c, "read=%ld", ret);
	return 0;
}

static int run_deep_uaf_load(struct ctx *c)
{
	return deep_cmd(c, MW_IOC_DEEP_LOAD);
}

static int run_deep_uaf_store(struct ctx *c)
{
	return deep_cmd(c, MW_IOC_DEEP_STORE);
}

static int run_deep_uaf_work(struct ctx *c)
{
	return deep_cmd(c, MW_IOC_DEEP_WORK);
}

static int run_deep_term(struct ctx *c)
{
	char text[MW_HEAP_LEN];
	long ret;

	memset(text, 'a', sizeof(text));
	ret = buf_cmd(c, MW_IOC_DEEP_TERM, text, sizeof(text));
	return ret < 0 ? (int)ret : 0;
}

static int run_deep_index(struct ctx *c)
{
	return deep_cmd(c, MW_IOC_DEEP_INDEX);
}

/* ---- the table and the command line ---- */

struct scenario {
	const char *name;
	const char *kind;
	const char *site;
	unsigned int flags;
	int (*run)(struct ctx *c);
};

static const struct scenario scenarios[] = {
#define X(name, kind, flags, site) { #name, #kind, site, flags, run_##name },
	MW_SCENARIOS(X)
#undef X
};

#define NR_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

static const struct scenario *find_scenario(const char *name)
{
	size_t i;

	for (i = 0; i < NR_SCENARIOS; i++)
		if (!strcmp(scenarios[i].name, name))
			return &scenarios[i];
	return NULL;
}

/* Prints the scenario's line; returns 0 when it ran. */
static int run_one(struct ctx *c, const struct scenario *s)
{
	int err;

	c->detail[0] = '\0';
	err = s->run(c);
	if (err)
		printf("%s %s failed: %s%s%s\n", s->name, s->kind, strerror(-err),
		       c->detail[0] ? " " : "", c->detail);
	else
		printf("%s %s ok%s%s\n", s->name, s->kind, c->detail[0] ? " " : "", c->detail);
	fflush(stdout);
	return err ? 1 : 0;
}

static int open_device(struct ctx *c, const char *dev)
{
	struct mw_info info;

	c->fd = open(dev, O_RDWR | O_CLOEXEC);
	if (c->fd < 0) {
		fprintf(stderr, "trigger: %s: %s\n", dev, strerror(errno));
		return -1;
	}
	if (xioctl(c, MW_IOC_INFO, &info) < 0 || info.abi != MW_ABI_VERSION) {
		fprintf(stderr, "trigger: %s is not a modwatch test device (ABI %d)\n", dev,
			MW_ABI_VERSION);
		return -1;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: trigger [--dev PATH] [--include-blocking] [--block-timeout SEC] "
		     "[--repeat N] [--deep] [--comm NAME] list|sites|all|crash|hot N|SCENARIO...\n"
		     "  --comm NAME name this task NAME (prctl(PR_SET_NAME)) first\n"
		     "  --repeat N  run each named scenario N times (a violation storm)\n"
		     "  --deep      list, sites and all take the scenarios of plain loads and "
		     "stores (modwatch --deep) instead\n");
}

/* list, sites and all take the API-boundary scenarios, or with --deep the plain-access ones. */
static bool in_set(const struct scenario *s, bool deep)
{
	return !(s->flags & MW_SCN_DEEP) == !deep;
}

static int list(bool sites, bool deep)
{
	size_t i;

	for (i = 0; i < NR_SCENARIOS; i++) {
		if (!in_set(&scenarios[i], deep))
			continue;
		if (sites)
			printf("%s %s %s\n", scenarios[i].name, scenarios[i].kind,
			       scenarios[i].site);
		else
			printf("%s %s\n", scenarios[i].name, scenarios[i].kind);
	}
	return 0;
}

static int run_all(struct ctx *c, bool include_blocking, bool deep)
{
	int failed = 0;
	size_t i;

	for (i = 0; i < NR_SCENARIOS; i++)
		if (in_set(&scenarios[i], deep) &&
		    (include_blocking || !(scenarios[i].flags & MW_SCN_BLOCKS)))
			failed |= run_one(c, &scenarios[i]);
	return failed;
}

static int run_named(struct ctx *c, char **names, int count, unsigned long repeat)
{
	unsigned long r;
	int failed = 0;
	int i;

	for (i = 0; i < count; i++)
		for (r = 0; r < repeat; r++)
			failed |= run_one(c, find_scenario(names[i]));
	return failed;
}

/* A kernel-crashing bug, @what (NULL: double_free): returns only if the kernel survived it. */
static int run_crash(struct ctx *c, const char *dev, const char *what)
{
	unsigned char buf[128];
	long err;

	if (what && strcmp(what, "double_free") && strcmp(what, "heap_read")) {
		fprintf(stderr, "trigger: crash: no bug '%s' (double_free or heap_read)\n", what);
		return 2;
	}
	if (open_device(c, dev))
		return 1;
	if (what && !strcmp(what, "heap_read"))
		err = buf_cmd(c, MW_IOC_CRASH_HEAP_READ, buf, sizeof(buf));
	else
		err = xioctl(c, MW_IOC_CRASH_DOUBLE_FREE, NULL);
	if (err < 0)
		fprintf(stderr, "trigger: crash: %s%s\n", strerror(-err),
			err == -EPERM ? " (load mw_buggy with crash=1)" : "");
	return err < 0 ? 1 : 0;
}

/* hot N: MW_IOC_HOT N times (make bench's watched hot path); prints the wall time in ns. */
static int run_hot(const char *dev, const char *count)
{
	unsigned char buf[MW_HOT_LEN] = { 0 };
	unsigned long i, n = count ? strtoul(count, NULL, 10) : 0;
	struct ctx c = { .fd = -1 };
	struct timespec a, b;

	if (!n) {
		fprintf(stderr, "trigger: hot needs a count: trigger hot N\n");
		return 2;
	}
	if (open_device(&c, dev))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		if (buf_cmd(&c, MW_IOC_HOT, buf, sizeof(buf)) != MW_HOT_LEN) {
			fprintf(stderr, "trigger: %s: MW_IOC_HOT: %s\n", dev, strerror(errno));
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%lld\n", (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx c = { .fd = -1, .block_timeout = DEFAULT_BLOCK_TIMEOUT };
	const char *dev = DEFAULT_DEV;
	bool include_blocking = false, deep = false;
	unsigned long repeat = 1;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--dev") && i + 1 < argc) {
			dev = argv[++i];
		} else if (!strcmp(argv[i], "--include-blocking")) {
			include_blocking = true;
		} else if (!strcmp(argv[i], "--deep")) {
			deep = true;
		} else if (!strcmp(argv[i], "--block-timeout") && i + 1 < argc) {
			c.block_timeout = (unsigned int)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
			repeat = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--comm") && i + 1 < argc) {
			if (prctl(PR_SET_NAME, argv[++i])) {
				perror("trigger: prctl(PR_SET_NAME)");
				return 1;
			}
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	c.dev = dev;
	if (!strcmp(argv[i], "list") || !strcmp(argv[i], "sites"))
		return list(!strcmp(argv[i], "sites"), deep);
	if (!strcmp(argv[i], "hot"))
		return run_hot(dev, i + 1 < argc ? argv[i + 1] : NULL);
	if (!strcmp(argv[i], "crash"))
		return run_crash(&c, dev, i + 1 < argc ? argv[i + 1] : NULL);
	if (strcmp(argv[i], "all")) {
		int j;

		for (j = i; j < argc; j++) {
			if (!find_scenario(argv[j])) {
				fprintf(stderr, "trigger: no scenario '%s' (see 'trigger list')\n",
					argv[j]);
				return 2;
			}
		}
	}
	if (open_device(&c, dev))
		return 1;
	if (!strcmp(argv[i], "all"))
		return run_all(&c, include_blocking, deep);
	return run_named(&c, argv + i, argc - i, repeat ? repeat : 1);
}
