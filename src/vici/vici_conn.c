// SPDX-License-Identifier: Apache-2.0
/*
 * VICI client connection (contract in vici_conn.h). Reads are buffered: one read() usually
 * brings many streamed packets, which are then framed and decoded in place, so a list-sas of
 * ten thousand SAs costs a few hundred syscalls, not forty thousand.
 */
#include "vici/vici_conn.h"

#include "common/clock.h"
#include "common/limits.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define VICI_READ_CHUNK (64u * 1024u)
#define VICI_REGISTERED_MAX 8
#define VICI_EVENT_NAME_MAX 64

struct vici_queued {
	struct vici_queued *next;
	size_t len;
	uint8_t pkt[];
};

/* What a packet sent and not yet answered is owed: a confirmation of an (un)registration, or
 * a command's response, preceded by its streamed events if it has a stream event. */
struct vici_owed {
	bool confirm;
	bool stream_reg;                 /* confirm: of a stream event (kept in ->registered) */
	char event[VICI_EVENT_NAME_MAX]; /* confirm: the event; response: its stream event or "" */
};

struct vici_conn {
	char *path;
	int fd;
	unsigned timeout_ms;
	uint8_t *rbuf; /* read buffer: [rpos, rlen) holds unread bytes */
	size_t rpos, rlen, rcap;
	uint64_t bytes_read;
	uint8_t *wbuf; /* requests not sent yet: they go out together at the next read */
	size_t wlen, wcap;
	bool sent_unread; /* sent since the last read brought data: an answer cannot be here */
	char registered[VICI_REGISTERED_MAX][VICI_EVENT_NAME_MAX]; /* stream events registered */
	unsigned n_registered;
	struct vici_owed owed[VICI_PIPELINE_MAX]; /* ring, oldest at owed_head */
	unsigned owed_head, n_owed;
	struct vici_queued *queue_head, *queue_tail, *queue_current;
	unsigned queue_len;
	int wake_fd; /* vici_conn_set_wake_fd(); -1: none */
	char last_error[160];
};

struct vici_conn *vici_conn_new(const char *path, unsigned timeout_ms)
{
	struct vici_conn *c;

	if (strncmp(path, "unix://", 7) == 0)
		path += 7;
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->path = strdup(path);
	if (!c->path) {
		free(c);
		return NULL;
	}
	c->fd = -1;
	c->wake_fd = -1;
	c->timeout_ms = timeout_ms ? timeout_ms : VICI_TIMEOUT_MS;
	return c;
}

static void vici_queue_clear(struct vici_conn *c)
{
	struct vici_queued *q, *n;

	for (q = c->queue_head; q; q = n) {
		n = q->next;
		free(q);
	}
	free(c->queue_current);
	c->queue_head = c->queue_tail = c->queue_current = NULL;
	c->queue_len = 0;
}

void vici_conn_close(struct vici_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->rpos = c->rlen = 0;
	c->n_registered = 0;
	c->n_owed = c->owed_head = 0;
	c->wlen = 0;
	c->sent_unread = false;
	vici_queue_clear(c);
}

void vici_conn_free(struct vici_conn *c)
{
	if (!c)
		return;
	vici_conn_close(c);
	free(c->rbuf);
	free(c->wbuf);
	free(c->path);
	free(c);
}

static int vici_fail(struct vici_conn *c, int err, const char *what)
{
	/* E2BIG's own text ("Argument list too long") would mislead here */
	snprintf(c->last_error, sizeof(c->last_error), "%s: %s", what,
	         err == -E2BIG ? "message too large" : strerror(-err));
	vici_conn_close(c);
	return err;
}

int vici_conn_connect(struct vici_conn *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (c->fd >= 0)
		return 0;
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return vici_fail(c, -errno, "socket");
	/* a unix socket connect either succeeds, fails, or reports EAGAIN when charon's
	 * backlog (3) is full: treat that as refused and retry at the next scrape */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno == EAGAIN ? -ECONNREFUSED : -errno;

		close(fd);
		return vici_fail(c, err, "connect");
	}
	c->fd = fd;
	c->rpos = c->rlen = 0;
	c->last_error[0] = '\0';
	return 0;
}

bool vici_conn_connected(const struct vici_conn *c)
{
	return c->fd >= 0;
}

int vici_conn_fd(const struct vici_conn *c)
{
	return c->fd;
}

const char *vici_conn_last_error(const struct vici_conn *c)
{
	return c->last_error;
}

