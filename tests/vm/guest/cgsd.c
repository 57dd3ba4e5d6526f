/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgsd: drives helper/cgroup_systemd.c from the VM tests.
 *
 *   cgsd limits UID MEMORY SWAP PIDS CPU_PERCENT CPU_WEIGHT IO_WEIGHT
 *        (numbers, or "max"; prints the call's duration in microseconds)
 *   cgsd unit-of PID
 *   cgsd freeze|thaw|kill UNIT
 *   cgsd keeper-scope PID ID
 */
#include "cgroup_systemd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t num(const char *s)
{
	return strcmp(s, "max") == 0 ? CARREL_UNLIMITED : strtoull(s, NULL, 10);
}

int main(int argc, char **argv)
{
	const char *failed = "";
	int r;

	if (argc == 9 && strcmp(argv[1], "limits") == 0) {
		struct carrel_limits lim = {
			.memory_max = num(argv[3]),
			.memory_swap_max = num(argv[4]),
			.pids_max = num(argv[5]),
			.cpu_max = num(argv[6]),
			.cpu_weight = (uint32_t)num(argv[7]),
			.io_weight = (uint32_t)num(argv[8]),
		};
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		r = cg_systemd_set_user_limits((uid_t)strtoul(argv[2], NULL, 10), &lim, &failed);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (r < 0) {
			fprintf(stderr, "cgsd: %s\n", failed);
			return 1;
		}
		printf("usec=%ld\n", (long)((b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "unit-of") == 0) {
		char unit[256], cg[1024];
		r = cg_systemd_unit_of((pid_t)atoi(argv[2]), unit, sizeof(unit), cg, sizeof(cg));
		if (r < 0)
			return 1;
		printf("unit=%s\ncgroup=%s\n", unit, cg);
		return 0;
	}
	if (argc == 3 && (strcmp(argv[1], "freeze") == 0 || strcmp(argv[1], "thaw") == 0)) {
		r = cg_systemd_freeze(argv[2], strcmp(argv[1], "freeze") == 0, &failed);
	} else if (argc == 4 && strcmp(argv[1], "keeper-scope") == 0) {
		r = cg_systemd_keeper_scope((pid_t)atoi(argv[2]), argv[3], &failed);
	} else if (argc == 3 && strcmp(argv[1], "kill") == 0) {
		r = cg_systemd_kill(argv[2], &failed);
	} else {
		fprintf(stderr, "usage: see the comment at the top of cgsd.c\n");
		return 2;
	}
	if (r < 0)
		fprintf(stderr, "cgsd: %s\n", failed);
	return r < 0;
}
