// SPDX-License-Identifier: Apache-2.0
/*
 * fakevici: a VICI server on a unix socket that answers like charon by replaying packets
 * recorded from a real charon (tests/fixtures/vici/), optionally scaled to N synthetic IKE SAs,
 * and optionally misbehaving on purpose. It exists so that ikewatch's failure tests and the
 * scrape benchmark can run without root, namespaces or thousands of real tunnels, and so that
 * every fault (garbage, oversize, slowness, silence, hang-up) can be produced on demand.
 *
 * One thread per client, answers prepared once at start-up, one write per answer: the fake costs
 * little per request, so a benchmark against it measures the client. Like charon (vici_socket.c
 * queues a connection's requests and works through them one at a time), a client's requests
 * are answered strictly in the order they came, so a client may send several before reading
 * (pipelining), and a command that stalls (--slow, --hang) holds up every request behind it. The
 * wire format is strongSwan's src/libcharon/plugins/vici/README.md; like charon, streamed events
 * are sent only to clients that registered for them, and an EVENT_REGISTER of an event charon does
 * not know is answered EVENT_UNKNOWN.
 */
#include "fv_packets.h"

#include "common/limits.h"
#include "common/num.h"
#include "common/rd.h"
#include "vici/vici_msg.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef FAKEVICI_FIXTURES
#define FAKEVICI_FIXTURES "tests/fixtures/vici"
#endif

/* Clients served at once; more are closed right after accept (charon's own limit is the
 * listen backlog of 3; we are more generous so that benchmarks can run side by side). */
#define FV_CLIENTS_MAX 64
#define FV_SAS_MAX 100000

struct fv_opts {
	const char *socket_path, *fixtures, *sas_rec, *conns_rec, *count_file;
	uint32_t sas;
	bool synth, one_conn, malformed, oversized, hang, stats_alone, verbose;
	uint64_t slow_ms, close_after, busy_every, seed;
};

/* Everything prepared at start-up; read-only afterwards (clients copy what they patch). */
struct fv_world {
	struct fv_opts o;
	uint8_t *version, *stats, *confirm, *event_unknown, *cmd_unknown;
	size_t version_len, stats_len, confirm_len, event_unknown_len, cmd_unknown_len;
	struct fv_stream list_sas, list_conns, list_certs;
	atomic_uint_fast64_t generation; /* list-sas requests so far, all clients */
	pthread_mutex_t count_lock;      /* --count-file: one writer at a time */
	uint64_t requests;               /* list-sas requests received, under count_lock */
	atomic_int clients;
};

struct fv_client {
	struct fv_world *w;
	int fd;
	unsigned id;
	bool reg_sa, reg_conn, reg_cert; /* registered for the streamed events */
	bool stalled;                    /* --hang: stuck in a list-sas, answers no more */
	uint8_t *sas_copy;               /* this client's list-sas bytes, counters advanced */
	uint64_t full_lists;             /* noblock list-sas requests not narrowed */
	uint8_t *pkt;                    /* receive buffer, VICI_MSG_MAX */
};

/* Events charon 5.9 knows (vici_query.c, vici_control.c, vici_config.c, vici_cred.c,
 * vici_logger.c); the rest get EVENT_UNKNOWN, as from charon. */
static const char *const fv_known_events[] = {
    "list-sa",        "list-policy", "list-conn", "list-cert",
    "list-authority", "ike-updown",  "ike-rekey", "ike-update",
    "child-updown",   "child-rekey", "log",       "control-log",
};

