#!/usr/bin/env bash
# Builds greenreach and runs the whole test suite (ctest), then the same
# suite under AddressSanitizer/UBSan and valgrind (scripts/sanitize.sh) and
# a short fuzz run of every harness (scripts/fuzz.sh, 15 s each).
set -euo pipefail
cd "$(dirname "$0")/.."
# Packages only the tests need, installed once here rather than by tests
# running in parallel (two apt-get runs would fight over the dpkg lock):
# chromium for the report screenshot test, clang and its runtime for the
# libFuzzer harnesses, valgrind for memcheck.
bash scripts/deps.sh chromium clang libclang-rt-14-dev valgrind
bash scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)")
bash scripts/sanitize.sh build
bash scripts/fuzz.sh "${GR_FUZZ_SECONDS:-15}"
