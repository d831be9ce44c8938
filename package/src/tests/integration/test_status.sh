#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_status.sh - `ikewatch status [CONN]` against the lab (tests/lab/lab.sh), where a-b is up
# and a-c is loaded but down on purpose: the exit codes documented in `ikewatch help status`
# (0 up, 3 down or not loaded, 1 charon not answering), the CONN filter, and a missing socket
# named in the error line with the flag that changes it.

. "$(dirname "$0")/lib.sh"
t_require_root
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"

t_cleanup lab_down
lab_up || t_bail "lab_up failed"
[ -x "$IKEWATCH" ] || t_bail "no ikewatch binary at $IKEWATCH"
sock=$(lab_vici_path A)
st() { "$IKEWATCH" status --vici.socket "$sock" "$@"; }

out=$(st)
rc=$?
if [ "$rc" = 3 ] && grep -q '^a-b ' <<<"$out" && grep -q '^a-c .*DOWN' <<<"$out"; then
	t_ok all-conns-exit-3
else
	t_fail all-conns-exit-3 "exit $rc: $out"
fi
out=$(st a-b)
rc=$?
if [ "$rc" = 0 ] && grep -q '^a-b .*ESTABLISHED' <<<"$out" && ! grep -q '^a-c ' <<<"$out"; then
	t_ok filter-up-exit-0
else
	t_fail filter-up-exit-0 "exit $rc: $out"
fi
out=$(st a-c)
rc=$?
if [ "$rc" = 3 ] && grep -q '^a-c ' <<<"$out" && ! grep -q '^a-b ' <<<"$out"; then
	t_ok filter-down-exit-3
else
	t_fail filter-down-exit-3 "exit $rc: $out"
fi
out=$(st no-such-conn)
rc=$?
if [ "$rc" = 3 ] && grep -qx '(no connection no-such-conn loaded)' <<<"$out"; then
	t_ok filter-unknown-exit-3
else
	t_fail filter-unknown-exit-3 "exit $rc: $out"
fi
out=$("$IKEWATCH" status --vici.socket "$sock.missing" 2>&1)
rc=$?
if [ "$rc" = 1 ] && [ "$out" = "charon is not answering on $sock.missing: No such file or directory (is charon running? set --vici.socket)" ]; then
	t_ok missing-socket-named
else
	t_fail missing-socket-named "exit $rc: $out"
fi
out=$(st a-b a-c 2>&1)
rc=$?
t_check two-conns-usage test "$rc:$out" = "2:ikewatch status: a-c: only 1 CONN expected"
t_done
