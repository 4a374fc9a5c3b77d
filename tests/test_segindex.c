/* test_segindex.c - the segment grid index: point-to-segment projection,
 * nearest-segment snapping (edge, pos_m, offset_m, the max_m cap, ties,
 * points far outside the data) and box queries that report each segment
 * once however many cells it spans. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "fixtures.h"
#include "greenreach/segindex.h"

/* Four 10 m segments:
 *   s0 (0,0)-(10,0)     s1 (10,0)-(10,10)
 *   s2 (0,20)-(10,20)   s3 (30,0)-(20,0), drawn right to left */
static const double sx[] = { 0, 10, 10, 0, 10, 30, 20 };
static const double sy[] = { 0, 0, 10, 20, 20, 0, 0 };
static const uint32_t sa[] = { 0, 1, 3, 5 };
static const uint32_t sb[] = { 1, 2, 4, 6 };

static gr_segindex_t *four_segments(double cell_m)
{
    gr_segindex_t *idx = NULL;
    gr_error_t err = {0};
    if (gr_segindex_build_raw(sx, sy, sa, sb, 4, cell_m, &idx, &err) != 0)
        fail_msg("gr_segindex_build_raw: %s", err.msg);
    return idx;
}

static void test_project_segment(void **state)
{
    (void)state;
    double t = -1.0;
    /* (3,4) over (0,0)-(10,0): foot (3,0), t = 3/10, distance 4 */
    assert_near(gr_project_segment(0, 0, 10, 0, 3, 4, &t), 16.0, 1e-12);
    assert_near(t, 0.3, 1e-12);
    /* (-2,3) is before a: t clamps to 0, d2 = 2^2 + 3^2 = 13 */
    assert_near(gr_project_segment(0, 0, 10, 0, -2, 3, &t), 13.0, 1e-12);
    assert_near(t, 0.0, 0.0);
    /* (13,4) is past b: t clamps to 1, d2 = 3^2 + 4^2 = 25 */
    assert_near(gr_project_segment(0, 0, 10, 0, 13, 4, &t), 25.0, 1e-12);
    assert_near(t, 1.0, 0.0);
    /* (0,4) over the diagonal (0,0)-(4,4): t = (0*4 + 4*4) / 32 = 0.5,
     * foot (2,2), d2 = 2^2 + 2^2 = 8 */
    assert_near(gr_project_segment(0, 0, 4, 4, 0, 4, &t), 8.0, 1e-12);
    assert_near(t, 0.5, 1e-12);
    /* on the segment itself, measured from a = (10,0) towards b = (0,0):
     * (7.5,0) is 2.5/10 = 0.25 along, distance 0 */
    assert_near(gr_project_segment(10, 0, 0, 0, 7.5, 0, &t), 0.0, 1e-12);
    assert_near(t, 0.25, 1e-12);
    /* a zero-length segment at (1,1): t = 0, d2 = 3^2 + 4^2 = 25 */
    assert_near(gr_project_segment(1, 1, 1, 1, 4, 5, &t), 25.0, 1e-12);
    assert_near(t, 0.0, 0.0);
}

static void test_nearest_edge_pos_offset(void **state)
{
    (void)state;
    gr_segindex_t *idx = four_segments(0.0);
    gr_snap_t s;
    /* (3,4): s0 is 4 away (foot (3,0)), s1 7, s2 16 */
    assert_true(gr_segindex_nearest(idx, 3, 4, 100, &s));
    assert_int_equal(s.edge, 0);
    assert_near(s.pos_m, 3.0, 1e-5);
    assert_near(s.offset_m, 4.0, 1e-5);
    /* (12,6): s1 is 2 away (foot (10,6), 6 m up from (10,0)) */
    assert_true(gr_segindex_nearest(idx, 12, 6, 100, &s));
    assert_int_equal(s.edge, 1);
    assert_near(s.pos_m, 6.0, 1e-5);
    assert_near(s.offset_m, 2.0, 1e-5);
    /* (4,17): s2 is 3 away (foot (4,20)); s1's end (10,10) is 9.2 */
    assert_true(gr_segindex_nearest(idx, 4, 17, 100, &s));
    assert_int_equal(s.edge, 2);
    assert_near(s.pos_m, 4.0, 1e-5);
    assert_near(s.offset_m, 3.0, 1e-5);
    /* (22,-1): s3, foot (22,0); pos runs from s3's first node (30,0): 8 */
    assert_true(gr_segindex_nearest(idx, 22, -1, 100, &s));
    assert_int_equal(s.edge, 3);
    assert_near(s.pos_m, 8.0, 1e-5);
    assert_near(s.offset_m, 1.0, 1e-5);
    /* (-5,10) is sqrt(5^2 + 10^2) = 11.18 from both (0,0) on s0 and
     * (0,20) on s2 (s1 is 15): the tie goes to the lower id, s0 at pos 0 */
    assert_true(gr_segindex_nearest(idx, -5, 10, 100, &s));
    assert_int_equal(s.edge, 0);
    assert_near(s.pos_m, 0.0, 1e-5);
    assert_near(s.offset_m, sqrt(125.0), 1e-5);
    gr_segindex_free(idx);
}

