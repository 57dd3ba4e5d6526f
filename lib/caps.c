/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "caps.h"

#include <errno.h>
#include <sys/capability.h>

int caps_limit_bounding(uint64_t keep)
{
	cap_t c;
	int r = 0;

	/* Every capability the kernel knows (cap_max_bits() asks it) is dropped
	 * and read back: a drop or a read that fails is an error, never a
	 * capability quietly kept (a failed read once looked like "not
	 * supported" here and skipped the drop). */
	for (cap_value_t v = 0; v < (cap_value_t)cap_max_bits(); v++) {
		int b;

		if (v < 64 && (keep & (1ULL << v)))
			continue;
		if (cap_drop_bound(v) < 0)
			return -errno;
		if ((b = cap_get_bound(v)) != 0)
			return b < 0 ? -errno : -EPERM;
	}
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		return -errno;
	/* Inheritable: nothing crosses an exec by inheritance. */
	c = cap_get_proc();
	if (!c)
		return -errno;
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
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		r = -errno;
	if (r == 0 && cap_set_proc(c) < 0)
		r = -errno;
	cap_free(c);
	return r;
}
