#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The set-user-ID program, carrel-user, against a hostile caller who is not
# root (issues 3.4 and 11.1): argc 0; a hostile environment (LD_PRELOAD,
# LD_AUDIT, LD_LIBRARY_PATH, GCONV_PATH, TMPDIR, PATH with an evil id
# first); fds 0, 1, 2 closed; fds 3..20 open; signals (SIGSTOP, SIGCONT,
# SIGKILL) at random moments of `enter`; operations it does not have;
# invalid and forged session ids for `enter` and `status`; another user's
# session; a state file that is a symlink or not root's.  And carrel-helper,
# which is not set-user-ID: `open` as non-root; invalid user names for
# `open` (as root, through helper_call: refused at the "arguments" step).
# After each case: no state file, cgroup or process more than before, and
# the carrel the attacks aim at is intact.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

# shellcheck source=t9x-lib.sh
. "$T_SHARE/t9x-lib.sh"   # run.sh stages it
t9x_setup "t-92-hostile" || t_finish

OUT=$T_WORK/out
H=$T_USER_BIN        # set-user-ID: enter, status
HH=$T_HELPER         # root only: open, check-config
HC=$T9X/helper_call
# helper_call (tests/hostile/helper_call.c) calls the helper as the module
# does; run.sh installs it when `make check` has built it.
if [ ! -x "$HC" ]; then
	not_ok "t-92: helper_call is installed" "$T_SHARE/helper_call is missing (make tests/hostile/helper_call): its cases do not run"
fi
AID=$T9X/t9x-aid
U1=carreltest1
U2=carreltest2

# The target: a carrel of carreltest1's, held by `su -` (its shell sleeps:
# no process comes or goes while the attacks run).
tok=$(new_token x92target)
run_bg "$OUT/$tok" su - "$U1" -c "echo session=\$CARREL_SESSION; echo end=$tok; exec sleep 600"
SU_PID=$BG_PID
if ! wait_probe 30 "$OUT/$tok" "$tok"; then
	not_ok "target carrel: su - $U1 opens one" "$(dump "$OUT/$tok")" "syslog: $(syslog_tail 8)"
	t_finish
fi
ID=$(pv "$OUT/$tok" session)
STATE=$SESSIONS_DIR/$ID
HOLDER=$(state_field "$ID" holder)
KEEPER=$(state_field "$ID" keeper)
STATE_SUM=$(md5sum <"$STATE")
ok "target carrel: $U1's session $ID (keeper $KEEPER, holder $HOLDER)"
t9x_save_state "$ID"
# Its namespaces, as a command entered into it sees them.
# shellcheck disable=SC2016 # expanded inside
ns_inside() { as "$U1" "$H" enter "$ID" bash -c 'n=; for f in mnt pid ipc uts net cgroup user; do n+="$(readlink /proc/self/ns/$f) "; done; echo "${n% }"' 2>&1; }
NS0=$(ns_inside)
# Its cgroups: the command joined the carrel's own (the keeper opened them;
# in the carrel's cgroup namespace each of them is "/").  A command left in
# the caller's cgroups would see paths outside the namespace's root.
# shellcheck disable=SC2016 # expanded inside
cg_in=$(as "$U1" "$H" enter "$ID" cat /proc/self/cgroup 2>&1)
if [ -n "$cg_in" ] && ! grep -qv ':/$' <<<"$cg_in"; then
	ok "enter: the command is in the carrel's cgroups ($(wc -l <<<"$cg_in") hierarchies, each at the namespace's root)"
else
	not_ok "enter: the command is in the carrel's cgroups" "$cg_in"
fi
# The reference snapshot waits (bounded) until the processes ns_inside
# entered are gone: a snapshot that still holds them never matches again.
entered_gone() {
	local p
	for p in $(t9x_user_procs); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -e ' enter ' -e '/proc/self/ns/' && return 1
	done
	return 0
}
wait_until 5 entered_gone
SNAP=$(t9x_snapshot)

