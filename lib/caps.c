/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "caps.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

/* The bounding set is a 64-bit mask: no capability number reaches 64. */
#define CAPS_BITS 64

/* Drop capability V from the bounding set and read it back. 0: gone;
 * 1: the kernel knows no capability V (nor any above it); -errno: a
 * failure, the capability may still be there. */
static int bound_drop(int v)
{
	int b;

	if (prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0) {
		if (errno != EINVAL)
			return -errno;
		/* EINVAL is the kernel's "no such capability", or a failure:
		 * only a read that says the same makes it the former. */
		b = prctl(PR_CAPBSET_READ, v, 0, 0, 0);
		if (b < 0)
			return errno == EINVAL ? 1 : -errno;
		return b == 0 ? 0 : -EINVAL;
	}
	b = prctl(PR_CAPBSET_READ, v, 0, 0, 0);
	if (b < 0)
		return -errno;
	return b == 0 ? 0 : -EPERM;
}

int caps_limit_bounding(uint64_t keep)
{
	cap_t c;
	int r = 0;

	/* Every capability number is dropped and read back with prctl itself,
	 * up to the first one the kernel says twice it does not know:
	 * libcap's cap_max_bits() is probed once with PR_CAPBSET_READ when
	 * the library loads, and a failed probe made it smaller, leaving the
	 * capabilities above it in the bounding set. */
	for (int v = 0; v < CAPS_BITS; v++) {
		if (keep & (1ULL << v))
			continue;
		r = bound_drop(v);
		if (r < 0)
			return r;
		if (r > 0)
			break;
	}
	/* Ambient: every kernel carrel supports has it (4.3+); a failure is
	 * an error, not "not supported". */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -errno;
	/* Inheritable: nothing crosses an exec by inheritance. */
	c = cap_get_proc();
	if (!c)
		return -errno;
	r = 0;
	if (cap_clear_flag(c, CAP_INHERITABLE) < 0 || cap_set_proc(c) < 0)
		r = -errno;
	cap_free(c);
	return r;
}

int caps_clear_all(void)
{
	cap_t c = cap_init(); /* all sets empty */
	int r = 0;

	if (!c)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		r = -errno;
	if (r == 0 && cap_set_proc(c) < 0)
		r = -errno;
	cap_free(c);
	return r;
}
