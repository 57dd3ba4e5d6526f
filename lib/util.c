/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What carrel-user does not link (util_min.c has the rest). */
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

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

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
