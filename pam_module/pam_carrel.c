/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pam_carrel: puts a login session into its carrel.
 *
 * open_session resolves the policy, asks carrel-helper (fixed path, empty
 * environment, in a session of its own, only its socket as fd 3, on which
 * the policy and a pidfd of this process wait) to build the carrel, then joins the
 * holder's namespaces with one setns(pidfd) and sets no_new_privs.  The
 * keeper has already moved this process into the session's cgroups.
 * close_session asks the keeper to tear down; it never waits for the holder.
 *
 * Errors: internal functions return -errno; the entry points log once and
 * convert to PAM_*.  A non-exempt login whose carrel cannot be built is
 * refused (on_error = deny) or let in with a LOG_ALERT line (allow).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <sys/time.h>
#include <unistd.h>
#include <utmpx.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "caps.h"
#include "carrel_conf.h"
#include "mcs.h"
#include "proto_open.h"
#include "bpf_load.h"
#include "util.h"

#ifndef CARREL_HELPER_PATH
#define CARREL_HELPER_PATH "/usr/local/libexec/carrel/carrel-helper"
#endif
/* Everything is hidden (-fvisibility=hidden) but the PAM entry points. */
#define CARREL_EXPORT __attribute__((visibility("default")))
#define DATA_KEY "pam_carrel.session"
/* Set by pam_setcred when it runs before open_session (sshd's monitor). */
#define SETCRED_KEY "pam_carrel.setcred"
/*
 * Every wait of the login path that carrel controls is bounded; a login that
 * hits a bound is refused (or let in by on_error = allow) with a log line
 * that names the wait. HELPER: the helper process, which waits at most 8 s
 * for each lock and 12 s for all of them (helper/carrel.c) and then forks
 * the keeper and exits; CARREL_HELPER_OPEN_MS (lib/proto_open.h), 60 s,
 * since in a login storm it waits for a CPU as long as everything else.
 * OPEN: each of the keeper's messages (the move, the answer: holder set
 * up, cgroups, seccomp program), CARREL_MODULE_OPEN_MS (lib/proto_open.h).
 * User and group lookups through NSS (pam_modutil_getpwnam here,
 * getpwnam and getgrouplist in the helper) are outside carrel's control:
 * a hanging NSS service (LDAP, sssd) hangs them as it hangs login itself.
 */
#define HELPER_TIMEOUT_MS CARREL_HELPER_OPEN_MS
#define OPEN_TIMEOUT_MS CARREL_MODULE_OPEN_MS
#define CLOSE_TIMEOUT_MS 3000

/* The group whose members a broken config still lets in (as root). */
#define BREAKGLASS_GROUP "carrel-breakglass"

struct opts {
	const char *config;
	bool debug;
	const char *breakglass; /* "" : none */
	bool sandbox_system;	/* system_accounts=sandbox: uid < UID_MIN gets a carrel too */
};

/*
 * Where the login process joins the user namespace (README.md, "How a session
 * works", has the table and the reasons):
 *  - sshd: its privileged monitor needs host root until logout, so it joins
 *    every namespace but the user and mount ones at open_session (in the
 *    carrel's mount namespace its /proc would not show it: pam_selinux's
 *    close fails there); the post-auth child joins the user and mount
 *    namespaces in pam_setcred (still root, before sshd drops to the user),
 *    which needs `auth optional pam_carrel.so`.
 *  - login: the tty is chowned to the user while still host root, then it
 *    joins all at open_session.
 *  - systemd (a unit with PAMName=: user@UID.service, service systemd-user):
 *    all at open_session, but in a carrel of its own without a pid
 *    namespace.  systemd runs PAM in the very process that then execs the
 *    unit's program (systemd --user), and setns() never moves a process
 *    itself into a pid namespace: in the carrel's mount namespace, whose
 *    /proc is the carrel's, it would have no /proc/self (systemd fails to
 *    start it: "Failed to locate executable ...: Bad file descriptor").
 *  - su and runuser: every namespace but the user one at open_session; the
 *    child they fork for the session joins the user namespace right after
 *    the fork (fork_join_child), as sshd's post-auth child does in
 *    pam_setcred.  login does the same after chowning its tty.  The process
 *    that runs close_session then is still host root in the host's user
 *    namespace, so the modules that switch their uid at close work:
 *    pam_keyinit's `revoke` sets its euid to the user and back to 0, which
 *    inside the carrel's user namespace (host root unmapped, geteuid()
 *    65534) failed with EINVAL.
 *  - everything else (pamtester, cron, whose stack has no pam_keyinit):
 *    all at open_session.
 */
enum join_mode { JOIN_AT_OPEN, JOIN_USERNS_AT_SETCRED, JOIN_AT_OPEN_CHOWN_TTY, JOIN_AT_OPEN_NO_PIDNS,
		 JOIN_USERNS_AT_FORK };

/* The modes whose login process stays outside the user namespace. */
static bool userns_late(enum join_mode m)
{
	return m == JOIN_USERNS_AT_SETCRED || m == JOIN_USERNS_AT_FORK || m == JOIN_AT_OPEN_CHOWN_TTY;
}

/* The most cgroups a carrel has: a move message carries two fds for each. */
#define MAX_CG (CARREL_PROTO_MAX_FDS / 2)

/* This process's own cgroups, as cgroup.procs fds from the keeper. */
struct origin {
	int fd[MAX_CG];
	int n;
};

struct session {
	int sock;      /* to the keeper */
	pid_t opener;  /* the process that ran open_session */
	struct origin origin; /* to move back into at close */
	char id[32];
	enum join_mode mode;
	char user[64];
	char tty[64];
	/* sshd: what its post-auth child still has to do in pam_setcred. */
	bool pending;
	int holder;    /* the holder's pidfd, when the user or mount namespace is to be joined */
	int late;      /* what the post-auth child joins: CLONE_NEWUSER, CLONE_NEWNS */
	uid_t uid;
	gid_t gid;
	uint64_t capabilities;
	void *bpf;
	uint32_t bpf_len;
};

