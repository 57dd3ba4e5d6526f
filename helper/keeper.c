/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keeper: a root process outside every namespace of the carrel, nobody's
 * child in the login program, that owns the carrel's lifetime.  It creates
 * the holder, answers the module, and then serves its logins: each ends at
 * its module's close request, EOF on its socket, or its login process's exit
 * (pidfd).  The carrel ends when its last login has ended (or, with
 * scope = user, when the linger policy says so), when the holder dies, or
 * on SIGTERM; the keeper then tears everything down.
 */
#include "cap_dlopen.h"
#include "carrel.h"
#include "journal.h"
#include "parse.h"
#include "state_write.h"
#include "util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

/* The kernel's struct clone_args (linux/sched.h, v2 size); spelled out here
 * because that header clashes with glibc's <sched.h>. */
struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
		set_tid, set_tid_size, cgroup;
};
#define CARREL_CLONE_PIDFD 0x00001000ULL
#define CARREL_CLONE_INTO_CGROUP 0x200000000ULL

struct holder_status {
	int err;
	char step[32];
};

/*
 * The OOM killer must never choose the keeper over the session's own
 * processes.  The keeper lowers its score to -900 (not -1000: a keeper
 * that leaks must stay killable), which takes CAP_SYS_RESOURCE; where the
 * login program ran without it (a container, a bounding set without it)
 * the keeper keeps its score and raises the session's instead: the holder
 * and each login process, before the module's answer, so that everything
 * the session starts inherits it.  Raising a score takes no capability.
 */
#define KEEPER_OOM_SCORE_ADJ (-900)
#define SESSION_OOM_ABOVE 100
static int keeper_oom; /* the keeper's score, once set */

/* PID 0: this process, by /proc/self (the holder's getpid() is 1 in its
 * own pid namespace, and /proc is still the host's). */
static void oom_path(char *path, size_t size, pid_t pid)
{
	if (pid == 0)
		snprintf(path, size, "/proc/self/oom_score_adj");
	else
		snprintf(path, size, "/proc/%d/oom_score_adj", (int)pid);
}

static int oom_read(pid_t pid)
{
	char path[48], buf[16];

	oom_path(path, sizeof(path), pid);
	return read_file(path, buf, sizeof(buf)) > 0 ? atoi(buf) : 0;
}

static int oom_write(pid_t pid, int adj)
{
	char path[48], buf[16];

	oom_path(path, sizeof(path), pid);
	snprintf(buf, sizeof(buf), "%d", adj);
	return write_file(path, buf);
}

static void oom_setup(void)
{
	(void)oom_write(0, KEEPER_OOM_SCORE_ADJ); /* EACCES without CAP_SYS_RESOURCE */
	keeper_oom = oom_read(0);
}

/* PID (the holder, a login process) at least SESSION_OOM_ABOVE above the
 * keeper. */
static int oom_above_keeper(pid_t pid)
{
	int want = keeper_oom + SESSION_OOM_ABOVE;

	if (want > 1000)
		want = 1000;
	return oom_read(pid) >= want ? 0 : oom_write(pid, want);
}

static int ctl_fd = -1;   /* the keeper's listening socket */
static int timer_fd = -1; /* linger */

static bool alive(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	return pidfd >= 0 && poll(&p, 1, 0) == 0;
}

static void path_of(char *buf, size_t size, const char *dir, const char *id, const char *suffix)
{
	snprintf(buf, size, "%s/%s%s", dir, id, suffix);
}

_Static_assert(CG_PATH_MAX <= STATE_PATH_MAX && CG_MAX_HIER <= STATE_MAX_CGROUPS,
	       "the state file holds every cgroup path");

/* CARREL_SESSIONS_DIR/ID, by the one writer (lib/state.c). */
static int write_state(const struct carrel *c)
{
	_cleanup_free_ struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	snprintf(s->id, sizeof(s->id), "%s", c->id);
	snprintf(s->user, sizeof(s->user), "%s", c->user);
	s->uid = c->uid;
	snprintf(s->scope, sizeof(s->scope), "%s", c->policy.scope == CARREL_SCOPE_USER ? "user" : "session");
	snprintf(s->hostname, sizeof(s->hostname), "%s", c->hostname);
	snprintf(s->config, sizeof(s->config), "%s", c->config[0] ? c->config : CARREL_DEFAULT_CONFIG);
	s->keeper = getpid();
	s->holder = c->holder_pid;
	s->started = c->started;
	s->cgroup_version = cg_version(c->cg);
	snprintf(s->unit, sizeof(s->unit), "%s", cg_unit(c->cg));
	s->nlogins = c->nlogins;
	for (int i = 0; i < c->nlogins; i++) {
		struct session_login *l = &s->logins[i];
		l->pid = c->logins[i].pid;
		l->started = c->logins[i].started;
		snprintf(l->service, sizeof(l->service), "%s", c->logins[i].service);
		snprintf(l->tty, sizeof(l->tty), "%s", c->logins[i].tty);
		snprintf(l->rhost, sizeof(l->rhost), "%s", c->logins[i].rhost);
	}
	s->ncg = cg_count(c->cg);
	for (int i = 0; i < s->ncg; i++)
		snprintf(s->cgroup[i], sizeof(s->cgroup[i]), "%s", cg_path(c->cg, i));
	return state_write(s);
}

