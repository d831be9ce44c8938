// SPDX-License-Identifier: Apache-2.0
/*
 * The VICI client connection (src/vici/vici_conn.c) against an in-process fake charon: a
 * thread listening on a unix socket in a fresh temporary directory that follows a script of
 * steps (accept, read and compare a request, write recorded charon packets whole or byte by
 * byte, stall, hang up). Covers plain and streamed commands, events queued while a command or
 * a registration runs, CMD_UNKNOWN / EVENT_UNKNOWN, a daemon that stops mid-packet, deadlines,
 * oversized and zero length headers, reconnecting on the next call after a failure, and
 * pipelined requests (answers matched to their requests; a failure midway).
 */
#include "test.h"

#include "fixture.h"
#include "tmpdir.h"
#include "common/clock.h"
#include "common/limits.h"
#include "vici/vici_conn.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* --- the fake charon --- */

enum srv_op {
	OP_ACCEPT,     /* accept the next connection (closing the previous one) */
	OP_EXPECT,     /* read one packet; if .file/.data is set it must match byte for byte */
	OP_WRITE,      /* write .file (a recording, with its prefix) or .data, .repeat times */
	OP_WRITE_SLOW, /* the same, one byte per send() */
	OP_WRITE_HALF, /* the first half of .file only */
	OP_SLEEP,      /* .ms milliseconds */
	OP_CLOSE,      /* hang up */
	OP_WAIT_EOF,   /* wait (at most 5 s) until the client hangs up */
};

struct step {
	enum srv_op op;
	const char *file;
	const uint8_t *data;
	size_t len;
	int repeat;
	int ms;
};

struct srv {
	char dir[64], path[100];
	int lfd, cfd;
	const struct step *steps;
	size_t n_steps;
	pthread_t thread;
	char why[256]; /* empty: the script ran to the end as written */
	unsigned reads;
};

