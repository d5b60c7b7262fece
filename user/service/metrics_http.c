// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics endpoint's HTTP server: Prometheus text 0.0.4 and OpenMetrics
 * 1.0.0 over HTTP (libevent's evhttp). The server has its own thread and
 * event_base, so a slow scrape never stalls the daemon's loop and a busy
 * daemon never stalls a scrape. It serves whatever was last published and
 * knows nothing of what the renderings say (service/metrics.c makes them,
 * in service/exposition.c's formats): the main thread publishes, the server
 * hands out a copy of the latest. Only the server thread touches its base,
 * so libevent needs no locking of its own.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <linux/types.h>
#include "lib/error.h"
#include "service/metrics_http.h"

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

/*
 * "PORT" (127.0.0.1: local unless asked), ":PORT" (every address), "HOST:PORT"
 * (a name or an IPv4 address) or "[IPv6]:PORT" into @host (empty: every
 * address) and @port, as node_exporter takes them. 0 or -EINVAL (not said).
 */
int mw_metrics_split(const char *listen, char *host, size_t size, unsigned int *port)
{
	const char *colon = strrchr(listen, ':'), *h = listen;
	struct in6_addr a6;
	size_t len;

	if (parse_port(colon ? colon + 1 : listen, port))
		return -EINVAL;
	if (!colon) {
		snprintf(host, size, "127.0.0.1");
		return 0;
	}
	len = colon - listen;
	if (listen[0] == '[') {
		if (len < 3 || listen[len - 1] != ']')
			return -EINVAL;
		h++;
		len -= 2;
	} else if (memchr(listen, ':', len) || memchr(listen, ']', len)) {
		return -EINVAL;		/* an IPv6 address needs its brackets */
	}
	if (len >= size)
		return -EINVAL;
	memcpy(host, h, len);
	host[len] = '\0';
	return h != listen && inet_pton(AF_INET6, host, &a6) != 1 ? -EINVAL : 0;
}

/* Every address: IPv6's and IPv4's on one socket, or IPv4's where IPv6 is off. */
static void any_address(struct sockaddr_storage *ss)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ss->ss_family = fd >= 0 ? AF_INET6 : AF_INET;	/* the address itself is zeroes */
	if (fd >= 0)
		close(fd);
}

/* @host's first IPv4 address (as Go's listeners pick for "localhost"), else its first. */
static int resolve(const char *listen, const char *host, struct sockaddr_storage *ss)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai, *pick;
	int rc = getaddrinfo(host, NULL, &hints, &res);

	if (rc) {
		mw_err("metrics address \"%s\": cannot resolve %s: %s", listen, host,
		       rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -EINVAL;
	}
	for (pick = res, ai = res; ai; ai = ai->ai_next)
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
	memcpy(ss, pick->ai_addr, pick->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss)
{
	char host[256];
	unsigned int port;
	int err;

	memset(ss, 0, sizeof(*ss));
	if (mw_metrics_split(listen, host, sizeof(host), &port)) {
		mw_err("metrics address \"%s\": give PORT, :PORT, HOST:PORT or [IPv6]:PORT "
		       "(port 0..65535)", listen);
		return -EINVAL;
	}
	if (!host[0])
		any_address(ss);
	else if ((err = resolve(listen, host, ss)))
		return err;
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
	int one = 1, zero = 0, fd, err;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* [::] takes IPv4 too, whatever net.ipv6.bindv6only says. */
	if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)))
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