/* The keeper's socket: root only (0600 in a 0700 directory). */
static int listen_ctl(const struct carrel *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	mode_t old;

	if (fd < 0)
		return -errno;
	path_of(sa.sun_path, sizeof(sa.sun_path), CARREL_SESSIONS_DIR, c->id, ".sock");
	(void)unlink(sa.sun_path);
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		int r = -errno;
		umask(old);
		closep(&fd);
		return r;
	}
	umask(old);
	return fd;
}

static void fill_reply(const struct carrel *c, struct carrel_reply *reply)
{
	memset(reply, 0, sizeof(*reply));
	reply->version = CARREL_PROTO_VERSION;
	snprintf(reply->id, sizeof(reply->id), "%s", c->id);
	reply->setns_flags = c->clone_flags;
	if (c->policy.namespaces & CARREL_NS_CGROUP)
		reply->setns_flags |= CLONE_NEWCGROUP;
	reply->uid = (uint32_t)c->uid;
	reply->no_new_privs = c->policy.no_new_privs;
	reply->capabilities = c->policy.capabilities;
	reply->bpf_len = c->bpf_len;
	/* On success detail carries the carrel's SELinux level (lib/proto.h). */
	snprintf(reply->detail, sizeof(reply->detail), "%s", c->mcs.level);
}

/* The carrel's reply on SOCK with FDS (N) attached, then its seccomp program. */
static int send_reply_fds(const struct carrel *c, int sock, const int *fds, int n)
{
	struct carrel_reply reply;
	int r;

	fill_reply(c, &reply);
	if ((r = proto_send(sock, &reply, sizeof(reply), fds, n)) < 0)
		return r;
	return c->bpf_len ? proto_send(sock, c->bpf, c->bpf_len, NULL, 0) : 0;
}

int carrel_send_reply(const struct carrel *c, int sock)
{
	return send_reply_fds(c, sock, &c->holder_pidfd, c->holder_pidfd >= 0 ? 1 : 0);
}

/* CARREL_CTL_JOIN (carrel-user enter): the reply with the holder's pidfd
 * and the cgroup.procs of the cgroups to join (cg_join_open()). */
static int send_join(const struct carrel *c, int sock)
{
	struct carrel_error e = { 0 };
	struct carrel_reply reply = { 0 };
	int fds[1 + CG_MAX_HIER], n, r;

	_Static_assert(1 + CG_MAX_HIER <= CARREL_PROTO_MAX_FDS, "a join's fds fit one message");
	fds[0] = c->holder_pidfd;
	if ((n = cg_join_open(c->cg, c->holder_pid, fds + 1, CG_MAX_HIER, &e)) < 0) {
		syslog(LOG_WARNING, "session %s: enter refused: cgroup: %s", c->id, e.msg);
		proto_error(&reply, n, "cgroup", "%s", e.msg);
		return proto_send_reply(sock, &reply, -1);
	}
	r = send_reply_fds(c, sock, fds, 1 + n);
	for (int i = 1; i <= n; i++)
		fds[i] = safe_close(fds[i]);
	return r;
}

static const char *ns_list(unsigned ns, char *buf, size_t size)
{
	static const char *const names[] = { "mnt", "pid", "ipc", "uts", "net", "cgroup", "user" };
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (ns & (1u << i))
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? "," : "", names[i]);
	return buf;
}

/* A counter for the accounting line: 0 where it could not be read. */
static unsigned long long acct_value(uint64_t v)
{
	return v == CG_UNKNOWN ? 0 : (unsigned long long)v;
}

/* network = nat: the carrel's addresses and bytes so far, for the log line. */
static void net_acct(const struct carrel *c, char *buf, size_t size)
{
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
	uint64_t in = 0, out = 0;

	buf[0] = '\0';
	if (c->net.lock_fd < 0)
		return;
	(void)carrel_net_stats(&c->net, &in, &out);
	inet_ntop(AF_INET, &c->net.addr4, a4, sizeof(a4));
	inet_ntop(AF_INET6, &c->net.addr6, a6, sizeof(a6));
	snprintf(buf, size, " network=nat ipv4=%s ipv6=%s net_in_bytes=%llu net_out_bytes=%llu", a4, a6,
		 (unsigned long long)in, (unsigned long long)out);
}

/* Accounting: one line when a login opens, one when it closes; in the
 * journal with its figures as fields where journald runs (journal.h). */
