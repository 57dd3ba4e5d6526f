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
#include <stdbool.h>
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

/* One lookup, by user name (PW), group name (GR, NAME) or gid (GR, NAME
 * NULL), growing *BUF until the entry fits: the one body behind the
 * lookups below. */
static int nss_get(const char *name, gid_t gid, struct passwd *pw, struct group *gr, char **buf,
		   int *db_errno)
{
	for (size_t size = 1024;; size *= 2) {
		struct passwd *pf = NULL;
		struct group *gf = NULL;
		char *nb = realloc(*buf, size);
		int r;

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		errno = 0;
		if (pw)
			r = getpwnam_r(name, pw, *buf, size, &pf);
		else if (name)
			r = getgrnam_r(name, gr, *buf, size, &gf);
		else
			r = getgrgid_r(gid, gr, *buf, size, &gf);
		if (r != ERANGE || size >= 1024 * 1024)
			return nss_result(r, pw ? (void *)pf : (void *)gf, db_errno);
	}
}

int conf_lookup_user(const char *name, struct passwd *pw, char **buf, int *db_errno)
{
	return nss_get(name, 0, pw, NULL, buf, db_errno);
}

int conf_lookup_group(const char *name, int *db_errno)
{
	_cleanup_free_ char *buf = NULL;
	struct group gr;

	return nss_get(name, 0, NULL, &gr, &buf, db_errno);
}

/* The name of group GID into *NAME (NULL: the database has no name for it). */
static int group_name(gid_t gid, char **name, int *db_errno)
{
	_cleanup_free_ char *buf = NULL;
	struct group gr;
	int r = nss_get(NULL, gid, NULL, &gr, &buf, db_errno);

	*name = NULL;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	*name = strdup(gr.gr_name);
	return *name ? 0 : -ENOMEM;
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

/* Whether the local group file has a group NAME, read directly whatever
 * nsswitch.conf says.  Only a shortcut past the database: a file it cannot
 * read, or a line too long for the buffer, ends the scan with "no", and the
 * name is looked up. */
static bool files_know_group(const char *name)
{
	FILE *f = fopen("/etc/group", "re");
	struct group gr, *g = NULL;
	char buf[8192];
	bool found = false;

	while (f && !found && fgetgrent_r(f, &gr, buf, sizeof(buf), &g) == 0)
		found = strcmp(g->gr_name, name) == 0;
	if (f)
		fclose(f);
	return found;
}

/*
 * getgrouplist leaves out the groups of a source that failed (glibc goes on
 * past an unavailable NSS module, nslcd or sssd down): a section for a
 * directory group would be missed, silently, and its limits not applied.
 * So each group section whose title is not among *NAMES and not a group of
 * the local group file (which answered, being a file) is looked up by
 * name: a member (the group's gid is the user's primary GID, or USER is in
 * its member list) gets the name added to *NAMES; no such group matches
 * nobody; an error fails the resolution (-EHOSTUNREACH), with the title in
 * *BAD_GROUP, and the caller's on_error decides.
 */
int conf_confirm_section_groups(const struct carrel_config *c, const char *user, gid_t gid,
				char ***names, size_t *n, const char **bad_group, int *db_errno)
{
	for (size_t i = 0; i < c->n_layers; i++) {
		const struct layer *l = &c->layers[i];
		_cleanup_free_ char *buf = NULL;
		struct group gr;
		bool member = false;
		int r;

		if (l->kind != LAYER_GROUP || conf_has_name(*names, *n, l->name) ||
		    files_know_group(l->name))
			continue;
		r = nss_get(l->name, 0, NULL, &gr, &buf, db_errno);
		if (r == -ENOENT)
			continue;
		if (r < 0) {
			*bad_group = l->name;
			return r;
		}
		member = gr.gr_gid == gid;
		for (char **m = gr.gr_mem; !member && m && *m; m++)
			member = strcmp(*m, user) == 0;
		if (!member)
			continue;
		char **more = realloc(*names, (*n + 2) * sizeof(*more));
		if (!more)
			return -ENOMEM;
		*names = more;
		if (!(more[*n] = strdup(l->name)))
			return -ENOMEM;
		more[++*n] = NULL;
	}
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
