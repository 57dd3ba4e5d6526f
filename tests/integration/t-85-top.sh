#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# carrelctl top and metrics against live carrels (su -, cgroup_parent =
# self): with a CPU hog in one user's carrel and an idle one of another
# user, top --once --json lists both, the hog's CPU % higher, memory > 0
# and pids >= 1; top --once fits 80 columns; a user who is not root sees
# only their own carrels; the interactive view sorts on a key and gives the
# terminal back (canonical mode, echo) on q and on ^C; metrics passes a
# strict checker of the Prometheus text format, and its counters do not go
# down between two reads.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh
. /usr/local/share/carrel-test/ctl-lib.sh

OUT=$T_WORK/out
CTL=${T_CARRELCTL:-/usr/local/sbin/carrelctl}
CHECKER=$T_SHARE/promcheck.awk
if [ ! -x "$CTL" ]; then
	skip "carrelctl top" "$CTL is not installed (run.sh's setup_stage installs ctl/carrelctl there)"
	t_finish
fi

# carrel_line JSON ID: the one line of top --json about carrel ID.
carrel_line() { grep "{\"id\":\"$2\"" <<<"$1"; }
# gt A B: A > B as decimal numbers.
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

# --- usage errors
run "$CTL" top -d 0
check_eq "top -d 0: out of bounds, usage error (exit 2)" 2 "$RC"
run "$CTL" top -d 100000
check_eq "top -d 100000: out of bounds, usage error (exit 2)" 2 "$RC"
run "$CTL" top -s bogus
check_eq "top -s bogus: usage error (exit 2)" 2 "$RC"

# --- two users' carrels: a CPU hog (bounded) for carreltest1, an idle one for carreltest2
th=$(new_token tophog) ti=$(new_token topidle)
open_carrel carreltest1 "$th" "exec timeout 120 sh -c 'while :; do :; done' t85-$th"
H=$ID H_SU=$SU_PID
open_carrel carreltest2 "$ti" "exec -a t85-$ti sleep 120"
I=$ID I_SU=$SU_PID
if [ -z "$H" ] || [ -z "$I" ]; then
	not_ok "carrelctl top: two live carrels to watch" "hog=$H idle=$I"
	t_finish
fi

# --- top --once --json
run "$CTL" top --once --json -d 1
if [ "$RC" = 0 ] && json_ok "$OUT_TEXT"; then ok "top --once --json: exit 0, valid JSON"; else not_ok "top --once --json: exit 0, valid JSON" "rc=$RC" "$OUT_TEXT"; fi
jh=$(carrel_line "$OUT_TEXT" "$H")
ji=$(carrel_line "$OUT_TEXT" "$I")
if [ -n "$jh" ] && [ -n "$ji" ] && [ "$(jtop "$jh" user)" = carreltest1 ] && [ "$(jtop "$ji" user)" = carreltest2 ]; then
	ok "top --json: both users' carrels listed with their users"
else
	not_ok "top --json: both users' carrels listed with their users" "$OUT_TEXT"
fi
ch=$(jtop "$jh" cpu_percent)
ci=$(jtop "$ji" cpu_percent)
# The config's cpu_max = 50%: the hog gets about half a CPU, the idle one ~0.
if [ -n "$ch" ] && [ -n "$ci" ] && [ "$ch" != null ] && gt "$ch" "$ci" && gt "$ch" 10; then
	ok "top --json: the hog's CPU % ($ch) is higher than the idle carrel's ($ci)"
else
	not_ok "top --json: the hog's CPU % is higher than the idle carrel's" "hog=$ch idle=$ci" "$jh" "$ji"
fi
bad=()
for l in "$jh" "$ji"; do
	m=$(jget "$l" memory current)
	p=$(jget "$l" pids current)
	[ -n "$m" ] && [ "$m" != null ] && [ "$m" -gt 0 ] || bad+=("memory.current '$m': $l")
	[ -n "$p" ] && [ "$p" != null ] && [ "$p" -ge 1 ] || bad+=("pids.current '$p': $l")
