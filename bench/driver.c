/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench/driver: times PAM session open/close through libpam, the way a login
 * program does it, and plain commands for reference.
 *
 *   driver SERVICE_DIR SERVICE USER N [--gap-ms G] [--raw] [--concurrent]
 *          [--sessions-dir DIR] [--memcg DIR] [--windows A,B,C] [--hold-file F]
 *   driver --cmd N [--gap-ms G] [--raw] -- PROGRAM [ARG...]
 *
 * Serial (default): pam_start_confdir() once in the parent (the modules are
 * loaded there), then for each iteration fork a child that calls
 * pam_open_session + pam_close_session and exits.  A fresh child every time,
 * because open_session joins the carrel's namespaces (a process joins a user
 * namespace once, and a joined pid namespace applies to its children).  Each
 * iteration reports:
 *   open   pam_open_session, timed in the child
 *   close  pam_close_session, timed in the child
 *   outer  fork .. child reaped, timed in the parent (fork, open, close, exit)
 * The empty stack (pam_permit) pays exactly the same fork and exit, so
 * "carrel outer - empty outer" is what carrel adds to a login.
 *
 * --concurrent: N children open one session each, one after the other, and
 * hold it until all N are open (so session k opens with k-1 live); then all
 * are released at once and close.  Reports the open latency in windows
 * (--windows, default 1,10,100,500: the median of the 20 opens ending at N
 * live sessions; the first 20 for N < 20), memory with N sessions live
 * (RSS/PSS of keepers and holders from DIR/ID state files, /proc/meminfo and
 * memcg deltas), the time until every close returned and until every state
 * file is gone.  With --hold-file, the N sessions stay open (after a "held"
 * line) until file F exists, at most 5 minutes.
 *
 * --cmd: fork + execvp + waitpid of PROGRAM, N times (stdout/stderr to
 * /dev/null): the reference sandboxes (unshare, bwrap, firejail).
 *
 * --attach-probe: in two new child cgroups of CGROUP_DIR (cgroup v1), time
 * the first write of a pid to cgroup.procs after GAP_MS of idle, and a second
 * write right after it; N times.
 *
 * --spawn-probe: from a process with MB megabytes touched, fork+execv vs
 * posix_spawn of PROGRAM (no arguments), N times each, alternating.
 *
 * --rwsem-ready: until SIGTERM, move a child of its own between two new
 * child cgroups of CGROUP_DIR every INTERVAL_MS (a what-if: see below).
 *
 * Output: "key value..." lines for bench/run.sh; --raw adds one line per
 * iteration.  Every wait is bounded; every child is killed by pid on timeout.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define CHILD_TIMEOUT_MS 30000	   /* one open or close */
