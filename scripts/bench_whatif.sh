#!/usr/bin/env bash
# Times the what-if commands (issue 5) on the bundled data, after the base
# run:
#   check-site     N candidate sites, ms per candidate (reading it,
#                  placing its entrances, the bounded searches, tallies,
#                  verdicts and printing); goal < 50 ms each. Also the
#                  slowest candidate's searches, and the fixed cost of
#                  opening the file (GDAL, PROJ) included in the mean
#   suggest-sites  N candidates from a file, and a --grid of about 1,000
#                  points; seconds for candidates, entrances, covered sets
#                  and the lazy greedy; goal < 10 s for 1,000
# Candidates are where people live, so the searches do real work: squares
# of 40-300 m (half of them given as points) centred up to 300 m from
# randomly chosen residents (awk's srand(SEED): the same sites every time).
# Each figure is the median of R runs; the base run's time is shown apart.
#
#   bash scripts/bench_whatif.sh [--runs R] [--candidates N] [--seed S] [--kv]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

runs=5 n=1000 seed=5 kv=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --candidates) n="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --kv) kv=1; shift ;;
    *) echo "usage: bench_whatif.sh [--runs R] [--candidates N] [--seed S] [--kv]" >&2; exit 2 ;;
  esac
done

build="${BUILD_DIR:-build}"
bash scripts/deps.sh >&2
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target greenreach_cli >/dev/null
bin="$root/$build/greenreach"
data="$root/geodata/rutland.gpkg"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# ---- candidates: polygons and points near random residents ----
ogr2ogr -f CSV "$tmp/res.csv" "$data" residents -lco GEOMETRY=AS_XY -select population
make_candidates() {   # $1: polygons or points, $2: output base name
  awk -F, -v n="$n" -v seed="$seed" -v kind="$1" 'NR > 1 { x[++m] = $1; y[m] = $2 }
    END {
      srand(seed); print "site_id,function,WKT"
      for (i = 0; i < n; i++) {
        k = 1 + int(rand() * m); cx = x[k] + (rand() - 0.5) * 600; cy = y[k] + (rand() - 0.5) * 600
        h = 20 + rand() * 130
        if (kind == "points" || i % 2)
          printf "c%d,park,\"POINT(%.1f %.1f)\"\n", i, cx, cy
        else
          printf "c%d,park,\"POLYGON((%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f))\"\n", i,
                 cx - h, cy - h, cx + h, cy - h, cx + h, cy + h, cx - h, cy + h, cx - h, cy - h
      }
    }' "$tmp/res.csv" > "$tmp/$2.csv"
  ogr2ogr -f GPKG "$tmp/$2.gpkg" "$tmp/$2.csv" -oo GEOM_POSSIBLE_NAMES=WKT \
    -oo KEEP_GEOM_COLUMNS=NO -a_srs EPSG:27700 -nln candidates -nlt GEOMETRY
}
make_candidates mixed cands

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
now() { date +%s.%N; }

: > "$tmp/base" ; : > "$tmp/check" ; : > "$tmp/sugg" ; : > "$tmp/grid" ; : > "$tmp/gridn"
for r in $(seq 1 "$runs"); do
  t0=$(now); "$bin" run --quiet --out "$tmp/out" >/dev/null; t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >> "$tmp/base"
  "$bin" check-site --quiet --site "$tmp/cands.gpkg" --out "$tmp/out" > "$tmp/check.txt"
  sed -n 's/.* ms in all, \([0-9.]*\) of it .*; \([0-9.]*\) ms each; slowest search \([0-9.]*\) ms.*/\2 \3 \1/p' \
    "$tmp/check.txt" >> "$tmp/check"
  "$bin" suggest-sites --quiet --candidates "$tmp/cands.gpkg" --count 10 --out "$tmp/out" > "$tmp/sugg.txt"
  sed -n 's/.* ranked in \([0-9.]*\) s .*/\1/p' "$tmp/sugg.txt" >> "$tmp/sugg"
  "$bin" suggest-sites --quiet --grid 600 --count 10 --out "$tmp/out" > "$tmp/grid.txt"
  sed -n 's/.* ranked in \([0-9.]*\) s .*/\1/p' "$tmp/grid.txt" >> "$tmp/grid"
  sed -n 's/^\([0-9]*\) candidates .*/\1/p' "$tmp/grid.txt" >> "$tmp/gridn"
done

base_s=$(median < "$tmp/base")
check_ms=$(cut -d' ' -f1 "$tmp/check" | median)
slow_ms=$(cut -d' ' -f2 "$tmp/check" | median)
read_ms=$(cut -d' ' -f3 "$tmp/check" | median)
sugg_s=$(median < "$tmp/sugg")
grid_s=$(median < "$tmp/grid")
grid_n=$(head -1 "$tmp/gridn")
if [ "$kv" = 1 ]; then
  printf 'base_run_s=%s\ncheck_ms_per_candidate=%s\ncheck_slowest_ms=%s\ncheck_read_ms=%s\nsuggest_file_s=%s\nsuggest_grid_s=%s\ngrid_candidates=%s\ncandidates=%s\n' \
    "$base_s" "$check_ms" "$slow_ms" "$read_ms" "$sugg_s" "$grid_s" "$grid_n" "$n"
  exit 0
fi
echo "what-if on $data, median of $runs runs (machine: $(nproc) cores, shared)"
printf '  %-52s %10.2f s\n' "base run (greenreach run, for reference)" "$base_s"
printf '  %-52s %10.3f ms   (goal < 50 ms)\n' "check-site: per candidate, $n candidates" "$check_ms"
printf '  %-52s %10.3f ms\n' "check-site: slowest candidate's searches" "$slow_ms"
printf '  %-52s %10.1f ms   (once per command, in the mean above)\n' "check-site: opening the file, placing all entrances" "$read_ms"
printf '  %-52s %10.3f s    (goal < 10 s)\n' "suggest-sites: $n candidates from a file" "$sugg_s"
printf '  %-52s %10.3f s    (goal < 10 s)\n' "suggest-sites: --grid 600 ($grid_n points)" "$grid_s"
echo "last suggest-sites over the file:"
sed -n '1,8p' "$tmp/sugg.txt" | sed 's/^/  /'
