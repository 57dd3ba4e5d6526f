/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One carrel: what the helper builds for a login, and who keeps it. */
#ifndef CARREL_CARREL_H
#define CARREL_CARREL_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "carrel_conf.h"
#include "cgroup.h"
#include "idmap.h"
#include "mcs.h"
#include "net.h"
#include "netpol.h"
#include "proto_open.h"
#include "reap.h"
#include "rundir.h"



/* One login (an open_session) in a carrel. */
struct login {
	pid_t pid;
	int pidfd;  /* the login process, held from the start */
	int sock;   /* to its pam_carrel */
	time_t started;
	char service[64];
	char tty[64];
	char rhost[256];
	bool attached;           /* moved into the carrel's cgroups */
	struct cg_origin origin; /* its own cgroups, to give it back */
};

struct carrel {
	char id[24];
	char user[33];
	uid_t uid;
	gid_t gid;
	char hostname[CARREL_HOSTNAME_MAX + 1]; /* expanded */
	char config[256];  /* the config file it was built from ("" = default) */
	struct carrel_policy policy;
	struct cg_session *cg; /* its cgroups (cgroup/cgroup.h); NULL before cg_prepare */
	struct idmap ids;  /* the user namespace's maps (CARREL_NS_USER) */
	int user_lock;     /* scope = user: held until users/UID names this carrel */
	long lock_wait_ms; /* this open's lock waits so far (helper/carrel.c's budget) */
	int live_fd;       /* holds the lock on ID.live (lib/state.h): the keeper's for its life */
	pid_t holder_pid;
	int holder_pidfd;
	unsigned clone_flags; /* CLONE_NEW* of the holder (cgroup ns is unshared later) */
	time_t started;
	struct carrel_net_lease net; /* network = nat (net/net.h); lock_fd -1 otherwise */
	struct carrel_mcs mcs;       /* selinux_categories = per-session (lib/mcs.h); level "" otherwise */
	char seuser[CARREL_MCS_SEUSER_MAX]; /* the login's SELinux user, from the module; "" if none */
	void *bpf;         /* the session's seccomp program, or NULL */
	uint32_t bpf_len;
	/* Last: most of this struct (static in the helper, inherited by the
	 * keeper) is never touched, and so never resident. */
	int nlogins;
	struct login logins[CARREL_MAX_LOGINS]; /* [0]: the one that created it */
};

/* Send the module (or a root client) the carrel's reply: the holder's
 * pidfd attached, then the seccomp program if there is one. */
int carrel_send_reply(const struct carrel *c, int sock);


/* Take the global carrel lock (flock on CARREL_LOCK_FILE); returns the fd. */
int carrel_lock(void);

/* scope = user: hand the login described by L (with the module's socket
 * SOCK) to the user's running carrel, if there is one. 0 if it took it;
 * otherwise *USER_LOCK is the held per-user lock to create one under. */
int carrel_attach_existing(struct carrel *c, const struct login *l, int *user_lock);

/* scope = user: record (under the held user lock, which is then released)
 * that this carrel is the user's; and forget it again at the end. */
int carrel_claim_user(struct carrel *c);
void carrel_forget_user(const struct carrel *c);

/* open: runs in the helper, ends by becoming the keeper (never returns
 * on success; the exit status is the keeper's). */
int carrel_open(struct carrel *c, struct carrel_reply *reply);

/* The keeper's life: build the holder, answer the module, wait, tear down. */
void keeper_main(struct carrel *c) __attribute__((noreturn));

/* The holder: set up the carrel's view from inside, drop privileges, reap.
 * GO is read before anything is done; the result is written to READY. */
int holder_main(const struct carrel *c, int go, int ready) __attribute__((noreturn));
/* Make the user's own /var/tmp (STATEDIR/vartmp/UID, owned by the user,
 * mode 0700, under a root-only parent) unless it is there; run by the
 * keeper, as root, before the holder binds it. */
int carrel_vartmp_prepare(uid_t uid, gid_t gid);

/* Remove what a failed or finished carrel left: cgroups and state file. */
void carrel_cleanup(struct carrel *c);

#endif
