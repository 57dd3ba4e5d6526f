/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by the helper and the PAM module. Every function
 * returns 0 (or a count) on success and -errno on failure, and keeps errno
 * intact across its own cleanup. */
#ifndef CARREL_UTIL_H
#define CARREL_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "util_min.h"

/* Write all of BUF to FD: a short write is an error (-EIO, or what the
 * retry says), never a success. */
int write_all(int fd, const void *buf, size_t len);
/* Create directory PATH (mode MODE) or accept an existing one; either way it
 * must be a real directory owned by root and not writable by group or others. */
int ensure_root_dir(const char *path, mode_t mode);

/* Printable ASCII without spaces, 1..max bytes ("-" stands for empty). */
bool valid_token(const char *s, size_t max);

/* What ps shows: overwrite the argument area saved by proc_title_init(). */
void proc_title_init(int argc, char **argv);
void proc_title_set(const char *title);

int pidfd_open_pid(pid_t pid);
/* The pid (in our pid namespace) of the process PIDFD refers to; -ESRCH if
 * it has exited, -EBADF if PIDFD is no pidfd. */
pid_t pidfd_get_pid(int pidfd);
int pidfd_signal(int pidfd, int sig);

#endif
