/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * carrel-user: the whole set-user-ID surface of carrel.  Installed 4755
 * root; it links libc, libcap and the few lib/ files it needs, nothing else
 * (no config parser, no libseccomp, no libsystemd).
 *
 * main() is linear: sanitize the process (fds, environment, umask), find the
 * operation in one closed table, run it.  Each operation says who may call
 * it and why it is safe.  Everything root-only (open, the keeper, the
 * holder, check-config) is carrel-helper's, which is not set-user-ID.
 */
#include "carrel-user.h"
#include "util_min.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const struct op {
	const char *name;
	int (*run)(int argc, char **argv, char **caller_env);
} ops[] = {
	/* enter SESSION-ID [COMMAND [ARG...]]: the caller's own carrel (root:
	 * any).  Safe: whose carrel it is comes from the root-only state file
	 * before its keeper is asked; the holder comes as a pidfd from the
	 * keeper, never a pid; carrel-user becomes the session's user for good
	 * (groups, uid, capabilities, no_new_privs) before anything of the
	 * caller's runs. */
	{ "enter", op_enter },
	/* status [SESSION-ID]: anyone, for their own carrels (root: all).
	 * Safe: it reads root-only state files, keeps only those whose uid is
	 * the caller's, and drops to the caller for good before it writes a
	 * byte; carrelctl formats the records with the caller's own rights. */
	{ "status", op_status },
};

mode_t caller_umask;

static void usage(void)
{
	fprintf(stderr, "usage: carrel-user enter SESSION-ID [COMMAND [ARG...]]\n"
			"       carrel-user status [SESSION-ID]\n");
}

/* fds 0-2 open (a hostile caller may have closed them), nothing else inherited. */
static void sanitize_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			_exit(1); /* fds are allocated lowest-first */
	close_all_except(-1, -1);
}

int main(int argc, char **argv)
{
	const struct op *op = NULL;
	char **caller_env = environ; /* clearenv() leaves the array itself alone */

	sanitize_fds();
	if (clearenv() != 0 || setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) != 0)
		return 1;
	caller_umask = umask(022);
	if (argc < 2 || !argv[0]) {
		usage();
		return 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (strcmp(argv[1], ops[i].name) == 0)
			op = &ops[i];
	if (!op) {
		usage();
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "carrel-user: not installed set-user-ID root\n");
		return 1;
	}
	return op->run(argc, argv, caller_env);
}
