/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The carrel's cgroups: one interface, three backends (cgroupfs v1,
 * cgroupfs v2, systemd), chosen at run time.  Callers never ask which one
 * they have: the keeper, the helper, carrelctl and the status printer only
 * call the functions below.  (Inside: cgroup-internal.h.)
 *
 *  - cgroupfs: carrel makes <parent>/carrel/user-UID/session-ID in every
 *    hierarchy that holds a controller it uses (cgroup v1, v2, or both on
 *    a hybrid host); the limits go on user-UID (per user, across all
 *    sessions).
 *  - systemd (cgroup_parent = systemd, or auto where systemd runs the
 *    unified hierarchy): the carrel's cgroup is the login's systemd unit
 *    and the limits are runtime properties of user-UID.slice, set over
 *    D-Bus; carrel writes no cgroup file.
 *
 * Errors: a negative errno, and what failed in the caller's struct
 * carrel_error (step "cgroup", a message naming the file or unit); E may
 * be NULL.  Nothing here logs.
 */
#ifndef CARREL_CGROUP_H
#define CARREL_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"

#define CG_MAX_HIER 12
#define CG_PATH_MAX 512

/* A value that could not be read (CARREL_UNLIMITED is "max"). */
#define CG_UNKNOWN (UINT64_MAX - 1)

/* One carrel's cgroups; opaque. */
struct cg_session;

struct cg_session *cg_session_new(void);
void cg_session_free(struct cg_session *cg);
void cg_session_freep(struct cg_session **cg);
#define _cleanup_cg_ __attribute__((cleanup(cg_session_freep)))

/*
 * Find the hierarchies, pick the backend (PARENT auto is resolved here)
 * and compute the session's paths.  PIDNS: the carrel's processes die
 * with its pid namespace (without one, only the user manager's carrel may
 * run under systemd: its unit is killed at the end).  -EOPNOTSUPP: systemd
 * asked for without the unified hierarchy; -EHOSTDOWN: systemd is not PID 1.
 */
int cg_prepare(struct cg_session *cg, pid_t login_pid, enum carrel_cgroup_parent parent, uid_t uid,
	       const char *id, bool pidns, struct carrel_error *e);

/*
 * The handle of a running carrel, rebuilt from what its state file
 * records: its id and uid, the cgroup version, the systemd unit ("" if
 * none) and the session cgroups PATHS[0..N).  The paths must already have
 * been checked to be the carrel's (ctl/sessions.c does).  The kind of
 * hierarchy and its controllers are read from the host.
 */
int cg_from_state(struct cg_session *cg, uid_t uid, const char *id, int version, const char *unit,
		  const char (*paths)[CG_PATH_MAX], int n, struct carrel_error *e);

/* Create the cgroups and write the user's limits (systemd: set them on the
 * slice, and make a scope for a login in no unit of the user's).  Caller
 * holds the carrel lock (cg_create_needs_lock() says if it must). */
int cg_create(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e);
/* Does creating write the shared tree (carrel/, user-UID)?  systemd: no,
 * and its D-Bus calls must not hold up every other login. */
bool cg_create_needs_lock(const struct cg_session *cg);
/* cg_create() in two parts: cg_create_shared() makes carrel/ and user-UID
 * and writes the user's limits (under the carrel lock held exclusively
 * where cg_create_needs_lock()); cg_create_own() makes the session's own
 * dirs (under it held shared at least: a teardown or reap removes an
 * empty user-UID under it held exclusively). */
int cg_create_shared(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e);
int cg_create_own(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e);
/* Has a login written LIM to carrel/ and user-UID in full already, with no
 * live change since?  Then cg_create_shared() has nothing to do, and the
 * carrel lock need only be held shared (no writer of the tree meanwhile)
 * around cg_create_own(). */
bool cg_limits_applied(const struct cg_session *cg, const struct carrel_limits *lim);

/* A login process's own cgroups, one per hierarchy of the session, so
 * that it can be given back to them before the session's are removed. */
