// SPDX-License-Identifier: GPL-2.0
/*
 * real-drive: drives Debian's own modules through their real user APIs, for
 * the real-module gate (tests/real/guest-real.sh runs it in the test VM while
 * modwatch watches). Each subcommand does real work and checks that it came
 * back: a gate whose workload silently did nothing would prove nothing, so
 * every refusal by the kernel is one line on stderr and a non-zero exit.
 *
 * The test VM has no udev: a missing device node is made from sysfs's
 * MAJ:MIN. A watchdog (SIGALRM) ends any subcommand that blocks, naming the
 * step it was in, so a stuck driver costs seconds, not the VM's timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/nbd.h>
#include <linux/sockios.h>
#include <linux/uinput.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sound/asound.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *cmd = "";		/* the subcommand, for messages */
static const char *volatile step = "start";	/* for the watchdog's message */

static int fail(const char *what)
{
	fprintf(stderr, "real-drive %s: %s: %s\n", cmd, what, strerror(errno));
	return -1;
}

static int failx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "real-drive %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static void say(const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", cmd);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int xioctl(int fd, unsigned long req, void *arg, const char *name)
{
	step = name;
	return ioctl(fd, req, arg) < 0 ? fail(name) : 0;
}

static void watchdog(int sig)
{
	char msg[160];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "real-drive %s: timed out in %s\n", cmd, step);
	if (write(2, msg, n) < 0)
		_exit(124);
	_exit(124);
}

/* Opens a device node, first making it from sysfs (MAJ:MIN) if it is missing. */
static int open_dev(const char *path, const char *sysdev, mode_t type, int flags)
{
	unsigned int maj, min;
	FILE *f;
	int fd, n;

	fd = open(path, flags);
	if (fd >= 0 || errno != ENOENT || !sysdev)
		return fd < 0 ? fail(path) : fd;
	f = fopen(sysdev, "r");
	if (!f)
		return fail(sysdev);
	n = fscanf(f, "%u:%u", &maj, &min);
	fclose(f);
	if (n != 2)
		return failx("%s: no MAJ:MIN", sysdev);
	if (mknod(path, type | 0600, makedev(maj, min)) < 0 && errno != EEXIST)
		return fail(path);
	fd = open(path, flags);
	return fd < 0 ? fail(path) : fd;
}

/* A pattern that differs per byte and per run position, to catch misplaced blocks. */
static void fill(unsigned char *b, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(i * 7 + (i >> 9) + seed);
}

static void *aligned(size_t n)
{
	void *p = NULL;

	return posix_memalign(&p, 4096, n) ? NULL : p;
}

