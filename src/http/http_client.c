// SPDX-License-Identifier: Apache-2.0
/*
 * http_get() over libcurl's easy interface (see http_client.h). One easy handle per call: the
 * callers fetch a handful of URLs per run, so reusing connections would buy nothing and cost
 * shared state.
 *
 * libcurl is loaded at the first call, not linked. Only doctor, diag and heal's notifications
 * fetch URLs; serve, status, textfile and the probes never do, and linking libcurl mapped its
 * whole tree into each of them (libcrypto, Kerberos, LDAP, SASL, SSH, RTMP, ...): 3 MiB of
 * serve's peak RSS, 9.8 -> 6.8 MiB at 1 SA (docs/benchmarks.md). The package depends on
 * libcurl3-gnutls by name (debian/control), since dh_shlibdeps cannot see a dlopen().
 */
#include "http/http_client.h"

#include "common/dl_lib.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct sink {
	struct buf *out;
	size_t max, got;
	bool too_big;
	bool headers_ended; /* the blank line after the headers came */
};

/* Debian's GnuTLS flavour first, as the server's TLS; the OpenSSL one has the same ABI. */
static const char *const curl_sonames[] = {"libcurl-gnutls.so.4", "libcurl.so.4", NULL};

/* The part of libcurl's ABI used here, found by name in the library loaded. */
static struct {
	CURLcode (*global_init)(long flags);
	const char *(*easy_strerror)(CURLcode rc);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
} curl;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static char global_err[HTTP_CLIENT_ERR_MAX]; /* empty: libcurl loaded and initialised */

static int curl_load(void)
{
	const struct dl_sym syms[] = {
	    {"curl_global_init", (void **)&curl.global_init},
	    {"curl_easy_strerror", (void **)&curl.easy_strerror},
	    {"curl_easy_init", (void **)&curl.easy_init},
	    {"curl_easy_setopt", (void **)&curl.easy_setopt},
	    {"curl_easy_perform", (void **)&curl.easy_perform},
	    {"curl_easy_getinfo", (void **)&curl.easy_getinfo},
	    {"curl_easy_cleanup", (void **)&curl.easy_cleanup},
	    {"curl_slist_append", (void **)&curl.slist_append},
	    {"curl_slist_free_all", (void **)&curl.slist_free_all},
	};
	char err[HTTP_CLIENT_ERR_MAX - 64];
	int r = dl_lib_load(curl_sonames, syms, sizeof(syms) / sizeof(syms[0]), err, sizeof(err));

	if (r < 0)
		snprintf(global_err, sizeof(global_err),
		         "libcurl %s; Debian: apt-get install libcurl3-gnutls", err);
	return r;
}

