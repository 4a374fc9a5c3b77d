#!/usr/bin/env bash
# The suite under the sanitizers and valgrind (part of scripts/test.sh):
#  1. builds everything with -DGR_SANITIZE=ON (gcc: AddressSanitizer with
#     LeakSanitizer, and UndefinedBehaviorSanitizer) into build-asan/ and
#     runs the whole ctest suite there, stopping at the first report;
#  2. runs the end-to-end test and `greenreach run` on the bundled data from
#     the ordinary build (default build/, or $1) under valgrind memcheck:
#     any error, or any definite leak, fails.
# scripts/lsan.supp and scripts/valgrind.supp hold suppressions for
# third-party frames only (each explained there).
set -euo pipefail
cd "$(dirname "$0")/.."
plain=${1:-build}
jobs=$(nproc)

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGR_SANITIZE=ON -DGR_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
(
  cd build-asan
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  LSAN_OPTIONS=suppressions="$PWD/../scripts/lsan.supp":print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j"$jobs"
)

vg=(valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1
    --suppressions=scripts/valgrind.supp)
echo "valgrind: $plain/tests/test_e2e"
"${vg[@]}" "$plain/tests/test_e2e" >/dev/null
echo "valgrind: $plain/greenreach run (bundled data)"
"${vg[@]}" "$plain/greenreach" run --quiet --out "$plain/valgrind-out" >/dev/null
echo "sanitizers and valgrind: no errors"
