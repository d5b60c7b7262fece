// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics endpoint: Prometheus text 0.0.4 and OpenMetrics 1.0.0 over
 * HTTP (libevent's evhttp). The server has its own thread and event_base,
 * so a slow scrape never stalls the daemon's loop and a busy daemon never
 * stalls a scrape. The main thread renders both formats (mw_metric_*()) and
 * publishes them; the server hands out a copy of the latest. Only the
 * server thread touches its base, so libevent needs no locking of its own.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include "events.h"
#include "stats.h"
#include "modwatch.h"
#include "lib/error.h"
#include "probe/progs.h"
#include "probe/module_registry.h"
#include "report/counters.h"
#include "report/rules.h"
#include "service/metrics.h"
#include "probe/bpf.h"
#include "report/suppress.h"

#define PROM_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define OM_TYPE		"application/openmetrics-text; version=1.0.0; charset=utf-8"
#define TEXT_TYPE	"text/plain; charset=utf-8"

/*
 * What one client may cost: a scrape is one small GET answered at once, so
 * anything slower or larger than this is broken or hostile.
 */
#define CONN_TIMEOUT_S	10
#define MAX_HEADERS	8192
#define MAX_BODY	1024

static struct {
	pthread_mutex_t lock;	/* the renderings: publish() and the server thread */
	char *prom, *om;	/* NULL until the first publish */
	size_t prom_len, om_len;
	struct event_base *base;
	struct evhttp *http;
	struct event *wake;
	int wake_fd;		/* eventfd: mw_metrics_stop() ends the loop through it */
	int port;
	pthread_t thread;
	bool running;
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake_fd = -1 };

/* Digits only, at most 65535; 0 lets the kernel pick a free port. */
static int parse_port(const char *s, unsigned int *port)
{
	size_t n = strspn(s, "0123456789");

	if (!n || s[n])
		return -EINVAL;
	*port = strtoul(s, NULL, 10);
	return *port > 65535 ? -EINVAL : 0;
}

/* The address part of "ADDR:PORT" or "[IPv6]:PORT", @len characters of @s. */
static int parse_host(const char *listen, size_t len, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN];
	bool v6 = listen[0] == '[';

	if (v6 && (len < 2 || listen[len - 1] != ']'))
		return -EINVAL;
	if (v6) {
		listen++;
		len -= 2;
	}
	if (!len || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, listen, len);
	host[len] = '\0';
	if (v6) {
		in6->sin6_family = AF_INET6;
		return inet_pton(AF_INET6, host, &in6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	in->sin_family = AF_INET;
	return inet_pton(AF_INET, host, &in->sin_addr) == 1 ? 0 : -EINVAL;
}

/* "PORT", "ADDR:PORT" or "[IPv6]:PORT"; a bare PORT is loopback: local unless asked. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss)
{
	const char *colon = strrchr(listen, ':');
	unsigned int port;

	memset(ss, 0, sizeof(*ss));
	if (parse_port(colon ? colon + 1 : listen, &port)) {
		mw_err("metrics address \"%s\": bad port (0..65535): give PORT, ADDR:PORT or [IPv6]:PORT",
		       listen);
		return -EINVAL;
	}
	if (!colon) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (parse_host(listen, colon - listen, ss)) {
		mw_err("metrics address \"%s\": not an IP address: give e.g. 0.0.0.0:%u or [::1]:%u",
		       listen, port, port);
		return -EINVAL;
	}
	/* sin_port and sin6_port share their offset. */
	((struct sockaddr_in *)ss)->sin_port = htons(port);
	return 0;
}

static const char *bind_hint(int err)
{
	switch (err) {
	case EADDRINUSE:
		return ": another program listens there: pick another port";
	case EACCES:
		return ": ports below 1024 need CAP_NET_BIND_SERVICE: pick a higher port";
	case EADDRNOTAVAIL:
		return ": no interface of this machine has that address";
	default:
		return "";
	}
}

/* "127.0.0.1:9464", "[::1]:9464": the address as bound, for messages. */
static void addr_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
	}
}

/* A listening socket on @ss, or -errno, said once with the address. */
static int listen_on(const struct sockaddr_storage *ss)
{
	socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						    sizeof(struct sockaddr_in);
	char where[INET6_ADDRSTRLEN + 8];
	int one = 1, fd, err;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* A restarted daemon rebinds while its last scrapes linger in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)ss, len) || listen(fd, 16))
		goto fail;
	return fd;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	addr_text(ss, where, sizeof(where));
	mw_err("cannot serve metrics on %s: %s%s", where, strerror(err), bind_hint(err));
	return -err;
}

