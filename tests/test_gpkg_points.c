/* test_gpkg_points.c - point rows written through SQLite in bulk read back
 * through GDAL exactly as the rows GDAL writes itself one feature at a
 * time: the same rows go to two GeoPackages, one each way, and are
 * compared feature by feature, field by field and blob by blob. Then the
 * file as readers see it: the extent in gpkg_contents is the points'
 * exact box, the feature count, a spatial filter finds what a brute-force
 * scan finds, SQLite's integrity and R-tree checks, GDAL's own GeoPackage
 * validator (when python3-gdal ships it). A write failing part-way leaves
 * the tables as GDAL created them: nothing of any layer is kept. The same
 * for polygon layers, their blobs encoded from GEOS (gpkg_geom.h): empty
 * ones, holes, parts, collections, an invalid hole outside its shell. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cpl_string.h>
#include <gdal.h>
#include <geos_c.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "greenreach/gpkg_geom.h"
#include "greenreach/gpkg_points.h"
#include "greenreach/load.h"

#define DIR GR_TEST_TMP
#define N_PTS 3000
#define N_POLY 120
#define VALIDATOR "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"

/* ---- the rows: every kind of cell, nulls, and halves to round ---- */

typedef struct {
    uint32_t fail_at;   /* a row emitting one cell too many; GR_NONE: none */
} rows_ctx_t;

static void point_at(uint32_t i, double *x, double *y)
{
    *x = 500000.123 + (i % 60) * 9.1 + i * 1e-7;
    *y = 200000.456 + (i / 60) * 9.1;
}

/* code: text, NULL every 7th, a quote in some; count: i * 2.5 whole
 * (half away from zero), NULL every 5th; dist_m: i / 3 (a value with no
 * short decimal), infinite (NULL) every 11th; neg: -1.5 * i whole. */
static char codes[13][2][8];   /* c<k> and c<k>'s: texts outlive the row */

static void row(void *ctx, uint32_t i, gr_sink_t *s, double *x, double *y)
{
    const rows_ctx_t *c = ctx;
    int z = i == GR_NONE;
    s->text(s, "code", z || i % 7 == 0 ? NULL : codes[i % 13][i % 4 == 0], 1);
    s->num(s, "count", z ? 0 : i * 2.5, 0, z || i % 5 == 0);
    s->num(s, "dist_m", z || i % 11 == 0 ? INFINITY : i / 3.0, 3, 0);
    s->num(s, "neg", z ? 0 : -1.5 * i, 0, z);
    if (!z && i == c->fail_at)
        s->num(s, "extra", 1, 0, 0);
    if (!z)
        point_at(i, x, y);
}

/* ---- polygon rows: the same cells, and GEOS geometries ---- */

static GEOSContextHandle_t gh;
static GEOSGeometry *polys[N_POLY + 1];   /* [N_POLY]: a line, not polygonal */

/* Feature i lies in column i % 12 (1000.25 m wide), row i / 12 (800.5 m
 * high), from (x0, y0): a 300 m square, except i % 10 == 3 POLYGON EMPTY,
 * i % 10 == 7 MULTIPOLYGON EMPTY, i == 50 GEOMETRYCOLLECTION EMPTY;
 * i % 10 == 1 the square and a second part (x0 + 320..400, y0..80) with a
 * hole; i % 10 == 5 a collection of the square and a triangle; i == 59 the
 * square with an (invalid) hole out to x0 + 360. */
static void poly_wkt(uint32_t i, char *out, size_t n)
{
    double x = 400000 + (i % 12) * 1000.25, y = 100000 + (i / 12) * 800.5;
    char sq[256];
    snprintf(sq, sizeof sq, "(%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f)", x, y, x + 300,
             y, x + 300, y + 300, x, y + 300, x, y);
    if (i == 50 || i % 10 == 3 || i % 10 == 7)
        snprintf(out, n, "%s", i == 50 ? "GEOMETRYCOLLECTION EMPTY"
                               : i % 10 == 3 ? "POLYGON EMPTY" : "MULTIPOLYGON EMPTY");
    else if (i == 59)
        snprintf(out, n, "POLYGON(%s,(%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f))", sq,
                 x + 250, y + 100, x + 360, y + 100, x + 360, y + 200, x + 250, y + 200,
                 x + 250, y + 100);
    else if (i % 10 == 1)
        snprintf(out, n, "MULTIPOLYGON((%s),((%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f),"
                         "(%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f)))", sq,
                 x + 320, y, x + 400, y, x + 400, y + 80, x + 320, y + 80, x + 320, y,
                 x + 340, y + 20, x + 340, y + 40, x + 360, y + 40, x + 360, y + 20, x + 340, y + 20);
    else if (i % 10 == 5)
        snprintf(out, n, "GEOMETRYCOLLECTION(POLYGON(%s),POLYGON((%.2f %.2f,%.2f %.2f,%.2f %.2f,"
                         "%.2f %.2f)))", sq, x + 310, y, x + 330, y, x + 330, y + 20, x + 310, y);
    else
        snprintf(out, n, "POLYGON(%s)", sq);
}

