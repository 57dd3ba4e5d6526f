/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session's seccomp filter: the built-in default (a deny list on top of
 * "allow"), or an admin's profile file (format: doc/seccomp.md).
 *
 * Error convention as in conf/: functions return 0 or -errno and never log;
 * the build step leaves "FILE:LINE: what is wrong" in the caller's
 * struct carrel_error.
 */
#ifndef CARREL_SECCOMP_PROFILE_H
#define CARREL_SECCOMP_PROFILE_H

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf_load.h"
#include "error.h"

struct carrel_seccomp; /* opaque: a built libseccomp filter */

/* The largest profile file accepted, and the longest line in it. */
#define CARREL_SECCOMP_PROFILE_MAX (64 * 1024)
#define CARREL_SECCOMP_LINE_MAX 256

/*
 * Build the filter for PROFILE: NULL or "default" = the built-in default;
 * "off" = no filter (returns 0 with *OUT = NULL); otherwise the absolute path
 * of a profile file, which must be a regular file owned by root and not
 * writable by group or others (-EPERM otherwise).  Parse errors: -EINVAL.
 */
int carrel_seccomp_build(const char *profile, struct carrel_seccomp **out,
			 struct carrel_error *err);

/*
 * Load F into the calling thread (not its siblings: the login process is
 * single-threaded).  The kernel wants no_new_privs or CAP_SYS_ADMIN; this
 * does not set no_new_privs itself (that is the policy's no_new_privs key).
 * F == NULL ("off") loads nothing and returns 0.  Returns 0 or -errno.
 */
int carrel_seccomp_load(const struct carrel_seccomp *f);

void carrel_seccomp_free(struct carrel_seccomp *f);

/*
 * Write F as a raw BPF program (an array of struct sock_filter in host byte
 * order) to FD, for a cache the login path loads with
 * carrel_seccomp_load_bpf() without libseccomp.  F must not be NULL.
 */
int carrel_seccomp_export(const struct carrel_seccomp *f, int fd);

/* The same into memory: *PROG (malloc'd) and *LEN bytes, at most
 * CARREL_BPF_MAX. */
int carrel_seccomp_export_mem(const struct carrel_seccomp *f, void **prog, uint32_t *len);

/*
 * The built-in default filter as bytes, compiled once per helper binary:
 * read from CACHE when it is valid (a regular file owned by root, not
 * writable by group or others, whose header names this very helper binary
 * by device, inode, size, modification and change times), else compiled and written
 * to CACHE (a new file renamed into place; a failure to write it only costs
 * the next open a compile).  The directory CACHE is in must be root's and
 * not writable by others (CARREL_RUNDIR).  *PROG is malloc'd.
 */
int carrel_seccomp_default_bpf(const char *cache, void **prog, uint32_t *len, struct carrel_error *err);

/*
 * libseccomp is loaded, not linked (seccomp_dlopen.c): carrel_seccomp_build()
 * loads it (-ELIBACC, naming carrel_libseccomp_name(), if it cannot);
 * carrel_libseccomp_unload() unloads it once no filter is left, so that a
 * process forked after (the keeper) maps none of it.
 */
int carrel_libseccomp_load(void);
const char *carrel_libseccomp_name(void);
void carrel_libseccomp_unload(void);

#endif
