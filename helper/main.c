/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * carrel-helper: the root half of carrel (not set-user-ID: the PAM module
 * runs it as root; check-config drops to a non-root caller).
 *
 * main() is linear: sanitize the process (fds, environment, umask), look the
 * operation up in one closed table, check who may call it, for a root-only
 * one reset everything else the caller controls (sanitize_process), run it.  Each
 * operation says why it is safe and who may call it.  Nothing here trusts
 * the caller's environment, and nothing runs with privileges that the
 * operation does not need.
 */
#include "carrel.h"
#include "ctrl.h"
#include "seccomp_profile.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

/* The built-in seccomp filter, compiled once per helper binary. */
#define CARREL_SECCOMP_CACHE CARREL_RUNDIR "/seccomp-default.bpf"

static int op_open(int argc, char **argv);
static int op_check_config(int argc, char **argv);

static const struct op {
	const char *name;
	bool root_only;
	int (*run)(int argc, char **argv);
} ops[] = {
	/* Builds namespaces, cgroups and mounts for a login: root only (the
	 * PAM module inside the login program, which runs as root). */
	{ "open", true, op_open },
	/* Reads a config file: safe for anyone because privileges are dropped
	 * to the caller's own before the file is opened. */
	{ "check-config", false, op_check_config },
	/* enter and status, what a non-root user may ask, are carrel-user's
	 * (setuid/), the only set-user-ID program. */
};

static void usage(void)
{
	fprintf(stderr, "usage: carrel-helper check-config [FILE] [--user NAME]\n"
			"       carrel-helper open USER SERVICE TTY RHOST [CONFIG]   (root, from pam_carrel)\n");
}
static int ns_flags(unsigned ns)
{
	int f = 0;

	if (ns & CARREL_NS_MNT)
		f |= CLONE_NEWNS;
	if (ns & CARREL_NS_PID)
		f |= CLONE_NEWPID;
	if (ns & CARREL_NS_IPC)
		f |= CLONE_NEWIPC;
	if (ns & CARREL_NS_UTS)
		f |= CLONE_NEWUTS;
	if (ns & CARREL_NS_NET)
		f |= CLONE_NEWNET;
	if (ns & CARREL_NS_USER)
		f |= CLONE_NEWUSER; /* created with the others, so it owns them */
	return f; /* the cgroup namespace is unshared by the holder, once in its cgroup */
}

/* USER SERVICE TTY RHOST [CONFIG]; the user's ids come with the policy
 * (recv_policy()): no name service lookup here. */
static int check_args(struct carrel *c, int argc, char **argv, struct carrel_reply *reply)
{
	if (argc < 6 || argc > 7) {
		proto_error(reply, -EINVAL, "arguments", "expected USER SERVICE TTY RHOST [CONFIG]");
		return -EINVAL;
	}
	if (!valid_user_name(argv[2])) {
		proto_error(reply, -EINVAL, "arguments", "invalid user name");
		return -EINVAL;
	}
	for (int i = 3; i <= 5; i++) {
		if (!valid_token(argv[i], i == 5 ? 255 : 63)) {
			proto_error(reply, -EINVAL, "arguments", "invalid %s",
				    i == 3 ? "service" : i == 4 ? "tty" : "rhost");
			return -EINVAL;
		}
	}
	if (argc == 7 && (argv[6][0] != '/' || !valid_token(argv[6], sizeof(c->config) - 1))) {
		proto_error(reply, -EINVAL, "arguments", "config path must be absolute, printable, without spaces");
		return -EINVAL;
	}
	if (argc == 7)
		snprintf(c->config, sizeof(c->config), "%s", argv[6]);
	snprintf(c->user, sizeof(c->user), "%s", argv[2]);
	snprintf(c->logins[0].service, sizeof(c->logins[0].service), "%s", argv[3]);
	snprintf(c->logins[0].tty, sizeof(c->logins[0].tty), "%s", argv[4]);
	snprintf(c->logins[0].rhost, sizeof(c->logins[0].rhost), "%s", argv[5]);
	return 0;
}

/* Build the session's seccomp program now, as root, so that the login
 * process only loads bytes (no libseccomp, no profile parsing in sshd).
 * The built-in default is compiled once per helper binary and cached in
 * CARREL_RUNDIR. */