typedef struct {
    rows_ctx_t cells;
    uint32_t line_at;   /* the row given a line; GR_NONE: none */
} poly_ctx_t;

static int shape(void *ctx, uint32_t i, gr_sink_t *s, int32_t srs_id, gr_gpkg_blob_t *blob)
{
    const poly_ctx_t *c = ctx;
    double x, y;
    row((void *)&c->cells, i, s, &x, &y);
    if (i == GR_NONE)
        return 0;
    return gr_gpkg_multipolygon_blob(gh, polys[i == c->line_at ? N_POLY : i], srs_id, blob);
}

/* GDAL's path, as layers.c takes it: GEOS WKB, OGR, forced multi. */
static OGRGeometryH ogr_polygon(uint32_t i)
{
    size_t n = 0;
    unsigned char *wkb = GEOSGeomToWKB_buf_r(gh, polys[i], &n);
    OGRGeometryH g = NULL;
    assert_int_equal(OGR_G_CreateFromWkb(wkb, NULL, &g, (int)n), OGRERR_NONE);
    GEOSFree_r(gh, wkb);
    return OGR_G_ForceToMultiPolygon(g);
}

/* ---- the same rows through OGR, one feature at a time ---- */

typedef struct {
    gr_sink_t base;
    OGRLayerH lyr;
    OGRFeatureH f;   /* NULL: creating the fields */
    int col;
} ogr_sink_t;

static void ogr_text(gr_sink_t *s, const char *name, const char *v, int is_quoted)
{
    ogr_sink_t *o = (ogr_sink_t *)s;
    (void)is_quoted;
    if (!o->f) {
        OGRFieldDefnH fd = OGR_Fld_Create(name, OFTString);
        assert_int_equal(OGR_L_CreateField(o->lyr, fd, 0), OGRERR_NONE);
        OGR_Fld_Destroy(fd);
    } else if (v) {
        OGR_F_SetFieldString(o->f, o->col, v);
    } else {
        OGR_F_SetFieldNull(o->f, o->col);
    }
    o->col++;
}

static void ogr_num(gr_sink_t *s, const char *name, double v, int decimals, int is_null)
{
    ogr_sink_t *o = (ogr_sink_t *)s;
    if (!o->f) {
        OGRFieldDefnH fd = OGR_Fld_Create(name, decimals == 0 ? OFTInteger64 : OFTReal);
        assert_int_equal(OGR_L_CreateField(o->lyr, fd, 0), OGRERR_NONE);
        OGR_Fld_Destroy(fd);
    } else if (is_null || !isfinite(v)) {
        OGR_F_SetFieldNull(o->f, o->col);
    } else if (decimals == 0) {
        OGR_F_SetFieldInteger64(o->f, o->col, (GIntBig)llround(v));
    } else {
        OGR_F_SetFieldDouble(o->f, o->col, v);
    }
    o->col++;
}

/* A GeoPackage with the layers `names` (BNG) of points or MultiPolygons
 * (type) and their fields, written by GDAL; their rows too when with_rows
 * (GDAL's own path). */
static void write_gdal_as(const char *path, const char *const *names, int n_names, int with_rows,
                          OGRwkbGeometryType type)
{
    rows_ctx_t ctx = { GR_NONE };
    remove(path);
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GPKG"), path, 0, 0, 0, GDT_Unknown, NULL);
    assert_non_null(ds);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 27700);
    assert_int_equal(GDALDatasetStartTransaction(ds, 0), OGRERR_NONE);
    for (int k = 0; k < n_names; k++) {
        char **lco = with_rows ? NULL : CSLSetNameValue(NULL, "SPATIAL_INDEX", "NO");
        OGRLayerH lyr = GDALDatasetCreateLayer(ds, names[k], srs, type, lco);
        CSLDestroy(lco);
        assert_non_null(lyr);
        ogr_sink_t o = { .base = { ogr_text, ogr_num, NULL }, .lyr = lyr };
        row(&ctx, GR_NONE, &o.base, NULL, NULL);
        for (uint32_t i = 0; with_rows && i < (type == wkbPoint ? N_PTS : N_POLY); i++) {
            double x, y;
            o.f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
            o.col = 0;
            row(&ctx, i, &o.base, &x, &y);
            OGRGeometryH g = type == wkbPoint ? OGR_G_CreateGeometry(wkbPoint) : ogr_polygon(i);
            if (type == wkbPoint)
                OGR_G_SetPoint_2D(g, 0, x, y);
            OGR_F_SetGeometryDirectly(o.f, g);
            assert_int_equal(OGR_L_CreateFeature(lyr, o.f), OGRERR_NONE);
            OGR_F_Destroy(o.f);
        }
    }
    assert_int_equal(GDALDatasetCommitTransaction(ds), OGRERR_NONE);
    OSRRelease(srs);
    GDALClose(ds);
}

