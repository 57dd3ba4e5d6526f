/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reaping: what a keeper that died without tearing down (kill -9, the OOM
 * killer, a crash, a reboot that kept the cgroups) left behind.  One reaper,
 * called by the keeper of the next login (off the login's path, after its
 * reply) and by carrelctl.
 *
 * Liveness is the kernel's: a keeper holds the lock on ID.live for its
 * whole life (lib/state.h), and the reaper of a dead carrel holds that same
 * lock while it reaps, so that a carrel is never reaped while its keeper
 * lives, nor twice.  A pid read from the state file is only used through a
 * pidfd, and only after the process was seen in the dead carrel's cgroups:
 * a reused pid is never signalled.
 */
#include "carrel.h"
#include "state_live.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

static void path_of(char *buf, size_t size, const char *id, const char *suffix)
{
	snprintf(buf, size, CARREL_SESSIONS_DIR "/%s%s", id, suffix);
}

/* A keeper of a version without ID.live: its pid in the state file, still
 * running as the keeper of ID (its title is "carrel-keeper ID USER"). */
static bool legacy_keeper_runs(const char *id)
{
	_cleanup_free_ struct session *s = calloc(1, sizeof(*s));
	char path[64], buf[128], want[64];
	ssize_t n;

	if (!s)
		return true; /* cannot tell: never reap what may live */
	if (session_load(id, s) < 0 || s->keeper <= 0)
		return false; /* no (readable) state file: nothing names a keeper */
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)s->keeper);
	if (read_file(path, buf, sizeof(buf)) <= 0 || strcmp(buf, "carrel-keeper\n") != 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)s->keeper);
	snprintf(want, sizeof(want), "carrel-keeper %s ", id);
	n = read_file(path, buf, sizeof(buf));
	return n > 0 && strncmp(buf, want, strlen(want)) == 0;
}

bool carrel_session_in_use(const char *id)
{
	char path[128];
	int r = carrel_session_alive(id);

	if (r != 0)
		return true; /* alive, or cannot tell */
	path_of(path, sizeof(path), id, STATE_LIVE_SUFFIX);
	if (access(path, F_OK) == 0)
		return false; /* a .live file nobody holds: its keeper is gone */
	return legacy_keeper_runs(id);
}

/* A login process of S that still runs inside the carrel: it is on its
 * way out (its session died with the holder); reap once it has gone. */
static bool login_inside(const struct session *s, const struct cg_session *cg)
{
	for (int i = 0; i < s->nlogins; i++) {
		_cleanup_close_ int pidfd = pidfd_open_pid(s->logins[i].pid);
		if (pidfd >= 0 && cg_is_in(cg, NULL, s->logins[i].pid) == 1 && pidfd_get_pid(pidfd) > 0)
			return true;
	}
	return false;
}

/* SIGKILL the holder of S, if it still runs and is that carrel's: in its
 * cgroups and named as the holder (or, before its exec, the keeper's
 * copy).  Pinned by a pidfd before the checks, signalled through it. */
static void kill_holder(const struct session *s, const struct cg_session *cg)
{
	_cleanup_close_ int pidfd = s->holder > 0 ? pidfd_open_pid(s->holder) : -1;
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	char path[64], comm[32];

	if (pidfd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)s->holder);
	if (read_file(path, comm, sizeof(comm)) <= 0 ||
	    (strcmp(comm, "carrel-holder\n") != 0 && strcmp(comm, "carrel-keeper\n") != 0))
		return;
	if (cg_is_in(cg, NULL, s->holder) != 1 || pidfd_get_pid(pidfd) != s->holder)
		return; /* not (or no longer) that carrel's process */
	(void)pidfd_signal(pidfd, SIGKILL);
	(void)poll(&p, 1, 2000);
}

/* Unlink PATH; ENOENT is fine (another teardown or reaper was first). */
static int unlink_checked(const char *path, struct carrel_error *err)
{
	if (unlink(path) == 0 || errno == ENOENT)
		return 0;
	carrel_error_set(err, "cannot remove %s: %s", path, strerror(errno));
	return -errno;
}

