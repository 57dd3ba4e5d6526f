/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SELinux categories per carrel, the strings (lib/mcs.h has the whole
 * story): the pair numbering, the level "s0:cX,cY" and what is made of it.
 * No dependencies: the module and the set-user-ID program link it.
 */
#ifndef CARREL_MCS_LEVEL_H
#define CARREL_MCS_LEVEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcs_context.h" /* CARREL_MCS_CATEGORIES, the level check, the context */
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
/* The mount option for a private tmpfs at LEVEL: "context=...:LEVEL". */
int carrel_mcs_mount_option(const char *level, char *out, size_t size);
/* SELinux is on with an MLS/MCS policy loaded (SELINUXFS/mls reads 1). */
bool carrel_mcs_host_ready(void);

#endif
