/* test_contour.c - the band of width w around segments, traced by marching
 * squares: areas and outlines of shapes known in closed form (a capsule, a
 * square loop with its hole, two bands apart or joined, a disc, a
 * diagonal saddle), the errors it reports, agreement with GEOS buffers on
 * a pseudo-random street network, convergence as cells shrink, and large
 * (British National Grid) coordinates.
 *
 * Error budget (contour.h), with cell c and band w:
 * - beside a segment the distance is linear across every cell side, so the
 *   interpolated crossing is exact: straight sides come out exact;
 * - around a round end the outline points lie inside the true circle by at
 *   most c^2 / (8 w) (the distance is convex along a cell side, its chord
 *   reaches w first), and between points about one cell apart the chords
 *   cut the arc. A polygon inscribed in a circle of radius w with sides s
 *   loses s^2 / (12 w) of area per metre of perimeter; sides here are at
 *   most c long (c / (|cos| + |sin|) between crossings of the grid lines),
 *   so an arc of length P loses at most
 *       LOSS(P) = P c^2 / (12 w)                        (chords)
 *   plus the inward offset of the points, which is zero across a radial
 *   side and peaks at c^2 / (8 w) only where a side grazes the circle; we
 *   bound it by the same amount again: an arc loses less than 2 LOSS(P),
 *   and never gains (every outline point is inside the true circle);
 * - at an inner corner, where two bands meet, the outline cuts the corner
 *   by at most half a cell: the triangle cut off has legs of at most one
 *   cell, area at most c^2 / 2, and it adds to the band (removes from a
 *   hole). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "greenreach/contour.h"

#define PI 3.14159265358979323846
#define W 50.0

/* an arc of length p_m traced with cells of c_m around a band of W loses
 * less than twice the chord loss (see the top of the file) */
#define ARC_LOSS(p_m, c_m) (2.0 * (p_m) * (c_m) * (c_m) / (12.0 * W))

