#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Load (tests/chaos/load.sh): LOAD_N concurrent ssh logins over a real sshd
# all succeed, each in its own carrel, and are all torn down; open latency,
# memory per session and logouts per second are reported.  A refusal
# fails.  100 here; 200 in `make chaos` and `make bench-load`: at 200 on
# this 2-core machine the keeper's answer can still pass the module's 15 s
# bound when the machine is loaded by other jobs as well (tests/RESULTS.md
# round 5), which must not make `make check` flaky.
LOAD_N=${LOAD_N:-100} exec bash /usr/local/share/carrel-test/load.sh
