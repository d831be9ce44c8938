/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a probe target is, whoever describes it: the `probes:` section of the config file,
 * `ping`, `mtu` and `doctor --probe`. One set of defaults and ranges per address family
 * (docs/probes.md), one builder from text to struct probe_target, one error wording. Callers
 * name their fields their own way ("-s" or "size"), so errors say what the user wrote.
 */
#ifndef IKEWATCH_PROBE_TARGET_H
#define IKEWATCH_PROBE_TARGET_H

#include "probe/probe_sess.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_NS_PER_MS 1000000ull
/* Payload: from the module's smallest (probe_sess_min_size) to a jumbo frame's. */
#define PROBE_SIZE_MAX 9000u
/* Interval between probes and time to wait for a reply: 10 ms to 1 h, 1 s and 2 s by default. */
#define PROBE_INTERVAL_MIN_NS (10 * PROBE_NS_PER_MS)
#define PROBE_INTERVAL_MAX_NS (3600000 * PROBE_NS_PER_MS)
#define PROBE_INTERVAL_DEFAULT_NS (1000 * PROBE_NS_PER_MS)
#define PROBE_TIMEOUT_DEFAULT_NS (2000 * PROBE_NS_PER_MS)
/* Path-MTU search: whole IP packets up to 65535; 1500 at most by default; 3 tries a size. */
#define PROBE_MTU_LIMIT 65535u
#define PROBE_MTU_MAX_DEFAULT 1500u
#define PROBE_MTU_RETRIES_DEFAULT 3u
#define PROBE_MTU_RETRIES_MAX 100u

/* The smallest MTU of the family (68 IPv4, RFC 791; 1280 IPv6, RFC 8200): nothing smaller. */
uint32_t probe_mtu_floor(int family);
/* Where a search starts by default: 576 for IPv4 (RFC 1122), 1280 for IPv6. */
uint32_t probe_mtu_min_default(int family);

enum probe_target_field {
	PT_TARGET,
	PT_PORT,
	PT_SOURCE,
	PT_KEY,
	PT_SIZE,
	PT_MTU_MIN,
	PT_MTU_MAX,
	PT_N,
};

struct probe_target_spec {
	const char *target;   /* "ADDR", "ADDR:PORT", "[V6]:PORT"; a host name when .resolve */
	const char *source;   /* NULL: the kernel chooses */
	const char *key_file; /* NULL: unauthenticated */
	enum probe_module module;
	uint16_t port; /* 0: the target's, else the module's default */
	uint32_t size; /* 0: the module's default */
	int dscp;      /* -1: leave it */
	uint16_t ssid;
	bool resolve; /* host names are allowed (commands; the config file keeps addresses) */
	bool no_port; /* the target must not carry a port (the config file has `port:`) */
	const char *const *names; /* how the caller calls each field in errors, PT_N entries */
};

void probe_target_spec_init(struct probe_target_spec *s, const char *const *names);
/* Build @ret from @s: 0, or -EINVAL with @err such as "-s 10: the STAMP payload needs 44 to
 * 9000 bytes" (the field's name, the value, what is allowed). */
int probe_target_build(const struct probe_target_spec *s, struct probe_target *ret, char *err,
                       size_t errlen);
/* Check an MTU search range for @t's family: 0 or -EINVAL with @err naming the field. */
int probe_target_check_mtu(const struct probe_target *t, uint32_t min, uint32_t max,
                           const char *const *names, char *err, size_t errlen);

#endif
