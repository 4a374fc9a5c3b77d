#!/usr/bin/python3
"""Derive greenreach's bundled Rutland dataset (geodata/rutland.gpkg).

Reads the raw open data in the geodata-candidates folder (read-only) and
writes one GeoPackage in EPSG:27700 (British National Grid) with four layers:

  wards        15 ONS wards (2025), MultiPolygon
  paths        every OSM highway way as one LineString (all vertices kept)
  greenspaces  typed OSM green-space polygons (+ 3 buffered playground points)
  residents    Census 2021 LSOA usual residents spread dasymetrically over
               OSM residential buildings (and residential streets where an
               LSOA has too few buildings), integer counts that sum exactly
               to each LSOA's census figure

Usage:
  /usr/bin/python3 scripts/derive_rutland.py [SOURCE_DIR] [--out PATH]

SOURCE_DIR defaults to ../shared/geodata-candidates relative to the repository
root. Only the standard library and GDAL/OGR's Python bindings (osgeo) are
used. The result is deterministic: features are sorted by OSM id / code, there
is no randomness, the reprojection pipeline is fixed and the GeoPackage
timestamps are pinned, so a rerun on the same inputs gives the same file.

See geodata/README.md for the method, the function mapping and the caveats.
"""

import argparse
import csv
import hashlib
import os
import statistics
import sys
import tempfile
from collections import Counter, defaultdict

try:
    from osgeo import gdal, ogr, osr
except ImportError:  # pragma: no cover
    sys.exit("derive_rutland: the GDAL Python bindings (python3-gdal) are "
             "missing; run scripts/derive_rutland.sh, which installs them")

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()

# ---------------------------------------------------------------------------
# Inputs (relative to the geodata-candidates folder)
# ---------------------------------------------------------------------------
WARDS_FILE = "drkane-geo-lookups/rutland_ward_E06000017.geojson"
LSOA_FILE = "drkane-geo-lookups/rutland_lsoa_E06000017.geojson"
CENSUS_FILE = ("gmoda-deri_census2021-lsoa-population/"
               "census2021_lsoa_usual_residents_rutland.csv")
PBF_FILE = "rutland-osm/rutland-latest_2022-07-20.osm.pbf"

EXPECTED_WARDS = 15
EXPECTED_LSOAS = 26
EXPECTED_POPULATION = 41056

# The GeoPackage metadata timestamps are pinned to the OSM extract's
# replication time so that reruns produce an identical file.
PINNED_DATE = "2022-07-20T20:21:45Z"

# EPSG:4326 -> EPSG:27700 pipeline, fixed so the output does not depend on
# which PROJ grids happen to be installed. This is "Inverse of OSGB36 to
# WGS 84 (6) + British National Grid" (EPSG Helmert, ~2 m), PROJ's choice
# when the OSTN15 grid is absent. Input order is lat, lon (EPSG:4326 axis
# order); OGR applies the axis mapping of the traditional-GIS-order source.
BNG_PIPELINE = (
    "+proj=pipeline +step +proj=axisswap +order=2,1 "
    "+step +proj=unitconvert +xy_in=deg +xy_out=rad "
    "+step +proj=push +v_3 +step +proj=cart +ellps=WGS84 "
    "+step +inv +proj=helmert +x=446.448 +y=-125.157 +z=542.06 "
    "+rx=0.15 +ry=0.247 +rz=0.842 +s=-20.489 +convention=position_vector "
    "+step +inv +proj=cart +ellps=airy +step +proj=pop +v_3 "
    "+step +proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 "
    "+x_0=400000 +y_0=-100000 +ellps=airy")

# OSM driver configuration: GDAL's default osmconf.ini with extra columns.
OSM_EXTRA_ATTRS = {
    "points": ["leisure", "access"],
    "lines": ["foot", "access"],
    "multipolygons": ["access", "healthcare"],
}

# ---------------------------------------------------------------------------
# Green-space rules
# ---------------------------------------------------------------------------
LEISURE_FUNCTION = {
    "park": "park",
    "playground": "play_space",
    "pitch": "playing_field",          # refined by sport below
    "recreation_ground": "recreation_ground",
    "village_green": "village_green",
    "nature_reserve": "nature_reserve",
    "common": "common",
    "garden": "garden",                # only when not access=private
    "golf_course": "golf_course",
}
PITCH_SPORT_FUNCTION = {
    "bowls": "bowling_green",
    "tennis": "tennis_court",
    "skateboard": "skate_park",
}
LANDUSE_FUNCTION = {
    "recreation_ground": "recreation_ground",
    "village_green": "village_green",
    "meadow": "meadow",
    "orchard": "orchard",
    "allotments": "allotment",
    "cemetery": "cemetery",
    "graveyard": "cemetery",           # non-standard spelling, 1 in Rutland
}
AMENITY_FUNCTION = {"grave_yard": "cemetery"}
EXCLUDED_ACCESS = {"private", "no"}
# Informational flag: the site's point-on-surface lies in school grounds
# (these pitches/courts rarely carry an access tag but are seldom public).
SCHOOL_AMENITIES = {"school", "college", "university"}
SCHOOL_LANDUSE = {"education"}
PLAYGROUND_BUFFER_M = 15.0
PLAYGROUND_QUADSEGS = 8                # 32-vertex circle