static int parse_opts(pam_handle_t *pamh, int argc, const char **argv, struct opts *o)
{
	o->config = NULL;
	o->debug = false;
	o->breakglass = BREAKGLASS_GROUP;
	o->sandbox_system = false;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "config=", 7) == 0 && argv[i][7] == '/')
			o->config = argv[i] + 7;
		else if (strcmp(argv[i], "debug") == 0)
			o->debug = true;
		else if (strncmp(argv[i], "breakglass=", 11) == 0)
			o->breakglass = argv[i] + 11;
		else if (strcmp(argv[i], "system_accounts=exempt") == 0)
			o->sandbox_system = false;
		else if (strcmp(argv[i], "system_accounts=sandbox") == 0)
			o->sandbox_system = true;
		else {
			pam_syslog(pamh, LOG_ERR, "unknown or invalid option: %s", argv[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* The session whose login process's forks join its user namespace
 * (fork_join_child), and its PAM handle. */
static struct session *fork_session;
static pam_handle_t *fork_pamh;

static void fork_join_disarm(const struct session *s)
{
	if (fork_session == s) {
		fork_session = NULL;
		fork_pamh = NULL;
	}
}

static void session_free(pam_handle_t *pamh, void *data, int status)
{
	struct session *s = data;

	if (s) {
		fork_join_disarm(s);
		closep(&s->sock);
		closep(&s->holder);
		for (int i = 0; i < s->origin.n; i++)
			s->origin.fd[i] = safe_close(s->origin.fd[i]);
		free(s->bpf);
		free(s);
	}
}

/* A PAM item as the helper's argument: printable ASCII without spaces,
 * truncated to what the helper takes, "-" when empty. The helper refuses
 * anything else, and a remote host name must not lock a user out. */
static const char *arg_item(pam_handle_t *pamh, int type, char *buf, size_t size)
{
	const void *v = NULL;
	const char *s;
	size_t i;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || !v || !*(const char *)v)
		return "-";
	s = v;
	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '_';
	buf[i] = '\0';
	return buf;
}

static const char *item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || !v || !*(const char *)v)
		return "-";
	return v;
}

/*
 * UID_MIN of /etc/login.defs (1000 when it is missing or unreadable): the
 * accounts below it (but root, which the config's exempt lists decide) are
 * system accounts, which the common-* stacks reach through cron and runuser.
 */
static uid_t uid_min(void)
{
	FILE *f = fopen("/etc/login.defs", "re");
	char line[256];
	unsigned long v = 1000;

	if (!f)
		return 1000;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t"), *end;

		if (strncmp(p, "UID_MIN", 7) != 0 || !strchr(" \t", p[7]))
			continue;
		p += 7 + strspn(p + 7, " \t");
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || end == p || v == 0 || v > 0x7fffffffUL)
			v = 1000;
	}
	fclose(f);
	return (uid_t)v;
}

/* In the forked child: become the helper. Never returns. */
static void __attribute__((noreturn)) exec_helper(int sock, char *const argv[])
{
	static char *const envp[] = { NULL };
	struct carrel_reply reply = { 0 };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int out = sock, null;

	/* Out of the login program's process group and session at once: no
	 * terminal (job control keys written to a pty the user owns) can stop
	 * the helper. execve keeps ignored signals ignored: default them all.
	 * The helper resets the rest of what the caller controls (main.c). */
	(void)setsid();
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);

	/* su runs with the invoking user as real uid: the helper serves only
	 * real root for open, and we are root here. */
	if (geteuid() == 0 && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		goto fail;
	if (sock != CARREL_PROTO_FD && dup2(sock, CARREL_PROTO_FD) < 0)
		goto fail;
	out = CARREL_PROTO_FD;
	if (fcntl(CARREL_PROTO_FD, F_SETFD, 0) < 0)
		goto fail;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		goto fail;
	close_all_except(CARREL_PROTO_FD, -1);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* SELinux: pam_selinux (open, before us in login's and sshd's stacks)
	 * and systemd's user manager set the exec context for the user's
	 * shell; inherited, it would run the helper in the user's domain
	 * (entrypoint denied: measured in the VM).  An empty write resets it,
	 * in this child only, so the policy's transition to carrel_helper_t
	 * applies.  Without SELinux the file is absent or refuses: ignored. */
	int ex = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
	if (ex >= 0) {
		(void)!write(ex, NULL, 0);
		ex = safe_close(ex);
	}
	execve(CARREL_HELPER_PATH, argv, envp);
fail:
	proto_error(&reply, -errno, "exec helper", "%s: %s", CARREL_HELPER_PATH, strerror(errno));
	(void)proto_send_reply(out, &reply, -1);
	_exit(127);
}

/* Wait (at most HELPER_TIMEOUT_MS) for the helper PID to exit; past that,
 * kill it (it runs as root in a session of its own: only a hang gets it
 * there) and reap it. */