#define TEARDOWN_TIMEOUT_MS 120000 /* every state file gone after the closes */
#define HOLD_TIMEOUT_MS 300000	   /* --hold-file: longest hold of the N sessions */
#define WINDOW 20		   /* opens per latency window in --concurrent */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static void sleep_ms(long m)
{
	struct timespec ts = { .tv_sec = m / 1000, .tv_nsec = (m % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void die(const char *what)
{
	fprintf(stderr, "driver: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* ------------------------------------------------------------ statistics */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* "NAME n=.. median=.. min=.. max=.. p10=.. p90=.. mean=.." in ms */
static void stats(const char *name, const double *v, int n)
{
	double *s, sum = 0;

	if (n <= 0) {
		printf("%s n=0\n", name);
		return;
	}
	s = malloc(sizeof(*s) * (size_t)n);
	if (!s)
		die("malloc");
	memcpy(s, v, sizeof(*s) * (size_t)n);
	qsort(s, (size_t)n, sizeof(*s), cmp_d);
	for (int i = 0; i < n; i++)
		sum += s[i];
	double med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	printf("%s n=%d median=%.3f min=%.3f max=%.3f p10=%.3f p90=%.3f mean=%.3f\n", name, n, med,
	       s[0], s[n - 1], s[(n - 1) / 10], s[(n - 1) * 9 / 10], sum / n);
	free(s);
}

/* ------------------------------------------------------------ children */

struct rec {
	int idx;
	int kind; /* 0 open, 1 close, 2 serial: open+close */
	int rc;	  /* PAM status of the failed call, or 0 */
	int64_t open_ns, close_ns, end_ns;
	char err[64];
};

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	return PAM_CONV_ERR;
}

/* Write one record (< PIPE_BUF: atomic on a shared pipe). */
static void send_rec(int fd, const struct rec *r)
{
	ssize_t n;
	while ((n = write(fd, r, sizeof(*r))) < 0 && errno == EINTR)
		;
}

/* Read one record, bounded; 0 on success, -1 on timeout/EOF. */
static int recv_rec(int fd, struct rec *r, int timeout_ms)
{
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < sizeof(*r)) {
		int left = (int)((deadline - now_ns()) / 1000000);
		if (left < 0)
			return -1;
		int k = poll(&p, 1, left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		ssize_t n = read(fd, (char *)r + got, sizeof(*r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Wait (bounded) for PID; kill it by pid on timeout. Returns its status or -1. */
static int reap(pid_t pid, int timeout_ms)
{
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		sleep_ms(1);
	}
}

/* A marker for bench/run.sh's strace of the phases: one cheap syscall that
 * nothing else makes, right before open (getpgid(1000000001)) and close
 * (getpgid(1000000002)); no such pid can exist (PID_MAX_LIMIT is 2^22). */
#define MARK_OPEN 1000000001
#define MARK_CLOSE 1000000002
static void mark(int what)
{
	(void)syscall(SYS_getpgid, what);
}

/* ------------------------------------------------------------ serial */

static int run_serial(pam_handle_t *pamh, int n, int gap, bool raw)
{
	double *vo = calloc((size_t)n, sizeof(double)), *vc = calloc((size_t)n, sizeof(double));
	double *vt = calloc((size_t)n, sizeof(double)), *vx = calloc((size_t)n, sizeof(double));
	int ok = 0, fails = 0;

	if (!vo || !vc || !vt || !vx)
		die("calloc");
	for (int i = 0; i < n; i++) {
		int p[2];
		struct rec r = { 0 };

		if (gap > 0)
			sleep_ms(gap);
		if (pipe2(p, O_CLOEXEC) < 0)
			die("pipe");
		fflush(stdout);
		int64_t t0 = now_ns();
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			close(p[0]);
			r.idx = i;
			r.kind = 2;
			mark(MARK_OPEN);
			int64_t a = now_ns();
			int rc = pam_open_session(pamh, 0);
			int64_t b = now_ns();
			r.open_ns = b - a;
			if (rc != PAM_SUCCESS) {
				r.rc = rc;
				snprintf(r.err, sizeof(r.err), "open: %s", pam_strerror(pamh, rc));
			} else {
				mark(MARK_CLOSE);
				b = now_ns();
				rc = pam_close_session(pamh, 0);
				if (rc != PAM_SUCCESS) {
					r.rc = rc;
					snprintf(r.err, sizeof(r.err), "close: %s",
						 pam_strerror(pamh, rc));
				}
			}
			int64_t c = now_ns();
			r.close_ns = c - b;
			send_rec(p[1], &r);
			_exit(0);
		}
		close(p[1]);
		int got = recv_rec(p[0], &r, 2 * CHILD_TIMEOUT_MS);
		int st = reap(pid, got == 0 ? CHILD_TIMEOUT_MS : 0);
		int64_t t1 = now_ns();
		close(p[0]);
		if (got < 0 || st < 0 || r.rc != 0) {
			fails++;
			fprintf(stderr, "driver: iteration %d failed: %s\n", i,
				got < 0 ? "no answer from the child (killed)" :
				r.rc	? r.err :
					  "child status");
			if (fails > 5 && ok == 0)
				break;
			continue;
		}
		vo[ok] = ms(r.open_ns);
		vc[ok] = ms(r.close_ns);
		vt[ok] = ms(r.open_ns + r.close_ns);
		vx[ok] = ms(t1 - t0);
		if (raw)
			printf("iter %d open=%.3f close=%.3f outer=%.3f\n", i, vo[ok], vc[ok],
			       vx[ok]);
		ok++;
	}
	printf("mode serial n=%d ok=%d failed=%d gap_ms=%d\n", n, ok, fails, gap);
	stats("open", vo, ok);
	stats("close", vc, ok);
	stats("openclose", vt, ok);
	stats("outer", vx, ok);
	free(vo);
	free(vc);
	free(vt);
	free(vx);
	return fails ? 1 : 0;
}

/* ------------------------------------------------------------ memory */

struct meminfo {
	long long slab, sunreclaim, kstack, pagetables, percpu, anon, shmem, memfree, vmalloc;
};

/* The /proc/meminfo lines read, and where each goes. */
static const struct {
	const char *key;
	size_t off;
} meminfo_keys[] = {
	{ "Slab", offsetof(struct meminfo, slab) },
	{ "SUnreclaim", offsetof(struct meminfo, sunreclaim) },
	{ "KernelStack", offsetof(struct meminfo, kstack) },
	{ "PageTables", offsetof(struct meminfo, pagetables) },
	{ "Percpu", offsetof(struct meminfo, percpu) },
	{ "AnonPages", offsetof(struct meminfo, anon) },
	{ "Shmem", offsetof(struct meminfo, shmem) },
	{ "MemFree", offsetof(struct meminfo, memfree) },
	{ "VmallocUsed", offsetof(struct meminfo, vmalloc) },
};

static void read_meminfo(struct meminfo *m)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];

	memset(m, 0, sizeof(*m));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		long long v;
		char key[64];
		if (sscanf(line, "%63[^:]: %lld", key, &v) != 2)
			continue;
		for (size_t i = 0; i < sizeof(meminfo_keys) / sizeof(meminfo_keys[0]); i++)
			if (!strcmp(key, meminfo_keys[i].key))
				*(long long *)((char *)m + meminfo_keys[i].off) = v;
	}
	fclose(f);
}

static long long read_ll(const char *dir, const char *file)
{
	char path[512], buf[64];
	long long v = -1;
	FILE *f;

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!(f = fopen(path, "re")))
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtoll(buf, NULL, 10);
	fclose(f);
	return v;
}

/* kB of KEY in /proc/PID/FILE (VmRSS in status, Pss in smaps_rollup). */
static long long proc_kb(long pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, file);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtoll(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

struct procmem {
	int sessions, cgroup_version;
	long long keeper_rss, keeper_pss, holder_rss, holder_pss;
	long long keeper_priv, holder_priv, keeper_pte, holder_pte;
};

/* Sum RSS/PSS of the keeper= and holder= of every state file in DIR. */
static void session_mem(const char *dir, struct procmem *pm)
{
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	memset(pm, 0, sizeof(*pm));
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[512], line[256];
		FILE *f;
		if (e->d_name[0] == '.' || strchr(e->d_name, '.'))
			continue; /* ID.sock, ID.new */
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		pm->sessions++;
		while (fgets(line, sizeof(line), f)) {
			long pid;
			if (sscanf(line, "keeper=%ld", &pid) == 1) {
				pm->keeper_rss += proc_kb(pid, "status", "VmRSS");
				pm->keeper_pte += proc_kb(pid, "status", "VmPTE");
				pm->keeper_pss += proc_kb(pid, "smaps_rollup", "Pss");
				pm->keeper_priv += proc_kb(pid, "smaps_rollup", "Private_Dirty");
			} else if (sscanf(line, "cgroup_version=%d", &pm->cgroup_version) == 1) {
				continue;
			} else if (sscanf(line, "holder=%ld", &pid) == 1) {
				pm->holder_rss += proc_kb(pid, "status", "VmRSS");
				pm->holder_pte += proc_kb(pid, "status", "VmPTE");
				pm->holder_pss += proc_kb(pid, "smaps_rollup", "Pss");
				pm->holder_priv += proc_kb(pid, "smaps_rollup", "Private_Dirty");
			}
		}
		fclose(f);
	}
	closedir(d);
}

static int count_sessions(const char *dir)
{
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* ------------------------------------------------------------ concurrent */

static int run_concurrent(pam_handle_t *pamh, int n, const char *sessdir, const char *memcg,
			  const char *windows, const char *hold_file, bool raw)
{
	int res[2], rel[2], opened = 0, closed = 0, fails = 0;
	pid_t *pids = calloc((size_t)n, sizeof(pid_t));
	double *vo = calloc((size_t)n, sizeof(double)), *vc = calloc((size_t)n, sizeof(double));
	struct meminfo m0, m1;
	long long cg_u0, cg_k0, cg_u1, cg_k1;
	struct procmem pm;
	struct rlimit rl;

	if (!pids || !vo || !vc)
		die("calloc");
	/* Each child holds a pamh and a socket: plenty of fds for the parent. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (pipe2(res, O_CLOEXEC) < 0 || pipe2(rel, O_CLOEXEC) < 0)
		die("pipe");
	read_meminfo(&m0);
	cg_u0 = read_ll(memcg, "memory.usage_in_bytes");
	cg_k0 = read_ll(memcg, "memory.kmem.usage_in_bytes");
	int64_t t_start = now_ns();
	for (int i = 0; i < n; i++) {
		struct rec r = { 0 };
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "driver: fork %d: %s\n", i, strerror(errno));
			fails++;
			break;
		}
		if (pid == 0) {
			char c;
			close(res[0]);
			close(rel[1]);
			r.idx = i;
			mark(MARK_OPEN);
			int64_t a = now_ns();
			int rc = pam_open_session(pamh, 0);
			r.open_ns = now_ns() - a;
			r.kind = 0;
			if (rc != PAM_SUCCESS) {
				r.rc = rc;
				snprintf(r.err, sizeof(r.err), "open: %s", pam_strerror(pamh, rc));
				send_rec(res[1], &r);
				_exit(1);
			}
			send_rec(res[1], &r);
			/* Hold the session until the parent closes the release pipe. */
			struct pollfd p = { .fd = rel[0], .events = POLLIN };
			(void)poll(&p, 1, 15 * 60 * 1000);
			(void)read(rel[0], &c, 1);
			mark(MARK_CLOSE);
			a = now_ns();
			rc = pam_close_session(pamh, 0);
			r.end_ns = now_ns();
			r.close_ns = r.end_ns - a;
			r.kind = 1;
			r.rc = rc == PAM_SUCCESS ? 0 : rc;
			if (rc != PAM_SUCCESS)
				snprintf(r.err, sizeof(r.err), "close: %s", pam_strerror(pamh, rc));
			send_rec(res[1], &r);
			_exit(0);
		}
		pids[i] = pid;
		if (recv_rec(res[0], &r, CHILD_TIMEOUT_MS) < 0 || r.kind != 0 || r.idx != i ||
		    r.rc) {
			fprintf(stderr, "driver: session %d did not open: %s\n", i,
				r.rc ? r.err : "no answer");
			fails++;
			kill(pid, SIGKILL);
			reap(pid, CHILD_TIMEOUT_MS);
			pids[i] = 0;
			break;
		}
		vo[opened++] = ms(r.open_ns);
		if (raw)
			printf("open %d %.3f\n", i, ms(r.open_ns));
	}
	int64_t t_opened = now_ns();
	/* Memory with every session live (state files already written). */
	read_meminfo(&m1);
	cg_u1 = read_ll(memcg, "memory.usage_in_bytes");
	cg_k1 = read_ll(memcg, "memory.kmem.usage_in_bytes");
	session_mem(sessdir, &pm);
	/* The login processes (our children): what the module left in them. */
	long long lrss = 0, lpss = 0, lpriv = 0, lpte = 0;
	for (int i = 0; i < n; i++) {
		if (pids[i] <= 0)
			continue;
		lrss += proc_kb(pids[i], "status", "VmRSS");
		lpte += proc_kb(pids[i], "status", "VmPTE");
		lpss += proc_kb(pids[i], "smaps_rollup", "Pss");
		lpriv += proc_kb(pids[i], "smaps_rollup", "Private_Dirty");
	}

	printf("mode concurrent n=%d opened=%d failed=%d open_all_s=%.3f\n", n, opened, fails,
	       (double)(t_opened - t_start) / 1e9);
	stats("open_all", vo, opened);
	/* The median open latency of the last ~10% of opens before each window end. */
	char wbuf[128];
	snprintf(wbuf, sizeof(wbuf), "%s", windows);
	for (char *save = NULL, *tok = strtok_r(wbuf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int w = atoi(tok);
		if (w <= 0 || w > opened)
			continue;
		/* The WINDOW opens ending at max(w, WINDOW): with w-1 others live, or fewer. */
		int end = w < WINDOW ? WINDOW : w, len = WINDOW;
		if (end > opened)
			end = opened;
		if (len > end)
			len = end;
		char name[48];
		snprintf(name, sizeof(name), "open_at_%d", w);
		stats(name, vo + (end - len), len);
	}
	if (opened > 0) {
		double q = pm.sessions ? pm.sessions : 1;
		printf("mem sessions=%d cgroup_version=%d keeper_rss_kb=%.1f keeper_pss_kb=%.1f keeper_privdirty_kb=%.1f keeper_pte_kb=%.1f "
		       "holder_rss_kb=%.1f holder_pss_kb=%.1f holder_privdirty_kb=%.1f holder_pte_kb=%.1f\n",
		       pm.sessions, pm.cgroup_version, pm.keeper_rss / q, pm.keeper_pss / q,
		       pm.keeper_priv / q, pm.keeper_pte / q, pm.holder_rss / q, pm.holder_pss / q,
		       pm.holder_priv / q, pm.holder_pte / q);
		double k = opened;
		printf("login_mem rss_kb=%.1f pss_kb=%.1f privdirty_kb=%.1f pte_kb=%.1f\n",
		       lrss / k, lpss / k, lpriv / k, lpte / k);
		printf("meminfo_per_session_kb slab=%.1f sunreclaim=%.1f kernelstack=%.1f pagetables=%.1f percpu=%.1f anon=%.1f shmem=%.1f vmalloc=%.1f memfree_drop=%.1f\n",
		       (m1.slab - m0.slab) / k, (m1.sunreclaim - m0.sunreclaim) / k,
		       (m1.kstack - m0.kstack) / k, (m1.pagetables - m0.pagetables) / k,
		       (m1.percpu - m0.percpu) / k, (m1.anon - m0.anon) / k,
		       (m1.shmem - m0.shmem) / k, (m1.vmalloc - m0.vmalloc) / k,
		       (m0.memfree - m1.memfree) / k);
		if (cg_u0 >= 0 && cg_u1 >= 0)
			printf("memcg_per_session_kb usage=%.1f kmem=%.1f\n",
			       (cg_u1 - cg_u0) / 1024.0 / k,
			       cg_k0 >= 0 && cg_k1 >= 0 ? (cg_k1 - cg_k0) / 1024.0 / k : -1.0);
	}

	/* Let run.sh look at (or trace more sessions beside) the N live ones. */
	if (hold_file && opened > 0) {
		printf("held n=%d\n", opened);
		fflush(stdout);
		for (int t = 0; t < HOLD_TIMEOUT_MS / 20 && access(hold_file, F_OK) < 0; t++)
			sleep_ms(20);
	}
	/* Release every session at once; time until every close returned. */
	fflush(stdout);
	int64_t t_rel = now_ns(), t_last = t_rel;
	close(rel[1]);
	close(rel[0]);
	int64_t deadline = t_rel + (int64_t)CHILD_TIMEOUT_MS * 1000000 * 2;
	while (closed < opened && now_ns() < deadline) {
		struct rec r;
		int left = (int)((deadline - now_ns()) / 1000000);
		if (recv_rec(res[0], &r, left < 1 ? 1 : left) < 0)
			break;
		if (r.kind != 1)
			continue;
		if (r.rc) {
			fprintf(stderr, "driver: session %d: %s\n", r.idx, r.err);
			fails++;
		}
		vc[closed++] = ms(r.close_ns);
		if (r.end_ns > t_last)
			t_last = r.end_ns;
	}
	int64_t t_closed = now_ns();
	/* Teardown is asynchronous (the keeper acks first): wait for the state. */
	int64_t t_gone = 0;
	if (sessdir) {
		int64_t dl = now_ns() + (int64_t)TEARDOWN_TIMEOUT_MS * 1000000;
		while (count_sessions(sessdir) > 0 && now_ns() < dl)
			sleep_ms(1);
		t_gone = count_sessions(sessdir) == 0 ? now_ns() : 0;
	}
	for (int i = 0; i < n; i++)
		if (pids[i] > 0 && reap(pids[i], CHILD_TIMEOUT_MS) < 0)
			fails++;
	close(res[0]);
	printf("close n=%d closed=%d all_closed_s=%.4f logouts_per_s=%.1f\n", opened, closed,
	       (double)(t_last - t_rel) / 1e9,
	       t_last > t_rel ? closed / ((double)(t_last - t_rel) / 1e9) : 0.0);
	stats("close_each", vc, closed);
	if (sessdir && t_gone)
		printf("teardown n=%d all_state_gone_s=%.4f teardowns_per_s=%.1f\n", opened,
		       (double)(t_gone - t_rel) / 1e9, opened / ((double)(t_gone - t_rel) / 1e9));
	else if (sessdir)
		printf("teardown n=%d all_state_gone_s=timeout left=%d\n", opened,
		       count_sessions(sessdir));
	(void)t_closed;
	free(pids);
	free(vo);
	free(vc);
	return fails || closed < opened ? 1 : 0;
}

/* ------------------------------------------------------------ --cmd */

static int run_cmd(int n, int gap, bool raw, char **argv)
{
	double *v = calloc((size_t)n, sizeof(double));
	int ok = 0, fails = 0;

	if (!v)
		die("calloc");
	for (int i = 0; i < n; i++) {
		if (gap > 0)
			sleep_ms(gap);
		fflush(stdout);
		int64_t t0 = now_ns();
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			int fd = open("/dev/null", O_RDWR);
			if (fd >= 0) {
				dup2(fd, 0);
				dup2(fd, 1);
				dup2(fd, 2);
			}
			execvp(argv[0], argv);
			_exit(127);
		}
		int st = reap(pid, CHILD_TIMEOUT_MS);
		int64_t t1 = now_ns();
		if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fails++;
			if (fails > 5 && ok == 0)
				break;
			continue;
		}
		v[ok++] = ms(t1 - t0);
		if (raw)
			printf("iter %d outer=%.3f\n", i, v[ok - 1]);
	}
	printf("mode cmd n=%d ok=%d failed=%d gap_ms=%d\n", n, ok, fails, gap);
	stats("outer", v, ok);
	free(v);
	return fails ? 1 : 0;
}

