/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keeper: a root process outside every namespace of the carrel, nobody's
 * child in the login program, that owns the carrel's lifetime.  It creates
 * the holder, answers the module, then waits for one of: the module's close
 * request, EOF on the module's socket, the login process's exit (pidfd), the
 * holder's death, or SIGTERM; and then tears everything down.
 */
#include "carrel.h"
#include "util.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>

/* The kernel's struct clone_args (linux/sched.h, v2 size); spelled out here
 * because that header clashes with glibc's <sched.h>. */
struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
		set_tid, set_tid_size, cgroup;
};
#define CARREL_CLONE_PIDFD 0x00001000ULL

struct holder_status {
	int err;
	char step[32];
};

static bool login_alive(const struct carrel *c)
{
	struct pollfd p = { .fd = c->login_pidfd, .events = POLLIN };
	return c->login_pidfd >= 0 && poll(&p, 1, 0) == 0;
}

static int write_state(const struct carrel *c)
{
	char path[128], tmp[140];
	FILE *f;
	int fd, r = 0;

	snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s", c->id);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (!(f = fdopen(fd, "w"))) {
		r = -errno;
		closep(&fd);
		(void)unlink(tmp);
		return r;
	}
	fprintf(f, "id=%s\nuser=%s\nuid=%u\nservice=%s\ntty=%s\nrhost=%s\nhostname=%s\n"
		   "keeper=%d\nholder=%d\nlogin=%d\nstarted=%lld\ncgroup_version=%d\n",
		c->id, c->user, (unsigned)c->uid, c->service, c->tty, c->rhost, c->hostname,
		(int)getpid(), (int)c->holder_pid, (int)c->login_pid, (long long)time(NULL),
		c->cg.v2 ? 2 : 1);
	for (int i = 0; i < c->cg.n; i++)
		fprintf(f, "cgroup=%s\n", c->cg.h[i].session);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		r = -errno;
		(void)unlink(tmp);
	}
	return r;
}

/* The keeper's socket: root only (0600 in a 0700 directory). */
static int listen_ctl(const struct carrel *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	mode_t old;

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), CARREL_SESSIONS_DIR "/%s.sock", c->id);
	(void)unlink(sa.sun_path);
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		int r = -errno;
		umask(old);
		closep(&fd);
		return r;
	}
	umask(old);
	return fd;
}

/* One request from a root client: hand out the holder's pidfd. */
static void serve_ctl(const struct carrel *c, int lfd)
{
	struct carrel_reply reply = { .version = CARREL_PROTO_VERSION };
	struct pollfd p = { .events = POLLIN };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char op = 0;

	p.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (p.fd < 0)
		return;
	if (getsockopt(p.fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == 0 &&
	    poll(&p, 1, 1000) == 1 && recv(p.fd, &op, 1, MSG_DONTWAIT) == 1 && op == CARREL_CTL_HOLDER) {
		snprintf(reply.id, sizeof(reply.id), "%s", c->id);
		reply.setns_flags = c->clone_flags;
		if (c->policy.namespaces & CARREL_NS_CGROUP)
			reply.setns_flags |= CLONE_NEWCGROUP;
		reply.uid = (uint32_t)c->uid;
		reply.no_new_privs = c->policy.no_new_privs;
		(void)proto_send_reply(p.fd, &reply, c->holder_pidfd);
	}
	closep(&p.fd);
}

static void __attribute__((noreturn)) teardown(struct carrel *c, bool ack, const char *why)
{
	/* First give the login process its own cgroups back, so that the
	 * session's can be removed while it lives on (sshd writes wtmp etc.). */
	if (login_alive(c) && cg_attach_orig(&c->cg, c->login_pid) < 0)
		syslog(LOG_ERR, "session %s: cannot move login process %d out: %m", c->id, (int)c->login_pid);
	if (ack) {
		char k = CARREL_MSG_CLOSED;
		(void)send(c->sock, &k, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	closep(&c->sock);
	if (c->holder_pidfd >= 0) {
		/* PID 1 of the pid namespace: its death kills every process in it. */
		struct pollfd p = { .fd = c->holder_pidfd, .events = POLLIN };
		(void)pidfd_signal(c->holder_pidfd, SIGKILL);
		if (poll(&p, 1, 3000) <= 0)
			syslog(LOG_WARNING, "session %s: holder %d slow to die", c->id, (int)c->holder_pid);
		(void)waitpid(c->holder_pid, NULL, WNOHANG);
	}
	carrel_cleanup(c);
	syslog(LOG_INFO, "session %s closed (%s)", c->id, why);
	_exit(0);
}

static void __attribute__((noreturn)) fail(struct carrel *c, int err, const char *step, const char *detail)
{
	struct carrel_reply reply = { 0 };

	proto_error(&reply, err, step, "%s", detail);
	/* The module logs the failure, once; only if it cannot be told do we. */
	if (proto_send_reply(c->sock, &reply, -1) < 0)
		syslog(LOG_ERR, "session %s for %s: %s: %s: %s", c->id, c->user, step, detail, strerror(-err));
	teardown(c, false, "open failed");
}

static int spawn_holder(struct carrel *c, int *go_w, int *ready_r)
{
	int go[2], ready[2], pidfd = -1;
	struct clone_args_v2 args = { 0 };
	long pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(ready, O_CLOEXEC) < 0) {
		closep(&go[0]);
		closep(&go[1]);
		return -errno;
	}
	args.flags = c->clone_flags | CARREL_CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		close(go[1]);
		close(ready[0]);
		holder_main(c, go[0], ready[1]);
	}
	int saved = errno;
	close(go[0]);
	close(ready[1]);
	if (pid < 0) {
		close(go[1]);
		close(ready[0]);
		return -saved;
	}
	c->holder_pid = (pid_t)pid;
	c->holder_pidfd = pidfd;
	*go_w = go[1];
	*ready_r = ready[0];
	return 0;
}

static int wait_ready(int fd, struct holder_status *st)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, 10000) <= 0)
		return -ETIMEDOUT;
	n = read(fd, st, sizeof(*st));
	if (n != (ssize_t)sizeof(*st))
		return -EPIPE;
	st->step[sizeof(st->step) - 1] = '\0';
	return st->err;
}

