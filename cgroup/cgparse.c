/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pure parts of the cgroup folder: mountinfo lines, /proc/PID/cgroup,
 * unit names, which hierarchy holds which controller.  No file is read
 * here (the callers read and pass the text), so tests/unit/test_cgroup.c
 * feeds them hostile input directly.
 */
#include "cgroup-internal.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* The controllers carrel uses: limits (memory, pids, cpu, blkio/io),
 * accounting (cpuacct) and freeze/thaw (v1 freezer; v2 has it built in). */
/* cpuset, devices, hugetlb: the limits of carrel.conf(5); perf_event: so that
 * `perf stat -G` sees the carrels where that hierarchy is mounted. */
static const char *const v1_wanted[] = { "memory", "pids", "cpu", "cpuacct", "freezer", "blkio",
					 "cpuset", "devices", "hugetlb", "perf_event" };
static const char *const v2_wanted[] = { "memory", "pids", "cpu", "io", "cpuset", "hugetlb" };

bool cg_has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	if (n == 0)
		return false;
	for (const char *p = list; (p = strstr(p, word)); p += n)
		/* v1 lists are comma-separated, cgroup.controllers space-separated. */
		if ((p == list || strchr(", \n", p[-1])) && (p[n] == '\0' || strchr(", \n", p[n])))
			return true;
	return false;
}

int cg_parse_proc_cgroup(const char *procfile, const char *ctrl, char *out, size_t size)
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
		bool match = *want ? cg_has_word(field, want) : (strncmp(line, "0::", 3) == 0);
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

void cg_pick_controllers(const char *list, const char *const *wanted, size_t n, char *out, size_t size)
{
	size_t l = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (cg_has_word(list, wanted[i]) && l < size)
			l += (size_t)snprintf(out + l, size - l, "%s%s", l ? "," : "", wanted[i]);
}

int cg_parse_mountinfo_line(const char *line, const char *const *wanted, size_t nwanted, struct cg_mount *m)
{
	char root[256], path[256], fstype[32], opts[512];
	const char *sep = strstr(line, " - ");

	if (!sep || sscanf(line, "%*s %*s %*s %255s %255s", root, path) != 2 ||
	    sscanf(sep + 3, "%31s %*s %511s", fstype, opts) != 2 || strcmp(root, "/") != 0)
		return -ENOENT;
	m->v2 = strcmp(fstype, "cgroup2") == 0;
	if (!m->v2 && strcmp(fstype, "cgroup") != 0)
		return -ENOENT;
	snprintf(m->path, sizeof(m->path), "%s", path);
	m->controllers[0] = '\0';
	if (!m->v2)
		cg_pick_controllers(opts, wanted, nwanted, m->controllers, sizeof(m->controllers));
	return 0;
}

int cg_pick_hierarchies(struct cg_session *cg, const struct cg_mount *m, int n, const char *ctrls2)
{
	int memory_version = 0, any = 0;

	cg->n = 0;
	for (int i = 0; i < n && cg->n < CG_MAX_HIER; i++) {
		struct cg_hier *h = &cg->h[cg->n];
		char c[64];
		if (m[i].v2)
			cg_pick_controllers(ctrls2, v2_wanted, ARRAY_SIZE(v2_wanted), c, sizeof(c));
		else
			cg_pick_controllers(m[i].controllers, v1_wanted, ARRAY_SIZE(v1_wanted), c, sizeof(c));
		/* A hierarchy holds a controller or none: only those that hold
		 * one carrel uses (on a hybrid host: v1 for the limits, the
		 * unified one only once a wanted controller is there). */
		if (!c[0])
			continue;
		/* The first mount of a hierarchy is the one used. */
		bool seen = false;
		for (int j = 0; j < cg->n && !seen; j++)
			seen = (cg->h[j].ops->version == 2) == m[i].v2 && strcmp(cg->h[j].controllers, c) == 0;
		if (seen)
			continue;
		memset(h, 0, sizeof(*h));
		h->ops = m[i].v2 ? &cg_v2_ops : &cg_v1_ops;
		snprintf(h->controllers, sizeof(h->controllers), "%s", c);
		snprintf(h->mount, sizeof(h->mount), "%s", m[i].path);
		if (cg_has_word(c, "memory"))
			memory_version = h->ops->version;
		any = any ? any : h->ops->version;
		cg->n++;
	}
	cg->version = memory_version ? memory_version : any ? any : 1;
	return cg->n > 0 ? 0 : -ENOENT;
}

bool cg_unit_name_ok(const char *u)
{
	size_t n = strlen(u);

	if (n == 0 || n >= sizeof(((struct cg_session *)0)->unit) || u[0] == '.' ||
	    strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._-") != n)
		return false;
	return (n > 6 && strcmp(u + n - 6, ".scope") == 0) || (n > 8 && strcmp(u + n - 8, ".service") == 0);
}

bool cg_parse_user_unit(uid_t uid, const char *procfile, char *unit, size_t size)
{
	char own[CG_PATH_MAX], slice[64];
	size_t sl;

	if (cg_parse_proc_cgroup(procfile, "", own, sizeof(own)) < 0)
		return false;
	sl = (size_t)snprintf(slice, sizeof(slice), "/user.slice/user-%u.slice/", (unsigned)uid);
	if (strncmp(own, slice, sl) != 0 || strchr(own + sl, '/') || !cg_unit_name_ok(own + sl))
		return false;
	snprintf(unit, size, "%s", own + sl);
	return true;
}

bool cg_parse_login_unit(uid_t uid, const char *procfile, bool login_is_systemd, char *unit, size_t size)
{
	char mgr[48];
	size_t n;

	if (!cg_parse_user_unit(uid, procfile, unit, size))
		return false;
	snprintf(mgr, sizeof(mgr), "user@%u.service", (unsigned)uid);
	if (strcmp(unit, mgr) == 0)
		return login_is_systemd;
	/* logind's session ids: the audit session id, or c1, c2... without one. */
	if (strncmp(unit, "session-", 8) != 0)
		return false;
	unit += 8 + (unit[8] == 'c');
	n = strspn(unit, "0123456789");
	return n > 0 && strcmp(unit + n, ".scope") == 0;
}
