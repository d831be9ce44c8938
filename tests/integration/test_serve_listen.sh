#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Where `ikewatch serve` (and heal) listen, as Prometheus' exporter-toolkit has it:
#  - --web.listen-address repeated, IPv4 and IPv6 loopback at once, each scraped; the same as a
#    list in web.listen_address; a taken address fails the start with one line naming it;
#  - TLS and basic auth of one web-config on every address;
#  - --web.systemd-socket with sockets passed as systemd passes them (tests/integration/
#    sd_activate.py: fd 3.., LISTEN_FDS, LISTEN_PID, exec in the same process) and with
#    systemd's own systemd-socket-activate; the address flags are then not bound;
#  - a passed socket outlives serve: it still listens after serve stopped, a scrape sent then
#    waits in its backlog and the next instance answers it (systemd's restart);
#  - every refusal of --web.systemd-socket (nothing passed, another process's sockets, a
#    datagram socket, one that does not listen, not a socket) is one error line and exit 1;
#  - heal --web.systemd-socket serves its webhook on the passed socket;
#  - packaging/ikewatch.service's ExecStart= (as systemd splits it) takes the sockets that
#    ikewatch.socket passes, and binds web.listen_address itself when there are none; the same
#    for ikewatch-heal.service;
#  - readiness for Type=notify: READY=1 on $NOTIFY_SOCKET once serve answers, STOPPING=1 at
#    SIGTERM; a NOTIFY_SOCKET it cannot use is a warning, and serve runs on.
# charon is absent (serve reports ipsec_up 0; heal's checks fail quietly). No root needed; only
# 127.0.0.1 and ::1, free ports.

. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1091
. "$T_TOP/tests/integration/serve_lib.sh"

[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH (set IKEWATCH)"
for c in curl openssl htpasswd python3 systemd-socket-activate; do
	command -v $c >/dev/null || t_bail "$c is needed"
done
sd=$T_TOP/tests/integration/sd_activate.py

work=$(mktemp -d /tmp/iw-listen.XXXXXX) || t_bail "mktemp"
t_cleanup rm -rf "$work"
cd "$work" || t_bail "cd"
vici=$work/no-charon.vici

free_port6() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0)); print(s.getsockname()[1]); s.close()'
}