const char *vici_conn_path(const struct vici_conn *c)
{
	return c->path;
}

unsigned vici_conn_pending(const struct vici_conn *c)
{
	return c->n_owed;
}

bool vici_conn_is_stale_error(int err)
{
	return err == -EPIPE || err == -ECONNRESET || err == -ENOTCONN;
}

void vici_conn_trim(struct vici_conn *c)
{
	if (c->rpos < c->rlen)
		return;
	free(c->rbuf);
	c->rbuf = NULL;
	c->rpos = c->rlen = c->rcap = 0;
}

uint64_t vici_conn_bytes_read(const struct vici_conn *c)
{
	return c->bytes_read;
}

/* Milliseconds left until @deadline (monotonic ms), or -1 for no deadline. */
static int vici_remaining(uint64_t deadline)
{
	uint64_t now;

	if (deadline == UINT64_MAX)
		return -1;
	now = clock_mono_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

static int vici_wait(struct vici_conn *c, short events, uint64_t deadline)
{
	struct pollfd p = {.fd = c->fd, .events = events};
	int r;

	for (;;) {
		int left = vici_remaining(deadline);

		if (left == 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, left);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int vici_send(struct vici_conn *c, const uint8_t *p, size_t len, uint64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			int err = vici_wait(c, POLLOUT, deadline);

			if (err < 0)
				return vici_fail(c, err, "send");
			continue;
		}
		/* EPIPE and ECONNRESET on send mean the same thing to an operator, and which one
		 * comes depends on timing: report them alike */
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return vici_fail(c, -ECONNRESET, "send (charon closed the connection)");
		return vici_fail(c, n < 0 ? -errno : -EPIPE, "send");
	}
	return 0;
}

/* Make sure [rpos, rpos + need) is in the buffer, reading as much as is available. */
static int vici_fill(struct vici_conn *c, size_t need, uint64_t deadline)
{
	while (c->rlen - c->rpos < need) {
		ssize_t n;

		if (c->rpos + need > c->rcap) {
			/* compact, then grow if the packet still does not fit (the first read
			 * has no buffer yet: memmove() must not see its NULL) */
			if (c->rpos > 0)
				memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
			c->rlen -= c->rpos;
			c->rpos = 0;
			if (need + VICI_READ_CHUNK / 4 > c->rcap) {
				size_t ncap = need + VICI_READ_CHUNK;
				uint8_t *nb = realloc(c->rbuf, ncap);

				if (!nb)
					return vici_fail(c, -ENOMEM, "read buffer");
				c->rbuf = nb;
				c->rcap = ncap;
			}
		}
		n = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
		if (n > 0) {
			c->rlen += (size_t)n;
			c->bytes_read += (uint64_t)n;
			c->sent_unread = false;
			continue;
		}
		if (n == 0)
			return vici_fail(c, -ECONNRESET, "read (charon closed the connection)");
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			int err = vici_wait(c, POLLIN, deadline);

			if (err < 0)
				return vici_fail(c, err, "read");
			continue;
		}
		return vici_fail(c, -errno, "read");
	}
	return 0;
}

/* Read the next packet; *ret_pkt stays valid until the next read on this connection. */
static int vici_read_packet(struct vici_conn *c, uint64_t deadline, const uint8_t **ret_pkt,
                            size_t *ret_len)
{
	uint32_t len;
	int err;

	if ((err = vici_fill(c, 4, deadline)) < 0)
		return err;
	err = vici_frame_len(c->rbuf + c->rpos, &len);
	if (err == -E2BIG) {
		const uint8_t *h = c->rbuf + c->rpos;
		char what[96];

		snprintf(what, sizeof(what),
		         "packet of %lu bytes announced, over the %u-byte limit",
		         (unsigned long)h[0] << 24 | (unsigned long)h[1] << 16 |
		             (unsigned long)h[2] << 8 | h[3],
		         VICI_MSG_MAX);
		return vici_fail(c, err, what);
	}
	if (err < 0)
		return vici_fail(c, err, "packet length");
	if ((err = vici_fill(c, 4 + (size_t)len, deadline)) < 0)
		return err;
	*ret_pkt = c->rbuf + c->rpos + 4;
	*ret_len = len;
	c->rpos += 4 + (size_t)len;
	return 0;
}

