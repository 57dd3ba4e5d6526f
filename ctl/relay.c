/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "relay.h"
#include "util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

/* After the command has exited, at most this many reads (4 KiB each) of
 * what it left in the pty. */
#define RELAY_DRAIN_READS 64
/* The pty is non-blocking: a command that reads none of its input (its pty
 * raw and full) gets what root types after this wait dropped, and never
 * holds carrelctl in a write. */
#define RELAY_WRITE_WAIT_MS 100
/* A command whose session was hung up (carrelctl was asked to end) and
 * that has not ended after this long is killed. */
#define RELAY_HANGUP_WAIT_MS 2000

/* The first of fds 0-2 that is a terminal, or -1. */
static int root_tty(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (isatty(fd))
			return fd;
	return -1;
}

/* The child: a session of its own; the pty's other side (if any) as its
 * controlling terminal and in place of each of fds 0-2 that was a terminal. */
static void __attribute__((noreturn))
child(const char *pts, const char *path, char *const argv[], char *const envp[])
{
	int s;

	if (setsid() < 0)
		_exit(127);
	if (pts) {
		s = open(pts, O_RDWR); /* no O_NOCTTY: it becomes the controlling terminal */
		if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(127);
		for (int fd = 0; fd < 3; fd++)
			if (isatty(fd) && dup2(s, fd) < 0)
				_exit(127);
		if (s > 2)
			s = safe_close(s);
	}
	execve(path, argv, envp);
	fprintf(stderr, "carrelctl: enter: cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

static long long mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static bool copy(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	for (ssize_t off = 0, w; off < n; off += w) {
		struct pollfd room = { .fd = to, .events = POLLOUT };
		w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			w = 0;
		else if (w < 0 && errno == EAGAIN && poll(&room, 1, RELAY_WRITE_WAIT_MS) == 1)
			w = 0;
		else if (w < 0)
			return errno == EAGAIN; /* not read: dropped, the relay goes on */
	}
	return true;
}

static int status_of(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Relay root's terminal (keyboard on fd 0 if it is one, screen on OUT) and
 * MASTER until the child PID has exited.  A signal that would end
 * carrelctl (SIGTERM, SIGHUP, SIGINT, SIGQUIT: blocked and read here) hangs
 * up the command's process group instead, and a second one (or
 * RELAY_HANGUP_WAIT_MS later) kills it, so that
 * carrelctl always gets to restore root's terminal; *TERM is set to the
 * first such signal. */
static int relay(int tty, int out, int master, pid_t pid, int sig, int *term)
{
	struct pollfd p[3] = { { .fd = master, .events = POLLIN },
			       { .fd = sig, .events = POLLIN },
			       { .fd = isatty(0) ? 0 : -1, .events = POLLIN } };
	struct signalfd_siginfo si;
	struct winsize ws;
	int status = -1;

	long long kill_at = -1; /* ms, CLOCK_MONOTONIC: once hung up */

	for (;;) {
		long long left = kill_at < 0 ? -1 : kill_at - mono_ms();
		int n = poll(p, 3, kill_at < 0 ? -1 : left > 0 ? (int)left : 0);

		if (n < 0 && errno != EINTR)
			break;
		if (kill_at >= 0 && mono_ms() >= kill_at) {
			/* hung up RELAY_HANGUP_WAIT_MS ago and still there (a fixed
			 * deadline: what it prints meanwhile does not move it) */
			(void)kill(-pid, SIGKILL);
			kill_at = mono_ms() + RELAY_HANGUP_WAIT_MS;
		}
		if ((p[0].revents & POLLIN) && !copy(master, out))
			p[0].fd = -1;
		if (p[2].revents & (POLLIN | POLLHUP) && !copy(0, master))
			p[2].fd = -1;
		if ((p[1].revents & POLLIN) && read(sig, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGWINCH && ioctl(tty, TIOCGWINSZ, &ws) == 0)
				(void)ioctl(master, TIOCSWINSZ, &ws);
			if (si.ssi_signo == SIGCHLD && waitpid(pid, &status, WNOHANG) == pid)
				break;
			if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH) {
				/* The command's process group (PID leads it and its
				 * session: setsid).  Jobs that a shell there moved to
				 * groups of their own get the pty's hangup when
				 * carrelctl closes it. */
				(void)kill(-pid, *term ? SIGKILL : SIGHUP);
				(void)kill(-pid, SIGCONT);
				if (!*term) {
					*term = (int)si.ssi_signo;
					kill_at = mono_ms() + RELAY_HANGUP_WAIT_MS;
				}
			}
		}
	}
	/* The command is done: what it printed last, then the pty is closed
	 * (its other side hangs up for whatever is still running there).
	 * Bounded: a process the command left behind may write without end. */
	for (int i = 0; i < RELAY_DRAIN_READS && poll(p, 1, 0) == 1 && (p[0].revents & POLLIN) &&
			copy(master, out); i++)
		;
	if (status == -1)
		return status_of(pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int relay_run(const char *path, char *const argv[], char *const envp[])
{
	int tty = root_tty(), master = -1, slave = -1, sig = -1, term = 0, r;
	struct termios saved, raw;
	struct winsize ws;
	char pts[64];
	sigset_t mask, old;
	pid_t pid;

	fflush(stdout);
	if (tty < 0) {
		/* No terminal to protect: only a session of its own. */
		pid = fork();
		if (pid == 0)
			child(NULL, path, argv, envp);
		return pid < 0 ? 1 : status_of(pid);
	}
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, pts, sizeof(pts)) != 0 || fcntl(master, F_SETFL, O_NONBLOCK) < 0) {
		fprintf(stderr, "carrelctl: enter: cannot make a pseudo-terminal: %s\n",
			strerror(errno));
		master = safe_close(master);
		return 1;
	}
	/* Held open here until the end: a master whose other side nobody has
	 * open reports a hangup, and the child may not have opened it yet. */
	slave = open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave >= 0 && tcgetattr(tty, &saved) == 0)
		(void)tcsetattr(slave, TCSANOW, &saved);
	if (ioctl(tty, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(master, TIOCSWINSZ, &ws);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sig = signalfd(-1, &mask, SFD_CLOEXEC);
	pid = sig < 0 ? -1 : fork();
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		child(pts, path, argv, envp);
	}
	if (pid < 0) {
		fprintf(stderr, "carrelctl: enter: %s\n", strerror(errno));
		r = 1;
	} else {
		bool rawed = isatty(0) && tcgetattr(0, &saved) == 0;
		raw = saved;
		cfmakeraw(&raw);
		if (rawed)
			(void)tcsetattr(0, TCSAFLUSH, &raw);
		r = relay(tty, isatty(1) ? 1 : isatty(2) ? 2 : tty, master, pid, sig, &term);
		if (rawed)
			(void)tcsetattr(0, TCSAFLUSH, &saved);
	}
	master = safe_close(master);
	slave = safe_close(slave);
	sig = safe_close(sig);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (term) {
		/* Root's terminal is restored: now end as the signal asked. */
		fprintf(stderr, "carrelctl: enter: %s: the command's session was hung up\n",
			strsignal(term));
		signal(term, SIG_DFL);
		raise(term);
	}
	return r;
}