# intact NAME: the target carrel is as it was, and nothing is left over.
intact() {
	local name=$1 bad=()
	pid_alive "$HOLDER" || bad+=("holder $HOLDER is gone")
	pid_alive "$KEEPER" || bad+=("keeper $KEEPER is gone")
	pid_alive "$SU_PID" || bad+=("su $SU_PID is gone")
	[ "$(md5sum <"$STATE" 2>/dev/null)" = "$STATE_SUM" ] || bad+=("state file changed: $(cat "$STATE" 2>&1)")
	local ns
	ns=$(ns_inside)
	[ "$ns" = "$NS0" ] || bad+=("enter now gives: $ns" "before: $NS0")
	if [ ${#bad[@]} -eq 0 ]; then ok "$name: the target carrel is intact"; else not_ok "$name: the target carrel is intact" "${bad[@]}"; fi
	t9x_assert_nothing_left "$name" "$SNAP" 5
}

# markers: what the preload library and the evil programs left, one a line.
markers() { ls -A "$T9X_MARK" 2>/dev/null; }
clear_markers() { find "$T9X_MARK" -mindepth 1 -delete 2>/dev/null; }

# ------------------------------------------------ argc 0
t9x_phase "argc 0"
for who in "$U1" root; do
	[ -x "$HC" ] || break
	if [ "$who" = root ]; then out=$("$HC" --argc0 "$H" 2>&1); else out=$(as "$who" "$HC" --argc0 "$H" 2>&1); fi
	if [[ $out == *"no reply"* && $out == *"exit=2"* ]]; then
		ok "argc 0 (helper_call --argc0, as $who): usage error (exit 2), no reply, no crash"
	else
		not_ok "argc 0 (helper_call --argc0, as $who): usage error (exit 2), no reply, no crash" "$out"
	fi
done
# argc 0 with an environment that reads as an enter command line if the
# helper ever looked past argv (the pkexec bug), and a preload library.
clear_markers
mark=$OUT/x92-argc0-ran
as "$U1" "$AID" argc0 "$H" enter "$ID" /usr/bin/touch "$mark" "LD_PRELOAD=$T9X/t9x-preload.so" >"$OUT/x92-argc0" 2>&1
rc=$?
if [ "$rc" = 2 ] && [ ! -e "$mark" ] && [ -z "$(markers)" ]; then
	ok "argc 0, the environment shaped like 'enter ID touch FILE': usage error (exit 2), nothing run, nothing loaded"
else
	not_ok "argc 0, the environment shaped like 'enter ID touch FILE': usage error, nothing run, nothing loaded" "rc=$rc" "$(cat "$OUT/x92-argc0")" "$(ls -l "$mark" 2>&1)" "markers: $(markers)"
fi
intact "argc 0"

# ------------------------------------------------ a hostile environment
t9x_phase "hostile environment"
EVIL=$OUT/x92-evil
rm -rf "$EVIL"
mkdir -p "$EVIL/lib" "$EVIL/bin" "$EVIL/gconv" "$EVIL/tmp"
# Libraries the helper links, and a gconv module, all of them the marker library.
for l in libcap.so.2 libseccomp.so.2 libconfuse.so.2; do cp "$T9X/t9x-preload.so" "$EVIL/lib/$l"; done
cp "$T9X/t9x-preload.so" "$EVIL/gconv/EVIL.so"
printf '%s\n' 'module INTERNAL EVIL// EVIL 1' 'module EVIL// INTERNAL EVIL 1' 'alias UTF-8// EVIL//' >"$EVIL/gconv/gconv-modules"
# Evil programs first in PATH: each leaves evil.NAME.EUID.
for p in id sh bash true mount ip unshare nsenter cat ls; do
	# shellcheck disable=SC2016 # expanded by the evil program
	printf '#!/bin/sh\n: >"%s/evil.%s.$(/usr/bin/id -u)"\nexit 0\n' "$T9X_MARK" "$p" >"$EVIL/bin/$p"
	chmod 0755 "$EVIL/bin/$p"
done
chown -R "$U1" "$EVIL/tmp"
chmod -R a+rX "$EVIL"
hostile=(env -i "LD_PRELOAD=$T9X/t9x-preload.so" "LD_AUDIT=$T9X/t9x-preload.so" "LD_LIBRARY_PATH=$EVIL/lib"
	"GCONV_PATH=$EVIL/gconv" "CHARSET=EVIL" "LANG=C.UTF-8" "LC_ALL=C.UTF-8" "TMPDIR=$EVIL/tmp"
	"PATH=$EVIL/bin:/usr/bin:/bin" "IFS=/" "ENV=$EVIL/bin/sh" "BASH_ENV=$EVIL/bin/sh" "SHELL=$EVIL/bin/sh" "HOME=$EVIL")
# Control: the same environment does load the library into an ordinary program.
clear_markers
as "$U1" "${hostile[@]}" /usr/bin/printf '' >/dev/null 2>&1
if markers | grep -q "^loaded\.[0-9]*\.$(id -u "$U1")\.printf$"; then
	ok "hostile environment: control: an ordinary program run with it loads the marker library"
else
	not_ok "hostile environment: control: an ordinary program run with it loads the marker library" "markers: $(markers)"
fi
clear_markers
status_out=$(as "$U1" "${hostile[@]}" "$H" status 2>&1)
status_rc=$?
enter_out=$(as "$U1" "${hostile[@]}" "$H" enter "$ID" "$AID" argc 2>&1)
enter_rc=$?
open_out=$(as "$U1" "${hostile[@]}" "$H" open "$U1" sshd-carrel-test - - "$T_CONF" 2>&1)
open_rc=$?
none_out=$(as "$U1" "${hostile[@]}" "$H" 2>&1)
none_rc=$?
if [ "$status_rc" = 0 ] && grep -q "^carrel-state $ID " <<<"$status_out"; then
	ok "hostile environment: status works as usual (prints session $ID's record)"
else
	not_ok "hostile environment: status works as usual" "rc=$status_rc" "$status_out"
fi
check_eq "hostile environment: enter runs the command" "0 argc=2 argv0=$AID" "$enter_rc $enter_out"
if [ "$open_rc" = 2 ] && [ "$none_rc" = 2 ]; then
	ok "hostile environment: open is not carrel-user's (usage, exit 2), no arguments: usage (exit 2)"
else
	not_ok "hostile environment: open is not carrel-user's, no arguments: usage (exit 2)" "open: rc=$open_rc $open_out" "none: rc=$none_rc $none_out"
fi
root_markers=$(markers | grep -E '^loaded\.[0-9]+\.0\.|^evil\..*\.0$|carrel')
if [ -z "$root_markers" ]; then
	ok "hostile environment: nothing it names ran or was loaded as root or by carrel-user ($(markers | paste -sd' ' | sed 's/^$/no marker at all/'))"
else
	not_ok "hostile environment: nothing it names ran or was loaded as root or by carrel-user" "$root_markers"
fi
if [ -z "$(markers)" ]; then
	ok "hostile environment: the preload library reached no process (glibc drops LD_*, GCONV_PATH, TMPDIR for setuid programs)"
else
	not_ok "hostile environment: the preload library reached no process" "$(markers)"
fi
# A command name is looked up in the caller's PATH only as the caller: the
# evil id runs, as the user, and nothing else does.
clear_markers
as "$U1" "${hostile[@]}" "$H" enter "$ID" id >/dev/null 2>&1
check_eq "hostile environment: enter ID id: the PATH's evil id runs as the user, nothing as root" \
	"evil.id.$(id -u "$U1")" "$(markers | paste -sd' ')"
if [ -z "$(ls -A "$EVIL/tmp")" ]; then ok "hostile environment: nothing written to TMPDIR"; else not_ok "hostile environment: nothing written to TMPDIR" "$(ls -la "$EVIL/tmp")"; fi
clear_markers
intact "hostile environment"

# ------------------------------------------------ fds 0, 1, 2 closed
t9x_phase "fds 0, 1, 2 closed"
f=$OUT/x92-closed-fds
rm -f "$f"
# The entered command writes to its stdout and stderr, then records where its
# fds 0, 1, 2 point.
fds_script=$T9X/x92-fds.sh
cat >"$fds_script" <<'EOF'
#!/bin/bash
echo LEAK-OUT
echo LEAK-ERR >&2
o0=$(readlink /proc/$$/fd/0)
o1=$(readlink /proc/$$/fd/1)
o2=$(readlink /proc/$$/fd/2)
printf '0 %s|1 %s|2 %s\n' "$o0" "$o1" "$o2" >"$1"
EOF
chmod 0755 "$fds_script"
# shellcheck disable=SC2016 # positional parameters of that bash
as "$U1" bash -c 'exec "$0" enter "$1" bash "$2" "$3" <&- >&- 2>&-' "$H" "$ID" "$fds_script" "$f"
rc=$?
# glibc reopens closed fds 0-2 of a setuid program before main (/dev/full
# write-only for 0, /dev/null read-only for 1 and 2); either way nothing the
# helper opens may become one of them.
got=$(cat "$f" 2>&1)
if [ "$rc" = 0 ] && [[ $got =~ ^0\ /dev/(null|full)\|1\ /dev/(null|full)\|2\ /dev/(null|full)$ ]]; then
	ok "fds 0-2 closed: enter still runs the command (exit 0); its fds 0, 1, 2 are /dev/null or /dev/full ($got)"
else
	not_ok "fds 0-2 closed: enter still runs the command (exit 0); its fds 0, 1, 2 are /dev/null or /dev/full" "rc=$rc" "$got"
fi
# shellcheck disable=SC2046 # one path a word
leaks=$(grep -l LEAK "$STATE" "$SESSIONS_DIR"/* $(awk -F= '$1 == "cgroup" { print substr($0, 8) "/cgroup.procs" }' "$STATE") 2>/dev/null)
if [ -z "$leaks" ]; then ok "fds 0-2 closed: the command's output landed in no file the helper opened"; else not_ok "fds 0-2 closed: the command's output landed in no file the helper opened" "$leaks"; fi
# status prints to stdout, which glibc reopened read-only: 1 (output not
# written) is as right as 0; a signal or a usage error is not.
for op in status "enter 999999"; do
	as "$U1" bash -c "exec \"$H\" $op <&- >&- 2>&-"
	rc=$?
	case $op:$rc in
	status:[01] | enter*:1) ok "fds 0-2 closed: $op exits normally (exit $rc)" ;;
	*) not_ok "fds 0-2 closed: $op exits normally" "exit status $rc" ;;
	esac
done
if [ "$(md5sum <"$STATE")" = "$STATE_SUM" ] && ! grep -q -e carrel-user -e usage -e "no session" "$T_CONF"; then
	ok "fds 0-2 closed: the state file and the config are untouched"
else
	not_ok "fds 0-2 closed: the state file and the config are untouched" "$(cat "$STATE")"
fi
intact "fds 0-2 closed"

# ------------------------------------------------ fds 3..20 open
t9x_phase "fds 3..20 open"
f=$OUT/x92-odd-fds
: >"$f"
chmod 0666 "$f"
out=$(as "$U1" bash -c "for fd in {3..20}; do eval \"exec \$fd>>$f\"; done; exec \"$H\" enter $ID \"$AID\" fds" 2>&1)
rc=$?
check_eq "fds 3..20 open: none reaches enter's command" "0 fds 0 1 2" "$rc $out"
out=$(as "$U1" bash -c "for fd in {3..20}; do eval \"exec \$fd>>$f\"; done; exec \"$H\" status" 2>&1)
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$f" ]; then ok "fds 3..20 open: status works; nothing is written to them"; else not_ok "fds 3..20 open: status works; nothing is written to them" "rc=$rc $out" "$(cat "$f")"; fi
intact "fds 3..20 open"

# ------------------------------------------------ signals during enter
t9x_phase "signals during enter"
bad=()
exec 4>&2 2>>"$OUT/x92-signals.log" # bash reports each killed job on stderr
for i in $(seq 1 24); do
	# setpriv execs the helper: $! is the helper itself.
	setpriv --reuid="$U1" --regid="$U1" --init-groups --reset-env -- "$H" enter "$ID" "$AID" argc >/dev/null 2>&1 &
	p=$!
	sleep "0.00$((RANDOM % 10))"
	case $((i % 4)) in
	0) kill -KILL "$p" 2>/dev/null ;;
	1) kill -STOP "$p" 2>/dev/null; sleep "0.0$((RANDOM % 5))"; kill -CONT "$p" 2>/dev/null ;;
	2) kill -STOP "$p" 2>/dev/null; sleep "0.0$((RANDOM % 5))"; kill -KILL "$p" 2>/dev/null ;;
	3)
		# While one enter is stopped, another one still gets through.
		kill -STOP "$p" 2>/dev/null
		out=$(timeout 10 setpriv --reuid="$U1" --regid="$U1" --init-groups --reset-env -- "$H" enter "$ID" "$AID" argc 2>&1) ||
			bad+=("round $i: a second enter beside a stopped one: $out")
		kill -CONT "$p" 2>/dev/null
		;;
	esac
	if ! wait_pid 10 "$p"; then
		bad+=("round $i: enter (pid $p) still running 10 s later")
	fi
done
exec 2>&4 4>&-
if [ ${#bad[@]} -eq 0 ]; then ok "signals: 24 enters stopped, continued or killed at random moments; all ended, a stopped one blocks no other"; else not_ok "signals: every enter ended, a stopped one blocks no other" "${bad[@]}"; fi
intact "signals during enter"

# ------------------------------------------------ open as non-root
t9x_phase "open as non-root"
check_eq "the set-user-ID surface: carrel-user is 4755 root, carrel-helper 755 root" \
	"4755 root $H 755 root $HH" "$(stat -c '%a %U %n' "$H" "$HH" | paste -sd' ')"
for op in open check-config keeper holder; do
	out=$(as "$U1" "$H" "$op" "$U1" sshd-carrel-test - - "$T_CONF" 2>&1)
	rc=$?
	check_eq "carrel-user $op: not one of its operations (usage, exit 2)" 2 "$rc"
done
out=$(as "$U1" "$HH" open "$U1" sshd-carrel-test - - "$T_CONF" 2>&1)
rc=$?
if [ "$rc" != 0 ] && [[ ${out,,} == *"permission denied"* ]]; then ok "open as $U1: refused (exit $rc: $out)"; else not_ok "open as $U1: refused" "rc=$rc $out"; fi
if [ -x "$HC" ]; then
	out=$(as "$U1" "$HC" "$HH" carrel-helper open "$U1" sshd-carrel-test - - "$T_CONF" 2>&1)
	if [[ $out == *"no reply"* && $out != *"exit=0"* ]]; then ok "open as $U1 with the module's socket on fd 3 (helper_call): refused, no reply"; else not_ok "open as $U1 with the module's socket on fd 3 (helper_call): refused" "$out"; fi
fi
intact "open as non-root"

# ------------------------------------------------ open: invalid user names (as root)
t9x_phase "open: invalid user names"
if [ -x "$HC" ]; then
	# Control: a valid name gets past the argument checks.  (helper_call sends
	# no policy, as the module does after the arguments, so the helper stops at
	# the next step, "policy", after its timeout; or, with a helper that reads
	# no policy, opens a carrel that ends with helper_call, its login process.)
	out=$("$HC" "$HH" carrel-helper open "$U2" sshd-carrel-test - - "$T_CONF" 2>&1)
	if [[ $out == *"reply err="* && $out != *"step=arguments"* ]]; then
		ok "open, control: a valid user name passes the argument checks (${out%%$'\n'*})"
	else
		not_ok "open, control: a valid user name passes the argument checks" "$out"
	fi
	wait_until 5 t9x_same_as "$SNAP"
	long=$(printf 'a%.0s' $(seq 300))
	for name in "carrel/test1" ".." "../$U1" "$U1/.." $'carreltest1\nroot' "$long" "" "-$U1"; do
		shown=${name//$'\n'/\\n}
		[ ${#shown} -gt 40 ] && shown="${#name} bytes"
		out=$("$HC" "$HH" carrel-helper open "$name" sshd-carrel-test - - "$T_CONF" 2>&1)
		if [[ $out == *"err=-22 step=arguments "* ]]; then
			ok "open, user name '$shown': refused at step arguments"
		else
			not_ok "open, user name '$shown': refused at step arguments" "$out"
		fi
	done
fi
intact "open: invalid user names"

# ------------------------------------------------ enter: invalid ids, another user's session
t9x_phase "enter: invalid ids"
for bad_id in "../x" "1;id" "-1" "123456789012345678901234567890" "" "$ID/../$ID" " $ID" "${ID}x"; do
	mark=$OUT/x92-entered
	rm -f "$mark"
	out=$(as "$U1" "$H" enter "$bad_id" /usr/bin/touch "$mark" 2>&1)
	rc=$?
	if [ "$rc" != 0 ] && [ ! -e "$mark" ]; then
		ok "enter '$bad_id': refused (exit $rc), nothing run"
	else
		not_ok "enter '$bad_id': refused, nothing run" "rc=$rc $out"
	fi
done
mark=$OUT/x92-entered
rm -f "$mark"
out=$(as "$U2" "$H" enter "$ID" /usr/bin/touch "$mark" 2>&1)
rc=$?
if [ "$rc" != 0 ] && [ ! -e "$mark" ]; then ok "enter $U1's session as $U2: refused (exit $rc), nothing run"; else not_ok "enter $U1's session as $U2: refused, nothing run" "rc=$rc $out"; fi
out=$(as "$U2" "$H" status 2>&1)
if ! grep -q "^carrel-state $ID " <<<"$out" && ! grep -q "uid=$(id -u "$U1")" <<<"$out"; then ok "status as $U2: $U1's session is not printed"; else not_ok "status as $U2: $U1's session is not printed" "$out"; fi
out=$(as "$U2" "$H" status "$ID" 2>&1)
rc=$?
if [ "$rc" = 1 ] && [[ $out != *"uid="* ]]; then ok "status $ID as $U2: refused (exit 1), nothing of it shown"; else not_ok "status $ID as $U2: refused, nothing of it shown" "rc=$rc $out"; fi
for bad_id in "../$ID" "$ID/../$ID" "1;id" "-1" " $ID" "123456789012345678901234567890"; do
	out=$(as "$U1" "$H" status "$bad_id" 2>&1)
	rc=$?
	if [ "$rc" = 2 ] && [[ $out != *"carrel-state"* ]]; then ok "status '$bad_id': usage error (exit 2), no record"; else not_ok "status '$bad_id': usage error (exit 2), no record" "rc=$rc $out"; fi
done
intact "enter: invalid ids"

# ------------------------------------------------ state files carrel-user must not take
t9x_phase "forged state files"
# A state file that is a symlink (to a root-owned file naming U1), and one
# that U1 owns: carrel-user reads neither, as root or otherwise.
FORGED=$OUT/x92-forged
for fid in 999990 999991; do
	sed -e "s/^id=.*/id=$fid/" -e "s/^holder=.*/holder=1/" -e "s|/session-$ID\$|/session-$fid|" "$STATE" >"$FORGED.$fid"
done
chown root "$FORGED.999990"
chown "$U1" "$FORGED.999991"
ln -s "$FORGED.999990" "$SESSIONS_DIR/999990"
cp -p "$FORGED.999991" "$SESSIONS_DIR/999991"
for fid in 999990 999991; do
	what=$([ "$fid" = 999990 ] && echo "a symlink" || echo "owned by $U1")
	out=$(as "$U1" "$H" status "$fid" 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && [[ $out != *"carrel-state"* ]]; then ok "status, a state file $what: not read (exit 1)"; else not_ok "status, a state file $what: not read" "rc=$rc $out"; fi
	out=$(as "$U1" "$H" status 2>&1)
	if ! grep -q "^carrel-state $fid " <<<"$out"; then ok "status (all), a state file $what: not listed"; else not_ok "status (all), a state file $what: not listed" "$out"; fi
	out=$(as "$U1" "$H" enter "$fid" /usr/bin/id 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && [[ $out != *"uid="* ]]; then ok "enter, a state file $what: refused (exit 1)"; else not_ok "enter, a state file $what: refused" "rc=$rc $out"; fi
done
rm -f "$SESSIONS_DIR/999990" "$SESSIONS_DIR/999991" "$FORGED".*
intact "forged state files"

# ------------------------------------------------ what enter takes from the caller
t9x_phase "the caller's umask, the session's own name"
# The caller's umask is the command's: carrel-user sets its own (022) for
# itself only.  Effect: a file the command creates gets the caller's mode.
for m in 077 027; do
	# shellcheck disable=SC2016 # expanded by those shells
	out=$(as "$U1" bash -c 'umask "$2"; exec "$0" enter "$1" sh -c '\''f=/tmp/x92-umask.$$; rm -f "$f"; : >"$f"; echo "$(umask) $(stat -c %a "$f")"; rm -f "$f"'\''' "$H" "$ID" "$m" 2>&1)
	want="0$m $(printf '%o' $((0666 & ~8#$m)))"
	check_eq "enter, the caller's umask $m: the command has it, and creates files with it" "$want" "$out"
done
# Two names for one uid (an alias listed first in passwd, in a group of its
# own): enter takes the identity of the session's user by name, never the
# first name getpwuid() finds; the alias's groups and shell are not hers.
uid1=$(id -u "$U1") gid1=$(id -g "$U1")
ALIAS=x92alias
if getent passwd "$ALIAS" >/dev/null || getent group 61090 >/dev/null; then
	skip "enter, a uid alias listed first" "$ALIAS or gid 61090 exists already"
else
	cp -p /etc/passwd "$OUT/x92-passwd" && cp -p /etc/group "$OUT/x92-group"
	t_on_exit "cat '$OUT/x92-passwd' >/etc/passwd; cat '$OUT/x92-group' >/etc/group"
	{ echo "$ALIAS:x:$uid1:$gid1:uid alias:/nonexistent:/bin/false"; cat "$OUT/x92-passwd"; } >/etc/passwd
	echo "$ALIAS:x:61090:$ALIAS" >>/etc/group
	if [ "$(getent passwd "$uid1" | cut -d: -f1)" = "$ALIAS" ]; then
		ok "enter, a uid alias: control: getpwuid($uid1) now finds $ALIAS"
	else
		not_ok "enter, a uid alias: control: getpwuid($uid1) now finds $ALIAS" "$(getent passwd "$uid1")"
	fi
	# The groups as the host sees them (inside a user namespace an unmapped
	# group reads as the overflow gid): an entered sleep of a length no
	# other process has, found by its command line, ended by its pid.
	as "$U1" "$H" enter "$ID" sleep 609.2 </dev/null >/dev/null 2>&1 &
	enter_pid=$!
	t_track_pid "$enter_pid"
	sleeper() {
		local f
		for f in /proc/[0-9]*/cmdline; do
			[ "$(tr '\0' ' ' <"$f" 2>/dev/null)" = "sleep 609.2 " ] && { f=${f#/proc/}; echo "${f%/cmdline}"; return 0; }
		done
		return 1
	}
	wait_until 10 sleeper >/dev/null
	sp=$(sleeper)
	got=$([ -n "$sp" ] && awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$sp/status" | xargs -n1 | sort -n | paste -sd' ')
	[ -n "$sp" ] && kill -KILL "$sp"
	wait_pid 10 "$enter_pid"
	want=$(id -G "$U1" | xargs -n1 | sort -n | paste -sd' ')
	check_eq "enter, a uid alias listed first: the command has $U1's groups (host view), not $ALIAS's" "$want" "$got"
	out=$(as "$U1" "$H" enter "$ID" </dev/null 2>&1)
	rc=$?
	check_eq "enter without a command, a uid alias listed first: $U1's shell runs, not $ALIAS's /bin/false" "0" "$rc"
	cat "$OUT/x92-passwd" >/etc/passwd
	cat "$OUT/x92-group" >/etc/group
fi
intact "the caller's umask, the session's own name"

# ------------------------------------------------ carrelctl enter: a leftover that floods the pty
t9x_phase "carrelctl enter: a leftover that floods the pty; root's terminal"
# The entered command exits and leaves a process that writes without end to
# the pty carrelctl relays: carrelctl returns anyway (what is left to relay
# is bounded), and its closing the pty ends the writer.  (--foreground: in a
# background process group carrelctl would stop at its tcsetattr.)
CTL=${T_CARRELCTL:-/usr/local/sbin/carrelctl}
if command -v script >/dev/null 2>&1; then
	res=$OUT/x92-flood.rc
	rm -f "$res"
	script -q -e -c "timeout --foreground -s KILL 30 $CTL enter $ID sh -c 'trap \"\" HUP; (yes x92-flood &); exit 0'; echo \$? >$res" /dev/null </dev/null >/dev/null 2>&1
	check_eq "carrelctl enter, a leftover flooding the pty: carrelctl returns with the command's status (137: it was killed at the 30 s bound)" "0" "$(cat "$res" 2>&1)"
	# The other way: a command that sets its pty raw and reads nothing, while
	# root's terminal brings a megabyte (a paste): carrelctl never blocks
	# writing it, and returns when the command ends.
	rm -f "$res"
	head -c 1000000 /dev/zero | script -q -e -c "timeout --foreground -s KILL 30 $CTL enter $ID sh -c 'stty raw; sleep 2; exit 5'; echo \$? >$res" /dev/null >/dev/null 2>&1
	check_eq "carrelctl enter, a command that reads none of a pasted megabyte: carrelctl returns with its status (137: blocked, killed at the 30 s bound)" "5" "$(cat "$res" 2>&1)"
else
	skip "carrelctl enter, a leftover flooding the pty" "no script(1)"
fi
# Root running carrel-user enter on its own terminal: the user's command
# would keep it (read what root types next, TIOCSTI into it): refused,
# nothing run.  carrelctl enter (a pty of its own) and root without a
# terminal still enter.
if command -v script >/dev/null 2>&1; then
	mark=$OUT/x92-root-tty
	rm -f "$mark" "$res"
	script -q -c "$H enter $ID /usr/bin/touch $mark; echo \$? >$res" /dev/null </dev/null >"$OUT/x92-root-tty.out" 2>&1
	if [ "$(cat "$res" 2>&1)" = 1 ] && [ ! -e "$mark" ] && grep -q "root's terminal" "$OUT/x92-root-tty.out"; then
		ok "carrel-user enter as root on root's terminal: refused (exit 1), nothing run"
	else
		not_ok "carrel-user enter as root on root's terminal: refused, nothing run" "exit: $(cat "$res" 2>&1)" "$(ls -l "$mark" 2>&1)" "$(tr -d '\r' <"$OUT/x92-root-tty.out")"
	fi
	out=$(script -q -e -c "$CTL enter $ID tty" /dev/null </dev/null 2>&1 | tr -d '\r')
	if grep -q '^/dev/pts/' <<<"$out"; then ok "carrelctl enter on a terminal: still enters (the command's pty: $out)"; else not_ok "carrelctl enter on a terminal: still enters" "$out"; fi
fi
out=$("$H" enter "$ID" /usr/bin/id -un </dev/null 2>&1)
check_eq "carrel-user enter as root without a terminal: still enters" "$U1" "$out"
intact "carrelctl enter: a leftover that floods the pty; root's terminal"

# ------------------------------------------------ the end of the target
t9x_phase "end"
kill -TERM "$SU_PID" 2>/dev/null
wait_pid 10 "$SU_PID"
assert_torn_down "target carrel: after su ends" "$ID" 5
t_finish