static void vici_queue_event(struct vici_conn *c, const uint8_t *pkt, size_t len)
{
	struct vici_queued *q;

	if (c->queue_len >= VICI_EVENT_QUEUE_MAX)
		return; /* an event connection that nobody reads drops the excess */
	q = malloc(sizeof(*q) + len);
	if (!q)
		return;
	q->next = NULL;
	q->len = len;
	memcpy(q->pkt, pkt, len);
	if (c->queue_tail)
		c->queue_tail->next = q;
	else
		c->queue_head = q;
	c->queue_tail = q;
	c->queue_len++;
}

static bool vici_pkt_name_is(const uint8_t *pkt, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len >= 2 + n && pkt[1] == n && memcmp(pkt + 2, name, n) == 0;
}

static bool vici_is_registered(const struct vici_conn *c, const char *event)
{
	for (unsigned i = 0; i < c->n_registered; i++)
		if (strcmp(c->registered[i], event) == 0)
			return true;
	return false;
}

static void vici_forget_registered(struct vici_conn *c, const char *event)
{
	for (unsigned i = 0; i < c->n_registered; i++)
		if (strcmp(c->registered[i], event) == 0) {
			memcpy(c->registered[i], c->registered[--c->n_registered],
			       sizeof(c->registered[i]));
			return;
		}
}

/* Queue a framed packet for the next vici_flush() and note the answer it is owed (see struct
 * vici_owed). */
static int vici_send_owed(struct vici_conn *c, const uint8_t *pkt, size_t len, bool confirm,
                          bool stream_reg, const char *event)
{
	struct vici_owed *o;

	if (c->n_owed >= VICI_PIPELINE_MAX)
		return -EBUSY;
	if (c->wlen + len > c->wcap) {
		size_t ncap = c->wlen + len + 256;
		uint8_t *nb = realloc(c->wbuf, ncap);

		if (!nb)
			return -ENOMEM;
		c->wbuf = nb;
		c->wcap = ncap;
	}
	memcpy(c->wbuf + c->wlen, pkt, len);
	c->wlen += len;
	o = &c->owed[(c->owed_head + c->n_owed++) % VICI_PIPELINE_MAX];
	o->confirm = confirm;
	o->stream_reg = stream_reg;
	snprintf(o->event, sizeof(o->event), "%s", event ? event : "");
	return 0;
}

/* Send what was queued, in one write: the daemon wakes once for all of it. */
static int vici_flush(struct vici_conn *c, uint64_t deadline)
{
	int err;

	if (!c->wlen)
		return 0;
	if ((err = vici_send(c, c->wbuf, c->wlen, deadline)) < 0)
		return err;
	c->wlen = 0;
	c->sent_unread = true;
	return 0;
}

/* EVENT_REGISTER for @event. A stream event counts as registered from here on, so that the
 * commands sent behind it do not register again; an EVENT_UNKNOWN answer takes that back. */
static int vici_send_register(struct vici_conn *c, const char *event, bool stream)
{
	struct vici_builder b;
	uint8_t *req;
	size_t len;
	int err;

	vici_build_init(&b, VICI_PKT_EVENT_REGISTER, event);
	if ((err = vici_build_finish(&b, &req, &len)) < 0)
		return err;
	err = vici_send_owed(c, req, len, true, stream, event);
	free(req);
	if (err == 0 && stream)
		snprintf(c->registered[c->n_registered++], sizeof(c->registered[0]), "%s", event);
	return err;
}

/*
 * Read the answer owed to the oldest packet not yet answered: its confirmation, or its
 * streamed events (to @cb) and response (into *resp). Events of other kinds that arrive
 * meanwhile are queued. charon answers a connection's packets strictly in the order they came
 * (vici_socket.c queues them and one job per connection processes the queue; each command's
 * events and response go out before the next command is looked at), so the next answer always
 * belongs to the oldest packet. 0, -ENOSYS (charon does not know the command or event; the
 * connection stays), or an error (the connection is closed).
 */