# ---------------------------------------------------------------------------
# Resident rules
# ---------------------------------------------------------------------------
# building=yes qualifies only within these footprint bounds (m2) ...
YES_MIN_M2, YES_MAX_M2 = 30.0, 1000.0
# ... explicitly residential types from this size up (no upper bound).
TYPED_MIN_M2 = 20.0
RESIDENTIAL_TYPES = {
    "house", "residential", "detached", "semidetached_house", "terrace",
    "apartments", "bungalow", "cottage", "farm", "dormitory", "yes",
    # non-standard spellings present in the extract, treated as synonyms
    "flats", "large house",
}
# building=* keys whose presence marks a building as non-residential
NONRES_KEYS = ["amenity", "shop", "office", "craft", "tourism", "healthcare",
               "leisure", "man_made"]
# amenity values that are homes (usual residents live there)
RESIDENTIAL_AMENITIES = {"social_facility", "nursing_home"}
# landuse whose buildings are not homes (point-on-surface test)
EXCLUDED_LANDUSE = {"industrial", "commercial", "retail", "military"}
# inside landuse=farmyard only explicitly residential types count
# (building=yes there is almost always a barn or shed)
FARMYARD_LANDUSE = "farmyard"
WEIGHT_CAP_M2 = 300.0
# An LSOA with fewer qualifying buildings than population / this also gets
# street points.
PERSONS_PER_BUILDING_MIN = 6
STREET_CLASSES = {"residential", "living_street", "unclassified"}
STREET_SPACING_M = 25.0
# Street points are kept only inside the settlement mask: OSM
# landuse=residential, or within this distance of a qualifying residential
# building footprint. Without it most points would sit on country lanes
# (highway=unclassified) between villages.
SETTLEMENT_BUFFER_M = 50.0
SETTLEMENT_LANDUSE = "residential"
GRID_M = 500.0
WEIGHT_SCALE = 100       # weights are integers in 0.01 m2


def fail(msg):
    sys.exit("derive_rutland: ERROR: " + msg)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------
class Reprojector:
    def __init__(self):
        src = osr.SpatialReference()
        src.ImportFromEPSG(4326)
        src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        self.bng = osr.SpatialReference()
        self.bng.ImportFromEPSG(27700)
        self.bng.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        opts = osr.CoordinateTransformationOptions()
        opts.SetOperation(BNG_PIPELINE)
        self.ct = osr.CoordinateTransformation(src, self.bng, opts)

    def __call__(self, geom):
        g = geom.Clone()
        g.AssignSpatialReference(None)
        g.Transform(self.ct)
        g.FlattenTo2D()
        return g


def polygonal_parts(geom):
    """All Polygon parts of a geometry (flattening collections)."""
    out = []
    t = ogr.GT_Flatten(geom.GetGeometryType())
    if t == ogr.wkbPolygon:
        if not geom.IsEmpty():
            out.append(geom.Clone())
    elif t in (ogr.wkbMultiPolygon, ogr.wkbGeometryCollection):
        for i in range(geom.GetGeometryCount()):
            out.extend(polygonal_parts(geom.GetGeometryRef(i)))
    return out


def to_multipolygon(geom):
    mp = ogr.Geometry(ogr.wkbMultiPolygon)
    for p in polygonal_parts(geom):
        mp.AddGeometry(p)
    return mp


def make_valid_polygonal(geom):
    """(MultiPolygon, repaired?) with invalid input repaired by MakeValid."""
    repaired = False
    gdal.PushErrorHandler("CPLQuietErrorHandler")   # IsValid warns on stderr
    try:
        valid = geom.IsValid()
    finally:
        gdal.PopErrorHandler()
    if not valid:
        geom = geom.MakeValid()
        repaired = True
    return to_multipolygon(geom), repaired


def linestring_parts(geom):
    out = []
    t = ogr.GT_Flatten(geom.GetGeometryType())
    if t == ogr.wkbLineString:
        if geom.GetPointCount() >= 2:
            out.append(geom)
    elif t in (ogr.wkbMultiLineString, ogr.wkbGeometryCollection):
        for i in range(geom.GetGeometryCount()):
            out.extend(linestring_parts(geom.GetGeometryRef(i)))
    return out


