/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CARREL_STATE_LIVE_H
#define CARREL_STATE_LIVE_H

#include <stdbool.h>

#include "state.h"

/*
 * Liveness.  Session ID is alive iff its keeper holds flock(LOCK_EX) on
 * CARREL_SESSIONS_DIR/ID.live, a 0600 file the helper creates and locks
 * when it allocates the id (under the session-id lock, CARREL_SEQ_FILE.lock) and the keeper inherits
 * and holds open for its whole life: the kernel drops the lock when the
 * last holder dies, however it dies, and a reused pid cannot fake it.
 *
 * carrel_session_alive(): 1 alive, 0 dead (no .live file, or the lock was
 * granted: it is released again at once), or -errno.
 * carrel_session_live_lock(): create ID.live and take its lock without
 * waiting; the fd that holds it (O_CLOEXEC), -EWOULDBLOCK if another holds
 * it, -ESTALE if the file was removed between the open and the lock (a
 * reaper's: try again), or -errno.  The reaper takes the lock of a dead session the same way,
 * so that two reapers never reap one carrel twice.
 */
#define STATE_LIVE_SUFFIX ".live"
int carrel_session_alive(const char *id);
int carrel_session_live_lock(const char *id, bool create);

#endif