static int vici_read_owed(struct vici_conn *c, uint64_t deadline, vici_event_cb cb, vici_raw_cb raw,
                          void *ctx, struct vici_msg *resp)
{
	struct vici_owed *o = &c->owed[c->owed_head];
	const char *odd = o->confirm ? "unexpected packet while registering"
	                             : "unexpected packet type in response";
	const uint8_t *pkt;
	size_t len;
	int err;

	/* right after sending, the answer cannot be there yet: wait for it rather than read
	 * nothing first (a system call saved per exchange) */
	if (c->sent_unread && c->rlen - c->rpos < 4 && (err = vici_wait(c, POLLIN, deadline)) < 0)
		return vici_fail(c, err, "read");
	for (;;) {
		if ((err = vici_read_packet(c, deadline, &pkt, &len)) < 0)
			return err;
		if (pkt[0] != VICI_PKT_EVENT)
			break;
		if (o->confirm || !o->event[0] || (!cb && !raw) ||
		    !vici_pkt_name_is(pkt, len, o->event)) {
			vici_queue_event(c, pkt, len);
			continue;
		}
		if (raw) {
			if ((err = raw(ctx, pkt, len)) < 0)
				return vici_fail(c, err, "streamed event rejected");
			continue;
		}
		if ((err = vici_msg_decode(resp, pkt, len)) < 0)
			return vici_fail(c, err, "decoding streamed event");
		if ((err = cb(ctx, resp)) < 0)
			return vici_fail(c, err, "streamed event rejected");
	}
	if (o->confirm ? pkt[0] != VICI_PKT_EVENT_CONFIRM && pkt[0] != VICI_PKT_EVENT_UNKNOWN
	               : pkt[0] != VICI_PKT_CMD_RESPONSE && pkt[0] != VICI_PKT_CMD_UNKNOWN)
		return vici_fail(c, -EBADMSG, odd);
	c->owed_head = (c->owed_head + 1) % VICI_PIPELINE_MAX;
	c->n_owed--;
	switch (pkt[0]) {
	case VICI_PKT_EVENT_CONFIRM:
		return 0;
	case VICI_PKT_EVENT_UNKNOWN:
		if (o->stream_reg)
			vici_forget_registered(c, o->event);
		snprintf(c->last_error, sizeof(c->last_error), "event unknown to charon");
		return -ENOSYS;
	case VICI_PKT_CMD_UNKNOWN:
		snprintf(c->last_error, sizeof(c->last_error), "command unknown to charon");
		return -ENOSYS;
	default:
		if ((err = vici_msg_decode(resp, pkt, len)) < 0)
			return vici_fail(c, err, "decoding response");
		return 0;
	}
}

int vici_conn_send(struct vici_conn *c, const uint8_t *req, size_t req_len,
                   const char *stream_event)
{
	bool reg;
	int err;

	if (stream_event && strlen(stream_event) >= VICI_EVENT_NAME_MAX)
		return -EINVAL;
	if ((err = vici_conn_connect(c)) < 0)
		return err;
	reg = stream_event && !vici_is_registered(c, stream_event);
	if (reg && c->n_registered >= VICI_REGISTERED_MAX)
		return -EINVAL;
	if (c->n_owed + reg + 1 > VICI_PIPELINE_MAX)
		return -EBUSY;
	/* only memory can fail here; a registration queued without its command would leave
	 * the owed answers out of step, so the connection goes */
	if ((reg && (err = vici_send_register(c, stream_event, true)) < 0) ||
	    (err = vici_send_owed(c, req, req_len, false, false, stream_event)) < 0)
		return vici_fail(c, err, "queueing request");
	return 0;
}

static int vici_recv(struct vici_conn *c, vici_event_cb cb, vici_raw_cb raw, void *ctx,
                     struct vici_msg *resp)
{
	uint64_t deadline = clock_mono_ms() + c->timeout_ms;
	bool unknown_event = false;
	int err;

	if (c->fd < 0)
		return -ENOTCONN;
	if (!c->n_owed)
		return -EINVAL;
	if ((err = vici_flush(c, deadline)) < 0)
		return err;
	/* the registrations sent ahead of the command (or alone: vici_conn_register()) */
	while (c->n_owed && c->owed[c->owed_head].confirm) {
		err = vici_read_owed(c, deadline, NULL, NULL, NULL, NULL);
		if (err < 0 && err != -ENOSYS)
			return err;
		unknown_event = unknown_event || err == -ENOSYS;
	}
	if (!c->n_owed)
		return unknown_event ? -ENOSYS : 0;
	err = vici_read_owed(c, deadline, cb, raw, ctx, resp);
	if (err == 0 && unknown_event) {
		/* answered, but without the events it was to stream */
		snprintf(c->last_error, sizeof(c->last_error), "stream event unknown to charon");
		return -ENOSYS;
	}
	return err;
}

int vici_conn_recv(struct vici_conn *c, vici_event_cb cb, void *ctx, struct vici_msg *resp)
{
	return vici_recv(c, cb, NULL, ctx, resp);
}

