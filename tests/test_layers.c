/* test_layers.c - the GIS layers of a run on the town fixture (see
 * fixtures.h), written as GeoPackage, GeoJSON, Shapefiles and PostGIS and
 * read back through OGR: feature counts, field values, CRS, validity.
 * The PostGIS tests need a real server: run through tests/with_pg.sh,
 * which starts a throwaway PostgreSQL with PostGIS (scripts/pg_tmp.sh)
 * and exports PGHOST.
 *
 * Numbers on the town, by hand: the park's entrance is the footway's start
 * (x=0); the footway runs along y=0. Within 1200 m the catchment is the
 * footway x 0..1200 buffered by 50 m: 1200 x 100 + R32 = 127803.6 m^2,
 * within 1600 m 160000 + R32 = 167803.6 (R32 = 16 * 50^2 * sin(11.25 deg)
 * = 7803.6129, the 32-gon of the two round end caps). Ward A (x -200..1250,
 * 1450 x 1000 m) holds, of the 1600 m catchment, the left cap R32 / 2 plus
 * 1250 x 100: 128901.8 m^2, share 0.088898; ward B (1950 x 1000) the rest,
 * 350 x 100 + R32 / 2 = 38901.8, share 0.019950. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <gdal.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "greenreach/catchment.h"
#include "greenreach/export.h"
#include "greenreach/layers.h"
#include "greenreach/pipeline.h"
#include "greenreach/targets.h"

#define TOWN GR_TEST_TMP "/town"
#define OUT TOWN "/out"
#define R32 (16.0 * 50.0 * 50.0 * sin(2.0 * 3.14159265358979323846 / 32.0))

typedef struct {
    gr_run_t *run;
    gr_targets_t *tg;
    gr_catchments_t *cs;
} town_t;

static town_t town;

static void town_compute(double buffer_m)
{
    gr_config_t cfg;
    gr_error_t err = {0};
    fx_town_config(&cfg, TOWN);
    if (gr_run_compute(&cfg, NULL, NULL, &town.run, &err) ||
        gr_targets_evaluate(town.run, &town.tg, &err) ||
        gr_catchments_build(town.run, &(gr_catchment_opts_t){ buffer_m, GR_CATCHMENT_BUFFER, 5.0 },
                            &town.cs, &err))
        fail_msg("%s", err.msg);
}

static void town_free(void)
{
    gr_catchments_free(town.cs);
    gr_targets_free(town.tg);
    gr_run_free(town.run);
    memset(&town, 0, sizeof town);
}

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    if (fx_write_town(TOWN, GR_WKT_BNG, NULL) || fx_mkdir(OUT))
        return -1;
    town_compute(50.0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    town_free();
    return 0;
}

static int write_formats(unsigned formats, const char *pg, gr_error_t *err)
{
    gr_layers_src_t src = { town.run, town.tg, town.cs };
    return gr_layers_write(&src, formats, OUT, pg, "public", err);
}

/* ---- reading back ---- */

static GDALDatasetH open_ds(const char *path)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        fail_msg("cannot open %s: %s", path, CPLGetLastErrorMsg());
    return ds;
}

static OGRLayerH layer(GDALDatasetH ds, const char *name)
{
    OGRLayerH lyr = GDALDatasetGetLayerByName(ds, name);
    if (!lyr)
        fail_msg("no layer %s", name);
    return lyr;
}

/* The one feature matching the attribute filter (caller destroys). */
static OGRFeatureH only(OGRLayerH lyr, const char *where)
{
    assert_int_equal(OGR_L_SetAttributeFilter(lyr, where), OGRERR_NONE);
    OGR_L_ResetReading(lyr);
    if (OGR_L_GetFeatureCount(lyr, 1) != 1)
        fail_msg("%s: %lld features match %s, expected 1", OGR_L_GetName(lyr),
                 (long long)OGR_L_GetFeatureCount(lyr, 1), where);
    OGRFeatureH f = OGR_L_GetNextFeature(lyr);
    OGR_L_SetAttributeFilter(lyr, NULL);
    return f;
}

static double num(OGRFeatureH f, const char *field)
{
    int k = OGR_F_GetFieldIndex(f, field);
    if (k < 0)
        fail_msg("no field %s", field);
    return OGR_F_GetFieldAsDouble(f, k);
}

