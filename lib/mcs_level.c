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

/* A category number as carrel_mcs_level() writes it: no sign, no leading
 * zero, below CARREL_MCS_CATEGORIES; *END after it. */
static bool category(const char *s, unsigned *v, const char **end)
{
	unsigned n = 0;
	size_t i = 0;

	for (; s[i] >= '0' && s[i] <= '9' && i < 5; i++)
		n = n * 10 + (unsigned)(s[i] - '0');
	if (i == 0 || (i > 1 && s[0] == '0') || n >= CARREL_MCS_CATEGORIES)
		return false;
	*v = n;
	*end = s + i;
	return true;
}

bool carrel_mcs_level_ok(const char *level)
{
	unsigned x, y;
	const char *p;

	if (!level || strncmp(level, "s0:c", 4) != 0 || !category(level + 4, &x, &p) ||
	    strncmp(p, ",c", 2) != 0 || !category(p + 2, &y, &p) || *p)
		return false;
	return x < y;
}

int carrel_mcs_context(const char *ctx, const char *level, char *out, size_t size)
{
	const char *role, *type, *end;
	int n;

	if (!ctx || !carrel_mcs_level_ok(level))
		return -EINVAL;
	/* user:role:type[:range]: keep the first three fields, each non-empty. */
	role = strchr(ctx, ':');
	type = role ? strchr(role + 1, ':') : NULL;
	if (!type || role == ctx || type == role + 1)
		return -EINVAL;
	end = type + 1 + strcspn(type + 1, ":\n");
	if (end == type + 1)
		return -EINVAL;
	n = snprintf(out, size, "%.*s:s0-%s", (int)(end - ctx), ctx, level);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int carrel_mcs_mount_option(const char *level, char *out, size_t size)
{
	int n;

	if (!carrel_mcs_level_ok(level))
		return -EINVAL;
	n = snprintf(out, size, "context=\"" CARREL_MCS_TMP_CONTEXT ":%s\"", level);
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
