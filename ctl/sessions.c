/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The running carrels: their state files, their cgroups' live numbers, and
 * two printers (a list, and everything about one carrel) in text or JSON.
 * Read-only: nothing here writes to a file, signals or logs.
 *
 * Every path used comes from a state file in the root-only state directory
 * (written by the keeper) and is checked to have the shape the helper gives
 * it, .../user-UID/session-ID, before it is read.
 */
#include "sessions.h"
#include "carrel_conf.h"
#include "keeper_client.h"
#include "net.h" /* the session's info file: its name and form only */
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>


static const char *const ns_names[] = {
	"mnt", "pid", "ipc", "uts", "net", "cgroup", "user", "time"
};
#define N_NS ARRAY_SIZE(ns_names)

/* ---------------------------------------------------------------- state files */

static int by_id(const void *a, const void *b)
{
	unsigned long long x = strtoull(((const struct session *)a)->id, NULL, 10);
	unsigned long long y = strtoull(((const struct session *)b)->id, NULL, 10);

	return x < y ? -1 : x > y;
}

int sessions_scan(uid_t only_uid, struct session **out, int *n)
{
	DIR *d = opendir(CARREL_SESSIONS_DIR);
	struct session *all = NULL;
	struct dirent *e;
	int count = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (!session_valid_id(e->d_name))
			continue;
		if (count == cap) {
			struct session *more =
				reallocarray(all, (size_t)(cap ? cap * 2 : 8), sizeof(*all));
			if (!more) {
				free(all);
				closedir(d);
				return -ENOMEM;
			}
			all = more;
			cap = cap ? cap * 2 : 8;
		}
		/* Gone meanwhile, or not a state file: not a carrel. */
		if (session_load(e->d_name, &all[count]) < 0)
			continue;
		if (only_uid != SESSION_ALL_USERS && all[count].uid != only_uid)
			continue;
		count++;
	}
	closedir(d);
	if (count > 1)
		qsort(all, (size_t)count, sizeof(*all), by_id);
	*out = all;
	*n = count;
	return 0;
}

/* ------------------------------------------------------------ cgroup files */

/* The carrel's cgroups, through the one cgroup interface (cgroup/cgroup.h):
 * the same backend code reads usage and limits for carrelctl, the status
 * operation and the keeper's accounting. */
struct cg_session *session_cgroups(const struct session *s, struct carrel_error *e)
{
	struct cg_session *cg = cg_session_new();

	if (!cg) {
		snprintf(e->step, sizeof(e->step), "cgroup");
		snprintf(e->msg, sizeof(e->msg), "%s", strerror(ENOMEM));
		return NULL;
	}
	if (cg_from_state(cg, s->uid, s->id, s->cgroup_version, s->unit, (const char(*)[CG_PATH_MAX])s->cgroup,
			  s->ncg, e) < 0) {
		cg_session_free(cg);
		return NULL;
	}
	return cg;
}

int session_user_dirs(const struct session *s, char dirs[][CG_PATH_MAX], int max)
{
	struct carrel_error e = { 0 };
	_cleanup_cg_ struct cg_session *cg = session_cgroups(s, &e);
	int n = 0;

	for (int i = 0; cg && i < cg_count(cg) && n < max; i++) {
		bool seen = false;
		snprintf(dirs[n], CG_PATH_MAX, "%s", cg_user_path(cg, i));
		for (int j = 0; j < n && !seen; j++)
			seen = strcmp(dirs[j], dirs[n]) == 0;
		if (!seen)
			n++;
	}
	return n;
}

void session_usage(const struct session *s, struct cg_usage *u)
{
	struct carrel_error e = { 0 };
	_cleanup_cg_ struct cg_session *cg = session_cgroups(s, &e);

	if (cg) {
		cg_usage(cg, u);
		return;
	}
	u->memory_current = u->memory_peak = u->memory_max = SESSION_UNKNOWN;
	u->pids_current = u->pids_peak = u->pids_max = SESSION_UNKNOWN;
	u->cpu_usec = u->throttled_usec = u->user_throttled_usec = u->oom_kills = SESSION_UNKNOWN;
}