static void write_gdal(const char *path, const char *const *names, int n_names, int with_rows)
{
    write_gdal_as(path, names, n_names, with_rows, wkbPoint);
}

/* ---- reading back ---- */

static void assert_sql(const char *path, const char *sql, const char *want)
{
    char *v = fx_sql_text(path, sql);
    if (strcmp(v, want) != 0)
        fail_msg("%s: %s gave %s, expected %s", path, sql, v, want);
    free(v);
}

static void same_field(OGRFeatureH a, OGRFeatureH b, int k)
{
    OGRFieldDefnH fa = OGR_F_GetFieldDefnRef(a, k), fb = OGR_F_GetFieldDefnRef(b, k);
    assert_string_equal(OGR_Fld_GetNameRef(fa), OGR_Fld_GetNameRef(fb));
    assert_int_equal(OGR_Fld_GetType(fa), OGR_Fld_GetType(fb));
    assert_int_equal(OGR_F_IsFieldSetAndNotNull(a, k), OGR_F_IsFieldSetAndNotNull(b, k));
    if (!OGR_F_IsFieldSetAndNotNull(a, k))
        return;
    switch (OGR_Fld_GetType(fa)) {
    case OFTInteger64:
        assert_int_equal(OGR_F_GetFieldAsInteger64(a, k), OGR_F_GetFieldAsInteger64(b, k));
        break;
    case OFTReal:   /* bit for bit */
        assert_memory_equal(&(double){ OGR_F_GetFieldAsDouble(a, k) },
                            &(double){ OGR_F_GetFieldAsDouble(b, k) }, sizeof(double));
        break;
    default:
        assert_string_equal(OGR_F_GetFieldAsString(a, k), OGR_F_GetFieldAsString(b, k));
    }
}

/* The geometries as OGR reads them: the same type and WKB, byte for byte. */
static void same_geometry(OGRGeometryH ga, OGRGeometryH gb)
{
    assert_non_null(ga);
    assert_non_null(gb);
    assert_int_equal(OGR_G_GetGeometryType(ga), OGR_G_GetGeometryType(gb));
    assert_int_equal(OGR_G_IsEmpty(ga), OGR_G_IsEmpty(gb));
    int n = OGR_G_WkbSize(ga);
    assert_int_equal(n, OGR_G_WkbSize(gb));
    unsigned char *a = malloc((size_t)n), *b = malloc((size_t)n);
    assert_int_equal(OGR_G_ExportToWkb(ga, wkbNDR, a), OGRERR_NONE);
    assert_int_equal(OGR_G_ExportToWkb(gb, wkbNDR, b), OGRERR_NONE);
    assert_memory_equal(a, b, (size_t)n);
    free(a);
    free(b);
}