static void global_init(void)
{
	CURLcode rc;

	if (curl_load() < 0)
		return;
	/* curl_global_init is not thread-safe on every build: run it once */
	if ((rc = curl.global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		snprintf(global_err, sizeof(global_err), "libcurl: %s", curl.easy_strerror(rc));
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	if (len > s->max - s->got) {
		s->too_big = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	if (buf_append(s->out, p, len) < 0)
		return 0;
	s->got += len;
	return len;
}

/* libcurl accepts a header block that the connection's close cut short: notice its end. */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	if ((len == 2 && p[0] == '\r' && p[1] == '\n') || (len == 1 && p[0] == '\n'))
		s->headers_ended = true;
	else
		s->headers_ended = false; /* a 1xx answer's end does not end the final one's */
	return len;
}

static int errno_of(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_URL_MALFORMAT:
		return -EINVAL;
	case CURLE_UNSUPPORTED_PROTOCOL: /* the scheme was checked: an HTTP/0.9 answer (no headers)
	                                  */
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return -EPROTO; /* an answer, but not HTTP or cut short */
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_LOGIN_DENIED:
		return -EACCES;
	default:
		return -EIO;
	}
}

/* One exchange: a GET, or a POST when @body is not NULL. The answer goes to @sink. */
static int perform(const char *url, const struct http_client_opts *o, const char *content_type,
                   const void *body, size_t len, struct sink *sink, long *ret_status,
                   char err[HTTP_CLIENT_ERR_MAX])
{
	char cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	char line[256];
	long status = 0;
	CURLcode rc;
	CURL *c;
	int r = 0;

	err[0] = '\0';
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		snprintf(err, HTTP_CLIENT_ERR_MAX, "not an http:// or https:// URL");
		return -EINVAL;
	}
	pthread_once(&global_once, global_init);
	if (global_err[0]) {
		snprintf(err, HTTP_CLIENT_ERR_MAX, "%s", global_err);
		return -EIO;
	}
	c = curl.easy_init();
	if (!c) {
		snprintf(err, HTTP_CLIENT_ERR_MAX, "libcurl: out of memory");
		return -ENOMEM;
	}
	if (o->accept) {
		snprintf(line, sizeof(line), "Accept: %s", o->accept);
		headers = curl.slist_append(headers, line);
	}
	if (body) {
		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		headers = curl.slist_append(headers, line);
		/* the body is small and sent at once: no 100-continue round trip */
		headers = curl.slist_append(headers, "Expect:");
		curl.easy_setopt(c, CURLOPT_POST, 1L);
		curl.easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl.easy_setopt(c, CURLOPT_URL, url);
	curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl.easy_setopt(c, CURLOPT_PROXY,
	                 ""); /* no proxy from the environment: the URL says all */
	curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)o->timeout_ms);
	curl.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* whatever this libcurl decodes */
	curl.easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl.easy_setopt(c, CURLOPT_WRITEDATA, sink);
	curl.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl.easy_setopt(c, CURLOPT_HEADERDATA, sink);
	curl.easy_setopt(c, CURLOPT_USERAGENT, "ikewatch");
	if (headers)
		curl.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (o->username) {
		curl.easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl.easy_setopt(c, CURLOPT_USERNAME, o->username);
		curl.easy_setopt(c, CURLOPT_PASSWORD, o->password ? o->password : "");
	}
	if (o->ca_file)
		curl.easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->cert_file)
		curl.easy_setopt(c, CURLOPT_SSLCERT, o->cert_file);
	if (o->key_file)
		curl.easy_setopt(c, CURLOPT_SSLKEY, o->key_file);
	if (o->insecure_skip_verify) {
		curl.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}

	rc = curl.easy_perform(c);
	curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (sink->too_big) {
		snprintf(err, HTTP_CLIENT_ERR_MAX, "answer larger than %zu bytes", o->max_body);
		r = -E2BIG;
	} else if (rc != CURLE_OK) {
		snprintf(err, HTTP_CLIENT_ERR_MAX, "%s", cerr[0] ? cerr : curl.easy_strerror(rc));
		r = errno_of(rc);
	} else if (!sink->headers_ended) {
		snprintf(err, HTTP_CLIENT_ERR_MAX, "the answer's headers were cut short");
		r = -EPROTO;
	} else if (body ? status < 200 || status > 299 : status != 200) {
		snprintf(err, HTTP_CLIENT_ERR_MAX, "HTTP status %ld%s", status,
		         status == 401 ? " (basic auth needed or refused)" : "");
		r = -EPROTO;
	}
	if (ret_status)
		*ret_status = status;
	curl.slist_free_all(headers);
	curl.easy_cleanup(c);
	return r;
}

int http_get(const char *url, const struct http_client_opts *o, struct buf *out, long *ret_status,
             char err[HTTP_CLIENT_ERR_MAX])
{
	struct buf answer;
	struct sink sink = {&answer, o->max_body, 0, false};
	int r;

	/* the answer is kept apart until it is whole: @out loses nothing and gains no half */
	buf_init(&answer, o->max_body);
	r = perform(url, o, NULL, NULL, 0, &sink, ret_status, err);
	if (r == 0 && answer.len && buf_append(out, answer.data, answer.len) < 0) {
		snprintf(err, HTTP_CLIENT_ERR_MAX, "out of memory");
		r = -ENOMEM;
	}
	buf_done(&answer);
	return r;
}

int http_post(const char *url, const struct http_client_opts *o, const char *content_type,
              const void *body, size_t len, long *ret_status, char err[HTTP_CLIENT_ERR_MAX])
{
	struct buf answer;
	struct sink sink = {&answer, o->max_body, 0, false};
	int r;

	buf_init(&answer, o->max_body);
	r = perform(url, o, content_type, body ? body : "", len, &sink, ret_status, err);
	buf_done(&answer);
	return r;
}
