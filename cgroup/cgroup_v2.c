/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v2: the unified hierarchy. */
#include "cgroup-internal.h"
#include "util.h"

#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool has(const struct cg_hier *h, const char *controller)
{
	return cg_has_word(h->controllers, controller);
}

/* Enable the hierarchy's controllers from the parent of carrel/ down to
 * user-UID, so that the limits can be written on user-UID. */
static int v2_enable(const struct cg_hier *h, struct carrel_error *e)
{
	char parent[CG_PATH_MAX], path[CG_PATH_MAX + 32], avail[256], want[96] = "";
	int r;

	snprintf(parent, sizeof(parent), "%s", h->top);
	dirname(parent);
	snprintf(path, sizeof(path), "%s/cgroup.controllers", parent);
	if (read_file(path, avail, sizeof(avail)) < 0)
		avail[0] = '\0';
	/* Those of the hierarchy's that the parent offers. */
	for (const char *p = h->controllers; *p;) {
		size_t n = strcspn(p, ","), l = strlen(want);
		char c[32];
		snprintf(c, sizeof(c), "%.*s", (int)n, p);
		if (cg_has_word(avail, c))
			snprintf(want + l, sizeof(want) - l, "%s+%s", l ? " " : "", c);
		p += n + (p[n] == ',');
	}
	if ((r = cg_put(parent, "cgroup.subtree_control", want, false, e)) < 0 ||
	    (r = cg_put(h->top, "cgroup.subtree_control", want, false, e)) < 0 ||
	    (r = cg_put(h->user, "cgroup.subtree_control", want, false, e)) < 0)
		return r;
	return 0;
}

static void num(char *buf, size_t size, uint64_t v)
{
	if (v == CARREL_UNLIMITED)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRIu64, v);
}

/* cpuset_cpus / cpuset_mems within what the parent has; "" inherits. */
static int cpuset(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	char cpus[256], mems[256], avail_cpus[256], avail_mems[256];
	int r;

	read_file_line(h->top, "cpuset.cpus.effective", avail_cpus, sizeof(avail_cpus));
	read_file_line(h->top, "cpuset.mems.effective", avail_mems, sizeof(avail_mems));
	if ((r = cg_cpuset_fit("limits.cpuset_cpus", lim->cpuset_cpus, avail_cpus, cpus, sizeof(cpus), NULL, 0, e)) < 0 ||
	    (r = cg_cpuset_fit("limits.cpuset_mems", lim->cpuset_mems, avail_mems, mems, sizeof(mems), NULL, 0, e)) < 0)
		return r;
	/* Nothing asked: no error where the parent has no cpuset to give. */
	if ((r = cg_put(h->user, "cpuset.cpus", cpus[0] ? cpus : "\n", !cpus[0], e)) < 0)
		return r;
	return cg_put(h->user, "cpuset.mems", mems[0] ? mems : "\n", !mems[0], e);
}

/* io_max as io.max lines; devices no longer listed get "max" again. */
static int io_max(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	char path[CG_PATH_MAX + 16], old[4096], v[160], r4[4][24];
	unsigned maj, min;
	int r;

	snprintf(path, sizeof(path), "%s/io.max", h->user);
	if (read_file(path, old, sizeof(old)) > 0) {
		for (char *p = old; sscanf(p, "%u:%u", &maj, &min) == 2;) {
			snprintf(v, sizeof(v), "%u:%u rbps=max wbps=max riops=max wiops=max", maj, min);
			write_file(path, v);
			if (!(p = strchr(p, '\n')))
				break;
			p++;
		}
	}
	for (size_t i = 0; i < CARREL_LIST_MAX && lim->io_max[i][0]; i++) {
		struct carrel_io_item it;

		if ((r = cg_io_resolve(lim->io_max[i], &it, &maj, &min, e)) < 0)
			return r;
		num(r4[0], sizeof(r4[0]), it.rbps);
		num(r4[1], sizeof(r4[1]), it.wbps);
		num(r4[2], sizeof(r4[2]), it.riops);
		num(r4[3], sizeof(r4[3]), it.wiops);
		snprintf(v, sizeof(v), "%u:%u rbps=%s wbps=%s riops=%s wiops=%s", maj, min, r4[0], r4[1], r4[2], r4[3]);
		if ((r = cg_put(h->user, "io.max", v, false, e)) < 0)
			return r;
	}
	return 0;
}

/* hugetlb_max: hugetlb.SIZE.max (a touch beyond it: SIGBUS) and
 * hugetlb.SIZE.rsvd.max (an mmap beyond it: ENOMEM); sizes no longer
 * listed get "max" again. */
