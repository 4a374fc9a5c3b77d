/* test_zones.c - zones filled row by row (which ward holds each cell of a
 * grid row) and the band's area per zone gathered while tracing it, on
 * shapes whose answers are known by construction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "fixtures.h"
#include "greenreach/contour.h"
#include "greenreach/zones.h"

#define PI 3.14159265358979323846

static GEOSGeometry *ring(GEOSContextHandle_t gh, double x0, double y0, double x1, double y1)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(gh, 5, 2);
    const double xy[] = { x0, y0, x1, y0, x1, y1, x0, y1, x0, y0 };
    for (unsigned i = 0; i < 5; i++)
        GEOSCoordSeq_setXY_r(gh, cs, i, xy[2 * i], xy[2 * i + 1]);
    return GEOSGeom_createLinearRing_r(gh, cs);
}

static GEOSGeometry *box(GEOSContextHandle_t gh, double x0, double y0, double x1, double y1)
{
    return GEOSGeom_createPolygon_r(gh, ring(gh, x0, y0, x1, y1), NULL, 0);
}

/* Zone 0: a 100 x 100 box at the origin with a 20 x 20 hole at (40..60);
 * zone 1: the box east of it, x 100..150. Cells of 10 m from x0 = 0 have
 * centres 5, 15, ...: on row y = 50 (through the hole) zone 0 holds cells
 * 0..3 (centres 5..35) and 6..9 (centres 65..95); the hole's centres 45, 55
 * are in no zone; zone 1 holds cells 10..14 (centres 105..145). On row
 * y = 5 zone 0 holds 0..9 in one span. Cell 20 (centre 205) is in none. */
static void test_row_spans(void **state)
{
    (void)state;
    GEOSContextHandle_t gh = GEOS_init_r();
    GEOSGeometry *hole = ring(gh, 40, 40, 60, 60);
    GEOSGeometry *g[2] = { GEOSGeom_createPolygon_r(gh, ring(gh, 0, 0, 100, 100), &hole, 1),
                           box(gh, 100, 0, 150, 100) };
    gr_zones_t *z = NULL;
    gr_error_t err = { 0 };
    assert_int_equal(gr_zones_build(gh, (const GEOSGeometry *const *)g, 2, &z, &err), 0);
    assert_int_equal(gr_zones_count(z), 2);
    gr_zone_spans_t s = { 0 };
    assert_int_equal(gr_zones_row(z, 50, 0, 10, 0, 30, &s), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.a[0].lo, 0);
    assert_int_equal(s.a[0].hi, 3);
    assert_int_equal(s.a[1].lo, 6);
    assert_int_equal(s.a[1].hi, 9);
    assert_int_equal(s.a[2].lo, 10);
    assert_int_equal(s.a[2].hi, 14);
    assert_int_equal(s.a[2].zone, 1);
    assert_int_equal(gr_zones_at(&s, 2), 0);
    assert_int_equal(gr_zones_at(&s, 4), GR_ZONE_NONE);
    assert_int_equal(gr_zones_at(&s, 12), 1);
    assert_int_equal(gr_zones_at(&s, 20), GR_ZONE_NONE);
    /* columns outside lo .. hi are not reported: 2 .. 12 clips both ends */
    assert_int_equal(gr_zones_row(z, 5, 0, 10, 2, 12, &s), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.a[0].lo, 2);
    assert_int_equal(s.a[0].hi, 9);
    assert_int_equal(s.a[1].hi, 12);
    /* a row above every zone has no span */
    assert_int_equal(gr_zones_row(z, 500, 0, 10, 0, 30, &s), 0);
    assert_int_equal(s.n, 0);
    free(s.a);
    gr_zones_free(z);
    for (int i = 0; i < 2; i++)
        GEOSGeom_destroy_r(gh, g[i]);
    GEOS_finish_r(gh);
}

/* The band (w = 50) around a closed 1000 m square loop, split by two wards
 * at x = 500: W holds x -100..500, E holds x 500..1100 (both spanning
 * y -100..1100). The band is 1000^2 + 4 * 1000 * 50 + pi 50^2 - 900^2 =
 * 397853.98; by symmetry each ward holds half, 198926.99.
 * Bounds: the traced outline loses about perimeter * c^2 / (12 w) on its
 * round corners (2 pi 50 m of arc: 2.6 m^2 at c = 5) and cuts at most half
 * a cell at each of the hole's 4 sharp corners (4 * 12.5 m^2), so the sum
 * is within 60 m^2 of the exact band. A cell counts to the ward holding
 * its centre, so each ward is further off by at most half a cell along
 * the 200 m of border inside the band: 200 * 2.5 = 500 m^2. A ward far
 * away holds exactly nothing. */
static void test_band_areas_by_zone(void **state)
{
    (void)state;
    GEOSContextHandle_t gh = GEOS_init_r();
    const gr_seg_t s[4] = { { 0, 0, 1000, 0 }, { 1000, 0, 1000, 1000 },
                            { 1000, 1000, 0, 1000 }, { 0, 1000, 0, 0 } };
    GEOSGeometry *g[3] = { box(gh, -100, -100, 500, 1100), box(gh, 500, -100, 1100, 1100),
                           box(gh, 5000, 5000, 6000, 6000) };
    gr_zones_t *z = NULL;
    gr_error_t err = { 0 };
    assert_int_equal(gr_zones_build(gh, (const GEOSGeometry *const *)g, 3, &z, &err), 0);
    double a[3] = { -1, -1, -1 }, area = 0;
    GEOSGeometry *out = NULL;
    assert_int_equal(gr_contour_band_zones(gh, s, 4, 50, 5, z, a, &out, &err), 0);
    assert_int_equal(GEOSArea_r(gh, out, &area), 1);
    double band = 1000.0 * 1000 + 4 * 1000 * 50 + PI * 50 * 50 - 900.0 * 900;
    assert_near(area, band, 60);
    assert_near(a[0] + a[1], area, 1.0); /* every cell of the band is in W or E */
    assert_near(a[0], band / 2, 500 + 60);
    assert_near(a[1], band / 2, 500 + 60);
    assert_near(a[2], 0.0, 0.0);
    GEOSGeom_destroy_r(gh, out);
    gr_zones_free(z);
    for (int i = 0; i < 3; i++)
        GEOSGeom_destroy_r(gh, g[i]);
    GEOS_finish_r(gh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_spans),
        cmocka_unit_test(test_band_areas_by_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
