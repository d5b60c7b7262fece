/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one JSON writer: every JSON text the daemon makes (the JSON lines of
 * --json, the --sarif file, doctor --verifier --json) is built with these
 * calls, so that a string is escaped by one rule wherever it is written.
 *
 * A line is built in memory and handed to stdio in one fwrite(): at a
 * million reports a second, stdio's per-call work (a function call, its
 * checks and a copy for every brace and key) was half the drain's time.
 * The jw_* calls take their arguments in the order of the stdio calls they
 * replace (jw_puts(s, w) as fputs(s, f), jw_printf(w, ...) as fprintf()).
 * One builder: jw_begin() hands out the same buffer every time, so only one
 * thread writes JSON, one text at a time (the session's thread prints; the
 * CI files and doctor write after or without a session).
 *
 * How a string is written (json_str(), json_text()): the output is always
 * valid JSON (RFC 8259) and valid UTF-8, whatever bytes the kernel or a
 * module's DWARF handed us (a task's comm is any 16 bytes, cut anywhere):
 *  - '"' and '\\' as \" and \\;
 *  - every other byte below 0x20, and 0x7f (DEL), as \u00XX, lower-case
 *    hex; \n is \u000a too: one form for every control byte, none of the
 *    short ones, so a line never carries a byte a terminal acts on;
 *  - a valid UTF-8 sequence (RFC 3629: shortest form, no surrogates, at most
 *    U+10FFFF), all of it inside the string's bound, as it is;
 *  - any other byte >= 0x80 (a stray continuation byte, a lead byte whose
 *    sequence is broken, overlong or cut by the bound) as \u00XX: the byte's
 *    value survives (as the Latin-1 character of that number) where U+FFFD
 *    would lose it, and the text stays UTF-8;
 *  - everything else (printable ASCII) as it is.
 * The string ends at its first NUL or after @max bytes, whichever is first.
 */
#ifndef MODWATCH_REPORT_JSON_WRITER_H
#define MODWATCH_REPORT_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>

struct jw {
	FILE *f;
	char *p;
	char buf[65536];
};

struct jw *jw_begin(FILE *f);
void jw_spill(struct jw *w);
void jw_end(struct jw *w, bool flush);
void jw_printf(struct jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Inline: these are the drain's hot path, a call each per brace and key. */
static inline void jw_write(const void *s, size_t size, size_t n, struct jw *w)
{
	n *= size;
	if (n > (size_t)(w->buf + sizeof(w->buf) - w->p)) {
		jw_spill(w);
		if (n > sizeof(w->buf)) {
			fwrite(s, 1, n, w->f);
			return;
		}
	}
	memcpy(w->p, s, n);
	w->p += n;
}

/* Inlined, strlen() of a string literal is a constant. */
static inline void jw_puts(const char *s, struct jw *w)
{
	jw_write(s, 1, strlen(s), w);
}

static inline void jw_putc(char c, struct jw *w)
{
	if (w->p == w->buf + sizeof(w->buf))
		jw_spill(w);
	*w->p++ = c;
}

/* @s (at most @max bytes of it) as a JSON string's contents, by the rule above. */
void json_text(struct jw *out, const char *s, size_t max);
/* The same, in its quotes. */
void json_str(struct jw *out, const char *s, size_t max);
void json_u64(struct jw *out, __u64 v);
/* "KEY":"0xHEX" */
void json_addr(struct jw *out, const char *key, __u64 addr);

/* ,"KEY":V */
static inline void json_key_u64(struct jw *out, const char *key, __u64 v)
{
	jw_puts(",\"", out);
	jw_puts(key, out);
	jw_puts("\":", out);
	json_u64(out, v);
}

#endif /* MODWATCH_REPORT_JSON_WRITER_H */
