/* test_catchment.c - catchment polygons on hand-made graphs whose areas
 * are known by construction: whole edges, edges cut at the exact point
 * (from an end node and around a source part-way along), a loop whose
 * inside stays a hole, a separate island, per-ward areas, validity.
 *
 * Buffers have round caps and joins with 8 segments per quarter circle, so
 * a full turn is a 32-gon inscribed in the circle of radius w:
 *   R32(w) = 16 w^2 sin(2 pi / 32); for w = 50: 40000 sin(11.25 deg)
 *          = 7803.612880645...
 * (two end caps, each a half turn, or the four convex corners of a loop,
 * each a quarter turn, make up one full turn). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "fixtures.h"
#include "greenreach/catchment.h"
#include "greenreach/graph.h"
#include "greenreach/search.h"

#define W 50.0
#define R32 (16.0 * W * W * sin(2.0 * 3.14159265358979323846 / 32.0))

typedef struct {
    GEOSContextHandle_t gh;
    gr_graph_t *g;
} fx_t;

/* A 1000 m square loop (nodes 0..3 at (0,0) (1000,0) (1000,1000)
 * (0,1000), edges 0..3 around it) and, 5 km south, a lone 1000 m line
 * (nodes 4, 5 at (0,-5000) (1000,-5000), edge 4): two islands. */
static int setup(void **state)
{
    const uint32_t counts[] = { 5, 2 };
    const double xy[] = { 0, 0, 1000, 0, 1000, 1000, 0, 1000, 0, 0,
                          0, -5000, 1000, -5000 };
    gr_lines_t l = fx_lines(2, counts, xy);
    gr_error_t err = {0};
    fx_t *fx = calloc(1, sizeof *fx);
    int rc = gr_graph_build(&l, 0.0, &fx->g, &err);
    fx_lines_free(&l);
    if (rc || fx->g->n_nodes != 6 || fx->g->n_edges != 5 || fx->g->edge_u[4] != 4 ||
        fx->g->x[5] != 1000.0 || fx->g->y[5] != -5000.0) {
        gr_graph_free(fx->g);
        free(fx);
        return -1;
    }
    fx->gh = GEOS_init_r();
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    gr_graph_free(fx->g);
    GEOS_finish_r(fx->gh);
    free(fx);
    return 0;
}

static GEOSGeometry *catchment_by(fx_t *fx, const gr_source_t *src, uint32_t n, double thr,
                                  gr_catchment_method_t method)
{
    gr_field_t *f = NULL;
    gr_error_t err = {0};
    GEOSGeometry *poly = NULL;
    if (gr_search_multi_source(fx->g, src, n, (float)thr, &f, &err))
        fail_msg("search: %s", err.msg);
    gr_catchment_opts_t opt = { W, method, 5.0 };
    if (gr_catchment_build(fx->gh, f, thr, &opt, &poly, &err))
        fail_msg("catchment: %s", err.msg);
    gr_field_free(f);
    assert_int_equal(GEOSisValid_r(fx->gh, poly), 1);
    assert_int_equal(GEOSGeomTypeId_r(fx->gh, poly), GEOS_MULTIPOLYGON);
    return poly;
}

static GEOSGeometry *catchment(fx_t *fx, const gr_source_t *src, uint32_t n, double thr)
{
    return catchment_by(fx, src, n, thr, GR_CATCHMENT_BUFFER);
}

static double area(fx_t *fx, const GEOSGeometry *g)
{
    double a = fx_geos_area(fx->gh, g);
    assert_true(a >= 0);
    return a;
}

static int holes(fx_t *fx, const GEOSGeometry *g)
{
    return fx_geos_holes(fx->gh, g);
}

/* The whole loop (from its corner (0,0) the farthest point is 2000 m
 * away) and 300 m of the lone line: its source sits at x=0 behind a
 * 2000 m gate walk, so 2300 - 2000 = 300 m are left, cut at x=300.
 *   loop: outer square 1100 x 1100 with rounded corners minus the
 *         unreached 900 x 900 block inside (a hole with sharp corners):
 *         1000^2 + 4*1000*50 + R32 - 900^2 = 397803.6129
 *   line piece: 300 x 100 + R32 = 37803.6129
 * Two islands, one hole, 435607.2258 m^2 in all. */
