#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# lab.sh - two real strongSwan gateways in network namespaces, for ikewatch's integration tests.
#
# Why: ikewatch watches charon over VICI; its tests must see what a real charon says when a
# tunnel is up, rekeys, loses its peer or fails to authenticate. This file builds that world in a
# few seconds, breaks it on request, and removes exactly what it created.
#
#   gateway A (ns <prefix>a)          router (ns <prefix>r)              gateway B (ns <prefix>b)
#   wan 192.0.2.1/24  <---->  ra 192.0.2.254 | rb 198.51.100.254  <---->  wan 198.51.100.1/24
#   lo  203.0.113.1/32  (LAN A 203.0.113.0/25)         (LAN B 203.0.113.128/25)  lo 203.0.113.129/32
#
#   Connection "a-b" (IKEv2, PSK) on both gateways, CHILD SA "net" LAN A <-> LAN B, initiated by A.
#   Connection "a-c" on A only: peer 198.51.100.3 does not exist; loaded, never started
#   ("configured but down").
#
# Usage as a library (bash):   . tests/lab/lab.sh ; lab_up || exit 1 ; trap lab_down EXIT
# Usage as a command:          eval "$(tests/lab/lab.sh up)"   # prints LAB_DIR=...; export ...
#                              tests/lab/lab.sh status|down|shell A|swanctl A --list-sas|<fn> args
#
# Environment (read by lab_up; afterwards kept in $LAB_DIR/env so any shell can find the lab):
#   LAB_PREFIX      namespace name prefix (default iwlab<pid>, made unique if taken)
#   LAB_DIR         state directory (default: mktemp -d under ${LAB_ROOT:-/tmp})
#   LAB_ROOT        parent of the default LAB_DIR (tests/integration/run.sh sets one per test
#                   script and sweeps it with lab_down afterwards, even if the script was killed)
#   LAB_REKEY       CHILD rekey_time on A, seconds (default: none, i.e. strongSwan's 1 h)
#   LAB_IKE_REKEY   IKE rekey_time on A, seconds (default: none, i.e. strongSwan's 4 h)
#   LAB_IKE_REAUTH  IKE reauth_time on A, seconds (default: none, i.e. no reauthentication)
#   LAB_LIFE        CHILD life_time on A, seconds, with LAB_REKEY (default: 3 x LAB_REKEY); a
#                   value not above LAB_REKEY makes the CHILD SA expire instead of rekeying
#   LAB_FAST_DPD    1 (default): dpd_delay 2 s, retransmit 3 tries / 1.0 s / base 1.5, so a dead
#                   peer is declared in about 8-10 s. 0: strongSwan defaults (about 165 s).
#   LAB_DPD_ACTION  dpd_action of CHILD "net" on both sides (default clear)
#   LAB_START       1 (default): lab_up initiates a-b and waits for INSTALLED; 0: only loads.
#   LAB_KERNEL      auto (default) | libipsec | netlink. auto probes for kernel ESP in a scratch
#                   namespace and prefers kernel-netlink when the kernel has it.
#   LAB_CHILDLESS   childless = VALUE on a-b of both charons (default: strongSwan's); "force" lets
#                   B open an IKE SA without a CHILD SA (RFC 6023) to a peer that cannot install
#                   one (tests/lab/lab_libreswan.sh: pluto on a kernel without ESP).
#   LAB_VERBOSE     1: log every step to stderr.
#   LAB_POOL        N > 0: B is also a road-warrior responder: connection "rw" (remote %any,
#                   ids c<K>.rw.lab, own PSK) hands out virtual IPs from pool "rw" of N
#                   addresses 198.18.255.1..N; A gets LAB_POOL + 1 client connections rw1..
#                   (vips = 0.0.0.0, never started; lab_rw_clients starts them). Default 0.
#   LAB_COUNTERS    gateways whose charon loads strongSwan's `counters` plugin (get-counters),
#                   e.g. "a" or "a b" (default none: VICI answers get-counters with an error)
#
# Functions. Gateways are named A, B (charon) and R (router). All return 0 on success, non-zero
# with a message on stderr otherwise.
#   lab_up                        build everything; waits until both charons answer VICI and
#                                 CHILD "net" is INSTALLED on both (unless LAB_START=0)
#   lab_down                      remove exactly what lab_up/helpers created; idempotent
#   lab_status                    print namespaces, daemons and SAs
#   lab_exec A|B|R cmd...         run cmd in that namespace
#   lab_swanctl A|B args...       swanctl against that gateway (adds --uri after the command)
#   lab_vici A|B                  print unix:///.../a/charon.vici
#   lab_vici_path A|B             print /.../a/charon.vici
#   lab_log_path A|B              print the charon filelog path
#   lab_pid A|B                   print the charon PID (empty if not running)
#   lab_initiate [A|B]            initiate a-b/net (default from A), wait INSTALLED on both
#   lab_wait_child_installed A|B [timeout_s] [child]      (default 10 s, child net)
#   lab_wait_ike_gone A|B [timeout_s] [ike]               until no IKE SA of that name (a-b)
#   lab_child_counter A|B in|out bytes|packets            print a counter of the INSTALLED "net"
#   lab_ping_through [count]      ping LAN A (203.0.113.1) -> LAN B (203.0.113.129) in the tunnel
# Faults:
#   lab_kill_gateway A|B          SIGKILL that charon (no DELETE sent), wait until it is gone
#   lab_start_gateway A|B         start it again with the same config, load it, re-initiate a-b
#                                 from A if it is not up (LAB_REINITIATE=0 to skip)
#   lab_stop_gateway A|B          SIGTERM (charon sends DELETE), wait until it is gone
#   lab_restart_charon A|B        stop + start
#   lab_rekey_child A|B [child]   swanctl --rekey --child (old CHILD stays DELETED ~5 s)
#   lab_rekey_ike A|B [ike]       swanctl --rekey --ike
#   lab_short_lifetimes [child_s] [ike_s]   A gets rand_time 0 and these rekey times (default
#                                 child 5 s, IKE unchanged); re-establishes a-b so they apply
#   lab_fast_dpd                  rewrite both sides with fast DPD settings, re-establish
#   lab_drop_esp A|B out|in       router drops ESP from (out) or to (in) that gateway; IKE passes
#   lab_undrop_esp                remove the ESP drop
#   lab_drop_ike                  router drops IKE (UDP 500, and UDP 4500 with the non-ESP marker)
#   lab_undrop_ike
#   lab_psk_mismatch B            B gets another PSK; re-initiate from A (fails); returns 0 if it
#                                 failed as expected
#   lab_proposal_mismatch B       B gets IKE proposals A does not offer; re-initiate (fails)
#   lab_pfs_mismatch B            B's esp_proposals get another DH group; re-initiate (works),
#                                 the first CHILD rekey then fails
#   lab_ts_mismatch B             B's remote_ts no longer covers LAN A: IKE up, CHILD refused
#   lab_reset_config A|B          undo the *_mismatch helpers and short lifetimes; re-initiate
#   lab_mtu_blackhole BYTES       router link to B gets MTU BYTES; ICMP frag-needed is dropped
#   lab_loss PERCENT              router drops PERCENT % of ESP (both directions)
#   lab_heal_net                  remove every router fault (esp, ike, loss, mtu)
#   lab_loss_from A|B PERCENT     router drops PERCENT % of the ESP that gateway sends (one way)
#   lab_drop_ike_from A|B         router drops only the IKE messages that gateway sends
#   lab_lan_silent A|B            that gateway's LAN address stops answering what arrives through
#                                 the tunnel (STAMP port 862 and ICMP echo dropped on input); the
#                                 gateway's own probes and their replies still pass
#   lab_egress_drop A|B           that gateway drops what its LAN sends into the tunnel before ESP
#                                 (except replies of its reflector: only "before ours" breaks)
#   lab_lan_heal A|B              undo lab_lan_silent and lab_egress_drop on that gateway
#   lab_change_config A|B KEY VAL change one setting (S_PSK, S_ESP_PROP, S_CHILD_LIFE ...) and
#                                 reload it without touching the SAs: it bites at the next
#                                 exchange that reads it (reauthentication, a new CHILD SA)
# Scale (for benchmarks; see bench/lab_scale.sh):
#   lab_scale N                   A holds N more CHILD SAs, all INSTALLED on both sides. Connection
#                                 "scale" (ids scale-a*.lab/scale-b.lab, own PSK, unique=never):
#                                 on A children s1..sN, child sK with the /32 pair 198.18.x.y ===
#                                 198.19.x.y (K = 256x + y), start_action=start; on B one child "s"
#                                 198.19.0.0/16 === 198.18.0.0/16 that narrows to each pair. The
#                                 /32s are added to lo on both sides first (kernel-libipsec cannot
#                                 install a CHILD SA without a local address in its local TS).
#                                 LAB_SCALE_MODE=child (default): N CHILD SAs under ONE IKE SA
#                                 (N <= 1300: VICI's 512 KiB message cap, about 1,400 CHILD SAs
#                                 per IKE SA); =ike: N IKE SAs scale1..scaleN, one CHILD sK each.
#                                 LAB_SCALE_DPD: dpd_delay of the scale connections (e.g. 5s;
#                                 default none: idle SAs then run no DPD).
#                                 LAB_SCALE_TIMEOUT seconds (default 300). Missing SAs are
#                                 re-initiated a few at a time. Writes the set-up time in ms to
#                                 $LAB_DIR/scale_ms. Once per lab: lab_down/lab_up to change N.
#                                 Helpers that reload the config (lab_reset_config, *_mismatch)
#                                 unload the scale connections (the SAs stay). Measured (2 CPUs,
#                                 busy): child 100 in 1.9 s, 1,000 in 12 s; ike 100 in 1.5 s, 1,000
#                                 in 15-22 s, 0-137 of them re-initiated (B answers a burst of
#                                 IKE_SA_INITs from one address with COOKIEs and then ignores them:
#                                 "per-IP half-open IKE_SA limit of 5 reached"; A gives up after the
#                                 fast retransmits). Child is the default.
#
# Timings measured here (Debian 12, strongSwan 5.9.8, kernel-libipsec, 2 CPUs): lab_up 0.75-0.85 s
# alone, 2.6-2.9 s with three labs starting at once; lab_down ~0.1 s; SIGKILLed B declared dead on A
# after 9.7 s (fast DPD); lab_start_gateway B 0.5-1.1 s; lab_restart_charon A 1.5 s;
# lab_*_mismatch 0.35-0.8 s; lab_reset_config 0.7-0.95 s; lab_short_lifetimes 1.0 s;
# nft faults 0.1-0.25 s; lab_loss 50 -> 75 % of pings lost (both directions).
#
# ESP on the wire: with kernel-libipsec, ESP is always UDP-encapsulated on port 4500 (RFC 3948),
# the same port IKE floats to. RFC 3948 section 2.2: an IKE message on port 4500 starts with the
# 4-byte non-ESP marker (zero); an ESP packet starts with its SPI, never zero (RFC 4303 section
# 2.1). The nft rules below tell the two apart with a raw payload match on those 4 bytes.