/* Feature by feature: fid, every field and the geometry, through GDAL. */
static void same_features_as(const char *pa, const char *pb, const char *layer,
                             OGRwkbGeometryType type, int n_want)
{
    GDALDatasetH a = GDALOpenEx(pa, GDAL_OF_VECTOR, NULL, NULL, NULL);
    GDALDatasetH b = GDALOpenEx(pb, GDAL_OF_VECTOR, NULL, NULL, NULL);
    assert_non_null(a);
    assert_non_null(b);
    OGRLayerH la = GDALDatasetGetLayerByName(a, layer), lb = GDALDatasetGetLayerByName(b, layer);
    assert_int_equal(OGR_L_GetFeatureCount(la, 1), OGR_L_GetFeatureCount(lb, 1));
    assert_int_equal(OGR_L_GetGeomType(la), type);
    assert_int_equal(OGR_L_GetGeomType(lb), type);
    OGR_L_ResetReading(la);
    OGR_L_ResetReading(lb);
    int n = 0;
    for (OGRFeatureH fa, fb; (fa = OGR_L_GetNextFeature(la)); n++) {
        fb = OGR_L_GetNextFeature(lb);
        assert_non_null(fb);
        assert_int_equal(OGR_F_GetFID(fa), OGR_F_GetFID(fb));
        assert_int_equal(OGR_F_GetFieldCount(fa), OGR_F_GetFieldCount(fb));
        for (int k = 0; k < OGR_F_GetFieldCount(fa); k++)
            same_field(fa, fb, k);
        OGRGeometryH ga = OGR_F_GetGeometryRef(fa), gb = OGR_F_GetGeometryRef(fb);
        assert_int_equal(OGR_G_GetGeometryType(ga), type);
        same_geometry(ga, gb);
        OGR_F_Destroy(fa);
        OGR_F_Destroy(fb);
    }
    assert_int_equal(n, n_want);
    GDALClose(a);
    GDALClose(b);
}

static void same_features(const char *pa, const char *pb, const char *layer)
{
    same_features_as(pa, pb, layer, wkbPoint, N_PTS);
}

/* The geometry blobs, byte for byte (readers other than GDAL see them). */
static void same_blobs(const char *pa, const char *pb, const char *layer)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT group_concat(hex(geom), '') FROM "
                              "(SELECT geom FROM \"%s\" ORDER BY fid)", layer);
    char *a = fx_sql_text(pa, sql), *b = fx_sql_text(pb, sql);
    assert_int_equal(strlen(a), strlen(b));
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void check_rect(OGRLayerH lyr, double x0, double y0, double x1, double y1)
{
    GIntBig expect = 0;
    for (uint32_t i = 0; i < N_PTS; i++) {
        double x, y;
        point_at(i, &x, &y);
        expect += x >= x0 && x <= x1 && y >= y0 && y <= y1;
    }
    OGR_L_SetSpatialFilterRect(lyr, x0, y0, x1, y1);
    assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), expect);
    OGR_L_SetSpatialFilter(lyr, NULL);
}

/* The stored extent of table is box (min x, min y, max x, max y) to the
 * last bit; SQLite's integrity and R-tree checks pass; GDAL's
 * feature-count triggers, set aside for the insert, are back. */
static void check_stored(const char *path, const char *table, const double *box)
{
    static const char *const cols[4] = { "min_x", "min_y", "max_x", "max_y" };
    char sql[256];
    for (int k = 0; k < 4; k++) {
        snprintf(sql, sizeof sql, "SELECT %s FROM gpkg_contents WHERE table_name = '%s'", cols[k],
                 table);
        assert_true(fx_sql_double(path, sql) == box[k]);
    }
    assert_sql(path, "PRAGMA integrity_check", "ok");
    snprintf(sql, sizeof sql, "SELECT rtreecheck('rtree_%s_geom')", table);
    assert_sql(path, sql, "ok");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND "
             "name IN ('trigger_insert_feature_count_%s', 'trigger_delete_feature_count_%s')",
             table, table);
    assert_sql(path, sql, "2");
}

/* What a reader of the bulk-written file finds. Points i = 0..2999 lie on
 * 60 columns and 50 rows 9.1 m apart: x from 500000.123 (i = 0) to
 * 500000.123 + 59 * 9.1 + 2999e-7 (i = 2999), y from 200000.456 to
 * 200000.456 + 49 * 9.1. */
static void check_reader_view(const char *path)
{
    double min_x = 500000.123, max_x = 500000.123 + 59 * 9.1 + 2999 * 1e-7;
    double min_y = 200000.456, max_y = 200000.456 + 49 * 9.1;
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    assert_non_null(ds);
    assert_int_equal(GDALDatasetGetLayerCount(ds), 1);
    OGRLayerH lyr = GDALDatasetGetLayer(ds, 0);
    assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), N_PTS);
    /* not forced, GDAL reads gpkg_contents, as text of 15 digits */
    OGREnvelope e;
    assert_int_equal(OGR_L_GetExtent(lyr, &e, 0), OGRERR_NONE);
    assert_float_equal(e.MinX, min_x, 1e-6);
    assert_float_equal(e.MinY, min_y, 1e-6);
    assert_float_equal(e.MaxX, max_x, 1e-6);
    assert_float_equal(e.MaxY, max_y, 1e-6);
    assert_true(OGR_L_TestCapability(lyr, OLCFastSpatialFilter));
    check_rect(lyr, 500100.0, 200050.0, 500200.0, 200300.0);
    check_rect(lyr, min_x, min_y, min_x, min_y);   /* the corner point itself */
    check_rect(lyr, 0.0, 0.0, 1.0, 1.0);
    GDALClose(ds);
    assert_sql(path, "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'pts'", "3000");
    /* the stored extent is the points' box to the last bit */
    const double box[4] = { min_x, min_y, max_x, max_y };
    check_stored(path, "pts", box);
}

