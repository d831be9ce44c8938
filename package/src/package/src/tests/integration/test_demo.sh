#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_demo.sh - scripts/demo.sh as a newcomer uses it: start it, read its first status table,
# paste every command it prints, break and mend the tunnel from outside, press Ctrl-C.
#
# Why: the demo is the first thing a newcomer runs. It once left three namespaces, charon and
# /tmp/iwlab.* behind (exit 127) after the kill_gateway -> start_gateway step it suggests, printed
# a bash error on every Ctrl-C, and printed no command to try. Here:
#   - the demo runs without a terminal (IKEWATCH: the binary under test, no package install or
#     build; stdin /dev/null) in its own process group, as a terminal's foreground job is;
#   - its first status table shows a-b up and a-c down, and it says a-c is down on purpose;
#   - serve's probe proves the tunnel (ipsec_probe_in_tunnel 1) and the status page answers;
#   - every command it prints under "== try it" is run from another shell, in the order printed
#     (status, ping, mtu, doctor, diag, curl, the lab's faults, and last kill_gateway B, a wait
#     until A has dropped a-b, start_gateway B); each must exit as documented (status and doctor 3
#     because of a-c, the rest 0) and say what it should;
#   - B is killed and restarted again at once, as in the bug report;
#   - then SIGINT to its process group (what Ctrl-C does): the demo must exit 0, print nothing
#     on stderr, and leave no namespace, no process (charons, also the restarted one, serve, the
#     reflector, socat) and no directory of its lab.

. "$(dirname "$0")/lib.sh"
t_require_root
. "$T_TOP/tests/integration/serve_lib.sh"
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"

W=$(mktemp -d /tmp/iw-demo.XXXXXX) || t_bail "mktemp"
t_cleanup rm -rf "$W"
port=$(free_port)

# Job control: the demo gets its own process group and SIGINT at its default disposition, as a
# job in a terminal's foreground has; `kill -INT -- -PGID` is what the terminal does on Ctrl-C.
set -m
DEMO_LISTEN=127.0.0.1:$port "$T_TOP/scripts/demo.sh" >"$W/out" 2>"$W/err" </dev/null &
demo=$!
set +m
demo_alive() { kill -0 "$demo" 2>/dev/null; }
# Should a check bail out: SIGTERM lets the demo tear down; run.sh sweeps the lab regardless.
stop_demo() {
	local i
	demo_alive || return 0
	kill -TERM "$demo"
	for i in $(seq 100); do demo_alive || return 0; sleep 0.2; done
	kill -KILL -- -"$demo"
}
t_cleanup stop_demo

t_eventually 120 first-status-table grep -q '^Press Ctrl-C' "$W/out" ||
	t_bail "no status table: $(tail -n 3 "$W/out") $(tail -n 3 "$W/err")"
echo "# demo ready after ${T_ELAPSED_MS} ms" >&2
url=http://127.0.0.1:$port
t_check table-a-b-up grep -Eq '^a-b +ESTABLISHED ' "$W/out"
t_check table-a-c-down grep -Eq '^a-c +DOWN ' "$W/out"
t_check says-a-c-down-on-purpose grep -q 'a-c is down on purpose' "$W/out"
t_check prints-urls grep -q "status page:  $url/\$" "$W/out"
lab_dir=$(sed -n 's/^  LAB_DIR=\([^ ]*\) .*kill_gateway B$/\1/p' "$W/out")
[ -n "$lab_dir" ] && [ -f "$lab_dir/env" ] || t_bail "no lab directory in the demo's output"
prefix=$(sed -n "s/^LAB_PREFIX='\(.*\)'\$/\1/p" "$lab_dir/env")
[ -n "$prefix" ] || t_bail "no LAB_PREFIX in $lab_dir/env"

in_tunnel='ipsec_probe_in_tunnel{target="203.0.113.129",conn="a-b",child="net",module="stamp"} 1'
t_eventually 40 probe-in-tunnel eval 'curl -fsS "$url/metrics" | grep -qF "$in_tunnel"'
t_check status-page eval 'curl -fsS "$url/" | grep -qi "<html"'

# Every command of the "try it" block, in its order, from another shell in a scratch directory.
awk '/^== try it/ { on = 1; next } on && /^$/ { exit } on && !/^  #/ { sub(/^  /, ""); print }' \
	"$W/out" >"$W/commands"
t_check prints-commands eval '[ "$(wc -l <"$W/commands")" -ge 10 ]'
for word in " status " " ping " " mtu " " doctor " " diag " "curl " " kill_gateway B" " start_gateway B"; do
	grep -qF -- "$word" "$W/commands" || t_fail "prints$(tr ' ' '-' <<<"$word")" "no such command"
