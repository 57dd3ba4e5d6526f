/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v1: one hierarchy per controller (or co-mounted group). */
#include "cgroup-internal.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* v1 reports "no limit" as the largest page-aligned long (LONG_MAX rounded
 * down to a page); anything this large is no limit. */
#define V1_UNLIMITED_FROM (1ULL << 62)

static bool has(const struct cg_hier *h, const char *controller)
{
	return cg_has_word(h->controllers, controller);
}

static void num(char *buf, size_t size, uint64_t v)
{
	if (v == CARREL_UNLIMITED)
		snprintf(buf, size, "-1");
	else
		snprintf(buf, size, "%" PRIu64, v);
}

static int memory(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	char mem[32], memsw[32];
	int r;

	num(mem, sizeof(mem), lim->memory_max);
	if (lim->memory_max == CARREL_UNLIMITED || lim->memory_swap_max == CARREL_UNLIMITED ||
	    lim->memory_swap_max > UINT64_MAX - lim->memory_max)
		snprintf(memsw, sizeof(memsw), "-1");
	else
		num(memsw, sizeof(memsw), lim->memory_max + lim->memory_swap_max);
	/* memsw must stay >= limit at every step: lift it, set the limit, lower it. */
	if ((r = cg_put(h->user, "memory.memsw.limit_in_bytes", "-1", true, e)) < 0 ||
	    (r = cg_put(h->user, "memory.limit_in_bytes", mem, false, e)) < 0 ||
	    (r = cg_put(h->user, "memory.memsw.limit_in_bytes", memsw, true, e)) < 0)
		return r;
	/* Without swap accounting (no memsw files) keep the user off swap at least. */
	if (lim->memory_swap_max == 0)
		return cg_put(h->user, "memory.swappiness", "0", true, e);
	return 0;
}

static int cpu(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	char quota[32], shares[32];
	int r;

	if (lim->cpu_max == CARREL_UNLIMITED)
		snprintf(quota, sizeof(quota), "-1");
	else
		snprintf(quota, sizeof(quota), "%" PRIu64, lim->cpu_max * 1000); /* of 100000 us */
	/* v2 weight 100 is v1 shares 1024. */
	snprintf(shares, sizeof(shares), "%u", lim->cpu_weight * 1024 / 100 < 2 ? 2 : lim->cpu_weight * 1024 / 100);
	if ((r = cg_put(h->user, "cpu.cfs_period_us", "100000", true, e)) < 0 ||
	    (r = cg_put(h->user, "cpu.cfs_quota_us", quota, true, e)) < 0)
		return r;
	return cg_put(h->user, "cpu.shares", shares, false, e);
}

static int blkio(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	char w[16];
	unsigned v = lim->io_weight * 5; /* v2 100 (default) is v1 500 (default) */

	snprintf(w, sizeof(w), "%u", v < 10 ? 10 : v > 1000 ? 1000 : v);
	/* Only with a proportional I/O scheduler; absent otherwise. */
	int r = cg_put(h->user, "blkio.bfq.weight", w, true, e);
	return r < 0 ? r : cg_put(h->user, "blkio.weight", w, true, e);
}

/* FN(DIR, ...) for each session-* cgroup under H's user cgroup. */
static int each_session(const struct cg_hier *h, int (*fn)(const char *dir, const void *arg, struct carrel_error *e),
			const void *arg, struct carrel_error *e)
{
	DIR *d = opendir(h->user);
	struct dirent *de;
	char dir[CG_PATH_MAX];
	int r = 0;

	if (!d)
		return 0;
	while (r >= 0 && (de = readdir(d)))
		if (strncmp(de->d_name, "session-", 8) == 0 && cg_pathf(dir, "%s/%s", h->user, de->d_name) == 0) {
			r = fn(dir, arg, e);
			/* A session of the user that is closing: its keeper removes
			 * its cgroup (holding no lock) while a new login's open sets
			 * the user's limits here.  Gone since readdir (ENOENT), or
			 * removed between our open and write of its file (ENODEV: a
			 * dead cpuset): no task is left there for the limit, so it
			 * is no reason to refuse this login.  Only if the directory
			 * is gone now: a live session's cannot be (rmdir: EBUSY). */
			if ((r == -ENOENT || r == -ENODEV) && access(dir, F_OK) < 0 && errno == ENOENT)
				r = 0;
		}
	closedir(d);
	return r;
}

