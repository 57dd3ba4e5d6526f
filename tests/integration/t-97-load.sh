#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Load (tests/chaos/load.sh): LOAD_N (200) concurrent ssh logins over a
# real sshd all succeed, each in its own carrel, and are all torn down;
# open latency, memory per session and logouts per second are reported.
exec bash /usr/local/share/carrel-test/load.sh
