/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one writer of a carrel's state file (state.h has the format); the
 * keeper's, not linked into carrel-user. */
#ifndef CARREL_STATE_WRITE_H
#define CARREL_STATE_WRITE_H

#include "state.h"

/* Write S in the current version.  -EINVAL if a value would break a line
 * (a newline anywhere, a space in a login's field). */
int state_format(FILE *f, const struct session *s);

/* Write CARREL_SESSIONS_DIR/ID (0600) atomically: ID.new, then rename. */
int state_write(const struct session *s);

#endif
