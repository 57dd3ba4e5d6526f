/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The helpers that every program links, carrel-user included (util_min.c;
 * util.h adds the rest).  Every function returns 0 (or a count) on success
 * and -errno on failure, and keeps errno intact across its own cleanup. */
#ifndef CARREL_UTIL_MIN_H
#define CARREL_UTIL_MIN_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

static inline void freep(void *p) { free(*(void **)p); }
/* Close FD if it is open, keeping errno; returns -1 so that the variable
 * is reset in the same statement: `fd = safe_close(fd);`. A closed fd can
 * then never be closed twice (its number may belong to another fd by then). */
static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return -1;
}
static inline void closep(int *fd) { *fd = safe_close(*fd); }
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))

/* Hand ownership of an fd on: the cleanup of the old name then does nothing. */
static inline int take_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Write STR to an existing file PATH (no create, no follow). */
int write_file(const char *path, const char *str);
/* Read at most SIZE-1 bytes of PATH (read_fd: of FD, to its end) into BUF,
 * NUL-terminated; returns the length. */
ssize_t read_file(const char *path, char *buf, size_t size);
ssize_t read_fd(int fd, char *buf, size_t size);

/* Names that reach file names, cgroup names and state files. */
bool valid_user_name(const char *s);

/* Close every fd from 3 up, except A and B (either may be -1). */
void close_all_except(int a, int b);

/* Give up root for good: the real uid and gid become every id; verified
 * (a non-root caller cannot get root back). */
int drop_to_caller(void);

#endif
