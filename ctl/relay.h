/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * carrelctl enter: the user's command never gets root's terminal.
 *
 * It runs in a session of its own (setsid: /dev/tty is not root's), and
 * where root's fds 0-2 are a terminal, on a new pseudo-terminal whose
 * other side carrelctl relays to root's (as `su --pty` does).  When the
 * command ends, carrelctl closes the pty: whatever the user left running
 * reads end-of-file, never what root types next, and cannot push input
 * into root's shell (TIOCSTI) or take its foreground (tcsetpgrp).
 */
#ifndef CARREL_RELAY_H
#define CARREL_RELAY_H

/* Run PATH with ARGV and ENVP that way; returns its exit status as a shell
 * reports it (128 + signal), or 1 if it could not be run (message printed). */
int relay_run(const char *path, char *const argv[], char *const envp[]);

#endif