static void srv_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int srv_read_full(int fd, uint8_t *p, size_t len)
{
	while (len > 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&pfd, 1, 5000) <= 0)
			return -ETIMEDOUT;
		n = read(fd, p, len);
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int srv_write(int fd, const uint8_t *p, size_t len, bool slow)
{
	while (len > 0) {
		ssize_t n = send(fd, p, slow ? 1 : len, MSG_NOSIGNAL);

		/* a client that already hung up (it aborted, as some tests make it) is what
		 * those tests want: the following OP_WAIT_EOF checks it */
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return 0;
		if (n <= 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int srv_step(struct srv *s, const struct step *st)
{
	uint8_t *file = NULL, hdr[4], *pkt;
	const uint8_t *data = st->data;
	size_t len = st->len;
	uint32_t plen;
	int err = 0;

	if (st->file) {
		if (fixture_load(st->file, &file, &len) < 0) {
			snprintf(s->why, sizeof(s->why), "cannot load %s", st->file);
			return -1;
		}
		data = file;
	}
	switch (st->op) {
	case OP_ACCEPT:
		if (s->cfd >= 0)
			close(s->cfd);
		s->cfd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (s->cfd < 0)
			err = -errno;
		break;
	case OP_EXPECT:
		if ((err = srv_read_full(s->cfd, hdr, 4)) < 0)
			break;
		plen = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 |
		       hdr[3];
		if (plen == 0 || plen > VICI_MSG_MAX) {
			err = -EBADMSG;
			break;
		}
		pkt = malloc(plen);
		if (!pkt || (err = srv_read_full(s->cfd, pkt, plen)) < 0) {
			free(pkt);
			err = err ? err : -ENOMEM;
			break;
		}
		__atomic_add_fetch(&s->reads, 1, __ATOMIC_SEQ_CST);
		if (data && (plen + 4 != len || memcmp(hdr, data, 4) != 0 ||
		             memcmp(pkt, data + 4, plen) != 0)) {
			snprintf(s->why, sizeof(s->why), "read %u: request differs from %s",
			         s->reads, st->file ? st->file : "the expected bytes");
			err = -EBADMSG;
		}
		free(pkt);
		break;
	case OP_WRITE:
	case OP_WRITE_SLOW:
		for (int i = 0; i < (st->repeat ? st->repeat : 1) && !err; i++)
			err = srv_write(s->cfd, data, len, st->op == OP_WRITE_SLOW);
		break;
	case OP_WRITE_HALF:
		err = srv_write(s->cfd, data, len / 2, false);
		break;
	case OP_SLEEP:
		srv_sleep_ms(st->ms);
		break;
	case OP_CLOSE:
		close(s->cfd);
		s->cfd = -1;
		break;
	case OP_WAIT_EOF: {
		uint8_t b;

		err = srv_read_full(s->cfd, &b, 1) == -ECONNRESET ? 0 : -EPROTO;
		break;
	}
	}
	free(file);
	if (err && !s->why[0])
		snprintf(s->why, sizeof(s->why), "step op %d: %s", st->op, strerror(-err));
	return err;
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;

	for (size_t i = 0; i < s->n_steps; i++)
		if (srv_step(s, &s->steps[i]) < 0)
			break;
	return NULL;
}

/* A directory of its own for each socket, in the binary's scratch directory (tmpdir.h), so that
 * a case stopped by a failed assertion before SRV_FINISH leaves nothing in /tmp. */
static int scratch_dir(char *out, size_t len)
{
	static unsigned made;
	char name[32];

	snprintf(name, sizeof(name), "vici-%u", made++);
	if (!tmpdir_path(name, out, len))
		return -ENAMETOOLONG;
	return mkdir(out, 0700) < 0 ? -errno : 0;
}

static int srv_start(struct srv *s, const struct step *steps, size_t n)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int err;

	memset(s, 0, sizeof(*s));
	s->cfd = -1;
	s->steps = steps;
	s->n_steps = n;
	if ((err = scratch_dir(s->dir, sizeof(s->dir))) < 0)
		return err;
	snprintf(s->path, sizeof(s->path), "%s/charon.vici", s->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->lfd, 3) < 0)
		return -errno;
	return -pthread_create(&s->thread, NULL, srv_main, s);
}

/* Join the script and clean up; returns false (and says why) if it did not run as written. */
static bool srv_finish(struct srv *s)
{
	pthread_join(s->thread, NULL);
	if (s->cfd >= 0)
		close(s->cfd);
	close(s->lfd);
	unlink(s->path);
	rmdir(s->dir);
	if (s->why[0])
		test_fail(__FILE__, __LINE__, "fake charon: %s", s->why);
	return !s->why[0];
}

#define SRV_START(s, steps)                                                                        \
	T_EQ_INT(srv_start(&(s), (steps), sizeof(steps) / sizeof((steps)[0])), 0)
#define SRV_FINISH(s) T_ASSERT(srv_finish(&(s)))

static const uint8_t too_big_hdr[] = {0x00, 0x08, 0x00, 0x01}; /* VICI_MSG_MAX + 1 */
static const uint8_t zero_hdr[] = {0, 0, 0, 0};
static const uint8_t bad_response[] = {0, 0, 0, 2, 1, 2}; /* a section end at top level */

/* Streamed-event callback: counts list-sa events and checks their shape. */
struct stream_ctx {
	int events;
	int bad;
	int fail_at; /* return -ECANCELED on this event (1-based), 0: never */
};

static int count_list_sa(void *arg, const struct vici_msg *m)
{
	struct stream_ctx *ctx = arg;
	uint32_t ike = vici_find(m, 0, "a-b");

	ctx->events++;
	if (m->type != VICI_PKT_EVENT || m->name_len != 7 || memcmp(m->name, "list-sa", 7) != 0 ||
	    !ike || m->elems[ike].type != VICI_ELEM_SECTION_START)
		ctx->bad++;
	return ctx->events == ctx->fail_at ? -ECANCELED : 0;
}

static int build_list_sas(uint8_t **ret, size_t *ret_len)
{
	struct vici_builder b;

	vici_build_init(&b, VICI_PKT_CMD_REQUEST, "list-sas");
	vici_build_kv_str(&b, "noblock", "yes");
	return vici_build_finish(&b, ret, ret_len);
}

static bool msg_named(const struct vici_msg *m, const char *name)
{
	return m->name && m->name_len == strlen(name) && memcmp(m->name, name, m->name_len) == 0;
}

/* --- tests --- */

static void simple_command(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "version.a.0002.rx-cmd-response.bin"},
	    {OP_EXPECT, "stats.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE_SLOW, "stats.a.0002.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};
	char uri[160];
	const char *v;
	size_t len;

	SRV_START(s, steps);
	snprintf(uri, sizeof(uri), "unix://%s", s.path);
	c = vici_conn_new(uri, 2000);
	T_ASSERT(c);
	T_EQ_STR(vici_conn_path(c), s.path);
	T_ASSERT(!vici_conn_connected(c));
	T_EQ_INT(vici_conn_simple(c, "version", NULL, NULL, NULL, &resp), 0);
	T_ASSERT(vici_conn_connected(c));
	T_EQ_INT(resp.type, VICI_PKT_CMD_RESPONSE);
	T_EQ_INT(vici_get_str(&resp, 0, "daemon", &v, &len), 0);
	T_ASSERT(len == 6 && memcmp(v, "charon", 6) == 0);
	/* same connection, a response that trickles in one byte per write */
	T_EQ_INT(vici_conn_simple(c, "stats", NULL, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "ikesas"));
	T_ASSERT(vici_conn_bytes_read(c) > 96);
	vici_conn_free(c);
	vici_msg_done(&resp);
	SRV_FINISH(s);
}

static void streamed_command(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "list-sas.established.a.0001.tx-event-register.bin"},
	    {OP_WRITE, "list-sas.established.a.0002.rx-event-confirm.bin"},
	    {OP_EXPECT, "list-sas.established.a.0003.tx-cmd-request.bin"},
	    {OP_WRITE, "list-sas.established.a.0004.rx-event.bin", .repeat = 5},
	    {OP_WRITE, "list-sas.established.a.0005.rx-cmd-response.bin"},
	    /* the second command is not registered again (registration is kept) */
	    {OP_EXPECT, "list-sas.established.a.0003.tx-cmd-request.bin"},
	    {OP_WRITE_SLOW, "list-sas.established.a.0004.rx-event.bin", .repeat = 2},
	    {OP_WRITE, "list-sas.established.a.0005.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0}, ev = {0};
	struct stream_ctx ctx = {0};
	uint8_t *req;
	size_t len;

	SRV_START(s, steps);
	T_EQ_INT(build_list_sas(&req, &len), 0);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_command(c, req, len, "list-sa", count_list_sa, &ctx, &resp), 0);
	T_EQ_INT(ctx.events, 5);
	T_EQ_INT(ctx.bad, 0);
	T_EQ_INT(resp.type, VICI_PKT_CMD_RESPONSE);
	ctx.events = 0;
	T_EQ_INT(vici_conn_command(c, req, len, "list-sa", count_list_sa, &ctx, &resp), 0);
	T_EQ_INT(ctx.events, 2);
	T_EQ_INT(ctx.bad, 0);
	/* streamed events went to the callback, not to the event queue */
	T_EQ_INT(vici_conn_next_event(c, 0, &ev), -EAGAIN);
	T_ASSERT(vici_conn_connected(c));
	free(req);
	vici_conn_free(c);
	vici_msg_done(&resp);
	vici_msg_done(&ev);
	SRV_FINISH(s);
}