/* a within [lo, hi] */
#define assert_between(a, lo, hi)                                                  \
    do {                                                                           \
        double a_ = (a), l_ = (lo), h_ = (hi);                                     \
        if (!(a_ >= l_ && a_ <= h_))                                               \
            fail_msg("%s = %.9g, expected in [%.9g, %.9g]", #a, a_, l_, h_);       \
    } while (0)

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

/* The band, checked to be a valid MultiPolygon. */
static GEOSGeometry *band(GEOSContextHandle_t gh, const gr_seg_t *s, size_t n, double w, double c)
{
    GEOSGeometry *g = NULL;
    gr_error_t err = {0};
    if (gr_contour_band(gh, s, n, w, c, &g, &err))
        fail_msg("gr_contour_band: %s", err.msg);
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

static int parts(GEOSContextHandle_t gh, const GEOSGeometry *g)
{
    return GEOSGetNumGeometries_r(gh, g);
}

static int holes(GEOSContextHandle_t gh, const GEOSGeometry *g)
{
    return fx_geos_holes(gh, g);
}

/* The unsigned area of a ring (shoelace about its first point). */
static double ring_area(GEOSContextHandle_t gh, const GEOSGeometry *ring)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(gh, ring);
    unsigned n = 0;
    assert_int_equal(GEOSCoordSeq_getSize_r(gh, cs, &n), 1);
    double x0, y0, s = 0, px, py;
    GEOSCoordSeq_getXY_r(gh, cs, 0, &x0, &y0);
    px = 0;
    py = 0;
    for (unsigned i = 1; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(gh, cs, i, &x, &y);
        s += px * (y - y0) - (x - x0) * py;
        px = x - x0;
        py = y - y0;
    }
    return fabs(s) / 2;
}

static void envelope(GEOSContextHandle_t gh, const GEOSGeometry *g, double *x0, double *y0,
                     double *x1, double *y1)
{
    assert_int_equal(GEOSGeom_getXMin_r(gh, g, x0), 1);
    assert_int_equal(GEOSGeom_getYMin_r(gh, g, y0), 1);
    assert_int_equal(GEOSGeom_getXMax_r(gh, g, x1), 1);
    assert_int_equal(GEOSGeom_getYMax_r(gh, g, y1), 1);
}

/* ---- shapes known in closed form ---- */

/* One segment (0,0)-(400,0), w 50, cell 5: a capsule.
 *   true area = 2 w L + pi w^2 = 100 * 400 + 2500 pi = 47853.98163
 * The sides y = +-50 are exact (the distance beside the segment is |y|,
 * linear along the vertical cell sides); the two half-circle ends make one
 * circle, perimeter 2 pi w = 314.159 m, so the area is below the true one
 * by less than ARC_LOSS(314.159, 5) = 2 * 314.159 * 25 / 600 = 26.18 m^2
 * (the chord loss alone, the expected size, is 13.09 m^2).
 * Envelope: x -50 .. 450, y -50 .. 50. The sides are exact; the extreme
 * x are outline points on the circle, inside it by at most
 * c^2 / (8 w) = 25 / 400 = 0.0625 m, and the leftmost crossing is at most
 * half a cell from the axis y = 0, where the circle has fallen back by at
 * most w - sqrt(w^2 - 2.5^2) = 0.0625 m: within 0.125 m at worst; we allow
 * 0.13 m. */
static void test_capsule(void **state)
{
    GEOSContextHandle_t gh = *state;
    const gr_seg_t s = { 0, 0, 400, 0 };
    GEOSGeometry *g = band(gh, &s, 1, W, 5.0);
    assert_int_equal(parts(gh, g), 1);
    assert_int_equal(holes(gh, g), 0);
    double truth = 2 * W * 400 + PI * W * W;
    assert_between(area(gh, g), truth - ARC_LOSS(2 * PI * W, 5.0), truth);
    double x0, y0, x1, y1;
    envelope(gh, g, &x0, &y0, &x1, &y1);
    assert_near(x0, -50.0, 0.13);
    assert_near(x1, 450.0, 0.13);
    assert_near(y0, -50.0, 1e-3);
    assert_near(y1, 50.0, 1e-3);
    GEOSGeom_destroy_r(gh, g);
}

/* A closed square loop, side 1000, w 50, cell 5: one polygon, one hole.
 *   outer = 1000^2 + 4 * 1000 * w + pi w^2 = 1207853.98163 (four quarter
 *           circles at the convex corners, one circle, 314.159 m of arc)
 *   inner = (1000 - 2 w)^2 = 900^2 = 810000 (the hole, sharp corners)
 * The hole's sides are exact (beside a segment); at each of its four
 * corners the distance is min(x, y) from the two sides, which is linear
 * along each cell side, so the cell holding a corner is cut along the
 * chord between the two exact crossings: a right triangle with legs of at
 * most one cell, at most c^2 / 2 = 12.5 m^2 per corner (c^2 / 8 =
 * 3.125 m^2 when the corner falls mid-cell). The hole is therefore
 *   810000 - 4 * 12.5 = 809950 <= hole <= 810000,
 * and its envelope is exact (50 .. 950 both ways), set by its sides. The
 * band is outer - inner = 397853.98163, less the arc loss (< 26.18 m^2)
 * plus the corner cuts (< 50 m^2). */
static void test_square_loop(void **state)
{
    GEOSContextHandle_t gh = *state;
    const gr_seg_t s[] = { { 0, 0, 1000, 0 },
                           { 1000, 0, 1000, 1000 },
                           { 1000, 1000, 0, 1000 },
                           { 0, 1000, 0, 0 } };
    const double c = 5.0;
    GEOSGeometry *g = band(gh, s, 4, W, c);
    assert_int_equal(parts(gh, g), 1);
    assert_int_equal(holes(gh, g), 1);
    const GEOSGeometry *hole = GEOSGetInteriorRingN_r(gh, GEOSGetGeometryN_r(gh, g, 0), 0);
    /* + 0.01: where the corners fall on grid vertices the hole is exact,
     * up to rounding */
    assert_between(ring_area(gh, hole), 900.0 * 900 - 4 * c * c / 2, 900.0 * 900 + 0.01);
    double x0, y0, x1, y1;
    envelope(gh, hole, &x0, &y0, &x1, &y1);
    assert_near(x0, 50.0, 1e-3);
    assert_near(y0, 50.0, 1e-3);
    assert_near(x1, 950.0, 1e-3);
    assert_near(y1, 950.0, 1e-3);
    double truth = 1000.0 * 1000 + 4 * 1000 * W + PI * W * W - 900.0 * 900;
    assert_between(area(gh, g), truth - ARC_LOSS(2 * PI * W, c), truth + 4 * c * c / 2);
    GEOSGeom_destroy_r(gh, g);
}

/* Two parallel segments (0,0)-(400,0) and (0,g)-(400,g), w 50, cell 5.
 * g = 120 > 2w: a 20 m strip (four grid rows) stays outside: two capsules,
 * 2 * 47853.98163 = 95707.96327, each end circle losing < 26.18 m^2.
 * g = 80 < 2w: one part. The capsules overlap in the strip 30 < y < 50
 * (400 x 20 = 8000) and, past each end, in half the lens of two discs of
 * radius w with centres d = 80 apart:
 *   lens = 2 w^2 acos(d / 2w) - (d / 2) sqrt(4 w^2 - d^2)
 *        = 5000 acos(0.8) - 40 * 60 = 817.50554,
 * so the union is 95707.96327 - 8000 - 817.50554 = 86890.45773. Its
 * arcs add up to less than two circles (< 2 * 26.18 m^2 lost); its two
 * notches, where the end circles cross at (-30, 40) and (430, 40), are
 * inner corners, each filled by at most c^2 / 2 = 12.5 m^2. */
static void test_two_bands_apart_or_joined(void **state)
{
    GEOSContextHandle_t gh = *state;
    const double c = 5.0, capsule = 2 * W * 400 + PI * W * W;
    const gr_seg_t apart[] = { { 0, 0, 400, 0 }, { 0, 120, 400, 120 } };
    GEOSGeometry *g = band(gh, apart, 2, W, c);
    assert_int_equal(parts(gh, g), 2);
    assert_int_equal(holes(gh, g), 0);
    assert_between(area(gh, g), 2 * capsule - 2 * ARC_LOSS(2 * PI * W, c), 2 * capsule);
    GEOSGeom_destroy_r(gh, g);

    const gr_seg_t joined[] = { { 0, 0, 400, 0 }, { 0, 80, 400, 80 } };
    g = band(gh, joined, 2, W, c);
    assert_int_equal(parts(gh, g), 1);
    assert_int_equal(holes(gh, g), 0);
    double lens = 2 * W * W * acos(80 / (2 * W)) - 40 * sqrt(4 * W * W - 80 * 80);
    double truth = 2 * capsule - 400 * 20 - lens;
    assert_between(area(gh, g), truth - 2 * ARC_LOSS(2 * PI * W, c), truth + 2 * c * c / 2);
    GEOSGeom_destroy_r(gh, g);
}

/* No segments: an empty MultiPolygon. A band or cell that is not positive
 * (or NaN) is a configuration error. A grid of (1e7 + 2 * 50.035) / 0.01
 * ~ 1e9 columns is refused before anything is allocated ("too large"),
 * with *out left NULL; the suite runs under ASan and valgrind, which see
 * any leak. */
static void test_errors_and_empty(void **state)
{
    GEOSContextHandle_t gh = *state;
    GEOSGeometry *g = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_contour_band(gh, NULL, 0, W, 5.0, &g, &err), 0);
    assert_non_null(g);
    assert_int_equal(GEOSGeomTypeId_r(gh, g), GEOS_MULTIPOLYGON);
    assert_int_equal(GEOSisEmpty_r(gh, g), 1);
    GEOSGeom_destroy_r(gh, g);

    const gr_seg_t s = { 0, 0, 400, 0 };
    const double bad[][2] = { { 0, 5 }, { -1, 5 }, { W, 0 }, { W, -5 }, { NAN, 5 }, { W, NAN } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        g = (GEOSGeometry *)&s; /* must be reset to NULL */
        memset(&err, 0, sizeof err);
        int rc = gr_contour_band(gh, &s, 1, bad[i][0], bad[i][1], &g, &err);
        assert_int_not_equal(rc, 0);
        assert_int_equal(err.code, GR_ECONFIG);
        assert_int_equal(rc, GR_ECONFIG);
        assert_null(g);
    }

    const gr_seg_t far[] = { { 0, 0, 1, 0 }, { 1e7, 0, 1e7 + 1, 0 } };
    memset(&err, 0, sizeof err);
    int rc = gr_contour_band(gh, far, 2, W, 0.01, &g, &err);
    assert_int_not_equal(rc, 0);
    assert_int_equal(err.code, GR_ECONFIG);
    assert_non_null(strstr(err.msg, "too large"));
    assert_null(g);
}