static int is_null(OGRFeatureH f, const char *field)
{
    int k = OGR_F_GetFieldIndex(f, field);
    if (k < 0)
        fail_msg("no field %s", field);
    return OGR_F_IsFieldSetAndNotNull(f, k) == 0;
}

static const char *epsg_of(OGRLayerH lyr)
{
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(lyr);
    assert_non_null(srs);
    OSRAutoIdentifyEPSG(srs);
    const char *code = OSRGetAuthorityCode(srs, NULL);
    return code ? code : "?";
}

/* Every geometry of a polygon layer is valid; returns how many are not
 * empty. */
static int valid_polygons(OGRLayerH lyr)
{
    int n = 0;
    OGR_L_ResetReading(lyr);
    for (OGRFeatureH f; (f = OGR_L_GetNextFeature(lyr)); OGR_F_Destroy(f)) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (!g || OGR_G_IsEmpty(g))
            continue;
        assert_int_equal(OGR_G_IsValid(g), 1);
        n++;
    }
    return n;
}

/* Counts and values every full-name format carries (GeoPackage, GeoJSON,
 * PostGIS). Empty catchments (categories without sites) keep their row;
 * the park's two are not empty. */
static void check_layers(GDALDatasetH ds, int is_metric)
{
    OGRLayerH c = layer(ds, "catchments");
    assert_int_equal(OGR_L_GetFeatureCount(c, 1), 13);   /* 8 categories, 13 thresholds */
    OGRFeatureH f = only(c, "category = 'park' AND threshold = '15min'");
    assert_float_equal(num(f, "area_m2"), round(120000 + R32), 0.5);
    assert_float_equal(num(f, "threshold_m"), 1200, 0);
    assert_float_equal(num(f, "parts"), 1, 0);
    assert_float_equal(num(f, "holes"), 0, 0);
    if (is_metric)
        assert_float_equal(OGR_G_Area(OGR_F_GetGeometryRef(f)), 120000 + R32, 0.01);
    OGR_F_Destroy(f);
    f = only(c, "category = 'park' AND threshold = '20min'");
    assert_float_equal(num(f, "area_m2"), round(160000 + R32), 0.5);
    OGR_F_Destroy(f);
    assert_int_equal(valid_polygons(c), 2);   /* only the park has sites */

    OGRLayerH w = layer(ds, "wards");
    assert_int_equal(OGR_L_GetFeatureCount(w, 1), 2);
    f = only(w, "ward_code = 'A'");
    assert_float_equal(num(f, "population"), 30, 0);
    assert_float_equal(num(f, "area_m2"), 1450000, 0);
    assert_float_equal(num(f, "park_catch_m2_20min"), round(125000 + R32 / 2), 0);
    assert_float_equal(num(f, "park_catch_share_20min"), (125000 + R32 / 2) / 1450000, 1e-6);
    assert_float_equal(num(f, "park_catch_m2_15min"), round(120000 + R32), 0);
    OGR_F_Destroy(f);
    f = only(w, "ward_code = 'B'");
    assert_float_equal(num(f, "park_pop_20min"), 70, 0);
    assert_float_equal(num(f, "park_catch_share_20min"), (35000 + R32 / 2) / 1950000, 1e-6);
    OGR_F_Destroy(f);
    assert_int_equal(valid_polygons(w), 2);

    OGRLayerH r = layer(ds, "residents");
    assert_int_equal(OGR_L_GetFeatureCount(r, 1), 7);
    OGR_L_SetAttributeFilter(r, "park_20min = 1");   /* 1199, 510, 1310, 1599 m */
    assert_int_equal(OGR_L_GetFeatureCount(r, 1), 4);
    OGR_L_SetAttributeFilter(r, NULL);

    /* beyond 1600 m of the park: the residents at 1710 and 2510 m (50, 60)
     * and the unsnapped one (5); no other category has sites */
    OGRLayerH u = layer(ds, "unserved");
    assert_int_equal(OGR_L_GetFeatureCount(u, 1), 3);
    f = only(u, "population = 5");
    assert_int_equal(num(f, "snapped"), 0);
    assert_true(is_null(f, "dist_m"));
    OGR_F_Destroy(f);

    /* P1 is nearest within 1200 m for 10 + 20, within 1600 m for 100 */
    OGRLayerH s = layer(ds, "sites");
    assert_int_equal(OGR_L_GetFeatureCount(s, 1), 2);
    f = only(s, "site_id = 'P1'");
    assert_float_equal(num(f, "park_pop_15min"), 30, 0);
    assert_float_equal(num(f, "park_pop_20min"), 100, 0);
    assert_true(is_null(f, "meadow_pop_15min"));
    OGR_F_Destroy(f);
    f = only(s, "site_id = 'C1'");
    assert_true(is_null(f, "park_pop_20min"));
    OGR_F_Destroy(f);
    assert_int_equal(valid_polygons(s), 2);
}

