/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The public cgroup interface (cgroup.h): finding the hierarchies, picking
 * the backend, and the calls through it; and the cgroupfs manager, which
 * makes carrel/user-UID/session-ID in every hierarchy the carrel uses and
 * leaves what differs between v1 and v2 to the hierarchy's own operations
 * (cgroup_v1.c, cgroup_v2.c).  The systemd manager is cgroup_systemd.c.
 */
#include "cgroup-internal.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

int cg_fail(struct carrel_error *e, int r, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return r;
	snprintf(e->step, sizeof(e->step), "cgroup");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return r;
}

int cg_pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, CG_PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= CG_PATH_MAX ? -ENAMETOOLONG : 0;
}

int cg_put(const char *dir, const char *file, const char *val, bool optional, struct carrel_error *e)
{
	char path[CG_PATH_MAX + 64];
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (optional && access(path, F_OK) < 0)
		return 0;
	if ((r = write_file(path, val)) < 0)
		return cg_fail(e, r, "cannot write %s to %s: %s", val, path, strerror(-r));
	return 0;
}

uint64_t cg_read_value(const char *dir, const char *file, const char *key)
{
	char path[CG_PATH_MAX + 64], buf[4096];
	const char *p = buf;
	size_t n = strlen(key);
	char *end;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return CG_UNKNOWN;
	if (n) {
		for (p = buf; (p = strstr(p, key)); p += n)
			if ((p == buf || p[-1] == '\n') && p[n] == ' ')
				break;
		if (!p)
			return CG_UNKNOWN;
		p += n + 1;
	}
	if (strncmp(p, "max", 3) == 0 || p[0] == '-')
		return CARREL_UNLIMITED;
	errno = 0;
	uint64_t v = strtoull(p, &end, 10);
	if (errno || end == p || v >= CG_UNKNOWN)
		return CG_UNKNOWN;
	return v;
}

void read_file_line(const char *dir, const char *file, char *buf, size_t size)
{
	char path[CG_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(path, buf, size) <= 0)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

void cg_io_bytes(const char *dir, const char *file, const char *rkey, const char *wkey, struct cg_usage *u)
{
	char path[CG_PATH_MAX + 64], buf[8192], *save = NULL;
	unsigned long long v, rsum = 0, wsum = 0;
	size_t rl = strlen(rkey), wl = strlen(wkey);

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return;
	for (char *w = strtok_r(buf, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		/* v2 "rbytes=N", v1 "Read N": the number is after '=' or in the next word. */
		bool r = strncmp(w, rkey, rl) == 0, wr = strncmp(w, wkey, wl) == 0;
		const char *num = r ? w + rl : wr ? w + wl : NULL;

		if (!num)
			continue;
		if (!*num)
			num = strtok_r(NULL, " \n", &save);
		if (num && sscanf(num, "%llu", &v) == 1)
			*(r ? &rsum : &wsum) += v;
	}
	cg_fill(&u->io_read_bytes, rsum);
	cg_fill(&u->io_write_bytes, wsum);
}

void cg_fill(uint64_t *field, uint64_t v)
{
	if (*field == CG_UNKNOWN)
		*field = v;
}

/* The key of H's line in /proc/PID/cgroup: a v1 controller, or "" (v2). */
static const char *proc_key(const struct cg_hier *h)
{
	return h->ops->version == 2 ? "" : h->controllers;
}

/* Is PID (pinned by a pidfd) in H's session cgroup? */
static bool in_session(const struct cg_hier *h, pid_t pid)
{
	char proc[64], procfile[4096], own[CG_PATH_MAX], path[CG_PATH_MAX];

	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)pid);
	return read_file(proc, procfile, sizeof(procfile)) > 0 &&
	       cg_parse_proc_cgroup(procfile, proc_key(h), own, sizeof(own)) == 0 &&
	       cg_pathf(path, "%s%s", h->mount, own) == 0 && strcmp(path, h->session) == 0;
}

