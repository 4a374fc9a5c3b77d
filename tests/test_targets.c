/* Targets on the targets-town fixture (fixtures.h), whose verdicts are
 * known by construction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <math.h>
#include <shapefil.h>
#include <stdio.h>
#include <string.h>

#include "fixtures.h"
#include "greenreach/targets.h"

#define DIR GR_TEST_TMP "/town"

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    return fx_write_targets_town(DIR);
}

typedef struct {
    gr_run_t *run;
    gr_targets_t *tg;
} fixture_t;

static fixture_t evaluate(gr_config_t *cfg)
{
    fixture_t f = { NULL, NULL };
    gr_error_t err = {0};
    int rc = gr_run_compute(cfg, NULL, NULL, &f.run, &err);
    if (!rc)
        rc = gr_targets_evaluate(f.run, &f.tg, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    return f;
}

static void release(fixture_t *f)
{
    gr_targets_free(f->tg);
    gr_run_free(f->run);
}

static const gr_target_result_t *result(const gr_targets_t *tg, const char *id)
{
    for (int i = 0; i < tg->n; i++)
        if (strcmp(tg->res[i].target->id, id) == 0)
            return &tg->res[i];
    fail_msg("no target %s", id);
    return NULL;
}

static uint32_t ward(const gr_run_t *run, const char *code)
{
    return strcmp(run->ds->wards.code[0], code) == 0 ? 0 : 1;
}

/* park_20 (1600 m, 97%): A = r0 r1 r2 all within, 60/60 met. B: r3 (1300)
 * within, r4 (2001) and r5 (1999) not: 40/58 = 0.6897, short by
 * ceil(0.97 * 58 - 40) = ceil(16.26) = 17. Area: 100/118, short by
 * ceil(114.46 - 100) = 15. */
static void test_park_20(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_targets_town_config(&cfg, DIR);
    fixture_t f = evaluate(&cfg);
    const gr_target_result_t *r = result(f.tg, "park_20");
    uint32_t a = ward(f.run, "A"), b = 1 - a;
    assert_int_equal(r->ward[a].verdict, GR_VERDICT_MET);
    assert_float_equal(r->ward[a].share, 1.0, 1e-12);
    assert_int_equal(r->ward[b].verdict, GR_VERDICT_MISSED);
    assert_float_equal(r->ward[b].share, 40.0 / 58.0, 1e-12);
    assert_float_equal(r->ward[b].shortfall_pop, 17.0, 0.0);
    assert_int_equal(r->area.verdict, GR_VERDICT_MISSED);
    assert_float_equal(r->area.pop, 118.0, 0.0);
    assert_float_equal(r->area.shortfall_pop, 15.0, 0.0);
    assert_int_equal(gr_targets_missed(f.tg) > 0, 1);
    release(&f);
}

/* Low-car threshold (auto) = population-weighted no-car share
 * (10*.1 + 20*.5 + 30*.5 + 40*.1 + 7*.1 + 11*.1) / 118 = 31.8 / 118 = 0.2695;
 * low-car residents: r1 and r2 (0.5). Within 15 min (1200 m): r1 (1199)
 * only, so 20/50 = 0.4, short by ceil(48.5 - 20) = 29. Ward B has no
 * low-car residents: n/a. */
