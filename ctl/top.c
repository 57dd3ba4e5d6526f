/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * carrelctl top and carrelctl metrics (top.h).
 *
 * A sample is every visible carrel's state record and cgroup figures
 * (cg_stat) at one instant; top shows the rates between two samples (CPU
 * %: 100 is one CPU busy), metrics the counters themselves.  The table is
 * plain text that fits an 80-column terminal (lines are cut at the
 * terminal's width, 80 when it is not one); the interactive view only
 * uses the ANSI sequences every terminal over ssh understands (clear,
 * inverse video, the alternate screen, cursor hiding).
 */
#include "top.h"
#include "cgroup.h"
#include "sessions.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct entry {
	char id[24];
	char user[33];
	uid_t uid;
	time_t started;
	int nlogins;
	struct cg_stat st;
	uint64_t net_rx, net_tx; /* bytes; CG_UNKNOWN until the state file has them */
	/* Over the last interval; < 0: unknown (a first sample, a counter
	 * that could not be read). */
	double cpu_pct, io_r, io_w, net_r, net_t;
};

/* A member of struct entry, for the tables of figures below. */
#define AT(field) offsetof(struct entry, field)

struct sample {
	struct entry *e;
	int n;
	long long at_us; /* CLOCK_MONOTONIC */
};

static long long now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/*
 * The carrel's network bytes (received, sent) with network = nat: the
 * counters of the host end of its veth, as `show` reads them
 * (ctl/sessions.c).  Unknown otherwise: the NET columns show "-" and the
 * metrics leave them out.
 */
static void net_bytes(const struct session *s, uint64_t *rx, uint64_t *tx)
{
	(void)session_net_bytes(s, rx, tx); /* unknown without nat */
}

/* Every figure of ST unknown (a carrel whose cgroups cannot be named). */
static void stat_unknown(struct cg_stat *st)
{
	_Static_assert(sizeof(*st) % sizeof(uint64_t) == 0, "struct cg_stat holds only uint64_t");
	uint64_t *v = (uint64_t *)st;

	for (size_t i = 0; i < sizeof(*st) / sizeof(*v); i++)
		v[i] = CG_UNKNOWN;
}

static void sample_free(struct sample *s)
{
	free(s->e);
	s->e = NULL;
	s->n = 0;
}

static int take_sample(top_scan_fn scan, struct sample *out)
{
	_cleanup_free_ struct session *all = NULL;
	int n, r;

	out->e = NULL;
	out->n = 0;
	if ((r = scan(&all, &n)) != 0)
		return r;
	if (n > 0 && !(out->e = calloc((size_t)n, sizeof(*out->e))))
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const struct session *s = &all[i];
		struct entry *e = &out->e[i];
		struct carrel_error err = { 0 };
		_cleanup_cg_ struct cg_session *cg = session_cgroups(s, &err);

		snprintf(e->id, sizeof(e->id), "%s", s->id);
		snprintf(e->user, sizeof(e->user), "%s", s->user);
		e->uid = s->uid;
		e->started = s->started;
		e->nlogins = s->nlogins;
		if (cg)
			cg_stat(cg, &e->st);
		else
			stat_unknown(&e->st);
		net_bytes(s, &e->net_rx, &e->net_tx);
		e->cpu_pct = e->io_r = e->io_w = e->net_r = e->net_t = -1;
	}
	out->n = n;
	out->at_us = now_us();
	return 0;
}

/* Per second, between A and B over SECS; -1 if either is unknown or the
 * counter went back. */
static double per_sec(uint64_t a, uint64_t b, double secs)
{
	if (a == CG_UNKNOWN || b == CG_UNKNOWN || a == CARREL_UNLIMITED || b == CARREL_UNLIMITED || b < a ||
	    secs <= 0)
		return -1;
	return (double)(b - a) / secs;
}

/* CUR's rates against PREV: the same carrel is the same id started at the
 * same time (ids are never reused while the sequence file lives, but a
 * restarted machine counts again). */
