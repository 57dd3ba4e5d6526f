/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * selinux_categories = per-session without SELinux (lib/mcs.h): the pair
 * numbering, the level and range strings (a level comes over a wire and is
 * checked), and the leases as the keepers use them: unique among holders,
 * given back at drop, freed by a holder's death and then reaped; several
 * processes taking pairs at once never share one.  The leases need root
 * (the lease directory must be root's, as /run/carrel is); skipped
 * otherwise.
 */
#include "mcs.h"
#include "tap.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_pairs(void)
{
	static uint8_t seen[CARREL_MCS_CATEGORIES * CARREL_MCS_CATEGORIES / 8];
	unsigned x = 9, y = 9;
	bool ordered = true, unique = true;

	check(carrel_mcs_pair(0, &x, &y) == 0 && x == 0 && y == 1, "pair 0 is c0,c1");
	check(carrel_mcs_pair(1022, &x, &y) == 0 && x == 0 && y == 1023, "pair 1022 is c0,c1023");
	check(carrel_mcs_pair(1023, &x, &y) == 0 && x == 1 && y == 2, "pair 1023 is c1,c2");
	check(carrel_mcs_pair(CARREL_MCS_PAIRS - 1, &x, &y) == 0 && x == 1022 && y == 1023,
	      "the last pair is c1022,c1023");
	check(carrel_mcs_pair(CARREL_MCS_PAIRS, &x, &y) == -ERANGE, "past the last pair: -ERANGE");
	check(carrel_mcs_pair(UINT32_MAX, &x, &y) == -ERANGE, "UINT32_MAX: -ERANGE");
	for (uint32_t s = 0; s < CARREL_MCS_PAIRS; s++) {
		if (carrel_mcs_pair(s, &x, &y) < 0 || x >= y || y >= CARREL_MCS_CATEGORIES) {
			ordered = false;
			break;
		}
		unsigned bit = x * CARREL_MCS_CATEGORIES + y;
		if (seen[bit / 8] & (1u << (bit % 8)))
			unique = false;
		seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
	}
	check(ordered, "every pair number gives X < Y < 1024");
	check(unique, "no two pair numbers give the same pair (%u pairs)", CARREL_MCS_PAIRS);
}

static void test_strings(void)
{
	static const char *const bad[] = {
		"",	     "s0",	    "s0:c1",	  "s0:c1,c1",	  "s0:c2,c1",
		"s0:c01,c2", "s0:c1,c1024", "s0:c1,c2x",  "s0-s0:c1,c2",  "s1:c1,c2",
		"s0:c1.c2",  "s0:c-1,c2",   "s0:c1,c2\n", "s0:c1,c99999", "s0:c,c2"
	};
	char buf[128];
	bool all_bad = true;

	check(carrel_mcs_level(3, 517, buf, sizeof(buf)) == 0 && strcmp(buf, "s0:c3,c517") == 0,
	      "level c3,c517: \"%s\"", buf);
	check(carrel_mcs_level(5, 5, buf, sizeof(buf)) == -EINVAL, "level with X == Y: -EINVAL");
	check(carrel_mcs_level(1, 1024, buf, sizeof(buf)) == -EINVAL, "level past c1023: -EINVAL");
	check(carrel_mcs_level(1022, 1023, buf, CARREL_MCS_LEVEL_MAX) == 0 &&
		      strcmp(buf, "s0:c1022,c1023") == 0,
	      "the longest level fits CARREL_MCS_LEVEL_MAX");
	check(carrel_mcs_level(1, 2, buf, 5) == -ENAMETOOLONG, "a short buffer: -ENAMETOOLONG");
	check(carrel_mcs_level_ok("s0:c0,c1") && carrel_mcs_level_ok("s0:c1022,c1023"),
	      "levels accepted");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (carrel_mcs_level_ok(bad[i])) {
			diag("accepted: \"%s\"", bad[i]);
			all_bad = false;
		}
	check(all_bad && !carrel_mcs_level_ok(NULL), "malformed levels refused (%zu forms, NULL)",
	      sizeof(bad) / sizeof(bad[0]));

	check(carrel_mcs_context("user_u:user_r:user_t:s0", "s0:c1,c2", buf, sizeof(buf)) == 0 &&
		      strcmp(buf, "user_u:user_r:user_t:s0-s0:c1,c2") == 0,
	      "context: the range replaced, user, role, type kept: %s", buf);
	check(carrel_mcs_context("staff_u:staff_r:staff_t:s0-s0:c0.c1023\n", "s0:c7,c9", buf,
				 sizeof(buf)) == 0 &&
		      strcmp(buf, "staff_u:staff_r:staff_t:s0-s0:c7,c9") == 0,
	      "context: a range with a colon and a newline: %s", buf);
	check(carrel_mcs_context("user_u:user_r:user_t", "s0:c1,c2", buf, sizeof(buf)) == 0 &&
		      strcmp(buf, "user_u:user_r:user_t:s0-s0:c1,c2") == 0,
	      "context without a range: one added");
	check(carrel_mcs_context("user_u:user_r", "s0:c1,c2", buf, sizeof(buf)) == -EINVAL &&
		      carrel_mcs_context("user_u::user_t:s0", "s0:c1,c2", buf, sizeof(buf)) ==
			      -EINVAL &&
		      carrel_mcs_context("user_u:user_r::s0", "s0:c1,c2", buf, sizeof(buf)) ==
			      -EINVAL &&
		      carrel_mcs_context(":r:t:s0", "s0:c1,c2", buf, sizeof(buf)) == -EINVAL &&
		      carrel_mcs_context("", "s0:c1,c2", buf, sizeof(buf)) == -EINVAL,
	      "context without user, role or type: -EINVAL");
	check(carrel_mcs_context("u:r:t:s0", "s0:c2,c1", buf, sizeof(buf)) == -EINVAL,
	      "context, bad level: -EINVAL");
	check(carrel_mcs_context("u:r:t:s0", "s0:c1,c2", buf, 8) == -ENAMETOOLONG,
	      "context, short buffer");
	check(carrel_mcs_mount_option("staff_u", "s0:c1,c2", buf, sizeof(buf)) == 0 &&
		      strcmp(buf, "context=\"staff_u:object_r:user_tmp_t:s0:c1,c2\"") == 0,
	      "mount option, the session's SELinux user, quoted (the level has a comma): %s", buf);
	check(carrel_mcs_mount_option("staff_u", "s0:c1,c2,rw", buf, sizeof(buf)) == -EINVAL,
	      "mount option: no other option smuggled in");
	check(carrel_mcs_mount_option("staff_u:sysadm_r", "s0:c1,c2", buf, sizeof(buf)) == -EINVAL &&
		      carrel_mcs_mount_option("", "s0:c1,c2", buf, sizeof(buf)) == -EINVAL &&
		      carrel_mcs_mount_option("u\",rw", "s0:c1,c2", buf, sizeof(buf)) == -EINVAL,
	      "mount option: a user with ':', a quote or nothing is refused");
	char u[CARREL_MCS_SEUSER_MAX];
	check(carrel_mcs_seuser_of("staff_u:staff_r:staff_t:s0-s0:c0.c1023", u) == 0 && strcmp(u, "staff_u") == 0,
	      "SELinux user of an exec context: %s", u);
	check(carrel_mcs_seuser_of("staff_u", u) == -EINVAL && u[0] == '\0' &&
		      carrel_mcs_seuser_of(":r:t", u) == -EINVAL &&
		      carrel_mcs_seuser_of("a\"b:r:t", u) == -EINVAL && u[0] == '\0' &&
		      carrel_mcs_seuser_of("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:r:t", u) == -EINVAL,
	      "SELinux user of a context: none, empty, bad bytes or too long: EINVAL, nothing kept");
}

/* Take a pair in DIR for ID in a child; it reports the level and holds
 * the lease until killed.  *PID: the child. */
static bool child_take(const char *dir, const char *id, pid_t *pid, char *level)
{
	int p[2];
	ssize_t n;

	if (pipe(p) < 0)
		return false;
	*pid = fork();
	if (*pid == 0) {
		struct carrel_mcs m;
		char out[CARREL_MCS_LEVEL_MAX] = "";
		carrel_mcs_init(&m);
		if (carrel_mcs_take(&m, dir, id) == 0)
			snprintf(out, sizeof(out), "%s", m.level);
		(void)!write(p[1], out, sizeof(out));
		for (int i = 0; i < 600; i++) /* bounded: killed long before */
			pause();
		_exit(0);
	}
	close(p[1]);
	n = *pid > 0 ? read(p[0], level, CARREL_MCS_LEVEL_MAX) : -1;
	close(p[0]);
	return n == CARREL_MCS_LEVEL_MAX && carrel_mcs_level_ok(level);
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static void test_leases(void)
{
	char dir[] = "/tmp/carrel-mcs-XXXXXX", sub[64], levels[8][CARREL_MCS_LEVEL_MAX];
	struct carrel_mcs a, b;
	pid_t pids[8] = { 0 };
	bool distinct = true, taken = true;

	if (geteuid() != 0) {
		skip("leases", "not root (the lease directory must be root's)");
		return;
	}
	if (!mkdtemp(dir)) {
		check(false, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(sub, sizeof(sub), "%s/mcs", dir);
	carrel_mcs_init(&a);
	carrel_mcs_init(&b);
	check(carrel_mcs_take(&a, sub, "41") == 0 && carrel_mcs_level_ok(a.level) && a.lock_fd >= 0,
	      "a pair taken: %s", a.level);
	check(carrel_mcs_take(&a, sub, "41") == -EALREADY,
	      "a second take on a held lease: -EALREADY");
	check(carrel_mcs_take(&b, sub, "41") == 0 && strcmp(a.level, b.level) != 0,
	      "the same id while the first holds its pair: another pair (%s)", b.level);
	check(carrel_mcs_release(sub, NULL) == 0, "the reaper leaves held pairs alone");
	unsigned slot = a.slot;
	carrel_mcs_drop(&a, sub);
	check(a.lock_fd < 0 && a.level[0] == '\0', "dropped: no fd, no level");
	snprintf(sub + strlen(sub), sizeof(sub) - strlen(sub), "/%u", slot);
	check(access(sub, F_OK) < 0 && errno == ENOENT, "dropped: its file is gone");
	snprintf(sub, sizeof(sub), "%s/mcs", dir);
	check(carrel_mcs_take(&a, sub, "41") == 0 && a.slot == slot,
	      "dropped: the pair is free again");
	carrel_mcs_drop(&a, sub);
	carrel_mcs_drop(&b, sub);
	carrel_mcs_drop(&b, sub); /* idempotent */

	/* A holder killed with SIGKILL: its pair is free at once; the file
	 * it leaves is the reaper's, and only for its id. */
	char dead[CARREL_MCS_LEVEL_MAX] = "";
	pid_t pid = 0;
	if (check(child_take(sub, "77", &pid, dead), "a child holds a pair: %s", dead)) {
		check(carrel_mcs_take(&a, sub, "77") == 0 && strcmp(a.level, dead) != 0,
		      "while it lives, the same id gets another pair");
		carrel_mcs_drop(&a, sub);
		reap(pid);
		check(carrel_mcs_release(sub, "78") == 0, "the reaper for another id leaves it");
		check(carrel_mcs_take(&a, sub, "77") == 0 && strcmp(a.level, dead) == 0,
		      "killed: its pair is taken again at once (%s)", a.level);
		carrel_mcs_drop(&a, sub);
	} else {
		reap(pid);
	}
	if (check(child_take(sub, "90", &pid, dead), "another child holds a pair")) {
		reap(pid);
		check(carrel_mcs_release(sub, "90") == 1, "killed: the reaper releases its file");
	} else {
		reap(pid);
	}

	/* Eight takers at once, all starting from the same pair. */
	for (int i = 0; i < 8; i++)
		taken &= child_take(sub, "5", &pids[i], levels[i]);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < i; j++)
			distinct &= strcmp(levels[i], levels[j]) != 0;
	check(taken && distinct, "eight holders from one start: eight distinct pairs");
	for (int i = 0; i < 8; i++)
		reap(pids[i]);
	check(carrel_mcs_release(sub, NULL) == 8, "all killed: the reaper releases eight");
	rmdir(sub);
	check(rmdir(dir) == 0, "nothing left in the test directory");
}

int main(void)
{
	test_pairs();
	test_strings();
	test_leases();
	return tap_done();
}
