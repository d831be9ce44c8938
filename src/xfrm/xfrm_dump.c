// SPDX-License-Identifier: Apache-2.0
/*
 * The two XFRM dumps over one netlink socket (see xfrm_dump.h), kept from scrape to scrape:
 * opening, binding and closing one per read was five system calls and a tenth of the CPU of a
 * small scrape. Any failure closes it, so that the next read starts clean (a dump that timed out
 * may still be answered later); each dump has a new sequence number, and libmnl checks each
 * message's framing and sequence (mnl_cb_run) before xfrm_msg.c parses it.
 */
#include "xfrm/xfrm_dump.h"

#include "common/array.h"
#include "common/limits.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

void xfrm_table_reset(struct xfrm_table *t)
{
	t->n_states = t->n_policies = 0;
	t->dropped = 0;
}

static void xfrm_table_close(struct xfrm_table *t)
{
	if (t->nl)
		mnl_socket_close(t->nl);
	t->nl = NULL;
}

void xfrm_table_done(struct xfrm_table *t)
{
	xfrm_table_close(t);
	free(t->states);
	free(t->policies);
	memset(t, 0, sizeof(*t));
}

int xfrm_table_add(struct xfrm_table *t, const void *msg, size_t len)
{
	struct nlmsghdr h;
	int err;

	if (len < sizeof(h)) {
		t->dropped++;
		return 0;
	}
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_type == XFRM_MSG_NEWSA) {
		struct xfrm_state_info s;

		if (xfrm_msg_parse_state(msg, len, &s) < 0) {
			t->dropped++;
			return 0;
		}
		err = ARRAY_GROW(t->states, t->n_states, t->cap_states, 16, XFRM_STATES_MAX);
		if (err == -E2BIG) {
			t->dropped++;
			return 0;
		}
		if (err < 0)
			return err;
		t->states[t->n_states++] = s;
	} else if (h.nlmsg_type == XFRM_MSG_NEWPOLICY) {
		struct xfrm_policy_info p;

		if (xfrm_msg_parse_policy(msg, len, &p) < 0) {
			t->dropped++;
			return 0;
		}
		err =
		    ARRAY_GROW(t->policies, t->n_policies, t->cap_policies, 16, XFRM_POLICIES_MAX);
		if (err == -E2BIG) {
			t->dropped++;
			return 0;
		}
		if (err < 0)
			return err;
		t->policies[t->n_policies++] = p;
	}
	return 0;
}

struct dump_ctx {
	struct xfrm_table *t;
	int err;
};

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;

	if ((d->err = xfrm_table_add(d->t, nlh, nlh->nlmsg_len)) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

/* The kernel fills dump datagrams up to a page or so (libmnl suggests 8 KiB at most): 32 KiB is
 * never short. */
#define DUMP_BUF 32768

static int dump(struct mnl_socket *nl, char *buf, uint16_t type, uint32_t seq, struct xfrm_table *t)
{
	struct dump_ctx d = {.t = t};
	size_t len;
	int r;

	if ((r = xfrm_msg_build_dump(type, seq, buf, DUMP_BUF, &len)) < 0)
		return r;
	if (mnl_socket_sendto(nl, buf, len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, DUMP_BUF);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		errno = 0;
		r = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), on_msg, &d);
		if (r == MNL_CB_STOP)
			return 0;
		if (r < 0)
			return d.err ? d.err : errno ? -errno : -EBADMSG;
	}
}

/* A bound socket with the receive timeout, or NULL with errno set. */
static struct mnl_socket *xfrm_open(unsigned timeout_ms)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	/* kept open now: not to be inherited by what serve runs */
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC);

	if (!nl)
		return NULL;
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	return nl;
}

int xfrm_table_read(struct xfrm_table *t, unsigned timeout_ms)
{
	char *buf;
	int err;

	xfrm_table_reset(t);
	if (!t->nl && !(t->nl = xfrm_open(timeout_ms)))
		return -errno;
	if (!(buf = malloc(DUMP_BUF)))
		return -ENOMEM;
	/* sequence numbers go on across reads: 0 is left out, as the kernel's own replies use it */
	t->seq = t->seq + 2 < t->seq ? 1 : t->seq + 1;
	if ((err = dump(t->nl, buf, XFRM_MSG_GETSA, t->seq, t)) == 0)
		err = dump(t->nl, buf, XFRM_MSG_GETPOLICY, ++t->seq, t);
	free(buf);
	if (err < 0)
		xfrm_table_close(t);
	return err;
}