# Kept on purpose: no `set -e` here; this file is sourced into callers' shells.

LAB_SELF="${BASH_SOURCE[0]}"

_lab_log() { [ "${LAB_VERBOSE:-0}" = 1 ] && printf 'lab: %s\n' "$*" >&2; return 0; }
_lab_err() { printf 'lab: error: %s\n' "$*" >&2; return 1; }
_lab_now_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }

# Finds the lab: LAB_DIR must be set (by lab_up or by the caller, e.g. after `eval "$(lab.sh up)"`).
_lab_load() {
	[ -n "${LAB_DIR:-}" ] && [ -f "$LAB_DIR/env" ] || { _lab_err "no lab (LAB_DIR unset or not a lab)"; return 1; }
	# shellcheck disable=SC1091
	. "$LAB_DIR/env"
}

# Lower-case gateway letter and namespace name.
_lab_gw() {
	case "${1:-}" in
	A | a) echo a ;;
	B | b) echo b ;;
	R | r) echo r ;;
	*) _lab_err "gateway must be A, B or R, not '${1:-}'"; return 1 ;;
	esac
}
_lab_ns() { local g; g=$(_lab_gw "$1") || return 1; echo "${LAB_PREFIX}$g"; }

# Every created object is recorded here before it is created, so lab_down removes exactly it.
_lab_record() { echo "$*" >>"$LAB_DIR/created"; }

lab_exec() {
	_lab_load || return 1
	local ns; ns=$(_lab_ns "$1") || return 1
	shift
	ip netns exec "$ns" "$@"
}

lab_vici_path() {
	_lab_load || return 1
	local g; g=$(_lab_gw "$1") || return 1
	echo "$LAB_DIR/$g/charon.vici"
}
lab_vici() { local p; p=$(lab_vici_path "$1") || return 1; echo "unix://$p"; }
lab_log_path() {
	_lab_load || return 1
	local g; g=$(_lab_gw "$1") || return 1
	echo "$LAB_DIR/$g/charon.log"
}

lab_pid() {
	_lab_load || return 1
	local g pid; g=$(_lab_gw "$1") || return 1
	[ -f "$LAB_DIR/$g/charon.pidfile" ] || return 0
	read -r pid <"$LAB_DIR/$g/charon.pidfile" || return 0
	if [ -n "$pid" ] && _lab_is_ours "$pid"; then
		echo "$pid"
	fi
}

# Is PID (still) a charon we started, and not a zombie? PIDs are reused, so check what it is:
# charon itself, or, for the first milliseconds, the ip/unshare/sh chain that execs it (its
# command line carries the "lab-charon" marker; no `env` in the chain: its command line would not).
_lab_is_ours() {
	local pid=$1
	_lab_alive "$pid" || return 1
	[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/lib/ipsec/charon ] && return 0
	# Libreswan's pluto as gateway A (lab_libreswan.sh records it here too)
	case $(readlink "/proc/$pid/exe" 2>/dev/null) in */ipsec/pluto) return 0 ;; esac
	# 2>/dev/null before the <: redirections apply left to right, and the process may be gone
	tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | grep -qx lab-charon
}

# Does PID exist and is it not a zombie?
_lab_alive() {
	local st
	[ -d "/proc/$1" ] || return 1
	st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# swanctl needs --uri AFTER the command word (`swanctl --list-sas --uri X`); swanctl ignores
# charon.plugins.vici.socket, so our strongswan.conf also carries swanctl.socket.
lab_swanctl() {
	_lab_load || return 1
	local g; g=$(_lab_gw "$1") || return 1
	shift
	case "${1:-}" in
	--version | -v | --help | -h | "") STRONGSWAN_CONF="$LAB_DIR/$g/strongswan.conf" swanctl "$@" ;;
	*) STRONGSWAN_CONF="$LAB_DIR/$g/strongswan.conf" swanctl "$@" --uri "unix://$LAB_DIR/$g/charon.vici" ;;
	esac
}

# --- configuration -------------------------------------------------------------------------------

