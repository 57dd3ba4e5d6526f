/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The carrel's cgroups: <parent>/carrel/user-UID/session-ID in every
 * hierarchy that a limit needs (cgroup v1: memory, pids, cpu, cpuacct,
 * freezer, blkio; cgroup v2: the unified hierarchy), detected at run time.
 * Limits are written on user-UID (per user, across all sessions).
 */
#ifndef CARREL_CGROUP_H
#define CARREL_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"

#define CG_MAX_HIER 8
#define CG_PATH_MAX 512

struct cg_hier {
	char controllers[64]; /* v1: "memory", "cpu,cpuacct"...; v2: "" */
	char top[CG_PATH_MAX];     /* .../carrel */
	char user[CG_PATH_MAX];    /* .../carrel/user-UID */
	char session[CG_PATH_MAX]; /* .../carrel/user-UID/session-ID */
	char mount[CG_PATH_MAX];   /* where the hierarchy is mounted */
};

struct cg_session {
	bool v2;
	/* cgroup_parent = systemd: h[0].session is the cgroup of a systemd unit
	 * (UNIT, in user-UID.slice = h[0].user), not a directory of carrel's:
	 * carrel creates, writes and removes no cgroup; systemd does, asked
	 * over D-Bus (cgroup_systemd.h).  NEW_SCOPE: the login is in no unit
	 * of the user's (su, cron), so UNIT is a carrel-ID.scope made for it. */
	bool systemd, new_scope;
	char unit[96];
	char id[24];
	uid_t uid;
	pid_t login_pid;
	int n;
	struct cg_hier h[CG_MAX_HIER];
};

/* Find the hierarchies and compute the session's paths.  PARENT auto is
 * resolved here; systemd on a host without the unified hierarchy is
 * -EOPNOTSUPP. */
int cg_prepare(struct cg_session *cg, pid_t login_pid, enum carrel_cgroup_parent parent,
	       uid_t uid, const char *id);
/* Create the directories and write the user's limits. Caller holds the carrel lock.
 * On failure *FAILED names the file that could not be written. */
int cg_create(const struct cg_session *cg, const struct carrel_limits *lim, const char **failed);
/* A login process's own cgroups, one per hierarchy of the session, so
 * that it can be given back to them before the session's are removed. */
struct cg_origin {
	char path[CG_MAX_HIER][CG_PATH_MAX];
};

int cg_origin_read(const struct cg_session *cg, pid_t pid, struct cg_origin *o);
/* Move PID into the session's cgroups, or back into ORIGIN.  systemd: a
 * PID in a unit of the user's slice stays there; any other gets a
 * carrel-ID-PID.scope of its own in that slice; ORIGIN is a no-op. */
int cg_attach(const struct cg_session *cg, pid_t pid);
int cg_attach_origin(const struct cg_session *cg, const struct cg_origin *o, pid_t pid);
/* SIGKILL every process left in the session's cgroups; returns how many remain.
 * systemd: nothing (the unit holds the login process too; the carrel's
 * processes die with the holder, PID 1 of their pid namespace). */
int cg_kill(const struct cg_session *cg);
/* Remove the user's session dirs that LIVE(id) says no keeper owns any more
 * (a keeper that was killed cannot clean up). Caller holds the carrel lock. */
void cg_reap_stale(const struct cg_session *cg, bool (*live)(const char *id));
/* systemd: thaw the unit if it was left frozen (the login process is in
 * it and must get to log out). */
void cg_systemd_release(const struct cg_session *cg);
/* Remove session dirs (waiting, bounded, for dying tasks to leave). */
int cg_remove_session(const struct cg_session *cg);
/* Remove user-UID and carrel dirs where empty. Caller holds the carrel lock. */
void cg_remove_user(const struct cg_session *cg);

/* What a session used, for the accounting line (0 where unknown). */
struct cg_usage {
	uint64_t memory_peak, cpu_usec, oom_kills, pids_peak;
};
void cg_usage(const struct cg_session *cg, struct cg_usage *u);
/* Processes in the session's cgroups other than EXCEPT. */
int cg_count_procs(const struct cg_session *cg, pid_t except);

bool cg_has_controller(const struct cg_hier *h, const char *controller);

/* Limit writers, one per cgroup version. */
int cg_v1_limits(const struct cg_hier *h, const struct carrel_limits *lim, const char **failed);
int cg_v2_limits(const struct cg_hier *h, const struct carrel_limits *lim, const char **failed);
int cg_v2_enable(const struct cg_session *cg, const char **failed);

#endif
