// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics endpoint, scraped the way Prometheus does: a plain socket
 * client sends real requests to the server thread on loopback, and
 * promtool, Prometheus's own parser and linter, judges the renderings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <stdio.h>
#include "modwatch.h"
#include "service/exposition.h"
#include "service/metrics_http.h"
#include "test.h"

#define PROM_TYPE	"\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
#define OM_TYPE		"\r\nContent-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n"
#define OM_ACCEPT	"Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n"

static const char prom[] = "# HELP up_total x\n# TYPE up_total counter\nup_total 1\n";
static const char om[] = "# TYPE up counter\n# HELP up x\nup_total 1\n# EOF\n";

struct reply {
	int code;
	char head[2048];	/* status line and headers, ending "\r\n" */
	const char *body;
	size_t body_len;
	char raw[8192];
};

static int connect_to(const char *addr, int port)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 5 };	/* a hung server fails the test, not the run */
	bool v6 = strchr(addr, ':');
	int fd;

	if (v6 ? inet_pton(AF_INET6, addr, &in6.sin6_addr) != 1 :
		 inet_pton(AF_INET, addr, &in.sin_addr) != 1)
		return -EINVAL;
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (v6 ? connect(fd, (struct sockaddr *)&in6, sizeof(in6)) :
		 connect(fd, (struct sockaddr *)&in, sizeof(in))) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* "METHOD PATH" with @headers to @addr:@port, the whole reply read until the server closes. */
