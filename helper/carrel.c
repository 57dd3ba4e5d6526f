/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * open: everything that happens in the helper process itself, before it
 * forks the keeper and exits.  Runs as root (the caller was checked).
 */
#include "carrel.h"
#include "keeper_client.h"
#include "state_live.h"
#include "util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <syslog.h>

_Static_assert(STATE_HOSTNAME_MAX == CARREL_HOSTNAME_MAX, "the state file holds the carrel's hostname");

/* How long a login waits for the global or a per-user lock before it is
 * refused; and all of one open's lock waits together (the user lock, the
 * session-id lock, the carrel lock and its gate), which would otherwise add
 * up to three times the first.  Both well inside the module's own bound on
 * the helper process. */
#define CARREL_LOCK_TIMEOUT_MS 8000
#define CARREL_LOCKS_BUDGET_MS 12000
_Static_assert(CARREL_LOCKS_BUDGET_MS * 2 < CARREL_HELPER_OPEN_MS, "an open's lock waits end well before the module stops waiting");

static void on_lock_alarm(int sig)
{
	(void)sig; /* only there to interrupt flock() */
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* How long the next lock wait of C's open may take: CARREL_LOCK_TIMEOUT_MS,
 * or what its earlier lock waits left of the budget if that is less (0: one
 * try, no wait).  Only the waits count: a helper slowed by a busy machine
 * in its other steps is not refused for that. */
static long lock_bound(const struct carrel *c)
{
	long left = CARREL_LOCKS_BUDGET_MS - c->lock_wait_ms;

	return left < 0 ? 0 : left < CARREL_LOCK_TIMEOUT_MS ? left : CARREL_LOCK_TIMEOUT_MS;
}

/*
 * flock(HOW: LOCK_EX or LOCK_SH) on PATH (created 0600), waiting at most TIMEOUT_MS
 * (0: not at all); returns the fd that holds it, or -ETIMEDOUT. flock() has no timeout of its
 * own: SIGALRM (unblocked and caught without SA_RESTART for the wait only)
 * interrupts it. The timer repeats every 50 ms after the first expiry, so a
 * signal that lands just before flock() blocks cannot make the wait endless.
 * Whoever holds the lock runs as root in a session of its own (main.c), so
 * no user can stop it; the bound is for a helper that hangs nevertheless.
 */
static int lock_file(const char *path, int how, long timeout_ms)
{
	struct sigaction sa = { .sa_handler = on_lock_alarm }, old_sa;
	struct itimerval it = { .it_value = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 },
				.it_interval = { 0, 50000 } },
			 off = { { 0, 0 }, { 0, 0 } }, old_it;
	sigset_t alrm, old_mask;
	struct timespec t0;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600), r;

	if (fd < 0)
		return -errno;
	if (flock(fd, how | LOCK_NB) == 0)
		return fd; /* not contended: no timer */
	r = errno == EWOULDBLOCK && timeout_ms <= 0 ? -ETIMEDOUT : -errno;
	if (errno != EWOULDBLOCK || timeout_ms <= 0) {
		fd = safe_close(fd);
		return r;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigaction(SIGALRM, &sa, &old_sa);
	sigprocmask(SIG_UNBLOCK, &alrm, &old_mask);
	setitimer(ITIMER_REAL, &it, &old_it);
	while ((r = flock(fd, how)) < 0 && errno == EINTR && ms_since(&t0) < timeout_ms)
		;
	r = r == 0 ? 0 : errno == EINTR ? -ETIMEDOUT : -errno;
	setitimer(ITIMER_REAL, &off, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	if (r < 0)
		fd = safe_close(fd);
	return r < 0 ? r : fd;
}

/*
 * The carrel lock, HOW = LOCK_EX or LOCK_SH, through its gate: flock() has
 * no writer priority, so logins that take it shared one after another
 * (one user's login storm) could keep an exclusive taker (another user's
 * first login, a teardown) out past its bound for ever.  Every taker holds
 * the gate exclusively while it waits for the lock and lets go once it has
 * it (a turnstile): a waiting exclusive taker holds the gate, so no new
 * shared taker gets past it.  One budget for both waits.
 */
static int carrel_lock_how(int how, long budget_ms)
{
	struct timespec t0;
	int gate, fd;
	long left;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	gate = lock_file(CARREL_LOCK_GATE_FILE, LOCK_EX, budget_ms);
	if (gate < 0)
		return gate;
	left = budget_ms - ms_since(&t0);
	fd = lock_file(CARREL_LOCK_FILE, how, left > 0 ? left : 0);
	closep(&gate);
	return fd;
}

int carrel_lock(void)
{
	return carrel_lock_how(LOCK_EX, CARREL_LOCK_TIMEOUT_MS);
}

/* The next session id is allocated under a lock of its own: nothing else
 * waits for it, and it waits for nothing that touches cgroups. */
#define CARREL_SEQ_LOCK_FILE CARREL_SEQ_FILE ".lock"

/* The next session number. Caller holds CARREL_SEQ_LOCK_FILE. The new number
 * goes to a temporary file that replaces the old one only when written in
 * full: a failed or short write (a full /run, a file size limit) refuses
 * this login and never hands out a number twice. */
static int next_id(char *id, size_t size)
{
	_cleanup_close_ int fd = open(CARREL_SEQ_FILE, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	char buf[32] = "", *end = NULL;
	const char *tmp = CARREL_SEQ_FILE ".new";
	uint64_t n;
	ssize_t len;
	int r = 0;

	if (fd < 0)
		return -errno;
	if ((len = pread(fd, buf, sizeof(buf) - 1, 0)) < 0)
		return -errno;
	errno = 0;
	n = strtoull(buf, &end, 10);
	/* Empty: the first login. Anything else that is not a number and a
	 * newline: never guess, a guess may be a number already used. */
	if (len > 0 && (errno || end == buf || (*end && *end != '\n')))
		return -EBADMSG;
	n++;
	snprintf(id, size, "%" PRIu64, n);
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", n);
	closep(&fd);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	if (fd < 0)
		return -errno;
	if ((r = write_all(fd, buf, strlen(buf))) < 0 || rename(tmp, CARREL_SEQ_FILE) < 0) {
		r = r < 0 ? r : -errno;
		(void)unlink(tmp);
	}
	return r;
}

/* Expand %u %n %h %% and keep only characters a hostname may carry. */
static void expand_hostname(struct carrel *c)
{
	char host[CARREL_HOSTNAME_MAX + 1] = "";
	const char *t = c->policy.hostname;
	size_t o = 0, max = sizeof(c->hostname) - 1;

	gethostname(host, sizeof(host) - 1);
	for (; *t && o < max; t++) {
		const char *sub = NULL;
		char one[2] = { *t, 0 };
		if (*t == '%' && t[1]) {
			t++;
			sub = *t == 'u' ? c->user : *t == 'n' ? c->id : *t == 'h' ? host : *t == '%' ? "%" : "";
		} else {
			sub = one;
		}
		for (; *sub && o < max; sub++) {
			char ch = *sub;
			bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				  (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
			c->hostname[o++] = ok ? ch : '-';
		}
	}
	c->hostname[o] = '\0';
	if (o == 0)
		snprintf(c->hostname, sizeof(c->hostname), "carrel-%s", c->id);
}

/* Unlink PATH; say so in the log if it fails for another reason than
 * being gone already. */
static void unlink_logged(const struct carrel *c, const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		syslog(LOG_ERR, "session %s: cannot remove %s: %m; the next reap removes it", c->id, path);
}

void carrel_cleanup(struct carrel *c)
{
	struct carrel_error e = { 0 };
	char path[128];
	bool cg_left = false;
	int lock;

	if (c->cg) {
		/* Processes only once the carrel stood (the keeper's teardown):
		 * a failed open has started none. */
		if (c->started)
			(void)cg_kill(c->cg, NULL, 0);
		if (cg_release(c->cg, &e) < 0)
			syslog(LOG_ERR, "session %s: %s", c->id, e.msg);
		/* The keeper's teardown has nobody waiting on it: with hundreds
		 * of carrels torn down at once on 2 CPUs (t-97-load) the killed
		 * processes can take longer than one remove's 3 s to leave. */
		cg_left = cg_remove(c->cg, &e) < 0;
		for (int again = 0; cg_left && c->started && again < 3; again++)
			cg_left = cg_remove(c->cg, &e) < 0;
		/* Cgroups that stay keep their record: the state file and the
		 * unlocked ID.live, so that a later reap removes them together
		 * (an orphan cgroup without a state file waits for a sweep). */
		if (cg_left)
			syslog(LOG_ERR, "session %s: cannot remove its cgroups: %s; its state stays for the next reap",
			       c->id, e.msg);
		/* Nobody waits on this: a lock that fails for a moment (no fd
		 * left, EMFILE under t-97-faults) is tried again, twice, before
		 * the user's cgroup is left to a later login's reap. */
		lock = carrel_lock();
		for (int again = 0; lock < 0 && lock != -ETIMEDOUT && again < 2; again++) {
			(void)usleep(100 * 1000);
			lock = carrel_lock();
		}
		if (lock >= 0)
			cg_remove_user(c->cg); /* else a later login's reap removes it */
		else
			syslog(LOG_ERR, "session %s: %s: %s; the user's cgroup stays", c->id, CARREL_LOCK_FILE,
			       strerror(-lock));
		closep(&lock);
	}
	if (c->id[0]) {
		/* network = nat: the keeper released it (carrel_net_close). */
		snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s.sock", c->id);
		unlink_logged(c, path);
		snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s", c->id);
		if (!cg_left)
			unlink_logged(c, path);
		/* Last, and only while still holding its lock: until here a
		 * reaper sees the carrel alive and keeps off. */
		if (c->live_fd >= 0 && !cg_left) {
			snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s" STATE_LIVE_SUFFIX, c->id);
			unlink_logged(c, path);
		}
	}
	closep(&c->live_fd);
}

static int placeholder(const char *id)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s", id);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	closep(&fd);
	return 0;
}

static int open_fail(struct carrel_reply *reply, int r, const char *step, const char *what)
{
	proto_error(reply, r, step, "%s: %s", what, strerror(-r));
	return r;
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/*
 * The session's cgroups, under the carrel lock: shared where a login has
 * written these limits to carrel/ and user-UID already (the common case:
 * nothing of the shared tree to write, and no writer of it - a teardown
 * or reap removing user-UID, a live limit change, a login with other
 * limits - can run meanwhile), exclusive otherwise.  Measured at 200
 * concurrent ssh logins of one user on 2 CPUs (t-97-load, tests/RESULTS.md
 * round 5): with every create under the exclusive lock, logins waited for
 * it in a queue, 5 s at the median, and 19 of 200 were refused at its 8 s
 * bound, though it was held for 56 ms at the median: each hand-over waits
 * for the next helper to get a CPU.  Shared holders need no hand-over.
 * systemd: nothing of carrel's own to create under the lock; the D-Bus
 * calls must not hold up every other login.
 */
static int create_cgroups(struct carrel *c, struct carrel_error *e, long *wait_ms, long *hold_ms, bool *shared)
{
	const struct carrel_limits *lim = &c->policy.limits;
	struct timespec t0, t1;
	int lock = -1, r;

	if (!cg_create_needs_lock(c->cg)) {
		r = cg_create_shared(c->cg, lim, e);
		return r < 0 ? r : cg_create_own(c->cg, lim, e);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long bound = lock_bound(c);
	lock = carrel_lock_how(LOCK_SH, bound);
	if (lock >= 0 && !(*shared = cg_limits_applied(c->cg, lim))) {
		/* flock() cannot turn a shared lock into an exclusive one
		 * atomically anyway: let go, and take it anew, within what is
		 * left of the same bound. */
		closep(&lock);
		lock = carrel_lock_how(LOCK_EX, bound - ms_since(&t0));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*wait_ms = ms_between(&t0, &t1);
	c->lock_wait_ms += *wait_ms;
	if (lock < 0) {
		snprintf(e->msg, sizeof(e->msg), "%s: %s after %ld ms (this login's lock waits: %ld ms in all, at most %d)",
			 CARREL_LOCK_FILE, strerror(-lock), *wait_ms, c->lock_wait_ms, CARREL_LOCKS_BUDGET_MS);
		snprintf(e->step, sizeof(e->step), "lock");
		/* Nothing of the session's made yet: its cleanup must not wait
		 * for the same lock a second time (a lock held by a hung process
		 * would then outlast the module's bound on the helper, and the
		 * state files would stay). */
		cg_session_freep(&c->cg);
		return lock;
	}
	r = *shared ? 0 : cg_create_shared(c->cg, lim, e);
	if (r >= 0)
		r = cg_create_own(c->cg, lim, e);
	closep(&lock);
	*hold_ms = ms_since(&t1);
	return r;
}

static int open_carrel(struct carrel *c, struct carrel_reply *reply)
{
	struct carrel_error e = { 0 };
	struct timespec t0, t_lock;
	long id_ms, wait_ms = 0, hold_ms = 0;
	bool shared = false;
	int r, lock;

	c->live_fd = -1;
	if ((r = ensure_root_dir(CARREL_RUNDIR, 0755)) < 0)
		return open_fail(reply, r, "state directory", CARREL_RUNDIR);
	/* Who is logged in from where is for root (and the helper) only. */
	if ((r = ensure_root_dir(CARREL_SESSIONS_DIR, 0700)) < 0)
		return open_fail(reply, r, "state directory", CARREL_SESSIONS_DIR);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	lock = lock_file(CARREL_SEQ_LOCK_FILE, LOCK_EX, lock_bound(c));
	clock_gettime(CLOCK_MONOTONIC, &t_lock);
	c->lock_wait_ms += ms_between(&t0, &t_lock);
	if (lock < 0) {
		proto_error(reply, lock, "lock", "%s: %s (this login's lock waits: %ld ms in all, at most %d)",
			    CARREL_SEQ_LOCK_FILE, strerror(-lock), c->lock_wait_ms, CARREL_LOCKS_BUDGET_MS);
		return lock;
	}
	if ((r = next_id(c->id, sizeof(c->id))) < 0) {
		closep(&lock);
		return open_fail(reply, r, "session id", CARREL_SEQ_FILE);
	}
	/* Alive from here (lib/state.h): the keeper inherits this lock and
	 * holds it for its whole life.  Before the state file, so that a
	 * reaper (which takes no carrel lock) never finds a state file without
	 * a held .live and takes this carrel for a dead one. */
	/* A new id's ID.live: only a reaper's look can hold it, for a moment
	 * (carrel_reap_all() takes an ID.live without a state file for a
	 * helper that died, and finds this one before the state file
	 * exists), or have removed it under us: try again for up to 1 s. */
	for (int again = 0; again < 100; again++) {
		c->live_fd = carrel_session_live_lock(c->id, true);
		if (c->live_fd != -EWOULDBLOCK && c->live_fd != -ESTALE)
			break;
		usleep(10000);
	}
	if (c->live_fd < 0) {
		r = c->live_fd;
		closep(&lock);
		c->id[0] = '\0';
		return open_fail(reply, r, "state file", CARREL_SESSIONS_DIR "/ID" STATE_LIVE_SUFFIX);
	}
	/* The state file exists from here on (the keeper fills it in). */
	r = placeholder(c->id);
	closep(&lock);
	id_ms = ms_since(&t_lock);
	if (r < 0) {
		carrel_cleanup(c); /* the .live file */
		c->id[0] = '\0';
		return open_fail(reply, r, "state file", CARREL_SESSIONS_DIR);
	}
	if (!(c->cg = cg_session_new())) {
		open_fail(reply, -ENOMEM, "cgroup", "the session's cgroups");
		carrel_cleanup(c); /* the placeholder state file */
		return -ENOMEM;
	}
	r = cg_prepare(c->cg, c->logins[0].pid, c->policy.cgroup_parent, c->uid, c->id,
		       (c->policy.namespaces & CARREL_NS_PID) != 0, &e);
	if (r < 0) {
		cg_session_freep(&c->cg); /* nothing of its own made yet */
		proto_error(reply, r, "cgroup", "%s", e.msg);
		carrel_cleanup(c); /* the placeholder state file */
		return r;
	}
	r = create_cgroups(c, &e, &wait_ms, &hold_ms, &shared);
	syslog(LOG_DEBUG,
	       "session %s: id in %ld ms (its lock waited %ld ms); carrel lock (%s) waited %ld ms, held %ld ms",
	       c->id, id_ms, ms_between(&t0, &t_lock), shared ? "shared" : "exclusive", wait_ms, hold_ms);
	const struct carrel_limits *lim = &c->policy.limits;
	if (r >= 0 && (lim->cpuset_cpus[0] || lim->cpuset_mems[0] || lim->devices_deny[0][0] || lim->devices_allow[0][0])) {
		/* a cpuset cut to this machine, a device rule matching nothing */
		char warn[512];
		const char *key;
		struct carrel_error ignored = { 0 };

		if (cg_check_limits(lim, warn, sizeof(warn), &key, &ignored) == 0 && warn[0])
			syslog(LOG_WARNING, "session %s: %s", c->id, warn);
	}
	if (r < 0) {
		proto_error(reply, r, e.step[0] ? e.step : "cgroup", "%s", e.msg);
		carrel_cleanup(c);
		return r;
	}
	expand_hostname(c);
	c->started = time(NULL);
	return 0;
}

int carrel_open(struct carrel *c, struct carrel_reply *reply)
{
	return open_carrel(c, reply);
}

static int user_lock(uid_t uid, long timeout_ms)
{
	char path[128];
	int r;

	if ((r = ensure_root_dir(CARREL_RUNDIR, 0755)) < 0 ||
	    (r = ensure_root_dir(CARREL_USERS_DIR, 0700)) < 0)
		return r;
	snprintf(path, sizeof(path), CARREL_USERS_DIR "/%u.lock", (unsigned)uid);
	return lock_file(path, LOCK_EX, timeout_ms);
}

int carrel_attach_existing(struct carrel *c, const struct login *l, int *lock)
{
	struct carrel_attach a = { .op = CARREL_CTL_ATTACH, .pid = l->pid, .uid = (uint32_t)c->uid };
	char path[128], id[24];
	int fds[2] = { l->sock, l->pidfd };
	_cleanup_close_ int fd = -1;
	struct timespec t0;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	*lock = user_lock(c->uid, lock_bound(c));
	c->lock_wait_ms += ms_since(&t0);
	if (*lock < 0)
		return *lock;
	snprintf(path, sizeof(path), CARREL_USERS_DIR "/%u", (unsigned)c->uid);
	n = read_file(path, id, sizeof(id));
	if (n <= 0)
		return -ENOENT;
	id[strcspn(id, "\n")] = '\0';
	if (!session_valid_id(id))
		return -EINVAL;
	snprintf(a.service, sizeof(a.service), "%s", l->service);
	snprintf(a.tty, sizeof(a.tty), "%s", l->tty);
	snprintf(a.rhost, sizeof(a.rhost), "%s", l->rhost);
	/* The keeper answers the module itself; we only learn whether it took it. */
	fd = keeper_send(id, &a, sizeof(a), fds, 2, 3000);
	if (fd < 0 || keeper_wait_ack(fd, 3000) < 0)
		return -ENOENT;
	closep(lock);
	return 0;
}

int carrel_claim_user(struct carrel *c)
{
	char path[128], tmp[140], id[32];
	int fd, r = 0;

	snprintf(path, sizeof(path), CARREL_USERS_DIR "/%u", (unsigned)c->uid);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	snprintf(id, sizeof(id), "%s\n", c->id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		r = -errno;
	else if ((r = write_all(fd, id, strlen(id))) < 0 || rename(tmp, path) < 0)
		r = r < 0 ? r : -errno;
	closep(&fd);
	closep(&c->user_lock); /* the next login of this user may look now */
	return r;
}

void carrel_forget_user(const struct carrel *c)
{
	char path[128], id[32];
	int lock = user_lock(c->uid, CARREL_LOCK_TIMEOUT_MS);

	snprintf(path, sizeof(path), CARREL_USERS_DIR "/%u", (unsigned)c->uid);
	/* Only if it still names this carrel: a newer one may have taken over. */
	if (read_file(path, id, sizeof(id)) > 0 && strtoull(id, NULL, 10) == strtoull(c->id, NULL, 10))
		(void)unlink(path);
	closep(&lock);
}