/* Writes @n pattern bytes at @off through @wpath, reads them back through @rpath (O_DIRECT). */
static int block_roundtrip(const char *wpath, const char *rpath, off_t off, size_t n)
{
	unsigned char *w = aligned(n), *r = aligned(n);
	int fd, ret = -1;

	if (!w || !r)
		return failx("out of memory");
	fill(w, n, (unsigned int)off);
	step = "block write";
	fd = open(wpath, O_RDWR | O_DIRECT);
	if (fd < 0 || pwrite(fd, w, n, off) != (ssize_t)n || fsync(fd) < 0) {
		fail(wpath);
		goto out;
	}
	close(fd);
	step = "block read";
	fd = open(rpath, O_RDONLY | O_DIRECT);
	if (fd < 0 || pread(fd, r, n, off) != (ssize_t)n) {
		fail(rpath);
		goto out;
	}
	if (memcmp(w, r, n)) {
		failx("%s read back other bytes than %s was written", rpath, wpath);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(w);
	free(r);
	return ret;
}

/*
 * tun IFNAME [FRAMES [BRIDGE [IPV4]]]: a tap device, up, optionally a port of
 * BRIDGE; FRAMES frames written as if from the wire. With IPV4 (an address of
 * this host on that link) they are ARP requests for it, and at least one reply
 * must come back through the tap: the frame crossed tun, the bridge and the
 * stack both ways.
 */
static int do_tun(int argc, char **argv)
{
	static const unsigned char peer[6] = { 0x02, 0x6d, 0x77, 0, 0, 1 };
	int frames = argc > 1 ? atoi(argv[1]) : 8, fd, sk, i, replies = 0;
	const char *bridge = argc > 2 && *argv[2] ? argv[2] : NULL;
	struct in_addr ip = { 0 }, me;
	unsigned char f[60];
	struct ifreq ifr;

	if (argc < 1 || frames <= 0 || (argc > 3 && !inet_aton(argv[3], &ip)))
		return failx("usage: tun IFNAME [FRAMES [BRIDGE [IPV4]]]");
	fd = open("/dev/net/tun", O_RDWR);
	sk = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || sk < 0)
		return fail("/dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", argv[0]);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (xioctl(fd, TUNSETIFF, &ifr, "TUNSETIFF") ||
	    xioctl(fd, TUNGETFEATURES, &i, "TUNGETFEATURES"))
		return -1;
	if (bridge) {
		ifr.ifr_ifindex = if_nametoindex(argv[0]);
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", bridge);
		if (xioctl(sk, SIOCBRADDIF, &ifr, "SIOCBRADDIF"))
			return -1;
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", argv[0]);
	}
	if (xioctl(sk, SIOCGIFFLAGS, &ifr, "SIOCGIFFLAGS"))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	if (xioctl(sk, SIOCSIFFLAGS, &ifr, "SIOCSIFFLAGS"))
		return -1;

	/* Broadcast ARP requests "who has IPV4, tell .200 of its /24". */
	me.s_addr = htonl((ntohl(ip.s_addr) & ~0xffu) | 200);
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, peer, 6);
	memcpy(f + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
	memcpy(f + 22, peer, 6);
	memcpy(f + 28, &me, 4);
	memcpy(f + 38, &ip, 4);
	if (!ip.s_addr)
		memcpy(f + 12, "\x88\xb5", 2);	/* local experimental ethertype */
	step = "write";
	for (i = 0; i < frames; i++) {
		f[59] = i;
		if (write(fd, f, sizeof(f)) != sizeof(f))
			return fail("write");
	}
	/* Whatever comes back (IPv6 chatter too); ARP replies to us are counted. */
	step = "read";
	for (i = 0; i < 64; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		unsigned char in[2048];
		ssize_t n;

		if (poll(&p, 1, replies ? 100 : 1000) <= 0)
			break;
		n = read(fd, in, sizeof(in));
		if (n < 0)
			return fail("read");
		if (n >= 42 && !memcmp(in, peer, 6) && !memcmp(in + 12, "\x08\x06", 2) &&
		    in[21] == 2 && !memcmp(in + 28, &ip, 4))
			replies++;
	}
	say("%s: %d frames written, %d read back, %d ARP replies", argv[0], frames, i, replies);
	if (ip.s_addr && !replies)
		return failx("no ARP reply for %s came back", argv[3]);
	memset(&ifr, 0, sizeof(ifr));
	if (xioctl(fd, TUNGETIFF, &ifr, "TUNGETIFF"))
		return -1;
	if (strcmp(ifr.ifr_name, argv[0]) || !(ifr.ifr_flags & IFF_TAP))
		return failx("TUNGETIFF: %s flags %#x", ifr.ifr_name, ifr.ifr_flags);
	step = "TUNSETPERSIST";
	if (ioctl(fd, TUNSETPERSIST, 0) < 0)
		return fail("TUNSETPERSIST 0");
	close(sk);
	return close(fd);
}

/* The eventN node of input device @sysname (inputM), through sysfs. */
static int evdev_open(const char *sysname)
{
	char dir[128], path[160], sys[192];
	int n;

	for (n = 0; n < 32; n++) {
		snprintf(dir, sizeof(dir), "/sys/devices/virtual/input/%s/event%d", sysname, n);
		if (access(dir, F_OK) == 0)
			break;
	}
	if (n == 32)
		return failx("no event node under /sys/devices/virtual/input/%s", sysname);
	snprintf(path, sizeof(path), "/dev/input/event%d", n);
	snprintf(sys, sizeof(sys), "%s/dev", dir);
	mkdir("/dev/input", 0755);
	return open_dev(path, sys, S_IFCHR, O_RDONLY | O_NONBLOCK);
}

static int emit(int fd, int type, int code, int value)
{
	struct input_event e = { .type = type, .code = code, .value = value };

	return write(fd, &e, sizeof(e)) == sizeof(e) ? 0 : fail("write uinput");
}

/*
 * uinput [KEYS]: a keyboard made through uinput; KEYS presses and releases are
 * written to it and must all be read back from its evdev node.
 */