void session_read_limits(const struct session *s, struct carrel_limits *lim)
{
	struct carrel_error e = { 0 };
	_cleanup_cg_ struct cg_session *cg = session_cgroups(s, &e);
	struct carrel_policy builtin;

	carrel_policy_builtin(&builtin);
	*lim = builtin.limits;
	if (cg)
		cg_read_limits(cg, lim);
}

/* ------------------------------------------------------------- formatting */

/* A size as the config file writes it: exact K/M/G/T, else bytes. */
static const char *conf_size(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	int u = -1;

	if (v == CARREL_UNLIMITED)
		return "max";
	while (v && v % 1024 == 0 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%" PRIu64, v);
	else
		snprintf(buf, size, "%" PRIu64 "%c", v, units[u]);
	return buf;
}

/* A list limit as the config writes it: {"a", "b"}. */
static void print_items(FILE *f, const char *indent, const char *key, const char (*items)[CARREL_ITEM_MAX + 1])
{
	fprintf(f, "%s%s = {", indent, key);
	for (size_t i = 0; i < CARREL_LIST_MAX && items[i][0]; i++)
		fprintf(f, "%s\"%.*s\"", i ? ", " : "", CARREL_ITEM_MAX, items[i]);
	fprintf(f, "}\n");
}

void session_print_limits(FILE *f, const struct carrel_limits *lim, const char *indent)
{
	char b[32];

	fprintf(f, "%smemory_max = %s\n", indent, conf_size(lim->memory_max, b, sizeof(b)));
	fprintf(f, "%smemory_swap_max = %s\n", indent,
		conf_size(lim->memory_swap_max, b, sizeof(b)));
	if (lim->pids_max == CARREL_UNLIMITED)
		fprintf(f, "%spids_max = max\n", indent);
	else
		fprintf(f, "%spids_max = %" PRIu64 "\n", indent, lim->pids_max);
	if (lim->cpu_max == CARREL_UNLIMITED)
		fprintf(f, "%scpu_max = max\n", indent);
	else
		fprintf(f, "%scpu_max = %" PRIu64 "%%\n", indent, lim->cpu_max);
	fprintf(f, "%scpu_weight = %u\n", indent, lim->cpu_weight);
	fprintf(f, "%sio_weight = %u\n", indent, lim->io_weight);
	fprintf(f, "%smemory_high = %s\n", indent, conf_size(lim->memory_high, b, sizeof(b)));
	fprintf(f, "%scpuset_cpus = \"%.*s\"\n", indent, CARREL_CPUSET_MAX, lim->cpuset_cpus);
	fprintf(f, "%scpuset_mems = \"%.*s\"\n", indent, CARREL_CPUSET_MAX, lim->cpuset_mems);
	print_items(f, indent, "io_max", lim->io_max);
	print_items(f, indent, "hugetlb_max", lim->hugetlb_max);
	print_items(f, indent, "devices_deny", lim->devices_deny);
	print_items(f, indent, "devices_allow", lim->devices_allow);
}

/* For people: 1.5M, 64M, 512 (bytes); "max"; "?" when unknown. */
static const char *human(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int u = -1;

	if (v == SESSION_UNKNOWN)
		return "?";
	if (v == CARREL_UNLIMITED)
		return "max";
	if (v < 1024) {
		snprintf(buf, size, "%" PRIu64, v);
		return buf;
	}
	if (v % 1024 == 0) /* exact: the way limits are written */
		return conf_size(v, buf, size);
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	snprintf(buf, size, d < 100 ? "%.1f%c" : "%.0f%c", d, units[u]);
	return buf;
}

static const char *count(uint64_t v, char *buf, size_t size)
{
	if (v == SESSION_UNKNOWN)
		return "?";
	if (v == CARREL_UNLIMITED)
		return "max";
	snprintf(buf, size, "%" PRIu64, v);
	return buf;
}

/* A duration in microseconds: 0.04s, 12.3s, 5m03s, 2h05m, 3d04h. */
static const char *duration(uint64_t usec, char *buf, size_t size)
{
	uint64_t s = usec / 1000000;

	if (usec == SESSION_UNKNOWN)
		return "?";
	if (s < 10)
		snprintf(buf, size, "%.2fs", (double)usec / 1e6);
	else if (s < 60)
		snprintf(buf, size, "%.1fs", (double)usec / 1e6);
	else if (s < 3600)
		snprintf(buf, size, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
	else
		snprintf(buf, size, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s / 3600 % 24);
	return buf;
}

/* Local time, to the minute (list) or to the second (show). */
static const char *when(time_t t, bool seconds, char *buf, size_t size)
{
	struct tm tm;

	if (t <= 0 || !localtime_r(&t, &tm) ||
	    strftime(buf, size, seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, size, "?");
	return buf;
}

static void json_str(FILE *f, const char *pre, const char *s)
{
	fputs(pre, f);
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* PRE (the separator and the member's name), then a number; "max" for no
 * limit; null when unknown. */
static void json_num(FILE *f, const char *pre, uint64_t v)
{
	fputs(pre, f);
	if (v == SESSION_UNKNOWN)
		fputs("null", f);
	else if (v == CARREL_UNLIMITED)
		fputs("\"max\"", f);
	else
		fprintf(f, "%" PRIu64, v);
}

static void json_limits(FILE *f, const struct carrel_limits *lim)
{
	json_num(f, "{\"memory_max\":", lim->memory_max);
	json_num(f, ",\"memory_swap_max\":", lim->memory_swap_max);
	json_num(f, ",\"pids_max\":", lim->pids_max);
	json_num(f, ",\"cpu_max_percent\":", lim->cpu_max);
	fprintf(f, ",\"cpu_weight\":%u,\"io_weight\":%u}", lim->cpu_weight, lim->io_weight);
}

/* The fields a list entry and show share, as JSON members (no braces). */
/* network = nat: the keeper's CARREL_SESSIONS_DIR/ID.net (net/net.c) and
 * the byte counters of the host end of the carrel's veth. */
struct net_view {
	bool nat;
	char ipv4[48], ipv6[64], veth[16], bridge[16];
	uint64_t in, out; /* SESSION_UNKNOWN: unreadable */
};

static uint64_t net_counter(const char *veth, const char *which)
{
	char path[128], buf[32];
	unsigned long long v;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", veth, which);
	if (read_file(path, buf, sizeof(buf)) <= 0 || sscanf(buf, "%llu", &v) != 1)
		return SESSION_UNKNOWN;
	return v;
}

static void net_view(const struct session *s, struct net_view *v)
{
	char path[128], buf[256];

	memset(v, 0, sizeof(*v));
	snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s" CARREL_NET_INFO_SUFFIX, s->id);
	if (read_file(path, buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "ipv4=%47s ipv6=%63s veth=%15s bridge=%15s", v->ipv4, v->ipv6, v->veth,
		   v->bridge) != 4)
		return;
	v->nat = true;
	/* The host end receives what the carrel sends. */
	v->in = net_counter(v->veth, "tx_bytes");
	v->out = net_counter(v->veth, "rx_bytes");
}

int session_net_bytes(const struct session *s, uint64_t *in, uint64_t *out)
{
	struct net_view v;

	net_view(s, &v);
	if (!v.nat) {
		*in = *out = SESSION_UNKNOWN;
		return -ENOENT;
	}
	*in = v.in;
	*out = v.out;
	return 0;
}

static void json_network(FILE *f, const struct session *s)
{
	struct net_view v;

	net_view(s, &v);
	fputs(",\"network\":", f);
	if (!v.nat) {
		fputs("null", f);
		return;
	}
	json_str(f, "{\"mode\":\"nat\",\"ipv4\":", v.ipv4);
	json_str(f, ",\"ipv6\":", v.ipv6);
	json_str(f, ",\"veth\":", v.veth);
	json_str(f, ",\"bridge\":", v.bridge);
	json_num(f, ",\"bytes_in\":", v.in);
	json_num(f, ",\"bytes_out\":", v.out);
	fputs("}", f);
}

static void json_common(FILE *f, const struct session *s, const struct cg_usage *u)
{
	json_str(f, "\"id\":", s->id);
	json_str(f, ",\"user\":", s->user);
	fprintf(f, ",\"uid\":%u,\"scope\":", (unsigned)s->uid);
	json_str(f, "", s->scope);
	json_str(f, ",\"hostname\":", s->hostname);
	fprintf(f, ",\"started\":%lld,\"keeper\":%d,\"holder\":%d,\"cgroup_version\":%d",
		(long long)s->started, (int)s->keeper, (int)s->holder, s->cgroup_version);
	fputs(",\"logins\":[", f);
	for (int i = 0; i < s->nlogins; i++) {
		const struct session_login *l = &s->logins[i];
		fprintf(f, "%s{\"pid\":%d,\"service\":", i ? "," : "", (int)l->pid);
		json_str(f, "", l->service);
		json_str(f, ",\"tty\":", l->tty);
		json_str(f, ",\"rhost\":", l->rhost);
		fprintf(f, ",\"started\":%lld}", (long long)l->started);
	}
	json_str(f, "],\"unit\":", s->unit);
	fputs(",\"cgroups\":[", f);
	for (int i = 0; i < s->ncg; i++) {
		fputs(i ? "," : "", f);
		json_str(f, "", s->cgroup[i]);
	}
	json_num(f, "],\"memory\":{\"current\":", u->memory_current);
	json_num(f, ",\"peak\":", u->memory_peak);
	json_num(f, ",\"max\":", u->memory_max);
	json_num(f, "},\"pids\":{\"current\":", u->pids_current);
	json_num(f, ",\"max\":", u->pids_max);
	json_num(f, "},\"cpu\":{\"usage_usec\":", u->cpu_usec);
	json_num(f, ",\"throttled_usec\":", u->throttled_usec);
	json_num(f, ",\"user_throttled_usec\":", u->user_throttled_usec);
	json_num(f, "},\"oom_kills\":", u->oom_kills);
	json_network(f, s);
}

/* "sshd:pts/0@10.0.0.5,su-l:pts/1": a list line's logins. */
static void logins_text(FILE *f, const struct session *s)
{
	if (s->nlogins == 0)
		fputs("-", f);
	for (int i = 0; i < s->nlogins; i++) {
		const struct session_login *l = &s->logins[i];
		fprintf(f, "%s%s:%s", i ? "," : "", l->service, l->tty);
		if (strcmp(l->rhost, "-") != 0)
			fprintf(f, "@%s", l->rhost);
	}
}

/* The carrel's own throttled time where the kernel counts it (cpu.stat.local),
 * else the user's. */
static uint64_t throttled(const struct cg_usage *u)
{
	return u->throttled_usec != SESSION_UNKNOWN ? u->throttled_usec : u->user_throttled_usec;
}

#define LIST_FMT "%-6s %-12s %-7s %-16s %-20s %-11s %-8s %-9s %-4s "

int sessions_print(FILE *f, uid_t only_uid, bool json)
{
	_cleanup_free_ struct session *all = NULL;
	int n, r;

	if ((r = sessions_scan(only_uid, &all, &n)) < 0)
		return r;
	return sessions_print_list(f, all, n, json);
}

int sessions_print_list(FILE *f, const struct session *all, int n, bool json)
{
	if (json)
		fputs("[", f);
	else
		fprintf(f, LIST_FMT "%s\n", "ID", "USER", "SCOPE", "STARTED", "MEMORY CUR/PEAK/MAX",
			"PIDS", "CPU", "THROTTLED", "OOM", "LOGINS");
	for (int i = 0; i < n; i++) {
		const struct session *s = &all[i];
		struct cg_usage u;
		char t[32], m1[16], m2[16], m3[16], mem[64], p1[24], p2[24], pids[64], c1[24],
			c2[24], oom[24];

		session_usage(s, &u);
		if (json) {
			fputs(i ? ",\n{" : "\n{", f);
			json_common(f, s, &u);
			fputs("}", f);
			continue;
		}
		snprintf(mem, sizeof(mem), "%s/%s/%s", human(u.memory_current, m1, sizeof(m1)),
			 human(u.memory_peak, m2, sizeof(m2)), human(u.memory_max, m3, sizeof(m3)));
		snprintf(pids, sizeof(pids), "%s/%s", count(u.pids_current, p1, sizeof(p1)),
			 count(u.pids_max, p2, sizeof(p2)));
		fprintf(f, LIST_FMT, s->id, s->user, s->scope[0] ? s->scope : "?",
			when(s->started, false, t, sizeof(t)), mem, pids,
			duration(u.cpu_usec, c1, sizeof(c1)),
			duration(throttled(&u), c2, sizeof(c2)),
			count(u.oom_kills, oom, sizeof(oom)));
		logins_text(f, s);
		fputc('\n', f);
	}
	if (json)
		fputs(n ? "\n]\n" : "]\n", f);
	return ferror(f) ? -EIO : 0;
}

/* ------------------------------------------------------------------- show */

struct holder_view {
	const char *verified; /* how the holder was known to be this carrel's; NULL: it was not */
	char why[160];	      /* when not verified */
	pid_t pid;
	unsigned long long ns[N_NS];  /* inode numbers; 0: unreadable */
	unsigned long long own[N_NS]; /* ours, to tell which are shared */
};

static pid_t parent_pid(pid_t pid)
{
	char path[64], buf[2048];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0 || !(p = strstr(buf, "\nPPid:")))
		return -1;
	return (pid_t)strtol(p + 6, NULL, 10);
}

static bool is_keeper(pid_t pid)
{
	char path[64], comm[32];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	return read_file(path, comm, sizeof(comm)) > 0 && strcmp(comm, "carrel-keeper\n") == 0;
}

/* The pid a pidfd refers to (-1: the process has exited). */
static pid_t pidfd_pid(int pidfd)
{
	char path[64], buf[1024];
	const char *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	if (read_file(path, buf, sizeof(buf)) <= 0 || !(p = strstr(buf, "\nPid:")))
		return -1;
	return (pid_t)strtol(p + 5, NULL, 10);
}

static unsigned long long ns_inode(pid_t pid, const char *name)
{
	char path[64], link[64];
	ssize_t n;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	const char *b = strchr(link, '[');
	return b ? strtoull(b + 1, NULL, 10) : 0;
}

/*
 * The holder's namespaces, by a pid that is known to be the holder for the
 * whole time they are read: best, the keeper hands out a pidfd (which no
 * recycled pid can fool) and the pid it names is still alive afterwards;
 * failing that, the state file's holder pid must be a child of a live
 * carrel-keeper with the state file's keeper pid, before and after.
 */
static void holder_view(const struct session *s, struct holder_view *h)
{
	_cleanup_close_ int pidfd = -1;
	_cleanup_free_ void *bpf = NULL;
	struct carrel_reply reply;
	struct pollfd p = { .events = POLLIN };
	int r;

	memset(h, 0, sizeof(*h));
	if (geteuid() != 0) {
		snprintf(h->why, sizeof(h->why), "only root may look at the holder");
		return;
	}
	for (size_t i = 0; i < N_NS; i++)
		h->own[i] = ns_inode(0, ns_names[i]);
	h->pid = s->holder;
	r = keeper_ask_holder(s->id, CARREL_CTL_HOLDER, &reply, &pidfd, 1, &bpf, 2000);
	if (r == 0) {
		h->pid = pidfd_pid(pidfd);
		if (h->pid <= 0) {
			snprintf(h->why, sizeof(h->why), "the holder has exited");
			return;
		}
	}
	if (parent_pid(h->pid) != s->keeper || !is_keeper(s->keeper)) {
		snprintf(h->why, sizeof(h->why), "pid %d is not the child of keeper %d%s%s%s",
			 (int)h->pid, (int)s->keeper,
			 r < 0 ? "; the keeper does not answer on its socket (" : "",
			 r < 0 ? strerror(-r) : "", r < 0 ? ")" : "");
		return;
	}
	for (size_t i = 0; i < N_NS; i++)
		h->ns[i] = ns_inode(h->pid, ns_names[i]);
	p.fd = pidfd;
	if (r == 0 && poll(&p, 1, 0) == 0) {
		h->verified = "the keeper's pidfd, alive throughout";
		return;
	}
	if (r < 0 && parent_pid(h->pid) == s->keeper) {
		h->verified = "child of the keeper, before and after (the keeper did not answer)";
		return;
	}
	memset(h->ns, 0, sizeof(h->ns));
	snprintf(h->why, sizeof(h->why), "the holder exited while it was looked at");
}

struct explain_ctx {
	FILE *f;
	bool json;
	int n;
};

static void explain_cb(const char *key, const char *val, const char *origin, void *data)
{
	struct explain_ctx *c = data;

	if (c->json) {
		fputs(c->n ? ",{\"key\":" : "{\"key\":", c->f);
		json_str(c->f, "", key);
		json_str(c->f, ",\"value\":", val);
		json_str(c->f, ",\"origin\":", origin);
		fputs("}", c->f);
	} else {
		fprintf(c->f, "    %-24s %-28s %s\n", key, val, origin);
	}
	c->n++;
}

/* The policy the configuration gives the user now, value by value with its origin. */
static void show_policy(FILE *f, const struct session *s, const char *config, bool json)
{
	struct carrel_config *cfg = NULL;
	struct carrel_error err = { 0 };
	struct carrel_policy pol;
	struct explain_ctx c = { .f = f, .json = json };
	int r;

	if (json) {
		json_str(f, ",\"policy\":{\"config\":", config);
		fputs(",\"values\":[", f);
	} else {
		fprintf(f, "policy (what %s gives %s now, and where each value comes from):\n",
			config, s->user);
	}
	r = carrel_config_load(config, &cfg, &err);
	if (r == 0)
		r = carrel_policy_resolve_explain(cfg, s->user, &pol, explain_cb, &c, &err);
	carrel_config_free(cfg);
	if (json) {
		fputs("]", f);
		if (r < 0) {
			json_str(f, ",\"error\":", err.msg[0] ? err.msg : strerror(-r));
		}
		fputs("}", f);
	} else if (r < 0) {
		fprintf(f, "    error: %s\n", err.msg[0] ? err.msg : strerror(-r));
	}
}

static void show_text(FILE *f, const struct session *s, const struct cg_usage *u,
		      const struct holder_view *h, const struct carrel_limits *lim)
{
	char t[64], a[32], b[32], n1[24], n2[24], n3[24], h1[16], h2[16], h3[16];
	char udirs[CG_MAX_HIER][CG_PATH_MAX];
	time_t now = time(NULL);
	int n;

	fprintf(f, "carrel %s\n", s->id);
	fprintf(f, "  user:      %s (uid %u)\n", s->user, (unsigned)s->uid);
	fprintf(f, "  scope:     %s\n", s->scope[0] ? s->scope : "?");
	fprintf(f, "  hostname:  %s\n", s->hostname[0] ? s->hostname : "-");
	fprintf(f, "  started:   %s (%s ago)\n", when(s->started, true, t, sizeof(t)),
		duration(now > s->started ? (uint64_t)(now - s->started) * 1000000 : 0, a,
			 sizeof(a)));
	fprintf(f, "  keeper:    pid %d\n", (int)s->keeper);
	fprintf(f, "  holder:    pid %d\n", (int)h->pid);
	fprintf(f, "logins (%d):\n", s->nlogins);
	for (int i = 0; i < s->nlogins; i++) {
		const struct session_login *l = &s->logins[i];
		fprintf(f, "  pid %-7d %-12s tty %-10s from %-16s since %s\n", (int)l->pid,
			l->service, l->tty, l->rhost, when(l->started, true, t, sizeof(t)));
	}
	fprintf(f, "cgroups (cgroup v%d%s):\n", s->cgroup_version ? s->cgroup_version : 1,
		s->unit[0] ? ", systemd's" : "");
	if (s->unit[0])
		fprintf(f, "  unit:    %s\n", s->unit);
	for (int i = 0; i < s->ncg; i++)
		fprintf(f, "  session: %s\n", s->cgroup[i]);
	n = session_user_dirs(s, udirs, CG_MAX_HIER);
	for (int i = 0; i < n; i++)
		fprintf(f, "  user:    %s\n", udirs[i]);
	fprintf(f, "usage:\n");
	fprintf(f, "  memory:    current %s (%s), peak %s (%s), max %s (%s)\n",
		count(u->memory_current, n1, sizeof(n1)), human(u->memory_current, h1, sizeof(h1)),
		count(u->memory_peak, n2, sizeof(n2)), human(u->memory_peak, h2, sizeof(h2)),
		count(u->memory_max, n3, sizeof(n3)), human(u->memory_max, h3, sizeof(h3)));
	fprintf(f, "  pids:      current %s, max %s\n", count(u->pids_current, a, sizeof(a)),
		count(u->pids_max, b, sizeof(b)));
	fprintf(f, "  cpu:       %s usec (%s)\n", count(u->cpu_usec, a, sizeof(a)),
		duration(u->cpu_usec, b, sizeof(b)));
	fprintf(f,
		"  throttled: %s usec (this carrel), %s usec (user-%u, shared by the user's carrels)\n",
		count(u->throttled_usec, a, sizeof(a)), count(u->user_throttled_usec, b, sizeof(b)),
		(unsigned)s->uid);
	fprintf(f, "  oom kills: %s\n", count(u->oom_kills, a, sizeof(a)));
	struct net_view nv;
	net_view(s, &nv);
	if (nv.nat)
		fprintf(f, "  network:   nat, %s and %s, veth %s on %s, %s bytes in, %s bytes out\n",
			nv.ipv4, nv.ipv6, nv.veth, nv.bridge, count(nv.in, a, sizeof(a)),
			count(nv.out, b, sizeof(b)));
	fprintf(f, "limits on user-%u now:\n", (unsigned)s->uid);
	session_print_limits(f, lim, "  ");
	if (h->verified)
		fprintf(f, "namespaces (of holder %d; verified by %s):\n", (int)h->pid,
			h->verified);
	else
		fprintf(f, "namespaces: unknown: %s\n", h->why);
	for (size_t i = 0; h->verified && i < N_NS; i++) {
		if (!h->ns[i])
			fprintf(f, "  %-7s ?\n", ns_names[i]);
		else
			fprintf(f, "  %-7s %llu%s\n", ns_names[i], h->ns[i],
				h->ns[i] == h->own[i] ? " (shared with the caller)" : "");
	}
}

static void show_json(FILE *f, const struct session *s, const struct cg_usage *u,
		      const struct holder_view *h, const struct carrel_limits *lim)
{
	char udirs[CG_MAX_HIER][CG_PATH_MAX];
	int n = session_user_dirs(s, udirs, CG_MAX_HIER);

	fputs("{", f);
	json_common(f, s, u);
	fputs(",\"user_cgroups\":[", f);
	for (int i = 0; i < n; i++) {
		fputs(i ? "," : "", f);
		json_str(f, "", udirs[i]);
	}
	fputs("],\"limits\":", f);
	json_limits(f, lim);
	fprintf(f, ",\"namespaces\":{\"holder\":%d,\"verified\":", (int)h->pid);
	if (h->verified)
		json_str(f, "", h->verified);
	else
		fputs("null", f);
	if (!h->verified) {
		json_str(f, ",\"error\":", h->why);
	}
	for (size_t i = 0; h->verified && i < N_NS; i++) {
		fprintf(f, ",\"%s\":", ns_names[i]);
		if (h->ns[i])
			fprintf(f, "{\"inode\":%llu,\"shared\":%s}", h->ns[i],
				h->ns[i] == h->own[i] ? "true" : "false");
		else
			fputs("null", f);
	}
	fputs("}", f);
}

int session_show(FILE *f, const char *id, uid_t only_uid, const char *config, bool json)
{
	_cleanup_free_ struct session *s = malloc(sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	if ((r = session_load(id, s)) < 0)
		return r;
	if (only_uid != SESSION_ALL_USERS && s->uid != only_uid)
		return -ENOENT;
	return session_show_loaded(f, s, config, json);
}

int session_show_loaded(FILE *f, const struct session *s, const char *config, bool json)
{
	struct cg_usage u;
	struct holder_view h;
	struct carrel_limits lim;

	if (!config)
		config = s->config[0] ? s->config : CARREL_DEFAULT_CONFIG;
	session_usage(s, &u);
	session_read_limits(s, &lim);
	holder_view(s, &h);
	if (json) {
		show_json(f, s, &u, &h, &lim);
		show_policy(f, s, config, true);
		fputs("}\n", f);
	} else {
		show_text(f, s, &u, &h, &lim);
		show_policy(f, s, config, false);
	}
	return ferror(f) ? -EIO : 0;
}

/* ------------------------------------------- the formatters, for ctl/top.c */

const char *session_human(uint64_t v, char *buf, size_t size)
{
	return human(v, buf, size);
}

void session_json_str(FILE *f, const char *s)
{
	json_str(f, "", s);
}

void session_json_num(FILE *f, uint64_t v)
{
	json_num(f, "", v);
}
