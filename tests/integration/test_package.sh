#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The Debian package as an operator gets it: built by dpkg-buildpackage from a copy of the tree
# (the tree CI runs from is never written to), lintian-clean, installed with dpkg. Its ikewatch
# runs (`version`; `serve` with the packaged config as the package's user, against the lab, with
# the VICI socket given to the group as docs/security.md says); its units pass
# `systemd-analyze verify` and score at most 2.0 in `systemd-analyze security`; everything meson
# installs is in it; every system call serve makes is one the units' SystemCallFilter= allows;
# `dpkg --purge` leaves no file, user, group or directory behind.
#
# This is CI's machine: the package is purged whatever way the script ends (t_cleanup), and the
# script refuses to run where an ikewatch package or user already exists (it would remove them).
# Env: PKG_WORK (the build area, kept and reused; see below), PKG_SCORE_MAX (default 2.0).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
. "$(dirname "$0")/unit_trace.sh"
t_require_root

score_max=${PKG_SCORE_MAX:-2.0}
t0=$(date +%s)

for tool in dpkg-buildpackage dh lintian systemd-analyze setpriv strace; do
	command -v "$tool" >/dev/null || t_bail "$tool missing (scripts/deps.sh installs it)"
done
if dpkg-query -W -f='${Status}' ikewatch 2>/dev/null | grep -qv 'not-installed'; then
	t_bail "an ikewatch package is installed here already; not touching it"
fi
getent passwd ikewatch >/dev/null && t_bail "a user ikewatch exists already; not touching it"
getent group ikewatch >/dev/null && t_bail "a group ikewatch exists already; not touching it"
for d in /etc/ikewatch /var/lib/ikewatch /usr/share/ikewatch; do
	[ -e "$d" ] && t_bail "$d exists already; not touching it"
done

# The build area: PKG_WORK, or next to CI's build directories (BUILD_DIR's parent, as
# scripts/test.sh sets it), where the meson build directory is kept and reused (a rebuild takes
# seconds, a fresh one a minute under load); else a temporary directory.
if [ -n "${PKG_WORK:-}" ]; then
	work=$PKG_WORK
elif [ -n "${BUILD_DIR:-}" ]; then
	work=$(cd "$(dirname "$BUILD_DIR")" && pwd)/package
else
	work=$(mktemp -d /tmp/iw-pkg.XXXXXX) || t_bail "mktemp"
	t_cleanup rm -rf "$work"
fi
mkdir -p "$work" || t_bail "mkdir $work"
rm -f "$work"/ikewatch_* "$work"/ikewatch-dbgsym_*

# dpkg takes a lock that apt on this shared machine may hold for a while: retry on the lock only.
pkg_dpkg() {
	local out
	for _ in $(seq 60); do
		out=$(dpkg "$@" 2>&1) && return 0
		printf '%s\n' "$out" | grep -q 'lock' || break
		sleep 2
	done
	printf '%s\n' "$out" >&2
	return 1
}
# Registered first, so it runs last: after serve and the lab are gone (userdel refuses a user
# with a running process).
pkg_purge() {
	if [ -n "${SERVE_PID:-}" ]; then
		kill "$SERVE_PID" 2>/dev/null
		wait "$SERVE_PID" 2>/dev/null
	fi
	pkg_dpkg --purge ikewatch
}
t_cleanup pkg_purge

# --- build ------------------------------------------------------------------------------------
# A fresh copy of the tree without build directories, VCS data or an earlier in-tree package
# build; the previous run's meson build directory is put back into it (tar keeps the files'
# times, so ninja rebuilds what changed). -nc: nothing to clean in a fresh copy. nocheck: the
# unit tests run in their own step.
rm -rf "$work/obj.keep"
for o in "$work"/src/obj-*/; do [ -d "$o" ] && mv "$o" "$work/obj.keep" && break; done
rm -rf "$work/src" && mkdir "$work/src" || t_bail "mkdir $work/src"
tar -C "$T_TOP" --exclude=./.git --exclude='./build*' --exclude='./obj-*' --exclude='./.lab*' \
	--exclude=./debian/ikewatch --exclude=./debian/.debhelper --exclude=./debian/files \
	--exclude='./debian/*.substvars' --exclude=./debian/debhelper-build-stamp -cf - . |
	tar -C "$work/src" -xf - || t_bail "copying the tree"
