#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test_daemon_metrics.sh - what charon and the kernel say about themselves (issue 14), against
# real charons: B is a road-warrior responder with a virtual-IP pool of 3 addresses and loads the
# `counters` plugin, A does not load it. Four road-warrior clients on A fill B's pool; a bounded
# burst of IKE_SA_INIT requests from 20 addresses of the router (tests/lab/ike_flood.py) piles up
# half-open IKE SAs on B; XFRM policies added by hand in A's namespace (the lab's kernel has no
# ESP: charon's kernel-libipsec installs none, and no kernel SA can exist) read as a policy
# without a state on a-b and as an orphan; without CAP_NET_ADMIN serve logs that once; doctor
# on B quotes the half-open IKE SAs and the full pool.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
t_require_root
# shellcheck disable=SC1091
. "$T_TOP/tests/lab/lab.sh"

t_cleanup lab_down
LAB_POOL=3 LAB_COUNTERS=b lab_up || t_bail "lab_up failed"
R="${LAB_PREFIX}r"
A="${LAB_PREFIX}a"

# --- A: no counters plugin: no counter families, one info line, nothing else -------------------
ip -n "$A" xfrm policy add src 203.0.113.0/25 dst 203.0.113.128/25 dir out \
	tmpl src 192.0.2.1 dst 198.51.100.1 proto esp reqid "$(lab_swanctl A --list-sas --ike a-b |
		sed -n 's/.* reqid \([0-9]*\),.*/\1/p' | head -n 1)" mode tunnel ||
	t_bail "ip xfrm policy add"
ip -n "$A" xfrm policy add src 203.0.113.0/25 dst 198.51.100.77/32 dir out \
	tmpl src 192.0.2.1 dst 198.51.100.77 proto esp reqid 4242 mode tunnel || t_bail "policy 2"
ip -n "$A" xfrm policy add src 203.0.113.0/25 dst 198.51.100.78/32 dir out action block ||
	t_bail "policy 3"
serve_start_in "$A" "$(lab_vici_path A)" --events.stream false --events.log-source none ||
	t_bail "serve on A did not start: $(tail -n 2 "$SERVE_LOG")"
t_cleanup rm -f "$SERVE_LOG"
for _ in 1 2 3; do scrape >/dev/null; done
m=$(scrape)
t_check a_workers_exported grep -qE '^ipsec_daemon_workers\{state="idle"\} [0-9]+$' <<<"$m"
t_check a_plugins_without_counters sh -c '! grep -q "plugin=\"counters\"" && true' <<<"$m"
t_check a_no_counter_families sh -c '! grep -qE "^ipsec_(daemon_)?ike_(messages|invalid|sa_rekeys|child)"' <<<"$m"
t_check a_one_log_line test "$(grep -c 'no counters plugin loaded' "$SERVE_LOG")" -eq 1
t_check a_no_warnings sh -c "! grep -E 'level=(warn|error)' '$SERVE_LOG'"
t_check a_xfrm_up metric_is 'ikewatch_xfrm_up' 1
t_check a_policy_without_state metric_is 'ipsec_xfrm_policies_without_state{conn="a-b"}' 1
t_check a_other_conn_clean metric_is 'ipsec_xfrm_policies_without_state{conn="a-c"}' 0
t_check a_orphan_policy metric_is 'ipsec_xfrm_orphan_policies' 1
t_check a_no_orphan_state metric_is 'ipsec_xfrm_orphan_states' 0
# An idle charon, scraped back to back, has no job waiting for a worker: charon counts them when
# it runs stats, which serve asks alone so that its own requests are not counted. (Asked
# pipelined with the rest, 4-8 % of the scrapes of one SA and 15 % at 100 SAs showed one.)
urls=()
for _ in $(seq 400); do urls+=("$SERVE_URL/metrics"); done
queued=$(curl -fsS "${urls[@]}" | grep -c '^ipsec_daemon_queued_jobs{.*} [1-9]')
t_check a_idle_queue_not_own sh -c 'test "$1" -le 1 || { echo "$1 of 400 scrapes saw a job queued"; exit 1; }' _ "$queued"
serve_stop
t_check a_serve_clean_exit test "$SERVE_RC" = 0

# Without CAP_NET_ADMIN: one line, ikewatch_xfrm_up 0, VICI metrics unchanged.
out=$(mktemp /tmp/iw-daemon.XXXXXX.prom) && t_cleanup rm -f "$out"
log=$(ip netns exec "$A" capsh --drop=cap_net_admin -- -c \
	"'$IKEWATCH' textfile -o '$out' --vici.socket '$(lab_vici_path A)'" 2>&1)
