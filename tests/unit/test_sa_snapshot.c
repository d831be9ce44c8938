// SPDX-License-Identifier: Apache-2.0
/*
 * SA snapshots (src/exporter/sa_snapshot.c) from the recorded list-sas / list-conns events of
 * the lab (fields the lab fixes: names, states, addresses, ids, algorithms, NAT, traffic
 * selectors), hand-built events for the edge cases, and a list-cert event carrying a real DER
 * certificate made here with GnuTLS; then the connection/CHILD grouping of sa_view.c
 * (configured-but-down, several IKE or CHILD SAs per name, SAs of unloaded connections).
 */
#include "test.h"

#include "fixture.h"
#include "exporter/sa_snapshot.h"
#include "exporter/sa_view.h"

#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>

/* Decode a recording and add it to @s as a list-sa (kind 's'), list-conn ('c') or list-cert
 * ('x') event. */
static int add_fixture(struct sa_snapshot *s, const char *name, char kind)
{
	struct vici_msg m = {0};
	uint8_t *pkt;
	int err;

	if ((err = fixture_decode(name, &m, &pkt)) < 0)
		return err;
	err = kind == 's'   ? sa_snapshot_add_ike(s, &m)
	      : kind == 'c' ? sa_snapshot_add_conn(s, &m)
	                    : sa_snapshot_add_cert(s, &m);
	vici_msg_done(&m);
	free(pkt); /* the snapshot must have copied everything it keeps */
	return err;
}

static int add_built(struct sa_snapshot *s, struct vici_builder *b, char kind)
{
	struct vici_msg m = {0};
	uint8_t *pkt;
	size_t len;
	int err;

	if ((err = vici_build_finish(b, &pkt, &len)) < 0)
		return err;
	if ((err = vici_msg_decode(&m, pkt + 4, len - 4)) == 0)
		err = kind == 's'   ? sa_snapshot_add_ike(s, &m)
		      : kind == 'c' ? sa_snapshot_add_conn(s, &m)
		                    : sa_snapshot_add_cert(s, &m);
	vici_msg_done(&m);
	free(pkt);
	return err;
}

static void established_every_field(void)
{
	struct sa_snapshot s;
	const struct snap_ike *ike;
	const struct snap_child *c;

	sa_snapshot_init(&s);
	T_EQ_INT(add_fixture(&s, "list-sas.established.a.0004.rx-event.bin", 's'), 0);
	T_EQ_INT(s.n_ikes, 1);
	ike = &s.ikes[0];
	T_EQ_STR(ike->conn, "a-b");
	T_EQ_INT(ike->uniqueid, 1);
	T_EQ_STR(ike->state, "ESTABLISHED");
	T_EQ_STR(ike->version, "2");
	T_EQ_STR(ike->local_host, "192.0.2.1");
	T_EQ_STR(ike->remote_host, "198.51.100.1");
	T_EQ_STR(ike->local_id, "gw-a.lab");
	T_EQ_STR(ike->remote_id, "gw-b.lab");
	T_EQ_STR(ike->encr, "AES_CBC-128");
	T_EQ_STR(ike->integ, "HMAC_SHA2_256_128");
	T_EQ_STR(ike->prf, "PRF_HMAC_SHA2_256");
	T_EQ_STR(ike->dh_group, "MODP_2048");
	T_EQ_STR(ike->nat, "remote"); /* kernel-libipsec: nat-remote + nat-any */
	T_ASSERT(ike->initiator);
	T_ASSERT(!ike->tasks_pending);
	T_EQ_INT(ike->established, 3);
	T_EQ_INT(ike->rekey_time, 13101);
	T_EQ_INT(ike->reauth_time, SNAP_NONE);
	T_ASSERT(snap_ike_state_up(ike->state));

	T_EQ_INT(ike->n_children, 1);
	c = &ike->children[0];
	T_EQ_STR(c->name, "net"); /* not the "net-1" section key */
	T_EQ_INT(c->uniqueid, 1);
	T_EQ_INT(c->reqid, 1);
	T_EQ_STR(c->state, "INSTALLED");
	T_EQ_STR(c->mode, "TUNNEL");
	T_EQ_STR(c->protocol, "ESP");
	T_ASSERT(c->encap);
	T_EQ_STR(c->spi_in, "d0efa7ae");
	T_EQ_STR(c->spi_out, "75ffcd80");
	T_EQ_STR(c->encr, "AES_CBC-128");
	T_EQ_STR(c->integ, "HMAC_SHA2_256_128");
	T_EQ_STR(c->dh_group, "");
	T_EQ_INT(c->totals.bytes_in, 672);
	T_EQ_INT(c->totals.bytes_out, 672);
	T_EQ_INT(c->totals.packets_in, 8);
	T_EQ_INT(c->totals.packets_out, 8);
	T_EQ_INT(c->use_in, 1);
	T_EQ_INT(c->use_out, 1);
	T_EQ_INT(c->install_time, 3);
	T_EQ_INT(c->rekey_time, 3328);
	T_EQ_INT(c->life_time, 3957);
	T_EQ_STR(c->local_ts, "203.0.113.0/25");
	T_EQ_STR(c->remote_ts, "203.0.113.128/25");
	T_ASSERT(snap_child_state_up(c->state));

	/* reset keeps nothing visible; the snapshot can be filled again */
	sa_snapshot_reset(&s);
	T_EQ_INT(s.n_ikes, 0);
	T_EQ_INT(add_fixture(&s, "list-sas.established.b.0004.rx-event.bin", 's'), 0);
	T_EQ_INT(s.n_ikes, 1);
	T_EQ_STR(s.ikes[0].local_id, "gw-b.lab");
	T_ASSERT(!s.ikes[0].initiator);
	sa_snapshot_done(&s);
}

