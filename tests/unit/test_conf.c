/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for conf/ and the number parser it shares with carrelctl (lib/parse.c).  TAP on stdout.  Exit status: 0 all
 * passed, 1 something failed, 77 skipped (not root: the loader only accepts
 * root-owned files, so the fixtures must be created by root).
 *
 * Every test writes its files into its own mkdtemp() directory under /tmp
 * and removes it.  Users and groups used exist on every Debian system:
 * root, daemon, bin, nobody; root, daemon, bin, adm, nogroup.  The one test
 * that needs supplementary group membership creates it in a private mount
 * namespace (a bind mount over /etc/group) and skips if it cannot.
 */
#include "carrel_conf.h"
#include "parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <ftw.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define TiB (UINT64_C(1) << 40)

static const char *argv0;

/* ---- TAP ------------------------------------------------------------------ */

static void bail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

/* ---- fixtures: a temporary config directory ----------------------------------- */

struct fixture {
	char dir[64];
	char main[PATH_MAX]; /* DIR/carrel.conf */
};

static void fixture_init(struct fixture *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/carrel-test-XXXXXX");
	if (!mkdtemp(f->dir))
		bail("mkdtemp: %s", strerror(errno));
	snprintf(f->main, sizeof(f->main), "%s/carrel.conf", f->dir);
}

static const char *fixture_path(const struct fixture *f, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", f->dir, name);
	return buf;
}

/* Write NAME (relative to the fixture) with mode 0644 whatever the umask. */
static void fixture_write(const struct fixture *f, const char *name, const char *text)
{
	char path[PATH_MAX];
	int fd = open(fixture_path(f, name, path, sizeof(path)),
		      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, 0644) < 0 || close(fd) < 0)
		bail("writing %s: %s", path, strerror(errno));
}