t_check nocap_xfrm_down grep -qx 'ikewatch_xfrm_up 0' "$out"
t_check nocap_vici_up grep -qx 'ipsec_up 1' "$out"
t_check nocap_no_policy_gauges sh -c "! grep -q '^ipsec_xfrm_' '$out'"
t_check nocap_one_line test "$(grep -c 'needs CAP_NET_ADMIN' <<<"$log")" -eq 1
t_check nocap_no_sanitizer_report sh -c '! grep -qE "Sanitizer|runtime error:"' <<<"$log"

# --- B: counters, the pool filled by four clients, half-open IKE SAs from a flood -------------
n=$(lab_rw_clients 4)
t_check four_clients_have_ike_sas test "$n" -eq 4
serve_start_in "${LAB_PREFIX}b" "$(lab_vici_path B)" --events.stream false \
	--events.log-source none || t_bail "serve on B did not start: $(tail -n 2 "$SERVE_LOG")"
t_cleanup rm -f "$SERVE_LOG"
t_check pool_size metric_is 'ipsec_pool_size_addresses{pool="rw"}' 3
t_check pool_full metric_is 'ipsec_pool_leases{pool="rw",state="online"}' 3
t_check pool_no_offline metric_is 'ipsec_pool_leases{pool="rw",state="offline"}' 0
t_check b_counters_plugin_listed sh -c 'curl -fsS "$0/metrics" | grep -q "^ipsec_daemon_plugin_info{plugin=\"counters\"} 1$"' "$SERVE_URL"
init_in='ipsec_daemon_ike_messages_total{exchange="ike_sa_init",direction="in",message="request"}'
before=$(metric "$init_in")
t_check b_inits_counted test "${before:-0}" -ge 5
# per connection: what charon could tie to "rw" (an IKE_AUTH request arrives before its peer
# config is chosen, so not every message is there; the responses are)
rw_msgs=$(scrape | awk '/^ipsec_ike_messages_total\{conn="rw",/ { s += $2 } END { print s + 0 }')
echo "# messages counted for connection rw: $rw_msgs" >&2
t_check b_per_conn_counted test "$rw_msgs" -ge 4
t_check b_ike_sas metric_is 'ipsec_daemon_ike_sas' 5
t_check b_no_half_open metric_is 'ipsec_daemon_ike_sas_half_open' 0

srcs=""
for i in $(seq 10 29); do
	ip -n "$R" addr add "192.0.2.$i/32" dev ra || t_bail "address 192.0.2.$i on R"
	srcs="$srcs,192.0.2.$i"
done
sent=$(ip netns exec "$R" python3 "$T_TOP/tests/lab/ike_flood.py" --dst 198.51.100.1 \
	--src "${srcs#,}" --per-src 3)
t_check flood_sent test "$sent" -eq 60
# charon answers the first cookie_threshold (30) and asks the rest for COOKIEs: 30 half-open
t_eventually 10 half_open_pile_up sh -c "[ \"\$(curl -fsS '$SERVE_URL/metrics' | awk '\$1 == \"ipsec_daemon_ike_sas_half_open\" { print \$2 }')\" -ge 20 ]"
after=$(metric "$init_in")
echo "# IKE_SA_INIT requests in: $before before the flood, $after after; half-open: $(metric ipsec_daemon_ike_sas_half_open)" >&2
t_check flood_counted test "$after" -ge $((before + 30))
# doctor on B takes the same facts as evidence
doc=$(ip netns exec "${LAB_PREFIX}b" "$IKEWATCH" doctor --vici.socket "$(lab_vici_path B)" 2>&1)
echo "$doc" | grep -E 'half-open|pool' | sed 's/^/# doctor: /' >&2
t_check doctor_half_open grep -qE '[0-9]+ of [0-9]+ IKE SAs half-open' <<<"$doc"
t_check doctor_pool_full grep -q 'pool rw 3 of 3 leases online (0 offline)' <<<"$doc"
t_check doctor_no_sanitizer_report sh -c '! grep -qE "Sanitizer|runtime error:"' <<<"$doc"
t_check b_workers_sum sh -c "curl -fsS '$SERVE_URL/metrics' | awk '/^ipsec_daemon_workers\\{/ { s += \$2 } END { exit !(s == 16) }'"
t_check b_promtool sh -c "curl -fsS '$SERVE_URL/metrics' | promtool check metrics"
serve_stop
t_check b_serve_clean_exit test "$SERVE_RC" = 0
t_done
