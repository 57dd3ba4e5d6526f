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
/* The private /tmp and /dev/shm of a carrel at level L, whose login runs
 * as SELinux user U, are mounted with context=U ":" CARREL_MCS_TMP_CONTEXT
 * ":" L (the type user domains own in /tmp).  Every file made there gets
 * that label, user included, and the policy's identity constraint lets a
 * process make only files of its own SELinux user: with system_u there,
 * staff_u could create nothing. */
#define CARREL_MCS_TMP_CONTEXT "object_r:user_tmp_t"
/* An SELinux user name and its NUL (the wire's field, lib/proto_open.h). */
#define CARREL_MCS_SEUSER_MAX 32

/* Pair number SLOT (0 .. CARREL_MCS_PAIRS - 1) as *X < *Y; -ERANGE past the end. */
int carrel_mcs_pair(uint32_t slot, unsigned *x, unsigned *y);
/* "s0:cX,cY" into BUF; -EINVAL unless X < Y < CARREL_MCS_CATEGORIES, -ENAMETOOLONG. */
int carrel_mcs_level(unsigned x, unsigned y, char *buf, size_t size);
/* SEUSER is a name that may go into a context: 1 to CARREL_MCS_SEUSER_MAX - 1
 * of [A-Za-z0-9_] (it came over a wire, or from a process's attributes). */
bool carrel_mcs_seuser_ok(const char *seuser);
/* The SELinux user of context CTX ("user:role:type[:range]", as
 * /proc/PID/attr/exec shows it) into OUT (CARREL_MCS_SEUSER_MAX bytes);
 * -EINVAL if CTX has none that carrel_mcs_seuser_ok() takes. */
int carrel_mcs_seuser_of(const char *ctx, char out[CARREL_MCS_SEUSER_MAX]);
/* The mount option for a private tmpfs at LEVEL, its files SEUSER's:
 * "context=SEUSER:...:LEVEL"; -EINVAL for a bad SEUSER or LEVEL. */
int carrel_mcs_mount_option(const char *seuser, const char *level, char *out, size_t size);
/* SELinux is on with an MLS/MCS policy loaded (SELINUXFS/mls reads 1). */
bool carrel_mcs_host_ready(void);

#endif