static void fixture_mkdir(const struct fixture *f, const char *name)
{
	char path[PATH_MAX];

	if (mkdir(fixture_path(f, name, path, sizeof(path)), 0755) < 0 || chmod(path, 0755) < 0)
		bail("mkdir %s: %s", path, strerror(errno));
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (remove(path) < 0)
		printf("# cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

static void fixture_cleanup(const struct fixture *f)
{
	nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- loading helpers ------------------------------------------------------------ */

/* Load F's configuration and resolve USER. */
static int load_resolve(const struct fixture *f, const char *user, struct carrel_policy *p,
			struct carrel_error *err)
{
	struct carrel_config *cfg = NULL;
	int r = carrel_config_load(f->main, &cfg, err);

	memset(p, 0, sizeof(*p));
	if (r == 0)
		r = carrel_policy_resolve(cfg, user, p, err);
	carrel_config_free(cfg);
	return r;
}

/* TEXT as the only file; the policy of USER. */
static int resolve_text(const char *text, const char *user, struct carrel_policy *p,
			struct carrel_error *err)
{
	struct fixture f;
	int r;

	fixture_init(&f);
	fixture_write(&f, "carrel.conf", text);
	r = load_resolve(&f, user, p, err);
	fixture_cleanup(&f);
	return r;
}

static void diag_policy(const char *title, const struct carrel_policy *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		bail("open_memstream: %s", strerror(errno));
	carrel_policy_print(f, p);
	fclose(f);
	diag("%s:\n%s", title, text);
	free(text);
}

/* The first field in which A and B differ, or NULL. */
static const char *policy_diff(const struct carrel_policy *a, const struct carrel_policy *b)
{
#define SAME(field)               \
	if (a->field != b->field) \
		return #field;
	SAME(exempt)
	SAME(namespaces)
	SAME(on_error)
	SAME(no_new_privs)
	SAME(capabilities)
	SAME(tmp)
	SAME(tmp_size)
	SAME(cgroup_parent)
	SAME(scope)
	SAME(linger_sec)
	SAME(limits.memory_max)
	SAME(limits.memory_swap_max)
	SAME(limits.pids_max)
	SAME(limits.cpu_max)
	SAME(limits.cpu_weight)
	SAME(limits.io_weight)
	SAME(network)
	SAME(net.rate_max)
	SAME(net.allow_out.n)
	SAME(net.deny_out.n)
#undef SAME
	for (uint32_t i = 0; i < a->net.allow_out.n && i < CARREL_NET_RULES_MAX; i++)
		if (strcmp(a->net.allow_out.rule[i].text, b->net.allow_out.rule[i].text) != 0)
			return "net.allow_out";
	for (uint32_t i = 0; i < a->net.deny_out.n && i < CARREL_NET_RULES_MAX; i++)
		if (strcmp(a->net.deny_out.rule[i].text, b->net.deny_out.rule[i].text) != 0)
			return "net.deny_out";
	if (strcmp(a->hostname, b->hostname) != 0)
		return "hostname";
	if (strcmp(a->seccomp, b->seccomp) != 0)
		return "seccomp";
	if (strcmp(a->net_bridge, b->net_bridge) != 0)
		return "net_bridge";
	if (strcmp(a->net_pool4, b->net_pool4) != 0 || strcmp(a->net_pool6, b->net_pool6) != 0)
		return "net_pool";
	return NULL;
}

static void expect_policy(const char *desc, const struct carrel_policy *got,
			  const struct carrel_policy *want)
{
	const char *field = policy_diff(got, want);

	if (!check(!field, "%s", desc)) {
		diag("field %s differs", field);
		diag_policy("got", got);
		diag_policy("wanted", want);
	}
}

/*
 * Load TEXT and expect it refused with WANT_R and a message that starts
 * with "FILE:LINE: " and contains NEEDLE.  LINE 0: no line expected, the
 * message starts with "FILE: ".  FILE is the main file unless IN_FILE.
 */
static void expect_error_in(const char *desc, struct fixture *f, const char *in_file, int want_r,
			    int line, const char *needle)
{
	struct carrel_config *cfg = NULL;
	struct carrel_error err = { 0 };
	char prefix[PATH_MAX + 32], path[PATH_MAX];
	int r = carrel_config_load(f->main, &cfg, &err);

	if (line)
		snprintf(prefix, sizeof(prefix), "%s:%d: ",
			 in_file ? fixture_path(f, in_file, path, sizeof(path)) : f->main, line);
	else
		snprintf(prefix, sizeof(prefix),
			 "%s: ", in_file ? fixture_path(f, in_file, path, sizeof(path)) : f->main);
	if (check(r == want_r && !cfg && strncmp(err.msg, prefix, strlen(prefix)) == 0 &&
			  strstr(err.msg, needle),
		  "%s", desc))
		diag("%s", err.msg);
	else
		diag("got %d \"%s\"; wanted %d \"%s...%s...\"", r, err.msg, want_r, prefix, needle);
	carrel_config_free(cfg);
}

static void expect_error(const char *desc, const char *text, int line, const char *needle)
{
	struct fixture f;

	fixture_init(&f);
	fixture_write(&f, "carrel.conf", text);
	expect_error_in(desc, &f, NULL, -EINVAL, line, needle);
	fixture_cleanup(&f);
}

/* ---- tests --------------------------------------------------------------------- */

static void test_builtin(void)
{
	struct carrel_policy b, p;
	struct carrel_error err;
	struct fixture f;

	carrel_policy_builtin(&b);
	check(!b.exempt &&
		      b.namespaces ==
			      (CARREL_NS_MNT | CARREL_NS_PID | CARREL_NS_IPC | CARREL_NS_UTS |
			       CARREL_NS_NET | CARREL_NS_CGROUP | CARREL_NS_USER) &&
		      strcmp(b.hostname, "%u-%n") == 0 && b.on_error == CARREL_ON_ERROR_DENY &&
		      b.no_new_privs && b.tmp == CARREL_TMP_PRIVATE && b.tmp_size == 512 * MiB &&
		      b.cgroup_parent == CARREL_CGROUP_PARENT_AUTO,
	      "built-in defaults: top-level keys");
	check(strcmp(b.seccomp, "default") == 0 && b.capabilities == 0 &&
		      b.scope == CARREL_SCOPE_SESSION && b.linger_sec == CARREL_LINGER_NO,
	      "built-in defaults: seccomp default, capabilities {}, scope session, linger no");
	check(sizeof(b.seccomp) == 256 && CARREL_LINGER_NO == 0 && CARREL_LINGER_FOREVER == -1 &&
		      CARREL_LINGER_UNTIL_EMPTY == -2 && CARREL_SCOPE_SESSION == 0 &&
		      CARREL_SCOPE_USER == 1,
	      "header: seccomp[256] and the scope and linger constants");
	check(b.limits.memory_max == 2 * GiB && b.limits.memory_swap_max == 0 &&
		      b.limits.pids_max == 1024 && b.limits.cpu_max == 100 &&
		      b.limits.cpu_weight == 100 && b.limits.io_weight == 100,
	      "built-in defaults: limits");

	fixture_init(&f);
	check(load_resolve(&f, "daemon", &p, &err) == 0, "missing file: loads (built-in defaults)");
	expect_policy("missing file: daemon gets the built-in policy", &p, &b);
	check(load_resolve(&f, "root", &p, &err) == 0 && p.exempt,
	      "missing file: root is exempt (built-in exempt_users)");
	fixture_cleanup(&f);

	check(resolve_text("", "daemon", &p, &err) == 0 && !policy_diff(&p, &b),
	      "empty file: built-in policy");
}

static void test_every_key(void)
{
	static const char text[] = "namespaces = {mnt, user}\n"
				   "hostname = \"box-%h.%%_%u\"\n"
				   "on_error = allow\n"
				   "no_new_privs = false\n"
				   "seccomp = \"/etc/security/carrel.d/web.seccomp\"\n"
				   "capabilities = {\"CAP_NET_BIND_SERVICE\", cap_chown}\n"
				   "tmp = shared\n"
				   "tmp_size = 64M\n"
				   "cgroup_parent = self\n"
				   "scope = user\n"
				   "linger = 10m\n"
				   "network = host\n"
				   "net_bridge = br-c\n"
				   "net_pool4 = \"192.168.77.0/24\"\n"
				   "net_pool6 = \"fd77::/64\"\n"
				   "exempt_users = {\"bin\", \"nobody\"}\n"
				   "exempt_groups = {\"adm\"}\n"
				   "limits {\n"
				   "  memory_max = 3G\n"
				   "  memory_swap_max = 1G\n"
				   "  pids_max = 77\n"
				   "  cpu_max = 250%\n"
				   "  cpu_weight = 5\n"
				   "  io_weight = 10000\n"
				   "}\n";
	struct carrel_policy p, want = {
		.namespaces = CARREL_NS_MNT | CARREL_NS_USER,
		.hostname = "box-%h.%%_%u",
		.on_error = CARREL_ON_ERROR_ALLOW,
		.no_new_privs = false,
		.seccomp = "/etc/security/carrel.d/web.seccomp",
		.capabilities = UINT64_C(1) << CAP_NET_BIND_SERVICE | UINT64_C(1) << CAP_CHOWN,
		.tmp = CARREL_TMP_SHARED,
		.tmp_size = 64 * MiB,
		.cgroup_parent = CARREL_CGROUP_PARENT_SELF,
		.scope = CARREL_SCOPE_USER,
		.linger_sec = 600,
		.limits = { 3 * GiB, 1 * GiB, 77, 250, 5, 10000 },
		.network = CARREL_NETWORK_HOST,
		.net_bridge = "br-c",
		.net_pool4 = "192.168.77.0/24",
		.net_pool6 = "fd77::/64",
		.net = { .rate_max = CARREL_UNLIMITED },
	};
	struct carrel_error err;

	check(resolve_text(text, "daemon", &p, &err) == 0, "every key: loads");
	expect_policy("every key: each value as written", &p, &want);
	check(resolve_text(text, "bin", &p, &err) == 0 && p.exempt,
	      "every key: exempt_users lists bin");
	check(resolve_text(text, "nobody", &p, &err) == 0 && p.exempt,
	      "every key: exempt_users lists nobody");
	check(resolve_text(text, "root", &p, &err) == 0 && !p.exempt,
	      "every key: exempt_users replaces the built-in {root}");

	check(resolve_text("namespaces = {pid, ipc, uts, net, cgroup}\n", "daemon", &p, &err) ==
			      0 &&
		      p.namespaces == (CARREL_NS_PID | CARREL_NS_IPC | CARREL_NS_UTS |
				       CARREL_NS_NET | CARREL_NS_CGROUP),
	      "namespaces: the other names");
	check(resolve_text("namespaces = {}\n", "daemon", &p, &err) == 0 && p.namespaces == 0,
	      "namespaces = {} sets no namespaces (not: unset)");
	check(resolve_text("exempt_users = {}\nexempt_groups = {\"root\"}\n", "root", &p, &err) ==
			      0 &&
		      p.exempt,
	      "exempt_groups: root exempt through its group");
	check(resolve_text("exempt_users = {}\n", "root", &p, &err) == 0 && !p.exempt,
	      "exempt_users = {} clears the list");
	check(resolve_text(
		      "hostname = %u\ncgroup_parent = /\non_error = \"deny\"\nlimits { memory_max = \"5G\" }\n",
		      "daemon", &p, &err) == 0 &&
		      strcmp(p.hostname, "%u") == 0 &&
		      p.cgroup_parent == CARREL_CGROUP_PARENT_ROOT &&
		      p.limits.memory_max == 5 * GiB,
	      "values quoted or not");
	check(resolve_text("no_new_privs = yes\ntmp = private\n", "daemon", &p, &err) == 0 &&
		      p.no_new_privs && p.tmp == CARREL_TMP_PRIVATE,
	      "boolean yes, tmp = private");
	check(resolve_text(
		      "hostname = \"0123456789012345678901234567890123456789012345678901234567890123\"\n",
		      "daemon", &p, &err) == 0 &&
		      strlen(p.hostname) == 64,
	      "hostname of exactly 64 characters");
}

static void test_sizes(void)
{
	static const struct {
		const char *text;
		uint64_t want;
	} cases[] = {
		{ "0", 0 },
		{ "1024", 1024 },
		{ "4K", 4 * KiB },
		{ "3M", 3 * MiB },
		{ "2G", 2 * GiB },
		{ "1T", TiB },
		{ "1536M", 1536 * MiB },
		{ "16777215T", 16777215 * TiB },
		{ "18446744073709551614", UINT64_MAX - 1 },
		{ "max", CARREL_UNLIMITED },
	};
	struct carrel_policy p;
	struct carrel_error err;
	char text[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "limits {\n memory_swap_max = %s\n}\n", cases[i].text);
		check(resolve_text(text, "daemon", &p, &err) == 0 &&
			      p.limits.memory_swap_max == cases[i].want,
		      "size %s", cases[i].text);
	}
	check(resolve_text("tmp_size = 1G\n", "daemon", &p, &err) == 0 && p.tmp_size == GiB,
	      "tmp_size 1G");
	check(resolve_text(
		      "limits { memory_max = max memory_swap_max = max pids_max = max cpu_max = max }\n",
		      "daemon", &p, &err) == 0 &&
		      p.limits.memory_max == CARREL_UNLIMITED &&
		      p.limits.memory_swap_max == CARREL_UNLIMITED &&
		      p.limits.pids_max == CARREL_UNLIMITED && p.limits.cpu_max == CARREL_UNLIMITED,
	      "max for memory_max, memory_swap_max, pids_max, cpu_max");
	check(resolve_text("limits { cpu_max = 1% cpu_weight = 1 io_weight = 1 pids_max = 1 }\n",
			   "daemon", &p, &err) == 0 &&
		      p.limits.cpu_max == 1 && p.limits.cpu_weight == 1 &&
		      p.limits.io_weight == 1 && p.limits.pids_max == 1,
	      "lowest accepted values");
}

static void test_precedence(void)
{
	/* The user section comes first in the file and still wins. */
	static const char text[] = "user \"root\" {\n"
				   "  limits { memory_max = 5G }\n"
				   "}\n"
				   "group \"root\" {\n"
				   "  hostname = \"grp\"\n"
				   "  limits {\n"
				   "    memory_max = 4G\n"
				   "    pids_max = 400\n"
				   "  }\n"
				   "}\n"
				   "group \"daemon\" { tmp = shared }\n"
				   "limits {\n"
				   "  memory_max = 3G\n"
				   "  pids_max = 300\n"
				   "  cpu_weight = 30\n"
				   "}\n"
				   "exempt_users = {}\n";
	struct carrel_policy p;
	struct carrel_error err;

	check(resolve_text(text, "root", &p, &err) == 0 && p.limits.memory_max == 5 * GiB,
	      "precedence: user section wins");
	check(p.limits.pids_max == 400 && strcmp(p.hostname, "grp") == 0,
	      "precedence: group over top level");
	check(p.limits.cpu_weight == 30, "precedence: top level over built-in");
	check(p.limits.io_weight == 100 && p.tmp == CARREL_TMP_PRIVATE && p.limits.cpu_max == 100,
	      "precedence: keys set nowhere, and other groups' keys, stay");
	check(resolve_text(text, "daemon", &p, &err) == 0 && p.limits.memory_max == 3 * GiB &&
		      p.limits.pids_max == 300 && p.tmp == CARREL_TMP_SHARED &&
		      strcmp(p.hostname, "%u-%n") == 0,
	      "precedence: daemon gets top level and its own group only");
	check(resolve_text("group \"root\" { namespaces = {} }\n", "root", &p, &err) == 0 &&
		      p.namespaces == 0,
	      "group section: namespaces = {} overrides");
	check(resolve_text("group \"nogroup\" { limits { pids_max = 9 } }\n", "nobody", &p, &err) ==
			      0 &&
		      p.limits.pids_max == 9,
	      "group section: primary group nogroup of nobody");
}

static void test_dropins(void)
{
	struct carrel_policy p;
	struct carrel_error err;
	struct fixture f;

	fixture_init(&f);
	fixture_write(&f, "carrel.conf",
		      "hostname = main\n"
		      "exempt_users = {\"daemon\"}\n"
		      "limits { memory_max = 3G }\n"
		      "user \"daemon\" { limits { memory_max = 1G pids_max = 11 } }\n"
		      "group \"daemon\" { tmp_size = 1M }\n");
	fixture_mkdir(&f, "carrel.d");
	/* strcmp order: "10-a" < "9-z" < "B" < "a" */
	fixture_write(&f, "carrel.d/9-z.conf",
		      "limits { memory_max = 5G }\nexempt_users = {\"bin\"}\n");
	fixture_write(&f, "carrel.d/10-a.conf", "limits { memory_max = 4G\n pids_max = 44 }\n");
	fixture_write(&f, "carrel.d/B.conf", "user \"daemon\" { limits { memory_max = 2M } }\n");
	fixture_write(&f, "carrel.d/a.conf", "group \"daemon\" { tmp_size = 2M }\n");
	fixture_write(&f, "carrel.d/ignored.txt", "limits { cpu_weight = 7 }\n");
	fixture_write(&f, "carrel.d/.hidden.conf", "limits { cpu_weight = 8 }\n");
	fixture_write(&f, "carrel.d/broken.conf~", "this is not a config\n");

	check(load_resolve(&f, "nobody", &p, &err) == 0, "carrel.d: loads");
	check(p.limits.memory_max == 5 * GiB && p.limits.pids_max == 44,
	      "carrel.d: read after main, in strcmp order");
	check(strcmp(p.hostname, "main") == 0, "carrel.d: main file keys not overridden stay");
	check(p.limits.cpu_weight == 100, "carrel.d: only *.conf, no dot files");
	check(load_resolve(&f, "daemon", &p, &err) == 0 && p.limits.memory_max == 2 * MiB &&
		      p.limits.pids_max == 11,
	      "carrel.d: a later user section overrides only the keys it sets");
	check(p.tmp_size == 2 * MiB, "carrel.d: group sections continue in file order");
	check(!p.exempt && load_resolve(&f, "bin", &p, &err) == 0 && p.exempt,
	      "carrel.d: a later exempt_users replaces the earlier one");

	fixture_write(&f, "carrel.d/b-bad.conf", "limits {\n cpu_weight = 0\n}\n");
	expect_error_in("carrel.d: an error names the drop-in file and line", &f,
			"carrel.d/b-bad.conf", -EINVAL, 2,
			"limits.cpu_weight: 0 is out of range (1 to 10000)");
	fixture_write(
		&f, "carrel.d/b-bad.conf",
		"user \"daemon\" {\n scope = user\n capabilities = {\n  chown,\n  fly }\n}\n");
	expect_error_in("carrel.d: an unknown capability names the drop-in file and line", &f,
			"carrel.d/b-bad.conf", -EINVAL, 5,
			"capabilities: invalid capability \"fly\"");
	fixture_write(&f, "carrel.d/b-bad.conf", "\nlinger = 1w\n");
	expect_error_in("carrel.d: a bad linger names the drop-in file and line", &f,
			"carrel.d/b-bad.conf", -EINVAL, 2, "linger: invalid value \"1w\"");
	fixture_write(&f, "carrel.d/b-bad.conf",
		      "group \"daemon\" {\n\n\n seccomp = x.seccomp\n}\n");
	expect_error_in("carrel.d: a relative seccomp path names the drop-in file and line", &f,
			"carrel.d/b-bad.conf", -EINVAL, 4,
			"seccomp: \"x.seccomp\" is not an absolute path");
	unlink(fixture_path(&f, "carrel.d/b-bad.conf", (char[PATH_MAX]){ 0 }, PATH_MAX));

	chmod(fixture_path(&f, "carrel.d/a.conf", (char[PATH_MAX]){ 0 }, PATH_MAX), 0664);
	expect_error_in("carrel.d: a group-writable drop-in is refused", &f, "carrel.d/a.conf",
			-EPERM, 0, "refusing config: writable by group or others (mode 0664)");
	chmod(fixture_path(&f, "carrel.d/a.conf", (char[PATH_MAX]){ 0 }, PATH_MAX), 0644);

	chmod(fixture_path(&f, "carrel.d", (char[PATH_MAX]){ 0 }, PATH_MAX), 0777);
	expect_error_in("carrel.d: a world-writable carrel.d is refused", &f, "carrel.d", -EPERM, 0,
			"refusing config: writable by group or others (mode 0777)");
	chmod(fixture_path(&f, "carrel.d", (char[PATH_MAX]){ 0 }, PATH_MAX), 0755);

	unlink(f.main);
	check(load_resolve(&f, "nobody", &p, &err) == 0 && p.limits.memory_max == 5 * GiB,
	      "carrel.d: read even without a main file");
	fixture_cleanup(&f);
}

static void test_value_errors(void)
{
	expect_error(
		"size -1", "\nlimits {\n  memory_max = -1\n}\n", 3,
		"limits.memory_max: invalid size \"-1\" (use a number with an optional K, M, G or T suffix, or max)");
	expect_error("size 10Q", "limits {\n  memory_max = 10Q\n}\n", 2,
		     "limits.memory_max: invalid size \"10Q\"");
	expect_error("size 1e9", "limits { memory_max = 1e9 }\n", 1, "invalid size \"1e9\"");
	expect_error("size 1.5G", "limits { memory_swap_max = 1.5G }\n", 1,
		     "limits.memory_swap_max: invalid size \"1.5G\"");
	expect_error("size \"\"", "tmp_size = \"\"\n", 1, "tmp_size: invalid size \"\"");
	expect_error("size 2g (suffixes are upper case)", "tmp_size = 2g\n", 1,
		     "tmp_size: invalid size \"2g\"");
	expect_error("size MAX (max is lower case)", "limits { memory_max = MAX }\n", 1,
		     "invalid size \"MAX\"");
	expect_error("size \" 1G\"", "tmp_size = \" 1G\"\n", 1, "invalid size \" 1G\"");
	expect_error("size past 2^64", "limits { memory_max = 18446744073709551616 }\n", 1,
		     "is too large");
	expect_error("size 16777216T overflows", "limits { memory_max = 16777216T }\n", 1,
		     "limits.memory_max: \"16777216T\" is too large");
	expect_error("memory_max 0", "limits { memory_max = 0 }\n", 1,
		     "limits.memory_max: 0 is out of range");
	expect_error("tmp_size max", "tmp_size = max\n", 1,
		     "tmp_size: max is not allowed here (a tmpfs needs a size)");
	expect_error("tmp_size 0", "tmp_size = 0\n", 1,
		     "tmp_size: 0 is out of range (must be at least 1)");
	expect_error("pids_max 0", "limits {\n\n pids_max = 0 }\n", 3,
		     "limits.pids_max: 0 is out of range");
	expect_error("pids_max 1K", "limits { pids_max = 1K }\n", 1,
		     "limits.pids_max: invalid number \"1K\"");
	expect_error("cpu_weight 0", "limits { cpu_weight = 0 }\n", 1,
		     "limits.cpu_weight: 0 is out of range (1 to 10000)");
	expect_error("cpu_weight 10001", "limits {\ncpu_weight = 10001\n}\n", 2,
		     "limits.cpu_weight: 10001 is out of range (1 to 10000)");
	expect_error("io_weight 10001", "limits { io_weight = 10001 }\n", 1,
		     "limits.io_weight: 10001 is out of range");
	expect_error("io_weight max", "limits { io_weight = max }\n", 1,
		     "limits.io_weight: invalid number \"max\"");
	expect_error("cpu_max without %", "limits { cpu_max = 150 }\n", 1,
		     "limits.cpu_max: invalid percentage \"150\"");
	expect_error("cpu_max 0%", "limits { cpu_max = 0% }\n", 1,
		     "limits.cpu_max: 0% is out of range (1% to 1000000%)");
	expect_error(
		"unknown namespace", "namespaces = {mnt,\n  pid,\n  time}\n", 3,
		"namespaces: invalid namespace \"time\" (use mnt, pid, ipc, uts, net, cgroup or user)");
	expect_error("on_error maybe", "on_error = maybe\n", 1,
		     "on_error: invalid value \"maybe\" (use deny or allow)");
	expect_error("tmp wrong", "tmp = none\n", 1,
		     "tmp: invalid value \"none\" (use private or shared)");
	expect_error("cgroup_parent wrong", "cgroup_parent = /sys\n", 1,
		     "cgroup_parent: invalid value \"/sys\"");
	expect_error("no_new_privs maybe", "no_new_privs = maybe\n", 1,
		     "no_new_privs: invalid boolean \"maybe\"");
	expect_error("hostname %x", "\n\nhostname = \"a-%x\"\n", 3,
		     "hostname: \"a-%x\": unknown escape \"%x\"");
	expect_error("hostname lone %", "hostname = \"a%\"\n", 1, "unknown escape");
	expect_error(
		"hostname too long",
		"hostname = \"01234567890123456789012345678901234567890123456789012345678901234\"\n",
		1, "is too long (1 to 64 characters)");
	expect_error("hostname empty", "hostname = \"\"\n", 1, "hostname: \"\" is empty");
	expect_error("hostname with a space", "hostname = \"a b\"\n", 1,
		     "character 0x20 is not allowed");
}

#define CAP(n) (UINT64_C(1) << (n))

static void test_seccomp(void)
{
	static const char long_ok[] =
		"/etc/security/carrel.d/"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"01234567890123.seccomp"; /* 255 characters */
	struct carrel_policy p;
	struct carrel_error err;
	char text[512];

	check(resolve_text("seccomp = off\n", "daemon", &p, &err) == 0 &&
		      strcmp(p.seccomp, "off") == 0,
	      "seccomp = off");
	check(resolve_text("seccomp = \"default\"\n", "daemon", &p, &err) == 0 &&
		      strcmp(p.seccomp, "default") == 0,
	      "seccomp = \"default\"");
	check(resolve_text("seccomp = \"/etc/security/carrel.d/a_b-c+d@e:f.1.seccomp\"\n", "daemon",
			   &p, &err) == 0 &&
		      strcmp(p.seccomp, "/etc/security/carrel.d/a_b-c+d@e:f.1.seccomp") == 0,
	      "seccomp: an absolute path with every allowed character");
	check(resolve_text("seccomp = /etc/security/carrel.d/NAME.seccomp\n", "daemon", &p, &err) ==
			      0 &&
		      strcmp(p.seccomp, "/etc/security/carrel.d/NAME.seccomp") == 0,
	      "seccomp: an unquoted path");
	check(resolve_text("seccomp = \"/etc/x..y.seccomp\"\n", "daemon", &p, &err) == 0 &&
		      strcmp(p.seccomp, "/etc/x..y.seccomp") == 0,
	      "seccomp: \"..\" inside a name (not a component) is accepted");
	check(strlen(long_ok) == 255, "seccomp: the long path fixture is 255 characters");
	snprintf(text, sizeof(text), "seccomp = \"%s\"\n", long_ok);
	check(resolve_text(text, "daemon", &p, &err) == 0 && strcmp(p.seccomp, long_ok) == 0,
	      "seccomp: a path of 255 characters");
	snprintf(text, sizeof(text), "\nseccomp = \"%sx\"\n", long_ok);
	expect_error("seccomp: a path of 256 characters", text, 2,
		     "seccomp: \"/etc/security/carrel.d/0123");
	expect_error("seccomp: 256 characters: message", text, 2,
		     "...\" is too long (at most 255 characters)");

	expect_error(
		"seccomp: relative path", "tmp = shared\nseccomp = \"carrel.d/x.seccomp\"\n", 2,
		"seccomp: \"carrel.d/x.seccomp\" is not an absolute path (use default, off or the absolute path of a profile file)");
	expect_error("seccomp: empty", "\n\n\nseccomp = \"\"\n", 4,
		     "seccomp: \"\" is empty (use default, off");
	expect_error("seccomp: .. component", "seccomp = \"/etc/security/../shadow\"\n", 1,
		     "seccomp: \"/etc/security/../shadow\": \"..\" is not allowed in the path");
	expect_error("seccomp: .. as the last component", "seccomp = /etc/..\n", 1,
		     "\"..\" is not allowed in the path");
	expect_error("seccomp: . component", "seccomp = \"/etc/./x\"\n", 1,
		     "seccomp: \"/etc/./x\": \".\" is not allowed in the path");
	expect_error("seccomp: ends in /", "seccomp = \"/etc/security/\"\n", 1,
		     "seccomp: \"/etc/security/\" ends in '/': it must name a file");
	expect_error("seccomp: / alone", "seccomp = /\n", 1, "ends in '/'");
	expect_error("seccomp: newline (escaped)", "\nseccomp = \"/etc/a\\nb\"\n", 2,
		     "seccomp: \"/etc/a\\x0ab\": character 0x0a is not allowed");
	expect_error("seccomp: newline (in the string)", "seccomp = \"/etc/a\nb\"\n", 2,
		     "character 0x0a is not allowed");
	expect_error("seccomp: space", "seccomp = \"/etc/my profile\"\n", 1,
		     "seccomp: \"/etc/my profile\": character 0x20 is not allowed");
	expect_error("seccomp: words are case-sensitive", "seccomp = Default\n", 1,
		     "seccomp: \"Default\" is not an absolute path");
	expect_error("seccomp: in a user section",
		     "user \"daemon\" {\n  tmp = shared\n  seccomp = off/x\n}\n", 3,
		     "seccomp: \"off/x\" is not an absolute path");
	expect_error("seccomp: in a group section", "group \"daemon\" {\n seccomp = \"\" }\n", 2,
		     "seccomp: \"\" is empty");
}

static void test_capabilities(void)
{
	struct carrel_policy p;
	struct carrel_error err;

	check(resolve_text("capabilities = {\"CAP_NET_BIND_SERVICE\", \"cap_chown\"}\n", "daemon",
			   &p, &err) == 0 &&
		      p.capabilities == (CAP(CAP_NET_BIND_SERVICE) | CAP(CAP_CHOWN)),
	      "capabilities: CAP_NET_BIND_SERVICE and cap_chown");
	check(resolve_text("capabilities = {Cap_Sys_Admin, SYS_PTRACE, kill, KILL}\n", "daemon", &p,
			   &err) == 0 &&
		      p.capabilities == (CAP(CAP_SYS_ADMIN) | CAP(CAP_SYS_PTRACE) | CAP(CAP_KILL)),
	      "capabilities: any case, with or without CAP_, repeats");
	check(resolve_text("capabilities = {cap_checkpoint_restore, bpf, perfmon, audit_read}\n",
			   "daemon", &p, &err) == 0 &&
		      p.capabilities == (CAP(40) | CAP(39) | CAP(38) | CAP(37)),
	      "capabilities: numbers above 31 (bits of the 64-bit mask)");
	check(resolve_text("capabilities = {kill}\ncapabilities = {}\n", "daemon", &p, &err) == 0 &&
		      p.capabilities == 0,
	      "capabilities = {} clears (later setting wins)");
	check(resolve_text("capabilities = {}\n", "daemon", &p, &err) == 0 && p.capabilities == 0,
	      "capabilities = {}");

	expect_error(
		"capabilities: unknown name, on its line",
		"capabilities = {chown,\n  kill,\n  CAP_FOO}\n", 3,
		"capabilities: invalid capability \"CAP_FOO\" (use names from capabilities(7), such as CAP_NET_BIND_SERVICE or chown)");
	expect_error("capabilities: a prefix of a name", "capabilities = {CAP_NET_BIND}\n", 1,
		     "capabilities: invalid capability \"CAP_NET_BIND\"");
	expect_error("capabilities: CAP_ alone", "capabilities = {\"CAP_\"}\n", 1,
		     "invalid capability \"CAP_\"");
	expect_error("capabilities: empty name", "\ncapabilities = {\"\"}\n", 2,
		     "invalid capability \"\"");
	expect_error("capabilities: numbers are not names", "capabilities = {21}\n", 1,
		     "invalid capability \"21\"");
	expect_error("capabilities: all is not a name", "capabilities = {all}\n", 1,
		     "invalid capability \"all\"");
	expect_error("capabilities: in a group section",
		     "group \"daemon\" {\n\n  capabilities = {chown, cap_chwon}\n}\n", 3,
		     "invalid capability \"cap_chwon\"");
	expect_error("capabilities: in a user section",
		     "user \"daemon\" { capabilities = {\n net_bind_service,\n setfcap_x } }\n", 3,
		     "invalid capability \"setfcap_x\"");
}

static void test_scope_linger(void)
{
	static const struct {
		const char *text;
		int64_t want;
	} cases[] = {
		{ "no", CARREL_LINGER_NO },
		{ "forever", CARREL_LINGER_FOREVER },
		{ "until-empty", CARREL_LINGER_UNTIL_EMPTY },
		{ "\"until-empty\"", CARREL_LINGER_UNTIL_EMPTY },
		{ "1s", 1 },
		{ "30s", 30 },
		{ "10m", 600 },
		{ "2h", 7200 },
		{ "7d", 7 * 86400 },
		{ "365d", 365 * 86400 },
		{ "8760h", 365 * 86400 },
		{ "525600m", 365 * 86400 },
		{ "31536000s", 365 * 86400 },
	};
	struct carrel_policy p;
	struct carrel_error err;
	char text[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "scope = user\nlinger = %s\n", cases[i].text);
		if (!check(resolve_text(text, "daemon", &p, &err) == 0 &&
				   p.linger_sec == cases[i].want && p.scope == CARREL_SCOPE_USER,
			   "linger = %s", cases[i].text))
			diag("%s", err.msg);
	}
	check(resolve_text("scope = user\n", "daemon", &p, &err) == 0 &&
		      p.scope == CARREL_SCOPE_USER && p.linger_sec == CARREL_LINGER_NO,
	      "scope = user, linger left at no");
	check(resolve_text("scope = session\nlinger = no\n", "daemon", &p, &err) == 0 &&
		      p.scope == CARREL_SCOPE_SESSION,
	      "scope = session with linger = no");

	expect_error("scope: unknown word", "\nscope = host\n", 2,
		     "scope: invalid value \"host\" (use session or user)");
	expect_error("scope: in a user section", "user \"daemon\" {\n scope = User\n}\n", 2,
		     "scope: invalid value \"User\"");
	expect_error("linger: 0s", "linger = 0s\n", 1, "linger: 0s is out of range (1s to 365d)");
	expect_error("linger: 366d", "\nlinger = 366d\n", 2,
		     "linger: 366d is out of range (1s to 365d)");
	expect_error("linger: 8761h", "linger = 8761h\n", 1, "linger: 8761h is out of range");
	expect_error("linger: 525601m", "linger = 525601m\n", 1, "linger: 525601m is out of range");
	expect_error("linger: 31536001s", "linger = 31536001s\n", 1,
		     "linger: 31536001s is out of range");
	expect_error("linger: past 2^64", "linger = 99999999999999999999999d\n", 1,
		     "linger: 99999999999999999999999d is out of range");
	expect_error(
		"linger: no suffix", "linger = 10\n", 1,
		"linger: invalid value \"10\" (use no, forever, until-empty or a whole number followed by s, m, h or d, like 30m)");
	expect_error("linger: upper-case suffix", "linger = 10M\n", 1,
		     "linger: invalid value \"10M\"");
	expect_error("linger: fraction", "linger = 1.5h\n", 1, "linger: invalid value \"1.5h\"");
	expect_error("linger: sign", "linger = -1h\n", 1, "linger: invalid value \"-1h\"");
	expect_error("linger: space", "linger = \"2 h\"\n", 1, "linger: invalid value \"2 h\"");
	expect_error("linger: two suffixes", "linger = 1hs\n", 1, "linger: invalid value \"1hs\"");
	expect_error("linger: empty", "linger = \"\"\n", 1, "linger: invalid value \"\"");
	expect_error("linger: unknown word", "linger = never\n", 1,
		     "linger: invalid value \"never\"");
	expect_error("linger: in a group section", "group \"daemon\" {\n\n linger = 0m\n}\n", 3,
		     "linger: 0m is out of range");
}

/* Load TEXT, which must load, and resolve USER. */
static int resolve_loaded(const char *text, const char *user, struct carrel_policy *p,
			  struct carrel_error *err, bool *loaded)
{
	struct carrel_config *cfg = NULL;
	struct fixture f;
	int r;

	fixture_init(&f);
	fixture_write(&f, "carrel.conf", text);
	r = carrel_config_load(f.main, &cfg, err);
	*loaded = r == 0;
	if (r == 0)
		r = carrel_policy_resolve(cfg, user, p, err);
	carrel_config_free(cfg);
	fixture_cleanup(&f);
	return r;
}

static void test_linger_conflict(void)
{
	struct carrel_policy p;
	struct carrel_error err;
	bool loaded;
	int r;

	r = resolve_loaded("exempt_users = {}\n\nlinger = 2h\n", "daemon", &p, &err, &loaded);
	if (check(loaded && r == -EINVAL &&
			  strncmp(err.msg,
				  "user \"daemon\": linger = 2h needs scope = user, but scope is session (linger from top level (/tmp/carrel-test-",
				  109) == 0 &&
			  strstr(err.msg, "/carrel.conf:3), scope from built-in)"),
		  "conflict: linger without scope = user loads, but resolving is an error"))
		diag("%s", err.msg);
	else
		diag("%d %s", r, err.msg);
	r = resolve_loaded("exempt_users = {}\nscope = user\nlinger = forever\n"
			   "user \"daemon\" {\n  scope = session\n}\n",
			   "daemon", &p, &err, &loaded);
	if (check(loaded && r == -EINVAL && strstr(err.msg, "user \"daemon\": linger = forever") &&
			  strstr(err.msg, "(linger from top level (") &&
			  strstr(err.msg, "/carrel.conf:3), scope from user daemon (") &&
			  strstr(err.msg, "/carrel.conf:5))"),
		  "conflict: a user section that sets scope back to session"))
		diag("%s", err.msg);
	else
		diag("%d %s", r, err.msg);
	r = resolve_loaded("linger = until-empty\n", "root", &p, &err, &loaded);
	check(r == 0 && loaded && p.exempt && p.linger_sec == CARREL_LINGER_UNTIL_EMPTY,
	      "conflict: root, exempt by the built-in list, is not checked");
	r = resolve_loaded("linger = until-empty\nexempt_users = {\"bin\"}\n", "bin", &p, &err,
			   &loaded);
	check(r == 0 && p.exempt, "conflict: an exempt user is not checked");
	r = resolve_loaded("linger = 1d\ngroup \"daemon\" { scope = user }\n", "daemon", &p, &err,
			   &loaded);
	check(r == 0 && p.scope == CARREL_SCOPE_USER && p.linger_sec == 86400,
	      "conflict: linger at top level, scope = user from a group: fine");
	r = resolve_loaded("linger = 1d\ngroup \"daemon\" { scope = user }\n", "nobody", &p, &err,
			   &loaded);
	check(r == -EINVAL && strstr(err.msg, "user \"nobody\": linger = 1d"),
	      "conflict: the same file, a user outside that group: error");
	r = resolve_loaded(
		"scope = user\nlinger = 5m\nuser \"daemon\" { linger = no\n scope = session }\n",
		"daemon", &p, &err, &loaded);
	check(r == 0 && p.scope == CARREL_SCOPE_SESSION && p.linger_sec == 0,
	      "conflict: linger = no with scope = session: fine");
}

static void test_new_keys_precedence(void)
{
	static const char text[] = "seccomp = off\n"
				   "capabilities = {kill}\n"
				   "scope = user\n"
				   "linger = 1h\n"
				   "exempt_users = {}\n"
				   "user \"daemon\" {\n"
				   "  capabilities = {}\n"
				   "  linger = forever\n"
				   "  scope = user\n"
				   "}\n"
				   "group \"daemon\" {\n"
				   "  seccomp = \"/etc/g.seccomp\"\n"
				   "  capabilities = {chown}\n"
				   "  linger = 2h\n"
				   "  scope = session\n"
				   "}\n"
				   "group \"bin\" { seccomp = \"/etc/bin.seccomp\" }\n";
	struct carrel_policy p;
	struct carrel_error err;

	check(resolve_text(text, "daemon", &p, &err) == 0 && p.capabilities == 0 &&
		      p.linger_sec == CARREL_LINGER_FOREVER,
	      "new keys: user section wins (capabilities = {}, linger = forever)");
	check(strcmp(p.seccomp, "/etc/g.seccomp") == 0 && p.scope == CARREL_SCOPE_USER,
	      "new keys: group over top level (seccomp); user over group (scope)");
	check(resolve_text(text, "nobody", &p, &err) == 0 && strcmp(p.seccomp, "off") == 0 &&
		      p.capabilities == CAP(CAP_KILL) && p.scope == CARREL_SCOPE_USER &&
		      p.linger_sec == 3600,
	      "new keys: top level over built-in");
	check(resolve_text(text, "bin", &p, &err) == 0 &&
		      strcmp(p.seccomp, "/etc/bin.seccomp") == 0 && p.capabilities == CAP(CAP_KILL),
	      "new keys: another group's section does not apply");
	check(resolve_text("group \"daemon\" { capabilities = {chown} seccomp = off }\n"
			   "user \"daemon\" { }\n",
			   "daemon", &p, &err) == 0 &&
		      p.capabilities == CAP(CAP_CHOWN) && strcmp(p.seccomp, "off") == 0 &&
		      p.scope == CARREL_SCOPE_SESSION && p.linger_sec == 0,
	      "new keys: an empty user section overrides nothing; unset keys stay built-in");
}

static void test_syntax_errors(void)
{
	expect_error("syntax error (missing comma), after comments",
		     "# one\n// two\n/* three\n */\nnamespaces = {mnt pid}\n", 5,
		     "unexpected token 'pid'");
	expect_error("syntax error (missing =)", "tmp private\n", 1, "missing equal sign");
	expect_error("unclosed section: line of its brace",
		     "user \"bin\" {\n limits {\n memory_max = 1G\n }\n", 1,
		     "this '{' is never closed");
	expect_error("unclosed list", "\nnamespaces = {mnt,\n", 2, "this '{' is never closed");
	expect_error("unmatched closing brace", "limits { }\n}\n", 2, "unexpected closing brace");
	expect_error("unterminated string: line of the quote", "hostname = \"abc\n\n", 1,
		     "unterminated string");
	expect_error("unterminated comment: line of the /*", "\n/* abc\n\n", 2,
		     "unterminated /* comment");
	expect_error("unknown key", "# c\n\nfoo = 1\n", 3, "no such option 'foo'");
	expect_error("unknown key in limits", "limits {\n  memory = 1G\n}\n", 2,
		     "no such option 'memory'");
	expect_error("exempt_users not allowed in a user section",
		     "user \"daemon\" {\n  exempt_users = {}\n}\n", 2,
		     "no such option 'exempt_users'");
	expect_error("the section start mark cannot be named",
		     "user \"daemon\" {\n \"(start)\" { }\n}\n", 2, "no such option '(start)'");
	expect_error("two sections for one user in one file",
		     "user \"bin\" { }\n\nuser \"bin\" { }\n", 3, "duplicate title 'bin'");
	expect_error("${VAR} is refused", "\nhostname = \"${HOSTNAME}\"\n", 2,
		     "${...} (environment variable substitution)");
	expect_error("unquoted ${VAR} is refused", "limits { memory_max = ${MEM} }\n", 1,
		     "not supported");
	expect_error("+= is refused", "namespaces = {mnt}\nnamespaces += {pid}\n", 2,
		     "+= is not supported");
	expect_error("stray * is refused", "limits { memory_max = 2G* }\n", 1,
		     "unexpected character '*'");
}

static void test_comments(void)
{
	struct carrel_policy p;
	struct carrel_error err;

	check(resolve_text(
		      "namespaces = {mnt, # the mount namespace\n pid /* and pid */}\n"
		      "hostname = 'a${X}'  // single quotes: literal, but then not a valid hostname\n",
		      "daemon", &p, &err) == -EINVAL &&
		      strstr(err.msg, ":3: hostname: \"a${X}\": character 0x24"),
	      "comments inside lists; ${ in single quotes reaches the value check");
	diag("%s", err.msg);
	check(resolve_text("cgroup_parent = \"/\"# comment right after a string\n"
			   "hostname = a//b\n",
			   "daemon", &p, &err) == -EINVAL &&
		      strstr(err.msg, ":2: hostname: \"a//b\""),
	      "// inside a word is not a comment");
}

static void test_file_checks(void)
{
	struct carrel_config *cfg = NULL;
	struct carrel_error err;
	char path[PATH_MAX];
	struct fixture f;

	fixture_init(&f);
	fixture_write(&f, "carrel.conf", "tmp = shared\n");
	if (chown(f.main, 65534, 65534) < 0)
		bail("chown: %s", strerror(errno));
	expect_error_in("file not owned by root is refused", &f, NULL, -EPERM, 0,
			"refusing config: not owned by root (owner uid 65534)");
	if (chown(f.main, 0, 0) < 0)
		bail("chown: %s", strerror(errno));

	chmod(f.main, 0666);
	expect_error_in("file with mode 0666 is refused", &f, NULL, -EPERM, 0,
			"refusing config: writable by group or others (mode 0666)");
	chmod(f.main, 0620);
	expect_error_in("group-writable file is refused", &f, NULL, -EPERM, 0, "(mode 0620)");
	chmod(f.main, 0600);
	check(carrel_config_load(f.main, &cfg, &err) == 0, "file with mode 0600 is accepted");
	carrel_config_free(cfg);
	cfg = NULL;

	fixture_write(&f, "real.conf", "tmp = shared\n");
	unlink(f.main);
	if (symlink(fixture_path(&f, "real.conf", path, sizeof(path)), f.main) < 0)
		bail("symlink: %s", strerror(errno));
	expect_error_in("symlink is refused", &f, NULL, -EPERM, 0,
			"refusing config: is a symbolic link");
	unlink(f.main);

	fixture_mkdir(&f, "carrel.conf");
	expect_error_in("directory is refused", &f, NULL, -EPERM, 0,
			"refusing config: not a regular file");
	rmdir(f.main);

	fixture_write(&f, "carrel.conf", "\n");
	fixture_mkdir(&f, "elsewhere");
	if (symlink("elsewhere", fixture_path(&f, "carrel.d", path, sizeof(path))) < 0)
		bail("symlink: %s", strerror(errno));
	expect_error_in("symlinked carrel.d is refused", &f, "carrel.d", -EPERM, 0,
			"is a symbolic link");
	unlink(path);
	fixture_write(&f, "carrel.d", "\n");
	expect_error_in("carrel.d that is a file is refused", &f, "carrel.d", -EPERM, 0,
			"not a directory");
	fixture_cleanup(&f);
}

static void test_resolve_errors(void)
{
	struct carrel_config *cfg = NULL;
	struct carrel_error err;
	struct carrel_policy p;

	check(carrel_config_load("/nonexistent-carrel-dir/carrel.conf", &cfg, &err) == 0 && cfg,
	      "missing file in a missing directory: loads");
	check(carrel_policy_resolve(cfg, "carrel-no-such-user", &p, &err) == -ENOENT &&
		      strstr(err.msg, "\"carrel-no-such-user\": no such user"),
	      "resolve: unknown user is -ENOENT with a message");
	diag("%s", err.msg);
	carrel_config_free(cfg);
}

/* ---- carrel_policy_resolve_explain ------------------------------------------------ */

#define EXPLAIN_MAX 32

struct explained {
	int n;
	struct {
		char key[64], value[1100], origin[PATH_MAX + 600];
	} e[EXPLAIN_MAX];
};

static void on_explain(const char *key, const char *value, const char *origin, void *ctx)
{
	struct explained *x = ctx;

	if (x->n < EXPLAIN_MAX) {
		snprintf(x->e[x->n].key, sizeof(x->e[x->n].key), "%s", key);
		snprintf(x->e[x->n].value, sizeof(x->e[x->n].value), "%s", value);
		snprintf(x->e[x->n].origin, sizeof(x->e[x->n].origin), "%s", origin);
	}
	x->n++;
}

static int explain(const struct fixture *f, const char *user, struct carrel_policy *p,
		   struct explained *x, struct carrel_error *err)
{
	struct carrel_config *cfg = NULL;
	int r = carrel_config_load(f->main, &cfg, err);

	memset(x, 0, sizeof(*x));
	if (r == 0)
		r = carrel_policy_resolve_explain(cfg, user, p, on_explain, x, err);
	carrel_config_free(cfg);
	return r;
}

/* KEY was reported with VALUE and ORIGIN; in ORIGIN, "@F" stands for the
 * fixture's directory. */
static void expect_explained(const struct fixture *f, const struct explained *x, const char *key,
			     const char *value, const char *origin)
{
	char want[PATH_MAX + 600];
	size_t len = 0;

	for (const char *o = origin; *o && len + 1 < sizeof(want);) {
		if (strncmp(o, "@F", 2) == 0) {
			len += (size_t)snprintf(want + len, sizeof(want) - len, "%s", f->dir);
			o += 2;
		} else {
			want[len++] = *o++;
		}
	}
	want[len < sizeof(want) ? len : sizeof(want) - 1] = '\0';
	for (int i = 0; i < x->n && i < EXPLAIN_MAX; i++) {
		if (strcmp(x->e[i].key, key) != 0)
			continue;
		if (!check(strcmp(x->e[i].value, value) == 0 && strcmp(x->e[i].origin, want) == 0,
			   "explain: %s = %s from %s", key, value, origin))
			diag("got %s = %s from %s", key, x->e[i].value, x->e[i].origin);
		return;
	}
	check(false, "explain: %s reported", key);
}

static void test_explain(void)
{
	struct carrel_policy p, q;
	struct carrel_error err;
	struct explained *x = calloc(1, sizeof(*x));
	struct carrel_config *cfg = NULL;
	struct fixture f;
	int r;

	if (!x)
		bail("calloc");
	fixture_init(&f);
	fixture_write(&f, "carrel.conf",
		      "exempt_users = {\"bin\",\n" /* 1 */
		      "  \"nobody\"}\n"		   /* 2 */
		      "tmp = shared\n"		   /* 3 */
		      "namespaces = {}\n"	   /* 4 */
		      "group \"daemon\" {\n"	   /* 5 */
		      "  capabilities = {\n"	   /* 6 */
		      "    chown, kill }\n"	   /* 7 */
		      "  linger = 2h\n"		   /* 8 */
		      "  namespaces = {}\n"	   /* 9 */
		      "}\n"			   /* 10 */
		      "limits {\n"		   /* 11 */
		      "  pids_max = 50\n"	   /* 12 */
		      "}\n");			   /* 13 */
	fixture_mkdir(&f, "carrel.d");
	fixture_write(&f, "carrel.d/10-x.conf",
		      "user \"daemon\" {\n"				   /* 1 */
		      "  scope = user\n"				   /* 2 */
		      "  limits { memory_max = 1G }\n"			   /* 3 */
		      "  seccomp = \"/etc/security/carrel.d/d.seccomp\"\n" /* 4 */
		      "}\n");

	r = explain(&f, "daemon", &p, x, &err);
	if (!check(r == 0 && x->n == 33, "explain: resolves; exempt and the 32 keys reported"))
		diag("%d %s; %d calls", r, err.msg, x->n);
	check(strcmp(x->e[0].key, "exempt") == 0 && strcmp(x->e[1].key, "namespaces") == 0 &&
		      strcmp(x->e[11].key, "linger") == 0 &&
		      strcmp(x->e[12].key, "network") == 0 &&
		      strcmp(x->e[18].key, "net_rate_max") == 0 &&
		      strcmp(x->e[19].key, "selinux_categories") == 0 &&
		      strcmp(x->e[20].key, "limits.memory_max") == 0 &&
		      strcmp(x->e[25].key, "limits.io_weight") == 0,
	      "explain: exempt first, then the keys in print order, limits last");
	expect_explained(&f, x, "exempt", "no",
			 "exempt_users (@F/carrel.conf:1), built-in exempt_groups");
	expect_explained(&f, x, "namespaces", "{}", "group daemon (@F/carrel.conf:5)");
	expect_explained(&f, x, "hostname", "\"%u-%n\"", "built-in");
	expect_explained(&f, x, "network", "host", "group daemon (@F/carrel.conf:5)");
	expect_explained(&f, x, "tmp", "shared", "top level (@F/carrel.conf:3)");
	expect_explained(&f, x, "capabilities", "{cap_chown, cap_kill}",
			 "group daemon (@F/carrel.conf:7)");
	expect_explained(&f, x, "linger", "2h", "group daemon (@F/carrel.conf:8)");
	expect_explained(&f, x, "scope", "user", "user daemon (@F/carrel.d/10-x.conf:2)");
	expect_explained(&f, x, "seccomp", "\"/etc/security/carrel.d/d.seccomp\"",
			 "user daemon (@F/carrel.d/10-x.conf:4)");
	expect_explained(&f, x, "limits.memory_max", "1G", "user daemon (@F/carrel.d/10-x.conf:3)");
	expect_explained(&f, x, "limits.pids_max", "50", "top level (@F/carrel.conf:12)");
	expect_explained(&f, x, "limits.io_weight", "100", "built-in");
	check(load_resolve(&f, "daemon", &q, &err) == 0 && !policy_diff(&p, &q),
	      "explain: the same policy as carrel_policy_resolve");

	r = explain(&f, "nobody", &p, x, &err);
	check(r == 0 && p.exempt, "explain: nobody resolves, exempt");
	expect_explained(&f, x, "exempt", "yes", "exempt_users (@F/carrel.conf:1)");
	expect_explained(&f, x, "namespaces", "{}", "top level (@F/carrel.conf)");
	expect_explained(&f, x, "capabilities", "{}", "built-in");

	fixture_write(&f, "carrel.d/20-y.conf", "\n\nexempt_groups = {\"daemon\"}\n");
	r = explain(&f, "daemon", &p, x, &err);
	check(r == 0 && p.exempt, "explain: daemon exempt through exempt_groups");
	expect_explained(&f, x, "exempt", "yes", "exempt_groups (@F/carrel.d/20-y.conf:3)");
	fixture_write(&f, "carrel.d/20-y.conf", "exempt_groups = {}\n");
	r = explain(&f, "daemon", &p, x, &err);
	expect_explained(&f, x, "exempt", "no",
			 "exempt_users (@F/carrel.conf:1), exempt_groups (@F/carrel.d/20-y.conf)");

	/* No callback: like carrel_policy_resolve. */
	if (carrel_config_load(f.main, &cfg, &err) == 0)
		check(carrel_policy_resolve_explain(cfg, "daemon", &p, NULL, NULL, &err) == 0 &&
			      p.scope == CARREL_SCOPE_USER,
		      "explain: a NULL callback is allowed");
	else
		check(false, "explain: a NULL callback is allowed (load: %s)", err.msg);
	carrel_config_free(cfg);
	fixture_cleanup(&f);

	fixture_init(&f);
	r = explain(&f, "root", &p, x, &err);
	check(r == 0 && x->n == 33, "explain: no file");
	expect_explained(&f, x, "exempt", "yes", "built-in exempt_users");
	expect_explained(&f, x, "namespaces", "{mnt, pid, ipc, uts, net, cgroup, user}",
			 "built-in");
	expect_explained(&f, x, "seccomp", "default", "built-in");
	expect_explained(&f, x, "linger", "no", "built-in");
	r = explain(&f, "daemon", &p, x, &err);
	expect_explained(&f, x, "exempt", "no", "built-in");

	fixture_write(&f, "carrel.conf", "linger = 7d\n");
	r = explain(&f, "daemon", &p, x, &err);
	check(r == -EINVAL && x->n == 0 && strstr(err.msg, "user \"daemon\": linger = 7d needs"),
	      "explain: a conflict is an error, and nothing is reported");
	r = explain(&f, "carrel-no-such-user", &p, x, &err);
	check(r == -ENOENT && x->n == 0, "explain: unknown user, nothing reported");
	fixture_cleanup(&f);
	free(x);
}

/* Find conf/carrel.conf: $CARREL_SRCDIR, the current directory, or two
 * directories up from this program (tests/unit/test_conf). */
static bool find_shipped(char *buf, size_t size)
{
	const char *srcdir = getenv("CARREL_SRCDIR");
	const char *slash = strrchr(argv0, '/');

	if (srcdir) {
		snprintf(buf, size, "%s/conf/carrel.conf", srcdir);
		if (access(buf, R_OK) == 0)
			return true;
	}
	snprintf(buf, size, "conf/carrel.conf");
	if (access(buf, R_OK) == 0)
		return true;
	snprintf(buf, size, "%.*s/../../conf/carrel.conf", slash ? (int)(slash - argv0) : 1,
		 slash ? argv0 : ".");
	return access(buf, R_OK) == 0;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;

	if (!f || getdelim(&text, &size, '\0', f) < 0)
		bail("reading %s: %s", path, strerror(errno));
	fclose(f);
	return text;
}

/* The shipped file must say exactly what the built-in defaults say. */
static void test_shipped(void)
{
	struct carrel_policy p, b;
	struct carrel_error err = { 0 };
	char path[PATH_MAX];
	char *text;
	int r;

	if (!find_shipped(path, sizeof(path))) {
		skip("shipped conf/carrel.conf resolves to the built-in policy",
		     "conf/carrel.conf not found");
		return;
	}
	text = read_text(path); /* copied: the checkout may not be root's */
	carrel_policy_builtin(&b);
	r = resolve_text(text, "daemon", &p, &err);
	if (!check(r == 0, "shipped conf/carrel.conf loads"))
		diag("%d: %s", r, err.msg);
	expect_policy("shipped conf/carrel.conf: daemon gets exactly the built-in policy", &p, &b);
	check(resolve_text(text, "root", &p, &err) == 0 && p.exempt,
	      "shipped conf/carrel.conf: root is exempt");
	free(text);
}

static char *print_policy(const struct carrel_policy *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		bail("open_memstream: %s", strerror(errno));
	carrel_policy_print(f, p);
	fclose(f);
	return text;
}

static void test_print(void)
{
	struct carrel_policy b, p, odd;
	struct carrel_error err;
	char *text;

	carrel_policy_builtin(&b);
	text = print_policy(&b);
	check(strncmp(text, "# exempt: no\n", 13) == 0 &&
		      strstr(text, "\nnamespaces = {mnt, pid, ipc, uts, net, cgroup, user}\n") &&
		      strstr(text, "\nseccomp = default\n") &&
		      strstr(text, "\ncapabilities = {}\n") &&
		      strstr(text, "\nscope = session\n") && strstr(text, "\nlinger = no\n") &&
		      strstr(text, "\nhostname = \"%u-%n\"\n") &&
		      strstr(text, "\ntmp_size = 512M\n") &&
		      strstr(text, "\ncgroup_parent = auto\n") &&
		      strstr(text, "\non_error = deny\n") && strstr(text, "\tmemory_max = 2G\n") &&
		      strstr(text, "\tmemory_swap_max = 0\n") &&
		      strstr(text, "\tcpu_max = 100%\n") && strstr(text, "\tpids_max = 1024\n"),
	      "print: built-in policy in config syntax");
	diag("%s", text);
	check(resolve_text(text, "daemon", &p, &err) == 0 && !policy_diff(&p, &b),
	      "print: output parses back to the same policy");
	free(text);

	odd = b;
	odd.exempt = true;
	odd.namespaces = 0;
	odd.cgroup_parent = CARREL_CGROUP_PARENT_SELF;
	odd.tmp_size = 1536 * MiB;
	odd.limits = (struct carrel_limits){ .memory_max = CARREL_UNLIMITED, .memory_swap_max = 1000,
					     .pids_max = CARREL_UNLIMITED, .cpu_max = CARREL_UNLIMITED,
					     .cpu_weight = 1, .io_weight = 10000, .memory_high = CARREL_UNLIMITED };
	text = print_policy(&odd);
	check(strncmp(text, "# exempt: yes\n", 14) == 0 && strstr(text, "\nnamespaces = {}\n") &&
		      strstr(text, "\ntmp_size = 1536M\n") &&
		      strstr(text, "\tmemory_max = max\n") &&
		      strstr(text, "\tmemory_swap_max = 1000\n") &&
		      strstr(text, "\tcpu_max = max\n") && strstr(text, "\tpids_max = max\n") &&
		      strstr(text, "\ncgroup_parent = self\n"),
	      "print: max, {}, sizes without an exact suffix");
	odd.exempt = false;
	odd.network = CARREL_NETWORK_HOST; /* what namespaces = {} resolves to */
	free(text);
	text = print_policy(&odd);
	check(resolve_text(text, "daemon", &p, &err) == 0 && !policy_diff(&p, &odd),
	      "print: that output parses back too");
	free(text);

	odd = b;
	snprintf(odd.seccomp, sizeof(odd.seccomp), "/etc/security/carrel.d/x+y@z:1.seccomp");
	odd.capabilities = CAP(CAP_NET_BIND_SERVICE) | CAP(CAP_CHOWN) | CAP(40);
	odd.scope = CARREL_SCOPE_USER;
	odd.linger_sec = 90;
	text = print_policy(&odd);
	check(strstr(text, "\nseccomp = \"/etc/security/carrel.d/x+y@z:1.seccomp\"\n") &&
		      strstr(text,
			     "\ncapabilities = {cap_chown, cap_net_bind_service, cap_checkpoint_restore}\n") &&
		      strstr(text, "\nscope = user\n") && strstr(text, "\nlinger = 90s\n"),
	      "print: seccomp path quoted, capabilities lower case in number order, linger 90s");
	diag("%s", text);
	check(resolve_text(text, "daemon", &p, &err) == 0 && !policy_diff(&p, &odd),
	      "print: new keys parse back");
	free(text);

	static const struct {
		int64_t sec;
		const char *text;
	} lingers[] = {
		{ CARREL_LINGER_FOREVER, "forever" },
		{ CARREL_LINGER_UNTIL_EMPTY, "until-empty" },
		{ 1, "1s" },
		{ 60, "1m" },
		{ 7200, "2h" },
		{ 86400 * 7, "7d" },
		{ 86400 + 1, "86401s" },
		{ 365 * 86400, "365d" },
		{ 3600 * 25, "25h" },
	};
	for (size_t i = 0; i < sizeof(lingers) / sizeof(lingers[0]); i++) {
		char want[64];

		odd.linger_sec = lingers[i].sec;
		text = print_policy(&odd);
		snprintf(want, sizeof(want), "\nlinger = %s\n", lingers[i].text);
		check(strstr(text, want) && resolve_text(text, "daemon", &p, &err) == 0 &&
			      p.linger_sec == lingers[i].sec,
		      "print: linger %lld as %s, and back", (long long)lingers[i].sec,
		      lingers[i].text);
		free(text);
	}

	/* Every capability: the longest value there is. */
	odd.capabilities = (CAP(CAP_LAST_CAP) << 1) - 1;
	text = print_policy(&odd);
	check(strstr(text, "\ncapabilities = {cap_chown, cap_dac_override, ") &&
		      strstr(text, ", cap_checkpoint_restore}\n") &&
		      resolve_text(text, "daemon", &p, &err) == 0 && !policy_diff(&p, &odd),
	      "print: all %d capabilities, and back", CAP_LAST_CAP + 1);
	free(text);
}

/*
 * Supplementary groups: in a child with a private mount namespace, bind
 * mount over /etc/group a copy that makes root a member of daemon and bin,
 * and resolve root there.  The child sends back the policy (or a skip).
 */
struct child_result {
	int r;						   /* resolve result, or 1: skipped */
	char why[sizeof(((struct carrel_error *)0)->msg)]; /* skip reason or error message */
	struct carrel_policy p;
};

static void child_resolve(const char *text, int out)
{
	struct child_result res = { .r = 1 };
	char group_copy[PATH_MAX];
	struct carrel_error err = { 0 };
	struct fixture f;

	fixture_init(&f);
	fixture_write(&f, "group",
		      "root:x:0:\ndaemon:x:1:root\nbin:x:2:root\nadm:x:4:\nnogroup:x:65534:\n");
	fixture_path(&f, "group", group_copy, sizeof(group_copy));
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(group_copy, "/etc/group", "none", MS_BIND, NULL) < 0) {
		snprintf(res.why, sizeof(res.why), "cannot bind mount over /etc/group: %s",
			 strerror(errno));
	} else {
		fixture_write(&f, "carrel.conf", text);
		res.r = load_resolve(&f, "root", &res.p, &err);
		snprintf(res.why, sizeof(res.why), "%s", err.msg);
		umount("/etc/group");
	}
	fixture_cleanup(&f);
	if (write(out, &res, sizeof(res)) != sizeof(res))
		_exit(1);
	_exit(0);
}

