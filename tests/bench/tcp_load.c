// SPDX-License-Identifier: GPL-2.0
/*
 * A network workload for `make bench`: MIB mebibytes over a TCP connection on
 * the loopback interface, written in 64 KiB chunks by one process and read by
 * another. Every chunk allocates and frees socket buffers (kmem tracepoints)
 * and takes four system calls, so it is a streaming workload's view of
 * modwatch's kernel-wide hooks. Prints the wall time in nanoseconds.
 *
 *   tcp_load [MIB]     (default 512)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static char buf[CHUNK];

/* A listening socket on 127.0.0.1, any port; *addr says which. */
static int listen_loopback(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)addr, sizeof(*addr)) || listen(s, 1) ||
	    getsockname(s, (struct sockaddr *)addr, &len))
		return -1;
	return s;
}

/* The reader: drains the connection until the writer closes it. */
static int drain(int ls)
{
	int c = accept(ls, NULL, NULL);
	ssize_t n;

	if (c < 0)
		return 1;
	while ((n = read(c, buf, sizeof(buf))) > 0)
		;
	return n < 0;
}

static int send_all(int s, long chunks)
{
	ssize_t n, off;

	while (chunks-- > 0)
		for (off = 0; off < CHUNK; off += n) {
			n = write(s, buf + off, CHUNK - off);
			if (n <= 0)
				return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	long chunks = (argc > 1 ? atol(argv[1]) : 512) * (1024 * 1024 / CHUNK);
	struct sockaddr_in addr;
	struct timespec a, b;
	int ls, s, status;
	pid_t reader;

	ls = listen_loopback(&addr);
	if (ls < 0) {
		perror("tcp_load: listen on 127.0.0.1");
		return 1;
	}
	reader = fork();
	if (reader < 0)
		return 1;
	if (!reader)
		_exit(drain(ls));
	clock_gettime(CLOCK_MONOTONIC, &a);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) || send_all(s, chunks)) {
		perror("tcp_load: send");
		return 1;
	}
	close(s);
	if (waitpid(reader, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%lld\n", (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
	return 0;
}
