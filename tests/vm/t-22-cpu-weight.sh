#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cpu_weight does what it says under systemd: alice (cpu_weight 100) and bob
# (400) each keep both CPUs busy; bob's slice gets several times alice's
# CPU time.  A ratio, not a time: emulation makes absolute numbers noisy.
. /root/carrel/tests/vm/guest/vmlib.sh

conf=/etc/security/carrel.d/61-vmtest-weight.conf
cat >"$conf" <<'CONF'
limits {
	cpu_max = max
	cpu_weight = 100
}
user "bob" {
	limits {
		cpu_weight = 400
	}
}
CONF
chmod 644 "$conf"
t_on_exit "rm -f $conf"

cur=$(journal_cursor)
if ! open_session alice "$V/vmaid spin 40 2"; then
	not_ok "alice's spinning session comes up" "$(session_failure)"
	t_finish
fi
a_id=$S_ID a_ssh=$S_SSH a_token=$S_TOKEN
if ! open_session bob "$V/vmaid spin 40 2"; then
	not_ok "bob's spinning session comes up" "$(session_failure)"
	t_finish
fi
b_id=$S_ID
acg=$CG/user.slice/user-2001.slice
bcg=$CG/user.slice/user-2002.slice
check_eq "systemd has alice's weight" "CPUWeight=100" "$(systemctl show user-2001.slice -p CPUWeight)"
check_eq "systemd has bob's weight" "CPUWeight=400" "$(systemctl show user-2002.slice -p CPUWeight)"
check_eq "cpu.weight files" "100 400" "$(cat "$acg/cpu.weight") $(cat "$bcg/cpu.weight")"
sleep 2
a0=$(cpu_usage "$acg") b0=$(cpu_usage "$bcg")
sleep 6
a1=$(cpu_usage "$acg") b1=$(cpu_usage "$bcg")
da=$((a1 - a0)) db=$((b1 - b0))
# Fair shares would be 1:4; at least 2x and at most 8x is asked.
if [ "$da" -gt 0 ] && [ $((db * 10 / da)) -ge 20 ] && [ $((db * 10 / da)) -le 80 ]; then
	ok "bob (weight 400) got $((db * 10 / da / 10)).$((db * 10 / da % 10))x alice's (100) CPU time ($db vs $da us in 6 s)"
else
	not_ok "bob (weight 400) gets 2x to 8x alice's (100) CPU time" "bob $db us, alice $da us in 6 s"
fi
touch "$V/release/$a_token"
close_session
wait_pid 20 "$a_ssh"
expect_no_leftovers 10 "nothing of alice's carrel left" alice "$a_id"
expect_no_leftovers 10 "nothing of bob's carrel left" bob "$b_id"
check_eq "no error in the journal" "" "$(journal_errors_since "$cur")"
t_finish
