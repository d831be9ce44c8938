/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rungs of the ladder as deeds: VICI initiate / rekey / terminate+initiate (strongSwan
 * vici README, "initiate", "rekey", "terminate"), and the configured restart command run with
 * posix_spawn (never a shell: nothing from an alert can become a command). Connection and CHILD
 * names reach VICI as message values only. Each returns 0 or -errno with a reason in @why.
 */
#ifndef IKEWATCH_HEAL_ACTIONS_H
#define IKEWATCH_HEAL_ACTIONS_H

#include <stddef.h>

struct vici_conn;

int heal_vici_initiate(struct vici_conn *vc, const char *conn, const char *child, char *why,
                       size_t whylen);
int heal_vici_rekey(struct vici_conn *vc, const char *conn, const char *child, char *why,
                    size_t whylen);
/* terminate the IKE SA (and its CHILD SAs), then initiate the CHILD again */
int heal_vici_reinit(struct vici_conn *vc, const char *conn, const char *child, char *why,
                     size_t whylen);
/* Run argv (argv[0] an absolute path) and wait up to @timeout_ms; 0 when it exited 0. */
int heal_run_command(char *const argv[], unsigned timeout_ms, char *why, size_t whylen);

#endif