static void rates(const struct sample *prev, struct sample *cur)
{
	double secs = (double)(cur->at_us - prev->at_us) / 1e6;

	for (int i = 0; i < cur->n; i++) {
		struct entry *c = &cur->e[i];
		const struct entry *p = NULL;
		for (int j = 0; j < prev->n && !p; j++)
			if (strcmp(prev->e[j].id, c->id) == 0 && prev->e[j].started == c->started)
				p = &prev->e[j];
		if (!p)
			continue;
		c->cpu_pct = per_sec(p->st.u.cpu_usec, c->st.u.cpu_usec, secs);
		c->cpu_pct = c->cpu_pct < 0 ? -1 : c->cpu_pct / 1e4; /* usec/s to % of one CPU */
		c->io_r = per_sec(p->st.io_read_bytes, c->st.io_read_bytes, secs);
		c->io_w = per_sec(p->st.io_write_bytes, c->st.io_write_bytes, secs);
		c->net_r = per_sec(p->net_rx, c->net_rx, secs);
		c->net_t = per_sec(p->net_tx, c->net_tx, secs);
	}
}

/* ------------------------------------------------------------------ sort */

int top_parse_sort(const char *name, enum top_sort *sort)
{
	static const char *const names[] = { [TOP_SORT_CPU] = "cpu", [TOP_SORT_MEM] = "mem",
					     [TOP_SORT_IO] = "io",   [TOP_SORT_PIDS] = "pids",
					     [TOP_SORT_NET] = "net", [TOP_SORT_ID] = "id" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0) {
			*sort = (enum top_sort)i;
			return 0;
		}
	return -EINVAL;
}

static const char *sort_name(enum top_sort s)
{
	return s == TOP_SORT_MEM ? "mem" : s == TOP_SORT_IO ? "io" : s == TOP_SORT_PIDS ? "pids" :
	       s == TOP_SORT_NET ? "net" : s == TOP_SORT_ID ? "id" : "cpu";
}

/* A figure to sort by, larger first; unknown sorts last. */
static double sort_value(const struct entry *e, enum top_sort s)
{
	uint64_t v;

	switch (s) {
	case TOP_SORT_MEM:
		v = e->st.u.memory_current;
		return v == CG_UNKNOWN ? -1 : (double)v;
	case TOP_SORT_IO:
		return e->io_r < 0 && e->io_w < 0 ? -1 : (e->io_r > 0 ? e->io_r : 0) + (e->io_w > 0 ? e->io_w : 0);
	case TOP_SORT_PIDS:
		v = e->st.u.pids_current;
		return v == CG_UNKNOWN ? -1 : (double)v;
	case TOP_SORT_NET:
		return e->net_r < 0 && e->net_t < 0 ? -1 : (e->net_r > 0 ? e->net_r : 0) + (e->net_t > 0 ? e->net_t : 0);
	case TOP_SORT_ID:
		return -(double)strtoull(e->id, NULL, 10);
	case TOP_SORT_CPU:
	default:
		return e->cpu_pct;
	}
}

static int by_key(const void *a, const void *b, void *data)
{
	enum top_sort s = *(const enum top_sort *)data;
	double x = sort_value(a, s), y = sort_value(b, s);

	if (x != y)
		return x > y ? -1 : 1;
	/* Ties (and unknowns) in id order: a steady table. */
	unsigned long long i = strtoull(((const struct entry *)a)->id, NULL, 10);
	unsigned long long j = strtoull(((const struct entry *)b)->id, NULL, 10);
	return i < j ? -1 : i > j;
}

static void sort_sample(struct sample *s, enum top_sort key)
{
	if (s->n > 1)
		qsort_r(s->e, (size_t)s->n, sizeof(*s->e), by_key, &key);
}

/* ----------------------------------------------------------------- table */

/* A size or limit for the table: unknown is "-". */
static const char *size_text(uint64_t v, char *buf, size_t size)
{
	return v == CG_UNKNOWN ? "-" : session_human(v, buf, size);
}

/* "READ/WRITE" per second, "-" when neither is known. */
static const char *pair_text(double a, double b, char *buf, size_t size)
{
	char x[16], y[16];

	if (a < 0 && b < 0)
		return "-";
	snprintf(buf, size, "%s/%s", a < 0 ? "-" : session_human((uint64_t)a, x, sizeof(x)),
		 b < 0 ? "-" : session_human((uint64_t)b, y, sizeof(y)));
	return buf;
}

/* 77 columns: the table fits an 80-column terminal. */
#define ROW_FMT "%-7s %-12s %5s %6s %6s %6s %5s %11s %11s"

/* Write LINE cut at WIDTH columns (ASCII: user names are). */
static void put_line(FILE *f, const char *line, int width, bool clear_eol)
{
	size_t n = strlen(line);

	fwrite(line, 1, width > 0 && n > (size_t)width ? (size_t)width : n, f);
	fputs(clear_eol ? "\033[K\n" : "\n", f);
}