done
i=0
while IFS= read -r cmd; do
	i=$((i + 1))
	case "$cmd" in
	*" status "* | *" doctor "*) want=3 ;; # a-c is down
	*) want=0 ;;
	esac
	case "$cmd" in
	while\ *) name=wait-a-b-gone ;;
	*/lab.sh\ *) name=lab-${cmd##*/lab.sh } ;;
	curl*) name=curl-metrics ;;
	*) name=${cmd#*/ikewatch } name=${name%% *} ;;
	esac
	name=$i-$(tr -c 'a-zA-Z0-9_\n-' - <<<"$name")
	t0=$(date +%s%N)
	(cd "$W" && bash -c "$cmd") >"$W/cmd$i.out" 2>&1 </dev/null
	rc=$?
	echo "# $name: exit $rc in $((($(date +%s%N) - t0) / 1000000)) ms" >&2
	if [ "$rc" -ne "$want" ]; then
		t_fail "$name" "exit $rc, want $want: $cmd: $(tail -n 2 "$W/cmd$i.out")"
		# the lab's own logs go with its teardown: keep what explains the failure
		for f in "$W/cmd$i.out" "$lab_dir"/[ab]/charon.stdout "$lab_dir"/[ab]/charon.log; do
			[ -s "$f" ] && tail -n 25 "$f" | sed "s|^|# $name: ${f#"$lab_dir"/}: |" >&2
		done
		continue
	fi
	said=
	case "$name" in
	*-status) said='^a-b +ESTABLISHED ' ;;
	*-ping) said='bytes from 203\.0\.113\.129: seq=' ;;
	*-mtu) said='^203\.0\.113\.129: path MTU [0-9]+ bytes' ;;
	*-doctor) said='a-c: configured but not established' ;;
	*-diag) said='ikewatch-diag\.tar\.gz: [0-9]+ bytes' ;;
	*-curl-metrics) said='^ipsec_probe_success\{' ;;
	esac
	if [ -n "$said" ] && ! grep -Eq "$said" "$W/cmd$i.out"; then
		t_fail "$name" "exit $rc but no /$said/ in: $(head -c 300 "$W/cmd$i.out")"
	else
		t_ok "$name"
	fi
done <"$W/commands"
t_check diag-bundle-written test -s "$W/ikewatch-diag.tar.gz"
t_check mended-a-b-up eval '"$IKEWATCH" status --vici.socket "$lab_dir/a/charon.vici" | grep -Eq "^a-b +ESTABLISHED "'

# The sequence of the bug report: kill and restart B straight away (A still holds the dead IKE SA,
# so start_gateway's re-initiation may fail: what matters here is a charon started from outside).
LAB_DIR=$lab_dir "$T_TOP/tests/lab/lab.sh" kill_gateway B >"$W/kill.out" 2>&1 ||
	t_fail kill-again "$(cat "$W/kill.out")"
LAB_DIR=$lab_dir "$T_TOP/tests/lab/lab.sh" start_gateway B >"$W/start.out" 2>&1

# What the demo runs now, the restarted charon B included: its lab's namespaces, and socat on
# the host side of the bridge.
: >"$W/procs"
for ns in a b r; do
	for pid in $(ip netns pids "$prefix$ns" 2>/dev/null); do
		printf '%s %s\n' "$pid" "$(tr '\0' ' ' 2>/dev/null </proc/"$pid"/cmdline)" >>"$W/procs"
	done
done
for pid in $(pgrep -f -- "UNIX-CONNECT:$lab_dir/demo/web.sock"); do
	printf '%s %s\n' "$pid" "$(tr '\0' ' ' 2>/dev/null </proc/"$pid"/cmdline)" >>"$W/procs"
done
count() { grep -cE -- "$1" "$W/procs"; }
t_check runs-two-charons eval '[ "$(count "/usr/lib/ipsec/charon")" -eq 2 ]'
t_check runs-serve eval '[ "$(count "ikewatch serve ")" -eq 1 ]'
t_check runs-reflector eval '[ "$(count "ikewatch reflect ")" -eq 1 ]'
t_check runs-bridge eval '[ "$(count "^[0-9]+ socat ")" -ge 2 ]'

# Ctrl-C.
kill -INT -- -"$demo"
for _ in $(seq 150); do demo_alive || break; sleep 0.2; done
if demo_alive; then
	t_fail ctrl-c-exits "still running 30 s after SIGINT"
	stop_demo
fi
wait "$demo"
rc=$?
t_check ctrl-c-exit-0 eval "[ $rc -eq 0 ]"
t_check ctrl-c-says-stopping grep -q '^== stopping' "$W/out"
t_check ctrl-c-quiet eval '[ ! -s "$W/err" ] || { cat "$W/err"; false; }'
t_check no-namespace-left eval '! ip netns list | grep "^$prefix"'
left=
while read -r pid cmdline; do
	[ "$(tr '\0' ' ' 2>/dev/null </proc/"$pid"/cmdline)" = "$cmdline" ] && left="$left $pid($cmdline)"
done <"$W/procs"
t_check no-process-left eval '[ -z "$left" ] || { echo "$left"; false; }'
t_check no-directory-left test ! -e "$lab_dir"
t_done
