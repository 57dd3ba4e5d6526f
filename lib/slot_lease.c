/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "slot_lease.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

int slot_lease_try(const char *path, const char *owner, int *fd_out)
{
	char line[64];
	struct stat a, b;

	for (int tries = 0; tries < 8; tries++) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int r = errno == EWOULDBLOCK ? 0 : -errno;
			fd = safe_close(fd);
			return r;
		}
		/* Released (unlinked) between our open and our lock: again. */
		if (fstat(fd, &a) < 0 || stat(path, &b) < 0 || a.st_nlink == 0 ||
		    a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
			fd = safe_close(fd);
			continue;
		}
		snprintf(line, sizeof(line), "%s\n", owner);
		if (ftruncate(fd, 0) < 0 ||
		    pwrite(fd, line, strlen(line), 0) != (ssize_t)strlen(line)) {
			int r = -errno;
			(void)unlink(path);
			fd = safe_close(fd);
			return r ? r : -EIO;
		}
		*fd_out = fd;
		return 1;
	}
	return 0;
}

void slot_lease_drop(const char *path, int *fd)
{
	if (*fd < 0)
		return;
	(void)unlink(path); /* still locked: a concurrent taker notices */
	*fd = safe_close(*fd);
}

int slot_lease_release_free(int dir, const char *name, const char *only_owner, char *owner,
			    size_t size)
{
	char id[64] = "";
	struct stat st;
	int fd = openat(dir, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY), r = 0;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &st) < 0 || st.st_nlink == 0) {
		fd = safe_close(fd); /* held: a live owner's (or already released) */
		return 0;
	}
	n = pread(fd, id, sizeof(id) - 1, 0);
	id[n > 0 ? n : 0] = '\0';
	id[strcspn(id, "\n")] = '\0';
	if (!only_owner || strcmp(id, only_owner) == 0) {
		r = unlinkat(dir, name, 0) < 0 ? -errno :
						 1; /* while locked: a concurrent taker notices */
		if (owner && size)
			snprintf(owner, size, "%s", id);
	}
	fd = safe_close(fd);
	return r;
}