/* vici_conn_recv_raw(): each streamed event reaches the callback as the bytes charon sent
 * (the recorded packets, without their length), in order, and the response is decoded as
 * with vici_conn_recv(); a callback's error aborts and closes the connection. */
struct raw_ctx {
	unsigned events, bad;
	int fail_with;
};

static int raw_list_conn(void *arg, const uint8_t *pkt, size_t len)
{
	static const char *const want[] = {"list-conns.a.0004.rx-event.bin",
	                                   "list-conns.a.0005.rx-event.bin"};
	struct raw_ctx *x = arg;
	uint8_t *rec = NULL;
	size_t rec_len = 0;

	if (x->fail_with)
		return x->fail_with;
	if (x->events >= 2 || fixture_packet(want[x->events], &rec, &rec_len) < 0 ||
	    rec_len != len || memcmp(rec, pkt, len) != 0)
		x->bad++;
	free(rec);
	x->events++;
	return 0;
}

static void streamed_raw(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "list-conns.a.0001.tx-event-register.bin"},
	    {OP_WRITE, "list-conns.a.0002.rx-event-confirm.bin"},
	    {OP_EXPECT, "list-conns.a.0003.tx-cmd-request.bin"},
	    {OP_WRITE, "list-conns.a.0004.rx-event.bin"},
	    {OP_WRITE_SLOW, "list-conns.a.0005.rx-event.bin"},
	    {OP_WRITE, "list-conns.a.0006.rx-cmd-response.bin"},
	    {OP_EXPECT, "list-conns.a.0003.tx-cmd-request.bin"},
	    {OP_WRITE, "list-conns.a.0004.rx-event.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};
	struct raw_ctx x = {0};

	SRV_START(s, steps);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_send_simple(c, "list-conns", "list-conn"), 0);
	T_EQ_INT(vici_conn_recv_raw(c, raw_list_conn, &x, &resp), 0);
	T_EQ_INT(x.events, 2);
	T_EQ_INT(x.bad, 0);
	T_EQ_INT(resp.type, VICI_PKT_CMD_RESPONSE);
	x.fail_with = -EBADMSG;
	T_EQ_INT(vici_conn_send_simple(c, "list-conns", "list-conn"), 0);
	T_EQ_INT(vici_conn_recv_raw(c, raw_list_conn, &x, &resp), -EBADMSG);
	T_ASSERT(!vici_conn_connected(c));
	vici_conn_free(c);
	vici_msg_done(&resp);
	SRV_FINISH(s);
}

static void events_during_command_are_queued(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    /* an event arrives between the registration and its confirmation */
	    {OP_EXPECT},
	    {OP_WRITE, "events.peer-restarted.a.0011.rx-event.bin"},
	    {OP_WRITE, "list-sas.established.a.0002.rx-event-confirm.bin"},
	    /* and others in the middle of a streamed command */
	    {OP_EXPECT, "list-sas.established.a.0001.tx-event-register.bin"},
	    {OP_WRITE, "list-sas.established.a.0002.rx-event-confirm.bin"},
	    {OP_EXPECT, "list-sas.established.a.0003.tx-cmd-request.bin"},
	    {OP_WRITE, "list-sas.established.a.0004.rx-event.bin"},
	    {OP_WRITE, "events.peer-restarted.a.0028.rx-event.bin"},
	    {OP_WRITE, "list-sas.established.a.0004.rx-event.bin"},
	    {OP_WRITE, "events.peer-restarted.a.0032.rx-event.bin"},
	    {OP_WRITE, "list-sas.established.a.0005.rx-cmd-response.bin"},
	    /* and one after it, read by vici_conn_next_event() off the socket */
	    {OP_SLEEP, .ms = 50},
	    {OP_WRITE, "events.peer-restarted.a.0012.rx-event.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0}, ev = {0};
	struct stream_ctx ctx = {0};
	uint8_t *req;
	size_t len;
	uint64_t t0;

	SRV_START(s, steps);
	T_EQ_INT(build_list_sas(&req, &len), 0);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_register(c, "log"), 0);
	T_EQ_INT(vici_conn_command(c, req, len, "list-sa", count_list_sa, &ctx, &resp), 0);
	T_EQ_INT(ctx.events, 2);
	T_EQ_INT(ctx.bad, 0);
	/* queued in arrival order */
	T_EQ_INT(vici_conn_next_event(c, 0, &ev), 0);
	T_ASSERT(msg_named(&ev, "log"));
	T_EQ_INT(vici_conn_next_event(c, 0, &ev), 0);
	T_ASSERT(msg_named(&ev, "ike-updown"));
	T_ASSERT(vici_find(&ev, 0, "a-b"));
	T_EQ_INT(vici_conn_next_event(c, 0, &ev), 0);
	T_ASSERT(msg_named(&ev, "child-updown"));
	T_ASSERT(vici_find(&ev, 0, "a-b"));
	/* the last one comes off the socket */
	T_EQ_INT(vici_conn_next_event(c, 2000, &ev), 0);
	T_ASSERT(msg_named(&ev, "log"));
	/* nothing more: a timeout is not an error, the connection stays */
	t0 = clock_mono_ms();
	T_EQ_INT(vici_conn_next_event(c, 100, &ev), -EAGAIN);
	T_ASSERT(clock_mono_ms() - t0 >= 90);
	T_ASSERT(vici_conn_connected(c));
	free(req);
	vici_conn_free(c);
	vici_msg_done(&resp);
	vici_msg_done(&ev);
	SRV_FINISH(s);
}