static void fv_usage(FILE *f)
{
	fputs("Usage: fakevici [OPTIONS] SOCKET_PATH\n"
	      "Replays VICI packets recorded from charon on a unix socket.\n\n"
	      "  --fixtures DIR       recorded packets (default " FAKEVICI_FIXTURES ")\n"
	      "  --sas N              synthesise N IKE SAs (one CHILD each) and N conns\n"
	      "  --one-conn           with --sas: one conn 'a-b' holding all N IKE SAs\n"
	      "  --seed N             with --sas: SPIs that no fakevici with another seed has\n"
	      "                       (a fleet of them, as bench/fleet.sh runs; default 0)\n"
	      "  --list-sas-rec REC   replay recording REC for list-sas (default\n"
	      "                       list-sas.established.a)\n"
	      "  --list-conns-rec REC replay recording REC for list-conns (default list-conns.a)\n"
	      "  --malformed          list-sas sends a list-sa event with a broken element stream\n"
	      "  --oversized          list-sas sends a packet header announcing over 512 KiB\n"
	      "  --slow MS            sleep MS milliseconds before answering list-sas\n"
	      "  --count-file FILE    write the number of list-sas requests received so far\n"
	      "                       into FILE at each one (a test counts VICI round trips)\n"
	      "  --hang               never answer list-sas, nor anything sent after it\n"
	      "  --close-after N      close each connection after answering N commands\n"
	      "  --busy-every N       every Nth list-sas with noblock=yes of a connection lists\n"
	      "                       no IKE SA, as charon skips SAs another thread holds; one\n"
	      "                       narrowed by ike or ike-id, or blocking, answers in full\n"
	      "  --stats-alone        close the connection when a request already waits behind\n"
	      "                       a stats request (charon would count it as a queued job)\n"
	      "  -v, --verbose        log every packet to stderr\n",
	      f);
}

static int fv_parse(int argc, char **argv, struct fv_opts *o)
{
	enum {
		O_FIX = 1000,
		O_SAS,
		O_ONE,
		O_SASREC,
		O_CONNREC,
		O_MAL,
		O_OVER,
		O_SLOW,
		O_HANG,
		O_CLOSE,
		O_BUSY,
		O_COUNT,
		O_SEED,
		O_STATS_ALONE
	};
	static const struct option longopts[] = {
	    {"fixtures", required_argument, NULL, O_FIX},
	    {"sas", required_argument, NULL, O_SAS},
	    {"one-conn", no_argument, NULL, O_ONE},
	    {"list-sas-rec", required_argument, NULL, O_SASREC},
	    {"list-conns-rec", required_argument, NULL, O_CONNREC},
	    {"malformed", no_argument, NULL, O_MAL},
	    {"oversized", no_argument, NULL, O_OVER},
	    {"slow", required_argument, NULL, O_SLOW},
	    {"hang", no_argument, NULL, O_HANG},
	    {"close-after", required_argument, NULL, O_CLOSE},
	    {"busy-every", required_argument, NULL, O_BUSY},
	    {"count-file", required_argument, NULL, O_COUNT},
	    {"seed", required_argument, NULL, O_SEED},
	    {"stats-alone", no_argument, NULL, O_STATS_ALONE},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t v;
	int opt;

	o->fixtures = FAKEVICI_FIXTURES;
	o->sas_rec = "list-sas.established.a";
	o->conns_rec = "list-conns.a";
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case O_FIX:
			o->fixtures = optarg;
			break;
		case O_SAS:
			if (num_parse_u64_str(optarg, FV_SAS_MAX, &v) < 0 || v == 0) {
				fprintf(stderr, "fakevici: --sas wants 1..%d\n", FV_SAS_MAX);
				return -EINVAL;
			}
			o->sas = (uint32_t)v;
			o->synth = true;
			break;
		case O_ONE:
			o->one_conn = true;
			break;
		case O_SEED:
			if (num_parse_u64_str(optarg, UINT32_MAX, &o->seed) < 0) {
				fprintf(stderr, "fakevici: --seed wants 0..%" PRIu32 "\n",
				        UINT32_MAX);
				return -EINVAL;
			}
			break;
		case O_SASREC:
			o->sas_rec = optarg;
			break;
		case O_CONNREC:
			o->conns_rec = optarg;
			break;
		case O_MAL:
			o->malformed = true;
			break;
		case O_OVER:
			o->oversized = true;
			break;
		case O_SLOW:
			if (num_parse_u64_str(optarg, 3600000, &o->slow_ms) < 0) {
				fprintf(stderr, "fakevici: --slow wants milliseconds\n");
				return -EINVAL;
			}
			break;
		case O_HANG:
			o->hang = true;
			break;
		case O_BUSY:
			if (num_parse_u64_str(optarg, UINT32_MAX, &o->busy_every) < 0 ||
			    o->busy_every == 0) {
				fprintf(stderr, "fakevici: --busy-every wants a positive count\n");
				return -EINVAL;
			}
			break;
		case O_CLOSE:
			if (num_parse_u64_str(optarg, UINT32_MAX, &o->close_after) < 0 ||
			    o->close_after == 0) {
				fprintf(stderr, "fakevici: --close-after wants a positive count\n");
				return -EINVAL;
			}
			break;
		case O_COUNT:
			o->count_file = optarg;
			break;
		case O_STATS_ALONE:
			o->stats_alone = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fv_usage(stdout);
			exit(0);
		default:
			fv_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind + 1 != argc) {
		fv_usage(stderr);
		return -EINVAL;
	}
	o->socket_path = argv[optind];
	if (strncmp(o->socket_path, "unix://", 7) == 0)
		o->socket_path += 7;
	return 0;
}

