// SPDX-License-Identifier: GPL-2.0
/*
 * A syscall- and allocator-heavy workload for `make bench`: pipe(), two
 * closes, socket(AF_UNIX), close, N times. Each iteration makes about 30 kmem
 * tracepoint hits and 5 system calls, so it measures what modwatch's
 * kernel-wide hooks (the kmem tracepoints) cost code that
 * no watched module is part of. Prints the wall time in nanoseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	long i, n = argc > 1 ? atol(argv[1]) : 200000;
	struct timespec a, b;
	int p[2], s;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		if (pipe(p))
			return 1;
		close(p[0]);
		close(p[1]);
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s < 0)
			return 1;
		close(s);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%lld\n", (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
	return 0;
}
