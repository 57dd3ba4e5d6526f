/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cgroup.h"
#include "cgroup_systemd.h"
#include "util.h"

#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

/* v1 controllers a carrel uses: limits (memory, pids, cpu, blkio),
 * accounting (cpuacct) and freeze/thaw (freezer). */
static const char *const v1_wanted[] = { "memory", "pids", "cpu", "cpuacct", "freezer", "blkio" };

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		/* v1 lists are comma-separated, cgroup.controllers space-separated. */
		if ((p == list || strchr(", \n", p[-1])) && (p[n] == '\0' || strchr(", \n", p[n])))
			return true;
	return false;
}

bool cg_has_controller(const struct cg_hier *h, const char *c)
{
	return has_word(h->controllers, c);
}

static int __attribute__((format(printf, 2, 3))) pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, CG_PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= CG_PATH_MAX ? -ENAMETOOLONG : 0;
}

/* The login process's cgroup path in the hierarchy whose controllers are
 * CTRL ("" for v2), from the text of /proc/PID/cgroup. */
static int own_path(const char *procfile, const char *ctrl, char *out, size_t size)
{
	size_t wl = strcspn(ctrl, ",");
	char want[64], field[128];
	int found = 0;

	snprintf(want, sizeof(want), "%.*s", (int)wl, ctrl);
	for (const char *line = procfile; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *c1 = strchr(line, ':'), *nl = strchr(line, '\n');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		size_t plen;
		if (!c2 || (nl && c2 > nl))
			continue;
		snprintf(field, sizeof(field), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
		bool match = *want ? has_word(field, want) : (strncmp(line, "0::", 3) == 0);
		if (!match)
			continue;
		plen = nl ? (size_t)(nl - c2 - 1) : strlen(c2 + 1);
		if (plen + 1 > size)
			return -ENAMETOOLONG;
		/* v2: exactly one "0::" line.  A v1 cgroup name can hold a
		 * newline, and a user who may name one could forge a second. */
		if (found++)
			return -EINVAL;
		memcpy(out, c2 + 1, plen);
		out[plen] = '\0';
		if (*want)
			return 0;
	}
	return found ? 0 : -ENOENT;
}

struct mnt {
	char path[256];
	char ctrls[64];
	bool v2;
};

/* The cgroup mounts, from /proc/self/mountinfo (the first full mount of each). */
static int find_mounts(struct mnt *m, int max)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	int n = 0;

	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		char root[256], path[256], fstype[32], opts[512];
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %255s %255s", root, path) != 2 ||
		    sscanf(sep + 3, "%31s %*s %511s", fstype, opts) != 2 || strcmp(root, "/") != 0)
			continue;
		bool v2 = strcmp(fstype, "cgroup2") == 0;
		if (!v2 && strcmp(fstype, "cgroup") != 0)
			continue;
		m[n].v2 = v2;
		snprintf(m[n].path, sizeof(m[n].path), "%s", path);
		m[n].ctrls[0] = '\0';
		for (size_t i = 0; !v2 && i < ARRAY_SIZE(v1_wanted); i++) {
			if (!has_word(opts, v1_wanted[i]))
				continue;
			size_t l = strlen(m[n].ctrls);
			snprintf(m[n].ctrls + l, sizeof(m[n].ctrls) - l, "%s%s", l ? "," : "", v1_wanted[i]);
		}
		if (v2 || m[n].ctrls[0])
			n++;
	}
	fclose(f);
	return n;
}

static bool v2_has_memory(const char *mount)
{
	char path[CG_PATH_MAX], buf[256];

	if (pathf(path, "%s/cgroup.controllers", mount) < 0)
		return false;
	return read_file(path, buf, sizeof(buf)) > 0 && has_word(buf, "memory");
}

/* A unit name as systemd makes them for logins ("session-4.scope",
 * "user@1000.service"): nothing a path could be built from. */
