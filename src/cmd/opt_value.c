// SPDX-License-Identifier: Apache-2.0
/*
 * The typed value parsers of the option tables (opt.h). Each is a thin wrapper over the one
 * parser of its kind elsewhere (common/num for numbers and durations, stamp_addr for probe
 * addresses, common/netaddr for listen addresses), so that the day those move, one call
 * changes; what this file adds is the message that says what is allowed.
 */
#include "cmd/opt.h"

#include "common/num.h"
#include "common/netaddr.h"
#include "stamp/stamp_addr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define NS_PER_MS 1000000ull

static int bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void opt_format_duration(uint64_t ns, char *out, size_t len)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {{"d", 86400000 * NS_PER_MS},
	             {"h", 3600000 * NS_PER_MS},
	             {"m", 60000 * NS_PER_MS},
	             {"s", 1000 * NS_PER_MS},
	             {"ms", NS_PER_MS}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ns >= units[i].ns && ns % units[i].ns == 0) {
			snprintf(out, len, "%llu%s", (unsigned long long)(ns / units[i].ns),
			         units[i].unit);
			return;
		}
	snprintf(out, len, "%.3fms", (double)ns / (double)NS_PER_MS);
}

/* Seconds for ping's -i and -W: "0.2" (ping(8) style), "1", "1.5". */
static void format_seconds(uint64_t ns, char *out, size_t len)
{
	snprintf(out, len, "%g", (double)ns / 1e9);
}

static int range_error(const struct opt *o, char *err, size_t errlen, const char *what)
{
	char lo[32], hi[32];

	if (o->type == OPT_T_DURATION) {
		opt_format_duration(o->min, lo, sizeof(lo));
		opt_format_duration(o->max, hi, sizeof(hi));
		return bad(err, errlen, "expected %s from %s to %s", what, lo, hi);
	}
	if (o->type == OPT_T_SECONDS) {
		format_seconds(o->min, lo, sizeof(lo));
		format_seconds(o->max, hi, sizeof(hi));
		return bad(err, errlen, "expected %s from %s to %s", what, lo, hi);
	}
	return bad(err, errlen, "expected %s from %llu to %llu", what, (unsigned long long)o->min,
	           (unsigned long long)o->max);
}

static int parse_duration(const struct opt *o, const char *s, struct opt_val *ret, char *err,
                          size_t errlen)
{
	static const char what[] = "a duration with a unit (ms, s, m, h or d, such as 5s)";
	size_t n = strlen(s);
	uint64_t ms;

	/* a bare number is ambiguous on a command line (seconds? milliseconds?): refuse it */
	if (n == 0 || s[n - 1] < 'a' || s[n - 1] > 'z')
		return range_error(o, err, errlen, what);
	if (num_parse_duration_ms_str(s, o->max / NS_PER_MS, &ms) < 0 || ms * NS_PER_MS < o->min)
		return range_error(o, err, errlen, what);
	ret->num = ms * NS_PER_MS;
	return 0;
}

static int parse_seconds(const struct opt *o, const char *s, struct opt_val *ret, char *err,
                         size_t errlen)
{
	double v;

	if (num_parse_double(s, strlen(s), (double)o->min / 1e9, (double)o->max / 1e9, &v) < 0)
		return range_error(o, err, errlen, "seconds");
	ret->num = (uint64_t)(v * 1e9 + 0.5);
	return 0;
}

static int parse_number(const struct opt *o, const char *s, struct opt_val *ret, char *err,
                        size_t errlen)
{
	const char *what = o->type == OPT_T_SIZE ? "a size in bytes" : "a whole number";
	uint64_t v;

	if (num_parse_u64_str(s, o->max, &v) < 0 || v < o->min)
		return range_error(o, err, errlen, what);
	ret->num = v;
	return 0;
}

