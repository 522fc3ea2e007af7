#!/usr/bin/env bash
# HTTP half of `make bench`: starts `serve` on DATABASE_URL ($1), deploys a generic sales
# agent, loads it with wrk from this machine and prints `name value` lines to $2.
# Every figure is the median of RUNS runs.
set -euo pipefail
DB_URL="$1"
OUT="$2"
BIN=build/bin
RUNS="${BENCH_RUNS:-3}"
DURATION="${BENCH_SECONDS:-5}"
CONNS=64

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TMP=$(mktemp -d)
ADMIN="bench-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DATABASE_URL="$DB_URL" ADMIN_API_KEY="$ADMIN" LOG_LEVEL=warn HTTP_HANDLER_THREADS=96 DB_POOL_SIZE=16 \
  "$BIN/creator-agents" serve --port "$PORT" >"$TMP/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
field() { python3 -c "import sys,json; print(json.load(sys.stdin)['$1'])"; }
CREATOR=$(curl -sf -X POST "$BASE/creators" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"Bench","email":"bench@example.com"}' | field id)
KEY=$(curl -sf -X POST "$BASE/creators/$CREATOR/api-keys" -H "Authorization: Bearer $ADMIN" | field key)
curl -sf -X POST "$BASE/agents" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"name":"Sales","kind":"generic_sales","triggers":[{"event_type":"page_view"}]}' >/dev/null

# Single events from 5,000 visitors; every request is a new event.
cat >"$TMP/event.lua" <<LUA
math.randomseed(os.time())
request = function()
  local body = string.format('{"consumer":{"external_id":"v%d"},"type":"page_view"}', math.random(1, 5000))
  return wrk.format("POST", "/events", {["Content-Type"] = "application/json",
                    ["Authorization"] = "Bearer $KEY"}, body)
end
LUA
# Batches of 100 events.
python3 - "$TMP/batch.json" <<'PY'
import json, sys
events = [{"consumer": {"external_id": "b%d" % (i % 500)}, "type": "service_click",
           "payload": {"service_id": "s%d" % (i % 7)}} for i in range(100)]
open(sys.argv[1], "w").write(json.dumps({"events": events}))
PY
cat >"$TMP/batch.lua" <<LUA
local f = io.open("$TMP/batch.json"); local body = f:read("*a"); f:close()
request = function()
  return wrk.format("POST", "/events/batch", {["Content-Type"] = "application/json",
                    ["Authorization"] = "Bearer $KEY"}, body)
end
LUA

median_rps() {
  local vals=()
  for _ in $(seq "$RUNS"); do
    vals+=("$(wrk -t2 -c"$CONNS" -d"${DURATION}s" "$@" | awk '/Requests\/sec/ {print $2}')")
  done
  printf '%s\n' "${vals[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# A steady-state database, not the first seconds of an empty one: 20,000 known visitors
# (service clicks, which trigger no agent), then ANALYZE. On a brand-new PostgreSQL
# database the planner has no statistics until autovacuum's first ANALYZE (about a
# minute) and picks scans over a creator's whole consumer list; see docs/PERFORMANCE.md.
python3 - "$TMP/seed.json" <<'PY'
import json, sys
for part in range(20):
    events = [{"consumer": {"external_id": "seed%d" % (part * 1000 + i)}, "type": "service_click",
               "payload": {"service_id": "s%d" % (i % 7)}} for i in range(1000)]
    open("%s.%d" % (sys.argv[1], part), "w").write(json.dumps({"events": events}))
PY
for part in $(seq 0 19); do
  curl -sf -o /dev/null -X POST "$BASE/events/batch" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' --data-binary "@$TMP/seed.json.$part"
done
case "$DB_URL" in postgres*) psql -q "$DB_URL" -c ANALYZE ;; esac

# First, on an idle server: event → invocation latency at a fixed 1,000 events/s.
"$BIN/ca_latency_probe" "$BASE" "$KEY" "${PROBE_RATE:-1000}" "${PROBE_SECONDS:-10}" "${PROBE_CONNECTIONS:-64}" >"$TMP/probe.txt"
cat "$TMP/probe.txt" >&2

{
  grep -E '^(event_to_invocation_p50_ms|event_to_invocation_p99_ms|post_p99_ms|probe_rate_achieved|invocations_completed|invocations_expected) ' "$TMP/probe.txt"
  echo "http_ceiling_req_per_s $(median_rps "$BASE/health")"
  echo "ingest_events_per_s $(median_rps -s "$TMP/event.lua" "$BASE/events")"
  echo "batch_ingest_events_per_s $(awk -v r="$(median_rps -s "$TMP/batch.lua" "$BASE/events/batch")" 'BEGIN{print r*100}')"
  echo "server_rss_mb $(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$PID/status)"
} >"$OUT"