static int wait_helper(pid_t pid, int *status)
{
	int pidfd = pidfd_open_pid(pid), r = 0;

	if (pidfd >= 0) {
		r = proto_poll(pidfd, POLLIN, HELPER_TIMEOUT_MS);
		if (r == -ETIMEDOUT)
			(void)pidfd_signal(pidfd, SIGKILL);
		else
			r = 0; /* it exited (or poll failed): waitpid tells */
		pidfd = safe_close(pidfd);
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return r;
}

/* Move this process (lib/proto.h): "0" into each cgroup.procs file in FD. */
static int move_self(const int *fd, int n)
{
	for (int i = 0; i < n; i++)
		if (write(fd[i], "0", 1) != 1)
			return -errno;
	return 0;
}

/* Back into ORIGIN, and forget it. */
static void move_back(struct origin *origin)
{
	(void)move_self(origin->fd, origin->n);
	for (int i = 0; i < origin->n; i++)
		origin->fd[i] = safe_close(origin->fd[i]);
	origin->n = 0;
}

/* The keeper's first message: its answer (*HOLDER the attached fd), or the
 * move message, which this process answers by moving itself into the
 * carrel's cgroups before the answer comes.  ORIGIN gets the way back. */
static int recv_answer(int sock, struct carrel_reply *reply, int *holder, struct origin *origin)
{
	int fds[CARREL_PROTO_MAX_FDS], r;
	int32_t err;
	uint32_t n;

	if ((r = proto_recv_reply_fds(sock, reply, fds, CARREL_PROTO_MAX_FDS, OPEN_TIMEOUT_MS)) < 0)
		return r;
	n = reply->err == 0 ? reply->move : 0;
	if (n == 0) {
		*holder = fds[0];
		for (int i = 1; i < CARREL_PROTO_MAX_FDS; i++)
			fds[i] = safe_close(fds[i]);
		return 0;
	}
	err = n > MAX_CG ? -EPROTO : 0;
	for (uint32_t i = 0; err == 0 && i < 2 * n; i++)
		if (fds[i] < 0)
			err = -EPROTO;
	if (err == 0) {
		for (uint32_t i = 0; i < n; i++)
			origin->fd[i] = take_fd(&fds[n + i]);
		origin->n = (int)n;
		err = move_self(fds, (int)n);
	}
	for (int i = 0; i < CARREL_PROTO_MAX_FDS; i++)
		fds[i] = safe_close(fds[i]);
	/* The keeper checks the move, and answers.  A keeper that gave up on
	 * us first (its own bound) has queued its error before it closed: that
	 * names the step, EPIPE would not. */
	if ((r = proto_send(sock, &err, sizeof(err), NULL, 0)) < 0) {
		if (proto_recv_reply(sock, reply, holder, 0) == 0 && reply->err < 0)
			return 0;
		return r;
	}
	return proto_recv_reply(sock, reply, holder, OPEN_TIMEOUT_MS);
}

/*
 * The user's ids for the helper (struct carrel_ids): this process looked the
 * user up already, and its name service is loaded; the helper then makes no
 * lookup (and never loads libnss_systemd) on the login path.  The groups
 * only where a user namespace maps them.
 */
static void user_ids(pam_handle_t *pamh, const struct passwd *pw, const struct carrel_policy *pol,
		     struct carrel_ids *ids)
{
	int n = CARREL_PROTO_MAX_GROUPS;
	const struct group *tty;

	ids->uid = (uint32_t)pw->pw_uid;
	ids->gid = (uint32_t)pw->pw_gid;
	ids->tty_gid = (uint32_t)-1;
	ids->ngroups = 0;
	if (!(pol->namespaces & CARREL_NS_USER))
		return;
	if (getgrouplist(pw->pw_name, pw->pw_gid, (gid_t *)ids->groups, &n) < 0)
		n = CARREL_PROTO_MAX_GROUPS + 1; /* the helper refuses: too many to map */
	ids->ngroups = (uint32_t)n;
	tty = pam_modutil_getgrnam(pamh, "tty");
	ids->tty_gid = tty ? (uint32_t)tty->gr_gid : 5;
}

/* The exec context that pam_selinux set for the user's shell
 * (/proc/thread-self/attr/exec) into BUF: "" when there is none. */
static int exec_context(char *buf, size_t size)
{
	_cleanup_close_ int in = open("/proc/thread-self/attr/exec", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (in < 0 || (n = read(in, buf, size - 1)) < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Run the helper and get the keeper's answer. On success *HOLDER is the
 * holder's pidfd, *SOCK the channel to the keeper, and ORIGIN (when this
 * process moved itself) the way back out of the carrel's cgroups. */
static int run_helper(pam_handle_t *pamh, const struct opts *o, const struct passwd *pw,
		      const struct carrel_policy *pol, struct carrel_reply *reply, int *holder,
		      int *sock, void **bpf, struct origin *origin)
{
	/* On the heap, not the stack: a login process keeps every stack page
	 * it ever touched for the session's whole life (bench/RESULTS.md). */
	_cleanup_free_ struct carrel_open_req *req = calloc(1, sizeof(*req));
	char service[64], tty[64], rhost[256], cur[256];
	const char *argv[] = { "carrel-helper", "open", pw->pw_name,
			       arg_item(pamh, PAM_SERVICE, service, sizeof(service)),
			       arg_item(pamh, PAM_TTY, tty, sizeof(tty)),
			       arg_item(pamh, PAM_RHOST, rhost, sizeof(rhost)), o->config, NULL };
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	int sv[2], r, status = 0;
	pid_t pid;
	int self = -ENOMEM;

	if (!req) {
		proto_error(reply, self, "memory", "the helper's request");
		return self;
	}
	req->version = CARREL_PROTO_VERSION;
	req->size = sizeof(req->policy);
	req->policy = *pol;
	/* This process, the login process, by a handle the helper cannot
	 * mistake for another process (never getppid() there). */
	self = pidfd_open_pid(getpid());
	user_ids(pamh, pw, pol, &req->ids);
	/* Whose files the carrel's private tmpfs holds (lib/proto_open.h). */
	if (pol->selinux_categories == CARREL_SELINUX_CATEGORIES_PER_SESSION && exec_context(cur, sizeof(cur)) == 0)
		(void)carrel_mcs_seuser_of(cur, req->seuser);
	if (self < 0) {
		proto_error(reply, self, "pidfd", "pidfd_open of the login process");
		return self;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = -errno;
		self = safe_close(self);
		proto_error(reply, r, "helper", "socketpair for the helper");
		return r;
	}
	/* Queued for the helper before it runs: it reads this first. */
	r = proto_send(sv[0], req, sizeof(*req), &self, 1);
	self = safe_close(self);
	free(req);
	req = NULL;
	if (r < 0) {
		close(sv[0]);
		close(sv[1]);
		proto_error(reply, r, "helper", "cannot pass the policy");
		return r;
	}
	/* The login program may reap children in a SIGCHLD handler; ours must
	 * stay ours until waited for. */
	sigaction(SIGCHLD, &dfl, &old);
	pid = fork();
	if (pid == 0)
		exec_helper(sv[1], (char *const *)argv);
	r = pid < 0 ? -errno : 0;
	close(sv[1]);
	if (pid > 0)
		r = wait_helper(pid, &status);
	sigaction(SIGCHLD, &old, NULL);
	if (r < 0) {
		close(sv[0]);
		if (pid < 0)
			proto_error(reply, r, "fork", "cannot fork the helper");
		else
			proto_error(reply, r, "helper", "%s did not finish within %d s; killed", CARREL_HELPER_PATH,
				    HELPER_TIMEOUT_MS / 1000);
		return r;
	}
	r = recv_answer(sv[0], reply, holder, origin);
	if (r < 0)
		move_back(origin);
	if (r == -ETIMEDOUT) {
		close(sv[0]);
		proto_error(reply, r, "keeper", "no answer from the session's keeper within %d s",
			    OPEN_TIMEOUT_MS / 1000);
		return r;
	}
	if (r < 0) {
		close(sv[0]);
		proto_error(reply, r, "helper", "no answer from %s (exit status %d)", CARREL_HELPER_PATH,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return r;
	}
	if (reply->err < 0 || *holder < 0) {
		move_back(origin);
		closep(holder);
		close(sv[0]);
		return reply->err < 0 ? reply->err : -EPROTO;
	}
	*sock = sv[0];
	if ((r = proto_recv_bpf(sv[0], reply, bpf, OPEN_TIMEOUT_MS)) < 0)
		proto_error(reply, r, "seccomp", "no filter from the keeper");
	return r;
}

/* Ask the keeper to tear down, and wait (bounded) until it has moved this
 * process back into its own cgroups. Never waits for the holder. */
static void request_close(int sock)
{
	char m = CARREL_MSG_CLOSE;
	struct pollfd p = { .fd = sock, .events = POLLIN };

	if (send(sock, &m, 1, MSG_NOSIGNAL) == 1 && poll(&p, 1, CLOSE_TIMEOUT_MS) > 0)
		(void)recv(sock, &m, 1, MSG_DONTWAIT);
}

static enum join_mode login_program(void)
{
	char exe[256];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *base;

	if (n <= 0)
		return JOIN_AT_OPEN;
	exe[n] = '\0';
	base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	/* sshd-session: OpenSSH 9.8 and later run the session there. */
	if (strcmp(base, "sshd") == 0 || strcmp(base, "sshd-session") == 0)
		return JOIN_USERNS_AT_SETCRED;
	if (strcmp(base, "login") == 0)
		return JOIN_AT_OPEN_CHOWN_TTY;
	if (strcmp(base, "su") == 0 || strcmp(base, "runuser") == 0)
		return JOIN_USERNS_AT_FORK;
	/* systemd itself by its full path, as PID 1's child (not set-user-ID,
	 * real uid root): not anything named so. */
	if ((strcmp(exe, "/usr/lib/systemd/systemd") == 0 || strcmp(exe, "/lib/systemd/systemd") == 0) &&
	    getuid() == 0 && getauxval(AT_SECURE) == 0 && getppid() == 1)
		return JOIN_AT_OPEN_NO_PIDNS;
	return JOIN_AT_OPEN;
}

/* login chowns its tty itself, but only after open_session, when it is no
 * longer host root: give the tty to the user now. Only a real terminal
 * device, opened without following links. */
static int chown_tty(pam_handle_t *pamh, uid_t uid)
{
	char path[128];
	const char *tty = item(pamh, PAM_TTY);
	struct stat st;
	struct group *g;
	int fd, r = 0;

	if (strcmp(tty, "-") == 0)
		return 0;
	if (strstr(tty, ".."))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s%s", tty[0] == '/' ? "" : "/dev/", tty);
	fd = open(path, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	g = getgrnam("tty");
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || !isatty(fd))
		r = errno ? -errno : -ENOTTY;
	else if (fchown(fd, uid, g ? g->gr_gid : 5) < 0 || fchmod(fd, 0620) < 0)
		r = -errno;
	closep(&fd);
	return r;
}

/* What every process of the session inherits: the bounding set cut to the
 * configured capabilities (ambient and inheritable cleared), then the
 * seccomp filter. The login process itself keeps its permitted set. */
static int harden(uint64_t capabilities, const void *bpf, uint32_t bpf_len, struct carrel_error *e)
{
	int r;

	carrel_error_at(e, "capabilities");
	if ((r = caps_limit_bounding(capabilities)) < 0)
		return r;
	carrel_error_at(e, "seccomp");
	return bpf ? carrel_seccomp_load_bpf(bpf, bpf_len) : 0;
}

/*
 * Kerberos FILE credential caches.  pam_krb5 (and SSSD) write the user's
 * cache into the host's /tmp during authentication and name it in
 * KRB5CCNAME; the carrel's private /tmp hides it.  The module opens it
 * before joining (as the user: fsuid, O_NOFOLLOW, a regular file the user
 * owns) and, having joined the carrel's mount namespace alone (join()),
 * writes a copy under the same name into the carrel's /tmp, as the user
 * again, so that KRB5CCNAME stays true inside.  The host's file stays
 * where it was (rpc.gssd looks for it there; pam_krb5 removes it at close).
 * Anything unusual: no copy, a LOG_WARNING, the login goes on.
 */
#define CCACHE_MAX (1 << 20)

/* KRB5CCNAME names a FILE cache directly in /tmp: its path in PATH. */
static bool ccache_in_tmp(pam_handle_t *pamh, char *path, size_t size)
{
	const char *cc = pam_getenv(pamh, "KRB5CCNAME");

	if (!cc)
		return false;
	if (strncmp(cc, "FILE:", 5) == 0)
		cc += 5;
	if (strncmp(cc, "/tmp/", 5) != 0 || !cc[5] || strchr(cc + 5, '/') || strlen(cc) >= size)
		return false;
	snprintf(path, size, "%s", cc);
	return true;
}

/* Run as the user for the file system (fsuid/fsgid); false if it did not take. */
static bool as_user(uid_t uid, gid_t gid)
{
	(void)setfsgid(gid);
	(void)setfsuid(uid);
	return (uid_t)setfsuid((uid_t)-1) == uid && (gid_t)setfsgid((gid_t)-1) == gid;
}

/* Back to root's fsuid/fsgid (the module runs as root in every login program). */
static void as_root(void)
{
	(void)setfsuid(0);
	(void)setfsgid(0);
}

static int ccache_open(pam_handle_t *pamh, const struct passwd *pw, char *path, size_t size)
{
	struct stat st;
	int fd;

	if (!ccache_in_tmp(pamh, path, size))
		return -1;
	if (!as_user(pw->pw_uid, pw->pw_gid)) {
		as_root();
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	as_root();
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != pw->pw_uid ||
			st.st_size > CCACHE_MAX)) {
		pam_syslog(pamh, LOG_WARNING,
			   "%s: not a regular file of %s: not copied into the carrel", path,
			   pw->pw_name);
		fd = safe_close(fd);
	}
	return fd;
}

/* Copy the cache FD into the carrel's /tmp as PATH (in its mount namespace). */
static void __attribute__((noinline)) ccache_copy(pam_handle_t *pamh, int fd, const char *path, const struct passwd *pw)
{
	char buf[8192];
	int out, r = 0;
	ssize_t n;

	if (!as_user(pw->pw_uid, pw->pw_gid)) {
		as_root();
		pam_syslog(pamh, LOG_WARNING, "%s: cannot act as %s: not copied into the carrel",
			   path, pw->pw_name);
		return;
	}
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	as_root();
	if (out < 0) {
		pam_syslog(pamh, LOG_WARNING, "%s: cannot create it in the carrel: %m", path);
		return;
	}
	while (r == 0) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		for (ssize_t done = 0; r == 0 && done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));

			if (w > 0)
				done += w;
			else if (w < 0 && errno != EINTR)
				r = -errno;
		}
	}
	if (r < 0)
		pam_syslog(pamh, LOG_WARNING, "%s: copying it into the carrel: %s", path,
			   strerror(-r));
	out = safe_close(out);
}