static void list_conns(void)
{
	struct sa_snapshot s;

	sa_snapshot_init(&s);
	T_EQ_INT(add_fixture(&s, "list-conns.a.0004.rx-event.bin", 'c'), 0);
	T_EQ_INT(add_fixture(&s, "list-conns.a.0005.rx-event.bin", 'c'), 0);
	T_EQ_INT(s.n_conns, 2);
	T_EQ_STR(s.conns[0].name, "a-b");
	T_EQ_STR(s.conns[0].version, "IKEv2");
	T_EQ_STR(s.conns[0].remote_addrs, "198.51.100.1");
	T_EQ_INT(s.conns[0].n_children, 1);
	T_EQ_STR(s.conns[0].children[0], "net");
	T_EQ_STR(s.conns[0].children_remote_ts[0], "203.0.113.128/25");
	T_EQ_STR(s.conns[1].name, "a-c");
	T_EQ_STR(s.conns[1].remote_addrs, "198.51.100.3");
	T_EQ_INT(s.conns[1].n_children, 1);
	T_EQ_STR(s.conns[1].children[0], "c-net");
	T_EQ_STR(s.conns[1].children_remote_ts[0], "198.51.100.3/32");
	T_EQ_INT(s.n_ikes, 0);
	sa_snapshot_done(&s);
}

static void two_ike_one_connecting(void)
{
	struct sa_snapshot s;

	sa_snapshot_init(&s);
	T_EQ_INT(add_fixture(&s, "list-sas.two-ike-connecting.a.0004.rx-event.bin", 's'), 0);
	T_EQ_INT(add_fixture(&s, "list-sas.two-ike-connecting.a.0005.rx-event.bin", 's'), 0);
	T_EQ_INT(s.n_ikes, 2);
	T_EQ_STR(s.ikes[0].conn, "a-c");
	T_EQ_STR(s.ikes[0].state, "CONNECTING");
	T_ASSERT(!snap_ike_state_up(s.ikes[0].state));
	T_EQ_STR(s.ikes[0].remote_host, "198.51.100.3");
	T_EQ_STR(s.ikes[0].local_id, "%any");
	T_EQ_STR(s.ikes[0].nat, "none");
	T_EQ_STR(s.ikes[0].encr, "");
	T_EQ_INT(s.ikes[0].established, SNAP_NONE);
	T_EQ_INT(s.ikes[0].n_children, 0);
	T_EQ_STR(s.ikes[1].conn, "a-b");
	T_EQ_STR(s.ikes[1].state, "ESTABLISHED");
	T_EQ_INT(s.ikes[1].n_children, 1);
	T_EQ_STR(s.ikes[1].children[0].name, "net");
	T_EQ_STR(s.ikes[1].children[0].state, "INSTALLED");
	sa_snapshot_done(&s);
}

static void child_deleted_after_rekey(void)
{
	struct sa_snapshot s;
	const struct snap_ike *ike;

	sa_snapshot_init(&s);
	T_EQ_INT(add_fixture(&s, "list-sas.child-deleted.a.0004.rx-event.bin", 's'), 0);
	T_EQ_INT(s.n_ikes, 1);
	ike = &s.ikes[0];
	T_EQ_INT(ike->n_children, 2);
	T_EQ_STR(ike->children[0].name, "net");
	T_EQ_STR(ike->children[1].name, "net");
	T_EQ_INT(ike->children[0].uniqueid, 1);
	T_EQ_STR(ike->children[0].state, "DELETED");
	T_ASSERT(!snap_child_state_up(ike->children[0].state));
	T_EQ_INT(ike->children[0].totals.bytes_in, 672);
	T_EQ_INT(ike->children[1].uniqueid, 2);
	T_EQ_STR(ike->children[1].state, "INSTALLED");
	T_EQ_INT(ike->children[1].totals.bytes_in, 0);
	T_EQ_INT(ike->children[1].use_in, SNAP_NONE);     /* no packet yet */
	T_EQ_STR(ike->children[1].dh_group, "MODP_2048"); /* rekeyed with PFS */
	T_ASSERT(strcmp(ike->children[0].spi_in, ike->children[1].spi_in) != 0);
	sa_snapshot_done(&s);
}

