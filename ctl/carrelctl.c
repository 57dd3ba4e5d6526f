/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * carrelctl: the admin's view of the running carrels, and the few things an
 * admin does to one: end it, freeze and thaw it, enter it, and change its
 * user's limits while it runs.
 *
 * Not setuid, and refuses to run as if it were.  Run by root it reads the
 * root-only state directory itself.  Run by anyone else, list and show get
 * that user's own state records from carrel-user status (the one
 * set-user-ID program) and do everything else, the cgroup numbers, the
 * config's policy, the printing, with the caller's own rights; every
 * operation that changes something is refused before anything is looked at.
 *
 * Exit status: 0 done, 1 failed (the message names the carrel, user or
 * file), 2 usage error.
 */
#include "carrel_conf.h"
#include "keeper_client.h"
#include "relay.h"
#include "rundir.h"
#include "cgroup_systemd.h"
#include "sessions.h"
#include "util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#ifndef CARREL_HELPER_PATH
#define CARREL_HELPER_PATH "/usr/local/libexec/carrel/carrel-helper"
#endif
#ifndef CARREL_USER_PATH
#define CARREL_USER_PATH "/usr/local/libexec/carrel/carrel-user"
#endif
/* What carrel-user status may print: every carrel's whole state file. */
#define RECORDS_MAX (CARREL_MAX_LOGINS * 1024 * 1024)

/* How long the keeper may take to acknowledge, and then to tear down
 * (it waits up to 3 s for the holder and up to 3 s for the cgroups). */
#define KILL_ACK_MS 3000
#define KILL_GONE_MS 10000
#define FREEZE_MS 5000
#define LOCK_MS 5000

static const char *cmd;	     /* the subcommand, for messages */
static const char *synopsis; /* its usage line */

static void __attribute__((format(printf, 1, 0))) verr(const char *fmt, va_list ap)
{
	fprintf(stderr, "carrelctl: %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 1, 2))) err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
}

static void usage(FILE *f);

/* A usage error: the message, the usage, exit status 2. */
static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
	fprintf(stderr, "usage: carrelctl %s\n", synopsis);
	return 2;
}

static int msleep(int ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	return nanosleep(&t, NULL);
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Load carrel ID for a root operation, with the message when there is none. */
static int load(const char *id, struct session *s)
{
	int r;

	if (!session_valid_id(id)) {
		err("\"%s\" is not a carrel id (a number; see carrelctl list)", id);
		return -EINVAL;
	}
	r = session_load(id, s);
	if (r == -ENOENT)
		err("no carrel %s (see carrelctl list)", id);
	else if (r == -EAGAIN)
		err("carrel %s is still being opened; try again", id);
	else if (r == -EBADMSG)
		err("%s/%s is not a carrel state file", CARREL_SESSIONS_DIR, id);
	else if (r < 0)
		err("%s/%s: %s", CARREL_SESSIONS_DIR, id, strerror(-r));
	return r;
}

/*
 * list and show for a user other than root: carrel-user status reads the
 * root-only state files and prints that user's own (ID: that one) as
 * records; *ALL gets them, parsed by the one reader.  Returns 1 when
 * carrel-user failed (it said why), -errno when it could not be run.
 */
static int own_records(const char *id, struct session **all, int *n)
{
	char *argv[] = { "carrel-user", "status", (char *)id, NULL };
	char *envp[] = { NULL };
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	int p[2], status, r = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (dup2(p[1], STDOUT_FILENO) < 0)
			_exit(127);
		execve(CARREL_USER_PATH, argv, envp);
		fprintf(stderr, "carrelctl: %s: cannot run %s: %s\n", cmd, CARREL_USER_PATH, strerror(errno));
		_exit(127);
	}
	p[1] = safe_close(p[1]);
	if (pid < 0) {
		p[0] = safe_close(p[0]);
		return -errno;
	}
	for (;;) {
		ssize_t k;
		if (len == cap) {
			char *more = cap < RECORDS_MAX ? realloc(buf, cap ? cap * 2 : 65536) : NULL;
			if (!more) {
				r = cap < RECORDS_MAX ? -ENOMEM : -EFBIG;
				break;
			}
			buf = more;
			cap = cap ? cap * 2 : 65536;
		}
		k = read(p[0], buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 ? -errno : 0;
			break;
		}
		len += (size_t)k;
	}
	p[0] = safe_close(p[0]); /* a carrel-user still writing gets EPIPE */
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;
	if (r < 0)
		return r;
	return state_records_parse(buf, len, all, n);
}

