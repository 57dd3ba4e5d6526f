/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A nat carrel's egress policy and its user's bandwidth: modules the
 * network core (net/net.c) calls in the keeper, as root in the host's net
 * namespace, once the carrel's veth is up; the reaper calls the release
 * functions for a session whose keeper died.
 *
 *   egress.c  allow_out / deny_out: the nftables table `inet carrel_egress`
 *             (libnftables), one base chain per session on the forward
 *             hook, keyed by the session's source addresses.  A reject
 *             there is final whatever carrel's own table (or any other)
 *             accepts.  Host names are resolved here, by the keeper, with
 *             a bounded timeout.
 *   shape.c   net_rate_max: per user, an IFB device for each direction
 *             ("crd-UID" download, "cru-UID" upload) with a TBF qdisc at
 *             the rate, and on each of the user's host veths a clsact
 *             qdisc whose u32 filters redirect (mirred) both directions
 *             to them; rtnetlink through libmnl.
 *
 * Everything here lives in the host's net namespace: nothing a session's
 * user runs -- not even root of a user and net namespace of their own --
 * can see or change it.
 */
#ifndef CARREL_NETPOL_H
#define CARREL_NETPOL_H

#include "error.h"
#include "policy.h"

struct carrel_net_lease; /* net/net.h */

/* The nftables table egress.c owns (family inet). */
#define CARREL_EGRESS_TABLE "carrel_egress"
/* Its base chain for session ID: CARREL_EGRESS_CHAIN_PREFIX ID. */
#define CARREL_EGRESS_CHAIN_PREFIX "s-"
/* The forward hook priority of those chains: before the filter tables. */
#define CARREL_EGRESS_PRIORITY (-10)
/* How long resolving the policy's host names may take, all together. */
#define CARREL_EGRESS_RESOLVE_MS 3000
/* Addresses one HOST:PORT entry may expand to. */
#define CARREL_EGRESS_HOST_ADDRS 16

/* The IFB devices of user UID ("crd-UID", "cru-UID"). */
#define CARREL_SHAPE_IFB_DOWN "crd-"
#define CARREL_SHAPE_IFB_UP "cru-"
/* Who uses them: one file per session, SHAPE_DIR/UID/ID, naming its host veth. */
#define CARREL_SHAPE_DIR CARREL_RUNDIR "/net/shape"

/*
 * Install session L->id's egress policy NP (allow_out, deny_out) for its
 * addresses L->addr4 / L->addr6, after resolving NP's host names (bounded:
 * CARREL_EGRESS_RESOLVE_MS).  Nothing is installed when both lists are
 * empty.  Atomic: on failure nothing of this session is left and ERR says
 * what failed (a name that does not resolve, nftables' own message); the
 * caller applies on_error.  Applying again replaces the session's rules.
 */
int carrel_egress_apply(const struct carrel_net_lease *l, const struct carrel_net_policy *np,
			struct carrel_error *err);
/* Remove every rule of SESSION_ID.  Idempotent: 0 when there is none. */
int carrel_egress_release(const char *session_id, struct carrel_error *err);

/*
 * Limit L's user's carrels, together, to NP->rate_max bit/s in each
 * direction (nothing when it is CARREL_UNLIMITED): create the user's IFB
 * devices and their qdiscs if this is the user's first carrel, and
 * redirect L's host veth to them.  A later carrel's rate replaces the
 * user's rate.  On failure what this call made is undone.
 */
int carrel_shape_apply(const struct carrel_net_lease *l, const struct carrel_net_policy *np,
		       struct carrel_error *err);
/*
 * Undo carrel_shape_apply for L (its host veth may already be gone with
 * the carrel's net namespace); the user's IFB devices go with the user's
 * last carrel.  Idempotent.
 */
int carrel_shape_release(const struct carrel_net_lease *l, struct carrel_error *err);

#endif
