/* test_straight.c - straight-line distances (src/straight.c) and the
 * [walk] mode = straight / [output] compare_straight run, on the
 * straight-line town (fixtures.h), whose walked and straight distances
 * are known by construction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "greenreach/export.h"
#include "greenreach/report.h"
#include "greenreach/straight.h"
#include "greenreach/targets.h"
#include "greenreach/whatif.h"

#define DIR GR_TEST_TMP "/town"
#define X0 400000.0
#define Y0 300000.0

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    return fx_write_straight_town(DIR);
}

/* A config for the town: park within 400 and 800 m, the meadow tier of
 * sites of at least 5,000 m2 within 400 m, one coverage target. */
static void town_config(gr_config_t *cfg, const char *mode, const char *compare)
{
    char path[1024], text[2048];
    snprintf(text, sizeof text,
             "[wards]\npath = %s/wards.shp\nlayer =\n[paths]\npath = %s/paths.shp\nlayer =\n"
             "[greenspaces]\npath = %s/greenspaces.shp\nlayer =\n"
             "[residents]\npath = %s/residents.shp\nlayer =\n"
             "[walk]\nmode = %s\n[output]\ncompare_straight = %s\ndir = %s/out\n"
             "[category.park]\nfunctions = park\nthresholds_m = 400, 800\n"
             "[category.tier]\nfunctions = meadow\nmin_area_m2 = 5000\nthresholds_m = 400\n"
             "[target.park_400]\nkind = coverage\ncategory = park\nthreshold = 400m\n",
             DIR, DIR, DIR, DIR, mode, compare, DIR);
    snprintf(path, sizeof path, "%s/%s_%s.ini", DIR, mode, compare);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    gr_error_t err = {0};
    gr_config_defaults(cfg);
    if (gr_config_load(cfg, path, &err))
        fail_msg("%s", err.msg);
}

static gr_run_t *run_town(const char *mode, const char *compare)
{
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_run_t *run = NULL;
    town_config(&cfg, mode, compare);
    if (gr_run_compute(&cfg, NULL, NULL, &run, &err))
        fail_msg("%s", err.msg);
    return run;
}

/* Straight distances straight from the module, on the loaded sites:
 * inside S 0; from (280,340) 300 m to S's corner (180-240-300); from
 * (1500,0) 1400 m to S's edge x = 100, beyond an 800 m cut-off but not
 * a 2000 m one. */
static void test_distances(void **state)
{
    (void)state;
    gr_run_t *run = run_town("network", "false");
    const gr_category_t *park = &run->cfg.categories[0];
    double x[] = { X0 + 50, X0 + 280, X0 + 1500 }, y[] = { Y0 + 50, Y0 + 340, Y0 };
    float d[3];
    uint32_t site[3];
    gr_error_t err = {0};
    assert_int_equal(gr_straight_distances(run->gh, &run->ds->sites, park, x, y, 3, 800.0f, d,
                                           site, &err), 0);
    assert_float_equal(d[0], 0.0, 0.0);
    assert_int_equal(site[0], 0);
    assert_float_equal(d[1], 300.0, 1e-3);
    assert_int_equal(site[1], 0);
    assert_true(isinf(d[2]));
    assert_int_equal(site[2], GR_NONE);
    assert_int_equal(gr_straight_distances(run->gh, &run->ds->sites, park, x, y, 3, 2000.0f, d,
                                           site, &err), 0);
    assert_float_equal(d[2], 1400.0, 1e-3);
    gr_run_free(run);
}

/* The tier counts only T2 (5,001 m2): from (700,-250) it is 200 m to T2's
 * edge x = 900, while T1 (4,999 m2) at 700 - 649.99 = 50.01 m is too
 * small. Without the tier, T1 is the nearest. */
static void test_tier_nearest(void **state)
{
    (void)state;
    gr_run_t *run = run_town("network", "false");
    gr_category_t tier = run->cfg.categories[1];
    double x = X0 + 700, y = Y0 - 250;
    float d;
    uint32_t site;
    gr_error_t err = {0};
    assert_int_equal(gr_straight_distances(run->gh, &run->ds->sites, &tier, &x, &y, 1, 400.0f,
                                           &d, &site, &err), 0);
    assert_float_equal(d, 200.0, 1e-3);
    assert_string_equal(run->ds->sites.site_id[site], "T2");
    tier.min_area_m2 = 0.0;
    assert_int_equal(gr_straight_distances(run->gh, &run->ds->sites, &tier, &x, &y, 1, 400.0f,
                                           &d, &site, &err), 0);
    assert_float_equal(d, 50.01, 1e-3);
    assert_string_equal(run->ds->sites.site_id[site], "T1");
    tier.min_area_m2 = 1e9;   /* no site that large: nobody is near one */
    assert_int_equal(gr_straight_distances(run->gh, &run->ds->sites, &tier, &x, &y, 1, 400.0f,
                                           &d, &site, &err), 0);
    assert_true(isinf(d));
    assert_int_equal(site, GR_NONE);
    gr_run_free(run);
}