static void test_park_15_lowcar(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_targets_town_config(&cfg, DIR);
    fixture_t f = evaluate(&cfg);
    const gr_target_result_t *r = result(f.tg, "park_15_lowcar");
    uint32_t a = ward(f.run, "A"), b = 1 - a;
    assert_false(isnan(f.tg->lowcar_threshold));   /* cmocka passes NaN comparisons */
    assert_float_equal(f.tg->lowcar_threshold, 31.8 / 118.0, 1e-6);
    assert_float_equal(r->area.pop, 50.0, 0.0);
    assert_float_equal(r->area.pop_within, 20.0, 0.0);
    assert_float_equal(r->area.shortfall_pop, 29.0, 0.0);
    assert_int_equal(r->area.verdict, GR_VERDICT_MISSED);
    assert_int_equal(r->ward[a].verdict, GR_VERDICT_MISSED);
    assert_int_equal(r->ward[b].verdict, GR_VERDICT_NA);
    gr_targets_free(f.tg);
    f.run->cfg.lowcar_threshold = 0.6;   /* above every share */
    gr_error_t err = {0};
    assert_int_equal(gr_targets_evaluate(f.run, &f.tg, &err), 0);
    assert_int_equal(result(f.tg, "park_15_lowcar")->area.verdict, GR_VERDICT_NA);
    release(&f);
}

/* Orchard O1 lies in ward A only: A met, B missed, so the area misses by
 * one ward holding 58 residents. Meadow M1 straddles the boundary: both
 * wards meet, with 50 m x 100 m = 5000 m2 of it in each. */
static void test_meadow_orchard(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_targets_town_config(&cfg, DIR);
    fixture_t f = evaluate(&cfg);
    uint32_t a = ward(f.run, "A"), b = 1 - a;
    const gr_target_result_t *o = result(f.tg, "orchard_ward");
    assert_int_equal(o->ward[a].verdict, GR_VERDICT_MET);
    assert_int_equal(o->ward[a].n_sites, 1);
    assert_int_equal(o->ward[b].verdict, GR_VERDICT_MISSED);
    assert_int_equal(o->area.verdict, GR_VERDICT_MISSED);
    assert_int_equal(o->area.wards_short, 1);
    assert_float_equal(o->area.shortfall_pop, 58.0, 0.0);
    const gr_target_result_t *m = result(f.tg, "meadow_ward");
    assert_int_equal(m->area.verdict, GR_VERDICT_MET);
    assert_float_equal(m->ward[a].site_area_m2, 5000.0, 1e-6);
    assert_float_equal(m->ward[b].site_area_m2, 5000.0, 1e-6);
    /* a minimum area above the meadow's 10000 m2 makes both wards miss */
    gr_targets_free(f.tg);
    for (int i = 0; i < f.run->cfg.n_targets; i++)
        if (strcmp(f.run->cfg.targets[i].id, "meadow_ward") == 0)
            f.run->cfg.targets[i].min_area_m2 = 10001.0;
    gr_error_t err = {0};
    assert_int_equal(gr_targets_evaluate(f.run, &f.tg, &err), 0);
    assert_int_equal(result(f.tg, "meadow_ward")->area.wards_short, 2);
    release(&f);
}

/* NEAP N1 is entered at x=3000. r4 at x=2001 walks 999 m (within 1000 m),
 * r5 at x=1999 walks 1001 m (beyond). Ward B: 7 of 58 within. Nobody is
 * within 100 m of any play area (LAP). */
static void test_play_distances(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_targets_town_config(&cfg, DIR);
    fixture_t f = evaluate(&cfg);
    int c = gr_config_category(&f.run->cfg, "play_neap");
    assert_float_equal(f.run->cats[c].res_dist_m[4], 999.0, 1e-3);
    assert_float_equal(f.run->cats[c].res_dist_m[5], 1001.0, 1e-3);
    const gr_target_result_t *r = result(f.tg, "play_neap");
    uint32_t b = 1 - ward(f.run, "A");
    assert_float_equal(r->ward[b].pop_within, 7.0, 0.0);
    assert_float_equal(r->ward[b].share, 7.0 / 58.0, 1e-12);
    assert_float_equal(result(f.tg, "play_lap")->area.pop_within, 0.0, 0.0);
    /* no green-corridor sites: not evaluated rather than missed */
    assert_int_equal(result(f.tg, "corridor_nbhd")->area.verdict, GR_VERDICT_NOT_EVALUATED);
    release(&f);
}