static void row_text(const struct entry *e, char *line, size_t size)
{
	char user[16], cpu[16], m1[16], m2[16], m3[16], pids[24], io[32], net[32];

	if (strlen(e->user) > 12)
		snprintf(user, sizeof(user), "%.11s+", e->user);
	else
		snprintf(user, sizeof(user), "%s", e->user);
	if (e->cpu_pct < 0)
		snprintf(cpu, sizeof(cpu), "-");
	else
		snprintf(cpu, sizeof(cpu), "%.1f", e->cpu_pct);
	if (e->st.u.pids_current == CG_UNKNOWN)
		snprintf(pids, sizeof(pids), "-");
	else
		snprintf(pids, sizeof(pids), "%" PRIu64, e->st.u.pids_current);
	snprintf(line, size, ROW_FMT, e->id, user, cpu, size_text(e->st.u.memory_current, m1, sizeof(m1)),
		 size_text(e->st.memory_high, m2, sizeof(m2)), size_text(e->st.u.memory_max, m3, sizeof(m3)), pids,
		 pair_text(e->io_r, e->io_w, io, sizeof(io)), pair_text(e->net_r, e->net_t, net, sizeof(net)));
}

/* The header and one line per carrel; at most ROWS carrels (0: all). */
static void print_table(FILE *f, const struct sample *s, int width, int rows, bool tty)
{
	char line[256];

	snprintf(line, sizeof(line), ROW_FMT, "ID", "USER", "CPU%", "MEM", "HIGH", "MAX", "PIDS", "IO R/W/s",
		 "NET RX/TX/s");
	if (tty)
		fputs("\033[7m", f);
	put_line(f, line, width, false);
	if (tty)
		fputs("\033[0m", f);
	for (int i = 0; i < s->n && (rows <= 0 || i < rows); i++) {
		row_text(&s->e[i], line, sizeof(line));
		put_line(f, line, width, tty);
	}
}

/* The JSON members of a carrel after its id, user, uid, started and
 * logins: OBJ "" is a top-level member, else one of that object (members
 * of one object in a row).  A counter is a uint64_t (null unknown, "max"
 * no limit), a rate a double (null when < 0) with DECIMALS. */
static const struct json_member {
	const char *obj, *key;
	size_t offset;
	int decimals; /* -1: a uint64_t */
} json_members[] = {
	{ "", "cpu_percent", AT(cpu_pct), 1 },
	{ "", "cpu_usec", AT(st.u.cpu_usec), -1 },
	{ "memory", "current", AT(st.u.memory_current), -1 },
	{ "memory", "peak", AT(st.u.memory_peak), -1 },
	{ "memory", "high", AT(st.memory_high), -1 },
	{ "memory", "max", AT(st.u.memory_max), -1 },
	{ "pids", "current", AT(st.u.pids_current), -1 },
	{ "pids", "max", AT(st.u.pids_max), -1 },
	{ "io", "read_bytes", AT(st.io_read_bytes), -1 },
	{ "io", "write_bytes", AT(st.io_write_bytes), -1 },
	{ "io", "read_bytes_per_sec", AT(io_r), 0 },
	{ "io", "write_bytes_per_sec", AT(io_w), 0 },
	{ "net", "rx_bytes", AT(net_rx), -1 },
	{ "net", "tx_bytes", AT(net_tx), -1 },
	{ "net", "rx_bytes_per_sec", AT(net_r), 0 },
	{ "net", "tx_bytes_per_sec", AT(net_t), 0 },
};

static void json_entry(FILE *f, const struct entry *e)
{
	const char *open = "";

	fputs("{\"id\":", f);
	session_json_str(f, e->id);
	fputs(",\"user\":", f);
	session_json_str(f, e->user);
	fprintf(f, ",\"uid\":%u,\"started\":%lld,\"logins\":%d", (unsigned)e->uid, (long long)e->started,
		e->nlogins);
	for (size_t k = 0; k < ARRAY_SIZE(json_members); k++) {
		const struct json_member *m = &json_members[k];
		const char *at = (const char *)e + m->offset;
		fputs(strcmp(m->obj, open) != 0 && open[0] ? "}," : ",", f);
		if (strcmp(m->obj, open) != 0 && m->obj[0])
			fprintf(f, "\"%s\":{", m->obj);
		open = m->obj;
		fprintf(f, "\"%s\":", m->key);
		if (m->decimals < 0)
			session_json_num(f, *(const uint64_t *)at);
		else if (*(const double *)at < 0)
			fputs("null", f);
		else
			fprintf(f, "%.*f", m->decimals, *(const double *)at);
	}
	fputs(open[0] ? "}}" : "}", f);
}

