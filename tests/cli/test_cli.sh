#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The command line as a user meets it, without charon or a lab: bad flags give one line on
# stderr naming the option, the value and what is allowed, with exit status 2, and nothing is
# sent or bound; every option in a command's --help is in its man page and in the bash
# completion (all three come from the same tables). Usage: test_cli.sh IKEWATCH BUILD_DIR
set -u
ik=$1
build=$2
fails=0
ok() { echo "ok - cli/$1"; }
not_ok() { echo "not ok - cli/$1: $2"; fails=$((fails + 1)); }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# expect NAME STATUS 'stderr line' ARGS...: exactly one stderr line, equal to the expected one.
# With run=offline, the command runs in a network namespace of its own without any network, so
# that a host name it resolves never becomes a DNS query leaving this machine.
run=
expect() {
	local name=$1 want_rc=$2 want=$3 rc
	shift 3
	$run "$ik" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	if [ "$rc" != "$want_rc" ]; then
		not_ok "$name" "exit $rc, want $want_rc; stderr: $(cat "$work/err")"
	elif [ "$(wc -l <"$work/err")" != 1 ]; then
		not_ok "$name" "want one stderr line, got: $(cat "$work/err")"
	elif [ "$(cat "$work/err")" != "$want" ]; then
		not_ok "$name" "got '$(cat "$work/err")', want '$want'"
	else
		ok "$name"
	fi
}

mkdir "$work/dir"
expect ping-size-small 2 'ikewatch ping: -s 10: the STAMP payload needs 44 to 9000 bytes' \
	ping -s 10 127.0.0.1
printf '%064d\n' 0 >"$work/key"
expect ping-size-auth 2 'ikewatch ping: -s 100: the authenticated STAMP payload needs 112 to 9000 bytes' \
	ping -k "$work/key" -s 100 127.0.0.1
expect ping-size-big 2 'ikewatch ping: -s 65000: expected a size in bytes from 0 to 9000' \
	ping -s 65000 127.0.0.1
expect ping-missing-value 2 'ikewatch ping: -s: needs a value (SIZE)' ping 127.0.0.1 -s
expect ping-unknown 2 "ikewatch ping: --bogus: unknown option ('ikewatch help ping' lists them)" \
	ping --bogus 127.0.0.1
expect ping-interval-floor 2 'ikewatch ping: -i 0.001: expected seconds from 0.01 to 3600' \
	ping -i 0.001 127.0.0.1
expect ping-no-target 2 'ikewatch ping: TARGET is missing' ping -c 1
expect ping-two-targets 2 'ikewatch ping: 127.0.0.2: only 1 TARGET expected' ping 127.0.0.1 127.0.0.2
expect serve-operand 2 'ikewatch serve: now: unexpected argument' serve now
expect version-option 2 "ikewatch version: --short: unknown option ('ikewatch help version' lists them)" version --short
run="unshare -n" expect ping-bad-name 2 \
	'ikewatch ping: TARGET no-such-host.invalid: not an IP address, and the name does not resolve: Temporary failure in name resolution' \
	ping -c 1 no-such-host.invalid
expect ping-source-family 2 "ikewatch ping: -I 127.0.0.1: not of the target's address family" \
	ping -I 127.0.0.1 ::1
expect ping-module 2 'ikewatch ping: -m quic: expected stamp, icmp, udp or tcp' ping -m quic ::1
expect mtu-min-above-max 2 'ikewatch mtu: --min 1400: above --max 1300' \
	mtu --min 1400 --max 1300 127.0.0.1
expect mtu-v6-floor 2 'ikewatch mtu: --min 576: an IPv6 packet size from 1280 to 65535 expected' \
	mtu --min 576 ::1
expect mtu-tcp 2 'ikewatch mtu: -m tcp: expected stamp, icmp or udp' mtu -m tcp 127.0.0.1
expect listen-port 2 'ikewatch serve: --web.listen-address 127.0.0.1:99999: the port 99999 is above 65535' \
	serve --web.listen-address 127.0.0.1:99999
run="unshare -n" expect listen-host 2 "ikewatch serve: --web.listen-address nosuch.invalid:9917: the host 'nosuch.invalid' does not resolve" \
	serve --web.listen-address nosuch.invalid:9917
expect listen-bad-host 2 "ikewatch serve: --web.listen-address gate,way:9917: the host 'gate,way' is neither an IP address nor a host name (use an IPv4 address, [IPv6], a name, or nothing for all addresses)" \
	serve --web.listen-address gate,way:9917
expect config-dir 2 "ikewatch status: --config $work/dir: a directory, not a file" \
	status --config "$work/dir"
expect vici-timeout-unit 2 'ikewatch serve: --vici.timeout 5: expected a duration with a unit (ms, s, m, h or d, such as 5s) from 1ms to 10m' \
	serve --vici.timeout 5
expect log-format 2 'ikewatch serve: --log.format text: expected logfmt or json' serve --log.format text
expect textfile-interval 2 'ikewatch textfile: --interval 500ms: expected a duration with a unit (ms, s, m, h or d, such as 5s) from 1s to 1d' \
	textfile -o "$work/x.prom" --interval 500ms
expect reflect-allow 2 'ikewatch reflect: -a 10.0.0.1/8: expected an address or a prefix without host bits (192.0.2.0/24)' \
	reflect -a 10.0.0.1/8
