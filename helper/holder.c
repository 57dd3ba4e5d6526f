/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The holder: PID 1 of the carrel's pid namespace, born in its new
 * namespaces.  It sets up the carrel's view from inside (mounts, loopback,
 * hostname), drops every privilege, and from then on only reaps orphans.
 * Its death takes the pid namespace, and so every process of the session,
 * with it.
 */
#include "carrel.h"
#include "util.h"

#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define NOBODY 65534

struct holder_status {
	int err;
	char step[32];
};

static int loopback_up(void)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

static int mount_tmp(const char *where, uint64_t size)
{
	char opts[64];
	struct stat st;

	if (lstat(where, &st) < 0 || !S_ISDIR(st.st_mode))
		return strcmp(where, "/tmp") == 0 ? -ENOTDIR : 0; /* no /dev/shm: nothing to hide */
	snprintf(opts, sizeof(opts), "mode=1777,size=%" PRIu64, size);
	return mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0 ? -errno : 0;
}

/* Each step of the inside setup; the first failure is reported by name. */
static int setup(const struct carrel *c, const char **step)
{
	unsigned ns = c->policy.namespaces;

	if ((ns & CARREL_NS_CGROUP) && (*step = "cgroup namespace", unshare(CLONE_NEWCGROUP) < 0))
		return -errno;
	if (ns & CARREL_NS_MNT) {
		/* Nothing mounted here may propagate back to the host. */
		*step = "mount /";
		if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			return -errno;
		if (c->policy.tmp == CARREL_TMP_PRIVATE) {
			int r;
			*step = "mount /tmp";
			if ((r = mount_tmp("/tmp", c->policy.tmp_size)) < 0)
				return r;
			*step = "mount /dev/shm";
			if ((r = mount_tmp("/dev/shm", c->policy.tmp_size)) < 0)
				return r;
		}
		*step = "mount /proc";
		if ((ns & CARREL_NS_PID) &&
		    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return -errno;
	}
	*step = "hostname";
	if ((ns & CARREL_NS_UTS) && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return -errno;
	if (ns & CARREL_NS_NET) {
		int r;
		*step = "loopback";
		if ((r = loopback_up()) < 0)
			return r;
	}
	/* Nothing more needs root: become nobody, with no groups and no
	 * capabilities, so no process of the session can touch the holder. */
	*step = "drop privileges";
	gid_t nobody_gid = NOBODY;
	if (setgroups(0, NULL) < 0 || setresgid(nobody_gid, nobody_gid, nobody_gid) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		return -errno;
	if (setuid(0) == 0)
		return -EPERM;
	/* A uid change clears the parent-death signal: set it now. */
	*step = "prctl";
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_DUMPABLE, 0) < 0)
		return -errno;
	return 0;
}

static void __attribute__((noreturn)) reap_forever(void)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		siginfo_t si;
		sigset_t chld;
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		(void)sigwaitinfo(&chld, &si);
	}
}

int holder_main(const struct carrel *c, int go, int ready)
{
	struct holder_status st = { 0 };
	const char *step = "start";
	char g;

	/* Keep only the two pipes: the holder must hold nothing of the keeper's. */
	close_all_except(go, ready);
	(void)prctl(PR_SET_NAME, "carrel-holder");
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	/* Wait until the keeper has put us into the session's cgroups. */
	if (read(go, &g, 1) != 1)
		_exit(1);
	close(go);
	st.err = setup(c, &step);
	if (st.err < 0)
		snprintf(st.step, sizeof(st.step), "%s", step);
	if (write(ready, &st, sizeof(st)) != (ssize_t)sizeof(st) || st.err < 0)
		_exit(1);
	close(ready);
	reap_forever();
}