/* ---- tests ---- */

/* (1, 2) in BNG: "GP", version 0, flags 1, 27700 = 0x6C34 little-endian,
 * then WKB: byte order 1, type 1, 1.0 = 0x3FF0..., 2.0 = 0x4000... */
static void test_blob_bytes(void **state)
{
    (void)state;
    static const unsigned char want[GR_GPKG_POINT_BYTES] = {
        'G', 'P', 0, 1, 0x34, 0x6C, 0, 0, 1, 1, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0x40
    };
    unsigned char got[GR_GPKG_POINT_BYTES];
    gr_gpkg_point_blob(1.0, 2.0, 27700, got);
    assert_memory_equal(got, want, sizeof want);
}

static void test_same_as_gdal(void **state)
{
    (void)state;
    static const char *const pts[] = { "pts" };
    rows_ctx_t ctx = { GR_NONE };
    gr_gpkg_points_layer_t L = { "pts", N_PTS, row, &ctx, NULL };
    gr_error_t err = { 0 };
    write_gdal(DIR "/gdal.gpkg", pts, 1, 1);
    write_gdal(DIR "/bulk.gpkg", pts, 1, 0);
    if (gr_gpkg_points_write(DIR "/bulk.gpkg", "bulk.gpkg", &L, 1, &err))
        fail_msg("%s", err.msg);
    same_features(DIR "/gdal.gpkg", DIR "/bulk.gpkg", "pts");
    same_blobs(DIR "/gdal.gpkg", DIR "/bulk.gpkg", "pts");
    /* the cells by hand: row 1: code c1, count 2.5 -> 3, neg -1.5 -> -2;
     * row 3: count 7.5 -> 8; row 4: code c4's; row 7: no code; row 10:
     * no count (every 5th); row 11: no dist_m (infinite) */
    assert_sql(DIR "/bulk.gpkg", "SELECT code || '|' || count || '|' || neg FROM pts WHERE fid = 2",
               "c1|3|-2");
    assert_sql(DIR "/bulk.gpkg", "SELECT count FROM pts WHERE fid = 4", "8");
    assert_sql(DIR "/bulk.gpkg", "SELECT code FROM pts WHERE fid = 5", "c4's");
    assert_sql(DIR "/bulk.gpkg", "SELECT quote(code) FROM pts WHERE fid = 8", "NULL");
    assert_sql(DIR "/bulk.gpkg", "SELECT quote(count) FROM pts WHERE fid = 11", "NULL");
    assert_sql(DIR "/bulk.gpkg", "SELECT quote(dist_m) FROM pts WHERE fid = 12", "NULL");
    assert_sql(DIR "/bulk.gpkg", "SELECT typeof(dist_m) || typeof(count) FROM pts WHERE fid = 2",
               "realinteger");
    check_reader_view(DIR "/bulk.gpkg");
}

/* GDAL's own validator (python3-gdal's sample script) on the file. */
static void test_gdal_validator(void **state)
{
    (void)state;
    if (access(VALIDATOR, R_OK) != 0 || access("/usr/bin/python3", X_OK) != 0)
        skip();
    assert_int_equal(system("/usr/bin/python3 " VALIDATOR " " DIR "/bulk.gpkg"), 0);
}

/* Two layers in one write, the second failing at its 1500th row (a cell
 * the INSERT has no parameter for): neither keeps a row, no R-tree is
 * left, gpkg_contents and the counts are as GDAL wrote them, and the
 * error names the file and layer. */