static int hugetlb(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	static const uint64_t sizes[] = { 64 << 10, 2 << 20, 32 << 20, 512 << 20, 1ULL << 30, 16ULL << 30 };
	char why[512], name[16], file[64], v[32];
	int r;

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		carrel_hugetlb_name(sizes[s], name, sizeof(name));
		snprintf(file, sizeof(file), "hugetlb.%s.max", name);
		if ((r = cg_put(h->user, file, "max", true, e)) < 0)
			return r;
		snprintf(file, sizeof(file), "hugetlb.%s.rsvd.max", name);
		if ((r = cg_put(h->user, file, "max", true, e)) < 0)
			return r;
	}
	for (size_t i = 0; i < CARREL_LIST_MAX && lim->hugetlb_max[i][0]; i++) {
		struct carrel_hugetlb_item it;

		if ((r = carrel_parse_hugetlb_item("limits.hugetlb_max", lim->hugetlb_max[i], &it, why, sizeof(why))) < 0)
			return cg_fail(e, r, "%s", why);
		carrel_hugetlb_name(it.page, name, sizeof(name));
		num(v, sizeof(v), it.max);
		snprintf(file, sizeof(file), "hugetlb.%s.max", name);
		if ((r = cg_put(h->user, file, v, false, e)) < 0)
			return r;
		snprintf(file, sizeof(file), "hugetlb.%s.rsvd.max", name);
		if ((r = cg_put(h->user, file, v, true, e)) < 0)
			return r;
	}
	return 0;
}

/* devices: a BPF program on user-UID.  Only where this hierarchy is the
 * carrel's main one (it has memory): on a hybrid host the v1 devices
 * controller does it (cgroup_v1.c). */
static int devices(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	struct cg_dev_rules *rules = calloc(1, sizeof(*rules));
	int r;

	if (!rules)
		return cg_fail(e, -ENOMEM, "out of memory");
	r = cg_dev_resolve(lim, rules, NULL, 0, e);
	if (r >= 0)
		r = cg_dev_bpf_apply(h->user, rules, e);
	free(rules);
	return r;
}

int cg_v2_set_more(const struct cg_hier *h, const struct carrel_limits *lim, bool own_tree, struct carrel_error *e)
{
	char high[32];
	int r;

	num(high, sizeof(high), lim->memory_high);
	if (own_tree && has(h, "memory") && (r = cg_put(h->user, "memory.high", high, false, e)) < 0)
		return r;
	if (own_tree && has(h, "cpuset") && (r = cpuset(h, lim, e)) < 0)
		return r;
	if (own_tree && has(h, "io") && (r = io_max(h, lim, e)) < 0)
		return r;
	if (own_tree && has(h, "hugetlb") && (r = hugetlb(h, lim, e)) < 0)
		return r;
	if (has(h, "memory") && (r = devices(h, lim, e)) < 0)
		return r;
	cg_record_write(h->user, lim);
	return 0;
}

static int v2_set_limits(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	char mem[32], swap[32], pids[32], cpu[48], cw[16], iow[24];
	int r;

	num(mem, sizeof(mem), lim->memory_max);
	num(swap, sizeof(swap), lim->memory_swap_max);
	num(pids, sizeof(pids), lim->pids_max);
	if (lim->cpu_max == CARREL_UNLIMITED)
		snprintf(cpu, sizeof(cpu), "max 100000");
	else
		snprintf(cpu, sizeof(cpu), "%" PRIu64 " 100000", lim->cpu_max * 1000);
	snprintf(cw, sizeof(cw), "%u", lim->cpu_weight);
	snprintf(iow, sizeof(iow), "default %u", lim->io_weight);
	if (has(h, "memory") && ((r = cg_put(h->user, "memory.max", mem, false, e)) < 0 ||
				 (r = cg_put(h->user, "memory.swap.max", swap, true, e)) < 0))
		return r;
	if (has(h, "pids") && (r = cg_put(h->user, "pids.max", pids, false, e)) < 0)
		return r;
	if (has(h, "cpu") && ((r = cg_put(h->user, "cpu.max", cpu, true, e)) < 0 ||
			      (r = cg_put(h->user, "cpu.weight", cw, true, e)) < 0))
		return r;
	if (has(h, "io") && (r = cg_put(h->user, "io.weight", iow, true, e)) < 0)
		return r;
	return cg_v2_set_more(h, lim, true, e);
}

static void keep(uint64_t *field, uint64_t v)
{
	if (v != CG_UNKNOWN)
		*field = v;
}