/* ------------------------------------------------------------ --attach-probe */

/* The first write to a cgroup v1 cgroup.procs after an idle gap (the kernel's
 * cgroup_threadgroup_rwsem write lock waits for an RCU grace period when no
 * writer came recently) against a second one right after it. */
static int run_attach_probe(const char *dir, int n, int gap, bool raw)
{
	char a[512], b[512], pa[600], pb[600];
	double *vc = calloc((size_t)n, sizeof(double)), *vw = calloc((size_t)n, sizeof(double));
	int ok = 0;

	if (!vc || !vw)
		die("calloc");
	snprintf(a, sizeof(a), "%s/attach-probe-a.%d", dir, (int)getpid());
	snprintf(b, sizeof(b), "%s/attach-probe-b.%d", dir, (int)getpid());
	snprintf(pa, sizeof(pa), "%s/cgroup.procs", a);
	snprintf(pb, sizeof(pb), "%s/cgroup.procs", b);
	if (mkdir(a, 0755) < 0 || mkdir(b, 0755) < 0) {
		fprintf(stderr, "driver: mkdir %s: %s\n", a, strerror(errno));
		rmdir(a);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char num[24];
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			sleep_ms(gap + 30000);
			_exit(0);
		}
		snprintf(num, sizeof(num), "%d", (int)pid);
		sleep_ms(gap);
		int fa = open(pa, O_WRONLY | O_CLOEXEC), fb = open(pb, O_WRONLY | O_CLOEXEC);
		int64_t t0 = now_ns();
		ssize_t ra = fa >= 0 ? write(fa, num, strlen(num)) : -1;
		int64_t t1 = now_ns();
		ssize_t rb = fb >= 0 ? write(fb, num, strlen(num)) : -1;
		int64_t t2 = now_ns();
		if (fa >= 0)
			close(fa);
		if (fb >= 0)
			close(fb);
		kill(pid, SIGKILL);
		reap(pid, CHILD_TIMEOUT_MS);
		if (ra < 0 || rb < 0)
			continue;
		vc[ok] = ms(t1 - t0);
		vw[ok] = ms(t2 - t1);
		if (raw)
			printf("iter %d cold=%.3f warm=%.3f\n", i, vc[ok], vw[ok]);
		ok++;
	}
	/* The killed children leave the cgroups a moment after they are reaped. */
	for (int t = 0; t < 300 && (rmdir(a) < 0 || rmdir(b) < 0) && errno == EBUSY; t++)
		sleep_ms(10);
	rmdir(a);
	rmdir(b);
	printf("mode attach-probe n=%d ok=%d gap_ms=%d\n", n, ok, gap);
	stats("attach_after_gap", vc, ok);
	stats("attach_right_after", vw, ok);
	free(vc);
	free(vw);
	return ok ? 0 : 1;
}

