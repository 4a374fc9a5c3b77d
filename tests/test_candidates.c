/* Candidates: read from a file (fields optional, points allowed, bad
 * geometry named) and proposed on a grid over the gaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <shapefil.h>
#include <stdio.h>
#include <string.h>

#include "fixtures.h"
#include "whatif_fixtures.h"
#include "greenreach/candidates.h"
#include "greenreach/suggest.h"

#define LINE GR_TEST_TMP "/line"

/* The line town's wards span x -200..6200, y -1500..1500; a 1000 m grid
 * puts cell centres at x = 300, 1300, .., 5300 (6) and y = -1000, 0, 1000
 * (3): 18 points, none inside park P1. The 6 on the footway (y = 0) are
 * entered there; the 12 others are 1000 m from it, beyond the snap cap. */
static void test_grid(void **state)
{
    (void)state;
    wf_write_line_town(LINE);
    gr_run_t *run = wf_run_dir(LINE, false);
    gr_candidates_t *c = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_candidates_grid(run, 1000.0, &c, &err), 0);
    assert_int_equal(c->n, 18);
    uint32_t n_none = 0;
    for (uint32_t i = 0; i < c->n; i++)
        n_none += c->ent->site_kind[i] == GR_ENTRY_NONE;
    assert_int_equal(n_none, 12);
    assert_string_equal(c->ds->sites.site_id[0], "grid_400300_299000");
    assert_string_equal(c->ds->sites.function[0], "");
    /* a grid point proposes a place, not a size: area 0 (size tiers and
     * suggest-sites read every candidate's area) */
    assert_non_null(c->ds->sites.area_m2);
    assert_float_equal(c->ds->sites.area_m2[17], 0.0, 0.0);
    gr_candidates_free(c, run->gh);
    assert_int_equal(gr_candidates_grid(run, 0.0, &c, &err), GR_ECONFIG);
    gr_run_free(run);
}

/* A file with neither id nor function field: ids "#<fid>", function "";
 * a line where a site should be is an error naming file and feature. */
static void test_file_fields_and_errors(void **state)
{
    (void)state;
    wf_write_line_town(LINE);
    gr_run_t *run = wf_run_dir(LINE, false);
    static const char *const f[] = { "note" }, *const v[] = { "x" };
    double pt[2] = { 2500, 0 }, line[4] = { 0, 0, 100, 100 };
    wf_shift(pt, 1);
    wf_shift(line, 2);
    fx_shp_t *s = fx_shp_create(LINE "/bare", SHPT_POINT, GR_WKT_BNG, 1, f, "C");
    fx_shp_add(s, 1, pt, v);
    fx_shp_add(s, 1, pt, v);
    fx_shp_close(s);
    gr_candidates_t *c = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_candidates_load(run, LINE "/bare.shp", NULL, NULL, &c, &err), 0);
    assert_int_equal(c->n, 2);
    assert_string_equal(c->ds->sites.site_id[1], "#1");
    assert_string_equal(c->ds->sites.function[0], "");
    /* a point candidate from a file has no size either: area 0 (the last
     * of the two; index 17 read past the array, found by ASan) */
    assert_non_null(c->ds->sites.area_m2);
    assert_float_equal(c->ds->sites.area_m2[1], 0.0, 0.0);
    gr_candidates_free(c, run->gh);
    s = fx_shp_create(LINE "/lines", SHPT_ARC, GR_WKT_BNG, 1, f, "C");
    fx_shp_add(s, 2, line, v);
    fx_shp_close(s);
    assert_int_equal(gr_candidates_load(run, LINE "/lines.shp", NULL, NULL, &c, &err), GR_EINPUT);
    assert_null(c);
    assert_non_null(strstr(err.msg, "lines.shp"));
    assert_non_null(strstr(err.msg, "feature 0"));
    gr_run_free(run);
}

/* Grid points as suggestions on the line town: the six on the footway
 * (indices 6..11, x = 300 .. 5300) are points of no area. x = 3300 covers
 * A (800 m) and B (1200 m): 160; then x = 4300 (C at 1500 m) and x = 5300
 * (C at 500 m) each add 30, the lower index first. */
static void test_grid_suggestions(void **state)
{
    (void)state;
    wf_write_line_town(LINE);
    gr_run_t *run = wf_run_dir(LINE, false);
    gr_whatif_t *w = wf_new_whatif(run);
    gr_candidates_t *c = NULL;
    gr_suggestion_t *s = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_candidates_grid(run, 1000.0, &c, &err), 0);
    assert_float_equal(c->ds->sites.area_m2[9], 0.0, 0.0);
    assert_int_equal(gr_suggest_sites(w, c, "park_20", 1.0, &s, &err), 0);
    assert_int_equal(s->n_picks, 2);
    assert_string_equal(c->ds->sites.site_id[s->cand[0]], "grid_403300_300000");
    assert_string_equal(c->ds->sites.site_id[s->cand[1]], "grid_404300_300000");
    assert_float_equal(s->gain_pop[0], 160.0, 0.0);
    assert_float_equal(s->gain_pop[1], 30.0, 0.0);
    assert_int_equal(s->n_unreached, 12);
    gr_suggestion_free(s);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

int main(void)
{
    GDALAllRegister();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid),
        cmocka_unit_test(test_grid_suggestions),
        cmocka_unit_test(test_file_fields_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
