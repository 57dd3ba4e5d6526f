/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * status: the caller's own carrels' state records (root: every carrel's).
 *
 * As root it only reads: the root-only state files, keeping those whose
 * uid is the caller's.  Then it becomes the caller for good and prints them
 * raw (state_record()); carrelctl, run by the caller and not set-user-ID,
 * parses them with the same reader and does everything else (cgroup
 * numbers, the config's policy, the printing) with the caller's own rights.
 */
#include "carrel-user.h"
#include "state.h"
#include "util_min.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

struct record {
	char id[24];
	char *buf;
	size_t len;
};

/* Keep the state file of ID in *R if it is the caller's (root: any). */
static int take(const char *id, struct record *rec, struct session *s)
{
	_cleanup_free_ char *copy = NULL;
	int r;

	if ((r = state_read(id, &rec->buf, &rec->len)) < 0)
		return r;
	copy = malloc(rec->len + 1);
	if (!copy)
		r = -ENOMEM;
	else {
		memcpy(copy, rec->buf, rec->len + 1);
		r = state_parse(copy, rec->len, id, s);
	}
	if (r == 0 && getuid() != 0 && s->uid != getuid())
		r = -ENOENT;
	if (r < 0) {
		free(rec->buf);
		rec->buf = NULL;
		return r;
	}
	snprintf(rec->id, sizeof(rec->id), "%.*s", (int)sizeof(rec->id) - 1, id);
	return 0;
}

/* Every carrel's id, or just ONLY; the caller's are kept in RECS (*N). */
static int collect(const char *only, struct record **recs, int *n, struct session *s)
{
	DIR *d;
	struct dirent *e;
	int cap = 0;

	*n = 0;
	d = opendir(CARREL_SESSIONS_DIR);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (!session_valid_id(e->d_name) || (only && strcmp(e->d_name, only) != 0))
			continue;
		if (*n == cap) {
			struct record *more =
				reallocarray(*recs, (size_t)(cap ? cap * 2 : 8), sizeof(**recs));
			if (!more) {
				closedir(d);
				return -ENOMEM;
			}
			*recs = more;
			cap = cap ? cap * 2 : 8;
		}
		/* Gone meanwhile, still being opened, not a state file, not the
		 * caller's: not listed. */
		if (take(e->d_name, &(*recs)[*n], s) == 0)
			(*n)++;
	}
	closedir(d);
	return 0;
}

int op_status(int argc, char **argv, char **caller_env)
{
	_cleanup_free_ struct session *s = malloc(sizeof(*s));
	struct record *recs = NULL;
	const char *only = argc == 3 ? argv[2] : NULL;
	int n = 0, r, rc = 0;

	if (argc > 3 || (only && !session_valid_id(only))) {
		fprintf(stderr, "carrel-user: status: usage: status [SESSION-ID]\n");
		return 2;
	}
	r = s ? collect(only, &recs, &n, s) : -ENOMEM;
	/* Nothing privileged from here on. */
	if (drop_to_caller() < 0) {
		fprintf(stderr, "carrel-user: status: cannot drop privileges\n");
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "carrel-user: status: %s: %s\n", CARREL_SESSIONS_DIR, strerror(-r));
		rc = 1;
	} else if (only && n == 0) {
		/* The same answer for "no such session", "not yours" and "not yet". */
		fprintf(stderr, "carrel-user: status: no session %s of yours\n", only);
		rc = 1;
	}
	for (int i = 0; i < n; i++) {
		if (r == 0 && state_record(stdout, recs[i].id, recs[i].buf, recs[i].len) < 0)
			rc = 1;
		free(recs[i].buf);
	}
	free(recs);
	return fflush(stdout) == 0 ? rc : 1;
}