static int fv_load_one(struct fv_world *w, const char *file, uint8_t **ret, size_t *ret_len)
{
	int err = fv_load_packet(w->o.fixtures, file, ret, ret_len);

	if (err < 0)
		fprintf(stderr, "fakevici: %s/%s: %s\n", w->o.fixtures, file, strerror(-err));
	return err;
}

static int fv_load_rec(struct fv_world *w, const char *rec, struct fv_stream *ret)
{
	int err = fv_load_stream(w->o.fixtures, rec, ret);

	if (err < 0)
		fprintf(stderr, "fakevici: recording %s in %s: %s\n", rec, w->o.fixtures,
		        strerror(-err));
	return err;
}

/* Prepare every answer. The synthetic streams take the recorded list-sa / list-conn event of
 * the established lab as their template. */
static int fv_world_init(struct fv_world *w)
{
	int err;

	if ((err = fv_load_one(w, "version.a.0002.rx-cmd-response.bin", &w->version,
	                       &w->version_len)) < 0 ||
	    (err = fv_load_one(w, "stats.a.0002.rx-cmd-response.bin", &w->stats, &w->stats_len)) <
	        0 ||
	    (err = fv_load_one(w, "list-sas.established.a.0002.rx-event-confirm.bin", &w->confirm,
	                       &w->confirm_len)) < 0 ||
	    (err = fv_load_one(w, "unknown-event.a.0002.rx-event-unknown.bin", &w->event_unknown,
	                       &w->event_unknown_len)) < 0 ||
	    (err = fv_load_one(w, "unknown-command.a.0002.rx-cmd-unknown.bin", &w->cmd_unknown,
	                       &w->cmd_unknown_len)) < 0 ||
	    (err = fv_load_rec(w, "list-certs.a", &w->list_certs)) < 0)
		return err;
	if (!w->o.synth) {
		if ((err = fv_load_rec(w, w->o.sas_rec, &w->list_sas)) < 0 ||
		    (err = fv_load_rec(w, w->o.conns_rec, &w->list_conns)) < 0)
			return err;
	} else {
		struct fv_stream sa_rec = {0}, conn_rec = {0};
		struct rd r;
		uint32_t ev_len = 0;

		if ((err = fv_load_rec(w, "list-sas.established.a", &sa_rec)) < 0)
			return err;
		if ((err = fv_load_rec(w, "list-conns.a", &conn_rec)) < 0) {
			fv_stream_done(&sa_rec);
			return err;
		}
		/* the first event of each recording is the template (a-b) */
		rd_init(&r, sa_rec.data, sa_rec.len);
		err = rd_u32(&r, &ev_len);
		if (!err)
			err = fv_synth_sas(sa_rec.data, 4 + (size_t)ev_len,
			                   sa_rec.data + sa_rec.resp_off,
			                   sa_rec.len - sa_rec.resp_off, w->o.sas, w->o.one_conn,
			                   w->o.seed, &w->list_sas);
		rd_init(&r, conn_rec.data, conn_rec.len);
		if (!err)
			err = rd_u32(&r, &ev_len);
		if (!err)
			err = fv_synth_conns(conn_rec.data, 4 + (size_t)ev_len,
			                     conn_rec.data + conn_rec.resp_off,
			                     conn_rec.len - conn_rec.resp_off, w->o.sas,
			                     w->o.one_conn, &w->list_conns);
		fv_stream_done(&sa_rec);
		fv_stream_done(&conn_rec);
		if (err < 0) {
			fprintf(stderr, "fakevici: synthesising %" PRIu32 " SAs: %s\n", w->o.sas,
			        strerror(-err));
			return err;
		}
	}
	if (w->o.malformed && (err = fv_stream_malform(&w->list_sas)) < 0) {
		fprintf(stderr, "fakevici: --malformed needs a list-sas recording with events\n");
		return err;
	}
	return 0;
}