done
[ "$(jget "$jh" memory max)" = 67108864 ] || bad+=("memory max $(jget "$jh" memory max), the config says 64M")
[ "$(jget "$ji" pids max)" = 48 ] || bad+=("pids max $(jget "$ji" pids max), the config says 48 for carreltest2")
if [ ${#bad[@]} -eq 0 ]; then ok "top --json: memory > 0 and pids >= 1 in both, the users' limits"; else not_ok "top --json: memory > 0 and pids >= 1 in both, the users' limits" "${bad[@]}"; fi

# --- top --once: a table that fits 80 columns, sorted by CPU (the hog first)
run "$CTL" top --once -d 0.5
wide=$(awk 'length($0) > 80' <<<"$OUT_TEXT")
first=$(sed -n 2p <<<"$OUT_TEXT" | awk '{ print $1 }')
if [ "$RC" = 0 ] && [ -z "$wide" ] && [[ "$(head -n1 <<<"$OUT_TEXT")" == ID*USER*CPU%*MEM*HIGH*MAX*PIDS*IO*NET* ]]; then
	ok "top --once: a header and rows within 80 columns"
else
	not_ok "top --once: a header and rows within 80 columns" "rc=$RC" "$OUT_TEXT"
fi
check_eq "top --once: sorted by CPU, the hog first" "$H" "$first"
diag "top --once:"
while IFS= read -r l; do diag "$l"; done <<<"$OUT_TEXT"
run "$CTL" top --once -d 0.2 -s id
ids=$(awk 'NR > 1 { print $1 }' <<<"$OUT_TEXT" | tr '\n' ' ')
if [ "$H" -lt "$I" ]; then want="$H $I "; else want="$I $H "; fi
[[ " $ids" == *" $want"* ]] && ok "top -s id: in id order" || not_ok "top -s id: in id order" "$OUT_TEXT"

# --- a user who is not root sees only their own carrels
run as carreltest2 "$CTL" top --once --json -d 0.2
if [ "$RC" = 0 ] && [ -n "$(carrel_line "$OUT_TEXT" "$I")" ] && [ -z "$(carrel_line "$OUT_TEXT" "$H")" ]; then
	ok "top as carreltest2: their own carrel, not carreltest1's"
else
	not_ok "top as carreltest2: their own carrel, not carreltest1's" "rc=$RC" "$OUT_TEXT"
fi
run as carreltest2 "$CTL" metrics
if [ "$RC" = 0 ] && grep -q "session=\"$I\"" <<<"$OUT_TEXT" && ! grep -q "session=\"$H\"" <<<"$OUT_TEXT" &&
	! grep -q 'user="carreltest1"' <<<"$OUT_TEXT"; then
	ok "metrics as carreltest2: their own carrel only"
else
	not_ok "metrics as carreltest2: their own carrel only" "rc=$RC" "$OUT_TEXT"
fi

# --- metrics: the format, the figures, counters that do not go down
"$CTL" metrics >"$OUT/metrics1" 2>"$OUT/metrics1.err"
RC=$?
sleep 0.5
"$CTL" metrics >"$OUT/metrics2" 2>&1
if [ "$RC" = 0 ] && [ "$(tail -c1 "$OUT/metrics1" | od -An -c | tr -d ' ')" = '\n' ] &&
	cres=$(awk -f "$CHECKER" "$OUT/metrics1" 2>&1); then
	ok "metrics: passes the strict format checker"
else
	not_ok "metrics: passes the strict format checker" "rc=$RC $(cat "$OUT/metrics1.err")" "$cres" "$(head -n 40 "$OUT/metrics1")"
fi
diag "metrics:"
while IFS= read -r l; do diag "$l"; done <"$OUT/metrics1"
sample() { awk -v k="$2" 'index($0, k " ") == 1 || index($0, k "{") == 1' "$1" | grep -F "$3" | awk '{ print $NF }'; }
v=$(sample "$OUT/metrics1" carrel_cpu_seconds_total "session=\"$H\"")
m=$(sample "$OUT/metrics1" carrel_memory_bytes "session=\"$I\"")
n=$(sample "$OUT/metrics1" carrel_user_carrels 'user="carreltest2"')
lim=$(sample "$OUT/metrics1" carrel_user_pids_max 'user="carreltest2"')
if [ -n "$v" ] && gt "$v" 0 && [ -n "$m" ] && gt "$m" 0 && [ "$n" = 1 ] && [ "$lim" = 48 ] &&
	grep -q "^carrel_cpu_seconds_total{user=\"carreltest1\",uid=\"$(uid_of carreltest1)\",session=\"$H\"} " "$OUT/metrics1"; then
	ok "metrics: per carrel (user, uid, session labels) and per user figures"
else
	not_ok "metrics: per carrel and per user figures" "cpu=$v mem=$m carrels=$n pids_max=$lim" "$(cat "$OUT/metrics1")"
fi
down=$(awk '
	FNR == NR { if ($0 !~ /^#/ && $1 ~ /_total[{]/) first[$1] = $2; next }
	$0 !~ /^#/ && ($1 in first) && $2 + 0 < first[$1] + 0 { print $1 ": " first[$1] " then " $2 }
	$0 !~ /^#/ && ($1 in first) { seen++ }
	END { if (!seen) print "no counter in both reads" }' "$OUT/metrics1" "$OUT/metrics2")
if [ -z "$down" ]; then ok "metrics: no counter goes down between two reads"; else not_ok "metrics: no counter goes down between two reads" "$down"; fi
h1=$(sample "$OUT/metrics1" carrel_cpu_seconds_total "session=\"$H\"")
h2=$(sample "$OUT/metrics2" carrel_cpu_seconds_total "session=\"$H\"")
if [ -n "$h2" ] && gt "$h2" "$h1"; then ok "metrics: the hog's CPU seconds grow ($h1 then $h2)"; else not_ok "metrics: the hog's CPU seconds grow" "$h1 then $h2"; fi

# --- interactive: sort keys, and the terminal given back on q and on ^C
SOCK=$T_WORK/tmp/tmux-top.sock
t_on_exit "tmux -S '$SOCK' kill-server"
pane() { tmux -S "$SOCK" capture-pane -p -t "$1" 2>/dev/null; }
pane_has() { pane "$1" | grep -q -- "$2"; }
modes='echo modes=$(stty -a | tr " ;" "\n\n" | grep -xE -e "-?icanon" -e "-?echo" | tr "\n" " ")end'
for how in q C-c; do
	w=top-${how/-/}
	if [ "$how" = q ]; then
		tmux -S "$SOCK" -f /dev/null new-session -d -s "$w" -x 80 -y 24 "$CTL top -d 0.3; echo rc=\$?; $modes; sleep 60" </dev/null
		srv=$(tmux -S "$SOCK" display-message -p '#{pid}' 2>/dev/null)
		[ -n "$srv" ] && t_track_pid "$srv"
	else
		tmux -S "$SOCK" new-session -d -s "$w" -x 80 -y 24 "$CTL top -d 0.3; echo rc=\$?; $modes; sleep 60" </dev/null
	fi
	if ! wait_until 10 pane_has "$w" "^$H "; then
		not_ok "top in a terminal ($how): shows the carrels" "$(pane "$w")"
		continue
	fi
	if [ "$how" = q ]; then
		tmux -S "$SOCK" send-keys -t "$w" m
		if wait_until 5 pane_has "$w" "by mem"; then ok "top in a terminal: key m sorts by memory"; else not_ok "top in a terminal: key m sorts by memory" "$(pane "$w")"; fi
		tmux -S "$SOCK" send-keys -t "$w" q
	else
		tmux -S "$SOCK" send-keys -t "$w" C-c
	fi
	if wait_until 10 pane_has "$w" "modes=.*end" && pane_has "$w" "^rc=0" && pane_has "$w" "modes=icanon echo end"; then
		ok "top in a terminal: $how ends it (exit 0) and the terminal is back in canonical mode with echo"
	else
		not_ok "top in a terminal: $how ends it and gives the terminal back" "$(pane "$w")"
	fi
done

# --- end both carrels
run "$CTL" kill "$H"
assert_torn_down "kill $H" "$H" 2
wait_pid 5 "$H_SU"
run "$CTL" kill "$I"
assert_torn_down "kill $I" "$I" 2
wait_pid 5 "$I_SU"
t_finish