static int join(pam_handle_t *pamh, const struct carrel_reply *reply, int holder, const void *bpf,
		const struct carrel_policy *pol, enum join_mode mode, const struct passwd *pw,
		int cc, const char *ccpath, struct carrel_error *e)
{
	uid_t uid = pw->pw_uid;
	int flags = (int)reply->setns_flags;
	int r;

	/* sshd: the monitor stays in its own mount namespace too, where its
	 * /proc shows it (pam_selinux's close writes /proc/self/attr/exec,
	 * and the carrel's /proc has no such pid); the post-auth child, forked
	 * later in the carrel's pid namespace, joins it at pam_setcred. */
	if (mode == JOIN_USERNS_AT_SETCRED)
		flags &= ~(CLONE_NEWUSER | CLONE_NEWNS);
	if (mode == JOIN_AT_OPEN_CHOWN_TTY && (flags & CLONE_NEWUSER)) {
		carrel_error_at(e, "chown tty");
		if ((r = chown_tty(pamh, uid)) < 0)
			return r;
	}
	if (userns_late(mode))
		flags &= ~CLONE_NEWUSER;
	/* A Kerberos cache is copied in as the user from the carrel's mount
	 * namespace alone, while this process is still host root: inside
	 * the user namespace, root's fsuid could not be set back. */
	_cleanup_close_ int mnt = cc >= 0 ? open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC) : -1;
	if (mnt >= 0 && setns(holder, CLONE_NEWNS) == 0) {
		ccache_copy(pamh, cc, ccpath, pw);
		if (mode == JOIN_USERNS_AT_SETCRED && setns(mnt, CLONE_NEWNS) < 0)
			return -errno;
	} else if (cc >= 0)
		pam_syslog(pamh, LOG_WARNING, "%s: not copied into the carrel: %m", ccpath);
	carrel_error_at(e, "setns");
	if (setns(holder, flags) < 0) {
		r = -errno;
		if (mnt >= 0)
			(void)setns(mnt, CLONE_NEWNS); /* back where it was */
		return r;
	}
	carrel_error_at(e, "no_new_privs");
	if (pol->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* The rest binds the session's process: sshd's post-auth child in
	 * pam_setcred (with or without a user namespace), the forks of su,
	 * runuser and login in fork_join_child (with one). */
	if (mode == JOIN_USERNS_AT_SETCRED || (userns_late(mode) && (reply->setns_flags & CLONE_NEWUSER)))
		return 0;
	return harden(reply->capabilities, bpf, reply->bpf_len, e);
}

