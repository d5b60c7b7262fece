// SPDX-License-Identifier: GPL-2.0
/* The one error printer: "modwatch: <problem>[: <fix>]" on one line. */
#include <stdarg.h>
#include <stdio.h>
#include "modwatch.h"

bool mw_verbose;

static void mw_vprint(const char *tag, const char *fmt, va_list ap)
{
	fprintf(stderr, "modwatch: %s", tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void mw_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mw_vprint("", fmt, ap);
	va_end(ap);
}

void mw_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mw_vprint("warning: ", fmt, ap);
	va_end(ap);
}
