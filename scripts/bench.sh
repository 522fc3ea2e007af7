#!/usr/bin/env bash
# `make bench`: store micro-benchmarks and HTTP load (wrk) against a real `serve`, on
# SQLite and on a throwaway PostgreSQL. This machine is shared and noisy: every number is a
# median and sits next to a same-run baseline (store: BM_Ping; HTTP: GET /health with the
# same client). The last line is one JSON object with every figure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin
RUNS="${BENCH_RUNS:-3}"
OUT=build/bench
mkdir -p "$OUT"

if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq wrk >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk; }
fi
PGVER=$(ls /usr/lib/postgresql | sort -V | tail -1)

echo "== store (Google Benchmark, median of $RUNS) =="
"$BIN/ca_store_bench" --benchmark_repetitions="$RUNS" --benchmark_report_aggregates_only=true \
  --benchmark_out="$OUT/store_sqlite.json" --benchmark_out_format=json | grep -E "median|Benchmark" || true
pg_virtualenv -v "$PGVER" bash -c "
  psql -qc 'CREATE DATABASE ca_bench' >/dev/null &&
  CA_BENCH_DATABASE_URL=postgresql:///ca_bench '$BIN/ca_store_bench' --benchmark_repetitions=$RUNS \
    --benchmark_report_aggregates_only=true --benchmark_out='$OUT/store_postgres.json' \
    --benchmark_out_format=json | grep -E 'median|Benchmark' || true"

echo "== HTTP on SQLite (wrk, 64 connections) =="
TMPDB=$(mktemp -d)
bash scripts/bench_http.sh "sqlite://$TMPDB/bench.db" "$OUT/http_sqlite.txt"
rm -rf "$TMPDB"
cat "$OUT/http_sqlite.txt"
echo "== HTTP on PostgreSQL (wrk, 64 connections) =="
# autovacuum_naptime as docs/operations.md recommends for the jobs queue.
pg_virtualenv -v "$PGVER" -o autovacuum_naptime=1s bash -c "psql -qc 'CREATE DATABASE ca_bench_http' >/dev/null &&
  bash scripts/bench_http.sh postgresql:///ca_bench_http '$OUT/http_postgres.txt'"
cat "$OUT/http_postgres.txt"

python3 - "$OUT" <<'PY'
import json, sys, os
out = sys.argv[1]
def kv(name):
    d = {}
    for line in open(os.path.join(out, name)):
        k, v = line.split()
        d[k] = float(v)
    return d
def median(name, bench):
    for b in json.load(open(os.path.join(out, name)))["benchmarks"]:
        if b["name"] == bench + "_median":
            return b
    return None
s, p = kv("http_sqlite.txt"), kv("http_postgres.txt")
res = {
    "http_ceiling_req_per_s": round(s["http_ceiling_req_per_s"]),
    "ingest_events_per_s": {"sqlite": round(s["ingest_events_per_s"]), "postgres": round(p["ingest_events_per_s"])},
    "ingest_ratio_to_ceiling": {"sqlite": round(s["ingest_events_per_s"] / s["http_ceiling_req_per_s"], 2),
                                "postgres": round(p["ingest_events_per_s"] / p["http_ceiling_req_per_s"], 2)},
    "batch_ingest_events_per_s": {"sqlite": round(s["batch_ingest_events_per_s"]), "postgres": round(p["batch_ingest_events_per_s"])},
    "server_rss_mb": {"sqlite": s["server_rss_mb"], "postgres": p["server_rss_mb"]},
}
# Open-loop probe at a fixed rate (default 1,000 events/s) on an idle server.
for key in ("event_to_invocation_p50_ms", "event_to_invocation_p99_ms", "post_p99_ms",
            "probe_rate_achieved"):
    res[key] = {"sqlite": s.get(key), "postgres": p.get(key)}
res["invocations_completed_of_expected"] = {
    b: "%d/%d" % (d.get("invocations_completed", 0), d.get("invocations_expected", 0))
    for b, d in (("sqlite", s), ("postgres", p))}
for backend, f in (("sqlite", "store_sqlite.json"), ("postgres", "store_postgres.json")):
    b = median(f, "BM_InsertEventsBatch500")
    if b:
        res.setdefault("db_copy_rows_per_s", {})[backend] = round(b["items_per_second"])
print(json.dumps(res))
PY