static void test_failure_keeps_nothing(void **state)
{
    (void)state;
    static const char *const names[] = { "ok", "bad" };
    rows_ctx_t fine = { GR_NONE }, failing = { 1500 };
    gr_gpkg_points_layer_t L[2] = { { "ok", N_PTS, row, &fine, NULL }, { "bad", N_PTS, row, &failing, NULL } };
    gr_error_t err = { 0 };
    const char *path = DIR "/fail.gpkg";
    write_gdal(path, names, 2, 0);
    char *contents = fx_sql_text(path, "SELECT group_concat(quote(min_x) || quote(max_y) || "
                                    "quote(feature_count)) FROM gpkg_contents "
                                    "JOIN gpkg_ogr_contents USING (table_name)");
    assert_int_equal(gr_gpkg_points_write(path, "shown.gpkg", L, 2, &err), GR_EIO);
    assert_non_null(strstr(err.msg, "shown.gpkg, layer bad: cannot write"));
    assert_sql(path, "SELECT count(*) FROM ok", "0");
    assert_sql(path, "SELECT count(*) FROM bad", "0");
    assert_sql(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'rtree_%'", "0");
    assert_sql(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'trigger_%_feature_count_%'",
               "4");
    assert_sql(path, "SELECT group_concat(quote(min_x) || quote(max_y) || quote(feature_count)) "
                     "FROM gpkg_contents JOIN gpkg_ogr_contents USING (table_name)", contents);
    assert_sql(path, "PRAGMA integrity_check", "ok");
    free(contents);
}

/* ---- polygon layers ---- */

/* Features a rectangle filter finds in a and b (GDAL's own file): the
 * polygons GEOS says it meets, the empty ones never. */
static void check_poly_rect(OGRLayerH a, OGRLayerH b, double x0, double y0, double x1, double y1)
{
    GEOSGeometry *rect = GEOSGeom_createRectangle_r(gh, x0, y0, x1, y1);
    GIntBig expect = 0;
    for (uint32_t i = 0; i < N_POLY; i++)
        expect += GEOSIntersects_r(gh, polys[i], rect) == 1;
    GEOSGeom_destroy_r(gh, rect);
    OGR_L_SetSpatialFilterRect(a, x0, y0, x1, y1);
    OGR_L_SetSpatialFilterRect(b, x0, y0, x1, y1);
    assert_int_equal(OGR_L_GetFeatureCount(a, 1), expect);
    assert_int_equal(OGR_L_GetFeatureCount(b, 1), expect);
    OGR_L_SetSpatialFilter(a, NULL);
    OGR_L_SetSpatialFilter(b, NULL);
}

/* The envelope in the blob of fid, hex, against (min x, max x, min y, max y). */
static void assert_envelope(const char *path, int fid, double x0, double x1, double y0, double y1)
{
    const double env[4] = { x0, x1, y0, y1 };
    char sql[128], want[65];
    for (size_t k = 0; k < sizeof env; k++)
        snprintf(want + 2 * k, 3, "%02X", ((const unsigned char *)env)[k]);
    snprintf(sql, sizeof sql, "SELECT hex(substr(geom, 9, 32)) FROM polys WHERE fid = %d", fid);
    assert_sql(path, sql, want);
    snprintf(sql, sizeof sql, "SELECT hex(substr(geom, 1, 8)) FROM polys WHERE fid = %d", fid);
    assert_sql(path, sql, "47500003346C0000");   /* "GP", 0, flags 3 (LE, XY envelope), 27700 */
}

/* The extent of the polygons i = 0..119, worked out from poly_wkt: min x,
 * min y from i = 0 (x0 = 400000, y0 = 100000); max x from i = 11, two
 * parts, column 11: 400000 + 11 * 1000.25 + 400 = 411402.75; max y from
 * i = 108, row 9: 100000 + 9 * 800.5 + 300 = 107504.5. */
static void check_poly_reader_view(const char *path, const char *gdal_path)
{
    const double box[4] = { 400000, 100000, 411402.75, 107504.5 };
    check_stored(path, "polys", box);
    /* GDAL's own file has the same box, to its printing: GDAL stores it
     * through SQLite's %g, whose long double arithmetic (emulated as
     * double under valgrind) can change the last digit */
    assert_float_equal(fx_sql_double(gdal_path, "SELECT min_x FROM gpkg_contents"), box[0], 1e-6);
    assert_float_equal(fx_sql_double(gdal_path, "SELECT min_y FROM gpkg_contents"), box[1], 1e-6);
    assert_float_equal(fx_sql_double(gdal_path, "SELECT max_x FROM gpkg_contents"), box[2], 1e-6);
    assert_float_equal(fx_sql_double(gdal_path, "SELECT max_y FROM gpkg_contents"), box[3], 1e-6);
    assert_sql(path, "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'polys'", "120");
    /* empty: 12 of i % 10 == 3, 12 of i % 10 == 7, and i = 50: 95 indexed */
    assert_sql(path, "SELECT count(*) FROM rtree_polys_geom", "95");
    assert_sql(gdal_path, "SELECT count(*) FROM rtree_polys_geom", "95");
    /* fid 60's box reaches its hole's x0 + 360 = 411362.75 */
    assert_sql(path, "SELECT minx <= 411002.75 AND maxx >= 411362.75 AND miny <= 103202 AND "
                     "maxy >= 103502 FROM rtree_polys_geom WHERE id = 60", "1");
    GDALDatasetH a = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    GDALDatasetH b = GDALOpenEx(gdal_path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    OGRLayerH la = GDALDatasetGetLayerByName(a, "polys"), lb = GDALDatasetGetLayerByName(b, "polys");
    assert_true(OGR_L_TestCapability(la, OLCFastSpatialFilter));
    check_poly_rect(la, lb, 401100.0, 100050.0, 403500.0, 101000.0);
    check_poly_rect(la, lb, 400000.0, 100000.0, 400000.0, 100000.0);   /* a corner */
    check_poly_rect(la, lb, 401350.0, 100010.0, 401355.0, 100015.0);   /* fid 2's second part */
    check_poly_rect(la, lb, 0.0, 0.0, 1.0, 1.0);
    check_poly_rect(la, lb, 399000.0, 99000.0, 420000.0, 120000.0);    /* all */
    GDALClose(a);
    GDALClose(b);
}

static void test_polygons_same_as_gdal(void **state)
{
    (void)state;
    static const char *const names[] = { "polys" };
    poly_ctx_t ctx = { { GR_NONE }, GR_NONE };
    gr_gpkg_points_layer_t L = { "polys", N_POLY, NULL, &ctx, shape };
    gr_error_t err = { 0 };
    write_gdal_as(DIR "/gdalp.gpkg", names, 1, 1, wkbMultiPolygon);
    write_gdal_as(DIR "/bulkp.gpkg", names, 1, 0, wkbMultiPolygon);
    if (gr_gpkg_points_write(DIR "/bulkp.gpkg", "bulkp.gpkg", &L, 1, &err))
        fail_msg("%s", err.msg);
    same_features_as(DIR "/gdalp.gpkg", DIR "/bulkp.gpkg", "polys", wkbMultiPolygon, N_POLY);
    same_blobs(DIR "/gdalp.gpkg", DIR "/bulkp.gpkg", "polys");
    /* empty: flags 0x11 (empty, LE, no envelope), then WKB MultiPolygon;
     * POLYGON EMPTY (fid 4) as one empty part (0 rings), MULTIPOLYGON EMPTY
     * (fid 8) and GEOMETRYCOLLECTION EMPTY (fid 51) with no part */
    assert_sql(DIR "/bulkp.gpkg", "SELECT hex(geom) FROM polys WHERE fid = 4",
               "47500011346C0000010600000001000000010300000000000000");
    assert_sql(DIR "/bulkp.gpkg", "SELECT hex(geom) FROM polys WHERE fid = 8",
               "47500011346C0000010600000000000000");
    assert_sql(DIR "/bulkp.gpkg", "SELECT hex(geom) FROM polys WHERE fid = 51",
               "47500011346C0000010600000000000000");
    /* i = 0: the square (400000..400300, 100000..100300); i = 1: two parts
     * to x0 + 400, x0 = 401000.25; i = 59: the hole out to x0 + 360,
     * x0 = 411002.75, y0 = 100000 + 4 * 800.5 = 103202 */
    assert_envelope(DIR "/bulkp.gpkg", 1, 400000, 400300, 100000, 100300);
    assert_envelope(DIR "/bulkp.gpkg", 2, 401000.25, 401400.25, 100000, 100300);
    assert_envelope(DIR "/bulkp.gpkg", 60, 411002.75, 411362.75, 103202, 103502);
    /* a collection of two polygons is a MultiPolygon of two parts */
    assert_sql(DIR "/bulkp.gpkg", "SELECT hex(substr(geom, 41, 9)) FROM polys WHERE fid = 6",
               "010600000002000000");
    check_poly_reader_view(DIR "/bulkp.gpkg", DIR "/gdalp.gpkg");
}

/* GDAL 3.6's validator reads the empty flag from bit 3, not bit 4 as the
 * GeoPackage spec and GDAL's writer have it: it rejects GDAL's own empty
 * geometries. So it sees the bulk file the same as GDAL's, and passes a
 * copy of the bulk file without its 25 empty rows. */
static void test_polygon_validator(void **state)
{
    (void)state;
    if (access(VALIDATOR, R_OK) != 0 || access("/usr/bin/python3", X_OK) != 0)
        skip();
    const char *run = "/usr/bin/python3 " VALIDATOR " %s > /dev/null 2>&1";
    char cmd[512];
    snprintf(cmd, sizeof cmd, run, DIR "/gdalp.gpkg");
    int gdal_rc = system(cmd);
    snprintf(cmd, sizeof cmd, run, DIR "/bulkp.gpkg");
    assert_int_equal(system(cmd), gdal_rc);
    sqlite3 *db = NULL;
    remove(DIR "/validp.gpkg");
    assert_int_equal(sqlite3_open(DIR "/bulkp.gpkg", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "VACUUM INTO '" DIR "/validp.gpkg'", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(sqlite3_open(DIR "/validp.gpkg", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DELETE FROM polys WHERE substr(geom, 4, 1) = X'11'", NULL,
                                  NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_changes(db), 25);
    sqlite3_close(db);
    assert_sql(DIR "/validp.gpkg", "SELECT rtreecheck('rtree_polys_geom')", "ok");
    assert_int_equal(system("/usr/bin/python3 " VALIDATOR " " DIR "/validp.gpkg"), 0);
}

/* A polygon layer then a point layer, the polygon layer's 61st geometry a
 * line: nothing of either is kept, and the error names the layer. */
static void test_polygon_failure_keeps_nothing(void **state)
{
    (void)state;
    static const char *const names[] = { "polys" };
    poly_ctx_t bad = { { GR_NONE }, 60 };
    rows_ctx_t fine = { GR_NONE };
    const char *path = DIR "/failp.gpkg";
    gr_error_t err = { 0 };
    write_gdal_as(path, names, 1, 0, wkbMultiPolygon);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 27700);
    char **lco = CSLSetNameValue(NULL, "SPATIAL_INDEX", "NO");
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, "pts", srs, wkbPoint, lco);
    ogr_sink_t o = { .base = { ogr_text, ogr_num, NULL }, .lyr = lyr };
    row(&fine, GR_NONE, &o.base, NULL, NULL);
    CSLDestroy(lco);
    OSRRelease(srs);
    GDALClose(ds);
    gr_gpkg_points_layer_t L[2] = { { "pts", N_PTS, row, &fine, NULL },
                                    { "polys", N_POLY, NULL, &bad, shape } };
    assert_int_equal(gr_gpkg_points_write(path, "shown.gpkg", L, 2, &err), GR_EIO);
    assert_non_null(strstr(err.msg, "shown.gpkg, layer polys: cannot write"));
    assert_sql(path, "SELECT count(*) FROM polys", "0");
    assert_sql(path, "SELECT count(*) FROM pts", "0");
    assert_sql(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'rtree_%'", "0");
    assert_sql(path, "SELECT count(*) FROM gpkg_contents WHERE min_x IS NOT NULL", "0");
    assert_sql(path, "PRAGMA integrity_check", "ok");
}

/* A file that is not there is an error naming the file shown. */
static void test_missing_file(void **state)
{
    (void)state;
    rows_ctx_t ctx = { GR_NONE };
    gr_gpkg_points_layer_t L = { "pts", 1, row, &ctx, NULL };
    gr_error_t err = { 0 };
    assert_int_equal(gr_gpkg_points_write(DIR "/nope/x.gpkg", "x.gpkg", &L, 1, &err), GR_EIO);
    assert_non_null(strstr(err.msg, "x.gpkg: cannot write"));
}

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    mkdir(DIR, 0755);
    for (int k = 0; k < 13; k++) {
        snprintf(codes[k][0], sizeof codes[k][0], "c%d", k);
        snprintf(codes[k][1], sizeof codes[k][1], "c%d's", k);
    }
    gh = GEOS_init_r();
    for (uint32_t i = 0; i < N_POLY; i++) {
        char wkt[1024];
        poly_wkt(i, wkt, sizeof wkt);
        if (!(polys[i] = GEOSGeomFromWKT_r(gh, wkt)))
            return -1;
    }
    polys[N_POLY] = GEOSGeomFromWKT_r(gh, "LINESTRING(0 0,1 1)");
    return polys[N_POLY] ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (uint32_t i = 0; i <= N_POLY; i++)
        GEOSGeom_destroy_r(gh, polys[i]);
    GEOS_finish_r(gh);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blob_bytes),
        cmocka_unit_test(test_same_as_gdal),
        cmocka_unit_test(test_gdal_validator),
        cmocka_unit_test(test_failure_keeps_nothing),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_polygons_same_as_gdal),
        cmocka_unit_test(test_polygon_validator),
        cmocka_unit_test(test_polygon_failure_keeps_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