/* ---- the GeoPackage point layers (written through SQLite in bulk) ---- */

/* A point's fields against the run: resident i's fid, population,
 * snapped flag, park distance (NULL beyond reach) and place. */
static void check_point(OGRFeatureH f, uint32_t i, const char *dist_field)
{
    const gr_residents_t *R = &town.run->ds->residents;
    float d = town.run->cats[0].res_dist_m[i];   /* park: the first category */
    assert_int_equal(num(f, "source_fid"), R->fid[i]);
    assert_true(num(f, "population") == R->pop[i]);
    assert_int_equal(num(f, "snapped"), town.run->res_snapped[i]);
    if (isfinite(d))
        assert_true(num(f, dist_field) == (double)d);
    else
        assert_true(is_null(f, dist_field));
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    assert_int_equal(OGR_G_GetGeometryType(g), wkbPoint);
    assert_true(OGR_G_GetX(g, 0) == R->x[i] && OGR_G_GetY(g, 0) == R->y[i]);
}

/* Residents are features 1..7 in the run's order; unserved (park only:
 * no other category has sites) the residents beyond 1600 m, in order. */
static void check_points_from_run(GDALDatasetH ds)
{
    const gr_residents_t *R = &town.run->ds->residents;
    assert_string_equal(town.run->cats[0].cat->name, "park");
    OGRLayerH r = layer(ds, "residents"), u = layer(ds, "unserved");
    GIntBig k = 0;
    for (uint32_t i = 0; i < R->n; i++) {
        OGRFeatureH f = OGR_L_GetFeature(r, (GIntBig)i + 1);
        assert_non_null(f);
        check_point(f, i, "park_dist_m");
        OGR_F_Destroy(f);
        if (town.run->cats[0].res_dist_m[i] <= 1600)
            continue;
        f = OGR_L_GetFeature(u, ++k);
        assert_non_null(f);
        check_point(f, i, "dist_m");
        OGR_F_Destroy(f);
    }
    assert_int_equal(k, 3);
}

/* The extent in gpkg_contents is the residents' box, exactly; a spatial
 * filter finds what a scan of the run's points finds. */
static void check_points_index(GDALDatasetH ds, const char *path)
{
    const gr_residents_t *R = &town.run->ds->residents;
    double box[4] = { INFINITY, INFINITY, -INFINITY, -INFINITY };
    for (uint32_t i = 0; i < R->n; i++) {
        box[0] = fmin(box[0], R->x[i]);
        box[1] = fmin(box[1], R->y[i]);
        box[2] = fmax(box[2], R->x[i]);
        box[3] = fmax(box[3], R->y[i]);
    }
    static const char *const cols[4] = { "min_x", "min_y", "max_x", "max_y" };
    for (int k = 0; k < 4; k++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT %s FROM gpkg_contents WHERE table_name = 'residents'",
                 cols[k]);
        assert_true(fx_sql_double(path, sql) == box[k]);
    }
    assert_true(fx_sql_double(path, "SELECT feature_count FROM gpkg_ogr_contents WHERE "
                                 "table_name = 'unserved'") == 3);
    OGRLayerH r = layer(ds, "residents");
    assert_true(OGR_L_TestCapability(r, OLCFastSpatialFilter));
    double cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
    const double rects[][4] = { { box[0], box[1], cx, cy }, { cx, box[1], box[2], box[3] },
                                { box[0], box[1], box[0], box[1] } };
    for (int k = 0; k < 3; k++) {
        GIntBig expect = 0;
        for (uint32_t i = 0; i < R->n; i++)
            expect += R->x[i] >= rects[k][0] && R->x[i] <= rects[k][2] &&
                      R->y[i] >= rects[k][1] && R->y[i] <= rects[k][3];
        OGR_L_SetSpatialFilterRect(r, rects[k][0], rects[k][1], rects[k][2], rects[k][3]);
        assert_int_equal(OGR_L_GetFeatureCount(r, 1), expect);
        assert_true(expect >= 1);   /* each rectangle holds a corner of the box */
        OGR_L_SetSpatialFilter(r, NULL);
    }
    char *ok = fx_sql_text(path, "PRAGMA integrity_check");
    assert_string_equal(ok, "ok");
    free(ok);
}

