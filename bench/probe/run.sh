#!/usr/bin/env bash
# Probe throughput against a simulated network on loopback (docs/benchmarks.md, issue 15).
#
#   bench/probe/run.sh [TARGETS] [SAMPLE]     (defaults 1,000 and all of them; needs unbound and dnsmasq)
#
# Imports TARGETS names into a fresh `palisade serve`, whose block page (any Host, HTTP 451) stands in for the web
# sites on a loopback address of their own, port 80. unbound is the control resolver (every name answers that address).
# Two operator resolvers are measured in turn:
#   - dnsmasq forwarding everything (no order enforced): each resource costs 4 DNS queries and 2 HTTP fetches;
#   - palisade dns following the registry (every order enforced): each costs 4 DNS queries and the control's fetch.
# Prints the resources per second of `palisade probe --schemes http --parallel 64`, from start (bundle fetched and
# verified) to the last measurement written. Not part of ./test.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
ENTRIES=${1:-1000}
SAMPLE=${2:-}
WORK=$(mktemp -d /tmp/palisade-probebench-XXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
source bench/lib.sh

WEB="127.77.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 2))"
echo "== palisade serve with $ENTRIES names, its block page on $WEB:80 standing in for the sites"
start_registry_with_names --block-page "http://$WEB:80"
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$HTTP/v1/bundles/latest" -o /dev/null && break; sleep 0.5; done

python3 - "$ENTRIES" "$WEB" > "$WORK/names.zone" <<'PY'
import sys
n, web = int(sys.argv[1]), sys.argv[2]
print("$TTL 3600\n@ SOA ns.invalid. hostmaster.invalid. 1 60 60 60 60\n@ NS ns.invalid.")
for i in range(n):
    print(f"blocked-{i}.example. A {web}")
PY
CONTROL=$(free_port)
cat > "$WORK/unbound.conf" <<EOF2
server:
  interface: 127.0.0.1
  port: $CONTROL
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$WORK"
  pidfile: ""
  use-syslog: no
  logfile: ""
  module-config: "iterator"
  num-threads: 1
  msg-cache-size: 64m
  rrset-cache-size: 128m
auth-zone:
  name: "."
  zonefile: "$WORK/names.zone"
  for-downstream: no
  for-upstream: yes
  fallback-enabled: no
EOF2
unbound -d -c "$WORK/unbound.conf" > "$WORK/unbound.log" 2>&1 & PIDS+=($!)
PLAIN=$(free_port)
dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --pid-file= --listen-address=127.0.0.1 --bind-interfaces \
  --port="$PLAIN" --server="127.0.0.1#$CONTROL" --cache-size=10000 > "$WORK/dnsmasq.log" 2>&1 & PIDS+=($!)
FILTER=$(free_port)
$PALISADE dns --registry "http://127.0.0.1:$HTTP" --dns "127.0.0.1:$FILTER" --upstream "127.0.0.1:$CONTROL" --cache "$WORK/dns-cache" > "$WORK/dns.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 100); do dig +short -p "$CONTROL" @127.0.0.1 blocked-0.example | grep -q . && break; sleep 0.2; done
sleep 3

echo
echo "| operator resolver | resources | seconds | resources/s | verdicts |"
echo "|---|---:|---:|---:|---|"
for resolver in "dnsmasq (nothing enforced):$PLAIN" "palisade dns (all enforced):$FILTER"; do
  name=${resolver%%:*}; port=${resolver##*:}
  start=$(date +%s.%N)
  $PALISADE probe --registry "http://127.0.0.1:$HTTP" --resolver "127.0.0.1:$port" --control-resolver "127.0.0.1:$CONTROL" \
    --schemes http --parallel 64 --timeout 5 ${SAMPLE:+--sample $SAMPLE} --output "$WORK/m.jsonl" 2> "$WORK/probe.err"
  end=$(date +%s.%N)
  count=$(wc -l < "$WORK/m.jsonl")
  verdicts=$(python3 -c "import json,collections,sys; c=collections.Counter(json.loads(l)['test_keys']['x_palisade_verdict'] for l in open('$WORK/m.jsonl')); print(', '.join(f'{v} {k}' for k,v in c.most_common()))")
  python3 -c "print(f'| $name | $count | {($end-$start):.1f} | {$count/($end-$start):.0f} | $verdicts |')"
done
