/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit test of the cgroup folder's pure parts (cgroup/cgparse.c) and its
 * choices, linked against the library as every caller is (no #include of
 * a .c file), with hostile input: which line of /proc/PID/cgroup is
 * believed, which mountinfo lines are cgroup hierarchies, which hierarchy
 * holds which controller (a hybrid host spans v1 and v2), which unit a
 * login may be left in under systemd, what is made for it otherwise.  The
 * D-Bus calls are not made here: they are tested in the VM (tests/vm).
 * TAP on stdout; exit 1 on a failure.
 */
#include "cgroup-internal.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tap.h"

static void test_cg_parse_proc_cgroup(void)
{
	char out[CG_PATH_MAX];

	check(cg_parse_proc_cgroup("0::/user.slice/user-1000.slice/session-4.scope\n", "", out, sizeof(out)) == 0 &&
		      strcmp(out, "/user.slice/user-1000.slice/session-4.scope") == 0,
	      "own_path: the v2 line");
	check(cg_parse_proc_cgroup("12:memory:/a\n0::/user.slice/user-1000.slice/x.scope\n0::/user.slice/user-1000.slice/session-4.scope\n",
		       "", out, sizeof(out)) == -EINVAL,
	      "own_path: two 0:: lines (one forged through a v1 cgroup name with a newline) are refused");
	check(cg_parse_proc_cgroup("4:cpu,cpuacct:/c\n3:memory:/m\n0::/u\n", "memory", out, sizeof(out)) == 0 && strcmp(out, "/m") == 0,
	      "own_path: a v1 hierarchy by controller");
	check(cg_parse_proc_cgroup("3:memory:/m\n", "", out, sizeof(out)) == -ENOENT, "own_path: no v2 line");
	check(cg_parse_proc_cgroup("0::/abcdefghij\n", "", out, 8) == -ENAMETOOLONG, "own_path: too long for the buffer");
}

