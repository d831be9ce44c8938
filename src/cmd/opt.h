/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The options of every command, as tables (in the manner of bgpctl's parser.c, one token table
 * for the whole command line). An option is an id from the one enum below, its spellings, a
 * value type with a range, and its help text. From the same tables come the parsing (every
 * value checked before a command does anything), `--help`, the man pages and the bash
 * completion, so that these cannot drift apart.
 *
 * Errors are one line: "ikewatch CMD: OPTION VALUE: what is allowed".
 */
#ifndef IKEWATCH_OPT_H
#define IKEWATCH_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every option of the command line, one id each; one id may have several spellings (-m and
 * --probe-module mean the same to the probe-target options). */
enum opt_id {
	OPT_END = 0,
	/* charon_opts: commands that talk to charon */
	OPT_CONFIG,
	OPT_VICI_SOCKET,
	OPT_VICI_TIMEOUT,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
	OPT_REDACT,
	/* daemon_opts: serve, status, textfile (docs/libreswan.md) */
	OPT_LIBRESWAN_CTL,
	OPT_LIBRESWAN_WHACK,
	/* serve */
	OPT_WEB_LISTEN,
	OPT_WEB_CONFIG,
	OPT_WEB_SYSTEMD_SOCKET,
	OPT_WEB_STREAM_THRESHOLD,
	OPT_EVENTS_STREAM,
	OPT_EVENTS_LOG_SOURCE,
	OPT_EVENTS_LOG_FILE,
	OPT_EVENTS_STATE_FILE,
	/* textfile, diag */
	OPT_OUTPUT,
	OPT_INTERVAL,
	/* probe targets: ping, mtu, doctor (probe_opts) */
	OPT_PROBE_MODULE,
	OPT_PROBE_PORT,
	OPT_PROBE_SOURCE,
	OPT_PROBE_KEY,
	/* ping */
	OPT_PING_COUNT,
	OPT_PING_INTERVAL,
	OPT_PING_SIZE,
	OPT_PING_TIMEOUT,
	OPT_PING_DSCP,
	OPT_QUIET,
	OPT_PING_SSID,
	OPT_PING_STATEFUL,
	/* mtu */
	OPT_MTU_MIN,
	OPT_MTU_MAX,
	OPT_MTU_RETRIES,
	OPT_MTU_TIMEOUT,
	/* reflect */
	OPT_REFLECT_LISTEN,
	OPT_REFLECT_STATELESS,
	OPT_REFLECT_RATE,
	OPT_REFLECT_BURST,
	OPT_REFLECT_ALLOW,
	OPT_REFLECT_IPSEC_ONLY,
	OPT_REFLECT_CLOCK_ERROR,
	OPT_REFLECT_THREADS,
	/* doctor */
	OPT_JSON,
	OPT_LOG_FILE,
	OPT_DOCTOR_PROBE,
	OPT_DOCTOR_COUNT,
	OPT_DOCTOR_NO_MTU,
	OPT_DOCTOR_MTU_MAX,
	OPT_DOCTOR_INTERVAL,
	OPT_DOCTOR_PEER,
	OPT_DOCTOR_PEER_USER,
	OPT_DOCTOR_PEER_PASSWORD_FILE,
	OPT_DOCTOR_PEER_CA_FILE,
	OPT_DOCTOR_PEER_CERT_FILE,
	OPT_DOCTOR_PEER_KEY_FILE,
	OPT_DOCTOR_PEER_INSECURE,
	OPT_DOCTOR_PEER_TIMEOUT,
	OPT_DOCTOR_PROM,
	OPT_DOCTOR_PROM_INSTANCE,
	OPT_DOCTOR_PROM_USER,
	OPT_DOCTOR_PROM_PASSWORD_FILE,
	OPT_DOCTOR_PROM_CA_FILE,
	OPT_DOCTOR_PROM_CERT_FILE,
	OPT_DOCTOR_PROM_KEY_FILE,
	OPT_DOCTOR_PROM_INSECURE,
	OPT_DOCTOR_PROM_TIMEOUT,
	OPT_DOCTOR_PROM_WAIT,
	/* diag */
	OPT_DIAG_LOG_LINES,
	OPT_DIAG_EXPORTER,
	OPT_DIAG_CAPTURE,
	OPT_DIAG_CONN,
	/* heal */
	OPT_HEAL_DRY_RUN,
	/* help (hidden: for the build) */
	OPT_HELP_MAN,
	OPT_HELP_COMPLETION,
};

