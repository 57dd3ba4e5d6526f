/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "state.h"
#include "util_min.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

bool session_valid_id(const char *id)
{
	size_t n = strspn(id, "0123456789");

	return n > 0 && n < 20 && id[n] == '\0';
}

/* ------------------------------------------------------------------ reading */

static int parse_long(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max || s[0] == ' ')
		return -EBADMSG;
	*out = v;
	return 0;
}

/* Copy VAL into DST (SIZE bytes) only if it fits whole. */
static int copy(char *dst, size_t size, const char *val)
{
	size_t n = strlen(val);

	if (n >= size)
		return -EBADMSG;
	memcpy(dst, val, n + 1);
	return 0;
}

/* PATH ends in "/SUFFIX" exactly. */
static bool ends_with_component(const char *path, const char *suffix)
{
	size_t pl = strlen(path), sl = strlen(suffix);

	return pl > sl && path[pl - sl - 1] == '/' && strcmp(path + pl - sl, suffix) == 0;
}

/* A session dir the helper made: absolute, no "..", no "//", and ending in
 * user-UID/session-ID; or, with UNIT (systemd), in user-UID.slice/UNIT. */
static bool cgroup_path_ok(const char *path, const char *id, const char *unit, uid_t uid)
{
	char sess[112], user[40], parent[STATE_PATH_MAX];
	const char *slash;
	size_t n = strlen(path);

	if (path[0] != '/' || strstr(path, "/../") || strstr(path, "//") || n >= STATE_PATH_MAX ||
	    (n >= 3 && strcmp(path + n - 3, "/..") == 0))
		return false;
	snprintf(sess, sizeof(sess), unit[0] ? "%s" : "session-%s", unit[0] ? unit : id);
	snprintf(user, sizeof(user), unit[0] ? "user-%u.slice" : "user-%u", (unsigned)uid);
	if (!ends_with_component(path, sess))
		return false;
	slash = strrchr(path, '/');
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	return ends_with_component(parent, user);
}

