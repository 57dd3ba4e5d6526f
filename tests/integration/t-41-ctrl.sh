#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The seed's other controllers on the host (cgroup v1), by their effect in
# real ssh sessions:
#   1. devices: a character node with major 195 (NVIDIA's), made by this
#      test: carreltest1's group allows it (the open reaches the absent
#      driver: ENXIO), carreltest2's does not (the cgroup refuses: EPERM);
#      /dev/null still works for both;
#   2. cpuset_cpus = "0": a CPU-bound loop never runs on CPU 1 (the
#      processor field of /proc/PID/stat, read over time);
#   3. io_max wbps=4M: direct writes to a loop device (on a file in the
#      test's tmp, detached after) run at 3-5 MiB/s (the rate is reported).
# The configuration is switched by rewriting $T_CONF and restored on exit;
# the nodes and the loop device are removed on exit.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

OUT=$T_WORK/out
T41=$T_WORK/t41
NODE=/dev/carrel-t41-gpu0
install -d -m 0755 "$T41"
cp -p "$T_CONF" "$T41/good.conf"
t_on_exit "cp -p '$T41/good.conf' '$T_CONF'"
pv_has() { [ -n "$(pv "$1" session)" ]; }
conf() { { cat "$T41/good.conf"; printf '%s\n' '# t-41-ctrl' "$@"; } >"$T_CONF"; }

[ -e "$NODE" ] && { skip "ctrl: $NODE exists already (not this test's)"; t_finish; }
mknod -m 0666 "$NODE" c 195 0 || { not_ok "ctrl: mknod $NODE c 195 0"; t_finish; }
t_on_exit "rm -f '$NODE'"

# A file-backed loop device for the I/O test.
dd if=/dev/zero of="$T41/disk" bs=1M count=64 status=none
LOOP=$(losetup --find --show "$T41/disk" 2>/dev/null)
if [ -n "$LOOP" ]; then
	t_on_exit "chown root:disk '$LOOP' 2>/dev/null; losetup -d '$LOOP'"
	chown carreltest1 "$LOOP"
fi

conf 'limits {' "    devices_deny = {\"/dev/carrel-t41-gpu* rwm\"}" '}' \
	'group "carreltest1" {' '    limits {' "        devices_allow = {\"$NODE rw\"}" '        cpuset_cpus = "0"' \
	${LOOP:+"        io_max = {\"$LOOP wbps=4M\"}"} '    }' '}'
# check-config resolves the same rules before any login.
if out=$(/usr/local/libexec/carrel/carrel-helper check-config "$T_CONF" --user carreltest1 2>&1) &&
	[[ "$out" == *'devices_allow = {"/dev/carrel-t41-gpu0 rw"}'* ]]; then
	ok "ctrl: check-config accepts the config"
else
	not_ok "ctrl: check-config accepts the config" "$out"
fi

