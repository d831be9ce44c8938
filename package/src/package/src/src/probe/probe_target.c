// SPDX-License-Identifier: Apache-2.0
/*
 * The probe-target builder (probe_target.h): text to struct probe_target with one set of
 * defaults and ranges, shared by the config file and the commands.
 */
#include "probe/probe_target.h"

#include "common/num.h"
#include "stamp/stamp_addr.h"
#include "stamp/stamp_keyfile.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

uint32_t probe_mtu_floor(int family)
{
	return family == AF_INET6 ? 1280 : 68;
}

uint32_t probe_mtu_min_default(int family)
{
	return family == AF_INET6 ? 1280 : 576;
}

void probe_target_spec_init(struct probe_target_spec *s, const char *const *names)
{
	*s = (struct probe_target_spec){.module = PROBE_MOD_STAMP, .dscp = -1, .names = names};
}

static int fail(const struct probe_target_spec *s, enum probe_target_field f, const char *value,
                char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int fail(const struct probe_target_spec *s, enum probe_target_field f, const char *value,
                char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int off;

	off = snprintf(err, errlen, "%s %s: ", s->names[f], value);
	if (off < 0 || (size_t)off >= errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + off, errlen - (size_t)off, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "host" or "host:port" by name: the first address getaddrinfo gives, of @family if set. */
static int resolve(const char *s, int family, struct sockaddr_storage *ret, char *why,
                   size_t whylen)
{
	struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_DGRAM}, *res;
	const char *colon = strchr(s, ':');
	char host[256];
	uint64_t port = 0;
	int e;

	if (colon && strchr(colon + 1, ':') == NULL) {
		if (num_parse_u64_str(colon + 1, 65535, &port) < 0) {
			snprintf(why, whylen, "the port '%s' is not 0 to 65535", colon + 1);
			return -EINVAL;
		}
	} else {
		colon = NULL;
	}
	snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
	e = getaddrinfo(host, NULL, &hints, &res);
	if (e != 0) {
		snprintf(why, whylen, "not an IP address, and the name does not resolve: %s",
		         gai_strerror(e));
		return -EINVAL;
	}
	memset(ret, 0, sizeof(*ret));
	memcpy(ret, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	stamp_addr_set_port((struct sockaddr *)ret, (uint16_t)port);
	return 0;
}

static const char *module_words(const struct probe_target *t)
{
	switch (t->module) {
	case PROBE_MOD_STAMP:
		return t->authenticated ? "the authenticated STAMP payload" : "the STAMP payload";
	case PROBE_MOD_ICMP:
		return "the ICMP echo data";
	case PROBE_MOD_UDP:
		return "the UDP echo payload";
	default:
		return "the payload";
	}
}

static int build_addr(const struct probe_target_spec *s, struct probe_target *t, char *err,
                      size_t errlen)
{
	struct sockaddr_storage src;
	char why[200];
	socklen_t sl;
	int family = AF_UNSPEC;

	if (s->source) {
		if (stamp_addr_parse(s->source, 0, &src, &sl) < 0 ||
		    stamp_addr_port((struct sockaddr *)&src) != 0)
			return fail(s, PT_SOURCE, s->source, err, errlen,
			            "expected an IP address (192.0.2.1, 2001:db8::1)");
		family = src.ss_family;
	}
	if (!s->target || !*s->target)
		return fail(s, PT_TARGET, "", err, errlen, "an IP address is required");
	if (stamp_addr_parse(s->target, 0, &t->addr, &sl) < 0) {
		if (!s->resolve)
			return fail(s, PT_TARGET, s->target, err, errlen,
			            "expected an IP address (192.0.2.1, 2001:db8::1)");
		if (resolve(s->target, family, &t->addr, why, sizeof(why)) < 0)
			return fail(s, PT_TARGET, s->target, err, errlen, "%s", why);
	}
	if (s->no_port && stamp_addr_port((struct sockaddr *)&t->addr) != 0)
		return fail(s, PT_TARGET, s->target, err, errlen,
		            "an IP address without a port (the port has its own key)");
	if (s->port)
		stamp_addr_set_port((struct sockaddr *)&t->addr, s->port);
	else if (stamp_addr_port((struct sockaddr *)&t->addr) == 0)
		stamp_addr_set_port((struct sockaddr *)&t->addr, probe_module_port(s->module));
	if (s->source) {
		if (src.ss_family != t->addr.ss_family)
			return fail(s, PT_SOURCE, s->source, err, errlen,
			            "not of the target's address family");
		t->source = src;
		t->has_source = true;
	}
	return 0;
}

int probe_target_build(const struct probe_target_spec *s, struct probe_target *t, char *err,
                       size_t errlen)
{
	char v[16];
	int e;

	memset(t, 0, sizeof(*t));
	t->module = s->module;
	t->dscp = s->dscp;
	t->ssid = s->ssid;
	t->size = s->size;
	e = build_addr(s, t, err, errlen);
	if (e < 0)
		return e;
	if (s->key_file) {
		if (s->module != PROBE_MOD_STAMP)
			return fail(s, PT_KEY, s->key_file, err, errlen,
			            "an HMAC key is only for module stamp");
		e = stamp_key_load(s->key_file, t->key, &t->key_len);
		if (e < 0)
			return fail(s, PT_KEY, s->key_file, err, errlen, "%s", strerror(-e));
		t->authenticated = true;
	}
	if (t->size && (t->size < probe_sess_min_size(t) || t->size > PROBE_SIZE_MAX)) {
		snprintf(v, sizeof(v), "%u", t->size);
		return fail(s, PT_SIZE, v, err, errlen, "%s needs %u to %u bytes", module_words(t),
		            probe_sess_min_size(t), PROBE_SIZE_MAX);
	}
	return 0;
}

int probe_target_check_mtu(const struct probe_target *t, uint32_t min, uint32_t max,
                           const char *const *names, char *err, size_t errlen)
{
	uint32_t floor = probe_mtu_floor(t->addr.ss_family);
	const char *fam = t->addr.ss_family == AF_INET6 ? "IPv6" : "IPv4";

	if (min < floor || min > PROBE_MTU_LIMIT) {
		snprintf(err, errlen, "%s %u: an %s packet size from %u to %u expected",
		         names[PT_MTU_MIN], min, fam, floor, PROBE_MTU_LIMIT);
		return -EINVAL;
	}
	if (max < floor || max > PROBE_MTU_LIMIT) {
		snprintf(err, errlen, "%s %u: an %s packet size from %u to %u expected",
		         names[PT_MTU_MAX], max, fam, floor, PROBE_MTU_LIMIT);
		return -EINVAL;
	}
	if (min > max) {
		snprintf(err, errlen, "%s %u: above %s %u", names[PT_MTU_MIN], min,
		         names[PT_MTU_MAX], max);
		return -EINVAL;
	}
	return 0;
}