static void test_nearest_respects_max(void **state)
{
    (void)state;
    gr_segindex_t *idx = four_segments(0.0);
    gr_snap_t s = { 77, 7.0f, 7.0f };
    /* (3,4) is 4 m from s0: nothing within 3.9 m, and *out is untouched */
    assert_false(gr_segindex_nearest(idx, 3, 4, 3.9, &s));
    assert_int_equal(s.edge, 77);
    assert_near(s.pos_m, 7.0, 0.0);
    assert_near(s.offset_m, 7.0, 0.0);
    /* exactly 4 m is within */
    assert_true(gr_segindex_nearest(idx, 3, 4, 4.0, &s));
    assert_int_equal(s.edge, 0);
    gr_segindex_free(idx);
}

static void test_nearest_far_outside_extent(void **state)
{
    (void)state;
    gr_segindex_t *idx = four_segments(0.0);
    gr_snap_t s = { 77, 7.0f, 7.0f };
    /* (-1000,0): s0's end (0,0) is 1000 m away; s2's (0,20) is
     * sqrt(1000^2 + 20^2) = 1000.2 m */
    assert_false(gr_segindex_nearest(idx, -1000, 0, 999, &s));
    assert_int_equal(s.edge, 77);
    assert_true(gr_segindex_nearest(idx, -1000, 0, 2000, &s));
    assert_int_equal(s.edge, 0);
    assert_near(s.pos_m, 0.0, 1e-5);
    assert_near(s.offset_m, 1000.0, 1e-3);
    /* (500,600), up and right: the nearest point is s2's end (10,20),
     * sqrt(490^2 + 580^2) = 759.28 m (s3's (30,0) is 762.17, s1's (10,10)
     * 767.05) */
    assert_true(gr_segindex_nearest(idx, 500, 600, 2000, &s));
    assert_int_equal(s.edge, 2);
    assert_near(s.pos_m, 10.0, 1e-5);
    assert_near(s.offset_m, hypot(490.0, 580.0), 1e-3);
    /* again with 1 m cells asked for: the index raises that to its floor
     * sqrt(30 * 20 / (2 * 4)) = 8.66 m (default 20 m), so ~88 rings out */
    gr_segindex_free(idx);
    idx = four_segments(1.0);
    assert_true(gr_segindex_nearest(idx, 500, 600, 2000, &s));
    assert_int_equal(s.edge, 2);
    assert_near(s.offset_m, hypot(490.0, 580.0), 1e-3);
    gr_segindex_free(idx);
}

static void test_empty_index(void **state)
{
    (void)state;
    gr_segindex_t *idx = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_segindex_build_raw(sx, sy, sa, sb, 0, 0.0, &idx, &err), 0);
    gr_snap_t s = { 77, 7.0f, 7.0f };
    assert_false(gr_segindex_nearest(idx, 0, 0, 1e6, &s));
    assert_int_equal(s.edge, 77);
    gr_segindex_free(idx);
    gr_segindex_free(NULL);
}

/* ---- box queries ---- */

#define MAX_SEG 64

typedef struct {
    uint32_t hits[MAX_SEG];
    uint32_t total;
} hits_t;

static void count_hit(uint32_t edge, void *ctx)
{
    hits_t *h = ctx;
    assert_true(edge < MAX_SEG);
    h->hits[edge]++;
    h->total++;
}

/* s0 is a 40 m segment along y = 0; s1..s20 are 0.5 m stubs at
 * (2k, 0.5)-(2k+0.5, 0.5), k = 0..19. Extent 40 x 1 (height floored to
 * 1 m), 21 segments: the index's floor on the cell size is
 * sqrt(40 * 1 / (2 * 21)) = 0.98 m, so cell_m = 1 gives 1 m cells and s0
 * lies in 41 of them. */