enum opt_type {
	OPT_T_FLAG,     /* no value */
	OPT_T_TEXT,     /* any non-empty text, checked by the command */
	OPT_T_FILE,     /* an existing file to read (not a directory) */
	OPT_T_PATH,     /* a path to write or to look for later */
	OPT_T_DURATION, /* "250ms", "5s", "2m", "1h", "1d": the unit is required; .num in ns */
	OPT_T_SECONDS,  /* decimal seconds as ping(8) takes them ("0.2"); .num in ns */
	OPT_T_COUNT,    /* an integer in [min, max] */
	OPT_T_SIZE,     /* octets in [min, max] */
	OPT_T_PORT,     /* a port, 1..65535 */
	OPT_T_LISTEN,   /* an HTTP listen address: IPV4:PORT, [IPV6]:PORT, :PORT, localhost:PORT */
	OPT_T_ENDPOINT, /* ADDR or ADDR:PORT or [V6]:PORT (STAMP addresses) */
	OPT_T_IP,       /* an IP address without port */
	OPT_T_PREFIX,   /* ADDR[/LEN] */
	OPT_T_CHOICE,   /* one of .choices */
	OPT_T_BOOL,     /* true or false (also yes/no) */
};

#define OPT_REPEAT 0x1u /* may be given several times */
#define OPT_HIDDEN 0x2u /* not in --help, the man page or the completion */

struct opt {
	enum opt_id id;
	char short_name;       /* 0: none */
	const char *long_name; /* without "--"; NULL: none */
	enum opt_type type;
	const char *metavar; /* "FILE", "DURATION"; NULL for flags */
	const char *help;    /* may hold '\n' for more lines */
	uint64_t min, max;   /* COUNT, SIZE: the range; DURATION, SECONDS: in ns; 0, 0: none */
	const char *const *choices; /* CHOICE: NULL-terminated */
	unsigned flags;
};

/* A checked value. */
struct opt_val {
	const char *text; /* as given (NULL for flags) */
	uint64_t num;     /* COUNT, SIZE, PORT: the number; DURATION, SECONDS: ns; BOOL: 0/1;
	                   * CHOICE: the index in .choices */
};

/* Check @text against @o's type and range: 0 and *ret, or -EINVAL with @err saying what is
 * allowed ("expected a duration with a unit, such as 5s or 250ms, from 1ms to 10m"). */
int opt_value_parse(const struct opt *o, const char *text, struct opt_val *ret, char *err,
                    size_t errlen);
/* @ns in the largest unit that divides it ("250ms", "5s", "10m"), for help texts and errors. */
void opt_format_duration(uint64_t ns, char *out, size_t len);

/* A command's verdict on one option (its value already checked against the table):
 * 0, or -1 with @err ("the STAMP payload needs 44 to 9000 bytes"). */
typedef int (*opt_take_fn)(void *ctx, const struct opt *o, const struct opt_val *v, char *err,
                           size_t errlen);

struct cmd;

/*
 * Parse argv[1..argc-1] against @c's tables: options anywhere (GNU style), "--" ends them,
 * "-xVALUE", "-x VALUE", "--long=VALUE", "--long VALUE", "-qc 5". Operands are moved to
 * argv[1..n] in their order, and their number checked against @c's operands_min and _max.
 * Returns n, or -1 after printing one line to stderr.
 */
int opt_parse(const struct cmd *c, int argc, char **argv, opt_take_fn take, void *ctx);
/* The option of @c with @id (for error messages after parsing), or NULL. */
const struct opt *opt_find(const struct cmd *c, enum opt_id id);
/* "-s" or "--vici.timeout": how help texts and errors name @o. */
const char *opt_name(const struct opt *o, char *buf, size_t len);

#endif
