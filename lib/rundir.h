/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where carrel keeps its run-time state (root-owned, mode 0700/0755). */
#ifndef CARREL_RUNDIR_H
#define CARREL_RUNDIR_H

#ifndef CARREL_RUNDIR
#define CARREL_RUNDIR "/run/carrel"
#endif
#define CARREL_SESSIONS_DIR CARREL_RUNDIR "/sessions"
#define CARREL_LOCK_FILE CARREL_RUNDIR "/lock"
/* Held exclusively, briefly, by every taker of CARREL_LOCK_FILE while it
 * waits for it (a turnstile: flock() has no writer priority). */
#define CARREL_LOCK_GATE_FILE CARREL_RUNDIR "/lock.gate"
#define CARREL_SEQ_FILE CARREL_RUNDIR "/seq"
/* scope = user: users/UID holds the id of the user's carrel; users/UID.lock
 * serializes finding and creating it. */
#define CARREL_USERS_DIR CARREL_RUNDIR "/users"
#define CARREL_MAX_LOGINS 64

#endif
