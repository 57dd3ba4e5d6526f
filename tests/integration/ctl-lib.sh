# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Helpers of the carrelctl tests (t-80-carrelctl.sh, t-85-top.sh), sourced
# after lib.sh and common.sh.

# as USER CMD...: CMD as USER without a PAM session (so no new carrel).
as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups --reset-env -- "$@"
}

# run CMD...: OUT_TEXT and RC of CMD (stdout and stderr together).
run() {
	OUT_TEXT=$("$@" 2>&1)
	RC=$?
}

# jtop LINE KEY: a top-level scalar of a one-line JSON object: the first
# KEY in the line (carrelctl writes the top level's scalars before any
# nested object).  Not the last: a carrel's "started" and its first
# login's differ when the second turned between the two, and a greedy
# match read the login's.
jtop() { grep -o "\"$2\":[^,{}]*" <<<"$1" | head -n 1 | cut -d: -f2- | tr -d '"'; }
# jget LINE OBJ KEY: KEY of the flat object "OBJ":{...}.
jget() { sed -n "s/.*\"$2\":{[^}]*\"$3\":\([^,}]*\).*/\1/p" <<<"$1" | tr -d '"'; }
# json_ok TEXT: valid JSON (when jq is there to tell).
json_ok() { ! command -v jq >/dev/null 2>&1 || jq -e . >/dev/null 2>&1 <<<"$1"; }

# open_carrel USER TOKEN CMD: a carrel by su - USER, running CMD after
# printing begin/session/end lines; sets SU_PID and ID.
open_carrel() {
	local user=$1 tok=$2 body=$3
	run_bg "$OUT/$tok" su - "$user" -c "echo begin=$tok; echo session=\$CARREL_SESSION; echo end=$tok; $body"
	SU_PID=$BG_PID
	ID=
	if wait_probe 15 "$OUT/$tok" "$tok"; then
		ID=$(pv "$OUT/$tok" session)
		assert_session_live "open $user ($tok)" "$OUT/$tok" "$user" su-l
	else
		not_ok "open a carrel for $user" "$(dump "$OUT/$tok")" "syslog: $(syslog_tail)"
	fi
}
