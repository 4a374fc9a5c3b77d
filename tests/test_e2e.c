/* End to end on the town fixture (see fixtures.h): load, graph, snap,
 * search, coverage, and the written outputs, with every share known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "greenreach/export.h"
#include "greenreach/layers.h"
#include "greenreach/pipeline.h"

#define DIR GR_TEST_TMP "/town"

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    return fx_write_town(DIR, GR_WKT_BNG, NULL);
}

static gr_run_t *run_town(void)
{
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_run_t *run = NULL;
    fx_town_config(&cfg, DIR);
    int rc = gr_run_compute(&cfg, NULL, NULL, &run, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    return run;
}

/* Distances: footway from the park's edge at x=0, residents 10 m off it:
 * 500+10 = 510, 1189+10 = 1199, 1310, 1599, 1710 (beyond 1600: INFINITY),
 * 2510 (INFINITY); the one at y=300 is 300 m from the footway (> 250 m cap;
 * the motorway 200 m away is unwalkable), so unsnapped. */
static void test_resident_distances(void **state)
{
    (void)state;
    gr_run_t *run = run_town();
    const float *d = run->cats[0].res_dist_m;
    assert_int_equal(run->ds->residents.n, 7);
    assert_float_equal(d[0], 510.0, 0.01);
    assert_float_equal(d[1], 1199.0, 0.01);
    assert_float_equal(d[2], 1310.0, 0.01);
    assert_float_equal(d[3], 1599.0, 0.01);
    assert_true(isinf(d[4]));
    assert_true(isinf(d[5]));
    assert_true(isinf(d[6]));
    assert_int_equal(run->n_unsnapped, 1);
    assert_int_equal(run->res_snapped[6], 0);
    /* one park (the cemetery is not in the park category) */
    assert_int_equal(run->cats[0].n_sites, 1);
    assert_string_equal(run->ds->sites.site_id[run->cats[0].res_site[0]], "P1");
    assert_int_equal(run->ds->stats.paths_unwalkable, 1);
    gr_run_free(run);
}

/* Ward A (x < 1250): pops 10+20 = 30, both within 15 min (510, 1199).
 * Ward B: 30+40+50+60+5 = 185; none within 1200 m; within 1600 m: 30+40 = 70.
 * Total 215: 15 min 30/215 = 0.13953, 20 min 100/215 = 0.46512. */
static void test_ward_coverage(void **state)
{
    (void)state;
    gr_run_t *run = run_town();
    const gr_coverage_t *c = run->cats[0].cov;
    uint32_t a = strcmp(run->ds->wards.code[0], "A") == 0 ? 0 : 1, b = 1 - a;
    assert_float_equal(c->pop[a], 30.0, 1e-9);
    assert_float_equal(c->pop[b], 185.0, 1e-9);
    assert_float_equal(gr_coverage_share(c, a, 0), 1.0, 1e-9);
    assert_float_equal(gr_coverage_share(c, a, 1), 1.0, 1e-9);
    assert_float_equal(gr_coverage_share(c, b, 0), 0.0, 1e-9);
    assert_float_equal(gr_coverage_share(c, b, 1), 70.0 / 185.0, 1e-9);
    assert_float_equal(c->pop[2], 215.0, 1e-9);
    assert_float_equal(gr_coverage_share(c, 2, 0), 30.0 / 215.0, 1e-9);
    assert_float_equal(gr_coverage_share(c, 2, 1), 100.0 / 215.0, 1e-9);
    assert_float_equal(c->pop_unsnapped[b], 5.0, 1e-9);
    gr_run_free(run);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The CSV carries the same numbers, shares to 6 decimals, plus TOTAL:
 * 70/185 = 0.378378, 30/215 = 0.139535, 100/215 = 0.465116. */
static void test_outputs_written(void **state)
{
    (void)state;
    gr_run_t *run = run_town();
    gr_error_t err = {0};
    assert_int_equal(gr_export_prepare_dir(DIR "/out", &err), 0);
    assert_int_equal(gr_export_ward_csv(run, NULL, NULL, DIR "/out", &err), 0);
    gr_layers_src_t src = { run, NULL, NULL };
    assert_int_equal(gr_layers_write_gpkg(&src, GR_LAYER_RESIDENTS, DIR "/out", "residents.gpkg",
                                          &err), 0);
    gr_run_free(run);
    const char *csv = slurp(DIR "/out/ward_coverage.csv");
    assert_non_null(csv);
    assert_non_null(strstr(csv, "ward_code,ward_name,nbhd,population,pop_unsnapped,"
                                "park_pop_15min,park_share_15min,park_pop_20min,park_share_20min,"));
    assert_non_null(strstr(csv, "\"A\",\"Ward A\",\"\",30,0,30,1.000000,30,1.000000,"));
    assert_non_null(strstr(csv, "\"B\",\"Ward B\",\"\",185,5,0,0.000000,70,0.378378,"));
    assert_non_null(strstr(csv, "\"TOTAL\",\"All wards\",\"\",215,5,30,0.139535,100,0.465116,"));
    GDALDatasetH ds = GDALOpenEx(DIR "/out/residents.gpkg", GDAL_OF_VECTOR, NULL, NULL, NULL);
    assert_non_null(ds);
    OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "residents");
    assert_non_null(lyr);
    assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), 7);
    /* served within 20 min: residents 1..4 (populations 10, 20, 30, 40) */
    OGR_L_SetAttributeFilter(lyr, "park_20min = 1");
    assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), 4);
    GDALClose(ds);
}

/* A failing run (unreadable residents) must leave earlier outputs intact. */
static void test_failed_run_keeps_outputs(void **state)
{
    (void)state;
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_run_t *run = NULL;
    fx_town_config(&cfg, DIR);
    snprintf(cfg.out_dir, sizeof cfg.out_dir, "%s", DIR "/keep");
    assert_int_equal(gr_export_prepare_dir(cfg.out_dir, &err), 0);
    FILE *f = fopen(DIR "/keep/ward_coverage.csv", "w");
    fputs("previous run\n", f);
    fclose(f);
    snprintf(cfg.residents.path, sizeof cfg.residents.path, "%s", DIR "/missing.shp");
    assert_int_equal(gr_run_compute(&cfg, NULL, NULL, &run, &err), GR_EIO);
    assert_null(run);
    assert_non_null(strstr(err.msg, "missing.shp"));
    assert_string_equal(slurp(DIR "/keep/ward_coverage.csv"), "previous run\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resident_distances),
        cmocka_unit_test(test_ward_coverage),
        cmocka_unit_test(test_outputs_written),
        cmocka_unit_test(test_failed_run_keeps_outputs),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
