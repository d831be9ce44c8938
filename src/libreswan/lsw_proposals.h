/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pluto's configured algorithms as doctor compares them: `whack --status` prints each
 * connection's ike= and esp= lists as parsed ("IKE algorithms: AES_CBC_128-HMAC_SHA2_256-MODP2048,
 * AES_GCM_16_256-HMAC_SHA2_512+HMAC_SHA2_256-DH19+DH20"; proposals ", " apart, transforms "-",
 * alternatives "+"), which become charon's own notation ("IKE:AES_CBC_128/HMAC_SHA2_256_128/
 * PRF_HMAC_SHA2_256/MODP_2048"), the one that swanctl/swanctl_proposal.h already reads, so both
 * ends are compared by the same rules (doctor/doctor_proposals.h). Where the names differ:
 * pluto's IKE PRF stands for the PRF and, without AEAD, the integrity algorithm of the same hash;
 * DH19/20/21/31/32 are ECP_256/384/521, CURVE_25519/448; MODP2048 is MODP_2048; NONE is no
 * algorithm. An ESP proposal without a DH group under pfs=yes uses the IKE SA's group at a rekey
 * ("pfsgroup=<Phase1>"): it gets the groups of the connection's IKE proposals. A codec: no I/O.
 */
#ifndef IKEWATCH_LSW_PROPOSALS_H
#define IKEWATCH_LSW_PROPOSALS_H

#include <stdbool.h>
#include <stddef.h>

/* One list (@ike: an IKE list, else ESP) of @len bytes into @out in charon's notation; for ESP,
 * @pfs_groups (charon's names "MODP_2048/ECP_256", may be NULL) is added to a proposal that
 * names none. 0, -EINVAL (a name that is not an algorithm name, an empty transform), or
 * -ENOBUFS. */
int lsw_proposals_to_charon(bool ike, const char *list, size_t len, const char *pfs_groups,
                            char *out, size_t cap);

/* The DH groups of an IKE list of @len bytes ("MODP_2048/ECP_256", each once) into @out. */
int lsw_proposals_groups(const char *ike_list, size_t len, char *out, size_t cap);

#endif