static void empty_and_malformed(void)
{
	struct sa_snapshot s;
	struct vici_builder b;

	sa_snapshot_init(&s);
	/* list-certs in a PSK lab: the response carries nothing, there are no events */
	T_EQ_INT(add_fixture(&s, "list-certs.a.0004.rx-cmd-response.bin", 'x'), 0);
	T_EQ_INT(s.n_certs, 1);
	T_EQ_STR(s.certs[0].type, "");
	T_EQ_STR(s.certs[0].subject, "");
	T_EQ_INT(s.certs[0].not_after, SNAP_NONE);
	sa_snapshot_reset(&s);
	T_EQ_INT(add_fixture(&s, "list-sas.none.a.0004.rx-cmd-response.bin", 's'), 0);
	T_EQ_INT(s.n_ikes, 0);

	/* a list-sa event whose top level is not an IKE section */
	vici_build_init(&b, VICI_PKT_EVENT, "list-sa");
	vici_build_kv_str(&b, "a-b", "x");
	T_EQ_INT(add_built(&s, &b, 's'), -EBADMSG);
	T_EQ_INT(s.n_ikes, 0);
	vici_build_init(&b, VICI_PKT_EVENT, "list-conn");
	vici_build_list_start(&b, "a-b");
	vici_build_list_end(&b);
	T_EQ_INT(add_built(&s, &b, 'c'), -EBADMSG);
	/* numbers that are not numbers are absent, not garbage */
	vici_build_init(&b, VICI_PKT_EVENT, "list-sa");
	vici_build_section_start(&b, "x");
	vici_build_kv_str(&b, "uniqueid", "12abc");
	vici_build_kv_str(&b, "established", "");
	vici_build_kv_str(&b, "rekey-time", "99999999999999999999999");
	vici_build_list_start(&b, "tasks-queued");
	vici_build_list_item(&b, "CHILD_REKEY", 11);
	vici_build_list_end(&b);
	vici_build_section_end(&b);
	T_EQ_INT(add_built(&s, &b, 's'), 0);
	T_EQ_INT(s.n_ikes, 1);
	T_EQ_INT(s.ikes[0].uniqueid, 0);
	T_EQ_INT(s.ikes[0].established, SNAP_NONE);
	T_EQ_INT(s.ikes[0].rekey_time, SNAP_NONE);
	T_EQ_STR(s.ikes[0].state, "");
	T_ASSERT(s.ikes[0].tasks_pending);
	sa_snapshot_done(&s);
}

/* NAT flags, signed times, CHILD names without a "name" key, ts lists of several items. */
/* One IKE SA with one CHILD SA, for shared_copies(). */
static void build_one_sa(struct vici_builder *b, const char *conn, const char *state,
                         const char *keysize, const char *ts1, const char *ts2)
{
	vici_build_init(b, VICI_PKT_EVENT, "list-sa");
	vici_build_section_start(b, conn);
	vici_build_kv_str(b, "state", state);
	vici_build_kv_str(b, "encr-alg", "AES_CBC");
	if (keysize)
		vici_build_kv_str(b, "encr-keysize", keysize);
	vici_build_section_start(b, "child-sas");
	vici_build_section_start(b, "net-1");
	vici_build_kv_str(b, "state", "INSTALLED");
	vici_build_list_start(b, "local-ts");
	vici_build_list_item(b, ts1, strlen(ts1));
	if (ts2)
		vici_build_list_item(b, ts2, strlen(ts2));
	vici_build_list_end(b);
	vici_build_section_end(b);
	vici_build_section_end(b);
	vici_build_section_end(b);
}

/* SAs that repeat a field's value share its copy; a value that differs, even by one byte at the
 * same length or only in how it is split into list items, gets its own; a reset forgets them. */
static void shared_copies(void)
{
	static const struct {
		const char *conn, *state, *keysize, *ts1, *ts2;
		const char *want_encr, *want_ts;
	} sa[] = {
	    {"a", "ESTABLISHED", "128", "10.0.0.0/8", NULL, "AES_CBC-128", "10.0.0.0/8"},
	    {"a", "ESTABLISHED", "128", "10.0.0.0/8", NULL, "AES_CBC-128", "10.0.0.0/8"},
	    {"b", "ESTABLISHED", "256", "10.0.0.0/9", NULL, "AES_CBC-256", "10.0.0.0/9"},
	    {"b", "CONNECTING", NULL, "10.0.0.0/9", "::/0", "AES_CBC", "10.0.0.0/9,::/0"},
	    {"b", "CONNECTING", NULL, "10.0.0.0/9", "::/0", "AES_CBC", "10.0.0.0/9,::/0"},
	    {"b", "CONNECTING", NULL, "10.0.0.0/9,", ":/0", "AES_CBC", "10.0.0.0/9,,:/0"},
	    {"b", "CONNECTING", "", "10.0.0.0/9,::/0", NULL, "AES_CBC", "10.0.0.0/9,::/0"},
	};
	size_t n = sizeof(sa) / sizeof(sa[0]);
	struct sa_snapshot s;
	struct vici_builder b;

	sa_snapshot_init(&s);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < n; i++) {
			build_one_sa(&b, sa[i].conn, sa[i].state, sa[i].keysize, sa[i].ts1,
			             sa[i].ts2);
			T_EQ_INT(add_built(&s, &b, 's'), 0);
		}
		T_EQ_INT((int)s.n_ikes, (int)n);
		for (size_t i = 0; i < n; i++) {
			const struct snap_ike *ike = &s.ikes[i];

			T_EQ_STR(ike->conn, sa[i].conn);
			T_EQ_STR(ike->state, sa[i].state);
			T_EQ_STR(ike->encr, sa[i].want_encr);
			T_EQ_INT((int)ike->n_children, 1);
			T_EQ_STR(ike->children[0].name, "net");
			T_EQ_STR(ike->children[0].state, "INSTALLED");
			T_EQ_STR(ike->children[0].local_ts, sa[i].want_ts);
		}
		/* the repeats share, what differs does not */
		T_ASSERT(s.ikes[1].conn == s.ikes[0].conn && s.ikes[1].encr == s.ikes[0].encr);
		T_ASSERT(s.ikes[1].children[0].local_ts == s.ikes[0].children[0].local_ts);
		T_ASSERT(s.ikes[4].children[0].local_ts == s.ikes[3].children[0].local_ts);
		T_ASSERT(s.ikes[2].encr != s.ikes[1].encr);
		T_ASSERT(s.ikes[6].children[0].name == s.ikes[0].children[0].name);
		sa_snapshot_reset(&s);
	}
	sa_snapshot_done(&s);
}