/* ---- agreement with GEOS on a street-like network ---- */

#define NET_N 300

static uint64_t lcg_state;

/* uniform in [0, 1): the top 53 bits of a 64-bit LCG (Knuth's MMIX
 * constants) */
static double lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) * (1.0 / 9007199254740992.0);
}

/* 30 walks of 10 segments in a 2 km square, seed 42: each walk starts at a
 * random point with a random heading; every segment is 20..150 m long and
 * turns by up to +-60 degrees (bouncing off the square's sides), so walks
 * cross each other and themselves, and leave blocks enclosed. */
static void street_network(gr_seg_t *s)
{
    lcg_state = 42;
    for (int walk = 0; walk < NET_N / 10; walk++) {
        double x = 2000 * lcg(), y = 2000 * lcg(), h = 2 * PI * lcg();
        for (int k = 0; k < 10; k++) {
            double len = 20 + 130 * lcg();
            h += (lcg() - 0.5) * (2 * PI / 3);
            double nx = x + len * cos(h), ny = y + len * sin(h);
            if (nx < 0 || nx > 2000 || ny < 0 || ny > 2000) {
                h += PI;
                nx = x + len * cos(h);
                ny = y + len * sin(h);
            }
            s[walk * 10 + k] = (gr_seg_t){ x, y, nx, ny };
            x = nx;
            y = ny;
        }
    }
}