# ---- 1. devices
declare -a res
probe='for f in /dev/carrel-t41-gpu0 /dev/null; do if exec 3<>"$f"; then echo "open $f ok"; exec 3>&-; fi; done 2>&1; echo end=done'
for u in carreltest1 carreltest2; do
	tok=$(new_token "t41-$u")
	run_bg "$OUT/$tok" timeout 60 ssh -F "$T_SSH_CONFIG" "$u@carrel-test" "$probe"
	wait_pid 60 "$BG_PID"
	res[${u#carreltest}]=$(tr -d '\r' <"$OUT/$tok")
done
if [[ "${res[1]}" == *"No such device or address"* && "${res[1]}" == *"open /dev/null ok"* ]]; then
	ok "ctrl: devices: carreltest1's group allows 195:0 (ENXIO from the absent driver), /dev/null works"
else
	not_ok "ctrl: devices: carreltest1's group allows 195:0 (ENXIO)" "${res[1]}" "syslog: $(syslog_tail)"
fi
if [[ "${res[2]}" == *"Operation not permitted"* && "${res[2]}" == *"open /dev/null ok"* ]]; then
	ok "ctrl: devices: carreltest2 is denied 195:0 (EPERM), /dev/null works"
else
	not_ok "ctrl: devices: carreltest2 is denied 195:0 (EPERM)" "${res[2]}" "syslog: $(syslog_tail)"
fi

# ---- 2. cpuset_cpus = "0"
if [ "$(nproc --all)" -lt 2 ]; then
	skip "ctrl: cpuset: a loop never runs on CPU 1" "one CPU here"
else
	spin='sh -c "while :; do :; done" & p=$!; grep Cpus_allowed_list /proc/self/status; for i in $(seq 40); do echo cpu=$(awk "{print \$39}" /proc/$p/stat); sleep 0.05; done; kill $p; echo end=done'
	tok=$(new_token t41-cpuset)
	run_bg "$OUT/$tok" timeout 60 ssh -F "$T_SSH_CONFIG" carreltest1@carrel-test "$spin"
	wait_pid 60 "$BG_PID"
	cpus=$(pv_all "$OUT/$tok" cpu | sort | uniq -c | tr '\n' ' ')
	n=$(pv_all "$OUT/$tok" cpu | wc -l)
	if [ "$n" -ge 20 ] && ! pv_all "$OUT/$tok" cpu | grep -qvx 0; then
		ok "ctrl: cpuset: a CPU-bound loop under cpuset_cpus = \"0\" ran only on CPU 0 ($n samples)"
	else
		not_ok "ctrl: cpuset: a CPU-bound loop never runs on CPU 1" "samples (count cpu): $cpus" "$(dump "$OUT/$tok")"
	fi
fi

# ---- 3. io_max wbps=4M on a loop device
if [ -z "$LOOP" ]; then
	skip "ctrl: io_max: direct writes at 3-5 MiB/s" "no loop device (losetup failed)"
else
	io="echo session=\$CARREL_SESSION; dd if=/dev/zero of=$LOOP bs=1M count=16 oflag=direct 2>&1 | tail -n 1; echo end=done"
	tok=$(new_token t41-io)
	t0=$EPOCHREALTIME
	run_bg "$OUT/$tok" timeout 90 ssh -F "$T_SSH_CONFIG" carreltest1@carrel-test "$io"
	wait_pid 90 "$BG_PID"
	line=$(tr -d '\r' <"$OUT/$tok" | grep 'bytes' | head -n 1)
	# dd: "16777216 bytes (17 MB, 16 MiB) copied, 3.9 s, 4.3 MB/s"
	secs=$(sed -n 's/.*copied, \([0-9.]*\) s,.*/\1/p' <<<"$line")
	rate=$(awk -v s="$secs" 'BEGIN { if (s > 0) printf "%.2f", 16 / s; else print "" }')
	diag "ctrl: io_max wbps=4M: $line (${rate:-?} MiB/s)"
	if [ -n "$rate" ] && awk -v r="$rate" 'BEGIN { exit !(r >= 3 && r <= 5) }'; then
		ok "ctrl: io_max wbps=4M: direct writes to $LOOP ran at $rate MiB/s (3-5)"
	else
		not_ok "ctrl: io_max wbps=4M: direct writes run at 3-5 MiB/s" "rate=${rate:-?}" "$(dump "$OUT/$tok")" "syslog: $(syslog_tail)"
	fi
	# Accounting at close: the keeper's close line counts the bytes written.
	sid=$(pv "$OUT/$tok" session)
	closed() { grep -a "close session=$sid " "$T_SYSLOG" | grep -q io_write_bytes=; }
	if [ -n "$sid" ] && wait_until 20 closed; then
		line=$(grep -a "close session=$sid " "$T_SYSLOG" | tail -n 1)
		wb=$(sed -n 's/.* io_write_bytes=\([0-9]*\).*/\1/p' <<<"$line")
		if [ "${wb:-0}" -ge 16777216 ]; then
			ok "ctrl: the close line counts the 16 MiB written (io_write_bytes=$wb)"
		else
			not_ok "ctrl: the close line counts the 16 MiB written" "$line"
		fi
	else
		not_ok "ctrl: a close line with io_write_bytes for session ${sid:-?}" "$(syslog_tail)"
	fi
fi

# ---- 4. carrelctl limits: a live change to a running carrel of carreltest2
CTL=${T_CARRELCTL:-/usr/local/sbin/carrelctl}
tok=$(new_token t41-live)
run_bg "$OUT/$tok" timeout 90 ssh -F "$T_SSH_CONFIG" carreltest2@carrel-test 'echo session=$CARREL_SESSION; sleep 60'
hold=$BG_PID
if wait_until 30 pv_has "$OUT/$tok"; then
	sid=$(pv "$OUT/$tok" session)
	out=$("$CTL" limits carreltest2 --devices-allow "$NODE rw" 2>&1)
	check_eq "ctrl: carrelctl limits carreltest2 --devices-allow \"$NODE rw\" succeeds" "" "$out"
	out=$("$CTL" enter "$sid" sh -c '(exec 3<>/dev/carrel-t41-gpu0) 2>&1; echo entered' 2>&1)
	if [[ "$out" == *"No such device or address"* ]]; then
		ok "ctrl: after the live change carreltest2's running carrel opens 195:0 (ENXIO)"
	else
		not_ok "ctrl: after the live change carreltest2's running carrel opens 195:0 (ENXIO)" "$out"
	fi
	out=$("$CTL" limits carreltest2 2>&1)
	if grep -qF "devices_allow = {\"$NODE rw\"}" <<<"$out" && grep -qF 'devices_deny = {"/dev/carrel-t41-gpu* rwm"}' <<<"$out"; then
		ok "ctrl: carrelctl limits shows the live device rules (carrel's record)"
	else
		not_ok "ctrl: carrelctl limits shows the live device rules" "$out"
	fi
else
	not_ok "ctrl: carreltest2's held session comes up" "$(dump "$OUT/$tok")"
fi
kill "$hold" 2>/dev/null
wait_pid 30 "$hold"

wait_until 30 no_sessions || not_ok "ctrl: every session ended" "$(ls "$SESSIONS_DIR")"
t_finish