/* The message for what own_records() returned. */
static int own_records_failed(int r)
{
	if (r < 0)
		err("%s status: %s", CARREL_USER_PATH, strerror(-r));
	return 1;
}

/* ------------------------------------------------------------ list, show */

static int cmd_list(int argc, char **argv)
{
	bool json = false;
	int r;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			return usage_error("unexpected argument \"%s\"", argv[i]);
	}
	if (geteuid() != 0) {
		_cleanup_free_ struct session *all = NULL;
		int n;
		if ((r = own_records(NULL, &all, &n)) != 0)
			return own_records_failed(r);
		r = sessions_print_list(stdout, all, n, json);
	} else {
		r = sessions_print(stdout, SESSION_ALL_USERS, json);
	}
	if (r < 0) {
		err("%s: %s", CARREL_SESSIONS_DIR, strerror(-r));
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

static int cmd_show(int argc, char **argv)
{
	const char *id = NULL, *config = NULL;
	bool json = false;
	int r;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			config = argv[i] + 9;
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else
			return usage_error("unexpected argument \"%s\"", argv[i]);
	}
	if (!id)
		return usage_error("which carrel? (an id from carrelctl list)");
	if (!session_valid_id(id)) {
		err("\"%s\" is not a carrel id (a number; see carrelctl list)", id);
		return 1;
	}
	if (config && config[0] != '/')
		return usage_error("--config %s: the path must be absolute", config);
	if (geteuid() != 0) {
		/* The policy is read here, with the caller's own rights. */
		_cleanup_free_ struct session *all = NULL;
		int n;
		if ((r = own_records(id, &all, &n)) != 0)
			return own_records_failed(r);
		r = n == 1 ? session_show_loaded(stdout, &all[0], config, json) : -ENOENT;
	} else {
		r = session_show(stdout, id, SESSION_ALL_USERS, config, json);
	}
	if (r == -ENOENT)
		err("no carrel %s (see carrelctl list)", id);
	else if (r == -EAGAIN)
		err("carrel %s is still being opened; try again", id);
	else if (r == -EBADMSG)
		err("%s/%s is not a carrel state file", CARREL_SESSIONS_DIR, id);
	else if (r < 0)
		err("carrel %s: %s", id, strerror(-r));
	return r < 0 || fflush(stdout) != 0 ? 1 : 0;
}

/* ------------------------------------------------------------------- kill */

static bool pid_listed(const char *dir, pid_t pid)
{
	char path[CG_PATH_MAX + 16], buf[16384];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	for (char *p = buf, *end; *p; p = end) {
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (v == pid)
			return true;
	}
	return false;
}

/*
 * cgroup v1: tasks of a frozen cgroup cannot die, so the keeper's teardown
 * would stall on a frozen carrel.  Once the keeper has given the login
 * processes back their own cgroups (its first step), SIGKILL what is left
 * and only then thaw: nothing of the carrel's runs again.  The pids are
 * stable meanwhile: a frozen task cannot exit.  (cgroup v2 lets fatal
 * signals through a frozen cgroup: nothing to do there.)
 */
static void thaw_to_die(const struct session *s)
{
	char dir[CG_PATH_MAX], path[CG_PATH_MAX + 32], state[32], buf[16384];
	long long deadline = now_ms() + 1000;

	if (s->cgroup_version == 2 ||
	    !session_dir_with(s, "freezer.state", false, dir, sizeof(dir)))
		return;
	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	if (read_file(path, state, sizeof(state)) <= 0 || strncmp(state, "THAWED", 6) == 0)
		return;
	for (int i = 0; i < s->nlogins && now_ms() < deadline; i++)
		while (pid_listed(dir, s->logins[i].pid) && now_ms() < deadline)
			msleep(10);
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		for (char *p = buf, *end; *p; p = end) {
			long pid = strtol(p, &end, 10);
			if (end == p)
				break;
			if (pid > 1)
				(void)kill((pid_t)pid, SIGKILL);
		}
	}
	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	(void)write_file(path, "THAWED");
}