static bool unit_name_ok(const char *u)
{
	size_t n = strlen(u);

	if (n == 0 || n >= sizeof(((struct cg_session *)0)->unit) || u[0] == '.' ||
	    strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._-") != n)
		return false;
	return (n > 6 && strcmp(u + n - 6, ".scope") == 0) || (n > 8 && strcmp(u + n - 8, ".service") == 0);
}

/* The systemd unit of the user's slice that PROCFILE's v2 line names, if
 * it is one (user.slice/user-UID.slice/UNIT exactly); else false. */
static bool in_user_unit(const struct cg_session *cg, const char *procfile, char *unit, size_t size)
{
	char own[CG_PATH_MAX], slice[64];
	size_t sl;

	if (own_path(procfile, "", own, sizeof(own)) < 0)
		return false;
	sl = (size_t)snprintf(slice, sizeof(slice), "/user.slice/user-%u.slice/", (unsigned)cg->uid);
	if (strncmp(own, slice, sl) != 0 || strchr(own + sl, '/') || !unit_name_ok(own + sl))
		return false;
	snprintf(unit, size, "%s", own + sl);
	return true;
}

/* Is PID systemd itself (the process of a unit with PAMName=)? */
static bool exe_is_systemd(pid_t pid)
{
	char path[64], exe[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	return strcmp(exe, "/usr/lib/systemd/systemd") == 0 || strcmp(exe, "/lib/systemd/systemd") == 0;
}

/*
 * The login's own unit, if it may be the carrel's: logind's session scope,
 * or user@UID.service when systemd itself opened the session (the user
 * manager).  Not any unit of the user's slice: user@UID.service's subtree
 * is delegated to the user, who could otherwise run su from a cgroup of
 * their own making and have the holder cloned into it.
 */
static bool login_unit(const struct cg_session *cg, const char *procfile, pid_t pid, char *unit,
		       size_t size)
{
	char mgr[48];
	size_t n;

	if (!in_user_unit(cg, procfile, unit, size))
		return false;
	snprintf(mgr, sizeof(mgr), "user@%u.service", (unsigned)cg->uid);
	if (strcmp(unit, mgr) == 0)
		return exe_is_systemd(pid);
	/* logind's session ids: the audit session id, or c1, c2... without one. */
	if (strncmp(unit, "session-", 8) != 0)
		return false;
	unit += 8 + (unit[8] == 'c');
	n = strspn(unit, "0123456789");
	return n > 0 && strcmp(unit + n, ".scope") == 0;
}

static int prepare_systemd(struct cg_session *cg, const struct mnt *m, const char *procfile)
{
	struct cg_hier *h = &cg->h[0];
	int r;

	if (!cg_systemd_booted())
		return -EHOSTDOWN;
	cg->systemd = true;
	if (!login_unit(cg, procfile, cg->login_pid, cg->unit, sizeof(cg->unit))) {
		snprintf(cg->unit, sizeof(cg->unit), "carrel-%s.scope", cg->id);
		cg->new_scope = true;
	}
	if ((r = pathf(h->mount, "%s", m->path)) < 0 || (r = pathf(h->top, "%s/user.slice", m->path)) < 0 ||
	    (r = pathf(h->user, "%s/user-%u.slice", h->top, (unsigned)cg->uid)) < 0 ||
	    (r = pathf(h->session, "%s/%s", h->user, cg->unit)) < 0)
		return r;
	cg->n = 1;
	return 0;
}

int cg_prepare(struct cg_session *cg, pid_t login_pid, enum carrel_cgroup_parent parent,
	       uid_t uid, const char *id)
{
	struct mnt m[CG_MAX_HIER * 2];
	char proc[64], procfile[4096], user[32], sess[48];
	int n, r, v2 = -1;

	memset(cg, 0, sizeof(*cg));
	cg->uid = uid;
	cg->login_pid = login_pid;
	snprintf(cg->id, sizeof(cg->id), "%s", id);
	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)login_pid);
	if (read_file(proc, procfile, sizeof(procfile)) < 0)
		return -errno ? -errno : -EIO;
	n = find_mounts(m, (int)ARRAY_SIZE(m));
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (m[i].v2 && v2_has_memory(m[i].path)) {
			cg->v2 = true;
			v2 = i;
		}
	if (parent == CARREL_CGROUP_PARENT_AUTO)
		parent = cg->v2 && cg_systemd_booted() ? CARREL_CGROUP_PARENT_SYSTEMD : CARREL_CGROUP_PARENT_ROOT;
	/* The user manager stays in user@UID.service whatever cgroup_parent
	 * says: systemd delegated that subtree to it, and it cannot run
	 * anywhere else (nor may its keeper stay where systemd kills it). */
	char mgr[96];
	if (parent != CARREL_CGROUP_PARENT_SYSTEMD && cg->v2 && cg_systemd_booted() &&
	    login_unit(cg, procfile, login_pid, mgr, sizeof(mgr)) && strncmp(mgr, "user@", 5) == 0)
		parent = CARREL_CGROUP_PARENT_SYSTEMD;
	if (parent == CARREL_CGROUP_PARENT_SYSTEMD)
		return cg->v2 ? prepare_systemd(cg, &m[v2], procfile) : -EOPNOTSUPP;
	snprintf(user, sizeof(user), "user-%u", (unsigned)uid);
	snprintf(sess, sizeof(sess), "session-%s", id);
	for (int i = 0; i < n && cg->n < CG_MAX_HIER; i++) {
		struct cg_hier *h = &cg->h[cg->n];
		char own[CG_PATH_MAX];
		if (m[i].v2 != cg->v2)
			continue;
		snprintf(h->controllers, sizeof(h->controllers), "%s", m[i].ctrls);
		if ((r = pathf(h->mount, "%s", m[i].path)) < 0)
			return r;
		r = own_path(procfile, h->controllers, own, sizeof(own));
		if (r < 0)
			return r;
		if (strcmp(own, "/") == 0)
			own[0] = '\0';
		if ((r = pathf(h->top, "%s%s/carrel", m[i].path,
			       parent == CARREL_CGROUP_PARENT_SELF ? own : "")) < 0 ||
		    (r = pathf(h->user, "%s/%s", h->top, user)) < 0 ||
		    (r = pathf(h->session, "%s/%s", h->user, sess)) < 0)
			return r;
		cg->n++;
	}
	return cg->n > 0 ? 0 : -ENOENT;
}

