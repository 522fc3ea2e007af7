#!/usr/bin/env bash
# clang-format check and clang-tidy over the project's sources.
set -euo pipefail
BUILD_DIR="${1:-build/release}"
cd "$(dirname "$0")/.."
files=$(find src tests -name '*.cpp' -o -name '*.hpp')
clang-format --dry-run --Werror $files
find src -name '*.cpp' | xargs -P 2 -n 4 clang-tidy -p "$BUILD_DIR" --quiet
