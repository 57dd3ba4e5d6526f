/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the cgroup folder only: the session structure, the backends'
 * operation tables, and the pure parsers (cgparse.c).
 *
 * Two levels, after crun's libcrun_cgroup_manager:
 *
 *  - the manager (struct cg_ops) decides who owns the carrel's cgroups:
 *    cgroupfs (cgroup.c: carrel makes carrel/user-UID/session-ID in every
 *    hierarchy it uses) or systemd (cgroup_systemd.c: the login's unit,
 *    limits on user-UID.slice over D-Bus).  cg_prepare() or
 *    cg_from_state() picks one; the public functions only call through it.
 *
 *  - a hierarchy (struct cg_hier) carries the writer and reader of its
 *    cgroup version (struct cg_hier_ops: cgroup_v1.c, cgroup_v2.c).  A
 *    carrel may span both (a hybrid host: memory, pids, cpu... on v1,
 *    hugetlb on cgroup2): each hierarchy lists the controllers carrel uses
 *    in it, and cg_hier_with() finds a controller wherever it is.
 */
#ifndef CARREL_CGROUP_INTERNAL_H
#define CARREL_CGROUP_INTERNAL_H

#include "cgroup.h"
#include "ctrl.h"
#include "error.h"

#include <stdarg.h>

struct cg_hier;
struct cg_session;

/* One hierarchy's version: its files, its units, its quirks. */
struct cg_hier_ops {
	int version; /* 1 or 2 */
	/* Enable H's controllers from the parent of carrel/ down to user-UID
	 * (v2); NULL where a hierarchy needs nothing (v1). */
	int (*enable)(const struct cg_hier *h, struct carrel_error *e);
	/* Write LIM on H's user-UID, for the controllers H has. */
	int (*set_limits)(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e);
	/* After H's session cgroup is made: what goes on the leaf (NULL: nothing). */
	int (*session_created)(const struct cg_hier *h, const struct carrel_limits *lim, struct carrel_error *e);
	/* Read back what set_limits wrote; fields H cannot tell are left alone. */
	void (*read_limits)(const struct cg_hier *h, struct carrel_limits *lim);
	/* Fill the fields of U that H's controllers know and that are still CG_UNKNOWN. */
	void (*usage)(const struct cg_hier *h, struct cg_usage *u);
	/* Ask for frozen or thawed (writing again retries stragglers);
	 * -EOPNOTSUPP where H has no freezer. */
	int (*freeze)(const struct cg_hier *h, bool freeze);
	/* 1 when H's session cgroup has reached WANT, else 0 with WHY saying
	 * what it shows instead. */
	int (*frozen)(const struct cg_hier *h, bool want, char *why, size_t size);
	/* SIGKILL every process of the session cgroup except EXCEPT[0..N);
	 * returns how many were signalled (the kernel's cgroup.kill: 0). */
	int (*kill)(const struct cg_hier *h, const pid_t *except, int n);
};

/* The v2 writers of memory_high, cpusets, io_max, hugetlb_max and devices;
 * OWN_TREE false (systemd's slice): only the device program; the rest are
 * unit properties, and hugetlb has none in systemd 252 (not applied). */
int cg_v2_set_more(const struct cg_hier *h, const struct carrel_limits *lim, bool own_tree, struct carrel_error *e);

extern const struct cg_hier_ops cg_v1_ops;
extern const struct cg_hier_ops cg_v2_ops;

struct cg_hier {
	const struct cg_hier_ops *ops;
	char controllers[64]; /* those carrel uses here: "memory,pids", "hugetlb" */
	char mount[CG_PATH_MAX];   /* where the hierarchy is mounted */
	char top[CG_PATH_MAX];     /* .../carrel (systemd: .../user.slice) */
	char user[CG_PATH_MAX];    /* .../carrel/user-UID (systemd: user-UID.slice) */
	char session[CG_PATH_MAX]; /* .../carrel/user-UID/session-ID (systemd: the unit) */
};

