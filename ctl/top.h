/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * carrelctl top (a live table of the running carrels, refreshed) and
 * carrelctl metrics (the same figures in the Prometheus text format).
 *
 * The figures come only from the state files (lib/state.h) and the
 * carrels' cgroups (cgroup.h, cg_stat()).  Which carrels the caller may
 * see is carrelctl's to say: it passes SCAN, which fills *ALL (malloc'd)
 * with every carrel for root and the caller's own for anyone else, and
 * returns 0, -errno, or a positive value when it has already said what
 * failed.  Nothing here logs.
 */
#ifndef CARREL_TOP_H
#define CARREL_TOP_H

#include <stdbool.h>
#include <stdio.h>

#include "state.h"

typedef int (*top_scan_fn)(struct session **all, int *n);

enum top_sort { TOP_SORT_CPU, TOP_SORT_MEM, TOP_SORT_IO, TOP_SORT_PIDS, TOP_SORT_NET, TOP_SORT_ID };

/* The bounds of -d, in milliseconds. */
#define TOP_DELAY_MIN_MS 100
#define TOP_DELAY_MAX_MS 3600000

struct top_options {
	enum top_sort sort;
	int delay_ms;	/* between two samples */
	int iterations; /* 0: until q or a signal */
	bool once;	/* two samples DELAY apart, one table (rates need two) */
	bool json;	/* a JSON array (implies once) */
};

/* "cpu", "mem", "io", "pids", "net", "id": 0 and *SORT, or -EINVAL. */
int top_parse_sort(const char *name, enum top_sort *sort);

/*
 * Run top on F: interactive where stdin and F are terminals (keys c, m,
 * i, p, n, d to sort, q to quit; the terminal is restored on q, SIGINT,
 * SIGTERM and SIGHUP), else one table per DELAY (batch).  0, or what SCAN
 * returned, or -errno.
 */
int top_run(FILE *f, const struct top_options *o, top_scan_fn scan);

/* carrelctl metrics: every carrel SCAN gives, and per user, in the
 * Prometheus text exposition format (version 0.0.4). */
int metrics_print(FILE *f, top_scan_fn scan);

#endif
