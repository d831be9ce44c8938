// SPDX-License-Identifier: Apache-2.0
/*
 * vici_bare: the floor that charon sets for a scrape. It does what ikewatch's collector does on
 * the wire at every scrape (list-conns, then list-sas with noblock=yes, on one persistent
 * connection registered once for the list-conn and list-sa stream events) but does nothing
 * with the answer: it frames packets by their 4-byte length prefix, looks at each type byte
 * to see the CMD_RESPONSE that ends a command, and skips everything else unread. The scrape
 * benchmark (bench_scrape.sh) compares ikewatch's whole scrape with this.
 *
 * With -a, the floor for the same bytes a scrape reads: every command the collector sends, as
 * it sends them: stats alone (charon counts the jobs waiting for a worker when it runs stats,
 * and a request waiting behind it would be one), then list-conns, list-sas, get-counters,
 * get-counters all=yes, get-pools (list-certs only once a minute, left out) pipelined at once:
 * the fastest a client could fetch those answers without charon counting its own requests.
 *
 * Usage: vici_bare [-a] [-n RUNS] [-w WARMUP] SOCKET_PATH
 * Prints one line per run: microseconds for the round trip, then the bytes received.
 */
#include "common/limits.h"
#include "common/num.h"
#include "common/rd.h"
#include "vici/vici_msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BARE_READ_CHUNK (256u * 1024u)
#define BARE_RUNS_MAX 100000

/* Framing state across reads: the next packet's header, or how much of a body to skip. */
struct bare_framer {
	uint8_t hdr[5];
	unsigned have;
	uint64_t skip;
	unsigned left; /* packets of type @want still to come (the last one may be being
	                * skipped) */
	uint8_t want;  /* packet type that ends each command */
	uint64_t bytes;
};

static uint64_t bare_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Feed @n bytes; 1 once the last wanted packet has been read to its end, 0 for more, <0 on a
 * bad length prefix. Bytes after it would belong to no command: none are sent. */
static int bare_feed(struct bare_framer *f, const uint8_t *p, size_t n)
{
	f->bytes += n;
	while (n > 0) {
		if (f->skip > 0) {
			size_t k = f->skip < n ? (size_t)f->skip : n;

			f->skip -= k;
			p += k;
			n -= k;
			continue;
		}
		f->hdr[f->have++] = *p++;
		n--;
		if (f->have == 5) {
			struct rd r;
			uint32_t len;
			int err;

			rd_init(&r, f->hdr, 4);
			if ((err = rd_u32(&r, &len)) < 0 ||
			    (err = vici_frame_len(f->hdr, &len)) < 0)
				return err;
			f->skip = len - 1; /* the type byte is read */
			f->have = 0;
			/* a command charon does not have (get-counters without the counters
			 * plugin) ends with CMD_UNKNOWN instead */
			if ((f->hdr[4] == f->want || (f->want == VICI_PKT_CMD_RESPONSE &&
			                              f->hdr[4] == VICI_PKT_CMD_UNKNOWN)) &&
			    f->left > 0)
				f->left--;
		}
		if (f->left == 0 && f->skip == 0 && f->have == 0)
			return n == 0 ? 1 : -EPROTO;
	}
	return f->left == 0 && f->skip == 0 && f->have == 0 ? 1 : 0;
}