static void test_loop_hole_and_partial_island(void **state)
{
    fx_t *fx = *state;
    const gr_source_t src[] = { { 0, 0.0f, 0.0f, 0 }, { 4, 0.0f, 2000.0f, 1 } };
    GEOSGeometry *poly = catchment(fx, src, 2, 2300.0);
    assert_int_equal(GEOSGetNumGeometries_r(fx->gh, poly), 2);
    assert_int_equal(holes(fx, poly), 1);
    assert_near(area(fx, poly), 1000.0 * 1000 + 4 * 1000 * W + R32 - 900.0 * 900 + 300 * 2 * W + R32,
                0.01);
    /* the line's piece ends at the exact cut: x = 300 + 50 at most */
    double xmax = 0;
    GEOSGeom_getXMax_r(fx->gh, GEOSGetGeometryN_r(fx->gh, poly, 1), &xmax);
    if (xmax > 1000)
        GEOSGeom_getXMax_r(fx->gh, GEOSGetGeometryN_r(fx->gh, poly, 0), &xmax);
    assert_near(xmax, 350.0, 1e-6);
    GEOSGeom_destroy_r(fx->gh, poly);
}

/* The same catchment traced on the default 5 m grid: true circles, so
 *   loop: 1000^2 + 4*1000*50 + pi 50^2 - 900^2 = 397853.9816
 *   line piece: 300 x 100 + pi 50^2 = 37853.9816
 * 435707.9633 m^2 in all. The outline loses about (arc length) c^2 /
 * (12 w) on its two full turns of arc (4 pi 50 * 25 / 600 = 26 m^2) and at
 * most half a cell at each of the hole's 4 sharp corners (50 m^2): within
 * 80 m^2. The cap's tip at x = 350 is met only where a grid row passes
 * through y = -5000 +/- 2.5 at worst: x >= 300 + sqrt(50^2 - 2.5^2) =
 * 349.94. Valid without any repair. */
static void test_grid_loop_hole_and_partial_island(void **state)
{
    fx_t *fx = *state;
    const gr_source_t src[] = { { 0, 0.0f, 0.0f, 0 }, { 4, 0.0f, 2000.0f, 1 } };
    GEOSGeometry *poly = catchment_by(fx, src, 2, 2300.0, GR_CATCHMENT_GRID);
    assert_int_equal(GEOSGetNumGeometries_r(fx->gh, poly), 2);
    assert_int_equal(holes(fx, poly), 1);
    double pi = 3.14159265358979323846;
    assert_near(area(fx, poly), 1000.0 * 1000 + 4 * 1000 * W - 900.0 * 900 + 300 * 2 * W +
                                    2 * pi * W * W, 80);
    double xmax = 0;
    GEOSGeom_getXMax_r(fx->gh, GEOSGetGeometryN_r(fx->gh, poly, 1), &xmax);
    if (xmax > 1000)
        GEOSGeom_getXMax_r(fx->gh, GEOSGetGeometryN_r(fx->gh, poly, 0), &xmax);
    assert_true(xmax >= 349.93 && xmax <= 350.0);
    GEOSGeom_destroy_r(fx->gh, poly);
}

/* A source part-way along the lone line (x=500) reaches 200 m each way:
 * the edge is cut at x=300 and x=700, so 400 x 100 + R32 = 47803.6129;
 * the loop has no source and stays out. */
static void test_source_mid_edge(void **state)
{
    fx_t *fx = *state;
    const gr_source_t src[] = { { 4, 500.0f, 0.0f, 0 } };
    GEOSGeometry *poly = catchment(fx, src, 1, 200.0);
    assert_int_equal(GEOSGetNumGeometries_r(fx->gh, poly), 1);
    assert_int_equal(holes(fx, poly), 0);
    assert_near(area(fx, poly), 400 * 2 * W + R32, 0.01);
    GEOSGeom_destroy_r(fx->gh, poly);
}

/* From the corner (0,0) within 1500 m: edges 0 and 3 whole (1000 m each
 * way), then 500 m up edge 1 from (1000,0) to (1000,500) and 500 m along
 * edge 2 from (0,1000) to (500,1000); the far corner (1000,1000) is not
 * reached, so the loop stays open and there is no hole. The reached path
 * (500,1000) (0,1000) (0,0) (1000,0) (1000,500) is 3000 m long with three
 * convex right-angle corners: legs as flush 100 m wide rectangles give
 * 3000 * 100; each corner adds its round join (a quarter turn, R32 / 4) on
 * the outside and counts a 50 x 50 square twice on the inside; the two end
 * caps (half turns) make one full turn:
 *   300000 + 3 (R32 / 4 - 2500) + R32 = 292500 + 7 R32 / 4 = 306156.3225
 * (the closed loop checks the rule: 400000 + 4 (R32 / 4 - 2500) =
 * 390000 + R32, as in the first test). */