static int build_filter(struct carrel *c, struct carrel_reply *reply)
{
	struct carrel_seccomp *f = NULL;
	struct carrel_error err = { 0 };
	const char *profile = c->policy.seccomp;
	int r;

	if (strcmp(profile, "default") == 0) {
		if ((r = ensure_root_dir(CARREL_RUNDIR, 0755)) < 0) {
			proto_error(reply, r, "state directory", "%s: %s", CARREL_RUNDIR, strerror(-r));
			return r;
		}
		r = carrel_seccomp_default_bpf(CARREL_SECCOMP_CACHE, &c->bpf, &c->bpf_len, &err);
	} else if ((r = carrel_seccomp_build(profile, &f, &err)) == 0 && f) {
		r = carrel_seccomp_export_mem(f, &c->bpf, &c->bpf_len);
		if (r < 0)
			carrel_error_set(&err, "%s: cannot export the filter: %s", profile, strerror(-r));
		carrel_seccomp_free(f);
	}
	/* No filter context is left: the keeper, forked next, maps none of
	 * libseccomp (a cached default filter never loaded it). */
	carrel_libseccomp_unload();
	if (r < 0)
		proto_error(reply, r, "seccomp", "%s", err.msg);
	return r; /* seccomp = off: no program */
}

static int check_ids(struct carrel *c, const struct carrel_ids *ids, struct carrel_reply *reply)
{
	int r;

	if (!(c->policy.namespaces & CARREL_NS_USER))
		return 0;
	r = idmap_collect(&c->ids, ids);
	if (r == -EPERM)
		proto_error(reply, r, "uid/gid map", "%s has uid or primary gid 0: root is never mapped", c->user);
	else if (r < 0)
		proto_error(reply, r, "uid/gid map", "%s is in more than %d groups", c->user, IDMAP_MAX_GIDS);
	return r;
}

/* An error of policy_usable(): at open the message alone; for check-config
 * (CHK) "FILE:LINE: WHO: message", FILE:LINE being where KEY was set. */
