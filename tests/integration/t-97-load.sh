#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Load (tests/chaos/load.sh): LOAD_N concurrent ssh logins over a real sshd
# all succeed, each in its own carrel, and are all torn down; open latency,
# memory per session and logouts per second are reported.  100 here (200
# on this 2-core machine can take most of run.sh's 300 s a script);
# `make chaos` runs 200.
LOAD_N=${LOAD_N:-100} exec bash /usr/local/share/carrel-test/load.sh
