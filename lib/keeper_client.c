/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "keeper_client.h"
#include "rundir.h"
#include "state.h"
#include "util_min.h"

#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

int keeper_send(const char *id, const void *msg, size_t len, const int *fds, int nfds,
		int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	_cleanup_close_ int fd = -1;
	int r;

	if (!session_valid_id(id))
		return -ENOENT;
	snprintf(sa.sun_path, sizeof(sa.sun_path), CARREL_SESSIONS_DIR "/%s.sock", id);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* An AF_UNIX connect waits for room in the keeper's backlog for as long
	 * as the send timeout allows: that bounds it. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		if (errno != EINTR)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if ((r = proto_send(fd, msg, len, fds, nfds)) < 0)
		return r == -EAGAIN ? -ETIMEDOUT : r;
	return take_fd(&fd);
}

int keeper_ask_holder(const char *id, char op, struct carrel_reply *reply, int *fds, int nfds, void **bpf,
		      int timeout_ms)
{
	_cleanup_close_ int fd = keeper_send(id, &op, 1, NULL, 0, timeout_ms);
	int r;

	*bpf = NULL;
	for (int i = 0; i < nfds; i++)
		fds[i] = -1;
	if (fd < 0)
		return fd;
	if ((r = proto_recv_reply_fds(fd, reply, fds, nfds, timeout_ms)) < 0)
		return r;
	if (fds[0] < 0 || reply->err != 0)
		r = -EPROTO;
	else
		r = proto_recv_bpf(fd, reply, bpf, timeout_ms);
	if (r < 0)
		for (int i = 0; i < nfds; i++)
			fds[i] = safe_close(fds[i]);
	return r;
}
