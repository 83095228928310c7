#!/usr/bin/env bash
# Palisade's DNS server against unbound, side by side on loopback, with the same 1M-entry policy (docs/benchmarks.md).
#
#   bench/dns/run.sh [ENTRIES]        (default 1000000; needs dnsperf, unbound, dig: apt-get install dnsperf unbound bind9-dnsutils)
#
# 1. Starts `palisade serve --dns` on a fresh data directory and imports ENTRIES names (1,000 per decision) as orders
#    (publication batched over 20 s, so the import makes a few versions rather than hundreds).
# 2. Exports the same version as an RPZ zone and loads it into unbound (respip), which takes minutes at 1M: the script
#    waits until unbound answers.
# 3. Both forward allowed names to a third unbound, authoritative for 1,000 allowed names.
# 4. dnsperf runs a 50/50 mix of blocked and allowed names (caches warmed first): maximum queries per second over
#    15 s, then p99 latency at a fixed 10,000 queries per second; resident memory is read from /proc after the runs.
# Not part of ./test.sh: it takes several minutes and measures the machine, not correctness.
set -euo pipefail
cd "$(dirname "$0")/../.."
ENTRIES=${1:-1000000}
WORK=$(mktemp -d /tmp/palisade-dnsbench-XXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
source bench/lib.sh

wait_dns() { # port name status
  for _ in $(seq 1 1200); do
    if dig @127.0.0.1 -p "$1" +tries=1 +time=1 "$2" A 2>/dev/null | grep -q "status: $3"; then return 0; fi
    sleep 0.5
  done
  echo "port $1 never answered $3 for $2" >&2; return 1
}

echo "== upstream: unbound authoritative for 1,000 allowed names (and a wildcard for every other name)"
UP=$(free_port)
{ echo '$TTL 3600'; echo '@ SOA ns.invalid. h.invalid. 1 60 60 60 3600'; echo '@ NS ns.invalid.'
  for i in $(seq 0 999); do echo "allowed-$i.example. A 192.0.2.$((i % 250 + 1))"; done
  # Every other name exists upstream too, so an NXDOMAIN can only come from the policy.
  echo '*.example. A 192.0.2.254'; } > "$WORK/allowed.zone"
unbound_conf() { # port extra
  printf 'server:\n  interface: 127.0.0.1\n  port: %s\n  do-daemonize: no\n  username: ""\n  chroot: ""\n  directory: "%s"\n  pidfile: ""\n  use-syslog: no\n  logfile: ""\n  do-not-query-localhost: no\n  num-threads: 1\n%s\n' "$1" "$WORK" "$2"
}
unbound_conf "$UP" "$(printf '  module-config: "iterator"\nauth-zone:\n  name: "."\n  zonefile: "%s"\n  for-downstream: no\n  for-upstream: yes\n  fallback-enabled: no' "$WORK/allowed.zone")" > "$WORK/upstream.conf"
unbound -d -c "$WORK/upstream.conf" > "$WORK/upstream.log" 2>&1 & PIDS+=($!)
wait_dns "$UP" allowed-1.example NOERROR

echo "== palisade serve --dns, importing $ENTRIES names"
PDNS=$(free_port)
start_registry_with_names --dns "127.0.0.1:$PDNS" --upstream "127.0.0.1:$UP"
wait_dns "$PDNS" "blocked-$((ENTRIES - 1)).example" NXDOMAIN
# The registry publishes after its batching delay; the export must see that version.
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$HTTP/metrics" | grep -q "^palisade_policy_entries $ENTRIES$" && break; sleep 0.5
done

echo "== unbound with the same version as RPZ (loading takes minutes at 1M)"
$PALISADE export --registry "http://127.0.0.1:$HTTP" --format rpz -o "$WORK/policy.rpz"
UB=$(free_port)
unbound_conf "$UB" "$(printf '  module-config: "respip iterator"\n  msg-cache-size: 64m\n  rrset-cache-size: 128m\nforward-zone:\n  name: "."\n  forward-addr: 127.0.0.1@%s\nrpz:\n  name: "rpz.palisade"\n  zonefile: "%s"' "$UP" "$WORK/policy.rpz")" > "$WORK/unbound.conf"
START=$(date +%s)
unbound -d -c "$WORK/unbound.conf" > "$WORK/unbound.log" 2>&1 & UNBOUND=$!; PIDS+=($UNBOUND)
wait_dns "$UB" "blocked-$((ENTRIES - 1)).example" NXDOMAIN
echo "unbound ready after $(( $(date +%s) - START )) s"

python3 - "$ENTRIES" > "$WORK/queries.txt" <<'PY'
import random, sys
random.seed(1)
n = int(sys.argv[1])
for i in range(100000):
    if i % 2:
        print(f"blocked-{random.randrange(n)}.example A")
    else:
        print(f"allowed-{random.randrange(1000)}.example A")
PY

measure() { # name port pid
  dnsperf -s 127.0.0.1 -p "$2" -d "$WORK/queries.txt" -l 5 -c 8 -q 200 > /dev/null 2>&1   # warm the cache
  local qps lat p99 rss
  qps=$(dnsperf -s 127.0.0.1 -p "$2" -d "$WORK/queries.txt" -l 15 -c 8 -q 200 2>/dev/null | awk '/Queries per second/ {print $4}')
  lat=$(dnsperf -s 127.0.0.1 -p "$2" -d "$WORK/queries.txt" -l 5 -c 8 -Q 10000 -v 2>/dev/null | awk '/^> / {print $NF}' | sort -g)
  p99=$(echo "$lat" | awk '{a[NR]=$1} END {printf "%.3f", a[int(NR*0.99)]*1000}')
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$3/status")
  printf '| %s | %s | %s ms | %s MiB |\n' "$1" "$qps" "$p99" "$rss"
}

echo "== palisade dns alone, following the same registry"
PD2=$(free_port)
$PALISADE dns --registry "http://127.0.0.1:$HTTP" --dns "127.0.0.1:$PD2" --upstream "127.0.0.1:$UP" --cache "$WORK/dns-cache" > "$WORK/dns.log" 2>&1 & PIDS+=($!)
wait_dns "$PD2" "blocked-$((ENTRIES - 1)).example" NXDOMAIN
DNS_PID=$(pgrep -f "palisade.dll dns --registry http://127.0.0.1:$HTTP" | head -1)

SERVE_PID=$(pgrep -f "palisade.dll serve --data $WORK/data" | head -1)
echo
echo "| server | queries/s (50% blocked, 15 s, 8 clients) | p99 at 10,000 q/s | RSS |"
echo "|---|---:|---:|---:|"
measure "palisade serve --dns" "$PDNS" "$SERVE_PID"
measure "palisade dns (alone)" "$PD2" "$DNS_PID"
measure "unbound $(unbound -V | head -1 | awk '{print $2}') (1 thread, respip)" "$UB" "$UNBOUND"
echo "(the serve row's RSS includes the registry, its order book and its 1M-target database in the same process)"
