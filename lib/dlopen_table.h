/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Libraries loaded where used, not linked (doc/HACKING.md, "Libraries only
 * where used"): the one loader of a table of functions by soname, for
 * cgroup/ (libsystemd, libbpf) and the helper (libconfuse, libseccomp).
 */
#ifndef CARREL_DLOPEN_TABLE_H
#define CARREL_DLOPEN_TABLE_H

#include <stddef.h>

/* Load SONAME (the system's directories only: no path, an empty
 * environment) and fill FNS[i] with NAMES[i] for each of the N names.
 * 0, or -ELIBACC if the library or a name is missing (nothing stays
 * loaded then).  *HANDLE (if HANDLE is not NULL) gets the library for
 * carrel_dlclose(); without it the library stays loaded for good. */
int carrel_dlopen_table(const char *soname, const char *const *names, void **fns, size_t n,
			void **handle);
/* Unload what carrel_dlopen_table() gave *HANDLE, if anything; *HANDLE is
 * NULL after. */
void carrel_dlclose(void **handle);

#endif
