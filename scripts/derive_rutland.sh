#!/usr/bin/env bash
# Regenerate geodata/rutland.gpkg from the raw open data.
#   bash scripts/derive_rutland.sh [path-to-geodata-candidates] [--out PATH]
# The source folder defaults to ../shared/geodata-candidates (relative to the
# repository root) and is only read. Needs Debian's python3 + python3-gdal.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=/usr/bin/python3

if ! "$PY" -c 'import osgeo' >/dev/null 2>&1; then
    echo "derive_rutland.sh: installing python3-gdal gdal-bin (Debian apt)" >&2
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y python3-gdal gdal-bin ||
        { $SUDO apt-get update && $SUDO apt-get install -y python3-gdal gdal-bin; }
fi

exec "$PY" "$here/derive_rutland.py" "$@"
