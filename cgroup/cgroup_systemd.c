/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The systemd manager (cgroup_parent = systemd): on a host whose cgroup
 * tree systemd owns, carrel writes no cgroup directory of its own.  The
 * session stays in the unit that logind made for it (pam_systemd runs
 * before pam_carrel: session-N.scope), or systemd itself opened it
 * (user@UID.service), or it gets a carrel-ID.scope made over D-Bus (su,
 * cron).  The per-user limits are runtime properties of logind's
 * user-UID.slice, set through systemd's own D-Bus API (sd-bus, libsystemd)
 * so that systemd writes them and keeps them across daemon-reload.  The
 * unit's cgroup is only read (usage, limits, frozen state) through the v2
 * hierarchy's operations.  The VM tests (tests/vm/t-10, t-15, t-20, t-30, t-40, t-60)
 * prove it on Debian 12 (systemd 252).
 */
#include "cgroup-internal.h"
#include "ctrl.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <time.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
/* systemd answers within milliseconds; a hung PID 1 must not hang a login. */
#define SD_TIMEOUT_USEC (10ULL * 1000 * 1000)

static int fail(struct carrel_error *err, const char *what, const char *unit, int r, const sd_bus_error *e)
{
	return cg_fail(err, r, "%s %s: %s", what, unit,
		       e && sd_bus_error_is_set(e) ? e->message
		       : r == -EHOSTDOWN	    ? "/run/systemd/private is not PID 1's (not systemd's pid namespace)"
						    : strerror(-r));
}