# Per-gateway knobs live in $LAB_DIR/<g>/settings (shell assignments), so a restarted charon gets
# the same configuration and the *_mismatch helpers are one line each.
_lab_settings_default() {
	local g=$1 rekey="" ikerekey="" reauth="" life="" dpd=2s
	[ "${LAB_FAST_DPD:-1}" = 1 ] || dpd=30s
	if [ "$g" = a ]; then
		rekey=${LAB_REKEY:-}
		ikerekey=${LAB_IKE_REKEY:-}
		reauth=${LAB_IKE_REAUTH:-}
		life=${LAB_LIFE:-}
	fi
	cat <<EOF
S_PSK='ikewatch-lab-psk-0123456789abcdef'
S_IKE_PROP='aes128-sha256-modp2048'
S_ESP_PROP='aes128-sha256-modp2048'
S_REMOTE_TS_OVERRIDE=''
S_CHILD_REKEY='$rekey'
S_IKE_REKEY='$ikerekey'
S_IKE_REAUTH='$reauth'
S_CHILD_LIFE='$life'
S_DPD='$dpd'
S_FAST_DPD='${LAB_FAST_DPD:-1}'
S_DPD_ACTION='${LAB_DPD_ACTION:-clear}'
S_POOL='${LAB_POOL:-0}'
S_COUNTERS='$(case " ${LAB_COUNTERS:-} " in *" $g "*) echo counters ;; esac)'
S_CHILDLESS='${LAB_CHILDLESS:-}'
EOF
}

_lab_write_strongswan_conf() {
	local g=$1 d="$LAB_DIR/$1" retr="" kern
	# shellcheck disable=SC1090,SC1091
	. "$d/settings"
	if [ "$S_FAST_DPD" = 1 ]; then
		retr="retransmit_tries = 3
	retransmit_timeout = 1.0
	retransmit_base = 1.5"
	fi
	if [ "$LAB_KERNEL_USED" = libipsec ]; then
		# kernel-libipsec provides the IPsec backend, kernel-netlink still does routes/addresses.
		kern="kernel-libipsec kernel-netlink"
	else
		kern="kernel-netlink"
	fi
	cat >"$d/strongswan.conf" <<EOF
# Generated by tests/lab/lab.sh for lab $LAB_PREFIX gateway $g. Do not edit: lab.sh rewrites it.
charon {
	load = random nonce aes sha1 sha2 hmac md5 pem pkcs1 pkcs8 x509 pubkey gmp kdf revocation constraints $kern socket-default vici ${S_COUNTERS:-}
	$retr
	# No MOBIKE/roaming surprises: addresses never change in the lab.
	install_virtual_ip = no
	filelog {
		lab {
			path = $d/charon.log
			time_format = %b %e %T
			ike_name = yes
			flush_line = yes
			append = yes
			default = 1
			ike = 2
			cfg = 2
		}
	}
	syslog {
		daemon {
			default = -1
		}
		auth {
			default = -1
		}
	}
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
	}
}
swanctl {
	# swanctl's own plugin list: without it, it tries plugins Debian does not ship, noisily.
	load = random nonce aes sha1 sha2 hmac md5 pem pkcs1 pkcs8 x509 pubkey gmp revocation constraints
	socket = unix://$d/charon.vici
}
EOF
}