static int cmd_kill(int argc, char **argv)
{
	_cleanup_free_ struct session *s = malloc(sizeof(*s));
	_cleanup_close_ int fd = -1;
	char op = CARREL_CTL_TERMINATE, path[128];
	long long deadline;
	int r;

	if (argc != 3)
		return usage_error("expected exactly one carrel id");
	if (!s)
		return 1;
	if (load(argv[2], s) < 0)
		return 1;
	fd = keeper_send(s->id, &op, 1, NULL, 0, KILL_ACK_MS);
	if (fd < 0) {
		err("carrel %s: its keeper (pid %d) does not answer on %s/%s.sock: %s", s->id,
		    (int)s->keeper, CARREL_SESSIONS_DIR, s->id, strerror(-fd));
		return 1;
	}
	if ((r = keeper_wait_ack(fd, KILL_ACK_MS)) < 0) {
		err("carrel %s: its keeper (pid %d) did not acknowledge the request to end it",
		    s->id, (int)s->keeper);
		return 1;
	}
	thaw_to_die(s);
	/* Done when the keeper has removed the state file, its last step. */
	snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s", s->id);
	deadline = now_ms() + KILL_GONE_MS;
	while (access(path, F_OK) == 0) {
		if (now_ms() >= deadline) {
			err("carrel %s: the keeper (pid %d) is ending it, but %s is still there after %d s",
			    s->id, (int)s->keeper, path, KILL_GONE_MS / 1000);
			return 1;
		}
		msleep(20);
	}
	return 0;
}

/* ---------------------------------------------------------- freeze, thaw */

