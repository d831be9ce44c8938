// SPDX-License-Identifier: Apache-2.0
/*
 * Decoding of Alertmanager's webhook (https://prometheus.io/docs/alerting/latest/configuration/
 * #webhook_config, payload version 4) with json-c's tokener, which takes a length (the body is
 * not NUL-terminated) and a depth limit. Label values are copied only after their length and
 * characters are checked, so nothing an alert author wrote reaches a command unvalidated.
 */
#include "heal/heal_webhook.h"

#include "common/limits.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

bool heal_name_valid(const char *s, size_t len)
{
	if (!s || len == 0 || len > 63)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

void heal_webhook_done(struct heal_webhook *w)
{
	free(w->alerts);
	memset(w, 0, sizeof(*w));
}

/* A string member of @obj: 1 copied, 0 absent, -EBADMSG not a string or too long. */
static int get_str(json_object *obj, const char *key, char *out, size_t cap)
{
	json_object *v;
	const char *s;
	size_t n;

	out[0] = '\0';
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -EBADMSG;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n >= cap || memchr(s, '\0', n))
		return -EBADMSG;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

/* One alert: -EBADMSG breaks the whole body (not the webhook shape); 1 means "skip it". */
static int take_alert(json_object *a, struct heal_alert *ret)
{
	json_object *labels;
	char status[16];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!json_object_is_type(a, json_type_object))
		return -EBADMSG;
	if (get_str(a, "status", status, sizeof(status)) != 1)
		return -EBADMSG;
	if (strcmp(status, "firing") == 0)
		ret->firing = true;
	else if (strcmp(status, "resolved") != 0)
		return -EBADMSG;
	if (!json_object_object_get_ex(a, "labels", &labels) ||
	    !json_object_is_type(labels, json_type_object))
		return -EBADMSG;
	/* label values are free text chosen by rule authors: a bad one skips the alert only */
	if (get_str(labels, "alertname", ret->alertname, sizeof(ret->alertname)) < 0 ||
	    get_str(labels, "severity", ret->severity, sizeof(ret->severity)) < 0)
		return 1;
	r = get_str(labels, "conn", ret->conn, sizeof(ret->conn));
	if (r < 0 || (r == 1 && !heal_name_valid(ret->conn, strlen(ret->conn))))
		return 1;
	r = get_str(labels, "child", ret->child, sizeof(ret->child));
	if (r < 0 || (r == 1 && !heal_name_valid(ret->child, strlen(ret->child))))
		return 1;
	return 0;
}

int heal_webhook_parse(const char *body, size_t len, struct heal_webhook *ret)
{
	struct heal_webhook w = {0};
	json_tokener *tok;
	json_object *root = NULL, *alerts, *ver;
	size_t n;
	int r = -EBADMSG;

	if (len > HEAL_WEBHOOK_BODY_MAX)
		return -E2BIG;
	if (!body || len == 0)
		return -EBADMSG;
	tok = json_tokener_new_ex(HEAL_WEBHOOK_DEPTH_MAX);
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, body, (int)len);
	/* the whole body must be one complete value, with nothing after it but white space */
	if (!root || json_tokener_get_error(tok) != json_tokener_success)
		goto out;
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
		if (body[i] != ' ' && body[i] != '\n' && body[i] != '\r' && body[i] != '\t')
			goto out;
	if (!json_object_is_type(root, json_type_object))
		goto out;
	if (json_object_object_get_ex(root, "version", &ver) &&
	    (!json_object_is_type(ver, json_type_string) ||
	     strcmp(json_object_get_string(ver), "4") != 0))
		goto out;
	if (get_str(root, "status", w.status, sizeof(w.status)) < 0)
		goto out;
	if (!json_object_object_get_ex(root, "alerts", &alerts) ||
	    !json_object_is_type(alerts, json_type_array))
		goto out;
	n = json_object_array_length(alerts);
	if (n > HEAL_WEBHOOK_ALERTS_MAX) {
		r = -E2BIG;
		goto out;
	}
	if (n) {
		w.alerts = calloc(n, sizeof(*w.alerts));
		if (!w.alerts) {
			r = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		int e = take_alert(json_object_array_get_idx(alerts, i), &w.alerts[w.n_alerts]);

		if (e < 0)
			goto out;
		if (e == 1)
			w.skipped++;
		else
			w.n_alerts++;
	}
	*ret = w;
	memset(&w, 0, sizeof(w));
	r = 0;
out:
	heal_webhook_done(&w);
	json_object_put(root);
	json_tokener_free(tok);
	return r;
}