def points_along(line, spacing):
    """Points at the middles of ~spacing-long intervals of a LineString.

    n = round(L / spacing) points at (k + 0.5) * L / n, so a 100 m street
    gets 4 points 25 m apart and a street shorter than spacing / 2 none."""
    pts = line.GetPoints()
    seglen = []
    total = 0.0
    for (x0, y0, *_), (x1, y1, *_) in zip(pts, pts[1:]):
        d = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        seglen.append(d)
        total += d
    n = int(total / spacing + 0.5)
    if n == 0:
        return []
    step = total / n
    out = []
    seg, acc = 0, 0.0
    for k in range(n):
        target = (k + 0.5) * step
        while seg < len(seglen) - 1 and acc + seglen[seg] < target:
            acc += seglen[seg]
            seg += 1
        d = seglen[seg]
        f = 0.0 if d == 0 else (target - acc) / d
        f = min(max(f, 0.0), 1.0)
        x0, y0 = pts[seg][0], pts[seg][1]
        x1, y1 = pts[seg + 1][0], pts[seg + 1][1]
        out.append((x0 + f * (x1 - x0), y0 + f * (y1 - y0)))
    return out


class NearIndex:
    """Grid-bucketed 'is a point within d of any of these geometries?'."""

    def __init__(self, dist, cell=GRID_M):
        self.dist, self.cell = dist, cell
        self.cells = defaultdict(list)

    def add(self, geom):
        minx, maxx, miny, maxy = geom.GetEnvelope()
        c = self.cell
        for i in range(int((minx - self.dist) // c), int((maxx + self.dist) // c) + 1):
            for j in range(int((miny - self.dist) // c), int((maxy + self.dist) // c) + 1):
                self.cells[(i, j)].append(geom)

    def near(self, pt):
        key = (int(pt.GetX() // self.cell), int(pt.GetY() // self.cell))
        return any(g.Distance(pt) <= self.dist for g in self.cells.get(key, ()))


class PolygonIndex:
    """Tiny envelope-filtered point-in-polygon lookup (no external deps)."""

    def __init__(self):
        self.items = []   # (key, geom, envelope)

    def add(self, key, geom):
        self.items.append((key, geom, geom.GetEnvelope()))

    def containing(self, pt):
        """Keys of the polygons that intersect the point, in insertion order."""
        x, y = pt.GetX(), pt.GetY()
        out = []
        for key, geom, (minx, maxx, miny, maxy) in self.items:
            if minx <= x <= maxx and miny <= y <= maxy and geom.Intersects(pt):
                out.append(key)
        return out


# ---------------------------------------------------------------------------
# OSM reading
# ---------------------------------------------------------------------------
def write_osmconf(tmpdir):
    default = os.path.join(gdal.GetConfigOption("GDAL_DATA") or
                           "/usr/share/gdal", "osmconf.ini")
    if not os.path.exists(default):
        default = "/usr/share/gdal/osmconf.ini"
    with open(default, encoding="utf-8") as f:
        lines = f.read().splitlines()
    out, section = [], None
    for line in lines:
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1]
        elif s.startswith("attributes=") and section in OSM_EXTRA_ATTRS:
            attrs = s[len("attributes="):].split(",")
            for a in OSM_EXTRA_ATTRS[section]:
                if a not in attrs:
                    attrs.append(a)
            line = "attributes=" + ",".join(attrs)
        out.append(line)
    path = os.path.join(tmpdir, "osmconf.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    return path


def parse_other_tags(s):
    """Parse the OSM driver's HSTORE-like other_tags string."""
    tags = {}
    if not s:
        return tags
    i, n = 0, len(s)

    def read_quoted(i):
        assert s[i] == '"'
        i += 1
        buf = []
        while i < n and s[i] != '"':
            if s[i] == "\\" and i + 1 < n:
                i += 1
            buf.append(s[i])
            i += 1
        return "".join(buf), i + 1

    while i < n:
        if s[i] in ", ":
            i += 1
            continue
        k, i = read_quoted(i)
        i += 2  # =>
        v, i = read_quoted(i)
        tags[k] = v
    return tags


def read_osm_layer(pbf, layer_name, where=None, bbox=None):
    """All features of one OSM layer as dicts (geometry in WGS84), only
    those meeting bbox (lon_min, lat_min, lon_max, lat_max) when given, so a
    large extract need not be held in memory."""
    ds = gdal.OpenEx(pbf, gdal.OF_VECTOR | gdal.OF_READONLY,
                     allowed_drivers=["OSM"])
    lyr = ds.GetLayerByName(layer_name)
    if where:
        lyr.SetAttributeFilter(where)
    if bbox:
        lyr.SetSpatialFilterRect(*bbox)
    defn = lyr.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    out = []
    for f in lyr:
        g = f.GetGeometryRef()
        if g is None or g.IsEmpty():
            continue
        rec = {n: f.GetField(n) for n in names}
        rec["_tags"] = parse_other_tags(rec.get("other_tags"))
        rec["_geom"] = g.Clone()
        out.append(rec)
    ds = None
    return out


def osm_key(rec):
    """(kind, id, site_id) for a multipolygons/points/lines record."""
    if rec.get("osm_way_id"):
        return (1, int(rec["osm_way_id"]), "osm_way_%s" % rec["osm_way_id"])
    return (2, int(rec["osm_id"]), "osm_rel_%s" % rec["osm_id"])


def tag(rec, key):
    """A tag from a dedicated column or from other_tags."""
    v = rec.get(key)
    if v is None:
        v = rec["_tags"].get(key)
    return v


# ---------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------
def load_wards(path, reproj, stats):
    ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
    lyr = ds.GetLayer(0)
    wards = []
    for f in lyr:
        g, rep = make_valid_polygonal(reproj(f.GetGeometryRef()))
        stats["wards_repaired"] += rep
        wards.append({"code": f.GetField("WD25CD"), "name": f.GetField("WD25NM"),
                      "geom": g})
    wards.sort(key=lambda w: w["code"])
    if len(wards) != EXPECTED_WARDS:
        fail("%s: expected %d wards, found %d" % (path, EXPECTED_WARDS, len(wards)))
    if len({w["code"] for w in wards}) != len(wards):
        fail("%s: duplicate ward codes" % path)
    return wards


def read_census(path):
    """{lsoa21cd: usual residents} from a derived Census 2021 LSOA file."""
    pop = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            pop[row["lsoa21cd"].strip()] = int(row["usual_residents_2021"])
    return pop


def load_lsoas(path, census_path, reproj, stats):
    ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
    lyr = ds.GetLayer(0)
    lsoas = {}
    for f in lyr:
        g, rep = make_valid_polygonal(reproj(f.GetGeometryRef()))
        stats["lsoas_repaired"] += rep
        lsoas[f.GetField("LSOA21CD")] = {"name": f.GetField("LSOA21NM"),
                                         "geom": g}
    pop = read_census(census_path)
    if set(pop) != set(lsoas):
        fail("LSOA codes differ between %s and %s: only in census %s, only in "
             "polygons %s" % (census_path, path, sorted(set(pop) - set(lsoas)),
                              sorted(set(lsoas) - set(pop))))
    if len(pop) != EXPECTED_LSOAS:
        fail("expected %d LSOAs, found %d" % (EXPECTED_LSOAS, len(pop)))
    if sum(pop.values()) != EXPECTED_POPULATION:
        fail("census total is %d, expected %d" % (sum(pop.values()),
                                                  EXPECTED_POPULATION))
    for code in lsoas:
        lsoas[code]["pop"] = pop[code]
    return lsoas


def derive_paths(lines, reproj):
    paths = []
    for r in lines:
        if not r.get("highway"):
            continue
        g = reproj(r["_geom"])
        if ogr.GT_Flatten(g.GetGeometryType()) != ogr.wkbLineString:
            fail("path osm_id %s is not a LineString" % r["osm_id"])
        paths.append({"osm_id": int(r["osm_id"]), "highway": r["highway"],
                      "name": r.get("name"), "foot": tag(r, "foot"),
                      "access": tag(r, "access"), "geom": g})
    paths.sort(key=lambda p: p["osm_id"])
    return paths


def greenspace_function(rec):
    """(function, sport) for a multipolygons record, or (None, None)."""
    leisure, landuse, amenity = rec.get("leisure"), rec.get("landuse"), rec.get("amenity")
    sport = rec.get("sport")
    if leisure in LEISURE_FUNCTION:
        fn = LEISURE_FUNCTION[leisure]
        if leisure == "pitch" and sport:
            first = sport.split(";")[0].strip()
            fn = PITCH_SPORT_FUNCTION.get(first, fn)
        return fn, sport
    if landuse in LANDUSE_FUNCTION:
        return LANDUSE_FUNCTION[landuse], sport
    if amenity in AMENITY_FUNCTION:
        return AMENITY_FUNCTION[amenity], sport
    return None, None


def derive_greenspaces(mpolys, points, county, reproj, stats):
    sites = []
    seen_orchard_tags = 0
    for r in mpolys:
        if r.get("landuse") == "orchard" or r["_tags"].get("landuse") == "orchard":
            seen_orchard_tags += 1
        fn, sport = greenspace_function(r)
        if fn is None:
            continue
        kind, num, site_id = osm_key(r)
        stats["gs_candidates"] += 1
        g, rep = make_valid_polygonal(reproj(r["_geom"]))
        if g.IsEmpty():
            stats["gs_empty"] += 1
            continue
        if not g.Intersects(county):
            stats["gs_outside_county"] += 1
            continue
        access = r.get("access")
        if access in EXCLUDED_ACCESS:
            stats["gs_excluded_access"] += 1
            stats["gs_excluded_access_by_fn"][fn] += 1
            if fn == "garden":
                stats["gs_private_gardens"] += 1
            continue
        stats["gs_repaired"] += rep
        sites.append({"key": (kind, num), "site_id": site_id, "function": fn,
                      "sport": sport, "name": r.get("name"), "access": access,
                      "geom_source": "osm_polygon", "geom": g})
    stats["orchards_in_extract"] = seen_orchard_tags

    play_polys = [s["geom"] for s in sites if s["function"] == "play_space"]
    for r in points:
        if r.get("leisure") != "playground":
            continue
        stats["gs_candidates"] += 1
        pt = reproj(r["_geom"])
        if not pt.Intersects(county):
            stats["gs_outside_county"] += 1
            continue
        access = r.get("access")
        if access in EXCLUDED_ACCESS:
            stats["gs_excluded_access"] += 1
            stats["gs_excluded_access_by_fn"]["play_space"] += 1
            continue
        if any(p.Intersects(pt) for p in play_polys):
            stats["gs_point_inside_play_polygon"] += 1
        g = to_multipolygon(pt.Buffer(PLAYGROUND_BUFFER_M, PLAYGROUND_QUADSEGS))
        sites.append({"key": (0, int(r["osm_id"])),
                      "site_id": "osm_node_%s" % r["osm_id"],
                      "function": "play_space", "sport": None,
                      "name": r.get("name"), "access": access,
                      "geom_source": "osm_point_buffer15m", "geom": g})
        stats["gs_playground_points"] += 1
    schools = PolygonIndex()
    for r in mpolys:
        if r.get("amenity") in SCHOOL_AMENITIES or r.get("landuse") in SCHOOL_LANDUSE:
            g, _ = make_valid_polygonal(reproj(r["_geom"]))
            schools.add("school", g)
    for s in sites:
        s["within_school"] = 1 if schools.containing(s["geom"].PointOnSurface()) else 0
        stats["gs_within_school"] += s["within_school"]
    sites.sort(key=lambda s: s["key"])
    ids = [s["site_id"] for s in sites]
    if len(set(ids)) != len(ids):
        fail("duplicate greenspace site_id")
    for s in sites:
        s["area_m2"] = round(s["geom"].GetArea(), 1)
    return sites


def building_weight(area):
    return int(round(min(area, WEIGHT_CAP_M2) * WEIGHT_SCALE))


def derive_residents(mpolys, paths, lsoas, reproj, stats):
    # Landuse masks
    excl_index, farmyard_index = PolygonIndex(), PolygonIndex()
    settle_index = PolygonIndex()
    near_buildings = NearIndex(SETTLEMENT_BUFFER_M)
    for r in mpolys:
        lu = r.get("landuse")
        if lu in EXCLUDED_LANDUSE or lu == FARMYARD_LANDUSE or lu == SETTLEMENT_LANDUSE:
            g, _ = make_valid_polygonal(reproj(r["_geom"]))
            if lu == FARMYARD_LANDUSE:
                farmyard_index.add(lu, g)
            elif lu == SETTLEMENT_LANDUSE:
                settle_index.add(lu, g)
            else:
                excl_index.add(lu, g)

    lsoa_index = PolygonIndex()
    for code in sorted(lsoas):
        lsoa_index.add(code, lsoas[code]["eff"])

    buildings = defaultdict(list)   # lsoa -> [(key, point, weight, source_id)]
    bstats = stats["bld"]
    for r in mpolys:
        b = r.get("building")
        if not b or b == "no":
            continue
        bstats["osm_buildings"] += 1
        if b not in RESIDENTIAL_TYPES:
            bstats["type_not_residential"] += 1
            continue
        nonres = [k for k in NONRES_KEYS if r.get(k)]
        if nonres == ["amenity"] and r.get("amenity") in RESIDENTIAL_AMENITIES:
            nonres = []
        if nonres:
            bstats["nonresidential_tag"] += 1
            continue
        g, _ = make_valid_polygonal(reproj(r["_geom"]))
        area = g.GetArea()
        if b == "yes":
            if area < YES_MIN_M2:
                bstats["yes_too_small"] += 1
                continue
            if area > YES_MAX_M2:
                bstats["yes_too_large"] += 1
                continue
        elif area < TYPED_MIN_M2:
            bstats["typed_too_small"] += 1
            continue
        pt = g.PointOnSurface()
        lu = excl_index.containing(pt)
        if lu:
            bstats["in_landuse_" + sorted(lu)[0]] += 1
            continue
        if b == "yes" and farmyard_index.containing(pt):
            bstats["yes_in_farmyard"] += 1
            continue
        codes = lsoa_index.containing(pt)
        if not codes:
            bstats["outside_lsoas"] += 1
            continue
        kind, num, sid = osm_key(r)
        buildings[codes[0]].append(((kind, num), pt, building_weight(area), sid))
        near_buildings.add(g)
        bstats["qualifying"] += 1

    all_w = sorted(w for lst in buildings.values() for _, _, w, _ in lst)
    if not all_w:
        fail("no qualifying residential buildings")
    street_weight = statistics.median_low(all_w)
    stats["street_weight_m2"] = street_weight / WEIGHT_SCALE

    streets = sorted((p for p in paths if p["highway"] in STREET_CLASSES),
                     key=lambda p: p["osm_id"])

    residents = []
    per_lsoa = {}
    for code in sorted(lsoas):
        pop = lsoas[code]["pop"]
        pts = []   # (sort key, method, (x, y), weight, source_id)
        for key, pt, w, sid in sorted(buildings[code], key=lambda t: t[0]):
            pts.append(((0,) + key, "building", (pt.GetX(), pt.GetY()), w, sid))
        n_bld = len(pts)
        street_used = n_bld * PERSONS_PER_BUILDING_MIN < pop
        if street_used:
            poly = lsoas[code]["eff"]
            minx, maxx, miny, maxy = poly.GetEnvelope()
            for p in streets:
                ex = p["geom"].GetEnvelope()
                if ex[0] > maxx or ex[1] < minx or ex[2] > maxy or ex[3] < miny:
                    continue
                if not p["geom"].Intersects(poly):
                    continue
                clip = p["geom"].Intersection(poly)
                seq = 0
                for part in linestring_parts(clip):
                    for xy in points_along(part, STREET_SPACING_M):
                        seq += 1
                        q = ogr.Geometry(ogr.wkbPoint)
                        q.AddPoint_2D(*xy)
                        if not (settle_index.containing(q) or near_buildings.near(q)):
                            stats["street_outside_settlement"] += 1
                            continue
                        pts.append(((1, p["osm_id"], seq), "street", xy,
                                    street_weight,
                                    "osm_way_%d#%d" % (p["osm_id"], seq)))
        if not pts:
            fail("LSOA %s has no building or street points" % code)
        pts.sort(key=lambda t: t[0])
        alloc = largest_remainder(pop, [t[3] for t in pts])
        if sum(alloc) != pop:
            fail("LSOA %s: allocated %d, census %d" % (code, sum(alloc), pop))
        kept = Counter()
        for (key, method, xy, w, sid), n in zip(pts, alloc):
            if n == 0:
                stats["res_zero_dropped"] += 1
                continue
            residents.append({"lsoa": code, "method": method, "xy": xy,
                              "population": n, "source_id": sid})
            kept[method] += n
        per_lsoa[code] = {"pop": pop, "buildings": n_bld,
                          "street_points": len(pts) - n_bld,
                          "street_used": street_used,
                          "pop_building": kept["building"],
                          "pop_street": kept["street"]}
    return residents, per_lsoa


def largest_remainder(total, weights):
    """Integers proportional to weights summing exactly to total.

    Exact integer arithmetic (weights are integers); ties in the remainder
    go to the earlier point in the (deterministic) list order."""
    W = sum(weights)
    if W <= 0:
        fail("largest_remainder: zero total weight")
    floors, rems = [], []
    for i, w in enumerate(weights):
        q, r = divmod(total * w, W)
        floors.append(q)
        rems.append((-r, i))
    left = total - sum(floors)
    for _, i in sorted(rems)[:left]:
        floors[i] += 1
    return floors


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
def create_layer(ds, name, gtype, srs, fields):
    lyr = ds.CreateLayer(name, srs, gtype,
                         options=["GEOMETRY_NAME=geom", "FID=fid",
                                  "SPATIAL_INDEX=YES"])
    for fname, ftype in fields:
        lyr.CreateField(ogr.FieldDefn(fname, ftype))
    return lyr


def write_features(lyr, rows, fields):
    lyr.StartTransaction()
    for row in rows:
        f = ogr.Feature(lyr.GetLayerDefn())
        for fname, _ in fields:
            v = row.get(fname)
            if v is None:
                f.SetFieldNull(fname)
            else:
                f.SetField(fname, v)
        f.SetGeometry(row["geom"])
        lyr.CreateFeature(f)
    lyr.CommitTransaction()


WARD_FIELDS = [("ward_code", ogr.OFTString), ("ward_name", ogr.OFTString),
               ("nbhd", ogr.OFTString)]
PATH_FIELDS = [("osm_id", ogr.OFTInteger64), ("highway", ogr.OFTString),
               ("name", ogr.OFTString), ("foot", ogr.OFTString),
               ("access", ogr.OFTString)]
GS_FIELDS = [("site_id", ogr.OFTString), ("function", ogr.OFTString),
             ("play_class", ogr.OFTString), ("name", ogr.OFTString),
             ("access", ogr.OFTString), ("sport", ogr.OFTString),
             ("area_m2", ogr.OFTReal), ("geom_source", ogr.OFTString),
             ("within_school", ogr.OFTInteger)]
RES_FIELDS = [("population", ogr.OFTInteger), ("lsoa21cd", ogr.OFTString),
              ("method", ogr.OFTString), ("no_car_share", ogr.OFTReal),
              ("source_id", ogr.OFTString)]


def write_layers(out_path, srs, layers):
    """Writes [(name, geometry type, fields, rows)] as one GeoPackage:
    to a temporary file next to out_path, renamed into place when complete."""
    out_dir = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".derive.", suffix=".gpkg", dir=out_dir)
    os.close(fd)
    os.unlink(tmp)
    try:
        ds = ogr.GetDriverByName("GPKG").CreateDataSource(tmp)
        for name, gtype, fields, rows in layers:
            write_features(create_layer(ds, name, gtype, srs, fields), rows, fields)
        ds.ExecuteSQL("VACUUM")
        ds = None
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_gpkg(out_path, srs, wards, paths, sites, residents):
    rows = []
    for r in residents:
        g = ogr.Geometry(ogr.wkbPoint)
        g.AddPoint_2D(round(r["xy"][0], 2), round(r["xy"][1], 2))
        rows.append({"population": r["population"], "lsoa21cd": r["lsoa"],
                     "method": r["method"], "no_car_share": None,
                     "source_id": r["source_id"], "geom": g})
    write_layers(out_path, srs, [
        ("wards", ogr.wkbMultiPolygon, WARD_FIELDS,
         [{"ward_code": w["code"], "ward_name": w["name"], "nbhd": None,
           "geom": w["geom"]} for w in wards]),
        ("paths", ogr.wkbLineString, PATH_FIELDS, paths),
        ("greenspaces", ogr.wkbMultiPolygon, GS_FIELDS,
         [dict(s, play_class=None) for s in sites]),
        ("residents", ogr.wkbPoint, RES_FIELDS, rows)])


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------
def verify(out_path, lsoas, n_paths, county):
    """Reopen the written file and check it independently."""
    ds = gdal.OpenEx(out_path, gdal.OF_VECTOR | gdal.OF_READONLY)
    counts = {}
    for i in range(ds.GetLayerCount()):
        lyr = ds.GetLayer(i)
        counts[lyr.GetName()] = lyr.GetFeatureCount()
        auth = lyr.GetSpatialRef().GetAuthorityCode(None)
        if auth != "27700":
            fail("layer %s is not EPSG:27700 (%s)" % (lyr.GetName(), auth))
    if counts.get("wards") != EXPECTED_WARDS:
        fail("written wards layer has %s features" % counts.get("wards"))
    if counts.get("paths") != n_paths:
        fail("written paths layer has %s features" % counts.get("paths"))
    sums, outside, outside_wards = Counter(), 0, 0
    lyr = ds.GetLayerByName("residents")
    for f in lyr:
        code = f.GetField("lsoa21cd")
        n = f.GetField("population")
        if n <= 0:
            fail("resident point %d has population %d" % (f.GetFID(), n))
        sums[code] += n
        if not lsoas[code]["geom"].Intersects(f.GetGeometryRef()):
            outside += 1
        if not county.Intersects(f.GetGeometryRef()):
            outside_wards += 1
    if outside:
        fail("%d resident points lie outside their LSOA" % outside)
    if outside_wards:
        fail("%d resident points lie outside every ward" % outside_wards)
    bad = [(c, sums[c], lsoas[c]["pop"]) for c in sorted(lsoas)
           if sums[c] != lsoas[c]["pop"]]
    if bad:
        fail("per-LSOA sums differ from the census: %s" % bad)
    if sum(sums.values()) != EXPECTED_POPULATION:
        fail("population total %d != %d" % (sum(sums.values()),
                                             EXPECTED_POPULATION))
    return counts, sums


# ---------------------------------------------------------------------------
def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", nargs="?",
                    default=os.path.join(root, "..", "shared",
                                         "geodata-candidates"),
                    help="geodata-candidates folder (read-only)")
    ap.add_argument("--out", default=os.path.join(root, "geodata",
                                                  "rutland.gpkg"))
    args = ap.parse_args()
    src = os.path.abspath(args.source)
    inputs = {n: os.path.join(src, n)
              for n in (WARDS_FILE, LSOA_FILE, CENSUS_FILE, PBF_FILE)}
    for n, p in inputs.items():
        if not os.path.isfile(p):
            fail("missing input %s (source folder %s)" % (n, src))
    hashes_before = {n: sha256(p) for n, p in inputs.items()}

    stats = Counter()
    stats["gs_excluded_access_by_fn"] = Counter()
    stats["bld"] = Counter()

    with tempfile.TemporaryDirectory(prefix="derive_rutland.") as tmpdir:
        gdal.SetConfigOption("OSM_CONFIG_FILE", write_osmconf(tmpdir))
        gdal.SetConfigOption("CPL_TMPDIR", tmpdir)
        gdal.SetConfigOption("OGR_CURRENT_DATE", PINNED_DATE)
        reproj = Reprojector()

        wards = load_wards(inputs[WARDS_FILE], reproj, stats)
        county = ogr.Geometry(ogr.wkbMultiPolygon)
        for w in wards:
            for p in polygonal_parts(w["geom"]):
                county.AddGeometry(p)
        county = county.UnionCascaded()
        lsoas = load_lsoas(inputs[LSOA_FILE], inputs[CENSUS_FILE], reproj, stats)
        # Resident points must fall in their LSOA *and* in a ward: the LSOA
        # and ward boundaries are generalised separately, so the county
        # edges differ by a few metres. Use LSOA intersect ward-union.
        for code in sorted(lsoas):
            lsoas[code]["eff"] = to_multipolygon(
                lsoas[code]["geom"].Intersection(county))

        pbf = inputs[PBF_FILE]
        lines = read_osm_layer(pbf, "lines")
        mpolys = read_osm_layer(pbf, "multipolygons")
        points = read_osm_layer(pbf, "points", "leisure = 'playground'")
        stats["osm_lines"] = len(lines)
        stats["osm_multipolygons"] = len(mpolys)
        mpolys.sort(key=lambda r: osm_key(r)[:2])
        points.sort(key=lambda r: int(r["osm_id"]))

        paths = derive_paths(lines, reproj)
        sites = derive_greenspaces(mpolys, points, county, reproj, stats)
        residents, per_lsoa = derive_residents(mpolys, paths, lsoas, reproj, stats)

        write_gpkg(args.out, reproj.bng, wards, paths, sites, residents)
        counts, sums = verify(args.out, lsoas, len(paths), county)

    hashes_after = {n: sha256(p) for n, p in inputs.items()}
    if hashes_after != hashes_before:
        fail("an input file changed during the run")

    # ------------------------------------------------------------------ report
    P = print
    P("derive_rutland: wrote %s (%.2f MB)" % (args.out,
                                               os.path.getsize(args.out) / 1e6))
    P("inputs (sha256):")
    for n in sorted(inputs):
        P("  %s  %s" % (hashes_before[n][:16], n))
    P("layer feature counts:")
    for name in ("wards", "paths", "greenspaces", "residents"):
        P("  %-12s %6d" % (name, counts[name]))
    P("paths by highway:")
    for hw, n in Counter(p["highway"] for p in paths).most_common():
        P("  %-16s %5d" % (hw, n))
    P("greenspaces by function:")
    for fn, n in sorted(Counter(s["function"] for s in sites).items()):
        P("  %-18s %4d" % (fn, n))
    P("greenspace filtering: %d candidates; %d outside the county wards; "
      "%d excluded access=private/no (%s), of which %d private gardens; "
      "%d repaired with MakeValid; %d playground points buffered by 15 m "
      "(%d of them inside a mapped playground polygon); landuse=orchard "
      "polygons in extract: %d; %d kept sites lie in school grounds "
      "(within_school=1: %s)"
      % (stats["gs_candidates"], stats["gs_outside_county"],
         stats["gs_excluded_access"],
         ", ".join("%s %d" % kv for kv in sorted(stats["gs_excluded_access_by_fn"].items())),
         stats["gs_private_gardens"], stats["gs_repaired"],
         stats["gs_playground_points"], stats["gs_point_inside_play_polygon"],
         stats["orchards_in_extract"], stats["gs_within_school"],
         ", ".join("%s %d" % kv for kv in sorted(Counter(
             s["function"] for s in sites if s["within_school"]).items()))))
    P("wards repaired: %d; LSOAs repaired: %d" % (stats["wards_repaired"],
                                                 stats["lsoas_repaired"]))
    P("buildings:")
    for k, n in sorted(stats["bld"].items()):
        P("  %-28s %5d" % (k, n))
    P("street point weight (median capped building footprint): %.2f m2"
      % stats["street_weight_m2"])
    m = Counter(r["method"] for r in residents)
    mp = Counter()
    for r in residents:
        mp[r["method"]] += r["population"]
    P("resident points by method: " + ", ".join(
        "%s %d points / %d people" % (k, m[k], mp[k]) for k in sorted(m)))
    P("street candidate points dropped outside the settlement mask: %d"
      % stats["street_outside_settlement"])
    P("resident points dropped with 0 people: %d" % stats["res_zero_dropped"])
    P("per-LSOA check (census = sum of points):")
    P("  %-10s %6s %6s %5s %6s %6s %6s  %s" % ("lsoa21cd", "census", "points",
                                              "bldgs", "streetp", "p_bld",
                                              "p_str", "ok"))
    for code in sorted(lsoas):
        d = per_lsoa[code]
        P("  %-10s %6d %6d %5d %6d %6d %6d  %s" % (
            code, d["pop"], sums[code], d["buildings"], d["street_points"],
            d["pop_building"], d["pop_street"],
            "OK" if sums[code] == d["pop"] else "MISMATCH"))
    P("population total: %d (census %d) OK" % (sum(sums.values()),
                                                EXPECTED_POPULATION))
    P("LSOAs using street points: %d of %d" % (
        sum(1 for d in per_lsoa.values() if d["street_used"]), len(per_lsoa)))


if __name__ == "__main__":
    main()
