/* test_coverage.c - tallying residents into per-ward and total population
 * within each distance threshold, with residents outside every ward and
 * residents beyond the snap cap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "fixtures.h"
#include "greenreach/coverage.h"
#include "greenreach/load.h"

/* Three wards (ward 2 has nobody), thresholds 1200 and 1600 m, and seven
 * residents:
 *   r  ward  pop   dist_m   snapped  within 1200  within 1600
 *   0  0     100   500      yes      yes          yes
 *   1  0      50   1200     yes      yes (equal)  yes
 *   2  0      30   1500     yes      no           yes
 *   3  1     200   1600     yes      no           yes (equal)
 *   4  1      70   inf      no       no           no
 *   5  1      10   1600.5   yes      no           no
 *   6  none   40   100      yes      (outside every ward: in no row) */
#define N_RES 7
static const uint32_t ward_of[N_RES] = { 0, 0, 0, 1, 1, 1, GR_NONE };
static const double pop[N_RES] = { 100, 50, 30, 200, 70, 10, 40 };
static const uint8_t is_snapped[N_RES] = { 1, 1, 1, 1, 0, 1, 1 };
static const double thr_m[2] = { 1200.0, 1600.0 };

static int setup(void **state)
{
    const float dist_m[N_RES] = { 500.0f, 1200.0f, 1500.0f, 1600.0f, INFINITY, 1600.5f, 100.0f };
    gr_coverage_t *c = NULL;
    gr_error_t err = {0};
    if (gr_coverage_compute(3, ward_of, pop, dist_m, is_snapped, N_RES, thr_m, 2, &c, &err))
        return -1;
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    gr_coverage_free(*state);
    return 0;
}

static double within(const gr_coverage_t *c, uint32_t r, uint32_t t)
{
    return c->pop_within[(size_t)r * c->n_thr + t];
}

static void test_shape(void **state)
{
    const gr_coverage_t *c = *state;
    assert_int_equal(c->n_wards, 3);
    assert_int_equal(c->n_thr, 2);
}

static void test_ward_population(void **state)
{
    const gr_coverage_t *c = *state;
    assert_near(c->pop[0], 180.0, 0.0);   /* 100 + 50 + 30 */
    assert_near(c->pop[1], 280.0, 0.0);   /* 200 + 70 + 10 */
    assert_near(c->pop[2], 0.0, 0.0);     /* nobody */
    assert_near(c->pop[3], 460.0, 0.0);   /* total row: 180 + 280, not r6's 40 */
}

static void test_ward_within(void **state)
{
    const gr_coverage_t *c = *state;
    assert_near(within(c, 0, 0), 150.0, 0.0);   /* r0 + r1 (1200 <= 1200) */
    assert_near(within(c, 0, 1), 180.0, 0.0);   /* + r2 */
    assert_near(within(c, 1, 0), 0.0, 0.0);     /* nearest is r3 at 1600 */
    assert_near(within(c, 1, 1), 200.0, 0.0);   /* r3 only (1600 <= 1600); r5 is 0.5 m over */
    assert_near(within(c, 2, 0), 0.0, 0.0);
    assert_near(within(c, 2, 1), 0.0, 0.0);
}

static void test_total_row(void **state)
{
    const gr_coverage_t *c = *state;
    assert_near(within(c, 3, 0), 150.0, 0.0);   /* 150 + 0 + 0 */
    assert_near(within(c, 3, 1), 380.0, 0.0);   /* 180 + 200 + 0 */
}

static void test_unsnapped_and_outside(void **state)
{
    const gr_coverage_t *c = *state;
    assert_near(c->pop_unsnapped[0], 0.0, 0.0);
    assert_near(c->pop_unsnapped[1], 70.0, 0.0);   /* r4 */
    assert_near(c->pop_unsnapped[2], 0.0, 0.0);
    assert_near(c->pop_unsnapped[3], 70.0, 0.0);
    assert_near(c->pop_outside, 40.0, 0.0);        /* r6 */
    assert_int_equal(c->residents_outside, 1);
}

static void test_share(void **state)
{
    const gr_coverage_t *c = *state;
    assert_near(gr_coverage_share(c, 0, 0), 150.0 / 180.0, 1e-12);   /* 0.8333 */
    assert_near(gr_coverage_share(c, 0, 1), 1.0, 1e-12);             /* 180 / 180 */
    assert_near(gr_coverage_share(c, 1, 0), 0.0, 0.0);
    assert_near(gr_coverage_share(c, 1, 1), 200.0 / 280.0, 1e-12);   /* 0.7143 */
    assert_near(gr_coverage_share(c, 2, 0), 0.0, 0.0);               /* empty ward */
    assert_near(gr_coverage_share(c, 2, 1), 0.0, 0.0);
    assert_near(gr_coverage_share(c, 3, 0), 150.0 / 460.0, 1e-12);   /* 0.3261 */
    assert_near(gr_coverage_share(c, 3, 1), 380.0 / 460.0, 1e-12);   /* 0.8261 */
}

/* No residents at all: every row is empty and every share 0. */
static void test_no_residents(void **state)
{
    (void)state;
    gr_coverage_t *c = NULL;
    gr_error_t err = {0};
    assert_int_equal(gr_coverage_compute(2, NULL, NULL, NULL, NULL, 0, thr_m, 2, &c, &err), 0);
    for (uint32_t r = 0; r < 3; r++) {
        assert_near(c->pop[r], 0.0, 0.0);
        assert_near(gr_coverage_share(c, r, 1), 0.0, 0.0);
    }
    assert_near(c->pop_outside, 0.0, 0.0);
    assert_int_equal(c->residents_outside, 0);
    gr_coverage_free(c);
    gr_coverage_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ward_population, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ward_within, setup, teardown),
        cmocka_unit_test_setup_teardown(test_total_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsnapped_and_outside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_share, setup, teardown),
        cmocka_unit_test(test_no_residents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
