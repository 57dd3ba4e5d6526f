#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cgroup_parent = "/" on cgroup v2: carrel's own tree, as on a v2 host where
# systemd does not own the cgroups.  Here carrel itself enables the
# controllers and writes the six limit files on carrel/user-UID, places the
# holder with clone3(CLONE_INTO_CGROUP), and freezes and kills through
# cgroup.freeze and cgroup.kill.  (On a systemd host this mode is at odds
# with logind -- pam_systemd cannot find the session of a monitor moved out
# of its scope -- which is why auto means systemd there; the journal is
# shown, not judged.)  Then cgroup_parent = self under logind's scope,
# which systemd has not delegated: refused, with the reason, nothing left.
. /root/carrel/tests/vm/guest/vmlib.sh

conf=/etc/security/carrel.d/60-vmtest-mode.conf
printf 'cgroup_parent = "/"\n' >"$conf"
chmod 644 "$conf"
t_on_exit "rm -f $conf"

cur=$(journal_cursor)
if ! open_session alice "$V/vmaid spin 90 2"; then
	not_ok "parent /: alice's spinning session comes up" "$(session_failure)"
	t_finish
fi
scg=$CG$(cg_of_pid "$S_PID")
ucg=$CG/carrel/user-$S_UID
check_eq "parent /: the session is in carrel/user-$S_UID/session-$S_ID" "$ucg/session-$S_ID" "$scg"
check_eq "parent /: the state file names it" "$scg" "$(state_cgroups "$S_ID")"
check_eq "parent /: no cgroup_mode line" "" "$(state_field "$S_ID" cgroup_mode)"
holder=$(state_field "$S_ID" holder)
check_eq "parent /: the holder was born in it (clone3 CLONE_INTO_CGROUP)" "/carrel/user-$S_UID/session-$S_ID" "$(cg_of_pid "$holder")"
check_eq "parent /: inside, /sys/fs/cgroup is the carrel's own" own "$(kv "$S_OUT" cgfs)"
for c in memory pids cpu io; do
	if grep -qw "$c" "$CG/carrel/cgroup.subtree_control"; then ok "parent /: carrel enabled $c for user-$S_UID"; else not_ok "parent /: carrel enabled $c" "$(cat "$CG/carrel/cgroup.subtree_control")"; fi
done
check_limit_files "parent /: " "$ucg"

out=$(ussh alice "$V/vmaid memhog 200; echo rc=\$?" 2>&1)
if printf '%s\n' "$out" | grep -qx 'rc=137'; then ok "parent /: a 200 MiB hog is OOM-killed"; else not_ok "parent /: a 200 MiB hog is OOM-killed" "$out"; fi
u0=$(cpu_usage "$scg"); sleep 2; u1=$(cpu_usage "$scg"); d=$((u1 - u0))
if [ "$d" -ge 400000 ] && [ "$d" -le 1400000 ]; then ok "parent /: two busy loops get half a CPU ($d us in 2 s)"; else not_ok "parent /: two busy loops get half a CPU" "$d us in 2 s"; fi

frozen() { [ "$(awk '$1 == "frozen" { print $2 }' "$scg/cgroup.events")" = "$1" ]; }
out=$(carrelctl freeze "$S_ID" 2>&1)
if [ -z "$out" ] && wait_until 5 frozen 1; then
	check_eq "parent /: carrelctl freeze wrote cgroup.freeze" 1 "$(cat "$scg/cgroup.freeze")"
	u0=$(cpu_usage "$scg"); sleep 1; u1=$(cpu_usage "$scg")
	if [ $((u1 - u0)) -lt 20000 ]; then ok "parent /: frozen, it does not run ($((u1 - u0)) us in 1 s)"; else not_ok "parent /: frozen, it does not run" "$((u1 - u0)) us in 1 s"; fi
else
	not_ok "parent /: carrelctl freeze" "$out" "$(cat "$scg/cgroup.events")"
fi
out=$(carrelctl thaw "$S_ID" 2>&1)
if [ -z "$out" ] && wait_until 5 frozen 0; then ok "parent /: carrelctl thaw"; else not_ok "parent /: carrelctl thaw" "$out"; fi

# cgroup.kill: every process of the session at once; the keeper sees its
# holder die and tears the rest down.
echo 1 >"$scg/cgroup.kill"
if wait_pid 20 "$S_SSH"; then ok "parent /: cgroup.kill ends the session"; else not_ok "parent /: cgroup.kill ends the session" "ssh still runs after 20 s"; fi
expect_no_leftovers 10 "parent /: no process, state file or cgroup left" alice "$S_ID" "$scg" "$ucg"
journal_errors_since "$cur" | head -n 5 | while read -r l; do diag "parent / (not judged): $l"; done

# --- cgroup_parent = self under an undelegated scope -----------------------------
printf 'cgroup_parent = self\n' >"$conf"
cur=$(journal_cursor)
before=$(ls "$SESSIONS_DIR" 2>/dev/null | tr '\n' ' ')
out=$(ussh alice 'echo in=$CARREL_SESSION' 2>&1)
if printf '%s\n' "$out" | grep -q '^in='; then
	not_ok "parent self: a login under logind's undelegated scope is refused" "$out"
else
	ok "parent self: a login under logind's undelegated scope is refused"
fi
why=$(journal_since "$cur" | grep -E 'pam_carrel.*refusing session for alice' | tail -n 1)
if printf '%s\n' "$why" | grep -q 'session-[0-9]*.scope/'; then
	ok "parent self: the refusal names the scope's file ($(echo "$why" | sed 's/.*refusing/refusing/'))"
else
	not_ok "parent self: the refusal names the scope's file" "$why"
fi
check_eq "parent self: no state file left" "$before" "$(ls "$SESSIONS_DIR" 2>/dev/null | tr '\n' ' ')"
left=$(find "$CG/user.slice" -type d -name carrel 2>/dev/null | head -n 3)
check_eq "parent self: no cgroup left" "" "$left"
rm -f "$conf"
t_finish
