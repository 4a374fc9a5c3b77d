/* test_rings.c - polygons from boundary links: a square, a hole, an
 * island in the hole, a hole given to the smallest shell around it (not
 * the smallest envelope), thinning of straight runs (also across the
 * ring's seam), rings thinned away, and the broken tables a tracer could
 * hand over (an open chain, a point starting two links). All areas are
 * exact: the rings are axis-aligned with integer corners. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "fixtures.h"
#include "greenreach/rings.h"

#define THIN 1e-3 /* as the contour tracer uses */

static int setup(void **state)
{
    GEOSContextHandle_t gh = GEOS_init_r();
    *state = gh;
    return gh ? 0 : -1;
}

static int teardown(void **state)
{
    GEOS_finish_r(*state);
    return 0;
}

/* Adds the closed ring of n points xy with ids first .. first + n - 1,
 * each linked to the next, the last to the first. */
static void add_ring(gr_links_t *l, uint64_t first, const double *xy, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(gr_links_add(l, first + i, first + (i + 1) % n, xy[2 * i], xy[2 * i + 1]),
                         0);
}

/* The MultiPolygon of the table, checked valid; the table is freed. */
static GEOSGeometry *polygons(GEOSContextHandle_t gh, gr_links_t *l)
{
    GEOSGeometry *g = NULL;
    gr_error_t err = {0};
    if (gr_links_polygons(gh, l, THIN, &g, &err))
        fail_msg("gr_links_polygons: %s", err.msg);
    gr_links_free(l);
    assert_non_null(g);
    assert_int_equal(GEOSGeomTypeId_r(gh, g), GEOS_MULTIPOLYGON);
    assert_int_equal(GEOSisValid_r(gh, g), 1);
    return g;
}

static double area(GEOSContextHandle_t gh, const GEOSGeometry *g)
{
    double a = fx_geos_area(gh, g);
    assert_true(a >= 0);
    return a;
}

static int n_coords(GEOSContextHandle_t gh, const GEOSGeometry *ring)
{
    unsigned n = 0;
    assert_int_equal(GEOSCoordSeq_getSize_r(gh, GEOSGeom_getCoordSeq_r(gh, ring), &n), 1);
    return (int)n;
}

/* Counter-clockwise outer square 0..10 (ids 1..4), clockwise hole 2..8
 * (ids 11..14), counter-clockwise island 4..6 in the hole (ids 21..24). */
static const double outer[] = { 0, 0, 10, 0, 10, 10, 0, 10 };
static const double hole[] = { 2, 2, 2, 8, 8, 8, 8, 2 };
static const double island[] = { 4, 4, 6, 4, 6, 6, 4, 6 };

/* The square alone: one polygon of 10 x 10 = 100 m^2, no hole, its ring
 * closed in 5 coordinates. */
static void test_square(void **state)
{
    GEOSContextHandle_t gh = *state;
    gr_links_t *l = gr_links_new();
    assert_non_null(l);
    add_ring(l, 1, outer, 4);
    assert_int_equal(gr_links_count(l), 4);
    GEOSGeometry *g = polygons(gh, l);
    assert_int_equal(GEOSGetNumGeometries_r(gh, g), 1);
    const GEOSGeometry *p = GEOSGetGeometryN_r(gh, g, 0);
    assert_int_equal(GEOSGetNumInteriorRings_r(gh, p), 0);
    assert_int_equal(n_coords(gh, GEOSGetExteriorRing_r(gh, p)), 5);
    assert_near(area(gh, g), 100.0, 0.0);
    GEOSGeom_destroy_r(gh, g);
}

/* A clockwise ring inside is a hole: 100 - 6 x 6 = 64 m^2, one polygon.
 * An island inside the hole is a second polygon: 64 + 2 x 2 = 68 m^2. The
 * links are added hole first, so order does not decide the roles. */
static void test_hole_and_island(void **state)
{
    GEOSContextHandle_t gh = *state;
    gr_links_t *l = gr_links_new();
    add_ring(l, 11, hole, 4);
    add_ring(l, 1, outer, 4);
    GEOSGeometry *g = polygons(gh, l);
    assert_int_equal(GEOSGetNumGeometries_r(gh, g), 1);
    assert_int_equal(GEOSGetNumInteriorRings_r(gh, GEOSGetGeometryN_r(gh, g, 0)), 1);
    assert_near(area(gh, g), 64.0, 0.0);
    GEOSGeom_destroy_r(gh, g);

    l = gr_links_new();
    add_ring(l, 21, island, 4);
    add_ring(l, 11, hole, 4);
    add_ring(l, 1, outer, 4);
    g = polygons(gh, l);
    assert_int_equal(GEOSGetNumGeometries_r(gh, g), 2);
    int n_holes = 0;
    for (int i = 0; i < 2; i++)
        n_holes += GEOSGetNumInteriorRings_r(gh, GEOSGetGeometryN_r(gh, g, i));
    assert_int_equal(n_holes, 1);
    assert_near(area(gh, g), 100.0 - 36.0 + 4.0, 0.0);
    GEOSGeom_destroy_r(gh, g);
}

