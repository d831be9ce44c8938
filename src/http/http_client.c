// SPDX-License-Identifier: Apache-2.0
/*
 * http_get() over libcurl's easy interface (see http_client.h). One easy handle per call: the
 * callers fetch a handful of URLs per run, so reusing connections would buy nothing and cost
 * shared state.
 */
#include "http/http_client.h"

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

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
	/* curl_global_init is not thread-safe on every build: run it once */
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
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
	if (global_rc != CURLE_OK) {
		snprintf(err, HTTP_CLIENT_ERR_MAX, "libcurl: %s", curl_easy_strerror(global_rc));
		return -EIO;
	}
	c = curl_easy_init();
	if (!c) {
		snprintf(err, HTTP_CLIENT_ERR_MAX, "libcurl: out of memory");
		return -ENOMEM;
	}
	if (o->accept) {
		snprintf(line, sizeof(line), "Accept: %s", o->accept);
		headers = curl_slist_append(headers, line);
	}
	if (body) {
		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		headers = curl_slist_append(headers, line);
		/* the body is small and sent at once: no 100-continue round trip */
		headers = curl_slist_append(headers, "Expect:");
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY,
	                 ""); /* no proxy from the environment: the URL says all */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)o->timeout_ms);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* whatever this libcurl decodes */
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, sink);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ikewatch");
	if (headers)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (o->username) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, o->username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, o->password ? o->password : "");
	}
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->cert_file)
		curl_easy_setopt(c, CURLOPT_SSLCERT, o->cert_file);
	if (o->key_file)
		curl_easy_setopt(c, CURLOPT_SSLKEY, o->key_file);
	if (o->insecure_skip_verify) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}

	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (sink->too_big) {
		snprintf(err, HTTP_CLIENT_ERR_MAX, "answer larger than %zu bytes", o->max_body);
		r = -E2BIG;
	} else if (rc != CURLE_OK) {
		snprintf(err, HTTP_CLIENT_ERR_MAX, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
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
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
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
