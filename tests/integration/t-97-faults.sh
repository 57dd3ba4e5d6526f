#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fault injection (tests/chaos/faults.sh): the Nth call of each privileged
# system call of the helper, keeper, holder and of the module in su fails;
# the login is refused naming the step (deny) or let in with an alert
# (allow), root still logs in, nothing is left.  Here at most 16 points a
# system call, spread over all of them (the whole run has ~300 points and
# takes ~4 minutes: `make chaos` runs it with FAULT_MAX_POINTS=0).
FAULT_MAX_POINTS=${FAULT_MAX_POINTS:-16} exec bash /usr/local/share/carrel-test/faults.sh