static void log_login(const struct carrel *c, const struct login *l, const char *event, const char *why)
{
	char ns[64], extra[512] = "", net[200] = "", msg[1280], f[20][320];
	const char *fields[20];
	struct cg_stat st;
	int n = 0;

	if (why) {
		cg_stat(c->cg, &st);
		snprintf(extra, sizeof(extra),
			 " reason=\"%s\" duration=%llds memory_peak=%llu cpu_usec=%llu oom_kills=%llu pids_peak=%llu"
			 " io_read_bytes=%llu io_write_bytes=%llu memory_high_events=%llu hugetlb_max_events=%llu",
			 why, (long long)(time(NULL) - l->started), acct_value(st.u.memory_peak),
			 acct_value(st.u.cpu_usec), acct_value(st.u.oom_kills), acct_value(st.u.pids_peak),
			 acct_value(st.u.io_read_bytes), acct_value(st.u.io_write_bytes),
			 acct_value(st.u.memory_high_events), acct_value(st.u.hugetlb_max_events));
		net_acct(c, net, sizeof(net));
	}
	snprintf(msg, sizeof(msg), "%s session=%s user=%s uid=%u service=%s tty=%s rhost=%s scope=%s namespaces=%s cgroup=%s%s%s",
		 event, c->id, c->user, (unsigned)c->uid, l->service, l->tty, l->rhost,
		 c->policy.scope == CARREL_SCOPE_USER ? "user" : "session",
		 ns_list(c->policy.namespaces, ns, sizeof(ns)), cg_count(c->cg) ? cg_path(c->cg, 0) : "-", extra, net);
#define FIELD(...) (snprintf(f[n], sizeof(f[n]), __VA_ARGS__), fields[n] = f[n], n++)
	FIELD("CARREL_EVENT=%s", event);
	FIELD("CARREL_SESSION=%s", c->id);
	FIELD("USER_ID=%u", (unsigned)c->uid);
	FIELD("CARREL_USER=%s", c->user);
	FIELD("CARREL_SERVICE=%s", l->service);
	FIELD("CARREL_TTY=%s", l->tty);
	FIELD("CARREL_RHOST=%s", l->rhost);
	if (why) {
		FIELD("CARREL_REASON=%s", why);
		FIELD("CARREL_DURATION_SEC=%lld", (long long)(time(NULL) - l->started));
		FIELD("CARREL_MEMORY_PEAK_BYTES=%llu", acct_value(st.u.memory_peak));
		FIELD("CARREL_CPU_USEC=%llu", acct_value(st.u.cpu_usec));
		FIELD("CARREL_OOM_KILLS=%llu", acct_value(st.u.oom_kills));
		FIELD("CARREL_PIDS_PEAK=%llu", acct_value(st.u.pids_peak));
		FIELD("CARREL_IO_READ_BYTES=%llu", acct_value(st.io_read_bytes));
		FIELD("CARREL_IO_WRITE_BYTES=%llu", acct_value(st.io_write_bytes));
	}
#undef FIELD
	journal_line(LOG_INFO, msg, fields, n);
}

/* R, with MSG in E when there is one. */
static int move_fail(struct carrel_error *e, int r, const char *msg)
{
	if (e) {
		snprintf(e->step, sizeof(e->step), "cgroup");
		snprintf(e->msg, sizeof(e->msg), "%s: %s", msg, strerror(-r));
	}
	return r;
}

_Static_assert(2 * CG_MAX_HIER <= CARREL_PROTO_MAX_FDS, "one move message carries every cgroup.procs fd");

/* The module's answer to the move message: bounded, the login is waiting.
 * On the open path, what is left of the keeper's CARREL_KEEPER_OPEN_MS
 * (lib/proto_open.h): a login program slow to be scheduled under load (100
 * concurrent ssh logins on 2 CPUs, t-97-load) is not refused for it.  A
 * login that joins a running carrel (scope = user), and a failed open
 * waiting for a move under way, get MOVE_TIMEOUT_MS. */
#define MOVE_TIMEOUT_MS 15000

/* The end of this keeper's open (CARREL_KEEPER_OPEN_MS from its start). */
static struct timespec open_deadline;

