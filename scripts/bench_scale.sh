#!/usr/bin/env bash
# How time and memory grow with the network: generates 50 k, 500 k and 5 M
# edge towns (0.3 residents per edge, so 1.5 M at 5 M edges) and times the
# whole job on each (every category, report and maps) with bench.sh.
#
#   bash scripts/bench_scale.sh [--dir DIR] [--runs N] [--sizes "50000 500000 5000000"]
#
# Towns go to DIR (default /tmp/greenreach-bench; several hundred MB for
# the largest) and are reused when already there. Prints a Markdown table.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

dir=/tmp/greenreach-bench runs=1 sizes="50000 500000 5000000"
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    *) echo "usage: bench_scale.sh [--dir DIR] [--runs N] [--sizes LIST]" >&2; exit 2 ;;
  esac
done

build="${BUILD_DIR:-build}"
bash scripts/deps.sh time >&2
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target gr_gen_town greenreach_cli >/dev/null

rows=()
for n in $sizes; do
  town="$dir/town_$n"
  res=$((n * 3 / 10))
  if [ ! -f "$town/town.ini" ]; then
    g0=$(date +%s.%N)
    "$build/gr_gen_town" --seed 42 --edges "$n" --residents "$res" --out "$town" >&2
    echo "generated $town in $(awk -v a="$g0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" >&2
  fi
  echo "timing $town ..." >&2
  declare -A v=()
  while IFS='=' read -r k val; do v[$k]=$val; done < <(
    BUILD_DIR="$build" bash scripts/bench.sh --config "$town/town.ini" --runs "$runs" --kv)
  rows+=("| ${v[edges]} | ${v[residents]} | ${v[load]} | ${v[graph]} | ${v[snap]} | ${v[search]} | ${v[coverage]} | ${v[catchments]} | ${v[write]} | ${v[wall]} | ${v[cpu]} | ${v[peak_mb]} | ${v[loadavg]} |")
  unset v
done

echo "| graph edges | residents | load s | graph s | snap s | search s | coverage s | catchments s | write s | wall s | CPU s | peak MB | load avg |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
