#!/usr/bin/env bash
# Builds greenreach and runs the whole test suite (ctest), then the same
# suite under AddressSanitizer/UBSan and valgrind (scripts/sanitize.sh) and
# a short fuzz run of every harness (scripts/fuzz.sh, 15 s each).
set -euo pipefail
cd "$(dirname "$0")/.."
# Packages only the tests need, installed once here rather than by tests
# running in parallel (two apt-get runs would fight over the dpkg lock):
# chromium for the report screenshot test, clang and its runtime for the
# libFuzzer harnesses, valgrind for memcheck, PostgreSQL with PostGIS for
# the layer tests (a throwaway cluster through scripts/pg_tmp.sh).
bash scripts/deps.sh chromium clang libclang-rt-14-dev valgrind postgresql postgresql-contrib
pg_major="$(ls /usr/lib/postgresql | sort -V | tail -1)"
bash scripts/deps.sh "postgresql-$pg_major-postgis-3"
bash scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)")
bash scripts/sanitize.sh build
bash scripts/fuzz.sh "${GR_FUZZ_SECONDS:-15}"
