/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v2: the unified hierarchy. */
#include "cgroup.h"
#include "util.h"

#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const v2_wanted[] = { "memory", "pids", "cpu", "io" };

static int put(const char *dir, const char *file, const char *val, bool optional,
	       const char **failed)
{
	static __thread char path[CG_PATH_MAX + 64];
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (optional && access(path, F_OK) < 0)
		return 0;
	if ((r = write_file(path, val)) < 0)
		*failed = path;
	return r;
}

/* Enable the controllers a limit needs from the parent of carrel/ down to
 * user-UID, so that the limits can be written on user-UID. */
int cg_v2_enable(const struct cg_session *cg, const char **failed)
{
	const struct cg_hier *h = &cg->h[0];
	char parent[CG_PATH_MAX], path[CG_PATH_MAX + 32], avail[256], want[64] = "";
	int r;

	snprintf(parent, sizeof(parent), "%s", h->top);
	dirname(parent);
	snprintf(path, sizeof(path), "%s/cgroup.controllers", parent);
	if (read_file(path, avail, sizeof(avail)) < 0)
		avail[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(v2_wanted); i++) {
		if (!strstr(avail, v2_wanted[i]))
			continue;
		size_t l = strlen(want);
		snprintf(want + l, sizeof(want) - l, "%s+%s", l ? " " : "", v2_wanted[i]);
	}
	if ((r = put(parent, "cgroup.subtree_control", want, false, failed)) < 0 ||
	    (r = put(h->top, "cgroup.subtree_control", want, false, failed)) < 0 ||
	    (r = put(h->user, "cgroup.subtree_control", want, false, failed)) < 0)
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

int cg_v2_limits(const struct cg_hier *h, const struct carrel_limits *lim, const char **failed)
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
	if ((r = put(h->user, "memory.max", mem, false, failed)) < 0 ||
	    (r = put(h->user, "memory.swap.max", swap, true, failed)) < 0 ||
	    (r = put(h->user, "pids.max", pids, false, failed)) < 0 ||
	    (r = put(h->user, "cpu.max", cpu, true, failed)) < 0 ||
	    (r = put(h->user, "cpu.weight", cw, true, failed)) < 0 ||
	    (r = put(h->user, "io.weight", iow, true, failed)) < 0)
		return r;
	return 0;
}