/* GEOSBuffer of the network as a MultiLineString, round caps and joins,
 * 64 segments per quarter circle: a 256-gon inscribed in each circle,
 * whose chord loss (2 pi w / 256)^2 / (12 w) = 0.0025 m^2 per metre of
 * arc is 1/500 of the grid's at cell 5: the truth for this test. */
static GEOSGeometry *geos_buffer(GEOSContextHandle_t gh, const gr_seg_t *s, size_t n)
{
    GEOSGeometry **lines = malloc(n * sizeof *lines);
    assert_non_null(lines);
    for (size_t i = 0; i < n; i++) {
        GEOSCoordSequence *cs = GEOSCoordSeq_create_r(gh, 2, 2);
        GEOSCoordSeq_setXY_r(gh, cs, 0, s[i].ax, s[i].ay);
        GEOSCoordSeq_setXY_r(gh, cs, 1, s[i].bx, s[i].by);
        lines[i] = GEOSGeom_createLineString_r(gh, cs);
    }
    GEOSGeometry *mls = GEOSGeom_createCollection_r(gh, GEOS_MULTILINESTRING, lines, (unsigned)n);
    free(lines);
    assert_non_null(mls);
    GEOSGeometry *b = GEOSBuffer_r(gh, mls, W, 64);
    GEOSGeom_destroy_r(gh, mls);
    assert_non_null(b);
    return b;
}

static double sym_diff_area(GEOSContextHandle_t gh, const GEOSGeometry *a, const GEOSGeometry *b)
{
    GEOSGeometry *d = GEOSSymDifference_r(gh, a, b);
    assert_non_null(d);
    double x = area(gh, d);
    GEOSGeom_destroy_r(gh, d);
    return x;
}

