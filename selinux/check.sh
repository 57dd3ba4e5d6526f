#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# selinux/check.sh: build the carrel SELinux policy module and check it.
#
#   selinux/check.sh        (run from anywhere; "make check" runs it)
#
# TAP-ish output ("ok N - ...", "not ok N - ..."), exit 0 when every check
# passed, 1 when one failed, 77 when the reference policy development files
# are missing (Debian: apt-get install selinux-policy-dev).
#
# What it checks:
#   - carrel.pp builds (also with MCS_SESSIONS=y, in a copy);
#   - the package is a readable policy module package (converted to CIL with
#     the same converter semodule uses) that declares the domain, the entry
#     type, the runtime type and the transitions;
#   - the paths in carrel.fc are those "make install" installs and the
#     binaries use: the helper path (installed and compiled into
#     pam_carrel.so) and RUNDIR (compiled into the helper);
#   - when the distribution policy is installed (selinux-policy-default) and
#     setools is there: the module installs into a COPY of the policy store
#     (semodule -p TMP -n: never the system's own store, never loaded), every
#     login domain block is active, and with the whole policy's
#     file_contexts the helper path still gets carrel_helper_exec_t.
#     CARREL_SELINUX_FULL=0 skips this (it takes ~20 s).
#
# Installs nothing.  The "make install" check needs root (the top Makefile
# installs the helper with -o root); it is skipped otherwise.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
DEVEL_MAKEFILE=${DEVEL_MAKEFILE:-/usr/share/selinux/devel/Makefile}
PP2CIL=${PP2CIL:-/usr/libexec/selinux/hll/pp}
FULL=${CARREL_SELINUX_FULL:-1}

if [ ! -f "$DEVEL_MAKEFILE" ]; then
	echo "1..0 # SKIP $DEVEL_MAKEFILE missing: apt-get install selinux-policy-dev"
	exit 77