static bool unusable(struct carrel_error *err, const struct carrel_check *chk, const char *key,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static bool unusable(struct carrel_error *err, const struct carrel_check *chk, const char *key,
		     const char *fmt, ...)
{
	char msg[sizeof(err->msg)], where[PATH_MAX + 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!chk) {
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
		return false;
	}
	carrel_check_where(chk, key, where, sizeof(where));
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s: %s", where, chk->who, msg) >= (int)sizeof(err->msg))
		err->msg[sizeof(err->msg) - 1] = '\0'; /* cut short: the start says where */
	return false;
}

/* check-config: what each profile and each cgroup_parent gave, so that a
 * config naming them in many sections builds and probes each once. */
struct usable_cache {
	char seccomp_ok[32][CARREL_SECCOMP_MAX + 1]; /* profiles that built */
	int n_seccomp_ok;
	/* cg_prepare()'s answer per cgroup_parent, with and without pid. */
	bool cgroup_probed[CARREL_CGROUP_PARENT_AUTO + 1][2];
	int cgroup_r[CARREL_CGROUP_PARENT_AUTO + 1][2];
	char cgroup_msg[CARREL_CGROUP_PARENT_AUTO + 1][2][sizeof(((struct carrel_error *)0)->msg)];
	bool net_checked; /* network = nat: the host looked at once */
	bool mcs_said;    /* selinux_categories: the no-op said once */
};

/* The profile P names builds (open builds it in build_filter()). */
static bool seccomp_usable(const struct carrel_policy *p, const struct carrel_check *chk,
			   struct usable_cache *cache, struct carrel_error *err)
{
	struct carrel_seccomp *f = NULL;
	struct carrel_error e = { 0 };

	for (int i = 0; i < cache->n_seccomp_ok; i++)
		if (strcmp(cache->seccomp_ok[i], p->seccomp) == 0)
			return true;
	if (carrel_seccomp_build(p->seccomp, &f, &e) < 0)
		return unusable(err, chk, "seccomp", "seccomp = \"%s\": %s", p->seccomp, e.msg);
	carrel_seccomp_free(f);
	if (cache->n_seccomp_ok < (int)ARRAY_SIZE(cache->seccomp_ok))
		snprintf(cache->seccomp_ok[cache->n_seccomp_ok++], sizeof(cache->seccomp_ok[0]), "%s",
			 p->seccomp);
	return true;
}

/* What this host makes of cgroup_parent, found as open finds it
 * (cg_prepare(), which only reads), and what carrel_open() refuses. */
static bool cgroup_usable(const struct carrel_policy *p, const struct carrel_check *chk,
			  struct usable_cache *cache, struct carrel_error *err)
{
	enum carrel_cgroup_parent parent = p->cgroup_parent;
	int pidns = (p->namespaces & CARREL_NS_PID) != 0;

	if (parent > CARREL_CGROUP_PARENT_AUTO)
		return unusable(err, chk, "cgroup_parent", "invalid cgroup_parent");
	if (!cache->cgroup_probed[parent][pidns]) {
		_cleanup_cg_ struct cg_session *cg = cg_session_new();
		struct carrel_error e = { 0 };

		cache->cgroup_r[parent][pidns] =
			cg ? cg_prepare(cg, getpid(), parent, chk->uid, "0", pidns, &e) : -ENOMEM;
		snprintf(cache->cgroup_msg[parent][pidns], sizeof(cache->cgroup_msg[0][0]), "%s",
			 cg ? e.msg : "out of memory");
		cache->cgroup_probed[parent][pidns] = true;
	}
	if (cache->cgroup_r[parent][pidns] < 0)
		return unusable(err, chk, cache->cgroup_r[parent][pidns] == -EINVAL ? "namespaces" : "cgroup_parent",
				"%s", cache->cgroup_msg[parent][pidns]);
	return true;
}

/* check-config: the limits that name this machine's devices and CPUs
 * (cgroup/cgdev.c); a cpuset cut to the machine, or an item that names no
 * device here, is a warning. */
static bool limits_usable(const struct carrel_policy *p, const struct carrel_check *chk, struct carrel_error *err)
{
	struct carrel_error e = { 0 };
	const char *key = "limits";
	char warn[512], label[64], where[PATH_MAX + 16];

	if (cg_check_limits(&p->limits, warn, sizeof(warn), &key, &e) < 0)
		return unusable(err, chk, key, "%s", e.msg);
	if (warn[0]) { /* "limits.KEY: ...": where KEY was set */
		snprintf(label, sizeof(label), "%.*s", (int)strcspn(warn, ":"), warn);
		carrel_check_where(chk, label, where, sizeof(where));
		fprintf(stderr, "warning: %s: %s: %s\n", where, chk->who, warn);
	}
	return true;
}

/* check-config: selinux_categories = per-session where SELinux has no
 * MLS/MCS policy loaded does nothing (the keeper takes no pair): say so,
 * once; a warning, since the same config may serve SELinux hosts. */
static void selinux_usable(const struct carrel_policy *p, const struct carrel_check *chk, struct usable_cache *cache)
{
	char where[PATH_MAX + 16];

	if (p->selinux_categories != CARREL_SELINUX_CATEGORIES_PER_SESSION || cache->mcs_said ||
	    carrel_mcs_host_ready())
		return;
	cache->mcs_said = true;
	carrel_check_where(chk, "selinux_categories", where, sizeof(where));
	fprintf(stderr,
		"warning: %s: selinux_categories = per-session: SELinux with an MLS/MCS policy is not "
		"enabled on this host: no categories (a no-op)\n",
		where);
}

/*
 * What a policy needs beyond its own keys, in one place for open and
 * check-config: a mount namespace for the pid namespace's /proc and a
 * private /tmp.  For check-config (CHK, with CACHE; NULL at open) also what
 * open finds later: a seccomp profile that does not build (build_filter())
 * and a cgroup_parent this host refuses (carrel_open()).
 */
static bool policy_usable(const struct carrel_policy *p, const struct carrel_check *chk,
			  struct usable_cache *cache, struct carrel_error *err)
{
	if (!(p->namespaces & CARREL_NS_MNT) && ((p->namespaces & CARREL_NS_PID) || p->tmp == CARREL_TMP_PRIVATE))
		return unusable(err, chk, "namespaces", "the pid namespace and tmp = private need the mnt namespace");
	if (!chk)
		return true;
	selinux_usable(p, chk, cache);
	return seccomp_usable(p, chk, cache, err) && cgroup_usable(p, chk, cache, err) &&
	       limits_usable(p, chk, err);
}

_Static_assert(sizeof(((struct carrel_open_req *)0)->seuser) == CARREL_MCS_SEUSER_MAX, "one SELinux user size");

/* The policy the module resolved and the user's ids (*IDS; c->uid, c->gid),
 * from fd 3, with the login process's pidfd attached; the policy's form is
 * checked here. */
static int recv_policy(struct carrel *c, struct carrel_ids *ids, struct carrel_reply *reply)
{
	/* Large: not on the stack; nor static, whose pages the keeper would
	 * keep for the carrel's life: freed before the keeper's fork. */
	_cleanup_free_ struct carrel_open_req *req = calloc(1, sizeof(*req));
	struct carrel_error err = { 0 };
	const struct carrel_policy *p;
	int r;

	if (!req) {
		proto_error(reply, -ENOMEM, "memory", "the module's request");
		return -ENOMEM;
	}
	p = &req->policy;
	r = proto_recv(CARREL_PROTO_FD, req, sizeof(*req), &c->logins[0].pidfd, 1, 5000);
	if (r == 0 && (req->version != CARREL_PROTO_VERSION || req->size != sizeof(req->policy)))
		r = -EPROTO;
	if (r == 0 && (!memchr(p->hostname, 0, sizeof(p->hostname)) || !memchr(p->seccomp, 0, sizeof(p->seccomp)) ||
		       (p->namespaces & ~0x7fu) || p->tmp_size == 0 || p->on_error > CARREL_ON_ERROR_ALLOW ||
		       p->tmp > CARREL_TMP_SHARED || p->cgroup_parent > CARREL_CGROUP_PARENT_AUTO ||
		       p->scope > CARREL_SCOPE_USER || p->network > CARREL_NETWORK_NAT ||
		       p->selinux_categories > CARREL_SELINUX_CATEGORIES_PER_SESSION ||
		       !memchr(p->net_bridge, 0, sizeof(p->net_bridge)) ||
		       !memchr(p->net_pool4, 0, sizeof(p->net_pool4)) ||
		       !memchr(p->net_pool6, 0, sizeof(p->net_pool6)) ||
		       (p->network == CARREL_NETWORK_HOST) != !(p->namespaces & CARREL_NS_NET) ||
		       !carrel_limits_form_ok(&p->limits) || !memchr(req->seuser, 0, sizeof(req->seuser)) ||
		       (req->seuser[0] && !carrel_mcs_seuser_ok(req->seuser))))
		r = -EINVAL;
	if (r < 0) {
		proto_error(reply, r, "policy", "no valid policy from the module");
		return r;
	}
	if (req->ids.uid == (uint32_t)-1 || req->ids.gid == (uint32_t)-1) {
		proto_error(reply, -EINVAL, "user", "no valid uid/gid of %s from the module", c->user);
		return -EINVAL;
	}
	c->policy = req->policy;
	*ids = req->ids;
	memcpy(c->seuser, req->seuser, sizeof(c->seuser));
	c->uid = ids->uid;
	c->gid = ids->gid;
	if (!policy_usable(&c->policy, NULL, NULL, &err)) {
		proto_error(reply, -EINVAL, "config", "%s", err.msg);
		return -EINVAL;
	}
	return 0;
}

/*
 * The login process: the module passed its pidfd with the policy. Never
 * getppid(): if the login program dies before we look, we have been
 * reparented to a subreaper or PID 1, whose pid the keeper would then put
 * into the session's cgroup. The pid read here is used only while the
 * pidfd shows the process alive (the keeper checks again after the attach).
 */
static int find_login(struct login *l, struct carrel_reply *reply)
{
	pid_t pid = l->pidfd >= 0 ? pidfd_get_pid(l->pidfd) : -EBADF;

	l->sock = CARREL_PROTO_FD;
	l->started = time(NULL);
	if (pid < 0) {
		proto_error(reply, pid, "login process",
			    pid == -ESRCH ? "it exited" : "no pidfd of it from the module");
		return pid;
	}
	l->pid = pid;
	return 0;
}

static int op_open(int argc, char **argv)
{
	static struct carrel c; /* large: not on the stack */
	static struct carrel_ids ids;
	struct carrel_reply reply = { 0 };
	int type = 0;
	socklen_t len = sizeof(type);
	int r;

	c.user_lock = -1;
	c.holder_pid = -1;
	c.holder_pidfd = -1;
	carrel_net_lease_init(&c.net);
	carrel_mcs_init(&c.mcs);
	c.nlogins = 1;
	c.logins[0].pidfd = -1;
	if (getsockopt(CARREL_PROTO_FD, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET) {
		fprintf(stderr, "carrel-helper: open: fd %d is not the module's socket\n", CARREL_PROTO_FD);
		return 2;
	}
	(void)fcntl(CARREL_PROTO_FD, F_SETFD, FD_CLOEXEC);
	if ((r = check_args(&c, argc, argv, &reply)) < 0 || (r = recv_policy(&c, &ids, &reply)) < 0 ||
	    (r = check_ids(&c, &ids, &reply)) < 0 || (r = build_filter(&c, &reply)) < 0 ||
	    (r = find_login(&c.logins[0], &reply)) < 0)
		goto fail;
	/* scope = user: join the user's running carrel if there is one; its
	 * keeper answers the module. Otherwise create it, under the user lock. */
	if (c.policy.scope == CARREL_SCOPE_USER && carrel_attach_existing(&c, &c.logins[0], &c.user_lock) == 0)
		return 0;
	if (c.policy.scope == CARREL_SCOPE_USER && c.user_lock < 0) {
		r = c.user_lock;
		if (r == -ETIMEDOUT)
			proto_error(&reply, r, "lock", CARREL_USERS_DIR "/%u.lock", (unsigned)c.uid);
		else
			proto_error(&reply, r, "state directory", CARREL_USERS_DIR);
		goto fail;
	}
	if ((r = carrel_open(&c, &reply)) < 0)
		goto fail;
	c.clone_flags = (unsigned)ns_flags(c.policy.namespaces);
	/* The keeper gives back the free heap pages it inherits once it is
	 * idle (keeper.c, release_idle_memory). */
	pid_t pid = fork();
	if (pid == 0)
		keeper_main(&c);
	if (pid < 0) {
		r = -errno;
		proto_error(&reply, r, "keeper", "fork: %s", strerror(-r));
		carrel_cleanup(&c);
		goto fail;
	}
	/* The keeper answers the module; this process only had to exist so
	 * that the keeper is nobody's child in the login program. */
	return 0;
fail:
	/* The module logs the failure, once; only if it cannot be told do we. */
	if (proto_send_reply(CARREL_PROTO_FD, &reply, -1) < 0)
		syslog(LOG_ERR, "open for %s: %s: %s", argc > 2 ? argv[2] : "?", reply.step, reply.detail);
	return 1;
}

static int check_one(const struct carrel_check *chk, void *ctx, struct carrel_error *err)
{
	struct usable_cache *cache = ctx;
	char why[512];

	/* network = nat: what on this host would leave carrels without a
	 * network (net/nft.c says why carrel does not fix it itself). */
	if (chk->policy->network == CARREL_NETWORK_NAT && !cache->net_checked) {
		int r = carrel_net_check_host(chk->policy, why, sizeof(why));

		/* No usable plugin: every nat login would be refused. */
		if (r < 0) {
			carrel_error_set(err, "network = nat: %s", why);
			return r;
		}
		cache->net_checked = true;
		if (r == 1)
			fprintf(stderr, "warning: network = nat: %s\n", why);
	}
	/* The carrel's resolv.conf (the gateway) is bound in its mount
	 * namespace (helper/holder.c): without one it reads the host's. */
	if (chk->policy->network == CARREL_NETWORK_NAT && !(chk->policy->namespaces & CARREL_NS_MNT)) {
		char where[256];

		carrel_check_where(chk, "network", where, sizeof(where));
		fprintf(stderr,
			"warning: %s: %s: network = nat without mnt in namespaces: the carrel reads the "
			"host's /etc/resolv.conf, so names resolve only where that server is reachable "
			"through NAT (not a loopback or host address such as 127.0.0.53)\n",
			chk->who, where);
	}
	return policy_usable(chk->policy, chk, ctx, err) ? 0 : -EINVAL;
}

static void check_warn(const char *msg, void *ctx)
{
	fprintf(stderr, "warning: %s\n", msg);
}

/*
 * The truth about FILE: everything that any login would load, checked as
 * open checks it (every section, every seccomp profile named anywhere,
 * what this host refuses); with --user, that user's policy, printed.
 * Errors name FILE:LINE; warnings (footguns that are not errors) go to
 * stderr and do not change the exit status.
 */
static int op_check_config(int argc, char **argv)
{
	static struct usable_cache cache; /* large: not on the stack */
	const char *file = NULL, *user = NULL;
	struct carrel_config *cfg = NULL;
	struct carrel_error err = { 0 };
	struct carrel_policy pol;
	char off[PATH_MAX];
	int r;

	if (getuid() != 0 && drop_to_caller() < 0) {
		fprintf(stderr, "carrel-helper: cannot drop privileges\n");
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			user = argv[++i];
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else {
			usage();
			return 2;
		}
	}
	if (carrel_switch_on(file, off, sizeof(off)))
		printf("EMERGENCY SWITCH ON: %s exists: every login is let in without a sandbox\n", off);
	r = carrel_config_load(file, &cfg, &err);
	if (r == 0)
		r = carrel_config_check(cfg, user, check_one, check_warn, &cache, &err);
	if (r == 0 && user)
		r = carrel_policy_resolve(cfg, user, &pol, &err);
	carrel_config_free(cfg);
	if (r < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	if (user) {
		printf("# policy for user %s\n", user);
		carrel_policy_print(stdout, &pol);
	} else {
		printf("%s: OK\n", file ? file : CARREL_DEFAULT_CONFIG);
	}
	return 0;
}

/* fds 0-2 open (a hostile caller may have closed them), nothing else inherited
 * but the module's socket for open. */
static void sanitize_fds(bool keep_proto)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0) {
			int n = open("/dev/null", O_RDWR);
			if (n < 0)
				_exit(1);
			if (n != fd)
				_exit(1); /* fds are allocated lowest-first */
		}
	}
	close_all_except(keep_proto ? CARREL_PROTO_FD : -1, -1);
}

