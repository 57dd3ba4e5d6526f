/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Session liveness: a carrel is alive while its keeper holds the lock on
 * CARREL_SESSIONS_DIR/ID.live (lib/state.h).  Apart from state.c so that
 * the set-user-ID program, which never asks, does not compile it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rundir.h"
#include "state_live.h"
#include "util_min.h"

/* ----------------------------------------------------------------- liveness */

int carrel_session_live_lock(const char *id, bool create)
{
	char path[sizeof(CARREL_SESSIONS_DIR) + 24 + sizeof(STATE_LIVE_SUFFIX)];
	int fd;

	if (!session_valid_id(id))
		return -EINVAL;
	snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s" STATE_LIVE_SUFFIX, id);
	fd = create ? open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600)
		    : open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;
		fd = safe_close(fd);
		return r;
	}
	/* Granted, but on a file that is no longer there: between our open
	 * and our flock a reaper (carrel_reap_all() takes an ID.live without
	 * a state file for a helper that died) locked it, removed it and let
	 * go.  A lock on an unlinked file guards nothing: whoever looks next
	 * finds no ID.live and takes the carrel for dead. */
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
		fd = safe_close(fd);
		return -ESTALE;
	}
	return fd;
}

int carrel_session_alive(const char *id)
{
	int fd = carrel_session_live_lock(id, false);

	if (fd == -ENOENT || fd == -ESTALE)
		return 0;
	if (fd == -EWOULDBLOCK)
		return 1;
	if (fd < 0)
		return fd;
	fd = safe_close(fd); /* granted: nobody held it */
	return 0;
}
