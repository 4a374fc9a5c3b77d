#!/usr/bin/python3
"""Writes stand-ins for the two public downloads the full Stockport kit needs,
small enough for a test, with answers known by construction:

  fixture.osm       OSM XML (read by GDAL's OSM driver like a .osm.pbf):
                    a 600 m footway starting 10 m from one LSOA's point on
                    surface, a meadow and a park touching it, and a road in
                    Manchester city centre (far from Stockport)
  fixture_os.gpkg   OS Open Greenspace layout (greenspace_site, access_point,
                    EPSG:27700): a park at the far end of the footway with
                    its access point there, and a site in Trafford with its
                    access point
  fixture_ts045.csv the columns of ONS's census2021-ts045-lsoa.csv: 500 of
                    1000 households without a car in the chosen LSOA, 100 of
                    1000 in every other, so the chosen one is the only
                    low-car zone (above the area-wide share), plus a row for
                    an LSOA outside Stockport

The LSOA chosen is the one whose point on surface is farthest from every
other LSOA's, so no other zone lies within the 250 m snap cap of the
footway: the park is reached by exactly that LSOA's residents, at 610 m.
Prints "<lsoa21cd> <population> <ward_code>" for the test to check.

Usage: make_stockport_fixture.py BASE_KIT_GPKG OUT_DIR
"""
import csv
import os
import sys

from osgeo import gdal, ogr, osr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import derive_rutland as common  # noqa: E402  (the pinned BNG pipeline)

gdal.UseExceptions()
FOOTWAY_M = 600.0
OFFSET_M = 10.0


def zone_points(base):
    ds = gdal.OpenEx(base, gdal.OF_VECTOR | gdal.OF_READONLY)
    pts = []
    for f in ds.GetLayerByName("residents"):
        p = f.GetGeometryRef().PointOnSurface()
        pts.append((f.GetField("lsoa21cd"), f.GetField("population"), p.GetX(), p.GetY()))
    wards = [(f.GetField("ward_code"), f.GetGeometryRef().Clone())
             for f in ds.GetLayerByName("wards")]
    return pts, wards


def loneliest(pts):
    def gap(p):
        return min((p[2] - q[2]) ** 2 + (p[3] - q[3]) ** 2 for q in pts if q is not p)
    return max(pts, key=gap)


def to_lonlat():
    bng = osr.SpatialReference()
    bng.ImportFromEPSG(27700)
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    opts = osr.CoordinateTransformationOptions()
    opts.SetOperation(common.BNG_PIPELINE, True)
    ct = osr.CoordinateTransformation(bng, wgs, opts)
    return lambda x, y: ct.TransformPoint(x, y)[:2]


def write_osm(path, ll, px, py):
    y = py + OFFSET_M
    nodes, ways = [], []

    def way(coords, tags, closed=False):
        ids = []
        for x, yy in coords:
            nodes.append((len(nodes) + 1,) + tuple(ll(x, yy)))
            ids.append(len(nodes))
        if closed:
            ids.append(ids[0])
        ways.append((100 + len(ways), ids, tags))

    def square(x0, y0, side):
        return [(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side)]

    way([(px, y), (px + FOOTWAY_M / 2, y), (px + FOOTWAY_M, y)], {"highway": "footway"})
    way(square(px + 280, y, 40), {"landuse": "meadow"}, closed=True)
    way(square(px + 100, y - 60, 40), {"leisure": "park"}, closed=True)
    # Manchester city centre, ~8 km north of the borough: outside the bbox
    way([(384000, 398000), (384100, 398000)], {"highway": "residential"})
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n')
        for nid, lon, lat in nodes:
            f.write('  <node id="%d" version="1" lat="%.8f" lon="%.8f"/>\n' % (nid, lat, lon))
        for wid, ids, tags in ways:
            f.write('  <way id="%d" version="1">\n' % wid)
            for nid in ids:
                f.write('    <nd ref="%d"/>\n' % nid)
            for k, v in tags.items():
                f.write('    <tag k="%s" v="%s"/>\n' % (k, v))
            f.write('  </way>\n')
        f.write('</osm>\n')


def write_os(path, px, py):
    y = py + OFFSET_M
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(27700)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    sites = ds.CreateLayer("greenspace_site", srs, ogr.wkbMultiPolygon)
    for name in ("id", "function", "distinctive_name_1"):
        sites.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    ap = ds.CreateLayer("access_point", srs, ogr.wkbPoint)
    for name in ("id", "access_type", "ref_to_greenspace_site"):
        ap.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    x0 = px + FOOTWAY_M
    for sid, fn, (sx, sy) in (("OS-PARK", "Public Park Or Garden", (x0, y)),
                              ("OS-TRAFFORD", "Playing Field", (376000.0, 394000.0))):
        f = ogr.Feature(sites.GetLayerDefn())
        f.SetField("id", sid)
        f.SetField("function", fn)
        f.SetGeometry(ogr.ForceToMultiPolygon(ogr.CreateGeometryFromWkt(
            "POLYGON((%f %f,%f %f,%f %f,%f %f,%f %f))"
            % (sx, sy, sx + 100, sy, sx + 100, sy + 100, sx, sy + 100, sx, sy))))
        sites.CreateFeature(f)
        a = ogr.Feature(ap.GetLayerDefn())
        a.SetField("id", "AP-" + sid)
        a.SetField("access_type", "Pedestrian")
        a.SetField("ref_to_greenspace_site", sid)
        a.SetGeometry(ogr.CreateGeometryFromWkt("POINT(%f %f)" % (sx, sy)))
        ap.CreateFeature(a)
    ds = None


def write_ts045(path, pts, chosen):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "geography", "geography code",
                    "Number of cars or vans: Total: All households",
                    "Number of cars or vans: No cars or vans in household",
                    "Number of cars or vans: 1 car or van in household"])
        w.writerow([2021, "Hartlepool 001A", "E01011954", 700, 300, 400])
        for code, _, _, _ in pts:
            none = 500 if code == chosen else 100
            w.writerow([2021, code, code, 1000, none, 1000 - none])


def main():
    base, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    pts, wards = zone_points(base)
    code, pop, px, py = loneliest(pts)
    write_osm(os.path.join(out, "fixture.osm"), to_lonlat(), px, py)
    write_os(os.path.join(out, "fixture_os.gpkg"), px, py)
    write_ts045(os.path.join(out, "fixture_ts045.csv"), pts, code)
    p = ogr.CreateGeometryFromWkt("POINT(%f %f)" % (px, py))
    ward = [c for c, g in wards if g.Intersects(p)][0]
    print(code, pop, ward)


if __name__ == "__main__":
    main()