/* memory_high: v1 has no throttling limit; the soft limit only steers
 * reclaim under global memory pressure (carrel.conf(5)). */
static int memory_high(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	char v[32];

	num(v, sizeof(v), lim->memory_high);
	return cg_put(h->user, "memory.soft_limit_in_bytes", v, true, e);
}

static int put_cpuset(const char *dir, const void *arg, struct carrel_error *e)
{
	const char *const *v = arg;
	int r = cg_put(dir, "cpuset.cpus", v[0], false, e);

	return r < 0 ? r : cg_put(dir, "cpuset.mems", v[1], false, e);
}

/*
 * A v1 cpuset starts empty and takes no task until cpus and mems are set:
 * carrel/ copies its parent's, user-UID gets the limit within carrel/'s
 * (or carrel/'s own), and its sessions copy it (cgroup.clone_children).
 * A parent cannot shrink under a child (EBUSY): the sessions first then.
 */
static int cpuset(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	char parent[CG_PATH_MAX], cpus[256], mems[256], top_cpus[256] = "", top_mems[256] = "";
	const char *v[2] = { cpus, mems };
	int r;

	snprintf(parent, sizeof(parent), "%s", h->top);
	*strrchr(parent, '/') = '\0';
	read_file_line(h->top, "cpuset.cpus", top_cpus, sizeof(top_cpus));
	read_file_line(h->top, "cpuset.mems", top_mems, sizeof(top_mems));
	if (!top_cpus[0] || !top_mems[0]) {
		read_file_line(parent, "cpuset.cpus", top_cpus, sizeof(top_cpus));
		read_file_line(parent, "cpuset.mems", top_mems, sizeof(top_mems));
		v[0] = top_cpus;
		v[1] = top_mems;
		if ((r = put_cpuset(h->top, v, e)) < 0)
			return r;
		v[0] = cpus;
		v[1] = mems;
	}
	if ((r = cg_cpuset_fit("limits.cpuset_cpus", lim->cpuset_cpus, top_cpus, cpus, sizeof(cpus), NULL, 0, e)) < 0 ||
	    (r = cg_cpuset_fit("limits.cpuset_mems", lim->cpuset_mems, top_mems, mems, sizeof(mems), NULL, 0, e)) < 0)
		return r;
	if (!cpus[0])
		snprintf(cpus, sizeof(cpus), "%s", top_cpus);
	if (!mems[0])
		snprintf(mems, sizeof(mems), "%s", top_mems);
	/* What user-UID has already (the user's other logins wrote it, and
	 * its sessions copied it): nothing to redo in each of them, which at
	 * 200 logins of one user was most of the carrel lock's time. */
	char cur_cpus[256] = "", cur_mems[256] = "";
	read_file_line(h->user, "cpuset.cpus", cur_cpus, sizeof(cur_cpus));
	read_file_line(h->user, "cpuset.mems", cur_mems, sizeof(cur_mems));
	if (cur_cpus[0] && strcmp(cur_cpus, cpus) == 0 && strcmp(cur_mems, mems) == 0)
		return 0;
	if ((r = cg_put(h->user, "cgroup.clone_children", "1", true, e)) < 0)
		return r;
	r = put_cpuset(h->user, v, e);
	if (r == -EBUSY && (r = each_session(h, put_cpuset, v, e)) >= 0)
		r = put_cpuset(h->user, v, e);
	return r < 0 ? r : each_session(h, put_cpuset, v, e);
}

