/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * t-99-mcs's probe aid, run as the user inside a carrel:
 *   t99-aid listen PATH    a unix stream socket at PATH, accepting forever
 *   t99-aid connect PATH   connect to it: prints 0 or the errno
 *   t99-aid ptrace PID     PTRACE_ATTACH then detach: prints 0 or the errno
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -1;
	strcpy(sa->sun_path, path);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa;
	int fd;

	if (argc != 3)
		return 2;
	if (strcmp(argv[1], "ptrace") == 0) {
		pid_t pid = (pid_t)atoi(argv[2]);
		if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0) {
			printf("%d\n", errno);
			return 1;
		}
		(void)waitpid(pid, NULL, __WALL);
		(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
		printf("0\n");
		return 0;
	}
	if (unix_addr(argv[2], &sa) < 0 || (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 2;
	if (strcmp(argv[1], "listen") == 0) {
		(void)unlink(argv[2]);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0)
			return 1;
		for (int i = 0; i < 1000; i++) { /* bounded: killed at the end */
			int c = accept(fd, NULL, NULL);
			if (c >= 0)
				close(c);
		}
		return 0;
	}
	if (strcmp(argv[1], "connect") == 0) {
		int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
		printf("%d\n", r);
		return r ? 1 : 0;
	}
	return 2;
}