static void serve(struct carrel *c, int sigfd, int ctl)
{
	struct pollfd p[5] = {
		{ .fd = c->sock, .events = POLLIN },
		{ .fd = c->login_pidfd, .events = POLLIN },
		{ .fd = c->holder_pidfd, .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
		{ .fd = ctl, .events = POLLIN },
	};

	for (;;) {
		if (poll(p, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			teardown(c, false, "poll failed");
		}
		if (p[0].revents) {
			char msg = 0;
			ssize_t n = recv(c->sock, &msg, 1, MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n == 1 && msg == CARREL_MSG_CLOSE)
				teardown(c, true, "logout");
			if (n <= 0)
				teardown(c, false, "module gone");
			/* Anything else is ignored: the module only ever sends CLOSE. */
		}
		if (p[1].revents)
			teardown(c, false, "login process exited");
		if (p[2].revents)
			teardown(c, false, "holder died");
		if (p[3].revents)
			teardown(c, false, "signal");
		if (p[4].revents)
			serve_ctl(c, ctl);
	}
}

void keeper_main(struct carrel *c)
{
	struct carrel_reply reply = { .version = CARREL_PROTO_VERSION };
	struct holder_status st = { 0 };
	sigset_t mask;
	int go = -1, ready = -1, sigfd, ctl, r;

	(void)setsid();
	if (chdir("/") < 0)
		_exit(1);
	char title[96];
	snprintf(title, sizeof(title), "carrel-keeper %s %s", c->id, c->user);
	proc_title_set(title);
	(void)prctl(PR_SET_NAME, "carrel-keeper");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		fail(c, -errno, "keeper", "signalfd");

	if ((r = spawn_holder(c, &go, &ready)) < 0)
		fail(c, r, "namespaces", "clone3 of the holder");
	if (c->clone_flags & CLONE_NEWUSER) {
		const char *failed = "";
		if ((r = idmap_write(c->holder_pid, &c->ids, &failed)) < 0)
			fail(c, r, "uid/gid map", failed);
	}
	if ((r = cg_attach(&c->cg, c->holder_pid)) < 0)
		fail(c, r, "cgroup", "attach holder");
	if ((r = cg_attach(&c->cg, c->login_pid)) < 0)
		fail(c, r, "cgroup", "attach login process");
	if (write(go, "g", 1) != 1)
		fail(c, -errno, "holder", "start");
	closep(&go);
	if ((r = wait_ready(ready, &st)) < 0)
		fail(c, r, st.step[0] ? st.step : "holder", "carrel setup inside the namespaces");
	closep(&ready);

	if ((ctl = listen_ctl(c)) < 0)
		fail(c, ctl, "keeper socket", CARREL_SESSIONS_DIR);
	if ((r = write_state(c)) < 0)
		fail(c, r, "state file", CARREL_SESSIONS_DIR);
	snprintf(reply.id, sizeof(reply.id), "%s", c->id);
	reply.setns_flags = c->clone_flags;
	if (c->policy.namespaces & CARREL_NS_CGROUP)
		reply.setns_flags |= CLONE_NEWCGROUP;
	reply.uid = (uint32_t)c->uid;
	reply.no_new_privs = c->policy.no_new_privs;
	if ((r = proto_send_reply(c->sock, &reply, c->holder_pidfd)) < 0)
		teardown(c, false, "module gone before reply");
	syslog(LOG_INFO, "session %s opened: user=%s service=%s tty=%s rhost=%s holder=%d",
	       c->id, c->user, c->service, c->tty, c->rhost, (int)c->holder_pid);
	serve(c, sigfd, ctl);
	_exit(0);
}
