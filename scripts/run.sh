#!/usr/bin/env bash
# The main job: builds greenreach, runs it on the bundled geodata/ (or the
# config given with --config) writing out/, and keeps a screenshot of the
# report as out/report.png. Extra arguments go to `greenreach run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh chromium >&2
bash scripts/build.sh >&2
status=0
./build/greenreach run "$@" || status=$?
out=out
for ((i = 1; i <= $#; i++)); do
  [ "${!i}" = "--out" ] && j=$((i + 1)) && out=${!j}
done
if [ -f "$out/report.html" ] && [ "$status" -ne 1 ] && [ "$status" -ne 2 ]; then
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1200,4000 \
    --screenshot="$out/.report.png.tmp.png" "file://$(realpath "$out/report.html")" >/dev/null 2>&1 &&
    mv "$out/.report.png.tmp.png" "$out/report.png" &&
    echo "screenshot: $out/report.png" >&2
  rm -rf "$profile"
fi
exit "$status"