/* GeoPackage: one file, every layer, the run's CRS (BNG). */
static void test_geopackage(void **state)
{
    (void)state;
    gr_error_t err = {0};
    assert_int_equal(write_formats(GR_FORMAT_GPKG, NULL, &err), 0);
    GDALDatasetH ds = open_ds(OUT "/greenreach.gpkg");
    assert_int_equal(GDALDatasetGetLayerCount(ds), 5);
    for (int i = 0; i < 5; i++)
        assert_string_equal(epsg_of(GDALDatasetGetLayer(ds, i)), "27700");
    check_layers(ds, 1);
    check_points_from_run(ds);
    check_points_index(ds, OUT "/greenreach.gpkg");
    GDALClose(ds);
}

/* The residents-only GeoPackage (residents.gpkg of a run): one layer. */
static void test_residents_gpkg(void **state)
{
    (void)state;
    gr_error_t err = {0};
    gr_layers_src_t src = { town.run, town.tg, town.cs };
    assert_int_equal(gr_layers_write_gpkg(&src, GR_LAYER_RESIDENTS, OUT, "residents.gpkg", &err), 0);
    GDALDatasetH ds = open_ds(OUT "/residents.gpkg");
    assert_int_equal(GDALDatasetGetLayerCount(ds), 1);
    assert_int_equal(OGR_L_GetFeatureCount(layer(ds, "residents"), 1), 7);
    for (uint32_t i = 0; i < 7; i++) {
        OGRFeatureH f = OGR_L_GetFeature(layer(ds, "residents"), (GIntBig)i + 1);
        check_point(f, i, "park_dist_m");
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int read_file(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(buf, 1, n, f) : 0;
    if (f)
        fclose(f);
    return (int)got;
}

/* A GeoPackage write failing part-way, as the point rows go in: under a
 * file size limit one byte short of the whole file, the last page cannot
 * be written (the point rows and their R-trees are the file's last pages:
 * they go in after GDAL has written and closed the rest). The write fails
 * naming the file, the previous greenreach.gpkg is intact and no
 * temporary file is left. */
static void test_gpkg_failure_leaves_previous(void **state)
{
    (void)state;
    gr_error_t err = {0};
    assert_int_equal(write_formats(GR_FORMAT_GPKG, NULL, &err), 0);
    long size = file_size(OUT "/greenreach.gpkg");
    static char before[1 << 20], after[1 << 20];
    assert_true(size > 0 && size < (long)sizeof before);
    assert_int_equal(read_file(OUT "/greenreach.gpkg", before, sizeof before), size);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);   /* EFBIG instead of a kill */
        struct rlimit rl = { (rlim_t)size - 1, (rlim_t)size - 1 };
        setrlimit(RLIMIT_FSIZE, &rl);
        int rc = write_formats(GR_FORMAT_GPKG, NULL, &err);
        FILE *f = fopen(GR_TEST_TMP "/child.err", "w");
        if (f) {
            fputs(err.msg, f);
            fclose(f);
        }
        _exit(rc ? 1 : 0);
    }
    int status;
    assert_true(waitpid(pid, &status, 0) == pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    char msg[1100] = "";
    read_file(GR_TEST_TMP "/child.err", msg, sizeof msg - 1);
    assert_non_null(strstr(msg, "/out/greenreach.gpkg"));
    assert_non_null(strstr(msg, "cannot write"));
    assert_int_equal(file_size(OUT "/greenreach.gpkg"), size);
    assert_int_equal(read_file(OUT "/greenreach.gpkg", after, sizeof after), size);
    assert_memory_equal(before, after, (size_t)size);
    DIR *d = opendir(OUT);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        assert_null(strstr(e->d_name, ".tmp-"));
    closedir(d);
}

/* GeoJSON: one RFC 7946 file per layer, in WGS 84 lon/lat: BNG
 * (400000, 300000), the town's origin, is near 2.0 W, 52.6 N. */
static void test_geojson(void **state)
{
    (void)state;
    static const char *const names[] = { "catchments", "wards", "residents", "unserved", "sites" };
    gr_error_t err = {0};
    assert_int_equal(write_formats(GR_FORMAT_GEOJSON, NULL, &err), 0);
    for (int i = 0; i < 5; i++) {
        char path[512];
        snprintf(path, sizeof path, OUT "/geojson/%s.geojson", names[i]);
        GDALDatasetH ds = open_ds(path);
        OGRLayerH lyr = GDALDatasetGetLayer(ds, 0);
        assert_string_equal(epsg_of(lyr), "4326");
        OGREnvelope e;
        assert_int_equal(OGR_L_GetExtent(lyr, &e, 1), OGRERR_NONE);
        assert_true(e.MinX > -2.1 && e.MaxX < -1.9 && e.MinY > 52.5 && e.MaxY < 52.7);
        GDALClose(ds);
    }
    /* the layers as one dataset for the value checks: a folder of files */
    GDALDatasetH ds = open_ds(OUT "/geojson/catchments.geojson");
    OGRFeatureH f = only(layer(ds, "catchments"), "category = 'park' AND threshold = '20min'");
    assert_float_equal(num(f, "area_m2"), round(160000 + R32), 0.5);
    assert_int_equal(OGR_G_IsValid(OGR_F_GetGeometryRef(f)), 1);
    OGR_F_Destroy(f);
    GDALClose(ds);
    const char *const others[] = { "wards", "residents", "unserved", "sites" };
    const int counts[] = { 2, 7, 3, 2 };
    for (int i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, OUT "/geojson/%s.geojson", others[i]);
        ds = open_ds(path);
        assert_int_equal(OGR_L_GetFeatureCount(GDALDatasetGetLayer(ds, 0), 1), counts[i]);
        GDALClose(ds);
    }
}

