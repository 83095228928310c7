#!/usr/bin/env bash
# The portal under load with ENTRIES targets in the registry (default 1,000,000), on loopback (docs/benchmarks.md).
#
#   bench/portal/run.sh [ENTRIES]        (needs ab: apt-get install apache2-utils)
#
# Imports ENTRIES names as orders of 1,000 targets into a fresh `palisade serve`, then has ab request each page
# 2,000 times over 8 connections: a search that matches, a search that does not, an order page (1,000 targets and its
# proofs), the home page, the list of all orders, and the lookup API. Prints requests per second and the 50th and
# 99th percentile times. Not part of ./test.sh: it takes minutes and measures the machine, not correctness.
set -euo pipefail
cd "$(dirname "$0")/../.."
ENTRIES=${1:-1000000}
WORK=$(mktemp -d /tmp/palisade-portalbench-XXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
source bench/lib.sh

echo "== palisade serve, importing $ENTRIES names"
start_registry_with_names
BASE="http://127.0.0.1:$HTTP"

echo
echo "| page | requests/s | p50 | p99 |"
echo "|---|---:|---:|---:|"
for path in "/search?q=blocked-$((ENTRIES / 2)).example" "/search?q=www.not-listed.example" "/orders/court/D-$((ENTRIES / 2000))" \
            "/" "/orders" "/v1/lookup?name=blocked-$((ENTRIES / 3)).example"; do
  curl -sf -o /dev/null "$BASE$path"   # warm up, and fail loudly if the page is broken
  ab -q -n 2000 -c 8 "$BASE$path" > "$WORK/ab.txt"
  rps=$(awk '/Requests per second/ {print $4}' "$WORK/ab.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$WORK/ab.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$WORK/ab.txt")
  echo "| \`$path\` | $rps | $p50 ms | $p99 ms |"
done
echo "(ab and the server share the machine's cores; RSS of palisade serve: $(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' /proc/$SERVE/status))"
