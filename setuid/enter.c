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

/*
 * systemd: the carrel's cgroup is its unit's, whose own cgroup may hold no
 * process once it has children (a user manager's user@UID.service has
 * init.scope, app.slice...): join the holder's cgroup, which lies within
 * it, found through the holder's pidfd (never a recycled pid).
 */
static int join_holder_cgroup(const struct session *s, int holder)
{
	char path[64], buf[4096], dir[STATE_PATH_MAX * 2], pid[24];
	const char *rel, *p, *unit_dir = s->cgroup[0];
	long hpid = -1;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", holder);
	if (read_file(path, buf, sizeof(buf)) > 0 && (p = strstr(buf, "\nPid:")))
		hpid = strtol(p + 5, NULL, 10);
	if (hpid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%ld/cgroup", hpid);
	if (read_file(path, buf, sizeof(buf)) <= 0 || strncmp(buf, "0::/", 4) != 0 ||
	    strchr(buf, '\n') != strrchr(buf, '\n'))
		return -EINVAL;
	rel = buf + 3;
	buf[strcspn(buf, "\n")] = '\0';
	if (strstr(rel, "/../") || strlen(rel) >= STATE_PATH_MAX)
		return -EINVAL;
	/* UNIT_DIR is MOUNT + X; REL must be X or below it. */
	for (p = strchr(unit_dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		size_t n = strlen(p);
		if (strncmp(rel, p, n) == 0 && (rel[n] == '\0' || rel[n] == '/')) {
			if ((size_t)snprintf(dir, sizeof(dir), "%.*s%.*s/cgroup.procs",
					     (int)(p - unit_dir), unit_dir, STATE_PATH_MAX,
					     rel) >= sizeof(dir))
				return -ENAMETOOLONG;
			snprintf(pid, sizeof(pid), "%d", (int)getpid());
			return write_file(dir, pid);
		}
	}
	return -EINVAL;
}

/* Write our pid into the cgroup.procs of each of the session's cgroups
 * (paths the state file's reader checked to be the carrel's own). */
static int join_cgroups(const struct session *s, int holder)
{
	char procs[STATE_PATH_MAX + 16], pid[24];
	int r = 0;

	if (s->unit[0] && s->ncg == 1)
		return join_holder_cgroup(s, holder);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	for (int i = 0; i < s->ncg && r == 0; i++) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", s->cgroup[i]);
		r = write_file(procs, pid);
	}
	return r;
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
	_cleanup_close_ int holder = -1;
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
		r = keeper_ask_holder(id, &reply, &holder, &bpf, 2000);
	if (r < 0 || reply.uid != s->uid) {
		/* The same answer for "no such session" and "not yours". */
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
	if ((r = join_cgroups(s, holder)) < 0 || (r = restore_exec_context(reply.detail)) < 0 ||
	    (setns(holder, (int)reply.setns_flags) < 0 && (r = -errno)) ||
	    (r = become_user(pw, &reply, bpf)) < 0) {
		fprintf(stderr, "carrel-user: enter: session %s: %s\n", id, strerror(-r));
		return 1;
	}
	holder = safe_close(holder);
	/* From here on nothing is privileged: the caller's own environment is
	 * handed to the caller's own command. */
	environ = caller_env;
	umask(caller_umask);
	if (setenv("CARREL_SESSION", s->id, 1) < 0)
		return 1;
	return run(pw, argc > 3 ? argv + 3 : NULL);
}