static void unknown_command_and_event(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "unknown-command.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "unknown-command.a.0002.rx-cmd-unknown.bin"},
	    {OP_EXPECT, "unknown-event.a.0001.tx-event-register.bin"},
	    {OP_WRITE, "unknown-event.a.0002.rx-event-unknown.bin"},
	    /* neither answer is a broken stream: the connection goes on */
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "version.a.0002.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};

	SRV_START(s, steps);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_simple(c, "no-such-command", NULL, NULL, NULL, &resp), -ENOSYS);
	T_ASSERT(strstr(vici_conn_last_error(c), "unknown"));
	T_EQ_INT(vici_conn_register(c, "no-such-event"), -ENOSYS);
	T_ASSERT(vici_conn_connected(c));
	T_EQ_INT(vici_conn_simple(c, "version", NULL, NULL, NULL, &resp), 0);
	vici_conn_free(c);
	vici_msg_done(&resp);
	SRV_FINISH(s);
}

/* The daemon stops in the middle of a packet: error, connection closed, and the next call
 * connects again and works. */
static void stop_mid_packet_then_reconnect(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "list-sas.established.a.0001.tx-event-register.bin"},
	    {OP_WRITE, "list-sas.established.a.0002.rx-event-confirm.bin"},
	    {OP_EXPECT, "list-sas.established.a.0003.tx-cmd-request.bin"},
	    {OP_WRITE, "list-sas.established.a.0004.rx-event.bin"},
	    {OP_WRITE_HALF, "list-sas.established.a.0004.rx-event.bin"},
	    {OP_CLOSE},
	    /* a new connection must register again */
	    {OP_ACCEPT},
	    {OP_EXPECT, "list-sas.established.a.0001.tx-event-register.bin"},
	    {OP_WRITE, "list-sas.established.a.0002.rx-event-confirm.bin"},
	    {OP_EXPECT, "list-sas.established.a.0003.tx-cmd-request.bin"},
	    {OP_WRITE, "list-sas.established.a.0004.rx-event.bin"},
	    {OP_WRITE, "list-sas.established.a.0005.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};
	struct stream_ctx ctx = {0};
	uint8_t *req;
	size_t len;
	int err;

	SRV_START(s, steps);
	T_EQ_INT(build_list_sas(&req, &len), 0);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	err = vici_conn_command(c, req, len, "list-sa", count_list_sa, &ctx, &resp);
	T_EQ_INT(err, -ECONNRESET);
	T_EQ_INT(ctx.events, 1);
	T_ASSERT(!vici_conn_connected(c));
	T_EQ_INT(vici_conn_fd(c), -1);
	T_ASSERT(vici_conn_last_error(c)[0] != '\0');
	ctx.events = 0;
	T_EQ_INT(vici_conn_command(c, req, len, "list-sa", count_list_sa, &ctx, &resp), 0);
	T_EQ_INT(ctx.events, 1);
	T_ASSERT(vici_conn_connected(c));
	free(req);
	vici_conn_free(c);
	vici_msg_done(&resp);
	SRV_FINISH(s);
}

static void timeout(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WAIT_EOF}, /* never answers; the client must give up and hang up */
	    /* a deadline also covers a packet that started but never finishes */
	    {OP_ACCEPT},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE_HALF, "version.a.0002.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};
	uint64_t t0, took;

	SRV_START(s, steps);
	c = vici_conn_new(s.path, 200);
	T_ASSERT(c);
	for (int round = 0; round < 2; round++) {
		t0 = clock_mono_ms();
		T_EQ_INT(vici_conn_simple(c, "version", NULL, NULL, NULL, &resp), -ETIMEDOUT);
		took = clock_mono_ms() - t0;
		if (took < 195 || took > 1000)
			test_fail(__FILE__, __LINE__, "timeout after %llu ms, want 200",
			          (unsigned long long)took);
		T_ASSERT(!test_failed);
		T_ASSERT(!vici_conn_connected(c));
	}
	vici_conn_free(c);
	vici_msg_done(&resp);
	SRV_FINISH(s);
}

static void bad_length_headers(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, .data = too_big_hdr, .len = sizeof(too_big_hdr)},
	    {OP_WAIT_EOF},
	    {OP_ACCEPT},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, .data = zero_hdr, .len = sizeof(zero_hdr)},
	    {OP_WAIT_EOF},
	    /* a packet type that has no business in a command's answer */
	    {OP_ACCEPT},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "list-sas.established.a.0002.rx-event-confirm.bin"},
	    {OP_WAIT_EOF},
	    /* a response that does not decode */
	    {OP_ACCEPT},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, .data = bad_response, .len = sizeof(bad_response)},
	    {OP_WAIT_EOF},
	};
	static const int want[] = {-E2BIG, -EBADMSG, -EBADMSG, -EBADMSG};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};

	SRV_START(s, steps);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		T_EQ_INT(vici_conn_simple(c, "version", NULL, NULL, NULL, &resp), want[i]);
		T_ASSERT(!vici_conn_connected(c));
	}
	vici_conn_free(c);
	vici_msg_done(&resp);
	SRV_FINISH(s);
}