/* Send @req's reply: @len bytes, already in its output buffer unless this is a HEAD. */
static void send_reply(struct evhttp_request *req, int code, const char *reason, const char *type,
		       size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char n[24];

	/* Set here, not by libevent, so a HEAD tells the length its GET would have. */
	snprintf(n, sizeof(n), "%zu", len);
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Content-Length", n);
	evhttp_send_reply(req, code, reason, NULL);
}

static bool is_head(struct evhttp_request *req)
{
	return evhttp_request_get_command(req) == EVHTTP_REQ_HEAD;
}

static void reply_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
	size_t len = strlen(text);

	if (!is_head(req) && evbuffer_add(evhttp_request_get_output_buffer(req), text, len)) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	send_reply(req, code, reason, TEXT_TYPE, len);
}

/* The latest rendering in the format the client asked for; copied under the lock, sent after. */
static void serve_metrics(struct evhttp_request *req)
{
	const char *accept = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept");
	bool om = accept && strcasestr(accept, "application/openmetrics-text");
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	const char *data;
	size_t len;
	int err = 0;

	pthread_mutex_lock(&srv.lock);
	data = om ? srv.om : srv.prom;
	len = om ? srv.om_len : srv.prom_len;
	if (data && !is_head(req))
		err = evbuffer_add(out, data, len);
	pthread_mutex_unlock(&srv.lock);
	/* Caches must not hand one format to a client that asked for the other. */
	evhttp_add_header(evhttp_request_get_output_headers(req), "Vary", "Accept");
	if (!data)
		reply_text(req, HTTP_SERVUNAVAIL, "Service Unavailable",
			   "modwatch: no metrics yet: try again in a moment\n");
	else if (err)
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
	else
		send_reply(req, HTTP_OK, "OK", om ? OM_TYPE : PROM_TYPE, len);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	(void)arg;
	if (!path || (strcmp(path, "/") && strcmp(path, "/metrics"))) {
		reply_text(req, HTTP_NOTFOUND, "Not Found", "not found: metrics are at /metrics\n");
	} else if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		reply_text(req, 405, "Method Not Allowed", "only GET and HEAD here\n");
	} else if (!strcmp(path, "/")) {
		reply_text(req, HTTP_OK, "OK", "modwatch: metrics are at /metrics\n");
	} else {
		serve_metrics(req);
	}
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(srv.base);
}

static void *server_main(void *arg)
{
	(void)arg;
	if (event_base_dispatch(srv.base) < 0)
		mw_warn("the metrics endpoint stopped: its event loop failed");
	return NULL;
}

static void server_free(void)
{
	if (srv.wake)
		event_free(srv.wake);
	if (srv.wake_fd >= 0)
		close(srv.wake_fd);
	if (srv.http)
		evhttp_free(srv.http);	/* closes the listening socket and the connections */
	if (srv.base)
		event_base_free(srv.base);
	srv.wake = NULL;
	srv.wake_fd = -1;
	srv.http = NULL;
	srv.base = NULL;
}

static void http_limits(struct evhttp *http)
{
	evhttp_set_timeout(http, CONN_TIMEOUT_S);
	evhttp_set_max_headers_size(http, MAX_HEADERS);
	evhttp_set_max_body_size(http, MAX_BODY);
	/* Every method reaches on_request, which says 405; libevent would say 501 to most. */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
				   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
				   EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(http, on_request, NULL);
}

/* The base, the server on listening socket @fd (which it then owns) and the wake-up event. */
static int server_new(int fd)
{
	srv.base = event_base_new();
	srv.http = srv.base ? evhttp_new(srv.base) : NULL;
	if (!srv.http || !evhttp_accept_socket_with_handle(srv.http, fd)) {
		close(fd);
		return -ENOMEM;
	}
	http_limits(srv.http);
	srv.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (srv.wake_fd < 0)
		return -errno;
	srv.wake = event_new(srv.base, srv.wake_fd, EV_READ, on_wake, NULL);
	if (!srv.wake || event_add(srv.wake, NULL))
		return -ENOMEM;
	return 0;
}

