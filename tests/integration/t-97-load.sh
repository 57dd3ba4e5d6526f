#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Load (tests/chaos/load.sh): LOAD_N concurrent ssh logins over a real sshd
# all succeed, each in its own carrel, and are all torn down; open latency,
# memory per session and logouts per second are reported.  200 here, as in
# `make chaos` (about a minute on this 2-core machine, once the test's own
# ssh clients stopped giving up: tests/chaos/load.sh).
LOAD_N=${LOAD_N:-200} exec bash /usr/local/share/carrel-test/load.sh
