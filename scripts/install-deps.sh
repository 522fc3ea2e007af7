#!/usr/bin/env bash
# Installs every build, run and test dependency from Debian 12 packages.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git curl ca-certificates tzdata python3
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libpq-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev libjemalloc-dev
  libspdlog-dev libfmt-dev libcli11-dev libhowardhinnant-date-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql postgresql-contrib
  clang-format clang-tidy
  chromium
)
# Browser tests run on Node (18+; Debian's, or a newer one already installed) and npm.
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# playwright-core for the dashboard's browser tests, at the version package-lock.json pins
# (it drives /usr/bin/chromium; no browser download).
BROWSER_TESTS="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
if [ ! -f "$BROWSER_TESTS/node_modules/playwright-core/package.json" ]; then
  echo "install-deps: npm ci in tests/browser"
  npm ci --prefix "$BROWSER_TESTS" --no-audit --no-fund --loglevel=error
fi
