// SPDX-License-Identifier: GPL-2.0
/* The scratch file each fuzz input is written to (fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "fuzz.h"

static char fz_path[64];
static int fz_fd = -1;

static void fz_cleanup(void)
{
	unlink(fz_path);
}

const char *fz_input_file(const uint8_t *data, size_t size)
{
	if (fz_fd < 0) {
		snprintf(fz_path, sizeof(fz_path), "/tmp/mw-fuzz-XXXXXX");
		fz_fd = mkstemp(fz_path);
		if (fz_fd < 0) {
			perror("mkstemp");
			abort();
		}
		atexit(fz_cleanup);
	}
	if (ftruncate(fz_fd, 0) || pwrite(fz_fd, data, size, 0) != (ssize_t)size) {
		perror(fz_path);
		abort();
	}
	return fz_path;
}