static void callback_abort_resets(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "list-sas.established.a.0001.tx-event-register.bin"},
	    {OP_WRITE, "list-sas.established.a.0002.rx-event-confirm.bin"},
	    {OP_EXPECT, "list-sas.established.a.0003.tx-cmd-request.bin"},
	    {OP_WRITE, "list-sas.established.a.0004.rx-event.bin", .repeat = 3},
	    {OP_WRITE, "list-sas.established.a.0005.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};
	struct stream_ctx ctx = {.fail_at = 2};
	uint8_t *req;
	size_t len;

	SRV_START(s, steps);
	T_EQ_INT(build_list_sas(&req, &len), 0);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_command(c, req, len, "list-sa", count_list_sa, &ctx, &resp), -ECANCELED);
	T_EQ_INT(ctx.events, 2);
	T_ASSERT(!vici_conn_connected(c));
	free(req);
	vici_conn_free(c);
	vici_msg_done(&resp);
	SRV_FINISH(s);
}

/* A response of a few hundred KiB arrives in many reads and must grow the read buffer. */
static void large_response(void)
{
	static char big[60000];
	struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE},
	    {OP_WAIT_EOF},
	};
	struct vici_builder b;
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};
	uint8_t *pkt;
	size_t len;
	const char *v;
	size_t vlen;

	memset(big, 'x', sizeof(big));
	vici_build_init(&b, VICI_PKT_CMD_RESPONSE, NULL);
	for (int i = 0; i < 8; i++) {
		char key[8];

		snprintf(key, sizeof(key), "k%d", i);
		big[0] = (char)('0' + i);
		vici_build_kv(&b, key, big, sizeof(big));
	}
	T_EQ_INT(vici_build_finish(&b, &pkt, &len), 0);
	steps[2].data = pkt;
	steps[2].len = len;
	SRV_START(s, steps);
	c = vici_conn_new(s.path, 5000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_simple(c, "version", NULL, NULL, NULL, &resp), 0);
	T_EQ_INT(resp.n_elems, 9);
	T_EQ_INT(vici_get_str(&resp, 0, "k7", &v, &vlen), 0);
	T_EQ_INT(vlen, sizeof(big));
	T_ASSERT(v[0] == '7' && v[vlen - 1] == 'x');
	vici_conn_free(c);
	vici_msg_done(&resp);
	SRV_FINISH(s);
	free(pkt);
}

static void event_connection(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT},
	    {OP_WRITE, "list-sas.established.a.0002.rx-event-confirm.bin"},
	    {OP_SLEEP, .ms = 100},
	    {OP_WRITE_SLOW, "events.peer-restarted.a.0028.rx-event.bin"},
	    /* an event connection must not see command answers */
	    {OP_WRITE, "version.a.0002.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg ev = {0};

	SRV_START(s, steps);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_next_event(c, 0, &ev), -ENOTCONN);
	T_EQ_INT(vici_conn_register(c, "ike-updown"), 0);
	T_EQ_INT(vici_conn_next_event(c, 2000, &ev), 0);
	T_ASSERT(msg_named(&ev, "ike-updown"));
	T_EQ_INT(vici_conn_next_event(c, 2000, &ev), -EBADMSG);
	T_ASSERT(!vici_conn_connected(c));
	vici_conn_free(c);
	vici_msg_done(&ev);
	SRV_FINISH(s);
}

/* Streamed-event callback for list-conns: counts list-conn events. */
static int count_list_conn(void *arg, const struct vici_msg *m)
{
	struct stream_ctx *ctx = arg;

	ctx->events++;
	if (m->type != VICI_PKT_EVENT || m->name_len != 9 || memcmp(m->name, "list-conn", 9) != 0)
		ctx->bad++;
	return 0;
}

/*
 * Several requests sent before any answer is read, as charon allows (it answers a connection's
 * packets in order): the fake reads all seven packets (two registrations, five commands)
 * before it writes a byte, so a client that waited for an answer after sending would time
 * out here. The answers, with unrelated events between them and one trickling in byte by
 * byte, are each matched to their own request: streamed events to that command's callback,
 * CMD_UNKNOWN to its command only.
 */
