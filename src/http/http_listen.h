/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The listening sockets of the HTTP server (http_server.h), as Prometheus' exporter-toolkit has
 * them: bound here from one or more listen addresses (--web.listen-address, repeatable), or
 * taken as they are from systemd's socket activation (--web.systemd-socket; sd_listen_fds(3)),
 * so that a unit can listen on a port or an address its service could not bind itself.
 * Every failure is logged here, once, naming the address or the descriptor; the callers only
 * stop.
 */
#ifndef IKEWATCH_HTTP_LISTEN_H
#define IKEWATCH_HTTP_LISTEN_H

#include <stddef.h>

struct http_listener {
	int fd;        /* a listening stream socket, close-on-exec */
	int family;    /* AF_INET, AF_INET6 or (from systemd) AF_UNIX */
	unsigned port; /* as bound; 0 for AF_UNIX */
	char name[80]; /* for log lines: "127.0.0.1:9917", "[::1]:9917", "/run/x.sock" */
};

/* Bind and listen on @addr (netaddr_parse_listen(); @default_port, or -1: the port is
 * required). ":PORT" is every IPv6 and IPv4 address (every IPv4 address on a kernel without
 * IPv6). 0 and *ret, or -errno, logged with @addr. */
int http_listen_address(const char *addr, int default_port, struct http_listener *ret);

/* The sockets systemd passed to this process (LISTEN_PID, LISTEN_FDS; the variables are
 * removed, so that no child inherits them), each a listening stream socket: 0 with
 * *ret_n >= 1 of them in @ret, or -errno, logged: none passed or not to this process
 * (-ENOENT), not a listening stream socket (-ENOTSOCK), more than @max (-E2BIG;
 * HTTP_LISTEN_MAX). On failure
 * every passed descriptor is closed. */
int http_listen_systemd(struct http_listener *ret, size_t max, size_t *ret_n);

#endif
