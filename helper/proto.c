/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proto.h"
#include "util.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int proto_send_reply(int sock, const struct carrel_reply *reply, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)reply, .iov_len = sizeof(*reply) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		return (size_t)n == sizeof(*reply) ? 0 : -EIO;
	}
}

int proto_recv_reply(int sock, struct carrel_reply *reply, int *fd, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = reply, .iov_len = sizeof(*reply) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct pollfd p = { .fd = sock, .events = POLLIN };
	ssize_t n;
	int r;

	*fd = -1;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	if (n == 0)
		return -ECONNRESET; /* the helper died without a word */
	if ((size_t)n != sizeof(*reply) || reply->version != CARREL_PROTO_VERSION ||
	    (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		closep(fd);
		*fd = -1;
		return -EPROTO;
	}
	reply->step[sizeof(reply->step) - 1] = '\0';
	reply->detail[sizeof(reply->detail) - 1] = '\0';
	reply->id[sizeof(reply->id) - 1] = '\0';
	return 0;
}

void proto_error(struct carrel_reply *reply, int err, const char *step, const char *fmt, ...)
{
	va_list ap;

	reply->version = CARREL_PROTO_VERSION;
	reply->err = err < 0 ? err : -err;
	snprintf(reply->step, sizeof(reply->step), "%s", step);
	va_start(ap, fmt);
	vsnprintf(reply->detail, sizeof(reply->detail), fmt, ap);
	va_end(ap);
}