int cg_kill_listed(const struct cg_hier *h, const pid_t *except, int n)
{
	char path[CG_PATH_MAX + 16], buf[16384];
	int killed = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", h->session);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	for (char *p = buf, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);
		bool keep = false;
		if (end == p)
			break;
		for (int i = 0; i < n && !keep; i++)
			keep = except[i] == pid;
		if (keep || pid <= 1)
			continue;
		/* By pidfd, and only once the pinned process is seen in the
		 * cgroup: a pid read from cgroup.procs may have been reused by
		 * a process elsewhere since. */
		int fd = pidfd_open_pid((pid_t)pid);
		if (fd >= 0 && in_session(h, (pid_t)pid) && pidfd_signal(fd, SIGKILL) == 0)
			killed++;
		fd = safe_close(fd);
	}
	return killed;
}

const struct cg_hier *cg_hier_with(const struct cg_session *cg, const char *controller)
{
	for (int i = 0; i < cg->n; i++)
		if (cg_has_word(cg->h[i].controllers, controller))
			return &cg->h[i];
	return NULL;
}

static int read_proc_cgroup(pid_t pid, char *buf, size_t size)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)pid);
	n = read_file(proc, buf, size);
	return n < 0 ? (int)n : 0;
}

/* ------------------------------------------------------- the session */

struct cg_session *cg_session_new(void)
{
	return calloc(1, sizeof(struct cg_session));
}

void cg_session_free(struct cg_session *cg)
{
	free(cg);
}

void cg_session_freep(struct cg_session **cg)
{
	cg_session_free(*cg);
	*cg = NULL;
}

/* The cgroup mounts, from /proc/self/mountinfo, with the controllers of
 * the unified one read from its root's cgroup.controllers (CTRLS2). */
static int find_mounts(struct cg_mount *m, int max, char *ctrls2, size_t size)
{
	static const char *const all[] = { "memory", "pids", "cpu", "cpuacct", "freezer", "blkio", "io",
					   "hugetlb", "cpuset", "devices", "perf_event" };
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024], path[CG_PATH_MAX];
	int n = 0;

	ctrls2[0] = '\0';
	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (cg_parse_mountinfo_line(line, all, ARRAY_SIZE(all), &m[n]) < 0)
			continue;
		if (m[n].v2 && !ctrls2[0] && cg_pathf(path, "%s/cgroup.controllers", m[n].path) == 0 &&
		    read_file(path, ctrls2, size) < 0)
			ctrls2[0] = '\0';
		n++;
	}
	fclose(f);
	return n;
}

/* Is PID systemd itself (the process of a unit with PAMName=)? */
bool cg_exe_is_systemd(pid_t pid)
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

static const struct cg_hier *unified(const struct cg_session *cg, const struct cg_mount *m, int n,
				     const char **mount)
{
	*mount = NULL;
	for (int i = 0; i < n; i++)
		if (m[i].v2)
			*mount = m[i].path;
	for (int i = 0; i < cg->n; i++)
		if (cg->h[i].ops->version == 2)
			return &cg->h[i];
	return NULL;
}

static int prepare_cgroupfs(struct cg_session *cg, const char *procfile, bool self, struct carrel_error *e)
{
	char own[CG_PATH_MAX];
	int r;

	cg->ops = &cg_cgroupfs_ops;
	for (int i = 0; i < cg->n; i++) {
		struct cg_hier *h = &cg->h[i];
		if ((r = cg_parse_proc_cgroup(procfile, proc_key(h), own, sizeof(own))) < 0)
			return cg_fail(e, r, "process %d is in no cgroup of the %s hierarchy (%s)",
				       (int)cg->login_pid, h->controllers, h->mount);
		if (strcmp(own, "/") == 0)
			own[0] = '\0';
		if ((r = cg_pathf(h->top, "%s%s/carrel", h->mount, self ? own : "")) < 0 ||
		    (r = cg_pathf(h->user, "%s/user-%u", h->top, (unsigned)cg->uid)) < 0 ||
		    (r = cg_pathf(h->session, "%s/session-%s", h->user, cg->id)) < 0)
			return cg_fail(e, r, "the session's cgroup path under %s is too long", h->mount);
	}
	return 0;
}