static void test_unit_names(void)
{
	static const char *const good[] = { "session-4.scope", "user@1000.service", "carrel-12.scope",
					    "carrel-12-345.scope" };
	static const char *const bad[] = { "", ".scope", "..scope", "a b.scope", "x/y.scope", "session-4.slice",
					   "session-4", "evil\n.scope", "x.service\n",
					   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.scope" };

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		check(cg_unit_name_ok(good[i]), "unit name \"%s\" accepted", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char shown[24];
		snprintf(shown, sizeof(shown), "%.20s", bad[i]);
		for (char *p = shown; *p; p++)
			*p = *p == '\n' ? '?' : *p;
		check(!cg_unit_name_ok(bad[i]), "unit name \"%s\" refused", shown);
	}
}

static void test_login_unit(void)
{
	char unit[96];
	static const struct {
		const char *procfile;
		bool want;
		const char *what;
	} cases[] = {
		{ "0::/user.slice/user-1000.slice/session-4.scope\n", true, "logind's session scope" },
		{ "0::/user.slice/user-1000.slice/session-c2.scope\n", true, "logind's session scope without an audit id" },
		{ "0::/user.slice/user-1000.slice/session-x2.scope\n", false, "a scope named like a session, not logind's" },
		{ "0::/user.slice/user-1000.slice/session-cc2.scope\n", false, "session-cc2.scope" },
		{ "0::/user.slice/user-1000.slice/session-.scope\n", false, "session-.scope" },
		{ "0::/user.slice/user-1001.slice/session-4.scope\n", false, "another user's session scope" },
		{ "0::/user.slice/user-10000.slice/session-4.scope\n", false, "user-10000 is not user-1000" },
		{ "0::/user.slice/user-1000.slice/user@1000.service\n", false,
		  "user@1000.service, when the login process is not systemd" },
		{ "0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.service\n", false,
		  "a cgroup inside the user's delegated subtree" },
		{ "0::/user.slice/user-1000.slice/foo.service\n", false, "another unit of the user's slice" },
		{ "0::/user.slice/user-1000.slice/carrel-3.scope\n", false, "a carrel scope (not a login's own unit)" },
		{ "0::/system.slice/cron.service\n", false, "a system service (cron)" },
		{ "0::/\n", false, "the root" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check(cg_parse_login_unit(1000, cases[i].procfile, cg_exe_is_systemd(getpid()), unit, sizeof(unit)) ==
			      cases[i].want,
		      "login unit: %s: %s", cases[i].what, cases[i].want ? "kept" : "not kept");
}

static struct cg_mount mnt(const char *path, const char *ctrls, bool v2)
{
	struct cg_mount m = { .v2 = v2 };

	snprintf(m.path, sizeof(m.path), "%s", path);
	snprintf(m.controllers, sizeof(m.controllers), "%s", ctrls);
	return m;
}

/* CG as cg_prepare() leaves it before the backend fills it in. */
static void fresh(struct cg_session *cg, const char *id)
{
	memset(cg, 0, sizeof(*cg));
	cg->uid = 1000;
	cg->login_pid = getpid();
	snprintf(cg->id, sizeof(cg->id), "%s", id);
}

static void test_prepare_systemd(void)
{
	const char *mount = "/sys/fs/cgroup";
	struct cg_session cg;

	fresh(&cg, "7");
	check(cg_systemd_prepare(&cg, mount, "0::/user.slice/user-1000.slice/session-4.scope\n", true, false) == 0 &&
		      cg.ops == &cg_systemd_ops && !cg.new_scope && strcmp(cg.unit, "session-4.scope") == 0 &&
		      strcmp(cg.h[0].session, "/sys/fs/cgroup/user.slice/user-1000.slice/session-4.scope") == 0 &&
		      strcmp(cg.h[0].user, "/sys/fs/cgroup/user.slice/user-1000.slice") == 0 && cg.n == 1,
	      "systemd: an ssh login stays in its session scope, limits on user-1000.slice");
	check(cg_version(&cg) == 2 && strcmp(cg_unit(&cg), "session-4.scope") == 0 && cg_count(&cg) == 1 &&
		      strcmp(cg_path(&cg, 0), cg.h[0].session) == 0 && cg_path(&cg, 1) == NULL &&
		      strcmp(cg_ns_cgroup2(&cg), mount) == 0 && !cg_create_needs_lock(&cg),
	      "systemd: what the state file records (v2, the unit, its cgroup); created without the carrel lock");

	/* As cg_prepare() calls it: the mount is the unified hierarchy's
	 * entry in the session itself, which the backend then fills in. */
	fresh(&cg, "7");
	struct cg_mount um = mnt(mount, "", true);
	check(cg_pick_hierarchies(&cg, &um, 1, "memory pids\n") == 0 &&
		      cg_systemd_prepare(&cg, cg.h[0].mount, "0::/user.slice/user-1000.slice/session-4.scope\n", true,
					 false) == 0 &&
		      strcmp(cg.h[0].session, "/sys/fs/cgroup/user.slice/user-1000.slice/session-4.scope") == 0 &&
		      strcmp(cg.h[0].mount, mount) == 0,
	      "systemd: prepared from the session's own hierarchy entry, the paths keep the mount point");

	fresh(&cg, "7");
	check(cg_systemd_prepare(&cg, mount, "0::/user.slice/user-0.slice/session-1.scope\n", true, false) == 0 &&
		      cg.new_scope && strcmp(cg.unit, "carrel-7.scope") == 0 &&
		      strcmp(cg.h[0].session, "/sys/fs/cgroup/user.slice/user-1000.slice/carrel-7.scope") == 0,
	      "systemd: su from root's session gets carrel-7.scope in user-1000.slice");

	fresh(&cg, "8");
	check(cg_systemd_prepare(&cg, mount, "0::/user.slice/user-1000.slice/user@1000.service/app.slice/evil.service\n",
				 true, false) == 0 &&
		      cg.new_scope && strcmp(cg.unit, "carrel-8.scope") == 0,
	      "systemd: su from a cgroup of the user's own making gets a scope of carrel's, not that cgroup");

	fresh(&cg, "9");
	check(cg_systemd_prepare(&cg, mount, "0::/user.slice/user-1000.slice/user@1000.service\n", true, true) == 0 &&
		      !cg.new_scope && strcmp(cg.unit, "user@1000.service") == 0,
	      "systemd: the user manager (the login process is systemd) stays in user@1000.service");

	fresh(&cg, "7");
	check(cg_systemd_prepare(&cg, mount, "0::/user.slice/user-1000.slice/session-4.scope\n", false, false) ==
			      -EHOSTDOWN &&
		      cg.n == 0,
	      "systemd asked for where systemd is not PID 1: refused (-EHOSTDOWN)");
}

/* Real lines of this machine kind's /proc/self/mountinfo, and impostors. */
static void test_mountinfo(void)
{
	static const char *const all[] = { "memory", "pids", "cpu", "cpuacct", "freezer", "blkio", "hugetlb" };
	struct cg_mount m;

	check(cg_parse_mountinfo_line("35 27 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - "
				      "cgroup cgroup rw,memory\n",
				      all, ARRAY_SIZE(all), &m) == 0 &&
		      !m.v2 && strcmp(m.path, "/sys/fs/cgroup/memory") == 0 && strcmp(m.controllers, "memory") == 0,
	      "mountinfo: a v1 memory hierarchy");
	check(cg_parse_mountinfo_line("36 27 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup "
				      "rw,cpu,cpuacct\n",
				      all, ARRAY_SIZE(all), &m) == 0 &&
		      strcmp(m.controllers, "cpu,cpuacct") == 0,
	      "mountinfo: co-mounted v1 controllers");
	check(cg_parse_mountinfo_line("30 27 0:26 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 "
				      "rw,nsdelegate\n",
				      all, ARRAY_SIZE(all), &m) == 0 &&
		      m.v2 && strcmp(m.path, "/sys/fs/cgroup/unified") == 0 && m.controllers[0] == '\0',
	      "mountinfo: the unified hierarchy (controllers come from its cgroup.controllers)");
	check(cg_parse_mountinfo_line("37 27 0:32 / /sys/fs/cgroup/net_cls rw - cgroup cgroup rw,net_cls\n", all,
				      ARRAY_SIZE(all), &m) == 0 &&
		      m.controllers[0] == '\0',
	      "mountinfo: a v1 hierarchy of no controller carrel uses has none listed");
	check(cg_parse_mountinfo_line("38 27 0:30 /carrel /mnt/x rw - cgroup cgroup rw,memory\n", all,
				      ARRAY_SIZE(all), &m) == -ENOENT,
	      "mountinfo: a bind mount of a sub-cgroup is not the hierarchy");
	check(cg_parse_mountinfo_line("27 1 0:25 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n", all,
				      ARRAY_SIZE(all), &m) == -ENOENT,
	      "mountinfo: the tmpfs under the hierarchies is not one");
	check(cg_parse_mountinfo_line("39 27 0:33 / /sys/fs/cgroup/memory rw - cgroupx cgroup rw,memory\n", all,
				      ARRAY_SIZE(all), &m) == -ENOENT,
	      "mountinfo: another file system type that starts like cgroup is not one");
	check(cg_parse_mountinfo_line("garbage without a separator\n", all, ARRAY_SIZE(all), &m) == -ENOENT &&
		      cg_parse_mountinfo_line("", all, ARRAY_SIZE(all), &m) == -ENOENT,
	      "mountinfo: malformed lines are skipped");
	check(cg_parse_mountinfo_line("40 27 0:34 / /sys/fs/cgroup/x rw - cgroup cgroup rw,memoryx,xmemory\n", all,
				      ARRAY_SIZE(all), &m) == 0 &&
		      m.controllers[0] == '\0',
	      "mountinfo: a controller is a whole word of the options (memoryx is not memory)");
}

static void test_hierarchies(void)
{
	struct cg_session cg;
	const struct cg_hier *h;
	/* This machine kind: v1 for the limits, cgroup2 holds hugetlb only. */
	struct cg_mount hybrid[] = {
		mnt("/sys/fs/cgroup/unified", "", true),
		mnt("/sys/fs/cgroup/memory", "memory", false),
		mnt("/sys/fs/cgroup/pids", "pids", false),
		mnt("/sys/fs/cgroup/cpu,cpuacct", "cpu,cpuacct", false),
		mnt("/sys/fs/cgroup/freezer", "freezer", false),
		mnt("/sys/fs/cgroup/blkio", "blkio", false),
		mnt("/sys/fs/cgroup/devices", "", false),
		mnt("/mnt/again", "memory", false), /* the same hierarchy mounted twice */
	};
	struct cg_mount unified[] = { mnt("/sys/fs/cgroup", "", true) };
	/* A hybrid where a controller carrel uses lives on cgroup2. */
	struct cg_mount split[] = { mnt("/sys/fs/cgroup/unified", "", true), mnt("/sys/fs/cgroup/memory", "memory", false) };

	memset(&cg, 0, sizeof(cg));
	check(cg_pick_hierarchies(&cg, hybrid, (int)ARRAY_SIZE(hybrid), "hugetlb\n") == 0 && cg.n == 6 &&
		      cg.version == 1 && cg_ns_cgroup2(&cg) && strcmp(cg_ns_cgroup2(&cg), "/sys/fs/cgroup/unified") == 0,
	      "hierarchies, hybrid host: the five v1 ones with carrel's controllers, once each; cgroup2 for hugetlb");
	h = cg_hier_with(&cg, "cpuacct");
	check(h && h->ops == &cg_v1_ops && strcmp(h->mount, "/sys/fs/cgroup/cpu,cpuacct") == 0 &&
		      cg_hier_with(&cg, "freezer") && cg_hier_with(&cg, "hugetlb") &&
		      cg_hier_with(&cg, "hugetlb")->ops == &cg_v2_ops,
	      "hierarchies, hybrid host: a controller is found in the hierarchy that has it");

	memset(&cg, 0, sizeof(cg));
	check(cg_pick_hierarchies(&cg, unified, 1, "cpuset cpu io memory hugetlb pids rdma misc\n") == 0 && cg.n == 1 &&
		      cg.version == 2 && strcmp(cg.h[0].controllers, "memory,pids,cpu,io,cpuset,hugetlb") == 0 &&
		      cg.h[0].ops == &cg_v2_ops && strcmp(cg_ns_cgroup2(&cg), "/sys/fs/cgroup") == 0,
	      "hierarchies, unified host: one v2 hierarchy with memory, pids, cpu, io, cpuset, hugetlb");

	memset(&cg, 0, sizeof(cg));
	check(cg_pick_hierarchies(&cg, split, 2, "io\n") == 0 && cg.n == 2 && cg.version == 1 &&
		      cg_hier_with(&cg, "io") && cg_hier_with(&cg, "io")->ops == &cg_v2_ops &&
		      cg_hier_with(&cg, "memory")->ops == &cg_v1_ops,
	      "hierarchies, split host: the carrel spans v1 (memory) and cgroup2 (io), each with its own operations");

	memset(&cg, 0, sizeof(cg));
	check(cg_pick_hierarchies(&cg, unified, 1, "rdma misc\n") == -ENOENT && cg.n == 0,
	      "hierarchies: none with a controller carrel uses is -ENOENT");
}

/* Is PATH the root of a cgroup hierarchy mounted here (of FSTYPE)? */
static bool mounted(const char *path, const char *fstype)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024], want[300];
	bool found = false;

	if (!f)
		return false;
	snprintf(want, sizeof(want), " / %s ", path);
	while (!found && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		found = strstr(line, want) && sep && strncmp(sep + 3, fstype, strlen(fstype)) == 0 &&
			sep[3 + strlen(fstype)] == ' ';
	}
	fclose(f);
	return found;
}

/* A running carrel's handle, rebuilt from what its state file records,
 * against this host's real mounts (nothing is written). */
static void test_from_state(void)
{
	static const char paths[2][CG_PATH_MAX] = { "/sys/fs/cgroup/memory/carrel/user-1000/session-5",
						    "/sys/fs/cgroup/pids/carrel/user-1000/session-5" };
	static const char unit_path[1][CG_PATH_MAX] = { "/sys/fs/cgroup/unified/user.slice/user-1000.slice/session-4.scope" };
	static const char nowhere[1][CG_PATH_MAX] = { "/tmp/carrel/user-1000/session-5" };
	struct cg_session cg;

	if (!mounted("/sys/fs/cgroup/memory", "cgroup") || !mounted("/sys/fs/cgroup/pids", "cgroup")) {
		skip("from_state: v1 hierarchies", "no v1 memory and pids hierarchies mounted here");
	} else {
		check(cg_from_state(&cg, 1000, "5", 1, "", paths, 2, NULL) == 0 && cg.ops == &cg_cgroupfs_ops &&
			      cg_count(&cg) == 2 && cg_version(&cg) == 1 &&
			      strcmp(cg_user_path(&cg, 1), "/sys/fs/cgroup/pids/carrel/user-1000") == 0 &&
			      strcmp(cg.h[0].top, "/sys/fs/cgroup/memory/carrel") == 0 &&
			      cg_hier_with(&cg, "memory") == &cg.h[0] && cg_hier_with(&cg, "pids") == &cg.h[1] &&
			      cg.h[1].ops == &cg_v1_ops,
		      "from_state: each recorded cgroup is found in its v1 hierarchy, with its controller");
	}
	if (!mounted("/sys/fs/cgroup/unified", "cgroup2"))
		skip("from_state: a systemd unit", "no cgroup2 at /sys/fs/cgroup/unified here");
	else
		check(cg_from_state(&cg, 1000, "4", 2, "session-4.scope", unit_path, 1, NULL) == 0 &&
			      cg.ops == &cg_systemd_ops && cg.h[0].ops == &cg_v2_ops &&
			      strcmp(cg_user_path(&cg, 0), "/sys/fs/cgroup/unified/user.slice/user-1000.slice") == 0 &&
			      strcmp(cg_unit(&cg), "session-4.scope") == 0 && cg.pidns,
		      "from_state: a unit's cgroup goes to the systemd backend, which never kills the unit from here");
	struct carrel_error e = { 0 };
	check(cg_from_state(&cg, 1000, "4", 2, "../x.scope", unit_path, 1, &e) == -EINVAL && strstr(e.msg, "../x.scope") &&
		      strcmp(e.step, "cgroup") == 0,
	      "from_state: a unit name a path could be built from is refused, and the error names it");
	check(cg_from_state(&cg, 1000, "5", 1, "", nowhere, 1, &e) == -ENOENT && strstr(e.msg, "/tmp/carrel"),
	      "from_state: a cgroup in no hierarchy mounted here is refused");
}

static void test_words(void)
{
	check(cg_has_word("cpu,cpuacct", "cpu") && cg_has_word("cpu,cpuacct", "cpuacct") &&
		      !cg_has_word("cpuacct", "cpu") && cg_has_word("memory pids\n", "pids") && !cg_has_word("", "") &&
		      !cg_has_word("memory", ""),
	      "controller lists: whole words only, comma- or space-separated");
}

/* The io bytes of carrelctl top and metrics (cgroup/cgstat.c). */
static void test_io_parsers(void)
{
	uint64_t r = 1, w = 1;

	check(cg_parse_io_stat("254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
			       "7:1 rbytes=100 wbytes=1 rios=3 wios=1 dbytes=0 dios=0\n",
			       &r, &w) == 0 && r == 4196 && w == 8193,
	      "io.stat: rbytes and wbytes summed over devices");
	check(cg_parse_io_stat("", &r, &w) == 0 && r == 0 && w == 0, "io.stat: empty (no io yet) is 0");
	check(cg_parse_io_stat("8:0 rbytes=12x wbytes=1\n", &r, &w) == -EBADMSG, "io.stat: a number with junk is refused");
	check(cg_parse_io_stat("8:0 rbytes=-1 wbytes=1\n", &r, &w) == -EBADMSG, "io.stat: a negative number is refused");
	check(cg_parse_io_stat("8:0 rbytes=18446744073709551615\n8:1 rbytes=1\n", &r, &w) == -EBADMSG,
	      "io.stat: a sum that overflows is refused");
	check(cg_parse_io_stat("8:0 xrbytes=5 wbytes=7", &r, &w) == 0 && r == 0 && w == 7,
	      "io.stat: only whole keys count, a last line without a newline too");
	check(cg_parse_blkio_bytes("254:0 Read 4096\n254:0 Write 512\n254:0 Sync 4608\n254:0 Async 0\n"
				   "254:0 Discard 0\n254:0 Total 4608\n7:0 Read 10\n7:0 Write 0\nTotal 4618\n",
				   &r, &w) == 0 && r == 4106 && w == 512,
	      "blkio: Read and Write lines summed over devices, the totals not counted twice");
	check(cg_parse_blkio_bytes("Total 0\n", &r, &w) == 0 && r == 0 && w == 0, "blkio: no device yet is 0");
	check(cg_parse_blkio_bytes("8:0 Read -5\n8:0 Write 3 4\n", &r, &w) == 0 && r == 0 && w == 0,
	      "blkio: malformed lines are not counted");
}

/* ---- the backends' writes of the seed's other controllers, into a fake tree ---- */

static void put(const char *dir, const char *file, const char *text)
{
	char path[CG_PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(path);
		exit(1);
	}
	close(fd);
}

/* Whether DIR/FILE starts with WANT (cgroup files are rewritten in place). */
static bool holds(const char *dir, const char *file, const char *want)
{
	char path[CG_PATH_MAX + 64], buf[512] = "";

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(path, buf, sizeof(buf)) < 0 || strncmp(buf, want, strlen(want)) != 0) {
		diag("%s: \"%s\", want \"%s\"", path, buf, want);
		return false;
	}
	return true;
}