static double boundary_length(GEOSContextHandle_t gh, const GEOSGeometry *g)
{
    double len = -1;
    assert_int_equal(GEOSLength_r(gh, g, &len), 1);
    return len;
}

/* A point inside the hole ring h, its distance to the nearest segment,
 * and whether geometry other covers it. */
static void hole_point(GEOSContextHandle_t gh, const GEOSGeometry *h, const gr_seg_t *s, size_t n,
                       const GEOSGeometry *other, double *dmin, int *is_covered)
{
    GEOSGeometry *poly = GEOSGeom_createPolygon_r(gh, GEOSGeom_clone_r(gh, h), NULL, 0);
    GEOSGeometry *pt = GEOSPointOnSurface_r(gh, poly);
    assert_non_null(pt);
    double px, py;
    GEOSGeomGetX_r(gh, pt, &px);
    GEOSGeomGetY_r(gh, pt, &py);
    *dmin = INFINITY;
    for (size_t k = 0; k < n; k++) {
        double dx = s[k].bx - s[k].ax, dy = s[k].by - s[k].ay, l2 = dx * dx + dy * dy;
        double t = l2 > 0 ? ((px - s[k].ax) * dx + (py - s[k].ay) * dy) / l2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        *dmin = fmin(*dmin, hypot(px - s[k].ax - t * dx, py - s[k].ay - t * dy));
    }
    *is_covered = GEOSIntersects_r(gh, pt, other);
    GEOSGeom_destroy_r(gh, pt);
    GEOSGeom_destroy_r(gh, poly);
}

/* Every hole of g holds a point truly farther than w from every segment
 * (checked by brute force), and that point is not covered by other unless
 * it is within w + slack: the grid fills an inner corner by up to half a
 * cell, and GEOS simplifies its input lines by w / 100 before buffering,
 * so either may cover a sliver of the other's hole near the band. */
static void assert_true_holes(GEOSContextHandle_t gh, const GEOSGeometry *g, const gr_seg_t *s,
                              size_t n, const GEOSGeometry *other, double slack)
{
    for (int i = 0; i < GEOSGetNumGeometries_r(gh, g); i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(gh, g, i);
        for (int k = 0; k < GEOSGetNumInteriorRings_r(gh, p); k++) {
            double dmin;
            int is_covered;
            hole_point(gh, GEOSGetInteriorRingN_r(gh, p, k), s, n, other, &dmin, &is_covered);
            if (!(dmin > W) || (is_covered && dmin > W + slack))
                fail_msg("hole %d of part %d: its point is %.4f m from the network, covered %d",
                         k, i, dmin, is_covered);
        }
    }
}

/* The network's band at cell 5 against the GEOS buffer B (seed 42: area
 * 1.867e6 m^2, outline P = 27344 m, 3 parts, 16 holes).
 * - Area: the arcs lose at most ARC_LOSS(P, 5) = 27344 * 25 / 300 =
 *   2279 m^2 (P counts straight sides too, so this over-counts), and each
 *   inner corner gains at most c^2 / 2; |A - B| < 0.2 % of B = 3734 m^2.
 * - Outline: on arcs the outline is within c^2 / (8 w) (points) +
 *   c^2 / (8 w) (chord sagitta) = 0.125 m of the truth, exact on straight
 *   sides, so the symmetric difference is below 0.125 P = 3418 m^2 plus
 *   the corner cuts (at most c^2 / 2 each): less than 0.3 % of B
 *   (5602 m^2) unless there are more than 170 inner corners at their
 *   worst. Measured: 618 m^2 (0.033 %) and 1445 m^2 (0.077 %).
 * - Parts: equal (3).
 * - Holes: not always equal. A channel narrower than a cell, between a
 *   hole and the outside or between two holes, can be pinched shut by an
 *   inner-corner cut: the grid then shows a hole GEOS joins to the
 *   outside, or splits one hole in two; a hole can also vanish or shrink
 *   when a corner fill covers it (one of 45 m^2 here becomes 12 m^2).
 *   With this seed the grid has 20 holes to GEOS's 16: one 8040 m^2 hole
 *   pinched off the outside and three slivers (0.4, 1.1, 2.4 m^2) pinched
 *   off larger non-band regions. What must hold: every hole of each holds
 *   a point truly farther than w from every segment and not covered by
 *   the other; the difference in hole counts is one per pinched channel,
 *   bounded here by 4. */
