#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_deps.sh - scripts/deps.sh against stand-ins for dpkg-query, apt-get and id.
#
# Why: CI's machine already has every package, so the install path of deps.sh never runs there;
# fresh machines and container images (which already have /usr/sbin/policy-rc.d) are where it
# failed. Here the stand-ins come first on PATH: dpkg-query reports installed every package
# except those listed in $S/missing, apt-get "installs" by removing names from that list (or
# fails, as told by $S/mode), id says uid $S/uid. DEPS_POLICY_RC_D points deps.sh at a scratch
# policy-rc.d, so the real /usr/sbin/policy-rc.d is never touched and the real apt-get never runs.
# Checked in each case: exit status, messages, what apt-get was asked, that the policy was in
# place (and said 101) while apt-get ran, and that it is removed only when deps.sh created it.
# Needs no root.

. "$(dirname "$0")/lib.sh"

W=$(mktemp -d /tmp/iw-deps.XXXXXX) || t_bail "mktemp"
t_cleanup rm -rf "$W"
S=$W/state
stub=$W/bin
mkdir -p "$S" "$stub"
export S
# the Libreswan unpacking has its own script and would reach the stubs' apt-get
export DEPS_LIBRESWAN=0

cat >"$stub/dpkg-query" <<'EOF'
#!/bin/bash
# dpkg-query -W -f='${Status}' PKG
[ "$1" = -W ] && [ "$2" = "-f=\${Status}" ] && [ $# -eq 3 ] || { echo "stub dpkg-query: $*" >&2; exit 2; }
if grep -qxF "$3" "$S/missing"; then
	echo "dpkg-query: no packages found matching $3" >&2
	exit 1
fi
printf 'install ok installed'
EOF
cat >"$stub/apt-get" <<'EOF'
#!/bin/bash
echo "$*" >>"$S/apt.log"
mode=$(cat "$S/mode")
# what a package's maintainer script would see: does the policy forbid starting services?
if [ -x "$DEPS_POLICY_RC_D" ]; then "$DEPS_POLICY_RC_D"; echo "$?" >>"$S/policy"; else echo absent >>"$S/policy"; fi
case "$1" in
update)
	[ "$mode" = update-fails ] && { echo "E: could not reach the mirror" >&2; exit 100; }
	exit 0 ;;
install) ;;
*) exit 2 ;;
esac
shift
pkgs=()
for a in "$@"; do case "$a" in -*) ;; *) pkgs+=("$a") ;; esac; done
case "$mode" in
fails) echo "E: Unable to locate package ${pkgs[0]}"; exit 100 ;;
partial) keep=${pkgs[0]} ;; # installs every package but the first, and says it worked
term) kill -TERM "$PPID"; keep= ;;
*) keep= ;;
esac
for p in "${pkgs[@]}"; do
	[ "$p" = "$keep" ] || sed -i "/^$p\$/d" "$S/missing"