_lab_write_swanctl_conf() {
	local g=$1 d="$LAB_DIR/$1" me peer myid peerid mylan peerlan crekey="" irekey=""
	# shellcheck disable=SC1090,SC1091
	. "$d/settings"
	if [ "$g" = a ]; then
		me=192.0.2.1 peer=198.51.100.1 myid=gw-a.lab peerid=gw-b.lab
		mylan=203.0.113.0/25 peerlan=203.0.113.128/25
	else
		me=198.51.100.1 peer=192.0.2.1 myid=gw-b.lab peerid=gw-a.lab
		mylan=203.0.113.128/25 peerlan=203.0.113.0/25
	fi
	[ -n "$S_REMOTE_TS_OVERRIDE" ] && peerlan=$S_REMOTE_TS_OVERRIDE
	# rand_time 0: a short rekey_time must fire when the test expects it, not up to 10 % earlier.
	[ -n "$S_CHILD_REKEY" ] && crekey="rekey_time = ${S_CHILD_REKEY}s
				life_time = ${S_CHILD_LIFE:-$((S_CHILD_REKEY * 3))}s
				rand_time = 0"
	[ -n "$S_IKE_REKEY" ] && irekey="rekey_time = ${S_IKE_REKEY}s
		over_time = ${S_IKE_REKEY}s
		rand_time = 0"
	# settings files from before the knob existed have no S_IKE_REAUTH
	[ -n "${S_IKE_REAUTH:-}" ] && irekey="$irekey
		reauth_time = ${S_IKE_REAUTH}s"
	mkdir -p "$d/swanctl"
	local sub
	for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$d/swanctl/$sub"
	done
	{
		cat <<EOF
# Generated by tests/lab/lab.sh for lab $LAB_PREFIX gateway $g.
connections {
	a-b {
		version = 2
		local_addrs = $me
		remote_addrs = $peer
		proposals = $S_IKE_PROP
		mobike = no
		unique = replace${S_CHILDLESS:+
		childless = $S_CHILDLESS}
		dpd_delay = $S_DPD
		$irekey
		local {
			auth = psk
			id = $myid
		}
		remote {
			auth = psk
			id = $peerid
		}
		children {
			net {
				local_ts = $mylan
				remote_ts = $peerlan
				esp_proposals = $S_ESP_PROP
				dpd_action = $S_DPD_ACTION
				start_action = none
				close_action = none
				$crekey
			}
		}
	}
EOF
		if [ "$g" = a ]; then
			cat <<EOF
	# Configured, never started: the peer does not exist ("configured but down").
	a-c {
		version = 2
		local_addrs = $me
		remote_addrs = 198.51.100.3
		proposals = $S_IKE_PROP
		mobike = no
		dpd_delay = $S_DPD
		local {
			auth = psk
			id = $myid
		}
		remote {
			auth = psk
			id = gw-c.lab
		}
		children {
			c-net {
				local_ts = $mylan
				remote_ts = 198.51.100.3/32
				esp_proposals = $S_ESP_PROP
				start_action = none
			}
		}
	}
EOF
		fi
		_lab_rw_conf "$g" "$me" "$peer"
		cat <<EOF
}
secrets {
	ike-rw {
		id-0 = gw-b.lab
$(for k in $(seq "$((${S_POOL:-0} + 1))"); do echo "		id-$k = c$k.rw.lab"; done)
		secret = "ikewatch-lab-psk-rw"
	}
$([ "${S_POOL:-0}" -gt 0 ] && [ "$g" = b ] && echo "}
pools {
	rw {
		addrs = 198.18.255.1-198.18.255.$S_POOL
	}")
}
secrets {
	ike-ab {
		id-1 = gw-a.lab
		id-2 = gw-b.lab
		secret = "$S_PSK"
	}
	ike-ac {
		id-1 = gw-a.lab
		id-2 = gw-c.lab
		secret = "ikewatch-lab-psk-c"
	}
}
EOF
	} >"$d/swanctl/swanctl.conf"
}

# LAB_POOL: the road-warrior responder on B and its clients on A (see the header).
_lab_rw_conf() {
	local g=$1 me=$2 peer=$3 k
	[ "${S_POOL:-0}" -gt 0 ] || return 0
	if [ "$g" = b ]; then
		cat <<EOF
	rw {
		version = 2
		local_addrs = $me
		proposals = $S_IKE_PROP
		mobike = no
		unique = never
		pools = rw
		local {
			auth = psk
			id = gw-b.lab
		}
		remote {
			auth = psk
		}
		children {
			rwnet {
				local_ts = 203.0.113.128/25
				esp_proposals = $S_ESP_PROP
			}
		}
	}
EOF
		return 0
	fi
	for k in $(seq "$((S_POOL + 1))"); do
		cat <<EOF
	rw$k {
		version = 2
		local_addrs = $me
		remote_addrs = $peer
		proposals = $S_IKE_PROP
		mobike = no
		vips = 0.0.0.0
		local {
			auth = psk
			id = c$k.rw.lab
		}
		remote {
			auth = psk
			id = gw-b.lab
		}
		children {
			rwnet {
				remote_ts = 203.0.113.128/25
				esp_proposals = $S_ESP_PROP
				start_action = none
			}
		}
	}
EOF
	done
}

# lab_rw_clients K: start road-warrior clients rw1..rwK on A, one after the other. Their IKE
# SAs come up and B leases them an address while the pool lasts (then it answers without a
# virtual IP); their CHILD SAs fail on A (kernel-libipsec cannot route the virtual IP, which A
# does not install), which swanctl reports but which keeps the IKE SA and the lease. Needs
# LAB_POOL. Prints how many IKE SAs of connection rw B then holds.
lab_rw_clients() {
	_lab_load || return 1
	local k
	for k in $(seq "$1"); do
		lab_swanctl A --initiate --ike "rw$k" --child rwnet --timeout 5 >/dev/null 2>&1
	done
	lab_swanctl B --list-sas --ike rw 2>/dev/null | grep -c '^rw: #'
}

_lab_set() {	# _lab_set g KEY VALUE: change one setting of gateway g
	local g=$1 key=$2 val=$3
	sed -i "/^$key=/d" "$LAB_DIR/$g/settings"
	printf "%s='%s'\n" "$key" "$val" >>"$LAB_DIR/$g/settings"
}

_lab_load_conf() {	# (re)load connections and secrets of gateway g from its files
	local g=$1 out
	_lab_write_swanctl_conf "$g"
	if ! out=$(lab_swanctl "$g" --load-all --clear --file "$LAB_DIR/$g/swanctl/swanctl.conf" 2>&1); then
		_lab_err "swanctl --load-all on $g failed: $out"
		return 1
	fi
	_lab_log "$g: loaded config"
}

# --- kernel backend ------------------------------------------------------------------------------

# Does this kernel have ESP? Adding an ESP state in a scratch namespace answers it without touching
# the host ("Requested type not found" when CONFIG_INET_ESP is unset).
_lab_kernel_has_esp() {
	local ns="${LAB_PREFIX}x" ok=1
	_lab_record netns "$ns"
	ip netns add "$ns" 2>/dev/null || return 1
	if ip -n "$ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel \
		enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f \
		auth-trunc 'hmac(sha256)' 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f 128 \
		2>/dev/null; then
		ok=0
	fi
	ip netns del "$ns" 2>/dev/null
	return $ok
}

# --- charon --------------------------------------------------------------------------------------

# charon's pid file (/var/run/charon.pid) and starter paths are compiled in: each charon gets its
# own mount namespace with a private directory bound over /run. `ip netns exec`, `unshare` and
# `sh` all exec, so $! is charon's own PID.
_lab_start_charon() {
	local g=$1 ns d="$LAB_DIR/$1" pid
	ns="${LAB_PREFIX}$g"
	mkdir -p "$d/run"
	rm -f "$d/run/charon.pid" "$d/charon.vici"
	_lab_write_strongswan_conf "$g"
	ip netns exec "$ns" unshare -m --propagation private sh -c \
		'mount --bind "$1/run" /run && export STRONGSWAN_CONF="$1/strongswan.conf" && exec /usr/lib/ipsec/charon' \
		lab-charon "$d" </dev/null >>"$d/charon.stdout" 2>&1 &
	pid=$!
	# Not a job of the caller's shell: no "Killed" notices, and it survives the caller's `wait`.
	disown "$pid" 2>/dev/null
	echo "$pid" >"$d/charon.pidfile"
	_lab_record pid "$pid" /usr/lib/ipsec/charon
	_lab_log "$g: charon pid $pid"
}

# Wait until charon g answers a VICI command (the socket exists before the plugin is ready).
_lab_wait_vici() {
	local g=$1 deadline=$(($(_lab_now_ms) + ${2:-10} * 1000))
	while [ "$(_lab_now_ms)" -lt "$deadline" ]; do
		if [ -S "$LAB_DIR/$g/charon.vici" ] && lab_swanctl "$g" --stats >/dev/null 2>&1; then
			return 0
		fi
		# Alive, not "ours": on a busy machine the PID can still be the forked bash that has
		# not yet exec'd `ip netns exec` (no lab-charon marker yet), and it is our fresh child.
		if ! _lab_alive "$(cat "$LAB_DIR/$g/charon.pidfile" 2>/dev/null)"; then
			_lab_err "charon $g died; see $LAB_DIR/$g/charon.stdout and charon.log"
			return 1
		fi
		sleep 0.05
	done
	_lab_err "charon $g does not answer on VICI"
	return 1
}

_lab_wait_pid_gone() {
	local pid=$1 deadline=$(($(_lab_now_ms) + ${2:-10} * 1000))
	while [ -d "/proc/$pid" ]; do
		# A zombie child of ours counts as gone; reap it if it is our child.
		if [ "$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = Z ]; then
			# 127 when it is not our child (a charon restarted from another shell)
			wait "$pid" 2>/dev/null || true
			return 0
		fi
		[ "$(_lab_now_ms)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
	return 0
}

# --- waiting on SAs ------------------------------------------------------------------------------

lab_wait_child_installed() {
	_lab_load || return 1
	local g; g=$(_lab_gw "$1") || return 1
	local timeout=${2:-10} child=${3:-net} deadline out
	deadline=$(($(_lab_now_ms) + timeout * 1000))
	# Output is captured before grep: with a caller's `set -o pipefail`, grep -q closing the pipe
	# early would turn a match into a SIGPIPE failure.
	while :; do
		out=$(lab_swanctl "$g" --list-sas --noblock 2>/dev/null)
		if grep -Eq "^  $child: #[0-9]+, reqid [0-9]+, INSTALLED" <<<"$out"; then
			return 0
		fi
		if [ "$(_lab_now_ms)" -ge "$deadline" ]; then
			_lab_err "CHILD $child not INSTALLED on $g after ${timeout}s"
			return 1
		fi
		sleep 0.05
	done
}

lab_wait_ike_gone() {
	_lab_load || return 1
	local g; g=$(_lab_gw "$1") || return 1
	local timeout=${2:-30} ike=${3:-a-b} deadline
	deadline=$(($(_lab_now_ms) + timeout * 1000))
	while grep -q "^$ike: #" <<<"$(lab_swanctl "$g" --list-sas --noblock --ike "$ike" 2>/dev/null)"; do
		if [ "$(_lab_now_ms)" -ge "$deadline" ]; then
			_lab_err "IKE SA $ike still present on $g after ${timeout}s"
			return 1
		fi
		sleep 0.1
	done
}

# Print one counter of the INSTALLED CHILD "net" (swanctl prints "in  c1234567,  840 bytes,  10
# packets" and "out c7654321, ...").
lab_child_counter() {
	_lab_load || return 1
	local g dir=$2 what=$3
	g=$(_lab_gw "$1") || return 1
	lab_swanctl "$g" --list-sas --noblock --ike a-b 2>/dev/null | awk -v dir="$dir" -v what="$what" '
		/^  net: #[0-9]+, reqid [0-9]+, INSTALLED/ { inside = 1; next }
		/^  [^ ]/ { inside = 0 }
		inside && $1 == dir {
			for (i = 2; i <= NF; i++) {
				w = $i; sub(/,$/, "", w)
				if (w == what) { v = $(i - 1); sub(/,$/, "", v); print v; exit }
			}
		}'
}

lab_initiate() {
	_lab_load || return 1
	local g out; g=$(_lab_gw "${1:-A}") || return 1
	if ! out=$(lab_swanctl "$g" --initiate --ike a-b --child net --timeout 15 2>&1); then
		_lab_err "initiate a-b from $g failed: $(echo "$out" | tail -n 3)"
		return 1
	fi
	lab_wait_child_installed A 10 && lab_wait_child_installed B 10
}

lab_ping_through() {
	_lab_load || return 1
	local count=${1:-3}
	ip netns exec "${LAB_PREFIX}a" ping -n -q -c "$count" -i 0.2 -W 2 -I 203.0.113.1 203.0.113.129 >/dev/null
}

# --- up / down -----------------------------------------------------------------------------------

_lab_ns_add() {
	_lab_record netns "$1"
	ip netns add "$1" || return 1
	# IPv6 off before any link exists: no DAD, no MOBIKE address events shortly after start-up.
	ip netns exec "$1" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 &&
		echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null
	ip -n "$1" link set lo up
}

lab_up() {
	local t0 p try
	t0=$(_lab_now_ms)
	if [ -n "${LAB_DIR:-}" ] && [ -f "$LAB_DIR/env" ]; then
		_lab_err "lab already up in $LAB_DIR (lab_down first)"
		return 1
	fi
	if [ -z "${LAB_DIR:-}" ]; then
		mkdir -p "${LAB_ROOT:-/tmp}"
		LAB_DIR=$(mktemp -d "${LAB_ROOT:-/tmp}/iwlab.XXXXXX") || return 1
		touch "$LAB_DIR/owned"
	fi
	mkdir -p "$LAB_DIR" || return 1
	LAB_DIR=$(cd "$LAB_DIR" && pwd)
	# Unique prefix: other labs run concurrently on this machine.
	p=${LAB_PREFIX:-iwlab$$}
	try=0
	while [ -e "/run/netns/${p}a" ] || [ -e "/run/netns/${p}b" ] || [ -e "/run/netns/${p}r" ] ||
		[ -e "/run/netns/${p}x" ]; do
		try=$((try + 1))
		[ "$try" -lt 20 ] || { _lab_err "no free namespace prefix"; return 1; }
		p="iwlab$$x$RANDOM"
	done
	LAB_PREFIX=$p
	if [ -z "${LAB_KERNEL_USED:-}" ]; then
		case "${LAB_KERNEL:-auto}" in
		libipsec | netlink) LAB_KERNEL_USED=${LAB_KERNEL} ;;
		*) : >"$LAB_DIR/created"; if _lab_kernel_has_esp; then LAB_KERNEL_USED=netlink; else LAB_KERNEL_USED=libipsec; fi ;;
		esac
	fi
	cat >"$LAB_DIR/env" <<EOF
LAB_PREFIX='$LAB_PREFIX'
LAB_KERNEL_USED='$LAB_KERNEL_USED'
EOF
	touch "$LAB_DIR/created"
	export LAB_DIR LAB_PREFIX
	_lab_log "lab $LAB_PREFIX in $LAB_DIR, kernel backend $LAB_KERNEL_USED"

	local a="${p}a" b="${p}b" r="${p}r"
	_lab_ns_add "$r" && _lab_ns_add "$a" && _lab_ns_add "$b" || { _lab_err "namespaces"; lab_down; return 1; }
	ip netns exec "$r" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward' &&
		ip -n "$r" link add ra type veth peer name wan netns "$a" &&
		ip -n "$r" link add rb type veth peer name wan netns "$b" &&
		ip -n "$r" addr add 192.0.2.254/24 dev ra &&
		ip -n "$r" addr add 198.51.100.254/24 dev rb &&
		ip -n "$r" link set ra up && ip -n "$r" link set rb up &&
		ip -n "$a" addr add 192.0.2.1/24 dev wan && ip -n "$a" link set wan up &&
		ip -n "$b" addr add 198.51.100.1/24 dev wan && ip -n "$b" link set wan up &&
		ip -n "$a" route add default via 192.0.2.254 &&
		ip -n "$b" route add default via 198.51.100.254 &&
		ip -n "$a" addr add 203.0.113.1/32 dev lo &&
		ip -n "$b" addr add 203.0.113.129/32 dev lo ||
		{ _lab_err "links/addresses"; lab_down; return 1; }

	local g
	for g in a b; do
		mkdir -p "$LAB_DIR/$g"
		_lab_settings_default "$g" >"$LAB_DIR/$g/settings"
		_lab_start_charon "$g"
	done
	_lab_wait_vici a && _lab_wait_vici b || { lab_down; return 1; }
	_lab_load_conf a && _lab_load_conf b || { lab_down; return 1; }
	if [ "${LAB_START:-1}" = 1 ]; then
		lab_initiate A || { lab_down; return 1; }
	fi
	_lab_log "lab up in $(($(_lab_now_ms) - t0)) ms"
	echo "$(($(_lab_now_ms) - t0))" >"$LAB_DIR/up_ms"
	return 0
}

lab_down() {
	[ -n "${LAB_DIR:-}" ] && [ -f "$LAB_DIR/created" ] || return 0
	local kind a1 pid ns
	# Daemons first (SIGKILL: a SIGTERMed charon whose peer is gone spends ~2 s sending DELETEs),
	# then namespaces, which takes the veths, routes and nft tables with them. Every step goes on
	# whatever the previous one found (a charon already killed, a namespace already gone), also in
	# a caller that runs under `set -e`: nothing here may end the caller early.
	while read -r kind a1 _; do
		[ "$kind" = pid ] || continue
		pid=$a1
		if _lab_is_ours "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
			_lab_wait_pid_gone "$pid" 5 || _lab_err "charon $pid did not die" || true
		fi
	done <"$LAB_DIR/created"
	while read -r kind a1 _; do
		[ "$kind" = netns ] || continue
		ns=$a1
		if [ -e "/run/netns/$ns" ]; then
			ip netns del "$ns" 2>/dev/null || _lab_err "ip netns del $ns failed" || true
		fi
	done <"$LAB_DIR/created"
	rm -f "$LAB_DIR/created" "$LAB_DIR/env"
	# Keep logs when asked (LAB_KEEP=1) or when the caller chose the directory.
	if [ "${LAB_KEEP:-0}" != 1 ] && [ -f "$LAB_DIR/owned" ]; then
		rm -rf "$LAB_DIR"
	fi
	# A directory lab_up chose is forgotten, so a later lab_up picks a fresh one.
	[ -f "$LAB_DIR/owned" ] || [ -d "$LAB_DIR" ] || unset LAB_DIR
	return 0
}

lab_status() {
	_lab_load || return 1
	local g
	echo "LAB_DIR=$LAB_DIR LAB_PREFIX=$LAB_PREFIX backend=$LAB_KERNEL_USED"
	for g in A B; do
		echo "== $g: pid $(lab_pid "$g") vici $(lab_vici "$g")"
		lab_swanctl "$g" --list-sas --noblock 2>&1
	done
}

# --- faults --------------------------------------------------------------------------------------

lab_kill_gateway() {
	_lab_load || return 1
	local g pid; g=$(_lab_gw "$1") || return 1
	pid=$(lab_pid "$g")
	[ -n "$pid" ] || { _lab_err "charon $g is not running"; return 1; }
	kill -KILL "$pid" && _lab_wait_pid_gone "$pid" 5
}

lab_stop_gateway() {
	_lab_load || return 1
	local g pid; g=$(_lab_gw "$1") || return 1
	pid=$(lab_pid "$g")
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" && _lab_wait_pid_gone "$pid" 15
}

lab_start_gateway() {
	_lab_load || return 1
	local g; g=$(_lab_gw "$1") || return 1
	[ -z "$(lab_pid "$g")" ] || { _lab_err "charon $g is already running"; return 1; }
	_lab_start_charon "$g"
	_lab_wait_vici "$g" && _lab_load_conf "$g" || return 1
	if [ "${LAB_REINITIATE:-1}" = 1 ]; then
		# The other side may still hold the dead IKE SA; unique=replace and INITIAL_CONTACT
		# clear it when the new one authenticates.
		if ! grep -Eq '^  net: .*INSTALLED' <<<"$(lab_swanctl A --list-sas --noblock --ike a-b 2>/dev/null)" ||
			! grep -Eq '^  net: .*INSTALLED' <<<"$(lab_swanctl B --list-sas --noblock --ike a-b 2>/dev/null)"; then
			lab_initiate A || return 1
		fi
	fi
}

lab_restart_charon() {
	lab_stop_gateway "$1" && lab_start_gateway "$1"
}

lab_rekey_child() {
	lab_swanctl "${1:-A}" --rekey --child "${2:-net}" >/dev/null
}

lab_rekey_ike() {
	lab_swanctl "${1:-A}" --rekey --ike "${2:-a-b}" >/dev/null
}

# Tear a-b down from A and bring it up again, so changed configs apply (charon keeps an existing
# SA's config object until the SA is gone).
_lab_reestablish() {
	lab_swanctl A --terminate --ike a-b --timeout 5 >/dev/null 2>&1
	lab_wait_ike_gone A 10 >/dev/null 2>&1
	lab_wait_ike_gone B 10 >/dev/null 2>&1
	lab_swanctl A --initiate --ike a-b --child net --timeout 10 2>&1
}

lab_short_lifetimes() {
	_lab_load || return 1
	local child=${1:-5} ike=${2:-}
	_lab_set a S_CHILD_REKEY "$child"
	[ -n "$ike" ] && _lab_set a S_IKE_REKEY "$ike"
	_lab_load_conf a || return 1
	_lab_reestablish >/dev/null
	lab_wait_child_installed A 10 && lab_wait_child_installed B 10
}

lab_fast_dpd() {
	_lab_load || return 1
	local g
	for g in a b; do
		_lab_set "$g" S_FAST_DPD 1
		_lab_set "$g" S_DPD 2s
		_lab_write_strongswan_conf "$g"
		lab_swanctl "$g" --reload-settings >/dev/null || return 1
		_lab_load_conf "$g" || return 1
	done
	_lab_reestablish >/dev/null
	lab_wait_child_installed A 10 && lab_wait_child_installed B 10
}

# Apply a broken setting on B, re-initiate from A, expect failure. Prints swanctl's tail.
_lab_mismatch() {
	local g=$1 key=$2 val=$3 out
	_lab_load || return 1
	_lab_set "$g" "$key" "$val"
	_lab_load_conf "$g" || return 1
	if out=$(_lab_reestablish); then
		_lab_log "initiate after $key change succeeded"
		return 1
	fi
	_lab_log "initiate failed as intended: $(echo "$out" | tail -n 1)"
	return 0
}

lab_psk_mismatch() {
	local g; g=$(_lab_gw "${1:-B}") || return 1
	_lab_mismatch "$g" S_PSK 'a-different-psk-for-the-lab'
}

lab_proposal_mismatch() {
	local g; g=$(_lab_gw "${1:-B}") || return 1
	_lab_mismatch "$g" S_IKE_PROP 'aes256-sha512-modp3072'
}

# A CHILD SA created in IKE_AUTH runs no DH (RFC 7296 section 1.2), so the DH group in
# esp_proposals matters only at the first CREATE_CHILD_SA rekey: initiation works, rekey fails.
lab_pfs_mismatch() {
	_lab_load || return 1
	local g; g=$(_lab_gw "${1:-B}") || return 1
	_lab_set "$g" S_ESP_PROP 'aes128-sha256-modp3072'
	_lab_load_conf "$g" || return 1
	_lab_reestablish >/dev/null
	lab_wait_child_installed A 10 && lab_wait_child_installed B 10
}

# B accepts only a remote TS disjoint from LAN A: IKE_AUTH succeeds, the CHILD gets
# TS_UNACCEPTABLE (RFC 7296 section 2.9).
lab_ts_mismatch() {
	local g; g=$(_lab_gw "${1:-B}") || return 1
	if [ "$g" = b ]; then
		_lab_mismatch b S_REMOTE_TS_OVERRIDE 203.0.113.64/26
	else
		_lab_mismatch a S_REMOTE_TS_OVERRIDE 203.0.113.192/26
	fi
}

lab_reset_config() {
	_lab_load || return 1
	local g; g=$(_lab_gw "${1:-B}") || return 1
	_lab_settings_default "$g" >"$LAB_DIR/$g/settings"
	_lab_write_strongswan_conf "$g"
	lab_swanctl "$g" --reload-settings >/dev/null
	_lab_load_conf "$g" || return 1
	_lab_reestablish >/dev/null
	lab_wait_child_installed A 10 && lab_wait_child_installed B 10
}

# Router faults live in one nft table per router namespace ("lab"), one base chain per fault
# kind so each can be undone alone. The table dies with the namespace.
_lab_nft_ensure() {
	local r="${LAB_PREFIX}r"
	ip netns exec "$r" nft list table inet lab >/dev/null 2>&1 && return 0
	ip netns exec "$r" nft -f - <<'EOF'
table inet lab {
	chain f_esp { type filter hook forward priority 0; policy accept; }
	chain f_ike { type filter hook forward priority 0; policy accept; }
	chain f_loss { type filter hook forward priority 0; policy accept; }
	chain f_mtu_fwd { type filter hook forward priority 0; policy accept; }
	chain f_mtu_out { type filter hook output priority 0; policy accept; }
}
EOF
}
_lab_nft() { ip netns exec "${LAB_PREFIX}r" nft "$@"; }

# Match ESP: plain ESP (kernel-netlink without NAT) or UDP 4500 whose first 4 payload bytes are
# not the non-ESP marker. @th,64,32 is the 32 bits after the 8-byte UDP header.
_LAB_NFT_ESP_UDP='udp dport 4500 @th,64,32 != 0'
_LAB_NFT_ESP_RAW='meta l4proto esp'

lab_drop_esp() {
	_lab_load || return 1
	local g dir addr sel; g=$(_lab_gw "$1") || return 1
	dir=${2:-out}
	[ "$g" = a ] && addr=192.0.2.1 || addr=198.51.100.1
	case "$dir" in
	out) sel="ip saddr $addr" ;;
	in) sel="ip daddr $addr" ;;
	*) _lab_err "direction must be out or in"; return 1 ;;
	esac
	_lab_nft_ensure || return 1
	_lab_nft add rule inet lab f_esp "$sel" $_LAB_NFT_ESP_UDP counter drop &&
		_lab_nft add rule inet lab f_esp "$sel" $_LAB_NFT_ESP_RAW counter drop
}
lab_undrop_esp() { _lab_load && _lab_nft_ensure && _lab_nft flush chain inet lab f_esp; }

