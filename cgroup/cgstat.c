/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live figures carrelctl top and metrics show (cgroup.h, "live
 * figures"): cg_usage()'s, plus the user's soft memory limit and the
 * carrel's io bytes, read from whichever hierarchy holds memory and
 * io/blkio.  The io files' parsers are pure, for tests/unit/test_cgroup.c.
 */
#include "cgroup-internal.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "MAJ:MIN KEY=N KEY=N ..." lines: the sums of rbytes and wbytes. */
int cg_parse_io_stat(const char *text, uint64_t *rbytes, uint64_t *wbytes)
{
	static const char *const keys[] = { "rbytes=", "wbytes=" };
	uint64_t *sums[] = { rbytes, wbytes };

	*rbytes = *wbytes = 0;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		for (const char *w = p; w < p + len; w += strcspn(w, " \n"), w += *w == ' ') {
			for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
				size_t kl = strlen(keys[k]);
				char *end;
				if (strncmp(w, keys[k], kl) != 0)
					continue;
				errno = 0;
				uint64_t v = strtoull(w + kl, &end, 10);
				if (errno || end == w + kl || (*end != ' ' && *end != '\n' && *end) ||
				    w[kl] == '-' || *sums[k] + v < *sums[k])
					return -EBADMSG;
				*sums[k] += v;
			}
		}
		p += len + (p[len] == '\n');
	}
	return 0;
}

/* v1 blkio's "MAJ:MIN Read N" and "MAJ:MIN Write N" lines (the others:
 * Sync, Async, Discard, Total, and the closing "Total N", are sums). */
int cg_parse_blkio_bytes(const char *text, uint64_t *rbytes, uint64_t *wbytes)
{
	*rbytes = *wbytes = 0;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		char line[256], dev[64], op[16];
		unsigned long long v;
		int used = 0;

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
		if (sscanf(line, "%63s %15s %llu%n", dev, op, &v, &used) == 3 && line[used] == '\0' &&
		    strchr(dev, ':') && strchr(line, '-') == NULL) {
			uint64_t *sum = strcmp(op, "Read") == 0 ? rbytes : strcmp(op, "Write") == 0 ? wbytes : NULL;
			if (sum && *sum + v < *sum)
				return -EBADMSG;
			if (sum)
				*sum += v;
		}
		p += len + (p[len] == '\n');
	}
	return 0;
}

static void read_io(const struct cg_hier *h, struct cg_stat *st)
{
	char path[CG_PATH_MAX + 64], buf[16384];
	bool v2 = h->ops->version == 2;
	uint64_t r, w;

	snprintf(path, sizeof(path), "%s/%s", h->session, v2 ? "io.stat" : "blkio.throttle.io_service_bytes_recursive");
	if (read_file(path, buf, sizeof(buf)) < 0)
		return;
	if ((v2 ? cg_parse_io_stat(buf, &r, &w) : cg_parse_blkio_bytes(buf, &r, &w)) < 0)
		return;
	cg_fill(&st->io_read_bytes, r);
	cg_fill(&st->io_write_bytes, w);
}

void cg_stat(const struct cg_session *cg, struct cg_stat *st)
{
	const struct cg_hier *h;

	cg_usage(cg, &st->u);
	st->memory_high = st->io_read_bytes = st->io_write_bytes = CG_UNKNOWN;
	/* v1 has no soft limit that throttles (memory.soft_limit_in_bytes
	 * acts only under global pressure): unknown there. */
	if ((h = cg_hier_with(cg, "memory")) && h->ops->version == 2)
		st->memory_high = cg_read_value(h->user, "memory.high", "");
	if ((h = cg_hier_with(cg, "io")) || (h = cg_hier_with(cg, "blkio")))
		read_io(h, st);
}
