/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The writers of replies (the helper and the keeper), and the wait for
 * the keeper's close acknowledgement (proto_open.h). */
#include "proto_open.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>

int proto_send_reply(int sock, const struct carrel_reply *reply, int fd)
{
	return proto_send(sock, reply, sizeof(*reply), &fd, fd >= 0 ? 1 : 0);
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

int keeper_wait_ack(int fd, int timeout_ms)
{
	char k = 0;
	int r = proto_poll(fd, POLLIN, timeout_ms);

	if (r < 0)
		return r;
	if (recv(fd, &k, 1, MSG_DONTWAIT) != 1)
		return -ECONNRESET;
	return k == CARREL_MSG_CLOSED ? 0 : -EPROTO;
}
