#!/usr/bin/python3
"""Derive greenreach's Stockport kit (geodata/stockport/).

Base kit (the default), from the raw open data in the geodata-candidates
folder (read-only), written to geodata/stockport/stockport.gpkg in EPSG:27700
(British National Grid) with what that folder really holds for Stockport
(E08000007):

  wards          the 21 ONS wards of May 2023, MultiPolygon
  residents      the 191 LSOAs (2021) as zones, with Census 2021 usual
                 residents; greenreach takes each zone at a point on its
                 surface
  access_points  OS Open Greenspace access points (October 2023), Point,
                 without site ids (the copy lost them)
  cycle_routes   TfGM GM Cycle Routes (November 2018) near Stockport: a
                 partial path layer, NOT a walking network

There is no walking network and no typed green-space polygon for Stockport in
the candidates, so the base kit has no `paths` or `greenspaces` layer and
greenreach cannot measure coverage from it alone.

Full kit (--osm, --greenspace and/or --cars), from the base kit plus public
downloads (see geodata/stockport/README.md), written to
geodata/stockport/stockport_full.gpkg (not committed: it holds ODbL data):

  paths          every OSM highway way within MARGIN_M of the borough (--osm)
  greenspaces    OS Open Greenspace sites meeting the borough (--greenspace)
                 plus OSM meadows and orchards, which OS does not map; with
                 --osm alone, every OSM green space (the Rutland rules)
  access_points  OS Open Greenspace access points of those sites, with their
                 site id (--greenspace); else the base kit's
  residents      the base kit's, with no_car_share from Census 2021 TS045
                 by LSOA (--cars); else NULL
  wards, cycle_routes  copied from the base kit

Usage:
  /usr/bin/python3 scripts/derive_stockport.py [SOURCE_DIR] [--out PATH]
  /usr/bin/python3 scripts/derive_stockport.py --osm PBF --greenspace GPKG
        [--cars CSV] [--base PATH] [--out PATH]

SOURCE_DIR defaults to ../shared/geodata-candidates relative to the
repository root. Deterministic: sorted features, the fixed reprojection
pipeline and pinned GeoPackage timestamps of derive_rutland.py, whose helpers
are reused here.
"""

import argparse
import csv
import os
import sys
import tempfile
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import derive_rutland as common  # noqa: E402  (shared geometry/GPKG helpers)
from osgeo import gdal, ogr, osr  # noqa: E402

# ---------------------------------------------------------------------------
# Inputs (relative to the geodata-candidates folder)
# ---------------------------------------------------------------------------
WARDS_FILE = "trafforddatalab-spatial_data/stockport_ward_2023_generalised.geojson"
LSOA_FILE = "trafforddatalab-spatial_data/stockport_lsoa_2021_generalised.geojson"
CENSUS_FILE = ("gmoda-deri_census2021-lsoa-population/"
               "census2021_lsoa_usual_residents_stockport.csv")
ACCESS_FILE = "trafforddatalab-open_data/stockport_greenspace_access_points.geojson"
CYCLE_FILE = "jibeproject-network_tfgm-gm-cycle-routes/gm_cycle_routes_2018.shp"

LAD_CODE = "E08000007"
EXPECTED_WARDS = 21
EXPECTED_LSOAS = 191
EXPECTED_POPULATION = 294790
EXPECTED_ACCESS_POINTS = 1203
# SOURCES.md counts: the GM file, and the Stockport cut (clipped to the
# boundary, hence lines split at it) made when the candidates were collected.
EXPECTED_GM_CYCLE_ROUTES = 3306

# Pinned GeoPackage timestamp: the newest input's date (OS Open Greenspace
# access points, October 2023), so reruns give an identical file.
PINNED_DATE = "2023-10-01T00:00:00Z"

