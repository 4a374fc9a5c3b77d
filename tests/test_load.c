/* Loader tests: the town fixture (fixtures.h) written in several CRSs and
 * formats, and each missing or malformed input named in the error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <gdal_utils.h>
#include <math.h>
#include <proj.h>
#include <shapefil.h>
#include <stdio.h>
#include <string.h>

#include "fixtures.h"
#include "greenreach/load.h"

#define TMP GR_TEST_TMP

static GEOSContextHandle_t gh;
static PJ_CONTEXT *pctx;
static PJ *to_wgs84, *to_utm;

static void xy_wgs84(double *x, double *y)
{
    PJ_COORD c = proj_trans(to_wgs84, PJ_FWD, proj_coord(*x, *y, 0, 0));
    *x = c.xy.x;
    *y = c.xy.y;
}

static void xy_utm(double *x, double *y)
{
    PJ_COORD c = proj_trans(to_utm, PJ_FWD, proj_coord(*x, *y, 0, 0));
    *x = c.xy.x;
    *y = c.xy.y;
}

static PJ *transformer(const char *from, const char *to)
{
    PJ *raw = proj_create_crs_to_crs(pctx, from, to, NULL);
    PJ *norm = proj_normalize_for_visualization(pctx, raw);
    proj_destroy(raw);
    return norm;
}

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    gh = GEOS_init_r();
    pctx = proj_context_create();
    to_wgs84 = transformer("EPSG:27700", "EPSG:4326");
    to_utm = transformer("EPSG:27700", "EPSG:32630");
    return fx_write_town(TMP "/bng", GR_WKT_BNG, NULL) |
           fx_write_town(TMP "/wgs84", GR_WKT_WGS84, xy_wgs84) |
           fx_write_town(TMP "/utm", GR_WKT_UTM30N, xy_utm) |
           fx_write_town(TMP "/noprj", NULL, NULL);
}

static int teardown(void **state)
{
    (void)state;
    proj_destroy(to_wgs84);
    proj_destroy(to_utm);
    proj_context_destroy(pctx);
    GEOS_finish_r(gh);
    return 0;
}

static gr_dataset_t *load_ok(const gr_config_t *cfg)
{
    gr_dataset_t *ds = NULL;
    gr_error_t err = {0};
    int rc = gr_load_dataset(cfg, gh, &ds, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    return ds;
}

static int load_fails(const gr_config_t *cfg, gr_error_t *err)
{
    gr_dataset_t *ds = NULL;
    int rc = gr_load_dataset(cfg, gh, &ds, err);
    assert_null(ds);
    assert_int_not_equal(rc, 0);
    return rc;
}

/* BNG in, BNG kept: coordinates untouched. Counts: 2 wards, 1 walkable
 * path (the motorway dropped), 2 sites, 7 residents. */
static void test_bng_shapefiles(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_town_config(&cfg, TMP "/bng");
    gr_dataset_t *ds = load_ok(&cfg);
    assert_int_equal(ds->wards.n, 2);
    assert_int_equal(ds->paths.n_lines, 1);
    assert_int_equal(ds->paths.start[1], 7);
    assert_int_equal(ds->stats.paths_unwalkable, 1);
    assert_int_equal(ds->sites.n, 2);
    assert_string_equal(ds->sites.function[0], "public_park_or_garden");
    /* park P1 is 100 m x 100 m */
    assert_float_equal(ds->sites.area_m2[0], 10000.0, 1e-6);
    assert_int_equal(ds->residents.n, 7);
    assert_float_equal(ds->residents.x[0], 400500.0, 1e-9);
    assert_float_equal(ds->residents.y[0], 300010.0, 1e-9);
    assert_float_equal(ds->residents.pop[6], 5.0, 1e-9);
    assert_true(isnan(ds->residents.no_car_share[0]));
    assert_string_equal(ds->crs_def, "EPSG:27700");
    gr_dataset_free(ds, gh);
}

/* Lon/lat in GB is reprojected to the national grid: the round trip
 * BNG -> WGS84 (test) -> BNG (loader) lands within a millimetre. */
static void test_wgs84_reprojected_to_bng(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_town_config(&cfg, TMP "/wgs84");
    gr_dataset_t *ds = load_ok(&cfg);
    assert_string_equal(ds->crs_def, "EPSG:27700");
    assert_float_equal(ds->residents.x[1], 401189.0, 1e-3);
    assert_float_equal(ds->residents.y[1], 300010.0, 1e-3);
    assert_float_equal(ds->paths.x[6], 403000.0, 1e-3);
    assert_float_equal(ds->sites.area_m2[0], 10000.0, 0.5);
    gr_dataset_free(ds, gh);
}

