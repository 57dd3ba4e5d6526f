/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit test of cgroup/cgroup.c's parsing and choices for cgroup_parent =
 * systemd, with hostile input: which line of /proc/PID/cgroup is believed,
 * which unit a login may be left in, what is made for it otherwise.  The
 * D-Bus side (cgroup_systemd.c) is stubbed: it is tested in the VM
 * (tests/vm).  TAP on stdout; exit 1 on a failure.
 */
#include "cgroup.c"

#include <stdlib.h>

#include "tap.h"

static bool booted = true;

/* The D-Bus side, stubbed. */
bool cg_systemd_booted(void) { return booted; }
int cg_systemd_set_user_limits(uid_t uid, const struct carrel_limits *lim, const char **failed) { return 0; }
int cg_systemd_start_scope(const char *unit, const char *slice, pid_t pid, const char *desc,
			   const char **failed)
{
	return 0;
}
int cg_systemd_freeze(const char *unit, bool freeze, const char **failed) { return 0; }

static void test_own_path(void)
{
	char out[CG_PATH_MAX];

	check(own_path("0::/user.slice/user-1000.slice/session-4.scope\n", "", out, sizeof(out)) == 0 &&
		      strcmp(out, "/user.slice/user-1000.slice/session-4.scope") == 0,
	      "own_path: the v2 line");
	check(own_path("12:memory:/a\n0::/user.slice/user-1000.slice/x.scope\n0::/user.slice/user-1000.slice/session-4.scope\n",
		       "", out, sizeof(out)) == -EINVAL,
	      "own_path: two 0:: lines (one forged through a v1 cgroup name with a newline) are refused");
	check(own_path("4:cpu,cpuacct:/c\n3:memory:/m\n0::/u\n", "memory", out, sizeof(out)) == 0 && strcmp(out, "/m") == 0,
	      "own_path: a v1 hierarchy by controller");
	check(own_path("3:memory:/m\n", "", out, sizeof(out)) == -ENOENT, "own_path: no v2 line");
	check(own_path("0::/abcdefghij\n", "", out, 8) == -ENAMETOOLONG, "own_path: too long for the buffer");
}

static void test_unit_names(void)
{
	static const char *const good[] = { "session-4.scope", "user@1000.service", "carrel-12.scope",
					    "carrel-12-345.scope" };
	static const char *const bad[] = { "", ".scope", "..scope", "a b.scope", "x/y.scope", "session-4.slice",
					   "session-4", "evil\n.scope", "x.service\n",
					   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.scope" };

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		check(unit_name_ok(good[i]), "unit name \"%s\" accepted", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char shown[24];
		snprintf(shown, sizeof(shown), "%.20s", bad[i]);
		for (char *p = shown; *p; p++)
			*p = *p == '\n' ? '?' : *p;
		check(!unit_name_ok(bad[i]), "unit name \"%s\" refused", shown);
	}
}

static void test_login_unit(void)
{
	struct cg_session cg = { .uid = 1000 };
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
		check(login_unit(&cg, cases[i].procfile, getpid(), unit, sizeof(unit)) == cases[i].want,
		      "login unit: %s: %s", cases[i].what, cases[i].want ? "kept" : "not kept");
}

static void test_prepare_systemd(void)
{
	struct mnt m = { .path = "/sys/fs/cgroup", .v2 = true };
	struct cg_session cg;

	memset(&cg, 0, sizeof(cg));
	cg.uid = 1000;
	cg.login_pid = getpid();
	snprintf(cg.id, sizeof(cg.id), "7");
	check(prepare_systemd(&cg, &m, "0::/user.slice/user-1000.slice/session-4.scope\n") == 0 && cg.systemd &&
		      !cg.new_scope && strcmp(cg.unit, "session-4.scope") == 0 &&
		      strcmp(cg.h[0].session, "/sys/fs/cgroup/user.slice/user-1000.slice/session-4.scope") == 0 &&
		      strcmp(cg.h[0].user, "/sys/fs/cgroup/user.slice/user-1000.slice") == 0 && cg.n == 1,
	      "systemd: an ssh login stays in its session scope, limits on user-1000.slice");

	memset(&cg, 0, sizeof(cg));
	cg.uid = 1000;
	cg.login_pid = getpid();
	snprintf(cg.id, sizeof(cg.id), "7");
	check(prepare_systemd(&cg, &m, "0::/user.slice/user-0.slice/session-1.scope\n") == 0 && cg.new_scope &&
		      strcmp(cg.unit, "carrel-7.scope") == 0 &&
		      strcmp(cg.h[0].session, "/sys/fs/cgroup/user.slice/user-1000.slice/carrel-7.scope") == 0,
	      "systemd: su from root's session gets carrel-7.scope in user-1000.slice");

	memset(&cg, 0, sizeof(cg));
	cg.uid = 1000;
	snprintf(cg.id, sizeof(cg.id), "8");
	check(prepare_systemd(&cg, &m, "0::/user.slice/user-1000.slice/user@1000.service/app.slice/evil.service\n") == 0 &&
		      cg.new_scope && strcmp(cg.unit, "carrel-8.scope") == 0,
	      "systemd: su from a cgroup of the user's own making gets a scope of carrel's, not that cgroup");

	booted = false;
	memset(&cg, 0, sizeof(cg));
	cg.uid = 1000;
	check(prepare_systemd(&cg, &m, "0::/user.slice/user-1000.slice/session-4.scope\n") == -EHOSTDOWN && cg.n == 0,
	      "systemd asked for where systemd is not PID 1: refused (-EHOSTDOWN)");
	booted = true;
}

int main(void)
{
	test_own_path();
	test_unit_names();
	test_login_unit();
	test_prepare_systemd();
	return tap_done();
}