static void test_network_matches_geos(void **state)
{
    GEOSContextHandle_t gh = *state;
    gr_seg_t s[NET_N];
    street_network(s);
    GEOSGeometry *ref = geos_buffer(gh, s, NET_N);
    GEOSGeometry *g = band(gh, s, NET_N, W, 5.0);
    double a = area(gh, g), b = area(gh, ref), x = sym_diff_area(gh, g, ref);
    double per = boundary_length(gh, ref);
    assert_between(a - b, -ARC_LOSS(per, 5.0), 0.002 * b);
    assert_true(fabs(a - b) < 0.002 * b);
    assert_true(x < 0.003 * b);
    assert_int_equal(parts(gh, g), parts(gh, ref));
    assert_true_holes(gh, g, s, NET_N, ref, 5.0);
    assert_true_holes(gh, ref, s, NET_N, g, 5.0);
    assert_in_range(holes(gh, g) - holes(gh, ref), 0, 4);
    GEOSGeom_destroy_r(gh, g);
    GEOSGeom_destroy_r(gh, ref);
}

/* Convergence on the same network: the grid's errors (arc loss, corner
 * fills) all scale with c^2, so halving the cell should quarter the area
 * error against GEOS. Measured A - B: +175 (c 2.5), +618 (c 5), +2608
 * (c 10) m^2, ratios 3.5 and 4.2. We assert each halving at least halves
 * the error (a factor 2 of slack over the c^2 law for the mix of terms
 * with opposite signs), hence also |A(2.5) - A(5)| < |A(10) - A(5)|. */
static void test_network_converges(void **state)
{
    GEOSContextHandle_t gh = *state;
    gr_seg_t s[NET_N];
    street_network(s);
    GEOSGeometry *ref = geos_buffer(gh, s, NET_N);
    double b = area(gh, ref), a[3];
    const double cells[3] = { 2.5, 5, 10 };
    for (int i = 0; i < 3; i++) {
        GEOSGeometry *g = band(gh, s, NET_N, W, cells[i]);
        a[i] = area(gh, g);
        GEOSGeom_destroy_r(gh, g);
    }
    assert_true(fabs(a[0] - b) < fabs(a[1] - b) / 2);
    assert_true(fabs(a[1] - b) < fabs(a[2] - b) / 2);
    assert_true(fabs(a[0] - a[1]) < fabs(a[2] - a[1]));
    GEOSGeom_destroy_r(gh, ref);
}

/* ---- the grid's own situations ---- */

/* A disc: a segment of zero length at (100, 200), w 50, cell 5.
 *   pi w^2 = 7853.98163, at most ARC_LOSS(2 pi w, 5) = 26.18 m^2 below
 *   (measured 16.7 below: 13.1 of chords, the rest the points' offset).
 * Its envelope is 50 m each way from the centre, within 0.13 m (as for the
 * capsule's ends). */
static void test_point_disc(void **state)
{
    GEOSContextHandle_t gh = *state;
    const gr_seg_t s = { 100, 200, 100, 200 };
    GEOSGeometry *g = band(gh, &s, 1, W, 5.0);
    assert_int_equal(parts(gh, g), 1);
    assert_int_equal(holes(gh, g), 0);
    assert_between(area(gh, g), PI * W * W - ARC_LOSS(2 * PI * W, 5.0), PI * W * W);
    double x0, y0, x1, y1;
    envelope(gh, g, &x0, &y0, &x1, &y1);
    assert_near(x0, 50.0, 0.13);
    assert_near(y0, 150.0, 0.13);
    assert_near(x1, 150.0, 0.13);
    assert_near(y1, 250.0, 0.13);
    GEOSGeom_destroy_r(gh, g);
}

