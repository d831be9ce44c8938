// SPDX-License-Identifier: Apache-2.0
/*
 * ikewatch diag: the redactor on realistic `ip xfrm state` text, swanctl/VICI/JSON secrets and
 * charon hex dumps (a table of vectors plus malformed input), the ustar writer read back field
 * by field and the gzip read back with zlib, the VICI tree printer, the loopback-only URL rule,
 * a real GET against a thread serving one answer, the command runner's deadline, cap and
 * missing tools, and a whole bundle whose planted PSK and keys must not survive.
 */
#include "test.h"

#include "diag/diag_bundle.h"
#include "diag/diag_exec.h"
#include "diag/diag_http.h"
#include "diag/diag_redact.h"
#include "diag/diag_tar.h"
#include "diag/diag_vici_text.h"
#include "common/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#define KEY_AUTH "0x8f3a1c9e2b7d4f6a0e5c3b1d9f7a2e4c6b8d0f1e3a5c7e9b2d4f6a8c0e1b3d5f"
#define KEY_ENC "0x0123456789abcdef0123456789abcdef"
#define KEY_AEAD "0xfedcba9876543210fedcba9876543210deadbeef"

/* iproute2 6.1's format (ip/ipxfrm.c xfrm_state_info_print, -d -s), two SAs of one tunnel. */
static const char XFRM_STATE[] =
    "src 203.0.113.1 dst 203.0.113.129\n"
    "\tproto esp spi 0xc1a2b3c4(3248665540) reqid 1(0x00000001) mode tunnel\n"
    "\treplay-window 0 seq 0x00000000 flag af-unspec (0x00100000)\n"
    "\tauth-trunc hmac(sha256) " KEY_AUTH " 128\n"
    "\tenc cbc(aes) " KEY_ENC "\n"
    "\tanti-replay context: seq 0x0, oseq 0x2a, bitmap 0x00000000\n"
    "\tlifetime config:\n"
    "\t  limit: soft (INF)(bytes), hard (INF)(bytes)\n"
    "\tlifetime current:\n"
    "\t  4200(bytes), 42(packets)\n"
    "src 203.0.113.129 dst 203.0.113.1\n"
    "\tproto esp spi 0xc5d6e7f8(3319195640) reqid 1(0x00000001) mode tunnel\n"
    "\treplay-window 32 seq 0x00000000 flag af-unspec (0x00100000)\n"
    "\taead rfc4106(gcm(aes)) " KEY_AEAD " 128\n"
    "\tsel src 0.0.0.0/0 dst 0.0.0.0/0 \n";

static char *redact(const char *in, size_t len, unsigned *ret_n)
{
	struct buf out;
	char *s;

	buf_init(&out, 1u << 20);
	if (diag_redact(in, len, &out, ret_n) < 0) {
		buf_done(&out);
		return NULL;
	}
	s = out.data ? buf_steal(&out, NULL) : strdup("");
	return s;
}

static void redact_xfrm_state(void)
{
	unsigned n = 0;
	char *s = redact(XFRM_STATE, sizeof(XFRM_STATE) - 1, &n);

	T_ASSERT(s);
	T_NOT_CONTAINS(s, "8f3a1c9e2b7d4f6a");
	T_NOT_CONTAINS(s, "0123456789abcdef");
	T_NOT_CONTAINS(s, "fedcba9876543210");
	T_CONTAINS(s, "\tauth-trunc hmac(sha256) [redacted] 128\n");
	T_CONTAINS(s, "\tenc cbc(aes) [redacted]\n");
	T_CONTAINS(s, "\taead rfc4106(gcm(aes)) [redacted] 128\n");
	/* what a support case needs stays */
	T_CONTAINS(s, "spi 0xc1a2b3c4(3248665540) reqid 1(0x00000001) mode tunnel");
	T_CONTAINS(s, "oseq 0x2a, bitmap 0x00000000");
	T_CONTAINS(s, "4200(bytes), 42(packets)");
	T_EQ_INT(n, 3);
	free(s);
}

