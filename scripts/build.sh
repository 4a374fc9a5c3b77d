#!/usr/bin/env bash
# Configures and builds greenreach into build/ (Release, warnings as errors).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGR_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
