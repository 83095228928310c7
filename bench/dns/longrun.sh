#!/usr/bin/env bash
# Whether `palisade dns` grows under a long load (issue 17: RSS after 10 minutes within 5 % of RSS after the first).
#
#   bench/dns/longrun.sh [ENTRIES] [MINUTES]     (default 1000000 and 10; needs dnsperf, unbound, dig, taskset)
#
# `palisade dns` starts from a verified cache of ENTRIES entries (bench/dns/policy-cache.cs), pinned to CPU 1, forwarding
# allowed names to an unbound authoritative for 10,000 of them (TTL 3600, so they are answered from the cache); dnsperf,
# pinned to CPU 0, sends a 50/50 mix of blocked and allowed names at a fixed 50,000 queries per second for MINUTES
# minutes; RSS is read every minute.
set -euo pipefail
cd "$(dirname "$0")/../.."
ENTRIES=${1:-1000000}
MINUTES=${2:-10}
WORK=$(mktemp -d /tmp/palisade-dnslong-XXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
source bench/lib.sh
dotnet build src/Palisade.Cli -c Release -nologo -v:q >/dev/null
dotnet run bench/dns/policy-cache.cs "$ENTRIES" "$WORK/cache" | tail -1

UP=$(free_port)
{ echo '$TTL 3600'; echo '@ SOA ns.invalid. h.invalid. 1 60 60 60 3600'; echo '@ NS ns.invalid.'
  for i in $(seq 0 9999); do echo "allowed-$i.example. A 192.0.2.$((i % 250 + 1))"; done; } > "$WORK/allowed.zone"
printf 'server:\n  interface: 127.0.0.1\n  port: %s\n  do-daemonize: no\n  username: ""\n  chroot: ""\n  directory: "%s"\n  pidfile: ""\n  use-syslog: no\n  logfile: ""\n  module-config: "iterator"\nauth-zone:\n  name: "."\n  zonefile: "%s"\n  for-downstream: no\n  for-upstream: yes\n  fallback-enabled: no\n' \
  "$UP" "$WORK" "$WORK/allowed.zone" > "$WORK/upstream.conf"
taskset -c 0 unbound -d -c "$WORK/upstream.conf" > "$WORK/upstream.log" 2>&1 & PIDS+=($!)

PD=$(free_port)
taskset -c 1 src/Palisade.Cli/bin/Release/net10.0/palisade dns --registry http://127.0.0.1:1 --key "$(cat "$WORK/cache/registry.key")" \
  --cache "$WORK/cache" --dns "127.0.0.1:$PD" --upstream "127.0.0.1:$UP" > "$WORK/dns.log" 2>&1 & PDNS=$!; PIDS+=($PDNS)
for _ in $(seq 1 600); do
  dig @127.0.0.1 -p "$PD" +tries=1 +time=1 blocked-1.example-1.net A 2>/dev/null | grep -q "status: NXDOMAIN" && break; sleep 0.1
done

# The names policy-cache.cs writes: blocked-I.[sub.]example-(I % 997).TLD, every 20th as a wildcard.
python3 - "$ENTRIES" > "$WORK/queries.txt" <<'PY'
import random, sys
random.seed(5)
n = int(sys.argv[1])
tlds = ["com", "net", "org", "ru", "de", "info", "xn--p1ai", "io", "cn", "uk"]
for _ in range(100000):
    i = random.randrange(n)
    name = f"blocked-{i}.{'sub.' if i % 7 == 0 else ''}example-{i % 997}.{tlds[i % len(tlds)]}"
    print(("x." if i % 20 == 0 else "") + name + " A")
    print(f"allowed-{random.randrange(10000)}.example A")
PY

taskset -c 0 dnsperf -s 127.0.0.1 -p "$PD" -d "$WORK/queries.txt" -l $((MINUTES * 60)) -c 64 -Q 50000 > "$WORK/perf.out" 2>&1 &
PERF=$!
echo "| minute | RSS (MiB) |"
echo "|---:|---:|"
echo "| 0 | $(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$PDNS/status") |"
for m in $(seq 1 "$MINUTES"); do
  sleep 60
  echo "| $m | $(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$PDNS/status") |"
done
wait $PERF || true
grep -E "Queries sent|Queries completed|Queries lost|Queries per second" "$WORK/perf.out"
