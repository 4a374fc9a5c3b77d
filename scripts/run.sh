#!/usr/bin/env bash
# The main job: builds greenreach and runs it on the bundled geodata/,
# writing out/. Extra arguments go to `greenreach run` (e.g. --config FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >&2
exec ./build/greenreach run "$@"
