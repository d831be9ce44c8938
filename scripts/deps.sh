#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Install the Debian 12 packages that building, the lab, the tests and the demo need. Safe to run
# again: it installs only what is missing. Needs root. A temporary policy-rc.d keeps packages
# such as prometheus from starting system services while they are installed (we start our own
# instances on loopback in the tests).
set -euo pipefail

PACKAGES=(
	# build
	gcc clang meson ninja-build pkg-config
	libmicrohttpd-dev libyaml-dev nettle-dev libgnutls28-dev libmnl-dev libsystemd-dev
	libcrypt-dev zlib1g-dev locales libjson-c-dev libcurl4-gnutls-dev
	# fuzzing and sanitizers with clang
	libclang-rt-14-dev
	# the lab: real strongSwan in network namespaces
	strongswan-charon strongswan-swanctl libcharon-extra-plugins charon-systemd
	iproute2 nftables iputils-ping procps psmisc util-linux socat
	# tests and the demo
	curl python3 python3-scapy gnutls-bin apache2-utils openssl systemd-journal-remote
	tcpdump conntrack
	prometheus prometheus-alertmanager
)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	created_policy=1
fi
cleanup() { [ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
