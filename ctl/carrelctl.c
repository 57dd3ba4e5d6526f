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
#include "ctrl.h"
#include "keeper_client.h"
#include "parse.h"
#include "proto_open.h"
#include "reap.h"
#include "relay.h"
#include "rundir.h"
#include "sessions.h"
#include "top.h"
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

/* The message for carrel ID that could not be read or shown (R < 0). */
static void no_carrel(const char *id, int r)
{
	if (r == -ENOENT)
		err("no carrel %s (see carrelctl list)", id);
	else if (r == -EAGAIN)
		err("carrel %s is still being opened; try again", id);
	else if (r == -EBADMSG)
		err("%s/%s is not a carrel state file", CARREL_SESSIONS_DIR, id);
	else
		err("carrel %s: %s", id, strerror(-r));
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
	if (r < 0)
		no_carrel(id, r);
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

static void reap_failed(const char *id, const struct carrel_error *e)
{
	err("reaping dead carrel %s: %s", id, e->msg);
}

/* Root: remove what dead carrels left (helper/reap.c) before listing, so
 * that a carrel whose keeper is gone is never shown as one. */
static int reap_dead(void)
{
	return geteuid() == 0 ? carrel_reap_all(NULL, NULL, reap_failed) : 0;
}

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
		(void)reap_dead();
		r = sessions_print(stdout, SESSION_ALL_USERS, json);
	}
	if (r < 0) {
		err("%s: %s", CARREL_SESSIONS_DIR, strerror(-r));
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

static int cmd_gc(int argc, char **argv)
{
	if (argc > 2)
		return usage_error("unexpected argument \"%s\"", argv[2]);
	printf("%d dead carrel(s) reaped\n", reap_dead());
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
	if (r < 0)
		no_carrel(id, r);
	return r < 0 || fflush(stdout) != 0 ? 1 : 0;
}

/* ------------------------------------------------------------ top, metrics */

/* The carrels top and metrics may show: every one for root, the caller's
 * own (carrel-user status) for anyone else. */
static int visible_carrels(struct session **all, int *n)
{
	int r;

	if (geteuid() == 0)
		return sessions_scan(SESSION_ALL_USERS, all, n);
	if ((r = own_records(NULL, all, n)) < 0)
		return r;
	return r ? 1 : 0; /* 1: carrel-user said what failed */
}

/* The message for what top or metrics returned: 0 or 1 to exit with. */
static int top_failed(int r)
{
	if (r < 0)
		err("%s", strerror(-r));
	return r != 0 || fflush(stdout) != 0;
}

/* SECONDS for -d: a decimal number within the bounds of top.h. */
static int parse_delay(const char *arg, int *ms)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(arg, &end);
	if (errno || end == arg || *end || !(d * 1000 >= TOP_DELAY_MIN_MS && d * 1000 <= TOP_DELAY_MAX_MS))
		return -EINVAL;
	*ms = (int)(d * 1000 + 0.5);
	return 0;
}

static int cmd_top(int argc, char **argv)
{
	struct top_options o = { .sort = TOP_SORT_CPU, .delay_ms = 1000 };

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--once") == 0) {
			o.once = true;
		} else if (strcmp(a, "--json") == 0) {
			o.json = true;
		} else if (strcmp(a, "-d") == 0 || strcmp(a, "-s") == 0 || strcmp(a, "-n") == 0) {
			const char *v = i + 1 < argc ? argv[++i] : NULL;
			char *end;
			if (!v)
				return usage_error("%s needs a value", a);
			if (a[1] == 'd' && parse_delay(v, &o.delay_ms) < 0)
				return usage_error("-d %s: seconds between refreshes, %g to %d", v,
						   TOP_DELAY_MIN_MS / 1000.0, TOP_DELAY_MAX_MS / 1000);
			if (a[1] == 's' && top_parse_sort(v, &o.sort) < 0)
				return usage_error("-s %s: sort by cpu, mem, io, pids, net or id", v);
			if (a[1] == 'n') {
				errno = 0;
				long k = strtol(v, &end, 10);
				if (errno || end == v || *end || k < 1 || k > 1000000)
					return usage_error("-n %s: how many tables, 1 to 1000000", v);
				o.iterations = (int)k;
			}
		} else {
			return usage_error("unexpected argument \"%s\"", a);
		}
	}
	return top_failed(top_run(stdout, &o, visible_carrels));
}

