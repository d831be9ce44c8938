/* SPDX-License-Identifier: Apache-2.0 */
/*
 * charon's retransmission timing (charon.retransmit_timeout, _base, _tries), read from the
 * strongswan.conf that charon reads (its includes too) with the settings parser of
 * swanctl/swanctl_conf.h: how long charon keeps retransmitting an unanswered IKE request
 * before it gives up (sa_retx_giveup_s()). What the file does not set, or sets to something
 * that is not a number in range, stays charon's default (4 s, 1.8, 5 tries).
 */
#ifndef IKEWATCH_CHARON_RETX_H
#define IKEWATCH_CHARON_RETX_H

#include "exporter/sa_foresee.h"

#include <stddef.h>

#define CHARON_DEFAULT_STRONGSWAN_CONF "/etc/strongswan.conf"

/* Fill *ret from @path (NULL: CHARON_DEFAULT_STRONGSWAN_CONF). Returns 0 when the file was
 * read (ret->configured: it set at least one of the three), or -errno with the defaults in
 * *ret and the reason in @err. */
int charon_retx_load(const char *path, struct sa_retx_timing *ret, char *err, size_t errlen);

/* "retransmit_timeout 4 s, base 1.8, 5 tries (charon's defaults)" / "(strongswan.conf)"; for
 * pluto's model "retransmit-interval 500 ms, retransmit-timeout 60 s (pluto's defaults)". */
void charon_retx_describe(const struct sa_retx_timing *t, char *out, size_t cap);

#endif
