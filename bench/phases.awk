# SPDX-License-Identifier: GPL-2.0-or-later
#
# phases.awk: cut an `strace -f -ttt -T -y` log of bench/driver sessions into
# the steps of carrel's open and close.  One output line per session:
#   session N step=ms step=ms ...
#
# strace prints "PID TIME CALL(ARGS) = RET <DURATION>", where TIME is the
# entry time; a call interrupted by another process's output is split into
# "CALL(ARGS <unfinished ...>" and "<... CALL resumed>...) = RET <DURATION>",
# whose TIME is the exit time.  Each call is taken here once, complete, with
# its start and end.
#
# The markers (see run.sh for the syscall set):
#   getpgid(1000000001)                 the driver child enters pam_open_session
#   clone by that child                 the module forks the helper
#   execve of carrel-helper             the helper starts
#   flock(LOCK_EX) by the helper        waiting for the global carrel lock
#   first cgroup mkdir by the helper    start of cgroup creation
#   clone by the helper                 the keeper is forked
#   clone3 by the keeper                the holder, with its namespaces
#   writes to uid_map/gid_map           user namespace maps
#   writes to .../session-N/cgroup.procs   attach holder and login process
#   write "g" by the keeper             holder may start its setup
#   write by the holder to its pipe     holder ready
#   recvmsg by the module               the keeper's reply arrived
#   getpgid(1000000002)                 open returned; close starts
#   exit_group of the driver child      close returned
#   exit_group of the keeper            teardown done (asynchronous)

function field_ret(text,    r) {
	# The return value: "= 1234" (possibly "= 3<...>").
	if (match(text, /\) += -?[0-9]+/)) {
		r = substr(text, RSTART, RLENGTH)
		sub(/^\) += /, "", r)
		return r + 0
	}
	return -1
}

