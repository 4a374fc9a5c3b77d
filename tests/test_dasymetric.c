/* Dasymetric spreading: hand-made zones and homes with splits worked out by
 * hand, exact conservation on random data, the homes layer through the
 * loader (points, buildings, weights, filter, errors) and a whole run
 * whose ward shares are known by construction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <shapefil.h>

#include "fixtures.h"
#include "greenreach/dasymetric.h"
#include "greenreach/export.h"
#include "greenreach/pipeline.h"
#include "greenreach/report.h"
#include "greenreach/targets.h"

#define DIR GR_TEST_TMP "/town"

/* ---- in memory ---- */

typedef struct {
    GEOSContextHandle_t gh;
    gr_residents_t zones;
    gr_homes_t homes;
} mem_t;

static GEOSGeometry *box(GEOSContextHandle_t gh, double x0, double y0, double x1, double y1)
{
    return GEOSGeom_createRectangle_r(gh, x0, y0, x1, y1);
}

/* n residents; zone[i] NULL makes resident i a point at (x, y). */
static void mem_zones(mem_t *m, uint32_t n)
{
    gr_residents_t *R = &m->zones;
    R->n = n;
    R->x = calloc(n, sizeof *R->x);
    R->y = calloc(n, sizeof *R->y);
    R->pop = calloc(n, sizeof *R->pop);
    R->no_car_share = calloc(n, sizeof *R->no_car_share);
    R->fid = calloc(n, sizeof *R->fid);
    R->home_fid = calloc(n, sizeof *R->home_fid);
    R->zone = calloc(n, sizeof *R->zone);
    for (uint32_t i = 0; i < n; i++) {
        R->fid[i] = 100 + i;
        R->home_fid[i] = -1;
        R->no_car_share[i] = NAN;
    }
}

static void mem_zone(mem_t *m, uint32_t i, double x0, double y0, double x1, double y1,
                     double pop, float no_car)
{
    gr_residents_t *R = &m->zones;
    R->zone[i] = box(m->gh, x0, y0, x1, y1);
    R->x[i] = (x0 + x1) / 2;
    R->y[i] = (y0 + y1) / 2;
    R->pop[i] = pop;
    R->no_car_share[i] = no_car;
}

static void mem_homes(mem_t *m, uint32_t n, const double *xyw)
{
    gr_homes_t *H = &m->homes;
    H->n = n;
    H->x = calloc(n, sizeof *H->x);
    H->y = calloc(n, sizeof *H->y);
    H->weight = calloc(n, sizeof *H->weight);
    H->fid = calloc(n, sizeof *H->fid);
    for (uint32_t h = 0; h < n; h++) {
        H->x[h] = xyw[3 * h];
        H->y[h] = xyw[3 * h + 1];
        H->weight[h] = xyw[3 * h + 2];
        H->fid[h] = h;
    }
}

static void mem_free(mem_t *m)
{
    gr_residents_clear(&m->zones, m->gh);
    free(m->homes.x);
    free(m->homes.y);
    free(m->homes.weight);
    free(m->homes.fid);
    GEOS_finish_r(m->gh);
}

