/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The few sd-bus calls of cgroup_systemd.c, with libsystemd loaded on the
 * first one instead of linked.
 *
 * Linked, libsystemd and the five libraries it needs (libgcrypt,
 * libgpg-error, liblzma, libzstd, liblz4) are loaded and relocated by every
 * start of the helper and carrelctl and stay mapped in every keeper and
 * holder, on hosts where carrel never talks to systemd as well.  Only
 * cgroup_parent = systemd (systemd as PID 1) calls sd-bus, from the helper,
 * the keeper and carrelctl: there the first call loads the library
 * (dlopen by its soname: the helper is set-user-ID, and the dynamic loader
 * then searches only the system's directories).
 *
 * Each function has the name and type sd-bus.h gives it, so that
 * cgroup_systemd.c reads as plain sd-bus; they are hidden (the objects are
 * built with -fvisibility=hidden), so libsystemd's own calls never reach
 * them.  Before the library is loaded there is nothing to free, and a
 * library that cannot be loaded makes the first call fail with -ELIBACC.
 */
#include "cgroup-internal.h"
#include "dlopen_table.h"

#include <errno.h>
#include <stdarg.h>
#include <systemd/sd-bus.h>

#define SD_FUNCS(X)                                                                                      \
	X(int, sd_bus_new, (sd_bus **)) \
	X(int, sd_bus_set_address, (sd_bus *, const char *)) \
	X(int, sd_bus_start, (sd_bus *)) \
	X(int, sd_bus_get_fd, (sd_bus *)) \
	X(sd_bus *, sd_bus_flush_close_unref, (sd_bus *)) \
	X(int, sd_bus_message_new_method_call, (sd_bus *, sd_bus_message **, const char *, const char *, \
						const char *, const char *)) \
	X(int, sd_bus_message_appendv, (sd_bus_message *, const char *, va_list)) \
	X(int, sd_bus_call, (sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **)) \
	X(sd_bus_message *, sd_bus_message_unref, (sd_bus_message *)) \
	X(void, sd_bus_error_free, (sd_bus_error *)) \
	X(int, sd_bus_message_open_container, (sd_bus_message *, char, const char *)) \
	X(int, sd_bus_message_close_container, (sd_bus_message *)) \
	X(int, sd_bus_message_append_array, (sd_bus_message *, char, const void *, size_t))

static struct {
#define X(ret, name, args) ret(*name) args;
	SD_FUNCS(X)
#undef X
} sd;
static bool sd_loaded;

static int sd_load(void)
{
	static const char *const names[] = {
#define X(ret, name, args) #name,
		SD_FUNCS(X)
#undef X
	};
	int r;

	if (sd_loaded)
		return 0;
	r = carrel_dlopen_table("libsystemd.so.0", names, (void **)&sd, sizeof(names) / sizeof(names[0]), NULL);
	sd_loaded = r == 0;
	return r;
}

int sd_bus_new(sd_bus **ret)
{
	int r = sd_load();
	return r < 0 ? r : sd.sd_bus_new(ret);
}

/* Everything below gets a bus or a message that only sd_bus_new() (so the
 * loaded library) can have made, or the SD_BUS_ERROR_NULL it starts with. */
int sd_bus_set_address(sd_bus *bus, const char *address)
{
	return sd_loaded ? sd.sd_bus_set_address(bus, address) : -ELIBACC;
}

int sd_bus_start(sd_bus *bus)
{
	return sd_loaded ? sd.sd_bus_start(bus) : -ELIBACC;
}

int sd_bus_get_fd(sd_bus *bus)
{
	return sd_loaded ? sd.sd_bus_get_fd(bus) : -ELIBACC;
}

sd_bus *sd_bus_flush_close_unref(sd_bus *bus)
{
	return sd_loaded ? sd.sd_bus_flush_close_unref(bus) : NULL;
}

int sd_bus_message_new_method_call(sd_bus *bus, sd_bus_message **m, const char *destination, const char *path,
				   const char *interface, const char *member)
{
	return sd_loaded ? sd.sd_bus_message_new_method_call(bus, m, destination, path, interface, member) : -ELIBACC;
}

int sd_bus_message_append(sd_bus_message *m, const char *types, ...)
{
	va_list ap;
	int r;

	if (!sd_loaded)
		return -ELIBACC;
	va_start(ap, types);
	r = sd.sd_bus_message_appendv(m, types, ap);
	va_end(ap);
	return r;
}

int sd_bus_call(sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error, sd_bus_message **reply)
{
	return sd_loaded ? sd.sd_bus_call(bus, m, usec, ret_error, reply) : -ELIBACC;
}

sd_bus_message *sd_bus_message_unref(sd_bus_message *m)
{
	return sd_loaded ? sd.sd_bus_message_unref(m) : NULL;
}

void sd_bus_error_free(sd_bus_error *e)
{
	if (sd_loaded)
		sd.sd_bus_error_free(e);
}

int sd_bus_message_open_container(sd_bus_message *m, char type, const char *contents)
{
	return sd_loaded ? sd.sd_bus_message_open_container(m, type, contents) : -ELIBACC;
}

int sd_bus_message_close_container(sd_bus_message *m)
{
	return sd_loaded ? sd.sd_bus_message_close_container(m) : -ELIBACC;
}

int sd_bus_message_append_array(sd_bus_message *m, char type, const void *ptr, size_t size)
{
	return sd_loaded ? sd.sd_bus_message_append_array(m, type, ptr, size) : -ELIBACC;
}

/* The same test as sd-bus's, without the library: a name is set. */
int sd_bus_error_is_set(const sd_bus_error *e)
{
	return e && e->name;
}
