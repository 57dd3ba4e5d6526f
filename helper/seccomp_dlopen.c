/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libseccomp calls of seccomp_profile.c, with libseccomp loaded by
 * carrel_seccomp_build() instead of linked: an open whose filter comes
 * from the cache (the built-in default, compiled once per helper binary)
 * never calls it, and a keeper lives as long as its carrel with whatever
 * the helper mapped when it forked.  So the helper loads it only to
 * compile a filter and unloads it before the keeper is forked
 * (carrel_libseccomp_unload(), helper/main.c).
 *
 * Each function keeps libseccomp's name and type and is hidden (the
 * objects are built with -fvisibility=hidden), as in cgroup/bpf_dlopen.c;
 * before the library is loaded each fails (-ELIBACC, NULL, or
 * __NR_SCMP_ERROR) and carrel_seccomp_build() says which library is
 * missing: the login is refused at step seccomp (on_error), never let in
 * without its filter.
 */
#include "dlopen_table.h"
#include "seccomp_profile.h"

#include <errno.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>

/* The soname; a test names one that is not there. */
#ifndef CARREL_LIBSECCOMP
#define CARREL_LIBSECCOMP "libseccomp.so.2"
#endif
/* libseccomp's own bound on a rule's argument comparisons. */
#define RULE_ARGS_MAX 6

#define SCMP_FUNCS(X)                                                                                  \
	X(scmp_filter_ctx, seccomp_init, (uint32_t))                                                   \
	X(void, seccomp_release, (scmp_filter_ctx))                                                    \
	X(int, seccomp_attr_set, (scmp_filter_ctx, enum scmp_filter_attr, uint32_t))                   \
	X(uint32_t, seccomp_arch_native, (void))                                                       \
	X(int, seccomp_arch_add, (scmp_filter_ctx, uint32_t))                                          \
	X(int, seccomp_syscall_resolve_name, (const char *))                                           \
	X(int, seccomp_syscall_priority, (scmp_filter_ctx, int, uint8_t))                              \
	X(int, seccomp_rule_add_array,                                                                 \
	  (scmp_filter_ctx, uint32_t, int, unsigned int, const struct scmp_arg_cmp *))                 \
	X(int, seccomp_load, (const scmp_filter_ctx))                                                  \
	X(int, seccomp_export_bpf, (const scmp_filter_ctx, int))

static struct {
#define X(ret, name, args) ret(*name) args;
	SCMP_FUNCS(X)
#undef X
} lib;
static void *handle;

int carrel_libseccomp_load(void)
{
	static const char *const names[] = {
#define X(ret, name, args) #name,
		SCMP_FUNCS(X)
#undef X
	};

	if (handle)
		return 0;
	return carrel_dlopen_table(CARREL_LIBSECCOMP, names, (void **)&lib,
				   sizeof(names) / sizeof(names[0]), &handle);
}

const char *carrel_libseccomp_name(void)
{
	return CARREL_LIBSECCOMP;
}

void carrel_libseccomp_unload(void)
{
	carrel_dlclose(&handle);
}

scmp_filter_ctx seccomp_init(uint32_t def_action)
{
	if (!handle) {
		errno = ELIBACC;
		return NULL;
	}
	return lib.seccomp_init(def_action);
}

/* Everything below but the two lookups gets a context that only
 * seccomp_init() (so the loaded library) can have made. */
void seccomp_release(scmp_filter_ctx ctx)
{
	if (handle)
		lib.seccomp_release(ctx);
}

int seccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value)
{
	return handle ? lib.seccomp_attr_set(ctx, attr, value) : -ELIBACC;
}

uint32_t seccomp_arch_native(void)
{
	return handle ? lib.seccomp_arch_native() : 0;
}

int seccomp_arch_add(scmp_filter_ctx ctx, uint32_t arch_token)
{
	return handle ? lib.seccomp_arch_add(ctx, arch_token) : -ELIBACC;
}

int seccomp_syscall_resolve_name(const char *name)
{
	return handle ? lib.seccomp_syscall_resolve_name(name) : __NR_SCMP_ERROR;
}

int seccomp_syscall_priority(scmp_filter_ctx ctx, int syscall, uint8_t priority)
{
	return handle ? lib.seccomp_syscall_priority(ctx, syscall, priority) : -ELIBACC;
}

/* What libseccomp's own seccomp_rule_add() does: the comparisons as an array. */
int seccomp_rule_add(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt, ...)
{
	struct scmp_arg_cmp args[RULE_ARGS_MAX];
	va_list ap;

	if (!handle)
		return -ELIBACC;
	if (arg_cnt > RULE_ARGS_MAX)
		return -EINVAL;
	va_start(ap, arg_cnt);
	for (unsigned int i = 0; i < arg_cnt; i++)
		args[i] = va_arg(ap, struct scmp_arg_cmp);
	va_end(ap);
	return lib.seccomp_rule_add_array(ctx, action, syscall, arg_cnt, args);
}

int seccomp_load(const scmp_filter_ctx ctx)
{
	return handle ? lib.seccomp_load(ctx) : -ELIBACC;
}

int seccomp_export_bpf(const scmp_filter_ctx ctx, int fd)
{
	return handle ? lib.seccomp_export_bpf(ctx, fd) : -ELIBACC;
}
