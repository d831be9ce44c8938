/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Addresses for the prober and the reflector's allow list: "ADDR/LEN" prefixes and their
 * matching, printing, ports. Addresses themselves are parsed by common/netaddr.h. Pure: no
 * name resolution, no I/O.
 */
#ifndef IKEWATCH_STAMP_ADDR_H
#define IKEWATCH_STAMP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct stamp_prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t len;
};

/* A probe target or source: netaddr_parse() without names or ":PORT"; "ADDR" gets
 * @default_port (0: none yet). 0 or a netaddr_parse() error. */
int stamp_addr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *ret,
                     socklen_t *ret_len);
/* "ADDR" or "ADDR/LEN"; host bits must be zero. 0 or -EINVAL. */
int stamp_prefix_parse(const char *s, struct stamp_prefix *ret);
bool stamp_prefix_match(const struct stamp_prefix *p, const struct sockaddr *sa);
/* Same address (and family), ports ignored. */
bool stamp_addr_equal(const struct sockaddr *a, const struct sockaddr *b);
/* "203.0.113.1" or "2001:db8::1" into @out (always terminated). */
void stamp_addr_format(const struct sockaddr *sa, char *out, size_t len);
uint16_t stamp_addr_port(const struct sockaddr *sa);
void stamp_addr_set_port(struct sockaddr *sa, uint16_t port);
socklen_t stamp_addr_len(const struct sockaddr *sa);

#endif