static double park_share(const gr_run_t *run, const float *dist, double *run_share)
{
    gr_targets_t *tg = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_targets_evaluate(run, &tg, &err), 0);
    assert_string_equal(tg->res[0].target->id, "park_400");
    *run_share = tg->res[0].area.share;
    double s = gr_targets_area_share(run, tg, &tg->res[0], dist);
    gr_targets_free(tg);
    return s;
}

/* Network mode: walked r0 50*sqrt(2) (snap offset to the corner entrance),
 * r1 700 m, r2 unsnapped. Within 400 m: r0 only, 10 of 100 = 0.1. The
 * comparison (straight: 0, 300, beyond 800) has r0 and r1: 40/100 = 0.4. */
static void test_network_compare(void **state)
{
    (void)state;
    gr_run_t *run = run_town("network", "true");
    const gr_cat_result_t *cr = &run->cats[0];
    assert_float_equal(cr->res_dist_m[0], 50.0 * sqrt(2.0), 1e-3);
    assert_float_equal(cr->res_dist_m[1], 700.0, 1e-3);
    assert_true(isinf(cr->res_dist_m[2]));
    assert_non_null(cr->cmp_dist_m);
    assert_float_equal(cr->cmp_dist_m[0], 0.0, 0.0);
    assert_float_equal(cr->cmp_dist_m[1], 300.0, 1e-3);
    assert_true(isinf(cr->cmp_dist_m[2]));
    double share;
    assert_float_equal(park_share(run, cr->cmp_dist_m, &share), 0.4, 1e-12);
    assert_float_equal(share, 0.1, 1e-12);
    gr_run_free(run);
    run = run_town("network", "false");
    assert_null(run->cats[0].cmp_dist_m);
    gr_run_free(run);
}

/* Straight mode: the straight distances are the run's (0, 300, none), the
 * nearest site S, and the walked ones the comparison; shares swap. */
static void test_straight_mode(void **state)
{
    (void)state;
    gr_run_t *run = run_town("straight", "true");
    const gr_cat_result_t *cr = &run->cats[0];
    assert_float_equal(cr->res_dist_m[0], 0.0, 0.0);
    assert_float_equal(cr->res_dist_m[1], 300.0, 1e-3);
    assert_true(isinf(cr->res_dist_m[2]));
    assert_string_equal(run->ds->sites.site_id[cr->res_site[1]], "S");
    assert_int_equal(cr->res_site[2], GR_NONE);
    assert_float_equal(cr->cmp_dist_m[1], 700.0, 1e-3);
    double share;
    assert_float_equal(park_share(run, cr->cmp_dist_m, &share), 0.1, 1e-12);
    assert_float_equal(share, 0.4, 1e-12);
    /* ward coverage tallies the straight distances: 40 of 100 within 400 m */
    assert_float_equal(gr_coverage_share(cr->cov, cr->cov->n_wards, 0), 0.4, 1e-12);
    gr_whatif_t *w = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_whatif_new(run, &w, &err), GR_ECONFIG);
    assert_null(w);
    assert_non_null(strstr(err.msg, "mode = network"));
    gr_run_free(run);
    run = run_town("straight", "false");
    assert_null(run->cats[0].cmp_dist_m);
    assert_float_equal(run->cats[0].res_dist_m[1], 300.0, 1e-3);
    gr_run_free(run);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The report and run summary say which mode measured, and the report sets
 * the walked and straight shares side by side: 10.0% and 40.0%. */
static void test_report_states_both(void **state)
{
    (void)state;
    gr_run_t *run = run_town("straight", "true");
    gr_targets_t *tg = NULL;
    gr_error_t err = {0};
    const char *out = DIR "/out";
    assert_int_equal(gr_export_prepare_dir(out, &err), 0);
    assert_int_equal(gr_targets_evaluate(run, &tg, &err), 0);
    if (gr_report_write(run, tg, NULL, out, &err) || gr_export_summary(run, out, &err))
        fail_msg("%s", err.msg);
    const char *md = slurp(DIR "/out/report.md");
    assert_non_null(strstr(md, "## Walked and straight-line shares"));
    assert_non_null(strstr(md, "| park_400 | 400m | 10.0% | 40.0% | +30.0 |"));
    assert_non_null(strstr(md, "[walk] mode = straight"));
    assert_non_null(strstr(md, "tier: sites of at least 0.5 ha"));
    /* the catchment map shows straight-line bands, not the walked network */
    assert_non_null(strstr(md, "*Straight-line distance bands around parks"));
    assert_null(strstr(md, "reached on foot"));
    const char *sum = slurp(DIR "/out/run_summary.txt");
    assert_non_null(strstr(sum, "walk.mode = straight\ncompare_straight = true\n"));
    assert_non_null(strstr(sum, "min_area_m2.tier = 5000\n"));
    gr_targets_free(tg);
    gr_run_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distances),
        cmocka_unit_test(test_tier_nearest),
        cmocka_unit_test(test_network_compare),
        cmocka_unit_test(test_straight_mode),
        cmocka_unit_test(test_report_states_both),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