/* Say which part of HOST:PORT is wrong: the port range, or the host (IP addresses only). */
static int listen_error(const char *s, int r, char *err, size_t errlen)
{
	const char *colon = strrchr(s, ':');
	const char *close = strrchr(s, ']');
	uint64_t port;

	if (!colon || (close && colon < close))
		return bad(
		    err, errlen,
		    "expected HOST:PORT (127.0.0.1:9917, [::1]:9917, :9917, localhost:9917)");
	if (num_parse_u64_str(colon + 1, UINT64_MAX, &port) < 0)
		return bad(err, errlen, "the port '%s' is not a number", colon + 1);
	if (port > 65535)
		return bad(err, errlen, "the port %llu is above 65535", (unsigned long long)port);
	if (r == -EADDRNOTAVAIL)
		return bad(err, errlen, "the host '%.*s' does not resolve", (int)(colon - s), s);
	return bad(err, errlen,
	           "the host '%.*s' is neither an IP address nor a host name (use an IPv4 address, "
	           "[IPv6], a name, or nothing for all addresses)",
	           (int)(colon - s), s);
}

static int parse_file(const char *s, bool must_exist, char *err, size_t errlen)
{
	struct stat st;

	if (!*s)
		return bad(err, errlen, "expected a file name");
	if (!must_exist)
		return 0;
	if (stat(s, &st) < 0)
		return bad(err, errlen, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return bad(err, errlen, "a directory, not a file");
	return 0;
}

int opt_value_parse(const struct opt *o, const char *s, struct opt_val *ret, char *err,
                    size_t errlen)
{
	struct sockaddr_storage ss;
	struct stamp_prefix pfx;
	socklen_t sl;

	*ret = (struct opt_val){.text = s};
	switch (o->type) {
	case OPT_T_FLAG:
		return 0;
	case OPT_T_TEXT:
		return *s ? 0 : bad(err, errlen, "expected a value");
	case OPT_T_FILE:
		return parse_file(s, true, err, errlen);
	case OPT_T_PATH:
		return parse_file(s, false, err, errlen);
	case OPT_T_DURATION:
		return parse_duration(o, s, ret, err, errlen);
	case OPT_T_SECONDS:
		return parse_seconds(o, s, ret, err, errlen);
	case OPT_T_COUNT:
	case OPT_T_SIZE:
		return parse_number(o, s, ret, err, errlen);
	case OPT_T_PORT:
		if (num_parse_u64_str(s, 65535, &ret->num) < 0 || ret->num == 0)
			return bad(err, errlen, "expected a port from 1 to 65535");
		return 0;
	case OPT_T_LISTEN: {
		int r = netaddr_parse_listen(s, -1, &ss, &sl);

		return r < 0 ? listen_error(s, r, err, errlen) : 0;
	}
	case OPT_T_ENDPOINT:
		if (stamp_addr_parse(s, 0, &ss, &sl) < 0)
			return bad(err, errlen,
			           "expected an IP address with an optional port (192.0.2.1, "
			           "192.0.2.1:862, [2001:db8::1]:862)");
		return 0;
	case OPT_T_IP:
		if (stamp_addr_parse(s, 0, &ss, &sl) < 0 || stamp_addr_port((struct sockaddr *)&ss))
			return bad(err, errlen, "expected an IP address (192.0.2.1, 2001:db8::1)");
		return 0;
	case OPT_T_PREFIX:
		if (stamp_prefix_parse(s, &pfx) < 0)
			return bad(
			    err, errlen,
			    "expected an address or a prefix without host bits (192.0.2.0/24)");
		return 0;
	case OPT_T_BOOL:
		if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0) {
			ret->num = 1;
			return 0;
		}
		if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
			return 0;
		return bad(err, errlen, "expected true or false");
	case OPT_T_CHOICE: {
		char list[256];
		size_t off = 0;

		for (size_t i = 0; o->choices[i]; i++) {
			if (strcmp(s, o->choices[i]) == 0) {
				ret->num = i;
				return 0;
			}
			off += (size_t)snprintf(
			    list + off, off < sizeof(list) ? sizeof(list) - off : 0, "%s%s",
			    i ? (o->choices[i + 1] ? ", " : " or ") : "", o->choices[i]);
			if (off >= sizeof(list))
				off = sizeof(list) - 1;
		}
		return bad(err, errlen, "expected %s", list);
	}
	}
	return bad(err, errlen, "unknown value type");
}
