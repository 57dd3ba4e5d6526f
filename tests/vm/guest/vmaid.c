/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmaid: small, bounded load generators the VM tests run inside a session.
 *
 *   vmaid memhog MIB          touch MIB MiB, 1 MiB at a time; prints touched=N
 *   vmaid forkloop N SECS     fork up to N children that sleep SECS; prints
 *                             forked=K failed=F errno=E, then kills them
 *   vmaid spin SECS [N]       N processes (1) busy-looping for SECS seconds
 *   vmaid hugetlb N           map N 2 MiB huge pages and touch them; prints
 *                             mmap=ok or mmap=ERROR, then touched=K
 *   vmaid devopen PATH        open PATH read-write; prints open=ok or open=ERROR
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "memhog") == 0) {
		long mib = atol(argv[2]);
		for (long i = 1; i <= mib; i++) {
			char *p = malloc(1 << 20);
			if (!p) {
				printf("malloc_failed=%ld\n", i);
				return 2;
			}
			memset(p, (int)i, 1 << 20);
			if (i % 8 == 0 || i == mib)
				printf("touched=%ld\n", i);
		}
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "forkloop") == 0) {
		int n = atoi(argv[2]), secs = atoi(argv[3]), forked = 0, failed = 0, err = 0;
		pid_t *kids = calloc((size_t)n, sizeof(*kids));
		for (int i = 0; kids && i < n; i++) {
			pid_t p = fork();
			if (p == 0) {
				sleep((unsigned)secs);
				_exit(0);
			}
			if (p < 0) {
				failed++;
				err = errno;
				continue;
			}
			kids[forked++] = p;
		}
		printf("forked=%d failed=%d errno=%s\n", forked, failed, err ? strerror(err) : "0");
		for (int i = 0; i < forked; i++)
			kill(kids[i], SIGKILL);
		while (wait(NULL) > 0)
			;
		return 0;
	}
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "spin") == 0) {
		double end = now() + atof(argv[2]);
		int n = argc == 4 ? atoi(argv[3]) : 1;
		for (int i = 1; i < n; i++)
			if (fork() == 0)
				break;
		volatile unsigned long x = 0;
		while (now() < end)
			for (int i = 0; i < 100000; i++)
				x++;
		while (wait(NULL) > 0)
			;
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "hugetlb") == 0) {
		size_t n = (size_t)atol(argv[2]), page = 2u << 20;
		char *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (p == MAP_FAILED) {
			printf("mmap=%s\n", strerror(errno));
			return 1;
		}
		printf("mmap=ok\n");
		for (size_t i = 0; i < n; i++) {
			p[i * page] = 1; /* beyond the limit without reservations: SIGBUS */
			printf("touched=%zu\n", i + 1);
		}
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "devopen") == 0) {
		int fd = open(argv[2], O_RDWR | O_CLOEXEC);
		printf("open=%s\n", fd >= 0 ? "ok" : strerror(errno));
		return fd >= 0 ? 0 : 1;
	}
	fprintf(stderr, "usage: vmaid memhog MIB | forkloop N SECS | spin SECS [N] | hugetlb N | devopen PATH\n");
	return 2;
}