lab_drop_ike() {
	_lab_load || return 1
	_lab_nft_ensure || return 1
	_lab_nft add rule inet lab f_ike udp dport 500 counter drop &&
		_lab_nft add rule inet lab f_ike udp dport 4500 @th,64,32 == 0 counter drop
}
lab_undrop_ike() { _lab_load && _lab_nft_ensure && _lab_nft flush chain inet lab f_ike; }

# lab_loss PCT [GW]: drop PCT % of ESP at random, both ways, or only what GW (A or B) sends.
lab_loss() {
	_lab_load || return 1
	local pct=${1:?percent} sel=
	if [ -n "${2:-}" ]; then
		local g; g=$(_lab_gw "$2") || return 1
		[ "$g" = a ] && sel="ip saddr 192.0.2.1" || sel="ip saddr 198.51.100.1"
	fi
	_lab_nft_ensure || return 1
	_lab_nft flush chain inet lab f_loss
	[ "$pct" -gt 0 ] || return 0
	# shellcheck disable=SC2086 # $sel and the matches are several words on purpose
	_lab_nft add rule inet lab f_loss $sel $_LAB_NFT_ESP_UDP numgen random mod 100 '<' "$pct" counter drop &&
		_lab_nft add rule inet lab f_loss $sel $_LAB_NFT_ESP_RAW numgen random mod 100 '<' "$pct" counter drop
}

