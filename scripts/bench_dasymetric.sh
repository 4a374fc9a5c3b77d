#!/usr/bin/env bash
# Speed of spreading zones over homes at national-ish scale, on the bundled
# Rutland wards, paths and green spaces: ZONES square zones tiling Rutland's
# extent (England has about 35,000 LSOAs and 190,000 OAs) with 1,000 people
# each, and HOMES random points over the same extent (England has about 25
# million homes; a million is a large county). Prints the spreading time
# (run_summary.txt time.homes_spread_s: locating every home in its zone and
# splitting) and the whole load phase (which reads the homes through OGR),
# best of RUNS. Synthetic data is generated here, never committed.
#   bash scripts/bench_dasymetric.sh [ZONES] [HOMES] [RUNS] [WORK_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
zones=${1:-35000} homes=${2:-1000000} runs=${3:-3}
work=${4:-$(mktemp -d /tmp/gr_bench_dasymetric.XXXXXX)}
bin=${GREENREACH:-$root/build/greenreach}
bash "$root/scripts/deps.sh" gdal-bin
[ -x "$bin" ] || bash "$root/scripts/build.sh"
mkdir -p "$work"
cd "$root"

# Rutland's wards extent in British National Grid metres.
read -r x0 x1 y0 y1 < <(ogrinfo -so geodata/rutland.gpkg wards |
    sed -n 's/^Extent: (\([0-9.]*\), \([0-9.]*\)) - (\([0-9.]*\), \([0-9.]*\))/\1 \3 \2 \4/p')
side=$(/usr/bin/python3 -c "import math; print(math.ceil(math.sqrt($zones)))")
g=$work/synthetic.gpkg
rm -f "$g"
# SpatiaLite SQL over a one-row source: a side x side grid of zones, then
# random points (seeded by row number, so reruns give the same homes).
ogr2ogr -q -f GPKG "$g" geodata/rutland.gpkg -nln zones -lco GEOMETRY_NAME=geom -a_srs EPSG:27700 \
    -dialect SQLite -sql "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k
    WHERE i + 1 < $side * $side)
    SELECT BuildMbr($x0 + (i % $side) * ($x1 - $x0) / $side, $y0 + (i / $side) * ($y1 - $y0) / $side,
                    $x0 + (i % $side + 1) * ($x1 - $x0) / $side,
                    $y0 + (i / $side + 1) * ($y1 - $y0) / $side, 27700) AS geom,
           1000 AS population FROM k"
ogr2ogr -q -update "$g" geodata/rutland.gpkg -nln homes -lco GEOMETRY_NAME=geom -a_srs EPSG:27700 \
    -dialect SQLite -sql "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k
    WHERE i + 1 < $homes)
    SELECT MakePoint($x0 + ((i * 7919 + 13) % 100003) / 100003.0 * ($x1 - $x0),
                     $y0 + ((i * 104729 + 7) % 99991) / 99991.0 * ($y1 - $y0), 27700) AS geom,
           1 + i % 5 AS dwellings FROM k"
cat > "$work/bench.ini" <<EOF
[residents]
path = $g
layer = zones
no_car_share_field =
[homes]
path = $g
layer = homes
weight_field = dwellings
EOF
echo "zones: $(( side * side )), homes: $homes ($(nproc) cores, shared machine: timings are noisy)"
for r in $(seq "$runs"); do
    "$bin" run --quiet --config "$work/bench.ini" --out "$work/out" >/dev/null
    grep -E '^(time.homes_spread_s|time.load_s|residents|homes.outside_zones|residents.zones_without_homes) =' \
        "$work/out/run_summary.txt" | paste -sd';'
done
echo "outputs in $work"