static void pipelined_answers_matched(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "list-conns.a.0001.tx-event-register.bin"},
	    {OP_EXPECT, "list-conns.a.0003.tx-cmd-request.bin"},
	    {OP_EXPECT, "list-sas.established.a.0001.tx-event-register.bin"},
	    {OP_EXPECT, "list-sas.established.a.0003.tx-cmd-request.bin"},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_EXPECT, "unknown-command.a.0001.tx-cmd-request.bin"},
	    {OP_EXPECT, "stats.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "list-conns.a.0002.rx-event-confirm.bin"},
	    {OP_WRITE, "list-conns.a.0004.rx-event.bin"},
	    {OP_WRITE, "events.peer-restarted.a.0028.rx-event.bin"},
	    {OP_WRITE, "list-conns.a.0005.rx-event.bin"},
	    {OP_WRITE, "list-conns.a.0006.rx-cmd-response.bin"},
	    {OP_WRITE, "list-sas.established.a.0002.rx-event-confirm.bin"},
	    {OP_WRITE, "list-sas.established.a.0004.rx-event.bin", .repeat = 3},
	    {OP_WRITE_SLOW, "list-sas.established.a.0005.rx-cmd-response.bin"},
	    {OP_WRITE, "events.peer-restarted.a.0032.rx-event.bin"},
	    {OP_WRITE, "version.a.0002.rx-cmd-response.bin"},
	    {OP_WRITE, "unknown-command.a.0002.rx-cmd-unknown.bin"},
	    {OP_SLEEP, .ms = 50},
	    {OP_WRITE_SLOW, "stats.a.0002.rx-cmd-response.bin"},
	    /* the registrations were kept: a second round registers nothing */
	    {OP_EXPECT, "list-sas.established.a.0003.tx-cmd-request.bin"},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "list-sas.established.a.0004.rx-event.bin"},
	    {OP_WRITE, "list-sas.established.a.0005.rx-cmd-response.bin"},
	    {OP_WRITE, "version.a.0002.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0}, ev = {0};
	struct stream_ctx conns = {0}, sas = {0};
	uint8_t *req;
	size_t len;

	SRV_START(s, steps);
	T_EQ_INT(build_list_sas(&req, &len), 0);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), -ENOTCONN);
	T_EQ_INT(vici_conn_send_simple(c, "list-conns", "list-conn"), 0);
	T_EQ_INT(vici_conn_send(c, req, len, "list-sa"), 0);
	T_EQ_INT(vici_conn_send_simple(c, "version", NULL), 0);
	T_EQ_INT(vici_conn_send_simple(c, "no-such-command", NULL), 0);
	T_EQ_INT(vici_conn_send_simple(c, "stats", NULL), 0);
	T_EQ_INT(vici_conn_pending(c), 7);
	/* while answers are owed, nothing that would read the next packet as its own */
	T_EQ_INT(vici_conn_simple(c, "version", NULL, NULL, NULL, &resp), -EBUSY);
	T_EQ_INT(vici_conn_register(c, "log"), -EBUSY);
	T_EQ_INT(vici_conn_next_event(c, 0, &ev), -EBUSY);

	T_EQ_INT(vici_conn_recv(c, count_list_conn, &conns, &resp), 0);
	T_EQ_INT(conns.events, 2);
	T_EQ_INT(conns.bad, 0);
	T_EQ_INT(resp.type, VICI_PKT_CMD_RESPONSE);
	T_EQ_INT(vici_conn_pending(c), 5); /* list-sa's registration is owed too */
	T_EQ_INT(vici_conn_recv(c, count_list_sa, &sas, &resp), 0);
	T_EQ_INT(sas.events, 3);
	T_EQ_INT(sas.bad, 0);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "daemon"));
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), -ENOSYS);
	T_ASSERT(vici_conn_connected(c));
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "ikesas"));
	T_EQ_INT(vici_conn_pending(c), 0);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), -EINVAL);
	/* the two unrelated events were queued in their order */
	T_EQ_INT(vici_conn_next_event(c, 0, &ev), 0);
	T_ASSERT(msg_named(&ev, "ike-updown"));
	T_EQ_INT(vici_conn_next_event(c, 0, &ev), 0);
	T_ASSERT(msg_named(&ev, "child-updown"));

	sas.events = 0;
	T_EQ_INT(vici_conn_send(c, req, len, "list-sa"), 0);
	T_EQ_INT(vici_conn_send_simple(c, "version", NULL), 0);
	T_EQ_INT(vici_conn_pending(c), 2);
	T_EQ_INT(vici_conn_recv(c, count_list_sa, &sas, &resp), 0);
	T_EQ_INT(sas.events, 1);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "daemon"));
	free(req);
	vici_conn_free(c);
	vici_msg_done(&resp);
	vici_msg_done(&ev);
	SRV_FINISH(s);
}

/* vici_conn_flush() sends what is queued at once: charon has the request before the client
 * reads (the collector dumps the kernel's tables meanwhile); the answer is read as usual. */
static void flush_sends_before_recv(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "stats.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "stats.a.0002.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};
	int waited_ms = 0;

	SRV_START(s, steps);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_flush(c), -ENOTCONN);
	T_EQ_INT(vici_conn_send_simple(c, "stats", NULL), 0);
	T_EQ_INT(vici_conn_flush(c), 0);
	T_EQ_INT(vici_conn_flush(c), 0); /* nothing left to send */
	while (__atomic_load_n(&s.reads, __ATOMIC_SEQ_CST) == 0 && waited_ms < 5000) {
		srv_sleep_ms(5);
		waited_ms += 5;
	}
	T_EQ_INT(__atomic_load_n(&s.reads, __ATOMIC_SEQ_CST), 1);
	T_EQ_INT(vici_conn_pending(c), 1);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "uptime"));
	vici_conn_free(c);
	vici_msg_done(&resp);
	SRV_FINISH(s);
}

/* vici_conn_trim() gives the read buffer back only when nothing unread is in it: an answer
 * that arrived with the one read before is still read whole, and after a trim the next command
 * reads into a new buffer. */