static int do_uinput(int argc, char **argv)
{
	static const char name[] = "modwatch real-drive keyboard";
	int keys = argc > 0 ? atoi(argv[0]) : 32, ui, ev, i, got = 0, ver;
	struct uinput_setup us = { .id = { BUS_VIRTUAL, 0x6d77, 0x0001, 1 } };
	unsigned char bits[KEY_MAX / 8 + 1];
	char sysname[64], evname[256];
	struct input_event e;

	if (keys <= 0)
		return failx("usage: uinput [KEYS]");
	ui = open_dev("/dev/uinput", "/sys/class/misc/uinput/dev", S_IFCHR, O_RDWR);
	if (ui < 0)
		return -1;
	step = "UI_SET_*BIT";
	if (ioctl(ui, UI_SET_EVBIT, EV_KEY) < 0 || ioctl(ui, UI_SET_EVBIT, EV_SYN) < 0)
		return fail("UI_SET_EVBIT");
	for (i = KEY_Q; i <= KEY_P; i++)	/* letters: harmless to the VT they reach */
		if (ioctl(ui, UI_SET_KEYBIT, i) < 0)
			return fail("UI_SET_KEYBIT");
	snprintf(us.name, sizeof(us.name), "%s", name);
	if (xioctl(ui, UI_DEV_SETUP, &us, "UI_DEV_SETUP") ||
	    xioctl(ui, UI_DEV_CREATE, NULL, "UI_DEV_CREATE") ||
	    xioctl(ui, UI_GET_SYSNAME(sizeof(sysname)), sysname, "UI_GET_SYSNAME"))
		return -1;
	ev = evdev_open(sysname);
	if (ev < 0)
		return -1;
	memset(bits, 0, sizeof(bits));
	if (xioctl(ev, EVIOCGVERSION, &ver, "EVIOCGVERSION") ||
	    xioctl(ev, EVIOCGNAME(sizeof(evname)), evname, "EVIOCGNAME") ||
	    xioctl(ev, EVIOCGBIT(EV_KEY, sizeof(bits)), bits, "EVIOCGBIT"))
		return -1;
	if (strcmp(evname, name) || !(bits[KEY_Q / 8] & (1 << (KEY_Q % 8))))
		return failx("evdev says name '%s', KEY_Q %s", evname,
			     bits[KEY_Q / 8] & (1 << (KEY_Q % 8)) ? "set" : "unset");
	/* Drained after every key: evdev's client buffer holds only 64 events. */
	for (i = 0; i < keys; i++) {
		int code = KEY_Q + i % (KEY_P - KEY_Q + 1), want = got + 2;
		struct pollfd p = { .fd = ev, .events = POLLIN };

		step = "write uinput";
		if (emit(ui, EV_KEY, code, 1) || emit(ui, EV_SYN, SYN_REPORT, 0) ||
		    emit(ui, EV_KEY, code, 0) || emit(ui, EV_SYN, SYN_REPORT, 0))
			return -1;
		step = "read evdev";
		while (got < want && poll(&p, 1, 1000) > 0)
			while (read(ev, &e, sizeof(e)) == sizeof(e))
				got += e.type == EV_KEY && e.code == code;
	}
	say("%s (%s, evdev %#x): %d key events written, %d read back", sysname, evname, ver,
	    2 * keys, got);
	if (got != 2 * keys)
		return failx("%d key events written, %d read back", 2 * keys, got);
	close(ev);
	return xioctl(ui, UI_DEV_DESTROY, NULL, "UI_DEV_DESTROY") ?: close(ui);
}

