/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state file's writer (lib/state.h): the keeper's, apart from the
 * reader so that carrel-user, which only reads, does not link it. */
#include "state_write.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static bool one_line(const char *v)
{
	return !strchr(v, '\n');
}

static bool one_field(const char *v)
{
	return v[0] && !strpbrk(v, "\n ");
}

int state_format(FILE *f, const struct session *s)
{
	const char *vals[] = { s->id, s->user, s->scope, s->hostname, s->unit, s->config };

	for (size_t i = 0; i < ARRAY_SIZE(vals); i++)
		if (!one_line(vals[i]))
			return -EINVAL;
	for (int i = 0; i < s->ncg; i++)
		if (!one_line(s->cgroup[i]))
			return -EINVAL;
	for (int i = 0; i < s->nlogins; i++)
		if (!one_field(s->logins[i].service) || !one_field(s->logins[i].tty) ||
		    !one_field(s->logins[i].rhost))
			return -EINVAL;
	fprintf(f,
		"version=%d\nid=%s\nuser=%s\nuid=%u\nscope=%s\nhostname=%s\nkeeper=%d\nholder=%d\n"
		"started=%lld\ncgroup_version=%d\n",
		STATE_VERSION, s->id, s->user, (unsigned)s->uid, s->scope, s->hostname,
		(int)s->keeper, (int)s->holder, (long long)s->started, s->cgroup_version);
	/* The first login's fields also stand alone, for simple readers. */
	if (s->nlogins > 0)
		fprintf(f, "service=%s\ntty=%s\nrhost=%s\nlogin=%d\n", s->logins[0].service,
			s->logins[0].tty, s->logins[0].rhost, (int)s->logins[0].pid);
	for (int i = 0; i < s->nlogins; i++)
		fprintf(f, "session=%d %s %s %s %lld\n", (int)s->logins[i].pid,
			s->logins[i].service, s->logins[i].tty, s->logins[i].rhost,
			(long long)s->logins[i].started);
	if (s->unit[0])
		fprintf(f, "cgroup_mode=systemd\nunit=%s\n", s->unit);
	for (int i = 0; i < s->ncg; i++)
		fprintf(f, "cgroup=%s\n", s->cgroup[i]);
	if (s->config[0])
		fprintf(f, "config=%s\n", s->config);
	return ferror(f) ? -EIO : 0;
}

int state_write(const struct session *s)
{
	char path[sizeof(CARREL_SESSIONS_DIR) + 24], tmp[sizeof(path) + 4];
	FILE *f;
	int fd, r;

	if (!session_valid_id(s->id))
		return -EINVAL;
	snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s", s->id);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (!(f = fdopen(fd, "w"))) {
		r = -errno;
		fd = safe_close(fd);
		(void)unlink(tmp);
		return r;
	}
	r = state_format(f, s);
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(tmp);
	return r;
}