/* ------------------------------------------------------------ --rwsem-ready */

static volatile sig_atomic_t rwsem_stop;
static void on_term(int sig) { (void)sig; rwsem_stop = 1; }

/* What-if for the cgroup v1 attach: a child of ours moved between two new
 * child cgroups of CGROUP_DIR every INTERVAL_MS until SIGTERM.  The write
 * lock of the kernel's cgroup_threadgroup_rwsem (global) then never goes
 * idle, so no other cgroup.procs write waits for an RCU grace period: what
 * the cgroup mount option favordynmods does for every write.  Changes no
 * host setting; stopped, it removes its cgroups and its child. */
static int run_rwsem_ready(const char *dir, int interval)
{
	char a[512], b[512], pa[600], pb[600], num[24];
	struct sigaction sa = { .sa_handler = on_term };
	long moves = 0;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	snprintf(a, sizeof(a), "%s/rwsem-ready-a.%d", dir, (int)getpid());
	snprintf(b, sizeof(b), "%s/rwsem-ready-b.%d", dir, (int)getpid());
	snprintf(pa, sizeof(pa), "%s/cgroup.procs", a);
	snprintf(pb, sizeof(pb), "%s/cgroup.procs", b);
	if (mkdir(a, 0755) < 0 || mkdir(b, 0755) < 0) {
		fprintf(stderr, "driver: mkdir %s: %s\n", a, strerror(errno));
		rmdir(a);
		return 1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(3600 * 1000);
		_exit(0);
	}
	int fd[2] = { open(pa, O_WRONLY | O_CLOEXEC), open(pb, O_WRONLY | O_CLOEXEC) };
	snprintf(num, sizeof(num), "%d", (int)pid);
	printf("mode rwsem-ready pid=%d\n", (int)pid);
	while (pid > 0 && fd[0] >= 0 && fd[1] >= 0 && !rwsem_stop) {
		if (write(fd[moves & 1], num, strlen(num)) > 0)
			moves++;
		sleep_ms(interval);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		reap(pid, CHILD_TIMEOUT_MS);
	}
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	/* As in run_attach_probe: the killed child leaves a moment after. */
	for (int t = 0; t < 300 && (rmdir(a) < 0 || rmdir(b) < 0) && errno == EBUSY; t++)
		sleep_ms(10);
	rmdir(a);
	rmdir(b);
	printf("moves %ld\n", moves);
	return pid > 0 && moves > 0 ? 0 : 1;
}