/* "session=PID SERVICE TTY RHOST STARTED": exactly five fields, each whole. */
static int parse_login(char *v, struct session_login *l)
{
	char *f[5], *save = NULL;
	long long pid, started;
	int n = 0;

	for (char *t = strtok_r(v, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (n++ < 5)
			f[n - 1] = t;
	if (n != 5 || parse_long(f[0], 1, INT32_MAX, &pid) < 0 ||
	    parse_long(f[4], 0, INT64_MAX, &started) < 0 ||
	    copy(l->service, sizeof(l->service), f[1]) < 0 ||
	    copy(l->tty, sizeof(l->tty), f[2]) < 0 || copy(l->rhost, sizeof(l->rhost), f[3]) < 0)
		return -EBADMSG;
	l->pid = (pid_t)pid;
	l->started = (time_t)started;
	return 0;
}

/* Keys that may appear once only: the ones that decide whose carrel it is. */
enum { SEEN_VERSION = 1, SEEN_ID = 2, SEEN_USER = 4, SEEN_UID = 8, SEEN_UNIT = 16 };

static int once(unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return -EBADMSG;
	*seen |= bit;
	return 0;
}

/* One "KEY=VAL" line into S (FIRST: the version 1 first-login fields). */
static int parse_line(char *key, char *val, const char *id, struct session *s,
		      struct session_login *first, unsigned *seen)
{
	long long v;

	if (strcmp(key, "version") == 0) {
		if (once(seen, SEEN_VERSION) < 0 || parse_long(val, 1, INT32_MAX, &v) < 0)
			return -EBADMSG;
		if (v > STATE_VERSION)
			return -EPROTONOSUPPORT;
		s->version = (int)v;
	} else if (strcmp(key, "id") == 0) {
		if (once(seen, SEEN_ID) < 0 || strcmp(val, id) != 0 ||
		    copy(s->id, sizeof(s->id), val) < 0)
			return -EBADMSG;
	} else if (strcmp(key, "user") == 0) {
		if (once(seen, SEEN_USER) < 0 || !valid_user_name(val))
			return -EBADMSG;
		snprintf(s->user, sizeof(s->user), "%s", val);
	} else if (strcmp(key, "uid") == 0) {
		if (once(seen, SEEN_UID) < 0 || parse_long(val, 0, UINT32_MAX - 1, &v) < 0)
			return -EBADMSG;
		s->uid = (uid_t)v;
	} else if (strcmp(key, "scope") == 0) {
		snprintf(s->scope, sizeof(s->scope), "%s", val);
	} else if (strcmp(key, "hostname") == 0) {
		snprintf(s->hostname, sizeof(s->hostname), "%s", val);
	} else if (strcmp(key, "config") == 0) {
		if (copy(s->config, sizeof(s->config), val) < 0)
			return -EBADMSG;
	} else if (strcmp(key, "keeper") == 0 || strcmp(key, "holder") == 0) {
		if (parse_long(val, 1, INT32_MAX, &v) < 0)
			return -EBADMSG;
		*(key[0] == 'k' ? &s->keeper : &s->holder) = (pid_t)v;
	} else if (strcmp(key, "started") == 0) {
		if (parse_long(val, 0, INT64_MAX, &v) == 0)
			s->started = (time_t)v;
	} else if (strcmp(key, "cgroup_version") == 0) {
		if (parse_long(val, 1, 2, &v) == 0)
			s->cgroup_version = (int)v;
	} else if (strcmp(key, "service") == 0) {
		snprintf(first->service, sizeof(first->service), "%s", val);
	} else if (strcmp(key, "tty") == 0) {
		snprintf(first->tty, sizeof(first->tty), "%s", val);
	} else if (strcmp(key, "rhost") == 0) {
		snprintf(first->rhost, sizeof(first->rhost), "%s", val);
	} else if (strcmp(key, "login") == 0) {
		if (parse_long(val, 1, INT32_MAX, &v) == 0)
			first->pid = (pid_t)v;
	} else if (strcmp(key, "session") == 0) {
		/* A login line that does not parse is left out, not the carrel. */
		if (s->nlogins < CARREL_MAX_LOGINS && parse_login(val, &s->logins[s->nlogins]) == 0)
			s->nlogins++;
	} else if (strcmp(key, "unit") == 0) {
		if (once(seen, SEEN_UNIT) < 0 || !val[0] || strchr(val, '/') || val[0] == '.' ||
		    copy(s->unit, sizeof(s->unit), val) < 0)
			return -EBADMSG;
	} else if (strcmp(key, "cgroup") == 0) {
		if (s->ncg >= STATE_MAX_CGROUPS || copy(s->cgroup[s->ncg], STATE_PATH_MAX, val) < 0)
			return -EBADMSG;
		s->ncg++;
	}
	/* Unknown keys (cgroup_mode, a newer keeper's additions) are skipped. */
	return 0;
}

int state_parse(char *buf, size_t len, const char *id, struct session *s)
{
	struct session_login first = { 0 };
	unsigned seen = 0;
	char *line = buf, *end = buf + len;
	int r;

	memset(s, 0, sizeof(*s));
	s->version = 1; /* no version line: the form before versions */
	s->keeper = s->holder = -1;
	if (len == 0 || memchr(buf, '\0', len) || buf[len - 1] != '\n')
		return -EBADMSG; /* empty, binary, or cut short */
	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line)), *val;
		*nl = '\0';
		val = strchr(line, '=');
		if (val) {
			*val++ = '\0';
			if ((r = parse_line(line, val, id, s, &first, &seen)) < 0)
				return r;
		}
		line = nl + 1;
	}
	if (!(seen & SEEN_ID) || !(seen & SEEN_UID) || !(seen & SEEN_USER))
		return -EBADMSG;
	for (int i = 0; i < s->ncg; i++)
		if (!cgroup_path_ok(s->cgroup[i], s->id, s->unit, s->uid))
			return -EBADMSG;
	/* A file without session= lines still names its first login. */
	if (s->nlogins == 0 && first.service[0]) {
		first.started = s->started;
		s->logins[s->nlogins++] = first;
	}
	return 0;
}

int state_read(const char *id, char **buf, size_t *len)
{
	char path[sizeof(CARREL_SESSIONS_DIR) + 24];
	_cleanup_close_ int fd = -1;
	struct stat st;
	ssize_t n;
	char *b;

	*buf = NULL;
	*len = 0;
	if (!session_valid_id(id))
		return -ENOENT;
	snprintf(path, sizeof(path), CARREL_SESSIONS_DIR "/%s", id);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP ? -EBADMSG : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != 0)
		return -EBADMSG;
	b = malloc(STATE_MAX);
	if (!b)
		return -ENOMEM;
	n = read_fd(fd, b, STATE_MAX);
	/* The helper creates the file empty when it allocates the id, and the
	 * keeper fills it once the carrel stands: -EAGAIN until then. */
	if (n <= 0) {
		free(b);
		return n < 0 ? (int)n : -EAGAIN;
	}
	*len = (size_t)n;
	*buf = b;
	return 0;
}

int session_load(const char *id, struct session *s)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	if ((r = state_read(id, &buf, &len)) < 0)
		return r;
	return state_parse(buf, len, id, s);
}

/* ------------------------------------------------------------------ records */

int state_record(FILE *f, const char *id, const char *buf, size_t len)
{
	fprintf(f, STATE_RECORD_TAG "%s %zu\n", id, len);
	fwrite(buf, 1, len, f);
	return ferror(f) ? -EIO : 0;
}
