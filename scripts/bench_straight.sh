#!/usr/bin/env bash
# What the straight-line distances cost: times the search phase of
# `greenreach run` without and with [output] compare_straight = true (the
# second also measures every resident's straight distance to every
# category, through a GEOS STRtree), on the bundled data and on synthetic
# towns, and prints the difference per run and per resident per category.
#
#   bash scripts/bench_straight.sh [--dir DIR] [--runs N] [--sizes "50000 500000"]
#
# Towns go to DIR (default /tmp/greenreach-bench, shared with
# bench_scale.sh) and are reused when already there. Prints a Markdown table.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

dir=/tmp/greenreach-bench runs=3 sizes="50000 500000"
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    *) echo "usage: bench_straight.sh [--dir DIR] [--runs N] [--sizes LIST]" >&2; exit 2 ;;
  esac
done

build="${BUILD_DIR:-build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target gr_gen_town greenreach_cli >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# search seconds (median of the runs) and the number of categories, sites
search_s() {
  local cfg=$1 out=$2
  BUILD_DIR="$build" bash scripts/bench.sh --config "$cfg" --runs "$runs" --out "$out" --kv |
    sed -n 's/^search=//p'
}

row() {   # name, config with the data (may be empty: the bundled data)
  local name=$1 cfg=$2
  : >"$tmp/base.ini"
  [ -n "$cfg" ] && cp "$cfg" "$tmp/base.ini"
  { cat "$tmp/base.ini"; printf '\n[output]\ncompare_straight = true\n'; } >"$tmp/cmp.ini"
  echo "timing $name ..." >&2
  local s0 s1
  s0=$(search_s "$tmp/base.ini" "$tmp/out0")
  s1=$(search_s "$tmp/cmp.ini" "$tmp/out1")
  local res cats sites
  res=$(sed -n 's/^residents = //p' "$tmp/out1/run_summary.txt")
  cats=$(grep -c '^category\.' "$tmp/out1/run_summary.txt")
  sites=$(sed -n 's/^sites = //p' "$tmp/out1/run_summary.txt")
  awk -v n="$name" -v r="$res" -v c="$cats" -v st="$sites" -v a="$s0" -v b="$s1" 'BEGIN {
    printf "| %s | %d | %d | %d | %.3f | %.3f | %.3f | %.2f |\n", n, r, st, c, a, b, b - a,
           (b - a) * 1e6 / (r * c) }'
}

rows=("$(row "Rutland (bundled)" "")")
for n in $sizes; do
  town="$dir/town_$n"
  if [ ! -f "$town/town.ini" ]; then
    "$build/gr_gen_town" --seed 42 --edges "$n" --residents $((n * 3 / 10)) --out "$town" >&2
  fi
  rows+=("$(row "town $n edges" "$town/town.ini")")
done
echo "| data | residents | sites | categories | search s (walked) | search s (+ straight) | straight s | µs per resident per category |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
