/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * open: everything that happens in the helper process itself, before it
 * forks the keeper and exits.  Runs as root (the caller was checked).
 */
#include "carrel.h"
#include "util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>

int carrel_lock(void)
{
	int fd = open(CARREL_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

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
				  (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
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

	/* The login process: our parent. Held by pidfd from here on, so a
	 * recycled pid can never be mistaken for it. */
	c->login_pid = getppid();
	c->login_pidfd = pidfd_open_pid(c->login_pid);
	if (c->login_pidfd < 0)
		return open_fail(reply, c->login_pidfd, "login process", "pidfd_open");
	if (getppid() != c->login_pid)
		return open_fail(reply, -ESRCH, "login process", "it exited");

	lock = carrel_lock();
	if (lock < 0)
		return open_fail(reply, lock, "lock", CARREL_LOCK_FILE);
	if ((r = next_id(c->id, sizeof(c->id))) < 0) {
		closep(&lock);
		return open_fail(reply, r, "session id", CARREL_SEQ_FILE);
	}
	r = cg_prepare(&c->cg, c->login_pid, c->policy.cgroup_parent, c->uid, c->id);
	if (r < 0) {
		closep(&lock);
		c->cg.n = 0;
		return open_fail(reply, r, "cgroup", "no usable cgroup hierarchy");
	}
	r = cg_create(&c->cg, &c->policy.limits, &failed);
	closep(&lock);
	if (r < 0) {
		open_fail(reply, r, "cgroup", failed);
		carrel_cleanup(c);
		return r;
	}
	expand_hostname(c);
	return 0;
}