/*
 * su, runuser and login (JOIN_USERNS_AT_FORK, JOIN_AT_OPEN_CHOWN_TTY) stay
 * outside the user namespace; every process they fork after open_session
 * joins it in the fork itself, before the login program's own code runs
 * there, and takes the bounding set and the seccomp filter: the session's
 * processes are where they were when the login process itself joined.  A
 * child that cannot join ends there, never runs outside its carrel.  The
 * handler is registered once per load of the module (glibc drops it when
 * the module is unloaded) and does nothing while no session is armed.
 */
static void fork_join_child(void)
{
	struct session *s = fork_session;
	struct carrel_error e = { "setns", "" };
	int r = 0;

	if (!s)
		return;
	fork_session = NULL; /* this child's own children inherit the namespace */
	if (setns(s->holder, CLONE_NEWUSER) < 0)
		r = -errno;
	if (r == 0)
		r = harden(s->capabilities, s->bpf, s->bpf_len, &e);
	s->holder = safe_close(s->holder);
	if (r < 0) {
		pam_syslog(fork_pamh, LOG_CRIT, "session %s: %s: %s; ending the session process", s->id,
			   e.step, strerror(-r));
		_exit(1);
	}
}

static int fork_join_arm(pam_handle_t *pamh, struct session *s)
{
	static bool registered;
	int r;

	if (!registered) {
		if ((r = pthread_atfork(NULL, NULL, fork_join_child)) != 0)
			return -r;
		registered = true;
	}
	fork_pamh = pamh;
	fork_session = s;
	return 0;
}

