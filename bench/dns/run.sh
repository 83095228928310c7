#!/usr/bin/env bash
# Palisade's DNS server against unbound, per core, with the same policy (issue 17; numbers in docs/benchmarks.md).
#
#   bench/dns/run.sh [ORDERS]     (default 1051: 1,051 orders of 1,000 triggers, 5 % of them wildcards, some IDNs)
#   needs dnsperf, unbound, dig, curl, taskset:  apt-get install dnsperf unbound bind9-dnsutils curl util-linux
#
# 1. A fresh `palisade serve` imports the generated policy as ORDERS orders (names of varied length and TLD).
# 2. The same version is exported as RPZ and loaded into unbound (respip); an upstream unbound is authoritative for the
#    allowed names (TTL 3600).
# 3. `palisade dns` and unbound each run pinned to CPU 1 (one thread each), dnsperf pinned to CPU 0 (-c 64 -q 500);
#    each server's CPU time during a run (from /proc) gives its queries per CPU-second.
#    For each mix (50 % blocked, all blocked, all allowed from the cache), after a warm-up, the maximum rate over
#    DURATION seconds (default 15), alternated between the servers ROUNDS times (default 2); then the p99 latency of
#    each at a fixed rate of 70 % of unbound's maximum for that mix.
# 4. RSS of both at the start and after the runs, and of an empty `palisade dns`; time to the first blocked answer.
# 5. Hot swap: dnsperf at 70 % of unbound's mixed rate against `palisade dns` while the registry publishes a version
#    (an amendment of 100 names): queries lost and answered after more than 100 ms.
# Not part of ./test.sh: it takes 7 to 15 minutes (by machine) and measures the machine, not correctness.
set -euo pipefail
cd "$(dirname "$0")/../.."
ORDERS=${1:-1051}
DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-2}
WORK=$(mktemp -d /tmp/palisade-dnsbench-XXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
source bench/lib.sh
for tool in dnsperf unbound dig curl taskset; do
  command -v "$tool" >/dev/null || { echo "bench/dns/run.sh needs $tool (apt-get install dnsperf unbound bind9-dnsutils curl util-linux)" >&2; exit 1; }
done

wait_dns() { # port name status
  for _ in $(seq 1 2400); do
    if dig @127.0.0.1 -p "$1" +tries=1 +time=1 "$2" A 2>/dev/null | grep -q "status: $3"; then return 0; fi
    sleep 0.25
  done
  echo "port $1 never answered $3 for $2" >&2; return 1
}
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

echo "== the policy: $ORDERS orders of 1,000 triggers"
python3 - "$ORDERS" "$WORK" <<'PY'
import random, sys
random.seed(17)
orders, work = int(sys.argv[1]), sys.argv[2]
# A TLD mix like a national register's: mostly com, then country and other generic TLDs; .рф names are IDNs.
tlds = [("com", 40), ("ru", 14), ("net", 8), ("org", 6), ("info", 4), ("рф", 4), ("io", 3), ("de", 3), ("uk", 3),
        ("xyz", 3), ("top", 3), ("cn", 2), ("su", 2), ("online", 2), ("site", 2), ("me", 1)]
pool = [t for t, w in tlds for _ in range(w)]
consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"
cyr_consonants, cyr_vowels = "бвгджзклмнпрстфх", "аеиоуя"
def word(lo, hi, c=consonants, v=vowels):
    return "".join(random.choice(c) + random.choice(v) for _ in range(random.randint(lo, hi)))
seen, names = set(), []
while len(names) < orders * 1000:
    tld = random.choice(pool)
    if tld == "рф":
        base = word(3, 6, cyr_consonants, cyr_vowels) + "." + tld
    else:
        # Registrable labels of 6 to 16 letters with a number, so that none is a public suffix.
        base = word(3, 8) + str(random.randint(1, 999)) + "." + tld
    r = random.random()
    name = base if r < 0.6 else (random.choice(["www", "m", "mirror", "cdn", "api"]) + "." + base if r < 0.9 else word(2, 4) + "." + word(2, 5) + "." + base)
    if name in seen:
        continue
    seen.add(name)
    names.append(("*." + name) if random.random() < 0.05 else name)
with open(f"{work}/list.csv", "w", encoding="utf-8") as f:
    f.write("target,decision\n")
    for i, n in enumerate(names):
        f.write(f"{n},D-{i // 1000}\n")
PY
wc -l < "$WORK/list.csv"

echo "== upstream: unbound authoritative for 10,000 allowed names (TTL 3600)"
UP=$(free_port)
{ echo '$TTL 3600'; echo '@ SOA ns.invalid. h.invalid. 1 60 60 60 3600'; echo '@ NS ns.invalid.'
  for i in $(seq 0 9999); do echo "allowed-$i.example. A 192.0.2.$((i % 250 + 1))"; done
  # Every other name exists upstream too, so an NXDOMAIN can only come from the policy.
  echo '*. A 192.0.2.254'; } > "$WORK/allowed.zone"
unbound_conf() { # port extra
  printf 'server:\n  interface: 127.0.0.1\n  port: %s\n  do-daemonize: no\n  username: ""\n  chroot: ""\n  directory: "%s"\n  pidfile: ""\n  use-syslog: no\n  logfile: ""\n  do-not-query-localhost: no\n  num-threads: 1\n%s\n' "$1" "$WORK" "$2"
}
unbound_conf "$UP" "$(printf '  module-config: "iterator"\nauth-zone:\n  name: "."\n  zonefile: "%s"\n  for-downstream: no\n  for-upstream: yes\n  fallback-enabled: no' "$WORK/allowed.zone")" > "$WORK/upstream.conf"
taskset -c 0 unbound -d -c "$WORK/upstream.conf" > "$WORK/upstream.log" 2>&1 & PIDS+=($!)
wait_dns "$UP" allowed-1.example NOERROR

echo "== palisade serve, importing"
SERVE_CPU=0 start_registry
import_list "$WORK/list.csv" 2>/dev/null | tail -1
TRIGGERS=$(( $(wc -l < "$WORK/list.csv") - 1 ))
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$HTTP/v1/bundles/latest" -o /dev/null -D "$WORK/latest.h" && grep -qi '^x-palisade-entries' "$WORK/latest.h" || true
  $PALISADE export --registry "http://127.0.0.1:$HTTP" --format rpz -o "$WORK/policy.rpz" 2>/dev/null || true
  [ -s "$WORK/policy.rpz" ] && [ "$(grep -c 'CNAME' "$WORK/policy.rpz")" -ge "$TRIGGERS" ] && break
  sleep 1
done
echo "exported $(grep -c 'CNAME' "$WORK/policy.rpz") RPZ triggers"

echo "== the queries"
python3 - "$WORK" <<'PY'
import random, sys
random.seed(3)
work = sys.argv[1]
blocked = []
for line in open(f"{work}/policy.rpz", encoding="utf-8"):
    # Owners are relative to $ORIGIN rpz.palisade.: "name CNAME . ; court/D-1"
    parts = line.split()
    if len(parts) >= 3 and parts[1] == "CNAME" and "rpz-" not in parts[0]:
        owner = parts[0]
        blocked.append(("q" + str(random.randint(1, 99)) + owner[1:]) if owner.startswith("*.") else owner)
random.shuffle(blocked)
blocked = blocked[:200000]
allowed = [f"allowed-{random.randrange(10000)}.example" for _ in range(200000)]
with open(f"{work}/q-blocked.txt", "w") as f:
    f.writelines(f"{n} A\n" for n in blocked)
with open(f"{work}/q-allowed.txt", "w") as f:
    f.writelines(f"{n} A\n" for n in allowed)
with open(f"{work}/q-mixed.txt", "w") as f:
    for b, a in zip(blocked, allowed):
        f.write(f"{b} A\n{a} A\n")
print(f"{len(blocked)} blocked query names, {len(allowed)} allowed")
PY
FIRST_BLOCKED=$(head -1 "$WORK/q-blocked.txt" | cut -d' ' -f1)
[ -n "$FIRST_BLOCKED" ] || { echo "no blocked names read from $WORK/policy.rpz" >&2; exit 1; }

echo "== unbound with the same version as RPZ, pinned to CPU 1"
UB=$(free_port)
unbound_conf "$UB" "$(printf '  module-config: "respip iterator"\n  msg-cache-size: 64m\n  rrset-cache-size: 128m\n  so-rcvbuf: 4m\nforward-zone:\n  name: "."\n  forward-addr: 127.0.0.1@%s\nrpz:\n  name: "rpz.palisade"\n  zonefile: "%s"' "$UP" "$WORK/policy.rpz")" > "$WORK/unbound.conf"
START=$(date +%s.%N)
taskset -c 1 unbound -d -c "$WORK/unbound.conf" > "$WORK/unbound.log" 2>&1 & UNBOUND=$!; PIDS+=($UNBOUND)
wait_dns "$UB" "$FIRST_BLOCKED" NXDOMAIN
UB_READY=$(python3 -c "print(f'{$(date +%s.%N) - $START:.1f}')")
UB_RSS0=$(rss $UNBOUND)

echo "== palisade dns, pinned to CPU 1"
PD=$(free_port)
START=$(date +%s.%N)
taskset -c 1 src/Palisade.Cli/bin/Release/net10.0/palisade dns --registry "http://127.0.0.1:$HTTP" --dns "127.0.0.1:$PD" \
  --upstream "127.0.0.1:$UP" --cache "$WORK/dns-cache" > "$WORK/dns.log" 2>&1 & PDNS=$!; PIDS+=($PDNS)
wait_dns "$PD" "$FIRST_BLOCKED" NXDOMAIN
PD_READY=$(python3 -c "print(f'{$(date +%s.%N) - $START:.1f}')")
PD_RSS0=$(rss $PDNS)
# A first version from the registry has its load's garbage collected 200 ms after the swap (docs/dns.md).
sleep 2
PD_RSS2=$(rss $PDNS)

cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }   # user and system time, in 1/100 s
declare -A USER_US SYS_US
qps() { # port file seconds pid -> "rate lost cpu% rate-per-cpu-second user-µs-per-query system-µs-per-query"
  local u0 s0 u1 s1
  read -r u0 s0 < <(cpu_ticks "$4")
  taskset -c 0 dnsperf -s 127.0.0.1 -p "$1" -d "$2" -l "$3" -c 64 -q 500 2>/dev/null > "$WORK/perf.out" || true
  read -r u1 s1 < <(cpu_ticks "$4")
  awk -v user=$((u1 - u0)) -v sys=$((s1 - s0)) -v secs="$3" '/Queries per second/ {qps=$4} /Queries lost/ {lost=$3}
    END {cpu = user + sys; share = cpu / (secs * 100); n = qps * secs > 0 ? qps * secs : 1
      printf "%.0f %s %.0f %.0f %.2f %.2f\n", qps, lost, share * 100, qps / (share > 0 ? share : 1), user * 1e4 / n, sys * 1e4 / n}' "$WORK/perf.out"
}
p99() { # port file rate
  taskset -c 0 dnsperf -s 127.0.0.1 -p "$1" -d "$2" -l 10 -c 64 -Q "$3" -v 2>/dev/null | awk '/^> / {print $NF}' | sort -g \
    | awk '{a[NR]=$1} END {printf "%.2f", a[int(NR*0.99)]*1000}'
}