static void spread(mem_t *m, gr_residents_t *out, gr_dasymetric_stats_t *st)
{
    gr_error_t err = { 0 };
    int rc = gr_dasymetric_spread(&m->zones, &m->homes, m->gh, out, st, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* Zone 0 (0..100 square, 12 people, no-car 0.25) over 4 homes of weight 1:
 * 12 / 4 = 3 each; every home inherits the zone's share and fid. */
static void test_equal_split(void **state)
{
    (void)state;
    mem_t m = { .gh = GEOS_init_r() };
    mem_zones(&m, 1);
    mem_zone(&m, 0, 0, 0, 100, 100, 12, 0.25f);
    const double h[] = { 10, 10, 1, 90, 10, 1, 10, 90, 1, 90, 90, 1 };
    mem_homes(&m, 4, h);
    gr_residents_t out;
    gr_dasymetric_stats_t st;
    spread(&m, &out, &st);
    assert_int_equal(out.n, 4);
    for (uint32_t i = 0; i < 4; i++) {
        assert_float_equal(out.pop[i], 3.0, 0.0);
        assert_float_equal(out.no_car_share[i], 0.25, 1e-7);
        assert_int_equal(out.fid[i], 100);
        assert_int_equal(out.home_fid[i], i);
        assert_float_equal(out.x[i], h[3 * i], 0.0);
    }
    assert_null(out.zone);
    assert_int_equal(st.zones, 1);
    assert_int_equal(st.zones_spread, 1);
    assert_int_equal(st.homes_in_zones, 4);
    assert_int_equal(st.homes_peopled, 4);
    gr_residents_clear(&out, m.gh);
    mem_free(&m);
}

/* 10 people over 4 equal homes: exact shares 2.5 each. Cumulative
 * rounding: round(2.5) = 3, round(5) = 5, round(7.5) = 8, 10, so the counts
 * are 3, 2, 3, 2: whole people, each within one of 2.5, summing to 10. */
static void test_equal_split_rounded(void **state)
{
    (void)state;
    mem_t m = { .gh = GEOS_init_r() };
    mem_zones(&m, 1);
    mem_zone(&m, 0, 0, 0, 100, 100, 10, NAN);
    const double h[] = { 10, 10, 1, 90, 10, 1, 10, 90, 1, 90, 90, 1 };
    mem_homes(&m, 4, h);
    gr_residents_t out;
    gr_dasymetric_stats_t st;
    spread(&m, &out, &st);
    assert_int_equal(out.n, 4);
    const double want[] = { 3, 2, 3, 2 };
    for (uint32_t i = 0; i < 4; i++)
        assert_float_equal(out.pop[i], want[i], 0.0);
    gr_residents_clear(&out, m.gh);
    mem_free(&m);
}

/* 60 people over weights 1, 2, 3 (dwellings): 60 * 1/6 = 10, 60 * 2/6 =
 * 20, 60 * 3/6 = 30. A home of weight 0 in the zone gets nobody and is
 * left out. Homes are listed out of zone order on purpose. */
static void test_weighted_split(void **state)
{
    (void)state;
    mem_t m = { .gh = GEOS_init_r() };
    mem_zones(&m, 2);
    mem_zone(&m, 0, 0, 0, 100, 100, 5, NAN);
    mem_zone(&m, 1, 100, 0, 200, 100, 60, NAN);
    const double h[] = { 150, 50, 1, 50, 50, 1, 160, 50, 2, 170, 50, 0, 180, 50, 3 };
    mem_homes(&m, 5, h);
    gr_residents_t out;
    gr_dasymetric_stats_t st;
    spread(&m, &out, &st);
    /* zone 0: its one home (fid 1) has all 5; zone 1: fids 0, 2, 4 */
    assert_int_equal(out.n, 4);
    assert_int_equal(out.home_fid[0], 1);
    assert_float_equal(out.pop[0], 5.0, 0.0);
    const int64_t fid[] = { 0, 2, 4 };
    const double pop[] = { 10, 20, 30 };
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(out.home_fid[1 + i], fid[i]);
        assert_float_equal(out.pop[1 + i], pop[i], 0.0);
        assert_int_equal(out.fid[1 + i], 101);
    }
    assert_int_equal(st.homes_in_zones, 5);
    assert_int_equal(st.homes_peopled, 4);
    assert_float_equal(st.max_home_pop, 30.0, 0.0);
    assert_int_equal(st.max_home_zone_fid, 101);
    gr_residents_clear(&out, m.gh);
    mem_free(&m);
}

/* Zone 1 has no home, zone 2 only homes of weight 0: both stay whole at
 * their point (7 + 4 = 11 people); the home at (1000, 1000) is in no zone
 * and ignored; the point resident (pop 5) is copied as it is. */
static void test_zone_without_homes_and_home_outside(void **state)
{
    (void)state;
    mem_t m = { .gh = GEOS_init_r() };
    mem_zones(&m, 4);
    mem_zone(&m, 0, 0, 0, 100, 100, 8, NAN);
    mem_zone(&m, 1, 300, 0, 400, 100, 7, 0.5f);
    mem_zone(&m, 2, 500, 0, 600, 100, 4, NAN);
    m.zones.x[3] = 700;
    m.zones.y[3] = 700;
    m.zones.pop[3] = 5;
    m.zones.home_fid[3] = -1;
    const double h[] = { 50, 50, 1, 1000, 1000, 1, 550, 50, 0 };
    mem_homes(&m, 3, h);
    gr_residents_t out;
    gr_dasymetric_stats_t st;
    spread(&m, &out, &st);
    assert_int_equal(out.n, 4);
    assert_float_equal(out.pop[0], 8.0, 0.0);
    assert_int_equal(out.home_fid[0], 0);
    assert_float_equal(out.x[1], 350.0, 0.0);
    assert_float_equal(out.y[1], 50.0, 0.0);
    assert_float_equal(out.pop[1], 7.0, 0.0);
    assert_int_equal(out.home_fid[1], -1);
    assert_float_equal(out.no_car_share[1], 0.5, 1e-7);
    assert_float_equal(out.x[2], 550.0, 0.0);
    assert_float_equal(out.pop[2], 4.0, 0.0);
    assert_float_equal(out.x[3], 700.0, 0.0);
    assert_float_equal(out.pop[3], 5.0, 0.0);
    assert_int_equal(out.fid[3], 103);
    assert_int_equal(st.zones, 3);
    assert_int_equal(st.zones_spread, 1);
    assert_int_equal(st.zones_without_homes, 2);
    assert_float_equal(st.pop_without_homes, 11.0, 0.0);
    assert_int_equal(st.homes, 3);
    assert_int_equal(st.homes_in_zones, 2);
    gr_residents_clear(&out, m.gh);
    mem_free(&m);
}

/* A home on the edge two zones share belongs to the first (lowest index),
 * as it would to the first of two wards: zone 0's 6 people live there,
 * zone 1's 9 in its other home. */
static void test_home_on_shared_boundary(void **state)
{
    (void)state;
    mem_t m = { .gh = GEOS_init_r() };
    mem_zones(&m, 2);
    mem_zone(&m, 0, 0, 0, 100, 100, 6, NAN);
    mem_zone(&m, 1, 100, 0, 200, 100, 9, NAN);
    const double h[] = { 100, 50, 1, 150, 50, 1 };
    mem_homes(&m, 2, h);
    gr_residents_t out;
    gr_dasymetric_stats_t st;
    spread(&m, &out, &st);
    assert_int_equal(out.n, 2);
    assert_int_equal(out.home_fid[0], 0);
    assert_float_equal(out.pop[0], 6.0, 0.0);
    assert_int_equal(out.home_fid[1], 1);
    assert_float_equal(out.pop[1], 9.0, 0.0);
    gr_residents_clear(&out, m.gh);
    mem_free(&m);
}

/* A count that is not whole (an estimate, 10.5) is split in proportion:
 * weights 1 and 2 give 3.5 and 7. */
static void test_fractional_population(void **state)
{
    (void)state;
    mem_t m = { .gh = GEOS_init_r() };
    mem_zones(&m, 1);
    mem_zone(&m, 0, 0, 0, 100, 100, 10.5, NAN);
    const double h[] = { 10, 10, 1, 20, 20, 2 };
    mem_homes(&m, 2, h);
    gr_residents_t out;
    gr_dasymetric_stats_t st;
    spread(&m, &out, &st);
    assert_int_equal(out.n, 2);
    assert_float_equal(out.pop[0], 3.5, 1e-12);
    assert_float_equal(out.pop[1], 7.0, 1e-12);
    gr_residents_clear(&out, m.gh);
    mem_free(&m);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* 10 x 10 zones of 100 m with 0..20000 people each and 5,000 homes of
 * random weights (floor areas 0..300 m2, some 0), some outside every zone:
 * every zone's counts are whole, each within one person of its exact
 * share, and sum to the zone's population exactly (==, not nearly). */
static void test_population_conserved_exactly(void **state)
{
    (void)state;
    mem_t m = { .gh = GEOS_init_r() };
    uint64_t seed = 42;
    mem_zones(&m, 100);
    for (uint32_t z = 0; z < 100; z++) {
        double x0 = (z % 10) * 100.0, y0 = (z / 10) * 100.0;
        mem_zone(&m, z, x0, y0, x0 + 100, y0 + 100, (double)(lcg(&seed) % 20001), NAN);
    }
    double *h = malloc(3 * 5000 * sizeof *h);
    for (uint32_t k = 0; k < 5000; k++) {
        h[3 * k] = (double)(lcg(&seed) % 110000) / 100.0;   /* 0..1100: some outside */
        h[3 * k + 1] = (double)(lcg(&seed) % 100000) / 100.0;
        h[3 * k + 2] = (lcg(&seed) % 10 == 0) ? 0.0 : (double)(lcg(&seed) % 30000) / 100.0;
    }
    mem_homes(&m, 5000, h);
    gr_residents_t out;
    gr_dasymetric_stats_t st;
    spread(&m, &out, &st);
    double *sum = calloc(100, sizeof *sum), *wsum = calloc(100, sizeof *wsum);
    uint32_t *zone_of = malloc(5000 * sizeof *zone_of);
    for (uint32_t k = 0; k < 5000; k++) {
        double x = h[3 * k], y = h[3 * k + 1];
        /* on an inner edge the lower zone wins: x=100 is zone 0's */
        int zx = (int)ceil(x / 100.0) - 1, zy = (int)ceil(y / 100.0) - 1;
        zx = zx < 0 ? 0 : zx;
        zy = zy < 0 ? 0 : zy;
        zone_of[k] = x > 1000.0 ? UINT32_MAX : (uint32_t)(zy * 10 + zx);
        if (zone_of[k] != UINT32_MAX)
            wsum[zone_of[k]] += h[3 * k + 2];
    }
    for (uint32_t i = 0; i < out.n; i++) {
        uint32_t z = (uint32_t)(out.fid[i] - 100);
        assert_float_equal(out.pop[i], floor(out.pop[i]), 0.0);
        sum[z] += out.pop[i];
        if (out.home_fid[i] >= 0) {
            assert_int_equal(zone_of[out.home_fid[i]], z);
            double exact = m.zones.pop[z] * h[3 * out.home_fid[i] + 2] / wsum[z];
            assert_true(fabs(out.pop[i] - exact) < 1.0);
        }
    }
    for (uint32_t z = 0; z < 100; z++)
        assert_true(sum[z] == m.zones.pop[z]);
    assert_int_equal(st.zones, 100);
    assert_true(st.homes_in_zones < 5000);   /* x in 1000..1100 are outside */
    free(sum);
    free(wsum);
    free(zone_of);
    free(h);
    gr_residents_clear(&out, m.gh);
    mem_free(&m);
}

/* ---- through the loader and the whole run ---- */

static void bng(double *xy, int n)
{
    for (int k = 0; k < n; k++) {
        xy[2 * k] += 400000.0;
        xy[2 * k + 1] += 300000.0;
    }
}

static void add_rect(fx_shp_t *s, double x0, double y0, double x1, double y1,
                     const char *const *values)
{
    double xy[] = { x0, y0, x0, y1, x1, y1, x1, y0, x0, y0 };
    bng(xy, 5);
    assert_int_equal(fx_shp_add(s, 5, xy, values), 0);
}

/* Over the town (see fixtures.h: ward A x < 1250, ward B beyond; the park's
 * entrance at x = 0 of the footway along y = 0), residents become two
 * zones: Z1 x 1000..1600 with 100 people and no-car share 0.4, Z2 x
 * 2000..2200 with 40 people; y -50..50 for both. Z1's point on surface,
 * (1300, 0), is in ward B. */
static void write_zones(void)
{
    static const char *const f[] = { "population", "no_car" };
    static const char *const z1[] = { "100", "0.4" }, *const z2[] = { "40", "0.1" };
    fx_shp_t *s = fx_shp_create(DIR "/zones", SHPT_POLYGON, GR_WKT_BNG, 2, f, "NF");
    assert_non_null(s);
    add_rect(s, 1000, -50, 1600, 50, z1);
    add_rect(s, 2000, -50, 2200, 50, z2);
    fx_shp_close(s);
}

/* Homes on the footway (no snap offset): fid 0 at x 1100 (Z1, ward A,
 * 1100 m from the park) with 1 dwelling; fid 1 at x 500 (in no zone) with
 * 5; fid 2 at x 1400 (Z1, ward B, 1400 m) with 3. as_buildings writes 10 m
 * squares centred on them instead (the loader takes a point on their
 * surface, here the centre). */
static void write_homes(bool as_buildings)
{
    static const char *const f[] = { "dwellings", "kind" };
    static const double x[] = { 1100, 500, 1400 };
    static const char *const v[][2] = { { "1", "house" }, { "5", "house" }, { "3", "flats" } };
    fx_shp_t *s = fx_shp_create(DIR "/homes", as_buildings ? SHPT_POLYGON : SHPT_POINT,
                                GR_WKT_BNG, 2, f, "NC");
    assert_non_null(s);
    for (int i = 0; i < 3; i++) {
        if (as_buildings) {
            add_rect(s, x[i] - 5, -5, x[i] + 5, 5, v[i]);
        } else {
            double xy[2] = { x[i], 0 };
            bng(xy, 1);
            assert_int_equal(fx_shp_add(s, 1, xy, v[i]), 0);
        }
    }
    fx_shp_close(s);
}

static int setup_town(void **state)
{
    (void)state;
    GDALAllRegister();
    return fx_write_town(DIR, GR_WKT_BNG, NULL);
}

static void zones_config(gr_config_t *cfg, const char *weight)
{
    fx_town_config(cfg, DIR);
    snprintf(cfg->residents.path, sizeof cfg->residents.path, "%s", DIR "/zones.shp");
    snprintf(cfg->f_no_car_share, sizeof cfg->f_no_car_share, "no_car");
    snprintf(cfg->homes.path, sizeof cfg->homes.path, "%s", DIR "/homes.shp");
    snprintf(cfg->f_home_weight, sizeof cfg->f_home_weight, "%s", weight);
}

static gr_run_t *run_ok(const gr_config_t *cfg)
{
    gr_error_t err = { 0 };
    gr_run_t *run = NULL;
    int rc = gr_run_compute(cfg, NULL, NULL, &run, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    return run;
}

static uint32_t ward(const gr_run_t *run, const char *code)
{
    for (uint32_t w = 0; w < run->ds->wards.n; w++)
        if (strcmp(run->ds->wards.code[w], code) == 0)
            return w;
    fail();
    return 0;
}

/* Weighted by dwellings, Z1's 100 people go 100 * 1/4 = 25 to the home in
 * ward A (1100 m: within 15 and 20 minutes) and 75 to the one in ward B
 * (1400 m: within 20 minutes only). Z2 has no home: its 40 people stay at
 * (2100, 0), 2100 m away, beyond 20 minutes. The home at x 500 is in no
 * zone and ignored. Ward A: 25, shares 1 and 1. Ward B: 75 + 40 = 115, 15
 * min 0, 20 min 75/115 = 0.652174. Area: 140; 15 min 25/140, 20 min
 * 100/140. Without homes all 100 of Z1 would be in ward B (at x 1300). */
static void check_weighted_run(const gr_run_t *run)
{
    const gr_coverage_t *c = run->cats[0].cov;
    uint32_t a = ward(run, "A"), b = ward(run, "B");
    assert_int_equal(run->ds->residents.n, 3);
    assert_float_equal(c->pop[a], 25.0, 0.0);
    assert_float_equal(c->pop[b], 115.0, 0.0);
    assert_float_equal(gr_coverage_share(c, a, 0), 1.0, 1e-12);
    assert_float_equal(gr_coverage_share(c, a, 1), 1.0, 1e-12);
    assert_float_equal(gr_coverage_share(c, b, 0), 0.0, 1e-12);
    assert_float_equal(gr_coverage_share(c, b, 1), 75.0 / 115.0, 1e-12);
    assert_float_equal(gr_coverage_share(c, 2, 0), 25.0 / 140.0, 1e-12);
    assert_float_equal(gr_coverage_share(c, 2, 1), 100.0 / 140.0, 1e-12);
    assert_float_equal(run->cats[0].res_dist_m[0], 1100.0, 0.01);
    assert_float_equal(run->cats[0].res_dist_m[1], 1400.0, 0.01);
    assert_float_equal(run->ds->residents.no_car_share[1], 0.4, 1e-6);
    assert_int_equal(run->dasy.zones_without_homes, 1);
    assert_float_equal(run->dasy.pop_without_homes, 40.0, 0.0);
    assert_int_equal(run->dasy.homes - run->dasy.homes_in_zones, 1);
}

static void test_run_weighted_points(void **state)
{
    (void)state;
    write_zones();
    write_homes(false);
    gr_config_t cfg;
    zones_config(&cfg, "dwellings");
    gr_run_t *run = run_ok(&cfg);
    check_weighted_run(run);
    gr_run_free(run);
}

static void test_run_weighted_buildings(void **state)
{
    (void)state;
    write_zones();
    write_homes(true);
    gr_config_t cfg;
    zones_config(&cfg, "dwellings");
    gr_run_t *run = run_ok(&cfg);
    check_weighted_run(run);
    gr_run_free(run);
}

/* Equal weights: 50 and 50. Ward A 50; ward B 50 + 40 = 90, 20 min 50/90.
 * The control, without homes: Z1 at (1300, 0) in ward B: ward A has
 * nobody, ward B 140 with 100/140 within 20 minutes. */
static void test_run_equal_and_without_homes(void **state)
{
    (void)state;
    write_zones();
    write_homes(false);
    gr_config_t cfg;
    zones_config(&cfg, "");
    gr_run_t *run = run_ok(&cfg);
    const gr_coverage_t *c = run->cats[0].cov;
    assert_float_equal(c->pop[ward(run, "A")], 50.0, 0.0);
    assert_float_equal(c->pop[ward(run, "B")], 90.0, 0.0);
    assert_float_equal(gr_coverage_share(c, ward(run, "B"), 1), 50.0 / 90.0, 1e-12);
    gr_run_free(run);

    cfg.homes.path[0] = '\0';
    run = run_ok(&cfg);
    c = run->cats[0].cov;
    assert_int_equal(run->ds->residents.n, 2);
    assert_float_equal(c->pop[ward(run, "A")], 0.0, 0.0);
    assert_float_equal(c->pop[ward(run, "B")], 140.0, 0.0);
    assert_float_equal(gr_coverage_share(c, ward(run, "B"), 1), 100.0 / 140.0, 1e-12);
    gr_run_free(run);
}

/* where keeps only the flats (fid 2): all 100 of Z1 go to x 1400. */
static void test_run_where_filter(void **state)
{
    (void)state;
    write_zones();
    write_homes(false);
    gr_config_t cfg;
    zones_config(&cfg, "dwellings");
    snprintf(cfg.homes_where, sizeof cfg.homes_where, "kind = 'flats'");
    gr_run_t *run = run_ok(&cfg);
    assert_int_equal(run->dasy.homes, 1);
    assert_float_equal(run->cats[0].cov->pop[ward(run, "B")], 140.0, 0.0);
    assert_int_equal(run->ds->residents.home_fid[0], 2);
    gr_run_free(run);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The zone without homes and the home outside every zone are reported in
 * run_summary.txt and in the report's notes. */
static void test_run_reported(void **state)
{
    (void)state;
    write_zones();
    write_homes(false);
    gr_config_t cfg;
    zones_config(&cfg, "dwellings");
    gr_run_t *run = run_ok(&cfg);
    gr_targets_t *tg = NULL;
    gr_error_t err = { 0 };
    const char *out = DIR "/out_homes";
    assert_int_equal(gr_export_prepare_dir(out, &err), 0);
    assert_int_equal(gr_export_summary(run, out, &err), 0);
    assert_int_equal(gr_targets_evaluate(run, &tg, &err), 0);
    assert_int_equal(gr_report_write(run, tg, NULL, out, &err), 0);
    gr_targets_free(tg);
    gr_run_free(run);
    const char *s = slurp(DIR "/out_homes/run_summary.txt");
    assert_non_null(s);
    assert_non_null(strstr(s, "homes.weight_field = dwellings\n"));
    assert_non_null(strstr(s, "homes = 3\n"));
    assert_non_null(strstr(s, "homes.outside_zones = 1\n"));
    assert_non_null(strstr(s, "residents.zones = 2\n"));
    assert_non_null(strstr(s, "residents.zones_without_homes = 1 (40 people"));
    /* Z1's 75 at x 1400 are the most at one home; Z1 is the first zone */
    assert_non_null(strstr(s, "homes.max_people = 75 (zone fid 0)\n"));
    s = slurp(DIR "/out_homes/report.md");
    assert_non_null(s);
    assert_non_null(strstr(s, "Residents: 2 zones spread over the 2 homes inside them (by "
                              "weight; at most 75 people in one home, zone fid 0); 1 zones (40 "
                              "people) have no home and stay at one point; 1 homes outside "
                              "every zone are ignored."));
}

static void expect_error(const gr_config_t *cfg, const char *part)
{
    gr_error_t err = { 0 };
    gr_run_t *run = NULL;
    assert_int_not_equal(gr_run_compute(cfg, NULL, NULL, &run, &err), 0);
    assert_null(run);
    if (!strstr(err.msg, part))
        print_error("message: %s\n", err.msg);
    assert_non_null(strstr(err.msg, part));
}

/* Homes with point residents would do nothing: an error naming the
 * residents layer. A blank weight names the home; so does a bad filter. */
static void test_bad_homes(void **state)
{
    (void)state;
    write_zones();
    write_homes(false);
    gr_config_t cfg;
    fx_town_config(&cfg, DIR);
    snprintf(cfg.homes.path, sizeof cfg.homes.path, "%s", DIR "/homes.shp");
    expect_error(&cfg, "residents.shp layer 'residents': a homes layer is configured but no "
                       "resident is a zone");

    zones_config(&cfg, "nosuch");
    expect_error(&cfg, "homes.shp layer 'homes': no field 'nosuch'");
    zones_config(&cfg, "kind");
    expect_error(&cfg, "field 'kind' is String, expected a number");
    zones_config(&cfg, "dwellings");
    snprintf(cfg.homes_where, sizeof cfg.homes_where, "kind = = 'x'");
    expect_error(&cfg, "[homes] where 'kind = = 'x'' is not a valid filter");
    snprintf(cfg.homes_where, sizeof cfg.homes_where, "kind = 'castle'");
    expect_error(&cfg, "homes.shp layer 'homes': no home has a location (or matches [homes] "
                       "where)");

    static const char *const f[] = { "dwellings" };
    static const char *const blank[] = { "" };
    fx_shp_t *s = fx_shp_create(DIR "/homes", SHPT_POINT, GR_WKT_BNG, 1, f, "N");
    double xy[2] = { 1100, 0 };
    bng(xy, 1);
    fx_shp_add(s, 1, xy, blank);
    fx_shp_close(s);
    zones_config(&cfg, "dwellings");
    expect_error(&cfg, "homes.shp layer 'homes' feature 0: home weight is blank");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_split),
        cmocka_unit_test(test_equal_split_rounded),
        cmocka_unit_test(test_weighted_split),
        cmocka_unit_test(test_zone_without_homes_and_home_outside),
        cmocka_unit_test(test_home_on_shared_boundary),
        cmocka_unit_test(test_fractional_population),
        cmocka_unit_test(test_population_conserved_exactly),
        cmocka_unit_test(test_run_weighted_points),
        cmocka_unit_test(test_run_weighted_buildings),
        cmocka_unit_test(test_run_equal_and_without_homes),
        cmocka_unit_test(test_run_where_filter),
        cmocka_unit_test(test_run_reported),
        cmocka_unit_test(test_bad_homes),
    };
    return cmocka_run_group_tests(tests, setup_town, NULL);
}
