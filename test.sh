#!/usr/bin/env bash
# Builds Palisade in Release, runs every test project, and ends with one line "N passed, N failed[, N skipped]"
# computed from the TRX results (tests/Palisade.Testing holds the helpers they share and is not one). Installs the
# Debian packages the tests need when they are missing.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use: the Public Suffix List (Core); the real peers that read exported lists:
# named-checkzone (bind9-utils), dig (bind9-dnsutils), unbound, nft (nftables) and dnsmasq (dnsmasq-base); BIND's
# named (bind9), which follows the RPZ zone with TSIG as docs/dns.md configures it; the
# browser the portal tests drive (chromium, headless, over the DevTools protocol); tshark, which the capture tests
# compare palisade inspect with; PostgreSQL, the registry's second store; and a font with Chinese glyphs, so the
# browser draws the portal's Chinese pages (and their screenshots) in characters rather than empty boxes.
packages=(publicsuffix bind9 bind9-utils bind9-dnsutils unbound nftables dnsmasq-base chromium postgresql tshark fonts-wqy-zenhei)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A throwaway PostgreSQL cluster for the registry tests on PostgreSQL: initdb into a temporary directory as an
# unprivileged user, listening on 127.0.0.1 and a free port only, stopped and removed when this script ends.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pg_dir=$(mktemp -d /tmp/palisade-pg.XXXXXX)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_pg() {
  if [ -f "$pg_dir/data/postmaster.pid" ]; then as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$pg_dir"
}
trap stop_pg EXIT
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pg_dir"
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U palisade --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
for attempt in $(seq 1 20); do
  pg_port=$(( 20000 + RANDOM % 30000 ))
  (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null && continue
  if as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 30 \
      -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null; then
    break
  fi
done
export PALISADE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=palisade;Database=postgres"
echo "PostgreSQL for the tests on 127.0.0.1:$pg_port"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results=TestResults
rm -rf "$results"
dotnet build Palisade.slnx -c Release -m:1 -nologo -v:q

status=0
for proj in tests/*.Tests/*.csproj; do
  name=$(basename "$proj" .csproj)
  dotnet test "$proj" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" || status=1
done

# Sum the <Counters total=".." executed=".." passed=".." failed=".." .../> of every TRX file. A skipped test is
# counted in total but not in executed.
read -r passed failed skipped < <(
  grep -ho '<Counters [^>]*>' "$results"/*.trx 2>/dev/null | tr ' ' '\n' | awk -F'"' '
    /^total=/ {t += $2} /^executed=/ {e += $2} /^passed=/ {p += $2}
    /^failed=/ || /^error=/ || /^timeout=/ || /^aborted=/ {f += $2}
    END {print p+0, f+0, t-e}')
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