declare -A BEST_P BEST_U LOST_P LOST_U
echo
echo "| mix | round | palisade dns q/s (lost, CPU) | unbound q/s (lost, CPU) | ratio | palisade q per CPU-s | unbound q per CPU-s | ratio per CPU-s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for mix in mixed blocked allowed; do
  # Warm both caches (and both JITs) with the whole query file.
  qps "$PD" "$WORK/q-$mix.txt" 5 "$PDNS" > /dev/null; qps "$UB" "$WORK/q-$mix.txt" 5 "$UNBOUND" > /dev/null
  for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then
      read -r p pl pc pn pus pss < <(qps "$PD" "$WORK/q-$mix.txt" "$DURATION" "$PDNS"); read -r u ul uc un uus uss < <(qps "$UB" "$WORK/q-$mix.txt" "$DURATION" "$UNBOUND")
    else
      read -r u ul uc un uus uss < <(qps "$UB" "$WORK/q-$mix.txt" "$DURATION" "$UNBOUND"); read -r p pl pc pn pus pss < <(qps "$PD" "$WORK/q-$mix.txt" "$DURATION" "$PDNS")
    fi
    USER_US[$mix]="${USER_US[$mix]:-}$pus/$uus "; SYS_US[$mix]="${SYS_US[$mix]:-}$pss/$uss "
    printf '| %s | %s | %s (%s, %s %%) | %s (%s, %s %%) | %s | %s | %s | %s |\n' "$mix" "$round" "$p" "$pl" "$pc" "$u" "$ul" "$uc" \
      "$(python3 -c "print(f'{$p/max($u,1):.2f}')")" "$pn" "$un" "$(python3 -c "print(f'{$pn/max($un,1):.2f}')")"
    [ "${BEST_P[$mix]:-0}" -lt "$p" ] && BEST_P[$mix]=$p
    [ "${BEST_U[$mix]:-0}" -lt "$u" ] && BEST_U[$mix]=$u
  done
