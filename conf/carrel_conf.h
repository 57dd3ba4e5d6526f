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
#include <stdio.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"


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

/*
 * check-config: every policy that some login could get from CFG (USER not
 * NULL: that user's only, an exempt one not at all), each
 * checked as resolving checks it, then handed to CHECK (may be NULL) for
 * what only the caller can check (the helper: seccomp profiles, what this
 * host refuses at open).  The policies: the top level alone (a user in no
 * section), the top level with each group section, each user section's
 * user, and every user the user database lists; each distinct set of
 * sections once; exempt ones are skipped.  A user with uid or primary gid 0
 * that is not exempt while its policy has the user namespace is an error
 * (open refuses it: root is never mapped).  The first error ends the check:
 * returned, its message in ERR, starting with the FILE:LINE of the key at
 * fault (or "built-in").  WARN (may be NULL) gets each warning, a footgun
 * that is not an error ("FILE:LINE: ..."; carrel.conf(5), CHECKS).
 */
struct carrel_check {
	const char *who;  /* "top level", "group \"adm\" (FILE:LINE)", "user \"bob\"" */
	const char *user; /* the user's name, or NULL for a section without one */
	uid_t uid;	  /* with user: its uid and primary gid */
	gid_t gid;
	const struct carrel_policy *policy;
	const void *src; /* where each key came from: see carrel_check_where() */
};

int carrel_config_check(const struct carrel_config *cfg, const char *user,
			int (*check)(const struct carrel_check *chk, void *ctx, struct carrel_error *err),
			void (*warn)(const char *msg, void *ctx), void *ctx, struct carrel_error *err);

/* Where KEY ("seccomp", "limits.memory_max") of CHK's policy was set:
 * "FILE:LINE", "FILE" (an empty list at the top level) or "built-in". */
void carrel_check_where(const struct carrel_check *chk, const char *key, char *buf, size_t size);

/* Print POLICY in the config file's own syntax (for check-config). */
void carrel_policy_print(FILE *f, const struct carrel_policy *policy);

/*
 * The emergency switch of the config CONFIG (NULL: CARREL_DEFAULT_CONFIG):
 * the file beside it named as it is with ".disable" for ".conf"
 * (/etc/security/carrel.disable).  While that file exists, is a regular file
 * and is owned by root, the module lets every login in without a sandbox
 * (each one logged at LOG_ALERT).  1: on, 0: off; the path in PATH.
 */
int carrel_switch_on(const char *config, char *path, size_t size);

#endif
