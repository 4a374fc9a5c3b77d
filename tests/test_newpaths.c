/* New path links: incremental repair against a full rerun with the line
 * written into the paths layer. */
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
#include "greenreach/newpaths.h"

#define TMP GR_TEST_TMP
#define LINE TMP "/line"

static void test_add_paths_equal_rerun(void **state)
{
    (void)state;
    wf_write_grid_town(TMP "/grid/base", NULL);
    gr_run_t *run = wf_run_dir(TMP "/grid/base", false);
    gr_error_t err = {0};
    wf_rng_state = 5;
    for (int trial = 0; trial < 10; trial++) {
        double xy[6];
        int n = 3;
        if (trial == 0) {
            wf_node_xy(GN, GN, &xy[0], &xy[1]);
            xy[2] = 2100, xy[3] = 2300, xy[4] = 1500, xy[5] = 2300;
        } else {
            int i, j;
            do {
                i = (int)(wf_rnd() * GN);
                j = (int)(wf_rnd() * GN);
            } while ((i == 0 && j == 0) || ((i == 3 || i == 4) && (j == 3 || j == 4)));
            bool flip = wf_rnd() < 0.5;
            wf_node_xy(i, flip ? j + 1 : j, &xy[0], &xy[1]);
            wf_node_xy(i + 1, flip ? j : j + 1, &xy[4], &xy[5]);
            xy[2] = (xy[0] + xy[4]) / 2 + wf_uniform(-40, 40);
            xy[3] = (xy[1] + xy[5]) / 2 + wf_uniform(-40, 40);
        }
        wf_change_t ch = { .n_extra_lines = 1, .line_xy = { xy }, .line_n = { n } };
        wf_write_grid_town(TMP "/grid/rerun", &ch);
        double lxy[6];
        memcpy(lxy, xy, sizeof lxy);
        wf_shift(lxy, 3);
        gr_lines_t lines = fx_lines(1, (const uint32_t[]){ 3 }, lxy);
        gr_whatif_t *w = wf_new_whatif(run);
        gr_paths_result_t r = {0};
        int rc = gr_whatif_add_paths(w, &lines, &r, &err);
        if (rc)
            print_error("%s\n", err.msg);
        assert_int_equal(rc, 0);
        assert_int_equal(r.n_segments, 2);
        gr_run_t *rerun = wf_run_dir(TMP "/grid/rerun", false);
        wf_assert_matches_rerun(run, w, r.eff, r.n_eff, rerun);
        if (trial == 0)     /* the five residents beyond the cap now reach a path */
            assert_int_equal(r.n_resnapped, 5);
        gr_run_free(rerun);
        gr_paths_result_free(&r);
        gr_whatif_free(w);
        fx_lines_free(&lines);
    }
    gr_run_free(run);
}



int main(void)
{
    GDALAllRegister();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_paths_equal_rerun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
