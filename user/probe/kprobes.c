// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching kprobes by address, many at once, and detaching them, in the
 * background if need be. Registering and, above all, unregistering a
 * kprobe waits for RCU grace periods, which concurrent callers share: so
 * the work is spread over several threads. Nothing here knows what is
 * probed or why (probe/site_probes.c plans modwatch's call sites).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include "probe/kprobes.h"
#include "service/notify.h"

/* The kprobe PMU's perf type (/sys/bus/event_source/devices/kprobe/type). */
static int kprobe_pmu_type(void)
{
	static int type = -1;
	FILE *f;

	if (type >= 0)
		return type;
	f = fopen("/sys/bus/event_source/devices/kprobe/type", "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%d", &type) != 1)
		type = -1;
	fclose(f);
	return type >= 0 ? type : -EINVAL;
}

/*
 * A kprobe PMU event with no function name takes config2 as the address
 * (kernel/trace/trace_kprobe.c: create_local_trace_kprobe()); the link owns
 * the perf fd and closes it on destroy.
 */
static void attach_probe(struct mw_kprobe *p)
{
	LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = p->cookie);
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = kprobe_pmu_type(),
		.config2 = p->addr,
	};
	int pfd;

	pfd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		p->err = -errno;
		return;
	}
	p->link = bpf_program__attach_perf_event_opts(p->prog, pfd, &opts);
	if (!p->link) {
		p->err = -errno;
		close(pfd);
	}
}

/* Work shared by the threads: each takes the next item until none is left. */
struct batch {
	void *items;
	size_t n, size;
	size_t next;		/* __atomic */
	void (*fn)(void *item);
};

/* @kick: the main thread tells systemd's watchdog it is busy, not hung. */
static void batch_work(struct batch *b, bool kick)
{
	size_t i;

	while ((i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) < b->n) {
		b->fn((char *)b->items + i * b->size);
		if (kick)
			mw_watchdog_kick();
	}
}

static void *batch_worker(void *arg)
{
	batch_work(arg, false);
	return NULL;
}

/*
 * Threads for a batch. Measured on Debian 6.1 under TCG (ext4, 1141
 * probes): registering costs ~55 ms a probe and does not scale (kprobe_mutex,
 * text_mutex and jump_label_lock serialise it; the kernel decodes the whole
 * function for each probe); closing costs ~70 ms a probe alone and ~42 ms
 * with 16 threads: its synchronize_rcu() calls overlap, the tracepoint
 * unregistration under event_mutex does not.
 */
#define MW_PROBE_THREADS 16

/*
 * Kprobe optimization (a jump in place of the int3) is prepared as each probe
 * registers, and the kernel's optimizer then holds kprobe_mutex across an
 * RCU-tasks grace period on every pass (kernel/kprobes.c, kprobe_optimizer(),
 * in 6.1 as in 6.12): each registration and each removal waits behind it. Measured on Debian 6.1 under TCG, --deep on loop (642
 * probes): 31 s to attach with it on, 9-13 s with it off. So a big batch
 * pauses it (debug.kprobes-optimization = 0) and puts it back afterwards; the
 * kernel then optimizes all the probes in a few passes of up to 256. A
 * modwatch killed meanwhile leaves it off, which costs speed only: doctor
 * says so.
 */
#define MW_KPROBE_OPT "/proc/sys/debug/kprobes-optimization"
#define MW_OPT_PAUSE_MIN 64	/* smaller batches are not worth a global knob */

