/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the module <-> helper <-> keeper wire format
 * (lib/proto.h).  The input is cut into messages sent over a
 * SOCK_SEQPACKET pair as a peer would send them (the first byte picks how
 * many fds ride along with the first message and what the receiver
 * expects; at most 16 messages), and the receiving side parses them: a reply, the seccomp
 * program the reply announces, an open request, an attach request.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto_open.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2], fds[2] = { -1, -1 }, nfds, mode, fd = -1;
	struct carrel_reply reply;
	void *bpf = NULL;
	size_t off, n, msgs = 0;

	if (size < 1)
		return 0;
	mode = data[0] & 3;
	nfds = (data[0] >> 2) % 3;
	data++;
	size--;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	/* A full socket must not block the sender. */
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0)
		abort();
	/* Messages of at most 4 KiB, a 2-byte length before each. */
	for (off = 0; off < size && msgs < 16; msgs++) {
		n = size - off;
		if (n >= 2) {
			size_t want = ((size_t)data[off] << 8 | data[off + 1]) % 4097;
			off += 2;
			n = size - off < want ? size - off : want;
		} else {
			off += n;
			n = 0;
			continue;
		}
		int pass[2] = { sv[0], sv[0] };
		if (proto_send(sv[0], data + off, n, off == 2 ? pass : NULL, off == 2 ? nfds : 0) < 0)
			break;
		off += n;
	}
	shutdown(sv[0], SHUT_WR);
	switch (mode) {
	case 0:
		if (proto_recv_reply(sv[1], &reply, &fd, 0) == 0 && reply.err == 0)
			if (proto_recv_bpf(sv[1], &reply, &bpf, 0) == 0)
				free(bpf);
		break;
	case 1: {
		struct carrel_open_req req;
		(void)proto_recv(sv[1], &req, sizeof(req), NULL, 0, 0);
		break;
	}
	case 2: {
		struct carrel_attach a;
		(void)proto_recv(sv[1], &a, sizeof(a), fds, 2, 0);
		break;
	}
	default: {
		char m;
		while (proto_recv(sv[1], &m, 1, NULL, 0, 0) == 0)
			;
		break;
	}
	}
	if (fd >= 0)
		close(fd);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
