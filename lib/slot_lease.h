/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Slot leases: slot N of a pool is the file DIR/NAME, and whoever holds it
 * holds flock(LOCK_EX) on that file for as long as it keeps the slot (a
 * keeper: its whole life).  A slot is free iff nobody holds the lock: a
 * holder killed with SIGKILL frees its slot by dying (the kernel drops the
 * lock), and two takers can never both hold one slot.  A released file is
 * unlinked while still locked; a taker that locked the unlinked inode sees
 * it (st_nlink == 0, or another inode at the path) and tries again.  The
 * file holds its owner's name (a session id) and a newline.
 *
 * Used by the address pools (net/lease.c) and the SELinux category pairs
 * (lib/mcs_lease.c).
 */
#ifndef CARREL_SLOT_LEASE_H
#define CARREL_SLOT_LEASE_H

#include <stddef.h>

/* Lock PATH for OWNER if it is free: 1 taken (*FD holds the lock), 0 held
 * by another, -errno. */
int slot_lease_try(const char *path, const char *owner, int *fd);

/* Give up the lease on PATH held by *FD: unlinked while still locked, then
 * closed (*FD = -1).  Nothing when *FD < 0. */
void slot_lease_drop(const char *path, int *fd);

/* The lease file NAME in directory DIR, if nobody holds it and ONLY_OWNER is
 * NULL or the owner it names: unlinked (while locked by us).  1 released
 * (OWNER, SIZE: who it was), 0 left alone, -errno. */
int slot_lease_release_free(int dir, const char *name, const char *only_owner, char *owner,
			    size_t size);

#endif
