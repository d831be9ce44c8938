// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the STAMP codec and the reflector: every input is decoded as a
 * Session-Sender and a Session-Reflector packet, unauthenticated and authenticated, and handed
 * to a reflector, which must never answer with more octets than it got (RFC 8762 section 4.3).
 * A successful decode must survive a re-encode and decode unchanged.
 */
#include "stamp/stamp_pkt.h"
#include "stamp/stamp_reflector.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stamp_reflector *refl;
	static struct stamp_auth auth;
	static uint8_t reply[REFLECT_PKT_MAX];
	struct stamp_test t, t2;
	struct stamp_reply r, r2;
	uint8_t b[STAMP_AUTH_LEN];
	struct stamp_rx rx = {.data = data, .len = size, .ttl = 64};
	size_t n = 0;

	if (!refl) {
		struct stamp_reflector_config cfg = {.rate_pps = 0};

		refl = stamp_reflector_new(&cfg);
		stamp_auth_init(&auth, (const uint8_t *)"fuzz", 4);
		if (!refl)
			abort();
	}
	if (stamp_test_decode(data, size, NULL, &t) == 0) {
		stamp_test_encode(&t, NULL, b, STAMP_UNAUTH_LEN);
		if (stamp_test_decode(b, STAMP_UNAUTH_LEN, NULL, &t2) != 0 ||
		    memcmp(&t, &t2, sizeof(t)) != 0)
			abort();
	}
	stamp_test_decode(data, size, &auth, &t);
	if (stamp_reply_decode(data, size, NULL, &r) == 0) {
		stamp_reply_encode(&r, NULL, b, STAMP_UNAUTH_LEN);
		if (stamp_reply_decode(b, STAMP_UNAUTH_LEN, NULL, &r2) != 0 ||
		    r.sender_seq != r2.sender_seq || r.rx_ts != r2.rx_ts || r.seq != r2.seq)
			abort();
	}
	stamp_reply_decode(data, size, &auth, &r);

	rx.src.ss_family = AF_INET;
	if (size <= sizeof(reply) &&
	    stamp_reflector_handle(refl, &rx, 1, 1, reply, sizeof(reply), &n) ==
	        STAMP_REFL_REFLECTED &&
	    n > size)
		abort();
	return 0;
}
