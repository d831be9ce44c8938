// SPDX-License-Identifier: Apache-2.0
/*
 * XFRM counters over netlink for the doctor's "policies without states" check. The two GET*INFO
 * requests answer with totals, which is all the check needs and keeps keys out of reach.
 * Attributes are validated with libmnl before they are read.
 */
#include "doctor/doctor_xfrm.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <net/if.h>
#include <string.h>
#include <time.h>

struct xfrm_counts {
	uint32_t states, policies;
	bool got;
};

struct xfrm_ask {
	struct xfrm_counts *c;
	bool spd; /* the SPD reply's attribute numbers, else the SAD reply's */
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct xfrm_ask *q = data;
	uint16_t type = mnl_attr_get_type(a);

	if (!q->spd && type == XFRMA_SAD_CNT) {
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		q->c->states = mnl_attr_get_u32(a);
		q->c->got = true;
	} else if (q->spd && type == XFRMA_SPD_INFO) {
		struct xfrmu_spdinfo si;

		if (mnl_attr_validate2(a, MNL_TYPE_BINARY, sizeof(si)) < 0)
			return MNL_CB_ERROR;
		memcpy(&si, mnl_attr_get_payload(a), sizeof(si));
		q->c->policies = si.incnt + si.outcnt + si.fwdcnt;
		q->c->got = true;
	}
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	/* both replies start with a u32 of flags before the attributes */
	return mnl_attr_parse(nlh, sizeof(uint32_t), attr_cb, data);
}

static int ask(struct mnl_socket *nl, uint16_t type, struct xfrm_counts *c)
{
	struct xfrm_ask q = {.c = c, .spd = type == XFRM_MSG_GETSPDINFO};
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint32_t seq = (uint32_t)time(NULL) + type, *flags;
	ssize_t n;
	int r;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	flags = mnl_nlmsg_put_extra_header(nlh, sizeof(*flags));
	*flags = 0xffffffffu;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	r = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), msg_cb, &q);
	if (r < 0)
		return errno ? -errno : -EBADMSG;
	return 0;
}

int doctor_xfrm_counts(uint32_t *ret_states, uint32_t *ret_policies)
{
	struct xfrm_counts c = {0};
	struct mnl_socket *nl;
	int r;

	nl = mnl_socket_open(NETLINK_XFRM);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out_close;
	}
	r = ask(nl, XFRM_MSG_GETSADINFO, &c);
	if (r == 0)
		r = ask(nl, XFRM_MSG_GETSPDINFO, &c);
	if (r == 0 && !c.got)
		r = -EBADMSG;
	if (r == 0) {
		*ret_states = c.states;
		*ret_policies = c.policies;
	}
out_close:
	mnl_socket_close(nl);
	return r;
}

bool doctor_xfrm_libipsec(void)
{
	return if_nametoindex("ipsec0") != 0;
}
