/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading: files, libconfuse, and the layers a config is made of (see
 * conf_internal.h for the steps of a load).
 *
 * libconfuse keeps its lexer state in globals, so parses are serialized by a
 * mutex; its error callback has no user pointer, so the error sink of the
 * parse in progress is a thread-local pointer.  Nothing here logs.
 */
#include "conf_internal.h"

#include <confuse.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX_SIZE (1024 * 1024)
#define DROPIN_DIR "carrel.d"
#define DROPIN_SUFFIX ".conf"
/* Hidden subsection of user/group sections; see section_line(). */
#define START_MARK "(start)"

/* ---- libconfuse glue --------------------------------------------------------- */

struct parse_ctx {
	const char *path;
	struct carrel_error *err;
	int r;			/* the first error, as -errno */
	int exempt_users_line;	/* line of the first item of the last exempt_users, or 0 */
	int exempt_groups_line; /* the same for exempt_groups */
};

static pthread_mutex_t confuse_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread struct parse_ctx *current_parse;

static void fail_parse(cfg_t *cfg, int r, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Record the first error of the parse in progress as "FILE:LINE: message". */
static void fail_parse(cfg_t *cfg, int r, const char *fmt, va_list ap)
{
	struct parse_ctx *ctx = current_parse;
	char msg[sizeof(ctx->err->msg)];

	if (!ctx || ctx->r < 0)
		return;
	ctx->r = r;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	carrel_error_set(ctx->err, "%s:%d: %s", ctx->path, cfg ? cfg->line : 0, msg);
}

static void on_cfg_error(cfg_t *cfg, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void on_cfg_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	fail_parse(cfg, -EINVAL, fmt, ap);
}

static void parse_error(cfg_t *cfg, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void parse_error(cfg_t *cfg, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_parse(cfg, r, fmt, ap);
	va_end(ap);
}

/* A value of a key in conf_keys[], as on_value() stores it. */
struct parsed {
	uint64_t v; /* numbers, words, booleans; a list item's bit */
	int line;   /* where it was written */
	char s[];   /* string kinds: the string */
};

/* Parse callback of every key in conf_keys[]: the value is checked here, where
 * cfg->line is still its line, and stored converted with that line. */
static int on_value(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const struct key *k = conf_key_by_name(opt->name);
	struct parsed *p;
	char why[768];
	uint64_t v = 0;
	size_t len;

	if (!k || !value) {
		parse_error(cfg, -EINVAL, "%s: internal error: no value or no such key", opt->name);
		return -1;
	}
	if (conf_check_value(k, value, &v, why, sizeof(why)) < 0) {
		parse_error(cfg, -EINVAL, "%s", why);
		return -1;
	}
	if (k->kind == K_ITEMS && (opt->nvalues > CARREL_LIST_MAX || strlen(value) > CARREL_ITEM_MAX)) {
		parse_error(cfg, -EINVAL, "limits.%s: %s", k->name,
			    opt->nvalues > CARREL_LIST_MAX ? "more than 16 items" :
							     "an item is longer than 79 characters");
		return -1;
	}
	if (k->kind == K_NETRULES && opt->nvalues > CARREL_NET_RULES_MAX) {
		parse_error(cfg, -EINVAL, "%s: more than %d entries", k->name, CARREL_NET_RULES_MAX);
		return -1;
	}
	len = kind_keeps_text(k->kind) || k->kind == K_NETRULES ? strlen(value) + 1 : 0;
	p = malloc(sizeof(*p) + len);
	if (!p) {
		parse_error(cfg, -ENOMEM, "out of memory");
		return -1;
	}
	p->v = v;
	p->line = cfg->line;
	memcpy(p->s, value, len);
	*(void **)result = p;
	return 0;
}

/* Remember where an exempt list's first item is: opt->nvalues is already 1
 * (the value being parsed) for the first item of an assignment. */
static void note_exempt_line(cfg_t *cfg, cfg_opt_t *opt)
{
	struct parse_ctx *ctx = current_parse;

	if (ctx && opt->nvalues == 1)
		*(strcmp(opt->name, "exempt_users") == 0 ? &ctx->exempt_users_line :
							   &ctx->exempt_groups_line) = cfg->line;
}

/*
 * exempt_users and exempt_groups items: stored as written, never looked up
 * here.  Loading happens at every login: a name the directory does not know
 * (or a directory that is down) must not make the whole file fail.  Resolve
 * compares names; check-config warns about a name nobody has.
 */
static int on_exempt_name(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	char *name = strdup(value);

	if (!name) {
		parse_error(cfg, -ENOMEM, "out of memory");
		return -1;
	}
	note_exempt_line(cfg, opt);
	*(char **)result = name;
	return 0;
}

/* The start mark is ours; a file that names it gets the usual message. */
static int on_start_mark_used(cfg_t *cfg, cfg_opt_t *opt)
{
	parse_error(cfg, -EINVAL, "no such option '%s'", opt->name);
	return -1;
}

struct opt_tables {
	cfg_opt_t limits[N_KEYS + 1]; /* limit keys, end */
	cfg_opt_t none[1];
	cfg_opt_t section[N_KEYS + 3]; /* other keys, limits, start mark, end */
	cfg_opt_t top[N_KEYS +
		      6]; /* other keys, limits, exempt_users, exempt_groups, user, group, end */
};

/* The libconfuse option tables, derived from conf_keys[]. */
static void build_opts(struct opt_tables *t)
{
	size_t nl = 0, ns = 0, nt = 0;
	cfg_opt_t end = CFG_END();
	cfg_opt_t mark = CFG_SEC(START_MARK, t->none, CFGF_NONE);

	mark.validcb = on_start_mark_used;
	for (size_t i = 0; i < N_KEYS; i++) {
		int flags = CFGF_NODEFAULT | (kind_is_list(conf_keys[i].kind) ? CFGF_LIST : 0);
		cfg_opt_t opt = CFG_PTR_CB(conf_keys[i].name, NULL, flags, on_value, free);

		if (conf_keys[i].in_limits)
			t->limits[nl++] = opt;
		else if (conf_keys[i].top_only)
			t->top[nt++] = opt;
		else
			t->section[ns++] = t->top[nt++] = opt;
	}
	t->limits[nl] = end;
	t->none[0] = end;
	t->section[ns++] = t->top[nt++] = (cfg_opt_t)CFG_SEC("limits", t->limits, CFGF_NONE);
	t->section[ns++] = mark;
	t->section[ns] = end;
	t->top[nt++] = (cfg_opt_t)CFG_PTR_LIST_CB("exempt_users", NULL, CFGF_NODEFAULT,
						  on_exempt_name, free);
	t->top[nt++] = (cfg_opt_t)CFG_PTR_LIST_CB("exempt_groups", NULL, CFGF_NODEFAULT,
						  on_exempt_name, free);
	t->top[nt++] = (cfg_opt_t)CFG_SEC("user", t->section,
					  CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES);
	t->top[nt++] = (cfg_opt_t)CFG_SEC("group", t->section,
					  CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES);
	t->top[nt] = end;
}

/*
 * Whether the file set OPT.  Options have no defaults, so a set scalar has
 * a value.  A list set to {} has none, but the parser leaves CFGF_RESET on
 * it (it is set for "=" and cleared when a value is stored), which an unset
 * option never has.
 */
static bool opt_is_set(const cfg_opt_t *opt)
{
	return opt && (opt->nvalues > 0 || (opt->flags & CFGF_RESET));
}

/*
 * The line where a user or group section opens.  libconfuse keeps no start
 * line for a section (cfg->line ends up at its closing brace), but it
 * creates a section's non-multi subsections when the section opens and
 * gives them the current line.  The empty START_MARK subsection keeps it;
 * a file that names START_MARK is refused (on_start_mark_used), so nothing
 * can move it.
 */
static int section_line(cfg_t *sec)
{
	cfg_t *mark = cfg_getsec(sec, START_MARK);

	return mark ? mark->line : sec->line;
}

/* ---- layers ------------------------------------------------------------------ */

static struct layer *add_layer(struct carrel_config *c, enum layer_kind kind, const char *file)
{
	struct layer *l = realloc(c->layers, (c->n_layers + 1) * sizeof(*l));

	if (!l)
		return NULL;
	c->layers = l;
	l = &c->layers[c->n_layers++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->file = file;
	return l;
}

/* Copy the keys set in section SEC into L, with their lines.  A list is
 * the OR of its items' bits; a scalar has exactly one value. */
static void read_keys(cfg_t *sec, struct layer *l)
{
	cfg_t *limits = cfg_getsec(sec, "limits");

	for (size_t i = 0; i < N_KEYS; i++) {
		const struct key *k = &conf_keys[i];
		cfg_opt_t *opt = cfg_getopt(k->in_limits ? limits : sec, k->name);

		if (k->top_only && l->kind != LAYER_TOP)
			continue; /* not in a section's options: libconfuse refused it */
		const struct parsed *first;
		uint64_t v = 0;

		if (!opt_is_set(opt))
			continue;
		first = opt->nvalues > 0 ? cfg_opt_getnptr(opt, 0) : NULL;
		if (kind_is_string(k->kind)) {
			snprintf((char *)&l->v + k->offset, k->size, "%s", first->s);
		} else if (k->kind == K_ITEMS) {
			char(*items)[CARREL_ITEM_MAX + 1] = (void *)((char *)&l->v + k->offset);

			for (unsigned j = 0; j < opt->nvalues && j < CARREL_LIST_MAX; j++)
				snprintf(items[j], sizeof(items[j]), "%s",
					 ((const struct parsed *)cfg_opt_getnptr(opt, j))->s);
		} else if (k->kind == K_NETRULES) {
			/* Checked by on_value(): parsing again cannot fail. */
			struct carrel_net_rules *rules = (void *)((char *)&l->v + k->offset);

			for (unsigned j = 0; j < opt->nvalues && j < CARREL_NET_RULES_MAX; j++)
				if (carrel_parse_net_rule(k->name,
							  ((const struct parsed *)cfg_opt_getnptr(opt, j))->s,
							  &rules->rule[rules->n], NULL, 0) == 0)
					rules->n++;
		} else {
			for (unsigned j = 0; j < opt->nvalues; j++)
				v |= ((const struct parsed *)cfg_opt_getnptr(opt, j))->v;
			conf_field_store(&l->v, k, v);
		}
		l->key_line[i] = first ? first->line : 0;
		l->set |= KEY_BIT(i);
	}
}

static void free_names(char ***names, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*names)[i]);
	free(*names);
	*names = NULL;
	*n = 0;
}

static void free_exempt_users(struct carrel_config *c)
{
	free_names(&c->exempt_users, &c->n_exempt_users);
}

/* Copy the names of list OPT into *NAMES, replacing what was there. */
static int read_names(cfg_opt_t *opt, char ***names, size_t *n)
{
	free_names(names, n);
	*names = calloc(opt->nvalues + 1, sizeof(char *));
	if (!*names)
		return -ENOMEM;
	for (; *n < opt->nvalues; (*n)++) {
		char *name = strdup(cfg_opt_getnptr(opt, (unsigned)*n));

		if (!name)
			return -ENOMEM;
		(*names)[*n] = name;
	}
	return 0;
}

/* The exempt lists of a later file replace the earlier ones. */
static int read_exempt_users(struct carrel_config *c, cfg_opt_t *opt, const char *file, int line)
{
	if (!opt_is_set(opt))
		return 0;
	c->exempt_users_file = file;
	c->exempt_users_line = opt->nvalues ? line : 0;
	return read_names(opt, &c->exempt_users, &c->n_exempt_users);
}

static int read_exempt_groups(struct carrel_config *c, cfg_opt_t *opt, const char *file, int line)
{
	if (!opt_is_set(opt))
		return 0;
	c->exempt_groups_file = file;
	c->exempt_groups_line = opt->nvalues ? line : 0;
	return read_names(opt, &c->exempt_groups, &c->n_exempt_groups);
}

/*
 * `network` decides and `net` in namespaces is its old spelling (with it:
 * none, without it: host); one section that says both, differently, is
 * refused at the line of its `network`.
 */
static int check_network_spelling(const struct layer *l, const char *path, struct carrel_error *err)
{
	size_t in = conf_key_index("network"), is = conf_key_index("namespaces");
	bool has_net = l->v.namespaces & CARREL_NS_NET;

	if (!(l->set & KEY_BIT(in)) || !(l->set & KEY_BIT(is)))
		return 0;
	if (has_net == (l->v.network != CARREL_NETWORK_HOST))
		return 0;
	carrel_error_set(err,
			 "%s:%d: network = %s contradicts namespaces at line %d, which %s net "
			 "(drop net from namespaces and let network decide)",
			 path, l->key_line[in] ? l->key_line[in] : l->line,
			 l->v.network == CARREL_NETWORK_HOST ? "host" :
			 l->v.network == CARREL_NETWORK_NAT  ? "nat" :
							       "none",
			 l->key_line[is] ? l->key_line[is] : l->line, has_net ? "has" : "lacks");
	return -EINVAL;
}

/* One layer per user or group section, in file order. */
static int read_sections(struct carrel_config *c, cfg_t *root, enum layer_kind kind,
			 const char *file, const char *path, struct carrel_error *err)
{
	const char *name = kind == LAYER_USER ? "user" : "group";

	for (unsigned i = 0; i < cfg_size(root, name); i++) {
		cfg_t *sec = cfg_getnsec(root, name, i);
		const char *title = cfg_title(sec);
		struct layer *l = add_layer(c, kind, file);
		int r;

		/* The title is not looked up (see on_exempt_name): resolve
		 * compares it with the names of the user and their groups. */
		if (!l)
			return -ENOMEM;
		l->name = strdup(title);
		if (!l->name)
			return -ENOMEM;
		l->line = section_line(sec);
		read_keys(sec, l);
		r = check_network_spelling(l, path, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Keep a copy of PATH for the origins of the layers read from it. */
static const char *add_file(struct carrel_config *c, const char *path)
{
	char **files = realloc(c->files, (c->n_files + 1) * sizeof(*files));

	if (!files)
		return NULL;
	c->files = files;
	files[c->n_files] = strdup(path);
	return files[c->n_files] ? files[c->n_files++] : NULL;
}

static int read_tree(struct carrel_config *c, cfg_t *root, const struct parse_ctx *ctx)
{
	const char *path = ctx->path, *file = add_file(c, path);
	struct layer *top = file ? add_layer(c, LAYER_TOP, file) : NULL;
	int r;

	if (!top) {
		carrel_error_set(ctx->err, "%s: out of memory", path);
		return -ENOMEM;
	}
	read_keys(root, top);
	r = check_network_spelling(top, path, ctx->err);
	if (r < 0)
		return r;
	r = read_exempt_users(c, cfg_getopt(root, "exempt_users"), file, ctx->exempt_users_line);
	if (r >= 0)
		r = read_exempt_groups(c, cfg_getopt(root, "exempt_groups"), file,
				       ctx->exempt_groups_line);
	if (r >= 0)
		r = read_sections(c, root, LAYER_GROUP, file, path, ctx->err);
	if (r >= 0)
		r = read_sections(c, root, LAYER_USER, file, path, ctx->err);
	if (r == -ENOMEM)
		carrel_error_set(ctx->err, "%s: out of memory", path);
	return r;
}

/* With confuse_lock held: parse BUF with CFG, then read the tree into C. */
static int parse_locked(struct carrel_config *c, cfg_t *cfg, char *buf, size_t len,
			struct parse_ctx *ctx)
{
	FILE *fp;
	int r;

	cfg_set_error_function(cfg, on_cfg_error);
	cfg->filename = strdup(ctx->path); /* cfg_free() frees it */
	if (!cfg->filename)
		return -ENOMEM;
	if (len > 0) { /* (fmemopen refuses an empty buffer) */
		fp = fmemopen(buf, len, "r");
		if (!fp)
			return -errno;
		r = cfg_parse_fp(cfg, fp);
		fclose(fp);
		if (r != CFG_SUCCESS)
			return ctx->r < 0 ? ctx->r : -EINVAL;
	}
	return read_tree(c, cfg, ctx);
}

/* Parse BUF (the scrubbed contents of PATH) and append its layers to C. */
static int parse_config(struct carrel_config *c, char *buf, size_t len, const char *path,
			struct carrel_error *err)
{
	struct parse_ctx ctx = { .path = path, .err = err };
	/* On the heap: the login process that parses keeps its stack pages. */
	_cleanup_free_ struct opt_tables *t = malloc(sizeof(*t));
	cfg_t *cfg;
	int r = -ENOMEM;

	if (t) {
		build_opts(t);
		pthread_mutex_lock(&confuse_lock);
		current_parse = &ctx;
		cfg = cfg_init(t->top, CFGF_NONE);
		if (cfg) {
			r = parse_locked(c, cfg, buf, len, &ctx);
			cfg_free(cfg);
		} else if (errno == ELIBACC) { /* libconfuse loaded where used (the helper) */
			r = -ELIBACC;
			carrel_error_set(err, "%s: cannot parse: libconfuse cannot be loaded", path);
		}
		current_parse = NULL;
		pthread_mutex_unlock(&confuse_lock);
	}
	if (r < 0 && err && !err->msg[0])
		carrel_error_set(err, "%s: cannot parse: %s", path, strerror(-r));
	return r;
}

/* ---- files ------------------------------------------------------------------- */

static int refuse(struct carrel_error *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct carrel_error *err, const char *path, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	carrel_error_set(err, "%s: refusing config: %s", path, reason);
	return -EPERM;
}

/* Only root may be able to change what FD is. */
static int check_owner(int fd, const char *path, bool want_dir, struct carrel_error *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int r = -errno;

		carrel_error_set(err, "%s: cannot stat: %s", path, strerror(-r));
		return r;
	}
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return refuse(err, path, "not a %s", want_dir ? "directory" : "regular file");
	if (st.st_uid != 0)
		return refuse(err, path, "not owned by root (owner uid %u)", (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return refuse(err, path, "writable by group or others (mode %04o)",
			      (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Open NAME (relative to DIRFD) without following a symlink, and check it.
 * -ENOENT, without a message, when it does not exist. */
static int open_checked(int dirfd, const char *name, const char *path, bool want_dir,
			struct carrel_error *err)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
		    (want_dir ? O_DIRECTORY : 0);
	_cleanup_close_ int fd = openat(dirfd, name, flags);
	struct stat st;
	int r;

	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			return r;
		if ((r == -ELOOP || r == -ENOTDIR) &&
		    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return refuse(err, path, "%s",
				      S_ISLNK(st.st_mode) ? "is a symbolic link" :
							    "not a directory");
		carrel_error_set(err, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	r = check_owner(fd, path, want_dir, err);
	return r < 0 ? r : take_fd(&fd);
}

static int read_all(int fd, const char *path, char **out, size_t *len, struct carrel_error *err)
{
	_cleanup_free_ char *buf = malloc(CONFIG_MAX_SIZE + 1);
	size_t n = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t got = read(fd, buf + n, CONFIG_MAX_SIZE + 1 - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int r = -errno;

			carrel_error_set(err, "%s: cannot read: %s", path, strerror(-r));
			return r;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > CONFIG_MAX_SIZE) {
			carrel_error_set(err, "%s: refusing config: larger than %d bytes", path,
				  CONFIG_MAX_SIZE);
			return -EFBIG;
		}
	}
	buf[n] = '\0';
	*len = n;
	*out = buf;
	buf = NULL;
	return 0;
}

static int load_file(struct carrel_config *c, int dirfd, const char *name, const char *path,
		     struct carrel_error *err)
{
	_cleanup_close_ int fd = open_checked(dirfd, name, path, false, err);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	if (fd < 0)
		return fd;
	r = read_all(fd, path, &buf, &len, err);
	if (r >= 0)
		r = conf_scrub(buf, len, path, err);
	if (r >= 0)
		r = parse_config(c, buf, len, path, err);
	return r;
}

static int is_dropin(const struct dirent *d)
{
	size_t len = strlen(d->d_name), suffix = strlen(DROPIN_SUFFIX);

	return d->d_name[0] != '.' && len > suffix &&
	       strcmp(d->d_name + len - suffix, DROPIN_SUFFIX) == 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every *.conf in the carrel.d directory beside MAIN_PATH, in strcmp order. */
static int load_dropins(struct carrel_config *c, const char *main_path, struct carrel_error *err)
{
	const char *slash = strrchr(main_path, '/');
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -1;
	struct dirent **ents = NULL;
	int n, r = 0;

	if (asprintf(&dir, "%.*s%s", slash ? (int)(slash - main_path + 1) : 0, main_path,
		     DROPIN_DIR) < 0) {
		dir = NULL;
		return -ENOMEM;
	}
	dfd = open_checked(AT_FDCWD, dir, dir, true, err);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	n = scandirat(dfd, ".", &ents, is_dropin, by_name);
	if (n < 0) {
		r = -errno;
		carrel_error_set(err, "%s: cannot list: %s", dir, strerror(-r));
		return r;
	}
	for (int i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *path = NULL;

		if (asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0) {
			path = NULL;
			r = -ENOMEM;
			break;
		}
		r = load_file(c, dfd, ents[i]->d_name, path, err);
		if (r == -ENOENT) /* removed since it was listed */
			r = 0;
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return r;
}

/* ---- the interface ----------------------------------------------------------- */

static struct carrel_config *config_new(void)
{
	struct carrel_config *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->exempt_users = calloc(ARRAY_SIZE(conf_builtin_exempt_users) + 1, sizeof(char *));
	if (!c->exempt_users) {
		free(c);
		return NULL;
	}
	for (; c->n_exempt_users < ARRAY_SIZE(conf_builtin_exempt_users); c->n_exempt_users++) {
		c->exempt_users[c->n_exempt_users] =
			strdup(conf_builtin_exempt_users[c->n_exempt_users]);
		if (!c->exempt_users[c->n_exempt_users]) {
			carrel_config_free(c);
			return NULL;
		}
	}
	return c;
}

int carrel_config_load(const char *path, struct carrel_config **out, struct carrel_error *err)
{
	struct carrel_config *c;
	int r;

	if (err)
		err->msg[0] = '\0';
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!path)
		path = CARREL_DEFAULT_CONFIG;
	c = config_new();
	if (!c) {
		carrel_error_set(err, "%s: out of memory", path);
		return -ENOMEM;
	}
	r = load_file(c, AT_FDCWD, path, path, err);
	if (r == -ENOENT) /* no main file: the built-in defaults apply */
		r = 0;
	if (r >= 0)
		r = load_dropins(c, path, err);
	if (r == -ENOMEM && err && !err->msg[0])
		carrel_error_set(err, "%s: out of memory", path);
	if (r < 0) {
		carrel_config_free(c);
		return r;
	}
	*out = c;
	return 0;
}

void carrel_config_free(struct carrel_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_layers; i++)
		free(c->layers[i].name);
	free(c->layers);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free_exempt_users(c);
	free_names(&c->exempt_groups, &c->n_exempt_groups);
	free(c);
}

