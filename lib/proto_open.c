/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The writers of replies: the helper and the keeper (proto_open.h). */
#include "proto_open.h"

#include <stdarg.h>
#include <stdio.h>

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
