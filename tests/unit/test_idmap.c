/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The id map writer (helper/idmap.c): which ids a carrel's user namespace
 * maps, from the ids the module sends (hostile values included), and the
 * maps as the kernel takes them (as root: a child in a user namespace of
 * its own sees its ids mapped; skipped otherwise).
 */
#include "idmap.h"
#include "tap.h"
#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>

static struct carrel_ids ids_of(uint32_t uid, uint32_t gid, uint32_t tty, uint32_t n, const uint32_t *groups)
{
	struct carrel_ids ids = { .uid = uid, .gid = gid, .tty_gid = tty, .ngroups = n };

	for (uint32_t i = 0; groups && i < n && i < CARREL_PROTO_MAX_GROUPS; i++)
		ids.groups[i] = groups[i];
	return ids;
}

static bool maps_gid(const struct idmap *m, gid_t g)
{
	for (int i = 0; i < m->ngids; i++)
		if (m->gids[i] == g)
			return true;
	return false;
}

static void test_collect(void)
{
	static struct idmap m;
	static struct carrel_ids ids;
	uint32_t g[] = { 1000, 0, 27, 27, (uint32_t)-1, 1000, 5, 100 };

	ids = ids_of(1000, 1000, 5, 8, g);
	check(idmap_collect(&m, &ids) == 0, "a user's ids collect");
	check(m.uid == 1000, "the uid is mapped to itself");
	check(m.ngids == 4 && m.gids[0] == 1000, "primary gid first, each gid once (got %d gids)", m.ngids);
	check(maps_gid(&m, 27) && maps_gid(&m, 5) && maps_gid(&m, 100), "supplementary groups and tty mapped");
	check(!maps_gid(&m, 0), "gid 0 in the group list is never mapped");
	check(!maps_gid(&m, (gid_t)-1), "gid -1 (invalid) is never mapped");

	ids = ids_of(0, 1000, 5, 0, NULL);
	check(idmap_collect(&m, &ids) == -EPERM, "uid 0 is refused");
	ids = ids_of(1000, 0, 5, 0, NULL);
	check(idmap_collect(&m, &ids) == -EPERM, "primary gid 0 is refused");
	ids = ids_of((uint32_t)-1, 1000, 5, 0, NULL);
	check(idmap_collect(&m, &ids) == -EPERM, "uid -1 is refused");
	ids = ids_of(1000, (uint32_t)-1, 5, 0, NULL);
	check(idmap_collect(&m, &ids) == -EPERM, "primary gid -1 is refused");

	ids = ids_of(1000, 1000, (uint32_t)-1, 0, NULL);
	check(idmap_collect(&m, &ids) == 0 && m.ngids == 1, "no tty group on the host: only the primary gid");
	ids = ids_of(1000, 1000, 0, 0, NULL);
	check(idmap_collect(&m, &ids) == 0 && !maps_gid(&m, 0), "a tty group of 0 is not mapped");

	/* More groups than fit: the module says so with a count past the end. */
	ids = ids_of(1000, 1000, 5, CARREL_PROTO_MAX_GROUPS + 1, NULL);
	check(idmap_collect(&m, &ids) == -E2BIG, "a count past the wire's array is refused");
	ids = ids_of(1000, 1000, 5, UINT32_MAX, NULL);
	check(idmap_collect(&m, &ids) == -E2BIG, "a count of 2^32-1 is refused, not read");
	/* Exactly full with distinct groups, then the primary and tty on top. */
	for (uint32_t i = 0; i < CARREL_PROTO_MAX_GROUPS; i++)
		ids.groups[i] = 2000 + i;
	ids.ngroups = CARREL_PROTO_MAX_GROUPS;
	ids.tty_gid = 5;
	check(idmap_collect(&m, &ids) == -E2BIG, "the primary gid plus %d others do not fit", CARREL_PROTO_MAX_GROUPS);
	/* The primary one listed again and a tty group already listed: each
	 * gid once, so exactly full. */
	ids.groups[0] = 1000;
	ids.tty_gid = 2001;
	check(idmap_collect(&m, &ids) == 0 && m.ngids == IDMAP_MAX_GIDS, "a full map of distinct gids fits");
}

static void test_format(void)
{
	static struct idmap m;
	char small[16], buf[IDMAP_MAX_GIDS * 24 + 1];
	static struct carrel_ids ids;
	uint32_t g[] = { 27, 100 };

	ids = ids_of(1000, 1000, 5, 2, g);
	(void)idmap_collect(&m, &ids);
	check(idmap_format_gids(&m, buf, sizeof(buf)) > 0 && strcmp(buf, "1000 1000 1\n27 27 1\n100 100 1\n5 5 1\n") == 0,
	      "gid_map lines map each gid to itself, one each");
	check(idmap_format_gids(&m, small, sizeof(small)) == -ENOBUFS, "a buffer too small is an error, not a cut map");
}

/* A child in a new user namespace, stopped until its maps are written. */
static void test_write(void)
{
	static struct idmap m;
	static struct carrel_ids ids;
	struct carrel_error err = { 0 };
	uint32_t g[] = { 4242 };
	int go[2], res[2], st = 0;
	char ok = 0;
	pid_t pid;

	if (geteuid() != 0) {
		skip("maps written into a user namespace", "not root");
		return;
	}
	ids = ids_of(4241, 4241, 5, 1, g);
	(void)idmap_collect(&m, &ids);
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0) {
		check(false, "pipes");
		return;
	}
	pid = fork();
	if (pid == 0) {
		char c;
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(2);
		if (write(res[1], "u", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		/* Mapped ids can be taken (a supplementary gid, the uid), an
		 * id outside the map cannot (root's 0 is not in it). */
		c = setresgid(4242, 4242, 4242) == 0 && setresuid(0, 0, 0) < 0 && errno == EINVAL &&
				    setresuid(4241, 4241, 4241) == 0 && getuid() == 4241 ? 'y' : 'n';
		_exit(write(res[1], &c, 1) == 1 && c == 'y' ? 0 : 4);
	}
	close(go[0]);
	close(res[1]);
	if (pid < 0 || read(res[0], &ok, 1) != 1) {
		skip("maps written into a user namespace", "cannot create a user namespace here");
		if (pid > 0)
			waitpid(pid, &st, 0);
		return;
	}
	check(idmap_write(pid, &m, &err) == 0, "the maps are written (%s)", err.msg);
	check(idmap_write(pid, &m, &err) < 0 && strstr(err.msg, "/uid_map") != NULL,
	      "a second write is refused and the error names the file: %s", err.msg);
	(void)!write(go[1], "g", 1);
	ok = 0;
	(void)!read(res[0], &ok, 1);
	waitpid(pid, &st, 0);
	check(ok == 'y' && WIFEXITED(st) && WEXITSTATUS(st) == 0, "inside, the mapped uid and gid can be taken and uid 0 cannot");
	close(go[1]);
	close(res[0]);
	check(idmap_write(pid, &m, &err) < 0 && strstr(err.msg, "/proc/") != NULL,
	      "a process that is gone: an error naming its map (%s)", err.msg);
}

int main(void)
{
	test_collect();
	test_format();
	test_write();
	return tap_done();
}
