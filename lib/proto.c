/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proto.h"
#include "util_min.h"

#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_FDS CARREL_PROTO_MAX_FDS
/* A send waits at most this long for room in the peer's queue. */
#define SEND_TIMEOUT_MS 5000

/* Milliseconds left until DEADLINE (CLOCK_MONOTONIC), at least 0. */
static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > INT_MAX ? INT_MAX : (int)ms;
}

static void deadline_in(struct timespec *deadline, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += ms / 1000;
	deadline->tv_nsec += (long)(ms % 1000) * 1000000;
	if (deadline->tv_nsec >= 1000000000) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000;
	}
}

/* poll FD for EVENTS until DEADLINE; signals do not extend the wait. */
static int poll_until(int fd, short events, const struct timespec *deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, ms_left(deadline));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

int proto_poll(int fd, short events, int timeout_ms)
{
	struct timespec deadline;

	deadline_in(&deadline, timeout_ms);
	return poll_until(fd, events, &deadline);
}

int proto_send(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct timespec deadline;
	int r;

	if (nfds > MAX_FDS)
		return -EINVAL;
	if (nfds > 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	/* Never blocked by a peer that does not read: wait (bounded) for room. */
	deadline_in(&deadline, SEND_TIMEOUT_MS);
	for (;;) {
		ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = poll_until(sock, POLLOUT, &deadline)) < 0)
				return r;
			continue;
		}
		if (n < 0)
			return -errno;
		return (size_t)n == len ? 0 : -EIO; /* a message goes whole or not at all */
	}
}

int proto_recv(int sock, void *buf, size_t len, int *fds, int nfds, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct timespec deadline;
	int got = 0, r;
	ssize_t n;

	for (int i = 0; i < nfds; i++)
		fds[i] = -1;
	/* Bounded as a whole: a signal (EINTR) or a spurious wakeup (EAGAIN)
	 * never starts the wait over. */
	deadline_in(&deadline, timeout_ms);
	for (;;) {
		if ((r = poll_until(sock, POLLIN, &deadline)) < 0)
			return r;
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n >= 0)
			break;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		int in[MAX_FDS * 2];
		memcpy(in, CMSG_DATA(c), sizeof(int) * (size_t)(k < MAX_FDS * 2 ? k : MAX_FDS * 2));
		for (int i = 0; i < k && i < MAX_FDS * 2; i++) {
			if (got < nfds)
				fds[got++] = in[i];
			else
				close(in[i]); /* more than asked for: not ours to keep */
		}
	}
	if (n == 0)
		r = -ECONNRESET; /* the peer went away without a word */
	else if ((size_t)n != len || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		r = -EPROTO;
	else
		return 0;
	for (int i = 0; i < nfds; i++) {
		closep(&fds[i]);
		fds[i] = -1;
	}
	return r;
}

int proto_recv_reply(int sock, struct carrel_reply *reply, int *fd, int timeout_ms)
{
	return proto_recv_reply_fds(sock, reply, fd, 1, timeout_ms);
}

int proto_recv_reply_fds(int sock, struct carrel_reply *reply, int *fds, int nfds, int timeout_ms)
{
	int r = proto_recv(sock, reply, sizeof(*reply), fds, nfds, timeout_ms);

	if (r < 0)
		return r;
	if (reply->version != CARREL_PROTO_VERSION) {
		for (int i = 0; i < nfds; i++)
			fds[i] = safe_close(fds[i]);
		return -EPROTO;
	}
	reply->step[sizeof(reply->step) - 1] = '\0';
	reply->detail[sizeof(reply->detail) - 1] = '\0';
	reply->id[sizeof(reply->id) - 1] = '\0';
	return 0;
}

int proto_recv_bpf(int sock, const struct carrel_reply *reply, void **bpf, int timeout_ms)
{
	int r;

	*bpf = NULL;
	if (reply->bpf_len == 0)
		return 0;
	if (reply->bpf_len > CARREL_BPF_MAX)
		return -EPROTO;
	*bpf = malloc(reply->bpf_len);
	if (!*bpf)
		return -ENOMEM;
	r = proto_recv(sock, *bpf, reply->bpf_len, NULL, 0, timeout_ms);
	if (r < 0) {
		free(*bpf);
		*bpf = NULL;
	}
	return r;
}