done
exit 0
EOF
cat >"$stub/id" <<'EOF'
#!/bin/bash
[ "$1" = -u ] || exit 2
cat "$S/uid"
EOF
chmod +x "$stub"/*
[ "$(PATH=$stub:$PATH command -v apt-get)" = "$stub/apt-get" ] || t_bail "the apt-get stand-in is not first on PATH"

policy=$W/policy-rc.d
# run_deps NAME MODE UID POLICY(present|absent) MISSING...: sets rc, err (stderr), out
run_deps() {
	local mode=$2 uid=$3 pol=$4
	shift 4
	printf '%s\n' "$@" >"$S/missing"
	echo "$mode" >"$S/mode"
	echo "$uid" >"$S/uid"
	: >"$S/apt.log"
	: >"$S/policy"
	rm -f "$policy"
	[ "$pol" = present ] && printf '#!/bin/sh\n# the image'"'"'s own\nexit 101\n' >"$policy" && chmod +x "$policy"
	out=$(PATH=$stub:$PATH DEPS_POLICY_RC_D=$policy bash "$T_TOP/scripts/deps.sh" 2>"$W/err")
	rc=$?
	err=$(cat "$W/err")
}
expect() { # expect NAME CONDITION-DESCRIPTION cmd...
	local name=$1 what=$2
	shift 2
	if "$@"; then t_ok "$name"; else t_fail "$name" "$what (exit $rc, stderr: $err)"; fi
}
image_policy_kept() { [ -x "$policy" ] && grep -q "the image's own" "$policy"; }
policy_gone() { [ ! -e "$policy" ]; }
installed_all() { [ ! -s "$S/missing" ]; }

# Nothing missing: exit 0, silent, apt-get never runs.
run_deps none ok 0 absent
expect nothing-missing "exit 0, no output, no apt-get" \
	eval '[ $rc -eq 0 ] && [ -z "$err$out" ] && [ ! -s "$S/apt.log" ] && policy_gone'

for pol in absent present; do
	# Missing and installable: exit 0; apt-get install gets exactly the missing packages.
	run_deps "" ok 0 "$pol" socat tcpdump
	expect "installs-policy-$pol/exit-0" "exit 0" [ "$rc" -eq 0 ]
	expect "installs-policy-$pol/asked-apt" "apt-get update, then install socat tcpdump" \
		eval '[ "$(cat "$S/apt.log")" = "update -q
install -y -q --no-install-recommends socat tcpdump" ] && installed_all'
	expect "installs-policy-$pol/says-what" "stderr names the packages" \
		eval '[ "$err" = "deps.sh: installing socat tcpdump" ]'
	expect "installs-policy-$pol/policy-during" "the policy said 101 while apt-get ran" \
		eval '[ "$(sort -u "$S/policy")" = 101 ]'
	if [ "$pol" = present ]; then
		expect "installs-policy-$pol/policy-kept" "the existing policy-rc.d is untouched" image_policy_kept
	else
		expect "installs-policy-$pol/policy-removed" "the policy deps.sh created is removed" policy_gone
	fi

	# Missing, apt-get fails: non-zero, the packages named, apt-get's own error shown.
	run_deps "" fails 0 "$pol" socat tcpdump
	expect "apt-fails-policy-$pol/exit" "non-zero exit" [ "$rc" -ne 0 ]
	expect "apt-fails-policy-$pol/names" "stderr names both packages and shows apt's error" \
		eval 'grep -q "^deps.sh: not installed: socat tcpdump" <<<"$err" &&
			grep -q "Unable to locate package socat" <<<"$err"'
	if [ "$pol" = present ]; then
		expect "apt-fails-policy-$pol/policy-kept" "the existing policy-rc.d is untouched" image_policy_kept
	else
		expect "apt-fails-policy-$pol/policy-removed" "the policy deps.sh created is removed" policy_gone
	fi
done

# apt-get says it worked but one package is still missing: the result decides.
run_deps "" partial 0 absent gcc socat tcpdump
expect partial/names-the-rest "non-zero, names only gcc" \
	eval '[ $rc -ne 0 ] && grep -q "^deps.sh: not installed: gcc (" <<<"$err" && policy_gone'

# apt-get update fails (stale lists still hold the packages): installed, so exit 0, with a note.
run_deps "" update-fails 0 absent socat
expect update-fails/still-installs "exit 0, the update failure reported" \
	eval '[ $rc -eq 0 ] && installed_all && grep -q "apt-get update failed" <<<"$err" && policy_gone'

# Not root: exit 1, names the packages, no apt-get.
run_deps "" ok 1000 absent socat tcpdump
expect not-root "exit 1 naming socat tcpdump, apt-get not run" \
	eval '[ $rc -eq 1 ] && grep -q "missing packages (socat tcpdump); run as root" <<<"$err" &&
		[ ! -s "$S/apt.log" ] && policy_gone'

# Terminated while apt-get runs: the policy it created still goes.
run_deps "" term 0 absent socat
expect terminated/policy-removed "exit 143 and the created policy removed" \
	eval '[ $rc -eq 143 ] && policy_gone'

t_done
