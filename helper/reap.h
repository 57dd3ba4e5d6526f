/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CARREL_REAP_H
#define CARREL_REAP_H

#include <stdbool.h>

#include "cgroup.h"
#include "error.h"

/*
 * helper/reap.c (linked by carrel-helper and carrelctl): what a dead keeper left behind.
 *
 * carrel_session_in_use(ID): whether anything may still own session ID's
 * files and cgroups: its keeper holds ID.live, or (no .live file: a keeper
 * of an older version) the state file names a running carrel-keeper of ID;
 * true also when that cannot be told (never reap what may live).
 *
 * carrel_reap_session(ID): if ID is dead, remove what it left: its holder
 * (by pidfd, once checked to be that carrel's holder), its processes and
 * cgroups, the user's cgroup if now empty, its socket, state and .live
 * files.  0 when reaped (or nothing was left), -EBUSY while it is alive or
 * a login process of it still runs inside, -EAGAIN when its cgroups
 * could not be removed (its files stay for the next reap), -errno (ERR
 * says what and where) when part of it could not be removed.  Idempotent; the .live
 * lock keeps two reapers from reaping one carrel twice.
 *
 * carrel_reap_all(): every dead carrel in CARREL_SESSIONS_DIR, then the
 * session cgroups of CG's user that no carrel owns (their state went with
 * /run) and empty per-user cgroups; SKIP (may be NULL) is never touched.
 * The number reaped; each failure goes to LOG (may be NULL).
 */
bool carrel_session_in_use(const char *id);
int carrel_reap_session(const char *id, struct carrel_error *err);
int carrel_reap_all(const struct cg_session *cg, const char *skip,
		    void (*log)(const char *id, const struct carrel_error *err));

#endif
