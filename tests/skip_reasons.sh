#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# skip_reasons.sh - the only reasons a check may be skipped, each with the condition of the run's
# configuration that makes it true.
#
# Why: a skipped check proves nothing, and a skip that nothing in the configuration explains is a
# failure in disguise (a tool missing that the project requires, a feature that stopped working).
# So a skip names one of the keys below, not a free-form excuse; the key's condition is evaluated
# where the skip is made, in that process's environment (tests/integration/lib.sh t_skip for the
# integration tests, scripts/test.sh for whole steps), and a skip whose condition is false is
# reported as "not ok" there. The line a skip prints is
#   skip - NAME: KEY[: detail]
# and scripts/test.sh counts it as skipped only if KEY is listed here (else "not ok"). The unit
# tests (tests/unit/test.h) have no way to skip: a missing tool fails them.
#
#   skip_reason_holds KEY    exit 0 if this run's configuration makes KEY true, 1 if not, 2 if KEY
#                            is not a reason listed here
#
# Keys (add one only for a configuration a user may really choose):
#   not-root          the run is not root: namespaces, the lab, raw sockets need root
#   SKIP_INTEGRATION  scripts/test.sh was asked to skip the integration tests
#   SKIP_FUZZ         scripts/test.sh was asked to skip the libFuzzer runs
#   TEST_FILTER       only some integration tests ran (a check over all of them cannot be made)
#   no-asan           the ikewatch under test ($IKEWATCH) is not an ASan build
#   lab-kernel-esp    the lab runs on kernel ESP (LAB_KERNEL_USED=netlink, set by lab_up): there is
#                     no kernel-libipsec ipsec0 interface
#   no-pluto          Libreswan's pluto is not unpacked where the Libreswan lab looks for it
#                     ($LSW_ROOT, default /var/cache/ikewatch/libreswan, or /usr/libexec/ipsec):
#                     Debian's libreswan conflicts with strongSwan's packages, so scripts/deps.sh
#                     unpacks it beside them (scripts/libreswan_fetch.sh, which needs apt's
#                     mirror); a machine set up without that step has no pluto to run
# Tools the project requires (scripts/deps.sh) are not reasons: without them a test fails.

skip_reason_holds() {
	case $1 in
	not-root) [ "$(id -u)" -ne 0 ] ;;
	SKIP_INTEGRATION) [ "${SKIP_INTEGRATION:-0}" = 1 ] ;;
	SKIP_FUZZ) [ "${SKIP_FUZZ:-0}" = 1 ] ;;
	TEST_FILTER) [ -n "${TEST_FILTER:-}" ] ;;
	no-asan) [ -x "${IKEWATCH:-}" ] && ! ldd "$IKEWATCH" 2>/dev/null | grep -q libasan ;;
	lab-kernel-esp) [ "${LAB_KERNEL_USED:-}" = netlink ] ;;
	no-pluto) [ ! -x "${LSW_ROOT:-/var/cache/ikewatch/libreswan}/usr/libexec/ipsec/pluto" ] &&
		[ ! -x /usr/libexec/ipsec/pluto ] ;;
	*) return 2 ;;
	esac
}
