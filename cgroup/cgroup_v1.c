/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v1: one hierarchy per controller (or co-mounted group). */
#include "cgroup.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int put(const struct cg_hier *h, const char *file, const char *val, bool optional,
	       const char **failed)
{
	static __thread char path[CG_PATH_MAX + 64];
	int r;

	snprintf(path, sizeof(path), "%s/%s", h->user, file);
	if (optional && access(path, F_OK) < 0)
		return 0;
	if ((r = write_file(path, val)) < 0)
		*failed = path;
	return r;
}

static void num(char *buf, size_t size, uint64_t v)
{
	if (v == CARREL_UNLIMITED)
		snprintf(buf, size, "-1");
	else
		snprintf(buf, size, "%" PRIu64, v);
}

static int memory(const struct cg_hier *h, const struct carrel_limits *lim, const char **failed)
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
	if ((r = put(h, "memory.memsw.limit_in_bytes", "-1", true, failed)) < 0 ||
	    (r = put(h, "memory.limit_in_bytes", mem, false, failed)) < 0 ||
	    (r = put(h, "memory.memsw.limit_in_bytes", memsw, true, failed)) < 0)
		return r;
	/* Without swap accounting (no memsw files) keep the user off swap at least. */
	if (lim->memory_swap_max == 0)
		return put(h, "memory.swappiness", "0", true, failed);
	return 0;
}

static int cpu(const struct cg_hier *h, const struct carrel_limits *lim, const char **failed)
{
	char quota[32], shares[32];
	int r;

	if (lim->cpu_max == CARREL_UNLIMITED)
		snprintf(quota, sizeof(quota), "-1");
	else
		snprintf(quota, sizeof(quota), "%" PRIu64, lim->cpu_max * 1000); /* of 100000 us */
	/* v2 weight 100 is v1 shares 1024. */
	snprintf(shares, sizeof(shares), "%u", lim->cpu_weight * 1024 / 100 < 2 ? 2 : lim->cpu_weight * 1024 / 100);
	if ((r = put(h, "cpu.cfs_period_us", "100000", true, failed)) < 0 ||
	    (r = put(h, "cpu.cfs_quota_us", quota, true, failed)) < 0)
		return r;
	return put(h, "cpu.shares", shares, false, failed);
}

static int blkio(const struct cg_hier *h, const struct carrel_limits *lim, const char **failed)
{
	char w[16];
	unsigned v = lim->io_weight * 5; /* v2 100 (default) is v1 500 (default) */

	snprintf(w, sizeof(w), "%u", v < 10 ? 10 : v > 1000 ? 1000 : v);
	/* Only with a proportional I/O scheduler; absent otherwise. */
	int r = put(h, "blkio.bfq.weight", w, true, failed);
	return r < 0 ? r : put(h, "blkio.weight", w, true, failed);
}

int cg_v1_limits(const struct cg_hier *h, const struct carrel_limits *lim, const char **failed)
{
	char pids[32];
	int r = 0;

	if (cg_has_controller(h, "memory") && (r = memory(h, lim, failed)) < 0)
		return r;
	if (cg_has_controller(h, "pids")) {
		if (lim->pids_max == CARREL_UNLIMITED)
			snprintf(pids, sizeof(pids), "max");
		else
			snprintf(pids, sizeof(pids), "%" PRIu64, lim->pids_max);
		if ((r = put(h, "pids.max", pids, false, failed)) < 0)
			return r;
	}
	if (cg_has_controller(h, "cpu") && (r = cpu(h, lim, failed)) < 0)
		return r;
	if (cg_has_controller(h, "blkio"))
		r = blkio(h, lim, failed);
	return r;
}
