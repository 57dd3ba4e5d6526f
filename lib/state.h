/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A carrel's state file, CARREL_SESSIONS_DIR/ID: the one reader
 * (carrelctl, carrel-user, the helper) and the one check of a session id;
 * the one writer (the keeper's) is in state_write.h, liveness in
 * state_live.h.
 *
 * The file is "key=value" lines.  The first line is "version=2"; a file
 * without a version line is version 1, the form keepers wrote before, and
 * is read the same way.  Root parses it, and users influence some of its
 * values (tty, rhost come from the login): the reader takes nothing on
 * trust (lengths, numbers, cgroup paths, an incomplete last line), and the
 * writer refuses values that would change the file's lines.
 *
 * libc only: carrel-user (set-user-ID) links this, and only this of the
 * state file's code.
 */
#ifndef CARREL_STATE_H
#define CARREL_STATE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "rundir.h"

#define STATE_VERSION 2
/* Bounds of the file and of its cgroup paths (cgroup/ keeps within them). */
#define STATE_MAX (64 * 1024)
#define STATE_MAX_CGROUPS 12
#define STATE_PATH_MAX 512
/* CARREL_HOSTNAME_MAX (policy.h, checked where both meet: helper/carrel.c);
 * not included here, so that carrel-user does not compile the policy's types. */
#define STATE_HOSTNAME_MAX 64

struct session_login {
	pid_t pid;
	time_t started;
	char service[64];
	char tty[64];
	char rhost[256];
};

struct session {
	int version; /* of the file it was read from */
	char id[24];
	char user[33];
	uid_t uid;
	char scope[16];
	char hostname[STATE_HOSTNAME_MAX + 1];
	char config[256]; /* config=PATH, if the keeper records it; else "" */
	pid_t keeper;
	pid_t holder;
	time_t started;
	int cgroup_version;
	char unit[96]; /* cgroup_parent = systemd: the unit whose cgroup it is; else "" */
	int nlogins;
	struct session_login logins[CARREL_MAX_LOGINS];
	int ncg;
	char cgroup[STATE_MAX_CGROUPS][STATE_PATH_MAX]; /* the session dirs */
};

/* A session id as the helper makes them: 1 to 19 decimal digits. */
bool session_valid_id(const char *id);

/*
 * Parse the LEN bytes at BUF (modified) as the state file of session ID.
 * -EBADMSG if it is not one (no id, user or uid line, a repeated one, an id
 * that is not ID, an unsafe cgroup path or unit, an incomplete last line),
 * -EPROTONOSUPPORT for a version this reader does not know.
 */
int state_parse(char *buf, size_t len, const char *id, struct session *s);

/*
 * The bytes of CARREL_SESSIONS_DIR/ID, checked to be a regular root-owned
 * file, not a link: *BUF is malloc'd and NUL-terminated, *LEN its length.
 * -ENOENT if there is none, -EAGAIN while it is still empty (the carrel is
 * being opened), -EBADMSG if it is not a state file.
 */
int state_read(const char *id, char **buf, size_t *len);

/* state_read() then state_parse(). */
int session_load(const char *id, struct session *s);

/*
 * Records as carrel-user status prints them, one per carrel:
 *   "carrel-state ID LENGTH\n" followed by LENGTH bytes of its state file.
 * state_record() writes one; state_records_parse() reads them all from the
 * LEN bytes at BUF (modified) into *OUT (malloc'd, *N entries).  A record
 * that is not a valid state file is an error: -EBADMSG.
 */
#define STATE_RECORD_TAG "carrel-state "
int state_record(FILE *f, const char *id, const char *buf, size_t len);
/* In state_records.c (carrelctl's; carrel-user only writes records). */
int state_records_parse(char *buf, size_t len, struct session **out, int *n);

#endif