/*
 * What a root-only operation (open, from the module inside su, login, sshd)
 * must not inherit from whoever started the login program: su runs
 * pam_open_session with its caller's process group, controlling tty, signal
 * dispositions and mask, rlimits, scheduling, nice, CPU affinity, I/O
 * priority, timer slack and OOM score. With them, a user could stop this
 * process with job control while it holds /run/carrel/lock, stall it (and
 * the keeper and holder, which inherit all of it) with SCHED_IDLE on one
 * busy CPU, or truncate /run/carrel/seq with RLIMIT_FSIZE. A session of our
 * own (no controlling tty, no process group a terminal can signal), default
 * dispositions, an empty mask and fixed limits, the way init starts a
 * daemon. Each step is root's to take; a failure ends the operation.
 */
static const struct {
	int resource;
	rlim_t cur, max;
} sane_limits[] = {
	{ RLIMIT_CPU, RLIM_INFINITY, RLIM_INFINITY },
	{ RLIMIT_FSIZE, RLIM_INFINITY, RLIM_INFINITY },
	{ RLIMIT_DATA, RLIM_INFINITY, RLIM_INFINITY },
	{ RLIMIT_STACK, 8 << 20, RLIM_INFINITY },
	{ RLIMIT_CORE, 0, 0 }, /* no core of a root process that held secrets */
	{ RLIMIT_RSS, RLIM_INFINITY, RLIM_INFINITY },
	{ RLIMIT_NPROC, RLIM_INFINITY, RLIM_INFINITY },
	{ RLIMIT_NOFILE, 1024, 524288 },
	{ RLIMIT_MEMLOCK, 8 << 20, 8 << 20 },
	{ RLIMIT_AS, RLIM_INFINITY, RLIM_INFINITY },
	{ RLIMIT_LOCKS, RLIM_INFINITY, RLIM_INFINITY },
	{ RLIMIT_SIGPENDING, 4096, 4096 },
	{ RLIMIT_MSGQUEUE, 819200, 819200 },
	{ RLIMIT_NICE, 0, 0 },
	{ RLIMIT_RTPRIO, 0, 0 },
	{ RLIMIT_RTTIME, RLIM_INFINITY, RLIM_INFINITY },
};

