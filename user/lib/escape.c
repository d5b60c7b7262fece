// SPDX-License-Identifier: GPL-2.0
/* The one escaping rule for text a person reads (lib/escape.h says which). */
#include <string.h>
#include "lib/escape.h"

static const char hex[] = "0123456789abcdef";

size_t mw_utf8_len(const unsigned char *s, size_t left)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, k;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;		/* shorter as two bytes */
	else if (s[0] == 0xed)
		hi = 0x9f;		/* U+D800..U+DFFF, surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;		/* shorter as three bytes */
	else if (s[0] == 0xf4)
		hi = 0x8f;		/* past U+10FFFF */
	if (n > left)
		return 0;
	for (k = 1; k < n; k++, lo = 0x80, hi = 0xbf)
		if (s[k] < lo || s[k] > hi)
			return 0;
	return n;
}

/* The text for the bytes at @s (@left of them in bound) in @out; returns how many it took. */
static size_t escape_one(const unsigned char *s, size_t left, char out[5], size_t *len)
{
	size_t n = s[0] >= 0x80 ? mw_utf8_len(s, left) : 0;

	/* U+0080..U+009F are C1 controls: a terminal may act on them as on ESC. */
	if (n > 1 && !(s[0] == 0xc2 && s[1] < 0xa0)) {
		memcpy(out, s, n);
		*len = n;
		return n;
	}
	if (s[0] >= 0x20 && s[0] < 0x7f && s[0] != '\\') {
		out[0] = s[0];
		*len = 1;
	} else if (s[0] == '\\' || s[0] == '\n' || s[0] == '\t') {
		out[0] = '\\';
		out[1] = s[0] == '\n' ? 'n' : s[0] == '\t' ? 't' : '\\';
		*len = 2;
	} else {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[s[0] >> 4];
		out[3] = hex[s[0] & 15];
		*len = 4;
	}
	return 1;
}

char *mw_escape(char *buf, size_t size, const char *src, size_t max)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, at = 0, cut = 0, len;
	char one[5];

	while (i < max && s[i]) {
		size_t took = escape_one(s + i, max - i, one, &len);

		if (at + len + 1 > size) {	/* back to the last escape "..." fits after */
			memcpy(buf + cut, "...", 3);
			at = cut + 3;
			break;
		}
		memcpy(buf + at, one, len);
		at += len;
		i += took;
		if (at + 4 <= size)
			cut = at;
	}
	buf[at] = '\0';
	return buf;
}
