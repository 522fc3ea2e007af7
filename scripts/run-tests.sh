#!/usr/bin/env bash
# Runs every suite. PostgreSQL tests need a server: a throwaway cluster from Debian's
# pg_virtualenv (no preinstalled service needed), dropped when the tests end.
set -euo pipefail
PRESET="${1:-release}"
cd "$(dirname "$0")/.."

JOBS="${CTEST_JOBS:-2}"
run_ctest() { ctest --preset "$PRESET" -j "$JOBS" --timeout 300; }

if [ -n "${PGHOST:-}" ]; then
  run_ctest            # already inside a PostgreSQL environment
else
  PGVER=$(ls /usr/lib/postgresql | sort -V | tail -1)
  export -f run_ctest
  export PRESET JOBS
  pg_virtualenv -v "$PGVER" bash -c run_ctest
fi

# The dashboard in headless Chromium against the freshly built binary (after ctest).
BIN="build/bin/creator-agents"
[ "$PRESET" = "release" ] || BIN="build/$PRESET/bin/creator-agents"
node tests/browser/dashboard.test.mjs "$BIN"