/* Saddles: a cell whose diagonal corners are inside two different bands
 * and whose other two corners are outside both. Grid vertices sit on
 * multiples of the cell (contour.c), so with c 5 (500, 500) and
 * (1000, 500) are vertices. Around each, two streets run along the diagonal y - x =
 * const away from the cell, ending at A = v - (a / sqrt 2)(1, 1) (a from
 * v) and B = v + (5, 5) + (a / sqrt 2)(1, 1) (a from v + (5, 5)). Near the
 * cell the nearest point of each street is its end, so with f = distance -
 * w at the corners v, v + (5, 0), v + (5, 5), v + (0, 5):
 *   f0 = f2 = a - 50,
 *   f1 = f3 = sqrt(a^2 + 5 sqrt2 a + 25) - 50
 * - a = 47 at v = (500, 500): f0 = f2 = -3, f1 = f3 =
 *   sqrt(2566.34) - 50 = +0.6591; the centre's mean -1.17 < 0: the saddle
 *   is joined, and the two streets (1.07 m apart in truth: 2 * 47 +
 *   5 sqrt 2 = 101.07 > 2 w) come out as one part, through a neck inside
 *   the cell. The two outside corners v + (5, 0) and v + (0, 5) are then
 *   ringed by inside vertices (their far neighbours, v + (10, 0) and
 *   v + (5, -5) for the first, are sqrt(a^2 + 50) = 47.53 m from an end,
 *   f = -2.4711), so each is a tiny diamond hole: crossings at
 *   0.6591 / 3.6591 * 5 = 0.9006 m towards the -3 corners and
 *   0.6591 / 3.1302 * 5 = 1.0528 m towards the -2.47 ones, diagonals
 *   1.9534 m both ways, area 1.9534^2 / 2 = 1.9079 m^2 each;
 * - a = 49 at v = (1000, 500): f0 = f2 = -1, f1 = f3 =
 *   sqrt(2772.45) - 50 = +2.654; mean +0.83 >= 0: the saddle is split, the
 *   two streets stay two parts, and the outside corners stay joined to
 *   each other through the cell (and, through the neighbouring saddles,
 *   to the outside): no hole.
 * Three parts and two holes in all, valid (a wrong pairing at a saddle
 * would cross two rings or leave one open). Area: the four capsules,
 * which do not overlap in truth: 2 w (L1 + L2 + L3 + L4) + 4 pi w^2 with
 *   L1 = |A1| = (500 - 47 / sqrt 2) sqrt 2 = 660.105, L2..L4 = 70 sqrt2,
 * less the two holes (2 * 1.9079), less the loss on four circles of arc
 * (< 4 * 26.18 m^2), plus the neck, inside the one cell (< c^2 = 25). */
static void test_saddle(void **state)
{
    GEOSContextHandle_t gh = *state;
    const double r2 = sqrt(2.0), a1 = 47 / r2, a2 = 49 / r2, d = 70;
    const double v1 = 500, v2x = 1000, v2y = 500;
    const gr_seg_t s[] = {
        { 0, 0, v1 - a1, v1 - a1 },
        { v1 + 5 + a1, v1 + 5 + a1, v1 + 5 + a1 + d, v1 + 5 + a1 + d },
        { v2x - a2 - d, v2y - a2 - d, v2x - a2, v2y - a2 },
        { v2x + 5 + a2, v2y + 5 + a2, v2x + 5 + a2 + d, v2y + 5 + a2 + d },
    };
    GEOSGeometry *g = band(gh, s, 4, W, 5.0);
    assert_int_equal(parts(gh, g), 3);
    assert_int_equal(holes(gh, g), 2);
    for (int i = 0; i < parts(gh, g); i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(gh, g, i);
        for (int k = 0; k < GEOSGetNumInteriorRings_r(gh, p); k++)
            assert_near(ring_area(gh, GEOSGetInteriorRingN_r(gh, p, k)), 1.9079, 1e-3);
    }
    double len = hypot(v1 - a1, v1 - a1) + 3 * d * r2;
    double truth = 2 * W * len + 4 * PI * W * W - 2 * 1.9079;
    assert_between(area(gh, g), truth - 4 * ARC_LOSS(2 * PI * W, 5.0), truth + 25.0);
    GEOSGeom_destroy_r(gh, g);
}