/* cgroup v2: cgroup.freeze, then cgroup.events says "frozen 1" (or 0). */
static int freeze_v2(const struct session *s, bool freeze)
{
	char path[CG_PATH_MAX + 32], buf[512], want[16];
	long long deadline = now_ms() + FREEZE_MS;
	const char *failed = "";
	int r;

	if (s->ncg < 1) {
		err("carrel %s: its state file names no cgroup", s->id);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/cgroup.freeze", s->cgroup[0]);
	/* systemd: its unit's cgroup, frozen by systemd (FreezeUnit writes
	 * the same file), which then knows the unit's state. */
	if (s->unit[0] && (r = cg_systemd_freeze(s->unit, freeze, &failed)) < 0) {
		err("carrel %s: %s", s->id, failed);
		return 1;
	}
	if (!s->unit[0] && (r = write_file(path, freeze ? "1" : "0")) < 0) {
		err("carrel %s: %s: %s", s->id, path, strerror(-r));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/cgroup.events", s->cgroup[0]);
	snprintf(want, sizeof(want), "frozen %d", freeze);
	for (;;) {
		if (read_file(path, buf, sizeof(buf)) > 0) {
			const char *p = strstr(buf, "frozen ");
			if (p && strncmp(p, want, strlen(want)) == 0)
				return 0;
		}
		if (now_ms() >= deadline)
			break;
		msleep(10);
	}
	if (freeze && s->unit[0]) {
		(void)cg_systemd_freeze(s->unit, false, &failed);
	} else if (freeze) {
		snprintf(path, sizeof(path), "%s/cgroup.freeze", s->cgroup[0]);
		(void)write_file(path, "0");
	}
	err("carrel %s: %s does not say \"%s\" after %d s%s", s->id, path, want, FREEZE_MS / 1000,
	    freeze ? "; thawed it again" : "");
	return 1;
}

/* cgroup v1: freezer.state FROZEN (FREEZING until every task is frozen;
 * writing FROZEN again retries the stragglers) or THAWED. */
static int freeze_v1(const struct session *s, bool freeze)
{
	char dir[CG_PATH_MAX], path[CG_PATH_MAX + 32], state[32];
	const char *want = freeze ? "FROZEN" : "THAWED";
	long long deadline = now_ms() + FREEZE_MS;
	int r;

	if (!session_dir_with(s, "freezer.state", false, dir, sizeof(dir))) {
		err("carrel %s: it has no freezer cgroup (is the v1 freezer controller mounted?)",
		    s->id);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	for (;;) {
		if ((r = write_file(path, want)) < 0) {
			err("carrel %s: cannot write %s to %s: %s", s->id, want, path,
			    strerror(-r));
			return 1;
		}
		if (read_file(path, state, sizeof(state)) > 0 &&
		    strncmp(state, want, strlen(want)) == 0)
			return 0;
		if (now_ms() >= deadline)
			break;
		msleep(20);
	}
	if (freeze)
		(void)write_file(path, "THAWED");
	state[strcspn(state, "\n")] = '\0';
	err("carrel %s: %s is still %s after %d s%s", s->id, path, state, FREEZE_MS / 1000,
	    freeze ? "; thawed it again" : "");
	return 1;
}

static int cmd_freeze(int argc, char **argv)
{
	_cleanup_free_ struct session *s = malloc(sizeof(*s));
	bool freeze = strcmp(argv[1], "freeze") == 0;

	if (argc != 3)
		return usage_error("expected exactly one carrel id");
	if (!s || load(argv[2], s) < 0)
		return 1;
	return s->cgroup_version == 2 ? freeze_v2(s, freeze) : freeze_v1(s, freeze);
}

/* ------------------------------------------------------------------ enter */

/*
 * carrel-user joins the carrel's cgroups and namespaces and becomes the
 * carrel's user before it runs COMMAND (default: the user's shell), in a
 * session of its own and on a pty of its own (relay.h).  It
 * hands on the environment it is given: that of a fresh login of the user,
 * not root's.
 */
static int cmd_enter(int argc, char **argv)
{
	_cleanup_free_ struct session *s = malloc(sizeof(*s));
	char home[512], user[64], logname[64], shell[512], term[128], lang[128];
	char *envp[8], **args;
	struct passwd *pw;
	const char *v;
	int n = 0, r;

	if (argc < 3)
		return usage_error("which carrel? (an id from carrelctl list)");
	if (!s || load(argv[2], s) < 0)
		return 1;
	pw = getpwnam(s->user);
	if (!pw || pw->pw_uid != s->uid) {
		err("carrel %s: its user %s (uid %u) is not in the passwd database any more", s->id,
		    s->user, (unsigned)s->uid);
		return 1;
	}
	snprintf(home, sizeof(home), "HOME=%s", pw->pw_dir);
	snprintf(user, sizeof(user), "USER=%s", pw->pw_name);
	snprintf(logname, sizeof(logname), "LOGNAME=%s", pw->pw_name);
	snprintf(shell, sizeof(shell), "SHELL=%s",
		 pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh");
	envp[n++] = home;
	envp[n++] = user;
	envp[n++] = logname;
	envp[n++] = shell;
	envp[n++] = "PATH=/usr/local/bin:/usr/bin:/bin";
	if ((v = getenv("TERM"))) {
		snprintf(term, sizeof(term), "TERM=%s", v);
		envp[n++] = term;
	}
	if ((v = getenv("LANG"))) {
		snprintf(lang, sizeof(lang), "LANG=%s", v);
		envp[n++] = lang;
	}
	envp[n] = NULL;
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return 1;
	args[0] = "carrel-user";
	args[1] = "enter";
	args[2] = s->id;
	for (int i = 3; i < argc; i++)
		args[i] = argv[i];
	r = relay_run(CARREL_USER_PATH, args, envp);
	free(args);
	return r;
}

/* ----------------------------------------------------------------- limits */

enum num_kind { SIZE, COUNT, PERCENT };

static const struct limit_opt {
	const char *name;
	enum num_kind kind;
	bool max_ok;
	uint64_t min, max;
} limit_opts[] = {
	{ "--memory-max", SIZE, true, 1, UINT64_MAX - 2 },
	{ "--memory-swap-max", SIZE, true, 0, UINT64_MAX - 2 },
	{ "--pids-max", COUNT, true, 1, UINT64_MAX - 2 },
	{ "--cpu-max", PERCENT, true, 1, 1000000 },
	{ "--cpu-weight", COUNT, false, 1, 10000 },
	{ "--io-weight", COUNT, false, 1, 10000 },
};

/* A number as the config file writes it: sizes with K, M, G or T (powers
 * of 1024), percentages with %, "max" where a limit may be lifted. */
static int parse_num(const struct limit_opt *o, const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	uint64_t v = 0;
	const char *p = s, *u;

	if (o->max_ok && strcmp(s, "max") == 0) {
		*out = CARREL_UNLIMITED;
		return 0;
	}
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (o->kind == PERCENT && !(p[0] == '%' && p[1] == '\0'))
		return -EINVAL;
	if (o->kind != PERCENT && *p) {
		if (o->kind != SIZE || p[1] != '\0' || !(u = strchr(units, *p)))
			return -EINVAL;
		unsigned shift = 10 * (unsigned)(u - units + 1);
		if (v > UINT64_MAX >> shift)
			return -ERANGE;
		v <<= shift;
	}
	if (v < o->min || v > o->max)
		return -ERANGE;
	*out = v;
	return 0;
}

static const char *hint(const struct limit_opt *o)
{
	switch (o->kind) {
	case SIZE:
		return "a number with an optional K, M, G or T suffix, or max";
	case PERCENT:
		return "a whole number followed by %, like 50%, or max";
	default:
		return o->max_ok ? "a whole number, or max" : "a whole number from 1 to 10000";
	}
}

static void set_limit(struct carrel_limits *lim, size_t which, uint64_t v)
{
	switch (which) {
	case 0:
		lim->memory_max = v;
		break;
	case 1:
		lim->memory_swap_max = v;
		break;
	case 2:
		lim->pids_max = v;
		break;
	case 3:
		lim->cpu_max = v;
		break;
	case 4:
		lim->cpu_weight = (uint32_t)v;
		break;
	default:
		lim->io_weight = (uint32_t)v;
		break;
	}
}

/* The controllers of the v1 hierarchy that DIR is in, from the files it has. */
static void v1_controllers(const char *dir, char *out, size_t size)
{
	static const struct {
		const char *ctrl, *file;
	} probe[] = {
		{ "memory", "memory.limit_in_bytes" },
		{ "pids", "pids.max" },
		{ "cpu", "cpu.shares" },
		{ "cpuacct", "cpuacct.usage" },
		{ "freezer", "freezer.state" },
		{ "blkio", "blkio.reset_stats" },
	};
	char path[CG_PATH_MAX + 32];
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(probe); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, probe[i].file);
		if (access(path, F_OK) == 0)
			len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "",
						probe[i].ctrl);
	}
}

/* Take the carrel lock (bounded): the helper creates and removes cgroups,
 * and writes a user's limits, under it (carrel_lock() in carrel.c). */
static int lock_carrels(void)
{
	int fd = open(CARREL_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	long long deadline = now_ms() + LOCK_MS;

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || now_ms() >= deadline) {
			int r = errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
			closep(&fd);
			return r;
		}
		msleep(10);
	}
	return fd;
}