/* The thread, with every signal blocked: they are the main thread's to handle (SIGPIPE too). */
static int server_run(void)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&srv.thread, NULL, server_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -err;
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -errno;
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int mw_metrics_start(const char *listen)
{
	struct sockaddr_storage ss;
	int fd, err;

	if (srv.running) {
		mw_err("the metrics endpoint already listens on port %d: stop it first", srv.port);
		return -EBUSY;
	}
	err = parse_listen(listen, &ss);
	if (err)
		return err;
	fd = listen_on(&ss);
	if (fd < 0)
		return fd;
	srv.port = bound_port(fd);
	err = server_new(fd);
	if (!err)
		err = server_run();
	if (err) {
		mw_err("cannot start the metrics endpoint: %s", strerror(-err));
		server_free();
		return err;
	}
	srv.running = true;
	return 0;
}

/* The port the endpoint listens on (the kernel's pick for port 0), or -ENOTCONN. */
int mw_metrics_port(void)
{
	return srv.running ? srv.port : -ENOTCONN;
}

static void swap_renderings(char **prom, size_t *prom_len, char **om, size_t *om_len)
{
	char *p, *o;
	size_t pl, ol;

	pthread_mutex_lock(&srv.lock);
	p = srv.prom;
	pl = srv.prom_len;
	o = srv.om;
	ol = srv.om_len;
	srv.prom = *prom;
	srv.prom_len = *prom_len;
	srv.om = *om;
	srv.om_len = *om_len;
	pthread_mutex_unlock(&srv.lock);
	*prom = p;
	*prom_len = pl;
	*om = o;
	*om_len = ol;
}

/* Hand over the latest renderings; a no-op while no endpoint runs, as nobody could read them. */
void mw_metrics_publish(const char *prom, size_t prom_len, const char *om, size_t om_len)
{
	char *p, *o;

	if (!srv.running)
		return;
	p = malloc(prom_len + 1);
	o = malloc(om_len + 1);
	if (p && o) {
		memcpy(p, prom, prom_len);
		memcpy(o, om, om_len);
		/* The server reads them while we copy: swap, and free the old ones outside the lock. */
		swap_renderings(&p, &prom_len, &o, &om_len);
	} else {
		mw_warn("out of memory: the metrics endpoint keeps serving the previous rendering");
	}
	free(p);
	free(o);
}

void mw_metrics_stop(void)
{
	char *p = NULL, *o = NULL;
	size_t pl = 0, ol = 0;
	__u64 one = 1;

	if (srv.running) {
		/* Cannot fail (the counter is far from full); if it did, freeing a running base would crash. */
		if (write(srv.wake_fd, &one, sizeof(one)) != sizeof(one)) {
			mw_warn("cannot stop the metrics endpoint: %s", strerror(errno));
			return;
		}
		pthread_join(srv.thread, NULL);
		srv.running = false;
	}
	server_free();
	swap_renderings(&p, &pl, &o, &ol);
	free(p);
	free(o);
}

/* The renderings: both formats from one description. */