static int bare_send(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send @len bytes of requests and read until @count packets of type @want have been read
 * whole. */
static int bare_exchange(int fd, const uint8_t *req, size_t len, uint8_t want, unsigned count,
                         uint8_t *buf, uint64_t *bytes)
{
	struct bare_framer f = {.want = want, .left = count};
	int err;

	if ((err = bare_send(fd, req, len)) < 0)
		return err;
	for (;;) {
		ssize_t n = read(fd, buf, BARE_READ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		err = bare_feed(&f, buf, (size_t)n);
		if (err < 0)
			return err;
		if (err == 1)
			break;
	}
	*bytes += f.bytes;
	return 0;
}

/* One request, with @key = yes when given. */
static int bare_build(uint8_t type, const char *name, const char *key, uint8_t **ret, size_t *len)
{
	struct vici_builder b;

	vici_build_init(&b, type, name);
	if (key)
		vici_build_kv_str(&b, key, "yes");
	return vici_build_finish(&b, ret, len);
}

/* The requests of a scrape after stats, in the collector's order, one after the other in one
 * buffer. */
static const struct {
	const char *name, *key;
} bare_scrape[] = {
    {"list-conns", NULL},    {"list-sas", "noblock"}, {"get-counters", NULL},
    {"get-counters", "all"}, {"get-pools", NULL},
};
#define BARE_SCRAPE_N (sizeof(bare_scrape) / sizeof(bare_scrape[0]))

static int bare_build_scrape(uint8_t **ret, size_t *len)
{
	uint8_t *all = NULL;
	size_t n = 0;

	for (size_t i = 0; i < BARE_SCRAPE_N; i++) {
		uint8_t *one, *grown;
		size_t k;

		if (bare_build(VICI_PKT_CMD_REQUEST, bare_scrape[i].name, bare_scrape[i].key, &one,
		               &k) < 0 ||
		    !(grown = realloc(all, n + k))) {
			free(all);
			return -ENOMEM;
		}
		memcpy(grown + n, one, k);
		free(one);
		all = grown;
		n += k;
	}
	*ret = all;
	*len = n;
	return 0;
}

#define BARE_USAGE "usage: vici_bare [-a] [-n RUNS] [-w WARMUP] SOCKET_PATH\n"

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	uint8_t *reg_conn = NULL, *reg_sa = NULL, *list_conns = NULL, *list_sas = NULL;
	uint8_t *stats = NULL, *scrape = NULL, *buf;
	size_t reg_conn_len, reg_sa_len, list_conns_len, list_sas_len, stats_len, scrape_len;
	uint64_t runs = 30, warmup = 3;
	bool all = false;
	const char *path;
	int opt, fd, err = 0, r = 1;

	while ((opt = getopt(argc, argv, "an:w:")) != -1) {
		if (opt == 'a') {
			all = true;
			continue;
		}
		if (opt == 'n' && num_parse_u64_str(optarg, BARE_RUNS_MAX, &runs) == 0)
			continue;
		if (opt == 'w' && num_parse_u64_str(optarg, BARE_RUNS_MAX, &warmup) == 0)
			continue;
		fprintf(stderr, BARE_USAGE);
		return 2;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, BARE_USAGE);
		return 2;
	}
	path = argv[optind];
	if (strncmp(path, "unix://", 7) == 0)
		path += 7;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vici_bare: socket path too long\n");
		return 2;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	buf = malloc(BARE_READ_CHUNK);
	if (!buf ||
	    bare_build(VICI_PKT_EVENT_REGISTER, "list-conn", NULL, &reg_conn, &reg_conn_len) < 0 ||
	    bare_build(VICI_PKT_EVENT_REGISTER, "list-sa", NULL, &reg_sa, &reg_sa_len) < 0 ||
	    bare_build(VICI_PKT_CMD_REQUEST, "list-conns", NULL, &list_conns, &list_conns_len) <
	        0 ||
	    bare_build(VICI_PKT_CMD_REQUEST, "list-sas", "noblock", &list_sas, &list_sas_len) < 0 ||
	    bare_build(VICI_PKT_CMD_REQUEST, "stats", NULL, &stats, &stats_len) < 0 ||
	    bare_build_scrape(&scrape, &scrape_len) < 0) {
		fprintf(stderr, "vici_bare: out of memory\n");
		goto out_free;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "vici_bare: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out_free;
	}
	uint64_t dummy = 0;

	/* registration once, as ikewatch's persistent connection does */
	if ((err = bare_exchange(fd, reg_conn, reg_conn_len, VICI_PKT_EVENT_CONFIRM, 1, buf,
	                         &dummy)) < 0 ||
	    (err = bare_exchange(fd, reg_sa, reg_sa_len, VICI_PKT_EVENT_CONFIRM, 1, buf, &dummy)) <
	        0)
		goto out_err;
	for (uint64_t i = 0; i < warmup + runs; i++) {
		uint64_t bytes = 0, t0 = bare_now_ns();

		if (all) {
			err = bare_exchange(fd, stats, stats_len, VICI_PKT_CMD_RESPONSE, 1, buf,
			                    &bytes);
			if (err == 0)
				err = bare_exchange(fd, scrape, scrape_len, VICI_PKT_CMD_RESPONSE,
				                    BARE_SCRAPE_N, buf, &bytes);
		} else if ((err = bare_exchange(fd, list_conns, list_conns_len,
		                                VICI_PKT_CMD_RESPONSE, 1, buf, &bytes)) == 0) {
			err = bare_exchange(fd, list_sas, list_sas_len, VICI_PKT_CMD_RESPONSE, 1,
			                    buf, &bytes);
		}
		if (err < 0)
			goto out_err;
		if (i >= warmup)
			printf("%.1f %llu\n", (double)(bare_now_ns() - t0) / 1e3,
			       (unsigned long long)bytes);
	}
	r = 0;
out_err:
	if (err < 0)
		fprintf(stderr, "vici_bare: %s: %s\n", path, strerror(-err));
	close(fd);
out_free:
	free(reg_conn);
	free(reg_sa);
	free(list_conns);
	free(list_sas);
	free(stats);
	free(scrape);
	free(buf);
	return r;
}
