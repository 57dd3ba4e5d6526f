/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libcap for the holder's set-up, loaded where used (helper/cap_dlopen.c):
 * load before the holder's clone, unload in the keeper after it.  0, or
 * -ELIBACC if the library or a function is missing.
 */
#ifndef CARREL_CAP_DLOPEN_H
#define CARREL_CAP_DLOPEN_H

int carrel_libcap_load(void);
void carrel_libcap_unload(void);
/* The soname it loads. */
#define CARREL_LIBCAP_SONAME "libcap.so.2"

#endif