static int has_line(const char *path, const char *line)
{
    char buf[512];
    FILE *f = fopen(path, "r");
    int found = 0;
    while (f && !found && fgets(buf, sizeof buf, f))
        found = strncmp(buf, line, strlen(line)) == 0 && buf[strlen(line)] == '\n';
    if (f)
        fclose(f);
    return found;
}

/* Shapefiles: one per layer in BNG, names cut to 10 characters as
 * fields.csv records. */
static void test_shapefiles(void **state)
{
    (void)state;
    gr_error_t err = {0};
    assert_int_equal(write_formats(GR_FORMAT_SHP, NULL, &err), 0);
    assert_true(has_line(OUT "/shp/fields.csv", "wards,park_catch_m2_20min,parkcm220m"));
    assert_true(has_line(OUT "/shp/fields.csv", "wards,park_share_20min,parkshr20m"));
    assert_true(has_line(OUT "/shp/fields.csv", "residents,snap_offset_m,snap_off_m"));
    GDALDatasetH ds = open_ds(OUT "/shp/wards.shp");
    OGRLayerH w = GDALDatasetGetLayer(ds, 0);
    assert_string_equal(epsg_of(w), "27700");
    assert_int_equal(OGR_L_GetFeatureCount(w, 1), 2);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(w);
    for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++)
        assert_true(strlen(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i))) <= 10);
    OGRFeatureH f = only(w, "ward_code = 'A'");
    assert_float_equal(num(f, "parkcm220m"), round(125000 + R32 / 2), 0);
    assert_float_equal(num(f, "parkshr20m"), 1.0, 1e-9);
    OGR_F_Destroy(f);
    assert_int_equal(valid_polygons(w), 2);
    GDALClose(ds);
    ds = open_ds(OUT "/shp/catchments.shp");
    OGRLayerH c = GDALDatasetGetLayer(ds, 0);
    assert_int_equal(OGR_L_GetFeatureCount(c, 1), 13);
    f = only(c, "category = 'park' AND threshold = '15min'");
    assert_float_equal(OGR_G_Area(OGR_F_GetGeometryRef(f)), 120000 + R32, 0.01);
    OGR_F_Destroy(f);
    assert_int_equal(valid_polygons(c), 2);
    GDALClose(ds);
}

