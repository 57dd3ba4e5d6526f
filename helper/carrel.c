/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * open: everything that happens in the helper process itself, before it
 * forks the keeper and exits.  Runs as root (the caller was checked).
 */
#include "carrel.h"
#include "keeper_client.h"
#include "state.h"
#include "util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>

/* flock(LOCK_EX) on PATH (created 0600); returns the fd that holds it. */
static int lock_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			closep(&fd);
			return -errno;
		}
	}
	return fd;
}

int carrel_lock(void)
{
	return lock_file(CARREL_LOCK_FILE);
}

/* The next session number. Caller holds the carrel lock. */
static int next_id(char *id, size_t size)
{
	_cleanup_close_ int fd = open(CARREL_SEQ_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	char buf[32] = "";
	uint64_t n;

	if (fd < 0)
		return -errno;
	if (pread(fd, buf, sizeof(buf) - 1, 0) < 0)
		return -errno;
	n = strtoull(buf, NULL, 10) + 1;
	snprintf(id, size, "%" PRIu64, n);
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", n);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, strlen(buf), 0) < 0)
		return -errno;
	return 0;
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

void carrel_cleanup(struct carrel *c)
{
	char path[128];
	int lock;

	if (c->cg.n > 0) {
		cg_systemd_release(&c->cg);
		cg_kill(&c->cg);
		int r = cg_remove_session(&c->cg);
		if (r < 0)
			syslog(LOG_ERR, "session %s: cannot remove its cgroups: %s", c->id, strerror(-r));
		lock = carrel_lock();
		cg_remove_user(&c->cg);
		closep(&lock);
	}
	if (c->id[0]) {
		snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s.sock", c->id);
		(void)unlink(path);
		snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s", c->id);
		(void)unlink(path);
	}
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

bool carrel_session_live(const char *id)
{
	char path[128];

	snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%.40s", id);
	return access(path, F_OK) == 0;
}

static int open_fail(struct carrel_reply *reply, int r, const char *step, const char *what)
{
	proto_error(reply, r, step, "%s: %s", what, strerror(-r));
	return r;
}

int carrel_open(struct carrel *c, struct carrel_reply *reply)
{
	const char *failed = "";
	int r, lock;

	if ((r = ensure_root_dir(CARREL_RUNDIR, 0755)) < 0)
		return open_fail(reply, r, "state directory", CARREL_RUNDIR);
	/* Who is logged in from where is for root (and the helper) only. */
	if ((r = ensure_root_dir(CARREL_SESSIONS_DIR, 0700)) < 0)
		return open_fail(reply, r, "state directory", CARREL_SESSIONS_DIR);

	lock = carrel_lock();
	if (lock < 0)
		return open_fail(reply, lock, "lock", CARREL_LOCK_FILE);
	if ((r = next_id(c->id, sizeof(c->id))) < 0) {
		closep(&lock);
		return open_fail(reply, r, "session id", CARREL_SEQ_FILE);
	}
	/* The state file exists from here on (the keeper fills it in), so that
	 * cg_reap_stale() of a concurrent login never takes this session's
	 * cgroups for a dead one's. */
	if ((r = placeholder(c->id)) < 0) {
		closep(&lock);
		c->id[0] = '\0';
		return open_fail(reply, r, "state file", CARREL_SESSIONS_DIR);
	}
	r = cg_prepare(&c->cg, c->logins[0].pid, c->policy.cgroup_parent, c->uid, c->id);
	if (r < 0) {
		closep(&lock);
		c->cg.n = 0;
		open_fail(reply, r, "cgroup",
			  r == -EOPNOTSUPP ? "cgroup_parent = systemd needs the unified (v2) hierarchy"
			  : r == -EHOSTDOWN ? "cgroup_parent = systemd, but systemd is not PID 1 here"
					    : "no usable cgroup hierarchy");
		carrel_cleanup(c); /* the placeholder state file */
		return r;
	}
	/* Under systemd carrel kills no cgroup: what the carrel started ends
	 * with its pid namespace, or (the user manager's carrel, which has
	 * none) with its unit, which the keeper kills. */
	if (c->cg.systemd && !(c->policy.namespaces & CARREL_NS_PID) && strncmp(c->cg.unit, "user@", 5) != 0) {
		closep(&lock);
		open_fail(reply, -EINVAL, "cgroup", "cgroup_parent = systemd needs the pid namespace");
		c->cg.n = 0;
		carrel_cleanup(c);
		return -EINVAL;
	}
	/* systemd: nothing of carrel's own to create under the lock; the
	 * D-Bus calls must not hold up every other login. */
	if (c->cg.systemd)
		closep(&lock);
	r = cg_create(&c->cg, &c->policy.limits, &failed);
	closep(&lock);
	if (r < 0) {
		open_fail(reply, r, "cgroup", failed);
		carrel_cleanup(c);
		return r;
	}
	expand_hostname(c);
	c->started = time(NULL);
	return 0;
}

static int user_lock(uid_t uid)
{
	char path[128];
	int r;

	if ((r = ensure_root_dir(CARREL_RUNDIR, 0755)) < 0 ||
	    (r = ensure_root_dir(CARREL_USERS_DIR, 0700)) < 0)
		return r;
	snprintf(path, sizeof(path), CARREL_USERS_DIR "/%u.lock", (unsigned)uid);
	return lock_file(path);
}

int carrel_attach_existing(const struct carrel *c, const struct login *l, int *lock)
{
	struct carrel_attach a = { .op = CARREL_CTL_ATTACH, .pid = l->pid, .uid = (uint32_t)c->uid };
	char path[128], id[24];
	int fds[2] = { l->sock, l->pidfd };
	_cleanup_close_ int fd = -1;
	ssize_t n;

	*lock = user_lock(c->uid);
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
	if (fd < 0 || write(fd, id, strlen(id)) != (ssize_t)strlen(id) || rename(tmp, path) < 0)
		r = -errno;
	closep(&fd);
	closep(&c->user_lock); /* the next login of this user may look now */
	return r;
}

void carrel_forget_user(const struct carrel *c)
{
	char path[128], id[32];
	int lock = user_lock(c->uid);

	snprintf(path, sizeof(path), CARREL_USERS_DIR "/%u", (unsigned)c->uid);
	/* Only if it still names this carrel: a newer one may have taken over. */
	if (read_file(path, id, sizeof(id)) > 0 && strtoull(id, NULL, 10) == strtoull(c->id, NULL, 10))
		(void)unlink(path);
	closep(&lock);
}
