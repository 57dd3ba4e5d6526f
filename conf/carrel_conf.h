/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * carrel configuration: loading, validation and policy resolution.
 *
 * Error convention: every function returns 0 or a negative errno value and
 * never logs.  On failure a human-readable message naming the file and line
 * ("FILE:LINE: what is wrong") is left in the caller's struct carrel_error.
 */
#ifndef CARREL_CONF_H
#define CARREL_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define CARREL_DEFAULT_CONFIG "/etc/security/carrel.conf"
#define CARREL_UNLIMITED UINT64_MAX

/* Namespace bits, as listed in the `namespaces` key. */
enum {
	CARREL_NS_MNT = 1u << 0,
	CARREL_NS_PID = 1u << 1,
	CARREL_NS_IPC = 1u << 2,
	CARREL_NS_UTS = 1u << 3,
	CARREL_NS_NET = 1u << 4,
	CARREL_NS_CGROUP = 1u << 5,
	CARREL_NS_USER = 1u << 6,
};

enum carrel_on_error { CARREL_ON_ERROR_DENY = 0, CARREL_ON_ERROR_ALLOW = 1 };
enum carrel_tmp { CARREL_TMP_PRIVATE = 0, CARREL_TMP_SHARED = 1 };
/* Where the session's cgroup is: carrel/user-UID/session-ID under the root
 * or under the login's own cgroup (carrel writes the tree), or the login's
 * systemd unit with the limits set on user-UID.slice through systemd
 * (helper/cgroup_systemd.h); auto is systemd where systemd runs the unified
 * hierarchy, "/" elsewhere. */
enum carrel_cgroup_parent {
	CARREL_CGROUP_PARENT_ROOT = 0,
	CARREL_CGROUP_PARENT_SELF = 1,
	CARREL_CGROUP_PARENT_SYSTEMD = 2,
	CARREL_CGROUP_PARENT_AUTO = 3,
};
enum carrel_scope { CARREL_SCOPE_SESSION = 0, CARREL_SCOPE_USER = 1 };

/* linger_sec: one of these, or a positive number of seconds (at most CARREL_LINGER_MAX). */
#define CARREL_LINGER_NO 0
#define CARREL_LINGER_FOREVER (-1)
#define CARREL_LINGER_UNTIL_EMPTY (-2)
#define CARREL_LINGER_MAX (365 * 24 * 3600)

struct carrel_limits {
	uint64_t memory_max;      /* bytes, or CARREL_UNLIMITED ("max") */
	uint64_t memory_swap_max; /* bytes, or CARREL_UNLIMITED */
	uint64_t pids_max;        /* count, or CARREL_UNLIMITED */
	uint64_t cpu_max;         /* percent of one CPU (100 = one CPU), or CARREL_UNLIMITED */
	uint32_t cpu_weight;      /* 1..10000, cgroup v2 scale (100 = default) */
	uint32_t io_weight;       /* 1..10000, cgroup v2 scale (100 = default) */
};

#define CARREL_HOSTNAME_MAX 64
#define CARREL_SECCOMP_MAX 255 /* longest `seccomp` value (a profile path) */

/* The effective policy for one user. */
struct carrel_policy {
	bool exempt;                          /* user or one of its groups is exempt */
	unsigned namespaces;                  /* CARREL_NS_* bits */
	char hostname[CARREL_HOSTNAME_MAX + 1]; /* template: %u %n %h %% */
	enum carrel_on_error on_error;
	bool no_new_privs;
	char seccomp[CARREL_SECCOMP_MAX + 1]; /* "default", "off" or an absolute path */
	uint64_t capabilities;                /* bounding set kept: bit N = capability N */
	enum carrel_tmp tmp;
	uint64_t tmp_size;                    /* bytes */
	enum carrel_cgroup_parent cgroup_parent;
	enum carrel_scope scope;
	int64_t linger_sec;                   /* CARREL_LINGER_* or seconds (scope = user only) */
	struct carrel_limits limits;
};

struct carrel_error {
	char msg[1024];
};

struct carrel_config; /* opaque */

/*
 * Load PATH (NULL: CARREL_DEFAULT_CONFIG) and then every *.conf in the
 * directory "carrel.d" beside it, in name order.  A missing main file is not
 * an error: the built-in defaults apply.  A file that exists must be a
 * regular file owned by root and not writable by group or others.
 */
int carrel_config_load(const char *path, struct carrel_config **out, struct carrel_error *err);
void carrel_config_free(struct carrel_config *cfg);

/* The built-in defaults alone (no file): what applies when nothing is configured. */
void carrel_policy_builtin(struct carrel_policy *out);

/*
 * Resolve the policy for USER (must exist in the passwd database):
 * built-in < top level < group sections in file order < user section.
 * A policy that is not exempt and sets linger without scope = user is an
 * error (-EINVAL; the message names the user and where both keys were set).
 */
int carrel_policy_resolve(const struct carrel_config *cfg, const char *user,
			  struct carrel_policy *out, struct carrel_error *err);

/*
 * carrel_policy_resolve(), telling CB (if not NULL) where each value came
 * from.  CB is called first for "exempt" (value "yes" or "no"), then once
 * for every key in carrel_policy_print() order, named as in error messages
 * ("tmp", "limits.memory_max"), with the value as carrel_policy_print()
 * writes it and its origin: "built-in", "top level (FILE:LINE)",
 * "group NAME (FILE:LINE)" or "user NAME (FILE:LINE)".  LINE is the line of
 * the value (of a list's first item); for an empty list ({}) it is the line
 * of the section, and at the top level there is none: "top level (FILE)".
 * For "exempt" the origin names the list that decided: "exempt_users
 * (FILE:LINE)", "exempt_groups (FILE:LINE)" or "built-in exempt_users";
 * for a user not exempt, both lists.  CB is called only if resolving
 * succeeds, the linger check included.
 */
int carrel_policy_resolve_explain(const struct carrel_config *cfg, const char *user,
				  struct carrel_policy *out,
				  void (*cb)(const char *key, const char *value, const char *origin,
					     void *ctx),
				  void *ctx, struct carrel_error *err);

/* Print POLICY in the config file's own syntax (for check-config). */
void carrel_policy_print(FILE *f, const struct carrel_policy *policy);

#endif