struct cg_origin {
	char path[CG_MAX_HIER][CG_PATH_MAX];
};
int cg_origin_read(const struct cg_session *cg, pid_t pid, struct cg_origin *o, struct carrel_error *e);

/* Move PID into the session's cgroups, or back into ORIGIN.  systemd: a
 * PID in a unit of the user's slice stays there; any other gets a
 * carrel-ID-PID.scope of its own in that slice; ORIGIN is a no-op. */
int cg_attach(const struct cg_session *cg, pid_t pid, struct carrel_error *e);
int cg_attach_origin(const struct cg_session *cg, const struct cg_origin *o, pid_t pid, struct carrel_error *e);

/* Does a login process move itself (cg_procs_open), or is it named by
 * pid (cg_attach: systemd's units)? */
bool cg_moves_self(const struct cg_session *cg);
/* Open (O_WRONLY) the cgroup.procs file of each of the session's cgroups,
 * or of ORIGIN's when not NULL, into FDS (MAX at most): a process moves
 * itself by writing "0" into them.  The count, -EOPNOTSUPP where systemd
 * owns the cgroups (units), or -errno. */
int cg_procs_open(const struct cg_session *cg, const struct cg_origin *o, int *fds, int max,
		  struct carrel_error *e);
/* What `carrel-user enter` joins, as cg_procs_open() opens them: the
 * session's cgroups; where systemd owns them (a unit's cgroup that has
 * children holds no process: a user manager's), the cgroup of HOLDER (the
 * carrel's holder, the keeper's child: its pid cannot be reused), checked
 * to lie within the unit's.  The count or -errno. */
int cg_join_open(const struct cg_session *cg, pid_t holder, int *fds, int max, struct carrel_error *e);
/* 1 if PID is in every one of the session's cgroups (ORIGIN's when not
 * NULL), 0 if not, or -errno.  Pin PID with a pidfd: check it is alive
 * after this, and what was read was that process. */
int cg_is_in(const struct cg_session *cg, const struct cg_origin *o, pid_t pid);

/* A directory fd of the session cgroup to clone a process straight into
 * (clone3 CLONE_INTO_CGROUP), where the carrel has one cgroup and it is a
 * v2 one; else -EOPNOTSUPP: clone, then cg_attach(). */
int cg_clone_target(const struct cg_session *cg);

/* systemd: move PID (the keeper) into a unit of its own,
 * carrel-keeper-ID.scope in system.slice, so that systemd stopping the
 * login's unit never kills it before it has torn down.  Elsewhere: 0. */
int cg_keeper_unit(const struct cg_session *cg, pid_t pid, struct carrel_error *e);

/* Write LIM as the user's limits, now (all or nothing: what was written
 * is put back on failure). */
int cg_set_limits(const struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e);
/* The user's limits now, read back; what cannot be read keeps LIM's value. */
void cg_read_limits(const struct cg_session *cg, struct carrel_limits *lim);

/*
 * The limits that name this machine's devices and CPUs, checked here
 * (check-config, and the helper before it creates the cgroups): io_max
 * paths resolve to whole disks, devices_* to major:minor, cpusets meet the
 * CPUs and nodes online.  0, with a note in WARN (may be NULL) where a
 * value was cut (a cpuset reaching past the machine) or matches nothing;
 * -errno with E naming the item and *KEY the key at fault.
 */
int cg_check_limits(const struct carrel_limits *lim, char *warn, size_t wsize, const char **key,
		    struct carrel_error *e);

