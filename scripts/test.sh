#!/usr/bin/env bash
# Builds greenreach and runs the whole test suite (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
# Packages only the tests need, installed once here rather than by tests
# running in parallel (two apt-get runs would fight over the dpkg lock).
bash scripts/deps.sh chromium
bash scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)"