static int request(const char *addr, int port, const char *method, const char *path,
		   const char *headers, struct reply *r)
{
	char req[1024];
	size_t n = 0, len;
	ssize_t got;
	char *end;
	int fd;

	len = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n%s\r\n",
		       method, path, headers ? headers : "");
	fd = connect_to(addr, port);
	if (fd < 0)
		return fd;
	if (write(fd, req, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	while ((got = read(fd, r->raw + n, sizeof(r->raw) - 1 - n)) > 0)
		n += got;
	close(fd);
	r->raw[n] = '\0';
	end = strstr(r->raw, "\r\n\r\n");
	if (got < 0 || !end || (size_t)(end + 2 - r->raw) >= sizeof(r->head) ||
	    sscanf(r->raw, "HTTP/1.1 %d ", &r->code) != 1)
		return -EPROTO;
	memcpy(r->head, r->raw, end + 2 - r->raw);
	r->head[end + 2 - r->raw] = '\0';
	r->body = end + 4;
	r->body_len = n - (end + 4 - r->raw);
	return 0;
}

static int get(int port, const char *method, const char *path, const char *headers,
	       struct reply *r)
{
	return request("127.0.0.1", port, method, path, headers, r);
}

static bool body_is(const struct reply *r, const char *want)
{
	return r->body_len == strlen(want) && !memcmp(r->body, want, r->body_len);
}

/* The endpoint on @listen: the port it is bound to, or -errno. */
static int start_on(const char *listen)
{
	int err = mw_metrics_start(listen);

	return err ? err : mw_metrics_port();
}

/* The endpoint on a free loopback port: that port, or -errno. */
static int start_local(void)
{
	return start_on("127.0.0.1:0");
}

TEST(metrics_answer_503_until_the_first_publish)
{
	struct reply r;
	int port = start_local();

	ASSERT_GT(port, 0, "the endpoint starts on a free loopback port");
	ASSERT_OK(get(port, "GET", "/metrics", NULL, &r), "a scrape right after start is answered");
	ASSERT_EQ(r.code, 503, "nothing published yet: unavailable, not an empty 200");
	ASSERT_GT(r.body_len, 0, "with a body saying why");
	mw_metrics_publish(prom, strlen(prom), om, strlen(om));
	ASSERT_OK(get(port, "GET", "/metrics", NULL, &r), "scrape after the publish");
	ASSERT_EQ(r.code, 200, "published: served");
	mw_metrics_stop();
}

TEST(metrics_serve_the_latest_prometheus_rendering)
{
	static const char newer[] = "# HELP up_total x\n# TYPE up_total counter\nup_total 2\n";
	struct reply r;
	int port = start_local();

	ASSERT_GT(port, 0, "the endpoint starts");
	mw_metrics_publish(prom, strlen(prom), om, strlen(om));
	mw_metrics_publish(newer, strlen(newer), om, strlen(om));
	ASSERT_OK(get(port, "GET", "/metrics?x=1", NULL, &r), "scrape");
	ASSERT_EQ(r.code, 200, "GET /metrics");
	ASSERT_TRUE(body_is(&r, newer), "the body is the latest Prometheus rendering, exactly");
	ASSERT_TRUE(strstr(r.head, PROM_TYPE), "as Prometheus text 0.0.4");
	ASSERT_TRUE(strstr(r.head, "\r\nVary: Accept\r\n"), "which caches keep apart by Accept");
	mw_metrics_stop();
}

TEST(metrics_serve_openmetrics_to_clients_that_ask_for_it)
{
	struct reply r;
	int port = start_local();

	ASSERT_GT(port, 0, "the endpoint starts");
	mw_metrics_publish(prom, strlen(prom), om, strlen(om));
	ASSERT_OK(get(port, "GET", "/metrics", OM_ACCEPT, &r), "scrape asking for OpenMetrics");
	ASSERT_EQ(r.code, 200, "GET /metrics");
	ASSERT_TRUE(body_is(&r, om), "the body is the OpenMetrics rendering, exactly");
	ASSERT_TRUE(strstr(r.head, OM_TYPE), "as OpenMetrics 1.0.0");
	ASSERT_OK(get(port, "GET", "/metrics", "Accept: text/plain\r\n", &r), "scrape asking for text");
	ASSERT_TRUE(body_is(&r, prom) && strstr(r.head, PROM_TYPE), "gets Prometheus text");
	mw_metrics_stop();
}

TEST(metrics_head_has_the_headers_of_get_and_no_body)
{
	char length[64];
	struct reply r;
	int port = start_local();

	ASSERT_GT(port, 0, "the endpoint starts");
	mw_metrics_publish(prom, strlen(prom), om, strlen(om));
	ASSERT_OK(get(port, "HEAD", "/metrics", OM_ACCEPT, &r), "HEAD /metrics");
	ASSERT_EQ(r.code, 200, "HEAD is allowed");
	ASSERT_EQ(r.body_len, 0, "and has no body");
	ASSERT_TRUE(strstr(r.head, OM_TYPE), "but the type a GET would have");
	snprintf(length, sizeof(length), "\r\nContent-Length: %zu\r\n", strlen(om));
	ASSERT_TRUE(strstr(r.head, length), "and the length a GET would have");
	mw_metrics_stop();
}

TEST(metrics_other_paths_are_404_other_methods_405)
{
	struct reply r;
	int port = start_local();

	ASSERT_GT(port, 0, "the endpoint starts");
	mw_metrics_publish(prom, strlen(prom), om, strlen(om));
	ASSERT_OK(get(port, "GET", "/metricsx", NULL, &r), "GET /metricsx");
	ASSERT_EQ(r.code, 404, "only /metrics and / exist");
	ASSERT_OK(get(port, "POST", "/metrics", "Content-Length: 0\r\n", &r), "POST /metrics");
	ASSERT_EQ(r.code, 405, "/metrics is read-only");
	ASSERT_TRUE(strstr(r.head, "\r\nAllow: GET, HEAD\r\n"), "a 405 says what is allowed");
	ASSERT_OK(get(port, "OPTIONS", "/", NULL, &r), "OPTIONS /");
	ASSERT_EQ(r.code, 405, "methods libevent would call unimplemented are 405 too");
	ASSERT_OK(get(port, "GET", "/", NULL, &r), "GET /");
	ASSERT_EQ(r.code, 200, "/ answers");
	ASSERT_TRUE(r.body_len && memmem(r.body, r.body_len, "/metrics", 8), "pointing at /metrics");
	mw_metrics_stop();
}

/* A client sends half its headers and stalls: the daemon's publish and other scrapes go on. */
TEST(metrics_a_stalled_client_does_not_hold_up_others)
{
	static const char partial[] = "GET /metrics HTTP/1.1\r\nHost: slow\r\n";
	struct reply r;
	int port = start_local(), slow;

	ASSERT_GT(port, 0, "the endpoint starts");
	slow = connect_to("127.0.0.1", port);
	ASSERT_TRUE(slow >= 0, "the slow client connects");
	ASSERT_EQ(write(slow, partial, strlen(partial)), strlen(partial), "and sends half a request");
	mw_metrics_publish(prom, strlen(prom), om, strlen(om));
	ASSERT_OK(get(port, "GET", "/metrics", NULL, &r), "another scrape meanwhile");
	ASSERT_TRUE(r.code == 200 && body_is(&r, prom), "is served the latest rendering");
	close(slow);
	mw_metrics_stop();
}

TEST(metrics_start_reports_a_port_in_use)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(in);
	char listen_on[32];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	ASSERT_TRUE(fd >= 0, "a socket");
	ASSERT_OK(bind(fd, (struct sockaddr *)&in, sizeof(in)) || listen(fd, 1) ||
		  getsockname(fd, (struct sockaddr *)&in, &len), "another program listens on a port");
	snprintf(listen_on, sizeof(listen_on), "127.0.0.1:%u", ntohs(in.sin_port));
	ASSERT_EQ(mw_metrics_start(listen_on), -EADDRINUSE, "starting on that port fails");
	ASSERT_EQ(mw_metrics_port(), -ENOTCONN, "and nothing runs");
	close(fd);
	port = start_local();
	ASSERT_GT(port, 0, "the endpoint starts");
	snprintf(listen_on, sizeof(listen_on), "127.0.0.1:%d", port);
	ASSERT_EQ(mw_metrics_start(listen_on), -EBUSY, "a second start while it runs is refused");
	ASSERT_EQ(mw_metrics_port(), port, "and leaves the first one running");
	mw_metrics_stop();
}