/* The control device: card info, every element read, one mixer value changed and restored. */
static int snd_control(int card)
{
	struct snd_ctl_elem_list list = { 0 };
	struct snd_ctl_card_info ci;
	struct snd_ctl_elem_value v, old;
	struct snd_ctl_elem_info info;
	struct snd_ctl_event event;
	char path[64], sys[96];
	int fd, ver, on = 1, changed = 0;
	long set = 0;
	unsigned int i;

	snprintf(path, sizeof(path), "/dev/snd/controlC%d", card);
	snprintf(sys, sizeof(sys), "/sys/class/sound/controlC%d/dev", card);
	mkdir("/dev/snd", 0755);
	fd = open_dev(path, sys, S_IFCHR, O_RDWR | O_NONBLOCK);
	if (fd < 0 || xioctl(fd, SNDRV_CTL_IOCTL_PVERSION, &ver, "CTL_PVERSION") ||
	    xioctl(fd, SNDRV_CTL_IOCTL_CARD_INFO, &ci, "CTL_CARD_INFO") ||
	    xioctl(fd, SNDRV_CTL_IOCTL_ELEM_LIST, &list, "CTL_ELEM_LIST"))
		return -1;
	list.space = list.count;
	list.pids = calloc(list.count + 1, sizeof(*list.pids));
	if (!list.pids || xioctl(fd, SNDRV_CTL_IOCTL_ELEM_LIST, &list, "CTL_ELEM_LIST") ||
	    xioctl(fd, SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS, &on, "CTL_SUBSCRIBE_EVENTS"))
		return -1;
	for (i = 0; i < list.used; i++) {
		memset(&info, 0, sizeof(info));
		info.id = list.pids[i];
		if (xioctl(fd, SNDRV_CTL_IOCTL_ELEM_INFO, &info, "CTL_ELEM_INFO"))
			return -1;
		if (!(info.access & SNDRV_CTL_ELEM_ACCESS_READ))
			continue;
		memset(&old, 0, sizeof(old));
		old.id = list.pids[i];
		if (xioctl(fd, SNDRV_CTL_IOCTL_ELEM_READ, &old, "CTL_ELEM_READ"))
			return -1;
		if (changed || info.type != SNDRV_CTL_ELEM_TYPE_INTEGER ||
		    !(info.access & SNDRV_CTL_ELEM_ACCESS_WRITE) ||
		    info.value.integer.min >= info.value.integer.max)
			continue;
		/* A mixer volume: set it to another value, read it back, restore it. */
		v = old;
		v.value.integer.value[0] = old.value.integer.value[0] == info.value.integer.min ?
			info.value.integer.max : info.value.integer.min;
		if (xioctl(fd, SNDRV_CTL_IOCTL_ELEM_WRITE, &v, "CTL_ELEM_WRITE"))
			return -1;
		set = v.value.integer.value[0];
		changed = 1;
		memset(&v.value, 0, sizeof(v.value));
		if (xioctl(fd, SNDRV_CTL_IOCTL_ELEM_READ, &v, "CTL_ELEM_READ") ||
		    xioctl(fd, SNDRV_CTL_IOCTL_ELEM_WRITE, &old, "CTL_ELEM_WRITE"))
			return -1;
		if (v.value.integer.value[0] != set)
			return failx("'%s' set to %ld reads %ld", (char *)info.id.name, set,
				     v.value.integer.value[0]);
		say("'%s' set to %ld and back to %ld", (char *)info.id.name, set,
		    old.value.integer.value[0]);
	}
	if (!changed)
		return failx("no writable integer element on card %d", card);
	/* The write was announced to subscribers. */
	step = "read ctl event";
	if (read(fd, &event, sizeof(event)) != sizeof(event) || event.type != SNDRV_CTL_EVENT_ELEM)
		return failx("no element event after a write");
	say("card %d '%s' (%s), protocol %#x, %u elements read", card, (char *)ci.name,
	    (char *)ci.driver, ver, list.used);
	free(list.pids);
	return close(fd);
}

static struct snd_mask *hw_mask(struct snd_pcm_hw_params *p, int k)
{
	return &p->masks[k - SNDRV_PCM_HW_PARAM_FIRST_MASK];
}

static struct snd_interval *hw_int(struct snd_pcm_hw_params *p, int k)
{
	return &p->intervals[k - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL];
}

/* Every value allowed, as alsa-lib starts a refinement. */
static void hw_any(struct snd_pcm_hw_params *p)
{
	int k;

	memset(p, 0, sizeof(*p));
	for (k = SNDRV_PCM_HW_PARAM_FIRST_MASK; k <= SNDRV_PCM_HW_PARAM_LAST_MASK; k++)
		memset(hw_mask(p, k), 0xff, sizeof(struct snd_mask));
	for (k = SNDRV_PCM_HW_PARAM_FIRST_INTERVAL; k <= SNDRV_PCM_HW_PARAM_LAST_INTERVAL; k++)
		hw_int(p, k)->max = UINT_MAX;
	p->rmask = ~0u;
	p->info = ~0u;
}

static void hw_set(struct snd_pcm_hw_params *p, int k, unsigned int val)
{
	if (k <= SNDRV_PCM_HW_PARAM_LAST_MASK) {
		memset(hw_mask(p, k), 0, sizeof(struct snd_mask));
		hw_mask(p, k)->bits[val / 32] = 1u << (val % 32);
	} else {
		*hw_int(p, k) = (struct snd_interval){ .min = val, .max = val, .integer = 1 };
	}
}

