/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf/'s own header: what its files share.  Not for other folders.
 *
 *   schema.c   the keys (one table drives options, checks, merging,
 *              printing and provenance) and the built-in policy
 *   check.c    checking a value, a resolved policy, and a whole config
 *   nss.c      the user and group database
 *   scrub.c    what a file may contain before libconfuse sees it
 *   load.c     files, libconfuse, and the layers a config is made of
 *   resolve.c  which layers apply to a user, and where each value came from
 *   print.c    values and policies in the config file's own syntax
 *
 * A load, file by file (the main file, then carrel.d/ *.conf in name order):
 *   1. open with O_NOFOLLOW and check the open fd: a regular file, owned by
 *      root, not writable by group or others; read it (at most 1 MiB);
 *   2. scrub it (conf_scrub): blank out comments, refuse ${VAR} and +=;
 *   3. parse it with libconfuse.  Every value is converted and checked by a
 *      parse callback while the parser still knows the line;
 *   4. turn the parse tree into layers -- the top level, each group section,
 *      each user section -- appended to the config in file order.
 * Resolving starts from the built-in defaults and applies every top layer,
 * then every group layer the user is in, then every layer for the user.  A
 * layer carries only the keys that were actually set in it.
 */
#ifndef CARREL_CONF_INTERNAL_H
#define CARREL_CONF_INTERNAL_H

#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "carrel_conf.h"
#include "parse.h"
#include "util.h"

/* ---- the keys (schema.c) ---------------------------------------------------- */

enum kind {
	K_NAMESPACES,	/* list of namespace names; stored as CARREL_NS_* bits */
	K_CAPABILITIES, /* list of capability names; stored as 1 << CAP_* bits */
	K_HOSTNAME,	/* hostname template (a string field) */
	K_SECCOMP,	/* default, off or an absolute path (a string field) */
	K_WORD,		/* one of key->words; stored as its index (the enum value) */
	K_BOOL,
	K_NUMBER, /* a size, count or percentage as key->num says (lib/parse.h) */
	K_LINGER, /* no, forever, until-empty or a duration; stored as CARREL_LINGER_* or seconds */
	K_CPUSET, /* CPUs or memory nodes, "0-7,9" (a string field; lib/ctrl.h) */
	K_ITEMS,  /* a list of quoted items, each checked by key->item (lib/ctrl.h); stored as
		   * char [CARREL_LIST_MAX][CARREL_ITEM_MAX + 1], "" after the last */
	K_IFNAME, /* a network interface name (a string field) */
	K_CIDR4,  /* an IPv4 prefix "A.B.C.D/N" (a string field) */
	K_CIDR6,  /* an IPv6 ULA prefix "fdXX:...::/N", N 48..64 (a string field) */
	K_NETRULES, /* allow_out, deny_out: list of entries; a struct carrel_net_rules field */
};

/* Kinds whose values are lists; their items are OR-ed together. */
static inline bool kind_is_list(enum kind kind)
{
	return kind == K_NAMESPACES || kind == K_CAPABILITIES || kind == K_ITEMS || kind == K_NETRULES;
}

/* Kinds stored as a NUL-terminated string in a char array field. */
static inline bool kind_is_string(enum kind kind)
{
	return kind == K_HOSTNAME || kind == K_SECCOMP || kind == K_CPUSET || kind == K_IFNAME ||
	       kind == K_CIDR4 || kind == K_CIDR6;
}

/* Kinds whose parsed values keep their text (strings, and K_ITEMS' items). */
static inline bool kind_keeps_text(enum kind kind)
{
	return kind_is_string(kind) || kind == K_ITEMS;
}

struct key {
	const char *name;
	enum kind kind;
	bool in_limits;		      /* lives in the limits { } section */
	bool top_only;		      /* host-wide: not in user or group sections */
	const struct carrel_num *num; /* K_NUMBER: its form and range */
	const char *const *words;     /* K_WORD: the accepted words */
	/* K_ITEMS: checks one item; 0 or -errno with WHY "LABEL: what is wrong". */
	int (*item)(const char *label, const char *s, char *why, size_t size);
	bool adds_up; /* K_ITEMS: the items of every section that applies add up */
	size_t offset, size;	      /* the field in struct carrel_policy */
};

#define N_KEYS 32
/* struct layer's set mask: bit i for conf_keys[i] (the one place that bounds N_KEYS). */
typedef uint64_t key_mask;
#define KEY_BIT(i) ((key_mask)1 << (i))
extern const struct key conf_keys[N_KEYS];
#define N_NAMESPACES 7
extern const char *const conf_namespace_words[N_NAMESPACES + 1];
extern const char *const conf_capability_names[];
extern const size_t conf_n_capability_names;
struct linger_unit {
	char suffix;
	int64_t sec;
};
#define N_LINGER_UNITS 4
extern const struct linger_unit conf_linger_units[N_LINGER_UNITS];
extern const struct carrel_policy conf_builtin_policy;
extern const char *const conf_builtin_exempt_users[1];

