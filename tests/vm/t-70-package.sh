#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Debian package, as a site installs it: the .deb that `make deb` built
# on the host (run.sh puts it, and the same package with a higher version,
# in /mnt/out/deb) is installed with apt; `pam-auth-update --enable carrel`
# puts carrel into the common-* stacks, and then ssh (key, the system's own
# sshd), su -, login and a cron job of alice each run in a carrel while
# root's logins stay outside.  Upgrade with a session open: the running
# keeper lives on, the new carrelctl lists and ends the old carrel, new
# logins work.  `pam-auth-update --disable carrel`, `apt remove` and `apt
# purge` each leave every login working (root and alice) and nothing of
# carrel behind: no PAM line naming pam_carrel, no /run/carrel, no file of
# the package (conffiles stay after remove, by Debian's rules).
#
# The suite's own `make install` (/usr/local, the PAM module in the system's
# directory) is taken out first and put back at the end, with the PAM files
# of setup.sh, so that the two installs never mix.
. /root/carrel/tests/vm/guest/sitelib.sh

W=/root/vmtest/t70
DEBS=/mnt/out/deb
U=alice
CRON_DIR_U=/home/$U/p70-cron
CRON_DIR_R=/root/vmtest/p70-cron
rm -rf "$W"
mkdir -p "$W"

if [ -e "$DEBS/FAILED" ] || ! ls "$DEBS"/carrel_*.deb >/dev/null 2>&1; then
	not_ok "make deb on the host built the package" "$(cat "$DEBS/FAILED" 2>/dev/null || echo "no $DEBS/carrel_*.deb")"
	t_finish
