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

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#ifndef CARREL_STATEDIR
#define CARREL_STATEDIR "/var/lib/carrel"
#endif
/* The users' own /var/tmp: vartmp/UID, root-owned parent of mode 0700. */
#define CARREL_VARTMP_DIR CARREL_STATEDIR "/vartmp"
#define RUN_LOCK_SIZE (4u << 20)

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

/*
 * SELinux: the tmpfs's root takes the label of the directory it covers
 * (rootcontext=, as pam_namespace's polyinstantiated /tmp does): tmp_t for
 * /tmp, so what the session creates there is labelled as in the host's /tmp
 * (user_tmp_t, by the policy's type transitions) and the programs whose
 * policy knows /tmp (sftpd_t, ssh-agent) may use it; a plain tmpfs root is
 * tmpfs_t.  Without SELinux: nothing added.
 */
static int tmp_rootcontext(const char *where, char *opt, size_t size)
{
	char ctx[256];
	ssize_t n;

	*opt = '\0';
	/* Only "not there" means no SELinux: a refused look (a policy that
	 * does not let the holder search selinuxfs) is an error, never a
	 * private /tmp silently mounted without its label. */
	if (access("/sys/fs/selinux/enforce", F_OK) < 0)
		return errno == ENOENT ? 0 : -errno;
	n = lgetxattr(where, "security.selinux", ctx, sizeof(ctx) - 1);
	if (n <= 0)
		return n < 0 && errno != ENODATA && errno != ENOTSUP ? -errno : 0;
	ctx[n] = '\0'; /* the kernel's value ends in a NUL, or not */
	if (strpbrk(ctx, "\"\n") || (size_t)snprintf(opt, size, ",rootcontext=\"%s\"", ctx) >= size)
		return -EINVAL;
	return 0;
}

/* LEVEL: the carrel's SELinux level (selinux_categories), or "": with one,
 * every file of the tmpfs is labelled with it (context=, lib/mcs.h), so
 * that another carrel of the same user cannot read them, and owned by the
 * login's SELinux user SEUSER (lib/mcs_level.h; system_u when the module
 * sent none: it refuses that login itself); without one, the root takes
 * the covered directory's label (above). */
static int mount_tmp(const char *where, uint64_t size, const char *level, const char *seuser)
{
	char opts[64 + 300], label[300] = "";
	struct stat st;
	int r;

	if (lstat(where, &st) < 0 || !S_ISDIR(st.st_mode))
		return strcmp(where, "/tmp") == 0 ? -ENOTDIR : 0; /* no /dev/shm: nothing to hide */
	if (level[0]) {
		char ctx[128];

		if ((r = carrel_mcs_mount_option(seuser[0] ? seuser : "system_u", level, ctx, sizeof(ctx))) < 0)
			return r;
		snprintf(label, sizeof(label), ",%s", ctx);
	} else if ((r = tmp_rootcontext(where, label, sizeof(label))) < 0)
		return r;
	snprintf(opts, sizeof(opts), "mode=1777,size=%" PRIu64 "%s", size, label);
	return mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0 ? -errno : 0;
}

/*
 * /var/tmp: the user's own directory, STATEDIR/vartmp/UID, on disk and kept
 * across logins and reboots as /var/tmp is.  Made by the keeper
 * (carrel_vartmp_prepare); opened here without following any symbolic link,
 * checked, and bound onto /var/tmp from the open descriptor.  The holder
 * still has host uid 0 here, so it passes the root-only parent even inside
 * a user namespace (owner access).
 */