# Paths and cycle routes are kept whole when they come within this distance
# of the borough (the largest default walk, 20 min at 4.8 km/h), so walks
# that leave the borough and come back are not cut off.
MARGIN_M = 1600.0
# TfGM RouteStatu: only 3 is documented as "open"; other values are dropped.
CYCLE_OPEN_STATUS = 3
# TfGM RouteType codes (CycleMapsSupportingInfo.pdf, as summarised in
# SOURCES.md); code 1 is not described there.
ROUTE_TYPE_LABEL = {
    2: "on-road advisory", 3: "on-road with facilities",
    4: "shared-use footway", 5: "traffic-free", 6: "canal towpath",
    7: "canal towpath", 8: "canal towpath",
    9: "footpath, cycling prohibited", 10: "vehicle track",
    11: "segregated",
}


def fail(msg):
    sys.exit("derive_stockport: ERROR: " + msg)


def open_layer(path):
    ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
    return ds, ds.GetLayer(0)


# ---------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------
def load_wards(path, reproj, stats):
    ds, lyr = open_layer(path)
    wards = []
    for f in lyr:
        if f.GetField("local_authority_area_code") != LAD_CODE:
            fail("%s: ward %s is not in %s" % (path, f.GetField("area_code"), LAD_CODE))
        g, rep = common.make_valid_polygonal(reproj(f.GetGeometryRef()))
        stats["wards_repaired"] += rep
        wards.append({"ward_code": f.GetField("area_code"),
                      "ward_name": f.GetField("area_name"), "nbhd": None,
                      "geom": g})
    wards.sort(key=lambda w: w["ward_code"])
    if len(wards) != EXPECTED_WARDS:
        fail("%s: expected %d wards, found %d" % (path, EXPECTED_WARDS, len(wards)))
    if len({w["ward_code"] for w in wards}) != len(wards):
        fail("%s: duplicate ward codes" % path)
    return wards


def load_residents(path, census_path, reproj, stats):
    """The LSOA zones with their census counts, sorted by code."""
    ds, lyr = open_layer(path)
    zones = []
    for f in lyr:
        g, rep = common.make_valid_polygonal(reproj(f.GetGeometryRef()))
        stats["lsoas_repaired"] += rep
        zones.append({"lsoa21cd": f.GetField("area_code"),
                      "lsoa21nm": f.GetField("area_name"), "geom": g})
    pop = common.read_census(census_path)
    codes = {z["lsoa21cd"] for z in zones}
    if codes != set(pop):
        fail("LSOA codes differ between %s and %s: only in census %s, only in "
             "polygons %s" % (census_path, path, sorted(set(pop) - codes),
                              sorted(codes - set(pop))))
    if len(zones) != EXPECTED_LSOAS:
        fail("expected %d LSOAs, found %d" % (EXPECTED_LSOAS, len(zones)))
    if sum(pop.values()) != EXPECTED_POPULATION:
        fail("census total is %d, expected %d" % (sum(pop.values()), EXPECTED_POPULATION))
    for z in zones:
        z["population"] = pop[z["lsoa21cd"]]
        # No car-availability data below borough level for Stockport in the
        # sources: left NULL, never filled with the borough share.
        z["no_car_share"] = None
    zones.sort(key=lambda z: z["lsoa21cd"])
    return zones


def load_access_points(path, reproj, stats):
    ds, lyr = open_layer(path)
    points = []
    for f in lyr:
        if f.GetField("area_code") != LAD_CODE:
            fail("%s: feature %d is not in %s" % (path, f.GetFID(), LAD_CODE))
        g = reproj(f.GetGeometryRef())
        stats["ap_" + f.GetField("access_type")] += 1
        points.append({"access_type": f.GetField("access_type"), "site_id": None,
                       "source_fid": f.GetFID(), "geom": g})
    if len(points) != EXPECTED_ACCESS_POINTS:
        fail("%s: expected %d access points, found %d"
             % (path, EXPECTED_ACCESS_POINTS, len(points)))
    return points


