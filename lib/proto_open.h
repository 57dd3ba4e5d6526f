/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The open path's side of the wire (proto.h has the reply and the
 * transport): what the module sends the helper, how the login process
 * moves into the carrel's cgroups, another login joining a running carrel,
 * an admin ending one, and the writers of replies (helper and keeper).
 */
#ifndef CARREL_PROTO_OPEN_H
#define CARREL_PROTO_OPEN_H

#include "policy.h"
#include "proto.h"

/*
 * The wire between pam_carrel (in the login process) and the session's
 * keeper: one AF_UNIX SOCK_SEQPACKET pair, created by the module, whose
 * other end the helper gets as fd 3.
 *
 *   keeper -> module  struct carrel_reply, with the holder's pidfd attached
 *                     (SCM_RIGHTS) on success.
 *   module -> keeper  CARREL_MSG_CLOSE at pam_close_session.
 *   keeper -> module  CARREL_MSG_CLOSED once the login process is back in
 *                     its own cgroups; the teardown goes on without it.
 *
 * The keeper also tears down when the socket reaches EOF or the login
 * process exits (pidfd), so a killed login program leaks nothing.
 */
#define CARREL_PROTO_FD 3

/*
 * The open path's bounds.  Every wait that carrel controls on the login
 * path is bounded; a login that hits a bound is refused (or let in by
 * on_error = allow) with a log line naming the wait.  The keeper gives its
 * whole open, from its start to its answer, at most CARREL_KEEPER_OPEN_MS:
 * each of its waits (the holder's set-up, the login process's move) takes
 * what is left of it, and the holder's set-up ends sooner if the holder
 * stops making progress (helper/keeper.c, wait_ready).  The module waits
 * CARREL_MODULE_OPEN_MS for each of the keeper's messages, longer, so that
 * the keeper's own error, naming the step, reaches it first.  Sized for a
 * login storm on a small machine, not for a quiet one: with 200 concurrent
 * ssh logins on 2 CPUs, holders spent up to 84 s in their set-up, waiting
 * for a CPU among 400 sshd processes, whose own part of those logins took
 * up to 190 s (tests/RESULTS.md round 6).  What ends a hang sooner is the
 * holder's stall bound (15 s without progress).
 */
#define CARREL_KEEPER_OPEN_MS 180000
/* The module's bound on the helper process, which then forks the keeper and
 * exits: its lock waits are bounded within it (helper/carrel.c); the rest
 * is CPU, which a login storm makes slow (60 s). */
#define CARREL_HELPER_OPEN_MS 60000
#define CARREL_MODULE_OPEN_MS (CARREL_KEEPER_OPEN_MS + 10000)
#define CARREL_MSG_CLOSE 'C'
#define CARREL_MSG_CLOSED 'K'

/* The most supplementary groups a login's ids carry (the kernel takes 340
 * lines of gid_map). */
#define CARREL_PROTO_MAX_GROUPS 256

/*
 * The user's ids as the module resolved them (it looked the user up for the
 * policy already): the helper makes no user or group lookup of its own, so
 * it never loads the name service (libnss_systemd probing userdb) on the
 * login path.  GROUPS are the supplementary groups with the primary one;
 * NGROUPS > CARREL_PROTO_MAX_GROUPS says "more than fit", which the helper
 * refuses for a user namespace.  TTY_GID: the tty group (for ptys), or
 * (uint32_t)-1 when the host has none.  Only filled in when the policy has
 * a user namespace; otherwise NGROUPS is 0.
 */
struct carrel_ids {
	uint32_t uid;
	uint32_t gid;
	uint32_t tty_gid;
	uint32_t ngroups;
	uint32_t groups[CARREL_PROTO_MAX_GROUPS];
};

/*
 * module -> helper, the first message on fd 3: the policy the module has
 * already resolved for this login, so that the helper does not parse the
 * config a second time on the login path, and the user's ids. The helper
 * serves `open` to real root only, and checks the message's form, not its
 * choices.
 */
struct carrel_open_req {
	uint32_t version;
	uint32_t size; /* sizeof(struct carrel_policy): both built from one tree */
	struct carrel_policy policy;
	struct carrel_ids ids;
	/* selinux_categories = per-session: the SELinux user of the exec
	 * context pam_selinux set for the session (the owner of what the
	 * carrel makes in its private tmpfs, lib/mcs_level.h); "" otherwise,
	 * or when there is none (then the module refuses the login itself). */
	char seuser[32];
};

/*
 * The login process moves itself into the carrel's cgroups: no process is
 * ever named to cgroup.procs by a pid that could have been reused.  Before
 * its answer the keeper sends a struct carrel_reply with err = 0 and
 * move = N, with 2N fds attached: the cgroup.procs files of the session's
 * N cgroups, then those of the login's own N cgroups (to go back to at
 * close).  The module writes "0" (itself) into the first N, answers with
 * an int32_t (0 or -errno), and the keeper checks the move and sends the
 * answer.  At close the module writes "0" into the other N, then sends
 * CARREL_MSG_CLOSE.  Where the cgroups are systemd's units there is no
 * move message (the keeper names the pid, checked by its pidfd).
 */

/*
 * scope = user: another login joins a running carrel. The helper (root)
 * sends struct carrel_attach with two fds, the module's socket and the
 * login process's pidfd; the keeper answers the module on that socket
 * exactly as for a new carrel, and the helper with CARREL_MSG_CLOSED.
 */
#define CARREL_CTL_ATTACH 'A'
/* An admin ends the carrel (carrelctl kill): the keeper answers
 * CARREL_MSG_CLOSED, then tears down as at logout. */
#define CARREL_CTL_TERMINATE 'T'

struct carrel_attach {
	char op; /* CARREL_CTL_ATTACH */
	int32_t pid;
	uint32_t uid; /* whose login: the keeper takes only its own user's */
	char service[64];
	char tty[64];
	char rhost[256];
};

/* Send REPLY (with FD attached when FD >= 0). */
int proto_send_reply(int sock, const struct carrel_reply *reply, int fd);

/* Fill an error reply. */
void proto_error(struct carrel_reply *reply, int err, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Wait up to TIMEOUT_MS on FD (a keeper_send() connection) for the
 * keeper's one-byte CARREL_MSG_CLOSED; -EPROTO for any other answer,
 * -ETIMEDOUT for none. */
int keeper_wait_ack(int fd, int timeout_ms);

#endif