static void redact_vectors(void)
{
	static const struct {
		const char *in, *want;
	} v[] = {
	    /* swanctl.conf secrets and our VICI printer's key = value */
	    {"\t\tsecret = \"ikewatch-lab-psk-0123456789abcdef\"", "\t\tsecret = [redacted]"},
	    {"secret=s3cr3t", "secret=[redacted]"},
	    {"  psk: hunter2", "  psk: [redacted]"},
	    {"password = a b c", "password = [redacted]"},
	    {"PIN = 1234", "PIN = [redacted]"},
	    {"eap_password=x", "eap_password=[redacted]"},
	    {"data = <812 bytes, not text>", "data = [redacted]"},
	    {"{\"psk\": \"hunter2\", \"x\": 1}", "{\"psk\": [redacted]"},
	    {"ike-a { secret = foo }", "ike-a { secret = [redacted]"},
	    /* not secrets */
	    {"auth = psk", "auth = psk"},
	    {"secrets {", "secrets {"},
	    {"datagram = 5", "datagram = 5"},
	    {"secret == other", "secret == other"},
	    {"spi 0xc1a2b3c4 reqid 1", "spi 0xc1a2b3c4 reqid 1"},
	    {"comp deflate", "comp deflate"},
	    {"enc cbc(aes)", "enc cbc(aes)"},
	    /* key material anywhere */
	    {"x 0x00112233445566778899 y", "x 0x[redacted] y"},
	    {"k=0X0011223344556677", "k=0X[redacted]"},
	    {"0x001122334455667", "0x001122334455667"}, /* 15 digits: kept */
	    {"id 00112233445566778899aabbccddeeff end", "id [redacted] end"},
	    {"id 00112233445566778899aabbccddeef end", "id 00112233445566778899aabbccddeef end"},
	    /* charon chunk dumps (log level 4) and their ASCII column */
	    {"Nov 23 08:00:01 14[IKE]    0: 69 6B 65 77 61 74 63 68  ikewatch",
	     "Nov 23 08:00:01 14[IKE]    [redacted]"},
	    {"  16: 2D 6C 61 62 2D 70 73 6B 2D 30 31 32 33 34 35 36  -lab-psk-0123456",
	     "  [redacted]"},
	    {"   32: 61 62 ab", "   [redacted]"},
	    {"aa bb cc dd ee ff 00 11 x", "[redacted]"},
	    {"aa bb cc dd ee ff 00", "aa bb cc dd ee ff 00"},
	    /* log lines without secrets are untouched */
	    {"Nov 23 08:00:01 14[IKE] <a-b|1> IKE_SA a-b[1] established between 203.0.113.1[a]"
	     "...203.0.113.129[b]",
	     "Nov 23 08:00:01 14[IKE] <a-b|1> IKE_SA a-b[1] established between 203.0.113.1[a]"
	     "...203.0.113.129[b]"},
	    {"32766:\tfrom all lookup main", "32766:\tfrom all lookup main"},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *s = redact(v[i].in, strlen(v[i].in), NULL);

		if (!s || strcmp(s, v[i].want) != 0) {
			test_fail(__FILE__, __LINE__, "vector %zu: \"%s\" -> \"%s\", want \"%s\"",
			          i, v[i].in, s ? s : "(null)", v[i].want);
			free(s);
			return;
		}
		free(s);
	}
}

static void redact_malformed(void)
{
	static const char nul[] =
	    "enc cbc(aes) 0x\0\x01\x02\nsecret\0= x\n\xff\xfe 0x0011223344556677";
	char *big;
	unsigned n;
	char *s;

	/* empty, no newline, lone newlines, lone keywords */
	s = redact("", 0, &n);
	T_ASSERT(s && s[0] == '\0' && n == 0);
	free(s);
	s = redact("\n\n\nenc\nauth\n enc  \n", 19, &n);
	T_EQ_STR(s, "\n\n\nenc\nauth\n enc  \n");
	free(s);
	/* NULs and high bytes: lines still split, keys still go, no read past the end */
	s = redact(nul, sizeof(nul) - 1, &n);
	T_ASSERT(s);
	T_EQ_INT(n, 2);
	T_ASSERT(memcmp(s, "enc cbc(aes) [redacted]\n", 24) == 0);
	free(s);
	/* a 1 MiB line of hex: one redaction, bounded output */
	big = malloc(1u << 20);
	T_ASSERT(big);
	memset(big, 'a', 1u << 20);
	s = redact(big, 1u << 20, &n);
	free(big);
	T_EQ_STR(s, "[redacted]");
	free(s);
	/* the output cap is an error, not a silent cut */
	{
		struct buf out;

		buf_init(&out, 8);
		T_EQ_INT(diag_redact("hello world\n", 12, &out, NULL), -E2BIG);
		buf_done(&out);
	}
}

