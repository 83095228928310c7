# Sourced by the side-by-side scripts under bench/ (run from the repository root).

PALISADE="dotnet src/Palisade.Cli/bin/Release/net10.0/palisade.dll"

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# A fresh `palisade serve [flags…]` with the authority "court" and an authority key of it (on CPU $SERVE_CPU if set).
# Needs WORK (a scratch directory) and PIDS (an array the caller kills on exit).
# Sets HTTP (the registry's port), KEY (an authority key of "court") and SERVE (the process id).
start_registry() {
dotnet build src/Palisade.Cli -c Release -nologo -v:q >/dev/null
HTTP=$(free_port)
# Publication batched over 20 s, so an import makes a few versions rather than hundreds.
Palisade__PublishDelay=00:00:20 ${SERVE_CPU:+taskset -c $SERVE_CPU} $PALISADE serve --data "$WORK/data" --urls "http://127.0.0.1:$HTTP" "$@" > "$WORK/serve.log" 2>&1 & SERVE=$!; PIDS+=($SERVE)
for _ in $(seq 1 100); do grep -q "Palisade registry listening" "$WORK/serve.log" && break; sleep 0.2; done
ADMIN=$(grep -o 'pal_[A-Za-z0-9_-]*' "$WORK/serve.log" | head -1)
curl -sf -X POST -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"id":"court","name":"A court","jurisdiction":"XX","url":"https://court.example/"}' "http://127.0.0.1:$HTTP/v1/authorities" >/dev/null
KEY=$(curl -sf -X POST -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"role":"authority","authority":"court"}' \
  "http://127.0.0.1:$HTTP/v1/keys" | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
}

# Imports LIST (a CSV of target,decision) into the registry start_registry started.
import_list() {
time $PALISADE import --format csv "$1" --registry "http://127.0.0.1:$HTTP" --key "$KEY" --legal-basis "Benchmark" --category court-order \
  --effective 2020-01-01T00:00:00Z > "$WORK/import.log"
cat "$WORK/import.log"
}

# A fresh `palisade serve [flags…]` holding ENTRIES names as orders of 1,000 decisions each (see start_registry).
start_registry_with_names() {
start_registry "$@"
python3 - "$ENTRIES" > "$WORK/list.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("target,decision")
for i in range(n):
    print(f"blocked-{i}.example,D-{i // 1000}")
PY
import_list "$WORK/list.csv"
}