/* One second of S16_LE stereo silence at 48 kHz through the PCM playback device. */
static int snd_playback(int card)
{
	enum { RATE = 48000, PERIOD = 1024, PERIODS = 8 };
	static short silence[PERIOD * 2];
	struct snd_pcm_hw_params hw;
	struct snd_pcm_sw_params sw = { 0 };
	struct snd_pcm_status st;
	struct snd_pcm_info info = { 0 };
	unsigned long buffer, boundary;
	unsigned int done = 0, xruns = 0;
	char path[64], sys[96];
	int fd;

	snprintf(path, sizeof(path), "/dev/snd/pcmC%dD0p", card);
	snprintf(sys, sizeof(sys), "/sys/class/sound/pcmC%dD0p/dev", card);
	fd = open_dev(path, sys, S_IFCHR, O_RDWR);
	if (fd < 0 || xioctl(fd, SNDRV_PCM_IOCTL_INFO, &info, "PCM_INFO"))
		return -1;
	hw_any(&hw);
	if (xioctl(fd, SNDRV_PCM_IOCTL_HW_REFINE, &hw, "PCM_HW_REFINE"))
		return -1;
	say("%s '%s': rate %u-%u, channels %u-%u", path, (char *)info.name,
	    hw_int(&hw, SNDRV_PCM_HW_PARAM_RATE)->min, hw_int(&hw, SNDRV_PCM_HW_PARAM_RATE)->max,
	    hw_int(&hw, SNDRV_PCM_HW_PARAM_CHANNELS)->min,
	    hw_int(&hw, SNDRV_PCM_HW_PARAM_CHANNELS)->max);
	hw_any(&hw);
	hw_set(&hw, SNDRV_PCM_HW_PARAM_ACCESS, SNDRV_PCM_ACCESS_RW_INTERLEAVED);
	hw_set(&hw, SNDRV_PCM_HW_PARAM_FORMAT, SNDRV_PCM_FORMAT_S16_LE);
	hw_set(&hw, SNDRV_PCM_HW_PARAM_SUBFORMAT, SNDRV_PCM_SUBFORMAT_STD);
	hw_set(&hw, SNDRV_PCM_HW_PARAM_CHANNELS, 2);
	hw_set(&hw, SNDRV_PCM_HW_PARAM_RATE, RATE);
	hw_set(&hw, SNDRV_PCM_HW_PARAM_PERIOD_SIZE, PERIOD);
	hw_set(&hw, SNDRV_PCM_HW_PARAM_PERIODS, PERIODS);
	if (xioctl(fd, SNDRV_PCM_IOCTL_HW_PARAMS, &hw, "PCM_HW_PARAMS"))
		return -1;
	buffer = hw_int(&hw, SNDRV_PCM_HW_PARAM_BUFFER_SIZE)->min;
	/* The kernel's boundary; stopping there never stops: a slow emulated
	 * guest must not turn a late write into an underrun that fails the run. */
	for (boundary = buffer; boundary * 2 <= LONG_MAX - buffer; boundary *= 2)
		;
	sw.period_step = 1;
	sw.avail_min = PERIOD;
	sw.start_threshold = buffer;
	sw.stop_threshold = boundary;
	sw.boundary = boundary;
	if (xioctl(fd, SNDRV_PCM_IOCTL_SW_PARAMS, &sw, "PCM_SW_PARAMS") ||
	    xioctl(fd, SNDRV_PCM_IOCTL_PREPARE, NULL, "PCM_PREPARE"))
		return -1;
	step = "PCM_WRITEI_FRAMES";
	while (done < RATE) {
		struct snd_xferi x = { .buf = silence, .frames = PERIOD };

		if (ioctl(fd, SNDRV_PCM_IOCTL_WRITEI_FRAMES, &x) < 0) {
			if (errno != EPIPE || ++xruns > 3)
				return fail("PCM_WRITEI_FRAMES");
			if (xioctl(fd, SNDRV_PCM_IOCTL_PREPARE, NULL, "PCM_PREPARE"))
				return -1;
			continue;
		}
		done += x.result;
	}
	if (xioctl(fd, SNDRV_PCM_IOCTL_STATUS, &st, "PCM_STATUS") ||
	    xioctl(fd, SNDRV_PCM_IOCTL_DRAIN, NULL, "PCM_DRAIN") ||
	    xioctl(fd, SNDRV_PCM_IOCTL_HW_FREE, NULL, "PCM_HW_FREE"))
		return -1;
	say("%u frames played (buffer %lu, state %d while playing, %u underruns)", done, buffer,
	    st.state, xruns);
	return close(fd);
}

/* snd [CARD]: the control and PCM playback devices of a card (snd-dummy). */
static int do_snd(int argc, char **argv)
{
	int card = argc > 0 ? atoi(argv[0]) : 0;

	return snd_control(card) ?: snd_playback(card);
}

static union {
	struct dm_ioctl io;
	char buf[16384];
} dm;

/* Issues DM command @req for device @name, with @extra bytes of data after the header. */
static int dm_call(int fd, unsigned long req, const char *name, __u32 flags, size_t extra,
		   const char *what)
{
	if (extra == 0)
		memset(dm.buf, 0, sizeof(dm.buf));
	dm.io.version[0] = DM_VERSION_MAJOR;
	dm.io.data_size = extra ? sizeof(dm.io) + extra : sizeof(dm.buf);
	dm.io.data_start = sizeof(dm.io);
	dm.io.flags = flags;
	snprintf(dm.io.name, sizeof(dm.io.name), "%s", name ? name : "");
	if (xioctl(fd, req, &dm.io, what))
		return -1;
	/* The kernel sets this instead of failing when our buffer was too small. */
	if (dm.io.flags & DM_BUFFER_FULL_FLAG)
		return failx("%s: buffer of %zu bytes too small", what, sizeof(dm.buf));
	return 0;
}