pid=
# start LOG CMD...: run CMD in the background with its output in LOG
start() {
	local log=$1
	shift
	: >"$log"
	"$@" >"$log" 2>&1 &
	pid=$!
	t_cleanup kill "$pid"
}
stop() { # LOG: SIGTERM, wait, and no sanitizer report
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$1"
}
up() { # URL [curl args]: wait until URL answers /-/healthy
	local url=$1
	shift
	for _ in $(seq 100); do
		curl -fs -o /dev/null --max-time 2 "$@" "$url/-/healthy" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
expect() { # NAME WANT GOT
	if [ "$3" = "$2" ]; then t_ok "$1"; else t_fail "$1" "want '$2', got '$3'"; fi
}
# one_error NAME LOG TEXT: the command failed with exactly one error line, and it says TEXT
one_error() {
	local n
	n=$(grep -c 'level=error' "$2")
	if [ "$n" = 1 ] && grep 'level=error' "$2" | grep -qF -- "$3"; then
		t_ok "$1"
	else
		t_fail "$1" "$n error lines, want one saying '$3': $(grep level=error "$2")"
	fi
}

# ---- 1. two listen addresses, IPv4 and IPv6 loopback ----
p4=$(free_port)
p6=$(free_port6)
start serve.log "$IKEWATCH" serve --vici.socket "$vici" --web.listen-address "127.0.0.1:$p4" \
	--web.listen-address "[::1]:$p6"
up "http://127.0.0.1:$p4" || t_bail "serve did not start: $(tail -n 3 serve.log)"
t_check two-addresses/ipv4-scrape sh -c "curl -fsS 'http://127.0.0.1:$p4/metrics' | grep -qx 'ipsec_up 0'"
t_check two-addresses/ipv6-scrape sh -c "curl -fsS 'http://[::1]:$p6/metrics' | grep -qx 'ipsec_up 0'"
t_check two-addresses/log-names-both \
	grep -qF "serving metrics at /metrics on 127.0.0.1:$p4, [::1]:$p6 (http)" serve.log

# ---- 2. a taken address: one error line naming it, exit 1 ----
q6=$(free_port6)
"$IKEWATCH" serve --vici.socket "$vici" --web.listen-address "[::1]:$q6" \
	--web.listen-address "127.0.0.1:$p4" >taken.log 2>&1
expect taken/exit 1 $?
one_error taken/names-address taken.log "cannot listen on 127.0.0.1:$p4\" err=\"Address already in use"
t_check two-addresses/sanitizers stop serve.log

# ---- 3. the same from the config file's list ----
p4=$(free_port)
p6=$(free_port6)
printf 'web:\n  listen_address:\n    - 127.0.0.1:%s\n    - "[::1]:%s"\nvici:\n  socket: %s\n' \
	"$p4" "$p6" "$vici" >list.yml
start list.log "$IKEWATCH" serve --config list.yml
up "http://127.0.0.1:$p4" || t_bail "serve with a list did not start: $(tail -n 3 list.log)"
expect config-list/ipv6 200 "$(code "http://[::1]:$p6/metrics")"
t_check config-list/sanitizers stop list.log

# ---- 4. TLS and basic auth on every address ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
	-out server.crt -days 2 -subj "/CN=ikewatch test" \
	-addext "subjectAltName=IP:127.0.0.1,IP:::1" 2>/dev/null || t_bail "openssl"
hash=$(htpasswd -nbBC 10 prom 'scrape-password' | cut -d: -f2) || t_bail "htpasswd"
printf 'tls_server_config:\n  cert_file: %s/server.crt\n  key_file: %s/server.key\nbasic_auth_users:\n  prom: %s\n' \
	"$work" "$work" "'$hash'" >web.yml
p4=$(free_port)
p6=$(free_port6)
start tls.log "$IKEWATCH" serve --vici.socket "$vici" --web.config.file web.yml \
	--web.listen-address "127.0.0.1:$p4" --web.listen-address "[::1]:$p6"
up "https://127.0.0.1:$p4" --cacert server.crt -u prom:scrape-password || t_bail "serve with TLS did not start: $(tail -n 3 tls.log)"
for url in "https://127.0.0.1:$p4" "https://[::1]:$p6"; do
	host=${url#https://}
	expect "tls/$host/no-credentials-401" 401 "$(code --cacert server.crt "$url/metrics")"
	expect "tls/$host/password-200" 200 "$(code --cacert server.crt -u prom:scrape-password "$url/metrics")"
	expect "tls/$host/plain-http-refused" 000 "$(code "http://${host}/metrics")"
done
t_check tls/log-says-https grep -qF "on 127.0.0.1:$p4, [::1]:$p6 (https)" tls.log
t_check tls/sanitizers stop tls.log

# ---- 5. socket activation: sockets passed at fd 3.., with TLS and basic auth ----
p4=$(free_port)
p6=$(free_port6)
unused=$(free_port)
start sd.log "$sd" "tcp:127.0.0.1:$p4" "tcp:[::1]:$p6" "unix:$work/http.sock" -- \
	"$IKEWATCH" serve --web.systemd-socket --web.listen-address "127.0.0.1:$unused" \
	--vici.socket "$vici" --web.config.file web.yml
up "https://127.0.0.1:$p4" --cacert server.crt -u prom:scrape-password || t_bail "socket-activated serve did not start: $(tail -n 3 sd.log)"
for url in "https://127.0.0.1:$p4" "https://[::1]:$p6"; do
	host=${url#https://}
	expect "systemd/$host/no-credentials-401" 401 "$(code --cacert server.crt "$url/metrics")"
	t_check "systemd/$host/scrape" sh -c "curl -fsS --cacert server.crt -u prom:scrape-password '$url/metrics' | grep -qx 'ipsec_up 0'"
done
expect systemd/unix-socket 200 \
	"$(code --unix-socket "$work/http.sock" --cacert server.crt -u prom:scrape-password https://127.0.0.1/metrics)"
expect systemd/listen-address-not-bound 000 "$(code "http://127.0.0.1:$unused/-/healthy")"
t_check systemd/log-names-sockets \
	grep -qF "on 127.0.0.1:$p4, [::1]:$p6, $work/http.sock (https)" sd.log
t_check systemd/sanitizers stop sd.log

# ---- 5b. a restart, as systemd does it: the socket stays with the parent, listening, and the
# next instance takes it again; a scrape sent while none runs waits in the backlog ----
restart_out=$(python3 - "$IKEWATCH" "$vici" <<'PY' 2>&1
import os, signal, socket, sys, time, urllib.request
ik, vici = sys.argv[1:]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
port = s.getsockname()[1]
held = os.dup2(s.fileno(), 20)  # "systemd's" copy, out of the way of fd 3
waiting = None
for rnd in (1, 2):
    pid = os.fork()
    if pid == 0:
        os.dup2(held, 3, inheritable=True)
        os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
        os.execv(ik, [ik, "serve", "--web.systemd-socket", "--vici.socket", vici])
    if waiting:  # the scrape sent between the two instances is answered by the second
        waiting.sendall(b"GET /-/healthy HTTP/1.0\r\n\r\n")
        waiting.settimeout(10)
        reply = waiting.recv(4096)
        print("round", rnd, "backlog scrape", "answered" if b" 200 OK" in reply else repr(reply))
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/-/healthy", timeout=2).read()
            print("round", rnd, "served")
            break
        except OSError:
            time.sleep(0.05)
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
    waiting = socket.create_connection(("127.0.0.1", port), timeout=2)
print("after", "listening" if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) else "dead")
PY
)
for want in "round 1 served" "round 2 backlog scrape answered" "round 2 served" "after listening"; do
	case $restart_out in
	*"$want"*) t_ok "restart/${want// /-}" ;;
	*) t_fail "restart/${want// /-}" "$restart_out" ;;
	esac