[ -d "$work/obj.keep" ] && mv "$work/obj.keep" "$work/src/$(basename "$o")"
tb=$(date +%s)
if ! (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	timeout 300 dpkg-buildpackage -us -uc -b -nc) >"$work/build.log" 2>&1; then
	tail -n 30 "$work/build.log" >&2
	t_bail "dpkg-buildpackage failed (last lines above)"
fi
build_s=$(($(date +%s) - tb))
t_ok build
deb=$(ls "$work"/ikewatch_*.deb 2>/dev/null | head -1)
changes=$(ls "$work"/ikewatch_*.changes 2>/dev/null | head -1)
[ -n "$deb" ] && [ -n "$changes" ] || t_bail "no .deb or .changes in $work"

# libcurl is loaded when doctor, diag or heal first fetch a URL (src/http/http_client.c), not
# linked, so dh_shlibdeps cannot see it: debian/control names it, and the package must too.
deps=$(dpkg-deb -f "$deb" Depends)
case ", $deps," in
*", libcurl3-gnutls"[,\ ]*) t_ok depends_libcurl ;;
*) t_fail depends_libcurl "Depends: $deps" ;;
esac
# libsystemd the same way, for the journal log source only (src/logs/journal_lib.h): Recommends
recs=$(dpkg-deb -f "$deb" Recommends)
case ", $recs," in
*", libsystemd0"[,\ ]*) t_ok recommends_libsystemd ;;
*) t_fail recommends_libsystemd "Recommends: $recs" ;;
esac
# and ISA-L's igzip, gzip at 2.5-3.7x libdeflate's speed, where the build has its header
# (src/http/igzip_lib.h; without it, gzip is zlib's): the build machine here has it
case ", $recs," in
*", libisal2"[,\ ]*) t_ok recommends_libisal ;;
*) t_fail recommends_libisal "Recommends: $recs" ;;
esac

# lintian at its default level (errors and warnings). The man pages come from `meson install`;
# until the build installs one, lintian's no-manual-page is the one tag expected.
tl=$(date +%s)
lint=$(lintian "$changes" 2>/dev/null | grep -E '^[EW]: ')
lint_s=$(($(date +%s) - tl))
if ! dpkg-deb -c "$deb" | grep -q '/usr/share/man/man1/'; then
	echo "# lintian: no man page installed by meson yet; no-manual-page tolerated" >&2
	lint=$(printf '%s\n' "$lint" | grep -v ' no-manual-page ')
fi
[ -z "$lint" ] && t_ok lintian_clean || t_fail lintian_clean "$lint"

# Everything meson installs is in the package (man pages and completion arrive this way); dh
# compresses man pages.
want=$(cd "$work/src" && meson introspect obj-*/ --installed |
	python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin).values()))')
have=$(dpkg-deb -c "$deb" | awk '{print substr($6, 2)}')
missing=""
for f in $want; do
	case $f in */man/man*) f=$f.gz ;; esac
	printf '%s\n' "$have" | grep -qxF "$f" || missing="$missing $f"
done
[ -n "$want" ] && [ -z "$missing" ] && t_ok meson_install_packaged ||
	t_fail meson_install_packaged "not in the package:${missing:- (meson installs nothing)}"

# --- install ----------------------------------------------------------------------------------
# The package's paths that do not exist yet: after the purge, none of them may.
new_paths=""
for p in $(dpkg-deb -c "$deb" | awk '{ p = substr($6, 2); sub("/$", "", p); if (p != "") print p }'); do
	[ -e "$p" ] || [ -L "$p" ] || new_paths="$new_paths $p"