TEST(metrics_start_rejects_bad_listen_strings)
{
	static const char *const bad[] = {
		"", "abc", "65536", "99999999", "-1", "+80", "80x", "127.0.0.1:", "127.0.0.1",
		":", ":x", "::1:9464", "[::1]", "[::1:9464", "[]:9464", "[127.0.0.1]:9464",
		"[localhost]:9464", "127.0.0.1:65536", "no-such-host.invalid:9464",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mw_metrics_start(bad[i]) != -EINVAL) {
			mw_metrics_stop();
			mw_test_fail(__FILE__, __LINE__, "\"%s\" is not refused with -EINVAL", bad[i]);
			return;
		}
	ASSERT_EQ(mw_metrics_port(), -ENOTCONN, "nothing runs");
}

/* A bare port is 127.0.0.1 only: not the other loopback addresses, nor the world. */
TEST(metrics_bare_port_listens_on_127_0_0_1_only)
{
	struct reply r;
	char listen_on[16];
	int port = start_local();

	ASSERT_GT(port, 0, "find a free port");
	mw_metrics_stop();
	snprintf(listen_on, sizeof(listen_on), "%d", port);
	ASSERT_OK(mw_metrics_start(listen_on), "start on a bare port");
	ASSERT_OK(get(port, "GET", "/", NULL, &r), "127.0.0.1 answers");
	ASSERT_EQ(request("127.0.0.2", port, "GET", "/", NULL, &r), -ECONNREFUSED,
		  "127.0.0.2 does not: the socket is not bound to every address");
	mw_metrics_stop();
}

/*
 * As node_exporter takes them: ":PORT" is every address, IPv4's and IPv6's;
 * a name is resolved, localhost to its IPv4 address (as Go's listeners do).
 */
TEST(metrics_colon_port_is_every_address_and_a_host_name_is_resolved)
{
	struct reply r;
	int port = start_on(":0");

	ASSERT_GT(port, 0, "start on :0");
	ASSERT_OK(request("127.0.0.2", port, "GET", "/", NULL, &r), "127.0.0.2 answers");
	ASSERT_OK(request("::1", port, "GET", "/", NULL, &r), "so does ::1");
	mw_metrics_stop();
	port = start_on("localhost:0");
	ASSERT_GT(port, 0, "start on localhost:0");
	ASSERT_OK(get(port, "GET", "/", NULL, &r), "127.0.0.1 answers");
	ASSERT_EQ(request("127.0.0.2", port, "GET", "/", NULL, &r), -ECONNREFUSED,
		  "127.0.0.2 does not: not every address");
	mw_metrics_stop();
}

TEST(metrics_listen_on_ipv6)
{
	struct reply r;
	int port;

	ASSERT_OK(mw_metrics_start("[::1]:0"), "start on [::1]");
	port = mw_metrics_port();
	mw_metrics_publish(prom, strlen(prom), om, strlen(om));
	ASSERT_OK(request("::1", port, "GET", "/metrics", NULL, &r), "scrape over IPv6");
	ASSERT_TRUE(r.code == 200 && body_is(&r, prom), "is served");
	mw_metrics_stop();
}

