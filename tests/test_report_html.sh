#!/usr/bin/env bash
# Opens report.html in headless Chromium: it must be self-contained (no
# external scripts, styles, fonts or images), render all four maps (each
# decoded with a real width), and screenshot to a non-trivial PNG.
# Usage: test_report_html.sh GREENREACH_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
bin=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
bash "$src/scripts/deps.sh" chromium >/dev/null

(cd "$src" && "$bin" run --quiet --out "$work/out")
html="$work/out/report.html"

if grep -Eiq '<script|<link|src="(https?:|//)|url\((https?:|//)' "$html"; then
  echo "FAIL: report.html refers to external resources or scripts"; exit 1
fi

# A copy with a probe that puts the number of decoded maps in the title.
probe="$work/probe.html"
sed 's#</body>#<script>addEventListener("load",()=>{document.title="maps:"+[...document.images].filter(i=>i.id.startsWith("map-")\&\&i.naturalWidth>100).length})</script></body>#' "$html" > "$probe"

chrome() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" "$@" 2>/dev/null
}
title=$(chrome --virtual-time-budget=5000 --dump-dom "file://$probe" | grep -o '<title>[^<]*</title>' || true)
if [ "$title" != "<title>maps:4</title>" ]; then
  echo "FAIL: expected 4 rendered maps, page title was '$title'"; exit 1
fi

chrome --window-size=1200,4000 --screenshot="$work/report.png" "file://$html" >/dev/null
size=$(stat -c %s "$work/report.png")
if [ "$size" -lt 100000 ]; then
  echo "FAIL: screenshot is only $size bytes"; exit 1
fi
echo "report.html renders 4 maps; screenshot $work/report.png ($size bytes)"
echo "1 passed, 0 failed"
