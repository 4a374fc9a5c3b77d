#!/usr/bin/env bash
# `greenreach run --config geodata/sample.ini` must give the same
# ward_coverage.csv and nbhd_coverage.csv as a run without a config (the
# sample shows every default), the sample must show every key of the table
# in src/config.c, and the config must really be read: the same file with a
# slower walking speed must change the results.
# Usage: test_sample_config.sh GREENREACH_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
bin=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
cd "$src"

"$bin" run --quiet --out "$work/default" >/dev/null
"$bin" run --quiet --config geodata/sample.ini --out "$work/sample" >/dev/null

# 15 Rutland wards + header + TOTAL: a real table, not two empty files
rows=$(wc -l < "$work/default/ward_coverage.csv")
if [ "$rows" -ne 17 ]; then
  echo "FAIL: default ward_coverage.csv has $rows lines, expected 17"; exit 1
fi
for f in ward_coverage.csv nbhd_coverage.csv; do
  if ! cmp -s "$work/default/$f" "$work/sample/$f"; then
    echo "FAIL: $f differs between the default run and --config geodata/sample.ini"
    diff "$work/default/$f" "$work/sample/$f" | head -20
    exit 1
  fi
done

# Every key of the table in src/config.c is shown in its section (a key
# added there without a line here fails this).
missing=$(/usr/bin/python3 - src/config.c geodata/sample.ini <<'PYEOF'
import re, sys
table = set(re.findall(r'\b[SD]\("([a-z_]+)", "([a-z_0-9]+)"', open(sys.argv[1]).read()))
shown, section = set(), None
for line in open(sys.argv[2]):
    m = re.match(r"\[([^\]]+)\]", line)
    if m:
        section = m.group(1)
    m = re.match(r"([a-z_0-9]+) =", line)
    if m:
        shown.add((section, m.group(1)))
print(len(table), " ".join("[%s] %s" % k for k in sorted(table - shown)))
PYEOF
)
read -r n_keys absent <<< "$missing"
if [ "$n_keys" -lt 30 ] || [ -n "${absent:-}" ]; then
  echo "FAIL: sample.ini lacks keys of src/config.c ($n_keys in the table): ${absent:-}"; exit 1
fi

# Control: 4 km/h instead of 4.8 shrinks the catchments, so shares change.
sed 's/^speed_kmh = 4.8$/speed_kmh = 4/' geodata/sample.ini > "$work/slow.ini"
if cmp -s geodata/sample.ini "$work/slow.ini"; then
  echo "FAIL: could not change speed_kmh in a copy of sample.ini"; exit 1
fi
"$bin" run --quiet --config "$work/slow.ini" --out "$work/slow" >/dev/null
if cmp -s "$work/default/ward_coverage.csv" "$work/slow/ward_coverage.csv"; then
  echo "FAIL: a slower walking speed in the config did not change ward_coverage.csv"; exit 1
fi
# The commented size-tier examples, uncommented, are a valid config whose
# four tier targets reach the tables.
/usr/bin/python3 - geodata/sample.ini > "$work/tiers.ini" <<'PYEOF'
import re, sys
out, inside = [], False
for line in open(sys.argv[1]):
    if re.match(r"; \[(category|target)\.gi_", line):
        inside = True
    elif not re.match(r"; ([a-z_0-9]+ =|    )", line):
        inside = False
    out.append(line[2:] if inside else line)
sys.stdout.write("".join(out))
PYEOF
"$bin" run --quiet --config "$work/tiers.ini" --out "$work/tiers" >/dev/null
for id in gi_doorstep gi_local gi_nbhd gi_wider; do
  if ! head -1 "$work/tiers/ward_coverage.csv" | grep -q ",${id}_share,"; then
    echo "FAIL: the uncommented tier examples give no $id column in ward_coverage.csv"; exit 1
  fi
done
echo "sample.ini reproduces the default run ($rows lines of ward_coverage.csv)"
