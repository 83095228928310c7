#!/usr/bin/env bash
# palisade inspect side by side with ndpiReader and tshark, each pinned to one core (docs/benchmarks.md, issue 19).
#
#   bench/inspect/run.sh [PACKETS]      (default 1,000,000; needs tshark and mergecap, and ndpiReader from libndpi-bin)
#
# Builds one large pcap (Ethernet link type) by concatenating the Ethernet test captures in ../shared/testdata/captures
# until it holds PACKETS frames, then times, pinned to CPU 1 with taskset, each reading the whole file twice (alternated):
#   palisade inspect FILE --names
#   tshark -r FILE -T fields -e tls.handshake.extensions_server_name -e http.host -e dns.qry.name
#   ndpiReader -i FILE (flow classification, its own output discarded)
# and prints packets per second and the ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
PACKETS=${1:-1000000}
WORK=$(mktemp -d /tmp/palisade-inspectbench-XXXX)
trap 'rm -rf "$WORK"' EXIT
dotnet build src/Palisade.Cli -c Release -nologo -v:q >/dev/null
PALISADE="dotnet src/Palisade.Cli/bin/Release/net10.0/palisade.dll"

# Ethernet pcap files only, so they concatenate into one link type.
inputs=()
for f in ../shared/testdata/captures/*; do
  if [ "$(tshark -r "$f" -T fields -e frame.protocols -c 1 2>/dev/null | cut -d: -f1)" = eth ]; then inputs+=("$f"); fi
done
mergecap -F pcap -a -w "$WORK/round.pcap" "${inputs[@]}"
per=$(capinfos -c -M "$WORK/round.pcap" | awk '/Number of packets/ {print $NF}')
rounds=$(( (PACKETS + per - 1) / per ))
files=(); for _ in $(seq 1 "$rounds"); do files+=("$WORK/round.pcap"); done
mergecap -F pcap -a -w "$WORK/big.pcap" "${files[@]}"
total=$(capinfos -c -M "$WORK/big.pcap" | awk '/Number of packets/ {print $NF}')
echo "capture: $total packets, $(du -m "$WORK/big.pcap" | cut -f1) MiB ($rounds rounds of ${#inputs[@]} test captures)"

time_of() { local start end; start=$(date +%s.%N); taskset -c 1 "$@" > /dev/null 2>&1; end=$(date +%s.%N); python3 -c "print(f'{$end-$start:.2f}')"; }
declare -A best
for round in 1 2; do
  for tool in palisade tshark ndpi; do
    case $tool in
      palisade) t=$(time_of $PALISADE inspect "$WORK/big.pcap" --names) ;;
      tshark) t=$(time_of tshark -r "$WORK/big.pcap" -T fields -e tls.handshake.extensions_server_name -e http.host -e dns.qry.name) ;;
      ndpi) if command -v ndpiReader >/dev/null; then t=$(time_of ndpiReader -i "$WORK/big.pcap" -q); else t=""; fi ;;
    esac
    echo "round $round $tool: ${t:-not installed} s"
    if [ -n "$t" ] && { [ -z "${best[$tool]:-}" ] || python3 -c "import sys; sys.exit(0 if $t < ${best[$tool]} else 1)"; }; then best[$tool]=$t; fi
  done
done
echo
echo "| tool | best of 2 (s) | packets/s |"
echo "|---|---:|---:|"
for tool in palisade ndpi tshark; do
  [ -n "${best[$tool]:-}" ] && python3 -c "print(f'| $tool | ${best[$tool]} | {$total/${best[$tool]}:,.0f} |')"
done
[ -n "${best[ndpi]:-}" ] && python3 -c "print(f'palisade / ndpiReader packets per second: {${best[ndpi]}/${best[palisade]}:.2f}')"
python3 -c "print(f'palisade time / tshark time: {${best[palisade]}/${best[tshark]}:.3f}')"