TEST(metrics_stop_then_start_again_on_the_same_port)
{
	char listen_on[32];
	struct reply r;
	int port;

	mw_metrics_stop();	/* never started: nothing to do */
	port = start_local();
	ASSERT_GT(port, 0, "the endpoint starts");
	mw_metrics_publish(prom, strlen(prom), om, strlen(om));
	/* A connection closed by the server leaves the port in TIME_WAIT: the restart must cope. */
	ASSERT_OK(get(port, "GET", "/metrics", NULL, &r), "scrape");
	mw_metrics_stop();
	mw_metrics_stop();	/* twice: nothing to do */
	ASSERT_EQ(get(port, "GET", "/metrics", NULL, &r), -ECONNREFUSED, "stopped: nobody listens");
	snprintf(listen_on, sizeof(listen_on), "127.0.0.1:%d", port);
	ASSERT_OK(mw_metrics_start(listen_on), "start again on the same port");
	ASSERT_OK(get(port, "GET", "/metrics", NULL, &r), "scrape the new endpoint");
	ASSERT_EQ(r.code, 503, "stop forgot the old renderings");
	mw_metrics_publish(prom, strlen(prom), om, strlen(om));
	ASSERT_OK(get(port, "GET", "/metrics", NULL, &r), "scrape after a publish");
	ASSERT_TRUE(r.code == 200 && body_is(&r, prom), "is served");
	mw_metrics_stop();
}

TEST(metric_samples_are_named_as_each_format_wants)
{
	struct mw_mbuf p = {}, o = {};

	mw_metric_family(&p, &o, "mw_lost", "counter", "Reports \"lost\"\\dropped.\nSee docs.");
	mw_metric_sample(&p, &o, "mw_lost", "counter", "cpu=\"0\"", 3);
	mw_metric_sample(&p, &o, "mw_lost", "counter", NULL, 1e17);
	mw_metric_family(&p, &o, "mw_up", "gauge", "Up.");
	mw_metric_sample(&p, &o, "mw_up", "gauge", "", 0.1);
	mw_metric_sample(&p, &o, "mw_up", "gauge", "x=\"y\"", 0.1 + 0.2);
	mw_metric_family(&p, &o, "mw_build", "info", "Build.");
	mw_metric_sample(&p, &o, "mw_build", "info", "version=\"1\"", 1);
	ASSERT_OK(mw_metric_end(&p, &o), "rendered");
	ASSERT_TRUE(!strcmp(p.buf,
			    "# HELP mw_lost_total Reports \"lost\"\\\\dropped.\\nSee docs.\n"
			    "# TYPE mw_lost_total counter\n"
			    "mw_lost_total{cpu=\"0\"} 3\n"
			    "mw_lost_total 1e+17\n"
			    "# HELP mw_up Up.\n"
			    "# TYPE mw_up gauge\n"
			    "mw_up 0.1\n"
			    "mw_up{x=\"y\"} 0.30000000000000004\n"
			    "# HELP mw_build_info Build.\n"
			    "# TYPE mw_build_info gauge\n"
			    "mw_build_info{version=\"1\"} 1\n"), "the Prometheus rendering");
	ASSERT_TRUE(!strcmp(o.buf,
			    "# TYPE mw_lost counter\n"
			    "# HELP mw_lost Reports \\\"lost\\\"\\\\dropped.\\nSee docs.\n"
			    "mw_lost_total{cpu=\"0\"} 3\n"
			    "mw_lost_total 1e+17\n"
			    "# TYPE mw_up gauge\n"
			    "# HELP mw_up Up.\n"
			    "mw_up 0.1\n"
			    "mw_up{x=\"y\"} 0.30000000000000004\n"
			    "# TYPE mw_build info\n"
			    "# HELP mw_build Build.\n"
			    "mw_build_info{version=\"1\"} 1\n"
			    "# EOF\n"), "the OpenMetrics rendering");
	ASSERT_EQ(p.len, strlen(p.buf), "len counts what buf holds");
	mw_mbuf_reset(&p);
	mw_mbuf_reset(&o);
	mw_metric_sample(&p, &o, "mw_x", "histogram", NULL, 1);
	ASSERT_EQ(mw_metric_end(&p, &o), -EINVAL, "an unknown type fails the rendering");
	mw_mbuf_free(&p);
	mw_mbuf_free(&o);
}

