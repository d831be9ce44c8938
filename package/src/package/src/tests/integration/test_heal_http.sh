#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_heal_http.sh - `ikewatch heal`'s HTTP side is the exporter's HTTP server: TLS, client
# certificates, basic auth and the bearer token, with real processes on free 127.0.0.1 ports.
#
# Why: heal used to run its own server, which loaded the web-config but never applied its
# tls_server_config, so a webhook configured for TLS silently spoke plain HTTP. Checked here:
#  - with a web-config (TLS + basic auth): plain HTTP on the TLS port gets no HTTP answer; a
#    wrong password, no credentials and an unknown user get 401 over TLS (and are counted);
#    the right one is accepted (webhook 200, /metrics 200); /-/healthy needs no credentials;
#  - a token and a TLS web-config together: the bearer token over TLS;
#  - client certificates (RequireAndVerifyClientCert, no password): none or a stranger's is
#    refused, one signed by the client CA is accepted; the same file gives `serve` the same
#    answers;
#  - libmicrohttpd's and GnuTLS's messages about a plain-HTTP request on the TLS port are log
#    lines (with a timestamp and the listen address), nothing raw on stderr;
#  - heal refuses to start with a token under 16 characters (naming token_file and the
#    minimum) and with a web-config that leaves the webhook open (TLS only).
# Certificates are made here with openssl, bcrypt hashes with htpasswd. charon is absent: heal's
# checks fail quietly, its HTTP side does not need them. No root needed.

. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1091
. "$T_TOP/tests/integration/serve_lib.sh"

