/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v1: one hierarchy per controller (or co-mounted group). */
#include "cgroup-internal.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
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

static int v1_set_limits(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e)
{
	char pids[32];
	int r = 0;

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
	.read_limits = v1_read_limits,
	.usage = v1_usage,
	.freeze = v1_freeze,
	.frozen = v1_frozen,
	.kill = v1_kill,
};