bool cg_systemd_booted(void)
{
	struct stat st;

	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * systemd's private socket: root only, needs no dbus-daemon and no bus
 * policy (what systemctl itself uses as root).  Only where its peer is PID
 * 1 of our own pid namespace: the pids we pass (PIDs=) are read in
 * systemd's, and from inside another pid namespace they would name other
 * processes.
 */
static int connect_systemd(sd_bus **out)
{
	struct ucred peer;
	socklen_t len = sizeof(peer);
	sd_bus *bus = NULL;
	int r;

	r = sd_bus_new(&bus);
	if (r < 0)
		return r;
	r = sd_bus_set_address(bus, "unix:path=/run/systemd/private");
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r >= 0 && (getsockopt(sd_bus_get_fd(bus), SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0 || peer.pid != 1))
		r = -EHOSTDOWN;
	if (r < 0) {
		sd_bus_flush_close_unref(bus);
		return r;
	}
	*out = bus;
	return 0;
}

/* The arguments of one Manager method, appended to its message. */
typedef int (*append_fn)(sd_bus_message *m, const void *arg);

/* Call Manager.METHOD with the arguments APPEND adds; on failure ERR
 * names the step, UNIT and systemd's or the kernel's reason. */
static int manager_call(const char *method, const char *unit, append_fn append, const void *arg,
			struct carrel_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus *bus = NULL;
	char what[64];
	int r;

	r = connect_systemd(&bus);
	if (r < 0)
		return fail(err, "connect to systemd for", unit, r, NULL);
	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
	if (r >= 0)
		r = append(m, arg);
	if (r < 0) {
		snprintf(what, sizeof(what), "build %s for", method);
		fail(err, what, unit, r, NULL);
	} else if ((r = sd_bus_call(bus, m, SD_TIMEOUT_USEC, &e, &reply)) < 0) {
		fail(err, method, unit, r, &e);
	}
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? r : 0;
}

struct limits_args {
	const char *unit;
	const struct carrel_limits *lim;
};

/* AllowedCPUs= / AllowedMemoryNodes=: a bit mask, CPU N is bit N%8 of
 * byte N/8; empty: every CPU (systemd's reset). */
static int append_cpuset(sd_bus_message *m, const char *prop, const char *set)
{
	struct carrel_cpuset c;
	uint8_t mask[CARREL_CPUSET_BITS / 8] = { 0 };
	size_t len = 0;
	int r;

	if (set[0] && carrel_parse_cpuset(prop, set, &c, NULL, 0) < 0)
		return -EINVAL;
	for (size_t i = 0; set[0] && i < CARREL_CPUSET_BITS; i++)
		if ((c.bits[i / 64] >> (i % 64)) & 1) {
			mask[i / 8] |= (uint8_t)(1u << (i % 8));
			len = i / 8 + 1;
		}
	if ((r = sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
	    (r = sd_bus_message_append(m, "s", prop)) < 0 || (r = sd_bus_message_open_container(m, 'v', "ay")) < 0 ||
	    (r = sd_bus_message_append_array(m, 'y', mask, len)) < 0 || (r = sd_bus_message_close_container(m)) < 0)
		return r;
	return sd_bus_message_close_container(m);
}

/* IOReadBandwidthMax= and friends: every io_max item's path and rate (systemd
 * finds the disk of a partition itself); an empty list clears them. */
static int append_io(sd_bus_message *m, const struct carrel_limits *lim, const char *prop, size_t which)
{
	int r;

	if ((r = sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
	    (r = sd_bus_message_append(m, "s", prop)) < 0 ||
	    (r = sd_bus_message_open_container(m, 'v', "a(st)")) < 0 ||
	    (r = sd_bus_message_open_container(m, 'a', "(st)")) < 0)
		return r;
	for (size_t i = 0; i < CARREL_LIST_MAX && lim->io_max[i][0]; i++) {
		struct carrel_io_item it;
		uint64_t rate[4];

		if (carrel_parse_io_item("limits.io_max", lim->io_max[i], &it, NULL, 0) < 0)
			return -EINVAL;
		rate[0] = it.rbps, rate[1] = it.wbps, rate[2] = it.riops, rate[3] = it.wiops;
		if (rate[which] != CARREL_UNLIMITED && (r = sd_bus_message_append(m, "(st)", it.path, rate[which])) < 0)
			return r;
	}
	if ((r = sd_bus_message_close_container(m)) < 0 || (r = sd_bus_message_close_container(m)) < 0)
		return r;
	return sd_bus_message_close_container(m);
}

static int append_limits(sd_bus_message *m, const void *arg)
{
	static const char *const io_props[] = { "IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax",
						"IOWriteIOPSMax" };
	const struct limits_args *a = arg;
	const struct carrel_limits *lim = a->lim;
	/* cpu_max is in percent of one CPU; systemd counts CPU time per second
	 * of wall time (CPUQuota=50% is 500000 us/s).  UINT64_MAX is infinity
	 * for every property here, as CARREL_UNLIMITED is. */
	uint64_t quota = lim->cpu_max == CARREL_UNLIMITED ? UINT64_MAX : lim->cpu_max * 10000ULL;
	int r;

	if ((r = sd_bus_message_append(m, "sb", a->unit, 1 /* runtime */)) < 0 ||
	    (r = sd_bus_message_open_container(m, 'a', "(sv)")) < 0 ||
	    (r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)", "MemoryAccounting", "b", 1,
				       "TasksAccounting", "b", 1, "CPUAccounting", "b", 1, "MemoryMax", "t",
				       lim->memory_max, "MemorySwapMax", "t", lim->memory_swap_max, "TasksMax", "t",
				       lim->pids_max, "CPUQuotaPerSecUSec", "t", quota, "CPUWeight", "t",
				       (uint64_t)lim->cpu_weight, "IOWeight", "t", (uint64_t)lim->io_weight,
				       "MemoryHigh", "t", lim->memory_high)) < 0 ||
	    (r = append_cpuset(m, "AllowedCPUs", lim->cpuset_cpus)) < 0 ||
	    (r = append_cpuset(m, "AllowedMemoryNodes", lim->cpuset_mems)) < 0)
		return r;
	for (size_t i = 0; i < 4; i++)
		if ((r = append_io(m, lim, io_props[i], i)) < 0)
			return r;
	return sd_bus_message_close_container(m);
}

/* LIM on user-UID.slice: MemoryMax, MemorySwapMax, TasksMax,
 * CPUQuotaPerSecUSec, CPUWeight, IOWeight (and the accounting switches
 * they need), runtime (kept in /run, gone at reboot), in one
 * SetUnitProperties call: all or nothing. */
static int sd_set_limits(const struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e)
{
	char unit[64];
	struct carrel_limits fit = *lim;
	struct limits_args a = { .unit = unit, .lim = &fit };
	int r;

	snprintf(unit, sizeof(unit), "user-%u.slice", (unsigned)cg->uid);
	if ((r = cg_fit_machine(&fit, e)) < 0 || (r = manager_call("SetUnitProperties", unit, append_limits, &a, e)) < 0)
		return r;
	/* What systemd 252 has no property for: devices by carrel's own BPF
	 * program beside systemd's (DeviceAllow= is an allow list only);
	 * hugetlb_max is not applied (carrel.conf(5)). */
	return cg_v2_set_more(&cg->h[0], lim, false, e);
}

struct scope_args {
	const char *unit, *slice, *desc;
	pid_t pid;
};

static int append_scope(sd_bus_message *m, const void *arg)
{
	const struct scope_args *a = arg;

	return sd_bus_message_append(m, "ssa(sv)a(sa(sv))", a->unit, "fail", 4, "PIDs", "au", 1, (uint32_t)a->pid,
				     "Slice", "s", a->slice, "Description", "s", a->desc, "CollectMode", "s",
				     "inactive-or-failed", 0);
}

/* Move PID into a new transient scope UNIT in SLICE (Manager.StartTransientUnit,
 * as systemd-run --scope does).  systemd moves it when the start job runs:
 * the caller waits for /proc/PID/cgroup to show it. */
static int start_scope(const char *unit, const char *slice, pid_t pid, const char *desc, struct carrel_error *e)
{
	struct scope_args a = { .unit = unit, .slice = slice, .desc = desc, .pid = pid };

	return manager_call("StartTransientUnit", unit, append_scope, &a, e);
}

/* The keeper in carrel-keeper-ID.scope in system.slice: out of the
 * session scope or user@UID.service that it was forked in, so that
 * systemd stopping those (terminate-session, a failed user manager) never
 * SIGKILLs it before it has torn down. */
static int sd_keeper_unit(const struct cg_session *cg, pid_t pid, struct carrel_error *e)
{
	char unit[96], desc[96];

	snprintf(unit, sizeof(unit), "carrel-keeper-%s.scope", cg->id);
	snprintf(desc, sizeof(desc), "carrel %s keeper", cg->id);
	return start_scope(unit, "system.slice", pid, desc, e);
}

static int append_unit(sd_bus_message *m, const void *unit)
{
	return sd_bus_message_append(m, "s", (const char *)unit);
}

static int append_kill(sd_bus_message *m, const void *unit)
{
	return sd_bus_message_append(m, "ssi", (const char *)unit, "all", 9 /* SIGKILL */);
}


int cg_systemd_prepare(struct cg_session *cg, const char *mount, const char *procfile, bool booted,
		       bool login_is_systemd)
{
	struct cg_hier *h = &cg->h[0];
	char ctrls[256], path[CG_PATH_MAX], m_path[CG_PATH_MAX];
	int r;

	/* MOUNT may be the hierarchy's own field in CG, rewritten below. */
	if (cg_pathf(m_path, "%s", mount) < 0)
		return -ENAMETOOLONG;
	mount = m_path;
	cg->n = 0;
	if (!booted)
		return -EHOSTDOWN;
	cg->ops = &cg_systemd_ops;
	cg->version = 2;
	cg->new_scope = false;
	if (!cg_parse_login_unit(cg->uid, procfile, login_is_systemd, cg->unit, sizeof(cg->unit))) {
		snprintf(cg->unit, sizeof(cg->unit), "carrel-%s.scope", cg->id);
		cg->new_scope = true;
	}
	memset(h, 0, sizeof(*h));
	h->ops = &cg_v2_ops;
	/* Read only (usage, limits): whatever the root offers that carrel uses. */
	if (cg_pathf(path, "%s/cgroup.controllers", mount) < 0 || read_file(path, ctrls, sizeof(ctrls)) < 0)
		snprintf(ctrls, sizeof(ctrls), "memory pids cpu io");
	struct cg_mount m = { .v2 = true };
	struct cg_session one = { 0 };
	if (cg_pick_hierarchies(&one, &m, 1, ctrls) == 0)
		snprintf(h->controllers, sizeof(h->controllers), "%s", one.h[0].controllers);
	if ((r = cg_pathf(h->mount, "%s", mount)) < 0 || (r = cg_pathf(h->top, "%s/user.slice", mount)) < 0 ||
	    (r = cg_pathf(h->user, "%s/user-%u.slice", h->top, (unsigned)cg->uid)) < 0 ||
	    (r = cg_pathf(h->session, "%s/%s", h->user, cg->unit)) < 0)
		return r;
	cg->n = 1;
	return 0;
}

/* Ask for scope UNIT holding PID in the user's slice, and wait (bounded)
 * until systemd has moved PID there. */
static int scope_for(const struct cg_session *cg, const char *unit, pid_t pid, struct carrel_error *e)
{
	char slice[48], desc[96], proc[64], procfile[4096], now[96];
	struct timespec tick = { .tv_nsec = 2 * 1000 * 1000 };
	int r;

	snprintf(slice, sizeof(slice), "user-%u.slice", (unsigned)cg->uid);
	snprintf(desc, sizeof(desc), "carrel %s, login process %d", cg->id, (int)pid);
	if ((r = start_scope(unit, slice, pid, desc, e)) < 0)
		return r;
	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)pid);
	for (int i = 0; i < 2500; i++) { /* 5 s */
		if (read_file(proc, procfile, sizeof(procfile)) < 0)
			return cg_fail(e, -ESRCH, "process %d is gone", (int)pid);
		if (cg_parse_user_unit(cg->uid, procfile, now, sizeof(now)) && strcmp(now, unit) == 0)
			return 0;
		nanosleep(&tick, NULL);
	}
	return cg_fail(e, -ETIMEDOUT, "systemd did not move process %d into %s within 5 s", (int)pid, unit);
}