#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* Set RESOURCE to CUR/MAX. Raising a hard limit takes CAP_SYS_RESOURCE,
 * which root may lack (a container): then as close as the hard limit we
 * were given allows. What is still too low shows where it matters (a
 * short write of /run/carrel/seq refuses the login). */
static int reset_limit(int resource, rlim_t cur, rlim_t max)
{
	struct rlimit want = { cur, max }, had;

	if (setrlimit(resource, &want) == 0)
		return 0;
	if (errno != EPERM || getrlimit(resource, &had) < 0)
		return -1;
	want.rlim_max = MIN(max, had.rlim_max);
	want.rlim_cur = MIN(cur, want.rlim_max);
	return setrlimit(resource, &want);
}

static void step_at(struct carrel_error *err, const char *step)
{
	snprintf(err->step, sizeof(err->step), "%s", step);
}

/* What failed goes to ERR->step. */
static int sanitize_process(struct carrel_error *err)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct sched_param normal = { .sched_priority = 0 };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	sigset_t none;
	cpu_set_t all;
	int r;

	step_at(err, "setsid");
	if (getsid(0) != getpid() && setsid() < 0)
		return -errno;
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL); /* SIGKILL, SIGSTOP, libc's own: EINVAL */
	sigemptyset(&none);
	step_at(err, "signal mask, timer");
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0 || setitimer(ITIMER_REAL, &off, NULL) < 0)
		return -errno;
	step_at(err, "rlimits");
	for (size_t i = 0; i < ARRAY_SIZE(sane_limits); i++)
		if (reset_limit(sane_limits[i].resource, sane_limits[i].cur, sane_limits[i].max) < 0)
			return -errno;
	CPU_ZERO(&all);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		CPU_SET(cpu, &all); /* the kernel keeps those that exist (and the cpuset allows) */
	step_at(err, "scheduling");
	if (sched_setscheduler(0, SCHED_OTHER, &normal) < 0 || setpriority(PRIO_PROCESS, 0, 0) < 0 ||
	    sched_setaffinity(0, sizeof(all), &all) < 0)
		return -errno;
	step_at(err, "I/O priority");
	if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, 0 /* IOPRIO_CLASS_NONE: from nice */) < 0)
		return -errno;
	step_at(err, "timer slack");
	if (prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0) < 0) /* 0: back to the default */
		return -errno;
	/* A user may raise their own processes' OOM score: not ours. */
	step_at(err, "oom_score_adj");
	if ((r = write_file("/proc/self/oom_score_adj", "0")) < 0)
		return r;
	step_at(err, "chdir /");
	return chdir("/") < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
	const struct op *op = NULL;

	proc_title_init(argc, argv);
	if (argc < 2 || !argv[0]) {
		sanitize_fds(false);
		usage();
		return 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (strcmp(argv[1], ops[i].name) == 0)
			op = &ops[i];
	sanitize_fds(op && op->run == op_open);
	if (clearenv() != 0 || setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) != 0)
		return 1;
	umask(022);
	if (!op) {
		usage();
		return 2;
	}
	if (op->root_only && getuid() != 0) {
		fprintf(stderr, "carrel-helper: %s: permission denied: only root may do this\n", op->name);
		return 1;
	}
	openlog("carrel-helper", LOG_PID, LOG_AUTHPRIV);
	if (op->root_only) {
		struct carrel_error err = { 0 };
		int r = sanitize_process(&err);
		if (r < 0) {
			struct carrel_reply reply = { 0 };
			/* open: the module logs it; anything else: we do. */
			proto_error(&reply, r, "helper", "cannot reset the process state inherited from the caller: %s",
				    err.step);
			if (op->run != op_open || proto_send_reply(CARREL_PROTO_FD, &reply, -1) < 0)
				syslog(LOG_ERR, "%s: %s: %s", op->name, reply.detail, strerror(-r));
			return 1;
		}
	}
	return op->run(argc, argv);
}