int cg_prepare(struct cg_session *cg, pid_t login_pid, enum carrel_cgroup_parent parent, uid_t uid,
	       const char *id, bool pidns, struct carrel_error *e)
{
	struct cg_mount m[CG_MAX_HIER * 2];
	char procfile[4096], ctrls2[256], mgr[96];
	const struct cg_hier *v2;
	const char *v2mount;
	int n, r;

	memset(cg, 0, sizeof(*cg));
	cg->uid = uid;
	cg->login_pid = login_pid;
	cg->pidns = pidns;
	snprintf(cg->id, sizeof(cg->id), "%s", id);
	if ((r = read_proc_cgroup(login_pid, procfile, sizeof(procfile))) < 0)
		return cg_fail(e, r, "cannot read /proc/%d/cgroup: %s", (int)login_pid, strerror(-r));
	if ((n = find_mounts(m, (int)ARRAY_SIZE(m), ctrls2, sizeof(ctrls2))) < 0)
		return cg_fail(e, n, "cannot read /proc/self/mountinfo: %s", strerror(-n));
	r = cg_pick_hierarchies(cg, m, n, ctrls2);
	v2 = unified(cg, m, n, &v2mount);
	bool v2_primary = v2 && cg->version == 2;
	bool booted = cg_systemd_booted();
	if (parent == CARREL_CGROUP_PARENT_AUTO)
		parent = v2_primary && booted ? CARREL_CGROUP_PARENT_SYSTEMD : CARREL_CGROUP_PARENT_ROOT;
	/* The user manager stays in user@UID.service whatever cgroup_parent
	 * says: systemd delegated that subtree to it, and it cannot run
	 * anywhere else (nor may its keeper stay where systemd kills it). */
	if (parent != CARREL_CGROUP_PARENT_SYSTEMD && v2_primary && booted &&
	    cg_parse_login_unit(uid, procfile, cg_exe_is_systemd(login_pid), mgr, sizeof(mgr)) &&
	    strncmp(mgr, "user@", 5) == 0)
		parent = CARREL_CGROUP_PARENT_SYSTEMD;
	if (parent == CARREL_CGROUP_PARENT_SYSTEMD) {
		if (!v2_primary)
			return cg_fail(e, -EOPNOTSUPP, "cgroup_parent = systemd needs the unified (v2) hierarchy");
		r = cg_systemd_prepare(cg, v2->mount, procfile, booted, cg_exe_is_systemd(login_pid));
		if (r == -EHOSTDOWN)
			return cg_fail(e, r, "cgroup_parent = systemd, but systemd is not PID 1 here");
		if (r < 0)
			return cg_fail(e, r, "the session's unit path under %s is too long", v2->mount);
		/* Under systemd carrel kills no cgroup: what the carrel started
		 * ends with its pid namespace, or (the user manager's carrel,
		 * which has none) with its unit. */
		if (!pidns && strncmp(cg->unit, "user@", 5) != 0)
			return cg_fail(e, -EINVAL, "cgroup_parent = systemd needs the pid namespace");
		return 0;
	}
	if (r < 0)
		return cg_fail(e, r, "no usable cgroup hierarchy (none of memory, pids, cpu, freezer, blkio, io mounted)");
	return prepare_cgroupfs(cg, procfile, parent == CARREL_CGROUP_PARENT_SELF, e);
}

/* The mount of the hierarchy that PATH is in (the longest mount point
 * that is a directory prefix of PATH). */
static const struct cg_mount *mount_of(const char *path, const struct cg_mount *m, int n)
{
	const struct cg_mount *best = NULL;

	for (int i = 0; i < n; i++) {
		size_t l = strlen(m[i].path);
		if (strncmp(path, m[i].path, l) == 0 && path[l] == '/' && (!best || l > strlen(best->path)))
			best = &m[i];
	}
	return best;
}

/* OUT (CG_PATH_MAX) = the directory PATH is in. */
static void parent_dir(const char *path, char *out)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	memmove(out, path, n);
	out[n] = '\0';
}