const struct key *conf_key_by_name(const char *name);
size_t conf_key_index(const char *name);
uint64_t conf_field_load(const struct carrel_policy *p, const struct key *k);
void conf_field_store(struct carrel_policy *p, const struct key *k, uint64_t v);

/* What an adding-up list holds in its last slot when the sections that
 * apply gave more items than it holds (conf_check_conflicts refuses it). */
#define CONF_ITEMS_OVERFLOW "(too many)"

/* ---- layers (load.c) ----------------------------------------------------------- */

enum layer_kind { LAYER_TOP, LAYER_GROUP, LAYER_USER };

struct layer {
	enum layer_kind kind;
	char *name;		/* the title: a group's or a user's name, compared by name */
	const char *file;	/* the file it is in (owned by the config) */
	int line;		/* where the section opens; 0 for the top level */
	key_mask set;		/* KEY_BIT(i): conf_keys[i] was set */
	int key_line[N_KEYS];	/* where conf_keys[i] was set; 0: unknown (an empty list) */
	struct carrel_policy v; /* the values of the keys that were set */
};

struct carrel_config {
	struct layer *layers; /* in file order */
	size_t n_layers;
	char **files; /* the paths of the files read, for the layers' origins */
	size_t n_files;
	char **exempt_users;
	size_t n_exempt_users;
	char **exempt_groups; /* names, as written */
	size_t n_exempt_groups;
	/* Where the exempt lists in force were set: file NULL = built-in. */
	const char *exempt_users_file, *exempt_groups_file;
	int exempt_users_line, exempt_groups_line;
};

/* ---- checking (check.c) ----------------------------------------------------------- */

/* "limits.memory_max" or "tmp": how the key is named in messages. */
const char *conf_key_label(const struct key *k, char *buf, size_t size);
/* Check S as a value of K; numbers, words, booleans and namespaces go to *OUT. */
int conf_check_value(const struct key *k, const char *s, uint64_t *out, char *why, size_t size);
/* Keys of a resolved policy that only make sense together, for WHO
 * ("user \"bob\""); SRC[i] is the layer conf_keys[i] came from (NULL:
 * built-in).  On an error *AT is the index of the key at fault. */
int conf_check_conflicts(const struct carrel_policy *p, const char *who,
			 const struct layer *const *src, size_t *at, struct carrel_error *err);

/* ---- the user and group database (nss.c) -------------------------------------------- */

/* 0, -ENOENT (no such entry: only that), -EHOSTUNREACH (the database
 * failed; its errno in *DB_ERRNO, which may be NULL) or -ENOMEM.  On
 * success *BUF holds the strings PW points into; the caller frees it. */
int conf_lookup_user(const char *name, struct passwd *pw, char **buf, int *db_errno);
int conf_lookup_group(const char *name, int *db_errno);
/* The names of the primary and supplementary groups of NAME; on an error
 * naming one of them, that gid in *BAD_GID.  Free with conf_free_names. */
int conf_user_groups(const char *name, gid_t gid, char ***out, size_t *n, gid_t *bad_gid,
		     int *db_errno);
void conf_free_names(char **names, size_t n);
int conf_confirm_section_groups(const struct carrel_config *c, const char *user, gid_t gid,
				char ***names, size_t *n, const char **bad_group, int *db_errno);
bool conf_has_name(char *const *names, size_t n, const char *name);
/* What an error of the lookups above means, for a message. */
const char *conf_lookup_why(int r, int db_errno, char *buf, size_t size);

/* ---- scrubbing (scrub.c) -------------------------------------------------------------- */

int conf_scrub(char *buf, size_t len, const char *path, struct carrel_error *err);

/* ---- resolving (resolve.c) ---------------------------------------------------------- */

#define VALUE_MAX 4096		    /* a printed value: all capabilities, a full list limit or allow_out */
#define ORIGIN_MAX (PATH_MAX + 512) /* an origin string */

/* Apply, in order, every layer for a user named USER (NULL: none) in
 * GROUPS; SRC[i] becomes the layer conf_keys[i] came from. */
void conf_apply_layers(const struct carrel_config *c, const char *user, char *const *groups,
		       size_t n_groups, struct carrel_policy *out, const struct layer **src);
/* Whether layer L applies to a user named USER (NULL: none) in GROUPS. */
bool conf_layer_applies(const struct layer *l, const char *user, char *const *groups,
			size_t n_groups);
/* Which exempt list, if any, names the user (NULL: none) or one of its groups. */
enum exempt_by { EXEMPT_NO, EXEMPT_BY_USER, EXEMPT_BY_GROUP };
enum exempt_by conf_is_exempt(const struct carrel_config *c, const char *user, char *const *groups,
			      size_t n_groups);
/* "FILE:LINE", or "FILE" when LINE is 0. */
void conf_file_line(char *buf, size_t size, const char *file, int line);
/* Where key I got its value: from layer L (NULL: the built-in default). */
void conf_key_origin(const struct layer *l, size_t i, char *buf, size_t size);

/* ---- printing (print.c) ---------------------------------------------------------------- */

void conf_format_value(const struct key *k, const struct carrel_policy *p, char *buf, size_t size);

#endif