static int mount_vartmp(const struct carrel *c)
{
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	_cleanup_close_ int fd = -1, tree = -1;
	char path[sizeof(CARREL_VARTMP_DIR) + 16];
	struct stat st;

	if (lstat("/var/tmp", &st) < 0 || !S_ISDIR(st.st_mode))
		return 0; /* no /var/tmp: nothing shared to hide */
	snprintf(path, sizeof(path), CARREL_VARTMP_DIR "/%u", (unsigned)c->uid);
	fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (st.st_uid != c->uid)
		return -EPERM;
	tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0 || mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0 ||
	    move_mount(tree, "", AT_FDCWD, "/var/tmp", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

int carrel_vartmp_prepare(uid_t uid, gid_t gid)
{
	_cleanup_close_ int dir = -1, fd = -1;
	char name[16];
	struct stat st;
	int r;

	if ((r = ensure_root_dir(CARREL_STATEDIR, 0755)) < 0 || (r = ensure_root_dir(CARREL_VARTMP_DIR, 0700)) < 0)
		return r;
	dir = open(CARREL_VARTMP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	if (mkdirat(dir, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	/* Only root writes in vartmp/: a root-owned entry is one just made
	 * (or one whose chown failed last time). */
	if (st.st_uid == 0 && (fchown(fd, uid, gid) < 0 || fchmod(fd, 0700) < 0))
		return -errno;
	return st.st_uid == 0 || st.st_uid == uid ? 0 : -EPERM;
}

/* A fresh mqueue file system for the carrel's IPC namespace, where the
 * host has one mounted: the host's shows the host's queues by path. */
static int mount_mqueue(void)
{
	struct stat st;

	if (lstat("/dev/mqueue", &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	return mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ? -errno : 0;
}

/* ---- /sys --------------------------------------------------------------------- */

#define MAX_SUBMOUNTS 32
#define SYS_CGROUP "/sys/fs/cgroup"

/* A mount found in mountinfo: its mount point, type and super options. */
struct mnt {
	int id, parent;
	char point[256], type[32], opts[256];
};

/* Call FN for each mount of this mount namespace, in mountinfo's order
 * (later mounts stack over earlier ones); FN returns nonzero to stop.
 * Mount points with escapes (spaces...) are skipped: none is under /sys. */
static int for_each_mount(int (*fn)(const struct mnt *, void *), void *arg)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	int r = 0;

	if (!f)
		return -errno;
	while (r == 0 && fgets(line, sizeof(line), f)) {
		struct mnt m = { 0 };
		const char *sep = strstr(line, " - ");

		if (!sep || strchr(line, '\\') ||
		    sscanf(line, "%d %d %*s %*s %255s", &m.id, &m.parent, m.point) != 3 ||
		    sscanf(sep, " - %31s %*s %255s", m.type, m.opts) != 2)
			continue;
		r = fn(&m, arg);
	}
	fclose(f);
	return r < 0 ? r : 0;
}

/* What the carrel's /sys is rebuilt from, read before the old one is covered. */
struct sys_plan {
	int sys_id;             /* the topmost mount at /sys */
	int cg_id;              /* the topmost mount at /sys/fs/cgroup */
	bool rebuild_cgroup;    /* v1 in a cgroup namespace: our own /sys/fs/cgroup */
	int nsub;
	struct mnt sub[MAX_SUBMOUNTS];   /* /sys's direct submounts */
	int ncg;
	struct mnt cg[MAX_SUBMOUNTS];    /* cgroup and cgroup2 mounts in /sys/fs/cgroup */
	int nlink;
	char link[MAX_SUBMOUNTS][2][64]; /* /sys/fs/cgroup's symbolic links: name, target */
};

static int find_tops(const struct mnt *m, void *arg)
{
	struct sys_plan *p = arg;

	if (strcmp(m->point, "/sys") == 0)
		p->sys_id = m->id;
	else if (strcmp(m->point, SYS_CGROUP) == 0)
		p->cg_id = m->id;
	return 0;
}

static int find_children(const struct mnt *m, void *arg)
{
	struct sys_plan *p = arg;

	if (p->sys_id && m->parent == p->sys_id) {
		if (p->nsub == MAX_SUBMOUNTS)
			return -E2BIG;
		p->sub[p->nsub++] = *m;
	}
	if (p->cg_id && m->parent == p->cg_id &&
	    (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0) &&
	    !strchr(m->point + sizeof(SYS_CGROUP), '/')) {
		if (p->ncg == MAX_SUBMOUNTS)
			return -E2BIG;
		p->cg[p->ncg++] = *m;
	}
	return 0;
}

static int read_cgroup_links(struct sys_plan *p)
{
	DIR *d = opendir(SYS_CGROUP);
	struct dirent *e;
	int r = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)) && r == 0) {
		ssize_t n;

		if (e->d_type != DT_LNK)
			continue;
		if (p->nlink == MAX_SUBMOUNTS || strlen(e->d_name) >= sizeof(p->link[0][0])) {
			r = -E2BIG;
			break;
		}
		n = readlinkat(dirfd(d), e->d_name, p->link[p->nlink][1], sizeof(p->link[0][1]) - 1);
		if (n < 0 || n == (ssize_t)sizeof(p->link[0][1]) - 1) {
			r = n < 0 ? -errno : -E2BIG;
			break;
		}
		p->link[p->nlink][1][n] = '\0';
		snprintf(p->link[p->nlink++][0], sizeof(p->link[0][0]), "%s", e->d_name);
	}
	closedir(d);
	return r;
}

/* cgroup v1 super options without the mount flags: the controllers and
 * name=, which name the existing hierarchy to mount again. */
static void v1_hierarchy(const char *opts, char *out, size_t size)
{
	static const char *const skip[] = { "rw", "ro", "xattr", "noprefix", "clone_children",
					    "cpuset_v2_mode", "favordynmods" };
	char buf[256], *save = NULL;
	size_t o = 0;

	snprintf(buf, sizeof(buf), "%s", opts);
	out[0] = '\0';
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool drop = strncmp(t, "release_agent=", 14) == 0;
		for (size_t i = 0; i < ARRAY_SIZE(skip) && !drop; i++)
			drop = strcmp(t, skip[i]) == 0;
		if (!drop && o < size)
			o += (size_t)snprintf(out + o, size - o, "%s%s", o ? "," : "", t);
	}
}

/*
 * cgroup v1 in a cgroup namespace: a /sys/fs/cgroup of the carrel's own,
 * each hierarchy mounted again from inside the namespace, so rooted at the
 * carrel's cgroup there: no other session's directories or usage show.
 * Same names, same symbolic links (cpu -> cpu,cpuacct) as the host's.
 */
static int build_cgroup_v1(const struct carrel *c, const struct sys_plan *p)
{
	_cleanup_close_ int dir = -1;

	/* In a user namespace the holder's host uid 0 is unmapped, and a file
	 * system mounted there refuses to make files for an unmapped owner
	 * (EOVERFLOW): make them as the user, who is mapped.  Capabilities
	 * stay (the namespace's uid 0 is not involved), and nothing after
	 * this needs host uid 0's file access: the holder drops to the user
	 * at the end of its setup anyway.  The tmpfs ends read-only, so the
	 * owner can change nothing in it. */
	if (c->policy.namespaces & CARREL_NS_USER) {
		(void)setfsgid(c->gid);
		(void)setfsuid(c->uid);
		if ((uid_t)setfsuid((uid_t)-1) != c->uid || (gid_t)setfsgid((gid_t)-1) != c->gid)
			return -EPERM;
	}
	if (mount("none", SYS_CGROUP, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k,nr_inodes=64,mode=0755") < 0)
		return -errno;
	dir = open(SYS_CGROUP, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	for (int i = 0; i < p->nlink; i++)
		if (symlinkat(p->link[i][1], dir, p->link[i][0]) < 0)
			return -errno;
	for (int i = 0; i < p->ncg; i++) {
		const struct mnt *m = &p->cg[i];
		bool v2 = strcmp(m->type, "cgroup2") == 0;
		char opts[256];

		if (mkdirat(dir, m->point + sizeof(SYS_CGROUP), 0555) < 0)
			return -errno;
		v1_hierarchy(m->opts, opts, sizeof(opts));
		if (mount(v2 ? "cgroup2" : "cgroup", m->point, m->type, MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  v2 ? NULL : opts) < 0)
			return -errno;
	}
	return mount(NULL, SYS_CGROUP, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     NULL) < 0 ? -errno : 0;
}

/*
 * /sys for the carrel's network namespace: a new sysfs shows the
 * namespace's network devices only (the host's shows the host's).  The
 * host's submounts of /sys (security, bpf, tracing, fuse...) are cloned
 * first and put back on top; /sys/fs/cgroup is built anew where
 * build_cgroup_v1() applies, and stays the host's otherwise.
 */
static int mount_sys(const struct carrel *c, struct carrel_error *e)
{
	unsigned ns = c->policy.namespaces;
	struct sys_plan *p = calloc(1, sizeof(*p));
	int trees[MAX_SUBMOUNTS], r = 0;

	if (!p)
		return -ENOMEM;
	p->rebuild_cgroup = (ns & CARREL_NS_CGROUP) && cg_version(c->cg) != 2;
	carrel_error_at(e, "mount /sys: read mountinfo");
	if ((r = for_each_mount(find_tops, p)) < 0 || (r = for_each_mount(find_children, p)) < 0)
		goto out;
	if (p->rebuild_cgroup && p->cg_id && (r = read_cgroup_links(p)) < 0)
		goto out;
	for (int i = 0; i < p->nsub; i++)
		trees[i] = -1;
	if (ns & CARREL_NS_NET) {
		carrel_error_at(e, "mount /sys: clone submounts");
		for (int i = 0; i < p->nsub; i++) {
			if (p->rebuild_cgroup && strcmp(p->sub[i].point, SYS_CGROUP) == 0)
				continue;
			trees[i] = open_tree(AT_FDCWD, p->sub[i].point,
					     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
			if (trees[i] < 0) {
				r = -errno;
				goto close;
			}
		}
		carrel_error_at(e, "mount /sys");
		if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			r = -errno;
			goto close;
		}
		carrel_error_at(e, "mount /sys: submounts");
		for (int i = 0; i < p->nsub; i++)
			if (trees[i] >= 0 &&
			    move_mount(trees[i], "", AT_FDCWD, p->sub[i].point, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
				r = -errno;
				goto close;
			}
	}
	carrel_error_at(e, "mount /sys/fs/cgroup");
	if (p->rebuild_cgroup && p->cg_id)
		r = build_cgroup_v1(c, p);
close:
	for (int i = 0; i < p->nsub; i++)
		trees[i] = safe_close(trees[i]);
out:
	free(p);
	return r;
}

/* Each step of the inside setup; the first failure is reported by name. */
/*
 * Nothing more needs privilege: become the session's own user, with or
 * without a user namespace (in one, the only uid mapped).  Host root must
 * not stay in the carrel, and a shared uid (nobody) would let every
 * process of that uid on the host stop or kill every carrel; as the user,
 * only the user, who owns the carrel anyway, can signal it from outside.
 * Capabilities are cleared by hand, since the kernel does not when a user
 * namespace's uid 0 is unmapped.  Non-dumpable, so that no process of the
 * user can ptrace the holder or read its /proc files.
 */
static int drop_privileges(const struct carrel *c)
{
	bool userns = c->policy.namespaces & CARREL_NS_USER;
	int r;

	if (setgroups(0, NULL) < 0)
		return -errno;
	if (userns && (r = caps_limit_bounding(0)) < 0)
		return r;
	/* Before the uid changes, so there is no moment at which the holder
	 * runs as the user and can be traced (set again after: a uid change
	 * resets it to fs.suid_dumpable). */
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		return -errno;
	if (setresgid(c->gid, c->gid, c->gid) < 0 || setresuid(c->uid, c->uid, c->uid) < 0)
		return -errno;
	if ((r = caps_clear_all()) < 0)
		return r;
	if (setuid(0) == 0)
		return -EPERM;
	return 0;
}

static int setup(const struct carrel *c, struct carrel_error *e)
{
	unsigned ns = c->policy.namespaces;
	int r;

	if ((ns & CARREL_NS_CGROUP) && (carrel_error_at(e, "cgroup namespace"), unshare(CLONE_NEWCGROUP) < 0))
		return -errno;
	if (ns & CARREL_NS_MNT) {
		/* Nothing mounted here may propagate back to the host. */
		carrel_error_at(e, "mount /");
		if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			return -errno;
		if (c->policy.tmp == CARREL_TMP_PRIVATE) {
			carrel_error_at(e, "mount /tmp");
			if ((r = mount_tmp("/tmp", c->policy.tmp_size, c->mcs.level, c->seuser)) < 0)
				return r;
			carrel_error_at(e, "mount /dev/shm");
			if ((r = mount_tmp("/dev/shm", c->policy.tmp_size, c->mcs.level, c->seuser)) < 0)
				return r;
			carrel_error_at(e, "mount /run/lock");
			if ((r = mount_tmp("/run/lock", RUN_LOCK_SIZE, c->mcs.level, c->seuser)) < 0)
				return r;
			carrel_error_at(e, "mount /var/tmp");
			if ((r = mount_vartmp(c)) < 0)
				return r;
		}
		/* network = nat: the resolver is the gateway (net/net.c wrote the
		 * file before the keeper let us start).  A host without an
		 * /etc/resolv.conf has no DNS to relay. */
		carrel_error_at(e, "mount /etc/resolv.conf");
		if (c->policy.network == CARREL_NETWORK_NAT &&
		    mount(CARREL_NET_RESOLV, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0 && errno != ENOENT)
			return -errno;
		carrel_error_at(e, "mount /dev/mqueue");
		if ((ns & CARREL_NS_IPC) && (r = mount_mqueue()) < 0)
			return r;
		carrel_error_at(e, "mount /proc");
		if ((ns & CARREL_NS_PID) &&
		    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return -errno;
		if (((ns & CARREL_NS_NET) || ((ns & CARREL_NS_CGROUP) && cg_version(c->cg) != 2)) &&
		    (r = mount_sys(c, e)) < 0)
			return r;
		/* cgroup v2 in a cgroup namespace: a mount of its own, rooted at
		 * the session's cgroup, so that /sys/fs/cgroup agrees with
		 * /proc/self/cgroup (systemd --user needs that) and shows no
		 * other session's cgroups.  The kernel refuses the same
		 * superblock straight on the host's mount (EBUSY), which the
		 * user namespace also keeps from being unmounted: a small tmpfs
		 * goes between. */
		carrel_error_at(e, "mount cgroup2");
		const char *cg2 = cg_ns_cgroup2(c->cg);
		if ((ns & CARREL_NS_CGROUP) && cg2 &&
		    (mount("none", cg2, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			   "size=4k,nr_inodes=8,mode=0755") < 0 ||
		     mount("cgroup2", cg2, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0))
			return -errno;
	}
	carrel_error_at(e, "hostname");
	if ((ns & CARREL_NS_UTS) && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return -errno;
	if (ns & CARREL_NS_NET) {
		carrel_error_at(e, "loopback");
		if ((r = loopback_up()) < 0)
			return r;
	}
	carrel_error_at(e, "drop privileges");
	if ((r = drop_privileges(c)) < 0)
		return r;
	/* A uid change clears the parent-death signal: set it now. */
	carrel_error_at(e, "prctl");
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

/*
 * From here on the holder only reaps: become carrel-holder (holder/), a
 * static program that does only that, so that the carrel does not keep a
 * second copy of the helper's image alive.  EXE was opened before setup,
 * in the host's view.  Privileges are dropped already (the program is
 * never run with any); if it is not installed or does not run, reap here.
 * Not before the keeper closes GO, after its reply: the exec, and the end
 * of the old image with it, are off the login's path.
 */
static void __attribute__((noreturn)) become_reaper(int go, int exe)
{
	char *const argv[] = { (char *)"carrel-holder", NULL };
	char *const envp[] = { NULL };
	char g;

	(void)!read(go, &g, 1);
	go = safe_close(go);
	if (exe >= 0)
		(void)execveat(exe, "", argv, envp, AT_EMPTY_PATH);
	exe = safe_close(exe);
	reap_forever();
}

int holder_main(const struct carrel *c, int go, int ready)
{
	struct holder_status st = { 0 };
	struct carrel_error e = { "start", "" };
	int exe;
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
	exe = open(CARREL_HOLDER_PATH, O_PATH | O_CLOEXEC);
	st.err = setup(c, &e);
	if (st.err < 0)
		snprintf(st.step, sizeof(st.step), "%s", e.step);
	if (write(ready, &st, sizeof(st)) != (ssize_t)sizeof(st) || st.err < 0)
		_exit(1);
	close(ready);
	become_reaper(go, exe);
}
