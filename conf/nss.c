/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The user and group database, for exempt lists, sections and resolving. */
#include "conf_internal.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

/* getpwnam_r and friends report "not found" in several ways. */
static int nss_result(int r, const void *found)
{
	if (r == 0)
		return found ? 0 : -ENOENT;
	if (r == ENOENT || r == ESRCH || r == EBADF || r == EPERM)
		return -ENOENT;
	return -r;
}

int conf_lookup_user(const char *name, struct passwd *pw, char **buf)
{
	for (size_t size = 1024;; size *= 2) {
		struct passwd *found = NULL;
		char *nb = realloc(*buf, size);
		int r;

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		r = getpwnam_r(name, pw, *buf, size, &found);
		if (r != ERANGE || size >= 1024 * 1024)
			return nss_result(r, found);
	}
}

int conf_lookup_group(const char *name, gid_t *gid)
{
	_cleanup_free_ char *buf = NULL;

	for (size_t size = 1024;; size *= 2) {
		struct group gr, *found = NULL;
		char *nb = realloc(buf, size);
		int r;

		if (!nb)
			return -ENOMEM;
		buf = nb;
		r = getgrnam_r(name, &gr, buf, size, &found);
		if (r != ERANGE || size >= 1024 * 1024) {
			r = nss_result(r, found);
			if (r == 0)
				*gid = gr.gr_gid;
			return r;
		}
	}
}

int conf_user_groups(const char *name, gid_t gid, gid_t **out, size_t *n)
{
	int size = 32;

	for (int tries = 0; tries < 16; tries++) {
		gid_t *g = realloc(*out, (size_t)size * sizeof(*g));
		int want = size;

		if (!g)
			return -ENOMEM;
		*out = g;
		if (getgrouplist(name, gid, g, &want) >= 0) {
			*n = (size_t)want;
			return 0;
		}
		size = want > size ? want : size * 2;
	}
	return -ENOBUFS;
}