/* A projected metric CRS other than BNG is kept as the run CRS. */
static void test_utm_kept(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_town_config(&cfg, TMP "/utm");
    gr_dataset_t *ds = load_ok(&cfg);
    double x = 400500.0, y = 300010.0;
    xy_utm(&x, &y);
    assert_float_equal(ds->residents.x[0], x, 1e-9);
    assert_float_equal(ds->residents.y[0], y, 1e-9);
    gr_dataset_free(ds, gh);
}

/* Layers in different CRSs meet in the first layer's: wards in BNG,
 * residents and paths in lon/lat. */
static void test_mixed_crs(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_town_config(&cfg, TMP "/bng");
    snprintf(cfg.residents.path, sizeof cfg.residents.path, "%s", TMP "/wgs84/residents.shp");
    snprintf(cfg.paths.path, sizeof cfg.paths.path, "%s", TMP "/utm/paths.shp");
    gr_dataset_t *ds = load_ok(&cfg);
    assert_float_equal(ds->residents.x[3], 401589.0, 1e-3);
    assert_float_equal(ds->paths.x[1], 400500.0, 1e-3);
    assert_float_equal(ds->paths.y[1], 300000.0, 1e-3);
    gr_dataset_free(ds, gh);
}

static void test_no_crs_is_an_error_unless_assumed(void **state)
{
    (void)state;
    gr_config_t cfg;
    gr_error_t err = {0};
    fx_town_config(&cfg, TMP "/noprj");
    assert_int_equal(load_fails(&cfg, &err), GR_ECRS);
    assert_non_null(strstr(err.msg, "noprj/wards.shp layer 'wards': no CRS"));
    gr_layer_spec_t *specs[] = { &cfg.wards, &cfg.paths, &cfg.greenspaces, &cfg.residents };
    for (int i = 0; i < 4; i++)
        snprintf(specs[i]->assume_crs, sizeof specs[i]->assume_crs, "EPSG:27700");
    gr_dataset_t *ds = load_ok(&cfg);
    assert_float_equal(ds->residents.x[0], 400500.0, 1e-9);
    gr_dataset_free(ds, gh);
}

static void test_missing_file_layer_field(void **state)
{
    (void)state;
    gr_config_t cfg;
    gr_error_t err = {0};
    fx_town_config(&cfg, TMP "/bng");
    snprintf(cfg.greenspaces.path, sizeof cfg.greenspaces.path, "%s", TMP "/nothere.shp");
    assert_int_equal(load_fails(&cfg, &err), GR_EIO);
    assert_non_null(strstr(err.msg, "nothere.shp: cannot open greenspaces layer file"));

    fx_town_config(&cfg, TMP "/bng");
    snprintf(cfg.paths.layer, sizeof cfg.paths.layer, "roads");
    assert_int_equal(load_fails(&cfg, &err), GR_EINPUT);
    assert_non_null(strstr(err.msg, "paths.shp: no layer 'roads' for paths"));

    fx_town_config(&cfg, TMP "/bng");
    snprintf(cfg.f_ward_code, sizeof cfg.f_ward_code, "WD23CD");
    assert_int_equal(load_fails(&cfg, &err), GR_EINPUT);
    assert_non_null(strstr(err.msg, "wards.shp layer 'wards': no field 'WD23CD'"));
}

static void test_wrong_geometry_type(void **state)
{
    (void)state;
    gr_config_t cfg;
    gr_error_t err = {0};
    fx_town_config(&cfg, TMP "/bng");
    snprintf(cfg.paths.path, sizeof cfg.paths.path, "%s", TMP "/bng/wards.shp");
    assert_int_equal(load_fails(&cfg, &err), GR_EINPUT);
    assert_non_null(strstr(err.msg, "layer 'wards' feature 0: geometry is Polygon, "
                                    "expected LineString or MultiLineString"));
}

static void write_residents(const char *dir, const char *type, const char *const *pops, int n)
{
    static const char *const f[] = { "population" };
    char base[512];
    fx_mkdir(dir);
    snprintf(base, sizeof base, "%s/residents", dir);
    fx_shp_t *s = fx_shp_create(base, SHPT_POINT, GR_WKT_BNG, 1, f, type);
    for (int i = 0; i < n; i++) {
        double xy[2] = { 400500.0 + i, 300010.0 };
        fx_shp_add(s, 1, xy, &pops[i]);
    }
    fx_shp_close(s);
}

static void test_bad_population(void **state)
{
    (void)state;
    gr_config_t cfg;
    gr_error_t err = {0};
    static const char *const text[] = { "12", "x" };
    static const char *const blank[] = { "12", "" };
    static const char *const negative[] = { "12", "-3" };
    fx_town_config(&cfg, TMP "/bng");
    snprintf(cfg.residents.path, sizeof cfg.residents.path, "%s", TMP "/badpop/residents.shp");

    write_residents(TMP "/badpop", "C", text, 2);
    assert_int_equal(load_fails(&cfg, &err), GR_EINPUT);
    assert_non_null(strstr(err.msg, "field 'population' is String, expected a number"));

    write_residents(TMP "/badpop", "N", blank, 2);
    assert_int_equal(load_fails(&cfg, &err), GR_EINPUT);
    assert_non_null(strstr(err.msg, "layer 'residents' feature 1: population is blank"));

    write_residents(TMP "/badpop", "N", negative, 2);
    assert_int_equal(load_fails(&cfg, &err), GR_EINPUT);
    assert_non_null(strstr(err.msg, "feature 1: population is negative"));
}

