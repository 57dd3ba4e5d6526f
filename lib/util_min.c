/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The part of util that the set-user-ID program carrel-user links (and so
 * what `make audit-setuid` counts): files, fds, names, privileges.  The
 * rest is in util.c.
 */
#include "util_min.h"

#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>

int write_file(const char *path, const char *str)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	size_t len = strlen(str);

	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, str, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

ssize_t read_fd(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

ssize_t read_file(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);

	return fd < 0 ? -errno : read_fd(fd, buf, size);
}

bool valid_user_name(const char *s)
{
	size_t i;

	/* POSIX portable names plus '@' and a trailing '$' (machine accounts);
	 * never '/', "..", whitespace, control bytes or a leading '-'. */
	if (!s || !*s || *s == '-' || *s == '.')
		return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];
		if (i >= 32)
			return false;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-' || c == '.' || c == '@')
			continue;
		if (c == '$' && s[i + 1] == '\0')
			continue;
		return false;
	}
	return true;
}

static void close_between(unsigned lo, unsigned hi)
{
	if (lo > hi)
		return;
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return;
	for (unsigned fd = lo; fd <= hi && fd < 65536; fd++)
		(void)close((int)fd);
}

void close_all_except(int a, int b)
{
	unsigned lo = 3;
	int keep[2] = { a < b ? a : b, a < b ? b : a };

	for (int i = 0; i < 2; i++) {
		if (keep[i] < 3)
			continue;
		if ((unsigned)keep[i] > lo)
			close_between(lo, (unsigned)keep[i] - 1);
		lo = (unsigned)keep[i] + 1;
	}
	close_between(lo, ~0U);
}

int drop_to_caller(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return -errno;
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return -EPERM;
	return 0;
}
