#!/usr/bin/env bash
# Runs a test command against a throwaway PostgreSQL with PostGIS on a unix
# socket in a temporary folder (scripts/pg_tmp.sh), stopped and removed
# when the command ends. The packages are installed by scripts/test.sh
# before ctest starts (pg_tmp_start only checks they are there).
set -euo pipefail
source "$(dirname "$0")/../scripts/pg_tmp.sh"
trap pg_tmp_stop EXIT
pg_tmp_start
"$@"
