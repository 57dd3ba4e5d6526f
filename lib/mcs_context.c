/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The level check and the context (mcs_context.h); carrel-user links this
 * file alone of the MCS code. */
#include "mcs_context.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
