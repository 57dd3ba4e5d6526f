/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libcap calls of lib/caps.c, with libcap loaded by the keeper for the
 * holder's set-up instead of linked: the holder (the keeper's child, a copy
 * of its address space) drops its capabilities with it before it becomes
 * carrel-holder, and then the keeper unloads it, so that a keeper, which
 * lives as long as its carrel, maps no library it never calls
 * (carrel_libcap_load() and carrel_libcap_unload() around the holder's
 * clone, helper/keeper.c).
 *
 * Each function keeps libcap's name and type and is hidden (the objects
 * are built with -fvisibility=hidden), as in helper/seccomp_dlopen.c;
 * before the library is loaded each fails with ELIBACC, and the holder's
 * set-up then fails at its step: the login is refused (on_error), never
 * let in with capabilities it should not have.
 */
#include "cap_dlopen.h"
#include "dlopen_table.h"

#include <errno.h>
#include <sys/capability.h>

#define CAP_FUNCS(X)                                                                                   \
	X(cap_t, cap_init, (void))                                                                     \
	X(cap_t, cap_get_proc, (void))                                                                 \
	X(int, cap_set_proc, (cap_t))                                                                  \
	X(int, cap_clear_flag, (cap_t, cap_flag_t))                                                    \
	X(int, cap_free, (void *))

static struct {
#define X(ret, name, args) ret(*name) args;
	CAP_FUNCS(X)
#undef X
} lib;
static void *handle;

int carrel_libcap_load(void)
{
	static const char *const names[] = {
#define X(ret, name, args) #name,
		CAP_FUNCS(X)
#undef X
	};

	if (handle)
		return 0;
	return carrel_dlopen_table(CARREL_LIBCAP_SONAME, names, (void **)&lib, sizeof(names) / sizeof(names[0]), &handle);
}

void carrel_libcap_unload(void)
{
	carrel_dlclose(&handle);
}

cap_t cap_init(void)
{
	if (!handle) {
		errno = ELIBACC;
		return NULL;
	}
	return lib.cap_init();
}

cap_t cap_get_proc(void)
{
	if (!handle) {
		errno = ELIBACC;
		return NULL;
	}
	return lib.cap_get_proc();
}

/* A cap_t that only the loaded library (cap_init, cap_get_proc) can have made. */
int cap_set_proc(cap_t c)
{
	if (!handle) {
		errno = ELIBACC;
		return -1;
	}
	return lib.cap_set_proc(c);
}

int cap_clear_flag(cap_t c, cap_flag_t flag)
{
	if (!handle) {
		errno = ELIBACC;
		return -1;
	}
	return lib.cap_clear_flag(c, flag);
}

int cap_free(void *p)
{
	return handle ? lib.cap_free(p) : 0;
}