def load_cycle_routes(path, borough, stats):
    """GM cycle routes (already EPSG:27700) within MARGIN_M of the
    borough, whole and unsimplified; only routes documented as open."""
    ds, lyr = open_layer(path)
    if lyr.GetFeatureCount() != EXPECTED_GM_CYCLE_ROUTES:
        fail("%s: expected %d routes, found %d"
             % (path, EXPECTED_GM_CYCLE_ROUTES, lyr.GetFeatureCount()))
    if lyr.GetSpatialRef().GetAuthorityCode(None) != "27700":
        fail("%s: not EPSG:27700" % path)
    near = borough.Buffer(MARGIN_M, 16)
    routes = []
    for f in lyr:
        g = f.GetGeometryRef().Clone()
        g.AssignSpatialReference(None)
        g.FlattenTo2D()
        if not g.Intersects(near):
            continue
        stats["cycle_near"] += 1
        if f.GetField("RouteStatu") != CYCLE_OPEN_STATUS:
            stats["cycle_not_open"] += 1
            continue
        stats["cycle_in_borough"] += g.Intersects(borough)
        rtype = f.GetField("RouteType")
        routes.append({
            "route_seq": f.GetFID(), "tfgm_id": f.GetField("ID"),
            "route_type": rtype, "route_type_label": ROUTE_TYPE_LABEL.get(rtype),
            "route_status": f.GetField("RouteStatu"),
            "surface": f.GetField("RouteSurfa"),
            "ncn_route": f.GetField("NCNRouteNu") or None,
            "notes": f.GetField("Notes"), "geom": g})
    routes.sort(key=lambda r: r["route_seq"])
    return routes


# ---------------------------------------------------------------------------
# Full kit: the base kit plus public downloads
# ---------------------------------------------------------------------------
# OS Open Greenspace has no meadow or orchard function: those come from OSM
# even when OS supplies the other sites (taking OSM parks too would count
# most parks twice).
OSM_ONLY_FUNCTIONS = {"meadow", "orchard"}
OS_SITE_LAYER, OS_ACCESS_LAYER = "greenspace_site", "access_point"
BBOX_PAD_DEG = 0.005


def read_base(path):
    """The base kit's layers as rows (fields + geometry), by layer name."""
    ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
    if ds is None:
        fail("cannot open the base kit %s (run without --osm/--greenspace "
             "first)" % path)
    base = {}
    for name, fields in (("wards", WARD_FIELDS), ("residents", RES_FIELDS),
                         ("access_points", AP_FIELDS), ("cycle_routes", CYCLE_FIELDS)):
        lyr = ds.GetLayerByName(name)
        if lyr is None:
            fail("%s: no layer %s" % (path, name))
        base[name] = [dict({k: f.GetField(k) for k, _ in fields},
                           geom=f.GetGeometryRef().Clone()) for f in lyr]
    if len(base["wards"]) != EXPECTED_WARDS or len(base["residents"]) != EXPECTED_LSOAS:
        fail("%s: expected %d wards and %d LSOAs" % (path, EXPECTED_WARDS, EXPECTED_LSOAS))
    return base


def lonlat_bbox(geom, bng):
    """(lon_min, lat_min, lon_max, lat_max) around a BNG geometry, padded."""
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(bng, wgs)
    minx, maxx, miny, maxy = geom.GetEnvelope()
    corners = [ct.TransformPoint(x, y)[:2] for x in (minx, maxx) for y in (miny, maxy)]
    return (min(c[0] for c in corners) - BBOX_PAD_DEG, min(c[1] for c in corners) - BBOX_PAD_DEG,
            max(c[0] for c in corners) + BBOX_PAD_DEG, max(c[1] for c in corners) + BBOX_PAD_DEG)


def derive_osm(pbf, borough, near, bbox, reproj, tmpdir, stats):
    """(paths, green spaces) from an OSM extract, with the Rutland rules."""
    gdal.SetConfigOption("OSM_CONFIG_FILE", common.write_osmconf(tmpdir))
    lines = common.read_osm_layer(pbf, "lines", bbox=bbox)
    mpolys = common.read_osm_layer(pbf, "multipolygons", bbox=bbox)
    points = common.read_osm_layer(pbf, "points", "leisure = 'playground'", bbox=bbox)
    mpolys.sort(key=lambda r: common.osm_key(r)[:2])
    points.sort(key=lambda r: int(r["osm_id"]))
    paths = []
    for p in common.derive_paths(lines, reproj):
        if p["geom"].Intersects(near):
            paths.append(p)
        else:
            stats["osm_paths_far"] += 1
    stats["gs_excluded_access_by_fn"] = Counter()
    sites = common.derive_greenspaces(mpolys, points, borough, reproj, stats)
    return paths, sites