[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH (set IKEWATCH)"
for c in curl openssl htpasswd; do command -v $c >/dev/null || t_bail "$c is needed"; done

work=$(mktemp -d /tmp/iw-healhttp.XXXXXX) || t_bail "mktemp"
t_cleanup rm -rf "$work"
cd "$work" || t_bail "cd"

# ---- certificates: a CA, a server certificate for 127.0.0.1, a client CA and two clients ----
mkcert() { # NAME SUBJECT ISSUER(or -) [EXT]
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-subj "/CN=$2" -out "$1.csr" 2>/dev/null || return 1
	if [ "$3" = - ]; then
		openssl x509 -req -in "$1.csr" -signkey "$1.key" -days 2 -out "$1.crt" \
			-extfile <(printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n') \
			2>/dev/null
	else
		openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial -days 2 \
			-out "$1.crt" -extfile <(printf '%s\n' "${4:-basicConstraints=CA:FALSE}") \
			2>/dev/null
	fi
}
mkcert ca "ikewatch test CA" - &&
	mkcert server 127.0.0.1 ca "subjectAltName=IP:127.0.0.1" &&
	mkcert clientca "ikewatch test client CA" - &&
	mkcert client alertmanager clientca "extendedKeyUsage=clientAuth" &&
	mkcert stranger stranger ca "extendedKeyUsage=clientAuth" || t_bail "openssl could not make the certificates"
hash=$(htpasswd -nbBC 10 am 'right-password' | cut -d: -f2) || t_bail "htpasswd"

cat >tls-auth.yml <<YML
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  am: '$hash'
YML
cat >tls-only.yml <<YML
tls_server_config:
  cert_file: server.crt
  key_file: server.key
YML
cat >tls-client.yml <<YML
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_ca_file: clientca.crt
  client_auth_type: RequireAndVerifyClientCert
YML
printf '0123456789abcdef-heal\n' >token
printf 'short\n' >short.token

heal_pid= PORT= URL=
write_config() { # LINES...: the heal: keys besides listen
	PORT=$(free_port)
	{
		printf 'vici:\n  socket: %s/no-charon.vici\nheal:\n  listen: 127.0.0.1:%s\n' "$work" "$PORT"
		printf '  check_interval: 10s\n  allowlist: [a-b]\n'
		printf '  %s\n' "$@"
	} >heal.yml
}
start_heal() { # [extra flags]
	: >heal.out
	"$IKEWATCH" heal --config heal.yml "$@" >heal.out 2>&1 &
	heal_pid=$!
	t_cleanup kill "$heal_pid"
	for _ in $(seq 100); do
		curl -s -o /dev/null --cacert ca.crt "https://127.0.0.1:$PORT/-/healthy" && return 0
		curl -s -o /dev/null "http://127.0.0.1:$PORT/-/healthy" && return 0
		kill -0 "$heal_pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
stop_heal() {
	kill "$heal_pid" 2>/dev/null
	wait "$heal_pid" 2>/dev/null
	! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' heal.out
}
code() { # curl args...: print the HTTP status (000: no HTTP answer)
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"
}
alert='{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"IPsecTunnelDown","conn":"a-b"}}]}'
post() { code -X POST -H 'Content-Type: application/json' --data "$alert" "$@"; }
expect() { # NAME WANT GOT
	[ "$3" = "$2" ] && t_ok "$1" || t_fail "$1" "want $2, got $3"
}

# ---- 1. TLS + basic auth from the web-config ----
write_config "web_config: $work/tls-auth.yml"
start_heal || t_bail "heal did not start: $(tail -n 3 heal.out)"
URL="https://127.0.0.1:$PORT"
expect "plain-http-on-tls-refused" 000 "$(code "http://127.0.0.1:$PORT/-/healthy")"
out=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" 2>&1)
case $out in *ikewatch_heal*) t_fail "plain-http-gets-no-metrics" "metrics over plain HTTP" ;;
*) t_ok "plain-http-gets-no-metrics" ;; esac
expect "tls-healthy-public" 200 "$(code --cacert ca.crt "$URL/-/healthy")"
expect "tls-no-credentials-401" 401 "$(post --cacert ca.crt "$URL/webhook")"
expect "tls-wrong-password-401" 401 "$(post --cacert ca.crt -u am:wrong-password "$URL/webhook")"
expect "tls-unknown-user-401" 401 "$(post --cacert ca.crt -u bob:right-password "$URL/webhook")"
expect "tls-wrong-password-metrics-401" 401 \
	"$(code --cacert ca.crt -u am:wrong-password "$URL/metrics")"
expect "tls-right-password-webhook" 200 "$(post --cacert ca.crt -u am:right-password "$URL/webhook")"
metrics=$(curl -s --cacert ca.crt -u am:right-password "$URL/metrics")
if printf '%s\n' "$metrics" | grep -qx 'ikewatch_heal_webhook_requests_total{result="accepted"} 1' &&
	printf '%s\n' "$metrics" | grep -qx 'ikewatch_heal_webhook_requests_total{result="unauthorized"} 4'; then
	t_ok "tls-right-password-metrics"
else
	t_fail "tls-right-password-metrics" "$(printf '%s' "$metrics" | grep webhook_requests)"
fi
grep -q 'listening on https://' heal.out && t_ok "log-says-https" ||
	t_fail "log-says-https" "$(grep listening heal.out)"
stop_heal && t_ok "tls-auth-clean-exit" || t_fail "tls-auth-clean-exit" "$(tail -n 3 heal.out)"

# ---- 2. bearer token over TLS (token_file and web_config together) ----
write_config "token_file: $work/token" "web_config: $work/tls-only.yml"
start_heal --log.level debug || t_bail "heal did not start: $(tail -n 3 heal.out)"
URL="https://127.0.0.1:$PORT"
expect "token-plain-http-refused" 000 \
	"$(post -H "Authorization: Bearer 0123456789abcdef-heal" "http://127.0.0.1:$PORT/webhook")"
expect "token-wrong-401" 401 "$(post --cacert ca.crt -H "Authorization: Bearer 0123456789abcdef-hea" "$URL/webhook")"
expect "token-right-200" 200 "$(post --cacert ca.crt -H "Authorization: Bearer 0123456789abcdef-heal" "$URL/webhook")"
stop_heal
# the libraries' complaints about that plain-HTTP request: through the log, one line each,
# naming the server (issue 11: no library's raw line leaks)
if grep -q "http 127.0.0.1:$PORT: libmicrohttpd: " heal.out &&
	! grep -vE '20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z' heal.out | grep -q .; then
	t_ok "library-messages-logged"
else
	t_fail "library-messages-logged" "$(grep -vE '20[0-9]{2}-[0-9]{2}-[0-9]{2}T' heal.out | head -n 2)"
fi

# ---- 3. client certificates, as in serve ----
write_config "web_config: $work/tls-client.yml"
start_heal || t_bail "heal did not start: $(tail -n 3 heal.out)"
URL="https://127.0.0.1:$PORT"
no_cert=$(post --cacert ca.crt "$URL/webhook")
stranger=$(post --cacert ca.crt --cert stranger.crt --key stranger.key "$URL/webhook")
client=$(post --cacert ca.crt --cert client.crt --key client.key "$URL/webhook")
case $no_cert in 000 | 403) t_ok "client-cert-missing-refused" ;;
*) t_fail "client-cert-missing-refused" "got $no_cert" ;; esac
case $stranger in 000 | 403) t_ok "client-cert-stranger-refused" ;;
*) t_fail "client-cert-stranger-refused" "got $stranger" ;; esac
expect "client-cert-accepted" 200 "$client"
stop_heal
# the same web-config gives serve the same answers on /metrics (charon absent: 200 or 500 is
# not the point; a refusal must be the same refusal)
sport=$(free_port)
"$IKEWATCH" serve --vici.socket "$work/no-charon.vici" --web.listen-address "127.0.0.1:$sport" \
	--web.config.file tls-client.yml >serve.out 2>&1 &