typedef struct {
    double x[2 + 2 * 20], y[2 + 2 * 20];
    uint32_t a[21], b[21];
} strip_t;

static void strip_init(strip_t *s)
{
    s->x[0] = 0;
    s->y[0] = 0;
    s->x[1] = 40;
    s->y[1] = 0;
    s->a[0] = 0;
    s->b[0] = 1;
    for (uint32_t k = 0; k < 20; k++) {
        s->x[2 + 2 * k] = 2.0 * k;
        s->y[2 + 2 * k] = 0.5;
        s->x[3 + 2 * k] = 2.0 * k + 0.5;
        s->y[3 + 2 * k] = 0.5;
        s->a[1 + k] = 2 + 2 * k;
        s->b[1 + k] = 3 + 2 * k;
    }
}

static void test_query_reports_long_segment_once(void **state)
{
    (void)state;
    strip_t s;
    strip_init(&s);
    gr_segindex_t *idx = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_segindex_build_raw(s.x, s.y, s.a, s.b, 21, 1.0, &idx, &err), 0);

    /* the whole extent: 21 segments, each once (s0 spans 41 cells) */
    hits_t h = {0};
    gr_segindex_query(idx, -1, -1, 41, 2, count_hit, &h);
    assert_int_equal(h.total, 21);
    for (uint32_t i = 0; i < 21; i++)
        assert_int_equal(h.hits[i], 1);

    /* a box around (20,0) covering cells x 19..20 of row 0: s0 once, and
     * the stub k = 10 at x 20..20.5 in cell 20; stub k = 9 (x 18..18.5,
     * cell 18) is not in those cells */
    hits_t m = {0};
    gr_segindex_query(idx, 19.9, -0.1, 20.1, 0.1, count_hit, &m);
    assert_int_equal(m.hits[0], 1);
    assert_int_equal(m.hits[1 + 10], 1);
    assert_int_equal(m.hits[1 + 9], 0);
    assert_int_equal(m.total, 2);

    /* a box starting halfway along s0 and running past its end: once */
    hits_t r = {0};
    gr_segindex_query(idx, 25.2, -0.3, 45, 0.2, count_hit, &r);
    assert_int_equal(r.hits[0], 1);
    gr_segindex_free(idx);
}

/* A diagonal s0 (0,0)-(8,8) over an 8 x 8 extent with 32 short stubs:
 * sqrt(64 / (2 * 33)) = 0.98 m, so 1 m cells and s0's box covers 9 x 9 =
 * 81 cells. Queries over 2-D blocks of those cells report it once. */
static void test_query_reports_diagonal_once(void **state)
{
    (void)state;
    double x[2 + 64], y[2 + 64];
    uint32_t a[33], b[33];
    x[0] = 0;
    y[0] = 0;
    x[1] = 8;
    y[1] = 8;
    a[0] = 0;
    b[0] = 1;
    for (uint32_t k = 0; k < 32; k++) {
        double cx = (double)(k % 8) + 0.25, cy = 2.0 * (k / 8) + 0.5;
        x[2 + 2 * k] = cx;
        y[2 + 2 * k] = cy;
        x[3 + 2 * k] = cx + 0.25;
        y[3 + 2 * k] = cy;
        a[1 + k] = 2 + 2 * k;
        b[1 + k] = 3 + 2 * k;
    }
    gr_segindex_t *idx = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_segindex_build_raw(x, y, a, b, 33, 1.0, &idx, &err), 0);

    hits_t h = {0};
    gr_segindex_query(idx, -5, -5, 20, 20, count_hit, &h);
    assert_int_equal(h.total, 33);
    for (uint32_t i = 0; i < 33; i++)
        assert_int_equal(h.hits[i], 1);

    hits_t m = {0};
    gr_segindex_query(idx, 2.5, 2.5, 5.5, 5.5, count_hit, &m);   /* 4 x 4 cells */
    assert_int_equal(m.hits[0], 1);

    hits_t c = {0};
    gr_segindex_query(idx, 6.1, 1.1, 7.9, 2.9, count_hit, &c);   /* below s0 */
    assert_int_equal(c.hits[0], 1);   /* s0's bounding box covers these cells */
    gr_segindex_free(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_project_segment),
        cmocka_unit_test(test_nearest_edge_pos_offset),
        cmocka_unit_test(test_nearest_respects_max),
        cmocka_unit_test(test_nearest_far_outside_extent),
        cmocka_unit_test(test_empty_index),
        cmocka_unit_test(test_query_reports_long_segment_once),
        cmocka_unit_test(test_query_reports_diagonal_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