/* io_max on one session cgroup (v1 throttling is flat: on the leaf). */
static int throttle(const char *dir, const void *arg, struct carrel_error *e)
{
	static const char *const files[] = { "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
					     "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device" };
	const struct carrel_limits *lim = arg;
	char path[CG_PATH_MAX + 64], old[4096], v[64];
	unsigned maj, min;
	int r;

	/* What is there and no longer listed goes (0 removes a rule). */
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
		if (read_file(path, old, sizeof(old)) <= 0)
			continue;
		for (char *p = old; sscanf(p, "%u:%u", &maj, &min) == 2; p = strchr(p, '\n') + 1) {
			snprintf(v, sizeof(v), "%u:%u 0", maj, min);
			write_file(path, v);
			if (!strchr(p, '\n'))
				break;
		}
	}
	for (size_t i = 0; i < CARREL_LIST_MAX && lim->io_max[i][0]; i++) {
		struct carrel_io_item it;
		uint64_t rate[4];

		if ((r = cg_io_resolve(lim->io_max[i], &it, &maj, &min, e)) < 0)
			return r;
		rate[0] = it.rbps, rate[1] = it.wbps, rate[2] = it.riops, rate[3] = it.wiops;
		for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
			if (rate[f] == CARREL_UNLIMITED)
				continue;
			snprintf(v, sizeof(v), "%u:%u %" PRIu64, maj, min, rate[f]);
			if ((r = cg_put(dir, files[f], v, false, e)) < 0)
				return r;
		}
	}
	return 0;
}

/* Rules are written to FILE of DIR; ACC 0 writes nothing. */
static int put_dev(const char *dir, const char *file, char type, unsigned major, int64_t minor, unsigned acc,
		   struct carrel_error *e)
{
	char v[64], m[24];

	if (!acc)
		return 0;
	if (minor < 0)
		snprintf(m, sizeof(m), "*");
	else
		snprintf(m, sizeof(m), "%" PRId64, minor);
	snprintf(v, sizeof(v), "%c %u:%s %s%s%s", type, major, m, acc & CARREL_DEV_READ ? "r" : "",
		 acc & CARREL_DEV_WRITE ? "w" : "", acc & CARREL_DEV_MKNOD ? "m" : "");
	return cg_put(dir, file, v, false, e);
}

/*
 * The deny rules less what an allow names, written to FILE of DIR
 * (devices.deny to apply them, devices.allow to take them back: in
 * deny-list mode an exact entry is removed).  v1 cannot carve an allowed
 * minor out of a denied major: such a major is denied minor by minor,
 * 0-255 (NVIDIA's range), which carrel.conf(5) says.
 */
static int dev_rules(const char *dir, const char *file, const struct cg_dev_rules *rules, struct carrel_error *e)
{
	int r = 0;

	for (int i = 0; r >= 0 && i < rules->n_deny; i++) {
		const struct cg_dev_rule *d = &rules->deny[i];
		bool carved = false;

		for (int j = 0; d->minor < 0 && j < rules->n_allow; j++)
			carved = carved || (rules->allow[j].type == d->type && rules->allow[j].major == d->major);
		if (d->minor < 0 && carved) {
			for (int64_t m = 0; r >= 0 && m < 256; m++)
				r = put_dev(dir, file, d->type, d->major, m,
					    d->access & ~cg_dev_allowed(rules, d->type, d->major, m), e);
		} else {
			r = put_dev(dir, file, d->type, d->major, d->minor,
				    d->access & ~cg_dev_allowed(rules, d->type, d->major, d->minor), e);
		}
	}
	return r;
}

static int dev_take_back(const char *dir, const void *old, struct carrel_error *e)
{
	return dev_rules(dir, "devices.allow", old, e);
}

static int dev_put(const char *dir, const void *now, struct carrel_error *e)
{
	return dev_rules(dir, "devices.deny", now, e);
}

/* Deny-list mode (the default: everything allowed): the old rules (from
 * the record) are taken back, then the new ones written, on user-UID and
 * each of its sessions (a child keeps what it had).  A child may only be
 * given back what its parent allows, so user-UID goes first each time;
 * between the two steps of a live change the old denies are lifted for a
 * moment (carrel.conf(5)). */