/* Write LIM to every dir in DIRS[0..N); *DONE counts those written. */
static int apply(bool v2, char dirs[][CG_PATH_MAX], int n, const struct carrel_limits *lim,
		 int *done, const char **failed)
{
	for (*done = 0; *done < n; (*done)++) {
		struct cg_hier h = { 0 };
		int r;
		snprintf(h.user, sizeof(h.user), "%s", dirs[*done]);
		if (!v2)
			v1_controllers(h.user, h.controllers, sizeof(h.controllers));
		r = v2 ? cg_v2_limits(&h, lim, failed) : cg_v1_limits(&h, lim, failed);
		if (r < 0)
			return r;
	}
	return 0;
}

static int cmd_limits(int argc, char **argv)
{
	_cleanup_free_ struct session *all = NULL;
	_cleanup_close_ int lock = -1;
	struct carrel_limits cur, want;
	char dirs[CG_MAX_HIER * 4][CG_PATH_MAX];
	const struct session *first = NULL;
	const char *user, *failed = "?";
	bool any = false;
	int n, ndirs = 0, done, r;

	if (argc < 3 || argv[2][0] == '-')
		return usage_error("whose limits? (a user name)");
	user = argv[2];
	if (!valid_user_name(user)) {
		err("\"%s\" is not a valid user name", user);
		return 1;
	}
	/* Options first: a usage error changes nothing. */
	memset(&want, 0, sizeof(want));
	bool set[ARRAY_SIZE(limit_opts)] = { false };
	uint64_t val[ARRAY_SIZE(limit_opts)] = { 0 };
	for (int i = 3; i < argc; i++) {
		const struct limit_opt *o = NULL;
		const char *arg = NULL;
		size_t k;
		for (k = 0; k < ARRAY_SIZE(limit_opts); k++) {
			size_t l = strlen(limit_opts[k].name);
			if (strncmp(argv[i], limit_opts[k].name, l) == 0 &&
			    (argv[i][l] == '\0' || argv[i][l] == '=')) {
				o = &limit_opts[k];
				arg = argv[i][l] == '=' ? argv[i] + l + 1 :
							  (i + 1 < argc ? argv[++i] : NULL);
				break;
			}
		}
		if (!o)
			return usage_error("unknown option \"%s\"", argv[i]);
		if (!arg)
			return usage_error("%s needs a value", o->name);
		r = parse_num(o, arg, &val[k]);
		if (r == -ERANGE && o->kind == PERCENT)
			return usage_error("%s: out of range (1%% to 1000000%%, or max)", o->name);
		if (r == -ERANGE && !o->max_ok)
			return usage_error("%s: out of range (1 to 10000)", o->name);
		if (r == -ERANGE)
			return usage_error(
				"%s: out of range (too large, or 0 where at least 1 is needed)",
				o->name);
		if (r < 0) {
			return usage_error("%s: invalid value \"%s\" (use %s)", o->name, arg,
					   hint(o));
		}
		set[k] = any = true;
	}

	if ((r = sessions_scan(SESSION_ALL_USERS, &all, &n)) < 0) {
		err("%s: %s", CARREL_SESSIONS_DIR, strerror(-r));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char d[CG_MAX_HIER][CG_PATH_MAX];
		if (strcmp(all[i].user, user) != 0)
			continue;
		if (first && all[i].cgroup_version != first->cgroup_version)
			continue; /* cannot happen on one machine: one version at a time */
		first = first ? first : &all[i];
		int k = session_user_dirs(&all[i], d, CG_MAX_HIER);
		for (int j = 0; j < k; j++) {
			bool seen = false;
			for (int m = 0; m < ndirs && !seen; m++)
				seen = strcmp(dirs[m], d[j]) == 0;
			if (!seen && ndirs < (int)ARRAY_SIZE(dirs))
				memcpy(dirs[ndirs++], d[j], CG_PATH_MAX);
		}
	}
	if (!first) {
		err("%s has no running carrel (limits change only live cgroups; "
		    "the configuration is in carrel.conf)",
		    user);
		return 1;
	}
	if (ndirs == 0) {
		err("%s: carrel %s names no cgroup", user, first->id);
		return 1;
	}
	session_read_limits(first, &cur);
	if (!any) {
		printf("# limits of %s (uid %u) now, on %s%s\n", user, (unsigned)first->uid,
		       dirs[0], ndirs > 1 ? " and its other hierarchies" : "");
		session_print_limits(stdout, &cur, "");
		return fflush(stdout) == 0 ? 0 : 1;
	}
	want = cur;
	for (size_t k = 0; k < ARRAY_SIZE(limit_opts); k++)
		if (set[k])
			set_limit(&want, k, val[k]);

	if ((lock = lock_carrels()) < 0) {
		err("%s: %s", CARREL_LOCK_FILE, strerror(-lock));
		return 1;
	}
	/* systemd: the slice's properties, set by systemd (one call: all or
	 * nothing), which then keeps them across daemon-reload. */
	if (first->unit[0]) {
		if ((r = cg_systemd_set_user_limits(first->uid, &want, &failed)) < 0) {
			err("%s: %s", user, failed);
			return 1;
		}
		return 0;
	}
	r = apply(first->cgroup_version == 2, dirs, ndirs, &want, &done, &failed);
	if (r < 0) {
		char f[CG_PATH_MAX + 64];
		const char *back = "?";
		int undone;
		snprintf(f, sizeof(f), "%s", failed);
		/* Put back what was written: all or nothing. */
		int rr = apply(first->cgroup_version == 2, dirs, done + 1, &cur, &undone, &back);
		err("%s: cannot write %s: %s%s%s; %s", user, f, strerror(-r),
		    r == -EBUSY ? " (is the memory in use above the new limit?)" : "",
		    r == -EINVAL ? " (does the kernel accept this value here?)" : "",
		    rr < 0 ? "putting the old limits back failed too" : "the old limits are back");
		return 1;
	}
	return 0;
}

