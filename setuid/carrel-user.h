/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carrel-user: the two operations a non-root user may ask (see main.c). */
#ifndef CARREL_USER_H
#define CARREL_USER_H

#include <sys/stat.h>

/* ARGV: "carrel-user", the operation, its arguments.  CALLER_ENV: the
 * environment carrel-user was given (enter hands it to the command, run as
 * the session's user); carrel-user itself runs with an empty one.  Both
 * return the exit status. */
int op_enter(int argc, char **argv, char **caller_env);
int op_status(int argc, char **argv, char **caller_env);

/* The caller's umask (carrel-user runs with 022; enter's command gets this). */
extern mode_t caller_umask;

#endif
