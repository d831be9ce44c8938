#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Unpack Debian's libreswan package (pluto, whack, addconn) into a directory of its own, for the
# Libreswan lab (tests/lab/lab_libreswan.sh). Why not `apt-get install libreswan`: the package
# conflicts with strongSwan's (Conflicts: strongswan-libcharon, strongswan-starter), and installing
# it removes the charon that the rest of the lab needs. Its libraries are in scripts/deps.sh.
# Safe to run again: does nothing when pluto is already there.
#
# Environment: LSW_ROOT (default /var/cache/ikewatch/libreswan). Exit 0 when
# $LSW_ROOT/usr/libexec/ipsec/pluto runs, 1 otherwise (with apt's or dpkg's message).
set -uo pipefail

root=${LSW_ROOT:-/var/cache/ikewatch/libreswan}
pluto=$root/usr/libexec/ipsec/pluto
[ -x "$pluto" ] && "$pluto" --version >/dev/null 2>&1 && exit 0

tmp=$(mktemp -d /tmp/libreswan-fetch.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && apt-get download -q libreswan >"$tmp/log" 2>&1); then
	echo "libreswan_fetch.sh: apt-get download libreswan failed:" >&2
	tail -n 5 "$tmp/log" >&2
	exit 1
fi
mkdir -p "$root" && dpkg-deb -x "$tmp"/libreswan_*.deb "$root" || exit 1
if ! "$pluto" --version >/dev/null 2>&1; then
	echo "libreswan_fetch.sh: $pluto does not run (a library missing? see scripts/deps.sh)" >&2
	exit 1
fi
exit 0
