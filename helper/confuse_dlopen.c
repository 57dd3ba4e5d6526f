/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libconfuse calls of conf/ (libcarrelconf.a), with libconfuse loaded
 * on the first one instead of linked, in the helper only: an open gets its
 * policy from the module and never parses the config, so only
 * check-config calls these; linked, every keeper kept libconfuse mapped
 * for the life of its carrel.  (The PAM module and carrelctl link
 * libconfuse as before: they parse the config on every call.)
 *
 * Each function keeps libconfuse's name and type and is hidden, as in
 * cgroup/bpf_dlopen.c.  cfg_init() and cfg_parse_boolean() load the
 * library; every other call gets a cfg_t or cfg_opt_t that only the loaded
 * library can have made.  A library that cannot be loaded makes cfg_init()
 * return NULL with errno ELIBACC, and conf/load.c reports -ELIBACC
 * naming the config file: check-config fails, never passes.
 */
#include "dlopen_table.h"

#include <confuse.h>
#include <errno.h>
#include <stdbool.h>

/* The soname; a test names one that is not there. */
#ifndef CARREL_LIBCONFUSE
#define CARREL_LIBCONFUSE "libconfuse.so.2"
#endif

#define CFG_FUNCS(X)                                                                                   \
	X(cfg_t *, cfg_init, (cfg_opt_t *, cfg_flag_t))                                                \
	X(int, cfg_free, (cfg_t *))                                                                    \
	X(cfg_errfunc_t, cfg_set_error_function, (cfg_t *, cfg_errfunc_t))                             \
	X(int, cfg_parse_fp, (cfg_t *, FILE *))                                                        \
	X(int, cfg_parse_boolean, (const char *))                                                      \
	X(cfg_t *, cfg_getsec, (cfg_t *, const char *))                                                \
	X(cfg_t *, cfg_getnsec, (cfg_t *, const char *, unsigned int))                                 \
	X(unsigned int, cfg_size, (cfg_t *, const char *))                                             \
	X(const char *, cfg_title, (cfg_t *))                                                          \
	X(cfg_opt_t *, cfg_getopt, (cfg_t *, const char *))                                            \
	X(void *, cfg_opt_getnptr, (cfg_opt_t *, unsigned int))

static struct {
#define X(ret, name, args) ret(*name) args;
	CFG_FUNCS(X)
#undef X
} lib;
static bool loaded;

static int load(void)
{
	static const char *const names[] = {
#define X(ret, name, args) #name,
		CFG_FUNCS(X)
#undef X
	};
	int r = loaded ? 0 : carrel_dlopen_table(CARREL_LIBCONFUSE, names, (void **)&lib,
						  sizeof(names) / sizeof(names[0]), NULL);

	loaded = r == 0;
	if (r < 0)
		errno = -r;
	return r;
}

cfg_t *cfg_init(cfg_opt_t *opts, cfg_flag_t flags)
{
	return load() < 0 ? NULL : lib.cfg_init(opts, flags);
}

int cfg_parse_boolean(const char *s)
{
	return load() < 0 ? -1 : lib.cfg_parse_boolean(s);
}

int cfg_free(cfg_t *cfg)
{
	return loaded ? lib.cfg_free(cfg) : CFG_FAIL;
}

cfg_errfunc_t cfg_set_error_function(cfg_t *cfg, cfg_errfunc_t errfunc)
{
	return loaded ? lib.cfg_set_error_function(cfg, errfunc) : NULL;
}

int cfg_parse_fp(cfg_t *cfg, FILE *fp)
{
	return loaded ? lib.cfg_parse_fp(cfg, fp) : CFG_FILE_ERROR;
}

cfg_t *cfg_getsec(cfg_t *cfg, const char *name)
{
	return loaded ? lib.cfg_getsec(cfg, name) : NULL;
}

cfg_t *cfg_getnsec(cfg_t *cfg, const char *name, unsigned int index)
{
	return loaded ? lib.cfg_getnsec(cfg, name, index) : NULL;
}

unsigned int cfg_size(cfg_t *cfg, const char *name)
{
	return loaded ? lib.cfg_size(cfg, name) : 0;
}

const char *cfg_title(cfg_t *cfg)
{
	return loaded ? lib.cfg_title(cfg) : NULL;
}

cfg_opt_t *cfg_getopt(cfg_t *cfg, const char *name)
{
	return loaded ? lib.cfg_getopt(cfg, name) : NULL;
}

void *cfg_opt_getnptr(cfg_opt_t *opt, unsigned int index)
{
	return loaded ? lib.cfg_opt_getnptr(opt, index) : NULL;
}
