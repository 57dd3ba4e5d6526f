/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A carrel's SELinux level checked and made into a context: what
 * carrel-user's enter needs of lib/mcs_level.h, which includes this.
 */
#ifndef CARREL_MCS_CONTEXT_H
#define CARREL_MCS_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Categories c0..c1023, as the reference policy's MCS defines them. */
#define CARREL_MCS_CATEGORIES 1024u

/* LEVEL is exactly a level carrel_mcs_level() makes (it came over a wire). */
bool carrel_mcs_level_ok(const char *level);
/* The context CTX ("user:role:type" with or without a range) with the
 * range s0-LEVEL; -EINVAL for a context without a type or a bad level. */
int carrel_mcs_context(const char *ctx, const char *level, char *out, size_t size);

#endif
