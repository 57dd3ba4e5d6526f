/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SELinux categories per carrel (selinux_categories = per-session, after
 * sVirt): each running carrel holds one pair of MCS categories cX,cY
 * (X < Y), unique among running carrels, and its processes run at
 * s0-s0:cX,cY.  selinux/README.md ("MCS sessions") says what that protects.
 *
 * The level ("s0:cX,cY") travels from the keeper to the module and to
 * carrel-user in the reply's detail field (lib/proto.h).  The functions on
 * strings (mcs_level.c) have no dependencies: the module and the
 * set-user-ID program link them; the lease (mcs_lease.c) is the keeper's
 * and the reaper's.
 */
#ifndef CARREL_MCS_H
#define CARREL_MCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rundir.h"

/* The category pairs' leases: CARREL_MCS_DIR/SLOT (lib/slot_lease.h). */
#define CARREL_MCS_DIR CARREL_RUNDIR "/mcs"
/* Categories c0..c1023, as the reference policy's MCS defines them. */
#define CARREL_MCS_CATEGORIES 1024u
#define CARREL_MCS_PAIRS (CARREL_MCS_CATEGORIES * (CARREL_MCS_CATEGORIES - 1) / 2)
/* "s0:c1022,c1023" and its NUL. */
#define CARREL_MCS_LEVEL_MAX 16
/* Where SELinux keeps its state; a test may point elsewhere. */
#ifndef CARREL_SELINUXFS
#define CARREL_SELINUXFS "/sys/fs/selinux"
#endif
/* The private /tmp and /dev/shm of a carrel at level L are mounted with
 * context=CARREL_MCS_TMP_CONTEXT ":" L (the type user domains own in /tmp). */
#define CARREL_MCS_TMP_CONTEXT "system_u:object_r:user_tmp_t"

/* Pair number SLOT (0 .. CARREL_MCS_PAIRS - 1) as *X < *Y; -ERANGE past the end. */
int carrel_mcs_pair(uint32_t slot, unsigned *x, unsigned *y);
/* "s0:cX,cY" into BUF; -EINVAL unless X < Y < CARREL_MCS_CATEGORIES, -ENAMETOOLONG. */
int carrel_mcs_level(unsigned x, unsigned y, char *buf, size_t size);
/* LEVEL is exactly a level carrel_mcs_level() makes (it came over a wire). */
bool carrel_mcs_level_ok(const char *level);
/* The context CTX ("user:role:type" with or without a range) with the
 * range s0-LEVEL; -EINVAL for a context without a type or a bad level. */
int carrel_mcs_context(const char *ctx, const char *level, char *out, size_t size);
/* The mount option for a private tmpfs at LEVEL: "context=...:LEVEL". */
int carrel_mcs_mount_option(const char *level, char *out, size_t size);
/* SELinux is on with an MLS/MCS policy loaded (SELINUXFS/mls reads 1). */
bool carrel_mcs_host_ready(void);

/* One carrel's pair: held (lock_fd >= 0) for its keeper's life. */
struct carrel_mcs {
	int lock_fd;
	uint32_t slot;
	char level[CARREL_MCS_LEVEL_MAX]; /* "" when the carrel has none */
};

void carrel_mcs_init(struct carrel_mcs *m);
/* Take a free pair in DIR (CARREL_MCS_DIR) for session ID, starting from
 * one derived from the id; -EADDRNOTAVAIL when every pair is taken. */
int carrel_mcs_take(struct carrel_mcs *m, const char *dir, const char *id);
/* Give the pair back (teardown). Idempotent. */
void carrel_mcs_drop(struct carrel_mcs *m, const char *dir);
/* The reaper: unlink the pair files in DIR that no keeper holds, of
 * session ONLY_ID or (NULL) of anyone. How many it released. */
int carrel_mcs_release(const char *dir, const char *only_id);

#endif
