/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * snipe: the chaos driver's killer.  Waits (bounded) for one process of a
 * kind to appear, then after a given delay sends it SIGKILL, and says what
 * it did.  Polling /proc from C is fast enough to catch the short-lived
 * `carrel-helper open` process, which a shell loop misses.
 *
 *   snipe KIND DELAY_US WAIT_MS
 *
 * KIND:
 *   helper      a process named carrel-helper whose argv is
 *               "carrel-helper open ..." (the keeper and the holder
 *               inherit that command line, not the name)
 *   keeper      a process named carrel-keeper
 *   holder      a process named carrel-holder
 *   child:PPID  a child of PPID whose command line contains "@" or ": "
 *               (sshd's per-connection monitor, "sshd: USER [priv]" or
 *               "sshd: USER@notty"), not the listener itself
 *   pid:PID     PID itself (the delay counts from the start)
 *
 * Prints one line: "killed PID MS" (MS = milliseconds since the start,
 * CLOCK_MONOTONIC), "gone PID" (it ended before the delay was over) or
 * "missed" (none appeared within WAIT_MS).  Exits 0 in all three cases,
 * 2 on a usage error.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* read_small DIRFD NAME BUF SIZE: a /proc/PID file (NULs kept), or -1. */
static ssize_t read_small(int pfd, const char *name, char *buf, size_t size)
{
	int fd = openat(pfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static int matches(int pfd, const char *kind, long ppid_want)
{
	char buf[4096];
	ssize_t n;

	if (strcmp(kind, "keeper") == 0 || strcmp(kind, "holder") == 0) {
		char want[32];

		snprintf(want, sizeof(want), "carrel-%s\n", kind);
		return read_small(pfd, "comm", buf, sizeof(buf)) > 0 && strcmp(buf, want) == 0;
	}
	if (strcmp(kind, "helper") == 0) {
		const char *a0, *a1, *base;

		/* The keeper and the holder keep the helper's command line. */
		if (read_small(pfd, "comm", buf, sizeof(buf)) <= 0 || strcmp(buf, "carrel-helper\n") != 0)
			return 0;
		n = read_small(pfd, "cmdline", buf, sizeof(buf));
		if (n <= 0)
			return 0;
		a0 = buf;
		a1 = a0 + strlen(a0) + 1;
		if (a1 >= buf + n)
			return 0;
		base = strrchr(a0, '/');
		base = base ? base + 1 : a0;
		return strcmp(base, "carrel-helper") == 0 && strcmp(a1, "open") == 0;
	}
	/* child:PPID */
	{
		char *p;
		long ppid;
		ssize_t i;

		if (read_small(pfd, "stat", buf, sizeof(buf)) <= 0)
			return 0;
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1, " %*c %ld", &ppid) != 1 || ppid != ppid_want)
			return 0;
		n = read_small(pfd, "cmdline", buf, sizeof(buf));
		if (n <= 0)
			return 0;
		for (i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		return strstr(buf, "@") != NULL || strstr(buf, "[priv]") != NULL;
	}
}

static long find(const char *kind, long ppid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		int pfd;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0)
			continue;
		if (matches(pfd, kind, ppid))
			found = strtol(e->d_name, NULL, 10);
		close(pfd);
	}
	closedir(d);
	return found;
}

int main(int argc, char **argv)
{
	const char *kind;
	long long t0 = now_us(), delay, wait_us, t;
	long pid = 0, ppid = 0;
	struct timespec ts;

	if (argc != 4) {
		fprintf(stderr, "usage: snipe KIND DELAY_US WAIT_MS\n");
		return 2;
	}
	kind = argv[1];
	delay = atoll(argv[2]);
	wait_us = atoll(argv[3]) * 1000;
	if (strncmp(kind, "pid:", 4) == 0) {
		pid = atol(kind + 4);
	} else if (strncmp(kind, "child:", 6) == 0) {
		ppid = atol(kind + 6);
		kind = "child";
	} else if (strcmp(kind, "helper") && strcmp(kind, "keeper") && strcmp(kind, "holder")) {
		fprintf(stderr, "snipe: unknown kind %s\n", kind);
		return 2;
	}
	while (!pid) {
		pid = find(kind, ppid);
		if (pid)
			break;
		if (now_us() - t0 > wait_us) {
			printf("missed\n");
			return 0;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = 200000;
		nanosleep(&ts, NULL);
	}
	ts.tv_sec = delay / 1000000;
	ts.tv_nsec = (delay % 1000000) * 1000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	t = now_us();
	if (kill((pid_t)pid, SIGKILL) < 0) {
		printf("gone %ld\n", pid);
		return 0;
	}
	printf("killed %ld %lld\n", pid, (t - t0) / 1000);
	return 0;
}
