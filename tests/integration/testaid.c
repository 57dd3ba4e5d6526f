/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * testaid: small, bounded helpers for the integration tests, in C because a
 * fresh Debian box has no python.  Built by tests/integration/run.sh into the
 * test's private /usr/local.
 *
 *   testaid devlog PATH OUT    bind a datagram socket at PATH (mode 0666) and
 *                              append every message received, one a line, to
 *                              OUT until SIGTERM (a syslog daemon stand-in)
 *   testaid memhog MB          allocate and touch MB MiB, 1 MiB at a time;
 *                              prints "memhog_mb=N" as it goes, "memhog_done"
 *   testaid forkloop N SECS    fork up to N children that each sleep SECS;
 *                              prints "forked=X failed=Y errno=NAME", then
 *                              kills and reaps them all
 *   testaid spin SECS          busy loop for SECS seconds of wall time; prints
 *                              "spin_cpu_ms=C spin_wall_ms=W"
 *   testaid euid               print the effective uid (installed setuid root
 *                              as testaid-suid: does setuid still work?)
 *   testaid subreaper CMD...   run CMD as a child subreaper: processes orphaned
 *                              beneath it (a double-forked keeper) are reaped
 *                              at once, as a real init would, instead of by
 *                              this machine's PID 1; exits with CMD's status
 *                              after reaping what exits within 5 s of it
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int devlog(const char *path, const char *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sigaction act = { .sa_handler = on_term };
	char buf[8192];
	int fd, ofd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "devlog: path too long\n");
		return 2;
	}
	strcpy(sa.sun_path, path);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	ofd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (ofd < 0) {
		perror("devlog: open output");
		return 2;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("devlog: socket/bind");
		return 2;
	}
	chmod(path, 0666);
	/* Tell the parent we are listening. */
	printf("listening\n");
	fflush(stdout);
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("devlog: recv");
			return 2;
		}
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
			n--;
		buf[n++] = '\n';
		if (write(ofd, buf, (size_t)n) < 0)
			return 2;
	}
	return 0;
}

static int memhog(long mb)
{
	long i;

	for (i = 1; i <= mb; i++) {
		char *p = malloc(1 << 20);

		if (!p) {
			printf("memhog_enomem=%ld\n", i);
			return 3;
		}
		memset(p, 0x5a, 1 << 20);
		if (i % 8 == 0) {
			printf("memhog_mb=%ld\n", i);
			fflush(stdout);
		}
	}
	printf("memhog_done\n");
	return 0;
}

static int forkloop(long n, long secs)
{
	pid_t *kids = calloc((size_t)n, sizeof(*kids));
	long forked = 0, failed = 0, i;
	int last_errno = 0;

	if (!kids)
		return 2;
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			alarm((unsigned)secs); /* bounded even if nobody kills us */
			pause();
			_exit(0);
		}
		if (p < 0) {
			failed++;
			last_errno = errno;
			continue;
		}
		kids[forked++] = p;
	}
	printf("forked=%ld failed=%ld errno=%s\n", forked, failed,
	       last_errno == EAGAIN ? "EAGAIN" : last_errno ? strerror(last_errno) : "none");
	fflush(stdout);
	for (i = 0; i < forked; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < forked; i++)
		waitpid(kids[i], NULL, 0);
	free(kids);
	return 0;
}

static long ms_of(const struct timespec *t)
{
	return t->tv_sec * 1000L + t->tv_nsec / 1000000L;
}

static int spin(long secs)
{
	struct timespec start, now, cpu;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 100000; i++)
			x++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (ms_of(&now) - ms_of(&start) < secs * 1000);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	printf("spin_cpu_ms=%ld spin_wall_ms=%ld\n", ms_of(&cpu), ms_of(&now) - ms_of(&start));
	return 0;
}

static pid_t main_child;

static void forward(int sig)
{
	if (main_child > 0)
		kill(main_child, sig);
}

static int subreaper(char **argv)
{
	struct sigaction act = { .sa_handler = forward };
	int status, rc = 1;
	pid_t p;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("subreaper: prctl");
		return 2;
	}
	main_child = fork();
	if (main_child < 0)
		return 2;
	if (main_child == 0) {
		execvp(argv[0], argv);
		perror("subreaper: exec");
		_exit(127);
	}
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGHUP, &act, NULL);
	for (;;) {
		p = waitpid(-1, &status, 0);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			return rc;
		if (p == main_child) {
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			break;
		}
	}
	/* Reap what ends soon after; what is still running is reported by the caller. */
	act.sa_handler = on_term; /* no SA_RESTART: the alarm must interrupt waitpid */
	sigaction(SIGALRM, &act, NULL);
	alarm(5);
	while (!stop) {
		p = waitpid(-1, &status, 0);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "devlog"))
		return devlog(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "memhog"))
		return memhog(atol(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "forkloop"))
		return forkloop(atol(argv[2]), atol(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "spin"))
		return spin(atol(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "euid")) {
		printf("%u\n", (unsigned)geteuid());
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "subreaper"))
		return subreaper(argv + 2);
	fprintf(stderr, "usage: testaid devlog PATH OUT | memhog MB | forkloop N SECS | spin SECS | euid | subreaper CMD...\n");
	return 2;
}
