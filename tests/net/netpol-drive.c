/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drives net/egress.c and net/shape.c without the network core, for
 * tests/integration/t-61-netpol.sh, and measures what they do:
 *
 *   netpol-drive apply CONF USER ID UID HOSTIF ADDR4 ADDR6
 *       USER's policy from CONF; a lease like the core's; egress, then shape
 *   netpol-drive release ID UID HOSTIF
 *   netpol-drive serve ADDR PORT...     TCP listeners and UDP echo on each port
 *       (runs until killed; a TCP client's first byte: 'd' = send to it until
 *       it closes, 'u' = read to EOF and print "upload BPS" on stdout)
 *   netpol-drive connect ADDR PORT [udp]  "ok MS", "refused ERRNO MS" or "timeout MS"
 *   netpol-drive fetch ADDR PORT SECONDS  download for SECONDS: "download BPS"
 *   netpol-drive push ADDR PORT SECONDS   upload for SECONDS (the server measures)
 *
 * Every wait is bounded (CONNECT_MS, the SECONDS given, IO_MS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "carrel_conf.h"
#include "netpol.h"
#include "net.h"

#define CONNECT_MS 5000
#define IO_MS 10000

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int addr_of(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	fprintf(stderr, "netpol-drive: not an address: %s\n", host);
	return -1;
}

/* A connected socket, or -errno; *MS how long it took. */
static int dial(const char *host, int port, int type, long long *ms)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long long t0 = now_ms();
	int fd, e = 0;

	if (addr_of(host, port, &ss, &len) < 0)
		exit(2);
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
		e = errno;
	if (!e && type == SOCK_STREAM) {
		struct pollfd p = { fd, POLLOUT, 0 };
		socklen_t el = sizeof(e);

		if (poll(&p, 1, CONNECT_MS) == 0)
			e = ETIMEDOUT;
		else
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
	}
	*ms = now_ms() - t0;
	if (e) {
		close(fd);
		return -e;
	}
	fcntl(fd, F_SETFL, 0);
	return fd;
}

static int cmd_connect(const char *host, int port, int udp)
{
	long long ms;
	int fd = dial(host, port, udp ? SOCK_DGRAM : SOCK_STREAM, &ms);

	if (fd >= 0 && udp) {
		long long t0 = now_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		char buf[8];
		ssize_t n = -1;

		if (send(fd, "ping", 4, 0) < 0) {
			fd = -errno;
		} else if (poll(&p, 1, CONNECT_MS) == 0) {
			printf("timeout %lld\n", now_ms() - t0);
			return 0;
		} else if ((n = recv(fd, buf, sizeof(buf), 0)) < 0) {
			fd = -errno;
		}
		ms = now_ms() - t0;
	}
	if (fd >= 0)
		printf("ok %lld\n", ms);
	else if (fd == -ETIMEDOUT)
		printf("timeout %lld\n", ms);
	else
		printf("refused %s %lld\n", strerrorname_np(-fd) ? strerrorname_np(-fd) : "?", ms);
	return 0;
}

static int cmd_fetch(const char *host, int port, int seconds)
{
	static char buf[1 << 16];
	long long ms, t0 = 0, end;
	uint64_t bytes = 0;
	int fd = dial(host, port, SOCK_STREAM, &ms);

	if (fd < 0 || write(fd, "d", 1) != 1) {
		fprintf(stderr, "netpol-drive: fetch: cannot connect: %s\n", strerror(fd < 0 ? -fd : errno));
		return 1;
	}
	end = now_ms() + (long long)seconds * 1000;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = end - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (!t0)
			t0 = now_ms(); /* from the first byte */
		else
			bytes += (uint64_t)n;
	}
	close(fd);
	if (!t0 || now_ms() <= t0) {
		fprintf(stderr, "netpol-drive: fetch: nothing received\n");
		return 1;
	}
	printf("download %" PRIu64 "\n", bytes * 8 * 1000 / (uint64_t)(now_ms() - t0));
	return 0;
}