static void trim_keeps_unread(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "stats.a.0001.tx-cmd-request.bin"},
	    {OP_EXPECT, "stats.a.0001.tx-cmd-request.bin"},
	    /* both answers in one write: the client's first read takes both */
	    {OP_WRITE, "stats.a.0002.rx-cmd-response.bin", .repeat = 2},
	    {OP_EXPECT, "stats.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "stats.a.0002.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};

	SRV_START(s, steps);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	vici_conn_trim(c); /* no buffer yet: nothing to do */
	T_EQ_INT(vici_conn_connect(c), 0);
	T_EQ_INT(vici_conn_send_simple(c, "stats", NULL), 0);
	T_EQ_INT(vici_conn_send_simple(c, "stats", NULL), 0);
	T_EQ_INT(vici_conn_flush(c), 0);
	/* both requests read by the server, then time for its answers to arrive */
	for (int waited = 0; __atomic_load_n(&s.reads, __ATOMIC_SEQ_CST) < 2 && waited < 5000;
	     waited += 5)
		srv_sleep_ms(5);
	srv_sleep_ms(200);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "uptime"));
	vici_msg_done(&resp);
	vici_conn_trim(c); /* the second answer is in the buffer: kept */
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "uptime"));
	vici_msg_done(&resp);
	vici_conn_trim(c); /* nothing unread: freed (ASan: no use of it after) */
	T_EQ_INT(vici_conn_simple(c, "stats", NULL, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "uptime"));
	vici_msg_done(&resp);
	vici_conn_free(c);
	SRV_FINISH(s);
}

/* At most VICI_PIPELINE_MAX packets unanswered; a registration counts as one. The requests
 * go out together, in one write, when the first answer is read. */
static void pipeline_bounded(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},   {OP_EXPECT},
	    {OP_EXPECT},   {OP_EXPECT},
	    {OP_EXPECT},   {OP_EXPECT},
	    {OP_EXPECT},   {OP_EXPECT},
	    {OP_EXPECT},   {OP_EXPECT},
	    {OP_EXPECT},   {OP_EXPECT},
	    {OP_EXPECT},   {OP_EXPECT},
	    {OP_EXPECT},   {OP_EXPECT},
	    {OP_EXPECT},   {OP_WRITE, "version.a.0002.rx-cmd-response.bin", .repeat = 16},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};

	T_EQ_INT(VICI_PIPELINE_MAX, 16); /* as many OP_EXPECT as that above */
	SRV_START(s, steps);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	for (int i = 0; i < VICI_PIPELINE_MAX - 1; i++)
		T_EQ_INT(vici_conn_send_simple(c, "version", NULL), 0);
	/* the command and its registration do not both fit: neither is queued */
	T_EQ_INT(vici_conn_send_simple(c, "list-sas", "list-sa"), -EBUSY);
	T_EQ_INT(vici_conn_pending(c), VICI_PIPELINE_MAX - 1);
	T_EQ_INT(vici_conn_send_simple(c, "version", NULL), 0);
	T_EQ_INT(vici_conn_send_simple(c, "version", NULL), -EBUSY);
	T_EQ_INT(vici_conn_pending(c), VICI_PIPELINE_MAX);
	for (int i = 0; i < VICI_PIPELINE_MAX; i++) {
		T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
		T_ASSERT(vici_find(&resp, 0, "daemon"));
	}
	T_EQ_INT(vici_conn_pending(c), 0);
	T_ASSERT(vici_conn_connected(c));
	vici_conn_free(c);
	vici_msg_done(&resp);
	SRV_FINISH(s);
}

/*
 * A failure in the middle of a pipeline: the connection and everything still owed on it are
 * dropped (the next answers could no longer be told apart), the owed answers read -ENOTCONN
 * instead of some other request's bytes, and the next send starts a fresh connection that
 * registers again. Once for a daemon that hangs up mid-stream, once for a deadline.
 */
static void pipeline_broken_midway(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_EXPECT, "list-sas.established.a.0001.tx-event-register.bin"},
	    {OP_EXPECT, "list-sas.established.a.0003.tx-cmd-request.bin"},
	    {OP_EXPECT, "stats.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "version.a.0002.rx-cmd-response.bin"},
	    {OP_WRITE, "list-sas.established.a.0002.rx-event-confirm.bin"},
	    {OP_WRITE, "list-sas.established.a.0004.rx-event.bin"},
	    {OP_WRITE_HALF, "list-sas.established.a.0004.rx-event.bin"},
	    {OP_CLOSE},
	    /* the second connection: stats answered, then silence past the deadline */
	    {OP_ACCEPT},
	    {OP_EXPECT, "stats.a.0001.tx-cmd-request.bin"},
	    {OP_EXPECT, "list-sas.established.a.0001.tx-event-register.bin"},
	    {OP_EXPECT, "list-sas.established.a.0003.tx-cmd-request.bin"},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "stats.a.0002.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	    /* the third: served in full */
	    {OP_ACCEPT},
	    {OP_EXPECT, "list-sas.established.a.0001.tx-event-register.bin"},
	    {OP_EXPECT, "list-sas.established.a.0003.tx-cmd-request.bin"},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "list-sas.established.a.0002.rx-event-confirm.bin"},
	    {OP_WRITE, "list-sas.established.a.0004.rx-event.bin"},
	    {OP_WRITE, "list-sas.established.a.0005.rx-cmd-response.bin"},
	    {OP_WRITE, "version.a.0002.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};
	struct stream_ctx ctx = {0};
	uint8_t *req;
	size_t len;
	uint64_t t0, took;

	SRV_START(s, steps);
	T_EQ_INT(build_list_sas(&req, &len), 0);
	c = vici_conn_new(s.path, 300);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_send_simple(c, "version", NULL), 0);
	T_EQ_INT(vici_conn_send(c, req, len, "list-sa"), 0);
	T_EQ_INT(vici_conn_send_simple(c, "stats", NULL), 0);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "daemon"));
	T_EQ_INT(vici_conn_recv(c, count_list_sa, &ctx, &resp), -ECONNRESET);
	T_EQ_INT(ctx.events, 1);
	T_ASSERT(!vici_conn_connected(c));
	T_EQ_INT(vici_conn_pending(c), 0);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), -ENOTCONN);

	T_EQ_INT(vici_conn_send_simple(c, "stats", NULL), 0);
	T_EQ_INT(vici_conn_send(c, req, len, "list-sa"), 0);
	T_EQ_INT(vici_conn_send_simple(c, "version", NULL), 0);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "ikesas"));
	t0 = clock_mono_ms();
	T_EQ_INT(vici_conn_recv(c, count_list_sa, &ctx, &resp), -ETIMEDOUT);
	took = clock_mono_ms() - t0;
	if (took < 295 || took > 1500)
		test_fail(__FILE__, __LINE__, "timeout after %llu ms, want 300",
		          (unsigned long long)took);
	T_ASSERT(!vici_conn_connected(c));
	T_EQ_INT(vici_conn_pending(c), 0);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), -ENOTCONN);

	ctx.events = 0;
	T_EQ_INT(vici_conn_send(c, req, len, "list-sa"), 0);
	T_EQ_INT(vici_conn_send_simple(c, "version", NULL), 0);
	T_EQ_INT(vici_conn_recv(c, count_list_sa, &ctx, &resp), 0);
	T_EQ_INT(ctx.events, 1);
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "daemon"));
	free(req);
	vici_conn_free(c);
	vici_msg_done(&resp);
	SRV_FINISH(s);
}

