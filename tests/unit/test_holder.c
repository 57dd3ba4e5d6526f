/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * holder/carrel-holder, run as the holder runs it: PID 1 of a new pid
 * namespace, as an unprivileged uid.  It must reap the orphans that land on
 * it, survive every catchable signal, be non-dumpable from the exec on (its
 * /proc files stay root's), and die of SIGKILL.  Needs root (a pid
 * namespace and a uid change): exit 77 otherwise.
 *
 *   tests/unit/test_holder [PROGRAM]      (default holder/carrel-holder)
 */
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static char comm_of(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0];
}

/* 'Z' if PID is a zombie, 0 if it is gone, else its state letter. */
static char state_of(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Wait (bounded: 5 s) until PID is gone or no longer STATE. */
static bool wait_not(pid_t pid, char state)
{
	for (int i = 0; i < 500; i++) {
		char s = state_of(pid);
		if (s == 0 || (state && s != state))
			return true;
		usleep(10000);
	}
	return false;
}

int main(int argc, char **argv)
{
	const char *prog = argc > 1 ? argv[1] : "holder/carrel-holder";
	int ready[2], pidfd, status;
	char comm[32], c;
	pid_t holder, orphan = 0;
	struct stat st;

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (a pid namespace, a uid change)\n");
		return 77;
	}
	if (access(prog, X_OK) < 0) {
		printf("1..0 # SKIP %s is not built\n", prog);
		return 77;
	}
	/* The holder: PID 1 of a new pid namespace, as nobody, with the
	 * parent-death signal set, as helper/holder.c leaves it. */
	if (pipe2(ready, O_CLOEXEC) < 0 || (holder = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL)) < 0) {
		printf("1..0 # SKIP no pid namespace: %s\n", strerror(errno));
		return 77;
	}
	if (holder == 0) {
		char *const av[] = { (char *)"carrel-holder", NULL }, *const ev[] = { NULL };
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || setgroups(0, NULL) < 0 ||
		    setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(126);
		execve(prog, av, ev);
		_exit(127);
	}
	close(ready[1]);
	/* The pipe's write end (close-on-exec) closes during the exec, a moment
	 * before the kernel names the new program and marks it non-dumpable:
	 * wait (bounded) for the state, never race it. */
	(void)!read(ready[0], &c, 1);
	close(ready[0]);
	pidfd = (int)syscall(SYS_pidfd_open, holder, 0);

	{
		char path[64];
		int r = -1;
		snprintf(path, sizeof(path), "/proc/%d/environ", (int)holder);
		for (int i = 0; i < 500; i++) {
			r = stat(path, &st);
			if (comm_of(holder, comm, sizeof(comm)) && strcmp(comm, "carrel-holder") == 0 && r == 0 &&
			    st.st_uid == 0)
				break;
			usleep(10000);
		}
		check(comm_of(holder, comm, sizeof(comm)) && strcmp(comm, "carrel-holder") == 0,
		      "it runs, named carrel-holder (comm '%s')", comm);
		check(r == 0 && st.st_uid == 0, "non-dumpable as nobody: its /proc files are root's (environ owner %d)",
		      r == 0 ? (int)st.st_uid : -1);
	}

	/* Signals a session could send PID 1 from the host side: all blocked. */
	int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGQUIT, SIGCHLD };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		kill(holder, sigs[i]);
	usleep(50000); /* not an assertion on time: a dying process would show below as well */
	check(state_of(holder) != 0 && state_of(holder) != 'Z' && waitpid(holder, &status, WNOHANG) == 0,
	      "it survives SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGQUIT, SIGCHLD");

	/* An orphan in its pid namespace: a child of ours in there forks a
	 * grandchild and exits; the grandchild exits too and must be reaped
	 * by PID 1, not left a zombie. */
	int op[2];
	if (pipe2(op, O_CLOEXEC) == 0 && pidfd >= 0) {
		pid_t mid = fork();
		if (mid == 0) {
			if (setns(pidfd, CLONE_NEWPID) < 0)
				_exit(1);
			pid_t in = fork();
			if (in == 0)
				_exit(0);
			if (in < 0)
				_exit(1);
			(void)!write(op[1], &in, sizeof(in));
			_exit(0);
		}
		close(op[1]);
		if (read(op[0], &orphan, sizeof(orphan)) != sizeof(orphan))
			orphan = 0;
		close(op[0]);
		waitpid(mid, NULL, 0);
	}
	/* fork() after setns() returns the child's pid as the caller's
	 * (the host's) pid namespace sees it: ORPHAN is a host pid. */
	check(orphan > 0 && wait_not(orphan, 0),
	      "an orphan that exits in its pid namespace is reaped (pid %d)", (int)orphan);
	check(state_of(holder) != 0 && state_of(holder) != 'Z', "it is still there after reaping");

	/* SIGKILL from outside ends it (and its namespace). */
	kill(holder, SIGKILL);
	check(waitpid(holder, &status, 0) == holder && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "SIGKILL ends it");
	if (pidfd >= 0)
		close(pidfd);
	return tap_done();
}