/*
 * The global carrel lock (CARREL_LOCK_FILE), for the shared cgroup tree.
 * Bounded: 40 tries 25 ms apart.  The reaper runs off every login's path
 * (the keeper after its reply, carrelctl), and a lock it cannot get only
 * leaves an empty cgroup for the next reap.
 */
static int global_lock(void)
{
	struct timespec tick = { .tv_nsec = 25 * 1000 * 1000 };
	int fd = open(CARREL_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

	if (fd < 0)
		return -errno;
	for (int i = 0; i < 40; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK)
			break;
		nanosleep(&tick, NULL);
	}
	int r = errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
	fd = safe_close(fd);
	return r;
}

/* scope = user: users/UID, if it still names carrel ID, under the user's
 * lock (not waited for: a login of the user holds it and replaces the
 * file anyway). */
static void forget_user(const struct session *s)
{
	char path[128], id[32];
	_cleanup_close_ int lock = -1;

	if (strcmp(s->scope, "user") != 0)
		return;
	snprintf(path, sizeof(path), CARREL_USERS_DIR "/%u.lock", (unsigned)s->uid);
	lock = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0)
		return;
	snprintf(path, sizeof(path), CARREL_USERS_DIR "/%u", (unsigned)s->uid);
	if (read_file(path, id, sizeof(id)) > 0 && strtoull(id, NULL, 10) == strtoull(s->id, NULL, 10))
		(void)unlink(path);
}

/* The carrel's cgroups: its processes killed, the dirs removed, the
 * user's dir too if it is now empty. */
static int reap_cgroups(const struct session *s, struct cg_session *cg, struct carrel_error *err)
{
	struct carrel_error e = { 0 };
	int r = 0, lock;

	kill_holder(s, cg);
	(void)cg_kill(cg, NULL, 0);
	(void)cg_release(cg, NULL);
	if (cg_remove(cg, &e) < 0) {
		carrel_error_set(err, "%s; its files stay for the next reap", e.msg);
		return -EAGAIN;
	}
	if ((lock = global_lock()) < 0) {
		carrel_error_set(err, "%s: %s; the user's cgroup stays", CARREL_LOCK_FILE, strerror(-lock));
		r = lock;
	} else {
		cg_remove_user(cg);
	}
	lock = safe_close(lock);
	return r;
}

int carrel_reap_session(const char *id, struct carrel_error *err)
{
	_cleanup_close_ int live = -1;
	_cleanup_free_ struct session *s = NULL;
	_cleanup_cg_ struct cg_session *cg = NULL;
	struct carrel_error e = { 0 };
	char path[128];
	int r = 0, q;

	if (!session_valid_id(id))
		return -EINVAL;
	if (carrel_session_in_use(id))
		return -EBUSY;
	/* Ours from here: a second reaper (or a late look) finds it locked. */
	live = carrel_session_live_lock(id, true);
	if (live == -EWOULDBLOCK || live == -ESTALE)
		return -EBUSY; /* alive, or another reaper has just done it */
	if (live < 0) {
		carrel_error_set(err, "%s/%s%s: %s", CARREL_SESSIONS_DIR, id, STATE_LIVE_SUFFIX, strerror(-live));
		return live;
	}
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	/* An empty state file (the helper died before its keeper wrote it), a
	 * broken one, or none: only files to remove here; cgroups that no
	 * carrel owns are reaped by carrel_reap_all(). */
	bool loaded = session_load(id, s) == 0;
	if (loaded && s->ncg > 0 && (cg = cg_session_new()) &&
	    cg_from_state(cg, s->uid, s->id, s->cgroup_version, s->unit, (const char(*)[CG_PATH_MAX])s->cgroup,
			  s->ncg, &e) == 0) {
		if (login_inside(s, cg))
			return -EBUSY;
		r = reap_cgroups(s, cg, err);
		if (r == -EAGAIN)
			return r; /* its files stay: the next reap tries again */
	}
	if (loaded)
		forget_user(s);
	/* network = nat: its address lease, egress rules and shaping (net/net.h). */
	(void)carrel_net_release(id);
	/* selinux_categories: its category pair, if its keeper was killed. */
	(void)carrel_mcs_release(CARREL_MCS_DIR, id);
	path_of(path, sizeof(path), id, ".sock");
	if ((q = unlink_checked(path, err)) < 0)
		r = q;
	path_of(path, sizeof(path), id, "");
	if ((q = unlink_checked(path, err)) < 0)
		r = q;
	/* Last, still locked: whoever opens it now sees the lock released, a
	 * dead carrel with nothing left, and finds no state to act on. */
	path_of(path, sizeof(path), id, STATE_LIVE_SUFFIX);
	if ((q = unlink_checked(path, err)) < 0)
		r = q;
	return r;
}

