/* What-if engine: candidate sites (boxes and points, one by one and all
 * together) against a full rerun with the site written into the input
 * layers; --connect; target flips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <math.h>
#include <shapefil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "whatif_fixtures.h"

#define TMP GR_TEST_TMP
#define LINE TMP "/line"

/* ---- the property: incremental == rerun ---- */

#define N_BOXES 24
#define N_POINTS 16

/* Rows: wards A, B, C, neighbourhood North, then the area. */
static void test_rows(void **state)
{
    (void)state;
    wf_write_grid_town(TMP "/grid/base", NULL);
    gr_run_t *run = wf_run_dir(TMP "/grid/base", false);
    gr_whatif_t *w = wf_new_whatif(run);
    const char *code, *name;
    assert_int_equal(gr_whatif_n_rows(w), 5);
    assert_int_equal(gr_whatif_row(w, 3, &code, &name), GR_ROW_NBHD);
    assert_string_equal(name, "North");
    assert_int_equal(gr_whatif_row(w, 4, &code, &name), GR_ROW_AREA);
    /* the base tallies equal the run's own coverage (the rerun check with
     * no change) */
    wf_assert_matches_rerun(run, w, NULL, 0, run);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* Random boxes anywhere over the grid and 300 m around it: some cross
 * paths, some reach the nearest path, some (far out) reach none. Each as a
 * park: incremental == a rerun with the box added to the greenspaces. */
static void test_random_boxes_equal_rerun(void **state)
{
    (void)state;
    wf_shape_t boxes[N_BOXES];
    wf_rng_state = 7;
    for (int k = 0; k < N_BOXES; k++) {
        double cx = wf_uniform(-300, 2300), cy = wf_uniform(-300, 2300);
        double hw = wf_uniform(5, 90), hh = wf_uniform(5, 90);
        boxes[k] = (wf_shape_t){ cx - hw, cy - hh, cx + hw, cy + hh };
    }
    wf_write_grid_town(TMP "/grid/base", NULL);
    wf_write_candidates(TMP "/grid/boxes", boxes, N_BOXES, false);
    gr_run_t *run = wf_run_dir(TMP "/grid/base", false);
    gr_whatif_t *w = wf_new_whatif(run);
    gr_candidates_t *c = wf_load_candidates(run, TMP "/grid/boxes.shp");
    gr_site_result_t r = {0};
    gr_error_t err = {0};
    int n_gaining = 0, n_unreached = 0;
    for (int k = 0; k < N_BOXES; k++) {
        assert_int_equal(gr_whatif_site(w, c, (uint32_t)k, NULL, NULL, false, &r, &err), 0);
        wf_change_t ch = { .n_boxes = 1, .boxes = &boxes[k] };
        wf_write_grid_town(TMP "/grid/rerun", &ch);
        gr_run_t *rerun = wf_run_dir(TMP "/grid/rerun", false);
        wf_assert_matches_rerun(run, w, r.eff, r.n_eff, rerun);
        gr_run_free(rerun);
        n_gaining += r.n_eff == 1 && r.eff[0].n > 0;
        n_unreached += r.kind == GR_ENTRY_NONE;
        assert_true(r.kind != GR_ENTRY_NONE || r.eff[0].n == 0);
    }
    /* the stream gives both kinds (otherwise the test proves little) */
    assert_true(n_gaining >= N_BOXES / 2);
    assert_true(n_unreached >= 1);
    gr_site_result_free(&r);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* Point candidates: a point is entered where it snaps, as a surveyed
 * access point is; the rerun adds a park with that access point. */
static void test_random_points_equal_rerun(void **state)
{
    (void)state;
    wf_shape_t pts[N_POINTS];
    wf_rng_state = 99;
    for (int k = 0; k < N_POINTS; k++) {
        double x = wf_uniform(-200, 2200), y = wf_uniform(-200, 2200);
        pts[k] = (wf_shape_t){ x, y, x, y };
    }
    wf_write_grid_town(TMP "/grid/base", NULL);
    wf_write_candidates(TMP "/grid/points", pts, N_POINTS, true);
    gr_run_t *run = wf_run_dir(TMP "/grid/base", true);
    gr_whatif_t *w = wf_new_whatif(run);
    gr_candidates_t *c = wf_load_candidates(run, TMP "/grid/points.shp");
    gr_site_result_t r = {0};
    gr_error_t err = {0};
    for (int k = 0; k < N_POINTS; k++) {
        assert_int_equal(gr_whatif_site(w, c, (uint32_t)k, "park", NULL, false, &r, &err), 0);
        wf_change_t ch = { .access = &pts[k] };
        wf_write_grid_town(TMP "/grid/rerun", &ch);
        gr_run_t *rerun = wf_run_dir(TMP "/grid/rerun", true);
        wf_assert_matches_rerun(run, w, r.eff, r.n_eff, rerun);
        gr_run_free(rerun);
    }
    gr_site_result_free(&r);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* All boxes together (accumulated one by one) == one rerun with all. */
static void test_all_together_equal_rerun(void **state)
{
    (void)state;
    wf_shape_t boxes[6];
    wf_rng_state = 11;
    for (int k = 0; k < 6; k++) {
        double cx = wf_uniform(0, 2000), cy = wf_uniform(0, 2000);
        boxes[k] = (wf_shape_t){ cx - 40, cy - 40, cx + 40, cy + 40 };
    }
    wf_write_grid_town(TMP "/grid/base", NULL);
    wf_write_candidates(TMP "/grid/six", boxes, 6, false);
    gr_run_t *run = wf_run_dir(TMP "/grid/base", false);
    gr_whatif_t *w = wf_new_whatif(run);
    gr_candidates_t *c = wf_load_candidates(run, TMP "/grid/six.shp");
    gr_site_result_t r = {0};
    gr_error_t err = {0};
    for (uint32_t k = 0; k < 6; k++) {
        assert_int_equal(gr_whatif_site(w, c, k, NULL, NULL, false, &r, &err), 0);
        assert_int_equal(r.n_eff, 1);
        assert_int_equal(gr_whatif_accumulate(w, &r.eff[0], &err), 0);
    }
    gr_effect_t all = {0};
    assert_int_equal(gr_whatif_combined(w, r.eff[0].cat, &all, &err), 0);
    wf_change_t ch = { .n_boxes = 6, .boxes = boxes };
    wf_write_grid_town(TMP "/grid/rerun", &ch);
    gr_run_t *rerun = wf_run_dir(TMP "/grid/rerun", false);
    wf_assert_matches_rerun(run, w, &all, 1, rerun);
    assert_true(all.n > 0);
    gr_run_free(rerun);
    gr_effect_free(&all);
    gr_site_result_free(&r);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* New paths: a diagonal across a random block (from one corner node to
 * the opposite one through a jittered middle vertex), or a spur from the
 * grid's north-east node out to the residents beyond the snap cap. Each
 * alone: incremental == rerun with the line added to the paths. */
static void test_connect(void **state)
{
    (void)state;
    wf_write_line_town(LINE);
    static const char *const f[] = { "site_id", "function" }, *const v[] = { "D", "park" };
    double xy[10] = { 2500, 400, 2400, 500, 2500, 600, 2600, 500, 2500, 400 };
    wf_shift(xy, 5);
    fx_shp_t *s = fx_shp_create(LINE "/diamond", SHPT_POLYGON, GR_WKT_BNG, 2, f, "CC");
    fx_shp_add(s, 5, xy, v);
    fx_shp_close(s);
    gr_run_t *run = wf_run_dir(LINE, false);
    gr_whatif_t *w = wf_new_whatif(run);
    gr_candidates_t *c = wf_load_candidates(run, LINE "/diamond.shp");
    gr_site_result_t r = {0};
    gr_error_t err = {0};
    assert_int_equal(gr_whatif_site(w, c, 0, NULL, NULL, false, &r, &err), 0);
    assert_int_equal(r.kind, GR_ENTRY_NONE);
    assert_int_equal(r.eff[0].n, 0);
    assert_int_equal(gr_whatif_site(w, c, 0, NULL, NULL, true, &r, &err), 0);
    assert_int_equal(r.kind, GR_ENTRY_NEAREST_PATH);
    assert_float_equal(r.link_m, 400.0, 1e-3);
    assert_int_equal(r.n_eff, 1);
    assert_int_equal(r.eff[0].n, 1);
    assert_int_equal(r.eff[0].res[0], 1);
    assert_float_equal(r.eff[0].dist_m[0], 400.0, 1e-3);
    uint32_t area = gr_whatif_n_rows(w) - 1;
    assert_float_equal(r.eff[0].gain[area * 2 + 0], 100.0, 0.0);
    assert_float_equal(r.eff[0].gain[area * 2 + 1], 100.0, 0.0);
    gr_site_result_free(&r);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* c0 and c2 together bring everyone within 20 min (100%) and C, the one
 * low-car resident, within 15 min (800 m). park_20 flips missed -> met in
 * ward W and area-wide; park_15_lowcar too (0% -> 100%): 4 flips. c0
 * alone (85%) flips nothing. */
static void test_flips(void **state)
{
    (void)state;
    wf_write_line_town(LINE);
    gr_run_t *run = wf_run_dir(LINE, false);
    gr_whatif_t *w = wf_new_whatif(run);
    gr_candidates_t *c = wf_load_candidates(run, LINE "/cands.shp");
    gr_site_result_t r = {0};
    gr_error_t err = {0};
    gr_flip_t flips[8];
    assert_int_equal(gr_whatif_site(w, c, 0, NULL, NULL, false, &r, &err), 0);
    assert_int_equal(gr_whatif_flips(w, &r.eff[0], flips, 8), 0);
    assert_int_equal(gr_whatif_accumulate(w, &r.eff[0], &err), 0);
    assert_int_equal(gr_whatif_site(w, c, 2, NULL, NULL, false, &r, &err), 0);
    assert_int_equal(gr_whatif_accumulate(w, &r.eff[0], &err), 0);
    gr_effect_t all = {0};
    assert_int_equal(gr_whatif_combined(w, r.eff[0].cat, &all, &err), 0);
    assert_int_equal(gr_whatif_flips(w, &all, flips, 8), 4);
    for (int k = 0; k < 4; k++) {
        assert_false(flips[k].is_met_before);
        assert_true(flips[k].is_met_after);
        assert_float_equal(flips[k].share_after, 1.0, 1e-12);
    }
    assert_string_equal(flips[0].target->id, "park_20");
    assert_float_equal(flips[0].share_before, 0.05, 1e-12);
    assert_string_equal(flips[2].target->id, "park_15_lowcar");
    assert_float_equal(flips[2].share_before, 0.0, 0.0);
    gr_effect_free(&all);
    gr_site_result_free(&r);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}


/* Surveyed entrances: a box 300-400 m north of the footway (beyond the
 * snap cap: no path reaches it by itself) with a gate on the footway at
 * x = 4500, matched to it by site id. B (x = 4500, pop 60) is 0 m from it,
 * C (x = 5800, pop 30) 1300 m: within 15 min +60, within 20 min +90. */
static void test_surveyed_entrances(void **state)
{
    (void)state;
    wf_write_line_town(LINE);
    wf_write_candidates(LINE "/box", &(wf_shape_t){ 4400, 300, 4600, 400 }, 1, false);
    static const char *const f[] = { "site_id" }, *const v[] = { "c0" };
    double gate[2] = { 4500, 0 };
    wf_shift(gate, 1);
    fx_shp_t *s = fx_shp_create(LINE "/gates", SHPT_POINT, GR_WKT_BNG, 1, f, "C");
    fx_shp_add(s, 1, gate, v);
    fx_shp_close(s);
    gr_run_t *run = wf_run_dir(LINE, false);
    gr_whatif_t *w = wf_new_whatif(run);
    gr_candidates_t *c = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_candidates_load(run, LINE "/box.shp", NULL, LINE "/gates.shp", &c, &err), 0);
    gr_site_result_t r = {0};
    assert_int_equal(gr_whatif_site(w, c, 0, NULL, NULL, false, &r, &err), 0);
    assert_int_equal(r.kind, GR_ENTRY_ACCESS_POINT);
    assert_int_equal(r.n_entrances, 1);
    uint32_t area = gr_whatif_n_rows(w) - 1;
    assert_float_equal(r.eff[0].gain[area * 2 + 0], 60.0, 0.0);
    assert_float_equal(r.eff[0].gain[area * 2 + 1], 90.0, 0.0);
    gr_site_result_free(&r);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

int main(void)
{
    GDALAllRegister();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_random_boxes_equal_rerun),
        cmocka_unit_test(test_random_points_equal_rerun),
        cmocka_unit_test(test_all_together_equal_rerun),
        cmocka_unit_test(test_connect),
        cmocka_unit_test(test_flips),
        cmocka_unit_test(test_surveyed_entrances),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
