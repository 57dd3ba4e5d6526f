/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The items of the seed's other controllers' limits, as carrel.conf
 * writes them: cpusets ("0-7,9"), io_max ("/dev/vda rbps=50M wbps=20M
 * riops=1000 wiops=500"), hugetlb_max ("2M 0") and devices_deny /
 * devices_allow ("/dev/nvidia* rwm").  One parser for the config's checks
 * (conf/) and the backends that write them (cgroup/).  The form only:
 * resolving paths to devices is cgroup/cgdev.c's.  Nothing here logs; on
 * failure WHY says "LABEL: what is wrong".
 */
#ifndef CARREL_CTRL_H
#define CARREL_CTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* A set of CPUs or memory nodes, 0 .. CARREL_CPUSET_BITS-1. */
#define CARREL_CPUSET_BITS 4096
struct carrel_cpuset {
	uint64_t bits[CARREL_CPUSET_BITS / 64];
};
/* "" (empty set) or "N" / "N-M" items separated by commas. */
int carrel_parse_cpuset(const char *label, const char *s, struct carrel_cpuset *out, char *why,
			size_t size);
bool carrel_cpuset_empty(const struct carrel_cpuset *c);
/* The set as the kernel writes it ("0-3,8"); "" when empty. */
void carrel_cpuset_format(const struct carrel_cpuset *c, char *buf, size_t size);

/* io_max: a device path and up to four rates; an unset rate is CARREL_UNLIMITED. */
struct carrel_io_item {
	char path[CARREL_ITEM_MAX + 1];
	uint64_t rbps, wbps, riops, wiops;
};
int carrel_parse_io_item(const char *label, const char *s, struct carrel_io_item *out, char *why,
			 size_t size);

/* hugetlb_max: a page size (a power of two, 4K to 16G) and a limit in bytes. */
struct carrel_hugetlb_item {
	uint64_t page, max;
};
int carrel_parse_hugetlb_item(const char *label, const char *s, struct carrel_hugetlb_item *out,
			      char *why, size_t size);
/* The kernel's name of a page size in hugetlb file names: "2MB", "1GB", "64KB". */
void carrel_hugetlb_name(uint64_t page, char *buf, size_t size);

/* devices_*: a path or glob under /dev and access r, w, m. */
enum { CARREL_DEV_READ = 1, CARREL_DEV_WRITE = 2, CARREL_DEV_MKNOD = 4 };
struct carrel_dev_item {
	char pattern[CARREL_ITEM_MAX + 1];
	unsigned access; /* CARREL_DEV_* */
	bool glob;	 /* PATTERN has *, ? or [ */
};
int carrel_parse_dev_item(const char *label, const char *s, struct carrel_dev_item *out, char *why,
			  size_t size);

/* Whether every string of LIM ends within its field (a policy off the wire). */
bool carrel_limits_form_ok(const struct carrel_limits *lim);

/* The number of items of a list limit (they end at the first ""). */
size_t carrel_list_len(const char (*list)[CARREL_ITEM_MAX + 1]);

#endif
