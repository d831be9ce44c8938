/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the protobuf exposition back (delimited io.prometheus.client.MetricFamily messages):
 * each family is decoded with protobuf-c and written again through a prom_writer, so a protobuf
 * body turns into text 0.0.4 that can be compared with the text the same calls wrote. Native
 * histogram buckets are checked (their counts must add up to the sample count, the spans must
 * stay in the schema's range) and then left out, as the text format leaves them out. For the
 * unit tests and the round-trip fuzzer; a codec (no I/O, no logging), safe on any bytes.
 */
#ifndef IKEWATCH_PROM_PROTO_READ_H
#define IKEWATCH_PROM_PROTO_READ_H

#include "prom/prom_writer.h"

#include <stddef.h>
#include <stdint.h>

/* Labels of one metric taken; a message with more is refused. */
#define PROM_PROTO_READ_LABELS_MAX 64u
/* Buckets of one classic histogram taken. */
#define PROM_PROTO_READ_BUCKETS_MAX 1024u

/* Decode @len bytes at @data into @w. 0, -EBADMSG (truncated, not protobuf, a type we do not
 * write, inconsistent native buckets), -E2BIG (past a limit), -ENOMEM. *@ret_families: the
 * families read (also on error, those before it). */
int prom_proto_read(const uint8_t *data, size_t len, struct prom_writer *w, size_t *ret_families);

#endif
