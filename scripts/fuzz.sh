#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz, clang, ASan+UBSan) into
# build-fuzz/ and runs each for SECONDS (default 15), growing a working
# corpus in build-fuzz/corpus/<name> from the seeds in tests/fuzz/corpus.
#   usage: scripts/fuzz.sh [SECONDS] [HARNESS...]   (harnesses: config names graph load)
# Prints executions per harness; exits non-zero if any harness found a
# crash, leak, timeout or sanitizer report (the input is saved in
# build-fuzz/artifacts/; copy it into tests/fuzz/corpus/<name>/ once fixed
# so CTest replays it from then on).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(config names graph load)

if ! command -v clang >/dev/null; then
  bash scripts/deps.sh clang libclang-rt-14-dev
fi
CC=clang cmake -S . -B build-fuzz -DGR_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p build-fuzz/artifacts build-fuzz/logs
status=0
for h in "${harnesses[@]}"; do
  mkdir -p "build-fuzz/corpus/$h"
  log="build-fuzz/logs/$h.log"
  rc=0
  ./build-fuzz/tests/fuzz/"fuzz_$h" -max_total_time="$secs" -seed="${GR_FUZZ_SEED:-1}" -timeout=20 -rss_limit_mb=2560 \
      -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$h-" \
      "build-fuzz/corpus/$h" "tests/fuzz/corpus/$h" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "fuzz $h: FAILED after ${execs:-?} executions (${secs}s); see $log" >&2
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -5 >&2
  else
    echo "fuzz $h: ${execs:-?} executions in ${secs}s, no findings (${cov})"
  fi
done
exit "$status"