expect doctor-source 2 'ikewatch doctor: --source 192.0.2.1: needs --probe' doctor --source 192.0.2.1
expect diag-exporter 2 'ikewatch diag: --exporter http://192.0.2.1/: only loopback http:// URLs' \
	diag -o "$work/b.tgz" --exporter http://192.0.2.1/
printf 'web:\n  listen_address: "nosuch.invalid:9917"\n' >"$work/listen.yml"
run="unshare -n" expect config-listen-host 1 "ikewatch serve: web.listen_address nosuch.invalid:9917: the host 'nosuch.invalid' does not resolve" \
	serve --config "$work/listen.yml"
printf 'web:\n  listen_address: ["127.0.0.1:0", "[::1]:99999"]\n' >"$work/listens.yml"
expect config-listen-list 1 "ikewatch serve: web.listen_address [::1]:99999: the port 99999 is above 65535" \
	serve --config "$work/listens.yml"
# --web.listen-address repeats, up to 8 (each address gets its server threads)
nine=()
for i in 1 2 3 4 5 6 7 8 9; do nine+=(--web.listen-address "127.0.0.$i:0"); done
expect listen-too-many 2 'ikewatch serve: --web.listen-address 127.0.0.9:0: at most 8 listen addresses' \
	serve "${nine[@]}"
expect systemd-socket-value 2 'ikewatch serve: --web.systemd-socket: takes no value' \
	serve --web.systemd-socket=yes
expect flag-with-value 2 'ikewatch status: --redact-identities: takes no value' \
	status --redact-identities=yes
expect unknown-command 2 "ikewatch: unknown command 'pong' ('ikewatch help' lists them)" pong
# status reports on stdout; the message names the socket and the flag
"$ik" status --vici.socket "$work/none.vici" >"$work/out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -qx "charon is not answering on $work/none.vici: No such file or directory (is charon running? set --vici.socket)" "$work/out"; then
	ok status-names-socket
else
	not_ok status-names-socket "exit $rc: $(cat "$work/out")"
fi
# nothing bound: serve refused the flag before listening (a free port stays free)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$ik" serve --web.listen-address "127.0.0.1:$port" --vici.timeout 5 2>/dev/null &
pid=$!
sleep 0.3
if kill -0 "$pid" 2>/dev/null; then
	kill "$pid"
	not_ok bad-flag-binds-nothing "serve still runs with a bad --vici.timeout"
else
	wait "$pid"
	rc=$?
	if [ "$rc" = 2 ]; then ok bad-flag-binds-nothing; else not_ok bad-flag-binds-nothing "exit $rc"; fi
fi

# Log lines: logfmt by default, JSON with --log.format json or log.format in the config file;
# every line carries ts, level and msg.
logs() { timeout -s INT 1 "$ik" serve --web.listen-address 127.0.0.1:0 --vici.socket "$work/none.vici" "$@" 2>&1 >/dev/null; }
out=$(logs)
if [ -n "$out" ] && ! grep -vqE '^ts=[0-9T:.-]+Z level=(error|warn|info|debug) msg=' <<<"$out"; then
	ok log-logfmt
else
	not_ok log-logfmt "$out"
fi
printf 'log:\n  format: json\n' >"$work/json.yml"
for how in "--log.format json" "--config $work/json.yml"; do
	# shellcheck disable=SC2086 # two words on purpose
	out=$(logs $how)
	if [ -n "$out" ] && python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    assert list(d)[:3] == ["ts", "level", "msg"], d
' <<<"$out"; then
		ok "log-json/${how%% *}"
	else
		not_ok "log-json/${how%% *}" "$out"
	fi
done

# --help, man page and completion list the same options.
cmds=$("$ik" help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[ -n "$cmds" ] || not_ok commands "no command in 'ikewatch help'"
seen=0
for c in $cmds; do
	man="$build/man/ikewatch-$c.1"
	if [ ! -s "$man" ]; then
		not_ok "man/$c" "no $man"
		continue
	fi
	missing=
	# the option column: "  -c, --count N" or "      --stateful"
	for o in $("$ik" help "$c" | awk '/^  +-/ && !/^        / {for (i = 1; i <= NF && $i ~ /^-/; i++) {sub(/,$/, "", $i); print $i}}' | sort -u); do
		# roff escapes every hyphen
		seen=$((seen + 1))
		grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$man" || missing="$missing man:$o"
		awk -v c="$c" '$0 ~ "^\t" c "\\)" {on = 1} on && /^\t\tCOMPREPLY/ {print; exit}' \
			"$build/completion/ikewatch" | grep -qE -- "[' ]$o( |')" || missing="$missing bash:$o"
	done
	if [ -n "$missing" ]; then not_ok "help-man-completion/$c" "missing$missing"; else
		ok "help-man-completion/$c"
	fi
done
# the option column was read at all (not an empty loop that passes)
if [ "$seen" -ge 60 ]; then ok options-read; else not_ok options-read "only $seen options in --help"; fi
man="$build/man/ikewatch.1"
for c in $cmds; do grep -q "ikewatch\\\\-$c" "$man" || not_ok "man/ikewatch.1" "lacks $c"; done
if bash -c "source '$build/completion/ikewatch' && COMP_WORDS=(ikewatch ping --mo) COMP_CWORD=2 && _ikewatch && [ \"\${COMPREPLY[*]}\" = --module ]"; then
	ok completion-works
else
	not_ok completion-works "ping --mo<TAB> does not complete to --module"
fi
exit $((fails > 0))