/* Nesting: shell S1 0..100 with hole H1 10..90; inside H1 the shell S2
 * 20..80 with hole H2 40..60. H2 lies in both shells' envelopes (and
 * inside both outlines' crossing tests); it belongs to S2, the smaller:
 *   S1 polygon = 100^2 - 80^2 = 3600, S2 polygon = 60^2 - 20^2 = 3200.
 * Given to S1 instead, S1 would carry two nested holes: invalid. */
static void test_hole_to_smallest_shell(void **state)
{
    GEOSContextHandle_t gh = *state;
    const double s1[] = { 0, 0, 100, 0, 100, 100, 0, 100 };
    const double h1[] = { 10, 10, 10, 90, 90, 90, 90, 10 };
    const double s2[] = { 20, 20, 80, 20, 80, 80, 20, 80 };
    const double h2[] = { 40, 40, 40, 60, 60, 60, 60, 40 };
    gr_links_t *l = gr_links_new();
    add_ring(l, 100, h2, 4);
    add_ring(l, 200, s1, 4);
    add_ring(l, 300, h1, 4);
    add_ring(l, 400, s2, 4);
    GEOSGeometry *g = polygons(gh, l);
    assert_int_equal(GEOSGetNumGeometries_r(gh, g), 2);
    for (int i = 0; i < 2; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(gh, g, i);
        assert_int_equal(GEOSGetNumInteriorRings_r(gh, p), 1);
        double a = area(gh, p);
        if (a != 3600.0)
            assert_near(a, 3200.0, 0.0);
    }
    assert_near(area(gh, g), 3600.0 + 3200.0, 0.0);
    GEOSGeom_destroy_r(gh, g);
}

/* The smallest shell whose outline holds the hole, not the smallest
 * envelope: S1 10..90 (6400 m^2) with hole H 45..55, and around it a
 * thin C-shaped shell S2, open on the right, whose envelope 0..100 holds
 * H but whose outline does not:
 *   S2 = bottom 100 x 2 + top 100 x 2 + left side 2 x 96 = 592 m^2.
 * H goes to S1: polygons 6400 - 100 = 6300 (one hole) and 592 (none). */
static void test_hole_not_in_smaller_envelope_shell(void **state)
{
    GEOSContextHandle_t gh = *state;
    const double s1[] = { 10, 10, 90, 10, 90, 90, 10, 90 };
    const double h[] = { 45, 45, 45, 55, 55, 55, 55, 45 };
    const double c[] = { 0, 0, 100, 0, 100, 2, 2, 2, 2, 98, 100, 98, 100, 100, 0, 100 };
    gr_links_t *l = gr_links_new();
    add_ring(l, 1, c, 8);
    add_ring(l, 20, h, 4);
    add_ring(l, 30, s1, 4);
    GEOSGeometry *g = polygons(gh, l);
    assert_int_equal(GEOSGetNumGeometries_r(gh, g), 2);
    for (int i = 0; i < 2; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(gh, g, i);
        int n = GEOSGetNumInteriorRings_r(gh, p);
        assert_near(area(gh, p), n ? 6300.0 : 592.0, 0.0);
    }
    assert_near(area(gh, g), 6300.0 + 592.0, 0.0);
    GEOSGeom_destroy_r(gh, g);
}

/* Thinning: the square 0..10 with a midpoint on every side, traced from
 * the midpoint (5, 0) so that the first point sits on the closing run:
 * the four corners remain (5 coordinates closed), area still 100. The
 * midpoints are exactly on the lines (distance 0 <= 1 mm). */
static void test_thin_midpoints(void **state)
{
    GEOSContextHandle_t gh = *state;
    const double xy[] = { 5, 0, 10, 0, 10, 5, 10, 10, 5, 10, 0, 10, 0, 5, 0, 0 };
    gr_links_t *l = gr_links_new();
    add_ring(l, 1, xy, 8);
    GEOSGeometry *g = polygons(gh, l);
    const GEOSGeometry *ring = GEOSGetExteriorRing_r(gh, GEOSGetGeometryN_r(gh, g, 0));
    assert_int_equal(n_coords(gh, ring), 5);
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(gh, ring);
    int seen = 0; /* bit k: corner k of (0,0) (10,0) (10,10) (0,10) */
    for (unsigned i = 0; i < 4; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(gh, cs, i, &x, &y);
        assert_true((x == 0 || x == 10) && (y == 0 || y == 10));
        seen |= 1 << (x == 0 ? (y == 0 ? 0 : 3) : (y == 0 ? 1 : 2));
    }
    assert_int_equal(seen, 15);
    assert_near(area(gh, g), 100.0, 0.0);
    GEOSGeom_destroy_r(gh, g);
}

