#!/usr/bin/env bash
# The same catchment job in greenreach and in pgRouting, timed, with the
# answers compared resident by resident.
#
#   bash scripts/bench_pgrouting.sh [--config FILE] [--runs N] [--keep DIR]
#
# FILE is a greenreach config whose only category is the park job (e.g. the
# generator's town_park.ini); without it the bundled data is used with the
# shipped park category. The job, in both tools:
#   graph      path lines (walkable highway classes) split at every vertex,
#              one edge per segment, joined where vertices are identical
#   entrances  per park: path vertices inside it and points where paths
#              cross its boundary; a park no path meets is entered at the
#              nearest path point within the snap cap (plus that offset)
#   snap       each resident to the nearest point of the nearest segment
#              within the snap cap
#   search     one multi-source search from all entrances, cut at the
#              largest threshold (pgRouting: pgr_drivingDistance from a
#              virtual source joined to both ends of every entrance edge at
#              the entrance's distance to them)
#   distance   resident: the better of its segment's two ends plus the
#              partial segment, or straight along it to an entrance on the
#              same segment, plus the snap offset
#   coverage   population-weighted share within 15 and 20 minutes over the
#              residents inside wards
# greenreach's tolerance joins of dangling ends (join_tolerance_m) have no
# SQL counterpart here: on data with near-miss ends (the bundled OSM
# paths) a few residents may differ; generated towns have none.
#
# Needs root or sudo for the Debian packages (postgresql, postgis,
# pgrouting); the database is a throwaway cluster (scripts/pg_tmp.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

config="" runs=3 keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    *) echo "usage: bench_pgrouting.sh [--config FILE] [--runs N] [--keep DIR]" >&2; exit 2 ;;
  esac
done

build="${BUILD_DIR:-build}"
bash scripts/deps.sh time gdal-bin python3 >&2
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target greenreach_cli >/dev/null

work="$(mktemp -d)"
# shellcheck source=scripts/pg_tmp.sh
source scripts/pg_tmp.sh
cleanup() { pg_tmp_stop; [ -n "$keep" ] && mkdir -p "$keep" && cp -r "$work"/. "$keep"/; rm -rf "$work"; }
trap cleanup EXIT

park_default="park,public_park_or_garden,recreation_ground,village_green,common,open_space,country_park"
if [ -z "$config" ]; then
  config="$work/park.ini"
  printf '[category.park]\nfunctions = %s\n\n[target.park_20]\ncategory = park\nthreshold = 20min\n' \
    "$park_default" >"$config"
fi