static void print_json(FILE *f, const struct sample *s, double secs)
{
	fprintf(f, "{\"interval_sec\":%.3f,\"carrels\":[", secs);
	for (int i = 0; i < s->n; i++) {
		fputs(i ? ",\n" : "\n", f);
		json_entry(f, &s->e[i]);
	}
	fputs(s->n ? "\n]}\n" : "]}\n", f);
}

/* ----------------------------------------------------------- interactive */

static volatile sig_atomic_t stop_signal, resized;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		resized = 1;
	else
		stop_signal = sig;
}

struct term {
	bool raw;
	struct termios saved;
	sigset_t saved_mask;
	struct sigaction saved_act[4];
};

static const int term_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };

/* Keys without Enter and without echo (^C still signals), the alternate
 * screen, no cursor; the signals that end top only set a flag, and are
 * blocked but in ppoll(), so none is missed. */
static int term_setup(struct term *t, FILE *f)
{
	struct termios raw;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	if (tcgetattr(STDIN_FILENO, &t->saved) < 0)
		return -errno;
	sigemptyset(&block);
	for (size_t i = 0; i < ARRAY_SIZE(term_signals); i++) {
		sigaddset(&block, term_signals[i]);
		sigaction(term_signals[i], &sa, &t->saved_act[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &t->saved_mask);
	raw = t->saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0) {
		int r = -errno;
		sigprocmask(SIG_SETMASK, &t->saved_mask, NULL);
		for (size_t i = 0; i < ARRAY_SIZE(term_signals); i++)
			sigaction(term_signals[i], &t->saved_act[i], NULL);
		return r;
	}
	t->raw = true;
	fputs("\033[?1049h\033[?25l", f);
	return 0;
}

static void term_restore(struct term *t, FILE *f)
{
	if (!t->raw)
		return;
	fputs("\033[?25h\033[?1049l", f);
	fflush(f);
	tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	sigprocmask(SIG_SETMASK, &t->saved_mask, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(term_signals); i++)
		sigaction(term_signals[i], &t->saved_act[i], NULL);
	t->raw = false;
}

static void term_size(int *cols, int *rows)
{
	struct winsize w;

	*cols = 80;
	*rows = 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0 && w.ws_row > 0) {
		*cols = w.ws_col;
		*rows = w.ws_row;
	}
}

static void draw(FILE *f, const struct sample *s, const struct top_options *o)
{
	char title[160];
	int cols, rows;

	term_size(&cols, &rows);
	snprintf(title, sizeof(title), "carrelctl top: %d carrel%s, every %.1f s, by %s   keys: c m i p n d sort, q quit",
		 s->n, s->n == 1 ? "" : "s", o->delay_ms / 1000.0, sort_name(o->sort));
	fputs("\033[H", f);
	put_line(f, title, cols, true);
	print_table(f, s, cols, rows - 3, true);
	fputs("\033[J", f);
	fflush(f);
}

/* A key: 1 to redraw (a new order), 0 to go on, -1 to quit. */
static int key(char c, struct top_options *o)
{
	static const char keys[] = { [TOP_SORT_CPU] = 'c', [TOP_SORT_MEM] = 'm', [TOP_SORT_IO] = 'i',
				     [TOP_SORT_PIDS] = 'p', [TOP_SORT_NET] = 'n', [TOP_SORT_ID] = 'd' };

	if (c == 'q' || c == 'Q')
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (c == keys[i]) {
			o->sort = (enum top_sort)i;
			return 1;
		}
	return c == ' ' ? 1 : 0;
}

