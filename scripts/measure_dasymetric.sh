#!/usr/bin/env bash
# What spreading zone counts over homes changes, on the bundled Rutland data.
# Runs greenreach four times with the same wards, paths and green spaces and
# different residents:
#   lsoa_points   the 26 Census 2021 LSOAs as zones, each at one point
#   pbf_equal     the same zones spread over OSM buildings read straight
#                 from the .osm.pbf ([homes] where: residential building
#                 types and building=yes), every building weighing the same
#   area_weighted the same zones over the same buildings weighted by their
#                 footprint (capped at 300 m2; building=yes only 30..1000 m2)
#   bundled       geodata/rutland.gpkg's residents (scripts/derive_rutland.py:
#                 buildings also screened by land use, plus street points
#                 where an LSOA has too few buildings)
# and prints the area-wide and per-ward park shares of each.
#   bash scripts/measure_dasymetric.sh [GEODATA_CANDIDATES] [WORK_DIR]
# Everything is written under WORK_DIR (default: a new temporary folder);
# the inputs are only read. Needs gdal-bin (ogr2ogr with SpatiaLite SQL).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src=${1:-$root/../shared/geodata-candidates}
work=${2:-$(mktemp -d /tmp/gr_dasymetric.XXXXXX)}
bin=${GREENREACH:-$root/build/greenreach}
bash "$root/scripts/deps.sh" gdal-bin
[ -x "$bin" ] || bash "$root/scripts/build.sh"
mkdir -p "$work"
cd "$root"

pbf=$src/rutland-osm/rutland-latest_2022-07-20.osm.pbf
lsoa=$src/drkane-geo-lookups/rutland_lsoa_E06000017.geojson
census=$src/gmoda-deri_census2021-lsoa-population/census2021_lsoa_usual_residents_rutland.csv
for f in "$pbf" "$lsoa" "$census"; do
    [ -f "$f" ] || { echo "measure_dasymetric: missing $f" >&2; exit 1; }
done

# LSOA zones with their census counts (the join checked: 26 zones, 41,056).
z=$work/zones.gpkg
rm -f "$z"
ogr2ogr -q -f GPKG "$z" "$lsoa" -nln lsoa_raw
ogr2ogr -q -update "$z" "$census" -nln census -oo AUTODETECT_TYPE=YES
ogr2ogr -q -update "$z" "$z" -nln lsoa -dialect SQLite -sql \
    "SELECT l.geom AS geom, l.LSOA21CD AS lsoa21cd, CAST(c.usual_residents_2021 AS INTEGER)
     AS population FROM lsoa_raw l JOIN census c ON c.lsoa21cd = l.LSOA21CD"
check=$(ogrinfo -q "$z" -sql "SELECT COUNT(*) AS n, SUM(population) AS pop FROM lsoa" |
        sed -n 's/^ *\(n\|pop\) (Integer[0-9]*) = //p' | paste -sd' ')
[ "$check" = "26 41056" ] || { echo "measure_dasymetric: zones join gave '$check'" >&2; exit 1; }

# derive_rutland.py's residential building types
types="'house','residential','detached','semidetached_house','terrace','apartments','bungalow','cottage','farm','dormitory','yes','flats','large house'"

# Buildings with their footprint in m2 (BNG) for the area-weighted run.
h=$work/homes.gpkg
rm -f "$h"
ogr2ogr -q -f GPKG "$h" "$pbf" -nln buildings -lco GEOMETRY_NAME=geom -t_srs EPSG:27700 -dialect SQLite -sql \
    "SELECT geometry, osm_id, osm_way_id, building FROM multipolygons WHERE building IN ($types)"
ogr2ogr -q -update "$h" "$h" -nln homes -dialect SQLite -sql \
    "SELECT geom, building, MIN(ST_Area(geom), 300.0) AS floor_m2 FROM buildings
     WHERE building <> 'yes' OR ST_Area(geom) BETWEEN 30 AND 1000"

common() {
    cat <<EOF
[residents]
path = $z
layer = lsoa
population_field = population
no_car_share_field =
EOF
}
common > "$work/lsoa_points.ini"
{ common; printf '[homes]\npath = %s\nlayer = multipolygons\nwhere = building IN (%s)\n' \
    "$pbf" "$types"; } > "$work/pbf_equal.ini"
{ common; printf '[homes]\npath = %s\nlayer = homes\nweight_field = floor_m2\n' "$h"; } \
    > "$work/area_weighted.ini"
: > "$work/bundled.ini"

runs="lsoa_points pbf_equal area_weighted bundled"
for r in $runs; do
    start=$(date +%s%N)
    "$bin" run --quiet --config "$work/$r.ini" --out "$work/out_$r" >/dev/null
    echo "$r: $(( ($(date +%s%N) - start) / 1000000 )) ms; $(grep -E '^(residents|homes|homes.peopled|homes.outside_zones|residents.zones_without_homes) =' "$work/out_$r/run_summary.txt" | paste -sd';')"
done

/usr/bin/python3 - "$work" $runs <<'PYEOF'
import csv, sys
work, runs = sys.argv[1], sys.argv[2:]
tables = {}
for r in runs:
    with open("%s/out_%s/ward_coverage.csv" % (work, r), newline="") as f:
        tables[r] = {row["ward_code"]: row for row in csv.DictReader(f)}
codes = list(tables[runs[0]])
def cell(r, c, k):
    return float(tables[r][c][k])
print("Per ward: share of residents within a 20-minute walk of a park (residents placed in the ward)")
print()
print("| ward | " + " | ".join(runs) + " |")
print("|---|" + "---:|" * len(runs))
for c in codes:
    print("| %s | %s |" % (tables[runs[0]][c]["ward_name"], " | ".join(
        "%.1f%% (%d)" % (100 * cell(r, c, "park_share_20min"), cell(r, c, "population"))
        for r in runs)))
print()
for k in ("park_share_15min", "park_share_20min"):
    print("%s (TOTAL): %s" % (k, ", ".join("%s %.2f%%" % (r, 100 * cell(r, "TOTAL", k))
                                           for r in runs)))
for r in runs:
    diffs = [abs(cell(r, c, "park_share_20min") - cell(runs[-1], c, "park_share_20min"))
             for c in codes if c != "TOTAL"]
    print("%s: ward 20-min shares differ from %s's by %.1f pp on average, at most %.1f pp" %
          (r, runs[-1], 100 * sum(diffs) / len(diffs), 100 * max(diffs)))
PYEOF
echo "outputs in $work"