def os_layer(ds, path, name):
    lyr = ds.GetLayerByName(name)
    if lyr is None:
        fail("%s: no layer %s (is this the OS Open Greenspace GeoPackage?)" % (path, name))
    srs = lyr.GetSpatialRef()
    if srs is None or srs.GetAuthorityCode(None) != "27700":
        fail("%s layer %s: expected EPSG:27700" % (path, name))
    return lyr


def derive_os_greenspace(path, borough, near, stats):
    """OS Open Greenspace sites meeting the borough and their access points
    (with the site id they open into)."""
    ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
    if ds is None:
        fail("cannot open %s" % path)
    lyr = os_layer(ds, path, OS_SITE_LAYER)
    minx, maxx, miny, maxy = near.GetEnvelope()
    lyr.SetSpatialFilterRect(minx, miny, maxx, maxy)
    sites = []
    for f in lyr:
        g = f.GetGeometryRef()
        if g is None or g.IsEmpty():
            continue
        g = g.Clone()
        g.AssignSpatialReference(None)
        g.FlattenTo2D()
        g, rep = common.make_valid_polygonal(g)
        if g.IsEmpty() or not g.Intersects(borough):
            continue
        stats["os_sites_repaired"] += rep
        sites.append({"site_id": f.GetField("id"), "function": f.GetField("function"),
                      "name": f.GetField("distinctive_name_1"), "access": None,
                      "sport": None, "geom_source": "os_open_greenspace",
                      "within_school": None, "area_m2": round(g.GetArea(), 1),
                      "geom": g})
    sites.sort(key=lambda r: r["site_id"])
    ids = {r["site_id"] for r in sites}
    if len(ids) != len(sites):
        fail("%s: duplicate site id" % path)
    lyr = os_layer(ds, path, OS_ACCESS_LAYER)
    lyr.SetSpatialFilterRect(minx, miny, maxx, maxy)
    points = []
    for f in lyr:
        ref = f.GetField("ref_to_greenspace_site")
        if ref not in ids:
            stats["os_access_other_sites"] += 1
            continue
        g = f.GetGeometryRef().Clone()
        g.AssignSpatialReference(None)
        g.FlattenTo2D()
        points.append({"access_type": f.GetField("access_type"), "site_id": ref,
                       "source_fid": f.GetFID(), "os_id": f.GetField("id"), "geom": g})
    points.sort(key=lambda r: (r["site_id"], r["os_id"] or ""))
    return sites, points


# Census 2021 TS045 (car or van availability), ONS bulk table by LSOA
# (census2021-ts045-lsoa.csv): the columns read.
TS045_CODE = "geography code"
TS045_TOTAL = "Number of cars or vans: Total: All households"
TS045_NONE = "Number of cars or vans: No cars or vans in household"


def read_no_car_shares(path, codes):
    """{lsoa21cd: share of households with no car or van} for every code."""
    shares = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        absent = [c for c in (TS045_CODE, TS045_TOTAL, TS045_NONE)
                  if c not in (reader.fieldnames or [])]
        if absent:
            fail("%s: no column %s (expected ONS's census2021-ts045-lsoa.csv)"
                 % (path, ", ".join("'%s'" % c for c in absent)))
        for line, row in enumerate(reader, start=2):
            code = row[TS045_CODE].strip()
            if code not in codes:
                continue
            try:
                total, none = int(row[TS045_TOTAL]), int(row[TS045_NONE])
            except ValueError:
                fail("%s line %d: household counts are not whole numbers" % (path, line))
            if total <= 0 or not 0 <= none <= total:
                fail("%s line %d (%s): %d households without a car of %d"
                     % (path, line, code, none, total))
            shares[code] = none / total
    missing = sorted(set(codes) - set(shares))
    if missing:
        fail("%s: no row for %d of the %d LSOAs, e.g. %s"
             % (path, len(missing), len(codes), missing[0]))
    return shares