/* Names of the rules' examples, and a clash. */
static void test_short_names(void **state)
{
    (void)state;
    char used[3][11] = { "", "", "" }, out[11];
    gr_layers_short_name("population", used, 0, out);
    assert_string_equal(out, "population");
    gr_layers_short_name("park_pop_15min", used, 0, out);
    assert_string_equal(out, "parkpop15m");
    gr_layers_short_name("corridor_share_20min", used, 0, out);
    assert_string_equal(out, "corrshr20m");
    gr_layers_short_name("park_20_shortfall", used, 0, out);
    assert_string_equal(out, "park_20_sf");
    snprintf(used[0], 11, "parkpop15m");
    gr_layers_short_name("park_pop_15min", used, 1, out);
    assert_string_equal(out, "parkpop101");
}

/* A second write replaces the whole folder: a file left in the old one is
 * gone, and no temporary folder stays behind. */
static void test_folder_swapped(void **state)
{
    (void)state;
    gr_error_t err = {0};
    assert_int_equal(write_formats(GR_FORMAT_GEOJSON, NULL, &err), 0);
    FILE *f = fopen(OUT "/geojson/stale.txt", "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(write_formats(GR_FORMAT_GEOJSON, NULL, &err), 0);
    assert_null(fopen(OUT "/geojson/stale.txt", "r"));
    DIR *d = opendir(OUT);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        assert_null(strstr(e->d_name, ".tmp-"));
    closedir(d);
}

/* ---- PostGIS ---- */

static const char *pg_conn(void)
{
    static char conn[1024];
    const char *host = getenv("PGHOST");
    if (!host)
        fail_msg("PGHOST is not set: run this test through tests/with_pg.sh");
    snprintf(conn, sizeof conn, "PG:dbname=%s host=%s user=%s",
             getenv("PGDATABASE") ? getenv("PGDATABASE") : "gr", host,
             getenv("PGUSER") ? getenv("PGUSER") : "postgres");
    return conn;
}

static void pg_exec(const char *sql)
{
    GDALDatasetH ds = GDALOpenEx(pg_conn(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL);
    assert_non_null(ds);
    CPLErrorReset();
    OGRLayerH r = GDALDatasetExecuteSQL(ds, sql, NULL, NULL);
    if (r)
        GDALDatasetReleaseResultSet(ds, r);
    assert_int_equal(CPLGetLastErrorType(), CE_None);
    GDALClose(ds);
}

static double pg_catchment_buffer(void)
{
    GDALDatasetH ds = open_ds(pg_conn());
    OGRFeatureH f = only(layer(ds, "catchments"), "category = 'park' AND threshold = '20min'");
    double b = num(f, "buffer_m");
    OGR_F_Destroy(f);
    GDALClose(ds);
    return b;
}

/* The point layers GDAL wrote feature by feature (b: PostGIS) and the
 * bulk-written GeoPackage's (a): the same features, fields and points. */
static void same_points(const char *pa, const char *pb)
{
    GDALDatasetH a = open_ds(pa), b = open_ds(pb);
    static const char *const names[] = { "residents", "unserved" };
    for (int k = 0; k < 2; k++) {
        OGRLayerH la = layer(a, names[k]), lb = layer(b, names[k]);
        GIntBig n = OGR_L_GetFeatureCount(la, 1);
        assert_int_equal(n, OGR_L_GetFeatureCount(lb, 1));
        for (GIntBig fid = 1; fid <= n; fid++) {
            OGRFeatureH fa = OGR_L_GetFeature(la, fid), fb = OGR_L_GetFeature(lb, fid);
            assert_non_null(fa);
            assert_non_null(fb);
            assert_int_equal(OGR_F_GetFieldCount(fa), OGR_F_GetFieldCount(fb));
            for (int i = 0; i < OGR_F_GetFieldCount(fa); i++) {
                OGRFieldDefnH da = OGR_F_GetFieldDefnRef(fa, i);
                assert_string_equal(OGR_Fld_GetNameRef(da),
                                    OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(fb, i)));
                assert_int_equal(OGR_F_IsFieldSetAndNotNull(fa, i), OGR_F_IsFieldSetAndNotNull(fb, i));
                if (OGR_Fld_GetType(da) == OFTReal)
                    assert_true(OGR_F_GetFieldAsDouble(fa, i) == OGR_F_GetFieldAsDouble(fb, i));
                else
                    assert_string_equal(OGR_F_GetFieldAsString(fa, i), OGR_F_GetFieldAsString(fb, i));
            }
            OGRGeometryH ga = OGR_F_GetGeometryRef(fa), gb = OGR_F_GetGeometryRef(fb);
            assert_true(OGR_G_GetX(ga, 0) == OGR_G_GetX(gb, 0) && OGR_G_GetY(ga, 0) == OGR_G_GetY(gb, 0));
            OGR_F_Destroy(fa);
            OGR_F_Destroy(fb);
        }
    }
    GDALClose(a);
    GDALClose(b);
}

/* The layers as PostGIS tables: the same counts and values, BNG; the
 * point layers as in the GeoPackage, feature by feature. */
static void test_postgis(void **state)
{
    (void)state;
    gr_error_t err = {0};
    int rc = write_formats(GR_FORMAT_POSTGIS, pg_conn(), &err);
    if (rc)
        fail_msg("%s", err.msg);
    GDALDatasetH ds = open_ds(pg_conn());
    static const char *const names[] = { "catchments", "wards", "residents", "unserved", "sites" };
    for (int i = 0; i < 5; i++)
        assert_string_equal(epsg_of(layer(ds, names[i])), "27700");
    check_layers(ds, 1);
    GDALClose(ds);
    same_points(OUT "/greenreach.gpkg", pg_conn());
}

/* A write that fails part-way (the server refuses to create the sites
 * table, the last layer) rolls back: the previous run's tables, written
 * with 50 m bands, stay whole. Once the block is lifted the new run (80 m
 * bands) replaces them. */
static void test_postgis_failure_keeps_tables(void **state)
{
    (void)state;
    gr_error_t err = {0};
    assert_int_equal(write_formats(GR_FORMAT_POSTGIS, pg_conn(), &err), 0);
    assert_float_equal(pg_catchment_buffer(), 50.0, 0);
    pg_exec("CREATE OR REPLACE FUNCTION gr_block_sites() RETURNS event_trigger "
            "LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM "
            "pg_event_trigger_ddl_commands() WHERE object_identity = 'public.sites') "
            "THEN RAISE EXCEPTION 'sites is blocked by the test'; END IF; END $$");
    pg_exec("CREATE EVENT TRIGGER gr_block_sites ON ddl_command_end "
            "WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION gr_block_sites()");
    town_free();
    town_compute(80.0);
    assert_int_not_equal(write_formats(GR_FORMAT_POSTGIS, pg_conn(), &err), 0);
    assert_non_null(strstr(err.msg, "sites"));
    assert_float_equal(pg_catchment_buffer(), 50.0, 0);
    GDALDatasetH ds = open_ds(pg_conn());
    assert_int_equal(OGR_L_GetFeatureCount(layer(ds, "sites"), 1), 2);
    assert_int_equal(OGR_L_GetFeatureCount(layer(ds, "residents"), 1), 7);
    GDALClose(ds);
    pg_exec("DROP EVENT TRIGGER gr_block_sites");
    assert_int_equal(write_formats(GR_FORMAT_POSTGIS, pg_conn(), &err), 0);
    assert_float_equal(pg_catchment_buffer(), 80.0, 0);
    town_free();
    town_compute(50.0);
}

/* greenreach.gpkg in two goes, as a run writes it (the point layers while
 * the catchments are traced, the rest after): everything the one-go
 * GeoPackage test checks, and no temporary file left. A job begun and
 * aborted leaves nothing behind. */
static void test_geopackage_in_two_goes(void **state)
{
    (void)state;
    const unsigned early_layers = GR_LAYER_RESIDENTS | GR_LAYER_UNSERVED;
    gr_layers_src_t early = { town.run, town.tg, NULL }, all = { town.run, town.tg, town.cs };
    gr_gpkg_job_t *job = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_export_prepare_dir(TOWN "/two", &err), 0);
    assert_int_equal(gr_layers_gpkg_begin(&early, early_layers, TOWN "/two", "greenreach.gpkg",
                                          &job, &err), 0);
    assert_int_equal(gr_layers_gpkg_finish(job, &all, GR_LAYER_ALL & ~early_layers, &err), 0);
    GDALDatasetH ds = open_ds(TOWN "/two/greenreach.gpkg");
    assert_int_equal(GDALDatasetGetLayerCount(ds), 5);
    check_layers(ds, 1);
    GDALClose(ds);
    assert_int_equal(gr_layers_gpkg_begin(&early, early_layers, TOWN "/two", "other.gpkg", &job,
                                          &err), 0);
    gr_layers_gpkg_abort(job);
    DIR *d = opendir(TOWN "/two");
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            assert_string_equal(e->d_name, "greenreach.gpkg");
            n++;
        }
    closedir(d);
    assert_int_equal(n, 1);
}

