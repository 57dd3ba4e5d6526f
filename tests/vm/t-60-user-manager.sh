#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The user's systemd --user manager (user@UID.service, PAM service
# systemd-user, with pam_carrel in its stack as setup.sh and INSTALL put
# it): it starts, inside a carrel of its own (every namespace but pid: see
# pam_carrel.c), in user-UID.slice under the user's limits; what a user
# starts through it from an ssh carrel (systemd-run --user) runs in that
# carrel, not on the host; and when the manager stops nothing is left.
. /root/carrel/tests/vm/guest/vmlib.sh

ns_of() { readlink "/proc/$1/ns/$2" 2>/dev/null; }
reset_user() { # USER: no session, no manager
	loginctl terminate-user "$1" >/dev/null 2>&1
	systemctl stop "user@$(id -u "$1").service" >/dev/null 2>&1
	wait_until 15 bash -c "! pgrep -u $1 >/dev/null"
}
manager_carrel() { # UID: the id of the carrel whose unit is user@UID.service
	grep -lx "unit=user@$1.service" "$SESSIONS_DIR"/* 2>/dev/null | head -n1 | xargs -r basename
}

cur=$(journal_cursor)
reset_user alice
if ! grep -q '^session required pam_carrel.so' /etc/pam.d/systemd-user; then
	not_ok "setup put pam_carrel in /etc/pam.d/systemd-user" "$(cat /etc/pam.d/systemd-user 2>&1)"
	t_finish
fi
if ! open_session alice; then
	not_ok "alice's session comes up" "$(session_failure)"
	t_finish
fi
uid=$S_UID
if wait_until 30 systemctl is-active --quiet "user@$uid.service"; then
	ok "user@$uid.service starts with pam_carrel in systemd-user"
else
	not_ok "user@$uid.service starts with pam_carrel in systemd-user" \
		"$(systemctl status "user@$uid.service" 2>&1 | tail -n 15)"
	t_finish
fi
mgr=$(systemctl show "user@$uid.service" -p MainPID --value)
mid=$(manager_carrel "$uid")
if [ -n "$mid" ]; then
	ok "the manager has a carrel of its own ($mid, service $(state_field "$mid" service))"
else
	not_ok "the manager has a carrel of its own" "$(grep -H '^unit=' "$SESSIONS_DIR"/* 2>&1)"
	t_finish
fi
check_eq "its carrel is not the ssh session's" yes "$([ "$mid" != "$S_ID" ] && echo yes || echo no)"
for n in net mnt user ipc uts cgroup; do
	if [ -n "$(ns_of "$mgr" $n)" ] && [ "$(ns_of "$mgr" $n)" != "$(ns_of 1 $n)" ]; then
		ok "the manager (pid $mgr) is in a $n namespace of its own"
	else
		not_ok "the manager (pid $mgr) is in a $n namespace of its own" "$(ns_of "$mgr" $n) vs host $(ns_of 1 $n)"
	fi
done
check_eq "the manager is in the host's pid namespace (see pam_carrel.c: systemd)" "$(ns_of 1 pid)" "$(ns_of "$mgr" pid)"
check_eq "the manager has no capability" 0000000000000000 "$(awk '$1 == "CapEff:" { print $2 }' "/proc/$mgr/status")"
check_eq "the manager runs under seccomp" 2 "$(awk '$1 == "Seccomp:" { print $2 }' "/proc/$mgr/status")"
case $(cg_of_pid "$mgr") in
"/user.slice/user-$uid.slice/user@$uid.service/"*) ok "the manager is in user@$uid.service, in user-$uid.slice (the user's limits)" ;;
*) not_ok "the manager is in user@$uid.service" "$(cg_of_pid "$mgr")" ;;
esac

# From the ssh carrel, through the user bus (dbus-user-session): a service
# of the user's manager runs in the manager's carrel.
cat >"$V/svcprobe.sh" <<'PROBE'
#!/bin/bash
echo "net=$(readlink /proc/self/ns/net) cg=$(cat /proc/self/cgroup) eff=$(awk '$1 == "CapEff:" { print $2 }' /proc/self/status)"
echo "procs_seen=$(ls -d /proc/[0-9]* | wc -l) others_seen=$(stat -c %u /proc/[0-9]* 2>/dev/null | grep -cvx "$(id -u)") pid1=$([ -e /proc/1 ] && echo visible || echo hidden)"
PROBE
chmod 755 "$V/svcprobe.sh"
out=$(ussh alice "systemd-run --user --wait --pipe --quiet $V/svcprobe.sh; echo rc=\$?" 2>&1)
diag "systemd-run --user from the ssh carrel: $(echo $out)"
check_eq "systemd-run --user from the ssh carrel succeeds" rc=0 "$(printf '%s\n' "$out" | grep '^rc=' | tail -n1)"
snet=$(printf '%s\n' "$out" | sed -n 's/^net=\([^ ]*\).*/\1/p')
check_eq "its service runs in the manager's carrel (net namespace)" "$(ns_of "$mgr" net)" "$snet"
if [ -n "$snet" ] && [ "$snet" != "$(ns_of 1 net)" ]; then ok "so not in the host's namespaces"; else not_ok "so not in the host's namespaces" "$snet"; fi
case $out in *"cg=0::/app.slice/run-"*) ok "and in the manager's cgroup tree (app.slice)" ;; *) not_ok "and in the manager's cgroup tree (app.slice)" "$out" ;; esac
case $out in *"eff=0000000000000000"*) ok "and with no capability" ;; *) not_ok "and with no capability" "$out" ;; esac
# No pid namespace there: the host's processes, but only the user's own
# are visible (proc mounted hidepid=invisible by the keeper).
case $out in *"others_seen=0 pid1=hidden"*) ok "and it sees no other user's process in /proc ($(printf '%s\n' "$out" | grep -o 'procs_seen=[0-9]*'))" ;;
*) not_ok "and it sees no other user's process in /proc" "$out" ;; esac

# enter joins the holder's cgroup (the manager's subtree takes no process
# at its root) and its namespaces.
out=$(timeout 30 carrelctl enter "$mid" sh -c 'readlink /proc/self/ns/net; id -u; cat /proc/self/cgroup' 2>&1)
check_eq "carrelctl enter $mid: the manager's net namespace, as alice, in its cgroup tree" \
	"$(ns_of "$mgr" net) $uid ok" "$(printf '%s\n' "$out" | sed -n 1,2p | tr '\n' ' ')$(printf '%s\n' "$out" | grep -E '^0::/' | grep -qv '\.\.' && echo ok || echo "cg? $out")"

close_session
reset_user alice
expect_no_leftovers 15 "manager stopped: no process, state file or unit of its carrel left" alice "$mid"
check_eq "no carrel state left at all" "" "$(ls "$SESSIONS_DIR" 2>/dev/null | tr '\n' ' ')"
check_eq "no carrel unit left" "" "$(systemctl list-units --all --plain --no-legend 'carrel-*' | tr '\n' ' ')"
errs=$(journal_errors_since "$cur")
check_eq "no error in the journal" "" "$errs"
journal_since "$cur" | grep -E "user@$uid|systemd\[[0-9]+\]: .*(Failed|failed)" | grep -v 'systemd\[1\]' | head -n 10 | while read -r l; do diag "journal: $l"; done
t_finish
