// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer's buffer and its one escaping rule (json_writer.h says
 * which): the JSON-lines printer, the SARIF file and doctor's --json all
 * write through here, so no two of them can escape a string differently.
 */
#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include "lib/escape.h"
#include "report/json_writer.h"

static const char hex[] = "0123456789abcdef";

static struct jw jw_line;

struct jw *jw_begin(FILE *f)
{
	jw_line.f = f;
	jw_line.p = jw_line.buf;
	return &jw_line;
}

/* What is built so far goes to stdio: at the end of a line, or when the buffer is full. */
void jw_spill(struct jw *w)
{
	fwrite(w->buf, 1, w->p - w->buf, w->f);
	w->p = w->buf;
}

void jw_end(struct jw *w, bool flush)
{
	jw_spill(w);
	if (flush)
		fflush(w->f);
}

void jw_printf(struct jw *w, const char *fmt, ...)
{
	size_t room = w->buf + sizeof(w->buf) - w->p;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(w->p, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < room) {
		w->p += n;
		return;
	}
	jw_spill(w);	/* it did not fit: again, into the emptied buffer, or straight to stdio */
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(w->buf))
		w->p += vsnprintf(w->p, sizeof(w->buf), fmt, ap);
	else
		vfprintf(w->f, fmt, ap);
	va_end(ap);
}

/* A byte JSON or UTF-8 does not take as it is: \" and \\, else \u00XX. */
static void json_escape(struct jw *out, unsigned char c)
{
	char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	if (c == '"' || c == '\\') {
		e[1] = c;
		jw_write(e, 1, 2, out);
	} else {
		jw_write(e, 1, sizeof(e), out);
	}
}

void json_text(struct jw *out, const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n, run = 0;

	for (i = 0; i < max && u[i]; i++) {
		unsigned char c = u[i];

		if (c != '"' && c != '\\' && c >= 0x20 && c < 0x7f)
			continue;
		if (c >= 0x80 && (n = mw_utf8_len(u + i, max - i))) {
			i += n - 1;
			continue;
		}
		/* Whole runs of plain characters at once: this is the drain's hot path. */
		jw_write(s + run, 1, i - run, out);
		json_escape(out, c);
		run = i + 1;
	}
	jw_write(s + run, 1, i - run, out);
}

void json_str(struct jw *out, const char *s, size_t max)
{
	jw_putc('"', out);
	json_text(out, s, max);
	jw_putc('"', out);
}

/*
 * Numbers for the fields every report has, without printf(): its format
 * parsing was most of the drain's time (modwatch storm).
 */
void json_u64(struct jw *out, __u64 v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";
	char buf[20];
	int i = sizeof(buf);

	/* Two digits per division: a report has a dozen numbers, timestamps of 14 digits. */
	for (; v >= 100; v /= 100) {
		i -= 2;
		memcpy(buf + i, pairs + 2 * (v % 100), 2);
	}
	if (v >= 10) {
		i -= 2;
		memcpy(buf + i, pairs + 2 * v, 2);
	} else {
		buf[--i] = '0' + v;
	}
	jw_write(buf + i, 1, sizeof(buf) - i, out);
}

void json_addr(struct jw *out, const char *key, __u64 addr)
{
	char buf[16];
	int i = sizeof(buf);

	do
		buf[--i] = hex[addr & 15];
	while (addr >>= 4);
	jw_putc('"', out);
	jw_puts(key, out);
	jw_puts("\":\"0x", out);
	jw_write(buf + i, 1, sizeof(buf) - i, out);
	jw_putc('"', out);
}
