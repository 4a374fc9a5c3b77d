/* test_tiers.c - size-and-distance tiers: a category's min_area_m2 and
 * the [walk] mode / [output] compare_straight keys (src/config.c), and
 * the tier filter in the run and the targets, on the straight-line town
 * (fixtures.h) whose meadows are 4,999 and 5,001 m2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fixtures.h"
#include "greenreach/targets.h"

#define DIR GR_TEST_TMP "/town"

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    return fx_write_straight_town(DIR);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The boundary is inclusive: "at least 0.5 ha". */
static void test_has_site_boundary(void **state)
{
    (void)state;
    gr_category_t c = { .name = "gi_doorstep", .functions = "park,meadow",
                        .min_area_m2 = 5000.0 };
    assert_false(gr_category_has_site(&c, "park", "", 4999.0));
    assert_true(gr_category_has_site(&c, "park", "", 5000.0));
    assert_true(gr_category_has_site(&c, "park", "", 5001.0));
    assert_false(gr_category_has_site(&c, "orchard", "", 5001.0));   /* function still rules */
    c.min_area_m2 = 0.0;
    assert_true(gr_category_has_site(&c, "park", "", 0.0));          /* a point candidate */
}

/* Tier meadows of at least 5,000 m2, the same meadows without a tier,
 * and a tier larger than any site (1,000 km2) with a coverage target. */
static gr_targets_t *run_tiers(gr_run_t **run)
{
    char path[1024], text[2048];
    snprintf(text, sizeof text,
             "[wards]\npath = %s/wards.shp\nlayer =\n[paths]\npath = %s/paths.shp\nlayer =\n"
             "[greenspaces]\npath = %s/greenspaces.shp\nlayer =\n"
             "[residents]\npath = %s/residents.shp\nlayer =\n"
             "[category.tier]\nfunctions = meadow\nmin_area_m2 = 5000\nthresholds_m = 400\n"
             "[category.meadow]\nfunctions = meadow\nthresholds_m = 400\n"
             "[target.tier_ward]\nkind = presence\ncategory = tier\n"
             "[target.meadow_ward]\nkind = presence\ncategory = meadow\n"
             "[category.huge]\nfunctions = meadow\nmin_area_m2 = 1e9\nthresholds_m = 400\n"
             "[target.huge_400]\ncategory = huge\nthreshold = 400m\n",
             DIR, DIR, DIR, DIR);
    snprintf(path, sizeof path, "%s/tiers.ini", DIR);
    write_file(path, text);
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_targets_t *tg = NULL;
    gr_config_defaults(&cfg);
    if (gr_config_load(&cfg, path, &err) || gr_run_compute(&cfg, NULL, NULL, run, &err) ||
        gr_targets_evaluate(*run, &tg, &err))
        fail_msg("%s", err.msg);
    return tg;
}

/* Loaded areas 49.99 x 100 = 4,999 and 50.01 x 100 = 5,001 m2: the run
 * searches from the one tier meadow, and the ward holds one tier site
 * (5,001 m2 inside it) against two plain meadows (10,000 m2). */
static void test_tier_filters_sites(void **state)
{
    (void)state;
    gr_run_t *run = NULL;
    gr_targets_t *tg = run_tiers(&run);
    assert_float_equal(run->ds->sites.area_m2[1], 4999.0, 1e-6);
    assert_float_equal(run->ds->sites.area_m2[2], 5001.0, 1e-6);
    assert_string_equal(run->cats[0].cat->name, "tier");
    assert_int_equal(run->cats[0].n_sites, 1);
    assert_int_equal(run->cats[1].n_sites, 2);
    assert_string_equal(tg->res[0].target->id, "tier_ward");
    assert_int_equal(tg->res[0].ward[0].n_sites, 1);
    assert_float_equal(tg->res[0].ward[0].site_area_m2, 5001.0, 1e-6);
    assert_int_equal(tg->res[1].ward[0].n_sites, 2);
    assert_float_equal(tg->res[1].ward[0].site_area_m2, 10000.0, 1e-6);
    gr_targets_free(tg);
    gr_run_free(run);
}

/* A tier no site is large enough for is answered (nobody within: missed),
 * not "not evaluated": the sites exist, they are too small. */
static void test_tier_none_large_enough(void **state)
{
    (void)state;
    gr_run_t *run = NULL;
    gr_targets_t *tg = run_tiers(&run);
    assert_int_equal(run->cats[2].n_sites, 0);
    const gr_target_result_t *r = &tg->res[2];
    assert_string_equal(r->target->id, "huge_400");
    assert_null(strstr(r->note, "no sites"));
    assert_int_equal(r->area.verdict, GR_VERDICT_MISSED);
    assert_float_equal(r->area.share, 0.0, 0.0);
    assert_float_equal(r->area.pop, 100.0, 0.0);
    assert_float_equal(r->area.shortfall_pop, 97.0, 0.0);   /* ceil(0.97 * 100 - 0) */
    gr_targets_free(tg);
    gr_run_free(run);
}

static void test_config_keys(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/keys.ini", DIR);
    write_file(path, "[walk]\nmode = straight\n[output]\ncompare_straight = true\n"
                     "[category.gi_local]\nfunctions = park\nmin_area_m2 = 20000\n"
                     "thresholds_m = 300\n");
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    assert_int_equal(cfg.walk_mode, GR_WALK_NETWORK);
    assert_false(cfg.compare_straight);
    assert_float_equal(cfg.categories[0].min_area_m2, 0.0, 0.0);
    assert_int_equal(gr_config_load(&cfg, path, &err), 0);
    assert_int_equal(cfg.walk_mode, GR_WALK_STRAIGHT);
    assert_true(cfg.compare_straight);
    assert_string_equal(cfg.categories[0].name, "gi_local");
    assert_float_equal(cfg.categories[0].min_area_m2, 20000.0, 0.0);
}

/* Each bad value stops the load with an error naming file, line and key. */
static void test_config_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        { "[category.t]\nfunctions = park\nmin_area_m2 = -1\n",
          ":3: 'min_area_m2' must be a non-negative number of square metres, got '-1'" },
        { "[category.t]\nmin_area_m2 = 2ha\n",
          ":2: 'min_area_m2' must be a non-negative number of square metres, got '2ha'" },
        { "[category.t]\nmin_area_m2 =\n", ":2: 'min_area_m2' must be" },
        { "[walk]\nspeed_kmh = 4\nmode = crow\n", ":3: 'mode' must be network or straight" },
        { "[walk]\nmode = Straight\n", ":2: 'mode' must be network or straight, got 'Straight'" },
        { "[output]\ncompare_straight = yes\n", ":2: 'compare_straight' must be true or false" },
        { "[network]\nmode = straight\n", ":2: unknown key 'mode' in section [network]" },
    };
    char path[1024];
    snprintf(path, sizeof path, "%s/bad.ini", DIR);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_file(path, cases[i].text);
        gr_config_t cfg;
        gr_error_t err = {0};
        gr_config_defaults(&cfg);
        assert_int_equal(gr_config_load(&cfg, path, &err), GR_ECONFIG);
        if (!strstr(err.msg, cases[i].msg) || !strstr(err.msg, "bad.ini"))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_has_site_boundary),
        cmocka_unit_test(test_tier_filters_sites),
        cmocka_unit_test(test_tier_none_large_enough),
        cmocka_unit_test(test_config_keys),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