/* What is left of the open's time, in ms; 0 once it has passed. */
static int open_left_ms(void)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (open_deadline.tv_sec - now.tv_sec) * 1000 + (open_deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/*
 * Put login L into the carrel's cgroups (move_send(), then move_check()
 * for the answer, or move_in() for both).  The login process moves itself
 * (lib/proto.h): the keeper never writes its pid, which could be another
 * process's by then, and checks the move through /proc/PID/cgroup, read
 * while the pidfd shows the process alive (not yet reaped, so PID is still
 * that process).  systemd owns its units and has no pidfd property in
 * systemd 252: there the pid is named (cg_attach) and checked alive after;
 * the window left is the login exiting, being reaped by its parent and its
 * pid reused between the keeper's read of it and the D-Bus call.
 */
static int move_send(struct carrel *c, struct login *l, struct carrel_error *e)
{
	int fds[2 * CG_MAX_HIER], n, m, r;
	struct carrel_reply move = { .version = CARREL_PROTO_VERSION };

	if ((r = cg_origin_read(c->cg, l->pid, &l->origin, e)) < 0)
		return r;
	if (!alive(l->pidfd)) /* what was read may be another process's */
		return move_fail(e, -ESRCH, "the login process exited");
	n = cg_procs_open(c->cg, NULL, fds, CG_MAX_HIER, e);
	if (n == -EOPNOTSUPP) {
		l->attached = true;
		if ((r = cg_attach(c->cg, l->pid, e)) < 0)
			return r;
		if (!alive(l->pidfd)) /* the pid we just moved must still be the login process */
			return move_fail(e, -ESRCH, "the login process exited while it was attached");
		return 0;
	}
	if (n < 0)
		return n;
	if ((m = cg_procs_open(c->cg, &l->origin, fds + n, CG_MAX_HIER, e)) < 0) {
		for (int i = 0; i < n; i++)
			fds[i] = safe_close(fds[i]);
		return m;
	}
	move.move = (uint32_t)n;
	l->attached = true;
	r = proto_send(l->sock, &move, sizeof(move), fds, n + m);
	for (int i = 0; i < n + m; i++)
		fds[i] = safe_close(fds[i]);
	if (r < 0)
		return move_fail(e, r, "no answer from the login process to the cgroup move");
	return 1;
}

/* Is the first login's answer to its move message still to come? */
static bool move_pending;

/* The module's answer to the move message sent by move_send(), checked. */
static int move_check(struct carrel *c, struct login *l, int timeout_ms, struct carrel_error *e)
{
	int32_t err = -EPROTO;
	int r;

	move_pending = false;
	if ((r = proto_recv(l->sock, &err, sizeof(err), NULL, 0, timeout_ms)) < 0)
		return move_fail(e, r, "no answer from the login process to the cgroup move");
	if (err < 0)
		return move_fail(e, err, "the login process could not move itself into the carrel's cgroups");
	r = cg_is_in(c->cg, NULL, l->pid);
	if (!alive(l->pidfd))
		return move_fail(e, -ESRCH, "the login process exited while it was attached");
	if (r <= 0)
		return move_fail(e, r < 0 ? r : -EPERM, "the login process is not in the carrel's cgroups");
	return 0;
}

static int move_in(struct carrel *c, struct login *l, struct carrel_error *e)
{
	int r = move_send(c, l, e);

	return r <= 0 ? r : move_check(c, l, MOVE_TIMEOUT_MS, e);
}

/* Give login L its own cgroups back, if it has not moved back itself (at
 * close the module does, before it asks).  Only while it is alive, checked
 * after: the window left is the login exiting, being reaped and its pid
 * reused between the check and the write, and even then the process named
 * goes OUT of the carrel, into the login's own cgroups. */
static int move_out(struct carrel *c, struct login *l, struct carrel_error *e)
{
	if (!l->attached || !alive(l->pidfd))
		return 0;
	if (cg_is_in(c->cg, NULL, l->pid) == 0)
		return 0; /* moved itself out (systemd: ORIGIN is a no-op anyway) */
	return cg_attach_origin(c->cg, &l->origin, l->pid, e);
}

/* Give login I its own cgroups back (so the carrel's can go while it lives
 * on: sshd still writes wtmp), acknowledge if asked, and forget it. */
static void end_login(struct carrel *c, int i, bool ack, const char *why)
{
	struct login *l = &c->logins[i];
	struct carrel_error e = { 0 };

	if (move_out(c, l, &e) < 0)
		syslog(LOG_ERR, "session %s: cannot move login process %d out: %s", c->id, (int)l->pid, e.msg);
	if (ack) {
		char k = CARREL_MSG_CLOSED;
		(void)send(l->sock, &k, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	log_login(c, l, "close", why);
	closep(&l->sock);
	closep(&l->pidfd);
	c->logins[i] = c->logins[--c->nlogins];
	(void)write_state(c);
}

static void __attribute__((noreturn)) teardown(struct carrel *c, const char *why)
{
	char path[128];

	/* No new logins from here on: refuse them before anything else. */
	path_of(path, sizeof(path), CARREL_SESSIONS_DIR, c->id, ".sock");
	(void)unlink(path);
	closep(&ctl_fd);
	while (c->nlogins > 0)
		end_login(c, c->nlogins - 1, false, why);
	if (c->holder_pidfd >= 0) {
		/* PID 1 of the pid namespace: its death kills every process in it. */
		struct pollfd p = { .fd = c->holder_pidfd, .events = POLLIN };
		(void)pidfd_signal(c->holder_pidfd, SIGKILL);
		if (poll(&p, 1, 3000) <= 0)
			syslog(LOG_WARNING, "session %s: holder %d slow to die", c->id, (int)c->holder_pid);
		(void)waitpid(c->holder_pid, NULL, WNOHANG);
	}
	/* The host veth goes with the net namespace; the lease is ours to drop. */
	carrel_net_close(&c->net);
	/* No process at its level is left (the holder took them with it). */
	carrel_mcs_drop(&c->mcs, CARREL_MCS_DIR);
	if (c->policy.scope == CARREL_SCOPE_USER) {
		/* Still held if the open failed before carrel_claim_user(): a
		 * second flock on it from this process would wait forever. */
		closep(&c->user_lock);
		carrel_forget_user(c);
	}
	carrel_cleanup(c);
	syslog(LOG_INFO, "carrel %s ended (%s)", c->id, why);
	_exit(0);
}

static void log_reap(const char *id, const struct carrel_error *e)
{
	syslog(LOG_ERR, "reaping dead carrel %s: %s", id, e->msg);
}

static void __attribute__((noreturn)) fail(struct carrel *c, int err, const char *step, const char *detail)
{
	struct carrel_reply reply = { 0 };

	proto_error(&reply, err, step, "%s", detail);
	/* A move under way ends first (bounded): a login process that moved
	 * itself in after the teardown looked would be killed with the carrel. */
	if (move_pending)
		(void)move_check(c, &c->logins[0], MOVE_TIMEOUT_MS, NULL);
	/* The module logs the failure, once; only if it cannot be told do we. */
	if (proto_send_reply(c->logins[0].sock, &reply, -1) < 0)
		syslog(LOG_ERR, "session %s for %s: %s: %s: %s", c->id, c->user, step, detail, strerror(-err));
	teardown(c, "open failed");
}

/* Add login L to the carrel: its cgroups, then the module's answer. */
static int add_login(struct carrel *c, struct login *l)
{
	int r;

	if ((r = move_in(c, l, NULL)) < 0)
		return r;
	if (oom_above_keeper(l->pid) < 0)
		syslog(LOG_WARNING, "session %s: cannot raise the oom_score_adj of login process %d: %m", c->id,
		       (int)l->pid);
	return carrel_send_reply(c, l->sock);
}

/* scope = user: a root client hands us another login of the user. */
static void serve_attach(struct carrel *c, int conn)
{
	struct carrel_attach a;
	int fds[2] = { -1, -1 }, r = -EPROTO;
	char k;

	if (proto_recv(conn, &a, sizeof(a), fds, 2, 200) < 0 || fds[0] < 0 || fds[1] < 0)
		goto out;
	if (a.uid != (uint32_t)c->uid) {
		r = -EPERM; /* never another user's login, whatever users/UID said */
		goto out;
	}
	if (c->nlogins >= CARREL_MAX_LOGINS) {
		r = -EMFILE;
		goto out;
	}
	struct login *l = &c->logins[c->nlogins];
	memset(l, 0, sizeof(*l));
	/* The pid from the pidfd, never from the message: what the keeper
	 * checks (move_in) is the process the pidfd pins. */
	l->pid = pidfd_get_pid(fds[1]);
	l->sock = fds[0];
	l->pidfd = fds[1];
	if (l->pid < 0 || l->pid != a.pid) {
		r = l->pid < 0 ? l->pid : -ESRCH;
		goto out;
	}
	l->started = time(NULL);
	a.service[sizeof(a.service) - 1] = a.tty[sizeof(a.tty) - 1] = a.rhost[sizeof(a.rhost) - 1] = '\0';
	snprintf(l->service, sizeof(l->service), "%s", a.service);
	snprintf(l->tty, sizeof(l->tty), "%s", a.tty);
	snprintf(l->rhost, sizeof(l->rhost), "%s", a.rhost);
	/* The module reads the move message only once its helper, which waits
	 * for this answer, has exited: answer first.  From here a failure is
	 * the module's to hear, and its login fails. */
	if (cg_moves_self(c->cg)) {
		k = CARREL_MSG_CLOSED;
		(void)send(conn, &k, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		conn = -1;
	}
	if ((r = add_login(c, l)) < 0) {
		(void)move_out(c, l, NULL);
		if (conn < 0) {
			struct carrel_reply reply = { 0 };
			proto_error(&reply, r, "cgroup", "joining the user's carrel %s", c->id);
			(void)proto_send_reply(l->sock, &reply, -1);
		}
		goto out;
	}
	fds[0] = fds[1] = -1; /* the login owns them now */
	c->nlogins++;
	closep(&timer_fd); /* a lingering carrel is in use again */
	log_login(c, l, "open", NULL);
	(void)write_state(c);
out:
	k = r == 0 ? CARREL_MSG_CLOSED : 'E';
	if (conn >= 0)
		(void)send(conn, &k, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	closep(&fds[0]);
	closep(&fds[1]);
}

/* One request from a root client on the keeper's socket. */
static void serve_ctl(struct carrel *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char op = 0;
	int conn = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	struct pollfd p = { .fd = conn, .events = POLLIN };

	if (conn < 0)
		return;
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0 ||
	    poll(&p, 1, 200) != 1 || recv(conn, &op, 1, MSG_PEEK | MSG_DONTWAIT) != 1) {
		closep(&conn);
		return;
	}
	if (op == CARREL_CTL_HOLDER && recv(conn, &op, 1, MSG_DONTWAIT) == 1)
		(void)carrel_send_reply(c, conn);
	else if (op == CARREL_CTL_JOIN && recv(conn, &op, 1, MSG_DONTWAIT) == 1)
		(void)send_join(c, conn);
	else if (op == CARREL_CTL_ATTACH) {
		serve_attach(c, conn);
	} else if (op == CARREL_CTL_TERMINATE && recv(conn, &op, 1, MSG_DONTWAIT) == 1) {
		char k = CARREL_MSG_CLOSED;
		(void)send(conn, &k, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		closep(&conn);
		teardown(c, "killed by an admin");
	}
	closep(&conn);
}

static int spawn_holder(struct carrel *c, int *go_w, int *ready_r)
{
	int go[2], ready[2], pidfd = -1;
	struct clone_args_v2 args = { 0 };
	long pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(ready, O_CLOEXEC) < 0) {
		closep(&go[0]);
		closep(&go[1]);
		return -errno;
	}
	args.flags = c->clone_flags | CARREL_CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	/* cgroup v2: the holder is born in the session's cgroup, never runs
	 * outside it (v1 has no such flag: it is moved before it starts). */
	int cgfd = cg_clone_target(c->cg);
	if (cgfd < 0 && cgfd != -EOPNOTSUPP) {
		int saved = -cgfd;
		closep(&go[0]);
		closep(&go[1]);
		closep(&ready[0]);
		closep(&ready[1]);
		return -saved;
	}
	if (cgfd >= 0) {
		args.flags |= CARREL_CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgfd;
	}
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		close(cgfd);
		close(c->live_fd); /* the keeper's alone: the holder must not keep the carrel alive */
		if (c->mcs.lock_fd >= 0)
			close(c->mcs.lock_fd); /* the same for its category pair */
		(void)oom_above_keeper(0); /* never getpid(): 1 here */
		close(go[1]);
		close(ready[0]);
		holder_main(c, go[0], ready[1]);
	}
	int saved = errno;
	closep(&cgfd);
	close(go[0]);
	close(ready[1]);
	if (pid < 0) {
		close(go[1]);
		close(ready[0]);
		return -saved;
	}
	c->holder_pid = (pid_t)pid;
	c->holder_pidfd = pidfd;
	*go_w = go[1];
	*ready_r = ready[0];
	return 0;
}

/*
 * Is the holder PID getting on with its set-up?  On a CPU or waiting for
 * one (R), in the kernel (D), or it has used CPU time since *TICKS (then
 * updated).  A holder stopped, or asleep on something that does not come,
 * is not.  Unreadable (gone: its EOF ends the wait anyway) counts as not.
 */
static bool holder_progress(pid_t pid, uint64_t *ticks)
{
	char path[32], buf[512], state;
	uint64_t now;
	bool moved;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0 || carrel_parse_proc_stat(buf, &state, &now) < 0)
		return false;
	moved = now != *ticks;
	*ticks = now;
	return moved || state == 'R' || state == 'D';
}

/* A holder that shows no progress (holder_progress) this long is stuck. */
#define HOLDER_STALL_MS 15000
/* How often the wait looks. */
#define HOLDER_LOOK_MS 1000

/*
 * The holder's report.  Its set-up is waited for while it makes progress,
 * for as long as the open has left (CARREL_KEEPER_OPEN_MS): under load (200
 * logins at once on 2 cores) the set-up inside alone took up to 40 s, most
 * of it waiting for a CPU, and a fixed bound refused logins although
 * nothing was wrong (tests/RESULTS.md round 6).  A holder stopped or
 * asleep for HOLDER_STALL_MS is stuck, and ends the wait then.  A holder
 * that dies closes FD (EOF); a module that gave up hangs up its socket
 * MODULE: either ends the wait at once.  E says which bound was hit.
 */
static int wait_ready(int fd, int module, pid_t holder, struct holder_status *st, struct carrel_error *e)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = module, .events = POLLRDHUP } };
	uint64_t ticks = 0;
	int r, left, still = 0;
	ssize_t n;

	for (;;) {
		left = open_left_ms();
		if (left == 0) {
			carrel_error_set(e, "carrel setup inside the namespaces: not done within %d s",
					 CARREL_KEEPER_OPEN_MS / 1000);
			return -ETIMEDOUT;
		}
		r = poll(p, 2, left < HOLDER_LOOK_MS ? left : HOLDER_LOOK_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r > 0)
			break;
		still = holder_progress(holder, &ticks) ? 0 : still + HOLDER_LOOK_MS;
		if (still >= HOLDER_STALL_MS) {
			carrel_error_set(e, "carrel setup inside the namespaces: the holder made no progress for %d s",
					 HOLDER_STALL_MS / 1000);
			return -ETIMEDOUT;
		}
	}
	if (!(p[0].revents & (POLLIN | POLLHUP)))
		return -ECONNRESET; /* the module gave up: nobody waits for this carrel */
	n = read(fd, st, sizeof(*st));
	if (n != (ssize_t)sizeof(*st))
		return -EPIPE;
	st->step[sizeof(st->step) - 1] = '\0';
	return st->err;
}

