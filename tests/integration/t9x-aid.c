/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small C helpers for t-90-userns.sh, t-91-hardening.sh and t-92-hostile.sh
 * (libc only; built by those scripts into a world-readable directory).
 *
 *   t9x-aid tiocsti TEXT      push TEXT into the terminal on fd 0 with ioctl
 *                             TIOCSTI, one byte at a time; prints
 *                             "tiocsti errno=N" (N: the first failure, 0: all
 *                             pushed) and exits 0
 *   t9x-aid fds               the open file descriptors, "fds 0 1 2 ..."
 *   t9x-aid argc              "argc=N argv0=..."
 *   t9x-aid vsock             socket(AF_VSOCK, SOCK_STREAM): "vsock errno=N"
 *                             (0: opened)
 *   t9x-aid argc0 PROG [ENV...]  execve PROG with an empty argv (argc 0)
 *                             and ENV... as its whole environment: a program
 *                             that reads argv[1] anyway reads ENV's first
 *                             string (the pkexec bug); exit status is PROG's
 *
 * Built with -DT9X_PRELOAD -shared -fPIC it is instead a library whose
 * constructor records that it was loaded: it creates
 * $T9X_MARKER_DIR/loaded.PID.EUID.COMM (the directory is compiled in as
 * T9X_MARKER_DIR), so a test can tell which process, and with which
 * effective uid, loaded it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef T9X_PRELOAD
#ifndef T9X_MARKER_DIR
#error "build with -DT9X_MARKER_DIR='\"/some/dir\"'"
#endif
__attribute__((constructor)) static void t9x_loaded(void)
{
	char comm[32] = "?", path[512];
	int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, comm, sizeof(comm) - 1);
		comm[n > 0 ? n : 0] = '\0';
		comm[strcspn(comm, "\n/")] = '\0';
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/loaded.%d.%u.%s", T9X_MARKER_DIR, (int)getpid(),
		 (unsigned)geteuid(), comm);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}
#else
int main(int argc, char **argv)
{
	if (argc < 1) {
		printf("argc=0\n");
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "tiocsti") == 0) {
		int err = 0;
		for (const char *p = argv[2]; *p; p++) {
			char c = *p;
			if (ioctl(0, TIOCSTI, &c) < 0) {
				err = errno;
				break;
			}
		}
		printf("tiocsti errno=%d\n", err);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "fds") == 0) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *e;
		int self = d ? dirfd(d) : -1;

		printf("fds");
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.' && atoi(e->d_name) != self)
				printf(" %s", e->d_name);
		printf("\n");
		if (d)
			closedir(d);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "vsock") == 0) {
		int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
		printf("vsock errno=%d\n", fd < 0 ? errno : 0);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "argc0") == 0) {
		char *no_args[] = { NULL };
		execve(argv[2], no_args, argv + 3);
		perror("t9x-aid: argc0: execve");
		return 127;
	}
	if (argc >= 2 && strcmp(argv[1], "argc") == 0) {
		printf("argc=%d argv0=%s\n", argc, argv[0]);
		return 0;
	}
	fprintf(stderr, "usage: t9x-aid tiocsti TEXT | fds | vsock | argc | argc0 PROG [ENV...]\n");
	return 2;
}
#endif
