/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup_parent = systemd: on a host whose cgroup tree systemd owns, carrel
 * writes no cgroup directory of its own.  The session stays in the
 * session-N.scope that logind made for it (pam_systemd runs before
 * pam_carrel), which becomes the root of the carrel's cgroup namespace; the
 * per-user limits are set as runtime properties of logind's user-UID.slice,
 * through systemd's own D-Bus API, so that systemd writes them and keeps
 * them across daemon-reload.
 */
#ifndef CARREL_CGROUP_SYSTEMD_H
#define CARREL_CGROUP_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy.h"

/* Is systemd PID 1 here (/run/systemd/system exists, as sd_booted says)? */
bool cg_systemd_booted(void);

/*
 * Set LIM on user-UID.slice: MemoryMax, MemorySwapMax, TasksMax,
 * CPUQuotaPerSecUSec, CPUWeight, IOWeight (and the accounting switches
 * they need), with runtime = true (kept in /run, gone at reboot), in one
 * SetUnitProperties call.  Returns 0 or a negative errno; on failure
 * *FAILED names what failed ("SetUnitProperties user-1000.slice: <D-Bus
 * error>"), in storage that lives until the next call in this thread.
 */
int cg_systemd_set_user_limits(uid_t uid, const struct carrel_limits *lim, const char **failed);

/*
 * The unit (e.g. "session-4.scope") and cgroup path (relative to the cgroup2
 * mount, e.g. "/user.slice/user-1000.slice/session-4.scope") PID is in.
 */
int cg_systemd_unit_of(pid_t pid, char *unit, size_t unit_size, char *cgroup, size_t cgroup_size);

/*
 * Move PID into a new transient scope UNIT in SLICE (Manager.StartTransientUnit,
 * as systemd-run --scope does).  systemd moves it when the start job runs:
 * the caller waits for /proc/PID/cgroup to show it.
 */
int cg_systemd_start_scope(const char *unit, const char *slice, pid_t pid, const char *desc,
			   const char **failed);

/*
 * Move PID (the keeper) into a transient scope of its own,
 * carrel-keeper-ID.scope in system.slice (Manager.StartTransientUnit, as
 * systemd-run --scope does): out of the session scope or user@UID.service
 * that it was forked in, so that systemd stopping those (terminate-session,
 * a failed user manager) never SIGKILLs it before it has torn down.
 */
int cg_systemd_keeper_scope(pid_t pid, const char *id, const char **failed);

/* Freeze, thaw or SIGKILL every process of UNIT (Manager.FreezeUnit,
 * ThawUnit, KillUnit). */
int cg_systemd_freeze(const char *unit, bool freeze, const char **failed);
int cg_systemd_kill(const char *unit, const char **failed);

#endif