static int cmd_push(const char *host, int port, int seconds)
{
	static char buf[1 << 16];
	long long ms, end;
	int fd = dial(host, port, SOCK_STREAM, &ms);
	struct timeval tv = { 1, 0 };

	if (fd < 0 || write(fd, "u", 1) != 1) {
		fprintf(stderr, "netpol-drive: push: cannot connect: %s\n", strerror(fd < 0 ? -fd : errno));
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(buf, 'x', sizeof(buf));
	end = now_ms() + (long long)seconds * 1000;
	while (now_ms() < end)
		if (write(fd, buf, sizeof(buf)) < 0 && errno != EAGAIN && errno != EINTR)
			break;
	/* The server measures to EOF: what is still queued drains at the rate. */
	shutdown(fd, SHUT_WR);
	{
		struct pollfd p = { fd, POLLIN, 0 };

		poll(&p, 1, IO_MS);
	}
	close(fd);
	return 0;
}

/* One client of serve: 'd' send until it closes, 'u' read to EOF. */
static void serve_client(int fd)
{
	static char buf[1 << 16];
	char c;
	struct timeval tv = { IO_MS / 1000, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (read(fd, &c, 1) != 1)
		return;
	if (c == 'd') {
		memset(buf, 'y', sizeof(buf));
		while (write(fd, buf, sizeof(buf)) > 0)
			;
	} else if (c == 'u') {
		long long t0 = 0, t1 = 0;
		uint64_t bytes = 0;
		ssize_t n;

		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			if (!t0)
				t0 = now_ms();
			else
				bytes += (uint64_t)n;
			t1 = now_ms();
		}
		if (t1 > t0)
			printf("upload %" PRIu64 "\n", bytes * 8 * 1000 / (uint64_t)(t1 - t0));
		fflush(stdout);
		if (write(fd, "k", 1) < 0)
			return;
	}
}

static int cmd_serve(const char *host, char **ports, int n)
{
	struct pollfd p[32];
	int np = 0;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);
	for (int i = 0; i < n && np + 2 <= 32; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		int one = 1, t = atoi(ports[i]);

		if (addr_of(host, t, &ss, &len) < 0)
			return 2;
		for (int udp = 0; udp <= 1; udp++) {
			int fd = socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);

			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
			    (!udp && listen(fd, 64) < 0)) {
				fprintf(stderr, "netpol-drive: serve %s %d: %s\n", host, t, strerror(errno));
				return 1;
			}
			p[np].fd = fd;
			p[np].events = POLLIN;
			np++;
		}
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		if (poll(p, (nfds_t)np, -1) < 0)
			continue;
		for (int i = 0; i < np; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			if (i % 2) { /* UDP: echo */
				struct sockaddr_storage from;
				socklen_t fl = sizeof(from);
				char buf[512];
				ssize_t r = recvfrom(p[i].fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

				if (r > 0)
					sendto(p[i].fd, buf, (size_t)r, 0, (struct sockaddr *)&from, fl);
				continue;
			}
			int c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);

			if (c < 0)
				continue;
			if (fork() == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL); /* goes with the server */
				serve_client(c);
				_exit(0);
			}
			close(c);
		}
	}
}

static void lease_of(struct carrel_net_lease *l, const char *id, const char *uid, const char *ifname)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->id, sizeof(l->id), "%s", id);
	l->uid = (uid_t)strtoul(uid, NULL, 10);
	snprintf(l->host_ifname, sizeof(l->host_ifname), "%s", ifname);
	l->host_ifindex = (int)if_nametoindex(ifname);
}

int main(int argc, char **argv)
{
	struct carrel_error err = { "", "" };
	struct carrel_net_lease l;

	if (argc >= 9 && strcmp(argv[1], "apply") == 0) {
		struct carrel_config *cfg = NULL;
		struct carrel_policy p;

		if (carrel_config_load(argv[2], &cfg, &err) < 0 ||
		    carrel_policy_resolve(cfg, argv[3], &p, &err) < 0) {
			fprintf(stderr, "netpol-drive: %s\n", err.msg);
			return 1;
		}
		carrel_config_free(cfg);
		lease_of(&l, argv[4], argv[5], argv[6]);
		if (inet_pton(AF_INET, argv[7], &l.addr4) != 1 ||
		    inet_pton(AF_INET6, argv[8], &l.addr6) != 1) {
			fprintf(stderr, "netpol-drive: bad addresses\n");
			return 2;
		}
		if (carrel_egress_apply(&l, &p.net, &err) < 0 || carrel_shape_apply(&l, &p.net, &err) < 0) {
			fprintf(stderr, "netpol-drive: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "release") == 0) {
		int r;

		lease_of(&l, argv[2], argv[3], argv[4]);
		r = carrel_shape_release(&l, &err);
		if (r < 0)
			fprintf(stderr, "netpol-drive: %s\n", err.msg);
		if (carrel_egress_release(l.id, &err) < 0) {
			fprintf(stderr, "netpol-drive: %s\n", err.msg);
			r = -1;
		}
		return r < 0;
	}
	if (argc >= 4 && strcmp(argv[1], "serve") == 0)
		return cmd_serve(argv[2], argv + 3, argc - 3);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "connect") == 0)
		return cmd_connect(argv[2], atoi(argv[3]), argc == 5 && strcmp(argv[4], "udp") == 0);
	if (argc == 5 && strcmp(argv[1], "fetch") == 0)
		return cmd_fetch(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 5 && strcmp(argv[1], "push") == 0)
		return cmd_push(argv[2], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: see tests/net/netpol-drive.c\n");
	return 2;
}