fi
OLD=$(cat "$DEBS/old")
NEW=$(cat "$DEBS/new")
# apt reads local .debs as its _apt user: a copy it can read.
install -d -m 755 /var/tmp/p70
cp "$DEBS/$OLD" "$DEBS/$NEW" /var/tmp/p70/
chmod 644 /var/tmp/p70/*.deb
t_on_exit "rm -rf /var/tmp/p70"
V_OLD=$(dpkg-deb -f "/var/tmp/p70/$OLD" Version)
V_NEW=$(dpkg-deb -f "/var/tmp/p70/$NEW" Version)
diag "packages: $OLD ($V_OLD), $NEW ($V_NEW)"

apt_do() { # LOG ARGS...: apt-get, offline, bounded
	local log=$1
	shift
	DEBIAN_FRONTEND=noninteractive timeout 300 apt-get -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "$@" >"$log" 2>&1
}

# --- the suite's own install out, its PAM files aside -----------------------
restore() {
	# What the other tests expect: make install, setup.sh's PAM files.
	dpkg -s carrel >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get -y -q purge carrel >"$W/restore-purge.log" 2>&1
	make -C /root/carrel install >"$W/restore-install.log" 2>&1
	for f in sshd-carrel-test systemd-user; do
		[ -e "$W/pam.$f" ] && cp -p "$W/pam.$f" "/etc/pam.d/$f"
	done
	[ -e "$W/root-authorized_keys" ] && cp -p "$W/root-authorized_keys" /root/.ssh/authorized_keys
	crontab -r -u "$U" 2>/dev/null
	if [ -e "$W/root-crontab" ]; then crontab -u root "$W/root-crontab"; else crontab -r -u root 2>/dev/null; fi
	systemctl stop cron.service
	rm -rf "$CRON_DIR_U" "$CRON_DIR_R"
}
t_on_exit restore
for f in sshd-carrel-test systemd-user; do
	[ -e "/etc/pam.d/$f" ] && mv "/etc/pam.d/$f" "$W/pam.$f"
done
if make -C /root/carrel uninstall >"$W/uninstall.log" 2>&1 && [ ! -e /usr/local/sbin/carrelctl ] &&
	[ -z "$(pam_carrel_lines)" ]; then
	ok "the suite's make install is out (no carrelctl in /usr/local, no PAM line naming pam_carrel)"
else
	not_ok "the suite's make install is out" "$(tail -n 5 "$W/uninstall.log")" "$(pam_carrel_lines)"
fi

# root's ssh logins with the users' test key; root's and alice's cron jobs.
cp -p /root/.ssh/authorized_keys "$W/root-authorized_keys"
cat /root/vmtest/id_user.pub >>/root/.ssh/authorized_keys
crontab -l -u root >"$W/root-crontab" 2>/dev/null || rm -f "$W/root-crontab"
install -d -m 700 -o "$U" -g "$U" "$CRON_DIR_U"
install -d -m 700 "$CRON_DIR_R"
echo "* * * * * bash $V/hold.sh cron 0 >$CRON_DIR_U/\$(date +\%s).out 2>&1" | crontab -u "$U" -
echo "* * * * * bash $V/hold.sh cron 0 >$CRON_DIR_R/\$(date +\%s).out 2>&1" | crontab -u root -
systemctl start cron.service

# cron_mark: now.  expect_cron NAME USER DIR MARK carrel|plain: a job of USER
# started after MARK ran (cron starts one a minute: 150 s at most), in a
# carrel or not.  A job is judged by when it started (its file is named by
# the job's own `date +%s`), never by when it last wrote: a job that cron
# began under the previous PAM stack still writes after MARK.  Its session
# opened a moment before that date was taken, so a job counts only from
# MARK + 2 on (whole seconds on both sides).
cron_mark() { date +%s; }
cron_after() {
	local f t best=
	for f in "$1"/*.out; do
		[ -e "$f" ] || continue
		t=$(basename "$f" .out)
		case $t in '' | *[!0-9]*) continue ;; esac
		[ "$t" -ge $(($2 + 2)) ] && grep -q '^ready=cron' "$f" && best=$f
	done
	echo "$best"
}
expect_cron() {
	local name=$1 user=$2 dir=$3 mark=$4 want=$5 f id net
	slow_until 150 eval '[ -n "$(cron_after "$dir" "$mark")" ]'
	f=$(cron_after "$dir" "$mark")
	if [ -z "$f" ]; then
		not_ok "$name: a cron job of $user runs" "$(ls -l "$dir")" "$(journalctl -q --no-pager -u cron -n 5 2>&1)"
		return 1
	fi
	id=$(kv "$f" carrel)
	net=$(kv "$f" net)
	if [ "$want" = carrel ]; then
		if [ -n "$id" ] && [ "$net" != "$HOST_NET" ]; then ok "$name: a cron job of $user runs, in a carrel ($id)"; else not_ok "$name: a cron job of $user runs, in a carrel" "$(cat "$f")"; fi
	else
		if [ -z "$id" ] && [ "$net" = "$HOST_NET" ]; then ok "$name: a cron job of $user runs, not in a carrel"; else not_ok "$name: a cron job of $user runs, not in a carrel" "$(cat "$f")"; fi
	fi
}

# every_login NAME WANT: ssh, su and login of alice (WANT: carrel|plain) and
# of root (never in a carrel: exempt), and the cron jobs of both.
every_login() {
	local name=$1 want=$2 mark
	mark=$(cron_mark)
	for kind in ssh su login; do
		expect_login "$name" "$kind" "$U" "$want"
		expect_login "$name" "$kind" root plain
	done
	expect_cron "$name" "$U" "$CRON_DIR_U" "$mark" "$want"
	expect_cron "$name" root "$CRON_DIR_R" "$mark" plain
}
no_carrel_open() { [ -z "$(ls -A "$SESSIONS_DIR" 2>/dev/null)" ]; }
# nothing_left NAME [purge]: no PAM line naming pam_carrel, no /run/carrel,
# no process of carrel-helper, no file of the package (but the conffiles,
# unless purged).
nothing_left() {
	local name=$1 purged=${2:-} f bad=()
	[ -z "$(pam_carrel_lines)" ] || bad+=("PAM lines: $(pam_carrel_lines)")
	[ ! -e /run/carrel ] || bad+=("/run/carrel: $(find /run/carrel | head -n 10 | tr '\n' ' ')")
	[ -z "$(pgrep -f carrel-helper)" ] || bad+=("processes: $(pgrep -af carrel-helper)")
	while read -r f; do
		[ -n "$f" ] && [ ! -d "$f" ] || continue
		if [ -z "$purged" ] && grep -qxF "$f" "$W/conffiles"; then continue; fi
		[ -e "$f" ] && bad+=("file of the package: $f")
	done <"$W/files"
	if [ -n "$purged" ]; then
		[ ! -e /var/lib/carrel ] || bad+=("/var/lib/carrel")
		! getent group carrel-breakglass >/dev/null || bad+=("the group carrel-breakglass")
		[ -z "$(dpkg-query -W -f='${Status}' carrel 2>/dev/null | grep -v 'not-installed')" ] ||
			bad+=("dpkg: $(dpkg-query -W -f='${Status}' carrel 2>&1)")
	fi
	if [ ${#bad[@]} -eq 0 ]; then ok "$name: nothing of carrel left${purged:+ (conffiles too)}"; else not_ok "$name: nothing of carrel left" "${bad[@]}"; fi
}

# --- 1. install, enable ---------------------------------------------------
if apt_do "$W/install.log" install "/var/tmp/p70/$OLD" && [ "$(dpkg-query -W -f='${Version}' carrel)" = "$V_OLD" ]; then
	ok "apt install of $OLD (offline, its dependencies already on the host)"
else
	not_ok "apt install of $OLD" "$(tail -n 15 "$W/install.log")"
	t_finish
fi
dpkg -L carrel | sort >"$W/files"
dpkg-query -W -f='${Conffiles}\n' carrel | awk 'NF { print $1 }' >"$W/conffiles"
diag "package files: $(grep -cv '^/\.$' "$W/files") paths; conffiles: $(tr '\n' ' ' <"$W/conffiles")"
PAMDIR=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/security
bad=()
for f in "$PAMDIR/pam_carrel.so" /usr/libexec/carrel/carrel-helper /usr/sbin/carrelctl /etc/security/carrel.conf \
	/usr/share/pam-configs/carrel; do
	grep -qxF "$f" "$W/files" || bad+=("$f is not in the package")
done
[ -z "$(pam_carrel_lines)" ] || bad+=("a PAM line before --enable: $(pam_carrel_lines)")
getent group carrel-breakglass >/dev/null || bad+=("no break-glass group carrel-breakglass")
if [ ${#bad[@]} -eq 0 ]; then ok "the package has the module, helper, carrelctl, conffile and profile; no PAM line before --enable"; else not_ok "the package's files" "${bad[@]}"; fi

pam-auth-update --enable carrel >"$W/enable.log" 2>&1
bad=()
for f in common-auth common-session common-session-noninteractive; do
	grep -qE '^[^#]*pam_carrel\.so' "/etc/pam.d/$f" || bad+=("no pam_carrel line in /etc/pam.d/$f")
done
if [ ${#bad[@]} -eq 0 ]; then
	ok "pam-auth-update --enable carrel: pam_carrel in common-auth, common-session, common-session-noninteractive"
else
	not_ok "pam-auth-update --enable carrel" "${bad[@]}" "$(cat "$W/enable.log")"
fi
diag "PAM lines: $(pam_carrel_lines | tr '\n' ';')"
every_login "enabled" carrel
if slow_until 30 no_carrel_open; then ok "enabled: every carrel closed after its login"; else not_ok "enabled: every carrel closed after its login" "$(ls "$SESSIONS_DIR")"; fi

# --- 2. upgrade with a carrel open -------------------------------------------
name="upgrade"
if SSH_PORT=22 USSH_PORT=22 open_session "$U"; then
	ok "$name: a session of $U is open (carrel $S_ID)"
	keeper=$(state_field "$S_ID" keeper)
	if apt_do "$W/upgrade.log" install "/var/tmp/p70/$NEW" && [ "$(dpkg-query -W -f='${Version}' carrel)" = "$V_NEW" ]; then
		ok "$name: apt install of $NEW over $V_OLD with the session open"
	else
		not_ok "$name: apt install of $NEW over $V_OLD" "$(tail -n 15 "$W/upgrade.log")"
	fi
	check_eq "$name: pam_carrel still in common-session" 1 "$(grep -cE '^[^#]*pam_carrel\.so' /etc/pam.d/common-session)"
	if [ -n "$keeper" ] && pid_alive "$keeper" && pid_alive "$S_PID" && [ -e "$SESSIONS_DIR/$S_ID" ]; then
		ok "$name: the old keeper ($keeper) and the session live on"
	else
		not_ok "$name: the old keeper and the session live on" "keeper=$keeper session pid=$S_PID" "$(ls -la "$SESSIONS_DIR" 2>&1)"
	fi
	carrelctl list >"$W/list.out" 2>&1
	if awk -v id="$S_ID" 'NR > 1 && $1 == id { f = 1 } END { exit !f }' "$W/list.out"; then ok "$name: the new carrelctl lists the old carrel"; else not_ok "$name: the new carrelctl lists the old carrel" "$(cat "$W/list.out")"; fi
	carrelctl kill "$S_ID" >"$W/kill.out" 2>&1
	krc=$?
	sess_gone() { pid_gone "$S_PID" && [ ! -e "$SESSIONS_DIR/$S_ID" ] && pid_gone "$keeper"; }
	if [ "$krc" = 0 ] && slow_until 30 sess_gone; then
		ok "$name: the new carrelctl ends the old carrel (session, keeper, state file gone)"
	else
		not_ok "$name: the new carrelctl ends the old carrel" "exit status $krc: $(cat "$W/kill.out")" \
			"session pid $S_PID alive: $(pid_alive "$S_PID" && echo yes); keeper $keeper alive: $(pid_alive "$keeper" && echo yes)" \
			"$(ls -la "$SESSIONS_DIR" 2>&1)"
	fi
	wait_pid 30 "$S_SSH"
else
	not_ok "$name: a session of $U is open" "$(session_failure)"
	apt_do "$W/upgrade.log" install "/var/tmp/p70/$NEW"
fi
expect_login "$name" ssh "$U" carrel
expect_login "$name" su "$U" carrel

# --- 3. pam-auth-update --disable --------------------------------------------
name="disabled"
pam-auth-update --disable carrel >"$W/disable.log" 2>&1
if [ -z "$(pam_carrel_lines)" ]; then ok "$name: no PAM line names pam_carrel"; else not_ok "$name: no PAM line names pam_carrel" "$(pam_carrel_lines)"; fi
every_login "$name" plain
pam-auth-update --enable carrel >>"$W/disable.log" 2>&1
expect_login "enabled again" ssh "$U" carrel
# remove leaves /run/carrel to a carrel still open: remove when none is,
# just after alice's cron job of this minute (a carrel too) is over.
mark=$(cron_mark)
slow_until 150 eval '[ -n "$(cron_after "$CRON_DIR_U" "$mark")" ]'
slow_until 30 no_carrel_open

# --- 4. apt remove, 5. apt purge ----------------------------------------------
name="removed"
if apt_do "$W/remove.log" remove carrel; then ok "$name: apt remove carrel"; else not_ok "$name: apt remove carrel" "$(tail -n 15 "$W/remove.log")"; fi
nothing_left "$name"
for f in $(cat "$W/conffiles"); do
	[ -e "$f" ] || not_ok "$name: the conffile $f stays after remove"
done
every_login "$name" plain

name="purged"
if apt_do "$W/purge.log" purge carrel; then ok "$name: apt purge carrel"; else not_ok "$name: apt purge carrel" "$(tail -n 15 "$W/purge.log")"; fi
nothing_left "$name" purge
left=$(grep -rlw carrel /var/lib/pam 2>/dev/null | tr '\n' ' ')
diag "$name: /var/lib/pam files naming carrel: ${left:-none}"
every_login "$name" plain

t_finish