/* Neighbourhoods from the lookup: "North" = ward A (by code), "South" =
 * "Ward B" (by name). sports_nbhd has no sports sites: not evaluated;
 * park_20 per neighbourhood equals the wards'. */
static void test_neighbourhoods(void **state)
{
    (void)state;
    gr_config_t cfg;
    fx_targets_town_config(&cfg, DIR);
    cfg.n_nbhd_map = 2;
    snprintf(cfg.nbhd_map[0].name, GR_NAME_MAX, "North");
    snprintf(cfg.nbhd_map[0].wards, GR_LIST_MAX, "A");
    snprintf(cfg.nbhd_map[1].name, GR_NAME_MAX, "South");
    snprintf(cfg.nbhd_map[1].wards, GR_LIST_MAX, " Ward B ");
    fixture_t f = evaluate(&cfg);
    assert_int_equal(f.tg->n_nbhd, 2);
    const gr_target_result_t *r = result(f.tg, "park_20");
    assert_string_equal(f.tg->nbhd_name[1], "South");
    assert_int_equal(r->nbhd[0].verdict, GR_VERDICT_MET);
    assert_int_equal(r->nbhd[1].verdict, GR_VERDICT_MISSED);
    assert_float_equal(r->nbhd[1].shortfall_pop, 17.0, 0.0);
    release(&f);

    gr_run_t *run = NULL;
    gr_targets_t *tg = NULL;
    gr_error_t err = {0};
    snprintf(cfg.nbhd_map[1].wards, GR_LIST_MAX, "B, Ward Z");
    assert_int_equal(gr_run_compute(&cfg, NULL, NULL, &run, &err), 0);
    assert_int_equal(gr_targets_evaluate(run, &tg, &err), GR_ECONFIG);
    assert_null(tg);
    assert_non_null(strstr(err.msg, "neighbourhood 'South': no ward 'Ward Z'"));
    gr_run_free(run);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* Target keys are checked as they are read, and targets against the
 * categories when the run starts. */
static void test_target_config_errors(void **state)
{
    (void)state;
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    write_file(DIR "/level.ini", "[target.park_20]\ncategory = park\nlevel = 1.5\n");
    assert_int_equal(gr_config_load(&cfg, DIR "/level.ini", &err), GR_ECONFIG);
    assert_non_null(strstr(err.msg, "level.ini:3: 'level' must be a share from 0 to 1"));
    gr_config_defaults(&cfg);
    write_file(DIR "/scope.ini", "[target.x]\nscope = ward, street\n");
    assert_int_equal(gr_config_load(&cfg, DIR "/scope.ini", &err), GR_ECONFIG);
    assert_non_null(strstr(err.msg, "scope.ini:2:"));
    gr_config_defaults(&cfg);
    write_file(DIR "/cat.ini", "[target.t]\ncategory = lido\nthreshold = 20min\n");
    assert_int_equal(gr_config_load(&cfg, DIR "/cat.ini", &err), 0);
    assert_int_equal(cfg.n_targets, 1);   /* the file's targets replace the defaults */
    assert_int_equal(gr_config_resolve(&cfg, &err), GR_ECONFIG);
    assert_string_equal(err.msg, "target t: no category 'lido'");
    gr_config_defaults(&cfg);
    write_file(DIR "/thr.ini", "[target.t]\ncategory = park\nthreshold = 25min\n");
    assert_int_equal(gr_config_load(&cfg, DIR "/thr.ini", &err), 0);
    assert_int_equal(gr_config_resolve(&cfg, &err), GR_ECONFIG);
    assert_string_equal(err.msg, "target t: category 'park' has no threshold '25min'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_park_20),
        cmocka_unit_test(test_park_15_lowcar),
        cmocka_unit_test(test_meadow_orchard),
        cmocka_unit_test(test_play_distances),
        cmocka_unit_test(test_neighbourhoods),
        cmocka_unit_test(test_target_config_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