static int devices(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	struct carrel_limits *old = calloc(1, sizeof(*old));
	struct cg_dev_rules *rules = calloc(2, sizeof(*rules));
	int r = -ENOMEM;

	if (old && rules) {
		snprintf(old->devices_deny[0], sizeof(old->devices_deny[0]), "?"); /* stays if there is no record */
		cg_record_read(h->user, old);
		/* The same rules as the user's other logins: nothing to redo (and
		 * no moment where their denies are taken back). */
		if (memcmp(old->devices_deny, lim->devices_deny, sizeof(old->devices_deny)) == 0 &&
		    memcmp(old->devices_allow, lim->devices_allow, sizeof(old->devices_allow)) == 0) {
			free(old);
			free(rules);
			return 0;
		}
		if (cg_dev_resolve(old, &rules[0], NULL, 0, NULL) < 0)
			rules[0].n_deny = 0;
		r = cg_dev_resolve(lim, &rules[1], NULL, 0, e);
		if (r >= 0)
			r = dev_take_back(h->user, &rules[0], e);
		if (r >= 0)
			r = each_session(h, dev_take_back, &rules[0], e);
		if (r >= 0)
			r = dev_put(h->user, &rules[1], e);
		if (r >= 0)
			r = each_session(h, dev_put, &rules[1], e);
	} else {
		cg_fail(e, r, "out of memory");
	}
	free(old);
	free(rules);
	return r;
}

/* hugetlb_max, on v1 where the hierarchy is (on cgroup2 here: cgroup_v2.c). */
static int hugetlb(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	for (size_t i = 0; i < CARREL_LIST_MAX && lim->hugetlb_max[i][0]; i++) {
		struct carrel_hugetlb_item it;
		char why[512], name[16], file[64], v[32];
		int r;

		if ((r = carrel_parse_hugetlb_item("limits.hugetlb_max", lim->hugetlb_max[i], &it, why, sizeof(why))) < 0)
			return cg_fail(e, r, "%s", why);
		carrel_hugetlb_name(it.page, name, sizeof(name));
		snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", name);
		num(v, sizeof(v), it.max);
		if ((r = cg_put(h->user, file, v, false, e)) < 0)
			return r;
	}
	return 0;
}

/* After the session cgroup is made: what v1 sets on the leaf. */
static int v1_session_created(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	return has(h, "blkio") ? throttle(h->session, lim, e) : 0;
}

/* Does the record on user-UID say its sessions have LIM's io_max already?
 * Each session got it when it was made (v1_session_created) or when it
 * changed (each_session below), so a login with the same rules need not
 * read and rewrite four files in every other session of the user: at 200
 * logins of one user that was most of the time under the carrel lock
 * (tests/RESULTS.md round 5).  No record (none written yet, or no xattrs
 * here): not known, rewrite. */
static bool io_recorded(const struct cg_hier *h, const struct carrel_limits *lim)
{
	struct carrel_limits *old = calloc(1, sizeof(*old));
	bool same;

	if (!old)
		return false;
	snprintf(old->io_max[0], sizeof(old->io_max[0]), "?"); /* stays if there is no record */
	cg_record_read(h->user, old);
	same = memcmp(old->io_max, lim->io_max, sizeof(old->io_max)) == 0;
	free(old);
	return same;
}

/* The sessions' io throttles are no longer what the record says (a change
 * failed after it began to rewrite them): record them as not known, so that
 * the next change of any kind - a rollback to the old limits included -
 * rewrites them instead of trusting the record.  The record's other lists
 * stay as they were ("?" where there was no record: not known either). */
static void io_unknown(const struct cg_hier *h)
{
	struct carrel_limits *rec = calloc(1, sizeof(*rec));

	if (!rec) {
		cg_record_forget(h->user);
		return;
	}
	snprintf(rec->hugetlb_max[0], sizeof(rec->hugetlb_max[0]), "?");
	snprintf(rec->devices_deny[0], sizeof(rec->devices_deny[0]), "?");
	cg_record_read(h->user, rec);
	memset(rec->io_max, 0, sizeof(rec->io_max));
	snprintf(rec->io_max[0], sizeof(rec->io_max[0]), "?");
	cg_record_write(h->user, rec);
	free(rec);
}