serve_pid=$!
t_cleanup kill "$serve_pid"
for _ in $(seq 100); do
	code --cacert ca.crt --cert client.crt --key client.key "https://127.0.0.1:$sport/-/healthy" |
		grep -q 200 && break
	sleep 0.05
done
s_no=$(code --cacert ca.crt "https://127.0.0.1:$sport/-/healthy")
s_str=$(code --cacert ca.crt --cert stranger.crt --key stranger.key "https://127.0.0.1:$sport/-/healthy")
s_ok=$(code --cacert ca.crt --cert client.crt --key client.key "https://127.0.0.1:$sport/-/healthy")
if [ "$s_no" = "$no_cert" ] && [ "$s_str" = "$stranger" ] && [ "$s_ok" = 200 ]; then
	t_ok "client-cert-same-as-serve"
else
	t_fail "client-cert-same-as-serve" "serve: $s_no $s_str $s_ok, heal: $no_cert $stranger"
fi
kill "$serve_pid"
wait "$serve_pid" 2>/dev/null

# ---- 4. refused configurations ----
write_config "token_file: $work/short.token"
if "$IKEWATCH" heal --config heal.yml >heal.out 2>&1; then
	t_fail "short-token-refused" "heal started"
elif grep -q 'token_file' heal.out && grep -q 'at least 16' heal.out; then
	t_ok "short-token-refused"
else
	t_fail "short-token-refused" "$(cat heal.out)"
fi
code "http://127.0.0.1:$PORT/-/healthy" | grep -q 000 && t_ok "short-token-nothing-bound" ||
	t_fail "short-token-nothing-bound" "something answers on $PORT"
write_config "web_config: $work/tls-only.yml"
if timeout 10 "$IKEWATCH" heal --config heal.yml >heal.out 2>&1; then
	t_fail "open-webhook-refused" "heal started"
elif grep -q 'no credentials' heal.out; then
	t_ok "open-webhook-refused"
else
	t_fail "open-webhook-refused" "$(cat heal.out)"
fi
t_done
