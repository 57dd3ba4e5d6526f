/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The user and group database, for exempt lists, sections and resolving.
 *
 * Only a clean "no such entry" (return 0, no result) is -ENOENT.  Any error
 * the database reports (nslcd or sssd unreachable, a timeout: the NSS module
 * said UNAVAIL or TRYAGAIN and glibc passes its errno on, often ENOENT from
 * a socket that is not there) is -EHOSTUNREACH, so that no caller can read
 * an outage as "not found".  The errno the database gave is in *DB_ERRNO
 * for the message.
 */
#include "conf_internal.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nss_result(int r, const void *found, int *db_errno)
{
	if (db_errno)
		*db_errno = r;
	if (r == 0)
		return found ? 0 : -ENOENT;
	if (r == ENOMEM)
		return -ENOMEM;
	return -EHOSTUNREACH;
}

int conf_lookup_user(const char *name, struct passwd *pw, char **buf, int *db_errno)
{
	for (size_t size = 1024;; size *= 2) {
		struct passwd *found = NULL;
		char *nb = realloc(*buf, size);
		int r;

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		errno = 0;
		r = getpwnam_r(name, pw, *buf, size, &found);
		if (r != ERANGE || size >= 1024 * 1024)
			return nss_result(r, found, db_errno);
	}
}

int conf_lookup_group(const char *name, int *db_errno)
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
		if (r != ERANGE || size >= 1024 * 1024)
			return nss_result(r, found, db_errno);
	}
}

/* The name of group GID into *NAME (NULL: the database has no name for it). */
static int group_name(gid_t gid, char **name, int *db_errno)
{
	_cleanup_free_ char *buf = NULL;

	*name = NULL;
	for (size_t size = 1024;; size *= 2) {
		struct group gr, *found = NULL;
		char *nb = realloc(buf, size);
		int r;

		if (!nb)
			return -ENOMEM;
		buf = nb;
		r = getgrgid_r(gid, &gr, buf, size, &found);
		if (r != ERANGE || size >= 1024 * 1024) {
			r = nss_result(r, found, db_errno);
			if (r == -ENOENT)
				return 0;
			if (r < 0)
				return r;
			*name = strdup(gr.gr_name);
			return *name ? 0 : -ENOMEM;
		}
	}
}

void conf_free_names(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * The names of NAME's groups (primary GID and supplementary), as the login
 * itself resolves them: getgrouplist, then each gid's name.  A gid without
 * a name is left out (no section can name it); an error naming one fails
 * the whole list, with the gid in *BAD_GID.
 */
int conf_user_groups(const char *name, gid_t gid, char ***out, size_t *n, gid_t *bad_gid,
		     int *db_errno)
{
	_cleanup_free_ gid_t *gids = NULL;
	char **names;
	int size = 32, want = 0, r = -ENOBUFS;

	*out = NULL;
	*n = 0;
	for (int tries = 0; tries < 16; tries++) {
		gid_t *g = realloc(gids, (size_t)size * sizeof(*g));

		if (!g)
			return -ENOMEM;
		gids = g;
		want = size;
		if (getgrouplist(name, gid, gids, &want) >= 0) {
			r = 0;
			break;
		}
		size = want > size ? want : size * 2;
	}
	if (r < 0)
		return r;
	names = calloc((size_t)want + 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (int i = 0; i < want; i++) {
		r = group_name(gids[i], &names[*n], db_errno);
		if (r < 0) {
			*bad_gid = gids[i];
			conf_free_names(names, *n);
			*n = 0;
			return r;
		}
		if (names[*n])
			(*n)++;
	}
	*out = names;
	return 0;
}

bool conf_has_name(char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* "no such user" or "cannot look up: REASON" for an error from above. */
const char *conf_lookup_why(int r, int db_errno, char *buf, size_t size)
{
	if (r == -ENOENT)
		return "no such entry";
	if (r == -EHOSTUNREACH)
		snprintf(buf, size, "the user database failed (%s)", strerror(db_errno));
	else
		snprintf(buf, size, "cannot look up: %s", strerror(-r));
	return buf;
}