/* What the carrel's cgroups say now; CG_UNKNOWN where unreadable. */
struct cg_usage {
	uint64_t memory_current, memory_peak, memory_max; /* bytes; max: user-UID's */
	uint64_t pids_current, pids_peak, pids_max;	  /* pids_max: user-UID's */
	uint64_t cpu_usec;
	uint64_t throttled_usec;      /* this carrel's tasks, by any ancestor's cpu_max */
	uint64_t user_throttled_usec; /* user-UID's own cpu.stat: where cpu_max applies */
	uint64_t oom_kills;
	/* The seed's other controllers (accounting at close, carrelctl top). */
	uint64_t io_read_bytes, io_write_bytes; /* this carrel's, every disk */
	uint64_t memory_high_events;		 /* user-UID's: times over memory_high (v2) */
	uint64_t hugetlb_max_events;		 /* user-UID's: huge page allocations refused */
};
void cg_usage(const struct cg_session *cg, struct cg_usage *u);

/* Freeze or thaw every process of the carrel and wait (bounded, 5 s)
 * until it is so; a freeze that does not complete is thawed again. */
int cg_freeze(const struct cg_session *cg, bool freeze, struct carrel_error *e);

/* SIGKILL every process of the carrel other than EXCEPT[0..N) (its login
 * processes, on their way out), and thaw what is frozen so that the kill
 * takes effect; returns how many were signalled.  systemd: the carrel's
 * processes die with the holder, PID 1 of their pid namespace; without a
 * pid namespace its unit is killed. */
int cg_kill(const struct cg_session *cg, const pid_t *except, int n);

/* The carrel ends: thaw what was left frozen (systemd: the unit, which
 * holds the login process too: it must get to log out). */
int cg_release(const struct cg_session *cg, struct carrel_error *e);

/* Remove the session's cgroups (waiting, bounded, for dying tasks to
 * leave).  systemd: nothing, the units are systemd's to remove. */
int cg_remove(const struct cg_session *cg, struct carrel_error *e);
/* Remove user-UID and carrel/ where empty.  Caller holds the carrel lock. */
void cg_remove_user(const struct cg_session *cg);

/* Processes in the session's cgroups other than EXCEPT. */
int cg_count_procs(const struct cg_session *cg, pid_t except);

/* Remove the user's session cgroups that LIVE(id, ARG) says no keeper owns any
 * more (a keeper that was killed cannot clean up).  Caller holds the lock. */
void cg_reap_stale(const struct cg_session *cg, bool (*live)(const char *id, const void *arg), const void *arg);

/* ------------------------------------------------------ what it records */

/* The cgroup version of the carrel's memory controller (1 or 2). */
int cg_version(const struct cg_session *cg);
/* systemd: the unit whose cgroup is the carrel's; else "". */
const char *cg_unit(const struct cg_session *cg);
/* The session cgroups, 0 <= I < cg_count(); NULL past the end. */
int cg_count(const struct cg_session *cg);
const char *cg_path(const struct cg_session *cg, int i);
/* The user cgroup (user-UID, or user-UID.slice) of hierarchy I; NULL past the end. */
const char *cg_user_path(const struct cg_session *cg, int i);
/* Where a cgroup namespace of the carrel mounts its own cgroup2 (the
 * unified hierarchy's mount point, if the carrel is in it); else NULL. */
const char *cg_ns_cgroup2(const struct cg_session *cg);

/* ------------------------------------------- live figures (carrelctl top, metrics) */

/* cg_usage()'s figures, the user's soft memory limit and the carrel's io
 * bytes; CG_UNKNOWN where unreadable (memory_high on v1, which has no
 * soft limit that throttles). */
struct cg_stat {
	struct cg_usage u;
	uint64_t memory_high;			/* user-UID's memory.high */
	uint64_t io_read_bytes, io_write_bytes; /* the session's, every device, since it began */
};
void cg_stat(const struct cg_session *cg, struct cg_stat *st);

/* The pure parsers behind it (cgroup/cgstat.c): the sums over every device
 * of v2 io.stat's rbytes= and wbytes=, and of v1
 * blkio.throttle.io_service_bytes_recursive's Read and Write lines.
 * -EBADMSG for a number that is not one or a sum that overflows. */
int cg_parse_io_stat(const char *text, uint64_t *rbytes, uint64_t *wbytes);
int cg_parse_blkio_bytes(const char *text, uint64_t *rbytes, uint64_t *wbytes);

#endif
