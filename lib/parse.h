/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Numbers as carrel writes them: sizes (K, M, G, T: powers of 1024), whole
 * numbers, percentages, and "max" where a limit may be lifted.  One parser
 * and one table of the limits, shared by the config (conf/) and `carrelctl
 * limits`, so that `memory_max = 64G` and `--memory-max 64G` can never
 * mean different things.  Nothing here logs.
 */
#ifndef CARREL_PARSE_H
#define CARREL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

enum carrel_num_kind {
	CARREL_NUM_SIZE,    /* bytes, optional K/M/G/T suffix */
	CARREL_NUM_COUNT,   /* plain whole number */
	CARREL_NUM_PERCENT, /* whole number followed by % */
	CARREL_NUM_RATE,    /* bits per second, optional K/M/G/T suffix: powers of 1000 */
};

/* What a number may be. */
struct carrel_num {
	enum carrel_num_kind kind;
	bool max_ok;            /* "max" is accepted and means CARREL_UNLIMITED */
	const char *why_no_max; /* without max_ok: why max is refused (NULL: like any word) */
	uint64_t min, max;      /* accepted range */
};

/* Digits only: no sign, no spaces, no exponent.  -EINVAL if S does not
 * start with a digit, -ERANGE past UINT64_MAX; *END points past them. */
int carrel_parse_digits(const char *s, const char **end, uint64_t *out);

/*
 * S as a number N describes, into *OUT.  Returns 0, -EINVAL (not a number
 * of this kind) or -ERANGE (too large, or outside N's range).  On failure
 * WHY (SIZE bytes, may be NULL) says "LABEL: what is wrong (hint)".
 */
int carrel_parse_num(const struct carrel_num *n, const char *label, const char *s, uint64_t *out,
		     char *why, size_t size);

/*
 * A /proc/PID/stat line (TEXT, NUL-terminated): the process's state letter
 * into *STATE and its CPU time so far (utime + stime, in clock ticks) into
 * *TICKS.  The command name may hold any byte, ')' and spaces included: it
 * ends at the last ')'.  Returns 0 or -EINVAL (not such a line).
 */
int carrel_parse_proc_stat(const char *text, char *state, uint64_t *ticks);

/*
 * VALUE as it may appear in a message: at most 64 bytes of it, every byte
 * that is not printable ASCII as \xNN, so that a value cannot put a new
 * line (or worse) into a log.  Returns BUF.
 */
const char *carrel_show(const char *value, char *buf, size_t size);

/* The cgroup limits: the keys of the config's limits { } section and the
 * options of `carrelctl limits` (--memory-max for memory_max). */
struct carrel_limit_key {
	const char *name; /* "memory_max" */
	struct carrel_num num;
	size_t offset, size; /* the field in struct carrel_limits */
};

#define CARREL_N_LIMITS 7
extern const struct carrel_limit_key carrel_limit_keys[CARREL_N_LIMITS];

/* The key NAME ("memory_max"), or NULL. */
const struct carrel_limit_key *carrel_limit_key(const char *name);
/*
 * `carrelctl limits` OPT ARG: OPT is "--" and a key's name with '-' for
 * '_' ("--memory-max"); ARG (NULL: none given) is parsed as the config
 * parses that key.  -ENOENT (and *KEY NULL) if OPT names no limit,
 * otherwise as carrel_parse_num() with OPT as the label.
 */
int carrel_parse_limit_option(const char *opt, const char *arg, const struct carrel_limit_key **key,
			      uint64_t *out, char *why, size_t size);
void carrel_limit_set(struct carrel_limits *lim, const struct carrel_limit_key *k, uint64_t v);

/*
 * One allow_out or deny_out entry (struct carrel_net_rule, lib/policy.h):
 * "CIDR" (an address alone is /32 or /128), "CIDR:PORT", "PROTO:PORT"
 * (tcp or udp), "HOST:PORT", and IPv6 with a port in brackets
 * ("[fd00::/8]:443"; without a port the brackets may be left out).
 * Returns 0 or -EINVAL with WHY (may be NULL) "LABEL: invalid entry ...".
 */
int carrel_parse_net_rule(const char *label, const char *s, struct carrel_net_rule *out, char *why,
			  size_t size);

#endif
