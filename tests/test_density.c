/* test_density.c - the coverage mask dense maps are drawn with: a line
 * adds its area (length x width) under a square brush, dots their disc
 * area, cover clamps at 1, and painting lays the source colour through it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cairo.h>
#include <math.h>

#include "fixtures.h"
#include "greenreach/density.h"

static double total_cover(const gr_density_t *d, int w, int h)
{
    double s = 0;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            s += gr_density_cover(d, i, j);
    return s;
}

/* A horizontal line 10 px long and 2 px wide along y = 5 covers rows 4
 * and 5 (y 4..6) fully between its ends, nothing above or below, and its
 * area, 10 x 2 = 20 px², is kept exactly (no pixel reaches the clamp). */
static void test_line_area_and_footprint(void **state)
{
    (void)state;
    gr_density_t *d = gr_density_new(20, 10);
    assert_non_null(d);
    gr_density_line(d, 2.0, 5.0, 12.0, 5.0, 2.0);
    assert_near(gr_density_cover(d, 6, 4), 1.0, 1e-6);
    assert_near(gr_density_cover(d, 6, 5), 1.0, 1e-6);
    assert_near(gr_density_cover(d, 6, 3), 0.0, 1e-12);
    assert_near(gr_density_cover(d, 6, 6), 0.0, 1e-12);
    assert_near(gr_density_cover(d, 15, 5), 0.0, 1e-12);
    assert_near(total_cover(d, 20, 10), 20.0, 1e-4);
    gr_density_free(d);
}

/* A 0.5 px line is narrower than the 1 px brush: a horizontal one through
 * pixel centres (y = 3.5) gives its row half cover, 0.5. A 45-degree line
 * of length 8 * sqrt(2) keeps its area 0.5 * 8 * sqrt(2) = 5.657. */
static void test_thin_lines(void **state)
{
    (void)state;
    gr_density_t *d = gr_density_new(16, 16);
    gr_density_line(d, 1.0, 3.5, 9.0, 3.5, 0.5);
    assert_near(gr_density_cover(d, 5, 3), 0.5, 1e-6);
    assert_near(total_cover(d, 16, 16), 4.0, 1e-4);   /* 8 x 0.5 */
    gr_density_free(d);
    d = gr_density_new(16, 16);
    gr_density_line(d, 4.0, 4.0, 12.0, 12.0, 0.5);
    assert_near(total_cover(d, 16, 16), 0.5 * 8.0 * sqrt(2.0), 1e-4);
    gr_density_free(d);
}

/* A dot of radius 0.5 centred in pixel (3, 3) puts its whole area,
 * pi/4 = 0.785, in that pixel; a second dot there clamps it at 1. Parts
 * off the mask are dropped, and a line of zero length adds nothing. */
static void test_dots_clamp_and_edges(void **state)
{
    (void)state;
    gr_density_t *d = gr_density_new(8, 8);
    gr_density_dot(d, 3.5, 3.5, 0.5);
    assert_near(gr_density_cover(d, 3, 3), 3.14159265358979323846 / 4, 1e-6);
    assert_near(gr_density_cover(d, 2, 3), 0.0, 1e-12);
    gr_density_dot(d, 3.5, 3.5, 0.5);
    assert_near(gr_density_cover(d, 3, 3), 1.0, 1e-12);
    gr_density_dot(d, -0.5, 0.5, 0.5);      /* wholly left of the mask */
    gr_density_line(d, 5.0, 5.0, 5.0, 5.0, 2.0);
    gr_density_dot(d, NAN, 1.0, 1.0);
    assert_near(total_cover(d, 8, 8), 1.0, 1e-6);
    assert_near(gr_density_cover(d, -1, 0), 0.0, 1e-12);
    assert_near(gr_density_cover(d, 8, 0), 0.0, 1e-12);
    gr_density_free(d);
}

/* Painting black through the mask onto white: a fully covered pixel turns
 * black, an uncovered one stays white, one at cover 0.785 keeps
 * 255 x (1 - 0.785) = 55 (+/- 1 for rounding); the mask is then empty. */
static void test_paint(void **state)
{
    (void)state;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 8, 8);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    gr_density_t *d = gr_density_new(8, 8);
    gr_density_dot(d, 3.5, 3.5, 0.5);
    gr_density_line(d, 0.0, 6.5, 8.0, 6.5, 1.0);
    cairo_set_source_rgb(cr, 0, 0, 0);
    assert_int_equal(gr_density_paint(d, cr), 0);
    cairo_surface_flush(s);
    const unsigned char *px = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
#define RED(x, y) (((const uint32_t *)(const void *)(px + (y) * stride))[x] >> 16 & 255)
    assert_int_equal(RED(4, 6), 0);
    assert_int_equal(RED(0, 0), 255);
    assert_in_range(RED(3, 3), 54, 56);
#undef RED
    assert_near(total_cover(d, 8, 8), 0.0, 1e-12);
    gr_density_free(d);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_area_and_footprint),
        cmocka_unit_test(test_thin_lines),
        cmocka_unit_test(test_dots_clamp_and_edges),
        cmocka_unit_test(test_paint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
