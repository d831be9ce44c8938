/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Printing a decoded VICI message as indented text for the diag bundle, close to what
 * `swanctl --raw --pretty` shows: "name {" ... "}", "key = value", "list = [" items "]".
 * Values that are not printable text (certificate DER, for one) are shown as their size, and
 * values of keys named like secrets (diag_redact.h) are never printed. Pure: no I/O.
 */
#ifndef IKEWATCH_DIAG_VICI_TEXT_H
#define IKEWATCH_DIAG_VICI_TEXT_H

#include "common/buf.h"
#include "vici/vici_msg.h"

/* Append the children of the root of @m to @out. Errors are sticky in @out->err. */
void diag_vici_print(const struct vici_msg *m, struct buf *out);

#endif
