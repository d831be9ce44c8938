#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# unit_trace.sh - run the packaged ikewatch as its systemd unit would (user ikewatch, no
# capability, no new privileges) under strace, and check what it did against that unit's
# SystemCallFilter= and RestrictAddressFamilies=.
#
# Why: a system call outside the filter gets EPERM and a socket family outside the list gets
# EAFNOSUPPORT only when systemd runs the unit, and this machine's PID 1 is not systemd; the trace
# shows what the unit would refuse. Source after lib.sh.
#
#   traced_start OUT args...     start `/usr/bin/ikewatch args` traced into OUT (output of
#                                ikewatch in OUT.log); sets TRACE_PID (strace) and TRACED_PID
#                                (ikewatch, once it runs); stops it at exit whatever happens
#   traced_stop                  SIGTERM to ikewatch, wait for strace to end (fails, and kills
#                                both, if ikewatch is still there after 10 s)
#   trace_check NAME UNIT OUT [FAMILY...]   ok/not ok NAME: every system call ikewatch made (from
#                                its execve on) is allowed by UNIT's SystemCallFilter=, every
#                                socket family it opened is in UNIT's RestrictAddressFamilies=
#                                or one of FAMILY (families the unit may refuse because the
#                                command copes; say why at the call)

TRACE_PID="" TRACED_PID=""

traced_start() {
	local out=$1
	shift
	TRACED_PID=""
	strace -f -qq -o "$out" setpriv --reuid=ikewatch --regid=ikewatch --init-groups \
		--no-new-privs --inh-caps=-all --bounding-set=-all /usr/bin/ikewatch "$@" \
		>"$out.log" 2>&1 &
	TRACE_PID=$!
	t_cleanup traced_stop
	# strace's child, once it is ikewatch (strace also forks short-lived probes of its own).
	for _ in $(seq 50); do
		TRACED_PID=$(ps -o pid=,comm= --ppid "$TRACE_PID" | awk '$2 == "ikewatch" { print $1; exit }')
		[ -n "$TRACED_PID" ] && return 0
		sleep 0.1
	done
	return 1
}

_traced_alive() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# A SIGTERMed strace detaches and leaves ikewatch running: stop ikewatch, strace follows. Fails
# if ikewatch does not end within 10 s of SIGTERM (then it is killed).
traced_stop() {
	local rc=0
	[ -n "$TRACE_PID" ] || return 0
	if [ -n "$TRACED_PID" ]; then
		kill -TERM "$TRACED_PID" 2>/dev/null
	else
		kill -TERM "$TRACE_PID" 2>/dev/null
	fi
	for _ in $(seq 100); do
		_traced_alive "$TRACE_PID" || break
		sleep 0.1
	done
	if _traced_alive "$TRACE_PID"; then
		rc=1
		[ -n "$TRACED_PID" ] && kill -KILL "$TRACED_PID" 2>/dev/null
		kill -KILL "$TRACE_PID" 2>/dev/null
	fi
	wait "$TRACE_PID" 2>/dev/null
	TRACE_PID="" TRACED_PID=""
	return $rc
}

# The system calls a unit file's SystemCallFilter= lines allow (allow lists, minus ~ lines).
_unit_syscalls() {
	systemd-analyze syscall-filter 2>/dev/null | python3 -c '
import sys
groups, cur = {}, None
for line in sys.stdin:
    w = line.strip()
    if not w or w.startswith("#"):
        continue
    if not line[0].isspace():
        cur = groups.setdefault(w, set())
    elif cur is not None:
        cur.add(w)
def expand(name, seen=()):
    if not name.startswith("@"):
        return {name}
    out = set()
    for m in groups.get(name, ()):
        if m not in seen:
            out |= expand(m, seen + (name,))
    return out
allow, deny = set(), set()
for line in open(sys.argv[1]):
    if line.startswith("SystemCallFilter="):
        v = line.split("=", 1)[1].split()
        neg = v and v[0].startswith("~")
        v = [x.lstrip("~") for x in v]
        for x in v:
            (deny if neg else allow).update(expand(x))
print("\n".join(sorted(allow - deny)))' "$1"
}

trace_check() {
	local name=$1 unit=$2 out=$3 used families allowed_fam bad=""
	shift 3
	# From ikewatch's execve on: setpriv's set-up is what systemd does before the filter applies.
	used=$(awk '/execve\("\/usr\/bin\/ikewatch"/ { on = 1; next }
		on && match($0, /^[0-9]+ +[a-z0-9_]+\(/) {
			s = substr($0, RSTART, RLENGTH - 1); sub(/^[0-9]+ +/, "", s); print s }' "$out" | sort -u)
	families=$(awk '/execve\("\/usr\/bin\/ikewatch"/ { on = 1; next }
		on && match($0, /^[0-9]+ +socket\(AF_[A-Z0-9]+/) {
			s = substr($0, RSTART, RLENGTH); sub(/.*\(/, "", s); print s }' "$out" | sort -u)
	if [ -z "$used" ]; then
		t_fail "$name" "no system call traced in $out"
		return
	fi
	bad=$(comm -23 <(printf '%s\n' "$used") <(_unit_syscalls "$unit" | sort -u) | tr '\n' ' ')
	allowed_fam=$(sed -n 's/^RestrictAddressFamilies=//p' "$unit" | tr ' ' '\n')
	for f in $families; do
		printf '%s\n' $allowed_fam "$@" | grep -qxF "$f" || bad="$bad $f"
	done
	echo "# $name: $(printf '%s\n' "$used" | grep -c .) system calls, families $(echo $families)" >&2
	if [ -z "$(echo $bad)" ]; then
		t_ok "$name"
	else
		t_fail "$name" "outside $(basename "$unit")'s filters: $bad"
	fi
}
