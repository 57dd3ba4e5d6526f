/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mcs_level.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int carrel_mcs_pair(uint32_t slot, unsigned *x, unsigned *y)
{
	/* Row X holds the pairs (X, X+1) .. (X, 1023): 1023 - X of them. */
	for (unsigned row = 0; row + 1 < CARREL_MCS_CATEGORIES; row++) {
		unsigned n = CARREL_MCS_CATEGORIES - 1 - row;
		if (slot < n) {
			*x = row;
			*y = row + 1 + slot;
			return 0;
		}
		slot -= n;
	}
	return -ERANGE;
}

int carrel_mcs_level(unsigned x, unsigned y, char *buf, size_t size)
{
	int n;

	if (x >= y || y >= CARREL_MCS_CATEGORIES)
		return -EINVAL;
	n = snprintf(buf, size, "s0:c%u,c%u", x, y);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool carrel_mcs_seuser_ok(const char *seuser)
{
	size_t n = strspn(seuser, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

	return n > 0 && n < CARREL_MCS_SEUSER_MAX && seuser[n] == '\0';
}

int carrel_mcs_seuser_of(const char *ctx, char out[CARREL_MCS_SEUSER_MAX])
{
	size_t n = strcspn(ctx, ":");

	out[0] = '\0';
	if (ctx[n] != ':' || n == 0 || n >= CARREL_MCS_SEUSER_MAX)
		return -EINVAL;
	memcpy(out, ctx, n);
	out[n] = '\0';
	if (!carrel_mcs_seuser_ok(out)) {
		out[0] = '\0';
		return -EINVAL;
	}
	return 0;
}

int carrel_mcs_mount_option(const char *seuser, const char *level, char *out, size_t size)
{
	int n;

	if (!carrel_mcs_level_ok(level) || !carrel_mcs_seuser_ok(seuser))
		return -EINVAL;
	n = snprintf(out, size, "context=\"%s:" CARREL_MCS_TMP_CONTEXT ":%s\"", seuser, level);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool carrel_mcs_host_ready(void)
{
	char c = 0;
	int fd = open(CARREL_SELINUXFS "/mls", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == '1';
}