/* systemd: ask for scope UNIT holding PID in the user's slice, and wait
 * (bounded) until systemd has moved PID there. */
static int systemd_scope(const struct cg_session *cg, const char *unit, pid_t pid, const char **failed)
{
	static __thread char why[160];
	char slice[48], desc[96], proc[64], procfile[4096], now[96];
	struct timespec tick = { .tv_nsec = 2 * 1000 * 1000 };
	int r;

	snprintf(slice, sizeof(slice), "user-%u.slice", (unsigned)cg->uid);
	snprintf(desc, sizeof(desc), "carrel %s, login process %d", cg->id, (int)pid);
	if ((r = cg_systemd_start_scope(unit, slice, pid, desc, failed)) < 0)
		return r;
	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)pid);
	for (int i = 0; i < 2500; i++) { /* 5 s */
		if (read_file(proc, procfile, sizeof(procfile)) < 0)
			return -ESRCH;
		if (in_user_unit(cg, procfile, now, sizeof(now)) && strcmp(now, unit) == 0)
			return 0;
		nanosleep(&tick, NULL);
	}
	snprintf(why, sizeof(why), "systemd did not move process %d into %s within 5 s", (int)pid, unit);
	*failed = why;
	return -ETIMEDOUT;
}

static int mkdir_ok(const char *path)
{
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

int cg_create(const struct cg_session *cg, const struct carrel_limits *lim, const char **failed)
{
	int r;

	if (cg->systemd) {
		if ((r = cg_systemd_set_user_limits(cg->uid, lim, failed)) < 0)
			return r;
		return cg->new_scope ? systemd_scope(cg, cg->unit, cg->login_pid, failed) : 0;
	}

	for (int i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		if ((r = mkdir_ok(h->top)) < 0) {
			*failed = h->top;
			return r;
		}
		if ((r = mkdir_ok(h->user)) < 0) {
			*failed = h->user;
			return r;
		}
	}
	if (cg->v2 && (r = cg_v2_enable(cg, failed)) < 0)
		return r;
	for (int i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		r = cg->v2 ? cg_v2_limits(h, lim, failed) : cg_v1_limits(h, lim, failed);
		if (r < 0)
			return r;
		if (mkdir(h->session, 0755) < 0) {
			*failed = h->session;
			return -errno;
		}
	}
	return 0;
}

int cg_origin_read(const struct cg_session *cg, pid_t pid, struct cg_origin *o)
{
	char proc[64], procfile[4096], own[CG_PATH_MAX];
	ssize_t n;
	int r;

	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)pid);
	if ((n = read_file(proc, procfile, sizeof(procfile))) < 0)
		return (int)n;
	for (int i = 0; i < cg->n; i++) {
		if ((r = own_path(procfile, cg->h[i].controllers, own, sizeof(own))) < 0)
			return r;
		if ((r = pathf(o->path[i], "%s%s", cg->h[i].mount, strcmp(own, "/") ? own : "")) < 0)
			return r;
	}
	return 0;
}