/*
 * selinux_categories = per-session: the user's programs run at the
 * carrel's range s0-LEVEL.  pam_selinux (open, before us in the session
 * stack) has set the exec context of the user's shell; its user, role and
 * type are kept, its range becomes the carrel's.  Written before the
 * setns: in the carrel's mount namespace sshd's monitor, outside the
 * carrel's pid namespace, has no /proc/thread-self.  No exec context (no
 * pam_selinux before us) leaves nothing to keep the type of: refused, as
 * the programs would run without the categories the config asks for.
 */
static int exec_level(pam_handle_t *pamh, const char *level)
{
	char cur[256], ctx[320];
	_cleanup_close_ int out = -1;
	int r;

	if (!carrel_mcs_level_ok(level))
		return -EPROTO;
	if ((r = exec_context(cur, sizeof(cur))) < 0)
		return r;
	if (cur[0] == '\0' || cur[0] == '\n') {
		pam_syslog(pamh, LOG_ERR, "selinux_categories = per-session: no exec context set before "
					  "pam_carrel (put pam_selinux.so open before it in the session stack)");
		return -ENODATA;
	}
	if ((r = carrel_mcs_context(cur, level, ctx, sizeof(ctx))) < 0)
		return r;
	out = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
	if (out < 0 || write(out, ctx, strlen(ctx)) < 0)
		return -errno;
	return 0;
}

/* Not inlined (nor ccache_copy): the compiler would merge their buffers
 * into open_session's frame, beneath which the config's resolution then
 * runs, and the login process keeps every stack page it touched. */
static int __attribute__((noinline)) build(pam_handle_t *pamh, const struct opts *o, const struct passwd *pw,
		 struct carrel_policy *pol, struct carrel_reply *reply)
{
	const char *user = pw->pw_name;
	enum join_mode mode = login_program();

	/* Never a user's shared carrel either: that one has a pid namespace. */
	if (mode == JOIN_AT_OPEN_NO_PIDNS) {
		pol->namespaces &= ~(unsigned)CARREL_NS_PID;
		pol->scope = CARREL_SCOPE_SESSION;
	}
	_cleanup_close_ int holder = -1;
	_cleanup_close_ int sock = -1;
	_cleanup_free_ void *bpf = NULL;
	struct origin origin = { .n = 0 };
	struct carrel_error e = { "", "" };
	char env[64];
	int r;

