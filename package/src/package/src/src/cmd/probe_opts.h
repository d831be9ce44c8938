/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The options that describe a probe target (-m, -p, -I, -k and doctor's spellings of them),
 * parsed once for ping, mtu and doctor into the probe-target module's spec; reflect shares -k.
 */
#ifndef IKEWATCH_PROBE_OPTS_H
#define IKEWATCH_PROBE_OPTS_H

#include "cmd/opt.h"
#include "probe/probe_target.h"

/* -m (stamp, icmp, udp, tcp), -p, -I, -k: for ping */
extern const struct opt probe_opts[];
/* the same without tcp, which cannot carry an MTU probe: for mtu */
extern const struct opt probe_mtu_opts[];

/* -k alone: for reflect, whose key is the same kind of file */
extern const struct opt probe_key_opts[];

/* Take one probe-target option into @s: 1 taken, 0 not one of them. */
int probe_opts_take(struct probe_target_spec *s, const struct opt *o, const struct opt_val *v);

#endif