/* "ID" or "ID.live" (a helper that died before its keeper wrote ID): the
 * carrel ID; else NULL. */
static const char *entry_id(const char *name, char *id, size_t size)
{
	size_t n = strspn(name, "0123456789");

	if (n == 0 || n >= size || (name[n] && strcmp(name + n, STATE_LIVE_SUFFIX) != 0))
		return NULL;
	memcpy(id, name, n);
	id[n] = '\0';
	return session_valid_id(id) ? id : NULL;
}

/*
 * A sweep probes a bounded share of the carrels, not all of them: each
 * login's keeper sweeps after its reply, and with 500 carrels open that was
 * 1,000 lock probes per login (a state file's, then a session cgroup's),
 * beside the next open on the same CPUs (bench/RESULTS.md, round 9).  Up to
 * REAP_SHARE carrels every sweep looks at all of them (what a login on a
 * machine of a few dozen sessions did before, and every test of reaping);
 * above it, the ids fall into ceil(N / REAP_SHARE) shares by a hash of the
 * id, and a sweep probes the one share that its own carrel's id picks.
 * Logins' ids are consecutive, their hashes are not: a dead carrel is
 * reaped within about ceil(N / REAP_SHARE) logins on average.
 */
#define REAP_SHARE 64

struct reap_share {
	uint32_t parts, pick;
};

static uint32_t id_hash(const char *id)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h;
}

static bool in_share(const struct reap_share *share, const char *id)
{
	return share->parts <= 1 || id_hash(id) % share->parts == share->pick;
}

/* cg_reap_stale()'s question: one outside this sweep's SHARE counts as in use. */
static bool in_use_or_not_ours(const char *id, const void *share)
{
	return !in_share(share, id) || carrel_session_in_use(id);
}

int carrel_reap_all(const struct cg_session *cg, const char *skip,
		    void (*log)(const char *id, const struct carrel_error *err))
{
	DIR *d = opendir(CARREL_SESSIONS_DIR);
	struct dirent *de;
	char idbuf[24], path[128];
	int reaped = 0, lock;
	uint32_t n = 0;
	struct reap_share share;

	/* The carrels (state files) there are: how many shares. */
	while (d && (de = readdir(d)))
		if (entry_id(de->d_name, idbuf, sizeof(idbuf)) && !de->d_name[strlen(idbuf)])
			n++;
	share.parts = n / REAP_SHARE + 1;
	share.pick = id_hash(skip ? skip : "") % share.parts;
	if (d)
		rewinddir(d);
	while (d && (de = readdir(d))) {
		struct carrel_error e = { 0 };
		const char *id = entry_id(de->d_name, idbuf, sizeof(idbuf));
		int r;
		if (!id || (skip && strcmp(id, skip) == 0) || !in_share(&share, id))
			continue;
		/* ID.live next to ID: the state file's entry does it. */
		path_of(path, sizeof(path), id, "");
		if (de->d_name[strlen(id)] && access(path, F_OK) == 0)
			continue;
		r = carrel_reap_session(id, &e);
		if (r == 0)
			reaped++;
		else if (r != -EBUSY && log)
			log(id, &e);
	}
	if (d)
		closedir(d);
	/* Session cgroups of this user whose carrel is gone with its state
	 * (a wiped /run), and empty per-user cgroups: only if the carrel lock
	 * is free now.  Every login's keeper comes here; under load (200
	 * logins at once) waiting for the lock each time held up the logins
	 * that need it to open, and some were refused at its 8 s bound.  A
	 * later login finds it free. */
	if (cg && (lock = open(CARREL_LOCK_FILE, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY)) >= 0) {
		if (flock(lock, LOCK_EX | LOCK_NB) == 0)
			cg_reap_stale(cg, in_use_or_not_ours, &share);
		lock = safe_close(lock);
	}
	return reaped;
}