fi

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - # SKIP $*"; }
check() { # check DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
# Show a log on failure, indented as TAP diagnostics.
diag() { sed 's/^/# /' "$@" >&2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/carrel-selinux.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# A variable of the top Makefile, as make computes it (extra args: overrides).
makevar() {
	v=$1
	shift
	# shellcheck disable=SC2016 # $($*) is for make, not for the shell
	printf 'print-%%:\n\t@echo '"'"'$($*)'"'"'\n' > "$tmp/printvar.mk"
	make -s --no-print-directory -C "$top" -f Makefile -f "$tmp/printvar.mk" "$@" "print-$v"
}

# Does the module, as CIL, contain this text?
# shellcheck disable=SC2317 # called through check()
cil_has() { grep -qF -- "$1" "$tmp/carrel.cil"; }

# The type a path gets from a file_contexts file ("<<none>>" or empty if none).
fc_type() { # fc_type FILE_CONTEXTS MODE PATH
	matchpathcon -f "$1" -m "$2" "$3" 2>/dev/null | awk '{print $2}' | cut -d: -f3
}

######## build
start=$(date +%s)
if make -C "$here" > "$tmp/build.log" 2>&1; then
	ok "make -C selinux builds carrel.pp ($(($(date +%s) - start)) s)"
else
	not_ok "make -C selinux builds carrel.pp"
	diag "$tmp/build.log"
	echo "Bail out! the module does not build"
	exit 1
fi
check "carrel.pp exists and is not empty" test -s "$here/carrel.pp"

# The build option, in a copy (carrel.pp here stays the default build).
v="$tmp/variant"
mkdir -p "$v"
cp "$here/carrel.te" "$here/carrel.if" "$here/carrel.fc" "$here/Makefile" "$v/"
if make -C "$v" MCS_SESSIONS=y > "$tmp/variant.log" 2>&1 && test -s "$v/carrel.pp"; then
	ok "builds with MCS_SESSIONS=y"
else
	not_ok "builds with MCS_SESSIONS=y"
	diag "$tmp/variant.log"
fi

######## the package
if [ -x "$PP2CIL" ]; then
	if "$PP2CIL" "$here/carrel.pp" > "$tmp/carrel.cil" 2> "$tmp/pp.log" && [ -s "$tmp/carrel.cil" ]; then
		ok "carrel.pp is a readable module package (converted to CIL)"
		for t in carrel_helper_t carrel_helper_exec_t carrel_user_t carrel_user_exec_t carrel_runtime_t; do
			check "declares $t" cil_has "(type $t)"
		done
		check "carrel_helper_exec_t is the entry point of carrel_helper_t" \
			cil_has "(allow carrel_helper_t carrel_helper_exec_t (file (entrypoint)))"
		check "carrel_user_exec_t is the entry point of carrel_user_t" \
			cil_has "(allow carrel_user_t carrel_user_exec_t (file (entrypoint)))"
		for d in user_t staff_t sysadm_t unconfined_t; do
			check "$d transitions to carrel_user_t (in an optional block)" \
				cil_has "(typetransition $d carrel_user_exec_t process carrel_user_t)"
		done
		check "/run/carrel is created as carrel_runtime_t" \
			cil_has '(typetransition carrel_helper_t var_run_t dir "carrel" carrel_runtime_t)'
		for d in sshd_t local_login_t crond_t user_su_t staff_su_t sysadm_su_t unconfined_t; do
			check "$d transitions to carrel_helper_t (in an optional block)" \
				cil_has "(typetransition $d carrel_helper_exec_t process carrel_helper_t)"
		done
	else
		not_ok "carrel.pp is a readable module package"
		diag "$tmp/pp.log"
	fi
else
	skip "$PP2CIL missing (policycoreutils): package contents not checked"
fi

# The file contexts as packaged (not as written): what semodule will install.
if command -v semodule_unpackage > /dev/null 2>&1; then
	if semodule_unpackage "$here/carrel.pp" "$tmp/carrel.mod" "$tmp/carrel.fc" 2> "$tmp/unpack.log"; then
		ok "file contexts unpack from carrel.pp"
	else
		not_ok "file contexts unpack from carrel.pp"
		diag "$tmp/unpack.log"
		grep -v '^[[:space:]]*#' "$here/carrel.fc" | sed 's/gen_context(\([^,]*\),s0)/\1:s0/' > "$tmp/carrel.fc"
	fi
else
	skip "semodule_unpackage missing (semodule-utils): using carrel.fc as written"
	grep -v '^[[:space:]]*#' "$here/carrel.fc" | sed 's/gen_context(\([^,]*\),s0)/\1:s0/' > "$tmp/carrel.fc"
fi

######## paths: carrel.fc against the top Makefile and what it installs
if ! command -v matchpathcon > /dev/null 2>&1; then
	skip "matchpathcon missing (selinux-utils): paths not checked"
else
	rundir=$(makevar RUNDIR PREFIX=/usr/local)
	for p in /usr/local /usr; do
		hp=$(makevar HELPER_PATH PREFIX=$p)
		t=$(fc_type "$tmp/carrel.fc" file "$hp")
		check "PREFIX=$p: helper $hp is carrel_helper_exec_t in carrel.fc (got ${t:-nothing})" \
			test "$t" = carrel_helper_exec_t
		up=$(makevar USER_PATH PREFIX=$p)
		t=$(fc_type "$tmp/carrel.fc" file "$up")
		check "PREFIX=$p: $up is carrel_user_exec_t in carrel.fc (got ${t:-nothing})" \
			test "$t" = carrel_user_exec_t
	done
	t=$(fc_type "$tmp/carrel.fc" dir "$rundir")
	check "RUNDIR $rundir is carrel_runtime_t in carrel.fc (got ${t:-nothing})" test "$t" = carrel_runtime_t
	for f in lock seq sessions sessions/1; do
		m="file"
		[ "$f" = sessions ] && m="dir"
		t=$(fc_type "$tmp/carrel.fc" $m "$rundir/$f")
		check "$rundir/$f is carrel_runtime_t in carrel.fc (got ${t:-nothing})" test "$t" = carrel_runtime_t
	done

	if [ "$(id -u)" -ne 0 ]; then
		skip "make install needs root (install -o root): installed paths not checked"
	elif make -C "$top" install DESTDIR="$tmp/root" PREFIX=/usr/local > "$tmp/install.log" 2>&1; then
		ok "make install DESTDIR=TMP PREFIX=/usr/local"
		found=$(cd "$tmp/root" && find . -name carrel-helper -type f -not -path "*/apparmor.d/*" | sed 's/^\.//')
		check "make install installs exactly one carrel-helper (${found:-none})" \
			test -n "$found" -a "$(echo "$found" | wc -l)" -eq 1
		if [ -n "$found" ]; then
			t=$(fc_type "$tmp/carrel.fc" file "$found")
			check "installed helper $found is carrel_helper_exec_t in carrel.fc (got ${t:-nothing})" \
				test "$t" = carrel_helper_exec_t
			pam=$(cd "$tmp/root" && find . -name pam_carrel.so -type f | head -n1)
			check "installed pam_carrel.so executes $found (compiled-in path)" \
				grep -qaF "$found" "$tmp/root/$pam"
			check "installed helper uses RUNDIR $rundir (compiled-in path)" \
				grep -qaF "$rundir/sessions" "$tmp/root$found"
			check "installed helper is 0755, not set-user-ID (got $(stat -c %a "$tmp/root$found"))" \
				test "$(stat -c %a "$tmp/root$found")" = 755
		fi
		found=$(cd "$tmp/root" && find . -name carrel-user -type f | sed 's/^\.//')
		check "make install installs exactly one carrel-user (${found:-none})" \
			test -n "$found" -a "$(echo "$found" | wc -l)" -eq 1
		if [ -n "$found" ]; then
			t=$(fc_type "$tmp/carrel.fc" file "$found")
			check "installed $found is carrel_user_exec_t in carrel.fc (got ${t:-nothing})" \
				test "$t" = carrel_user_exec_t
			check "installed $found is 4755, the only set-user-ID file (got $(stat -c %a "$tmp/root$found"))" \
				test "$(stat -c %a "$tmp/root$found")" = 4755 -a \
				"$(cd "$tmp/root" && find . -perm -4000 -type f | sed 's/^\.//')" = "$found"
		fi
	else
		not_ok "make install DESTDIR=TMP PREFIX=/usr/local"
		diag "$tmp/install.log"
	fi
fi

######## against the installed distribution policy (optional)
name=$(awk -F= '/^SELINUXTYPE=/{print $2}' /etc/selinux/config 2> /dev/null)
name=${name:-default}
store=/var/lib/selinux/$name
if [ "$FULL" = 0 ]; then
	skip "CARREL_SELINUX_FULL=0: not installed into a copy of the policy store"
elif [ ! -d "$store/active" ] || [ ! -d "/etc/selinux/$name" ]; then
	skip "no $name policy store (selinux-policy-$name not installed): not checked against the distribution policy"
elif ! command -v semodule > /dev/null 2>&1 || ! command -v sesearch > /dev/null 2>&1; then
	skip "semodule or sesearch (setools) missing: not checked against the distribution policy"
elif [ "$(id -u)" -ne 0 ]; then
	skip "copying the policy store needs root"
else
	root="$tmp/store"
	mkdir -p "$root/var/lib/selinux" "$root/etc/selinux"
	cp -a "$store" "$root/var/lib/selinux/"
	cp -a "/etc/selinux/$name" "$root/etc/selinux/"
	[ -f /etc/selinux/semanage.conf ] && cp /etc/selinux/semanage.conf "$root/etc/selinux/"
	sum_before=$(cat "/etc/selinux/$name/policy/"policy.* "$store/active/commit_num" 2> /dev/null | cksum)
	start=$(date +%s)
	if semodule -p "$root" -s "$name" -n -i "$here/carrel.pp" > "$tmp/semodule.log" 2>&1; then
		ok "installs into a copy of the $name policy store ($(($(date +%s) - start)) s)"
		for pol in "$root/etc/selinux/$name/policy/"policy.*; do :; done # the last one
		check "semodule -l lists carrel" sh -c "semodule -p '$root' -s '$name' -l | grep -qx 'carrel'"
		# One run of each setools query: each loads the whole policy.
		sesearch -T -t carrel_helper_exec_t -c process "$pol" > "$tmp/trans" 2>&1
		seinfo -t "$pol" > "$tmp/types" 2>&1
		sesearch -A -t carrel_helper_t "$pol" > "$tmp/allow" 2>&1
		sesearch -A -s carrel_helper_t -t cgroup_t -c file -p write "$pol" > "$tmp/cg" 2>&1
		for d in sshd_t local_login_t crond_t user_su_t staff_su_t sysadm_su_t unconfined_t; do
			if grep -q "type_transition $d carrel_helper_exec_t:process carrel_helper_t" "$tmp/trans"; then
				ok "$d -> carrel_helper_t is active in the $name policy"
			elif grep -qw "$d" "$tmp/types"; then
				not_ok "$d -> carrel_helper_t is active in the $name policy"
			else
				skip "$d is not in the $name policy"
			fi
		done
		check "carrel_helper_t may write cgroup files" grep -q allow "$tmp/cg"
		check "sshd_t may receive the holder pidfd (fd use)" \
			grep -q "allow sshd_t carrel_helper_t:fd use" "$tmp/allow"
		check "sysadm_t (carrelctl) may connect to keeper sockets" \
			grep -q "allow sysadm_t carrel_helper_t:unix_stream_socket connectto" "$tmp/allow"
		fcs="$root/etc/selinux/$name/contexts/files/file_contexts"
		for p in /usr/local /usr; do
			hp=$(makevar HELPER_PATH PREFIX=$p)
			t=$(fc_type "$fcs" file "$hp")
			check "with the whole $name policy, $hp is carrel_helper_exec_t (got ${t:-nothing})" \
				test "$t" = carrel_helper_exec_t
		done
		t=$(fc_type "$fcs" dir "$rundir")
		check "with the whole $name policy, $rundir is carrel_runtime_t (got ${t:-nothing})" \
			test "$t" = carrel_runtime_t
	else
		not_ok "installs into a copy of the $name policy store"
		diag "$tmp/semodule.log"
	fi
	sum_after=$(cat "/etc/selinux/$name/policy/"policy.* "$store/active/commit_num" 2> /dev/null | cksum)
	check "the system's own policy store is untouched" test "$sum_before" = "$sum_after"
fi

echo "1..$n"
exit $failed