static bool resolve_in_child(const char *text, struct child_result *res)
{
	int pipefd[2], status;
	pid_t pid;

	fflush(stdout);
	if (pipe2(pipefd, O_CLOEXEC) < 0 || (pid = fork()) < 0)
		bail("pipe/fork: %s", strerror(errno));
	if (pid == 0) {
		close(pipefd[0]);
		child_resolve(text, pipefd[1]);
	}
	close(pipefd[1]);
	memset(res, 0, sizeof(*res));
	bool got = read(pipefd[0], res, sizeof(*res)) == sizeof(*res);

	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return got && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_supplementary_groups(void)
{
	static const char text[] =
		"exempt_users = {}\n"
		"group \"daemon\" {\n  hostname = \"from-daemon\"\n  limits { pids_max = 11 }\n}\n"
		"group \"bin\" { hostname = \"from-bin\" }\n";
	static const char exempt_text[] = "exempt_users = {}\nexempt_groups = {\"adm\", \"bin\"}\n";
	struct child_result res;

	if (!resolve_in_child(text, &res)) {
		check(false, "supplementary groups: child ran");
		return;
	}
	if (res.r == 1) {
		skip("supplementary groups: group sections apply", res.why);
		skip("supplementary groups: exempt_groups", res.why);
		return;
	}
	if (!check(res.r == 0 && res.p.limits.pids_max == 11,
		   "supplementary groups: group sections apply"))
		diag("%d: %s", res.r, res.why);
	check(strcmp(res.p.hostname, "from-bin") == 0 && !res.p.exempt,
	      "supplementary groups: two matching groups, the later one wins");
	check(resolve_in_child(exempt_text, &res) && res.r == 0 && res.p.exempt,
	      "supplementary groups: exempt_groups");
}

/* The seed's other controllers: memory_high, cpusets, io_max, hugetlb_max, devices_*. */
static void test_ctrl_keys(void)
{
	static const char text[] =
		"limits {\n"
		"  memory_high = 1G\n"
		"  cpuset_cpus = \"0-7,9\"\n"
		"  cpuset_mems = \"0\"\n"
		"  io_max = {\"/dev/vda rbps=50M wbps=20M riops=1000 wiops=500\", \"/dev/sdb1 wbps=4M\"}\n"
		"  hugetlb_max = {\"2M 0\", \"1G 4G\"}\n"
		"  devices_deny = {\"/dev/nvidia* rwm\", \"/dev/kvm rwm\"}\n"
		"  devices_allow = {\"/dev/fuse rw\"}\n"
		"}\n"
		"group \"daemon\" { limits { devices_allow = {\"/dev/nvidia0 rw\"} } }\n"
		"group \"bin\" { limits { devices_allow = {\"/dev/nvidia1 rw\"}\n"
		"  devices_deny = {\"/dev/nvidia* rwm\"} } }\n"
		"group \"adm\" { limits { devices_allow = {\"/dev/nvidia2 rw\"} } }\n";
	struct child_result res;
	struct carrel_policy p;
	struct carrel_error err = { 0 };
	char many[2048];
	size_t len;

	if (!check(resolve_text(text, "root", &p, &err) == 0, "ctrl keys: a config with every new key loads"))
		diag("%s", err.msg);
	check(p.limits.memory_high == 1ULL << 30 && strcmp(p.limits.cpuset_cpus, "0-7,9") == 0 &&
		      strcmp(p.limits.cpuset_mems, "0") == 0 &&
		      strcmp(p.limits.io_max[1], "/dev/sdb1 wbps=4M") == 0 && !p.limits.io_max[2][0] &&
		      strcmp(p.limits.hugetlb_max[1], "1G 4G") == 0 &&
		      strcmp(p.limits.devices_deny[0], "/dev/nvidia* rwm") == 0,
	      "ctrl keys: values kept as written, in order");
	carrel_policy_builtin(&p);
	check(p.limits.memory_high == CARREL_UNLIMITED && !p.limits.cpuset_cpus[0] && !p.limits.io_max[0][0] &&
		      !p.limits.devices_deny[0][0],
	      "ctrl keys: built in, no memory_high, every CPU, no list");

	/* root is in daemon and bin (resolve_in_child's /etc/group), not adm. */
	if (resolve_in_child(text, &res) && res.r == 0) {
		check(strcmp(res.p.limits.devices_allow[0], "/dev/fuse rw") == 0 &&
			      strcmp(res.p.limits.devices_allow[1], "/dev/nvidia0 rw") == 0 &&
			      strcmp(res.p.limits.devices_allow[2], "/dev/nvidia1 rw") == 0 &&
			      !res.p.limits.devices_allow[3][0],
		      "ctrl keys: devices_allow of every section that applies adds up (top, daemon, bin; not adm)");
		check(strcmp(res.p.limits.devices_deny[0], "/dev/nvidia* rwm") == 0 && !res.p.limits.devices_deny[1][0],
		      "ctrl keys: devices_deny is replaced by a later section, as every other key");
	} else {
		skip("ctrl keys: devices_allow adds up", res.why);
		skip("ctrl keys: devices_deny replaced", res.why);
	}
	/* 3 sections of 6 = 18 items > 16: refused, not cut. */
	len = (size_t)snprintf(many, sizeof(many), "exempt_users = {}\nlimits { devices_allow = {\"/dev/a0 r\", \"/dev/a1 r\", "
						     "\"/dev/a2 r\", \"/dev/a3 r\", \"/dev/a4 r\", \"/dev/a5 r\"} }\n");
	for (int g = 0; g < 2; g++)
		len += (size_t)snprintf(many + len, sizeof(many) - len,
					"group \"%s\" { limits { devices_allow = {\"/dev/b0 r\", \"/dev/b1 r\", "
					"\"/dev/b2 r\", \"/dev/b3 r\", \"/dev/b4 r\", \"/dev/b5 r\"} } }\n",
					g ? "bin" : "daemon");
	check(resolve_in_child(many, &res) && res.r == -EINVAL && strstr(res.why, "devices_allow") &&
		      strstr(res.why, "more than 16"),
	      "ctrl keys: devices_allow adding up past 16 entries is an error, not a cut");

	expect_error("ctrl keys: an unquoted glob is refused by the scrubber (libconfuse would split it)",
		     "limits {\n  devices_deny = {/dev/nvidia* rwm}\n}\n", 2, "glob must be quoted");
	expect_error("ctrl keys: device access is r, w, m", "limits {\n\n  devices_deny = {\"/dev/kvm rwx\"}\n}\n", 3,
		     "limits.devices_deny: \"/dev/kvm rwx\": the access is r, w and m");
	expect_error("ctrl keys: a device is a path under /dev", "limits {\n  devices_allow = {\"/etc/x rw\"}\n}\n",
		     2, "under /dev/");
	expect_error("ctrl keys: io_max names its rates", "limits {\n  io_max = {\"/dev/vda rate=5M\"}\n}\n", 2,
		     "rbps=, wbps=, riops= or wiops=");
	expect_error("ctrl keys: io_max rates are sizes", "limits {\n  io_max = {\"/dev/vda wbps=5Q\"}\n}\n", 2,
		     "limits.io_max: wbps: invalid size");
	expect_error("ctrl keys: io_max needs a rate", "limits {\n  io_max = {\"/dev/vda\"}\n}\n", 2, "no rate given");
	expect_error("ctrl keys: a huge page size is a power of two",
		     "limits {\n  hugetlb_max = {\"3M 0\"}\n}\n", 2, "power of two");
	expect_error("ctrl keys: hugetlb_max is PAGESIZE LIMIT", "limits {\n  hugetlb_max = {\"2M\"}\n}\n", 2,
		     "PAGESIZE LIMIT");
	expect_error("ctrl keys: a cpuset range runs forwards", "limits {\n  cpuset_cpus = \"7-3\"\n}\n", 2,
		     "runs backwards");
	expect_error("ctrl keys: a cpuset is numbers", "limits {\n  cpuset_mems = \"all\"\n}\n", 2,
		     "limits.cpuset_mems");
	expect_error("ctrl keys: memory_high is a size", "limits {\n  memory_high = 1X\n}\n", 2,
		     "limits.memory_high: invalid size");
	expect_error("ctrl keys: at most 16 items in a list",
		     "limits {\n  io_max = {\"/dev/a wbps=1\", \"/dev/a wbps=1\", \"/dev/a wbps=1\", \"/dev/a wbps=1\",\n"
		     "\"/dev/a wbps=1\", \"/dev/a wbps=1\", \"/dev/a wbps=1\", \"/dev/a wbps=1\", \"/dev/a wbps=1\",\n"
		     "\"/dev/a wbps=1\", \"/dev/a wbps=1\", \"/dev/a wbps=1\", \"/dev/a wbps=1\", \"/dev/a wbps=1\",\n"
		     "\"/dev/a wbps=1\", \"/dev/a wbps=1\", \"/dev/a wbps=1\"}\n}\n",
		     5, "more than 16 items");
}

/* ---- one number parser: the config and carrelctl limits ------------------------ */

/* `limits { KEY = "S" }` as the config reads it. */
static int conf_limit(const struct carrel_limit_key *k, const char *s, uint64_t *v, char *why,
		      size_t size)
{
	struct carrel_policy p;
	struct carrel_error err = { 0 };
	char text[256];
	int r;

	snprintf(text, sizeof(text), "limits {\n  %s = \"%s\"\n}\n", k->name, s);
	r = resolve_text(text, "daemon", &p, &err);
	*v = 0;
	if (r == 0)
		memcpy(v, (const char *)&p.limits + k->offset, k->size); /* little-endian host */
	snprintf(why, size, "%s", err.msg);
	return r;
}

static void test_one_parser(void)
{
	static const char *const strings[] = {
		"64G", "64M", "1", "0", "max", "MAX", "10000", "10001", "1%", "50%", "50", "100%",
		"1000000%", "1000001%", "18446744073709551615", "18446744073709551616",
		"16777215T", "16777216T", "1K", "1k", "1KB", "-1", " 1", "1 ", "0x10", "1e3", "", "abc",
	};
	int agree = 0, total = 0;

	for (size_t i = 0; i < CARREL_N_LIMITS; i++) {
		const struct carrel_limit_key *k = &carrel_limit_keys[i], *ck = NULL;
		char opt[40], cwhy[1024], owhy[1024];

		snprintf(opt, sizeof(opt), "--%s", k->name);
		for (char *c = opt + 2; *c; c++)
			*c = *c == '_' ? '-' : *c;
		for (size_t j = 0; j < sizeof(strings) / sizeof(strings[0]); j++) {
			uint64_t cv = 0, ov = 0;
			int cr = conf_limit(k, strings[j], &cv, cwhy, sizeof(cwhy));
			int orr = carrel_parse_limit_option(opt, strings[j], &ck, &ov, owhy, sizeof(owhy));
			/* The config's message is "FILE:LINE: limits.KEY: TEXT", carrelctl's
			 * "--KEY: TEXT": the same TEXT. */
			const char *ctext = strstr(cwhy, ": limits."), *otext = strchr(owhy, ':');
			bool same = ck == k && ((cr == 0 && orr == 0 && cv == ov) ||
						(cr < 0 && orr < 0 && ctext && otext &&
						 strcmp(strchr(ctext + 2, ':'), otext) == 0));

			total++;
			agree += same;
			if (!same)
				diag("%s = \"%s\": config %d %" PRIu64 " \"%s\", carrelctl %s %d %" PRIu64
				     " \"%s\"",
				     k->name, strings[j], cr, cv, cwhy, opt, orr, ov, owhy);
		}
	}
	check(agree == total, "one parser: the config and carrelctl limits agree on %d of %d strings",
	      agree, total);

	const struct carrel_limit_key *k;
	uint64_t v = 0;
	char why[256];

	check(carrel_parse_limit_option("--memory-max", "64G", &k, &v, why, sizeof(why)) == 0 &&
		      v == 64 * GiB && k == carrel_limit_key("memory_max"),
	      "carrelctl --memory-max 64G is 64 GiB");
	check(carrel_parse_limit_option("--memory_max", "64G", &k, &v, why, sizeof(why)) == -ENOENT &&
		      !k,
	      "carrelctl --memory_max is not an option");
	check(carrel_parse_limit_option("--tmp-size", "1G", &k, &v, why, sizeof(why)) == -ENOENT,
	      "carrelctl --tmp-size is not a limit");
	check(carrel_parse_limit_option("--pids-max", NULL, &k, &v, why, sizeof(why)) == -EINVAL &&
		      strcmp(why, "--pids-max needs a value") == 0,
	      "carrelctl --pids-max without a value");
	check(carrel_parse_limit_option("--cpu-max", "1000001%", &k, &v, why, sizeof(why)) ==
			      -ERANGE &&
		      strcmp(why, "--cpu-max: 1000001% is out of range (1% to 1000000%)") == 0,
	      "carrelctl --cpu-max 1000001%%: the config's range and message");
}

/* ---- check-config: every policy a login could get ------------------------------------- */

struct check_run {
	int calls;
	char warnings[4][1024];
	int n_warnings;
	char fail_seccomp[64]; /* the check callback refuses this profile */
	char where[PATH_MAX + 16];
	char who[512];
};

static int on_check(const struct carrel_check *chk, void *ctx, struct carrel_error *err)
{
	struct check_run *run = ctx;

	run->calls++;
	if (run->fail_seccomp[0] && strcmp(chk->policy->seccomp, run->fail_seccomp) == 0) {
		carrel_check_where(chk, "seccomp", run->where, sizeof(run->where));
		snprintf(run->who, sizeof(run->who), "%s", chk->who);
		snprintf(err->msg, sizeof(err->msg), "%.512s: %.256s: bad profile", run->where,
			 chk->who);
		return -EINVAL;
	}
	return 0;
}

static void on_warning(const char *msg, void *ctx)
{
	struct check_run *run = ctx;

	if (run->n_warnings < 4)
		snprintf(run->warnings[run->n_warnings++], sizeof(run->warnings[0]), "%s", msg);
}

/* Load TEXT and check it (USER: that user only); the error in ERR. */
static int check_text(struct fixture *f, const char *text, const char *user, struct check_run *run,
		      struct carrel_error *err)
{
	struct carrel_config *cfg = NULL;
	int r;

	fixture_init(f);
	fixture_write(f, "carrel.conf", text);
	r = carrel_config_load(f->main, &cfg, err);
	if (r == 0)
		r = carrel_config_check(cfg, user, on_check, on_warning, run, err);
	carrel_config_free(cfg);
	return r;
}

/* ERR starts with "MAIN:LINE: " and contains NEEDLE. */
static bool error_at(const struct fixture *f, const struct carrel_error *err, int line,
		     const char *needle)
{
	char prefix[PATH_MAX + 32];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", f->main, line);
	if (strncmp(err->msg, prefix, strlen(prefix)) == 0 && strstr(err->msg, needle))
		return true;
	diag("got \"%s\"; wanted \"%s...%s...\"", err->msg, prefix, needle);
	return false;
}

static bool warned_at(const struct fixture *f, const struct check_run *run, int line,
		      const char *needle)
{
	char prefix[PATH_MAX + 32];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", f->main, line);
	for (int i = 0; i < run->n_warnings; i++)
		if (strncmp(run->warnings[i], prefix, strlen(prefix)) == 0 &&
		    strstr(run->warnings[i], needle))
			return true;
	diag("no warning \"%s...%s...\" among %d", prefix, needle, run->n_warnings);
	for (int i = 0; i < run->n_warnings; i++)
		diag("warning: %s", run->warnings[i]);
	return false;
}

static void test_check_config(void)
{
	struct carrel_error err;
	struct carrel_policy p;
	struct check_run run;
	struct fixture f;
	int r;

	/* no_new_privs = false without the user namespace: refused (resolve
	 * and check-config), with where both keys were set. */
	r = resolve_text("namespaces = {mnt, pid}\n\nno_new_privs = false\n", "daemon", &p, &err);
	check(r == -EINVAL && strstr(err.msg, "user \"daemon\": no_new_privs = false needs the user "
					      "namespace, but namespaces = {mnt, pid}") &&
		      strstr(err.msg, "/carrel.conf:3), namespaces from top level (") &&
		      strstr(err.msg, "setuid-root programs would give real host root"),
	      "no_new_privs = false without user: resolving refuses it");
	diag("%s", err.msg);
	check(resolve_text("namespaces = {mnt, pid, user}\nno_new_privs = false\n", "daemon", &p,
			   &err) == 0 && !p.no_new_privs,
	      "no_new_privs = false with the user namespace: fine");
	check(resolve_text("namespaces = {mnt, pid}\nno_new_privs = false\n", "root", &p, &err) ==
			      0 && p.exempt,
	      "no_new_privs = false without user: root (exempt) still resolves");

	memset(&run, 0, sizeof(run));
	r = check_text(&f,
		       "exempt_users = {root}\n"
		       "group \"adm\" {\n"
		       "  namespaces = {mnt, pid}\n"
		       "  no_new_privs = false\n"
		       "}\n",
		       NULL, &run, &err);
	check(r == -EINVAL && error_at(&f, &err, 4, ": group \"adm\" (") &&
		      strstr(err.msg, "no_new_privs = false needs the user namespace"),
	      "check-config: a group section nobody logs in with is checked, FILE:LINE first");
	fixture_cleanup(&f);

	memset(&run, 0, sizeof(run));
	r = check_text(&f, "cgroup_parent = self\n\nlinger = 5m\n", NULL, &run, &err);
	check(r == -EINVAL && error_at(&f, &err, 3, "top level: linger = 5m needs scope = user"),
	      "check-config: linger without scope = user, FILE:LINE first");
	fixture_cleanup(&f);

	/* The caller's check sees every section's policy, with where its keys are. */
	memset(&run, 0, sizeof(run));
	snprintf(run.fail_seccomp, sizeof(run.fail_seccomp), "/etc/carrel-test/bad.seccomp");
	r = check_text(&f,
		       "seccomp = \"/etc/carrel-test/ok.seccomp\"\n"
		       "user \"daemon\" {\n"
		       "  tmp = shared\n"
		       "}\n"
		       "group \"adm\" {\n"
		       "\n"
		       "  seccomp = \"/etc/carrel-test/bad.seccomp\"\n"
		       "}\n",
		       NULL, &run, &err);
	check(r == -EINVAL && error_at(&f, &err, 7, ": group \"adm\" (") &&
		      strstr(run.who, "group \"adm\" (") && strstr(run.who, "/carrel.conf:5)"),
	      "check-config: a profile named only in a group section reaches the check, FILE:LINE");
	fixture_cleanup(&f);

	memset(&run, 0, sizeof(run));
	snprintf(run.fail_seccomp, sizeof(run.fail_seccomp), "/etc/carrel-test/bad.seccomp");
	r = check_text(&f,
		       "group \"adm\" {\n  seccomp = \"/etc/carrel-test/bad.seccomp\"\n}\n",
		       "daemon", &run, &err);
	check(r == 0 && run.calls == 1, "check-config --user: only that user's policy is checked");
	fixture_cleanup(&f);

	memset(&run, 0, sizeof(run));
	r = check_text(&f, "exempt_users = {root}\nuser \"daemon\" { tmp = shared }\n", NULL, &run,
		       &err);
	check(r == 0 && run.calls >= 2 && run.n_warnings == 0,
	      "check-config: a sound config passes, each distinct policy checked (%d), no warning",
	      run.calls);
	fixture_cleanup(&f);

	/* Root left out of the exempt lists. */
	memset(&run, 0, sizeof(run));
	r = check_text(&f, "cgroup_parent = self\nexempt_users = {daemon}\n", NULL, &run, &err);
	check(r == -EINVAL &&
		      error_at(&f, &err, 2,
			       "user \"root\": not exempt, and namespaces has user (built-in)") &&
		      strstr(err.msg, "every login of this user would be refused") &&
		      warned_at(&f, &run, 2, "exempt_users does not name root"),
	      "check-config: root not exempt with a user namespace is an error (open refuses uid 0)");
	fixture_cleanup(&f);

	memset(&run, 0, sizeof(run));
	r = check_text(&f, "exempt_users = {daemon}\nnamespaces = {mnt, pid}\n", NULL, &run, &err);
	check(r == 0 && warned_at(&f, &run, 1, "root's own logins get a carrel"),
	      "check-config: root not exempt without a user namespace: a warning, FILE:LINE");
	fixture_cleanup(&f);

	memset(&run, 0, sizeof(run));
	r = check_text(&f, "exempt_users = {}\nexempt_groups = {root}\n", NULL, &run, &err);
	check(r == 0 && run.n_warnings == 0, "check-config: root exempt through its group: fine");
	fixture_cleanup(&f);

	memset(&run, 0, sizeof(run));
	r = check_text(&f,
		       "exempt_users = {root, bin}\n"
		       "exempt_groups = {adm}\n"
		       "user \"bin\" { tmp = shared }\n"
		       "\n"
		       "group \"adm\" { tmp = shared }\n",
		       NULL, &run, &err);
	check(r == 0 && run.n_warnings == 2 &&
		      warned_at(&f, &run, 3, "user \"bin\" is in exempt_users: this section never applies") &&
		      warned_at(&f, &run, 5, "group \"adm\" is in exempt_groups: this section never applies"),
	      "check-config: a section for an exempt user or group is a warning, FILE:LINE");
	fixture_cleanup(&f);

	memset(&run, 0, sizeof(run));
	r = check_text(&f, "hostname = x\n\non_error = allow\n", NULL, &run, &err);
	check(r == 0 && warned_at(&f, &run, 3, "on_error = allow: a login whose carrel cannot be "
					       "built runs unsandboxed"),
	      "check-config: on_error = allow is a warning, FILE:LINE");
	fixture_cleanup(&f);
}

/*
 * Names the user database does not know (a directory group deleted while
 * the config names it): the file loads, the name matches nobody, and every
 * other section still applies.  Sections compare names, not gids.
 */
static void test_unknown_names(void)
{
	struct carrel_error err;
	struct carrel_policy p;
	struct check_run run;
	struct fixture f;
	int r;

	r = resolve_text("exempt_users = {\"root\",\n \"carrel-no-such-user\"}\n"
			 "exempt_groups = {\"carrel-no-such-group\"}\n"
			 "limits { pids_max = 5 }\n"
			 "user \"carrel-no-such-user\" { limits { pids_max = 7 } }\n"
			 "group \"carrel-no-such-group\" { limits { pids_max = 8 } }\n"
			 "group \"daemon\" { limits { pids_max = 9 } }\n",
			 "daemon", &p, &err);
	check(r == 0 && !p.exempt && p.limits.pids_max == 9,
	      "unknown names in exempt lists and sections: loads; daemon gets its own group's section");
	if (r)
		diag("%s", err.msg);
	r = resolve_text("group \"carrel-no-such-group\" { limits { pids_max = 8 } }\n"
			 "limits { pids_max = 5 }\n",
			 "nobody", &p, &err);
	check(r == 0 && p.limits.pids_max == 5, "a section for an unknown group matches nobody");
	r = resolve_text("exempt_users = {}\nexempt_groups = {\"daemon\"}\n", "daemon", &p, &err);
	check(r == 0 && p.exempt, "exempt_groups compares the names of the user's groups");

	memset(&run, 0, sizeof(run));
	r = check_text(&f,
		       "exempt_users = {\"root\", \"carrel-no-such-user\"}\n"
		       "\n"
		       "group \"carrel-no-such-group\" { tmp = shared }\n"
		       "user \"carrel-no-such-user\" { tmp = shared }\n",
		       NULL, &run, &err);
	check(r == 0, "check-config: unknown names are not errors");
	check(warned_at(&f, &run, 1, "exempt_users \"carrel-no-such-user\": no such user: it matches nobody"),
	      "check-config: warns about an unknown user in exempt_users, FILE:LINE");
	check(warned_at(&f, &run, 3, "group section \"carrel-no-such-group\": no such group"),
	      "check-config: warns about a section for an unknown group, FILE:LINE");
	check(warned_at(&f, &run, 4, "user section \"carrel-no-such-user\": no such user"),
	      "check-config: warns about a section for an unknown user, FILE:LINE");
	fixture_cleanup(&f);
}

/* network: the modes, the old spelling, both in one section, top-level keys. */
static void test_network(void)
{
	struct carrel_policy p;
	struct carrel_error err;

	check(resolve_text("\n", "daemon", &p, &err) == 0 && p.network == CARREL_NETWORK_NONE &&
		      (p.namespaces & CARREL_NS_NET) && strcmp(p.net_bridge, "carrel0") == 0,
	      "network: built-in is none (net in namespaces), bridge carrel0");
	check(resolve_text("network = nat\n", "daemon", &p, &err) == 0 &&
		      p.network == CARREL_NETWORK_NAT && (p.namespaces & CARREL_NS_NET),
	      "network = nat keeps the net namespace");
	check(resolve_text("network = host\n", "daemon", &p, &err) == 0 &&
		      p.network == CARREL_NETWORK_HOST && !(p.namespaces & CARREL_NS_NET),
	      "network = host drops the net namespace");
	check(resolve_text("namespaces = {mnt, pid, user}\n", "daemon", &p, &err) == 0 &&
		      p.network == CARREL_NETWORK_HOST,
	      "old spelling: namespaces without net is host");
	check(resolve_text("namespaces = {mnt, net, user}\n", "daemon", &p, &err) == 0 &&
		      p.network == CARREL_NETWORK_NONE,
	      "old spelling: namespaces with net is none");
	check(resolve_text("network = nat\nuser \"daemon\" { namespaces = {mnt, pid, user} }\n",
			   "daemon", &p, &err) == 0 &&
		      p.network == CARREL_NETWORK_NAT && (p.namespaces & CARREL_NS_NET),
	      "network set anywhere decides over namespaces elsewhere");
	check(resolve_text("network = host\ngroup \"daemon\" { network = nat }\n", "daemon", &p,
			   &err) == 0 &&
		      p.network == CARREL_NETWORK_NAT,
	      "network in a group section overrides the top level");
	check(resolve_text("network = nat\nuser \"daemon\" { network = none }\n", "daemon", &p,
			   &err) == 0 &&
		      p.network == CARREL_NETWORK_NONE,
	      "network in a user section overrides");
	check(resolve_text("network = nat\nnamespaces = {mnt, net}\n", "daemon", &p, &err) == 0,
	      "network = nat with net in namespaces agrees");
	expect_error("network host with net", "namespaces = {mnt, net}\n\nnetwork = host\n", 3,
		     "network = host contradicts namespaces at line 1");
	expect_error("network nat without net in a section",
		     "user \"daemon\" {\n namespaces = {mnt}\n network = nat\n}\n", 3,
		     "network = nat contradicts namespaces at line 2");
	expect_error("network wrong", "network = bridge\n", 1,
		     "network: invalid value \"bridge\" (use none, host or nat)");
	check(resolve_text("net_bridge = cb0\nnet_pool4 = \"10.9.0.0/24\"\n"
			   "net_pool6 = \"fd12:3456:789a::/48\"\n",
			   "daemon", &p, &err) == 0 &&
		      strcmp(p.net_bridge, "cb0") == 0 && strcmp(p.net_pool4, "10.9.0.0/24") == 0 &&
		      strcmp(p.net_pool6, "fd12:3456:789a::/48") == 0,
	      "net_bridge, net_pool4, net_pool6 at the top level");
	expect_error("net_bridge in a user section", "user \"daemon\" {\n net_bridge = x0\n}\n", 2,
		     "net_bridge");
	expect_error("net_pool4 in a group section", "group \"daemon\" { net_pool4 = \"10.0.0.0/8\" }\n",
		     1, "net_pool4");
	expect_error("net_bridge too long", "net_bridge = abcdefghijklmnop\n", 1,
		     "net_bridge: invalid interface name");
	expect_error("net_bridge with a slash", "net_bridge = \"a/b\"\n", 1,
		     "net_bridge: invalid interface name");
	expect_error("net_pool4 host bits", "net_pool4 = \"10.0.0.1/16\"\n", 1, "host bits set");
	expect_error("net_pool4 /31", "net_pool4 = \"10.0.0.0/31\"\n", 1, "N 8 to 28");
	expect_error("net_pool4 not v4", "net_pool4 = \"10.0.0/16\"\n", 1,
		     "is not an IPv4 address");
	expect_error("net_pool6 not ULA", "net_pool6 = \"2001:db8::/64\"\n", 1,
		     "not a unique local prefix");
	expect_error("net_pool6 /96", "net_pool6 = \"fd00::/96\"\n", 1, "N 48 to 64");
}

/* allow_out, deny_out, net_rate_max: values, inheritance, origins, errors. */
/* selinux_categories (issue 17 item 3): top level only, none by default. */
static void test_selinux_categories(void)
{
	struct carrel_policy p;
	struct carrel_error err;

	check(resolve_text("\n", "daemon", &p, &err) == 0 &&
		      p.selinux_categories == CARREL_SELINUX_CATEGORIES_NONE,
	      "selinux_categories: built-in is none");
	check(resolve_text("selinux_categories = per-session\n", "daemon", &p, &err) == 0 &&
		      p.selinux_categories == CARREL_SELINUX_CATEGORIES_PER_SESSION,
	      "selinux_categories = per-session");
	expect_error("selinux_categories bad word", "selinux_categories = maybe\n", 1,
		     "use none or per-session");
	expect_error("selinux_categories in a user section", "user \"daemon\" {\n selinux_categories = none\n}\n", 2,
		     "selinux_categories");
}

static void test_net_keys(void)
{
	static const char text[] =
		"allow_out = {\"10.0.0.0/8:443\", \"tcp:22\", \"[fd00::/8]:443\", \"git.example.org:22\"}\n"
		"deny_out = {\"10.9.0.0/16\", \"fd00:1::/32\"}\n"
		"net_rate_max = 10M\n"
		"group \"daemon\" {\n"
		"  deny_out = {}\n"
		"}\n"
		"user \"bin\" {\n"
		"  allow_out = {\"udp:53\"}\n"
		"  net_rate_max = 1500K\n"
		"}\n";
	struct carrel_policy p;
	struct carrel_error err;
	const struct carrel_net_rule *r;

	check(resolve_text(text, "nobody", &p, &err) == 0, "net keys: load (%s)", err.msg);
	check(p.net.allow_out.n == 4 && p.net.deny_out.n == 2 && p.net.rate_max == 10000000,
	      "net keys: 4 allow_out, 2 deny_out, 10M = 10,000,000 bit/s (decimal)");
	r = &p.net.allow_out.rule[0];
	check(r->family == AF_INET && r->prefix == 8 && r->port == 443 && r->proto == 0 &&
		      r->addr[0] == 10 && strcmp(r->text, "10.0.0.0/8:443") == 0,
	      "allow_out: \"10.0.0.0/8:443\" is CIDR:PORT");
	r = &p.net.allow_out.rule[1];
	check(r->family == 0 && r->proto == IPPROTO_TCP && r->port == 22,
	      "allow_out: \"tcp:22\" is PROTO:PORT");
	r = &p.net.allow_out.rule[2];
	check(r->family == AF_INET6 && r->prefix == 8 && r->port == 443 && r->addr[0] == 0xfd,
	      "allow_out: \"[fd00::/8]:443\" is IPv6 CIDR with a port");
	r = &p.net.allow_out.rule[3];
	check(r->family == 0 && r->host_len == strlen("git.example.org") && r->port == 22,
	      "allow_out: \"git.example.org:22\" is HOST:PORT, resolved later");
	r = &p.net.deny_out.rule[1];
	check(r->family == AF_INET6 && r->prefix == 32 && r->port == 0,
	      "deny_out: \"fd00:1::/32\" without brackets and without a port");

	check(resolve_text(text, "daemon", &p, &err) == 0 && p.net.deny_out.n == 0 &&
		      p.net.allow_out.n == 4,
	      "deny_out = {} in a group section replaces the inherited list");
	check(resolve_text(text, "bin", &p, &err) == 0 && p.net.allow_out.n == 1 &&
		      strcmp(p.net.allow_out.rule[0].text, "udp:53") == 0 &&
		      p.net.deny_out.n == 2 && p.net.rate_max == 1500000,
	      "a user section's allow_out replaces the top level's; 1500K = 1,500,000 bit/s");
	check(resolve_text("", "nobody", &p, &err) == 0 && p.net.allow_out.n == 0 &&
		      p.net.deny_out.n == 0 && p.net.rate_max == CARREL_UNLIMITED,
	      "built-in: no egress rules, net_rate_max = max");

	/* carrelctl show: the value as written, with its origin. */
	struct fixture f;
	struct carrel_config *cfg = NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *mf;

	fixture_init(&f);
	fixture_write(&f, "carrel.conf", text);
	mf = open_memstream(&out, &len);
	if (!mf)
		bail("open_memstream: %s", strerror(errno));
	if (carrel_config_load(f.main, &cfg, &err) == 0 &&
	    carrel_policy_resolve(cfg, "bin", &p, &err) == 0)
		carrel_policy_print(mf, &p);
	fclose(mf);
	check(out && strstr(out, "allow_out = { \"udp:53\" }\n") &&
		      strstr(out, "deny_out = { \"10.9.0.0/16\", \"fd00:1::/32\" }\n") &&
		      strstr(out, "net_rate_max = 1500K\n"),
	      "print: allow_out, deny_out and net_rate_max in the config's syntax");
	if (out && !strstr(out, "net_rate_max = 1500K"))
		diag("%s", out);
	free(out);
	carrel_config_free(cfg);

	struct explained *x = calloc(1, sizeof(*x));

	if (!x)
		bail("out of memory");
	check(explain(&f, "bin", &p, x, &err) == 0, "explain: bin");
	expect_explained(&f, x, "allow_out", "{ \"udp:53\" }", "user bin (@F/carrel.conf:8)");
	expect_explained(&f, x, "deny_out", "{ \"10.9.0.0/16\", \"fd00:1::/32\" }",
			 "top level (@F/carrel.conf:2)");
	expect_explained(&f, x, "net_rate_max", "1500K", "user bin (@F/carrel.conf:9)");
	free(x);
	fixture_cleanup(&f);

	expect_error("allow_out: not a CIDR", "\nallow_out = {\"10.0.0.0/33\"}\n", 2,
		     "allow_out: invalid entry \"10.0.0.0/33\"");
	expect_error("deny_out: port 0", "deny_out = {\"10.0.0.1:0\"}\n", 1,
		     "deny_out: invalid entry \"10.0.0.1:0\" (the port must be 1 to 65535");
	expect_error("deny_out: port 65536", "deny_out = {\"tcp:65536\"}\n", 1,
		     "the port must be 1 to 65535");
	expect_error("allow_out: icmp is not a protocol here", "allow_out = {\"icmp:1\"}\n", 1,
		     "allow_out: invalid entry \"icmp:1\"");
	expect_error("allow_out: a host needs a port", "user \"bin\" {\n\n allow_out = {\"example.org\"}\n}\n", 3,
		     "a host name needs a port");
	expect_error("allow_out: v6 port without brackets", "allow_out = {\"fd00::1:443:x\"}\n", 1,
		     "a port needs brackets");
	expect_error("allow_out: unclosed bracket", "allow_out = {\"[fd00::/8:443\"}\n", 1,
		     "not an IPv6 address in brackets");
	expect_error("allow_out: 17 entries",
		     "allow_out = {\"tcp:1\",\"tcp:2\",\"tcp:3\",\"tcp:4\",\"tcp:5\",\"tcp:6\",\"tcp:7\","
		     "\"tcp:8\",\"tcp:9\",\"tcp:10\",\"tcp:11\",\"tcp:12\",\"tcp:13\",\"tcp:14\","
		     "\"tcp:15\",\"tcp:16\",\"tcp:17\"}\n",
		     1, "allow_out: more than 16 entries");
	expect_error("net_rate_max 10m (suffixes are upper case)", "net_rate_max = 10m\n", 1,
		     "net_rate_max: invalid rate \"10m\" (use bits per second with an optional K, M, G or T suffix (powers of 1000)");
	expect_error("net_rate_max 1K is below the floor", "net_rate_max = 1K\n", 1,
		     "net_rate_max: 1K is out of range (must be at least 8000)");
	expect_error("net_rate_max in limits { } is not a limit", "limits { net_rate_max = 1M }\n", 1,
		     "net_rate_max");
}

/* The parsers alone: carrel_parse_net_rule() and rates in carrel_parse_num(). */
static void test_net_parsers(void)
{
	static const struct {
		const char *s;
		int r;
		uint8_t family, prefix, proto;
		uint16_t port;
	} rules[] = {
		{ "10.0.0.0/8", 0, AF_INET, 8, 0, 0 },
		{ "192.0.2.7", 0, AF_INET, 32, 0, 0 },
		{ "192.0.2.7:80", 0, AF_INET, 32, 0, 80 },
		{ "0.0.0.0/0:25", 0, AF_INET, 0, 0, 25 },
		{ "udp:53", 0, 0, 0, IPPROTO_UDP, 53 },
		{ "tcp:65535", 0, 0, 0, IPPROTO_TCP, 65535 },
		{ "::/0", 0, AF_INET6, 0, 0, 0 },
		{ "[::1]", 0, AF_INET6, 128, 0, 0 },
		{ "[2001:db8::/32]:443", 0, AF_INET6, 32, 0, 443 },
		{ "example.org:443", 0, 0, 0, 0, 443 },
		{ "", -EINVAL, 0, 0, 0, 0 },
		{ "10.0.0.0/", -EINVAL, 0, 0, 0, 0 },
		{ "10.0.0.256", -EINVAL, 0, 0, 0, 0 },
		{ "10.0.0.0/8:", -EINVAL, 0, 0, 0, 0 },
		{ "10.0.0.0/8:x", -EINVAL, 0, 0, 0, 0 },
		{ "tcp:", -EINVAL, 0, 0, 0, 0 },
		{ "tcp:-1", -EINVAL, 0, 0, 0, 0 },
		{ "TCP:22", -EINVAL, 0, 0, 0, 0 },
		{ "[::1]:", -EINVAL, 0, 0, 0, 0 },
		{ "[::1]443", -EINVAL, 0, 0, 0, 0 },
		{ "[10.0.0.1]:443", -EINVAL, 0, 0, 0, 0 },
		{ "::/129", -EINVAL, 0, 0, 0, 0 },
		{ "-bad.example:1", -EINVAL, 0, 0, 0, 0 },
		{ "a..b:1", -EINVAL, 0, 0, 0, 0 },
		{ "host name:1", -EINVAL, 0, 0, 0, 0 },
		{ "host\n:1", -EINVAL, 0, 0, 0, 0 },
		{ "1.2.3:80", -EINVAL, 0, 0, 0, 0 },
	};
	int ok = 0;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct carrel_net_rule r;
		char why[512] = "";
		int got = carrel_parse_net_rule("allow_out", rules[i].s, &r, why, sizeof(why));
		bool same = got == rules[i].r &&
			    (got < 0 ? strncmp(why, "allow_out: invalid entry \"", 26) == 0 :
				       r.family == rules[i].family && r.prefix == rules[i].prefix &&
					       r.proto == rules[i].proto && r.port == rules[i].port);

		ok += same;
		if (!same)
			diag("\"%s\": got %d family %u prefix %u proto %u port %u \"%s\"", rules[i].s,
			     got, r.family, r.prefix, r.proto, r.port, why);
	}
	check(ok == (int)(sizeof(rules) / sizeof(rules[0])), "net rule parser: %d of %zu strings", ok,
	      sizeof(rules) / sizeof(rules[0]));

	struct carrel_net_rule r;

	check(carrel_parse_net_rule("deny_out", "10.1.2.3/8", &r, NULL, 0) == 0 && r.addr[0] == 10 &&
		      r.addr[1] == 0 && r.addr[3] == 0,
	      "net rule parser: host bits past the prefix are cleared");
	char long_host[CARREL_NET_RULE_TEXT + 8];

	memset(long_host, 'a', sizeof(long_host) - 4);
	memcpy(long_host + sizeof(long_host) - 4, ":22", 4);
	check(carrel_parse_net_rule("deny_out", long_host, &r, NULL, 0) == -EINVAL,
	      "net rule parser: an entry longer than %d characters is refused",
	      CARREL_NET_RULE_TEXT - 1);

	static const struct carrel_num rate = { CARREL_NUM_RATE, true, NULL, 1, UINT64_MAX };
	static const struct {
		const char *s;
		int r;
		uint64_t v;
	} rates[] = {
		{ "10M", 0, 10000000 },   { "1K", 0, 1000 },
		{ "3G", 0, 3000000000 },  { "2T", 0, 2000000000000 },
		{ "1234", 0, 1234 },	  { "max", 0, CARREL_UNLIMITED },
		{ "10m", -EINVAL, 0 },	  { "10Mbit", -EINVAL, 0 },
		{ "1.5M", -EINVAL, 0 },   { "", -EINVAL, 0 },
		{ "18446745T", -ERANGE, 0 },
	};
	ok = 0;
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint64_t v = 0;
		int got = carrel_parse_num(&rate, "net_rate_max", rates[i].s, &v, NULL, 0);

		ok += got == rates[i].r && (got < 0 || v == rates[i].v);
		if (got != rates[i].r || (got == 0 && v != rates[i].v))
			diag("rate \"%s\": got %d %" PRIu64, rates[i].s, got, v);
	}
	check(ok == (int)(sizeof(rates) / sizeof(rates[0])),
	      "rate parser: decimal suffixes (10M = 10,000,000), %d of %zu strings", ok,
	      sizeof(rates) / sizeof(rates[0]));
}

int main(int argc, char **argv)
{
	argv0 = argc > 0 ? argv[0] : "test_conf";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root: the loader accepts only root-owned files\n");
		return 77;
	}
	umask(022);

	test_builtin();
	test_every_key();
	test_sizes();
	test_precedence();
	test_dropins();
	test_value_errors();
	test_seccomp();
	test_capabilities();
	test_scope_linger();
	test_linger_conflict();
	test_new_keys_precedence();
	test_syntax_errors();
	test_comments();
	test_file_checks();
	test_resolve_errors();
	test_explain();
	test_shipped();
	test_print();
	test_supplementary_groups();
	test_ctrl_keys();
	test_one_parser();
	test_check_config();
	test_unknown_names();
	test_network();
	test_selinux_categories();
	test_net_keys();
	test_net_parsers();

	return tap_done();
}