done

# ---- 6. systemd's own systemd-socket-activate (it execs on the first connection) ----
p4=$(free_port)
p6=$(free_port6)
start ssa.log systemd-socket-activate -l "127.0.0.1:$p4" -l "[::1]:$p6" \
	"$IKEWATCH" serve --web.systemd-socket --vici.socket "$vici"
for _ in $(seq 100); do # the activator's own sockets first
	[ "$(ss -Hltn "( sport = :$p4 or sport = :$p6 )" | wc -l)" = 2 ] && break
	sleep 0.05
done
expect systemd-socket-activate/ipv4 200 "$(code --max-time 10 "http://127.0.0.1:$p4/metrics")"
expect systemd-socket-activate/ipv6 200 "$(code --max-time 10 "http://[::1]:$p6/metrics")"
t_check systemd-socket-activate/sanitizers stop ssa.log

# ---- 7. every refusal: exit 1, one error line ----
refuse() { # NAME TEXT CMD...
	local name=$1 text=$2 rc
	shift 2
	"$@" >refuse.log 2>&1
	rc=$?
	expect "refuse/$name/exit" 1 "$rc"
	one_error "refuse/$name/message" refuse.log "$text"
	! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' refuse.log ||
		t_fail "refuse/$name/sanitizers" "$(grep -m1 -E 'Sanitizer|runtime error' refuse.log)"
}
serve=("$IKEWATCH" serve --web.systemd-socket --vici.socket "$vici")
p4=$(free_port)
refuse nothing-passed "systemd passed no socket (LISTEN_PID and LISTEN_FDS are not set)" \
	env -u LISTEN_PID -u LISTEN_FDS "${serve[@]}"
