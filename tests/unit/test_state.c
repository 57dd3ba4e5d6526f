/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit test of the state file (lib/state.c, lib/state_write.c) and the wire
 * format (lib/proto.c), with hostile input: root parses state files whose
 * values users influence (tty, rhost), and carrel-user's records; the
 * keeper and the module exchange fixed-size messages with fds attached.
 * Built with CARREL_RUNDIR under tests/unit (see the Makefile).  TAP on
 * stdout; exit 1 on a failure.
 */
#include "parse.h"
#include "proto_open.h"
#include "state_live.h"
#include "state_write.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tap.h"

/* What the keeper wrote before state files had a version (version 1). */
static const char v1[] =
	"id=7\nuser=alice\nuid=1001\nscope=session\nhostname=carrel-7\nkeeper=100\n"
	"holder=101\nstarted=1700000000\ncgroup_version=1\nservice=sshd\ntty=pts/3\n"
	"rhost=10.0.0.5\nlogin=99\ncgroup=/sys/fs/cgroup/memory/carrel/user-1001/session-7\n"
	"config=/etc/security/carrel.conf\n";

static int parse(const char *text, const char *id, struct session *s)
{
	char *buf = strdup(text);
	int r = state_parse(buf, strlen(buf), id, s);

	free(buf);
	return r;
}

/* TEXT with its first line starting with KEY= replaced by LINE ("" drops it). */
static char *with_line(const char *text, const char *key, const char *line)
{
	static char out[8192];
	const char *p = strstr(text, key);

	while (p && p != text && p[-1] != '\n')
		p = strstr(p + 1, key);
	if (!p) {
		snprintf(out, sizeof(out), "%s%s", text, line);
		return out;
	}
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - text), text, line, strchr(p, '\n') + 1);
	return out;
}