/* Who owns the carrel's cgroups. */
struct cg_ops {
	const char *name;
	bool create_needs_lock; /* create writes the shared tree (carrel/, user-UID) */
	int (*create)(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e);
	/* create in two parts (optional): the shared tree and the user's
	 * limits (under the carrel lock), then the session's own dirs (none) */
	int (*create_shared)(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e);
	int (*create_own)(struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e);
	/* has a login written LIM to the shared tree in full already? (optional) */
	bool (*applied)(const struct cg_session *cg, const struct carrel_limits *lim);
	int (*attach)(const struct cg_session *cg, pid_t pid, struct carrel_error *e);
	/* Give PID back its own cgroups (O). */
	int (*attach_origin)(const struct cg_session *cg, const struct cg_origin *o, pid_t pid,
			     struct carrel_error *e);
	int (*set_limits)(const struct cg_session *cg, const struct carrel_limits *lim, struct carrel_error *e);
	int (*freeze)(const struct cg_session *cg, bool freeze, struct carrel_error *e);
	int (*kill)(const struct cg_session *cg, const pid_t *except, int n);
	int (*release)(const struct cg_session *cg, struct carrel_error *e);
	int (*remove)(const struct cg_session *cg, struct carrel_error *e);
	void (*remove_user)(const struct cg_session *cg);
	void (*reap_stale)(const struct cg_session *cg, bool (*live)(const char *id, const void *arg), const void *arg);
	/* NULL: the keeper stays where it was forked. */
	int (*keeper_unit)(const struct cg_session *cg, pid_t pid, struct carrel_error *e);
};

extern const struct cg_ops cg_cgroupfs_ops;
extern const struct cg_ops cg_systemd_ops;

struct cg_session {
	const struct cg_ops *ops;
	int version; /* of the hierarchy that has memory: what the state file records */
	/* systemd: UNIT is the carrel's cgroup (h[0].session), in
	 * user-UID.slice; NEW_SCOPE: made for a login in no unit of the
	 * user's (su, cron). */
	bool new_scope;
	/* The carrel's processes die with its pid namespace; without one
	 * (the user manager's carrel) a systemd unit is killed whole. */
	bool pidns;
	char unit[96];
	char id[24];
	uid_t uid;
	pid_t login_pid;
	int n;
	struct cg_hier h[CG_MAX_HIER];
};

/* ------------------------------------------------------- shared helpers */