static void *dm_data(void)
{
	return dm.buf + dm.io.data_start;
}

/* Everything after DM_DEV_CREATE, so that one DM_DEV_REMOVE cleans up any failure. */
static int dm_use(int fd, const char *name, const char *loop, dev_t dev)
{
	struct dm_target_spec *t = (void *)(dm.buf + sizeof(dm.io));
	struct dm_name_list *nl;
	char node[64], params[64];
	unsigned long long bytes;
	struct stat st;
	size_t len;
	int lfd, found = 0;

	lfd = open(loop, O_RDONLY);
	if (lfd < 0 || fstat(lfd, &st) < 0 || !S_ISBLK(st.st_mode))
		return failx("%s: not a block device", loop);
	if (xioctl(lfd, BLKGETSIZE64, &bytes, "BLKGETSIZE64"))
		return -1;
	close(lfd);

	/* One linear target over the whole loop device. */
	memset(dm.buf, 0, sizeof(dm.buf));
	snprintf(params, sizeof(params), "%u:%u 0", major(st.st_rdev), minor(st.st_rdev));
	t->length = bytes / 512;
	snprintf(t->target_type, sizeof(t->target_type), "linear");
	len = sizeof(*t) + strlen(params) + 1;
	t->next = (len + 7) & ~7;
	memcpy(t + 1, params, strlen(params) + 1);
	dm.io.target_count = 1;
	if (dm_call(fd, DM_TABLE_LOAD, name, 0, t->next, "DM_TABLE_LOAD") ||
	    dm_call(fd, DM_DEV_SUSPEND, name, 0, 0, "DM_DEV_SUSPEND (resume)"))
		return -1;

	/* Blocks written through the mapping land on the loop device. */
	snprintf(node, sizeof(node), "/dev/dm-%u", minor(dev));
	if (stat(node, &st) < 0 || st.st_rdev != dev) {
		snprintf(node, sizeof(node), "/tmp/real-drive-dm-%u", minor(dev));
		unlink(node);
		if (mknod(node, S_IFBLK | 0600, dev) < 0)
			return fail(node);
	}
	if (block_roundtrip(node, loop, 1 << 20, 256 << 10) ||
	    block_roundtrip(node, node, (bytes - (64 << 10)) & ~4095ull, 64 << 10))
		return -1;

	if (dm_call(fd, DM_TABLE_STATUS, name, DM_STATUS_TABLE_FLAG, 0, "DM_TABLE_STATUS"))
		return -1;
	t = dm_data();
	if (dm.io.target_count != 1 || strcmp(t->target_type, "linear") ||
	    strcmp((char *)(t + 1), params) || t->length != bytes / 512)
		return failx("DM_TABLE_STATUS: %u targets, '%s %s'", dm.io.target_count,
			     t->target_type, (char *)(t + 1));
	if (dm_call(fd, DM_LIST_DEVICES, NULL, 0, 0, "DM_LIST_DEVICES"))
		return -1;
	for (nl = dm_data(); nl->dev; nl = (void *)((char *)nl + nl->next)) {
		found |= !strcmp(nl->name, name) && nl->dev == dev;
		if (!nl->next)
			break;
	}
	if (!found)
		return failx("DM_LIST_DEVICES does not list %s", name);
	say("%s (%u:%u): linear over %s, %llu sectors, read and written", name, major(dev),
	    minor(dev), loop, bytes / 512);
	return 0;
}

/* dm NAME LOOPDEV: a device-mapper linear device over LOOPDEV, through the raw DM ioctls. */
static int do_dm(int argc, char **argv)
{
	int fd, ret;
	dev_t dev;

	if (argc != 2)
		return failx("usage: dm NAME LOOPDEV");
	fd = open_dev("/dev/mapper/control", "/sys/class/misc/device-mapper/dev", S_IFCHR,
		      O_RDWR);
	if (fd < 0 || dm_call(fd, DM_VERSION, NULL, 0, 0, "DM_VERSION"))
		return -1;
	say("device-mapper ioctl interface %u.%u.%u", dm.io.version[0], dm.io.version[1],
	    dm.io.version[2]);
	if (dm_call(fd, DM_DEV_CREATE, argv[0], 0, 0, "DM_DEV_CREATE"))
		return -1;
	dev = dm.io.dev;
	ret = dm_use(fd, argv[0], argv[1], dev);
	if (dm_call(fd, DM_DEV_REMOVE, argv[0], 0, 0, "DM_DEV_REMOVE"))
		return -1;
	return ret ?: close(fd);
}