static void hand_built_fields(void)
{
	static const struct {
		const char *local, *remote, *fake, *want;
	} nat[] = {
	    {"yes", "yes", NULL, "both"},  {"yes", "no", NULL, "local"},
	    {NULL, "yes", NULL, "remote"}, {NULL, NULL, "yes", "fake"},
	    {"no", "no", "no", "none"},
	};
	struct sa_snapshot s;
	struct vici_builder b;

	sa_snapshot_init(&s);
	for (size_t i = 0; i < sizeof(nat) / sizeof(nat[0]); i++) {
		vici_build_init(&b, VICI_PKT_EVENT, "list-sa");
		vici_build_section_start(&b, "c");
		if (nat[i].local)
			vici_build_kv_str(&b, "nat-local", nat[i].local);
		if (nat[i].remote)
			vici_build_kv_str(&b, "nat-remote", nat[i].remote);
		if (nat[i].fake)
			vici_build_kv_str(&b, "nat-fake", nat[i].fake);
		vici_build_section_end(&b);
		T_EQ_INT(add_built(&s, &b, 's'), 0);
		T_EQ_STR(s.ikes[i].nat, nat[i].want);
	}
	sa_snapshot_reset(&s);

	vici_build_init(&b, VICI_PKT_EVENT, "list-sa");
	vici_build_section_start(&b, "gw");
	vici_build_kv_str(&b, "rekey-time", "-17"); /* overdue: the rekey is failing */
	vici_build_section_start(&b, "child-sas");
	vici_build_section_start(&b, "net-42"); /* 5.8 style: no name key */
	vici_build_kv_str(&b, "rekey-time", "-1");
	vici_build_list_start(&b, "local-ts");
	vici_build_list_item(&b, "10.0.0.0/8", 10);
	vici_build_list_item(&b, "2001:db8::/32[udp/862]", 22);
	vici_build_list_end(&b);
	vici_build_list_start(&b, "remote-ts");
	vici_build_list_end(&b);
	vici_build_section_end(&b);
	vici_build_section_start(&b, "my-net");
	vici_build_section_end(&b);
	vici_build_section_start(&b, "a-1-2");
	vici_build_section_end(&b);
	vici_build_section_start(&b, "net-");
	vici_build_section_end(&b);
	vici_build_section_start(&b, "7");
	vici_build_section_end(&b);
	vici_build_section_start(&b, "x-9");
	vici_build_kv_str(&b, "name", "explicit");
	vici_build_section_end(&b);
	vici_build_kv_str(&b, "not-a-child", "ignored");
	vici_build_section_end(&b);
	vici_build_section_end(&b);
	T_EQ_INT(add_built(&s, &b, 's'), 0);
	T_EQ_INT(s.ikes[0].rekey_time, -17);
	T_EQ_INT(s.ikes[0].n_children, 6);
	T_EQ_STR(s.ikes[0].children[0].name, "net");
	T_EQ_INT(s.ikes[0].children[0].rekey_time, -1);
	T_EQ_STR(s.ikes[0].children[0].local_ts, "10.0.0.0/8,2001:db8::/32[udp/862]");
	T_EQ_STR(s.ikes[0].children[0].remote_ts, "");
	T_EQ_STR(s.ikes[0].children[1].name, "my-net");
	T_EQ_STR(s.ikes[0].children[2].name, "a-1");
	T_EQ_STR(s.ikes[0].children[3].name, "net-");
	T_EQ_STR(s.ikes[0].children[4].name, "7");
	T_EQ_STR(s.ikes[0].children[5].name, "explicit");
	T_EQ_STR(s.ikes[0].children[5].state, "");
	sa_snapshot_done(&s);
}