static void fake_hier(struct cg_hier *h, const char *root, const char *controllers, const struct cg_hier_ops *ops)
{
	memset(h, 0, sizeof(*h));
	h->ops = ops;
	snprintf(h->controllers, sizeof(h->controllers), "%s", controllers);
	snprintf(h->mount, sizeof(h->mount), "%s", root);
	if (cg_pathf(h->top, "%s/carrel", root) < 0 || cg_pathf(h->user, "%s/user-1000", h->top) < 0 ||
	    cg_pathf(h->session, "%s/session-1", h->user) < 0 || mkdir(h->top, 0755) < 0 || mkdir(h->user, 0755) < 0 || mkdir(h->session, 0755) < 0) {
		perror(h->session);
		exit(1);
	}
}

static void test_backend_writes(void)
{
	char root[] = "/tmp/carrel-cg-XXXXXX", cmd[64];
	struct carrel_limits lim = { .memory_max = 1ULL << 31, .pids_max = 100, .cpu_max = 100, .cpu_weight = 100,
				     .io_weight = 100, .memory_high = 1ULL << 30 }, back;
	struct carrel_error e = { 0 };
	struct cg_hier h;
	struct stat st;
	bool vda = stat("/dev/vda", &st) == 0 && S_ISBLK(st.st_mode) && major(st.st_rdev) == 254;
	bool loopctl = stat("/dev/loop-control", &st) == 0 && S_ISCHR(st.st_mode);

	if (!mkdtemp(root)) {
		check(false, "backend writes: a temporary directory");
		return;
	}
	snprintf(lim.cpuset_cpus, sizeof(lim.cpuset_cpus), "1-7");
	snprintf(lim.io_max[0], sizeof(lim.io_max[0]), "/dev/vda wbps=4M");
	snprintf(lim.hugetlb_max[0], sizeof(lim.hugetlb_max[0]), "2M 0");
	snprintf(lim.devices_deny[0], sizeof(lim.devices_deny[0]), "/dev/loop-control rwm");
	snprintf(lim.devices_deny[1], sizeof(lim.devices_deny[1]), "/dev/null rwm");
	if (!vda)
		lim.io_max[0][0] = '\0';

	/* v1: every file it writes exists, as in a real hierarchy. */
	fake_hier(&h, root, "memory,cpuset,blkio,devices,hugetlb", &cg_v1_ops);
	put(h.top, "cpuset.cpus", "0-1\n");
	put(h.top, "cpuset.mems", "0\n");
	static const char *const v1_user[] = { "memory.limit_in_bytes", "memory.soft_limit_in_bytes", "cpuset.cpus",
					       "cpuset.mems", "cgroup.clone_children", "devices.allow", "devices.deny",
					       "hugetlb.2MB.limit_in_bytes", "blkio.weight" };
	for (size_t i = 0; i < ARRAY_SIZE(v1_user); i++)
		put(h.user, v1_user[i], "");
	static const char *const v1_session[] = { "cpuset.cpus", "cpuset.mems", "blkio.throttle.read_bps_device",
						  "blkio.throttle.write_bps_device", "blkio.throttle.read_iops_device",
						  "blkio.throttle.write_iops_device", "devices.allow", "devices.deny" };
	for (size_t i = 0; i < ARRAY_SIZE(v1_session); i++)
		put(h.session, v1_session[i], "");
	if (!check(cg_v1_ops.set_limits(&h, &lim, &e) == 0, "backend writes, v1: the limits are written"))
		diag("%s", e.msg);
	check(holds(h.user, "memory.soft_limit_in_bytes", "1073741824"),
	      "backend writes, v1: memory_high is the soft limit");
	check(holds(h.user, "cpuset.cpus", "1") && holds(h.user, "cpuset.mems", "0") &&
		      holds(h.session, "cpuset.cpus", "1") && holds(h.user, "cgroup.clone_children", "1"),
	      "backend writes, v1: cpuset_cpus 1-7 within carrel/'s 0-1 is 1, on user-UID and its sessions; mems copied");
	if (vda)
		check(holds(h.session, "blkio.throttle.write_bps_device", "254:0 4194304"),
		      "backend writes, v1: io_max on the leaf, the path as its disk's major:minor");
	else
		skip("backend writes, v1: io_max", "no /dev/vda (254:0) here");
	if (loopctl)
		check(holds(h.user, "devices.deny", "c 10:237 rwm") && holds(h.session, "devices.deny", "c 10:237 rwm"),
		      "backend writes, v1: devices_deny as major:minor on user-UID and its sessions; /dev/null (ordinary) never denied");
	else
		skip("backend writes, v1: devices_deny", "no /dev/loop-control here");
	check(holds(h.user, "hugetlb.2MB.limit_in_bytes", "0"), "backend writes, v1: hugetlb_max per page size");
	memset(&back, 0, sizeof(back));
	cg_v1_ops.read_limits(&h, &back);
	check(back.memory_high == 1ULL << 30 && strcmp(back.cpuset_cpus, "1") == 0 &&
		      strcmp(back.devices_deny[0], "/dev/loop-control rwm") == 0 &&
		      strcmp(back.hugetlb_max[0], "2M 0") == 0,
	      "backend writes, v1: read back, the lists from carrel's own record");

	/* A change that fails after the throttles were rewritten (blkio
	 * co-mounted with devices; here the session's devices.deny cannot be
	 * written): the rollback to the old limits must rewrite them, not
	 * trust the record, which still names the old ones. */
	if (vda && loopctl) {
		struct carrel_limits want = lim;
		char path[CG_PATH_MAX + 64];

		snprintf(want.io_max[0], sizeof(want.io_max[0]), "/dev/vda wbps=8M");
		snprintf(want.devices_deny[0], sizeof(want.devices_deny[0]), "/dev/loop-control rw");
		snprintf(path, sizeof(path), "%s/devices.deny", h.session);
		unlink(path);
		mkdir(path, 0755);
		e.msg[0] = '\0';
		check(cg_v1_ops.set_limits(&h, &want, &e) < 0 &&
			      holds(h.session, "blkio.throttle.write_bps_device", "254:0 8388608"),
		      "backend writes, v1: a change that fails at devices has rewritten the throttles first");
		rmdir(path);
		put(h.session, "devices.deny", "");
		if (!check(cg_v1_ops.set_limits(&h, &lim, &e) == 0, "backend writes, v1: the old limits put back"))
			diag("%s", e.msg);
		check(holds(h.session, "blkio.throttle.write_bps_device", "254:0 4194304"),
		      "backend writes, v1: putting the old limits back rewrites the throttles (the record was not trusted)");
		memset(&want, 0, sizeof(want));
		cg_record_read(h.user, &want);
		check(strcmp(want.io_max[0], lim.io_max[0]) == 0 && strcmp(want.devices_deny[0], lim.devices_deny[0]) == 0,
		      "backend writes, v1: after the rollback the record names the old limits again");
	} else {
		skip("backend writes, v1: rollback of a failed change", "no /dev/vda (254:0) or /dev/loop-control here");
	}

	/* v2 own tree (devices need a real cgroup for the BPF program: the VM test). */
	snprintf(cmd, sizeof(cmd), "%s/v2", root);
	mkdir(cmd, 0755);
	fake_hier(&h, cmd, "memory,cpuset,io,hugetlb", &cg_v2_ops);
	put(h.top, "cpuset.cpus.effective", "0-1\n");
	put(h.top, "cpuset.mems.effective", "0\n");
	static const char *const v2_user[] = { "memory.high", "cpuset.cpus", "cpuset.mems", "io.max",
					       "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max" };
	for (size_t i = 0; i < ARRAY_SIZE(v2_user); i++)
		put(h.user, v2_user[i], "");
	lim.devices_deny[0][0] = '\0';
	if (!check(cg_v2_set_more(&h, &lim, true, &e) == 0, "backend writes, v2: the limits are written"))
		diag("%s", e.msg);
	check(holds(h.user, "memory.high", "1073741824") && holds(h.user, "cpuset.cpus", "1") &&
		      holds(h.user, "hugetlb.2MB.max", "0") && holds(h.user, "hugetlb.2MB.rsvd.max", "0"),
	      "backend writes, v2: memory.high, cpuset.cpus within the parent's, hugetlb max and rsvd.max");
	if (vda)
		check(holds(h.user, "io.max", "254:0 rbps=max wbps=4194304 riops=max wiops=max"),
		      "backend writes, v2: io.max with max for what is not limited");
	else
		skip("backend writes, v2: io.max", "no /dev/vda (254:0) here");
	snprintf(lim.cpuset_cpus, sizeof(lim.cpuset_cpus), "5-7");
	check(cg_v2_set_more(&h, &lim, true, &e) == -EINVAL && strstr(e.msg, "nothing in common"),
	      "backend writes, v2: a cpuset outside the parent's is an error, not an empty set");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		diag("cannot remove %s", root);
}

int main(void)
{
	test_cg_parse_proc_cgroup();
	test_unit_names();
	test_login_unit();
	test_prepare_systemd();
	test_mountinfo();
	test_hierarchies();
	test_words();
	test_from_state();
	test_io_parsers();
	test_backend_writes();
	return tap_done();
}