/*
 * A stream event charon does not know, registered in the same pipeline as its command: the
 * command's answer is taken off the wire, reported -ENOSYS (it came without its events), and
 * the connection goes on; the next use registers again. An answer of the wrong kind for what
 * is owed (a response where a registration's confirmation is due) breaks the stream.
 */
static void pipelined_unknown_stream_event(void)
{
	static const struct step steps[] = {
	    {OP_ACCEPT},
	    {OP_EXPECT},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_EXPECT, "stats.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "unknown-event.a.0002.rx-event-unknown.bin"},
	    {OP_WRITE, "version.a.0002.rx-cmd-response.bin"},
	    {OP_WRITE, "stats.a.0002.rx-cmd-response.bin"},
	    {OP_EXPECT},
	    {OP_EXPECT, "version.a.0001.tx-cmd-request.bin"},
	    {OP_WRITE, "version.a.0002.rx-cmd-response.bin"},
	    {OP_WAIT_EOF},
	};
	struct srv s;
	struct vici_conn *c;
	struct vici_msg resp = {0};
	struct stream_ctx ctx = {0};

	SRV_START(s, steps);
	c = vici_conn_new(s.path, 2000);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_send_simple(c, "version", "no-such-event"), 0);
	T_EQ_INT(vici_conn_send_simple(c, "stats", NULL), 0);
	T_EQ_INT(vici_conn_recv(c, count_list_sa, &ctx, &resp), -ENOSYS);
	T_ASSERT(strstr(vici_conn_last_error(c), "unknown"));
	T_ASSERT(vici_conn_connected(c));
	T_EQ_INT(vici_conn_recv(c, NULL, NULL, &resp), 0);
	T_ASSERT(vici_find(&resp, 0, "ikesas"));
	/* registered again; this time a response comes where the confirmation is due */
	T_EQ_INT(vici_conn_send_simple(c, "version", "no-such-event"), 0);
	T_EQ_INT(vici_conn_recv(c, count_list_sa, &ctx, &resp), -EBADMSG);
	T_ASSERT(!vici_conn_connected(c));
	T_EQ_INT(ctx.events, 0);
	vici_conn_free(c);
	vici_msg_done(&resp);
	SRV_FINISH(s);
}

static void no_daemon(void)
{
	char dir[64], path[100];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vici_conn *c;
	struct vici_msg resp = {0};
	char longpath[200];
	int fd;

	T_EQ_INT(scratch_dir(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/charon.vici", dir);
	c = vici_conn_new(path, 200);
	T_ASSERT(c);
	T_EQ_INT(vici_conn_simple(c, "version", NULL, NULL, NULL, &resp), -ENOENT);
	T_EQ_INT(vici_conn_connect(c), -ENOENT);
	/* a socket file nobody listens on */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	T_ASSERT(fd >= 0);
	T_EQ_INT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	T_EQ_INT(vici_conn_simple(c, "version", NULL, NULL, NULL, &resp), -ECONNREFUSED);
	T_ASSERT(!vici_conn_connected(c));
	close(fd);
	unlink(path);
	rmdir(dir);
	vici_conn_free(c);
	vici_conn_free(NULL);
	/* a path that does not fit a sockaddr_un */
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	T_ASSERT(vici_conn_new(longpath, 0) == NULL);
	vici_msg_done(&resp);
}

TEST_MAIN("vici_conn", TEST(simple_command), TEST(streamed_command), TEST(streamed_raw),
          TEST(events_during_command_are_queued), TEST(unknown_command_and_event),
          TEST(stop_mid_packet_then_reconnect), TEST(timeout), TEST(bad_length_headers),
          TEST(callback_abort_resets), TEST(large_response), TEST(event_connection),
          TEST(pipelined_answers_matched), TEST(pipeline_bounded), TEST(pipeline_broken_midway),
          TEST(pipelined_unknown_stream_event), TEST(flush_sends_before_recv),
          TEST(trim_keeps_unread), TEST(no_daemon))