/* A self-signed certificate with a known subject, serial and validity, as DER. */
static int make_cert(gnutls_datum_t *ret_der)
{
	static const unsigned char serial[] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab};
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	int err;

	if ((err = gnutls_x509_privkey_init(&key)) < 0)
		return err;
	if ((err = gnutls_x509_privkey_generate(
	         key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0)
		goto out_key;
	if ((err = gnutls_x509_crt_init(&crt)) < 0)
		goto out_key;
	if ((err = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (err = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (err = gnutls_x509_crt_set_dn(crt, "CN=gw-a.lab,O=ikewatch test", NULL)) < 0 ||
	    (err = gnutls_x509_crt_set_issuer_dn(crt, "CN=gw-a.lab,O=ikewatch test", NULL)) < 0 ||
	    (err = gnutls_x509_crt_set_activation_time(crt, 1700000000)) < 0 ||
	    (err = gnutls_x509_crt_set_expiration_time(crt, 1900000000)) < 0 ||
	    (err = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (err = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
		goto out_crt;
	err = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, ret_der);
out_crt:
	gnutls_x509_crt_deinit(crt);
out_key:
	gnutls_x509_privkey_deinit(key);
	return err;
}

static void cert_from_der(void)
{
	gnutls_datum_t der = {0};
	struct sa_snapshot s;
	struct vici_builder b;
	const struct snap_cert *c;

	T_EQ_INT(make_cert(&der), 0);
	sa_snapshot_init(&s);
	vici_build_init(&b, VICI_PKT_EVENT, "list-cert");
	vici_build_kv_str(&b, "type", "X509");
	vici_build_kv_str(&b, "flag", "NONE");
	vici_build_kv_str(&b, "has_privkey", "yes");
	vici_build_kv(&b, "data", der.data, der.size);
	T_EQ_INT(add_built(&s, &b, 'x'), 0);
	T_EQ_INT(s.n_certs, 1);
	c = &s.certs[0];
	T_EQ_STR(c->type, "X509");
	T_EQ_STR(c->flag, "NONE");
	T_ASSERT(c->has_privkey);
	T_CONTAINS(c->subject, "CN=gw-a.lab");
	T_CONTAINS(c->subject, "O=ikewatch test");
	T_EQ_STR(c->serial, "0123456789ab");
	T_EQ_INT(c->not_after, 1900000000);
	T_EQ_INT(c->not_before, 1700000000);

	/* DER that GnuTLS cannot read: the certificate is kept with its type only */
	vici_build_init(&b, VICI_PKT_EVENT, "list-cert");
	vici_build_kv_str(&b, "type", "X509");
	vici_build_kv(&b, "data", der.data, der.size / 2);
	T_EQ_INT(add_built(&s, &b, 'x'), 0);
	T_EQ_INT(s.n_certs, 2);
	T_EQ_STR(s.certs[1].type, "X509");
	T_EQ_STR(s.certs[1].subject, "");
	T_EQ_STR(s.certs[1].serial, "");
	T_EQ_INT(s.certs[1].not_after, SNAP_NONE);
	T_ASSERT(!s.certs[1].has_privkey);
	/* another type is not parsed as X.509 */
	vici_build_init(&b, VICI_PKT_EVENT, "list-cert");
	vici_build_kv_str(&b, "type", "X509_CRL");
	vici_build_kv(&b, "data", der.data, der.size);
	T_EQ_INT(add_built(&s, &b, 'x'), 0);
	T_EQ_STR(s.certs[2].subject, "");
	gnutls_free(der.data);
	sa_snapshot_done(&s);
}

/* --- sa_view --- */

static const struct sa_view_conn *view_conn(const struct sa_view *v, const char *name)
{
	for (uint32_t i = 0; i < v->n_conns; i++)
		if (strcmp(v->conns[i].name, name) == 0)
			return &v->conns[i];
	return NULL;
}

static const struct sa_view_child *view_child(const struct sa_view_conn *c, const char *name)
{
	for (uint32_t i = 0; c && i < c->n_children; i++)
		if (strcmp(c->children[i].name, name) == 0)
			return &c->children[i];
	return NULL;
}

static void view_configured_but_down(void)
{
	struct sa_snapshot s;
	struct sa_view v;
	const struct sa_view_conn *ab, *ac;
	const struct sa_view_child *net, *cnet;

	sa_snapshot_init(&s);
	T_EQ_INT(add_fixture(&s, "list-conns.a.0004.rx-event.bin", 'c'), 0);
	T_EQ_INT(add_fixture(&s, "list-conns.a.0005.rx-event.bin", 'c'), 0);
	T_EQ_INT(add_fixture(&s, "list-sas.established.a.0004.rx-event.bin", 's'), 0);
	T_EQ_INT(sa_view_build(&s, &v), 0);
	T_EQ_INT(v.n_conns, 2);
	ab = view_conn(&v, "a-b");
	ac = view_conn(&v, "a-c");
	T_ASSERT(ab && ac);
	T_ASSERT(ab->configured && ab->up);
	T_EQ_INT(ab->n_ikes, 1);
	T_ASSERT(ab->best == &s.ikes[0]);
	T_ASSERT(ac->configured && !ac->up);
	T_EQ_INT(ac->n_ikes, 0);
	T_ASSERT(ac->best == NULL);
	net = view_child(ab, "net");
	cnet = view_child(ac, "c-net");
	T_ASSERT(net && cnet);
	T_EQ_INT(ab->n_children, 1); /* "net-1" is grouped under "net", not a second child */
	T_ASSERT(net->configured && net->up);
	T_EQ_INT(net->n_sas, 1);
	T_EQ_INT(net->use_in, 1);
	T_ASSERT(cnet->configured && !cnet->up);
	T_EQ_INT(cnet->n_sas, 0);
	T_ASSERT(cnet->best == NULL);
	T_EQ_INT(cnet->use_in, SNAP_NONE);
	sa_view_done(&v);
	sa_snapshot_done(&s);
}

static void view_picks_established_ike(void)
{
	struct sa_snapshot s;
	struct sa_view v;
	const struct sa_view_conn *c;
	struct vici_builder b;

	/* in either order, and against a newer SA that is not established */
	for (int order = 0; order < 2; order++) {
		sa_snapshot_init(&s);
		for (int k = 0; k < 2; k++) {
			bool est = (k == 0) == (order == 0);

			vici_build_init(&b, VICI_PKT_EVENT, "list-sa");
			vici_build_section_start(&b, "gw");
			vici_build_kv_str(&b, "uniqueid", est ? "1" : "2");
			vici_build_kv_str(&b, "state", est ? "ESTABLISHED" : "CONNECTING");
			if (est)
				vici_build_kv_str(&b, "established", "500");
			vici_build_section_end(&b);
			T_EQ_INT(add_built(&s, &b, 's'), 0);
		}
		T_EQ_INT(sa_view_build(&s, &v), 0);
		c = view_conn(&v, "gw");
		T_ASSERT(c);
		T_EQ_INT(c->n_ikes, 2);
		T_ASSERT(c->up);
		T_ASSERT(!c->configured);
		T_EQ_STR(c->best->state, "ESTABLISHED");
		T_EQ_INT(c->best->uniqueid, 1);
		sa_view_done(&v);
		sa_snapshot_done(&s);
	}
	/* the recording: a-c CONNECTING is its own connection, down; a-b is up */
	sa_snapshot_init(&s);
	T_EQ_INT(add_fixture(&s, "list-sas.two-ike-connecting.a.0004.rx-event.bin", 's'), 0);
	T_EQ_INT(add_fixture(&s, "list-sas.two-ike-connecting.a.0005.rx-event.bin", 's'), 0);
	T_EQ_INT(sa_view_build(&s, &v), 0);
	T_ASSERT(!view_conn(&v, "a-c")->up);
	T_ASSERT(view_conn(&v, "a-b")->up);
	T_EQ_STR(view_conn(&v, "a-c")->best->state, "CONNECTING");
	sa_view_done(&v);
	sa_snapshot_done(&s);
}

static void view_picks_installed_child(void)
{
	struct sa_snapshot s;
	struct sa_view v;
	const struct sa_view_child *net;

	sa_snapshot_init(&s);
	T_EQ_INT(add_fixture(&s, "list-conns.a.0004.rx-event.bin", 'c'), 0);
	T_EQ_INT(add_fixture(&s, "list-sas.child-deleted.a.0004.rx-event.bin", 's'), 0);
	T_EQ_INT(sa_view_build(&s, &v), 0);
	net = view_child(view_conn(&v, "a-b"), "net");
	T_ASSERT(net);
	T_EQ_INT(view_conn(&v, "a-b")->n_children, 1);
	T_EQ_INT(net->n_sas, 2);
	T_ASSERT(net->up);
	T_EQ_STR(net->best->state, "INSTALLED");
	T_EQ_INT(net->best->uniqueid, 2);
	/* last traffic: the newest over both SAs (the DELETED one had some 7 s ago) */
	T_EQ_INT(net->use_in, 7);
	sa_view_done(&v);
	sa_snapshot_done(&s);
}

static void view_unloaded_conn_still_appears(void)
{
	struct sa_snapshot s;
	struct sa_view v;
	const struct sa_view_conn *ab, *ac;

	sa_snapshot_init(&s);
	/* only a-c is loaded, but an a-b SA is still up */
	T_EQ_INT(add_fixture(&s, "list-conns.a.0005.rx-event.bin", 'c'), 0);
	T_EQ_INT(add_fixture(&s, "list-sas.established.a.0004.rx-event.bin", 's'), 0);
	T_EQ_INT(sa_view_build(&s, &v), 0);
	T_EQ_INT(v.n_conns, 2);
	/* loaded connections first, then the SAs of unloaded ones */
	T_EQ_STR(v.conns[0].name, "a-c");
	ab = view_conn(&v, "a-b");
	ac = view_conn(&v, "a-c");
	T_ASSERT(ab && ac);
	T_ASSERT(!ab->configured && ab->up);
	T_ASSERT(view_child(ab, "net") && !view_child(ab, "net")->configured);
	T_ASSERT(view_child(ab, "net")->up);
	T_ASSERT(ac->configured && !ac->up);
	sa_view_done(&v);
	/* an empty snapshot gives an empty view */
	sa_snapshot_reset(&s);
	T_EQ_INT(sa_view_build(&s, &v), 0);
	T_EQ_INT(v.n_conns, 0);
	sa_view_done(&v);
	sa_snapshot_done(&s);
}

/* A loaded connection @conn with CHILD configs @children (NULL-terminated). */
static void build_conn(struct vici_builder *b, const char *conn, const char *const *children)
{
	vici_build_init(b, VICI_PKT_EVENT, "list-conn");
	vici_build_section_start(b, conn);
	vici_build_section_start(b, "children");
	for (; *children; children++) {
		vici_build_section_start(b, *children);
		vici_build_section_end(b);
	}
	vici_build_section_end(b);
	vici_build_section_end(b);
}

/* An IKE SA of @conn with one CHILD SA of config @child. */
static void build_sa_child(struct vici_builder *b, const char *conn, const char *child, unsigned id)
{
	char sec[64], uid[16];

	snprintf(sec, sizeof(sec), "%s-%u", child, id);
	snprintf(uid, sizeof(uid), "%u", id);
	vici_build_init(b, VICI_PKT_EVENT, "list-sa");
	vici_build_section_start(b, conn);
	vici_build_kv_str(b, "uniqueid", uid);
	vici_build_kv_str(b, "state", "ESTABLISHED");
	vici_build_section_start(b, "child-sas");
	vici_build_section_start(b, sec);
	vici_build_kv_str(b, "name", child);
	vici_build_kv_str(b, "uniqueid", uid);
	vici_build_kv_str(b, "state", "INSTALLED");
	vici_build_section_end(b);
	vici_build_section_end(b);
	vici_build_section_end(b);
}

/* Children found out of their connections' order (SAs of unloaded connections and of CHILD
 * configs that are not loaded, between others) still end up in one run per connection, in the
 * order they were found; checked against a plain search over many random snapshots. */
static void view_groups_children(void)
{
	static const char *const conn_children[][4] = {{"x", NULL}, {"y", "y2", NULL}};
	static const struct {
		const char *conn, *child;
	} sas[] = {{"c", "z"}, {"a", "w"}, {"b", "y"}, {"c", "z2"}, {"a", "x"}, {"a", "w"}};
	static const struct {
		const char *conn, *child;
		bool configured;
		uint32_t n_sas;
	} want[] = {{"a", "x", true, 1},  {"a", "w", false, 2}, {"b", "y", true, 1},
	            {"b", "y2", true, 0}, {"c", "z", false, 1}, {"c", "z2", false, 1}};
	struct vici_builder b;
	struct sa_snapshot s;
	struct sa_view v;
	uint64_t rnd = 88172645463325252ull;

	sa_snapshot_init(&s);
	build_conn(&b, "a", conn_children[0]);
	T_EQ_INT(add_built(&s, &b, 'c'), 0);
	build_conn(&b, "b", conn_children[1]);
	T_EQ_INT(add_built(&s, &b, 'c'), 0);
	for (unsigned i = 0; i < sizeof(sas) / sizeof(sas[0]); i++) {
		build_sa_child(&b, sas[i].conn, sas[i].child, i + 1);
		T_EQ_INT(add_built(&s, &b, 's'), 0);
	}
	T_EQ_INT(sa_view_build(&s, &v), 0);
	T_EQ_INT(v.n_conns, 3);
	T_EQ_INT(v.n_children, 6);
	for (unsigned i = 0, k = 0; i < v.n_conns; i++)
		for (uint32_t j = 0; j < v.conns[i].n_children; j++, k++) {
			const struct sa_view_child *ch = &v.conns[i].children[j];

			T_ASSERT(ch == &v.children[k]); /* one run per connection, in order */
			T_EQ_STR(v.conns[i].name, want[k].conn);
			T_EQ_STR(ch->name, want[k].child);
			T_EQ_INT(ch->configured, want[k].configured);
			T_EQ_INT(ch->n_sas, want[k].n_sas);
			T_EQ_INT(ch->up, want[k].n_sas > 0);
		}
	sa_view_done(&v);

	for (int round = 0; round < 40; round++) {
		static const char *const names[] = {"n0", "n1", "n2", "n3", "n4"};
		char conn[16], child[16];
		unsigned n_sas;

		sa_snapshot_reset(&s);
		for (unsigned c = 0; c < 20; c++) {
			snprintf(conn, sizeof(conn), "c%u", c);
			build_conn(&b, conn, (const char *const[]){names[c % 5], NULL});
			T_EQ_INT(add_built(&s, &b, 'c'), 0);
		}
		n_sas = 1 + (unsigned)(round * 7 % 120);
		for (unsigned i = 0; i < n_sas; i++) {
			rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
			snprintf(conn, sizeof(conn), "c%u", (unsigned)(rnd % 30)); /* 10 unloaded */
			snprintf(child, sizeof(child), "%s", names[(rnd >> 8) % 5]);
			build_sa_child(&b, conn, child, i + 1);
			T_EQ_INT(add_built(&s, &b, 's'), 0);
		}
		T_EQ_INT(sa_view_build(&s, &v), 0);
		/* each connection's children: the configured one first, then as SAs name them */
		for (uint32_t i = 0, k = 0; i < v.n_conns; i++) {
			const struct sa_view_conn *vc = &v.conns[i];
			const char *seen[8];
			uint32_t n_seen = 0, sas_of[8] = {0};

			for (uint32_t c = 0; c < s.n_conns; c++)
				if (strcmp(s.conns[c].name, vc->name) == 0)
					seen[n_seen++] = s.conns[c].children[0];
			for (uint32_t e = 0; e < s.n_ikes; e++) {
				uint32_t f;

				if (strcmp(s.ikes[e].conn, vc->name) != 0)
					continue;
				for (f = 0; f < n_seen; f++)
					if (strcmp(seen[f], s.ikes[e].children[0].name) == 0)
						break;
				if (f == n_seen)
					seen[n_seen++] = s.ikes[e].children[0].name;
				sas_of[f]++;
			}
			T_EQ_INT(vc->n_children, n_seen);
			for (uint32_t j = 0; j < vc->n_children; j++, k++) {
				T_ASSERT(&vc->children[j] == &v.children[k]);
				T_EQ_STR(vc->children[j].name, seen[j]);
				T_EQ_INT(vc->children[j].n_sas, sas_of[j]);
			}
		}
		sa_view_done(&v);
	}
	sa_snapshot_done(&s);
}

/* sa_snapshot_release() gives the SAs' memory back and the next fill takes room for as many at
 * once; what is read after it is read as before (no copy kept from before the release). */
static void release_and_refill(void)
{
	struct vici_builder b;
	struct sa_snapshot s;

	sa_snapshot_init(&s);
	for (int round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 100; i++) {
			char conn[16];

			snprintf(conn, sizeof(conn), "c%u", i);
			build_sa_child(&b, conn, round == 1 ? "net" : "lan", i + 1);
			T_EQ_INT(add_built(&s, &b, 's'), 0);
		}
		T_EQ_INT(s.n_ikes, 100);
		if (round > 0)
			T_EQ_INT(s.cap_ikes, 112); /* the hint: 100 and an eighth, taken at once */
		for (unsigned i = 0; i < 100; i++) {
			T_EQ_INT(s.ikes[i].uniqueid, i + 1);
			T_EQ_STR(s.ikes[i].children[0].name, round == 1 ? "net" : "lan");
			T_EQ_STR(s.ikes[i].children[0].state, "INSTALLED");
		}
		sa_snapshot_release(&s);
		T_ASSERT(s.ikes == NULL && s.arena.head == NULL);
		T_EQ_INT(s.n_ikes, 0);
		T_EQ_INT(s.cap_ikes, 0);
		T_EQ_INT(s.ikes_hint, 112);
	}
	sa_snapshot_done(&s);
}

/* The answer to a list-sas narrowed by connection name, from a charon that may have ignored
 * the narrowing: of the IKE SAs it added, those of that connection stay, including one with an
 * id the list had never seen (rekeyed since), but none listed before or twice. */
static void keep_conn_ikes(void)
{
	struct snap_ike ikes[7] = {
	    {.conn = "a", .uniqueid = 1}, {.conn = "b", .uniqueid = 2}, /* listed before */
	    {.conn = "a", .uniqueid = 1}, {.conn = "c", .uniqueid = 3}, /* the answer */
	    {.conn = "b", .uniqueid = 2}, {.conn = "c", .uniqueid = 8},
	    {.conn = "c", .uniqueid = 3},
	};
	struct sa_snapshot s = {.ikes = ikes, .n_ikes = 7};

	sa_snapshot_keep_conn(&s, 2, "c");
	T_EQ_INT(s.n_ikes, 4);
	T_EQ_INT(s.ikes[0].uniqueid, 1);
	T_EQ_INT(s.ikes[1].uniqueid, 2);
	T_EQ_STR(s.ikes[2].conn, "c");
	T_EQ_INT(s.ikes[2].uniqueid, 3);
	T_EQ_INT(s.ikes[3].uniqueid, 8);
	/* one already listed is not added again */
	ikes[4] = (struct snap_ike){.conn = "c", .uniqueid = 3};
	s.n_ikes = 5;
	sa_snapshot_keep_conn(&s, 4, "c");
	T_EQ_INT(s.n_ikes, 4);
	/* an answer without it: nothing added stays */
	ikes[4] = (struct snap_ike){.conn = "b", .uniqueid = 2};
	ikes[5] = (struct snap_ike){.conn = "a", .uniqueid = 9};
	s.n_ikes = 6;
	sa_snapshot_keep_conn(&s, 4, "d");
	T_EQ_INT(s.n_ikes, 4);
	/* nothing added at all */
	sa_snapshot_keep_conn(&s, 4, "c");
	T_EQ_INT(s.n_ikes, 4);
	sa_snapshot_keep_conn(&s, 9, "c");
	T_EQ_INT(s.n_ikes, 4);
}

/* Which connections authenticate us with a certificate: any "local" or "local-N" round whose
 * class is "public key" (a section merely starting with "local" does not count). */
static void conn_local_pubkey(void)
{
	static const struct {
		const char *sec, *klass;
		bool want;
	} rows[] = {
	    {"local-1", "public key", true},      {"local", "public key", true},
	    {"local-1", "pre-shared key", false}, {"localx", "public key", false},
	    {"remote-1", "public key", false},    {"local-2", "", false},
	};
	struct sa_snapshot s;
	struct vici_builder b;

	sa_snapshot_init(&s);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		sa_snapshot_reset(&s);
		vici_build_init(&b, VICI_PKT_EVENT, "list-conn");
		vici_build_section_start(&b, "a-b");
		vici_build_section_start(&b, "local-0");
		vici_build_kv_str(&b, "class", "pre-shared key");
		vici_build_section_end(&b);
		vici_build_section_start(&b, rows[i].sec);
		vici_build_kv_str(&b, "class", rows[i].klass);
		vici_build_section_end(&b);
		vici_build_section_end(&b);
		T_EQ_INT(add_built(&s, &b, 'c'), 0);
		T_EQ_INT(s.n_conns, 1);
		T_EQ_INT(s.conns[0].local_pubkey, rows[i].want);
	}
	/* the lab's PSK connections */
	sa_snapshot_reset(&s);
	T_EQ_INT(add_fixture(&s, "list-conns.a.0004.rx-event.bin", 'c'), 0);
	T_ASSERT(!s.conns[0].local_pubkey);
	sa_snapshot_done(&s);
}

TEST_MAIN("sa_snapshot", TEST(keep_conn_ikes), TEST(conn_local_pubkey),
          TEST(established_every_field), TEST(list_conns), TEST(two_ike_one_connecting),
          TEST(child_deleted_after_rekey), TEST(empty_and_malformed), TEST(hand_built_fields),
          TEST(cert_from_der), TEST(view_configured_but_down), TEST(view_picks_established_ike),
          TEST(view_picks_installed_child), TEST(view_unloaded_conn_still_appears),
          TEST(view_groups_children), TEST(shared_copies), TEST(release_and_refill))
