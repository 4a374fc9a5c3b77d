#!/usr/bin/env bash
# Times `greenreach run`: per-phase times (the median of N runs, from the
# run's own run_summary.txt), total wall time and CPU time (user + system,
# both threads; medians) and peak memory (largest maximum resident set
# size, from GNU time). The 1-minute load average before the first run is
# printed too: on a shared machine wall times grow with it, CPU time much
# less.
#
#   bash scripts/bench.sh [--config FILE] [--runs N] [--out DIR] [--kv]
#
# Without --config the bundled data (geodata/) is timed. --kv prints
# `key=value` lines for other scripts instead of the table. The build is
# Release, in $BUILD_DIR (default build/).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

config="" runs=5 out="" kv=0
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --kv) kv=1; shift ;;
    *) echo "usage: bench.sh [--config FILE] [--runs N] [--out DIR] [--kv]" >&2; exit 2 ;;
  esac
done

build="${BUILD_DIR:-build}"
bash scripts/deps.sh time >&2
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target greenreach_cli >/dev/null
bin="$build/greenreach"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
[ -n "$out" ] || out="$tmp/out"
args=(run --quiet --out "$out")
[ -n "$config" ] && args+=(--config "$config")

phases="load graph snap search coverage catchments write"
load_avg=$(cut -d' ' -f1 /proc/loadavg)
for r in $(seq 1 "$runs"); do
  /usr/bin/time -v -o "$tmp/time.$r" "$bin" "${args[@]}" >/dev/null 2>"$tmp/err.$r" || {
    echo "bench: greenreach run failed:" >&2; cat "$tmp/err.$r" >&2; exit 1; }
  for p in $phases; do
    sed -n "s/^time\.${p}_s = //p" "$out/run_summary.txt" >>"$tmp/$p"
  done
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0;
      for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s }' "$tmp/time.$r" >>"$tmp/wall"
  awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/time.$r" >>"$tmp/rss"
  awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' \
    "$tmp/time.$r" >>"$tmp/cpu"
done

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
  else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
peak_mb=$(sort -g "$tmp/rss" | tail -1 | awk '{ printf "%.0f", $1 / 1024 }')
edges=$(sed -n 's/^graph.edges = //p' "$out/run_summary.txt")
residents=$(sed -n 's/^residents = //p' "$out/run_summary.txt")

if [ "$kv" = 1 ]; then
  for p in $phases; do echo "$p=$(median "$tmp/$p")"; done
  echo "wall=$(median "$tmp/wall")"
  echo "cpu=$(median "$tmp/cpu")"
  echo "loadavg=$load_avg"
  echo "peak_mb=$peak_mb"
  echo "edges=$edges"
  echo "residents=$residents"
  exit 0
fi
echo "greenreach run on ${config:-the bundled data}: $edges graph edges, $residents residents, median of $runs run(s), load average $load_avg before"
printf '%-10s %9s\n' phase seconds
for p in $phases; do printf '%-10s %9s\n' "$p" "$(median "$tmp/$p")"; done
printf '%-10s %9s\n' wall "$(median "$tmp/wall")"
printf '%-10s %9s\n' cpu "$(median "$tmp/cpu")"
printf '%-10s %6s MB\n' peak_rss "$peak_mb"
