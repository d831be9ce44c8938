// SPDX-License-Identifier: Apache-2.0
/*
 * Probe-target options (probe_opts.h).
 */
#include "cmd/probe_opts.h"

static const char *const modules[] = {"stamp", "icmp", "udp", "tcp", NULL};
static const char *const mtu_modules[] = {"stamp", "icmp", "udp", NULL};

#define PROBE_PORT_OPT                                                                             \
	{                                                                                          \
		OPT_PROBE_PORT, 'p', "port", OPT_T_PORT, "PORT",                                   \
		    "port (default 862 STAMP, 7 UDP echo, 22 TCP)"                                 \
	}
#define PROBE_SOURCE_OPT                                                                           \
	{                                                                                          \
		OPT_PROBE_SOURCE, 'I', "source", OPT_T_IP, "ADDRESS",                              \
		    "source address (inside the CHILD SA's local traffic selector)"                \
	}
#define PROBE_KEY_OPT                                                                              \
	{                                                                                          \
		OPT_PROBE_KEY, 'k', "key-file", OPT_T_FILE, "FILE",                                \
		    "authenticated STAMP with the HMAC-SHA-256 key in FILE (hex or raw)"           \
	}

const struct opt probe_opts[] = {
    {OPT_PROBE_MODULE, 'm', "module", OPT_T_CHOICE, "MODULE", "stamp (default), icmp, udp, tcp",
     .choices = modules},
    PROBE_PORT_OPT,
    PROBE_SOURCE_OPT,
    PROBE_KEY_OPT,
    {OPT_END},
};

const struct opt probe_key_opts[] = {
    PROBE_KEY_OPT,
    {OPT_END},
};

const struct opt probe_mtu_opts[] = {
    {OPT_PROBE_MODULE, 'm', "module", OPT_T_CHOICE, "MODULE", "stamp (default), icmp, udp",
     .choices = mtu_modules},
    PROBE_PORT_OPT,
    PROBE_SOURCE_OPT,
    PROBE_KEY_OPT,
    {OPT_END},
};

int probe_opts_take(struct probe_target_spec *s, const struct opt *o, const struct opt_val *v)
{
	switch (o->id) {
	case OPT_PROBE_MODULE:
		/* the table's choices are module names: parse by name, not by index */
		return probe_module_parse(v->text, &s->module) == 0;
	case OPT_PROBE_PORT:
		s->port = (uint16_t)v->num;
		return 1;
	case OPT_PROBE_SOURCE:
		s->source = v->text;
		return 1;
	case OPT_PROBE_KEY:
		s->key_file = v->text;
		return 1;
	default:
		return 0;
	}
}