static int attach(const struct cg_session *cg, const struct cg_origin *o, pid_t pid)
{
	char path[CG_PATH_MAX + 16], num[24];
	int r;

	snprintf(num, sizeof(num), "%d", (int)pid);
	for (int i = 0; i < cg->n; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", o ? o->path[i] : cg->h[i].session);
		if ((r = write_file(path, num)) < 0)
			return r;
	}
	return 0;
}

int cg_attach(const struct cg_session *cg, pid_t pid)
{
	char proc[64], procfile[4096], unit[96];
	const char *failed = "";

	if (!cg->systemd)
		return attach(cg, NULL, pid);
	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)pid);
	if (read_file(proc, procfile, sizeof(procfile)) < 0)
		return -ESRCH;
	if (login_unit(cg, procfile, pid, unit, sizeof(unit)) ||
	    (in_user_unit(cg, procfile, unit, sizeof(unit)) && strcmp(unit, cg->unit) == 0))
		return 0; /* its own unit, or the carrel's (made for it by cg_create) */
	snprintf(unit, sizeof(unit), "carrel-%s-%d.scope", cg->id, (int)pid);
	return systemd_scope(cg, unit, pid, &failed);
}

int cg_attach_origin(const struct cg_session *cg, const struct cg_origin *o, pid_t pid)
{
	return cg->systemd ? 0 : attach(cg, o, pid);
}

void cg_systemd_release(const struct cg_session *cg)
{
	char path[CG_PATH_MAX + 16], v[8];
	const char *failed = "";

	snprintf(path, sizeof(path), "%s/cgroup.freeze", cg->h[0].session);
	if (cg->systemd && cg->n > 0 && read_file(path, v, sizeof(v)) > 0 && v[0] == '1' &&
	    cg_systemd_freeze(cg->unit, false, &failed) < 0)
		syslog(LOG_ERR, "session %s: cannot thaw %s: %s", cg->id, cg->unit, failed);
}

/* A frozen v1 cgroup keeps its tasks (killed or not) stopped: thaw it so
 * that the kill can take effect and the cgroup can be removed. */
static void thaw(const struct cg_session *cg)
{
	char path[CG_PATH_MAX + 32];

	for (int i = 0; i < cg->n; i++) {
		snprintf(path, sizeof(path), "%s/%s", cg->h[i].session, cg->v2 ? "cgroup.freeze" : "freezer.state");
		if (cg->v2 || cg_has_controller(&cg->h[i], "freezer"))
			(void)write_file(path, cg->v2 ? "0" : "THAWED");
	}
}

