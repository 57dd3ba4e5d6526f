/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup_parent = systemd: limits through systemd's D-Bus API (sd-bus,
 * libsystemd), never by writing the cgroup tree that systemd owns.  See
 * cgroup_systemd.h.  The VM tests (tests/vm/t-50-systemd-mode.sh) prove it
 * on Debian 12 (systemd 252).
 */
#include "cgroup_systemd.h"

#include <errno.h>
#include <stdarg.h>
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

static int call_manager(const char *method, sd_bus_message *m, sd_bus *bus, sd_bus_error *e)
{
	sd_bus_message *reply = NULL;
	int r;

	(void)method;
	r = sd_bus_call(bus, m, SD_TIMEOUT_USEC, e, &reply);
	sd_bus_message_unref(reply);
	return r;
}

static int append_u64(sd_bus_message *m, const char *name, uint64_t v)
{
	return sd_bus_message_append(m, "(sv)", name, "t", v);
}

static int append_bool(sd_bus_message *m, const char *name, int v)
{
	return sd_bus_message_append(m, "(sv)", name, "b", v);
}

int cg_systemd_set_user_limits(uid_t uid, const struct carrel_limits *lim, const char **failed)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	sd_bus *bus = NULL;
	char unit[64];
	uint64_t quota;
	int r;

	snprintf(unit, sizeof(unit), "user-%u.slice", (unsigned)uid);
	/* cpu_max is in percent of one CPU; systemd counts CPU time per second
	 * of wall time (CPUQuota=50% is 500000 us/s).  UINT64_MAX is infinity
	 * for every property here, as CARREL_UNLIMITED is. */
	quota = lim->cpu_max == CARREL_UNLIMITED ? UINT64_MAX : lim->cpu_max * 10000ULL;

	r = connect_systemd(&bus);
	if (r < 0) {
		*failed = fail("connect to systemd for", unit, r, NULL);
		return r;
	}
	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
	if (r >= 0)
		r = sd_bus_message_append(m, "sb", unit, 1 /* runtime */);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = append_bool(m, "MemoryAccounting", 1);
	if (r >= 0)
		r = append_bool(m, "TasksAccounting", 1);
	if (r >= 0)
		r = append_bool(m, "CPUAccounting", 1);
	if (r >= 0)
		r = append_u64(m, "MemoryMax", lim->memory_max);
	if (r >= 0)
		r = append_u64(m, "MemorySwapMax", lim->memory_swap_max);
	if (r >= 0)
		r = append_u64(m, "TasksMax", lim->pids_max);
	if (r >= 0)
		r = append_u64(m, "CPUQuotaPerSecUSec", quota);
	if (r >= 0)
		r = append_u64(m, "CPUWeight", lim->cpu_weight);
	if (r >= 0)
		r = append_u64(m, "IOWeight", lim->io_weight);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r < 0) {
		*failed = fail("build SetUnitProperties for", unit, r, NULL);
		goto out;
	}
	r = call_manager("SetUnitProperties", m, bus, &e);
	if (r < 0)
		*failed = fail("SetUnitProperties", unit, r, &e);
out:
	sd_bus_error_free(&e);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? r : 0;
}

int cg_systemd_start_scope(const char *unit, const char *slice, pid_t pid, const char *desc,
			   const char **failed)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	sd_bus *bus = NULL;
	int r;

	r = connect_systemd(&bus);
	if (r < 0) {
		*failed = fail("connect to systemd for", unit, r, NULL);
		return r;
	}
	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", unit, "fail");
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sv)", 4, "PIDs", "au", 1, (uint32_t)pid, "Slice", "s", slice,
					  "Description", "s", desc, "CollectMode", "s", "inactive-or-failed");
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r < 0) {
		*failed = fail("build StartTransientUnit for", unit, r, NULL);
		goto out;
	}
	r = call_manager("StartTransientUnit", m, bus, &e);
	if (r < 0)
		*failed = fail("StartTransientUnit", unit, r, &e);
out:
	sd_bus_error_free(&e);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? r : 0;
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

static int unit_call(const char *method, const char *unit, const char *sig, const char **failed, ...)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	sd_bus *bus = NULL;
	va_list ap;
	int r;

	r = connect_systemd(&bus);
	if (r < 0) {
		*failed = fail("connect to systemd for", unit, r, NULL);
		return r;
	}
	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
	if (r >= 0) {
		va_start(ap, failed);
		r = sd_bus_message_appendv(m, sig, ap);
		va_end(ap);
	}
	if (r >= 0)
		r = call_manager(method, m, bus, &e);
	if (r < 0)
		*failed = fail(method, unit, r, &e);
	sd_bus_error_free(&e);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? r : 0;
}

int cg_systemd_freeze(const char *unit, bool freeze, const char **failed)
{
	return unit_call(freeze ? "FreezeUnit" : "ThawUnit", unit, "s", failed, unit);
}

int cg_systemd_kill(const char *unit, const char **failed)
{
	return unit_call("KillUnit", unit, "ssi", failed, unit, "all", 9 /* SIGKILL */);
}