# A path-MTU black hole (RFC 2923 section 2.1): the router's link to B gets a small MTU and the
# ICMP "fragmentation needed" it would send back is dropped, so DF packets vanish silently.
lab_mtu_blackhole() {
	_lab_load || return 1
	local bytes=${1:?bytes}
	_lab_nft_ensure || return 1
	ip -n "${LAB_PREFIX}r" link set rb mtu "$bytes" || return 1
	_lab_nft flush chain inet lab f_mtu_out
	_lab_nft flush chain inet lab f_mtu_fwd
	_lab_nft add rule inet lab f_mtu_out icmp type destination-unreachable icmp code frag-needed counter drop &&
		_lab_nft add rule inet lab f_mtu_fwd icmp type destination-unreachable icmp code frag-needed counter drop
}

lab_heal_net() {
	_lab_load || return 1
	_lab_nft_ensure || return 1
	local c
	for c in f_esp f_ike f_loss f_mtu_fwd f_mtu_out; do _lab_nft flush chain inet lab "$c"; done
	ip -n "${LAB_PREFIX}r" link set rb mtu 1500
}

# lab_loss_from GW PCT: lab_loss for what GW sends only (the fault matrix's spelling).
lab_loss_from() { lab_loss "${2:?percent}" "${1:?gateway}"; }

