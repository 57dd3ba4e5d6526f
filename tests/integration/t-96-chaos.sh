#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Chaos at random instants (tests/chaos/chaos.sh): CHAOS_ROUNDS (60 here:
# they fit run.sh's 300 s a script; `make chaos` runs 1,000) rounds of su -,
# ssh and pamtester logins whose login program, helper, keeper or holder is
# killed with SIGKILL at a random point of open or close; nothing may be
# left and the next login must work.  CHAOS_SEED reproduces a run's
# decisions.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh

if ! cc -O2 -Wall -Wextra -Werror -o "$T_SHARE/snipe" "$T_SHARE/snipe.c" 2>"$T_WORK/out/snipe.log"; then
	not_ok "chaos: build tests/chaos/snipe.c" "$(cat "$T_WORK/out/snipe.log")"
	t_finish
fi
# The driver itself, so that run.sh's timeout ends it and not only this shell.
CHAOS_ROUNDS=${CHAOS_ROUNDS:-60} exec bash "$T_SHARE/chaos.sh" "$T_SHARE/snipe"
