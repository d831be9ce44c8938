/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one parser of socket addresses written by people (command line, config files): probe
 * targets, sources, listen addresses of the HTTP servers and of the reflector, allow lists and
 * traffic selectors. Forms:
 *   ADDR            numeric IPv4 (dotted quad only: no "127.1", no hex) or IPv6, default port
 *   ADDR:PORT       IPv4 with a port; an IPv6 address needs brackets to carry a port
 *   [V6] [V6]:PORT  IPv6 in brackets (RFC 3986 section 3.2.2)
 *   :PORT           listen only: every address (IPv6 any, dual-stack at bind time)
 *   NAME[:PORT]     listen only: a host name resolved with getaddrinfo(3), its first IPv4
 *                   address if it has one (as Prometheus' Go listeners do)
 *   localhost       listen addresses and URLs: 127.0.0.1, without asking the resolver
 *                   (RFC 6761 section 6.3)
 * A written port is 1-65535; a listen address also takes 0 (the kernel picks one, for tests).
 * Results: 0, -EINVAL (not an address of these forms), -EDESTADDRREQ (no port where one is
 * required), -ERANGE (port outside the range), -EOPNOTSUPP (a host name where only numeric
 * addresses are taken), -EADDRNOTAVAIL (a name that does not resolve).
 * netaddr_strerror() words each for an operator. Out-parameters are written only on success.
 */
#ifndef IKEWATCH_NETADDR_H
#define IKEWATCH_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* ":PORT" means every address and port 0 is allowed. */
#define NETADDR_LISTEN 0x1u
/* Host names are resolved (getaddrinfo: /etc/hosts, then DNS); implies NETADDR_LOCALHOST. */
#define NETADDR_NAMES 0x2u
/* "localhost" is 127.0.0.1. */
#define NETADDR_LOCALHOST 0x4u

/* @default_port is used when none is written; -1 makes the port required. */
int netaddr_parse(const char *s, int default_port, unsigned flags, struct sockaddr_storage *ret,
                  socklen_t *ret_len);
/* Every listen address: netaddr_parse() with NETADDR_LISTEN | NETADDR_NAMES. */
int netaddr_parse_listen(const char *s, int default_port, struct sockaddr_storage *ret,
                         socklen_t *ret_len);
/* A numeric IPv4 or IPv6 address (no port, no brackets) in @len bytes of @s; port 0. */
int netaddr_parse_ip(const char *s, size_t len, struct sockaddr_storage *ret);
/* RFC 1123 host-name syntax (labels of letters, digits, inner hyphens; not all-numeric). */
bool netaddr_host_name_valid(const char *s, size_t len);
/* What a parse result means, for "bad --listen 'X': ...". */
const char *netaddr_strerror(int r);

/* The raw address (4 or 16 bytes) of an AF_INET/AF_INET6 address, NULL for others. */
const uint8_t *netaddr_bytes(const struct sockaddr *sa, size_t *ret_len);
/* The first @bits bits of @a and @net are equal. */
bool netaddr_prefix_equal(const uint8_t *a, const uint8_t *net, unsigned bits);

#endif