static int v1_set_limits(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	bool io = false;
	char pids[32];
	int r = 0;

	if (has(h, "memory") && (r = memory_high(h, lim, e)) < 0)
		return r;
	if (has(h, "cpuset") && (r = cpuset(h, lim, e)) < 0)
		return r;
	if (has(h, "blkio") && !io_recorded(h, lim)) {
		io = true;
		if ((r = each_session(h, throttle, lim, e)) < 0)
			goto list_failed;
	}
	if (has(h, "devices") && (r = devices(h, lim, e)) < 0)
		goto list_failed;
	if (has(h, "hugetlb") && (r = hugetlb(h, lim, e)) < 0)
		goto list_failed;
	cg_record_write(h->user, lim);

	if (has(h, "memory") && (r = memory(h, lim, e)) < 0)
		return r;
	if (has(h, "pids")) {
		if (lim->pids_max == CARREL_UNLIMITED)
			snprintf(pids, sizeof(pids), "max");
		else
			snprintf(pids, sizeof(pids), "%" PRIu64, lim->pids_max);
		if ((r = cg_put(h->user, "pids.max", pids, false, e)) < 0)
			return r;
	}
	if (has(h, "cpu") && (r = cpu(h, lim, e)) < 0)
		return r;
	if (has(h, "blkio"))
		r = blkio(h, lim, e);
	return r;

list_failed:
	/* blkio co-mounted with devices or hugetlb: the throttles may be
	 * rewritten while the record still names the old ones. */
	if (io)
		io_unknown(h);
	return r;
}

static uint64_t v1_limit(uint64_t v)
{
	return v != CG_UNKNOWN && v >= V1_UNLIMITED_FROM ? CARREL_UNLIMITED : v;
}

static uint64_t per_1000(uint64_t v)
{
	return v == CG_UNKNOWN || v == CARREL_UNLIMITED ? v : v / 1000;
}

static void keep(uint64_t *field, uint64_t v)
{
	if (v != CG_UNKNOWN)
		*field = v;
}

static void v1_read_limits(const struct cg_hier *h, struct carrel_limits *lim)
{
	uint64_t v, w;

	if (has(h, "memory")) {
		v = v1_limit(cg_read_value(h->user, "memory.limit_in_bytes", ""));
		keep(&lim->memory_max, v);
		w = v1_limit(cg_read_value(h->user, "memory.memsw.limit_in_bytes", ""));
		if (w != CG_UNKNOWN && v != CG_UNKNOWN) {
			/* memsw is memory + swap; either without a limit leaves swap without one. */
			if (w == CARREL_UNLIMITED || v == CARREL_UNLIMITED)
				lim->memory_swap_max = CARREL_UNLIMITED;
			else
				lim->memory_swap_max = w >= v ? w - v : 0;
		} else if ((w = cg_read_value(h->user, "memory.swappiness", "")) != CG_UNKNOWN) {
			/* Without swap accounting the helper keeps a user off swap by swappiness 0. */
			lim->memory_swap_max = w == 0 ? 0 : CARREL_UNLIMITED;
		}
	}
	if (has(h, "pids"))
		keep(&lim->pids_max, cg_read_value(h->user, "pids.max", ""));
	if (has(h, "cpu")) {
		v = cg_read_value(h->user, "cpu.cfs_quota_us", "");
		w = cg_read_value(h->user, "cpu.cfs_period_us", "");
		if (v == CARREL_UNLIMITED)
			lim->cpu_max = CARREL_UNLIMITED;
		else if (v != CG_UNKNOWN && w != CG_UNKNOWN && w > 0)
			lim->cpu_max = (v * 100 + w / 2) / w;
		/* v1 shares 1024 is v2 weight 100. */
		v = cg_read_value(h->user, "cpu.shares", "");
		if (v != CG_UNKNOWN && v != CARREL_UNLIMITED) {
			v = (v * 100 + 512) / 1024;
			lim->cpu_weight = (uint32_t)(v < 1 ? 1 : v > 10000 ? 10000 : v);
		}
	}
	if (has(h, "memory"))
		keep(&lim->memory_high, v1_limit(cg_read_value(h->user, "memory.soft_limit_in_bytes", "")));
	if (has(h, "cpuset")) {
		read_file_line(h->user, "cpuset.cpus", lim->cpuset_cpus, sizeof(lim->cpuset_cpus));
		read_file_line(h->user, "cpuset.mems", lim->cpuset_mems, sizeof(lim->cpuset_mems));
	}
	cg_record_read(h->user, lim);
	if (has(h, "blkio")) {
		/* blkio weight 500 is io weight 100. */
		v = cg_read_value(h->user, "blkio.bfq.weight", "");
		if (v == CG_UNKNOWN)
			v = cg_read_value(h->user, "blkio.weight", "");
		if (v != CG_UNKNOWN && v != CARREL_UNLIMITED) {
			v = (v + 2) / 5;
			lim->io_weight = (uint32_t)(v < 1 ? 1 : v > 10000 ? 10000 : v);
		}
	}
}

