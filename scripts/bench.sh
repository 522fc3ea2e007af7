#!/usr/bin/env bash
# `make bench`: store micro-benchmarks on SQLite and PostgreSQL, then HTTP load with wrk
# against a real `serve`. This machine is shared and noisy: every number is a median of
# RUNS runs and is reported next to a same-run baseline (store: BM_Ping; HTTP: /health).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin
RUNS="${BENCH_RUNS:-3}"
DURATION="${BENCH_SECONDS:-5}"
OUT=build/bench
mkdir -p "$OUT"

if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq wrk >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk; }
fi

echo "== store (Google Benchmark, median of $RUNS) =="
"$BIN/ca_store_bench" --benchmark_repetitions="$RUNS" --benchmark_report_aggregates_only=true \
  --benchmark_out="$OUT/store_sqlite.json" --benchmark_out_format=json | grep -E "median|Benchmark" || true
PGVER=$(ls /usr/lib/postgresql | sort -V | tail -1)
pg_virtualenv -v "$PGVER" bash -c "
  psql -qc 'CREATE DATABASE ca_bench' >/dev/null &&
  CA_BENCH_DATABASE_URL=postgresql:///ca_bench '$BIN/ca_store_bench' --benchmark_repetitions=$RUNS \
    --benchmark_report_aggregates_only=true --benchmark_out='$OUT/store_postgres.json' \
    --benchmark_out_format=json | grep -E 'median|Benchmark' || true"

echo "== HTTP (wrk, 2 threads, 32 connections, ${DURATION}s, median of $RUNS) =="
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TMP=$(mktemp -d)
ADMIN="bench-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DATABASE_URL="sqlite://$TMP/bench.db" ADMIN_API_KEY="$ADMIN" LOG_LEVEL=warn \
  "$BIN/creator-agents" serve --port "$PORT" >"$TMP/serve.log" 2>&1 &
SERVE_PID=$!
trap 'kill $SERVE_PID 2>/dev/null; wait $SERVE_PID 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
json_field() { python3 -c "import sys,json; print(json.load(sys.stdin)['$1'])"; }
CREATOR=$(curl -sf -X POST "$BASE/creators" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"Bench","email":"bench@example.com"}' | json_field id)
KEY=$(curl -sf -X POST "$BASE/creators/$CREATOR/api-keys" -H "Authorization: Bearer $ADMIN" | json_field key)
CONSUMER=$(curl -sf -X POST "$BASE/consumers" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"name":"Asha"}' | json_field id)
cat >"$TMP/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"name":"Visitor"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA

median_rps() {  # args: wrk arguments; prints the median requests/s of RUNS runs
  local vals=()
  for _ in $(seq "$RUNS"); do
    vals+=("$(wrk -t2 -c32 -d"${DURATION}s" "$@" | awk '/Requests\/sec/ {print $2}')")
  done
  printf '%s\n' "${vals[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

health=$(median_rps "$BASE/health")
get=$(median_rps -H "Authorization: Bearer $KEY" "$BASE/consumers/$CONSUMER")
post=$(median_rps -s "$TMP/post.lua" "$BASE/consumers")
{
  printf '%-36s %12s %8s\n' "endpoint (SQLite)" "req/s" "ratio"
  printf '%-36s %12.0f %8s\n' "GET /health (baseline)" "$health" "1.00"
  printf '%-36s %12.0f %8.2f\n' "GET /consumers/{id} (auth + read)" "$get" "$(awk -v a="$get" -v b="$health" 'BEGIN{print a/b}')"
  printf '%-36s %12.0f %8.2f\n' "POST /consumers (auth + write)" "$post" "$(awk -v a="$post" -v b="$health" 'BEGIN{print a/b}')"
} | tee "$OUT/http.txt"
