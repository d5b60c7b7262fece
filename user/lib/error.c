// SPDX-License-Identifier: GPL-2.0
/* The one error printer: "modwatch: <problem>[: <fix>]" on one line. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "lib/error.h"

int mw_verbosity = MW_NORMAL;

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

	if (mw_verbosity < MW_NORMAL)
		return;
	va_start(ap, fmt);
	mw_vprint("warning: ", fmt, ap);
	va_end(ap);
}

/* Something a person may want to know that needs no action: "modwatch: note: ...". */
void mw_note(const char *fmt, ...)
{
	va_list ap;

	if (mw_verbosity < MW_NORMAL)
		return;
	va_start(ap, fmt);
	mw_vprint("note: ", fmt, ap);
	va_end(ap);
}

/*
 * -v: how long the start took so far, phase by phase ("modwatch: +1.23 s:
 * BPF loaded"), from the first call on: what a slow start spends its time on.
 */
void mw_phase(const char *fmt, ...)
{
	static struct timespec t0;
	struct timespec t;
	va_list ap;

	if (mw_verbosity < MW_VERBOSE)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!t0.tv_sec && !t0.tv_nsec)
		t0 = t;
	fprintf(stderr, "modwatch: +%.2f s: ", (double)(t.tv_sec - t0.tv_sec) +
					       (t.tv_nsec - t0.tv_nsec) / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int mw_vraw(int level, const char *fmt, va_list ap)
{
	if (mw_verbosity >= level)
		vfprintf(stderr, fmt, ap);
	return 0;
}

int mw_raw(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mw_vraw(level, fmt, ap);
	va_end(ap);
	return 0;
}