# ini_get SECTION KEY DEFAULT: the value in the config, else the default.
ini_get() {
  awk -v sec="$1" -v key="$2" -v def="$3" '
    /^[ \t]*[;#]/ { next }
    /^[ \t]*\[/ { gsub(/^[ \t]*\[|\][ \t]*$/, ""); cur = $0; next }
    cur == sec && index($0, "=") {
      k = substr($0, 1, index($0, "=") - 1); v = substr($0, index($0, "=") + 1)
      gsub(/^[ \t]+|[ \t]+$/, "", k); gsub(/^[ \t]+|[ \t]+$/, "", v)
      if (k == key) { val = v; found = 1 } }
    END { print found ? val : def }' "$config"
}
gpkg=geodata/rutland.gpkg
p_paths=$(ini_get paths path "$gpkg");        l_paths=$(ini_get paths layer "")
p_sites=$(ini_get greenspaces path "$gpkg");  l_sites=$(ini_get greenspaces layer "")
p_res=$(ini_get residents path "$gpkg");      l_res=$(ini_get residents layer "")
p_wards=$(ini_get wards path "$gpkg");        l_wards=$(ini_get wards layer "")
[ "$p_paths" = "$gpkg" ] && [ -z "$l_paths" ] && l_paths=paths
[ "$p_sites" = "$gpkg" ] && [ -z "$l_sites" ] && l_sites=greenspaces
[ "$p_res" = "$gpkg" ] && [ -z "$l_res" ] && l_res=residents
[ "$p_wards" = "$gpkg" ] && [ -z "$l_wards" ] && l_wards=wards
f_highway=$(ini_get paths highway_field highway | tr 'A-Z' 'a-z')
f_function=$(ini_get greenspaces function_field function | tr 'A-Z' 'a-z')
f_pop=$(ini_get residents population_field population | tr 'A-Z' 'a-z')
unwalkable=$(ini_get paths unwalkable "motorway,motorway_link,construction,proposed,raceway,bus_guideway,abandoned,razed")
park_fns=$(ini_get category.park functions "$park_default")
snap_max=$(ini_get network snap_max_m 250)
speed=$(ini_get walk speed_kmh 4.8)
thr_min=$(ini_get walk thresholds_min "15,20")
t1=$(echo "$thr_min" | awk -F, -v s="$speed" '{ printf "%.6f", $1 * s * 1000 / 60 }')
t2=$(echo "$thr_min" | awk -F, -v s="$speed" '{ printf "%.6f", $2 * s * 1000 / 60 }')

load_avg=$(cut -d' ' -f1 /proc/loadavg)

# ---- greenreach ----
echo "greenreach: $runs run(s) on $config" >&2
declare -A gr=()
while IFS='=' read -r k v; do gr[$k]=$v; done < <(
  BUILD_DIR="$build" bash scripts/bench.sh --config "$config" --runs "$runs" --out "$work/gr_out" --kv)
gr_res="$work/gr_out/residents.gpkg"
[ -f "$work/gr_out/greenreach.gpkg" ] && ogrinfo -q "$work/gr_out/greenreach.gpkg" residents >/dev/null 2>&1 &&
  gr_res="$work/gr_out/greenreach.gpkg"

# ---- pgRouting ----
pg_tmp_start --pgrouting
PSQL=(psql -qX -v ON_ERROR_STOP=1)
declare -A pg=()
# step NAME: runs the SQL on stdin, records its wall time in pg[NAME].
step() {
  local t0 t1
  t0=$(date +%s.%N)
  "${PSQL[@]}" -f - >/dev/null
  t1=$(date +%s.%N)
  pg[$1]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  echo "pgrouting: $1 ${pg[$1]} s" >&2
}
import() { # FILE LAYER TABLE
  ogr2ogr -f PostgreSQL PG:"dbname=$PGDATABASE" "$1" ${2:+"$2"} -nln "$3" -preserve_fid \
    -lco GEOMETRY_NAME=geom -lco FID=fid -lco SPATIAL_INDEX=NONE -lco PRECISION=NO \
    -nlt PROMOTE_TO_MULTI -gt 100000 -overwrite
}
sql_list() { echo "$1" | tr ',' '\n' | sed "s/'/''/g; s/.*/norm('&')/" | paste -sd, -; }

t0=$(date +%s.%N)
import "$p_paths" "$l_paths" t_paths
import "$p_sites" "$l_sites" t_sites
import "$p_res" "$l_res" t_res
import "$p_wards" "$l_wards" t_wards
step analyze <<<"ANALYZE;"
pg[import]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')

"${PSQL[@]}" <<'SQL'
-- greenreach's name normalisation: lower case, runs of other characters
-- become one underscore, none at either end
CREATE FUNCTION norm(t text) RETURNS text IMMUTABLE LANGUAGE sql AS
$$ SELECT trim(both '_' from regexp_replace(lower(coalesce(t, '')), '[^a-z0-9]+', '_', 'g')) $$;
SQL

step graph <<SQL
CREATE TABLE seg AS
SELECT row_number() OVER () AS id, d.geom,
       ST_X(ST_StartPoint(d.geom)) AS ax, ST_Y(ST_StartPoint(d.geom)) AS ay,
       ST_X(ST_EndPoint(d.geom)) AS bx, ST_Y(ST_EndPoint(d.geom)) AS by_
FROM (SELECT (ST_Dump(geom)).geom FROM t_paths
      WHERE norm($f_highway) NOT IN ($(sql_list "$unwalkable"))) l,
     ST_DumpSegments(l.geom) d;
DELETE FROM seg WHERE ax = bx AND ay = by_;
CREATE TABLE vtx AS
SELECT row_number() OVER () AS id, x, y FROM (SELECT ax AS x, ay AS y FROM seg UNION SELECT bx, by_ FROM seg) q;
CREATE TABLE edges AS
SELECT s.id, a.id AS source, b.id AS target, ST_Length(s.geom) AS cost,
       ST_Length(s.geom) AS reverse_cost, s.geom
FROM seg s JOIN vtx a ON a.x = s.ax AND a.y = s.ay JOIN vtx b ON b.x = s.bx AND b.y = s.by_;
CREATE INDEX edges_geom ON edges USING gist (geom);
CREATE UNIQUE INDEX edges_id ON edges (id);
ANALYZE edges;
SQL

step entrances <<SQL
CREATE TABLE park AS
SELECT fid AS site, CASE WHEN ST_IsValid(geom) THEN geom ELSE ST_MakeValid(geom) END AS geom
FROM t_sites WHERE norm($f_function) IN ($(sql_list "$park_fns"));
CREATE TABLE hit AS
SELECT p.site, e.id AS edge, e.cost, e.geom, p.geom AS pgeom,
       ST_Intersects(ST_StartPoint(e.geom), p.geom) AS u_in,
       ST_Intersects(ST_EndPoint(e.geom), p.geom) AS v_in
FROM park p JOIN edges e ON ST_Intersects(e.geom, p.geom);
CREATE TABLE ent AS
SELECT site, edge, 0.0::float8 AS pos, 0.0::float8 AS init FROM hit WHERE u_in
UNION ALL SELECT site, edge, cost, 0.0 FROM hit WHERE v_in
UNION ALL
SELECT site, edge, ST_LineLocatePoint(geom, (ST_DumpPoints(ST_Intersection(geom, ST_Boundary(pgeom)))).geom) * cost, 0.0
FROM hit WHERE NOT (u_in AND v_in);
INSERT INTO ent
SELECT p.site, n.id, ST_LineLocatePoint(n.geom, ST_ClosestPoint(n.geom, p.geom)) * n.cost, n.d
FROM park p CROSS JOIN LATERAL (
  SELECT e.id, e.geom, e.cost, ST_Distance(e.geom, p.geom) AS d FROM edges e
  WHERE ST_DWithin(e.geom, p.geom, $snap_max) ORDER BY d, e.id LIMIT 1) n
WHERE NOT EXISTS (SELECT 1 FROM ent WHERE ent.site = p.site);
CREATE INDEX ent_edge ON ent (edge);
SQL

step snap <<SQL
CREATE TABLE rsnap AS
SELECT r.fid, r.$f_pop::float8 AS pop, r.geom, n.edge, n.source, n.target, n.len, n.pos, n.off
FROM (SELECT fid, $f_pop, ST_PointOnSurface(geom) AS geom FROM t_res WHERE geom IS NOT NULL) r
LEFT JOIN LATERAL (
  -- nearest edge by the GiST index (KNN), ties to the lowest id as in
  -- greenreach: the 8 nearest by index, then exact distance and id
  SELECT c.id AS edge, c.source, c.target, c.cost AS len,
         ST_LineLocatePoint(c.geom, r.geom) * c.cost AS pos, c.off
  FROM (SELECT e.id, e.source, e.target, e.cost, e.geom, ST_Distance(e.geom, r.geom) AS off
        FROM edges e ORDER BY e.geom <-> r.geom LIMIT 8) c
  ORDER BY c.off, c.id LIMIT 1) n ON n.off < $snap_max;
SQL

step search <<SQL
CREATE TABLE vedges AS
WITH s AS (SELECT max(id) + 1 AS v FROM vtx), b AS (SELECT max(id) AS m FROM edges)
SELECT b.m + row_number() OVER () AS id, s.v AS source, q.node AS target, q.c AS cost, -1.0::float8 AS reverse_cost
FROM s, b, (SELECT e.source AS node, t.init + t.pos AS c FROM ent t JOIN edges e ON e.id = t.edge
            UNION ALL
            SELECT e.target, t.init + e.cost - t.pos FROM ent t JOIN edges e ON e.id = t.edge) q;
CREATE TABLE dist AS
SELECT node, agg_cost FROM pgr_drivingDistance(
  'SELECT id, source, target, cost, reverse_cost FROM edges
   UNION ALL SELECT id, source, target, cost, reverse_cost FROM vedges',
  (SELECT max(id) + 1 FROM vtx), $t2, true)
WHERE node <> (SELECT max(id) + 1 FROM vtx);
CREATE UNIQUE INDEX dist_node ON dist (node);
SQL

step distance <<SQL
CREATE TABLE rdist AS
SELECT fid, pop, geom, CASE WHEN best + off <= $t2 THEN best + off END AS dist
FROM (SELECT s.fid, s.pop, s.geom, s.off,
             LEAST(coalesce(du.agg_cost + s.pos, 'Infinity'),
                   coalesce(dv.agg_cost + s.len - s.pos, 'Infinity'),
                   coalesce((SELECT min(t.init + abs(s.pos - t.pos)) FROM ent t WHERE t.edge = s.edge),
                            'Infinity')) AS best
      FROM rsnap s LEFT JOIN dist du ON du.node = s.source LEFT JOIN dist dv ON dv.node = s.target) q;
SQL

step coverage <<SQL
CREATE INDEX wards_geom ON t_wards USING gist (geom);
CREATE TABLE shares AS
SELECT sum(pop) FILTER (WHERE dist <= $t1) / sum(pop) AS s1,
       sum(pop) FILTER (WHERE dist <= $t2) / sum(pop) AS s2
FROM rdist r WHERE EXISTS (SELECT 1 FROM t_wards w WHERE ST_Intersects(w.geom, r.geom));
SQL

# ---- compare ----
ogr2ogr -f PostgreSQL PG:"dbname=$PGDATABASE" "$gr_res" residents -nln gr_res -lco GEOMETRY_NAME=geom \
  -lco SPATIAL_INDEX=NONE -gt 100000 -overwrite
read -r n both mism maxd meand beyond <<<"$("${PSQL[@]}" -At -F ' ' <<SQL
SELECT count(*),
       count(*) FILTER (WHERE g.park_dist_m IS NOT NULL AND p.dist IS NOT NULL),
       count(*) FILTER (WHERE (g.park_dist_m IS NULL) <> (p.dist IS NULL)),
       round(coalesce(max(abs(g.park_dist_m - p.dist)), 0)::numeric, 4),
       round(coalesce(avg(abs(g.park_dist_m - p.dist)), 0)::numeric, 5),
       count(*) FILTER (WHERE abs(g.park_dist_m - p.dist) > 1
                        OR abs(coalesce(g.park_dist_m, p.dist) - $t2) > 1 AND (g.park_dist_m IS NULL) <> (p.dist IS NULL))
FROM gr_res g JOIN rdist p ON p.fid = g.source_fid;
SQL
)"
read -r ps1 ps2 <<<"$("${PSQL[@]}" -At -F ' ' -c 'SELECT round(s1::numeric, 6), round(s2::numeric, 6) FROM shares')"
read -r gs1 gs2 <<<"$(python3 - "$work/gr_out/ward_coverage.csv" "${thr_min%%,*}" "${thr_min##*,}" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
tot = [r for r in rows if r["ward_code"] == "TOTAL"][0]
print(tot["park_share_%smin" % sys.argv[2]], tot["park_share_%smin" % sys.argv[3]])
PY
)"

# ---- report ----
sum() { awk 'BEGIN { s = 0; for (i = 1; i < ARGC; i++) s += ARGV[i]; printf "%.3f", s }' "$@"; }
pg_compute=$(sum "${pg[graph]}" "${pg[entrances]}" "${pg[snap]}" "${pg[search]}" "${pg[distance]}" "${pg[coverage]}")
gr_compute=$(sum "${gr[graph]}" "${gr[snap]}" "${gr[search]}" "${gr[coverage]}")
pg_total=$(sum "$pg_compute" "${pg[import]}")
gr_total=$(sum "$gr_compute" "${gr[load]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0) ? a / b : 0 }'; }
cat <<EOF
dataset: $config (${gr[edges]} graph edges, ${gr[residents]} residents; load average $load_avg at the start)
| step | pgRouting s | greenreach s |
|---|---:|---:|
| load / import | ${pg[import]} | ${gr[load]} |
| graph | ${pg[graph]} | ${gr[graph]} |
| entrances + snap | $(sum "${pg[entrances]}" "${pg[snap]}") | ${gr[snap]} |
| search + resident distances | $(sum "${pg[search]}" "${pg[distance]}") | ${gr[search]} |
| coverage | ${pg[coverage]} | ${gr[coverage]} |
| **job (graph to coverage)** | **$pg_compute** | **$gr_compute** |
| with load / import | $pg_total | $gr_total |
speedup: $(ratio "$pg_compute" "$gr_compute")x on the job, $(ratio "$pg_total" "$gr_total")x with loading (greenreach: median of $runs)
distances: $n residents compared, $both reached by both, max |diff| $maxd m, mean |diff| $meand m, $beyond beyond 1 m, $mism reached by one tool only
shares: ${thr_min%%,*} min pgRouting $ps1 greenreach $gs1, ${thr_min##*,} min pgRouting $ps2 greenreach $gs2
EOF