/* Fill E (if any) with step "cgroup" and the message; returns R. */
int cg_fail(struct carrel_error *e, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* snprintf into a CG_PATH_MAX buffer; -ENAMETOOLONG if it does not fit. */
int cg_pathf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write VAL to DIR/FILE; OPTIONAL: a missing file is not an error.  On
 * failure E names the file. */
int cg_put(const char *dir, const char *file, const char *val, bool optional, struct carrel_error *e);

/* The number after KEY at the start of a line of DIR/FILE (KEY "": the
 * file's first word).  "max" and negative numbers are CARREL_UNLIMITED;
 * unreadable is CG_UNKNOWN. */
uint64_t cg_read_value(const char *dir, const char *file, const char *key);

/* SIGKILL the processes listed in H's session cgroup.procs, except
 * EXCEPT[0..N) and pid 1, each by a pidfd once it is seen in the cgroup. */
int cg_kill_listed(const struct cg_hier *h, const pid_t *except, int n);

/* Wait (bounded, 5 s) until H's session cgroup is FREEZE (frozen or
 * thawed), asking again each time if ASK_AGAIN; -ETIMEDOUT with E saying
 * what it shows instead. */
int cg_wait_frozen(const struct cg_hier *h, bool freeze, bool ask_again, struct carrel_error *e);

/* The first line of DIR/FILE, without its newline, into BUF ("" if unreadable). */
void read_file_line(const char *dir, const char *file, char *buf, size_t size);

/* The bytes read and written in DIR/FILE (v2 io.stat: "rbytes=", "wbytes=";
 * v1 io_service_bytes: "Read", "Write"), summed over the disks, into U. */
void cg_io_bytes(const char *dir, const char *file, const char *rkey, const char *wkey, struct cg_usage *u);

/* *FIELD = V unless *FIELD is known already or V is unknown. */
void cg_fill(uint64_t *field, uint64_t v);

/* Is PID systemd itself (the process of a unit with PAMName=)? */
bool cg_exe_is_systemd(pid_t pid);

/* --------------------------------------------------- pure parsers (cgparse.c) */

/* Is WORD in LIST (comma-, space- or newline-separated)? */
bool cg_has_word(const char *list, const char *word);

/* The cgroup path, in the hierarchy whose controllers are CTRL ("": the
 * v2 line "0::"), from the text of /proc/PID/cgroup.  Two v2 lines (one
 * forged through a v1 cgroup name with a newline) are -EINVAL. */
int cg_parse_proc_cgroup(const char *procfile, const char *ctrl, char *out, size_t size);

/* One line of /proc/self/mountinfo: a cgroup or cgroup2 mount of a
 * hierarchy's root.  CONTROLLERS: v1, those of WANTED in the mount
 * options; v2, left empty (they are in the root's cgroup.controllers).
 * 0 if it is one, -ENOENT if the line is anything else. */
struct cg_mount {
	char path[256];
	char controllers[64];
	bool v2;
};
int cg_parse_mountinfo_line(const char *line, const char *const *wanted, size_t nwanted, struct cg_mount *m);

/* Those of WANTED[0..N) that are in LIST, comma-separated into OUT. */
void cg_pick_controllers(const char *list, const char *const *wanted, size_t n, char *out, size_t size);

/* A unit name as systemd makes them for logins ("session-4.scope",
 * "user@1000.service"): nothing a path could be built from. */
bool cg_unit_name_ok(const char *unit);

/* The unit of user-UID.slice that PROCFILE's v2 line names, if it is one
 * (user.slice/user-UID.slice/UNIT exactly). */
bool cg_parse_user_unit(uid_t uid, const char *procfile, char *unit, size_t size);

/*
 * The login's own unit, if it may be the carrel's: logind's session scope,
 * or user@UID.service when the login process is systemd itself
 * (LOGIN_IS_SYSTEMD: the user manager).  Not any unit of the user's slice:
 * user@UID.service's subtree is delegated to the user, who could otherwise
 * run su from a cgroup of their own making and have the holder cloned into
 * it.
 */
bool cg_parse_login_unit(uid_t uid, const char *procfile, bool login_is_systemd, char *unit, size_t size);

/* ------------------------------ the seed's other controllers (cgdev.c) */

/* A device rule as the kernel matches it: TYPE 'c' or 'b', MINOR -1 for
 * every minor, ACCESS CARREL_DEV_* (lib/ctrl.h). */
struct cg_dev_rule {
	char type;
	unsigned major;
	int64_t minor;
	unsigned access;
};
#define CG_DEV_RULES 64
struct cg_dev_rules {
	int n_deny, n_allow;
	struct cg_dev_rule deny[CG_DEV_RULES], allow[CG_DEV_RULES];
};
/* devices_deny and devices_allow resolved on this machine. */
int cg_dev_resolve(const struct carrel_limits *lim, struct cg_dev_rules *out, char *warn, size_t wsize,
		   struct carrel_error *e);
/* The ordinary devices of a session (null, zero, ..., pts), allowed always. */
const struct cg_dev_rule *cg_dev_ordinary(size_t *n);
/* The access the allows (and the ordinary devices) give TYPE MAJOR:MINOR. */
unsigned cg_dev_allowed(const struct cg_dev_rules *rules, char type, unsigned major, int64_t minor);
/* Attach the device program for RULES to the cgroup DIR (BPF_F_ALLOW_MULTI)
 * and detach the one carrel attached there before; no deny: none. */
int cg_dev_bpf_apply(const char *dir, const struct cg_dev_rules *rules, struct carrel_error *e);
/* An io_max item, its path resolved to its whole disk's MAJ:MIN. */
int cg_io_resolve(const char *s, struct carrel_io_item *it, unsigned *maj, unsigned *min, struct carrel_error *e);
/* WANT (a cpuset) within AVAIL_TEXT, formatted into OUT ("" when WANT is "");
 * a cut is noted in WARN, nothing left is -EINVAL. */
int cg_cpuset_fit(const char *label, const char *want, const char *avail_text, char *out, size_t size,
		  char *warn, size_t wsize, struct carrel_error *e);
/* LIM's cpusets cut to the CPUs and memory nodes online. */
int cg_fit_machine(struct carrel_limits *lim, struct carrel_error *e);
/* The list limits carrel wrote on the user cgroup DIR, kept as an xattr
 * (devices.list and a BPF program cannot be read back as rules). */
void cg_record_write(const char *dir, const struct carrel_limits *lim);
void cg_record_read(const char *dir, struct carrel_limits *lim);
/* No record any more: its limits are not known (the next change rewrites them). */
void cg_record_forget(const char *dir);

/* --------------------------------------------------------- the backends */

/* Is systemd PID 1 here (/run/systemd/system exists, as sd_booted says)? */
bool cg_systemd_booted(void);

/* cgroup_parent = systemd: fill CG (uid, id, login_pid set) for the v2
 * hierarchy mounted at MOUNT, from the login's /proc/PID/cgroup.
 * -EHOSTDOWN unless BOOTED (systemd is PID 1). */
int cg_systemd_prepare(struct cg_session *cg, const char *mount, const char *procfile, bool booted,
		       bool login_is_systemd);

/* The hierarchy with CONTROLLER, or NULL. */
const struct cg_hier *cg_hier_with(const struct cg_session *cg, const char *controller);

/* Pick the hierarchies (in M[0..N), CTRLS2 the v2 root's cgroup.controllers
 * or "") that hold WANTED controllers, into CG->h; sets CG->version.  Pure:
 * the paths are filled by the caller. */
int cg_pick_hierarchies(struct cg_session *cg, const struct cg_mount *m, int n, const char *ctrls2);

#endif
