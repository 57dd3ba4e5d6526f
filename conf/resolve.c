/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resolving: built-in < top level < group sections in file order < user
 * section, and where each value came from.
 */
#include "conf_internal.h"
#include "ctrl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void carrel_policy_builtin(struct carrel_policy *out)
{
	memcpy(out, &conf_builtin_policy, sizeof(*out));
}

/*
 * Sections and exempt lists match by name: a group section applies to a user
 * one of whose groups (as getgrouplist and the group database name them) has
 * the section's title.  A title the database does not know matches nobody.
 */
bool conf_layer_applies(const struct layer *l, const char *user, char *const *groups,
			size_t n_groups)
{
	switch (l->kind) {
	case LAYER_TOP:
		return true;
	case LAYER_GROUP:
		return conf_has_name(groups, n_groups, l->name);
	case LAYER_USER:
		return user && strcmp(l->name, user) == 0;
	}
	return false;
}

/* K's items in L after those already in OUT; past the end the last slot
 * says CONF_ITEMS_OVERFLOW, which conf_check_conflicts refuses. */
static void add_items(struct carrel_policy *out, const struct layer *l, const struct key *k)
{
	char(*to)[CARREL_ITEM_MAX + 1] = (void *)((char *)out + k->offset);
	const char(*from)[CARREL_ITEM_MAX + 1] = (const void *)((const char *)&l->v + k->offset);
	size_t n = carrel_list_len(to);

	for (size_t j = 0; j < CARREL_LIST_MAX && from[j][0]; j++, n++) {
		if (n >= CARREL_LIST_MAX) {
			snprintf(to[CARREL_LIST_MAX - 1], sizeof(to[0]), "%s", CONF_ITEMS_OVERFLOW);
			return;
		}
		memcpy(to[n], from[j], sizeof(to[n]));
	}
}

/* Apply L's keys to OUT; SRC[i] becomes L for every key L sets. */
static void apply_layer(struct carrel_policy *out, const struct layer *l, const struct layer **src)
{
	for (size_t i = 0; i < N_KEYS; i++) {
		if ((l->set & KEY_BIT(i)) && conf_keys[i].adds_up) {
			add_items(out, l, &conf_keys[i]);
			src[i] = l;
		} else if (l->set & KEY_BIT(i)) {
			memcpy((char *)out + conf_keys[i].offset, (const char *)&l->v + conf_keys[i].offset,
			       conf_keys[i].size);
			src[i] = l;
		}
	}
}

void conf_apply_layers(const struct carrel_config *c, const char *user, char *const *groups,
		       size_t n_groups, struct carrel_policy *out, const struct layer **src)
{
	/* From scratch each time: a caller may apply the top level first and
	 * then every layer that applies to the user, with the same SRC. */
	for (size_t i = 0; i < N_KEYS; i++)
		src[i] = NULL;
	carrel_policy_builtin(out);
	for (enum layer_kind pass = LAYER_TOP; pass <= LAYER_USER; pass++)
		for (size_t i = 0; i < c->n_layers; i++)
			if (c->layers[i].kind == pass &&
			    conf_layer_applies(&c->layers[i], user, groups, n_groups))
				apply_layer(out, &c->layers[i], src);
	/* network decides where some layer set it; elsewhere `net` in
	 * namespaces is its old spelling.  Either way the two agree after. */
	size_t in = conf_key_index("network");
	if (!src[in]) {
		src[in] = src[conf_key_index("namespaces")]; /* its origin is that of namespaces */
		out->network = (out->namespaces & CARREL_NS_NET) ? CARREL_NETWORK_NONE :
								   CARREL_NETWORK_HOST;
	} else if (out->network == CARREL_NETWORK_HOST)
		out->namespaces &= ~(unsigned)CARREL_NS_NET;
	else
		out->namespaces |= CARREL_NS_NET;
}

enum exempt_by conf_is_exempt(const struct carrel_config *c, const char *user,
			      char *const *groups, size_t n_groups)
{
	for (size_t i = 0; i < c->n_exempt_users; i++)
		if (user && strcmp(c->exempt_users[i], user) == 0)
			return EXEMPT_BY_USER;
	for (size_t i = 0; i < c->n_exempt_groups; i++)
		if (conf_has_name(groups, n_groups, c->exempt_groups[i]))
			return EXEMPT_BY_GROUP;
	return EXEMPT_NO;
}

/* "FILE:LINE", or "FILE" when LINE is 0. */
void conf_file_line(char *buf, size_t size, const char *file, int line)
{
	if (line > 0)
		snprintf(buf, size, "%s:%d", file, line);
	else
		snprintf(buf, size, "%s", file);
}

