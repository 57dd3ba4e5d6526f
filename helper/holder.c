/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The holder: PID 1 of the carrel's pid namespace, born in its new
 * namespaces.  It sets up the carrel's view from inside (mounts, loopback,
 * hostname), drops every privilege, and from then on only reaps orphans.
 * Its death takes the pid namespace, and so every process of the session,
 * with it.
 */
#include "carrel.h"
#include "caps.h"
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
/*
 * Nothing more needs privilege.  Without a user namespace: become nobody.
 * With one: become the user (the only uid mapped; host root must not stay
 * in the carrel), and clear the capabilities by hand, since the kernel
 * does not when the namespace's uid 0 is unmapped.  Non-dumpable, so no
 * process of the session can ptrace the holder or read its /proc files.
 */
static int drop_privileges(const struct carrel *c)
{
	bool userns = c->policy.namespaces & CARREL_NS_USER;
	uid_t uid = userns ? c->uid : NOBODY;
	gid_t gid = userns ? c->gid : NOBODY;
	int r;

	if (setgroups(0, NULL) < 0)
		return -errno;
	if (userns && (r = caps_limit_bounding(0)) < 0)
		return r;
	if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return -errno;
	if ((r = caps_clear_all()) < 0)
		return r;
	if (setuid(0) == 0)
		return -EPERM;
	return 0;
}

static int setup(const struct carrel *c, const char **step)
{
	unsigned ns = c->policy.namespaces;
	int r;

	if ((ns & CARREL_NS_CGROUP) && (*step = "cgroup namespace", unshare(CLONE_NEWCGROUP) < 0))
		return -errno;
	if (ns & CARREL_NS_MNT) {
		/* Nothing mounted here may propagate back to the host. */
		*step = "mount /";
		if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			return -errno;
		if (c->policy.tmp == CARREL_TMP_PRIVATE) {
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
		/* cgroup v2 in a cgroup namespace: a mount of its own, rooted at
		 * the session's cgroup, so that /sys/fs/cgroup agrees with
		 * /proc/self/cgroup (systemd --user needs that) and shows no
		 * other session's cgroups.  The kernel refuses the same
		 * superblock straight on the host's mount (EBUSY), which the
		 * user namespace also keeps from being unmounted: a small tmpfs
		 * goes between. */
		*step = "mount cgroup2";
		const char *cg2 = cg_ns_cgroup2(c->cg);
		if ((ns & CARREL_NS_CGROUP) && cg2 &&
		    (mount("none", cg2, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			   "size=4k,nr_inodes=8,mode=0755") < 0 ||
		     mount("cgroup2", cg2, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0))
			return -errno;
	}
	*step = "hostname";
	if ((ns & CARREL_NS_UTS) && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return -errno;
	if (ns & CARREL_NS_NET) {
		*step = "loopback";
		if ((r = loopback_up()) < 0)
			return r;
	}
	*step = "drop privileges";
	if ((r = drop_privileges(c)) < 0)
		return r;
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
	proc_title_set("carrel-holder");
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