int cg_from_state(struct cg_session *cg, uid_t uid, const char *id, int version, const char *unit,
		  const char (*paths)[CG_PATH_MAX], int n, struct carrel_error *e)
{
	struct cg_mount m[CG_MAX_HIER * 2];
	char ctrls2[256];
	int nm;

	memset(cg, 0, sizeof(*cg));
	cg->uid = uid;
	cg->pidns = true; /* a rebuilt handle never kills a unit: the keeper does */
	cg->version = version == 2 ? 2 : 1;
	snprintf(cg->id, sizeof(cg->id), "%s", id);
	if (n > CG_MAX_HIER)
		return cg_fail(e, -E2BIG, "carrel %s names %d cgroups (at most %d)", id, n, CG_MAX_HIER);
	if (unit[0] && !cg_unit_name_ok(unit))
		return cg_fail(e, -EINVAL, "carrel %s: \"%s\" is not a unit name", id, unit);
	snprintf(cg->unit, sizeof(cg->unit), "%s", unit);
	cg->ops = unit[0] ? &cg_systemd_ops : &cg_cgroupfs_ops;
	if ((nm = find_mounts(m, (int)ARRAY_SIZE(m), ctrls2, sizeof(ctrls2))) < 0)
		return cg_fail(e, nm, "cannot read /proc/self/mountinfo: %s", strerror(-nm));
	for (int i = 0; i < n; i++) {
		const struct cg_mount *mt = mount_of(paths[i], m, nm);
		struct cg_hier *h = &cg->h[cg->n];
		if (!mt)
			return cg_fail(e, -ENOENT, "carrel %s: %s is in no cgroup hierarchy mounted here", id,
				       paths[i]);
		h->ops = mt->v2 ? &cg_v2_ops : &cg_v1_ops;
		snprintf(h->mount, sizeof(h->mount), "%s", mt->path);
		snprintf(h->session, sizeof(h->session), "%s", paths[i]);
		parent_dir(h->session, h->user);
		parent_dir(h->user, h->top);
		/* What the hierarchy holds that carrel uses: cg_pick_hierarchies' rule. */
		struct cg_session one = { 0 };
		struct cg_mount only = *mt;
		if (cg_pick_hierarchies(&one, &only, 1, mt->v2 ? ctrls2 : "") == 0)
			snprintf(h->controllers, sizeof(h->controllers), "%s", one.h[0].controllers);
		cg->n++;
	}
	return 0;
}

/* ---------------------------------------------------- the public calls */

int cg_create(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e)
{
	return cg->ops->create(cg, lim, e);
}

bool cg_create_needs_lock(const struct cg_session *cg)
{
	return cg->ops->create_needs_lock;
}

int cg_create_shared(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e)
{
	return cg->ops->create_shared ? cg->ops->create_shared(cg, lim, e) : cg->ops->create(cg, lim, e);
}

int cg_create_own(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e)
{
	return cg->ops->create_own ? cg->ops->create_own(cg, lim, e) : 0;
}

bool cg_limits_applied(const struct cg_session *cg, const struct carrel_limits *lim)
{
	return cg->ops->applied && cg->ops->applied(cg, lim);
}

int cg_origin_read(const struct cg_session *cg, pid_t pid, struct cg_origin *o, struct carrel_error *e)
{
	char procfile[4096], own[CG_PATH_MAX];
	int r;

	if ((r = read_proc_cgroup(pid, procfile, sizeof(procfile))) < 0)
		return cg_fail(e, r, "cannot read /proc/%d/cgroup: %s", (int)pid, strerror(-r));
	for (int i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		if ((r = cg_parse_proc_cgroup(procfile, proc_key(h), own, sizeof(own))) < 0 ||
		    (r = cg_pathf(o->path[i], "%s%s", h->mount, strcmp(own, "/") ? own : "")) < 0)
			return cg_fail(e, r, "the cgroup of process %d in %s: %s", (int)pid, h->mount,
				       strerror(-r));
	}
	return 0;
}

bool cg_moves_self(const struct cg_session *cg)
{
	return cg->ops == &cg_cgroupfs_ops;
}

/* The cgroup.procs of each of O's paths (NULL: the session's) into FDS. */
static int procs_open(const struct cg_session *cg, const struct cg_origin *o, int *fds, int max,
		      struct carrel_error *e)
{
	char path[CG_PATH_MAX + 16];

