#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# carrelctl top and metrics on cgroup v2 under systemd, and the keeper's
# structured journal lines: with alice's ssh carrel open, top --once --json
# lists it with memory > 0, pids >= 1, the slice's memory.high and its io
# counters where the unit's cgroup has io.stat; metrics passes the strict format checker; after logout
# `journalctl CARREL_SESSION=ID` finds the keeper's open and close lines
# (identifier carrel-helper, USER_ID=, the close line's usage figures).
. /root/carrel/tests/vm/guest/vmlib.sh

CTL=/usr/local/sbin/carrelctl
CHECKER=$TREE/tests/integration/promcheck.awk
jtop() { sed -n "s/.*\"$2\":\([^,{}]*\).*/\1/p" <<<"$1" | tr -d '"'; }
jget() { sed -n "s/.*\"$2\":{[^}]*\"$3\":\([^,}]*\).*/\1/p" <<<"$1" | tr -d '"'; }

if ! open_session alice; then
	not_ok "ssh login of alice through sshd-carrel-test" "$(session_failure)"
	t_finish
fi
ok "ssh login of alice through sshd-carrel-test (carrel session $S_ID)"

out=$("$CTL" top --once --json -d 1 2>&1)
rc=$?
line=$(grep "{\"id\":\"$S_ID\"" <<<"$out")
bad=()
[ "$rc" = 0 ] || bad+=("rc=$rc")
[ "$(jtop "$line" user)" = alice ] || bad+=("user '$(jtop "$line" user)'")
v=$(jget "$line" memory current)
[ -n "$v" ] && [ "$v" != null ] && [ "$v" -gt 0 ] || bad+=("memory.current '$v'")
v=$(jget "$line" pids current)
[ -n "$v" ] && [ "$v" != null ] && [ "$v" -ge 1 ] || bad+=("pids.current '$v'")
v=$(jget "$line" memory high)
[ -n "$v" ] && [ "$v" != null ] || bad+=("memory.high '$v' (v2 has one)")
# io.stat is there only where systemd enabled io for the unit's cgroup (a
# unit of the slice with IOAccounting or an io limit): a number then, else null.
unitcg=$(state_cgroups "$S_ID" | head -n1)
v=$(jget "$line" io read_bytes)
if [ -e "$unitcg/io.stat" ]; then
	[[ "$v" =~ ^[0-9]+$ ]] || bad+=("io read_bytes '$v' with $unitcg/io.stat there")
	io_metric=carrel_io_read_bytes_total
else
	[ "$v" = null ] || bad+=("io read_bytes '$v' without $unitcg/io.stat")
	io_metric=carrel_memory_bytes
	diag "no io.stat in $unitcg: io figures unknown"
fi
v=$(jtop "$line" cpu_percent)
[[ "$v" =~ ^[0-9.]+$ ]] || bad+=("cpu_percent '$v'")
if [ ${#bad[@]} -eq 0 ]; then
	ok "top --once --json: alice's carrel with memory, pids, memory.high, io and CPU %"
else
	not_ok "top --once --json: alice's carrel with memory, pids, memory.high, io and CPU %" "${bad[@]}" "$out"
fi
table=$("$CTL" top --once -d 0.5 2>&1)
if [ -z "$(awk 'length($0) > 80' <<<"$table")" ] && grep -Eq "^$S_ID +alice " <<<"$table"; then
	ok "top --once: alice's carrel in a table within 80 columns"
else
	not_ok "top --once: alice's carrel in a table within 80 columns" "$table"
fi
"$CTL" metrics >/root/vmtest/metrics.txt 2>&1
rc=$?
if [ "$rc" = 0 ] && res=$(awk -f "$CHECKER" /root/vmtest/metrics.txt 2>&1) &&
	grep -q "^$io_metric{user=\"alice\",uid=\"$S_UID\",session=\"$S_ID\"} " /root/vmtest/metrics.txt; then
	ok "metrics: passes the format checker, with the carrel's $io_metric"
else
	not_ok "metrics: passes the format checker, with the carrel's $io_metric" "rc=$rc" "$res" "$(head -n 30 /root/vmtest/metrics.txt)"
fi

id=$S_ID
# Carrel ids are reused within a boot (another user's carrel had this one
# before: seen in CI, its close line came first): the lines of this
# carrel are its keeper's, by pid, and this user's.
kpid=$(state_field "$S_ID" keeper)
close_session
# The close line is the keeper's last words but one: bounded wait for it.
jfield() { journalctl --sync 2>/dev/null; journalctl -q --no-pager -o verbose "CARREL_SESSION=$id" "_PID=$kpid" "USER_ID=$S_UID" "$@" 2>/dev/null; }
closed() { jfield CARREL_EVENT=close | grep -q '^ *CARREL_EVENT=close$'; }
wait_until 20 closed
opened=$(jfield CARREL_EVENT=open)
closing=$(jfield CARREL_EVENT=close)
if grep -q '^ *SYSLOG_IDENTIFIER=carrel-helper$' <<<"$opened" && grep -q "^ *USER_ID=$S_UID\$" <<<"$opened" &&
	grep -q '^ *MESSAGE=open session=' <<<"$opened"; then
	ok "journalctl CARREL_SESSION=$id finds the open line (carrel-helper, USER_ID=$S_UID)"
else
	not_ok "journalctl CARREL_SESSION=$id finds the open line" "$opened" "$(journalctl -q --no-pager -n 30 -t carrel-helper 2>&1)"
fi
cpu=$(sed -n 's/^ *CARREL_CPU_USEC=//p' <<<"$closing" | head -n1)
peak=$(sed -n 's/^ *CARREL_MEMORY_PEAK_BYTES=//p' <<<"$closing" | head -n1)
if grep -q '^ *MESSAGE=close session=' <<<"$closing" && grep -q "^ *USER_ID=$S_UID\$" <<<"$closing" &&
	[[ "$cpu" =~ ^[0-9]+$ ]] && [ "$cpu" -gt 0 ] && [[ "$peak" =~ ^[0-9]+$ ]] && [ "$peak" -gt 0 ] &&
	grep -q '^ *CARREL_IO_READ_BYTES=[0-9]' <<<"$closing" && grep -q '^ *CARREL_REASON=' <<<"$closing"; then
	ok "journalctl CARREL_SESSION=$id finds the close line with its usage (cpu ${cpu} us, memory peak $peak)"
else
	not_ok "journalctl CARREL_SESSION=$id finds the close line with its usage" "$closing"
fi
t_finish