static void v1_usage(const struct cg_hier *h, struct cg_usage *u)
{
	if (has(h, "memory")) {
		cg_fill(&u->memory_current, cg_read_value(h->session, "memory.usage_in_bytes", ""));
		cg_fill(&u->memory_peak, cg_read_value(h->session, "memory.max_usage_in_bytes", ""));
		cg_fill(&u->memory_max, v1_limit(cg_read_value(h->user, "memory.limit_in_bytes", "")));
		/* The kernel counts a v1 OOM kill in the victim's cgroup, whichever
		 * ancestor's limit was hit. */
		cg_fill(&u->oom_kills, cg_read_value(h->session, "memory.oom_control", "oom_kill"));
	}
	if (has(h, "pids")) {
		cg_fill(&u->pids_current, cg_read_value(h->session, "pids.current", ""));
		cg_fill(&u->pids_peak, cg_read_value(h->session, "pids.peak", ""));
		cg_fill(&u->pids_max, cg_read_value(h->user, "pids.max", ""));
	}
	if (has(h, "blkio"))
		cg_io_bytes(h->session, "blkio.throttle.io_service_bytes", "Read", "Write", u);
	if (has(h, "hugetlb"))
		cg_fill(&u->hugetlb_max_events, cg_read_value(h->user, "hugetlb.2MB.failcnt", ""));
	if (has(h, "cpuacct"))
		cg_fill(&u->cpu_usec, per_1000(cg_read_value(h->session, "cpuacct.usage", "")));
	if (has(h, "cpu")) {
		cg_fill(&u->throttled_usec, per_1000(cg_read_value(h->session, "cpu.stat.local", "throttled_time")));
		cg_fill(&u->user_throttled_usec, per_1000(cg_read_value(h->user, "cpu.stat", "throttled_time")));
	}
}

static int v1_freeze(const struct cg_hier *h, bool freeze)
{
	char path[CG_PATH_MAX + 32];

	if (!has(h, "freezer"))
		return -EOPNOTSUPP;
	snprintf(path, sizeof(path), "%s/freezer.state", h->session);
	return write_file(path, freeze ? "FROZEN" : "THAWED");
}

static int v1_frozen(const struct cg_hier *h, bool want, char *why, size_t size)
{
	char path[CG_PATH_MAX + 32], state[32] = "";
	const char *w = want ? "FROZEN" : "THAWED";

	snprintf(path, sizeof(path), "%s/freezer.state", h->session);
	if (read_file(path, state, sizeof(state)) > 0 && strncmp(state, w, strlen(w)) == 0)
		return 1;
	state[strcspn(state, "\n")] = '\0';
	snprintf(why, size, "%s is still %s", path, state[0] ? state : "unreadable");
	return 0;
}

static int v1_kill(const struct cg_hier *h, const pid_t *except, int n)
{
	return cg_kill_listed(h, except, n);
}

const struct cg_hier_ops cg_v1_ops = {
	.version = 1,
	.set_limits = v1_set_limits,
	.session_created = v1_session_created,
	.read_limits = v1_read_limits,
	.usage = v1_usage,
	.freeze = v1_freeze,
	.frozen = v1_frozen,
	.kill = v1_kill,
};