/* The thinning tolerance: on the bottom side of the square a point
 * 0.5 mm off the line (< 1 mm) goes, one 2 mm off stays (6 coordinates:
 * 4 corners, (5, -0.002), closed). The kept point adds a triangle of
 * base 10 and height 0.002: area 100 + 10 * 0.002 / 2 = 100.01. */
static void test_thin_tolerance(void **state)
{
    GEOSContextHandle_t gh = *state;
    const double near_line[] = { 0, 0, 5, -0.0005, 10, 0, 10, 10, 0, 10 };
    gr_links_t *l = gr_links_new();
    add_ring(l, 1, near_line, 5);
    GEOSGeometry *g = polygons(gh, l);
    assert_int_equal(n_coords(gh, GEOSGetExteriorRing_r(gh, GEOSGetGeometryN_r(gh, g, 0))), 5);
    assert_near(area(gh, g), 100.0, 0.0);
    GEOSGeom_destroy_r(gh, g);

    const double off_line[] = { 0, 0, 5, -0.002, 10, 0, 10, 10, 0, 10 };
    l = gr_links_new();
    add_ring(l, 1, off_line, 5);
    g = polygons(gh, l);
    assert_int_equal(n_coords(gh, GEOSGetExteriorRing_r(gh, GEOSGetGeometryN_r(gh, g, 0))), 6);
    assert_near(area(gh, g), 100.01, 1e-9);
    GEOSGeom_destroy_r(gh, g);
}

/* A ring of three collinear points (0,0) (1,0) (2,0) thins to two points,
 * encloses nothing and is dropped: an empty MultiPolygon. So is a table
 * with no links at all. */
static void test_degenerate_ring_dropped(void **state)
{
    GEOSContextHandle_t gh = *state;
    const double xy[] = { 0, 0, 1, 0, 2, 0 };
    gr_links_t *l = gr_links_new();
    add_ring(l, 1, xy, 3);
    GEOSGeometry *g = polygons(gh, l);
    assert_int_equal(GEOSisEmpty_r(gh, g), 1);
    GEOSGeom_destroy_r(gh, g);

    g = polygons(gh, gr_links_new());
    assert_int_equal(GEOSisEmpty_r(gh, g), 1);
    GEOSGeom_destroy_r(gh, g);
}

/* Broken tables are GR_EGEOM with *out NULL: an open chain a -> b -> c
 * with no link from c; a point (id 1) starting two links. */
static void test_broken_tables(void **state)
{
    GEOSContextHandle_t gh = *state;
    GEOSGeometry *g = NULL;
    gr_error_t err = {0};
    gr_links_t *l = gr_links_new();
    assert_int_equal(gr_links_add(l, 1, 2, 0, 0), 0);
    assert_int_equal(gr_links_add(l, 2, 3, 1, 0), 0);
    assert_int_equal(gr_links_polygons(gh, l, THIN, &g, &err), GR_EGEOM);
    assert_int_equal(err.code, GR_EGEOM);
    assert_null(g);
    gr_links_free(l);

    memset(&err, 0, sizeof err);
    l = gr_links_new();
    add_ring(l, 1, outer, 4);
    assert_int_equal(gr_links_add(l, 1, 3, 0, 0), 0);
    assert_int_equal(gr_links_polygons(gh, l, THIN, &g, &err), GR_EGEOM);
    assert_int_equal(err.code, GR_EGEOM);
    assert_null(g);
    gr_links_free(l);
}

/* The one id never allowed is refused at once (-2); freeing NULL is a
 * no-op. */
static void test_reserved_id(void **state)
{
    (void)state;
    gr_links_t *l = gr_links_new();
    assert_int_equal(gr_links_add(l, UINT64_MAX, 1, 0, 0), -2);
    assert_int_equal(gr_links_count(l), 0);
    gr_links_free(l);
    gr_links_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_square),
        cmocka_unit_test(test_hole_and_island),
        cmocka_unit_test(test_hole_to_smallest_shell),
        cmocka_unit_test(test_hole_not_in_smaller_envelope_shell),
        cmocka_unit_test(test_thin_midpoints),
        cmocka_unit_test(test_thin_tolerance),
        cmocka_unit_test(test_degenerate_ring_dropped),
        cmocka_unit_test(test_broken_tables),
        cmocka_unit_test(test_reserved_id),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