/* The capsule of test_capsule moved by (400000, 300000): the grid is laid
 * relative to the segments' corner, so it meets the segment exactly as
 * before and every distance is the same; only the output coordinates are
 * large (ulp 6e-11 m at 4e5), and GEOS measures the area about the ring's
 * first point. Same area within 0.01 m^2. */
static void test_large_coordinates(void **state)
{
    GEOSContextHandle_t gh = *state;
    const gr_seg_t s = { 0, 0, 400, 0 }, t = { 400000, 300000, 400400, 300000 };
    GEOSGeometry *g = band(gh, &s, 1, W, 5.0), *h = band(gh, &t, 1, W, 5.0);
    assert_near(area(gh, h), area(gh, g), 0.01);
    double x0, y0, x1, y1;
    envelope(gh, h, &x0, &y0, &x1, &y1);
    assert_near(x0, 400000 - 50.0, 0.13);
    assert_near(y1, 300000 + 50.0, 1e-3);
    GEOSGeom_destroy_r(gh, g);
    GEOSGeom_destroy_r(gh, h);
}

/* Nested levels in one pass give what each set traced alone gives: level
 * 0 is the first 120 segments of the street network, level 1 all 300,
 * level 2 the same 300 again (adds nothing). Grid vertices sit on the same
 * lattice either way, so the outlines agree to rounding: areas within
 * 0.01 m^2, the same parts and holes; level 2 equals level 1. */
static void test_levels_match_separate_traces(void **state)
{
    GEOSContextHandle_t gh = *state;
    gr_seg_t s[NET_N];
    street_network(s);
    gr_contour_level_t lv[3] = { { 120, NULL, NULL }, { NET_N, NULL, NULL }, { NET_N, NULL, NULL } };
    gr_error_t err = { 0 };
    assert_int_equal(gr_contour_levels(gh, s, W, 5.0, NULL, lv, 3, &err), 0);
    GEOSGeometry *alone[2] = { band(gh, s, 120, W, 5.0), band(gh, s, NET_N, W, 5.0) };
    for (int k = 0; k < 3; k++) {
        const GEOSGeometry *ref = alone[k < 2 ? k : 1];
        assert_int_equal(GEOSisValid_r(gh, lv[k].out), 1);
        assert_near(area(gh, lv[k].out), area(gh, ref), 0.01);
        assert_int_equal(parts(gh, lv[k].out), parts(gh, ref));
        assert_int_equal(holes(gh, lv[k].out), holes(gh, ref));
        GEOSGeom_destroy_r(gh, lv[k].out);
    }
    assert_true(area(gh, alone[0]) < area(gh, alone[1]));
    GEOSGeom_destroy_r(gh, alone[0]);
    GEOSGeom_destroy_r(gh, alone[1]);
    /* a level with fewer segments than the one before is refused */
    gr_contour_level_t bad[2] = { { 10, NULL, NULL }, { 5, NULL, NULL } };
    assert_int_equal(gr_contour_levels(gh, s, W, 5.0, NULL, bad, 2, &err), GR_ECONFIG);
    assert_null(bad[0].out);
    assert_null(bad[1].out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capsule),
        cmocka_unit_test(test_square_loop),
        cmocka_unit_test(test_two_bands_apart_or_joined),
        cmocka_unit_test(test_errors_and_empty),
        cmocka_unit_test(test_network_matches_geos),
        cmocka_unit_test(test_network_converges),
        cmocka_unit_test(test_point_disc),
        cmocka_unit_test(test_saddle),
        cmocka_unit_test(test_large_coordinates),
        cmocka_unit_test(test_levels_match_separate_traces),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