def build_full(args, reproj, tmpdir, stats):
    """Layers of the full kit: the base kit plus what the downloads give."""
    base = read_base(args.base)
    borough = ogr.Geometry(ogr.wkbMultiPolygon)
    for w in base["wards"]:
        for p in common.polygonal_parts(w["geom"]):
            borough.AddGeometry(p)
    borough = borough.UnionCascaded()
    near = borough.Buffer(MARGIN_M, 16)
    paths, osm_sites, os_sites = [], [], []
    access = base["access_points"]
    if args.cars:
        shares = read_no_car_shares(args.cars, {z["lsoa21cd"] for z in base["residents"]})
        for z in base["residents"]:
            z["no_car_share"] = shares[z["lsoa21cd"]]
    if args.osm:
        bbox = lonlat_bbox(near, reproj.bng)
        paths, osm_sites = derive_osm(args.osm, borough, near, bbox, reproj, tmpdir, stats)
    if args.greenspace:
        os_sites, access = derive_os_greenspace(args.greenspace, borough, near, stats)
        stats["osm_sites_dropped_os_has_them"] = sum(
            1 for r in osm_sites if r["function"] not in OSM_ONLY_FUNCTIONS)
        osm_sites = [r for r in osm_sites if r["function"] in OSM_ONLY_FUNCTIONS]
    layers = [("wards", ogr.wkbMultiPolygon, WARD_FIELDS, base["wards"]),
              ("residents", ogr.wkbMultiPolygon, RES_FIELDS, base["residents"]),
              ("access_points", ogr.wkbPoint, AP_FIELDS, access),
              ("cycle_routes", ogr.wkbMultiLineString, CYCLE_FIELDS, base["cycle_routes"])]
    if paths:
        layers.append(("paths", ogr.wkbLineString, common.PATH_FIELDS, paths))
    sites = os_sites + osm_sites
    if sites:
        layers.append(("greenspaces", ogr.wkbMultiPolygon, common.GS_FIELDS,
                       [dict(r, play_class=None) for r in sites]))
    return layers, base["wards"]


def report_full(args, counts, stats, layers):
    P = print
    P("derive_stockport: wrote %s (%.2f MB)" % (args.out, os.path.getsize(args.out) / 1e6))
    P("layer feature counts:")
    for name in sorted(counts):
        P("  %-14s %6d" % (name, counts[name]))
    rows = {name: r for name, _, _, r in layers}
    if "paths" in rows:
        P("OSM highway ways kept: %d (%d farther than %.0f m from the borough)"
          % (len(rows["paths"]), stats["osm_paths_far"], MARGIN_M))
    if "greenspaces" in rows:
        P("greenspaces by source and function:")
        for (src, fn), n in sorted(Counter((r["geom_source"], r["function"])
                                           for r in rows["greenspaces"]).items()):
            P("  %-20s %-40s %5d" % (src, fn, n))
    if args.greenspace:
        P("OS access points kept: %d (%d near the borough open into sites outside it); "
          "OSM sites left out because OS Open Greenspace maps that function: %d"
          % (counts["access_points"], stats["os_access_other_sites"],
             stats["osm_sites_dropped_os_has_them"]))
    if args.cars:
        P("residents: no_car_share from %s for all %d LSOAs" % (args.cars, counts["residents"]))
    missing = [n for n in ("paths", "greenspaces") if n not in counts]
    if missing:
        P("NOT COMPLETE: no %s layer; greenreach cannot run stockport.ini on this file"
          % " or ".join(missing))


# ---------------------------------------------------------------------------
# Writing and checks
# ---------------------------------------------------------------------------
WARD_FIELDS = [("ward_code", ogr.OFTString), ("ward_name", ogr.OFTString),
               ("nbhd", ogr.OFTString)]
RES_FIELDS = [("population", ogr.OFTInteger), ("lsoa21cd", ogr.OFTString),
              ("lsoa21nm", ogr.OFTString), ("no_car_share", ogr.OFTReal)]