static void *mfree(void *p)
{
	free(p);
	return NULL;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static void test_ids(void)
{
	check(session_valid_id("1") && session_valid_id("1234567890123456789"),
	      "id: 1 and 19 digits");
	check(!session_valid_id("") && !session_valid_id("12345678901234567890") &&
		      !session_valid_id("1a") && !session_valid_id("../1") &&
		      !session_valid_id(" 1") && !session_valid_id("-1") && !session_valid_id("1/"),
	      "id: empty, 20 digits, letters, a path, a space, a sign are refused");
}

static void test_v1(void)
{
	struct session s;

	check(parse(v1, "7", &s) == 0 && s.version == 1 && s.uid == 1001 &&
		      strcmp(s.user, "alice") == 0 && s.ncg == 1 && s.nlogins == 1 &&
		      s.logins[0].pid == 99 && strcmp(s.logins[0].tty, "pts/3") == 0 &&
		      strcmp(s.logins[0].rhost, "10.0.0.5") == 0 &&
		      s.logins[0].started == 1700000000,
	      "version 1 (no version line): read, its first login from service/tty/rhost/login");
	check(parse(v1, "8", &s) == -EBADMSG, "the file of another id (id=7 read as 8) is refused");
}

static void test_roundtrip(void)
{
	struct session *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	snprintf(a->id, sizeof(a->id), "42");
	snprintf(a->user, sizeof(a->user), "bob");
	a->uid = 1002;
	snprintf(a->scope, sizeof(a->scope), "user");
	snprintf(a->hostname, sizeof(a->hostname), "h");
	a->keeper = 5;
	a->holder = 6;
	a->started = 1234;
	a->cgroup_version = 2;
	a->nlogins = 2;
	for (int i = 0; i < 2; i++) {
		a->logins[i].pid = 10 + i;
		a->logins[i].started = 100 + i;
		snprintf(a->logins[i].service, sizeof(a->logins[i].service), "su-l");
		snprintf(a->logins[i].tty, sizeof(a->logins[i].tty), "tty=%d",
			 i); /* an '=' in a value */
		memset(a->logins[i].rhost, 'r',
		       sizeof(a->logins[i].rhost) - 1); /* the longest rhost */
	}
	a->ncg = 1;
	snprintf(a->cgroup[0], sizeof(a->cgroup[0]), "/sys/fs/cgroup/carrel/user-1002/session-42");
	f = open_memstream(&text, &len);
	r = state_format(f, a);
	fclose(f);
	check(r == 0 && strncmp(text, "version=2\n", 10) == 0, "the writer starts with version=2");
	r = state_parse(text, len, "42", b);
	check(r == 0 && b->version == 2 && b->uid == 1002 && b->nlogins == 2 &&
		      strcmp(b->logins[1].tty, "tty=1") == 0 && strlen(b->logins[0].rhost) == 255 &&
		      b->logins[1].started == 101 && strcmp(b->cgroup[0], a->cgroup[0]) == 0 &&
		      strcmp(b->scope, "user") == 0,
	      "written and read back: logins with '=' in the tty and a 255-byte rhost, cgroups, scope");
	free(text);

	/* Values that would add lines or fields: the writer refuses them. */
	snprintf(a->logins[1].tty, sizeof(a->logins[1].tty), "pts/1\nuid=0");
	text = NULL;
	f = open_memstream(&text, &len);
	r = state_format(f, a);
	fclose(f);
	check(r == -EINVAL && len == 0,
	      "writer: a tty with a newline (\"pts/1\\nuid=0\") is refused, nothing written");
	free(text);
	snprintf(a->logins[1].tty, sizeof(a->logins[1].tty), "pts/1");
	snprintf(a->logins[1].rhost, sizeof(a->logins[1].rhost), "a b");
	text = NULL;
	f = open_memstream(&text, &len);
	r = state_format(f, a);
	fclose(f);
	check(r == -EINVAL, "writer: an rhost with a space (an extra field) is refused");
	free(text);
	snprintf(a->logins[1].rhost, sizeof(a->logins[1].rhost), "-");
	snprintf(a->hostname, sizeof(a->hostname), "x\ncgroup=/evil");
	text = NULL;
	f = open_memstream(&text, &len);
	r = state_format(f, a);
	fclose(f);
	check(r == -EINVAL, "writer: a hostname with a newline is refused");
	free(text);
	free(a);
	free(b);
}

static void test_hostile(void)
{
	struct session s;
	char buf[512], long_rhost[400];
	char *many;

	check(parse(with_line(v1, "uid=", "uid=1001\nuid=0\n"), "7", &s) == -EBADMSG,
	      "a second uid line (uid=0 after uid=1001) is refused");
	check(parse(with_line(v1, "user=", "user=alice\nuser=root\n"), "7", &s) == -EBADMSG,
	      "a second user line is refused");
	check(parse(with_line(v1, "id=", "id=7\nid=7\n"), "7", &s) == -EBADMSG,
	      "a second id line is refused");
	check(parse(with_line(v1, "uid=", ""), "7", &s) == -EBADMSG, "no uid line: refused");
	{
		const char *bad_uids[] = { "uid=-1\n",	       "uid=1001x\n",
					   "uid=4294967295\n", "uid= 1001\n",
					   "uid=\n",	       "uid=99999999999999999999\n" };
		int refused = 0;
		for (size_t i = 0; i < ARRAY_SIZE(bad_uids); i++)
			refused += parse(with_line(v1, "uid=", bad_uids[i]), "7", &s) == -EBADMSG;
		check(refused == (int)ARRAY_SIZE(bad_uids),
		      "uid: negative, trailing junk, (uid_t)-1, a space, empty, huge: refused");
	}
	check(parse(with_line(v1, "user=", "user=ro\001ot\n"), "7", &s) == -EBADMSG,
	      "a user name with a control byte: refused");
	check(parse(with_line(v1, "version=", "version=2\n"), "7", &s) == 0 && s.version == 2,
	      "version=2: read");
	check(parse(with_line(v1, "version=", "version=3\n"), "7", &s) == -EPROTONOSUPPORT,
	      "version=3 (newer than this reader): refused as unknown");
	check(parse(with_line(v1, "version=", "version=two\n"), "7", &s) == -EBADMSG,
	      "version=two: refused");
	check(parse(with_line(v1, "x_future=", "x_future=1=2=3\nnovalue\n"), "7", &s) == 0,
	      "unknown keys and a line without '=' are skipped");

	/* Cut short: in the middle of the uid line, or of the last line. */
	snprintf(buf, sizeof(buf), "%s", v1);
	*strstr(buf, "uid=1001") = '\0';
	strcat(buf, "uid=10");
	check(parse(buf, "7", &s) == -EBADMSG,
	      "a file cut in the middle of uid=1001 (\"uid=10\") is refused");
	snprintf(buf, sizeof(buf), "%.*s", (int)strlen(v1) - 3, v1);
	check(parse(buf, "7", &s) == -EBADMSG, "a file whose last line has no newline is refused");
	check(state_parse(buf, 0, "7", &s) == -EBADMSG, "an empty file is not a state file");
	snprintf(buf, sizeof(buf), "%s", v1);
	buf[20] = '\0';
	check(state_parse(buf, strlen(v1), "7", &s) == -EBADMSG, "a NUL byte inside: refused");

	/* cgroup paths: the helper's shape only. */
	check(parse(with_line(
			    v1, "cgroup=",
			    "cgroup=/sys/fs/cgroup/memory/carrel/user-1001/session-7/../../../x\n"),
		    "7", &s) == -EBADMSG,
	      "a cgroup path ending in .. is refused");
	check(parse(with_line(v1, "cgroup=",
			      "cgroup=/sys/fs/cgroup/memory/../../../etc/user-1001/session-7\n"),
		    "7", &s) == -EBADMSG,
	      "a cgroup path with /../ is refused");
	check(parse(with_line(v1,
			      "cgroup=", "cgroup=/sys/fs/cgroup/memory/carrel/user-0/session-7\n"),
		    "7", &s) == -EBADMSG,
	      "a cgroup path of another uid (user-0) is refused");
	check(parse(with_line(v1, "cgroup=",
			      "cgroup=/sys/fs/cgroup/memory/carrel/user-1001/session-8\n"),
		    "7", &s) == -EBADMSG,
	      "a cgroup path of another session is refused");
	check(parse(with_line(v1, "cgroup=", "unit=../x\n"), "7", &s) == -EBADMSG,
	      "unit=../x is refused");

	/* Logins: a long rhost, a tty with '=', a missing field. */
	memset(long_rhost, 'r', sizeof(long_rhost) - 1);
	long_rhost[sizeof(long_rhost) - 1] = '\0';
	snprintf(buf, sizeof(buf),
		 "session=5 sshd pts/1 %s 1\nsession=6 sshd a=b - 2\nsession=7 sshd pts/2 - \n",
		 long_rhost);
	check(parse(with_line(v1, "session=", buf), "7", &s) == 0 && s.nlogins == 1 &&
		      s.logins[0].pid == 6 && strcmp(s.logins[0].tty, "a=b") == 0,
	      "session= lines: a 399-byte rhost and a missing field leave the login out (not truncated), a tty 'a=b' is kept");
	snprintf(buf, sizeof(buf), "rhost=%s\n", long_rhost);
	check(parse(with_line(v1, "rhost=", buf), "7", &s) == 0 && strlen(s.logins[0].rhost) == 255,
	      "version 1 rhost= of 399 bytes: cut to the field's 255");
	many = calloc(1, 100 * 32 + sizeof(v1));
	strcpy(many, v1);
	for (int i = 0; i < 100; i++)
		sprintf(many + strlen(many), "session=%d sshd pts/%d - 1\n", i + 1, i);
	check(parse(many, "7", &s) == 0 && s.nlogins == CARREL_MAX_LOGINS,
	      "100 session= lines: %d kept", CARREL_MAX_LOGINS);
	free(many);
	{
		char cg[STATE_PATH_MAX * 10];
		cg[0] = '\0';
		for (int i = 0; i < STATE_MAX_CGROUPS + 1; i++)
			strcat(cg, "cgroup=/a/user-1001/session-7\n");
		check(parse(with_line(v1, "cgroup=", cg), "7", &s) == -EBADMSG,
		      "more cgroup= lines than hierarchies: refused");
	}
}

static void test_records(void)
{
	char text[8192], *state = strdup(v1);
	struct session *all = NULL;
	int n = -1;
	FILE *f = fmemopen(text, sizeof(text), "w");

	state_record(f, "7", v1, strlen(v1));
	state_record(f, "7", v1, strlen(v1));
	fflush(f);
	size_t len = (size_t)ftell(f);
	fclose(f);
	check(state_records_parse(text, len, &all, &n) == 0 && n == 2 && all[1].uid == 1001,
	      "records: two read back");
	free(all);
	check(state_records_parse(text, 0, &all, &n) == 0 && n == 0, "records: none");
	snprintf(text, sizeof(text), "carrel-state 7 %zu\n%s", strlen(v1) + 100, v1);
	check(state_records_parse(text, strlen(text), &all, &n) == -EBADMSG,
	      "records: a length past the end is refused");
	snprintf(text, sizeof(text), "carrel-state ../7 %zu\n%s", strlen(v1), v1);
	check(state_records_parse(text, strlen(text), &all, &n) == -EBADMSG,
	      "records: a bad id is refused");
	snprintf(text, sizeof(text), "carrel-state 8 %zu\n%s", strlen(v1), v1);
	check(state_records_parse(text, strlen(text), &all, &n) == -EBADMSG,
	      "records: a record whose file names another id is refused");
	snprintf(text, sizeof(text), "junk\n");
	check(state_records_parse(text, strlen(text), &all, &n) == -EBADMSG,
	      "records: junk is refused");
	free(state);
}

/* state_read() and state_write() in CARREL_RUNDIR (a directory of the test's own). */
static void test_files(void)
{
	struct session *s = calloc(1, sizeof(*s)), *t = calloc(1, sizeof(*t));
	char *buf = NULL;
	size_t len;
	int fd;

	mkdir(CARREL_RUNDIR, 0700);
	mkdir(CARREL_SESSIONS_DIR, 0700);
	(void)unlink(CARREL_SESSIONS_DIR "/7");
	(void)unlink(CARREL_SESSIONS_DIR "/8");
	check(session_load("7", t) == -ENOENT, "read: no file: ENOENT");
	fd = open(CARREL_SESSIONS_DIR "/7", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	close(fd);
	check(session_load("7", t) == -EAGAIN,
	      "read: an empty file (a carrel being opened): EAGAIN");
	check(parse(v1, "7", s) == 0 && state_write(s) == 0 && session_load("7", t) == 0 &&
		      t->version == 2 && t->uid == 1001 &&
		      access(CARREL_SESSIONS_DIR "/7.new", F_OK) < 0,
	      "write then read: version 2, no .new left");
	if (symlink(CARREL_SESSIONS_DIR "/7", CARREL_SESSIONS_DIR "/8") == 0)
		check(state_read("8", &buf, &len) == -EBADMSG && !buf,
		      "read: a symlink is not followed");
	buf = mfree(buf);
	if (geteuid() == 0) {
		(void)chown(CARREL_SESSIONS_DIR "/7", 1, 1);
		check(state_read("7", &buf, &len) == -EBADMSG && !buf,
		      "read: a file not owned by root is refused");
		buf = mfree(buf);
	} else {
		skip("read: a file not owned by root is refused", "not root");
	}
	(void)unlink(CARREL_SESSIONS_DIR "/8");
	(void)unlink(CARREL_SESSIONS_DIR "/7");
	rmdir(CARREL_SESSIONS_DIR);
	rmdir(CARREL_RUNDIR);
	free(s);
	free(t);
}

static void test_wire(void)
{
	int sv[2], fds[2] = { -1, -1 }, pass, before, r;
	struct carrel_reply reply = { .version = CARREL_PROTO_VERSION, .err = 0 }, got;
	char small[8] = "1234567", big[64] = { 0 };
	void *bpf = NULL;

	socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
	pass = open("/dev/null", O_RDONLY | O_CLOEXEC);
	before = count_fds();
	check(proto_send(sv[0], small, sizeof(small), &pass, 1) == 0 &&
		      proto_recv(sv[1], big, sizeof(small), fds, 2, 1000) == 0 && fds[0] >= 0 &&
		      fds[1] == -1 && (fcntl(fds[0], F_GETFD) & FD_CLOEXEC) &&
		      memcmp(big, small, sizeof(small)) == 0,
	      "wire: exact length, one fd received, close-on-exec, the unused slot -1");
	closep(&fds[0]);
	check(count_fds() == before, "wire: no fd left over");
	proto_send(sv[0], small, sizeof(small), &pass, 1);
	r = proto_recv(sv[1], big, sizeof(big), fds, 1, 1000);
	check(r == -EPROTO && fds[0] == -1 && count_fds() == before,
	      "wire: a shorter message than expected: EPROTO, its fd closed");
	proto_send(sv[0], big, sizeof(big), &pass, 1);
	r = proto_recv(sv[1], small, sizeof(small), fds, 1, 1000);
	check(r == -EPROTO && fds[0] == -1 && count_fds() == before,
	      "wire: a longer (truncated) message: EPROTO, its fd closed");
	{
		int many[CARREL_PROTO_MAX_FDS + 1];
		for (int i = 0; i < CARREL_PROTO_MAX_FDS + 1; i++)
			many[i] = pass;
		check(proto_send(sv[0], small, sizeof(small), many, CARREL_PROTO_MAX_FDS + 1) == -EINVAL,
		      "wire: more than CARREL_PROTO_MAX_FDS fds: EINVAL");
	}
	proto_send(sv[0], small, sizeof(small), (int[]){ pass, pass }, 2);
	r = proto_recv(sv[1], big, sizeof(small), fds, 1, 1000);
	check(r == 0 && fds[0] >= 0 && count_fds() == before + 1,
	      "wire: 2 fds where 1 is asked: the other closed");
	closep(&fds[0]);
	check(proto_recv(sv[1], big, sizeof(small), NULL, 0, 0) == -ETIMEDOUT,
	      "wire: nothing sent: ETIMEDOUT");
	reply.version = CARREL_PROTO_VERSION + 1;
	proto_send_reply(sv[0], &reply, pass);
	check(proto_recv_reply(sv[1], &got, &fds[0], 1000) == -EPROTO && fds[0] == -1 &&
		      count_fds() == before,
	      "wire: a reply of another version: EPROTO, its fd closed");
	reply.version = CARREL_PROTO_VERSION;
	memset(reply.detail, 'x', sizeof(reply.detail));
	reply.bpf_len = CARREL_BPF_MAX + 8;
	proto_send_reply(sv[0], &reply, -1);
	check(proto_recv_reply(sv[1], &got, &fds[0], 1000) == 0 &&
		      strlen(got.detail) == sizeof(got.detail) - 1,
	      "wire: an unterminated detail is cut to a string");
	check(proto_recv_bpf(sv[1], &got, &bpf, 0) == -EPROTO && !bpf,
	      "wire: a seccomp program over the maximum: EPROTO");
	closep(&sv[0]);
	check(proto_recv(sv[1], big, sizeof(small), NULL, 0, 1000) == -ECONNRESET,
	      "wire: the peer gone: ECONNRESET");
	closep(&sv[1]);
	closep(&pass);
}

/* Liveness: the lock on ID.live, held by a process (here a child), never
 * the file's existence.  The child holds it the keeper's way: inherited
 * across fork, the parent's copy closed. */
static void test_alive(void)
{
	int fd, p[2], status;
	pid_t pid = -1;
	char k;

	mkdir(CARREL_RUNDIR, 0700);
	mkdir(CARREL_SESSIONS_DIR, 0700);
	(void)unlink(CARREL_SESSIONS_DIR "/9.live");
	check(carrel_session_alive("9") == 0, "alive: no .live file: dead");
	check(carrel_session_alive("../x") == -EINVAL, "alive: not an id: EINVAL");
	fd = carrel_session_live_lock("9", true);
	check(fd >= 0 && carrel_session_alive("9") == 1, "alive: lock held: alive");
	check(carrel_session_live_lock("9", true) == -EWOULDBLOCK, "alive: a second locker is refused (no double reap)");
	if (fd >= 0 && pipe(p) == 0 && (pid = fork()) == 0) {
		close(p[1]);
		(void)!read(p[0], &k, 1); /* until the parent says die */
		_exit(0);
	} else if (fd >= 0 && pid > 0) {
		close(p[0]);
		close(fd);
		fd = -1;
		check(carrel_session_alive("9") == 1, "alive: held by a child after the parent closed its copy");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(p[1]);
		check(carrel_session_alive("9") == 0 && access(CARREL_SESSIONS_DIR "/9.live", F_OK) == 0,
		      "alive: holder killed with SIGKILL: dead, though the file is still there");
	}
	if (fd >= 0)
		close(fd);
	(void)unlink(CARREL_SESSIONS_DIR "/9.live");
	rmdir(CARREL_SESSIONS_DIR);
	rmdir(CARREL_RUNDIR);
}

static void test_proc_stat(void)
{
	char st = 0, buf[512];
	uint64_t t = 0;

	check(carrel_parse_proc_stat("42 (carrel-holder) R 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0 99",
				     &st, &t) == 0 && st == 'R' && t == 12,
	      "proc stat: state R, utime 7 + stime 5 = 12 ticks");
	check(carrel_parse_proc_stat("7 (a) b) c (d) D 1 2 3 4 5 6 7 8 9 10 300 400 0", &st, &t) == 0 && st == 'D' &&
		      t == 700,
	      "proc stat: a name with ')' and spaces ends at the last ')'");
	check(carrel_parse_proc_stat("7 (x) S 1 2 3 4 5 6 7 8 9 10 11", &st, &t) == -EINVAL,
	      "proc stat: cut before stime: EINVAL");
	check(carrel_parse_proc_stat("7 x S 1 2 3 4 5 6 7 8 9 10 11 12", &st, &t) == -EINVAL,
	      "proc stat: no ')': EINVAL");
	check(carrel_parse_proc_stat("7 (x) S 1 2 3 4 5 6 7 8 9 10 x 12", &st, &t) == -EINVAL,
	      "proc stat: utime not a number: EINVAL");
	check(carrel_parse_proc_stat("7 (x) S 1 2 3 4 5 6 7 8 9 10 18446744073709551615 1", &st, &t) == -ERANGE,
	      "proc stat: utime + stime past 64 bits: ERANGE");
	check(read_file("/proc/self/stat", buf, sizeof(buf)) > 0 && carrel_parse_proc_stat(buf, &st, &t) == 0 &&
		      st == 'R',
	      "proc stat: this process's own line parses, state R");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* the lines so far, even if a sanitizer aborts */
	test_ids();
	test_v1();
	test_roundtrip();
	test_hostile();
	test_records();
	test_files();
	test_alive();
	test_wire();
	test_proc_stat();
	return tap_done();
}
