/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One carrel: what the helper builds for a login, and who keeps it. */
#ifndef CARREL_CARREL_H
#define CARREL_CARREL_H

#include <sys/types.h>

#include "carrel_conf.h"
#include "cgroup.h"
#include "idmap.h"
#include "proto.h"

#ifndef CARREL_RUNDIR
#define CARREL_RUNDIR "/run/carrel"
#endif
#define CARREL_SESSIONS_DIR CARREL_RUNDIR "/sessions"
#define CARREL_LOCK_FILE CARREL_RUNDIR "/lock"
#define CARREL_SEQ_FILE CARREL_RUNDIR "/seq"

struct carrel {
	char id[24];
	char user[33];
	uid_t uid;
	gid_t gid;
	char service[64];
	char tty[64];
	char rhost[256];
	char hostname[CARREL_HOSTNAME_MAX + 1]; /* expanded */
	struct carrel_policy policy;
	struct cg_session cg;
	struct idmap ids;  /* the user namespace's maps (CARREL_NS_USER) */
	pid_t login_pid;
	int login_pidfd;
	int sock;         /* to the module, CARREL_PROTO_FD */
	pid_t holder_pid;
	int holder_pidfd;
	unsigned clone_flags; /* CLONE_NEW* of the holder (cgroup ns is unshared later) */
};

/* Take the global carrel lock (flock on CARREL_LOCK_FILE); returns the fd. */
int carrel_lock(void);

/* open: runs in the helper, ends by becoming the keeper (never returns
 * on success; the exit status is the keeper's). */
int carrel_open(struct carrel *c, struct carrel_reply *reply);

/* The keeper's life: build the holder, answer the module, wait, tear down. */
void keeper_main(struct carrel *c) __attribute__((noreturn));

/* The holder: set up the carrel's view from inside, drop privileges, reap.
 * GO is read before anything is done; the result is written to READY. */
int holder_main(const struct carrel *c, int go, int ready) __attribute__((noreturn));

/* The operations a non-root caller may use, for its own carrels only. */
int op_enter(int argc, char **argv, char **caller_env);
int op_status(int argc, char **argv);

/* Remove what a failed or finished carrel left: cgroups and state file. */
void carrel_cleanup(struct carrel *c);

#endif
