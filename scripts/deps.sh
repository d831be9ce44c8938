#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Install the Debian 12 packages that building, the lab, the tests and the demo need. Safe to run
# again: it installs only what is missing. Needs root. A temporary policy-rc.d keeps packages
# such as prometheus from starting system services while they are installed (we start our own
# instances on loopback in the tests).
#
# Exit status: 0 when every package is installed at the end (whatever apt-get said), 1 with the
# names of the packages still missing otherwise. apt-get's output goes to stderr only when it
# fails.
# Environment: DEPS_POLICY_RC_D (default /usr/sbin/policy-rc.d), the policy file to create if
# absent and remove afterwards; tests/integration/test_deps.sh points it at a scratch file.
# DEPS_LIBRESWAN=0: do not unpack Libreswan (scripts/libreswan_fetch.sh).
set -uo pipefail

PACKAGES=(
	# build
	gcc clang clang-format meson ninja-build pkg-config
	libmicrohttpd-dev libyaml-dev nettle-dev libgnutls28-dev libmnl-dev libsystemd-dev
	libcrypt-dev zlib1g-dev libisal-dev locales libjson-c-dev libcurl4-gnutls-dev
	# fuzzing and sanitizers with clang
	libclang-rt-14-dev
	# the protobuf exposition (src/prom/metrics.proto, compiled by protoc-c)
	libprotobuf-c-dev protobuf-c-compiler
	# the lab: real strongSwan in network namespaces
	strongswan-charon strongswan-swanctl libcharon-extra-plugins charon-systemd
	iproute2 nftables iputils-ping procps psmisc util-linux socat
	# tests and the demo
	curl python3 python3-scapy gnutls-bin apache2-utils openssl systemd-journal-remote
	systemd  # systemd-socket-activate and systemd-analyze (test_serve_listen.sh, test_package.sh)
	tcpdump conntrack chromium
	debhelper lintian dpkg-dev build-essential strace  # the Debian package (tests/integration/test_package.sh)
	prometheus prometheus-alertmanager jsonnet  # the mixin (mixin/build.sh, scripts/check-mixin.sh)
	libnss3-tools libldns3 libunbound8 libevent-pthreads-2.1-7 libcurl3-nss libcap-ng0 dns-root-data  # Libreswan's pluto: scripts/libreswan_fetch.sh
)

policy=${DEPS_POLICY_RC_D:-/usr/sbin/policy-rc.d}

# The packages of "$@" that dpkg does not report as installed.
not_installed() {
	local p st
	for p in "$@"; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
		[ "$st" = "install ok installed" ] || echo "$p"
	done
}

mapfile -t missing < <(not_installed "${PACKAGES[@]}")
# Libreswan conflicts with strongSwan: unpacked beside it, not installed (DEPS_LIBRESWAN=0: not)
libreswan() { [ "${DEPS_LIBRESWAN:-1}" = 0 ] || "$(dirname "$0")/libreswan_fetch.sh"; }
[ ${#missing[@]} -eq 0 ] && { [ "$(id -u)" -ne 0 ] || libreswan; exit $?; }

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
# Removed on every way out (an `if`, not `&&`: an EXIT trap's last status becomes the script's).
created_policy=0
log=$(mktemp /tmp/deps.XXXXXX.log) || exit 1
cleanup() {
	if [ "$created_policy" = 1 ]; then
		rm -f "$policy"
	fi
	rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ ! -e "$policy" ]; then
	created_policy=1
	printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" ||
		echo "deps.sh: could not write $policy; services may start during the install" >&2
fi

export DEBIAN_FRONTEND=noninteractive
# A failed update (offline mirror) is not fatal: the lists may still hold every package.
apt-get update -q >"$log" 2>&1 || { echo "deps.sh: apt-get update failed:" >&2; tail -n 5 "$log" >&2; }
apt_ok=1
apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1 || apt_ok=0

# What is installed now decides, not apt-get's exit status.
mapfile -t still < <(not_installed "${missing[@]}")
if [ ${#still[@]} -ne 0 ]; then
	[ "$apt_ok" = 1 ] || tail -n 20 "$log" >&2
	echo "deps.sh: not installed: ${still[*]} (apt-get install -y --no-install-recommends ${still[*]})" >&2
	exit 1
fi
if [ "$apt_ok" = 0 ]; then
	echo "deps.sh: apt-get install reported an error, but every package is installed:" >&2
	tail -n 5 "$log" >&2
fi
libreswan