static int interactive(FILE *f, struct top_options *o, top_scan_fn scan)
{
	struct sample prev = { 0 }, cur = { 0 };
	struct term t = { 0 };
	long long next;
	int r;

	if ((r = take_sample(scan, &prev)) != 0)
		return r;
	if ((r = term_setup(&t, f)) < 0) {
		sample_free(&prev);
		return r;
	}
	stop_signal = resized = 0;
	sort_sample(&prev, o->sort);
	draw(f, &prev, o);
	next = prev.at_us + (long long)o->delay_ms * 1000;
	while (!stop_signal) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		long long left = next - now_us();
		struct timespec ts = { .tv_sec = left > 0 ? left / 1000000 : 0,
				       .tv_nsec = left > 0 ? (left % 1000000) * 1000 : 0 };
		int k = ppoll(&p, 1, &ts, &t.saved_mask), redraw = 0;

		if (k < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (k > 0) {
			char buf[16];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) /* the terminal is gone */
				break;
			for (ssize_t i = 0; i < n && redraw >= 0; i++) {
				int a = key(buf[i], o);
				redraw = a < 0 ? -1 : redraw | a;
			}
			if (redraw < 0)
				break;
		}
		if (resized) {
			resized = 0;
			redraw = 1;
		}
		if (now_us() >= next) {
			if ((r = take_sample(scan, &cur)) != 0)
				break;
			rates(&prev, &cur);
			sample_free(&prev);
			prev = cur;
			cur.e = NULL;
			next = prev.at_us + (long long)o->delay_ms * 1000;
			redraw = 1;
		}
		if (redraw) {
			sort_sample(&prev, o->sort);
			draw(f, &prev, o);
		}
	}
	term_restore(&t, f);
	sample_free(&prev);
	return r;
}

/* ----------------------------------------------------------------- batch */

static int sleep_ms(int ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&t, &t) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Two samples DELAY apart; the second, with the rates, in *CUR. */
static int measure(const struct top_options *o, top_scan_fn scan, struct sample *prev, struct sample *cur)
{
	int r;

	if (!prev->e && prev->n == 0 && (r = take_sample(scan, prev)) != 0)
		return r;
	if ((r = sleep_ms(o->delay_ms)) < 0 || (r = take_sample(scan, cur)) != 0)
		return r;
	rates(prev, cur);
	sort_sample(cur, o->sort);
	return 0;
}

int top_run(FILE *f, const struct top_options *opts, top_scan_fn scan)
{
	struct top_options o = *opts;
	struct sample prev = { 0 }, cur = { 0 };
	int r = 0;

	if (!o.once && !o.json && isatty(STDIN_FILENO) && isatty(fileno(f)))
		return interactive(f, &o, scan);
	for (int i = 0; o.iterations <= 0 || i < o.iterations; i++) {
		if ((r = measure(&o, scan, &prev, &cur)) != 0)
			break;
		if (o.json)
			print_json(f, &cur, (double)(cur.at_us - prev.at_us) / 1e6);
		else
			print_table(f, &cur, 80, 0, false);
		sample_free(&prev);
		prev = cur;
		cur.e = NULL;
		if (o.once || o.json || fflush(f) != 0 || ferror(f))
			break;
		fputc('\n', f);
	}
	sample_free(&prev);
	sample_free(&cur);
	if (r == 0 && ferror(f))
		r = -EIO;
	return r;
}

/* --------------------------------------------------------------- metrics */

/* A label value in the exposition format: \, " and newline escaped. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void labels(FILE *f, const struct entry *e, bool session)
{
	fputs("{user=\"", f);
	label_value(f, e->user);
	fprintf(f, "\",uid=\"%u\"", (unsigned)e->uid);
	if (session) {
		fputs(",session=\"", f);
		label_value(f, e->id);
		fputc('"', f);
	}
	fputc('}', f);
}

enum unit { BYTES, SECONDS_US, COUNT, LIMIT };

/* One figure of a carrel (or, for the per-user families, of its user). */
struct family {
	const char *name, *type, *help;
	bool per_user; /* one sample per user (from its first carrel) */
	enum unit unit;
	size_t offset; /* of a uint64_t in struct entry */
};