/* Where key I got its value: from layer L (NULL: the built-in default). */
void conf_key_origin(const struct layer *l, size_t i, char *buf, size_t size)
{
	char where[PATH_MAX + 16];

	if (!l) {
		snprintf(buf, size, "built-in");
		return;
	}
	conf_file_line(where, sizeof(where), l->file, l->key_line[i] ? l->key_line[i] : l->line);
	switch (l->kind) {
	case LAYER_TOP:
		snprintf(buf, size, "top level (%s)", where);
		break;
	case LAYER_GROUP:
	case LAYER_USER:
		snprintf(buf, size, "%s %s (%s)", l->kind == LAYER_GROUP ? "group" : "user",
			 l->name, where);
		break;
	}
}

static void exempt_list_origin(const char *list, const char *file, int line, char *buf, size_t size)
{
	char where[PATH_MAX + 16];

	if (!file) {
		snprintf(buf, size, "built-in %s", list);
		return;
	}
	conf_file_line(where, sizeof(where), file, line);
	snprintf(buf, size, "%s (%s)", list, where);
}

/* Where the exempt flag came from: the list that matched, or both lists. */
static void exempt_origin(const struct carrel_config *c, enum exempt_by by, char *buf, size_t size)
{
	size_t len;

	if (by == EXEMPT_NO && !c->exempt_users_file && !c->exempt_groups_file) {
		snprintf(buf, size, "built-in");
		return;
	}
	buf[0] = '\0';
	if (by != EXEMPT_BY_GROUP)
		exempt_list_origin("exempt_users", c->exempt_users_file, c->exempt_users_line, buf,
				   size);
	len = strlen(buf);
	if (by == EXEMPT_NO && len + 2 < size) {
		memcpy(buf + len, ", ", 3);
		len += 2;
	}
	if (by != EXEMPT_BY_USER)
		exempt_list_origin("exempt_groups", c->exempt_groups_file, c->exempt_groups_line,
				   buf + len, size - len);
}

int carrel_policy_resolve_explain(const struct carrel_config *c, const char *user,
				  struct carrel_policy *out,
				  void (*cb)(const char *key, const char *value, const char *origin,
					     void *ctx),
				  void *ctx, struct carrel_error *err)
{
	const struct layer *src[N_KEYS] = { NULL };
	_cleanup_free_ char *buf = NULL;
	char **groups = NULL;
	char value[VALUE_MAX], origin[ORIGIN_MAX], label[64], who[300], why[256];
	size_t n_groups = 0, at;
	enum exempt_by exempt;
	struct passwd pw;
	gid_t bad = 0;
	int r, db = 0;

	if (err)
		err->msg[0] = '\0';
	if (!c || !user || !out) {
		carrel_error_set(err, "carrel_policy_resolve: invalid argument");
		return -EINVAL;
	}
	/* Until the user's groups are known: the top level (its on_error
	 * decides what a failed lookup does to the login). */
	conf_apply_layers(c, NULL, NULL, 0, out, src);
	out->exempt = false;
	r = conf_lookup_user(user, &pw, &buf, &db);
	if (r == -ENOENT)
		carrel_error_set(err, "user \"%s\": no such user", user);
	else if (r < 0)
		carrel_error_set(err, "user \"%s\": %s", user,
				 conf_lookup_why(r, db, why, sizeof(why)));
	if (r < 0)
		return r;
	r = conf_user_groups(pw.pw_name, pw.pw_gid, &groups, &n_groups, &bad, &db);
	if (r < 0) {
		carrel_error_set(err, "user \"%s\": group %u: %s", user, (unsigned)bad,
				 conf_lookup_why(r, db, why, sizeof(why)));
		return r;
	}
	const char *bad_group = "";
	r = conf_confirm_section_groups(c, pw.pw_name, pw.pw_gid, &groups, &n_groups, &bad_group, &db);
	if (r < 0) {
		conf_free_names(groups, n_groups);
		carrel_error_set(err, "user \"%s\": group section \"%s\": %s", user, bad_group,
				 conf_lookup_why(r, db, why, sizeof(why)));
		return r;
	}

	conf_apply_layers(c, pw.pw_name, groups, n_groups, out, src);
	exempt = conf_is_exempt(c, pw.pw_name, groups, n_groups);
	conf_free_names(groups, n_groups);
	out->exempt = exempt != EXEMPT_NO;
	snprintf(who, sizeof(who), "user \"%s\"", pw.pw_name);
	r = conf_check_conflicts(out, who, src, &at, err);
	if (r < 0 || !cb)
		return r;

	exempt_origin(c, exempt, origin, sizeof(origin));
	cb("exempt", out->exempt ? "yes" : "no", origin, ctx);
	for (int limits = 0; limits <= 1; limits++) {
		for (size_t i = 0; i < N_KEYS; i++) {
			if (conf_keys[i].in_limits != limits)
				continue;
			conf_format_value(&conf_keys[i], out, value, sizeof(value));
			conf_key_origin(src[i], i, origin, sizeof(origin));
			cb(conf_key_label(&conf_keys[i], label, sizeof(label)), value, origin, ctx);
		}
	}
	return 0;
}

int carrel_policy_resolve(const struct carrel_config *c, const char *user,
			  struct carrel_policy *out, struct carrel_error *err)
{
	return carrel_policy_resolve_explain(c, user, out, NULL, NULL, err);
}
