/* SPDX-License-Identifier: GPL-2.0-or-later */
/* enter: join one of the caller's own running carrels from outside (who
 * may, and why it is safe: main.c's table of operations). */
#include "carrel-user.h"
#include "bpf_load.h"
#include "caps.h"
#include "keeper_client.h"
#include "mcs_context.h"
#include "state.h"
#include "util_min.h"

#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>

/* Move into the carrel's cgroups through the cgroup.procs fds the keeper
 * opened (FDS[1..]; lib/proto.h, CARREL_CTL_JOIN): "0" is the writer
 * itself.  No path of carrel-user's own is written.  A keeper that sent
 * none is refused: the command never runs outside the carrel's limits. */
static int join_cgroups(const int *fds, int nfds)
{
	int joined = 0;

	for (int i = 1; i < nfds && fds[i] >= 0; i++, joined++)
		if (write(fds[i], "0", 1) != 1)
			return -errno;
	return joined > 0 ? 0 : -EPROTO;
}

/*
 * SELinux: the command runs in the caller's own domain, the one carrel-user
 * was started from, not in carrel-user's (selinux/carrel.if,
 * carrel_user_run()), at the carrel's range s0-LEVEL when it has one
 * (selinux_categories; the keeper's reply says, lib/proto.h).  Before the
 * setns: this process is outside the carrel's pid namespace, so the
 * carrel's /proc has no /proc/thread-self for it.  Without SELinux there
 * is nothing to do.
 */
static int restore_exec_context(const char *level)
{
	char ctx[256], at_level[320];

	/* Only "not there" means no SELinux: a refused look (selinuxfs not
	 * searchable by this domain) must not run the command in ours. */
	if (access("/sys/fs/selinux/enforce", F_OK) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (read_file("/proc/thread-self/attr/prev", ctx, sizeof(ctx)) <= 0)
		return -EPERM;
	ctx[strcspn(ctx, "\n")] = '\0';
	if (level[0]) {
		int r = carrel_mcs_context(ctx, level, at_level, sizeof(at_level));
		if (r < 0)
			return r;
		return write_file("/proc/thread-self/attr/exec", at_level);
	}
	return write_file("/proc/thread-self/attr/exec", ctx);
}

static int become_user(const struct passwd *pw, const struct carrel_reply *reply, const void *bpf)
{
	int r;

	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0)
		return -errno;
	if ((r = caps_limit_bounding(reply->capabilities)) < 0)
		return r;
	if (reply->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* Loaded while still privileged in the namespace, so it also works
	 * with no_new_privs = false. */
	if (bpf && (r = carrel_seccomp_load_bpf(bpf, reply->bpf_len)) < 0)
		return r;
	if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		return -errno;
	if ((r = caps_clear_all()) < 0)
		return r;
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return -EPERM;
	return 0;
}

/* Run CMD (NULL: the user's shell) as a child, in the pid namespace joined
 * (it takes children only); its exit status is ours. */
static int run(const struct passwd *pw, char **cmd)
{
	char *shell[] = { pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh", NULL };
	int status;
	pid_t pid;

	if (chdir(pw->pw_dir) < 0 && chdir("/") < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		cmd = cmd ? cmd : shell;
		execvp(cmd[0], cmd);
		fprintf(stderr, "carrel-user: enter: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		return 1;
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Root's terminal is never handed to a user's command: a process it leaves
 * behind would read what root types next and, without the seccomp filter,
 * type into it (TIOCSTI).  A terminal is fine only if it is that of a
 * session carrel-user leads (carrelctl enter: a pty of its own, relay.c). */
static int root_terminal(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (getuid() == 0 && isatty(fd) && (getsid(0) != getpid() || tcgetsid(fd) != getpid()))
			return fd;
	return -1;
}

int op_enter(int argc, char **argv, char **caller_env)
{
	_cleanup_free_ struct session *s = malloc(sizeof(*s));
	struct carrel_reply reply = { 0 };
	int fds[1 + STATE_MAX_CGROUPS]; /* the holder's pidfd, the cgroups' */
	_cleanup_free_ void *bpf = NULL;
	const char *id = argc > 2 ? argv[2] : NULL;
	struct passwd *pw;
	int r;

	if (!id || !session_valid_id(id)) {
		fprintf(stderr, "carrel-user: enter: usage: enter SESSION-ID [COMMAND [ARG...]]\n");
		return 2;
	}
	if (!s)
		return 1;
	if ((r = root_terminal()) >= 0) {
		fprintf(stderr, "carrel-user: enter: fd %d is root's terminal: use carrelctl enter\n", r);
		return 1;
	}
	/* Whose it is, from the root-only state file, before the keeper is
	 * even asked: a stranger's request never reaches another user's keeper. */
	r = session_load(id, s);
	if (r == 0 && getuid() != 0 && s->uid != getuid())
		r = -EPERM;
	if (r == 0)
		r = keeper_ask_holder(id, CARREL_CTL_JOIN, &reply, fds, (int)ARRAY_SIZE(fds), &bpf, 2000);
	if (r < 0 || reply.uid != s->uid) {
		/* The same answer for "no such session" and "not yours"; its owner gets the keeper's refusal. */
		if (reply.err)
			fprintf(stderr, "carrel-user: enter: session %s: %s: %s\n", id, reply.step, reply.detail);
		else
			fprintf(stderr, "carrel-user: enter: no session %s of yours\n", id);
		return 1;
	}
	/* By the session's name, never getpwuid(): a second name for the uid
	 * (listed first) would bring its own groups and shell. */
	pw = getpwnam(s->user);
	if (!pw || pw->pw_uid != reply.uid) {
		fprintf(stderr, "carrel-user: enter: session %s: its user is gone\n", id);
		return 1;
	}
	/* The exec context before the setns: in the carrel's mount namespace
	 * /proc is the carrel's, where this process has no /proc/thread-self
	 * (it is not in the carrel's pid namespace, only its children are). */
	if ((r = join_cgroups(fds, (int)ARRAY_SIZE(fds))) < 0 || (r = restore_exec_context(reply.detail)) < 0 ||
	    (setns(fds[0], (int)reply.setns_flags) < 0 && (r = -errno)) ||
	    (r = become_user(pw, &reply, bpf)) < 0) {
		fprintf(stderr, "carrel-user: enter: session %s: %s\n", id, strerror(-r));
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		fds[i] = safe_close(fds[i]);
	/* From here on nothing is privileged: the caller's own environment is
	 * handed to the caller's own command. */
	environ = caller_env;
	umask(caller_umask);
	if (setenv("CARREL_SESSION", s->id, 1) < 0)
		return 1;
	return run(pw, argc > 3 ? argv + 3 : NULL);
}
