/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wire's reply and its transport: what a client of a keeper needs
 * (carrel-user links it).  The wire between the module and the keeper,
 * the open request, the move and the reply writers are in proto_open.h.
 */
#ifndef CARREL_PROTO_H
#define CARREL_PROTO_H

#include <stdint.h>
#include <sys/types.h>

#define CARREL_PROTO_VERSION 2
/* The most fds one message carries. */
#define CARREL_PROTO_MAX_FDS 24

struct carrel_reply {
	uint32_t version;
	int32_t err;        /* 0, or -errno of the step that failed */
	char step[32];      /* the failed step, e.g. "cgroup", "mount /tmp" */
	char detail[256];   /* human-readable detail (file:line for config errors);
			     * on success the carrel's SELinux level
			     * "s0:cX,cY" (selinux_categories, lib/mcs.h) or
			     * "": clients that predate it ignore it, and an
			     * older keeper's "" means no categories */
	char id[32];        /* session id, on success */
	uint32_t setns_flags; /* CLONE_NEW* the login process joins via the pidfd */
	uint32_t uid;         /* the session's user */
	uint32_t no_new_privs;
	uint64_t capabilities; /* what the bounding set keeps (CAP_* bits) */
	uint32_t bpf_len;     /* > 0: a second message follows, the seccomp
			       * program (struct sock_filter[]) of that size */
	uint32_t move;        /* > 0: not the answer yet (proto_open.h) */
};

#define CARREL_BPF_MAX (64 * 1024)

/*
 * The keeper's own socket, CARREL_SESSIONS_DIR/ID.sock (mode 0600, root
 * only): a root client sends CARREL_CTL_HOLDER and gets a struct
 * carrel_reply with the holder's pidfd attached. This is how a process
 * outside joins a carrel: by a handle the keeper kept, never by a pid.
 */
#define CARREL_CTL_HOLDER 'H'
/* CARREL_CTL_JOIN (carrel-user enter): the same, with the cgroup.procs of
 * the cgroups to join attached after the pidfd (opened by the keeper: the
 * client writes "0" into each, never a path of its own). */
#define CARREL_CTL_JOIN 'J'

/* A message of exactly LEN bytes with up to CARREL_PROTO_MAX_FDS fds attached. recv fails with
 * -EPROTO unless it gets exactly LEN bytes; fds not sent are -1, received
 * ones are O_CLOEXEC. */
int proto_send(int sock, const void *buf, size_t len, const int *fds, int nfds);
int proto_recv(int sock, void *buf, size_t len, int *fds, int nfds, int timeout_ms);

/* Wait until FD has one of EVENTS, TIMEOUT_MS at most in all (signals do
 * not restart the wait): 0, -ETIMEDOUT or -errno. */
int proto_poll(int fd, short events, int timeout_ms);

/* Receive a reply within TIMEOUT_MS; *FD gets the attached fd or -1. */
int proto_recv_reply(int sock, struct carrel_reply *reply, int *fd, int timeout_ms);
/* The same with up to NFDS fds (the move message). */
int proto_recv_reply_fds(int sock, struct carrel_reply *reply, int *fds, int nfds, int timeout_ms);
/* Receive the seccomp program announced by REPLY (*BPF: malloc'd, or NULL
 * when there is none). */
int proto_recv_bpf(int sock, const struct carrel_reply *reply, void **bpf, int timeout_ms);

#endif