/* ---- tar and gzip ---- */

static unsigned long octal(const char *f, size_t n)
{
	unsigned long v = 0;

	for (size_t i = 0; i < n && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (unsigned long)(f[i] - '0');
	return v;
}

static void tar_layout(void)
{
	struct diag_tar t;
	const unsigned char *h;
	unsigned sum = 0;

	diag_tar_init(&t, 1u << 20, 1700000000);
	T_EQ_INT(diag_tar_add(&t, "vici/list-sas.txt", "hello\n", 6), 0);
	T_EQ_INT(diag_tar_add(&t, "empty", "", 0), 0);
	T_EQ_INT(diag_tar_finish(&t), 0);
	/* header + 1 data block, header, two end blocks */
	T_EQ_INT(t.out.len, 5 * 512);
	h = (const unsigned char *)t.out.data;
	T_EQ_STR((const char *)h, "vici/list-sas.txt");
	T_EQ_INT(octal((const char *)h + 100, 8), 0600);
	T_EQ_INT(octal((const char *)h + 124, 12), 6);
	T_EQ_INT(octal((const char *)h + 136, 12), 1700000000);
	T_EQ_INT(h[156], '0');
	T_ASSERT(memcmp(h + 257,
	                "ustar\0"
	                "00",
	                8) == 0);
	for (size_t i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	T_EQ_INT(octal((const char *)h + 148, 8), sum);
	T_ASSERT(memcmp(h + 512, "hello\n", 6) == 0 && h[518] == 0);
	T_EQ_STR((const char *)h + 1024, "empty");
	for (size_t i = 1536; i < t.out.len; i++)
		T_EQ_INT(h[i], 0);
	diag_tar_done(&t);
}

static void tar_names(void)
{
	struct diag_tar t;
	char longname[120];

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	diag_tar_init(&t, 1u << 20, 0);
	T_EQ_INT(diag_tar_add(&t, "../etc/passwd", "x", 1), -EINVAL);
	T_EQ_INT(diag_tar_add(&t, "a/../../b", "x", 1), -EINVAL);
	T_EQ_INT(diag_tar_add(&t, "/abs", "x", 1), -EINVAL);
	T_EQ_INT(diag_tar_add(&t, "", "x", 1), -EINVAL);
	T_EQ_INT(diag_tar_add(&t, longname, "x", 1), -ENAMETOOLONG);
	T_EQ_INT(diag_tar_add(&t, "a..b/c", "x", 1), 0);
	T_EQ_INT(t.out.len, 1024);
	diag_tar_done(&t);
	/* the archive cap */
	diag_tar_init(&t, 1000, 0);
	T_EQ_INT(diag_tar_add(&t, "big", longname, 100), -E2BIG);
	diag_tar_done(&t);
}

/* gunzip @in into a malloc()ed buffer. */
static int gunzip(const void *in, size_t len, char **ret, size_t *ret_len)
{
	size_t cap = 1u << 22;
	char *out = malloc(cap);
	z_stream z = {0};
	int zr;

	if (!out || inflateInit2(&z, 15 + 16) != Z_OK) {
		free(out);
		return -1;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	zr = inflate(&z, Z_FINISH);
	*ret_len = cap - z.avail_out;
	inflateEnd(&z);
	if (zr != Z_STREAM_END) {
		free(out);
		return -1;
	}
	*ret = out;
	return 0;
}

static void gzip_roundtrip(void)
{
	struct buf gz;
	char *plain, *back;
	size_t n = 300000, back_len;

	plain = malloc(n);
	T_ASSERT(plain);
	for (size_t i = 0; i < n; i++)
		plain[i] = (char)("ikewatch"[i % 8] + (char)(i / 5000));
	buf_init(&gz, 1u << 22);
	T_EQ_INT(diag_gzip(plain, n, &gz), 0);
	T_ASSERT(gz.len > 18 && gz.len < n);
	/* RFC 1952: ID1 ID2 CM */
	T_ASSERT((unsigned char)gz.data[0] == 0x1f && (unsigned char)gz.data[1] == 0x8b &&
	         gz.data[2] == 8);
	T_EQ_INT(gunzip(gz.data, gz.len, &back, &back_len), 0);
	T_EQ_INT(back_len, n);
	T_ASSERT(memcmp(back, plain, n) == 0);
	free(back);
	buf_reset(&gz);
	T_EQ_INT(diag_gzip("", 0, &gz), 0);
	T_EQ_INT(gunzip(gz.data, gz.len, &back, &back_len), 0);
	T_EQ_INT(back_len, 0);
	free(back);
	buf_done(&gz);
	free(plain);
}

/* ---- VICI printer ---- */

static void vici_print(void)
{
	static const uint8_t der[] = {0x30, 0x82, 0x01, 0x0a, 0x02};
	struct vici_builder vb;
	struct vici_msg m = {0};
	struct buf out;
	uint8_t *pkt;
	size_t len;

	vici_build_init(&vb, VICI_PKT_EVENT, "list-conn");
	vici_build_section_start(&vb, "a-b");
	vici_build_list_start(&vb, "local_addrs");
	vici_build_list_item(&vb, "203.0.113.1", 11);
	vici_build_list_end(&vb);
	vici_build_kv_str(&vb, "version", "IKEv2");
	vici_build_section_start(&vb, "local-1");
	vici_build_kv_str(&vb, "class", "pre-shared key");
	vici_build_kv_str(&vb, "secret", "ikewatch-lab-psk-0123456789abcdef");
	vici_build_section_end(&vb);
	vici_build_kv(&vb, "cert", der, sizeof(der));
	vici_build_section_end(&vb);
	T_EQ_INT(vici_build_finish(&vb, &pkt, &len), 0);
	T_EQ_INT(vici_msg_decode(&m, pkt + 4, len - 4), 0);
	buf_init(&out, 1u << 16);
	diag_vici_print(&m, &out);
	T_EQ_INT(out.err, 0);
	T_EQ_STR(out.data, "a-b {\n"
	                   "  local_addrs = [\n"
	                   "    203.0.113.1\n"
	                   "  ]\n"
	                   "  version = IKEv2\n"
	                   "  local-1 {\n"
	                   "    class = pre-shared key\n"
	                   "    secret = [redacted]\n"
	                   "  }\n"
	                   "  cert = <5 bytes, not text>\n"
	                   "}\n");
	buf_done(&out);
	vici_msg_done(&m);
	free(pkt);
}

/* ---- URLs and the GET ---- */

static void http_urls(void)
{
	static const struct {
		const char *url;
		int want;
		const char *path;
		uint16_t port;
	} v[] = {
	    {"http://127.0.0.1:9903", 0, "/metrics", 9903},
	    {"http://127.0.0.2:8080/probe?x=1", 0, "/probe?x=1", 8080},
	    {"http://localhost/", 0, "/", 80},
	    {"http://[::1]:9903/metrics", 0, "/metrics", 9903},
	    {"http://192.0.2.1:9903", -EPERM, NULL, 0},
	    {"http://[2001:db8::1]:1", -EPERM, NULL, 0},
	    {"http://example.com:9903", -EPERM, NULL, 0},
	    {"https://127.0.0.1:9903", -EINVAL, NULL, 0},
	    {"http://127.0.0.1:0", -EINVAL, NULL, 0},
	    {"http://127.0.0.1:65536", -EINVAL, NULL, 0},
	    {"http://127.0.0.1:99x", -EINVAL, NULL, 0},
	    {"http://:80/", -EINVAL, NULL, 0},
	    {"http://[::1", -EINVAL, NULL, 0},
	    {"http://127.0.0.1/a b", -EINVAL, NULL, 0},
	    {"http://127.0.0.1/a\r\nX: y", -EINVAL, NULL, 0},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sockaddr_storage ss;
		char path[DIAG_HTTP_PATH_MAX];
		socklen_t sl;
		int r = diag_http_parse_url(v[i].url, &ss, &sl, path);

		if (r != v[i].want) {
			test_fail(__FILE__, __LINE__, "%s: %d, want %d", v[i].url, r, v[i].want);
			return;
		}
		if (r == 0) {
			uint16_t port = ss.ss_family == AF_INET
			                    ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
			                    : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);

			T_EQ_STR(path, v[i].path);
			T_EQ_INT(port, v[i].port);
		}
	}
}

struct one_answer {
	int lfd;
	const char *answer;
	char request[1024];
};

static void *serve_one(void *arg)
{
	struct one_answer *a = arg;
	int fd = accept(a->lfd, NULL, NULL);
	size_t got = 0;

	if (fd < 0)
		return NULL;
	while (got < sizeof(a->request) - 1) {
		ssize_t n = read(fd, a->request + got, sizeof(a->request) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (strstr(a->request, "\r\n\r\n"))
			break;
	}
	if (write(fd, a->answer, strlen(a->answer)) < 0)
		got = 0;
	close(fd);
	return NULL;
}

static int get_from(const char *answer, size_t max, struct buf *out, char *request)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	struct one_answer a = {.answer = answer};
	socklen_t sl = sizeof(sin);
	char url[64];
	pthread_t th;
	int r;

	a.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a.lfd < 0 || bind(a.lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(a.lfd, 1) < 0 || getsockname(a.lfd, (struct sockaddr *)&sin, &sl) < 0)
		return -999;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", ntohs(sin.sin_port));
	pthread_create(&th, NULL, serve_one, &a);
	r = diag_http_get(url, 2000, max, out);
	pthread_join(th, NULL);
	close(a.lfd);
	if (request)
		memcpy(request, a.request, sizeof(a.request));
	return r;
}

static void http_get(void)
{
	char req[1024];
	struct buf out;

	buf_init(&out, 1u << 20);
	T_EQ_INT(get_from("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
	                  "ikewatch_ike_sa_up{conn=\"a-b\"} 1\n",
	                  4096, &out, req),
	         0);
	T_EQ_STR(out.data, "ikewatch_ike_sa_up{conn=\"a-b\"} 1\n");
	T_ASSERT(strncmp(req, "GET /metrics HTTP/1.1\r\n", 23) == 0);
	buf_reset(&out);
	T_EQ_INT(get_from("HTTP/1.1 401 Unauthorized\r\n\r\nno", 4096, &out, NULL), -EPROTO);
	T_EQ_INT(get_from("garbage", 4096, &out, NULL), -EPROTO);
	T_EQ_INT(get_from("HTTP/1.1 200 OK\r\nno end of headers", 4096, &out, NULL), -EPROTO);
	T_EQ_INT(get_from("HTTP/1.1 200 OK\r\n\r\n0123456789", 5, &out, NULL), -E2BIG);
	T_EQ_INT(out.len, 0);
	/* nobody listening */
	T_ASSERT(diag_http_get("http://127.0.0.1:1", 1000, 100, &out) < 0);
	T_EQ_INT(diag_http_get("http://198.51.100.1:9903", 1000, 100, &out), -EPERM);
	buf_done(&out);
}

/* ---- commands ---- */

static void exec_runs(void)
{
	char *echo[] = {"echo", "hello", NULL};
	char *fail[] = {"sh", "-c", "echo oops >&2; exit 3", NULL};
	char *slow[] = {"sleep", "10", NULL};
	char *flood[] = {"head", "-c", "1000000", "/dev/zero", NULL};
	char *none[] = {"ikewatch-no-such-tool", NULL};
	struct diag_exec_result r;
	uint64_t t0;

	T_EQ_INT(diag_exec(echo, 5000, 1000, &r), 0);
	T_EQ_STR(r.out.data, "hello\n");
	T_EQ_INT(r.status, 0);
	T_ASSERT(!r.timed_out && !r.truncated);
	diag_exec_result_done(&r);

	T_EQ_INT(diag_exec(fail, 5000, 1000, &r), 0);
	T_EQ_INT(r.status, 3);
	T_EQ_STR(r.err.data, "oops\n");
	T_EQ_INT(r.out.len, 0);
	diag_exec_result_done(&r);

	t0 = clock_mono_ms();
	T_EQ_INT(diag_exec(slow, 200, 1000, &r), 0);
	T_ASSERT(r.timed_out);
	T_EQ_INT(r.status, 128 + 15);
	T_ASSERT(clock_mono_ms() - t0 < 2000);
	diag_exec_result_done(&r);

	T_EQ_INT(diag_exec(flood, 5000, 1000, &r), 0);
	T_ASSERT(r.truncated);
	T_EQ_INT(r.out.len, 1000);
	diag_exec_result_done(&r);

	T_EQ_INT(diag_exec(none, 1000, 1000, &r), -ENOENT);
}

/* ---- a whole bundle ---- */

static const char *member(const char *tar, size_t len, const char *name, size_t *ret_len)
{
	size_t off = 0;

	while (off + 512 <= len && tar[off]) {
		size_t sz = octal(tar + off + 124, 12);

		if (strcmp(tar + off, name) == 0) {
			*ret_len = sz;
			return tar + off + 512;
		}
		off += 512 + (sz + 511) / 512 * 512;
	}
	return NULL;
}

static void bundle_no_secret(void)
{
	static const char psk[] = "ikewatch-lab-psk-0123456789abcdef";
	static const char vici[] = "a-b {\n  secret = ikewatch-lab-psk-0123456789abcdef\n}\n";
	static const char dump[] =
	    "08:00:01 14[IKE]    0: 69 6B 65 77 61 74 63 68 2D 6C 61 62 2D 70 "
	    "73 6B  ikewatch-lab-psk\n";
	struct diag_bundle b;
	struct buf gz;
	char *tar, *copy;
	const char *m;
	size_t tlen, mlen;

	diag_bundle_init(&b, 1700000000);
	buf_init(&gz, 1u << 22);
	T_EQ_INT(diag_bundle_add_text(&b, "kernel/xfrm-state.txt", "xfrm", XFRM_STATE,
	                              sizeof(XFRM_STATE) - 1, NULL),
	         0);
	T_EQ_INT(
	    diag_bundle_add_text(&b, "vici/list-conns.txt", "conns", vici, sizeof(vici) - 1, NULL),
	    0);
	T_EQ_INT(
	    diag_bundle_add_text(&b, "logs/charon.log", "log", dump, sizeof(dump) - 1, "exit 1"),
	    0);
	T_EQ_INT(diag_bundle_add_binary(&b, "capture/x.pcap", "pcap", "\xd4\xc3\xb2\xa1", 4, NULL),
	         0);
	diag_bundle_missing(&b, "kernel/conntrack-500.txt", "conntrack", DIAG_SKIPPED,
	                    "conntrack is not installed");
	T_EQ_INT(diag_bundle_add_text(&b, "../escape", "bad", "x", 1, NULL), -EINVAL);
	T_EQ_INT(diag_bundle_finish(&b, "header line\n", &gz), 0);
	T_EQ_INT(gunzip(gz.data, gz.len, &tar, &tlen), 0);
	/* no planted secret anywhere in the archive, in any form */
	copy = malloc(tlen + 1);
	T_ASSERT(copy);
	for (size_t i = 0; i < tlen; i++)
		copy[i] = tar[i] ? tar[i] : '\n';
	copy[tlen] = '\0';
	T_NOT_CONTAINS(copy, psk);
	T_NOT_CONTAINS(copy, "ikewatch-lab-psk");
	T_NOT_CONTAINS(copy, &KEY_AUTH[2]); /* the hex digits, without "0x" */
	T_NOT_CONTAINS(copy, &KEY_ENC[2]);
	T_NOT_CONTAINS(copy, &KEY_AEAD[2]);
	T_NOT_CONTAINS(copy, "69 6B 65");
	free(copy);
	m = member(tar, tlen, "MANIFEST.txt", &mlen);
	T_ASSERT(m);
	T_ASSERT(strncmp(m, "header line\n", 12) == 0);
	T_CONTAINS(m, "kernel/xfrm-state.txt        ok");
	T_CONTAINS(m, "logs/charon.log              partial");
	T_CONTAINS(m, "kernel/conntrack-500.txt     skipped          0  conntrack: conntrack is "
	              "not installed");
	T_CONTAINS(m, "../escape                    failed");
	T_CONTAINS(m, "3 gathered, 1 partial, 1 failed, 1 skipped. 5 secrets replaced");
	T_ASSERT(member(tar, tlen, "capture/x.pcap", &mlen) && mlen == 4);
	T_ASSERT(!member(tar, tlen, "../escape", &mlen));
	free(tar);
	buf_done(&gz);
	diag_bundle_done(&b);
}

TEST_MAIN("diag", TEST(redact_xfrm_state), TEST(redact_vectors), TEST(redact_malformed),
          TEST(tar_layout), TEST(tar_names), TEST(gzip_roundtrip), TEST(vici_print),
          TEST(http_urls), TEST(http_get), TEST(exec_runs), TEST(bundle_no_secret))
