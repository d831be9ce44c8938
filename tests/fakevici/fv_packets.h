/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The answers of the fake VICI server, prepared once at start-up: recorded packets loaded from
 * tests/fixtures/vici/ as they are, and synthetic list-sa / list-conn streams of N SAs made by
 * decoding a recorded event and re-encoding it with new names, ids, SPIs, hosts and counters.
 * A streamed answer is one byte string (all events, then the CMD_RESPONSE) so that a request
 * costs one write; byte and packet counters are fixed-width so they can be advanced in place
 * (fv_stream_advance) without re-encoding. No sockets here.
 */
#ifndef IKEWATCH_FV_PACKETS_H
#define IKEWATCH_FV_PACKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One or more framed packets (4-byte length prefix included) back to back. */
struct fv_stream {
	uint8_t *data;
	size_t len;
	size_t resp_off; /* where the final CMD_RESPONSE starts: [0, resp_off) are the events */
	uint32_t n_events;
	uint32_t *patch_off; /* offsets of FV_COUNTER_DIGITS-wide decimal counters */
	uint32_t *patch_sa;  /* the SA each counter belongs to */
	uint8_t *patch_kind; /* enum fv_counter */
	size_t n_patch;
};

/* Counters are written with this many digits, starting at 10^(digits-1), so that they keep
 * their width (and their offsets) while they grow. */
#define FV_COUNTER_DIGITS 10

/* The counters of one CHILD SA that grow per request. */
enum fv_counter {
	FV_BYTES_IN,
	FV_PACKETS_IN,
	FV_BYTES_OUT,
	FV_PACKETS_OUT,
};

/* Read one recorded packet file; checks that it is exactly one framed packet. 0, -errno,
 * -EBADMSG. *ret is malloc'ed. */
int fv_load_packet(const char *dir, const char *file, uint8_t **ret, size_t *ret_len);

/* Load a recording's answer to a streamed command: every "<rec>.NNNN.rx-event.bin" in wire
 * order followed by its "rx-cmd-response" (README.md of the fixtures). -ENOENT if the recording
 * has no response. */
int fv_load_stream(const char *dir, const char *rec, struct fv_stream *ret);

/* An answer with no events: just @resp (copied). */
int fv_stream_from_response(const uint8_t *resp, size_t len, struct fv_stream *ret);

/*
 * Synthesise @n IKE SAs from one recorded list-sa EVENT packet (framed) plus @resp: IKE SA i
 * (0-based) is named "a-b-<i+1>" (all "a-b" if @one_conn), has unique ids i+1, distinct SPIs, a
 * remote host in 198.18.0.0/15 (RFC 2544 benchmark range), CHILD section "<child>-<i+1>", and
 * growing fixed-width counters. The SPIs depend on @seed too, so that fakevicis started with
 * different seeds never share one (as the gateways of a fleet).
 */
int fv_synth_sas(const uint8_t *event, size_t event_len, const uint8_t *resp, size_t resp_len,
                 uint32_t n, bool one_conn, uint64_t seed, struct fv_stream *ret);

/* The matching list-conns: @n conns "a-b-<i+1>" (one "a-b" if @one_conn) from one recorded
 * list-conn EVENT, with remote_addrs set to the SA's remote host (198.18.0.0/15 if one conn). */
int fv_synth_conns(const uint8_t *event, size_t event_len, const uint8_t *resp, size_t resp_len,
                   uint32_t n, bool one_conn, struct fv_stream *ret);

/* Write the counters of generation @gen (request number) into @data, a copy of s->data. */
void fv_stream_advance(const struct fv_stream *s, uint8_t *data, uint64_t gen);

/* Break the element stream of the first event (its last byte, the closing SECTION_END, becomes
 * element type 9, which does not exist) while the framing stays valid. -ENOENT if no events. */
int fv_stream_malform(struct fv_stream *s);

void fv_stream_done(struct fv_stream *s);

/* 198.18.0.0/15 address number @i (i < 2^17 - 2), as text into @out (>= 16 bytes). */
void fv_bench_host(uint32_t i, char *out, size_t cap);

#endif