/* The NBD server's side: answers requests from a RAM disk until it is told to go. */
static int nbd_serve(int sk, unsigned char *disk, size_t size)
{
	struct nbd_request rq;
	struct nbd_reply rp = { .magic = htonl(NBD_REPLY_MAGIC) };

	while (recv(sk, &rq, sizeof(rq), MSG_WAITALL) == sizeof(rq)) {
		__u64 from = be64toh(rq.from);
		__u32 len = ntohl(rq.len), type = ntohl(rq.type) & 0xffff;

		if (ntohl(rq.magic) != NBD_REQUEST_MAGIC)
			return failx("bad request magic %#x", ntohl(rq.magic));
		if (type == NBD_CMD_DISC)
			return 0;
		memcpy(rp.handle, rq.handle, sizeof(rp.handle));
		rp.error = (type == NBD_CMD_READ || type == NBD_CMD_WRITE) &&
			   (from > size || len > size - from) ? htonl(EINVAL) : 0;
		if (type == NBD_CMD_WRITE && recv(sk, disk + from, len, MSG_WAITALL) != len)
			return fail("nbd server: recv");
		if (write(sk, &rp, sizeof(rp)) != sizeof(rp) ||
		    (type == NBD_CMD_READ && !rp.error && write(sk, disk + from, len) != len))
			return fail("nbd server: write");
	}
	return 0;
}

/*
 * nbd DEV: DEV connected to an NBD server of our own (a RAM disk at the other
 * end of a socketpair), written and read back, then disconnected.
 */