static void fv_world_done(struct fv_world *w)
{
	free(w->version);
	free(w->stats);
	free(w->confirm);
	free(w->event_unknown);
	free(w->cmd_unknown);
	fv_stream_done(&w->list_sas);
	fv_stream_done(&w->list_conns);
	fv_stream_done(&w->list_certs);
}

/* Read exactly @len bytes; 0, or -ECONNRESET at EOF, or -errno. It waits in poll(), as charon's
 * watcher does (libstrongswan's watcher.c), not in read(): a thread asleep in a unix socket's
 * read() is woken each time the client takes in a message of ours (the kernel's "room to write
 * again" wake-up is not filtered for a reader, as it is for a poller), in the client's read.
 * charon's clients see no such wake-ups (perf: 9 % of serve's samples at 1 SA were in them). */
static int fv_read_full(int fd, uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n;

		if (poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, -1) < 0 && errno != EINTR)
			return -errno;
		n = read(fd, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n == 0) {
			return -ECONNRESET;
		} else if (errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

static int fv_write_full(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

static void fv_sleep_ms(uint64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
	                      .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A streamed answer: events only to a registered client, then the CMD_RESPONSE. */
static int fv_send_stream(struct fv_client *c, const struct fv_stream *s, const uint8_t *data,
                          bool registered)
{
	if (registered)
		return fv_write_full(c->fd, data, s->len);
	return fv_write_full(c->fd, data + s->resp_off, s->len - s->resp_off);
}

/* --count-file: one more list-sas request arrived (counted before any --slow pause, so that a
 * test sees the request in flight). */
static void fv_count_request(struct fv_world *w)
{
	char line[32];
	FILE *f;

	if (!w->o.count_file)
		return;
	pthread_mutex_lock(&w->count_lock);
	snprintf(line, sizeof(line), "%" PRIu64 "\n", ++w->requests);
	f = fopen(w->o.count_file, "we");
	if (f) {
		fputs(line, f);
		fclose(f);
	}
	pthread_mutex_unlock(&w->count_lock);
}

static int fv_list_sas(struct fv_client *c, bool may_skip)
{
	struct fv_world *w = c->w;
	uint64_t gen;

	fv_count_request(w);
	if (w->o.hang) {
		/* the request is swallowed, and so is every request behind it, as in charon
		 * (its one job per connection stuck): the client's deadline must save it */
		c->stalled = true;
		return 0;
	}
	if (w->o.slow_ms)
		fv_sleep_ms(w->o.slow_ms);
	if (w->o.oversized) {
		/* a length one byte over VICI_MSG_MAX (strongSwan's VICI_MESSAGE_SIZE_MAX), then
		 * a little filler: a client must give up on the header alone */
		uint8_t hdr[64] = {0};
		uint32_t len = VICI_MSG_MAX + 1;

		hdr[0] = (uint8_t)(len >> 24);
		hdr[1] = (uint8_t)(len >> 16);
		hdr[2] = (uint8_t)(len >> 8);
		hdr[3] = (uint8_t)len;
		hdr[4] = VICI_PKT_EVENT;
		return fv_write_full(c->fd, hdr, sizeof(hdr));
	}
	if (!c->sas_copy) {
		c->sas_copy = malloc(w->list_sas.len);
		if (!c->sas_copy)
			return -ENOMEM;
		memcpy(c->sas_copy, w->list_sas.data, w->list_sas.len);
	}
	gen = atomic_fetch_add(&w->generation, 1) + 1;
	fv_stream_advance(&w->list_sas, c->sas_copy, gen);
	if (w->o.busy_every && may_skip && ++c->full_lists % w->o.busy_every == 0)
		return fv_send_stream(c, &w->list_sas, c->sas_copy, false); /* all "busy" */
	return fv_send_stream(c, &w->list_sas, c->sas_copy, c->reg_sa);
}

/* charon counts the jobs waiting for a worker when it runs stats, the client's own requests
 * that wait behind it among them: with --stats-alone such a request ends the connection. */
static int fv_stats(struct fv_client *c)
{
	int waiting = 0;

	if (c->w->o.stats_alone && ioctl(c->fd, FIONREAD, &waiting) == 0 && waiting > 0) {
		fprintf(stderr, "fakevici: stats with %d bytes of requests behind it\n", waiting);
		return -EPROTO;
	}
	return fv_write_full(c->fd, c->w->stats, c->w->stats_len);
}

static int fv_command(struct fv_client *c, const char *name, const struct vici_msg *m)
{
	struct fv_world *w = c->w;

	if (strcmp(name, "version") == 0)
		return fv_write_full(c->fd, w->version, w->version_len);
	if (strcmp(name, "stats") == 0)
		return fv_stats(c);
	if (strcmp(name, "list-sas") == 0)
		return fv_list_sas(c, vici_find(m, 0, "noblock") && !vici_find(m, 0, "ike") &&
		                          !vici_find(m, 0, "ike-id"));
	if (strcmp(name, "list-conns") == 0)
		return fv_send_stream(c, &w->list_conns, w->list_conns.data, c->reg_conn);
	if (strcmp(name, "list-certs") == 0)
		return fv_send_stream(c, &w->list_certs, w->list_certs.data, c->reg_cert);
	return fv_write_full(c->fd, w->cmd_unknown, w->cmd_unknown_len);
}

static int fv_register(struct fv_client *c, const char *name, bool on)
{
	bool known = false;

	for (size_t i = 0; i < sizeof(fv_known_events) / sizeof(fv_known_events[0]); i++)
		known = known || strcmp(name, fv_known_events[i]) == 0;
	if (!known)
		return fv_write_full(c->fd, c->w->event_unknown, c->w->event_unknown_len);
	if (strcmp(name, "list-sa") == 0)
		c->reg_sa = on;
	else if (strcmp(name, "list-conn") == 0)
		c->reg_conn = on;
	else if (strcmp(name, "list-cert") == 0)
		c->reg_cert = on;
	return fv_write_full(c->fd, c->w->confirm, c->w->confirm_len);
}

/* One packet from the client: 0 to go on, 1 to close after a last answer, <0 to drop it. */
static int fv_handle(struct fv_client *c, const uint8_t *pkt, size_t len, uint64_t *commands)
{
	struct vici_msg m = {0};
	char name[256] = "";
	int err;

	/* the whole request goes through the codec, so a client that sends garbage is closed,
	 * as charon does */
	if ((err = vici_msg_decode(&m, pkt, len)) < 0)
		return err;
	if (c->stalled) {
		vici_msg_done(&m);
		return 0;
	}
	if (m.name_len)
		memcpy(name, m.name, m.name_len);
	name[m.name_len] = '\0';
	if (c->w->o.verbose)
		fprintf(stderr, "fakevici: client %u: %s %s\n", c->id, vici_pkt_name(m.type), name);
	switch (m.type) {
	case VICI_PKT_CMD_REQUEST:
		err = fv_command(c, name, &m);
		if (!err && c->w->o.close_after && ++*commands >= c->w->o.close_after)
			err = 1;
		break;
	case VICI_PKT_EVENT_REGISTER:
	case VICI_PKT_EVENT_UNREGISTER:
		err = fv_register(c, name, m.type == VICI_PKT_EVENT_REGISTER);
		break;
	default:
		err = -EBADMSG; /* only clients' packet types are accepted */
		break;
	}
	vici_msg_done(&m);
	return err;
}

static void *fv_client_main(void *arg)
{
	struct fv_client *c = arg;
	uint64_t commands = 0;
	int err;

	for (;;) {
		uint8_t hdr[4];
		uint32_t len;

		if ((err = fv_read_full(c->fd, hdr, 4)) < 0)
			break;
		if ((err = vici_frame_len(hdr, &len)) < 0)
			break;
		if ((err = fv_read_full(c->fd, c->pkt, len)) < 0)
			break;
		if ((err = fv_handle(c, c->pkt, len, &commands)) != 0)
			break;
	}
	if (c->w->o.verbose)
		fprintf(stderr, "fakevici: client %u: closing (%s)\n", c->id,
		        err > 0 ? "--close-after" : strerror(-err));
	close(c->fd);
	atomic_fetch_sub(&c->w->clients, 1);
	free(c->sas_copy);
	free(c->pkt);
	free(c);
	return NULL;
}

static void fv_accept(struct fv_world *w, int lfd, unsigned *next_id)
{
	struct fv_client *c;
	pthread_attr_t attr;
	pthread_t t;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (atomic_load(&w->clients) >= FV_CLIENTS_MAX) {
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->pkt = malloc(VICI_MSG_MAX);
	if (!c || !c->pkt) {
		if (c)
			free(c);
		close(fd);
		return;
	}
	c->w = w;
	c->fd = fd;
	c->id = ++*next_id;
	atomic_fetch_add(&w->clients, 1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, fv_client_main, c) != 0) {
		atomic_fetch_sub(&w->clients, 1);
		close(fd);
		free(c->pkt);
		free(c);
	}
	pthread_attr_destroy(&attr);
}

/* Bind under a temporary name, listen, then rename into place: a client that sees the path
 * can always connect (no window between bind and listen). */
static int fv_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char tmp[sizeof(sa.sun_path)];
	int fd, err;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(tmp);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
	    rename(tmp, path) < 0) {
		err = -errno;
		unlink(tmp);
		close(fd);
		return err;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct fv_world *w = calloc(1, sizeof(*w));
	unsigned next_id = 0;
	sigset_t sigs;
	int lfd, sfd, r = 1;

	if (!w)
		return 1;
	pthread_mutex_init(&w->count_lock, NULL);
	if (fv_parse(argc, argv, &w->o) < 0)
		goto out_world;
	if (fv_world_init(w) < 0)
		goto out_world;
	/* the signals that end us are read from a signalfd by this thread only */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("fakevici: signalfd");
		goto out_world;
	}
	lfd = fv_listen(w->o.socket_path);
	if (lfd < 0) {
		fprintf(stderr, "fakevici: %s: %s\n", w->o.socket_path, strerror(-lfd));
		goto out_sfd;
	}
	fprintf(stderr,
	        "fakevici: listening on %s: %" PRIu32 " list-sa events (%zu bytes), %" PRIu32
	        " list-conn events%s%s%s%s\n",
	        w->o.socket_path, w->list_sas.n_events, w->list_sas.len, w->list_conns.n_events,
	        w->o.malformed ? ", malformed" : "", w->o.oversized ? ", oversized" : "",
	        w->o.hang ? ", hang" : "", w->o.slow_ms ? ", slow" : "");
	for (;;) {
		struct pollfd p[2] = {{.fd = lfd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents)
			fv_accept(w, lfd, &next_id);
	}
	r = 0;
	unlink(w->o.socket_path);
	close(lfd);
out_sfd:
	close(sfd);
out_world:
	/* client threads may still run and use the world: exit without freeing it then */
	if (atomic_load(&w->clients) > 0)
		_exit(r);
	fv_world_done(w);
	free(w);
	return r;
}