static int sd_create(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e)
{
	int r;

	if ((r = sd_set_limits(cg, lim, e)) < 0)
		return r;
	return cg->new_scope ? scope_for(cg, cg->unit, cg->login_pid, e) : 0;
}

/* A PID in a unit of the user's slice stays there; any other gets a
 * carrel-ID-PID.scope of its own in that slice. */
static int sd_attach(const struct cg_session *cg, pid_t pid, struct carrel_error *e)
{
	char proc[64], procfile[4096], unit[96];

	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)pid);
	if (read_file(proc, procfile, sizeof(procfile)) < 0)
		return cg_fail(e, -ESRCH, "process %d is gone", (int)pid);
	if (cg_parse_login_unit(cg->uid, procfile, cg_exe_is_systemd(pid), unit, sizeof(unit)) ||
	    (cg_parse_user_unit(cg->uid, procfile, unit, sizeof(unit)) && strcmp(unit, cg->unit) == 0))
		return 0; /* its own unit, or the carrel's (made for it by cg_create) */
	snprintf(unit, sizeof(unit), "carrel-%s-%d.scope", cg->id, (int)pid);
	return scope_for(cg, unit, pid, e);
}

static int sd_attach_origin(const struct cg_session *cg, const struct cg_origin *o, pid_t pid,
			    struct carrel_error *e)
{
	return 0; /* it never left its unit */
}