static int do_nbd(int argc, char **argv)
{
	enum { SIZE = 4 << 20 };
	unsigned char *disk = calloc(1, SIZE);
	pid_t server, client;
	int sv[2], fd, st, ret;

	if (argc != 1 || !disk)
		return failx("usage: nbd DEV");
	fd = open(argv[0], O_RDWR);
	if (fd < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return fail(argv[0]);
	step = "NBD setup";
	if (ioctl(fd, NBD_SET_BLKSIZE, 4096UL) < 0 || ioctl(fd, NBD_SET_SIZE, (unsigned long)SIZE) < 0 ||
	    ioctl(fd, NBD_SET_TIMEOUT, 30UL) < 0 || ioctl(fd, NBD_SET_SOCK, (unsigned long)sv[0]) < 0)
		return fail("NBD_SET_*");
	server = fork();
	if (server == 0)
		_exit(nbd_serve(sv[1], disk, SIZE) ? 1 : 0);
	/* NBD_DO_IT runs the connection and returns only once it is torn down. */
	client = fork();
	if (client == 0) {
		close(sv[1]);	/* else the kernel never sees the server hang up */
		if (ioctl(fd, NBD_DO_IT) < 0)
			_exit(fail("NBD_DO_IT") ? 1 : 0);
		_exit(0);
	}
	close(sv[1]);
	for (st = 0; st < 100; st++) {	/* until the disk has its size */
		unsigned long long bytes = 0;
		int bfd = open(argv[0], O_RDONLY);

		ioctl(bfd, BLKGETSIZE64, &bytes);
		close(bfd);
		if (bytes == SIZE)
			break;
		usleep(50000);
	}
	ret = block_roundtrip(argv[0], argv[0], 0, 1 << 20) ?:
	      block_roundtrip(argv[0], argv[0], SIZE - (128 << 10), 128 << 10);
	step = "NBD_DISCONNECT";
	if (ioctl(fd, NBD_DISCONNECT) < 0)
		ret = fail("NBD_DISCONNECT");
	step = "wait for NBD_DO_IT";
	if (waitpid(client, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		ret = failx("NBD_DO_IT did not end cleanly");
	ioctl(fd, NBD_CLEAR_SOCK);
	close(sv[0]);
	step = "wait for the NBD server";
	if (waitpid(server, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		ret = failx("the NBD server failed");
	if (!ret)
		say("%s: 1.1 MiB written and read back through our server", argv[0]);
	free(disk);
	return ret ?: close(fd);
}

/* A both-endian ISO 9660 field. */
static void iso_both(unsigned char *p, unsigned int v, int bytes)
{
	for (int i = 0; i < bytes; i++) {
		p[i] = v >> (8 * i);
		p[2 * bytes - 1 - i] = v >> (8 * i);
	}
}

/* A directory record of @name (1 byte: 0 is ".", 1 is ".."; else NAME;1). */
static int iso_dirent(unsigned char *p, const char *name, unsigned int lba, unsigned int size,
		      int dir)
{
	int nlen = dir ? 1 : (int)strlen(name) + 2, len = 33 + nlen + !(nlen & 1);

	memset(p, 0, len);
	p[0] = len;
	iso_both(p + 2, lba, 4);
	iso_both(p + 10, size, 4);
	p[18] = 126;			/* recorded 2026 */
	p[19] = p[20] = 1;
	p[25] = dir ? 2 : 0;
	iso_both(p + 28, 1, 2);
	p[32] = nlen;
	if (dir)
		p[33] = *name;
	else
		sprintf((char *)p + 33, "%s;1", name);
	return len;
}

/*
 * mkiso IMAGE FILE...: an ISO 9660 image (level 1, no extensions) holding the
 * FILEs in its root, under their base names, which must be 8.3 in upper case.
 * Written by hand because no mkisofs or mksquashfs is at hand in the VM.
 */
static int do_mkiso(int argc, char **argv)
{
	enum { S = 2048, ROOT = 20 };
	unsigned int lba = ROOT + 1, off = 0, i;
	unsigned char *img = calloc(ROOT + 1, S), *pvd = img + 16 * S, *pt, *d;
	FILE *out;

	if (argc < 2 || !img || !(out = fopen(argv[0], "w")))
		return argc < 2 ? failx("usage: mkiso IMAGE FILE...") : fail(argv[0]);
	d = img + ROOT * S;
	off += iso_dirent(d + off, "\0", ROOT, S, 1);
	off += iso_dirent(d + off, "\1", ROOT, S, 1);
	fseek(out, (long)lba * S, SEEK_SET);
	for (i = 1; i < (unsigned int)argc; i++) {
		const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
		char data[S];
		unsigned int size = 0;
		size_t n;
		FILE *in = fopen(argv[i], "r");

		if (!in)
			return fail(argv[i]);
		while ((n = fread(data, 1, S, in)) > 0) {
			memset(data + n, 0, S - n);
			fwrite(data, 1, S, out);
			size += n;
		}
		fclose(in);
		if (off + 33 + strlen(base) + 3 > S)
			return failx("too many files for one directory sector");
		off += iso_dirent(d + off, base, lba, size, 0);
		lba += (size + S - 1) / S;
	}
	/* The primary volume descriptor, its terminator, and both path tables. */
	pvd[0] = 1;
	memcpy(pvd + 1, "CD001\1", 6);
	memset(pvd + 8, ' ', 64);
	memcpy(pvd + 40, "MODWATCH", 8);
	iso_both(pvd + 80, lba, 4);
	iso_both(pvd + 120, 1, 2);
	iso_both(pvd + 124, 1, 2);
	iso_both(pvd + 128, S, 2);
	iso_both(pvd + 132, 10, 4);
	pvd[140] = 18;			/* L path table at 18, M path table at 19 */
	pvd[151] = 19;
	iso_dirent(pvd + 156, "\0", ROOT, S, 1);
	memset(pvd + 190, ' ', 813 - 190);
	memset(pvd + 813, '0', 4 * 17);
	pvd[881] = 1;
	memcpy(img + 17 * S, "\377CD001\1", 7);
	pt = img + 18 * S;
	memcpy(pt, "\1\0\24\0\0\0\1\0\0\0", 10);
	memcpy(pt + S, "\1\0\0\0\0\24\0\1\0\0", 10);
	rewind(out);
	if (fwrite(img, S, ROOT + 1, out) != ROOT + 1 || fclose(out))
		return fail(argv[0]);
	say("%s: %d files, %u sectors", argv[0], argc - 1, lba);
	free(img);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args, *help;
} cmds[] = {
	{ "tun", do_tun, "IFNAME [FRAMES [BRIDGE [IPV4]]]", "tap frames; ARP replies from IPV4" },
	{ "uinput", do_uinput, "[KEYS]", "keys through uinput, read back from evdev" },
	{ "snd", do_snd, "[CARD]", "mixer controls and 1 s of PCM playback" },
	{ "dm", do_dm, "NAME LOOPDEV", "a dm linear device over LOOPDEV, raw DM ioctls" },
	{ "nbd", do_nbd, "DEV", "DEV served by an NBD server of our own" },
	{ "mkiso", do_mkiso, "IMAGE FILE...", "an ISO 9660 image of FILEs (8.3 names)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: real-drive [--timeout SEC] COMMAND ARGS...\n"
		   "Drives kernel modules through their user APIs; exits non-zero with a\n"
		   "message when the kernel refuses a step (default timeout 60 s).\n\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-6s %-32s %s\n", cmds[i].name, cmds[i].args, cmds[i].help);
}

int main(int argc, char **argv)
{
	unsigned int timeout = 60;

	if (argc > 2 && !strcmp(argv[1], "--timeout")) {
		timeout = atoi(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	signal(SIGALRM, watchdog);
	alarm(timeout);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		cmd = cmds[i].name;
		return cmds[i].run(argc - 2, argv + 2) ? 1 : 0;
	}
	fprintf(stderr, "real-drive: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