/*
 * A carrel without a pid namespace (the user manager's: see pam_carrel.c)
 * would see the host's /proc, every user's processes included.  Cover it
 * with a proc of the host's pid namespace that shows each process only to
 * its own user (hidepid=invisible).  Mounted from here, in a child that
 * enters the carrel's mount namespace: the holder, in the carrel's user
 * namespace, may not mount a proc of a pid namespace it does not own.
 */
static int proc_own_only(const struct carrel *c)
{
	int fs, mnt = -1, status = 0, r = 0;
	pid_t pid;

	fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "hidepid", "invisible", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) < 0)
		r = -errno;
	closep(&fs);
	if (r < 0)
		return r;
	/* The holder by its pidfd, never by pid: it runs as the user by now,
	 * who could kill it and let its pid be reused.  And never our own
	 * mount namespace (the host's). */
	pid = fork();
	if (pid == 0) {
		struct stat before, after;
		if (stat("/proc/self/ns/mnt", &before) < 0 || setns(c->holder_pidfd, CLONE_NEWNS) < 0 ||
		    stat("/proc/self/ns/mnt", &after) < 0)
			_exit(errno);
		if (before.st_ino == after.st_ino)
			_exit(EINVAL);
		_exit(move_mount(mnt, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH) < 0 ? errno : 0);
	}
	if (pid < 0)
		r = -errno;
	else if (waitpid(pid, &status, 0) < 0)
		r = -errno;
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		r = WIFEXITED(status) ? -WEXITSTATUS(status) : -EINTR;
	closep(&mnt);
	return r;
}