TEST(metric_label_values_are_escaped)
{
	char buf[32];

	ASSERT_OK(mw_metric_label_escape(buf, sizeof(buf), "a\"b\\c\nd"), "escape");
	ASSERT_TRUE(!strcmp(buf, "a\\\"b\\\\c\\nd"), "quote, backslash and newline are escaped");
	ASSERT_OK(mw_metric_label_escape(buf, 5, "abcd"), "exactly fits");
	ASSERT_EQ(mw_metric_label_escape(buf, 5, "abc\n"), -ENOSPC, "the escape does not fit");
	ASSERT_TRUE(!buf[0], "and no half value is left");
	ASSERT_EQ(mw_metric_label_escape(buf, 0, ""), -ENOSPC, "no room even for the NUL");
}

/* Run promtool check metrics on @text: its exit status, its output in @out. */
static int promtool(const char *text, char *out, size_t size)
{
	char path[] = "/tmp/mw-metrics-XXXXXX", cmd[128];
	int fd = mkstemp(path), status;
	size_t n = 0;
	FILE *f;

	out[0] = '\0';
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	f = popen(cmd, "r");
	if (f) {
		n = fread(out, 1, size - 1, f);
		status = pclose(f);
	}
	unlink(path);
	out[n] = '\0';
	return f && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* What the daemon will serve, in miniature: each type, labels needing escapes, no labels. */
static int render(struct mw_mbuf *p, struct mw_mbuf *o)
{
	char module[64], labels[160];

	if (mw_metric_label_escape(module, sizeof(module), "odd\"mod\\name\n"))
		return -ENOSPC;
	mw_metric_family(p, o, "modwatch_build", "info", "The modwatch version running.");
	mw_metric_sample(p, o, "modwatch_build", "info", "version=\"" MODWATCH_VERSION "\"", 1);
	mw_metric_family(p, o, "modwatch_violations", "counter",
			 "Violations reported, by module and kind.\nRepeats are not counted.");
	snprintf(labels, sizeof(labels), "module=\"%s\",kind=\"double_free\"", module);
	mw_metric_sample(p, o, "modwatch_violations", "counter", labels, 2);
	mw_metric_sample(p, o, "modwatch_violations", "counter",
			 "module=\"mw_buggy\",kind=\"use_after_free\"", 18446744073709551615.0);
	mw_metric_family(p, o, "modwatch_modules_watched", "gauge", "Modules watched now.");
	mw_metric_sample(p, o, "modwatch_modules_watched", "gauge", NULL, 3);
	mw_metric_family(p, o, "modwatch_uptime_seconds", "gauge", "Seconds since start.");
	mw_metric_sample(p, o, "modwatch_uptime_seconds", "gauge", NULL, 12.25);
	return mw_metric_end(p, o);
}

TEST(metric_renderings_pass_promtool)
{
	struct mw_mbuf p = {}, o = {};
	char out[4096];
	int rc;

	ASSERT_OK(render(&p, &o), "render");
	rc = promtool(p.buf, out, sizeof(out));
	if (rc == 127) {
		mw_test_fail(__FILE__, __LINE__,
			     "promtool is not installed: tools/install-deps installs it (package prometheus)");
		return;
	}
	ASSERT_EQ(rc, 0, "promtool check metrics accepts the Prometheus rendering");
	if (out[0]) {
		mw_test_fail(__FILE__, __LINE__, "promtool has remarks: %s\n%s", out, p.buf);
		return;
	}
	ASSERT_TRUE(o.len > 6 && !strcmp(o.buf + o.len - 6, "# EOF\n"),
		    "the OpenMetrics rendering ends with # EOF");
	ASSERT_TRUE(strstr(o.buf, "\n# TYPE modwatch_violations counter\n"),
		    "its counter's TYPE names the family");
	ASSERT_TRUE(!strstr(o.buf, "_total counter"), "without _total");
	ASSERT_TRUE(strstr(o.buf, "module=\"odd\\\"mod\\\\name\\n\""), "the label value is escaped");
	mw_mbuf_free(&p);
	mw_mbuf_free(&o);
}