static void v2_read_limits(const struct cg_hier *h, struct carrel_limits *lim)
{
	char path[CG_PATH_MAX + 16], buf[64];
	unsigned long long q, p;
	uint64_t v;

	if (has(h, "memory")) {
		keep(&lim->memory_max, cg_read_value(h->user, "memory.max", ""));
		keep(&lim->memory_swap_max, cg_read_value(h->user, "memory.swap.max", ""));
	}
	if (has(h, "pids"))
		keep(&lim->pids_max, cg_read_value(h->user, "pids.max", ""));
	if (has(h, "cpu")) {
		snprintf(path, sizeof(path), "%s/cpu.max", h->user);
		if (read_file(path, buf, sizeof(buf)) > 0) {
			if (strncmp(buf, "max", 3) == 0)
				lim->cpu_max = CARREL_UNLIMITED;
			else if (sscanf(buf, "%llu %llu", &q, &p) == 2 && p > 0)
				lim->cpu_max = (q * 100 + p / 2) / p;
		}
		v = cg_read_value(h->user, "cpu.weight", "");
		if (v >= 1 && v <= 10000)
			lim->cpu_weight = (uint32_t)v;
	}
	if (has(h, "io")) {
		v = cg_read_value(h->user, "io.weight", "default");
		if (v >= 1 && v <= 10000)
			lim->io_weight = (uint32_t)v;
	}
	if (has(h, "memory"))
		keep(&lim->memory_high, cg_read_value(h->user, "memory.high", ""));
	if (has(h, "cpuset")) {
		read_file_line(h->user, "cpuset.cpus", lim->cpuset_cpus, sizeof(lim->cpuset_cpus));
		read_file_line(h->user, "cpuset.mems", lim->cpuset_mems, sizeof(lim->cpuset_mems));
	}
	cg_record_read(h->user, lim);
}

static void v2_usage(const struct cg_hier *h, struct cg_usage *u)
{
	if (has(h, "memory")) {
		cg_fill(&u->memory_current, cg_read_value(h->session, "memory.current", ""));
		cg_fill(&u->memory_peak, cg_read_value(h->session, "memory.peak", ""));
		cg_fill(&u->memory_max, cg_read_value(h->user, "memory.max", ""));
		cg_fill(&u->oom_kills, cg_read_value(h->session, "memory.events", "oom_kill"));
	}
	if (has(h, "pids")) {
		cg_fill(&u->pids_current, cg_read_value(h->session, "pids.current", ""));
		cg_fill(&u->pids_peak, cg_read_value(h->session, "pids.peak", ""));
		cg_fill(&u->pids_max, cg_read_value(h->user, "pids.max", ""));
	}
	if (has(h, "memory"))
		cg_fill(&u->memory_high_events, cg_read_value(h->user, "memory.events", "high"));
	if (has(h, "io"))
		cg_io_bytes(h->session, "io.stat", "rbytes=", "wbytes=", u);
	if (has(h, "hugetlb"))
		cg_fill(&u->hugetlb_max_events, cg_read_value(h->user, "hugetlb.2MB.events", "max"));
	if (has(h, "cpu")) {
		cg_fill(&u->cpu_usec, cg_read_value(h->session, "cpu.stat", "usage_usec"));
		cg_fill(&u->throttled_usec, cg_read_value(h->session, "cpu.stat.local", "throttled_usec"));
		cg_fill(&u->user_throttled_usec, cg_read_value(h->user, "cpu.stat", "throttled_usec"));
	}
}

/* The freezer is the core's (cgroup.freeze): every v2 cgroup has it. */
static int v2_freeze(const struct cg_hier *h, bool freeze)
{
	char path[CG_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/cgroup.freeze", h->session);
	return write_file(path, freeze ? "1" : "0");
}

/* cgroup.events says "frozen 1" (or 0) once it is so. */
static int v2_frozen(const struct cg_hier *h, bool want, char *why, size_t size)
{
	char path[CG_PATH_MAX + 32], buf[512], w[16];
	const char *p;

	snprintf(path, sizeof(path), "%s/cgroup.events", h->session);
	snprintf(w, sizeof(w), "frozen %d", want);
	if (read_file(path, buf, sizeof(buf)) > 0 && (p = strstr(buf, "frozen ")) && strncmp(p, w, strlen(w)) == 0)
		return 1;
	snprintf(why, size, "%s does not say \"%s\"", path, w);
	return 0;
}

static int v2_kill(const struct cg_hier *h, const pid_t *except, int n)
{
	char path[CG_PATH_MAX + 16];

	/* The kernel's own, race-free kill of the whole cgroup, where nothing
	 * is to be spared. */
	snprintf(path, sizeof(path), "%s/cgroup.kill", h->session);
	if (n == 0 && write_file(path, "1") == 0)
		return 0;
	return cg_kill_listed(h, except, n);
}

const struct cg_hier_ops cg_v2_ops = {
	.version = 2,
	.enable = v2_enable,
	.set_limits = v2_set_limits,
	.read_limits = v2_read_limits,
	.usage = v2_usage,
	.freeze = v2_freeze,
	.frozen = v2_frozen,
	.kill = v2_kill,
};