/*
 * network = nat: the veth into the holder's net namespace (the holder is
 * this keeper's child, unreaped: its pid names it), addresses, rules.
 */
static int open_network(struct carrel *c, struct carrel_error *e)
{
	char path[64];
	_cleanup_close_ int netns = -1;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)c->holder_pid);
	netns = open(path, O_RDONLY | O_CLOEXEC);
	if (netns < 0) {
		r = -errno;
		carrel_error_set(e, "%s: %s", path, strerror(-r));
		return r;
	}
	if ((r = carrel_net_open(&c->net, &c->policy, c->id, c->uid, netns, e)) < 0)
		return r;
	/* The veth is up: the user's egress policy and rate (net/netpol.h).
	 * On failure fail() tears the carrel down and carrel_net_close()
	 * releases both. */
	if ((r = carrel_egress_apply(&c->net, &c->policy.net, e)) < 0)
		return r;
	if ((r = carrel_shape_apply(&c->net, &c->policy.net, e)) < 0)
		return r;
	return 0;
}

/* No login left. scope = session, or linger = no: the carrel ends. Else it
 * lingers: forever, for a while (timer), or until its processes are gone
 * (checked every second). */
static void last_login_gone(struct carrel *c, const char *why)
{
	int64_t linger = c->policy.linger_sec;
	struct itimerspec its = { 0 };

	if (c->policy.scope != CARREL_SCOPE_USER || linger == CARREL_LINGER_NO)
		teardown(c, why);
	if (linger == CARREL_LINGER_FOREVER)
		return;
	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (timer_fd < 0)
		teardown(c, "no timer for linger");
	if (linger == CARREL_LINGER_UNTIL_EMPTY)
		its.it_value.tv_sec = its.it_interval.tv_sec = 1;
	else
		its.it_value.tv_sec = (time_t)linger;
	if (timerfd_settime(timer_fd, 0, &its, NULL) < 0)
		teardown(c, "no timer for linger");
	syslog(LOG_INFO, "carrel %s lingers after its last login", c->id);
}

