/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enter and status: the two operations a non-root user may ask of the
 * setuid helper, each only for the caller's own carrels.
 *
 * enter joins a running carrel from a process outside it: the holder's
 * pidfd comes from the keeper (root-only socket), never from a pid number;
 * the caller must be the session's user (or root); the helper moves itself
 * into the session's cgroups, joins every namespace, then becomes the
 * session's user for good (groups, uid, no capabilities, bounding set
 * empty, no_new_privs) before anything of the caller's runs.
 */
#include "carrel.h"
#include "caps.h"
#include "bpf_load.h"
#include "sessions.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static bool valid_id(const char *id)
{
	size_t n = strspn(id, "0123456789");
	return n > 0 && n < 20 && id[n] == '\0';
}

/* The uid= of state file ID, or -1. */
static long state_uid(const char *id)
{
	char path[128], buf[4096];
	const char *p;

	snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%.20s", id);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, "uid=", 4) == 0)
			return strtol(p + 4, NULL, 10);
	return -1;
}

/* Ask the keeper of session ID for the holder's pidfd. */
static int ask_keeper(const char *id, struct carrel_reply *reply, int *holder, void **bpf)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	char op = CARREL_CTL_HOLDER;
	int r;

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), CARREL_SESSIONS_DIR "/%.20s.sock", id);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	if (send(fd, &op, 1, MSG_NOSIGNAL) != 1)
		return -errno;
	r = proto_recv_reply(fd, reply, holder, 2000);
	if (r == 0 && *holder < 0)
		r = -EPROTO;
	if (r == 0)
		r = proto_recv_bpf(fd, reply, bpf, 2000);
	return r;
}

static int join_state_cgroups(const char *id);

/*
 * systemd: the carrel's cgroup is its unit's, whose own cgroup may hold no
 * process once it has children (a user manager's user@UID.service has
 * init.scope, app.slice...): join the holder's cgroup, which lies within
 * it, found through the holder's pidfd (never a recycled pid).
 */
static int join_holder_cgroup(const struct session *s, int holder)
{
	char path[64], buf[4096], dir[CG_PATH_MAX * 2], pid[24];
	const char *rel, *p, *unit_dir = s->cgroup[0];
	long hpid = -1;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", holder);
	if (read_file(path, buf, sizeof(buf)) > 0 && (p = strstr(buf, "\nPid:")))
		hpid = strtol(p + 5, NULL, 10);
	if (hpid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%ld/cgroup", hpid);
	if (read_file(path, buf, sizeof(buf)) <= 0 || strncmp(buf, "0::/", 4) != 0 || strchr(buf, '\n') != strrchr(buf, '\n'))
		return -EINVAL;
	rel = buf + 3;
	buf[strcspn(buf, "\n")] = '\0';
	if (strstr(rel, "/../") || strlen(rel) >= CG_PATH_MAX)
		return -EINVAL;
	/* UNIT_DIR is MOUNT + X; REL must be X or below it. */
	for (p = strchr(unit_dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		size_t n = strlen(p);
		if (strncmp(rel, p, n) == 0 && (rel[n] == '\0' || rel[n] == '/')) {
			if ((size_t)snprintf(dir, sizeof(dir), "%.*s%.*s/cgroup.procs", (int)(p - unit_dir), unit_dir,
					     CG_PATH_MAX, rel) >= sizeof(dir))
				return -ENAMETOOLONG;
			snprintf(pid, sizeof(pid), "%d", (int)getpid());
			return write_file(dir, pid);
		}
	}
	return -EINVAL;
}

/* Write our pid into each cgroup= line's cgroup.procs of state file ID. */
static int join_cgroups(const char *id, int holder)
{
	struct session *s = malloc(sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	r = session_load(id, s);
	if (r == 0 && s->unit[0] && s->ncg == 1)
		r = join_holder_cgroup(s, holder);
	else if (r == 0)
		r = join_state_cgroups(id);
	free(s);
	return r;
}

static int join_state_cgroups(const char *id)
{
	char path[128], line[CG_PATH_MAX + 32], procs[CG_PATH_MAX + 64], pid[24];
	FILE *f;
	int r = 0;

	snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s", id);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	while (r == 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "cgroup=", 7) != 0)
			continue;
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", line + 7);
		r = write_file(procs, pid);
	}
	fclose(f);
	return r;
}

static int become_user(const struct passwd *pw, const struct carrel_reply *reply, const void *bpf)
{
	int r;

	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0)
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

int op_enter(int argc, char **argv, char **caller_env)
{
	struct carrel_reply reply = { 0 };
	_cleanup_close_ int holder = -1;
	_cleanup_free_ void *bpf = NULL;
	const char *id = argc > 2 ? argv[2] : NULL;
	struct passwd *pw;
	char env_id[64];
	int r, status;

	if (!id || !valid_id(id)) {
		fprintf(stderr, "carrel-helper: enter: usage: enter SESSION-ID [COMMAND [ARG...]]\n");
		return 2;
	}
	/* Whose it is, from the root-only state file, before the keeper is
	 * even asked: a stranger's request never reaches another user's keeper. */
	if (getuid() != 0 && state_uid(id) != (long)getuid())
		r = -EPERM;
	else
		r = ask_keeper(id, &reply, &holder, &bpf);
	if (r < 0 || (getuid() != 0 && reply.uid != getuid())) {
		/* The same answer for "no such session" and "not yours". */
		fprintf(stderr, "carrel-helper: enter: no session %s of yours\n", id);
		return 1;
	}
	pw = getpwuid(reply.uid);
	if (!pw) {
		fprintf(stderr, "carrel-helper: enter: session %s: its user is gone\n", id);
		return 1;
	}
	if ((r = join_cgroups(id, holder)) < 0 || (setns(holder, (int)reply.setns_flags) < 0 && (r = -errno)) ||
	    (r = become_user(pw, &reply, bpf)) < 0) {
		fprintf(stderr, "carrel-helper: enter: session %s: %s\n", id, strerror(-r));
		return 1;
	}
	closep(&holder);
	/* From here on nothing is privileged: the caller's own environment is
	 * handed to the caller's own command. */
	snprintf(env_id, sizeof(env_id), "%s", id);
	environ = caller_env;
	if (setenv("CARREL_SESSION", env_id, 1) < 0)
		return 1;
	if (chdir(pw->pw_dir) < 0 && chdir("/") < 0)
		return 1;
	pid_t pid = fork(); /* the pid namespace takes children only */
	if (pid == 0) {
		char *shell[] = { pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh", NULL };
		char **cmd = argc > 3 ? argv + 3 : shell;
		execvp(cmd[0], cmd);
		fprintf(stderr, "carrel-helper: enter: %s: %s\n", cmd[0], strerror(errno));
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

/* status [--json] [SESSION-ID]: the caller's carrels (root: all), or one in full. */
int op_status(int argc, char **argv)
{
	uid_t only = getuid() == 0 ? SESSION_ALL_USERS : getuid();
	const char *id = NULL;
	bool json = false;
	int r;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (!id && valid_id(argv[i]))
			id = argv[i];
		else {
			fprintf(stderr, "carrel-helper: status: usage: status [--json] [SESSION-ID]\n");
			return 2;
		}
	}
	r = id ? session_show(stdout, id, only, NULL, json) : sessions_print(stdout, only, json);
	if (r < 0 && id) {
		/* The same answer for "no such session", "not yours" and "not yet". */
		fprintf(stderr, "carrel-helper: status: no session %s of yours\n", id);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "carrel-helper: status: %s: %s\n", CARREL_SESSIONS_DIR, strerror(-r));
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