/* ------------------------------------------------------------ --spawn-probe */

/* What starting a helper costs from a login process of MB megabytes touched:
 * fork+execve vs posix_spawn (vfork: no page-table copy), each of PROG.
 * Run it with a dynamically and a statically linked PROG. */
static int run_spawn_probe(int mb, int n, const char *prog, bool raw)
{
	extern char **environ;
	char *mem = malloc((size_t)mb << 20);
	double *vf = calloc((size_t)n, sizeof(double)), *vs = calloc((size_t)n, sizeof(double));
	char *argv[] = { (char *)prog, NULL };
	int ok = 0;

	if (!mem || !vf || !vs)
		die("malloc");
	memset(mem, 1, (size_t)mb << 20);
	for (int i = 0; i < n; i++) {
		int st;
		int64_t t0 = now_ns();
		pid_t pid = fork();
		if (pid == 0) {
			execv(prog, argv);
			_exit(127);
		}
		if (pid < 0 || reap(pid, CHILD_TIMEOUT_MS) < 0)
			continue;
		int64_t t1 = now_ns();
		if (posix_spawn(&pid, prog, NULL, NULL, argv, environ) != 0)
			continue;
		st = reap(pid, CHILD_TIMEOUT_MS);
		int64_t t2 = now_ns();
		if (st < 0)
			continue;
		vf[ok] = ms(t1 - t0);
		vs[ok] = ms(t2 - t1);
		if (raw)
			printf("iter %d fork_exec=%.3f posix_spawn=%.3f\n", i, vf[ok], vs[ok]);
		ok++;
	}
	printf("mode spawn-probe mb=%d n=%d ok=%d prog=%s\n", mb, n, ok, prog);
	stats("fork_exec", vf, ok);
	stats("posix_spawn", vs, ok);
	free(mem);
	free(vf);
	free(vs);
	return ok ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: driver SERVICE_DIR SERVICE USER N [--gap-ms G] [--raw] [--concurrent]\n"
		"              [--sessions-dir DIR] [--memcg DIR] [--windows A,B,C] [--hold-file F]\n"
		"       driver --cmd N [--gap-ms G] [--raw] -- PROGRAM [ARG...]\n"
		"       driver --attach-probe CGROUP_DIR N GAP_MS [--raw]\n"
		"       driver --spawn-probe MB N PROGRAM [--raw]\n"
		"       driver --rwsem-ready CGROUP_DIR INTERVAL_MS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *sessdir = NULL, *memcg = NULL, *hold_file = NULL, *windows = "1,10,100,500";
	bool concurrent = false, raw = false;
	int gap = 0, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && strcmp(argv[1], "--spawn-probe") == 0)
		return run_spawn_probe(atoi(argv[2]), atoi(argv[3]), argv[4],
				       argc > 5 && !strcmp(argv[5], "--raw"));
	if (argc == 4 && strcmp(argv[1], "--rwsem-ready") == 0)
		return run_rwsem_ready(argv[2], atoi(argv[3]));
	if (argc >= 5 && strcmp(argv[1], "--attach-probe") == 0)
		return run_attach_probe(argv[2], atoi(argv[3]), atoi(argv[4]),
					argc > 5 && !strcmp(argv[5], "--raw"));
	if (argc >= 3 && strcmp(argv[1], "--cmd") == 0) {
		n = atoi(argv[2]);
		int i = 3;
		for (; i < argc && strcmp(argv[i], "--"); i++) {
			if (!strcmp(argv[i], "--gap-ms") && i + 1 < argc)
				gap = atoi(argv[++i]);
			else if (!strcmp(argv[i], "--raw"))
				raw = true;
			else
				usage();
		}
		if (n <= 0 || i + 1 >= argc)
			usage();
		return run_cmd(n, gap, raw, argv + i + 1);
	}
	if (argc < 5)
		usage();
	n = atoi(argv[4]);
	for (int i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "--gap-ms") && i + 1 < argc)
			gap = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--concurrent"))
			concurrent = true;
		else if (!strcmp(argv[i], "--raw"))
			raw = true;
		else if (!strcmp(argv[i], "--sessions-dir") && i + 1 < argc)
			sessdir = argv[++i];
		else if (!strcmp(argv[i], "--hold-file") && i + 1 < argc)
			hold_file = argv[++i];
		else if (!strcmp(argv[i], "--memcg") && i + 1 < argc)
			memcg = argv[++i];
		else if (!strcmp(argv[i], "--windows") && i + 1 < argc)
			windows = argv[++i];
		else
			usage();
	}
	if (n <= 0)
		usage();

	/* A login program has resolved the user before its session opens (to
	 * authenticate): do the same, so that the children do not each load
	 * the NSS modules for the first time inside pam_open_session. */
	(void)getpwnam(argv[3]);

	struct pam_conv c = { conv, NULL };
	pam_handle_t *pamh = NULL;
	int rc = pam_start_confdir(argv[2], argv[3], &c, argv[1], &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "driver: pam_start_confdir: %s\n", pam_strerror(pamh, rc));
		return 2;
	}
	int r = concurrent ? run_concurrent(pamh, n, sessdir, memcg, windows, hold_file, raw) :
			     run_serial(pamh, n, gap, raw);
	pam_end(pamh, PAM_SUCCESS);
	return r;
}
