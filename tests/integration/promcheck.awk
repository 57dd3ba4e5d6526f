# SPDX-License-Identifier: GPL-2.0-or-later
#
# A strict checker of the Prometheus text exposition format (0.0.4), for
# carrelctl metrics: awk -f promcheck.awk FILE.  Prints one line per
# problem (LINE: what) and exits 1 if there is any, else 0.
#
# Checked: every line is a HELP, a TYPE or a sample (no blank lines, no
# other comments); metric and label names are valid; a family has at most
# one HELP and one TYPE, both before its samples, and its samples are
# contiguous; TYPE is one of the five; a counter's name ends in _total;
# label values use only the escapes \\ \" \n; no label name twice in a
# sample; no series twice; the value is a float, +Inf, -Inf or NaN; an
# optional timestamp is an integer; there is a sample.  (awk cannot see a
# missing last newline: the caller checks that.)

function bad(msg) {
	printf "%d: %s: %s\n", NR, msg, $0
	errors++
}

function name_ok(n) { return n ~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ }

function value_ok(v) {
	return v ~ /^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/ || v ~ /^[-+]?Inf$/ || v == "NaN"
}

# The family a sample belongs to is its name (this checker accepts no
# histogram or summary suffixes: carrel writes neither).
function family_of(n) { return n }

# Parse the label set at the start of S ("{...}"); sets LABEL_END to the
# index after "}", and CANON to a canonical form; 0 on a syntax error.
function parse_labels(s,    i, c, name, val, seen, n, esc) {
	i = 2
	CANON = ""
	split("", seen)
	if (substr(s, i, 1) == "}") { LABEL_END = i + 1; return 1 }
	for (;;) {
		name = ""
		while (substr(s, i, 1) ~ /[a-zA-Z0-9_]/) { name = name substr(s, i, 1); i++ }
		if (name !~ /^[a-zA-Z_][a-zA-Z0-9_]*$/) { bad("bad label name \"" name "\""); return 0 }
		if (name ~ /^__/) { bad("reserved label name " name); return 0 }
		if (name in seen) { bad("label " name " twice"); return 0 }
		seen[name] = 1
		if (substr(s, i, 2) != "=\"") { bad("label " name ": expected =\""); return 0 }
		i += 2
		val = ""
		for (;;) {
			c = substr(s, i, 1)
			if (c == "") { bad("unterminated label value"); return 0 }
			if (c == "\"") { i++; break }
			if (c == "\\") {
				esc = substr(s, i + 1, 1)
				if (esc != "\\" && esc != "\"" && esc != "n") { bad("bad escape \\" esc " in a label value"); return 0 }
				val = val c esc
				i += 2
				continue
			}
			val = val c
			i++
		}
		CANON = CANON name "=" val "\001"
		c = substr(s, i, 1)
		if (c == "}") { LABEL_END = i + 1; return 1 }
		if (c != ",") { bad("expected , or } after a label"); return 0 }
		i++
	}
}

BEGIN { errors = 0; current = "" }

/^$/ { bad("blank line"); next }

/^#/ {
	if ($0 ~ /^# HELP /) {
		n = $3
		if (!name_ok(n)) { bad("bad metric name in HELP"); next }
		if (n in help) { bad("second HELP for " n); next }
		if (n in sampled) { bad("HELP after samples of " n); next }
		text = substr($0, length("# HELP " n) + 2)
		if ($0 !~ "^# HELP " n " ." ) { bad("HELP without text") }
		t = text
		gsub(/\\\\|\\n/, "", t)
		if (t ~ /\\/) bad("bad escape in HELP text")
		help[n] = 1
	} else if ($0 ~ /^# TYPE /) {
		n = $3
		if (!name_ok(n)) { bad("bad metric name in TYPE"); next }
		if (NF != 4 || $4 !~ /^(counter|gauge|histogram|summary|untyped)$/) { bad("bad TYPE line"); next }
		if (n in type) { bad("second TYPE for " n); next }
		if (n in sampled) { bad("TYPE after samples of " n); next }
		if ($4 == "counter" && n !~ /_total$/) bad("counter " n " does not end in _total")
		type[n] = $4
	} else {
		bad("a comment that is neither HELP nor TYPE")
	}
	next
}

{
	line = $0
	match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)
	if (RSTART != 1) { bad("no metric name"); next }
	n = substr(line, 1, RLENGTH)
	rest = substr(line, RLENGTH + 1)
	CANON = ""
	if (substr(rest, 1, 1) == "{") {
		if (!parse_labels(rest)) next
		rest = substr(rest, LABEL_END)
	}
	if (rest !~ /^ [^ ]+( -?[0-9]+)?$/) { bad("expected \" VALUE [TIMESTAMP]\" after the labels"); next }
	split(substr(rest, 2), parts, " ")
	if (!value_ok(parts[1])) { bad("bad value \"" parts[1] "\""); next }
	f = family_of(n)
	if (f != current && (f in sampled)) bad("samples of " f " are not contiguous")
	if (!(f in type)) bad("sample of " f " without a TYPE before it")
	current = f
	sampled[f] = 1
	key = n "\002" CANON
	if (key in series) bad("series twice")
	series[key] = 1
	samples++
}

END {
	if (samples == 0) { print "0: no sample at all"; errors++ }
	exit errors ? 1 : 0
}
