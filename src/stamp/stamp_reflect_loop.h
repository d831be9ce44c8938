/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reflector's receive loop: read datagrams from a socket made by stamp_sock_open(), let
 * stamp_reflector_handle() decide, send the replies from the address they were sent to.
 * Used by `ikewatch reflect` and by `serve` (in a thread of its own).
 */
#ifndef IKEWATCH_STAMP_REFLECT_LOOP_H
#define IKEWATCH_STAMP_REFLECT_LOOP_H

#include "common/stopper.h"

#include <stdbool.h>

struct stamp_reflector;

/*
 * Whether an interface name carries decrypted IPsec traffic: kernel-libipsec's TUN "ipsec0",
 * XFRM interfaces "xfrm*" and VTI "vti*"/"ip_vti*" devices. With kernel ESP and no such device
 * the kernel's own policy check is what guarantees it (see docs/probes.md).
 */
bool stamp_ifname_is_ipsec(const char *name);

/* Run until @stop is stopped; the wait for packets has no timeout, so that an idle reflector
 * does not wake. 0 or -errno. */
int stamp_reflect_run(struct stamp_reflector *r, int fd, const struct stopper *stop);

#endif
