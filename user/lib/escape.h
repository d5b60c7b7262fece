/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one escaping rule for text a person reads (the line and KASAN
 * layouts, `modwatch report`): a string from the kernel or a file (a task's
 * comm, a function, module or file name, a string of saved JSON) cannot
 * move the cursor, retitle the terminal or forge a line. As systemd and
 * ls -b print names:
 *  - '\\' as \\, a newline as \n, a tab as \t;
 *  - every other byte below 0x20, and 0x7f, as \xNN (lower-case hex);
 *  - a valid UTF-8 sequence (shortest form, no surrogates, at most
 *    U+10FFFF) as it is, but for the C1 controls U+0080..U+009F, each of
 *    whose two bytes is shown as \xNN;
 *  - any other byte >= 0x80 (not part of a valid sequence) as \xNN;
 *  - printable ASCII as it is.
 * JSON output keeps JSON's own escaping (report/json_writer.h).
 */
#ifndef MODWATCH_LIB_ESCAPE_H
#define MODWATCH_LIB_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

/* The room mw_esc() gives a string: longer ones end in "..." */
#define MW_ESC_LEN 1024

/*
 * The length of the valid UTF-8 sequence at @s, of which @left bytes are
 * inside the string's bound; 0 when there is none (RFC 3629's table).
 */
size_t mw_utf8_len(const unsigned char *s, size_t left);

/*
 * @src (up to its NUL or @max bytes) escaped by the rule above into @buf
 * of @size bytes (> 3), NUL-terminated; when it does not fit, cut after a
 * whole escape and ended with "...". Returns @buf.
 */
char *mw_escape(char *buf, size_t size, const char *src, size_t max);

/* For printf's arguments: an escaped copy that lives until the end of the enclosing block. */
#define mw_escn(s, max) mw_escape((char[MW_ESC_LEN]){ 0 }, MW_ESC_LEN, (s), (max))
#define mw_esc(s) mw_escn((s), SIZE_MAX)

#endif /* MODWATCH_LIB_ESCAPE_H */