/* Census zones as residents: each is taken at a point on its surface,
 * which for this L-shaped zone (arms 20 m wide) must lie in one of the arms,
 * where its bounding-box centre (50, 50) does not. */
static void test_zone_residents(void **state)
{
    (void)state;
    static const char *const f[] = { "population" };
    static const char *const v[] = { "100" };
    /* L shape: the bounding-box centre (50, 50) is outside it */
    double l[] = { 0, 0, 0, 100, 20, 100, 20, 20, 100, 20, 100, 0, 0, 0 };
    for (int k = 0; k < 7; k++) {
        l[2 * k] += 400000.0;
        l[2 * k + 1] += 300000.0;
    }
    fx_mkdir(TMP "/zones");
    fx_shp_t *s = fx_shp_create(TMP "/zones/residents", SHPT_POLYGON, GR_WKT_BNG, 1, f, "N");
    fx_shp_add(s, 7, l, v);
    fx_shp_close(s);
    gr_config_t cfg;
    fx_town_config(&cfg, TMP "/bng");
    snprintf(cfg.residents.path, sizeof cfg.residents.path, "%s", TMP "/zones/residents.shp");
    gr_dataset_t *ds = load_ok(&cfg);
    assert_int_equal(ds->residents.n, 1);
    double x = ds->residents.x[0] - 400000.0, y = ds->residents.y[0] - 300000.0;
    bool in_l = (x >= 0 && x <= 20 && y >= 0 && y <= 100) || (x >= 0 && x <= 100 && y >= 0 && y <= 20);
    assert_true(in_l);
    assert_float_equal(ds->residents.pop[0], 100.0, 1e-9);
    gr_dataset_free(ds, gh);
}

/* The same town as GeoPackage (BNG) and GeoJSON (lon/lat), through OGR. */
static void convert_town(const char *ext, const char *fmt, const char *t_srs, gr_config_t *cfg)
{
    static const char *const names[] = { "wards", "paths", "greenspaces", "residents" };
    gr_layer_spec_t *specs[] = { &cfg->wards, &cfg->paths, &cfg->greenspaces, &cfg->residents };
    fx_town_config(cfg, TMP "/bng");
    for (int i = 0; i < 4; i++) {
        char src[512], dst[512];
        snprintf(src, sizeof src, "%s/bng/%s.shp", TMP, names[i]);
        snprintf(dst, sizeof dst, "%s/town_%s.%s", TMP, names[i], ext);
        remove(dst);
        char *argv[] = { "-f", (char *)fmt, "-t_srs", (char *)t_srs, NULL };
        GDALDatasetH in = GDALOpenEx(src, GDAL_OF_VECTOR, NULL, NULL, NULL);
        GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
        GDALDatasetH out = GDALVectorTranslate(dst, NULL, 1, &in, o, NULL);
        assert_non_null(out);
        GDALClose(out);
        GDALVectorTranslateOptionsFree(o);
        GDALClose(in);
        snprintf(specs[i]->path, sizeof specs[i]->path, "%s", dst);
    }
}

static void test_geopackage_and_geojson(void **state)
{
    (void)state;
    gr_config_t cfg;
    convert_town("gpkg", "GPKG", "EPSG:27700", &cfg);
    gr_dataset_t *ds = load_ok(&cfg);
    assert_int_equal(ds->residents.n, 7);
    assert_int_equal(ds->paths.n_lines, 1);
    assert_float_equal(ds->residents.x[0], 400500.0, 1e-6);
    gr_dataset_free(ds, gh);

    convert_town("geojson", "GeoJSON", "EPSG:4326", &cfg);
    ds = load_ok(&cfg);
    assert_string_equal(ds->crs_def, "EPSG:27700");
    assert_int_equal(ds->wards.n, 2);
    /* GeoJSON stores 7 decimals of a degree: about 1 cm */
    assert_float_equal(ds->residents.x[0], 400500.0, 0.02);
    gr_dataset_free(ds, gh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bng_shapefiles),
        cmocka_unit_test(test_wgs84_reprojected_to_bng),
        cmocka_unit_test(test_utm_kept),
        cmocka_unit_test(test_mixed_crs),
        cmocka_unit_test(test_no_crs_is_an_error_unless_assumed),
        cmocka_unit_test(test_missing_file_layer_field),
        cmocka_unit_test(test_wrong_geometry_type),
        cmocka_unit_test(test_bad_population),
        cmocka_unit_test(test_zone_residents),
        cmocka_unit_test(test_geopackage_and_geojson),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
