/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one client of a keeper's socket, CARREL_SESSIONS_DIR/ID.sock (0600
 * in a 0700 directory: root only, and the keeper checks SO_PEERCRED).
 * Every wait is bounded: the connect (a keeper whose backlog is full), the
 * send, and the reply.  libc only: carrel-user links this.
 */
#ifndef CARREL_KEEPER_CLIENT_H
#define CARREL_KEEPER_CLIENT_H

#include <stddef.h>

#include "proto.h"

/* Connect to the keeper of session ID within TIMEOUT_MS and send MSG (LEN
 * bytes, NFDS fds attached); returns the connected fd (O_CLOEXEC) for the
 * reply, or -errno (-ENOENT: no such session's keeper). */
int keeper_send(const char *id, const void *msg, size_t len, const int *fds, int nfds,
		int timeout_ms);

/* OP (CARREL_CTL_HOLDER or CARREL_CTL_JOIN): the keeper's reply, the
 * holder's pidfd (FDS[0], never -1 on success), for JOIN the cgroup.procs
 * fds (FDS[1..NFDS-1], -1 where none), and the session's seccomp program
 * (*BPF, malloc'd, or NULL when it has none). */
int keeper_ask_holder(const char *id, char op, struct carrel_reply *reply, int *fds, int nfds, void **bpf,
		      int timeout_ms);

#endif