static const struct family families[] = {
	{ "carrel_cpu_seconds_total", "counter", "CPU time used by the carrel's processes.", false, SECONDS_US,
	  AT(st.u.cpu_usec) },
	{ "carrel_cpu_throttled_seconds_total", "counter",
	  "Time the carrel's processes were throttled by a CPU quota.", false, SECONDS_US, AT(st.u.throttled_usec) },
	{ "carrel_memory_bytes", "gauge", "Memory the carrel uses now.", false, BYTES, AT(st.u.memory_current) },
	{ "carrel_memory_peak_bytes", "gauge", "The most memory the carrel has used.", false, BYTES,
	  AT(st.u.memory_peak) },
	{ "carrel_pids", "gauge", "Processes and threads in the carrel now.", false, COUNT, AT(st.u.pids_current) },
	{ "carrel_pids_peak", "gauge", "The most processes and threads the carrel has had.", false, COUNT,
	  AT(st.u.pids_peak) },
	{ "carrel_oom_kills_total", "counter", "Processes of the carrel killed for want of memory.", false, COUNT,
	  AT(st.u.oom_kills) },
	{ "carrel_io_read_bytes_total", "counter", "Bytes the carrel read from block devices.", false, BYTES,
	  AT(st.io_read_bytes) },
	{ "carrel_io_written_bytes_total", "counter", "Bytes the carrel wrote to block devices.", false, BYTES,
	  AT(st.io_write_bytes) },
	{ "carrel_network_receive_bytes_total", "counter", "Bytes the carrel's network received.", false, BYTES,
	  AT(net_rx) },
	{ "carrel_network_transmit_bytes_total", "counter", "Bytes the carrel's network sent.", false, BYTES,
	  AT(net_tx) },
	{ "carrel_user_memory_max_bytes", "gauge", "The user's memory limit (memory_max), over all their carrels.",
	  true, LIMIT, AT(st.u.memory_max) },
	{ "carrel_user_memory_high_bytes", "gauge",
	  "The user's soft memory limit (memory_high), over all their carrels.", true, LIMIT, AT(st.memory_high) },
	{ "carrel_user_pids_max", "gauge", "The user's limit of processes and threads (pids_max).", true, LIMIT,
	  AT(st.u.pids_max) },
};

static uint64_t field(const struct entry *e, size_t offset)
{
	return *(const uint64_t *)((const char *)e + offset);
}

static bool value_known(uint64_t v, enum unit u)
{
	return v != CG_UNKNOWN && (u == LIMIT || v != CARREL_UNLIMITED);
}

static void value(FILE *f, uint64_t v, enum unit u)
{
	if (v == CARREL_UNLIMITED)
		fputs("+Inf", f);
	else if (u == SECONDS_US)
		fprintf(f, "%" PRIu64 ".%06" PRIu64, v / 1000000, v % 1000000);
	else
		fprintf(f, "%" PRIu64, v);
}

static int by_uid(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	unsigned long long i = strtoull(x->id, NULL, 10), j = strtoull(y->id, NULL, 10);

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Is E the first of its user's carrels (S is sorted by uid)? */
static bool first_of_user(const struct sample *s, int i)
{
	return i == 0 || s->e[i - 1].uid != s->e[i].uid;
}

/* The per-user count of carrels and sums of the gauges that add up. */
static void user_sums(FILE *f, const struct sample *s)
{
	static const struct {
		const char *name, *help;
		size_t offset; /* 0: count the carrels */
	} sums[] = {
		{ "carrel_user_carrels", "The user's running carrels.", 0 },
		{ "carrel_user_memory_bytes", "Memory the user's carrels use now.", AT(st.u.memory_current) },
		{ "carrel_user_pids", "Processes and threads in the user's carrels now.", AT(st.u.pids_current) },
	};

	for (size_t k = 0; k < ARRAY_SIZE(sums) && s->n; k++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", sums[k].name, sums[k].help, sums[k].name);
		for (int i = 0; i < s->n;) {
			uint64_t sum = 0;
			int j = i;
			for (; j < s->n && s->e[j].uid == s->e[i].uid; j++) {
				uint64_t v = sums[k].offset ? field(&s->e[j], sums[k].offset) : 1;
				sum += v == CG_UNKNOWN ? 0 : v;
			}
			fputs(sums[k].name, f);
			labels(f, &s->e[i], false);
			fprintf(f, " %" PRIu64 "\n", sum);
			i = j;
		}
	}
}

int metrics_print(FILE *f, top_scan_fn scan)
{
	struct sample s;
	int r;

	if ((r = take_sample(scan, &s)) != 0)
		return r;
	if (s.n > 1)
		qsort(s.e, (size_t)s.n, sizeof(*s.e), by_uid);
	/* A family is written only with a sample: one that no carrel can
	 * tell (the network's bytes before it lands) stays out. */
	for (size_t k = 0; k < ARRAY_SIZE(families); k++) {
		const struct family *m = &families[k];
		bool head = false;
		for (int i = 0; i < s.n; i++) {
			uint64_t v = field(&s.e[i], m->offset);
			if ((m->per_user && !first_of_user(&s, i)) || !value_known(v, m->unit))
				continue;
			if (!head)
				fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
			head = true;
			fputs(m->name, f);
			labels(f, &s.e[i], !m->per_user);
			fputc(' ', f);
			value(f, v, m->unit);
			fputc('\n', f);
		}
	}
	user_sums(f, &s);
	sample_free(&s);
	return ferror(f) ? -EIO : 0;
}