function handle(pid, call, start, end, text,    dur, s) {
	dur = end - start
	if (call == "getpgid" && text ~ /getpgid\(1000000001[ )]/) {
		s = ++ns
		owner[pid] = s
		mod[s] = pid
		t0[s] = start
		return
	}
	if (!(pid in owner))
		return
	s = owner[pid]
	if (pid == mod[s]) {
		if (call == "clone" && !(s in tfork)) {
			tfork[s] = start
			hp = field_ret(text)
			if (hp > 0) { owner[hp] = s; helper[s] = hp }
		} else if (call == "recvmsg" && !(s in trecv)) {
			trecv[s] = end
		} else if (call == "getpgid" && text ~ /getpgid\(1000000002[ )]/) {
			tcm[s] = start
		} else if (call == "exit_group") {
			texit[s] = start
		}
		return
	}
	if (pid == helper[s]) {
		if (call == "execve" && text ~ /carrel-helper/)
			texec[s] = end
		else if (call == "flock" && text ~ /LOCK_EX/)
			lockwait[s] += dur
		else if (call == "mkdir" && text ~ /\/sys\/fs\/cgroup/ && !(s in tmk))
			tmk[s] = start
		else if (call == "clone" && !(s in tkf)) {
			tkf[s] = start
			kp = field_ret(text)
			if (kp > 0) { owner[kp] = s; keeper[s] = kp }
		}
		return
	}
	if (pid == keeper[s]) {
		if (call == "clone3" && !(s in tc3s)) {
			tc3s[s] = start
			tc3e[s] = end
			hd = field_ret(text)
			if (hd > 0) { owner[hd] = s; holder[s] = hd }
		} else if (call == "write" && text ~ /(uid|gid)_map>/) {
			tid1[s] = end
		} else if (call == "write" && text ~ /cgroup\.procs>/) {
			# Whose pid is written, and where to.
			who = text
			sub(/^.*cgroup\.procs>, "/, "", who)
			sub(/".*$/, "", who)
			if (text ~ /\/session-[0-9]+\/cgroup\.procs>/) {
				if (who == holder[s]) {
					if (!(s in tah0)) tah0[s] = start
					tah1[s] = end
					ahsum[s] += dur
				} else {
					if (!(s in tal0)) tal0[s] = start
					tal1[s] = end
					alsum[s] += dur
				}
				if (dur > atmax[s]) atmax[s] = dur
			} else if (s in tcm) {
				if (!(s in tmb0)) tmb0[s] = start
				tmb1[s] = end
			}
		} else if (call == "write" && text ~ /pipe:.*"g", 1[ )]/) {
			tgo[s] = end
		} else if (call == "sendmsg" && !(s in tsend)) {
			tsend[s] = start
		} else if (call == "rmdir" && (s in tcm)) {
			if (!(s in trm0)) trm0[s] = start
			trm1[s] = end
		} else if (call == "exit_group") {
			tkx[s] = start
		}
		return
	}
	if (pid == holder[s]) {
		if (call == "mount")
			mdur[s] += dur
		else if (call == "write" && text ~ /pipe:/ && !(s in tready))
			tready[s] = end
	}
}

{
	pid = $1
	ts = $2 + 0
	line = $0
	dur = 0
	if (match(line, /<[0-9]+\.[0-9]+>$/))
		dur = substr(line, RSTART + 1, RLENGTH - 2) + 0
	if (line ~ /<unfinished \.\.\.>$/) {
		pend[pid] = line
		pstart[pid] = ts
		next
	}
	if (line ~ /^[0-9]+ +[0-9.]+ <\.\.\. [a-z0-9_]+ resumed>/) {
		call = line
		sub(/^[0-9]+ +[0-9.]+ <\.\.\. /, "", call)
		sub(/ resumed>.*/, "", call)
		text = pend[pid] " " line
		start = (pid in pstart) ? pstart[pid] : ts - dur
		delete pend[pid]
		delete pstart[pid]
		handle(pid, call, start, ts, text)
		next
	}
	if (line ~ /^[0-9]+ +[0-9.]+ (---|\+\+\+)/)
		next
	call = $3
	sub(/\(.*/, "", call)
	handle(pid, call, ts, ts + dur, line)
}

function v(x) { return x * 1000 }
function out(name, x) { printf " %s=%.3f", name, x }

END {
	for (s = 1; s <= ns; s++) {
		if (!(s in tcm) || !(s in tfork) || !(s in tsend))
			continue
		printf "session %d", s
		# The critical path, boundary to boundary (they add up to open_total).
		b7 = (s in tid1) ? tid1[s] : tc3e[s]
		out("module", v(tfork[s] - t0[s]))
		out("exec", v(texec[s] - tfork[s]))
		out("helper", v(tmk[s] - texec[s]))
		out("cg_create", v(tkf[s] - tmk[s]))
		out("keeper_fork", v(tc3s[s] - tkf[s]))
		out("clone3", v(tc3e[s] - tc3s[s]))
		out("idmap", v(b7 - tc3e[s]))
		out("to_go", v(tgo[s] - b7))
		out("to_reply", v(tsend[s] - tgo[s]))
		out("reply", v(trecv[s] - tsend[s]))
		out("join", v(tcm[s] - trecv[s]))
		out("open_total", v(tcm[s] - t0[s]))
		# Details, overlapping the path.
		out("lock_wait", v(lockwait[s]))
		out("attach_holder", v(ahsum[s]))
		out("attach_login", v(alsum[s]))
		out("attach_max", v(atmax[s]))
		out("holder_setup", (s in tready) ? v(tready[s] - tgo[s]) : -1)
		out("holder_mounts", v(mdur[s]))
		# Close.
		out("close", v(texit[s] - tcm[s]))
		out("moveback", (s in tmb1) ? v(tmb1[s] - tmb0[s]) : -1)
		out("teardown", (s in tkx) ? v(tkx[s] - tcm[s]) : -1)
		out("rmdir", (s in trm1) ? v(trm1[s] - trm0[s]) : -1)
		printf "\n"
	}
}