int cg_kill(const struct cg_session *cg)
{
	char path[CG_PATH_MAX + 16], buf[8192];
	int left = 0;

	if (cg->systemd)
		return 0;
	for (int i = 0; i < cg->n; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.kill", cg->h[i].session);
		if (cg->v2 && write_file(path, "1") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg->h[i].session);
		if (read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		for (char *p = buf, *end; *p; p = end) {
			long pid = strtol(p, &end, 10);
			if (end == p)
				break;
			if (pid > 1 && kill((pid_t)pid, SIGKILL) == 0)
				left++;
		}
	}
	thaw(cg);
	return left;
}

int cg_remove_session(const struct cg_session *cg)
{
	struct timespec tick = { .tv_nsec = 100 * 1000 };
	long waited_ns = 0;
	int r = 0;

	if (cg->systemd)
		return 0;
	for (int i = 0; i < cg->n; i++) {
		/* Tasks that were just killed leave the cgroup a little after they
		 * die; wait up to 3 s for them (backing off from 0.1 ms to 20 ms),
		 * killing any stragglers again every 200 ms. */
		long next_kill = 200 * 1000 * 1000L;
		while (rmdir(cg->h[i].session) < 0) {
			if (errno == ENOENT)
				break;
			if (errno != EBUSY || waited_ns >= 3000 * 1000 * 1000L) {
				r = -errno;
				break;
			}
			if (waited_ns >= next_kill) {
				cg_kill(cg);
				next_kill += 200 * 1000 * 1000L;
			}
			nanosleep(&tick, NULL);
			waited_ns += tick.tv_nsec;
			if (tick.tv_nsec < 20 * 1000 * 1000)
				tick.tv_nsec *= 2;
		}
	}
	return r;
}

void cg_remove_user(const struct cg_session *cg)
{
	if (cg->systemd)
		return;
	for (int i = 0; i < cg->n; i++) {
		/* Busy means another session of this user (or another user) lives. */
		if (rmdir(cg->h[i].user) == 0)
			(void)rmdir(cg->h[i].top);
	}
}

/* The first number after KEY (or at the start when KEY is "") in FILE of
 * hierarchy H's session dir; 0 when absent. */
static uint64_t stat_value(const struct cg_hier *h, const char *file, const char *key)
{
	char path[CG_PATH_MAX + 64], buf[2048];
	const char *p = buf;

	snprintf(path, sizeof(path), "%s/%s", h->session, file);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	if (*key) {
		size_t n = strlen(key);
		for (p = buf; (p = strstr(p, key)); p += n)
			if ((p == buf || p[-1] == '\n') && p[n] == ' ')
				break;
		if (!p)
			return 0;
		p += n;
	}
	return strtoull(p, NULL, 10);
}

void cg_usage(const struct cg_session *cg, struct cg_usage *u)
{
	memset(u, 0, sizeof(*u));
	for (int i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		if (cg->v2) {
			u->memory_peak = stat_value(h, "memory.peak", "");
			u->cpu_usec = stat_value(h, "cpu.stat", "usage_usec");
			u->oom_kills = stat_value(h, "memory.events", "oom_kill");
			u->pids_peak = stat_value(h, "pids.peak", "");
			continue;
		}
		if (cg_has_controller(h, "memory")) {
			u->memory_peak = stat_value(h, "memory.max_usage_in_bytes", "");
			u->oom_kills = stat_value(h, "memory.oom_control", "oom_kill");
		}
		if (cg_has_controller(h, "cpuacct"))
			u->cpu_usec = stat_value(h, "cpuacct.usage", "") / 1000;
		if (cg_has_controller(h, "pids"))
			u->pids_peak = stat_value(h, "pids.peak", "");
	}
}

int cg_count_procs(const struct cg_session *cg, pid_t except)
{
	char path[CG_PATH_MAX + 16], buf[8192];
	int n = 0;

	if (cg->n == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->h[0].session);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	for (char *p = buf, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid != except)
			n++;
	}
	return n;
}

void cg_reap_stale(const struct cg_session *cg, bool (*live)(const char *id))
{
	char path[CG_PATH_MAX + 300];
	DIR *d;
	struct dirent *e;

	/* Every hierarchy holds the same session dirs: list one, ask LIVE once
	 * per session, remove the dead ones everywhere. */
	if (cg->systemd || cg->n == 0 || !(d = opendir(cg->h[0].user)))
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "session-", 8) != 0 || live(e->d_name + 8))
			continue;
		for (int i = 0; i < cg->n; i++) {
			snprintf(path, sizeof(path), "%s/%s", cg->h[i].user, e->d_name);
			(void)rmdir(path); /* busy: something still runs there; leave it */
		}
	}
	closedir(d);
}