static int cmd_metrics(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("unexpected argument \"%s\"", argv[2]);
	return top_failed(metrics_print(stdout, visible_carrels));
}

/* ------------------------------------------------------------------- kill */

/*
 * A frozen carrel would stall the keeper's teardown (cgroup v1 keeps
 * killed tasks frozen).  The keeper gives the login processes their own
 * cgroups back first: SIGKILL everything else and only then thaw, so that
 * nothing of the carrel's runs again.  The same backend code as the
 * keeper's (cgroup/cgroup.h).
 */
static void kill_but_logins(const struct session *s)
{
	struct carrel_error e = { 0 };
	_cleanup_cg_ struct cg_session *cg = session_cgroups(s, &e);
	pid_t logins[CARREL_MAX_LOGINS];

	for (int i = 0; i < s->nlogins; i++)
		logins[i] = s->logins[i].pid;
	if (cg)
		(void)cg_kill(cg, logins, s->nlogins);
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
	kill_but_logins(s);
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

/* Freeze or thaw, and wait (bounded) until it is so: cgroup/cgroup.h. */
static int cmd_freeze(int argc, char **argv)
{
	_cleanup_free_ struct session *s = malloc(sizeof(*s));
	_cleanup_cg_ struct cg_session *cg = NULL;
	struct carrel_error e = { 0 };
	bool freeze = strcmp(argv[1], "freeze") == 0;

	if (argc != 3)
		return usage_error("expected exactly one carrel id");
	if (!s || load(argv[2], s) < 0)
		return 1;
	if (!(cg = session_cgroups(s, &e)) || cg_freeze(cg, freeze, &e) < 0) {
		err("carrel %s: %s", s->id, e.msg);
		return 1;
	}
	return 0;
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

/* flock(LOCK_EX) on PATH, tried until DEADLINE (now_ms()); the fd or -errno. */
static int lock_until(const char *path, long long deadline)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

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

/* Take the carrel lock (bounded): the helper creates and removes cgroups,
 * and writes a user's limits, under it (carrel_lock() in carrel.c).
 * Through its gate, held while waiting, as the helper does: logins that
 * hold it shared one after another cannot keep this out. */
static int lock_carrels(void)
{
	long long deadline = now_ms() + LOCK_MS;
	int gate = lock_until(CARREL_LOCK_GATE_FILE, deadline), fd;

	if (gate < 0)
		return gate;
	fd = lock_until(CARREL_LOCK_FILE, deadline);
	closep(&gate);
	return fd;
}

/*
 * `carrelctl limits` options for the cpusets and the list limits:
 * --cpuset-cpus LIST, --cpuset-mems LIST, and --io-max, --hugetlb-max,
 * --devices-deny, --devices-allow ITEM, each given once per item; the
 * items given replace the list ("" empties it).  Checked by the parsers
 * the config uses (lib/ctrl.c).
 */
struct ctrl_options {
	bool set[6];
	struct carrel_limits v; /* the values given */
};

static const struct {
	const char *opt, *label;
	size_t offset;
	bool list;
} ctrl_opts[] = {
	{ "--cpuset-cpus", "cpuset_cpus", offsetof(struct carrel_limits, cpuset_cpus), false },
	{ "--cpuset-mems", "cpuset_mems", offsetof(struct carrel_limits, cpuset_mems), false },
	{ "--io-max", "io_max", offsetof(struct carrel_limits, io_max), true },
	{ "--hugetlb-max", "hugetlb_max", offsetof(struct carrel_limits, hugetlb_max), true },
	{ "--devices-deny", "devices_deny", offsetof(struct carrel_limits, devices_deny), true },
	{ "--devices-allow", "devices_allow", offsetof(struct carrel_limits, devices_allow), true },
};

/* 1 if OPT is one of them (ARG taken), 0 if not, -EINVAL with WHY. */
static int ctrl_option(const char *opt, const char *arg, struct ctrl_options *o, char *why, size_t size)
{
	for (size_t k = 0; k < ARRAY_SIZE(ctrl_opts); k++) {
		char *field = (char *)&o->v + ctrl_opts[k].offset;
		struct carrel_cpuset cs;
		struct carrel_io_item io;
		struct carrel_hugetlb_item hp;
		struct carrel_dev_item dev;
		int r = 0;

		if (strcmp(opt, ctrl_opts[k].opt) != 0)
			continue;
		if (!arg) {
			snprintf(why, size, "%s needs a value", opt);
			return -EINVAL;
		}
		o->set[k] = true;
		if (!ctrl_opts[k].list) {
			if ((r = carrel_parse_cpuset(opt, arg, &cs, why, size)) < 0)
				return r;
			snprintf(field, CARREL_CPUSET_MAX + 1, "%s", arg);
			return 1;
		}
		if (!arg[0])
			return 1;
		char(*items)[CARREL_ITEM_MAX + 1] = (void *)field;
		size_t n = carrel_list_len((const void *)items);

		if (n == CARREL_LIST_MAX || strlen(arg) > CARREL_ITEM_MAX) {
			snprintf(why, size, "%s: at most %d items of %d characters", opt, CARREL_LIST_MAX, CARREL_ITEM_MAX);
			return -EINVAL;
		}
		if (k == 2)
			r = carrel_parse_io_item(opt, arg, &io, why, size);
		else if (k == 3)
			r = carrel_parse_hugetlb_item(opt, arg, &hp, why, size);
		else
			r = carrel_parse_dev_item(opt, arg, &dev, why, size);
		if (r < 0)
			return r;
		snprintf(items[n], CARREL_ITEM_MAX + 1, "%s", arg);
		return 1;
	}
	return 0;
}

static void ctrl_apply(const struct ctrl_options *o, struct carrel_limits *want)
{
	for (size_t k = 0; k < ARRAY_SIZE(ctrl_opts); k++)
		if (o->set[k])
			memcpy((char *)want + ctrl_opts[k].offset, (const char *)&o->v + ctrl_opts[k].offset,
			       ctrl_opts[k].list ? sizeof(want->io_max) : sizeof(want->cpuset_cpus));
}

static int cmd_limits(int argc, char **argv)
{
	_cleanup_free_ struct session *all = NULL;
	_cleanup_close_ int lock = -1;
	struct carrel_limits cur, want;
	/* One handle per distinct user cgroup (cgroup_parent = self gives
	 * sessions of one user different ones). */
	struct cg_session *cgs[CG_MAX_HIER] = { NULL };
	struct carrel_error e = { 0 };
	const struct session *first = NULL;
	const char *user;
	bool any = false;
	int n, ncg = 0, done, r, rc = 1;

	if (argc < 3 || argv[2][0] == '-')
		return usage_error("whose limits? (a user name)");
	user = argv[2];
	if (!valid_user_name(user)) {
		err("\"%s\" is not a valid user name", user);
		return 1;
	}
	/* Options first: a usage error changes nothing. */
	memset(&want, 0, sizeof(want));
	struct ctrl_options more = { 0 };
	bool set[CARREL_N_LIMITS] = { false };
	uint64_t val[CARREL_N_LIMITS] = { 0 };
	for (int i = 3; i < argc; i++) {
		const struct carrel_limit_key *k;
		char opt[40], why[512];
		uint64_t v = 0;
		const char *arg, *eq = strchr(argv[i], '=');

		snprintf(opt, sizeof(opt), "%.*s", eq ? (int)(eq - argv[i]) : (int)strlen(argv[i]),
			 argv[i]);
		arg = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
		/* The cpusets and list limits (lib/ctrl.h): the config's checks. */
		r = ctrl_option(opt, arg, &more, why, sizeof(why));
		if (r == 1) {
			i += !eq;
			any = true;
			continue;
		}
		if (r < 0)
			return usage_error("%s", why);
		/* lib/parse.c: the config's parser, so --memory-max 64G and
		 * memory_max = 64G cannot differ. */
		r = carrel_parse_limit_option(opt, arg, &k, &v, why, sizeof(why));
		if (r == -ENOENT)
			return usage_error("unknown option \"%s\"", argv[i]);
		if (!arg)
			return usage_error("%s needs a value", opt);
		if (r < 0)
			return usage_error("%s", why);
		i += !eq;
		val[k - carrel_limit_keys] = v;
		set[k - carrel_limit_keys] = any = true;
	}

	if ((r = sessions_scan(SESSION_ALL_USERS, &all, &n)) < 0) {
		err("%s: %s", CARREL_SESSIONS_DIR, strerror(-r));
		return 1;
	}
	for (int i = 0; i < n && ncg < (int)ARRAY_SIZE(cgs); i++) {
		if (strcmp(all[i].user, user) != 0)
			continue;
		first = first ? first : &all[i];
		struct cg_session *cg = session_cgroups(&all[i], &e);
		bool seen = !cg || cg_count(cg) == 0;
		for (int m = 0; m < ncg && !seen; m++)
			seen = strcmp(cg_user_path(cgs[m], 0), cg_user_path(cg, 0)) == 0;
		if (seen)
			cg_session_free(cg);
		else
			cgs[ncg++] = cg;
	}
	if (!first) {
		err("%s has no running carrel (limits change only live cgroups; "
		    "the configuration is in carrel.conf)",
		    user);
		goto out;
	}
	if (ncg == 0) {
		err("%s: carrel %s names no cgroup%s%s", user, first->id, e.msg[0] ? ": " : "", e.msg);
		goto out;
	}
	session_read_limits(first, &cur);
	if (!any) {
		printf("# limits of %s (uid %u) now, on %s%s\n", user, (unsigned)first->uid,
		       cg_user_path(cgs[0], 0),
		       ncg > 1 || cg_count(cgs[0]) > 1 ? " and its other hierarchies" : "");
		session_print_limits(stdout, &cur, "");
		rc = fflush(stdout) == 0 ? 0 : 1;
		goto out;
	}
	want = cur;
	for (size_t k = 0; k < CARREL_N_LIMITS; k++)
		if (set[k])
			carrel_limit_set(&want, &carrel_limit_keys[k], val[k]);
	ctrl_apply(&more, &want);

	if ((lock = lock_carrels()) < 0) {
		err("%s: %s", CARREL_LOCK_FILE, strerror(-lock));
		goto out;
	}
	/* Each handle writes all or nothing; those written before a failure
	 * get the old limits back. */
	for (done = 0; done < ncg; done++)
		if ((r = cg_set_limits(cgs[done], &want, &e)) < 0)
			break;
	if (done == ncg) {
		rc = 0;
		goto out;
	}
	bool back = true;
	for (int k = 0; k < done; k++)
		back = cg_set_limits(cgs[k], &cur, NULL) == 0 && back;
	err("%s: %s%s", user, e.msg, back ? "" : " (and putting the old limits back failed elsewhere)");
out:
	for (int k = 0; k < ncg; k++)
		cg_session_free(cgs[k]);
	return rc;
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
	{ "top", "top [--once] [--json] [-d SECONDS] [-s cpu|mem|io|pids|net|id] [-n COUNT]", false, NULL,
	  cmd_top },
	{ "metrics", "metrics", false, NULL, cmd_metrics },
	{ "gc", "gc", true, "only root may reap dead carrels", cmd_gc },
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
	  "                 [--cpu-max PCT%|max] [--cpu-weight N] [--io-weight N] [--memory-high SIZE|max]\n"
	  "                 [--cpuset-cpus LIST] [--cpuset-mems LIST] [--io-max ITEM]... [--hugetlb-max ITEM]...\n"
	  "                 [--devices-deny ITEM]... [--devices-allow ITEM]...",
	  true, "only root may change limits", cmd_limits },
	{ "check-config", "check-config [FILE] [--user NAME]", false, NULL, cmd_check_config },
};

static void usage(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "%s carrelctl %s\n", i ? "      " : "usage:", commands[i].synopsis);
	fprintf(f, "list, show, top and metrics work for every user (who sees only their own carrels);\n"
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
