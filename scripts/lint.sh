#!/usr/bin/env bash
# Style gate for CI: clang-format must have nothing to change and clang-tidy (the checks
# in .clang-tidy) must report nothing. Needs compile_commands.json from a configured build.
set -euo pipefail
BUILD_DIR="${1:-build/release}"
cd "$(dirname "$0")/.."
mapfile -t files < <(find src tests bench -name '*.cpp' -o -name '*.hpp')
clang-format --dry-run --Werror "${files[@]}"
log=$(mktemp)
find src -name '*.cpp' -print0 | xargs -0 -P 2 -n 4 clang-tidy -p "$BUILD_DIR" --quiet >"$log" 2>&1 || true
if grep -E "(warning|error):" "$log" | sort -u | grep .; then
  echo "clang-tidy: fix the findings above" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
echo "lint: clang-format and clang-tidy clean"