static void on_timer(struct carrel *c)
{
	uint64_t ticks;

	if (read(timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	if (c->policy.linger_sec != CARREL_LINGER_UNTIL_EMPTY)
		teardown(c, "linger expired");
	if (cg_count_procs(c->cg, c->holder_pid) == 0)
		teardown(c, "empty");
}

/*
 * The keeper lives as long as its carrel, asleep in poll() nearly all the
 * time, and a process keeps every stack page it ever touched: those of the
 * helper's open path and of the keeper's start (bench/RESULTS.md). Give
 * back the ones below this frame, where nothing is live: a deeper call
 * later (a teardown) gets zero pages again.  Then the heap pages that the
 * helper's start and the keeper's freed (config, filter, requests).  The
 * stack's lower end is where mincore() stops finding a mapping (below it
 * lies the kernel's guard gap); /proc/self/maps is not read, so no MAC
 * policy needs to allow it.
 */
static void __attribute__((noinline)) release_idle_memory(void)
{
	const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	volatile char here = 0;
	uintptr_t top = ((uintptr_t)&here & ~(page - 1)) - 2 * page, lo = top;
	unsigned char resident;

	for (int i = 0; i < 2048 && lo > page && mincore((void *)(lo - page), page, &resident) == 0; i++)
		lo -= page;
	if (lo < top)
		(void)madvise((void *)lo, top - lo, MADV_DONTNEED);
	(void)malloc_trim(0);
}

static void serve(struct carrel *c, int sigfd)
{
	struct pollfd p[4 + 2 * CARREL_MAX_LOGINS];

	release_idle_memory();
	for (;;) {
		int n = 0;
		p[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = c->holder_pidfd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = ctl_fd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = timer_fd, .events = POLLIN };
		for (int i = 0; i < c->nlogins; i++) {
			p[n++] = (struct pollfd){ .fd = c->logins[i].sock, .events = POLLIN };
			p[n++] = (struct pollfd){ .fd = c->logins[i].pidfd, .events = POLLIN };
		}
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			teardown(c, "poll failed");
		}
		if (p[0].revents)
			teardown(c, "signal");
		if (p[1].revents)
			teardown(c, "holder died");
		if (p[2].revents)
			serve_ctl(c);
		if (p[3].revents)
			on_timer(c);
		/* Logins, last first, so that ending one does not move another
		 * whose events are still to be read. */
		for (int i = (n - 4) / 2 - 1; i >= 0; i--) {
			struct pollfd *ps = &p[4 + 2 * i], *pp = &p[5 + 2 * i];
			const char *why = NULL;
			bool ack = false;
			if (i >= c->nlogins)
				continue;
			if (ps->revents) {
				char msg = 0;
				ssize_t r = recv(c->logins[i].sock, &msg, 1, MSG_DONTWAIT);
				if (r == 1 && msg == CARREL_MSG_CLOSE) {
					why = "logout";
					ack = true;
				} else if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
					why = "module gone";
				}
				/* Anything else is ignored: the module only ever sends CLOSE. */
			}
			if (!why && pp->revents)
				why = "login process exited";
			if (!why)
				continue;
			end_login(c, i, ack, why);
			if (c->nlogins == 0)
				last_login_gone(c, why);
		}
	}
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

void keeper_main(struct carrel *c)
{
	struct holder_status st = { 0 };
	struct carrel_error e = { 0 }, we = { 0 };
	char title[96];
	sigset_t mask;
	int go = -1, ready = -1, sigfd, moving, r;
	struct timespec t0, t_spawn, t_go, t_ready, t_moved, t_reply, t_end;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	open_deadline = t0;
	open_deadline.tv_sec += CARREL_KEEPER_OPEN_MS / 1000;
	(void)setsid();
	if (chdir("/") < 0)
		_exit(1);
	oom_setup();
	snprintf(title, sizeof(title), "carrel-keeper %s %s", c->id, c->user);
	proc_title_set(title);
	(void)prctl(PR_SET_NAME, "carrel-keeper");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		fail(c, -errno, "keeper", "signalfd");

	/* systemd: out of the login's unit (session scope, user@UID.service),
	 * so that systemd stopping that unit never kills the keeper before it
	 * has torn down. */
	if ((r = cg_keeper_unit(c->cg, getpid(), &e)) < 0)
		fail(c, r, "systemd", e.msg);
	if ((c->policy.namespaces & CARREL_NS_MNT) && c->policy.tmp == CARREL_TMP_PRIVATE &&
	    (r = carrel_vartmp_prepare(c->uid, c->gid)) < 0)
		fail(c, r, "mount /var/tmp", "the user's directory in " CARREL_STATEDIR "/vartmp");
	/* Before the holder: it mounts the private /tmp at the pair's level. */
	if (c->policy.selinux_categories == CARREL_SELINUX_CATEGORIES_PER_SESSION && carrel_mcs_host_ready() &&
	    (r = carrel_mcs_take(&c->mcs, CARREL_MCS_DIR, c->id)) < 0)
		fail(c, r, "selinux categories", "no free category pair in " CARREL_MCS_DIR);
	/* The holder drops its capabilities with libcap (a copy of ours);
	 * the keeper never calls it. */
	if ((r = carrel_libcap_load()) < 0)
		fail(c, r, "capabilities", "cannot load libcap (" CARREL_LIBCAP_SONAME ") for the holder");
	r = spawn_holder(c, &go, &ready);
	carrel_libcap_unload();
	if (r < 0)
		fail(c, r, "namespaces", "clone3 of the holder");
	clock_gettime(CLOCK_MONOTONIC, &t_spawn);
	/* The login process moves itself into the carrel's cgroups while the
	 * holder sets up: at 200 concurrent logins the two took 0.5 and 2.3 s
	 * at the median, 10.8 and 13.7 s at worst (tests/RESULTS.md round 5),
	 * one after the other until now. */
	if ((moving = move_send(c, &c->logins[0], &e)) < 0)
		fail(c, moving, "cgroup", e.msg);
	move_pending = moving > 0;
	/* holder_pid below (idmap, cgroup.procs, waitpid in teardown) cannot
	 * name another process: the holder is this keeper's own child, and a
	 * child's pid is not freed for reuse before its parent waits for it,
	 * which the keeper does only in teardown, after its last use. */
	if ((c->clone_flags & CLONE_NEWUSER) && (r = idmap_write(c->holder_pid, &c->ids, &e)) < 0)
		fail(c, r, "uid/gid map", e.msg);
	/* Where clone3 could not place it (v1), the holder moves in before it
	 * starts; where it was born there, this changes nothing. */
	if ((r = cg_attach(c->cg, c->holder_pid, &e)) < 0)
		fail(c, r, "cgroup", e.msg);
	/* Before the holder starts: it binds the carrel's resolv.conf. */
	if (c->policy.network == CARREL_NETWORK_NAT && (r = open_network(c, &e)) < 0)
		fail(c, r, "network", e.msg);
	clock_gettime(CLOCK_MONOTONIC, &t_go);
	if (write(go, "g", 1) != 1)
		fail(c, -errno, "holder", "start");
	if ((r = wait_ready(ready, c->logins[0].sock, c->holder_pid, &st, &we)) < 0)
		fail(c, r, st.step[0] ? st.step : "holder", we.msg[0] ? we.msg : "carrel setup inside the namespaces");
	closep(&ready);
	clock_gettime(CLOCK_MONOTONIC, &t_ready);
	if ((c->policy.namespaces & CARREL_NS_MNT) && !(c->policy.namespaces & CARREL_NS_PID) &&
	    (r = proc_own_only(c)) < 0)
		fail(c, r, "mount /proc", "hidepid=invisible proc for a carrel without a pid namespace");

	if ((ctl_fd = listen_ctl(c)) < 0)
		fail(c, ctl_fd, "keeper socket", CARREL_SESSIONS_DIR);
	if (moving > 0 && (r = move_check(c, &c->logins[0], open_left_ms(), &e)) < 0)
		fail(c, r, "cgroup", e.msg);
	clock_gettime(CLOCK_MONOTONIC, &t_moved);
	if ((r = write_state(c)) < 0)
		fail(c, r, "state file", CARREL_SESSIONS_DIR);
	if (c->policy.scope == CARREL_SCOPE_USER && (r = carrel_claim_user(c)) < 0)
		fail(c, r, "state file", CARREL_USERS_DIR);
	if (oom_above_keeper(c->logins[0].pid) < 0)
		syslog(LOG_WARNING, "session %s: cannot raise the oom_score_adj of login process %d: %m", c->id,
		       (int)c->logins[0].pid);
	if (carrel_send_reply(c, c->logins[0].sock) < 0)
		teardown(c, "module gone before reply");
	clock_gettime(CLOCK_MONOTONIC, &t_reply);
	/* The holder waits for this to exec carrel-holder, so that the exec
	 * and the end of its copy of our image do not slow the reply. */
	closep(&go);
	log_login(c, &c->logins[0], "open", NULL);
	/* Off the login's path: remove what keepers that died left. */
	(void)carrel_reap_all(c->cg, c->id, log_reap);
	/* Leases that keepers killed with SIGKILL left (their flock is gone). */
	if (c->policy.network == CARREL_NETWORK_NAT)
		carrel_net_reap_stale();
	clock_gettime(CLOCK_MONOTONIC, &t_end);
	syslog(LOG_DEBUG, "session %s: keeper answered in %ld ms (holder spawned %ld, ready %ld of which set up inside %ld, login moved in %ld, reply %ld); sweep after it %ld ms",
	       c->id, ms_between(&t0, &t_reply), ms_between(&t0, &t_spawn), ms_between(&t_spawn, &t_ready),
	       ms_between(&t_go, &t_ready),
	       ms_between(&t_ready, &t_moved), ms_between(&t_moved, &t_reply), ms_between(&t_reply, &t_end));
	serve(c, sigfd);
	_exit(0);
}