refuse other-process "the sockets are not for this process (LISTEN_PID=1," \
	"$sd" --pid 1 "tcp:127.0.0.1:$p4" -- "${serve[@]}"
refuse zero-fds "systemd passed no usable socket (LISTEN_FDS=0)" "$sd" --fds 0 -- "${serve[@]}"
refuse datagram "fd 3 (127.0.0.1:$p4) is not a listening stream socket" \
	"$sd" "udp:127.0.0.1:$p4" -- "${serve[@]}"
refuse not-listening "fd 4 (127.0.0.1:$p4) is not a listening stream socket" \
	"$sd" "tcp:[::1]:$p4" "tcp-idle:127.0.0.1:$p4" -- "${serve[@]}"
printf 'x\n' >not-a-socket
refuse not-a-socket "fd 3 (not a socket) is not a listening stream socket" \
	"$sd" "file:$work/not-a-socket" -- "${serve[@]}"

# ---- 8. heal's webhook on a passed socket ----
printf '0123456789abcdef-heal\n' >token
p4=$(free_port)
unused=$(free_port)
printf 'vici:\n  socket: %s\nheal:\n  listen: 127.0.0.1:%s\n  token_file: %s/token\n  allowlist: [a-b]\n' \
	"$vici" "$unused" "$work" >heal.yml
start heal.log "$sd" "tcp:127.0.0.1:$p4" -- "$IKEWATCH" heal --config heal.yml --web.systemd-socket
up "http://127.0.0.1:$p4" || t_bail "socket-activated heal did not start: $(tail -n 3 heal.log)"
expect heal/metrics-needs-token 401 "$(code "http://127.0.0.1:$p4/metrics")"
expect heal/metrics-with-token 200 \
	"$(code -H 'Authorization: Bearer 0123456789abcdef-heal' "http://127.0.0.1:$p4/metrics")"
expect heal/listen-not-bound 000 "$(code "http://127.0.0.1:$unused/-/healthy")"
t_check heal/log-names-socket grep -qF "listening on http://127.0.0.1:$p4," heal.log
t_check heal/sanitizers stop heal.log
refuse heal-nothing-passed "systemd passed no socket" \
	env -u LISTEN_PID -u LISTEN_FDS "$IKEWATCH" heal --config heal.yml --web.systemd-socket

# ---- 9. the unit's ExecStart=, with this binary and a test config, with and without sockets ----
p4=$(free_port)
p_own=$(free_port)
printf 'web:\n  listen_address: 127.0.0.1:%s\nvici:\n  socket: %s\n' "$p_own" "$vici" >unit.yml
# unit_exec UNIT CONFIG: ExecStart= of packaging/UNIT, one argument a line, as systemd splits it
# (its quoting, "$$" for a literal "$"), with this binary and CONFIG
unit_exec() {
	python3 - "$T_TOP/packaging/$1" "$IKEWATCH" "$2" <<'PY'
import shlex, sys
unit, binary, config = sys.argv[1:]
line = next(l for l in open(unit) if l.startswith("ExecStart="))[len("ExecStart="):].strip()
for arg in shlex.split(line.replace("$$", "$")):
    print(arg.replace("/usr/bin/ikewatch", binary).replace("/etc/ikewatch/ikewatch.yml", config))
PY
}
mapfile -t exec_start < <(unit_exec ikewatch.service "$work/unit.yml")
[ "${#exec_start[@]}" -ge 1 ] || t_bail "no ExecStart= in packaging/ikewatch.service"
start unit-sd.log "$sd" "tcp:127.0.0.1:$p4" -- "${exec_start[@]}"
up "http://127.0.0.1:$p4" || t_bail "the unit's ExecStart with a socket did not start: $(tail -n 3 unit-sd.log)"
expect unit/socket-passed/own-address-not-bound 000 "$(code "http://127.0.0.1:$p_own/-/healthy")"
t_check unit/socket-passed/log grep -qF "serving metrics at /metrics on 127.0.0.1:$p4 (http)" unit-sd.log
t_check unit/socket-passed/sanitizers stop unit-sd.log
start unit-own.log env -u LISTEN_FDS -u LISTEN_PID "${exec_start[@]}"
up "http://127.0.0.1:$p_own" || t_bail "the unit's ExecStart without a socket did not start: $(tail -n 3 unit-own.log)"
t_check unit/no-socket/binds-own-address grep -qF "on 127.0.0.1:$p_own (http)" unit-own.log
t_check unit/no-socket/sanitizers stop unit-own.log
# heal's unit the same way: the webhook on the passed socket, heal.listen not bound
p4=$(free_port)
mapfile -t exec_start < <(unit_exec ikewatch-heal.service "$work/heal.yml")
start unit-heal.log "$sd" "tcp:127.0.0.1:$p4" -- "${exec_start[@]}"
up "http://127.0.0.1:$p4" || t_bail "heal's ExecStart with a socket did not start: $(tail -n 3 unit-heal.log)"
t_check unit/heal-socket-passed/log grep -qF "listening on http://127.0.0.1:$p4," unit-heal.log
t_check unit/heal-socket-passed/sanitizers stop unit-heal.log

