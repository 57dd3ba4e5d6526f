/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup_parent = systemd: limits through systemd's D-Bus API (sd-bus,
 * libsystemd), never by writing the cgroup tree that systemd owns.  See
 * cgroup_systemd.h.  The VM tests (tests/vm/t-50-systemd-mode.sh) prove it
 * on Debian 12 (systemd 252).
 */
#include "cgroup_systemd.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
/* systemd answers within milliseconds; a hung PID 1 must not hang a login. */
#define SD_TIMEOUT_USEC (10ULL * 1000 * 1000)

static __thread char why[512];

static const char *fail(const char *what, const char *unit, int r, const sd_bus_error *e)
{
	snprintf(why, sizeof(why), "%s %s: %s", what, unit,
		 e && sd_bus_error_is_set(e) ? e->message
		 : r == -EHOSTDOWN	      ? "/run/systemd/private is not PID 1's (not systemd's pid namespace)"
					      : strerror(-r));
	return why;
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

/* Call Manager.METHOD with the arguments APPEND adds; on failure *FAILED
 * names the step, UNIT and systemd's or the kernel's reason. */
static int manager_call(const char *method, const char *unit, append_fn append, const void *arg,
			const char **failed)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus *bus = NULL;
	char what[64];
	int r;

	r = connect_systemd(&bus);
	if (r < 0) {
		*failed = fail("connect to systemd for", unit, r, NULL);
		return r;
	}
	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
	if (r >= 0)
		r = append(m, arg);
	if (r < 0) {
		snprintf(what, sizeof(what), "build %s for", method);
		*failed = fail(what, unit, r, NULL);
	} else if ((r = sd_bus_call(bus, m, SD_TIMEOUT_USEC, &e, &reply)) < 0) {
		*failed = fail(method, unit, r, &e);
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

static int append_limits(sd_bus_message *m, const void *arg)
{
	const struct limits_args *a = arg;
	const struct carrel_limits *lim = a->lim;
	/* cpu_max is in percent of one CPU; systemd counts CPU time per second
	 * of wall time (CPUQuota=50% is 500000 us/s).  UINT64_MAX is infinity
	 * for every property here, as CARREL_UNLIMITED is. */
	uint64_t quota = lim->cpu_max == CARREL_UNLIMITED ? UINT64_MAX : lim->cpu_max * 10000ULL;

	return sd_bus_message_append(m, "sba(sv)", a->unit, 1 /* runtime */, 9, "MemoryAccounting", "b", 1,
				     "TasksAccounting", "b", 1, "CPUAccounting", "b", 1, "MemoryMax", "t",
				     lim->memory_max, "MemorySwapMax", "t", lim->memory_swap_max, "TasksMax", "t",
				     lim->pids_max, "CPUQuotaPerSecUSec", "t", quota, "CPUWeight", "t",
				     (uint64_t)lim->cpu_weight, "IOWeight", "t", (uint64_t)lim->io_weight);
}

int cg_systemd_set_user_limits(uid_t uid, const struct carrel_limits *lim, const char **failed)
{
	char unit[64];
	struct limits_args a = { .unit = unit, .lim = lim };

	snprintf(unit, sizeof(unit), "user-%u.slice", (unsigned)uid);
	return manager_call("SetUnitProperties", unit, append_limits, &a, failed);
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

int cg_systemd_start_scope(const char *unit, const char *slice, pid_t pid, const char *desc,
			   const char **failed)
{
	struct scope_args a = { .unit = unit, .slice = slice, .desc = desc, .pid = pid };

	return manager_call("StartTransientUnit", unit, append_scope, &a, failed);
}

int cg_systemd_keeper_scope(pid_t pid, const char *id, const char **failed)
{
	char unit[96], desc[96];

	snprintf(unit, sizeof(unit), "carrel-keeper-%s.scope", id);
	snprintf(desc, sizeof(desc), "carrel %s keeper", id);
	return cg_systemd_start_scope(unit, "system.slice", pid, desc, failed);
}

int cg_systemd_unit_of(pid_t pid, char *unit, size_t unit_size, char *cgroup, size_t cgroup_size)
{
	char path[64], line[1024];
	FILE *f;
	int r = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p, *last;
		if (strncmp(line, "0::", 3) != 0)
			continue;
		p = line + 3;
		p[strcspn(p, "\n")] = '\0';
		last = strrchr(p, '/');
		last = last ? last + 1 : p;
		if (strlen(p) + 1 > cgroup_size || strlen(last) + 1 > unit_size) {
			r = -ENAMETOOLONG;
			break;
		}
		snprintf(cgroup, cgroup_size, "%s", p);
		snprintf(unit, unit_size, "%s", last);
		r = *last ? 0 : -ENOENT;
		break;
	}
	fclose(f);
	return r;
}

static int append_unit(sd_bus_message *m, const void *unit)
{
	return sd_bus_message_append(m, "s", (const char *)unit);
}

static int append_kill(sd_bus_message *m, const void *unit)
{
	return sd_bus_message_append(m, "ssi", (const char *)unit, "all", 9 /* SIGKILL */);
}

int cg_systemd_freeze(const char *unit, bool freeze, const char **failed)
{
	return manager_call(freeze ? "FreezeUnit" : "ThawUnit", unit, append_unit, unit, failed);
}

int cg_systemd_kill(const char *unit, const char **failed)
{
	return manager_call("KillUnit", unit, append_kill, unit, failed);
}