/* The default grid method on the same town with 5 m cells: true circles,
 * so the park's catchments are 1200 x 100 + pi 50^2 = 127853.98 and
 * 160000 + pi 50^2 = 167853.98 m^2, less at most the arc loss of one full
 * turn (2 pi 50 * 5^2 / (12 * 50) * 2 = 26.18 m^2). Both thresholds come
 * from one pass; each equals the catchment traced alone within 0.01 m^2.
 * Ward A (x -200..1250) holds, of the 1600 m one, 1250 x 100 + pi 50^2 / 2
 * = 128926.99, within half a cell along the 100 m of border inside the
 * band (250 m^2) and the arc loss; A and B add up to the catchment. */
static void test_grid_catchments(void **state)
{
    (void)state;
    const double pi = 3.14159265358979323846, loss = 26.18;
    gr_catchment_opts_t opt = { 50.0, GR_CATCHMENT_GRID, 5.0 };
    gr_catchments_t *cs = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_catchments_build(town.run, &opt, &cs, &err), 0);
    int park = -1;
    for (int c = 0; c < town.run->n_cats; c++)
        if (strcmp(town.run->cats[c].cat->name, "park") == 0)
            park = c;
    assert_true(park >= 0);
    const gr_catchment_t *k15 = gr_catchments_get(cs, park, 0), *k20 = gr_catchments_get(cs, park, 1);
    assert_float_equal(k15->thr_m, 1200, 0);
    assert_float_equal(k20->thr_m, 1600, 0);
    assert_float_equal(k15->area_m2, 120000 + pi * 2500 - loss / 2, loss / 2);
    assert_float_equal(k20->area_m2, 160000 + pi * 2500 - loss / 2, loss / 2);
    GEOSGeometry *alone = NULL;
    assert_int_equal(gr_catchment_build(town.run->gh, town.run->cats[park].field, 1600, &opt, &alone,
                                        &err), 0);
    double a = 0;
    assert_int_equal(GEOSArea_r(town.run->gh, alone, &a), 1);
    assert_float_equal(a, k20->area_m2, 0.01);
    GEOSGeom_destroy_r(town.run->gh, alone);
    const gr_wards_t *w = &town.run->ds->wards;
    assert_int_equal(w->n, 2);
    int ia = strcmp(w->code[0], "A") == 0 ? 0 : 1;
    assert_float_equal(k20->ward_area_m2[ia], 125000 + pi * 2500 / 2, 250 + loss);
    assert_float_equal(k20->ward_area_m2[0] + k20->ward_area_m2[1], k20->area_m2, 1.0);
    gr_catchments_free(cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geopackage),
        cmocka_unit_test(test_residents_gpkg),
        cmocka_unit_test(test_gpkg_failure_leaves_previous),
        cmocka_unit_test(test_geojson),
        cmocka_unit_test(test_shapefiles),
        cmocka_unit_test(test_short_names),
        cmocka_unit_test(test_folder_swapped),
        cmocka_unit_test(test_geopackage_in_two_goes),
        cmocka_unit_test(test_grid_catchments),
        cmocka_unit_test(test_postgis),
        cmocka_unit_test(test_postgis_failure_keeps_tables),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