AP_FIELDS = [("access_type", ogr.OFTString), ("site_id", ogr.OFTString),
             ("source_fid", ogr.OFTInteger)]
CYCLE_FIELDS = [("route_seq", ogr.OFTInteger), ("tfgm_id", ogr.OFTInteger64),
                ("route_type", ogr.OFTInteger), ("route_type_label", ogr.OFTString),
                ("route_status", ogr.OFTInteger), ("surface", ogr.OFTInteger),
                ("ncn_route", ogr.OFTInteger), ("notes", ogr.OFTString)]


def ward_of(wards, pt):
    for w in wards:
        if w["geom"].Intersects(pt):
            return w
    return None


def verify(out_path, wards, expected):
    """Reopen the written file; check counts and CRS, and place every zone
    at the point greenreach will take (PointOnSurface) in a ward."""
    ds = gdal.OpenEx(out_path, gdal.OF_VECTOR | gdal.OF_READONLY)
    counts = {}
    for i in range(ds.GetLayerCount()):
        lyr = ds.GetLayer(i)
        counts[lyr.GetName()] = lyr.GetFeatureCount()
        if lyr.GetSpatialRef().GetAuthorityCode(None) != "27700":
            fail("layer %s is not EPSG:27700" % lyr.GetName())
    if counts != expected:
        fail("written layer counts %s, expected %s" % (counts, expected))
    by_ward, total = Counter(), 0
    for f in ds.GetLayerByName("residents"):
        n = f.GetField("population")
        if n <= 0:
            fail("zone %s has population %d" % (f.GetField("lsoa21cd"), n))
        w = ward_of(wards, f.GetGeometryRef().PointOnSurface())
        if w is None:
            fail("zone %s: its point on surface lies in no ward" % f.GetField("lsoa21cd"))
        by_ward[w["ward_name"]] += n
        total += n
    if total != EXPECTED_POPULATION:
        fail("population total %d != %d" % (total, EXPECTED_POPULATION))
    outside = sum(1 for f in ds.GetLayerByName("access_points")
                  if ward_of(wards, f.GetGeometryRef()) is None)
    return counts, by_ward, outside


