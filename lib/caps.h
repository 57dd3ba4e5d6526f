/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities (libcap): what a carrel's processes may keep. */
#ifndef CARREL_CAPS_H
#define CARREL_CAPS_H

#include <stdint.h>

/* Cut the bounding set to KEEP (a mask of CAP_* bits) and clear the
 * ambient and inheritable sets. Needs CAP_SETPCAP. */
int caps_limit_bounding(uint64_t keep);
/* Clear the effective, permitted, inheritable and ambient sets. */
int caps_clear_all(void);

#endif
