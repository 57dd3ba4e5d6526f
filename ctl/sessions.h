/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The running carrels, as their keepers describe them in
 * CARREL_SESSIONS_DIR/ID (read by lib/state.c), and what their cgroups say
 * they use.
 *
 * carrelctl's: run by root it reads the root-only state files itself; run by
 * anyone else it gets that user's own records from carrel-user status and
 * prints them with the same printers, with the caller's own rights (the
 * config, the cgroup files).  Nothing here writes to a file or logs:
 * functions return 0 or -errno, and the printers write only to the FILE they
 * are given.
 */
#ifndef CARREL_SESSIONS_H
#define CARREL_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup.h"
#include "policy.h"
#include "rundir.h"
#include "state.h"

/* A value that could not be read (CARREL_UNLIMITED is "max"). */
#define SESSION_UNKNOWN CG_UNKNOWN
/* Every carrel, in sessions_print() and session_show(). */
#define SESSION_ALL_USERS ((uid_t)-1)

/* Every carrel of ONLY_UID (SESSION_ALL_USERS: all), ordered by id.  *OUT
 * is malloc'd (free it); a missing state directory is no carrel at all. */
int sessions_scan(uid_t only_uid, struct session **out, int *n);

/* The carrel's cgroups as a cgroup/cgroup.h handle, rebuilt from its state
 * file (free with cg_session_free); NULL with E filled if it cannot be. */
struct cg_session *session_cgroups(const struct session *s, struct carrel_error *e);

/* What the carrel's cgroups say now; SESSION_UNKNOWN where unreadable. */
void session_usage(const struct session *s, struct cg_usage *u);

/* The distinct user-UID dirs of S's cgroups; returns how many. */
int session_user_dirs(const struct session *s, char dirs[][CG_PATH_MAX], int max);

/* The limits written on user-UID now, read back from the cgroup files;
 * values that cannot be read keep the built-in defaults. */
void session_read_limits(const struct session *s, struct carrel_limits *lim);

/* Print LIM in the config file's syntax, one "key = value" line each,
 * every line starting with INDENT. */
void session_print_limits(FILE *f, const struct carrel_limits *lim, const char *indent);

/*
 * One line per carrel (text, with a header), or a JSON array of objects.
 * ONLY_UID: SESSION_ALL_USERS for root, else the caller's uid: only that
 * user's carrels are read and printed.
 */
int sessions_print(FILE *f, uid_t only_uid, bool json);
/* The same for the N carrels ALL (already read). */
int sessions_print_list(FILE *f, const struct session *all, int n, bool json);

/*
 * Everything about carrel ID: what sessions_print() shows, the cgroup
 * paths, the holder's namespaces (asked of the keeper, root only), the
 * limits on user-UID now, and the policy CONFIG (NULL: the one the state
 * file names, else CARREL_DEFAULT_CONFIG) gives the user, with where each
 * value comes from.  -ENOENT when there is no such carrel of ONLY_UID's
 * (the same answer for "none" and "not yours").
 */
int session_show(FILE *f, const char *id, uid_t only_uid, const char *config, bool json);
/* The same for carrel S (already read).  The holder's namespaces are asked
 * of the keeper, which answers root only; others see them as unknown. */
int session_show_loaded(FILE *f, const struct session *s, const char *config, bool json);

/* The printers' formatters, for carrelctl top and metrics (ctl/top.c): a
 * size for people (1.5M, 64M, "max", "?" when unknown), a JSON string, a
 * JSON number ("max" for no limit, null when unknown). */
const char *session_human(uint64_t v, char *buf, size_t size);
void session_json_str(FILE *f, const char *s);
void session_json_num(FILE *f, uint64_t v);

/* network = nat: the bytes the carrel received (IN) and sent (OUT) so far,
 * from the host end of its veth; 0, or -ENOENT (no nat: both
 * SESSION_UNKNOWN; a counter that cannot be read is SESSION_UNKNOWN). */
int session_net_bytes(const struct session *s, uint64_t *in, uint64_t *out);

#endif
