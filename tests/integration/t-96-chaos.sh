#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Chaos at random instants (tests/chaos/chaos.sh): CHAOS_ROUNDS (100 here,
# `make chaos` runs 1,000) rounds of su -, ssh and pamtester logins whose
# login program, helper, keeper or holder is killed with SIGKILL at a random
# point of open or close; nothing may be left and the next login must work.
# CHAOS_SEED reproduces a run's decisions.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

if ! cc -O2 -Wall -Wextra -Werror -o "$T_SHARE/snipe" "$T_SHARE/snipe.c" 2>"$T_WORK/out/snipe.log"; then
	not_ok "chaos: build tests/chaos/snipe.c" "$(cat "$T_WORK/out/snipe.log")"
	t_finish
fi
t_run "chaos" "${CHAOS_TIMEOUT:-1200}" bash "$T_SHARE/chaos.sh" "$T_SHARE/snipe"
t_finish
