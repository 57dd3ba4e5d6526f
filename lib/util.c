/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

ssize_t read_file(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	size_t len = 0;

	if (fd < 0)
		return -errno;
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

int ensure_root_dir(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	/* Tighten (never loosen) to MODE. */
	if ((st.st_mode & 07777 & ~mode) && chmod(path, st.st_mode & 07777 & mode) < 0)
		return -errno;
	return 0;
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

bool valid_token(const char *s, size_t max)
{
	size_t i;

	if (!s || !*s)
		return false;
	for (i = 0; s[i]; i++)
		if (i >= max || s[i] <= ' ' || s[i] >= 0x7f)
			return false;
	return true;
}

int pidfd_open_pid(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	return fd < 0 ? -errno : fd;
}

pid_t pidfd_get_pid(int pidfd)
{
	char path[64], buf[1024];
	const char *p;
	long pid;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	if (read_file(path, buf, sizeof(buf)) <= 0 || !(p = strstr(buf, "\nPid:")))
		return -EBADF;
	pid = strtol(p + 5, NULL, 10);
	return pid > 0 ? (pid_t)pid : -ESRCH; /* -1: it has exited */
}

int pidfd_signal(int pidfd, int sig)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
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

static char *title_start;
static size_t title_len;

void proc_title_init(int argc, char **argv)
{
	if (argc < 1 || !argv[0])
		return;
	title_start = argv[0];
	title_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) - argv[0]);
}

void proc_title_set(const char *title)
{
	if (!title_start || title_len == 0)
		return;
	memset(title_start, 0, title_len);
	snprintf(title_start, title_len, "%s", title);
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