lab_drop_ike_from() {
	_lab_load || return 1
	local g addr; g=$(_lab_gw "$1") || return 1
	[ "$g" = a ] && addr=192.0.2.1 || addr=198.51.100.1
	_lab_nft_ensure || return 1
	_lab_nft add rule inet lab f_ike ip saddr "$addr" udp dport 500 counter drop &&
		_lab_nft add rule inet lab f_ike ip saddr "$addr" udp dport 4500 @th,64,32 == 0 counter drop
}

# Faults inside a gateway, around its LAN address (lo): table inet labgw, gone with the namespace.
_lab_gw_nft() {
	local ns; ns=$(_lab_ns "$1") || return 1
	shift
	ip netns exec "$ns" nft list table inet labgw >/dev/null 2>&1 ||
		ip netns exec "$ns" nft -f - <<'EOF' || return 1
table inet labgw {
	chain lan_in { type filter hook input priority 0; policy accept; }
	chain lan_out { type filter hook output priority 0; policy accept; }
}
EOF
	[ $# -eq 0 ] || ip netns exec "$ns" nft "$@"
}
_lab_gw_lan() { [ "$(_lab_gw "$1")" = a ] && echo 203.0.113.1 || echo 203.0.113.129; }

lab_lan_silent() {
	_lab_load || return 1
	local lan; lan=$(_lab_gw_lan "$1")
	_lab_gw_nft "$1" add rule inet labgw lan_in ip daddr "$lan" udp dport 862 counter drop &&
		_lab_gw_nft "$1" add rule inet labgw lan_in ip daddr "$lan" icmp type echo-request counter drop
}

lab_egress_drop() {
	_lab_load || return 1
	local lan; lan=$(_lab_gw_lan "$1")
	_lab_gw_nft "$1" add rule inet labgw lan_out ip saddr "$lan" oifname ipsec0 udp sport != 862 counter drop &&
		_lab_gw_nft "$1" add rule inet labgw lan_out ip saddr "$lan" oifname ipsec0 icmp type echo-request counter drop
}

lab_lan_heal() {
	_lab_load || return 1
	_lab_gw_nft "$1" flush table inet labgw
}

lab_change_config() {
	_lab_load || return 1
	local g; g=$(_lab_gw "$1") || return 1
	_lab_set "$g" "${2:?key}" "${3?value}"
	_lab_load_conf "$g"
}

# Scale: N tunnels on A against the real charon, for bench/bench_scrape.sh -l. Addresses and TS
# live in 198.18.0.0/15 (RFC 2544 benchmarking range), only inside the lab's namespaces.
# Add K=1..N /32s of NET (198.18 or 198.19) to lo of gateway g, as NET.(K>>8).(K&255), in batches
# of 50: one `ip -b` of 1,000 addresses overflows charon's netlink event socket ("unable to
# receive from RT event socket: No buffer space"), its address cache then misses most of them and
# the route (so the CHILD SA) install fails. awk, not a shell loop: no fork per address.
_lab_scale_addrs() {
	awk -v ns="${LAB_PREFIX}$1" -v net="$2" -v n="$3" 'BEGIN {
		cmd = "ip -n " ns " -b -"
		for (k = 1; k <= n; k++) {
			printf "address add %s.%d.%d/32 dev lo\n", net, int(k / 256) % 256, k % 256 | cmd
			if (k % 50 == 0 || k == n) {
				if (close(cmd) != 0) exit 1
				system("sleep 0.05")
			}
		}
	}'
}

# Common part of every scale connection of gateway g (printf, not cat: no fork per connection).
# IKE proposal as a-b's; ESP without DH, so no CREATE_CHILD_SA costs a modexp (RFC 7296
# section 1.3.1: KE is optional there). A's id is scale-a<SUFFIX>.lab: in ike mode every
# connection needs its own id, because charon reuses an IKE SA for any connection whose settings
# are equal (not only the same name) and would put all CHILD SAs under one IKE SA. B accepts any
# id; the PSK is keyed on B's id alone, so it matches every A id and nothing of a-b or a-c.
_lab_scale_ike() {
	local me=192.0.2.1 peer=198.51.100.1 myid="scale-a${2:-}.lab" otherid=scale-b.lab
	[ "$1" = a ] || { me=198.51.100.1 peer=192.0.2.1 myid=scale-b.lab otherid=%any; }
	printf '\t\tversion = 2\n\t\tlocal_addrs = %s\n\t\tremote_addrs = %s\n' "$me" "$peer"
	printf '\t\tproposals = aes128-sha256-modp2048\n\t\tmobike = no\n\t\tunique = never\n'
	printf '\t\tlocal {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n' "$myid"
	printf '\t\tremote {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n' "$otherid"
	[ -z "${LAB_SCALE_DPD:-}" ] || printf '\t\tdpd_delay = %s\n' "$LAB_SCALE_DPD"
}