# ---- 10. readiness, as packaging/ikewatch.service's Type=notify waits for it ----
# A datagram socket stands in for systemd's: READY=1 once serve answers, STOPPING=1 at SIGTERM.
# notify_run SOCKET PORT CMD...: what arrived, one "KEY VALUE" a line
notify_run() {
	python3 - "$@" <<'PY'
import os, signal, socket, subprocess, sys, urllib.request
path, port, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(10)
p = subprocess.Popen(cmd, env=dict(os.environ, NOTIFY_SOCKET=path))
direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def say(key, value):
    print(key, value, flush=True)
try:
    say("first", s.recv(256).decode())
    try:
        say("healthy-at-ready", direct.open(f"http://127.0.0.1:{port}/-/healthy", timeout=5).status)
    except OSError as e:
        say("healthy-at-ready", type(e).__name__)
    p.send_signal(signal.SIGTERM)
    say("second", s.recv(256).decode())
except OSError as e:
    say("error", type(e).__name__)
finally:
    try:
        say("exit", p.wait(timeout=10))
    except subprocess.TimeoutExpired:
        p.kill()
        say("exit", "killed")
PY
}
p4=$(free_port)
notify_run "$work/notify.sock" "$p4" "$IKEWATCH" serve --vici.socket "$vici" \
	--web.listen-address "127.0.0.1:$p4" >notify.out 2>notify.log
field() { awk -v k="$1" '$1 == k { print $2 }' notify.out; }
expect notify/ready READY=1 "$(field first)"
expect notify/answers-when-ready 200 "$(field healthy-at-ready)"
expect notify/stopping STOPPING=1 "$(field second)"
expect notify/exit 0 "$(field exit)"
! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|cannot tell systemd' notify.log ||
	t_fail notify/log-clean "$(grep -m1 -E 'Sanitizer|runtime error|cannot tell' notify.log)"
# a NOTIFY_SOCKET serve cannot use: a warning that names it, and serve runs on
p4=$(free_port)
start notify-bad.log env NOTIFY_SOCKET=run/not-absolute "$IKEWATCH" serve --vici.socket "$vici" \
	--web.listen-address "127.0.0.1:$p4"
up "http://127.0.0.1:$p4" || t_bail "serve with a bad NOTIFY_SOCKET did not start: $(tail -n 3 notify-bad.log)"
t_check notify/bad-socket-warns grep -qF 'cannot tell systemd READY=1 (NOTIFY_SOCKET=run/not-absolute)' notify-bad.log
t_check notify/bad-socket/sanitizers stop notify-bad.log

t_done