done
echo "(dnsperf has one core; when a server's CPU share is under 100 % the generator, not the server, set the rate, and the"
echo " queries per CPU-second are the fair per-core comparison)"
echo
echo "CPU time per query by round, palisade dns / unbound, in µs (user in our code and libraries; system in the kernel,"
echo "mostly the UDP path both servers share):"
echo "| mix | user | system |"
echo "|---|---|---|"
for mix in mixed blocked allowed; do echo "| $mix | ${USER_US[$mix]} | ${SYS_US[$mix]} |"; done

echo
echo "| mix | fixed rate (70 % of unbound's best) | palisade dns p99 | unbound p99 |"
echo "|---|---:|---:|---:|"
for mix in mixed blocked allowed; do
  rate=$(( BEST_U[$mix] * 7 / 10 ))
  printf '| %s | %s q/s | %s ms | %s ms |\n' "$mix" "$rate" "$(p99 "$PD" "$WORK/q-$mix.txt" "$rate")" "$(p99 "$UB" "$WORK/q-$mix.txt" "$rate")"
done

PD_RSS_BEFORE_SWAP=$(rss $PDNS)
echo
echo "== hot swap under load: 70 % of unbound's mixed rate for 40 s, an amendment of 100 names published meanwhile"
RATE=$(( BEST_U[mixed] * 7 / 10 ))
python3 -c "
import json
print(json.dumps({'add': [f'swap-{i}.example' for i in range(100)]}))" > "$WORK/amend.json"
( sleep 5; curl -sf -X POST -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d @"$WORK/amend.json" \
    "http://127.0.0.1:$HTTP/v1/orders/court/D-0/amend" > /dev/null; date +%s.%N > "$WORK/amended.at" ) &
