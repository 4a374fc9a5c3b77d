/* test_gpkg_rtree.c - the bulk-loaded GeoPackage R-tree: SQLite finds it
 * sound (rtreecheck), GDAL sees a spatial index and its rectangle filters
 * return exactly the points a brute-force scan finds, and the extension
 * is registered with its triggers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <ogr_api.h>
#include <cpl_string.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixtures.h"
#include "greenreach/gpkg_rtree.h"

#define DIR GR_TEST_TMP
#define N_PTS 20000

/* N_PTS points on a 200 x 100 grid at 7.3 m spacing from (500000.123,
 * 200000.456), every tenth one repeated at its neighbour's place. */
static void point_at(uint32_t i, double *x, double *y)
{
    uint32_t k = (i % 10 == 9) ? i - 1 : i;
    *x = 500000.123 + (k % 200) * 7.3;
    *y = 200000.456 + (k / 200) * 7.3;
}

static double xs[N_PTS], ys[N_PTS];

static void write_points(const char *path, uint32_t n)
{
    remove(path);
    GDALAllRegister();
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GPKG"), path, 0, 0, 0, GDT_Unknown, NULL);
    assert_non_null(ds);
    char **lco = CSLSetNameValue(NULL, "SPATIAL_INDEX", "NO");
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, "pts", NULL, wkbPoint, lco);
    CSLDestroy(lco);
    assert_non_null(lyr);
    GDALDatasetStartTransaction(ds, 0);
    for (uint32_t i = 0; i < n; i++) {
        point_at(i, &xs[i], &ys[i]);
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
        OGR_G_SetPoint_2D(pt, 0, xs[i], ys[i]);
        OGR_F_SetGeometryDirectly(f, pt);
        assert_int_equal(OGR_L_CreateFeature(lyr, f), OGRERR_NONE);
        OGR_F_Destroy(f);
    }
    GDALDatasetCommitTransaction(ds);
    GDALClose(ds);
}

static void check_rect(OGRLayerH lyr, double x0, double y0, double x1, double y1, uint32_t n)
{
    uint32_t expect = 0;
    for (uint32_t i = 0; i < n; i++)
        expect += xs[i] >= x0 && xs[i] <= x1 && ys[i] >= y0 && ys[i] <= y1;
    OGR_L_SetSpatialFilterRect(lyr, x0, y0, x1, y1);
    assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), expect);
    OGR_L_SetSpatialFilter(lyr, NULL);
}

static void index_and_check(uint32_t n, const char *depth)
{
    char path[512];
    mkdir(DIR, 0755);
    snprintf(path, sizeof path, DIR "/pts_%u.gpkg", n);
    write_points(path, n);
    gr_error_t err = { 0 };
    assert_int_equal(gr_gpkg_rtree_build(path, "pts", "geom", xs, ys, n, &err), 0);
    char *v = fx_sql_text(path, "SELECT rtreecheck('rtree_pts_geom')");
    assert_string_equal(v, "ok");
    free(v);
    v = fx_sql_text(path, "SELECT count(*) FROM rtree_pts_geom");
    assert_int_equal(atoi(v), n);
    free(v);
    /* tree depth, in the root's first two bytes: 20,000 points fill 393
     * leaves of 51, 8 nodes above them and the root (depth 2); 40 points
     * fit in the root alone (depth 0) */
    v = fx_sql_text(path, "SELECT hex(substr(data, 1, 2)) FROM rtree_pts_geom_node WHERE nodeno = 1");
    assert_string_equal(v, depth);
    free(v);
    v = fx_sql_text(path, "SELECT count(*) FROM gpkg_extensions WHERE table_name = 'pts' AND "
                       "extension_name = 'gpkg_rtree_index'");
    assert_string_equal(v, "1");
    free(v);
    v = fx_sql_text(path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND "
                       "name LIKE 'rtree_pts_geom_%'");
    assert_string_equal(v, "6");
    free(v);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    OGRLayerH lyr = GDALDatasetGetLayer(ds, 0);
    assert_true(OGR_L_TestCapability(lyr, OLCFastSpatialFilter));
    check_rect(lyr, 500000.0, 200000.0, 500100.0, 200050.0, n);
    check_rect(lyr, 500500.0, 200100.0, 501000.0, 200600.0, n);
    /* a rectangle edge exactly on a row of points keeps them */
    check_rect(lyr, 500000.123, 200000.456 + 7.3 * 3, 500000.123 + 7.3 * 5, 200000.456 + 7.3 * 3, n);
    check_rect(lyr, 0.0, 0.0, 1.0, 1.0, n);
    GDALClose(ds);
}

static void test_three_levels(void **state)
{
    (void)state;
    index_and_check(N_PTS, "0002");
}

static void test_root_only(void **state)
{
    (void)state;
    index_and_check(40, "0000");
}

/* A missing file is an error naming it. */
static void test_missing_file(void **state)
{
    (void)state;
    gr_error_t err = { 0 };
    assert_int_equal(gr_gpkg_rtree_build(DIR "/nope/x.gpkg", "pts", "geom", xs, ys, 1, &err),
                     GR_EIO);
    assert_non_null(strstr(err.msg, "nope/x.gpkg"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_levels),
        cmocka_unit_test(test_root_only),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