/* systemd freezes its unit's cgroup itself (FreezeUnit writes the same
 * file), and then knows the unit's state; the cgroup says when it is done. */
static int sd_freeze(const struct cg_session *cg, bool freeze, struct carrel_error *e)
{
	int r;

	if (cg->n < 1)
		return cg_fail(e, -ENOENT, "its state file names no cgroup");
	if ((r = manager_call(freeze ? "FreezeUnit" : "ThawUnit", cg->unit, append_unit, cg->unit, e)) < 0)
		return r;
	r = cg_wait_frozen(&cg->h[0], freeze, false, e);
	if (r == -ETIMEDOUT && freeze)
		(void)manager_call("ThawUnit", cg->unit, append_unit, cg->unit, NULL);
	return r;
}

/* The carrel's processes die with the holder, PID 1 of their pid
 * namespace; without one (the user manager's carrel, in user@UID.service)
 * the unit and the carrel end together. */
static int sd_kill(const struct cg_session *cg, const pid_t *except, int n)
{
	if (!cg->pidns)
		(void)manager_call("KillUnit", cg->unit, append_kill, cg->unit, NULL);
	return 0;
}

/* A frozen unit holds the login process too: thaw it, so that it gets to
 * log out. */
static int sd_release(const struct cg_session *cg, struct carrel_error *e)
{
	char path[CG_PATH_MAX + 16], v[8];

	if (cg->n < 1)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.freeze", cg->h[0].session);
	if (read_file(path, v, sizeof(v)) > 0 && v[0] == '1')
		return manager_call("ThawUnit", cg->unit, append_unit, cg->unit, e);
	return 0;
}

/* The units are systemd's to remove. */
static int sd_remove(const struct cg_session *cg, struct carrel_error *e)
{
	return 0;
}

const struct cg_ops cg_systemd_ops = {
	.name = "systemd",
	.create_needs_lock = false,
	.create = sd_create,
	.attach = sd_attach,
	.attach_origin = sd_attach_origin,
	.set_limits = sd_set_limits,
	.freeze = sd_freeze,
	.kill = sd_kill,
	.release = sd_release,
	.remove = sd_remove,
	.keeper_unit = sd_keeper_unit,
};