taskset -c 0 dnsperf -s 127.0.0.1 -p "$PD" -d "$WORK/q-mixed.txt" -l 40 -c 64 -Q "$RATE" -v 2>/dev/null > "$WORK/swap.out" || true
SENT=$(awk '/Queries sent/ {print $3}' "$WORK/swap.out")
LOST=$(awk '/Queries lost/ {print $3}' "$WORK/swap.out")
LATE=$(awk '/^> / && $NF > 0.1 {n++} END {print n+0}' "$WORK/swap.out")
SWAPPED=$(dig @127.0.0.1 -p "$PD" +short +tries=1 +time=1 swap-7.example A >/dev/null 2>&1; dig @127.0.0.1 -p "$PD" +tries=1 +time=1 swap-7.example A | grep -o 'status: [A-Z]*')
echo "rate $RATE q/s: sent $SENT, lost $LOST, answered after 100 ms: $LATE; the new name afterwards: $SWAPPED"

echo
echo "== memory and start"
EMPTY=$WORK/empty
dotnet run bench/dns/policy-cache.cs 21 "$EMPTY" > /dev/null
EP=$(free_port)
taskset -c 1 src/Palisade.Cli/bin/Release/net10.0/palisade dns --registry http://127.0.0.1:1 --key "$(cat "$EMPTY/registry.key")" \
  --cache "$EMPTY" --dns "127.0.0.1:$EP" --upstream "127.0.0.1:$UP" > "$WORK/empty.log" 2>&1 & EMPTY_PID=$!; PIDS+=($EMPTY_PID)
wait_dns "$EP" blocked-1.example-1.net NXDOMAIN
sleep 2
echo "| | palisade dns | unbound $(unbound -V | head -1 | awk '{print $2}') |"
echo "|---|---:|---:|"
echo "| policy triggers | $TRIGGERS | $TRIGGERS |"
echo "| start to first blocked answer | ${PD_READY} s (bundle from the registry) | ${UB_READY} s |"
echo "| RSS at start (at the first blocked answer) | ${PD_RSS0} MiB | ${UB_RSS0} MiB |"
echo "| RSS 2 s after the first blocked answer | ${PD_RSS2} MiB | |"
echo "| RSS after the runs, before the hot swap | ${PD_RSS_BEFORE_SWAP} MiB | |"
echo "| RSS after the runs | $(rss $PDNS) MiB | $(rss $UNBOUND) MiB |"
echo "| RSS of an empty palisade dns (21 entries) | $(rss $EMPTY_PID) MiB | |"
python3 -c "print(f'| RSS per trigger above the empty server | {($(rss $PDNS) - $(rss $EMPTY_PID)) * 1048576 / $TRIGGERS:.0f} B | {$(rss $UNBOUND) * 1048576 / $TRIGGERS:.0f} B (whole process) |')"
