/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Call carrel-helper (or carrel-user) the way pam_carrel calls the helper (fd 3 = a SOCK_SEQPACKET
 * socket, empty environment), with any arguments, and print what comes
 * back: "reply err=N step=STEP detail=..." or "no reply", then "exit=N".
 * Used by the hostile-caller tests.
 *   helper_call HELPER ARGV0 [ARG...]  (ARGV0 and the rest become its argv)
 *   helper_call --argc0 HELPER       (execve with an empty argv)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto_open.h"

int main(int argc, char **argv)
{
	static char *const empty_env[] = { NULL };
	static char *const no_args[] = { NULL };
	struct carrel_reply reply;
	int sv[2], fd = -1, status, argc0 = 0;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "--argc0") == 0) {
		argc0 = 1;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: helper_call [--argc0] HELPER [ARG...]\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return 2;
	pid = fork();
	if (pid == 0) {
		if (dup2(sv[1], 3) < 0)
			_exit(126);
		execve(argv[1], argc0 ? no_args : argv + 2, empty_env);
		_exit(127);
	}
	close(sv[1]);
	waitpid(pid, &status, 0);
	if (proto_recv_reply(sv[0], &reply, &fd, 3000) == 0)
		printf("reply err=%d step=%s detail=%s\n", reply.err, reply.step, reply.detail);
	else
		printf("no reply\n");
	printf("exit=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