	if (cg->n > max)
		return cg_fail(e, -E2BIG, "%d cgroup hierarchies, at most %d", cg->n, max);
	for (int i = 0; i < cg->n; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", o ? o->path[i] : cg->h[i].session);
		if ((fds[i] = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
			int r = -errno;
			while (i-- > 0)
				fds[i] = safe_close(fds[i]);
			return cg_fail(e, r, "cannot open %s: %s", path, strerror(-r));
		}
	}
	return cg->n;
}

int cg_procs_open(const struct cg_session *cg, const struct cg_origin *o, int *fds, int max,
		  struct carrel_error *e)
{
	return cg_moves_self(cg) ? procs_open(cg, o, fds, max, e) : -EOPNOTSUPP;
}

int cg_join_open(const struct cg_session *cg, pid_t holder, int *fds, int max, struct carrel_error *e)
{
	struct cg_origin o;
	int r;

	if (cg_moves_self(cg))
		return procs_open(cg, NULL, fds, max, e);
	if ((r = cg_origin_read(cg, holder, &o, e)) < 0)
		return r;
	for (int i = 0; i < cg->n; i++) {
		size_t n = strlen(cg->h[i].session);
		if (strncmp(o.path[i], cg->h[i].session, n) != 0 || (o.path[i][n] && o.path[i][n] != '/'))
			return cg_fail(e, -EINVAL, "the holder %d is in %s, outside %s", (int)holder, o.path[i],
				       cg->h[i].session);
	}
	return procs_open(cg, &o, fds, max, e);
}

int cg_is_in(const struct cg_session *cg, const struct cg_origin *o, pid_t pid)
{
	struct cg_origin now;
	int r = cg_origin_read(cg, pid, &now, NULL);

	if (r < 0)
		return r;
	for (int i = 0; i < cg->n; i++)
		if (strcmp(now.path[i], o ? o->path[i] : cg->h[i].session) != 0)
			return 0;
	return 1;
}

int cg_attach(const struct cg_session *cg, pid_t pid, struct carrel_error *e)
{
	return cg->ops->attach(cg, pid, e);
}

int cg_attach_origin(const struct cg_session *cg, const struct cg_origin *o, pid_t pid, struct carrel_error *e)
{
	return cg->ops->attach_origin(cg, o, pid, e);
}

int cg_clone_target(const struct cg_session *cg)
{
	int fd;

	if (cg->n != 1 || cg->h[0].ops->version != 2)
		return -EOPNOTSUPP;
	fd = open(cg->h[0].session, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int cg_keeper_unit(const struct cg_session *cg, pid_t pid, struct carrel_error *e)
{
	return cg->ops->keeper_unit ? cg->ops->keeper_unit(cg, pid, e) : 0;
}

int cg_set_limits(const struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e)
{
	return cg->ops->set_limits(cg, lim, e);
}

void cg_read_limits(const struct cg_session *cg, struct carrel_limits *lim)
{
	for (int i = 0; i < cg->n; i++)
		cg->h[i].ops->read_limits(&cg->h[i], lim);
}

void cg_usage(const struct cg_session *cg, struct cg_usage *u)
{
	u->memory_current = u->memory_peak = u->memory_max = CG_UNKNOWN;
	u->pids_current = u->pids_peak = u->pids_max = CG_UNKNOWN;
	u->cpu_usec = u->throttled_usec = u->user_throttled_usec = u->oom_kills = CG_UNKNOWN;
	u->io_read_bytes = u->io_write_bytes = u->memory_high_events = u->hugetlb_max_events = CG_UNKNOWN;
	for (int i = 0; i < cg->n; i++)
		cg->h[i].ops->usage(&cg->h[i], u);
}

int cg_freeze(const struct cg_session *cg, bool freeze, struct carrel_error *e)
{
	return cg->ops->freeze(cg, freeze, e);
}

int cg_kill(const struct cg_session *cg, const pid_t *except, int n)
{
	return cg->ops->kill(cg, except, n);
}

int cg_release(const struct cg_session *cg, struct carrel_error *e)
{
	return cg->ops->release(cg, e);
}

int cg_remove(const struct cg_session *cg, struct carrel_error *e)
{
	return cg->ops->remove(cg, e);
}

void cg_remove_user(const struct cg_session *cg)
{
	if (cg->ops->remove_user)
		cg->ops->remove_user(cg);
}

void cg_reap_stale(const struct cg_session *cg, bool (*live)(const char *id, const void *arg), const void *arg)
{
	if (cg->ops->reap_stale)
		cg->ops->reap_stale(cg, live, arg);
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

int cg_version(const struct cg_session *cg)
{
	return cg->version;
}

const char *cg_unit(const struct cg_session *cg)
{
	return cg->unit;
}

int cg_count(const struct cg_session *cg)
{
	return cg->n;
}

const char *cg_path(const struct cg_session *cg, int i)
{
	return i >= 0 && i < cg->n ? cg->h[i].session : NULL;
}

const char *cg_user_path(const struct cg_session *cg, int i)
{
	return i >= 0 && i < cg->n ? cg->h[i].user : NULL;
}

const char *cg_ns_cgroup2(const struct cg_session *cg)
{
	for (int i = 0; i < cg->n; i++)
		if (cg->h[i].ops->version == 2)
			return cg->h[i].mount;
	return NULL;
}

/* ------------------------------------------------ the cgroupfs manager */

static int mkdir_ok(const char *path, struct carrel_error *e)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return cg_fail(e, -errno, "cannot create %s: %s", path, strerror(errno));
	return 0;
}

/* Which limits user-UID was last given in full by a login (a hash of the
 * struct, on each hierarchy's user-UID): a login whose limits are these
 * has nothing to write there (cg_limits_applied()).  A live change
 * (fs_set_limits) removes it first, so that the next login writes its own
 * limits again, as it always did. */
#define APPLIED_XATTR "trusted.carrel.applied"

/* What the cgroup files get from LIM changes with the stamp's format
 * (bump it when carrel writes other files or values for the same limits,
 * so that a helper upgraded under running carrels writes them again). */
#define APPLIED_FORMAT "carrel-applied-1"

static void applied_stamp(const struct carrel_limits *lim, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)lim;
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (const char *f = APPLIED_FORMAT; *f; f++)
		h = (h ^ (unsigned char)*f) * 1099511628211ULL;
	for (size_t i = 0; i < sizeof(*lim); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	snprintf(buf, size, "%016llx", (unsigned long long)h);
}

/* Limits whose files depend on the machine at the time they are written,
 * not only on LIM: a cpuset cut to the CPUs online, device rules and io
 * limits turned into device numbers from the nodes and drivers present
 * (a GPU driver loaded on demand, a disk plugged in).  A login with any of
 * them writes them again, under the lock held exclusively, as before. */
static bool machine_dependent(const struct carrel_limits *lim)
{
	return lim->cpuset_cpus[0] || lim->cpuset_mems[0] || lim->io_max[0][0] || lim->devices_deny[0][0] ||
	       lim->devices_allow[0][0];
}

static bool fs_applied(const struct cg_session *cg, const struct carrel_limits *lim)
{
	char want[24], have[24];

	if (machine_dependent(lim))
		return false;
	applied_stamp(lim, want, sizeof(want));
	for (int i = 0; i < cg->n; i++) {
		ssize_t n = getxattr(cg->h[i].user, APPLIED_XATTR, have, sizeof(have) - 1);
		if (n != (ssize_t)strlen(want) || memcmp(have, want, (size_t)n) != 0)
			return false;
	}
	return cg->n > 0;
}

static void fs_unstamp(const struct cg_session *cg)
{
	for (int i = 0; i < cg->n; i++)
		(void)removexattr(cg->h[i].user, APPLIED_XATTR);
}

/* carrel/, user-UID and the user's limits: what every login of the user
 * shares (the caller holds the carrel lock exclusively). */
static int fs_create_shared(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e)
{
	char stamp[24];
	int r;

	for (int i = 0; i < cg->n; i++)
		if ((r = mkdir_ok(cg->h[i].top, e)) < 0 || (r = mkdir_ok(cg->h[i].user, e)) < 0)
			return r;
	fs_unstamp(cg);
	for (int i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		if ((h->ops->enable && (r = h->ops->enable(h, e)) < 0) || (r = h->ops->set_limits(h, lim, e)) < 0)
			return r;
	}
	/* Where xattrs cannot be set, every login writes the limits again. */
	applied_stamp(lim, stamp, sizeof(stamp));
	for (int i = 0; i < cg->n; i++)
		(void)setxattr(cg->h[i].user, APPLIED_XATTR, stamp, strlen(stamp), 0);
	return 0;
}

/* session-ID in each hierarchy: only this session's (the caller holds the
 * carrel lock, shared at least, so that user-UID stays). */
static int fs_create_own(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e)
{
	int r;

	for (int i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		if (mkdir(h->session, 0755) < 0)
			return cg_fail(e, -errno, "cannot create %s: %s", h->session, strerror(errno));
		if (h->ops->session_created && (r = h->ops->session_created(h, lim, e)) < 0)
			return r;
	}
	return 0;
}

static int fs_create(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e)
{
	int r = fs_create_shared(cg, lim, e);

	return r < 0 ? r : fs_create_own(cg, lim, e);
}

static int write_procs(const char *dir, pid_t pid, struct carrel_error *e)
{
	char path[CG_PATH_MAX + 16], num[24];
	int r;

	snprintf(num, sizeof(num), "%d", (int)pid);
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if ((r = write_file(path, num)) < 0)
		return cg_fail(e, r, "cannot move process %d into %s: %s", (int)pid, dir, strerror(-r));
	return 0;
}

static int fs_attach(const struct cg_session *cg, pid_t pid, struct carrel_error *e)
{
	int r;

	for (int i = 0; i < cg->n; i++)
		if ((r = write_procs(cg->h[i].session, pid, e)) < 0)
			return r;
	return 0;
}

static int fs_attach_origin(const struct cg_session *cg, const struct cg_origin *o, pid_t pid,
			    struct carrel_error *e)
{
	int r;

	for (int i = 0; i < cg->n; i++)
		if ((r = write_procs(o->path[i], pid, e)) < 0)
			return r;
	return 0;
}

/* All or nothing: what was written before a failure is put back. */
static int fs_set_limits(const struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e)
{
	struct carrel_limits cur = *lim;
	struct carrel_error ignored;
	int r = 0, i;

	fs_unstamp(cg);
	cg_read_limits(cg, &cur);
	for (i = 0; i < cg->n; i++)
		if ((r = cg->h[i].ops->set_limits(&cg->h[i], lim, e)) < 0)
			break;
	if (r == 0)
		return 0;
	bool back = true;
	for (int j = 0; j <= i && j < cg->n; j++)
		back = cg->h[j].ops->set_limits(&cg->h[j], &cur, &ignored) == 0 && back;
	if (e) {
		size_t l = strlen(e->msg);
		snprintf(e->msg + l, sizeof(e->msg) - l, "%s; %s",
			 r == -EBUSY ? " (is the memory in use above the new limit?)"
			 : r == -EINVAL ? " (does the kernel accept this value here?)"
					: "",
			 back ? "the old limits are back" : "putting the old limits back failed too");
	}
	return r;
}

/* The hierarchy that freezes (v1: the freezer's; v2: any). */
static const struct cg_hier *freezer_of(const struct cg_session *cg)
{
	for (int i = 0; i < cg->n; i++)
		if (cg->h[i].ops->version == 2 || cg_has_word(cg->h[i].controllers, "freezer"))
			return &cg->h[i];
	return NULL;
}

#define FREEZE_MS 5000

int cg_wait_frozen(const struct cg_hier *h, bool freeze, bool ask_again, struct carrel_error *e)
{
	struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	char why[CG_PATH_MAX + 64] = "";
	int r;

	for (int waited = 0;; waited += 10) {
		if (ask_again && (r = h->ops->freeze(h, freeze)) < 0)
			return cg_fail(e, r, "cannot %s %s: %s", freeze ? "freeze" : "thaw", h->session, strerror(-r));
		if (h->ops->frozen(h, freeze, why, sizeof(why)) > 0)
			return 0;
		if (waited >= FREEZE_MS)
			break;
		nanosleep(&tick, NULL);
	}
	return cg_fail(e, -ETIMEDOUT, "%s after %d s%s", why, FREEZE_MS / 1000, freeze ? "; thawed it again" : "");
}

static int fs_freeze(const struct cg_session *cg, bool freeze, struct carrel_error *e)
{
	const struct cg_hier *h = freezer_of(cg);
	int r;

	if (!h)
		return cg_fail(e, -EOPNOTSUPP, "it has no freezer cgroup (is the v1 freezer controller mounted?)");
	/* v1: FREEZING until every task is frozen; asking again retries the
	 * stragglers. */
	r = cg_wait_frozen(h, freeze, true, e);
	if (r == -ETIMEDOUT && freeze)
		(void)h->ops->freeze(h, false);
	return r;
}

static int fs_release(const struct cg_session *cg, struct carrel_error *e)
{
	for (int i = 0; i < cg->n; i++)
		(void)cg->h[i].ops->freeze(&cg->h[i], false);
	return 0;
}

static int fs_kill(const struct cg_session *cg, const pid_t *except, int n)
{
	int left = 0;

	for (int i = 0; i < cg->n; i++)
		left += cg->h[i].ops->kill(&cg->h[i], except, n);
	/* A frozen cgroup keeps its tasks (killed or not) stopped: thaw it so
	 * that the kill can take effect and the cgroup can be removed. */
	(void)fs_release(cg, NULL);
	return left;
}

static int fs_remove(const struct cg_session *cg, struct carrel_error *e)
{
	struct timespec tick = { .tv_nsec = 100 * 1000 };
	long waited_ns = 0;
	int r = 0;

	for (int i = 0; i < cg->n; i++) {
		/* Tasks that were just killed leave the cgroup a little after they
		 * die; wait up to 3 s for them (backing off from 0.1 ms to 20 ms),
		 * killing any stragglers again every 200 ms. */
		long next_kill = 200 * 1000 * 1000L;
		while (rmdir(cg->h[i].session) < 0) {
			if (errno == ENOENT)
				break;
			if (errno != EBUSY || waited_ns >= 3000 * 1000 * 1000L) {
				r = cg_fail(e, -errno, "cannot remove %s: %s", cg->h[i].session, strerror(errno));
				break;
			}
			if (waited_ns >= next_kill) {
				fs_kill(cg, NULL, 0);
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

/* Does DIR hold a subdirectory (a cgroup)? */
static bool has_subdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d)))
		found = de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	if (d)
		closedir(d);
	return found;
}

static void fs_remove_user(const struct cg_session *cg)
{
	for (int i = 0; i < cg->n; i++) {
		/* Busy with a child: another session of this user lives.  Busy
		 * without one (v1): the session dir just removed is still going
		 * offline; wait for it, bounded (3 s, as for the session dir
		 * above: 0.5 s was too short on 2 loaded CPUs, t-97-faults), or
		 * the next reap takes it. */
		struct timespec tick = { .tv_nsec = 1000 * 1000 };
		for (int tries = 0; rmdir(cg->h[i].user) < 0; tries++) {
			if (errno != EBUSY || tries >= 80 || has_subdir(cg->h[i].user))
				break;
			nanosleep(&tick, NULL);
			if (tick.tv_nsec < 40 * 1000 * 1000)
				tick.tv_nsec *= 2;
		}
		(void)rmdir(cg->h[i].top); /* busy: another user's carrels */
	}
}

static void fs_reap_stale(const struct cg_session *cg, bool (*live)(const char *id, const void *arg), const void *arg)
{
	char path[CG_PATH_MAX + 300];
	DIR *d;
	struct dirent *de;

	/* Every hierarchy holds the same session dirs: list one, ask LIVE once
	 * per session, remove the dead ones everywhere. */
	if (cg->n == 0 || !(d = opendir(cg->h[0].user)))
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "session-", 8) != 0 || live(de->d_name + 8, arg))
			continue;
		for (int i = 0; i < cg->n; i++) {
			snprintf(path, sizeof(path), "%s/%s", cg->h[i].user, de->d_name);
			(void)rmdir(path); /* busy: something still runs there; leave it */
		}
	}
	closedir(d);
	/* Per-user dirs that a failed rmdir or a dead keeper left empty (other
	 * users' too, also under cgroup_parent = self): rmdir only takes an
	 * empty one, and the caller's lock keeps a login from creating one
	 * meanwhile. */
	for (int i = 0; i < cg->n; i++) {
		if (!(d = opendir(cg->h[i].top)))
			continue;
		while ((de = readdir(d))) {
			if (strncmp(de->d_name, "user-", 5) != 0 || de->d_type != DT_DIR)
				continue;
			snprintf(path, sizeof(path), "%s/%s", cg->h[i].top, de->d_name);
			(void)rmdir(path);
		}
		closedir(d);
	}
}

const struct cg_ops cg_cgroupfs_ops = {
	.name = "cgroupfs",
	.create_needs_lock = true,
	.create = fs_create,
	.create_shared = fs_create_shared,
	.create_own = fs_create_own,
	.applied = fs_applied,
	.attach = fs_attach,
	.attach_origin = fs_attach_origin,
	.set_limits = fs_set_limits,
	.freeze = fs_freeze,
	.kill = fs_kill,
	.release = fs_release,
	.remove = fs_remove,
	.remove_user = fs_remove_user,
	.reap_stale = fs_reap_stale,
};