static void test_open_loop_no_hole(void **state)
{
    fx_t *fx = *state;
    const gr_source_t src[] = { { 0, 0.0f, 0.0f, 0 } };
    GEOSGeometry *poly = catchment(fx, src, 1, 1500.0);
    assert_int_equal(GEOSGetNumGeometries_r(fx->gh, poly), 1);
    assert_int_equal(holes(fx, poly), 0);
    assert_near(area(fx, poly), 3000 * 2 * W + 3 * (R32 / 4 - W * W) + R32, 0.01);
    GEOSGeom_destroy_r(fx->gh, poly);
}

/* Nothing reached: an empty MultiPolygon, area 0. */
static void test_nothing_reached(void **state)
{
    fx_t *fx = *state;
    gr_field_t *f = NULL;
    gr_error_t err = {0};
    GEOSGeometry *poly = NULL;
    assert_int_equal(gr_search_multi_source(fx->g, NULL, 0, 1000.0f, &f, &err), 0);
    gr_catchment_opts_t opt = { W, GR_CATCHMENT_BUFFER, 5.0 };
    assert_int_equal(gr_catchment_build(fx->gh, f, 1000.0, &opt, &poly, &err), 0);
    assert_int_equal(GEOSisEmpty_r(fx->gh, poly), 1);
    assert_int_equal(GEOSGeomTypeId_r(fx->gh, poly), GEOS_MULTIPOLYGON);
    GEOSGeom_destroy_r(fx->gh, poly);
    opt.buffer_m = 0.0;
    assert_int_not_equal(gr_catchment_build(fx->gh, f, 1000.0, &opt, &poly, &err), 0);
    gr_field_free(f);
}

static GEOSGeometry *box(GEOSContextHandle_t gh, double x0, double y0, double x1, double y1)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(gh, 5, 2);
    const double xy[] = { x0, y0, x1, y0, x1, y1, x0, y1, x0, y0 };
    for (unsigned i = 0; i < 5; i++)
        GEOSCoordSeq_setXY_r(gh, cs, i, xy[2 * i], xy[2 * i + 1]);
    return GEOSGeom_createPolygon_r(gh, GEOSGeom_createLinearRing_r(gh, cs), NULL, 0);
}

/* Per-ward areas of the first test's catchment. Ward W covers x <= 500 of
 * the loop (x -100..500, y -100..1100): by symmetry about x = 500 half the
 * loop's ring, 397803.6129 / 2 = 198901.8065. Ward E (x 500..2000, the
 * same rows) holds the other half. Ward S (x -100..200 around the lone
 * line) holds its piece up to x = 200: the left cap R32 / 2 plus
 * 200 x 100 = 23901.8064. Ward N (far away) holds nothing. */
static void test_ward_areas(void **state)
{
    fx_t *fx = *state;
    const gr_source_t src[] = { { 0, 0.0f, 0.0f, 0 }, { 4, 0.0f, 2000.0f, 1 } };
    GEOSGeometry *poly = catchment(fx, src, 2, 2300.0);
    GEOSGeometry *geom[4] = { box(fx->gh, -100, -100, 500, 1100), box(fx->gh, 500, -100, 2000, 1100),
                              box(fx->gh, -100, -5100, 200, -4900),
                              box(fx->gh, 0, 9000, 100, 9100) };
    char *code[4] = { "W", "E", "S", "N" };
    gr_wards_t wards = { 4, geom, code, code, code };
    double a[4];
    gr_error_t err = {0};
    assert_int_equal(gr_catchment_ward_areas(fx->gh, poly, &wards, a, &err), 0);
    double ring = 1000.0 * 1000 + 4 * 1000 * W + R32 - 900.0 * 900;
    assert_near(a[0], ring / 2, 0.01);
    assert_near(a[1], ring / 2, 0.01);
    assert_near(a[2], R32 / 2 + 200 * 2 * W, 0.01);
    assert_near(a[3], 0.0, 0.0);
    for (int i = 0; i < 4; i++)
        GEOSGeom_destroy_r(fx->gh, geom[i]);
    GEOSGeom_destroy_r(fx->gh, poly);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loop_hole_and_partial_island),
        cmocka_unit_test(test_grid_loop_hole_and_partial_island),
        cmocka_unit_test(test_source_mid_edge),
        cmocka_unit_test(test_open_loop_no_hole),
        cmocka_unit_test(test_nothing_reached),
        cmocka_unit_test(test_ward_areas),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