void mw_mbuf_reset(struct mw_mbuf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

void mw_mbuf_free(struct mw_mbuf *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

static void mbuf_fail(struct mw_mbuf *b, int err)
{
	if (!b->err)
		b->err = err;
}

/* Room for @n more bytes and the NUL; after a failure nothing more is added. */
static bool mbuf_room(struct mw_mbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	char *buf;

	if (b->err)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	while (cap < b->len + n + 1)
		cap *= 2;
	buf = realloc(b->buf, cap);
	if (!buf) {
		mbuf_fail(b, -ENOMEM);
		return false;
	}
	b->buf = buf;
	b->cap = cap;
	return true;
}

static void mbuf_add(struct mw_mbuf *b, const char *s, size_t n)
{
	if (!mbuf_room(b, n))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void mbuf_printf(struct mw_mbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void mbuf_printf(struct mw_mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !mbuf_room(b, n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

/* How @c is written in a label value, or in HELP text (where only OpenMetrics escapes '"'). */
static const char *escape_of(char c, bool quote)
{
	switch (c) {
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '"':
		return quote ? "\\\"" : NULL;
	default:
		return NULL;
	}
}

static void mbuf_help(struct mw_mbuf *b, const char *name, const char *help, bool quote)
{
	const char *e;

	mbuf_printf(b, "# HELP %s ", name);
	for (; *help; help++) {
		e = escape_of(*help, quote);
		mbuf_add(b, e ? e : help, e ? 2 : 1);
	}
	mbuf_add(b, "\n", 1);
}

int mw_metric_label_escape(char *dst, size_t size, const char *val)
{
	size_t n = 0, need;
	const char *e;

	for (; *val; val++) {
		e = escape_of(*val, true);
		need = e ? 2 : 1;
		if (n + need >= size)
			goto nospc;
		memcpy(dst + n, e ? e : val, need);
		n += need;
	}
	if (n < size) {
		dst[n] = '\0';
		return 0;
	}
nospc:
	/* Half a value would be a wrong one: leave none. */
	if (size)
		dst[0] = '\0';
	return -ENOSPC;
}

static const struct mw_metric_type {
	const char *name;
	const char *suffix;	/* of its samples' names */
	const char *prom;	/* its type in the Prometheus text format, which has no info */
} metric_types[] = {
	{ "counter", "_total", "counter" },
	{ "gauge", "", "gauge" },
	{ "info", "_info", "gauge" },
};

static const struct mw_metric_type *metric_type(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(metric_types) / sizeof(metric_types[0]); i++)
		if (!strcmp(type, metric_types[i].name))
			return &metric_types[i];
	return NULL;
}

void mw_metric_family(struct mw_mbuf *p, struct mw_mbuf *o, const char *name, const char *type,
		      const char *help)
{
	const struct mw_metric_type *t = metric_type(type);
	char full[256];

	if (!t || (size_t)snprintf(full, sizeof(full), "%s%s", name, t->suffix) >= sizeof(full)) {
		mbuf_fail(p, -EINVAL);
		mbuf_fail(o, -EINVAL);
		return;
	}
	/* Prometheus text names a family by its samples' name, OpenMetrics without the suffix. */
	mbuf_help(p, full, help, false);
	mbuf_printf(p, "# TYPE %s %s\n", full, t->prom);
	mbuf_printf(o, "# TYPE %s %s\n", name, t->name);
	mbuf_help(o, name, help, true);
}

/* Shortest text that reads back as @v; the infinities and NaN as OpenMetrics spells them. */
static void format_value(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "NaN");
	else if (isinf(v))
		snprintf(buf, size, "%cInf", v > 0 ? '+' : '-');
	else
		snprintf(buf, size, "%.15g", v);
	/* Most values read back from 15 digits; the rest need 17, which always suffice. */
	if (isfinite(v) && strtod(buf, NULL) != v)
		snprintf(buf, size, "%.17g", v);
}

static void mbuf_sample(struct mw_mbuf *b, const char *name, const char *suffix,
			const char *labels, const char *value)
{
	if (labels && *labels)
		mbuf_printf(b, "%s%s{%s} %s\n", name, suffix, labels, value);
	else
		mbuf_printf(b, "%s%s %s\n", name, suffix, value);
}

void mw_metric_sample(struct mw_mbuf *p, struct mw_mbuf *o, const char *name, const char *type,
		      const char *labels, double value)
{
	const struct mw_metric_type *t = metric_type(type);
	char v[32];

	if (!t) {
		mbuf_fail(p, -EINVAL);
		mbuf_fail(o, -EINVAL);
		return;
	}
	format_value(v, sizeof(v), value);
	mbuf_sample(p, name, t->suffix, labels, v);
	mbuf_sample(o, name, t->suffix, labels, v);
}

int mw_metric_end(struct mw_mbuf *p, struct mw_mbuf *o)
{
	mbuf_printf(o, "# EOF\n");
	return p->err ? p->err : o->err;
}

/* 'k="v",...' from @n key/value pairs, each value escaped. */
static const char *labels(char *buf, size_t len, int n, ...)
{
	char val[512];
	size_t at = 0;
	va_list ap;
	int i;

	buf[0] = '\0';
	va_start(ap, n);
	for (i = 0; i < n && at < len; i++) {
		const char *k = va_arg(ap, const char *), *v = va_arg(ap, const char *);

		mw_metric_label_escape(val, sizeof(val), v ? v : "");
		at += snprintf(buf + at, len - at, "%s%s=\"%s\"", i ? "," : "", k, val);
	}
	va_end(ap);
	return buf;
}

struct mw_render {
	struct mw_mbuf prom, om;
	char l[1024];
};

static void family(struct mw_render *r, const char *name, const char *type, const char *help)
{
	mw_metric_family(&r->prom, &r->om, name, type, help);
}

static void sample(struct mw_render *r, const char *name, const char *type, double v)
{
	mw_metric_sample(&r->prom, &r->om, name, type, *r->l ? r->l : NULL, v);
}

static void render_process(struct mw_render *r, const struct mw_metrics_view *v)
{
	family(r, "modwatch_build", "info", "modwatch's version and the kernel it watches");
	labels(r->l, sizeof(r->l), 2, "version", MODWATCH_VERSION, "kernel", v->kernel);
	sample(r, "modwatch_build", "info", 1);
	*r->l = '\0';
	family(r, "modwatch_start_time_seconds", "gauge", "when watching began (Unix time)");
	sample(r, "modwatch_start_time_seconds", "gauge", v->start_time);
	family(r, "modwatch_uptime_seconds", "gauge", "how long modwatch has been watching");
	sample(r, "modwatch_uptime_seconds", "gauge", v->uptime);
	family(r, "modwatch_config_reloads", "counter", "SIGHUP reloads of the configuration");
	labels(r->l, sizeof(r->l), 1, "result", "ok");
	sample(r, "modwatch_config_reloads", "counter", v->reloads);
	labels(r->l, sizeof(r->l), 1, "result", "failed");
	sample(r, "modwatch_config_reloads", "counter", v->reload_failures);
}

/* Reports made and repeats counted, per module and kind: only series that are not zero. */
static void render_reports(struct mw_render *r, const struct mw_metrics_view *v)
{
	const struct mw_module *m;
	__u32 i, k;

	family(r, "modwatch_reports", "counter",
	       "reports made, by module, kind and severity (violation or warning)");
	for (i = 0; i < v->reg->nr; i++)
		for (m = &v->reg->mods[i], k = 1; k < MW_KIND_NR; k++) {
			if (m->counts[k] > m->warnings[k]) {
				labels(r->l, sizeof(r->l), 3, "module", m->name, "kind",
				       mw_kind_name(k), "severity", "violation");
				sample(r, "modwatch_reports", "counter", m->counts[k] - m->warnings[k]);
			}
			if (m->warnings[k]) {
				labels(r->l, sizeof(r->l), 3, "module", m->name, "kind",
				       mw_kind_name(k), "severity", "warning");
				sample(r, "modwatch_reports", "counter", m->warnings[k]);
			}
		}
	family(r, "modwatch_repeats", "counter",
	       "occurrences of a report already made, counted and not reported again");
	for (i = 0; i < v->reg->nr; i++)
		for (m = &v->reg->mods[i], k = 1; k < MW_KIND_NR; k++)
			if (m->repeats[k]) {
				labels(r->l, sizeof(r->l), 2, "module", m->name, "kind",
				       mw_kind_name(k));
				sample(r, "modwatch_repeats", "counter", m->repeats[k]);
			}
}

/* What was not reported, and why: every series always there, so alerts see 0 too. */
static void render_losses(struct mw_render *r, const struct mw_metrics_view *v)
{
	__u32 k;
	int i;

	family(r, "modwatch_reports_lost", "counter",
	       "reports the BPF side could not queue (ring buffer full), by kind");
	for (k = 1; k < MW_KIND_NR; k++) {
		labels(r->l, sizeof(r->l), 1, "kind", mw_kind_name(k));
		sample(r, "modwatch_reports_lost", "counter", v->stats[MW_STAT_LOST_BASE + k]);
	}
	family(r, "modwatch_reports_suppressed", "counter",
	       "reports a --suppress rule kept out, by rule");
	for (i = 0; i < v->nr_supp; i++) {
		char rule[256];

		snprintf(rule, sizeof(rule), "%s:%s:%s", v->supp[i].kind, v->supp[i].module,
			 v->supp[i].func);
		labels(r->l, sizeof(r->l), 1, "rule", rule);
		sample(r, "modwatch_reports_suppressed", "counter", v->supp[i].hits);
	}
	family(r, "modwatch_output_dropped", "counter",
	       "report lines an output refused and could not keep");
	labels(r->l, sizeof(r->l), 1, "output", v->output);
	sample(r, "modwatch_output_dropped", "counter", v->output_dropped);
	if (v->journal) {
		labels(r->l, sizeof(r->l), 1, "output", "journal");
		sample(r, "modwatch_output_dropped", "counter", v->journal_dropped);
	}
	*r->l = '\0';
	family(r, "modwatch_missed_hook_runs", "counter",
	       "heap hook runs the kernel skipped (recursion): lifetime reports may be incomplete");
	sample(r, "modwatch_missed_hook_runs", "counter", v->missed);
	family(r, "modwatch_kernel_events", "counter",
	       "the BPF side's own counters: tables full, stacks not kept, ...");
	for (k = 0; k < MW_STAT_LOST_BASE; k++) {
		labels(r->l, sizeof(r->l), 1, "event", mw_stat_name(k));
		sample(r, "modwatch_kernel_events", "counter", v->stats[k]);
	}
}

static void render_modules(struct mw_render *r, const struct mw_metrics_view *v)
{
	const struct mw_module *m;
	__u32 i;

	family(r, "modwatch_module_watched", "gauge", "1 while the module is loaded and watched");
	for (i = 0; i < v->reg->nr; i++) {
		m = &v->reg->mods[i];
		labels(r->l, sizeof(r->l), 1, "module", m->name);
		sample(r, "modwatch_module_watched", "gauge", m->loaded);
	}
	family(r, "modwatch_probes_attached", "gauge", "kprobes on the module's own call sites");
	for (i = 0; i < v->reg->nr; i++) {
		m = &v->reg->mods[i];
		labels(r->l, sizeof(r->l), 1, "module", m->name);
		sample(r, "modwatch_probes_attached", "gauge", m->loaded ? m->nr_probes : 0);
	}
	family(r, "modwatch_probes_skipped", "gauge",
	       "call sites of the module the kernel would not let modwatch probe");
	for (i = 0; i < v->reg->nr; i++) {
		m = &v->reg->mods[i];
		labels(r->l, sizeof(r->l), 1, "module", m->name);
		sample(r, "modwatch_probes_skipped", "gauge", m->loaded ? m->nr_unprobed : 0);
	}
}

static void render_maps(struct mw_render *r, const struct mw_metrics_view *v)
{
	int i;

	family(r, "modwatch_map_entries", "gauge", "entries in a BPF table now");
	for (i = 0; i < v->nr_maps; i++)
		if (v->maps[i].used >= 0) {
			labels(r->l, sizeof(r->l), 1, "map", v->maps[i].name);
			sample(r, "modwatch_map_entries", "gauge", v->maps[i].used);
		}
	family(r, "modwatch_map_max_entries", "gauge", "a BPF table's capacity");
	for (i = 0; i < v->nr_maps; i++) {
		labels(r->l, sizeof(r->l), 1, "map", v->maps[i].name);
		sample(r, "modwatch_map_max_entries", "gauge", v->maps[i].entries);
	}
	family(r, "modwatch_map_bytes", "gauge", "a BPF table's kernel memory");
	for (i = 0; i < v->nr_maps; i++) {
		labels(r->l, sizeof(r->l), 1, "map", v->maps[i].name);
		sample(r, "modwatch_map_bytes", "gauge", v->maps[i].bytes);
	}
}

/* What this kernel refused: always there, 0 on a kernel that took everything. */
static void render_refusals(struct mw_render *r, const struct mw_metrics_view *v)
{
	__u32 off = v->load ? mw_load_rules_off(v->load) : 0;
	int i;

	*r->l = '\0';
	family(r, "modwatch_rules_disabled", "gauge",
	       "rules switched off because this kernel refused a BPF program they need");
	sample(r, "modwatch_rules_disabled", "gauge", __builtin_popcount(off));
	family(r, "modwatch_program_refused", "gauge",
	       "1 for each BPF program this kernel refused (modwatch doctor says why)");
	for (i = 0; v->load && i < v->load->n; i++)
		if (v->load->v[i].err) {
			labels(r->l, sizeof(r->l), 1, "program", v->load->v[i].name);
			sample(r, "modwatch_program_refused", "gauge", 1);
		}
}

/* Render the session's metrics in both formats and hand them to the server. */
int mw_metrics_render(const struct mw_metrics_view *v)
{
	static struct mw_render r;
	int err;

	mw_mbuf_reset(&r.prom);
	mw_mbuf_reset(&r.om);
	*r.l = '\0';
	render_process(&r, v);
	render_reports(&r, v);
	render_losses(&r, v);
	render_modules(&r, v);
	render_maps(&r, v);
	render_refusals(&r, v);
	err = mw_metric_end(&r.prom, &r.om);
	if (!err)
		mw_metrics_publish(r.prom.buf, r.prom.len, r.om.buf, r.om.len);
	return err;
}
