#!/usr/bin/env bash
# How fast `palisade dns` is ready, and how much memory it holds, with a policy of ENTRIES entries loaded from its
# verified cache (no registry reachable: the fail-static start), under GC and JIT settings (docs/benchmarks.md, issue 17).
#
#   bench/dns/startup.sh [ENTRIES]     (default 1000000; needs dig)
#
# policy-cache.cs writes a signed bundle (names of varied TLDs, 5 % wildcards, 1,000 entries per order) with its
# signature and the pinned key into a cache directory; each run starts `palisade dns` on it pinned to CPU 1, times the
# first NXDOMAIN for a blocked name, and reads VmRSS then and 3 s later. The one-entry run is the empty server's RSS.
set -euo pipefail
cd "$(dirname "$0")/../.."
ENTRIES=${1:-1000000}
WORK=$(mktemp -d /tmp/palisade-dnsstart-XXXX)
trap 'rm -rf "$WORK"' EXIT
dotnet build src/Palisade.Cli -c Release -nologo -v:q >/dev/null
dotnet run bench/dns/policy-cache.cs "$ENTRIES" "$WORK/big" | tail -1
dotnet run bench/dns/policy-cache.cs 21 "$WORK/small" | tail -1
PALISADE=src/Palisade.Cli/bin/Release/net10.0/palisade

run() { # cache name env...
  local cache=$1 name=$2; shift 2
  local port=$((20000 + RANDOM % 20000)) start ready rss1 rss2 pid
  start=$(date +%s.%N)
  env "$@" taskset -c 1 "$PALISADE" dns --registry http://127.0.0.1:1 --key "$(cat "$cache/registry.key")" --cache "$cache" \
    --dns "127.0.0.1:$port" --upstream 127.0.0.1:9 > "$WORK/dns.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    if dig @127.0.0.1 -p "$port" +tries=1 +time=1 "$name" A 2>/dev/null | grep -q "status: NXDOMAIN"; then break; fi
    sleep 0.05
  done
  ready=$(date +%s.%N)
  rss1=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  sleep 3
  rss2=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 -c "print(f'| {\"$*\"} | {${ready}-${start}:.2f} | {${rss1}/1024:.0f} | {${rss2}/1024:.0f} |')"
}

echo "| settings | ready (s) | RSS at ready (MiB) | RSS 3 s later (MiB) |"
echo "|---|---:|---:|---:|"
echo -n "(empty server, 21 entries) "; run "$WORK/small" blocked-1.example-1.net A=1
for v in A=1 DOTNET_gcConcurrent=0 DOTNET_GCConserveMemory=7 DOTNET_gcServer=1 DOTNET_TieredPGO=0 DOTNET_TieredCompilation=0; do
  run "$WORK/big" blocked-1.example-1.net $v
done