static struct {
	pthread_mutex_t lock;
	int users;
	bool paused;		/* we turned it off and owe the 1 */
} opt = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* debug.kprobes-optimization: 1 or 0, or -errno (-ENOENT: no CONFIG_OPTPROBES). */
int mw_kprobes_optimization(void)
{
	char c = 0;
	int fd = open(MW_KPROBE_OPT, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -errno;
	n = read(fd, &c, 1);
	close(fd);
	return n == 1 && (c == '0' || c == '1') ? c - '0' : -EINVAL;
}

static bool opt_write(char c)
{
	int fd = open(MW_KPROBE_OPT, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, &c, 1) == 1;
	close(fd);
	return ok;
}

static void opt_pause(void)
{
	pthread_mutex_lock(&opt.lock);
	if (opt.users++ == 0 && mw_kprobes_optimization() == 1)
		opt.paused = opt_write('0');
	pthread_mutex_unlock(&opt.lock);
}

static void opt_resume(void)
{
	pthread_mutex_lock(&opt.lock);
	if (--opt.users == 0 && opt.paused) {
		opt_write('1');
		opt.paused = false;
	}
	pthread_mutex_unlock(&opt.lock);
}

/* Runs @fn on each of @n items of @size bytes, from up to MW_PROBE_THREADS threads. */
static void run_batch(void *items, size_t n, size_t size, void (*fn)(void *))
{
	struct batch b = { .items = items, .n = n, .size = size, .fn = fn };
	pthread_t t[MW_PROBE_THREADS];
	size_t i, nt = n / 4 < MW_PROBE_THREADS ? n / 4 : MW_PROBE_THREADS;

	if (n >= MW_OPT_PAUSE_MIN)
		opt_pause();
	for (i = 0; i < nt; i++)
		if (pthread_create(&t[i], NULL, batch_worker, &b))
			break;
	nt = i;
	batch_work(&b, true);	/* this thread works too, and alone when none started */
	for (i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	if (n >= MW_OPT_PAUSE_MIN)
		opt_resume();
}

static void attach_item(void *item)
{
	attach_probe(item);
}

static void destroy_item(void *item)
{
	bpf_link__destroy(*(struct bpf_link **)item);
}

void mw_kprobes_attach(struct mw_kprobe *first, size_t n, size_t stride)
{
	run_batch(first, n, stride, attach_item);
}

/*
 * Detaches in the background: one reaper thread at a time empties a queue
 * of links (its batches spread over MW_PROBE_THREADS), and the session's
 * end waits for it.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t idle;
	struct bpf_link **links;
	size_t n, cap;
	bool running;
} reap = { .lock = PTHREAD_MUTEX_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER };

static void *reaper(void *arg)
{
	struct bpf_link **links;
	size_t n;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&reap.lock);
		links = reap.links;
		n = reap.n;
		reap.links = NULL;
		reap.n = reap.cap = 0;
		if (!n) {
			reap.running = false;
			pthread_cond_broadcast(&reap.idle);
			pthread_mutex_unlock(&reap.lock);
			return NULL;
		}
		pthread_mutex_unlock(&reap.lock);
		run_batch(links, n, sizeof(*links), destroy_item);
		free(links);
	}
}

/* Queue @links for the reaper, starting it if it is not running; false if that failed. */
static bool reap_later(struct bpf_link **links, __u32 n)
{
	struct bpf_link **v;
	pthread_attr_t attr;
	pthread_t t;
	bool ok = true;

	pthread_mutex_lock(&reap.lock);
	if (reap.n + n > reap.cap) {
		v = realloc(reap.links, (reap.n + n) * sizeof(*v));
		if (!v) {
			pthread_mutex_unlock(&reap.lock);
			return false;
		}
		reap.links = v;
		reap.cap = reap.n + n;
	}
	memcpy(reap.links + reap.n, links, n * sizeof(*links));
	reap.n += n;
	if (!reap.running) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		reap.running = !pthread_create(&t, &attr, reaper, NULL);
		pthread_attr_destroy(&attr);
		if (!reap.running) {
			reap.n -= n;	/* destroyed by the caller, here and now */
			ok = false;
		}
	}
	pthread_mutex_unlock(&reap.lock);
	return ok;
}

/* In the reaper's thread if @background (and it runs), else here. */
void mw_kprobes_detach(struct bpf_link **links, __u32 n, bool background)
{
	if (!background || !n || !reap_later(links, n))
		run_batch(links, n, sizeof(*links), destroy_item);
	free(links);
}

void mw_kprobes_wait(void)
{
	pthread_mutex_lock(&reap.lock);
	while (reap.running)
		pthread_cond_wait(&reap.idle, &reap.lock);
	pthread_mutex_unlock(&reap.lock);
}

