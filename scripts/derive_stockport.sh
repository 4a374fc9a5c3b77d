#!/usr/bin/env bash
# Builds the Stockport kit (geodata/stockport/).
#   bash scripts/derive_stockport.sh [path-to-geodata-candidates] [--out PATH]
#       the base kit, stockport.gpkg, from the raw open data (only read; the
#       folder defaults to ../shared/geodata-candidates from the repository)
#   bash scripts/derive_stockport.sh --osm PBF --greenspace GPKG [--cars CSV] [--run]
#       the full kit, stockport_full.gpkg: the base kit plus an OSM extract
#       for Greater Manchester, OS Open Greenspace and Census 2021 TS045 by
#       LSOA; with --run, then runs
#       greenreach with geodata/stockport/stockport.ini (building it first
#       if needed), writing out/stockport/
# Needs Debian's python3 + python3-gdal (installed by scripts/deps.sh if missing).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
PY=/usr/bin/python3

run=0
args=()
for a in "$@"; do
  if [ "$a" = "--run" ]; then run=1; else args+=("$a"); fi
done

# python3-gdal is in the project's package list; deps.sh installs whatever
# is missing (and greenreach itself needs the rest for --run).
"$PY" -c 'import osgeo' >/dev/null 2>&1 || bash "$here/deps.sh"

"$PY" "$here/derive_stockport.py" ${args[@]+"${args[@]}"}
if [ "$run" -eq 1 ]; then
  cd "$root"
  [ -x build/greenreach ] || bash scripts/build.sh
  build/greenreach run --config geodata/stockport/stockport.ini
fi