# ---------------------------------------------------------------------------
def report(args, inputs, hashes, counts, stats, by_ward, ap_outside, routes):
    P = print
    P("derive_stockport: wrote %s (%.2f MB)" % (args.out, os.path.getsize(args.out) / 1e6))
    P("inputs (sha256):")
    for n in sorted(inputs):
        P("  %s  %s" % (hashes[n][:16], n))
    P("layer feature counts:")
    for name in ("wards", "residents", "access_points", "cycle_routes"):
        P("  %-14s %5d" % (name, counts[name]))
    P("wards repaired: %d; LSOAs repaired: %d" % (stats["wards_repaired"],
                                                 stats["lsoas_repaired"]))
    P("access points by access_type: " + ", ".join(
        "%s %d" % (k[3:], n) for k, n in sorted(stats.items()) if k.startswith("ap_")))
    P("access points outside every ward: %d" % ap_outside)
    P("cycle routes: %d of the GM file's %d within %.0f m of the borough; "
      "%d dropped as not open (RouteStatu != 3); %d kept, %d of them touch the "
      "borough itself" % (stats["cycle_near"], EXPECTED_GM_CYCLE_ROUTES,
                          MARGIN_M, stats["cycle_not_open"], len(routes),
                          stats["cycle_in_borough"]))
    P("cycle routes by type:")
    for t, n in sorted(Counter(r["route_type"] for r in routes).items()):
        P("  %2d %-30s %4d" % (t, ROUTE_TYPE_LABEL.get(t, "(undocumented)"), n))
    length = sum(r["geom"].Length() for r in routes)
    P("cycle route length: %.1f km" % (length / 1000.0))
    P("residents (LSOA zones at their point on surface) by ward:")
    for name in sorted(by_ward):
        P("  %-36s %6d" % (name, by_ward[name]))
    P("population total: %d (census %d) OK" % (sum(by_ward.values()), EXPECTED_POPULATION))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    kit = os.path.join(root, "geodata", "stockport")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", nargs="?",
                    default=os.path.join(root, "..", "shared", "geodata-candidates"),
                    help="geodata-candidates folder (read-only; base kit only)")
    ap.add_argument("--osm", help="OpenStreetMap extract covering Stockport, e.g. "
                    "Geofabrik's greater-manchester-latest.osm.pbf")
    ap.add_argument("--greenspace", help="OS Open Greenspace GeoPackage (opgrsp_gb.gpkg)")
    ap.add_argument("--cars", help="Census 2021 TS045 by LSOA (ONS bulk "
                    "census2021-ts045-lsoa.csv): fills the zones' no_car_share")
    ap.add_argument("--base", default=os.path.join(kit, "stockport.gpkg"),
                    help="the base kit the full kit starts from")
    ap.add_argument("--out", help="output GeoPackage (default: stockport.gpkg, or "
                    "stockport_full.gpkg with --osm/--greenspace)")
    args = ap.parse_args()
    full = bool(args.osm or args.greenspace or args.cars)
    if not args.out:
        args.out = os.path.join(kit, "stockport_full.gpkg" if full else "stockport.gpkg")
    if full:
        inputs = {n: n for n in (args.osm, args.greenspace, args.cars, args.base) if n}
    else:
        src = os.path.abspath(args.source)
        names = (WARDS_FILE, LSOA_FILE, CENSUS_FILE, ACCESS_FILE, CYCLE_FILE,
                 CYCLE_FILE[:-4] + ".dbf", CYCLE_FILE[:-4] + ".shx",
                 CYCLE_FILE[:-4] + ".prj")
        inputs = {n: os.path.join(src, n) for n in names}
    for n, p in inputs.items():
        if not os.path.isfile(p):
            fail("missing input %s" % p)
    if full and os.path.abspath(args.out) == os.path.abspath(args.base):
        fail("--out must differ from --base (inputs are never modified)")
    hashes = {n: common.sha256(p) for n, p in inputs.items()}

    stats = Counter()
    with tempfile.TemporaryDirectory(prefix="derive_stockport.") as tmpdir:
        gdal.SetConfigOption("CPL_TMPDIR", tmpdir)
        gdal.SetConfigOption("OGR_CURRENT_DATE", PINNED_DATE)
        reproj = common.Reprojector()
        if full:
            layers, wards = build_full(args, reproj, tmpdir, stats)
        else:
            layers, wards, routes = build_base(inputs, reproj, stats)
        common.write_layers(args.out, reproj.bng, layers)
        counts, by_ward, ap_outside = verify(
            args.out, wards, {name: len(rows) for name, _, _, rows in layers})

    if {n: common.sha256(p) for n, p in inputs.items()} != hashes:
        fail("an input file changed during the run")
    if full:
        report_full(args, counts, stats, layers)
    else:
        report(args, inputs, hashes, counts, stats, by_ward, ap_outside, routes)


def build_base(inputs, reproj, stats):
    """Layers of the base kit, from the candidates folder."""
    wards = load_wards(inputs[WARDS_FILE], reproj, stats)
    borough = ogr.Geometry(ogr.wkbMultiPolygon)
    for w in wards:
        for p in common.polygonal_parts(w["geom"]):
            borough.AddGeometry(p)
    borough = borough.UnionCascaded()
    zones = load_residents(inputs[LSOA_FILE], inputs[CENSUS_FILE], reproj, stats)
    points = load_access_points(inputs[ACCESS_FILE], reproj, stats)
    routes = load_cycle_routes(inputs[CYCLE_FILE], borough, stats)
    layers = [("wards", ogr.wkbMultiPolygon, WARD_FIELDS, wards),
              ("residents", ogr.wkbMultiPolygon, RES_FIELDS, zones),
              ("access_points", ogr.wkbPoint, AP_FIELDS, points),
              ("cycle_routes", ogr.wkbMultiLineString, CYCLE_FIELDS,
               [dict(r, geom=ogr.ForceToMultiLineString(r["geom"])) for r in routes])]
    return layers, wards, routes


if __name__ == "__main__":
    main()
