// SPDX-License-Identifier: GPL-2.0
/*
 * The exposition formats: Prometheus text 0.0.4 and OpenMetrics 1.0.0, both
 * written at once from one description of each family and its samples, so
 * that the two renderings never disagree. Growing buffers that remember
 * their first failure keep the callers free of error checks until the end.
 * Nothing here knows modwatch's metrics (service/metrics.c) or how they
 * are served (service/metrics_http.c).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "service/exposition.h"

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