	/* sshd calls pam_setcred in its monitor before open_session, and again
	 * in the post-auth child through the same auth stack. If the first call
	 * did not reach this module (no auth line, or a sufficient module,
	 * success=done or a jump before it), the second will not either, and
	 * the session would run without its user namespace, bounding set and
	 * seccomp filter. */
	const void *marker = NULL;
	if (mode == JOIN_USERNS_AT_SETCRED &&
	    (pam_get_data(pamh, SETCRED_KEY, &marker) != PAM_SUCCESS || !marker)) {
		proto_error(reply, -ENOEXEC, "pam config",
			    "pam_setcred did not reach pam_carrel: sshd sandboxes its session process there; in /etc/pam.d/%s put `auth optional pam_carrel.so` first in the auth stack, before any sufficient module, success=done or jump",
			    item(pamh, PAM_SERVICE));
		return -ENOEXEC;
	}
	r = run_helper(pamh, o, pw, pol, reply, &holder, &sock, &bpf, &origin);
	if (r < 0)
		return r;
	char ccpath[PATH_MAX];
	_cleanup_close_ int cc = -1;
	if (pol->tmp == CARREL_TMP_PRIVATE && (reply->setns_flags & CLONE_NEWNS))
		cc = ccache_open(pamh, pw, ccpath, sizeof(ccpath));
	/* The reply's detail on success: the carrel's level, or "" (lib/proto.h). */
	carrel_error_at(&e, "selinux categories");
	r = reply->detail[0] ? exec_level(pamh, reply->detail) : 0;
	/* sshd sets the shell's context itself after pam_setcred, from the
	 * seuser's level (OpenSSH's ssh_selinux_setup_exec_context()): said,
	 * since this session will run without the pair (selinux/README.md). */
	if (r == 0 && reply->detail[0] && mode == JOIN_USERNS_AT_SETCRED)
		pam_syslog(pamh, LOG_WARNING,
			   "carrel %s: sshd sets the session's SELinux context itself: its programs run "
			   "without the carrel's categories (%s)",
			   reply->id, reply->detail);
	if (r == 0)
		r = join(pamh, reply, holder, bpf, pol, mode, pw, cc, ccpath, &e);
	if (r == 0) {
		snprintf(env, sizeof(env), "CARREL_SESSION=%s", reply->id);
		carrel_error_at(&e, "pam_putenv");
		r = pam_putenv(pamh, env) == PAM_SUCCESS ? 0 : -ENOMEM;
	}
	struct session *s = r == 0 ? calloc(1, sizeof(*s)) : NULL;
	if (r == 0 && !s) {
		carrel_error_at(&e, "memory");
		r = -ENOMEM;
	}
	if (r == 0) {
		s->sock = take_fd(&sock);
		s->holder = -1;
		s->opener = getpid();
		s->origin = origin;
		origin.n = 0;
		s->mode = mode;
		snprintf(s->user, sizeof(s->user), "%s", user);
		snprintf(s->tty, sizeof(s->tty), "%s", item(pamh, PAM_TTY));
		if (mode == JOIN_USERNS_AT_SETCRED ||
		    (userns_late(mode) && (reply->setns_flags & CLONE_NEWUSER))) {
			s->pending = mode == JOIN_USERNS_AT_SETCRED;
			/* what is joined later: sshd's post-auth child the user
			 * and mount namespaces, the forks of su, runuser and
			 * login the user namespace */
			s->late = (int)reply->setns_flags &
				  (mode == JOIN_USERNS_AT_SETCRED ? CLONE_NEWUSER | CLONE_NEWNS : CLONE_NEWUSER);
			if (s->late)
				s->holder = take_fd(&holder);
			s->uid = pw->pw_uid;
			s->gid = pw->pw_gid;
			s->capabilities = reply->capabilities;
			s->bpf = bpf;
			s->bpf_len = reply->bpf_len;
			bpf = NULL;
		}
		snprintf(s->id, sizeof(s->id), "%s", reply->id);
		carrel_error_at(&e, "pthread_atfork");
		if (mode != JOIN_USERNS_AT_SETCRED && s->holder >= 0)
			r = fork_join_arm(pamh, s);
		if (r == 0 && pam_set_data(pamh, DATA_KEY, s, session_free) != PAM_SUCCESS) {
			carrel_error_at(&e, "pam_set_data");
			r = -ENOMEM;
		}
		if (r < 0) {
			sock = take_fd(&s->sock);
			origin = s->origin;
			s->origin.n = 0;
			session_free(pamh, s, 0);
		}
	}
	if (r < 0) {
		/* Half-joined: the keeper takes everything down again. A failed
		 * setns(pidfd) changes no namespace. */
		move_back(&origin);
		request_close(sock);
		proto_error(reply, r, e.step, "joining carrel %s", reply->id);
	}
	return r;
}

static int open_session(pam_handle_t *pamh, int argc, const char **argv)
{
	struct carrel_config *cfg = NULL;
	struct carrel_error err = { 0 };
	/* On the heap (see run_helper); build() adjusts it for the login program. */
	_cleanup_free_ struct carrel_policy *pol = NULL;
	struct carrel_reply reply = { 0 };
	struct opts o;
	const char *user = NULL;
	char path[PATH_MAX];
	int r, loaded;

	if (parse_opts(pamh, argc, argv, &o) < 0)
		return PAM_SESSION_ERR;
	/* Listed twice in one stack (su-l includes su): the first instance
	 * built the carrel for this PAM handle and this process is in it. */
	const void *data = NULL;
	if (pam_get_data(pamh, DATA_KEY, &data) == PAM_SUCCESS && data) {
		if (o.debug)
			pam_syslog(pamh, LOG_DEBUG, "session %s already open in this PAM handle",
				   ((const struct session *)data)->id);
		return PAM_SUCCESS;
	}
	if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS || !user || !*user) {
		pam_syslog(pamh, LOG_ERR, "no user name");
		return PAM_USER_UNKNOWN;
	}
	const struct passwd *pw = pam_modutil_getpwnam(pamh, user);
	if (!pw) {
		pam_syslog(pamh, LOG_ERR, "unknown user %s", user);
		return PAM_USER_UNKNOWN;
	}
	if (carrel_switch_on(o.config, path, sizeof(path))) {
		pam_syslog(pamh, LOG_ALERT, "ALLOWING %s WITHOUT SANDBOX: emergency switch %s is on",
			   user, path);
		return PAM_SUCCESS;
	}
	if (!o.sandbox_system && pw->pw_uid != 0 && pw->pw_uid < uid_min()) {
		pam_syslog(pamh, LOG_INFO,
			   "%s is a system account (uid %u < UID_MIN): not sandboxed", user,
			   (unsigned)pw->pw_uid);
		return PAM_SUCCESS;
	}
	/* No memory for the policy is a config error like any other (below). */
	if (!(pol = malloc(sizeof(*pol)))) {
		r = loaded = -ENOMEM;
		carrel_error_set(&err, "no memory for the policy");
	} else {
		carrel_policy_builtin(pol);
		r = loaded = carrel_config_load(o.config, &cfg, &err);
		if (r == 0)
			r = carrel_policy_resolve(cfg, user, pol, &err);
		carrel_config_free(cfg);
	}
	bool exempt = false;
	if (r == -EHOSTUNREACH && loaded == 0 && pol->on_error == CARREL_ON_ERROR_ALLOW) {
		/* The config is sound but this user cannot be resolved (the
		 * directory failed): the top level's on_error decides. */
		pam_syslog(pamh, LOG_ALERT, "ALLOWING %s WITHOUT SANDBOX: config: %s", user, err.msg);
		return PAM_SUCCESS;
	}
	if (r < 0) {
		/* A broken config (or a user it cannot resolve) must never lock
		 * out root or the break-glass group: they get in unsandboxed;
		 * everyone else is refused. */
		pam_syslog(pamh, LOG_ERR, "config: %s", err.msg);
		if (strcmp(user, "root") == 0)
			exempt = true;
		else if (*o.breakglass &&
			 pam_modutil_user_in_group_nam_nam(pamh, user, o.breakglass)) {
			pam_syslog(pamh, LOG_ALERT,
				   "ALLOWING %s WITHOUT SANDBOX: break-glass group %s, config error",
				   user, o.breakglass);
			return PAM_SUCCESS;
		} else {
			pam_syslog(pamh, LOG_ERR, "refusing session for %s: config error", user);
			return PAM_SESSION_ERR;
		}
	}
	if (exempt || pol->exempt) {
		pam_syslog(pamh, LOG_INFO, "%s is exempt: session not sandboxed", user);
		return PAM_SUCCESS;
	}
	r = build(pamh, &o, pw, pol, &reply);
	if (r < 0 && !reply.step[0]) /* every refusal names its step */
		proto_error(&reply, r, "module", "%s", strerror(-r));
	if (r < 0) {
		if (pol->on_error == CARREL_ON_ERROR_ALLOW) {
			pam_syslog(pamh, LOG_ALERT, "ALLOWING %s WITHOUT SANDBOX: %s: %s: %s", user,
				   reply.step, reply.detail, strerror(-r));
			return PAM_SUCCESS;
		}
		pam_syslog(pamh, LOG_ERR, "refusing session for %s: %s: %s: %s", user, reply.step,
			   reply.detail, strerror(-r));
		return PAM_SESSION_ERR;
	}
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "session %s opened for %s", reply.id, user);
	return PAM_SUCCESS;
}