_lab_scale_conf() {	# _lab_scale_conf g N MODE: the scale connections, included with the lab's own
	local g=$1 n=$2 mode=$3 d="$LAB_DIR/$1" k l r
	{
		echo "# Generated by tests/lab/lab.sh lab_scale $n ($mode) for lab $LAB_PREFIX gateway $g."
		echo "include $d/swanctl/swanctl.conf"
		echo "connections {"
		if [ "$g" = b ]; then
			echo "	scale {"
			_lab_scale_ike "$g"
			printf '\t\tchildren {\n\t\t\ts {\n'
			printf '\t\t\t\tlocal_ts = 198.19.0.0/16\n\t\t\t\tremote_ts = 198.18.0.0/16\n'
			printf '\t\t\t\tesp_proposals = aes128-sha256\n\t\t\t\tstart_action = none\n'
			printf '\t\t\t}\n\t\t}\n\t}\n'
		elif [ "$mode" = child ]; then
			echo "	scale {"
			_lab_scale_ike "$g"
			printf '\t\tchildren {\n'
			for ((k = 1; k <= n; k++)); do
				l=198.18.$((k >> 8 & 255)).$((k & 255)) r=198.19.$((k >> 8 & 255)).$((k & 255))
				printf '\t\t\ts%d {\n\t\t\t\tlocal_ts = %s/32\n\t\t\t\tremote_ts = %s/32\n' "$k" "$l" "$r"
				printf '\t\t\t\tesp_proposals = aes128-sha256\n\t\t\t\tstart_action = start\n\t\t\t}\n'
			done
			printf '\t\t}\n\t}\n'
		else
			for ((k = 1; k <= n; k++)); do
				l=198.18.$((k >> 8 & 255)).$((k & 255)) r=198.19.$((k >> 8 & 255)).$((k & 255))
				echo "	scale$k {"
				_lab_scale_ike "$g" "-$k"
				printf '\t\tchildren {\n\t\t\ts%d {\n\t\t\t\tlocal_ts = %s/32\n\t\t\t\tremote_ts = %s/32\n' "$k" "$l" "$r"
				printf '\t\t\t\tesp_proposals = aes128-sha256\n\t\t\t\tstart_action = start\n\t\t\t}\n\t\t}\n\t}\n'
			done
		fi
		echo "}"
		printf 'secrets {\n\tike-scale {\n\t\tid = scale-b.lab\n'
		printf '\t\tsecret = "ikewatch-lab-scale-psk"\n\t}\n}\n'
	} >"$d/swanctl/scale.conf"
}

# Count INSTALLED scale CHILD SAs of gateway g (sK on A, s on B).
_lab_scale_count() {
	local out
	out=$(lab_swanctl "$1" --list-sas --noblock 2>/dev/null)
	grep -Ec '^  s[0-9]*: #[0-9]+, reqid [0-9]+, INSTALLED' <<<"$out"
}

lab_scale() {
	_lab_load || return 1
	local n=${1:-} mode=${LAB_SCALE_MODE:-child} timeout=${LAB_SCALE_TIMEOUT:-300}
	local t0 deadline ca=0 cb=0 last=-1 stall=0 out g c missing pids=() par=8
	case "$n" in '' | *[!0-9]*) _lab_err "lab_scale: N must be a number"; return 1 ;; esac
	case "$mode" in
	child) [ "$n" -ge 1 ] && [ "$n" -le 1300 ] || { _lab_err "lab_scale: child mode takes 1..1300"; return 1; } ;;
	ike) [ "$n" -ge 1 ] && [ "$n" -le 16000 ] || { _lab_err "lab_scale: ike mode takes 1..16000"; return 1; } ;;
	*) _lab_err "LAB_SCALE_MODE must be child or ike"; return 1 ;;
	esac
	[ ! -f "$LAB_DIR/scale_ms" ] || { _lab_err "lab_scale: already scaled (lab_down; lab_up)"; return 1; }
	[ "$mode" = child ] || par=4
	t0=$(_lab_now_ms)
	_lab_scale_addrs a 198.18 "$n" && _lab_scale_addrs b 198.19 "$n" ||
		{ _lab_err "lab_scale: adding addresses failed"; return 1; }
	_lab_scale_conf a "$n" "$mode" && _lab_scale_conf b "$n" "$mode" || return 1
	# B first: A starts initiating as soon as its connections are loaded.
	for g in b a; do
		if ! out=$(lab_swanctl "$g" --load-all --file "$LAB_DIR/$g/swanctl/scale.conf" 2>&1); then
			_lab_err "lab_scale: load on $g failed: $(tail -n 2 <<<"$out")"
			return 1
		fi
	done
	_lab_log "scale: loaded $n ($mode) in $(($(_lab_now_ms) - t0)) ms"
	deadline=$((t0 + timeout * 1000))
	while :; do
		ca=$(_lab_scale_count A) cb=$(_lab_scale_count B)
		[ "$ca" -ge "$n" ] && [ "$cb" -ge "$n" ] && break
		if [ "$(_lab_now_ms)" -ge "$deadline" ]; then
			_lab_err "lab_scale: after ${timeout}s A has $ca, B $cb of $n CHILD SAs INSTALLED"
			return 1
		fi
		# start_action=start fires once; a CHILD SA that failed (or never started) is initiated
		# again once progress stops for 3 polls: 8 at a time in child mode (charon runs the
		# exchanges of one IKE SA one after the other anyway; the swanctl processes are the cost),
		# 4 in ike mode, under B's per-IP half-open limit (charon.block_threshold, 5).
		if [ "$ca" = "$last" ]; then stall=$((stall + 1)); else stall=0; fi
		last=$ca
		if [ "$stall" -ge 3 ]; then
			stall=0
			missing=$(lab_swanctl A --list-sas --noblock 2>/dev/null | awk -v n="$n" '
				/^  s[0-9]+: #[0-9]+, reqid [0-9]+, INSTALLED/ { sub(/:$/, "", $1); up[$1] = 1 }
				END { for (k = 1; k <= n; k++) if (!(("s" k) in up)) print "s" k }')
			_lab_log "scale: re-initiating $(wc -w <<<"$missing") missing CHILD SAs"
			# Waits only for its own swanctl PIDs: the caller may have other children.
			for c in $missing; do
				if [ "$mode" = ike ]; then
					lab_swanctl A --initiate --ike "scale${c#s}" --child "$c" --timeout 20 >/dev/null 2>&1 &
				else
					lab_swanctl A --initiate --ike scale --child "$c" --timeout 20 >/dev/null 2>&1 &
				fi
				pids+=($!)
				if [ "${#pids[@]}" -ge "$par" ]; then wait "${pids[@]}"; pids=(); fi
			done
			[ "${#pids[@]}" -eq 0 ] || wait "${pids[@]}"
			pids=()
		fi
		sleep 0.5
	done
	echo "$(($(_lab_now_ms) - t0))" >"$LAB_DIR/scale_ms"
	_lab_log "scale: $n ($mode) INSTALLED on A ($ca) and B ($cb) in $(cat "$LAB_DIR/scale_ms") ms"
	return 0
}

# --- command-line use ----------------------------------------------------------------------------

_lab_main() {
	local cmd=${1:-}
	shift || true
	case "$cmd" in
	up)
		LAB_KEEP=1
		lab_up || return 1
		printf "LAB_DIR='%s'; LAB_PREFIX='%s'; export LAB_DIR LAB_PREFIX\n" "$LAB_DIR" "$LAB_PREFIX"
		echo "# lab up in $(cat "$LAB_DIR/up_ms") ms; A vici $(lab_vici_path A), B vici $(lab_vici_path B)" >&2
		;;
	down)
		[ -n "${LAB_DIR:-}" ] || { _lab_err "LAB_DIR is not set (eval the output of 'lab.sh up')"; return 1; }
		lab_down
		;;
	status) lab_status ;;
	shell)
		_lab_load || return 1
		local ns; ns=$(_lab_ns "${1:-A}") || return 1
		ip netns exec "$ns" bash
		;;
	swanctl) lab_swanctl "$@" ;;
	exec) lab_exec "$@" ;;
	vici) lab_vici "$@" ;;
	"" | -h | --help | help)
		sed -n '2,/^# ESP on the wire/p' "$LAB_SELF" | sed '$d' | sed 's/^# \{0,1\}//'
		;;
	*)
		if declare -F "lab_$cmd" >/dev/null; then
			"lab_$cmd" "$@"
		else
			_lab_err "unknown command '$cmd' (try --help)"
			return 2
		fi
		;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	_lab_main "$@"
	exit $?
fi