done
pkg_dpkg -i "$deb" || t_bail "dpkg -i failed"
t_ok install
version=$(dpkg-query -W -f='${Version}' ikewatch)
t_check version sh -c "/usr/bin/ikewatch version | grep -q '^ikewatch $version '"
t_check conffile sh -c "dpkg-query -W -f='\${Conffiles}' ikewatch | grep -q '^ /etc/ikewatch/ikewatch.yml '"
t_check system_user sh -c 'u=$(getent passwd ikewatch) && [ "$(echo "$u" | cut -d: -f3)" -lt 1000 ] &&
	[ "$(echo "$u" | cut -d: -f7)" = /usr/sbin/nologin ] && [ "$(id -gn ikewatch)" = ikewatch ]'
for f in "$T_TOP"/mixin/rules/*.yaml "$T_TOP"/mixin/dashboards/*.json; do
	d=rules
	case $f in *.json) d=dashboards ;; esac
	t_check "mixin_$(basename "$f")" cmp "$f" "/usr/share/ikewatch/$d/$(basename "$f")"
done

# Units: systemd-analyze verify (directives, paths, the binary) and the exposure score.
units=$(dpkg -L ikewatch | grep -E '^/lib/systemd/system/[^/]+\.service$')
[ "$(printf '%s\n' "$units" | grep -c .)" -ge 3 ] || t_fail units "expected serve, heal and reflect units: $units"
for u in $units; do
	n=$(basename "$u" .service)
	t_check "verify_$n" systemd-analyze verify "$u"
	score=$(systemd-analyze security --offline=true "$u" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	echo "# $n.service exposure $score" >&2
	if [ -n "$score" ] && awk -v s="$score" -v m="$score_max" 'BEGIN { exit !(s <= m) }'; then
		t_ok "exposure_$n"
	else
		t_fail "exposure_$n" "systemd-analyze security: '${score:-no score}', more than $score_max"
	fi
done

# The opt-in socket unit (socket activation of serve) is shipped, loads, and is not enabled.
sock=/lib/systemd/system/ikewatch.socket
t_check socket_unit_verify systemd-analyze verify "$sock"
t_check socket_unit_not_enabled test ! -e /etc/systemd/system/sockets.target.wants/ikewatch.socket
t_check serve_unit_enabled test -L /etc/systemd/system/multi-user.target.wants/ikewatch.service

# The example drop-in for charon-systemd (docs/security.md) loads cleanly onto strongswan.service.
ex=/usr/share/doc/ikewatch/examples/strongswan-vici-group.conf
if [ -f /lib/systemd/system/strongswan.service ] && [ -f "$ex" ]; then
	mkdir -p "$work/units/strongswan.service.d"
	cp /lib/systemd/system/strongswan.service "$work/units/"
	cp "$ex" "$work/units/strongswan.service.d/ikewatch.conf"
	out=$(SYSTEMD_UNIT_PATH="$work/units:" systemd-analyze verify "$work/units/strongswan.service" 2>&1)
	[ $? = 0 ] && [ -z "$out" ] && t_ok example_dropin_verifies ||
		t_fail example_dropin_verifies "${out:-systemd-analyze verify failed}"
	rm -rf "$work/units"
else
	t_fail example_dropin_verifies "no strongswan.service (charon-systemd) or no $ex"
fi

# --- serve from the package, as its user, against the lab --------------------------------------
# The lab lives in a directory the ikewatch user can traverse (mode 0711); run.sh still finds it
# through a link under LAB_ROOT and takes it down if this script is killed.
labdir=$(mktemp -d /tmp/iw-pkglab.XXXXXX) || t_bail "mktemp"
chmod 0711 "$labdir"
t_cleanup rm -rf "$labdir"
[ -n "${LAB_ROOT:-}" ] && mkdir -p "$LAB_ROOT" && ln -s "$labdir" "$LAB_ROOT/pkg"
. "$T_TOP/tests/lab/lab.sh"
LAB_DIR=$labdir lab_up || t_bail "lab_up failed"
t_cleanup lab_down
sock=$(lab_vici_path A)

# setpriv does what the unit's User=/Group=/CapabilityBoundingSet=/NoNewPrivileges= do (this
# machine's PID 1 is not systemd, so the unit itself cannot be started here).
cat >"$work/ikewatch-as-user" <<'EOF'
#!/bin/sh
exec setpriv --reuid=ikewatch --regid=ikewatch --init-groups --no-new-privs --inh-caps=-all \
	--bounding-set=-all /usr/bin/ikewatch "$@"
EOF
chmod 0755 "$work/ikewatch-as-user"
IKEWATCH=$work/ikewatch-as-user serve_start "$sock" --config /etc/ikewatch/ikewatch.yml ||
	t_bail "serve from the package did not start: $(tail -3 "$SERVE_LOG")"
t_check serve_runs_as_ikewatch sh -c "[ \"\$(stat -c %U /proc/$SERVE_PID)\" = ikewatch ] &&
	grep -q '^CapEff:[[:space:]]*0*\$' /proc/$SERVE_PID/status"
# charon's socket is 0770 root:root: without the group, no access.
t_eventually 10 no_vici_without_group metric_is ipsec_up 0
# What the documented ExecStartPost= drop-in for strongswan.service does.
chgrp ikewatch "$sock"
t_eventually 10 vici_through_group metric_is ipsec_up 1
t_check serve_ike_up metric_is 'ipsec_ike_sa_up{conn="a-b"}' 1
t_check serve_child_up metric_is 'ipsec_child_sa_up{conn="a-b",child="net"}' 1
t_check serve_promtool sh -c "curl -fsS '$SERVE_URL/metrics' | promtool check metrics"
serve_stop
t_check serve_stops_cleanly [ "$SERVE_RC" = 0 ]
SERVE_PID=""

# What the units' StateDirectory= make before serve or heal starts, as systemd makes them.
for u in $units; do
	mode=$(sed -n 's/^StateDirectoryMode=//p' "$u")
	for d in $(sed -n 's/^StateDirectory=//p' "$u"); do
		install -d -o ikewatch -g ikewatch -m "${mode:-0755}" "/var/lib/$d"
	done
done

# The units' SystemCallFilter= and RestrictAddressFamilies= would refuse anything else; systemd
# cannot start the units here, so trace serve (start-up, VICI, the event stream, scrapes, stop)
# and check what it did (unit_trace.sh).
port=$(free_port)
traced_start "$work/serve.strace" serve --config /etc/ikewatch/ikewatch.yml --vici.socket "$sock" \
	--web.listen-address "127.0.0.1:$port" || t_bail "traced serve did not start"
t_eventually 10 traced_serve_scrapes sh -c "curl -fsS 'http://127.0.0.1:$port/metrics' | grep -q '^ipsec_up 1\$'"
for _ in 1 2 3; do curl -fsS "http://127.0.0.1:$port/metrics" >/dev/null; done
# gzip, as Prometheus asks: igzip is loaded then (src/http/igzip_lib.c), under the same filters
t_check traced_serve_gzip sh -c "curl -fsS -H 'Accept-Encoding: gzip' 'http://127.0.0.1:$port/metrics' |
	gzip -dc | grep -q '^ipsec_up 1\$'"
# In this shell, not in t_check's subshell: it waits for strace and forgets the PIDs.
if traced_stop; then t_ok traced_serve_stops; else t_fail traced_serve_stops "running 10 s after SIGTERM"; fi
t_check traced_serve_loads_igzip grep -q 'libisal\.so\.2' "$work/serve.strace"
# AF_NETLINK: the kernel SA read (XFRM), which the unit refuses unless the documented drop-in
# grants CAP_NET_ADMIN; serve then reports ikewatch_xfrm_up 0.
trace_check serve_within_unit_filters /lib/systemd/system/ikewatch.service "$work/serve.strace" AF_NETLINK

# heal the same way, through a webhook alert that takes the ladder to its restart rung (bundle,
# rekey, IKE re-initiation, restart command): its audit log and bundles go to /var/lib/ikewatch,
# as documented. Its config and token lie in the lab directory, which ikewatch can traverse.
hport=$(free_port)
printf 'pkg-test-token-0123456789abcdef\n' >"$labdir/heal.token"
chgrp ikewatch "$labdir/heal.token" && chmod 0640 "$labdir/heal.token"
cat >"$labdir/heal.yml" <<YML
vici:
  socket: $sock
heal:
  listen: 127.0.0.1:$hport
  token_file: $labdir/heal.token
  allowlist: [a-b]
  check_interval: 500ms
  confirm_checks: 2
  backoff_initial: 1s
  backoff_max: 1s
  restart_command: [/bin/true]
  audit_log: /var/lib/ikewatch/heal-audit.jsonl
  bundle_dir: /var/lib/ikewatch/bundles
YML
chmod 0644 "$labdir/heal.yml"
traced_start "$work/heal.strace" heal --config "$labdir/heal.yml" || t_bail "traced heal did not start"
t_eventually 10 heal_healthy curl -fsS "http://127.0.0.1:$hport/-/healthy"
curl -fsS -o /dev/null -X POST -H 'Authorization: Bearer pkg-test-token-0123456789abcdef' \
	-H 'Content-Type: application/json' "http://127.0.0.1:$hport/webhook" --data \
	'{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"IPsecTunnelOneWay","conn":"a-b","child":"net"}}]}'
t_eventually 30 heal_restart_rung grep -q '"action":"restart","result":"ok"' /var/lib/ikewatch/heal-audit.jsonl
t_check heal_bundle_in_state_dir sh -c 'ls /var/lib/ikewatch/bundles/heal-a-b-*.json'
curl -fsS -o /dev/null -H 'Authorization: Bearer pkg-test-token-0123456789abcdef' "http://127.0.0.1:$hport/metrics"
# In this shell, not in t_check's subshell: it waits for strace and forgets the PIDs.
if traced_stop; then t_ok traced_heal_stops; else t_fail traced_heal_stops "running 10 s after SIGTERM"; fi
# AF_NETLINK: the doctor's XFRM counters in a bundle, which the kernel refuses without
# CAP_NET_ADMIN anyway (heal has none); heal records the error either way.
trace_check heal_within_unit_filters /lib/systemd/system/ikewatch-heal.service "$work/heal.strace" AF_NETLINK

# What StateDirectory=ikewatch holds now (heal's audit log and bundles): purge removes it.
t_check state_dir_written sh -c '[ "$(stat -c %U /var/lib/ikewatch/heal-audit.jsonl)" = ikewatch ]'

# --- purge ------------------------------------------------------------------------------------
pkg_dpkg --purge ikewatch || t_fail purge "dpkg --purge failed"
t_check purged sh -c "! dpkg-query -W -f='\${Status}' ikewatch 2>/dev/null | grep -q installed"
left=""
for f in $new_paths /etc/ikewatch /var/lib/ikewatch; do
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
left="$left $(find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled \
	/var/lib/systemd/deb-systemd-helper-masked -name '*ikewatch*' 2>/dev/null | tr '\n' ' ')"
left=$(echo $left)
[ -z "$left" ] && t_ok purge_leaves_no_file || t_fail purge_leaves_no_file "left: $left"
t_check purge_removes_user sh -c '! getent passwd ikewatch'
t_check purge_removes_group sh -c '! getent group ikewatch'

echo "# package: build ${build_s}s, lintian ${lint_s}s, whole test $(($(date +%s) - t0))s" >&2
t_done