int vici_conn_flush(struct vici_conn *c)
{
	if (c->fd < 0)
		return -ENOTCONN;
	return vici_flush(c, clock_mono_ms() + c->timeout_ms);
}

int vici_conn_recv_raw(struct vici_conn *c, vici_raw_cb cb, void *ctx, struct vici_msg *resp)
{
	return vici_recv(c, NULL, cb, ctx, resp);
}

int vici_conn_command(struct vici_conn *c, const uint8_t *req, size_t req_len,
                      const char *stream_event, vici_event_cb cb, void *ctx, struct vici_msg *resp)
{
	int err;

	if (c->n_owed)
		return -EBUSY;
	if ((err = vici_conn_send(c, req, req_len, stream_event)) < 0)
		return err;
	return vici_conn_recv(c, cb, ctx, resp);
}

/* A request with no arguments ("version", "stats", "list-sas"…), framed into *ret. */
static int vici_build_simple(const char *cmd, uint8_t **ret, size_t *ret_len)
{
	struct vici_builder b;

	vici_build_init(&b, VICI_PKT_CMD_REQUEST, cmd);
	return vici_build_finish(&b, ret, ret_len);
}

int vici_conn_send_simple(struct vici_conn *c, const char *cmd, const char *stream_event)
{
	uint8_t *req;
	size_t len;
	int err;

	if ((err = vici_build_simple(cmd, &req, &len)) < 0)
		return err;
	err = vici_conn_send(c, req, len, stream_event);
	free(req);
	return err;
}

int vici_conn_simple(struct vici_conn *c, const char *cmd, const char *stream_event,
                     vici_event_cb cb, void *ctx, struct vici_msg *resp)
{
	uint8_t *req;
	size_t len;
	int err;

	if ((err = vici_build_simple(cmd, &req, &len)) < 0)
		return err;
	err = vici_conn_command(c, req, len, stream_event, cb, ctx, resp);
	free(req);
	return err;
}

int vici_conn_register(struct vici_conn *c, const char *event)
{
	int err;

	if (c->n_owed)
		return -EBUSY;
	if (strlen(event) >= VICI_EVENT_NAME_MAX)
		return -EINVAL;
	if ((err = vici_conn_connect(c)) < 0 || (err = vici_send_register(c, event, false)) < 0)
		return err;
	return vici_conn_recv(c, NULL, NULL, NULL);
}

void vici_conn_set_wake_fd(struct vici_conn *c, int fd)
{
	c->wake_fd = fd;
}

int vici_conn_next_event(struct vici_conn *c, int timeout_ms, struct vici_msg *ret)
{
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : clock_mono_ms() + (uint64_t)timeout_ms;
	int err;

	free(c->queue_current);
	c->queue_current = NULL;
	if (c->queue_head) {
		struct vici_queued *q = c->queue_head;

		c->queue_head = q->next;
		if (!c->queue_head)
			c->queue_tail = NULL;
		c->queue_len--;
		c->queue_current = q;
		err = vici_msg_decode(ret, q->pkt, q->len);
		return err < 0 ? vici_fail(c, err, "decoding queued event") : 0;
	}
	if (c->fd < 0)
		return -ENOTCONN;
	if (c->n_owed)
		return -EBUSY; /* the next packets are answers, not events */
	for (;;) {
		const uint8_t *pkt;
		size_t len;

		/* only wait when no whole packet is buffered; a timeout here is not an error */
		if (c->rlen - c->rpos < 4) {
			struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN},
			                      {.fd = c->wake_fd, .events = POLLIN}};
			int r = poll(p, c->wake_fd >= 0 ? 2 : 1, vici_remaining(deadline));

			if (r == 0)
				return -EAGAIN;
			if (r < 0)
				return errno == EINTR ? -EAGAIN : vici_fail(c, -errno, "poll");
			if (!p[0].revents)
				return -EINTR; /* woken through the wake fd */
		}
		/* a packet has started: the rest gets the normal command deadline */
		deadline = clock_mono_ms() + c->timeout_ms;
		if ((err = vici_read_packet(c, deadline, &pkt, &len)) < 0)
			return err;
		if (pkt[0] != VICI_PKT_EVENT)
			return vici_fail(c, -EBADMSG, "unexpected packet type on event connection");
		err = vici_msg_decode(ret, pkt, len);
		return err < 0 ? vici_fail(c, err, "decoding event") : 0;
	}
}
