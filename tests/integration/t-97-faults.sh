#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fault injection (tests/chaos/faults.sh): the Nth call of each privileged
# system call of the helper, keeper, holder and of the module in su fails;
# the login is refused naming the step (deny) or let in with an alert
# (allow), root still logs in, nothing is left.
. /usr/local/share/carrel-test/lib.sh
. /usr/local/share/carrel-test/common.sh
t_run "faults" "${FAULT_TIMEOUT:-280}" bash "$T_SHARE/faults.sh"
t_finish