CARREL_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	int r = open_session(pamh, argc, argv);

	/* What the open allocated and freed (the parse, the policy, the
	 * helper's request) stays with malloc in the login process for the
	 * session's whole life (sshd's monitor): give its pages back. */
	(void)malloc_trim(0);
	return r;
}

/*
 * login writes its utmp entry from its child, inside the pid namespace, so
 * the entry carries that namespace's pid (2): on the host that pid always
 * exists and `who` would list the session forever. Mark it dead at logout,
 * as logout(3) does.
 */
static void utmp_logout(const char *tty, const char *user)
{
	const char *line = strncmp(tty, "/dev/", 5) == 0 ? tty + 5 : tty;
	struct utmpx *u;

	setutxent();
	while ((u = getutxent())) {
		if (u->ut_type != USER_PROCESS || strncmp(u->ut_line, line, sizeof(u->ut_line)) != 0 ||
		    strncmp(u->ut_user, user, sizeof(u->ut_user)) != 0)
			continue;
		struct utmpx d = *u;
		struct timeval now;
		d.ut_type = DEAD_PROCESS;
		memset(d.ut_user, 0, sizeof(d.ut_user));
		memset(d.ut_host, 0, sizeof(d.ut_host));
		gettimeofday(&now, NULL);
		d.ut_tv.tv_sec = (int32_t)now.tv_sec;
		d.ut_tv.tv_usec = (int32_t)now.tv_usec;
		(void)pututxline(&d);
		break;
	}
	endutxent();
}

CARREL_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *data = NULL;
	struct session *s;

	if (pam_get_data(pamh, DATA_KEY, &data) != PAM_SUCCESS || !data)
		return PAM_SUCCESS; /* exempt, or let in by on_error = allow */
	s = (struct session *)data;
	/* Out of the carrel's cgroups by itself, never by the keeper naming a
	 * pid; only the process that moved in (the keeper checks that one). */
	if (s->opener == getpid())
		move_back(&s->origin);
	request_close(s->sock);
	if (s->mode == JOIN_AT_OPEN_CHOWN_TTY && strcmp(s->tty, "-") != 0)
		utmp_logout(s->tty, s->user);
	/* Drops the data and, through session_free, closes the socket. */
	pam_set_data(pamh, DATA_KEY, NULL, NULL);
	return PAM_SUCCESS;
}

/*
 * sshd's post-auth child calls pam_setcred while still root, after
 * initgroups, before it drops to the user: join the user and mount
 * namespaces here.
 * After the join this process holds every capability in the carrel's user
 * namespace, and the kernel will not clear them when sshd switches uid (the
 * namespace's uid 0 is unmapped): switch to the user and clear them now.
 * If the join fails the child must not go on outside its carrel (sshd only
 * debug-logs a failed pam_setcred), so it ends here.
 */
CARREL_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *data = NULL;
	struct carrel_error e = { "setns", "" };
	struct session *s;
	int r = 0;

	if (pam_get_data(pamh, DATA_KEY, &data) != PAM_SUCCESS || !data) {
		/* Before open_session (sshd's monitor): note that the auth
		 * stack's setcred reaches this module, which open_session checks. */
		static const char reached = 1;
		(void)pam_set_data(pamh, SETCRED_KEY, (void *)&reached, NULL);
		return PAM_SUCCESS;
	}
	s = (struct session *)data;
	if (!s->pending || getpid() == s->opener)
		return PAM_SUCCESS; /* nothing pending, or still in the monitor */
	s->pending = false;
	if (s->holder >= 0 && setns(s->holder, s->late) < 0)
		r = -errno;
	if (r == 0)
		r = harden(s->capabilities, s->bpf, s->bpf_len, &e);
	if (r == 0 && s->holder >= 0 && (s->late & CLONE_NEWUSER)) {
		carrel_error_at(&e, "become the user");
		if (setresgid(s->gid, s->gid, s->gid) < 0 || setresuid(s->uid, s->uid, s->uid) < 0)
			r = -errno;
		else
			r = caps_clear_all();
	}
	closep(&s->holder);
	if (r < 0) {
		pam_syslog(pamh, LOG_CRIT, "session %s: %s: %s; ending the session process", s->id, e.step,
			   strerror(-r));
		_exit(1);
	}
	return PAM_SUCCESS;
}

/* Present so that `auth optional pam_carrel.so` (for pam_setcred) is valid. */
CARREL_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_IGNORE;
}