/* ----------------------------------------------------------- check-config */

/* The helper's check-config: one implementation of what a login would
 * refuse (it drops privileges first for a non-root caller). */
static int cmd_check_config(int argc, char **argv)
{
	char *args[6] = { "carrel-helper", "check-config", NULL, NULL, NULL, NULL };
	char *envp[] = { NULL };
	int n = 2;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc && n <= 3) {
			args[n++] = argv[i];
			args[n++] = argv[++i];
		} else if (argv[i][0] != '-' && n <= 4) {
			args[n++] = argv[i];
		} else {
			return usage_error("unexpected argument \"%s\"", argv[i]);
		}
	}
	fflush(stdout);
	execve(CARREL_HELPER_PATH, args, envp);
	err("cannot run %s: %s", CARREL_HELPER_PATH, strerror(errno));
	return 1;
}

/* ------------------------------------------------------------------- main */

static const struct command {
	const char *name;
	const char *synopsis;
	bool root_only;
	const char *refusal; /* for everyone else */
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "list", "list [--json]", false, NULL, cmd_list },
	{ "show", "show ID [--json] [--config PATH]", false, NULL, cmd_show },
	{ "kill", "kill ID", true, "only root may end a carrel (log out to end your own)",
	  cmd_kill },
	{ "freeze", "freeze ID", true, "only root may freeze a carrel", cmd_freeze },
	{ "thaw", "thaw ID", true, "only root may thaw a carrel", cmd_freeze },
	{ "enter", "enter ID [COMMAND [ARG...]]", true,
	  "only root may use carrelctl enter (to enter your own carrel: " CARREL_USER_PATH
	  " enter ID)",
	  cmd_enter },
	{ "limits",
	  "limits USER [--memory-max SIZE] [--memory-swap-max SIZE] [--pids-max N|max]\n"
	  "                 [--cpu-max PCT%|max] [--cpu-weight N] [--io-weight N]",
	  true, "only root may change limits", cmd_limits },
	{ "check-config", "check-config [FILE] [--user NAME]", false, NULL, cmd_check_config },
};

static void usage(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "%s carrelctl %s\n", i ? "      " : "usage:", commands[i].synopsis);
	fprintf(f, "list and show work for every user (who sees only their own carrels);\n"
		   "kill, freeze, thaw, enter and limits are for root.  See carrelctl(8).\n");
}

int main(int argc, char **argv)
{
	const struct command *c = NULL;

	cmd = "usage";
	if (getuid() != geteuid() || getgid() != getegid()) {
		fprintf(stderr, "carrelctl: must not run set-user-ID or set-group-ID\n");
		return 1;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			c = &commands[i];
	if (!c) {
		fprintf(stderr, "carrelctl: unknown command \"%s\"\n", argv[1]);
		usage(stderr);
		return 2;
	}
	cmd = c->name;
	synopsis = c->synopsis;
	if (c->root_only && geteuid() != 0) {
		err("permission denied: %s", c->refusal);
		return 1;
	}
	signal(SIGPIPE, SIG_DFL);
	return c->run(argc, argv);
}
