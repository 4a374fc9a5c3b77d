/* What-if: candidate sites and new paths, incrementally, against a full
 * rerun with the change written into the input layers; greedy picks on a
 * fixture whose best picks are known; --connect; the CLI's errors. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "greenreach/pipeline.h"
#include "greenreach/newpaths.h"
#include "greenreach/suggest.h"
#include "greenreach/whatif.h"

#define TMP GR_TEST_TMP
#define OX 400000.0
#define OY 300000.0

/* ---- a deterministic random stream (splitmix64) ---- */

static uint64_t rng_state;

static double rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

static double uniform(double lo, double hi)
{
    return lo + (hi - lo) * rnd();
}

/* ---- the grid town: 8 x 8 blocks of about 250 m, jittered ----
 * Paths run along every row and column of nodes (shared vertices, so
 * they join). Wards A (x < 700), B (700..1400), C (x >= 1400); A and B
 * form neighbourhood "North". Park P1 straddles node (0,0); pitch S1
 * straddles node (4,4). 240 random residents inside the grid, 5 beyond
 * the snap cap north of it (y = 2300, x = 1550, 1650, .., 1950). */

#define GN 8
#define N_RES 245

typedef struct {
    double x0, y0, x1, y1;      /* a box, or a point when x0 == x1 */
} shape_t;

typedef struct {
    int n_extra_lines;
    const double *line_xy[4];   /* local metres */
    int line_n[4];
    int n_boxes;
    const shape_t *boxes;       /* extra park sites */
    const shape_t *access;      /* an extra park entered at this point */
} change_t;

static void node_xy(int i, int j, double *x, double *y)
{
    uint64_t saved = rng_state;
    rng_state = (uint64_t)(i * 131 + j * 7919 + 17);
    *x = 250.0 * i + uniform(-30.0, 30.0);
    *y = 250.0 * j + uniform(-30.0, 30.0);
    rng_state = saved;
}

static void shift(double *xy, int n)
{
    for (int k = 0; k < n; k++) {
        xy[2 * k] += OX;
        xy[2 * k + 1] += OY;
    }
}

static void box_ring(const shape_t *b, double xy[10])
{
    const double ring[10] = { b->x0, b->y0, b->x0, b->y1, b->x1, b->y1, b->x1, b->y0, b->x0, b->y0 };
    memcpy(xy, ring, sizeof ring);
    shift(xy, 5);
}

static void write_paths(const char *dir, const change_t *ch)
{
    char base[1024];
    static const char *const f[] = { "highway" }, *const v[] = { "footway" };
    snprintf(base, sizeof base, "%s/paths", dir);
    fx_shp_t *s = fx_shp_create(base, SHPT_ARC, GR_WKT_BNG, 1, f, "C");
    assert_non_null(s);
    for (int dir_k = 0; dir_k < 2; dir_k++) {
        for (int a = 0; a <= GN; a++) {
            double xy[2 * (GN + 1)];
            for (int b = 0; b <= GN; b++)
                node_xy(dir_k ? a : b, dir_k ? b : a, &xy[2 * b], &xy[2 * b + 1]);
            shift(xy, GN + 1);
            assert_int_equal(fx_shp_add(s, GN + 1, xy, v), 0);
        }
    }
    for (int l = 0; ch && l < ch->n_extra_lines; l++) {
        double xy[64];
        memcpy(xy, ch->line_xy[l], 2 * (size_t)ch->line_n[l] * sizeof *xy);
        shift(xy, ch->line_n[l]);
        assert_int_equal(fx_shp_add(s, ch->line_n[l], xy, v), 0);
    }
    fx_shp_close(s);
}

static void write_sites(const char *dir, const change_t *ch)
{
    char base[1024];
    static const char *const f[] = { "site_id", "function" };
    static const char *const p1[] = { "P1", "park" }, *const s1[] = { "S1", "pitch" };
    char cand_id[16];
    const char *cand[] = { cand_id, "park" };
    double x44, y44, xy[10];
    node_xy(4, 4, &x44, &y44);
    snprintf(base, sizeof base, "%s/greenspaces", dir);
    fx_shp_t *s = fx_shp_create(base, SHPT_POLYGON, GR_WKT_BNG, 2, f, "CC");
    assert_non_null(s);
    box_ring(&(shape_t){ -60, -60, 40, 40 }, xy);
    fx_shp_add(s, 5, xy, p1);
    box_ring(&(shape_t){ x44 - 20, y44 - 20, x44 + 20, y44 + 20 }, xy);
    fx_shp_add(s, 5, xy, s1);
    for (int k = 0; ch && k < ch->n_boxes; k++) {
        snprintf(cand_id, sizeof cand_id, "CAND%d", k);
        box_ring(&ch->boxes[k], xy);
        fx_shp_add(s, 5, xy, cand);
    }
    if (ch && ch->access) {
        /* its polygon lies far off; the access point decides */
        snprintf(cand_id, sizeof cand_id, "CAND");
        box_ring(&(shape_t){ 5000, 5000, 5010, 5010 }, xy);
        fx_shp_add(s, 5, xy, cand);
    }
    fx_shp_close(s);
    snprintf(base, sizeof base, "%s/access", dir);
    static const char *const af[] = { "site_id" }, *const av[] = { "CAND" };
    fx_shp_t *a = fx_shp_create(base, SHPT_POINT, GR_WKT_BNG, 1, af, "C");
    double pt[2] = { ch && ch->access ? ch->access->x0 : 5005, ch && ch->access ? ch->access->y0 : 5005 };
    shift(pt, 1);
    fx_shp_add(a, 1, pt, av);
    fx_shp_close(a);
}

static void write_wards_residents(const char *dir)
{
    char base[1024];
    static const char *const wf[] = { "ward_code", "ward_name", "nbhd" };
    static const char *const wv[3][3] = { { "A", "Ward A", "North" }, { "B", "Ward B", "North" },
                                          { "C", "Ward C", "" } };
    static const double wx[4] = { -300, 700, 1400, 2300 };
    snprintf(base, sizeof base, "%s/wards", dir);
    fx_shp_t *w = fx_shp_create(base, SHPT_POLYGON, GR_WKT_BNG, 3, wf, "CCC");
    for (int k = 0; k < 3; k++) {
        double xy[10];
        box_ring(&(shape_t){ wx[k], -300, wx[k + 1], 2400 }, xy);
        fx_shp_add(w, 5, xy, wv[k]);
    }
    fx_shp_close(w);
    static const char *const rf[] = { "population", "no_car" };
    snprintf(base, sizeof base, "%s/residents", dir);
    fx_shp_t *r = fx_shp_create(base, SHPT_POINT, GR_WKT_BNG, 2, rf, "NF");
    uint64_t saved = rng_state;
    rng_state = 4242;
    for (int i = 0; i < N_RES; i++) {
        bool is_north = i >= N_RES - 5;
        double xy[2] = { is_north ? 1550.0 + 100.0 * (i - (N_RES - 5)) : uniform(-40, 2040),
                         is_north ? 2300.0 : uniform(-40, 2040) };
        char pop[16], nc[16];
        snprintf(pop, sizeof pop, "%d", 1 + (int)(30 * rnd()));
        snprintf(nc, sizeof nc, "%.2f", rnd());
        const char *v[2] = { pop, nc };
        shift(xy, 1);
        fx_shp_add(r, 1, xy, v);
    }
    rng_state = saved;
    fx_shp_close(r);
}

static void write_grid_town(const char *dir, const change_t *ch)
{
    assert_int_equal(fx_mkdir(dir), 0);
    write_wards_residents(dir);
    write_paths(dir, ch);
    write_sites(dir, ch);
}

static gr_run_t *run_dir(const char *dir, bool with_access)
{
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_run_t *run = NULL;
    fx_town_config(&cfg, dir);
    snprintf(cfg.f_no_car_share, sizeof cfg.f_no_car_share, "no_car");
    if (with_access)
        snprintf(cfg.access_points.path, sizeof cfg.access_points.path, "%s/access.shp", dir);
    int rc = gr_run_compute(&cfg, NULL, NULL, &run, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    return run;
}

/* Candidates written to a shapefile of boxes or of points. */
static void write_candidates(const char *base, const shape_t *c, int n, bool is_point)
{
    static const char *const f[] = { "site_id", "function" };
    fx_shp_t *s = fx_shp_create(base, is_point ? SHPT_POINT : SHPT_POLYGON, GR_WKT_BNG, 2, f,
                                "CC");
    assert_non_null(s);
    for (int k = 0; k < n; k++) {
        char id[16];
        snprintf(id, sizeof id, "c%d", k);
        const char *v[2] = { id, "park" };
        double xy[10] = { c[k].x0, c[k].y0 };
        if (is_point)
            shift(xy, 1);
        else
            box_ring(&c[k], xy);
        assert_int_equal(fx_shp_add(s, is_point ? 1 : 5, xy, v), 0);
    }
    fx_shp_close(s);
}

/* ---- comparing an incremental answer with a rerun ---- */

static const gr_effect_t *effect_of(const gr_effect_t *eff, int n_eff, int cat)
{
    for (int k = 0; k < n_eff; k++)
        if (eff[k].cat == cat)
            return &eff[k];
    return NULL;
}

/* Every resident's distance in every category, and every row's
 * population within each threshold, exactly as the rerun has them. */
static void assert_matches_rerun(const gr_run_t *base, const gr_whatif_t *w,
                                 const gr_effect_t *eff, int n_eff, const gr_run_t *rerun)
{
    uint32_t n = base->ds->residents.n;
    float *d = malloc(n * sizeof *d);
    assert_int_equal(rerun->ds->residents.n, n);
    for (int c = 0; c < base->n_cats; c++) {
        const gr_effect_t *e = effect_of(eff, n_eff, c);
        memcpy(d, base->cats[c].res_dist_m, n * sizeof *d);
        for (uint32_t k = 0; e && k < e->n; k++) {
            assert_true(e->dist_m[k] != d[e->res[k]]);
            d[e->res[k]] = e->dist_m[k];
        }
        for (uint32_t i = 0; i < n; i++) {
            float want = rerun->cats[c].res_dist_m[i];
            if (!(d[i] == want || (isinf(d[i]) && isinf(want))))
                fail_msg("category %s resident %u: incremental %.9g, rerun %.9g",
                         base->cats[c].cat->name, i, (double)d[i], (double)want);
        }
        gr_tally_t t = gr_whatif_base(w, c);
        const gr_coverage_t *cov = rerun->cats[c].cov;
        for (uint32_t row = 0; row < t.n_rows; row++) {
            const char *code, *name;
            gr_row_kind_t kind = gr_whatif_row(w, row, &code, &name);
            for (uint32_t th = 0; th < t.n_thr; th++) {
                size_t cell = (size_t)row * t.n_thr + th;
                double got = t.within[cell] + (e ? e->gain[cell] : 0.0), want;
                if (kind == GR_ROW_WARD)
                    want = cov->pop_within[row * t.n_thr + th];
                else if (kind == GR_ROW_AREA)
                    want = cov->pop_within[cov->n_wards * t.n_thr + th];
                else     /* North = wards A and B */
                    want = cov->pop_within[0 * t.n_thr + th] + cov->pop_within[1 * t.n_thr + th];
                assert_float_equal(got, want, 0.0);
            }
        }
    }
    free(d);
}

static gr_whatif_t *new_whatif(const gr_run_t *run)
{
    gr_whatif_t *w = NULL;
    gr_error_t err = {0};
    int rc = gr_whatif_new(run, &w, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    return w;
}

static gr_candidates_t *load_candidates(const gr_run_t *run, const char *path)
{
    gr_candidates_t *c = NULL;
    gr_error_t err = {0};
    int rc = gr_candidates_load(run, path, NULL, NULL, &c, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    return c;
}

/* ---- the property: incremental == rerun ---- */

#define N_BOXES 24
#define N_POINTS 16

/* Rows: wards A, B, C, neighbourhood North, then the area. */
static void test_rows(void **state)
{
    (void)state;
    write_grid_town(TMP "/grid/base", NULL);
    gr_run_t *run = run_dir(TMP "/grid/base", false);
    gr_whatif_t *w = new_whatif(run);
    const char *code, *name;
    assert_int_equal(gr_whatif_n_rows(w), 5);
    assert_int_equal(gr_whatif_row(w, 3, &code, &name), GR_ROW_NBHD);
    assert_string_equal(name, "North");
    assert_int_equal(gr_whatif_row(w, 4, &code, &name), GR_ROW_AREA);
    /* the base tallies equal the run's own coverage (the rerun check with
     * no change) */
    assert_matches_rerun(run, w, NULL, 0, run);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* Random boxes anywhere over the grid and 300 m around it: some cross
 * paths, some reach the nearest path, some (far out) reach none. Each as a
 * park: incremental == a rerun with the box added to the greenspaces. */
static void test_random_boxes_equal_rerun(void **state)
{
    (void)state;
    shape_t boxes[N_BOXES];
    rng_state = 7;
    for (int k = 0; k < N_BOXES; k++) {
        double cx = uniform(-300, 2300), cy = uniform(-300, 2300);
        double hw = uniform(5, 90), hh = uniform(5, 90);
        boxes[k] = (shape_t){ cx - hw, cy - hh, cx + hw, cy + hh };
    }
    write_grid_town(TMP "/grid/base", NULL);
    write_candidates(TMP "/grid/boxes", boxes, N_BOXES, false);
    gr_run_t *run = run_dir(TMP "/grid/base", false);
    gr_whatif_t *w = new_whatif(run);
    gr_candidates_t *c = load_candidates(run, TMP "/grid/boxes.shp");
    gr_site_result_t r = {0};
    gr_error_t err = {0};
    int n_gaining = 0, n_unreached = 0;
    for (int k = 0; k < N_BOXES; k++) {
        assert_int_equal(gr_whatif_site(w, c, (uint32_t)k, NULL, NULL, false, &r, &err), 0);
        change_t ch = { .n_boxes = 1, .boxes = &boxes[k] };
        write_grid_town(TMP "/grid/rerun", &ch);
        gr_run_t *rerun = run_dir(TMP "/grid/rerun", false);
        assert_matches_rerun(run, w, r.eff, r.n_eff, rerun);
        gr_run_free(rerun);
        n_gaining += r.n_eff == 1 && r.eff[0].n > 0;
        n_unreached += r.kind == GR_ENTRY_NONE;
        assert_true(r.kind != GR_ENTRY_NONE || r.eff[0].n == 0);
    }
    /* the stream gives both kinds (otherwise the test proves little) */
    assert_true(n_gaining >= N_BOXES / 2);
    assert_true(n_unreached >= 1);
    gr_site_result_free(&r);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* Point candidates: a point is entered where it snaps, as a surveyed
 * access point is; the rerun adds a park with that access point. */
static void test_random_points_equal_rerun(void **state)
{
    (void)state;
    shape_t pts[N_POINTS];
    rng_state = 99;
    for (int k = 0; k < N_POINTS; k++) {
        double x = uniform(-200, 2200), y = uniform(-200, 2200);
        pts[k] = (shape_t){ x, y, x, y };
    }
    write_grid_town(TMP "/grid/base", NULL);
    write_candidates(TMP "/grid/points", pts, N_POINTS, true);
    gr_run_t *run = run_dir(TMP "/grid/base", true);
    gr_whatif_t *w = new_whatif(run);
    gr_candidates_t *c = load_candidates(run, TMP "/grid/points.shp");
    gr_site_result_t r = {0};
    gr_error_t err = {0};
    for (int k = 0; k < N_POINTS; k++) {
        assert_int_equal(gr_whatif_site(w, c, (uint32_t)k, "park", NULL, false, &r, &err), 0);
        change_t ch = { .access = &pts[k] };
        write_grid_town(TMP "/grid/rerun", &ch);
        gr_run_t *rerun = run_dir(TMP "/grid/rerun", true);
        assert_matches_rerun(run, w, r.eff, r.n_eff, rerun);
        gr_run_free(rerun);
    }
    gr_site_result_free(&r);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* All boxes together (accumulated one by one) == one rerun with all. */
static void test_all_together_equal_rerun(void **state)
{
    (void)state;
    shape_t boxes[6];
    rng_state = 11;
    for (int k = 0; k < 6; k++) {
        double cx = uniform(0, 2000), cy = uniform(0, 2000);
        boxes[k] = (shape_t){ cx - 40, cy - 40, cx + 40, cy + 40 };
    }
    write_grid_town(TMP "/grid/base", NULL);
    write_candidates(TMP "/grid/six", boxes, 6, false);
    gr_run_t *run = run_dir(TMP "/grid/base", false);
    gr_whatif_t *w = new_whatif(run);
    gr_candidates_t *c = load_candidates(run, TMP "/grid/six.shp");
    gr_site_result_t r = {0};
    gr_error_t err = {0};
    for (uint32_t k = 0; k < 6; k++) {
        assert_int_equal(gr_whatif_site(w, c, k, NULL, NULL, false, &r, &err), 0);
        assert_int_equal(r.n_eff, 1);
        assert_int_equal(gr_whatif_accumulate(w, &r.eff[0], &err), 0);
    }
    gr_effect_t all = {0};
    assert_int_equal(gr_whatif_combined(w, r.eff[0].cat, &all, &err), 0);
    change_t ch = { .n_boxes = 6, .boxes = boxes };
    write_grid_town(TMP "/grid/rerun", &ch);
    gr_run_t *rerun = run_dir(TMP "/grid/rerun", false);
    assert_matches_rerun(run, w, &all, 1, rerun);
    assert_true(all.n > 0);
    gr_run_free(rerun);
    gr_effect_free(&all);
    gr_site_result_free(&r);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* New paths: a diagonal across a random block (from one corner node to
 * the opposite one through a jittered middle vertex), or a spur from the
 * grid's north-east node out to the residents beyond the snap cap. Each
 * alone: incremental == rerun with the line added to the paths. */
static void test_add_paths_equal_rerun(void **state)
{
    (void)state;
    write_grid_town(TMP "/grid/base", NULL);
    gr_run_t *run = run_dir(TMP "/grid/base", false);
    gr_error_t err = {0};
    rng_state = 5;
    for (int trial = 0; trial < 10; trial++) {
        double xy[6];
        int n = 3;
        if (trial == 0) {
            node_xy(GN, GN, &xy[0], &xy[1]);
            xy[2] = 2100, xy[3] = 2300, xy[4] = 1500, xy[5] = 2300;
        } else {
            int i, j;
            do {
                i = (int)(rnd() * GN);
                j = (int)(rnd() * GN);
            } while ((i == 0 && j == 0) || ((i == 3 || i == 4) && (j == 3 || j == 4)));
            bool flip = rnd() < 0.5;
            node_xy(i, flip ? j + 1 : j, &xy[0], &xy[1]);
            node_xy(i + 1, flip ? j : j + 1, &xy[4], &xy[5]);
            xy[2] = (xy[0] + xy[4]) / 2 + uniform(-40, 40);
            xy[3] = (xy[1] + xy[5]) / 2 + uniform(-40, 40);
        }
        change_t ch = { .n_extra_lines = 1, .line_xy = { xy }, .line_n = { n } };
        write_grid_town(TMP "/grid/rerun", &ch);
        double lxy[6];
        memcpy(lxy, xy, sizeof lxy);
        shift(lxy, 3);
        gr_lines_t lines = fx_lines(1, (const uint32_t[]){ 3 }, lxy);
        gr_whatif_t *w = new_whatif(run);
        gr_paths_result_t r = {0};
        int rc = gr_whatif_add_paths(w, &lines, &r, &err);
        if (rc)
            print_error("%s\n", err.msg);
        assert_int_equal(rc, 0);
        assert_int_equal(r.n_segments, 2);
        gr_run_t *rerun = run_dir(TMP "/grid/rerun", false);
        assert_matches_rerun(run, w, r.eff, r.n_eff, rerun);
        if (trial == 0)     /* the five residents beyond the cap now reach a path */
            assert_int_equal(r.n_resnapped, 5);
        gr_run_free(rerun);
        gr_paths_result_free(&r);
        gr_whatif_free(w);
        fx_lines_free(&lines);
    }
    gr_run_free(run);
}


/* ---- the line town: greedy picks known by construction ----
 * A footway along y = 0 from x = 0 to 6000 (vertices every 500 m); park
 * P1 touches its start (entrance at x = 0); one ward W. Residents on the
 * footway (no offset), with no-car shares:
 *   r0 x=500 pop 10 (0.1), A x=2500 pop 100 (0.1), B x=4500 pop 60 (0.1),
 *   C x=5800 pop 30 (0.9).
 * Low-car threshold (area-wide, population-weighted):
 *   (10*.1 + 100*.1 + 60*.1 + 30*.9) / 200 = 0.22, so only C is low-car.
 * Base: only r0 within 20 min (500 m): 10/200 = 5%.
 * Point candidates on the footway (20 min = 1600 m):
 *   c0 x=3500 covers A (1000) and B (1000): 160
 *   c1 x=2500 covers A (0): 100
 *   c2 x=5000 covers B (500) and C (800): 90
 *   c3 x=5800 covers C (0) and B (1300): 90
 *   c4 (3000, 1000): 1000 m from any path, unreached. */

static void write_line_town(const char *dir)
{
    char base[1024];
    assert_int_equal(fx_mkdir(dir), 0);
    static const char *const wf[] = { "ward_code", "ward_name" }, *const wv[] = { "W", "Ward W" };
    double xy[14];
    snprintf(base, sizeof base, "%s/wards", dir);
    fx_shp_t *w = fx_shp_create(base, SHPT_POLYGON, GR_WKT_BNG, 2, wf, "CC");
    box_ring(&(shape_t){ -200, -1500, 6200, 1500 }, xy);
    fx_shp_add(w, 5, xy, wv);
    fx_shp_close(w);
    static const char *const pf[] = { "highway" }, *const pv[] = { "footway" };
    snprintf(base, sizeof base, "%s/paths", dir);
    fx_shp_t *p = fx_shp_create(base, SHPT_ARC, GR_WKT_BNG, 1, pf, "C");
    double line[26];
    for (int k = 0; k <= 12; k++)
        line[2 * k] = 500.0 * k, line[2 * k + 1] = 0.0;
    shift(line, 13);
    fx_shp_add(p, 13, line, pv);
    fx_shp_close(p);
    static const char *const sf[] = { "site_id", "function" }, *const sv[] = { "P1", "park" };
    snprintf(base, sizeof base, "%s/greenspaces", dir);
    fx_shp_t *s = fx_shp_create(base, SHPT_POLYGON, GR_WKT_BNG, 2, sf, "CC");
    box_ring(&(shape_t){ -100, -50, 0, 50 }, xy);
    fx_shp_add(s, 5, xy, sv);
    fx_shp_close(s);
    static const char *const rf[] = { "population", "no_car" };
    static const double rx[] = { 500, 2500, 4500, 5800 };
    static const char *const rv[][2] = { { "10", "0.1" }, { "100", "0.1" }, { "60", "0.1" },
                                         { "30", "0.9" } };
    snprintf(base, sizeof base, "%s/residents", dir);
    fx_shp_t *r = fx_shp_create(base, SHPT_POINT, GR_WKT_BNG, 2, rf, "NF");
    for (int i = 0; i < 4; i++) {
        double pt[2] = { rx[i], 0.0 };
        shift(pt, 1);
        fx_shp_add(r, 1, pt, rv[i]);
    }
    fx_shp_close(r);
    static const shape_t cand[] = { { 3500, 0, 3500, 0 }, { 2500, 0, 2500, 0 },
                                    { 5000, 0, 5000, 0 }, { 5800, 0, 5800, 0 },
                                    { 3000, 1000, 3000, 1000 } };
    snprintf(base, sizeof base, "%s/cands", dir);
    write_candidates(base, cand, 5, true);
}

#define LINE TMP "/line"

static gr_suggestion_t *suggest(gr_whatif_t *w, const gr_candidates_t *c, const char *target,
                                double lowcar_weight)
{
    gr_suggestion_t *s = NULL;
    gr_error_t err = {0};
    int rc = gr_suggest_sites(w, c, target, lowcar_weight, &s, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    return s;
}

/* Greedy: c0 first (160); then c2 and c3 each add C (30), tie to the
 * lower index c2; then nothing. Shares 170/200 = 85%, 200/200 = 100%: the
 * 97% target is reached with 2 picks. */
static void test_suggest_known_picks(void **state)
{
    (void)state;
    write_line_town(LINE);
    gr_run_t *run = run_dir(LINE, false);
    gr_whatif_t *w = new_whatif(run);
    gr_candidates_t *c = load_candidates(run, LINE "/cands.shp");
    gr_suggestion_t *s = suggest(w, c, "park_20", 1.0);
    assert_int_equal(s->n_picks, 2);
    assert_int_equal(s->cand[0], 0);
    assert_int_equal(s->cand[1], 2);
    assert_float_equal(s->gain_pop[0], 160.0, 0.0);
    assert_float_equal(s->gain_pop[1], 30.0, 0.0);
    assert_float_equal(s->share_base, 0.05, 1e-12);
    assert_float_equal(s->share[0], 0.85, 1e-12);
    assert_float_equal(s->share[1], 1.0, 1e-12);
    assert_int_equal(s->picks_to_target, 2);
    assert_int_equal(s->n_unreached, 1);
    gr_suggestion_free(s);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* Low-car residents weighing 10: c2 and c3 both gain 60 + 30*10 = 360
 * (c2 first, lower index) over c0's 160; then c0 and c1 each add A's 100
 * (c0 first). Residents: 90 then 100; shares 50%, 100%. */
static void test_suggest_lowcar_weight(void **state)
{
    (void)state;
    write_line_town(LINE);
    gr_run_t *run = run_dir(LINE, false);
    gr_whatif_t *w = new_whatif(run);
    gr_candidates_t *c = load_candidates(run, LINE "/cands.shp");
    gr_suggestion_t *s = suggest(w, c, "park_20", 10.0);
    assert_int_equal(s->n_picks, 2);
    assert_int_equal(s->cand[0], 2);
    assert_int_equal(s->cand[1], 0);
    assert_float_equal(s->gain_weighted[0], 360.0, 0.0);
    assert_float_equal(s->gain_weighted[1], 100.0, 0.0);
    assert_float_equal(s->gain_pop[0], 90.0, 0.0);
    assert_float_equal(s->gain_pop[1], 100.0, 0.0);
    assert_float_equal(s->share[0], 0.5, 1e-12);
    gr_suggestion_free(s);
    /* park_15_lowcar counts only C (30): c2 (800 m) and c3 (0 m) both
     * cover it within 1200 m; c2 wins the tie; from 0% to 100% */
    s = suggest(w, c, "park_15_lowcar", 1.0);
    assert_int_equal(s->n_picks, 1);
    assert_int_equal(s->cand[0], 2);
    assert_float_equal(s->gain_pop[0], 30.0, 0.0);
    assert_float_equal(s->share_base, 0.0, 0.0);
    assert_int_equal(s->picks_to_target, 1);
    gr_suggestion_free(s);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* Explicit sets, items weigh 1 except item 5 (5):
 *   s0 {0,1,2} = 3, s1 {2,3} = 2, s2 {3,4,5} = 7, s3 {0,5} = 6.
 * Pick s2 (7); then s0 still 3, s1 {2} = 1, s3 {0} = 1: pick s0 (3); then
 * nothing. Lazy evaluations: 4 at first; round 2 recomputes s3 (1) and
 * s0 (3, now fresh at the top: picked); round 3 recomputes s1 and s3 (0,
 * dropped): 8 in all, where plain greedy computes 4 + 3 + 2 = 9. */
static void test_greedy_cover_lazy(void **state)
{
    (void)state;
    const uint32_t off[] = { 0, 3, 5, 8, 10 };
    const uint32_t item[] = { 0, 1, 2, 2, 3, 3, 4, 5, 0, 5 };
    const double weight[] = { 1, 1, 1, 1, 1, 5 };
    uint32_t pick[4], n_picks, n_evals;
    double gain[4];
    assert_int_equal(gr_greedy_cover(4, off, item, 6, weight, pick, gain, &n_picks, &n_evals), 0);
    assert_int_equal(n_picks, 2);
    assert_int_equal(pick[0], 2);
    assert_int_equal(pick[1], 0);
    assert_float_equal(gain[0], 7.0, 0.0);
    assert_float_equal(gain[1], 3.0, 0.0);
    assert_int_equal(n_evals, 8);
}

/* A diamond whose lowest corner is 400 m north of the footway at x = 2500:
 * beyond the 250 m snap cap, so no path reaches it; with connect, a new
 * straight link of 400 m joins it at x = 2500, and resident A (x = 2500,
 * pop 100) is 400 m from it: newly within 15 and 20 min. Nobody else
 * gains (r0 is nearer P1; B is 2400 m away). */
static void test_connect(void **state)
{
    (void)state;
    write_line_town(LINE);
    static const char *const f[] = { "site_id", "function" }, *const v[] = { "D", "park" };
    double xy[10] = { 2500, 400, 2400, 500, 2500, 600, 2600, 500, 2500, 400 };
    shift(xy, 5);
    fx_shp_t *s = fx_shp_create(LINE "/diamond", SHPT_POLYGON, GR_WKT_BNG, 2, f, "CC");
    fx_shp_add(s, 5, xy, v);
    fx_shp_close(s);
    gr_run_t *run = run_dir(LINE, false);
    gr_whatif_t *w = new_whatif(run);
    gr_candidates_t *c = load_candidates(run, LINE "/diamond.shp");
    gr_site_result_t r = {0};
    gr_error_t err = {0};
    assert_int_equal(gr_whatif_site(w, c, 0, NULL, NULL, false, &r, &err), 0);
    assert_int_equal(r.kind, GR_ENTRY_NONE);
    assert_int_equal(r.eff[0].n, 0);
    assert_int_equal(gr_whatif_site(w, c, 0, NULL, NULL, true, &r, &err), 0);
    assert_int_equal(r.kind, GR_ENTRY_NEAREST_PATH);
    assert_float_equal(r.link_m, 400.0, 1e-3);
    assert_int_equal(r.n_eff, 1);
    assert_int_equal(r.eff[0].n, 1);
    assert_int_equal(r.eff[0].res[0], 1);
    assert_float_equal(r.eff[0].dist_m[0], 400.0, 1e-3);
    uint32_t area = gr_whatif_n_rows(w) - 1;
    assert_float_equal(r.eff[0].gain[area * 2 + 0], 100.0, 0.0);
    assert_float_equal(r.eff[0].gain[area * 2 + 1], 100.0, 0.0);
    gr_site_result_free(&r);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* c0 and c2 together bring everyone within 20 min (100%) and C, the one
 * low-car resident, within 15 min (800 m). park_20 flips missed -> met in
 * ward W and area-wide; park_15_lowcar too (0% -> 100%): 4 flips. c0
 * alone (85%) flips nothing. */
static void test_flips(void **state)
{
    (void)state;
    write_line_town(LINE);
    gr_run_t *run = run_dir(LINE, false);
    gr_whatif_t *w = new_whatif(run);
    gr_candidates_t *c = load_candidates(run, LINE "/cands.shp");
    gr_site_result_t r = {0};
    gr_error_t err = {0};
    gr_flip_t flips[8];
    assert_int_equal(gr_whatif_site(w, c, 0, NULL, NULL, false, &r, &err), 0);
    assert_int_equal(gr_whatif_flips(w, &r.eff[0], flips, 8), 0);
    assert_int_equal(gr_whatif_accumulate(w, &r.eff[0], &err), 0);
    assert_int_equal(gr_whatif_site(w, c, 2, NULL, NULL, false, &r, &err), 0);
    assert_int_equal(gr_whatif_accumulate(w, &r.eff[0], &err), 0);
    gr_effect_t all = {0};
    assert_int_equal(gr_whatif_combined(w, r.eff[0].cat, &all, &err), 0);
    assert_int_equal(gr_whatif_flips(w, &all, flips, 8), 4);
    for (int k = 0; k < 4; k++) {
        assert_false(flips[k].is_met_before);
        assert_true(flips[k].is_met_after);
        assert_float_equal(flips[k].share_after, 1.0, 1e-12);
    }
    assert_string_equal(flips[0].target->id, "park_20");
    assert_float_equal(flips[0].share_before, 0.05, 1e-12);
    assert_string_equal(flips[2].target->id, "park_15_lowcar");
    assert_float_equal(flips[2].share_before, 0.0, 0.0);
    gr_effect_free(&all);
    gr_site_result_free(&r);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    gr_run_free(run);
}

/* ---- the commands ---- */

static int cli(const char *args, char *out, size_t n)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && %s %s > cli.txt 2>&1", LINE, GR_CLI, args);
    int status = system(cmd);
    FILE *f = fopen(LINE "/cli.txt", "r");
    size_t got = f ? fread(out, 1, n - 1, f) : 0;
    out[got] = '\0';
    if (f)
        fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_line_config(void)
{
    FILE *f = fopen(LINE "/line.ini", "w");
    assert_non_null(f);
    static const char *const layers[] = { "wards", "paths", "greenspaces", "residents" };
    for (int i = 0; i < 4; i++)
        fprintf(f, "[%s]\npath = %s/%s.shp\n", layers[i], LINE, layers[i]);
    fprintf(f, "no_car_share_field = no_car\n");
    fclose(f);
}

static void test_cli_errors(void **state)
{
    (void)state;
    char out[8192];
    write_line_town(LINE);
    write_line_config();
    static const char *const lf[] = { "site_id" }, *const lv[] = { "L" };
    double lxy[4] = { 0, 0, 100, 100 };
    shift(lxy, 2);
    fx_shp_t *s = fx_shp_create(LINE "/lines", SHPT_ARC, GR_WKT_BNG, 1, lf, "C");
    fx_shp_add(s, 2, lxy, lv);
    fx_shp_close(s);
    /* usage: nothing to check, no count, a bad grid step, both sources */
    assert_int_equal(cli("check-site --config line.ini", out, sizeof out), 2);
    assert_non_null(strstr(out, "usage: greenreach check-site"));
    assert_int_equal(cli("suggest-sites --config line.ini --grid 100", out, sizeof out), 2);
    assert_int_equal(cli("suggest-sites --config line.ini --grid -5 --count 2", out, sizeof out), 2);
    assert_int_equal(cli("suggest-sites --config line.ini --grid 100 --candidates cands.shp "
                         "--count 2", out, sizeof out), 2);
    assert_int_equal(cli("check-site --config line.ini --site cands.shp --bogus", out, sizeof out), 2);
    /* a target that is not a coverage target of the config */
    assert_int_equal(cli("suggest-sites --config line.ini --candidates cands.shp --count 2 "
                         "--target nosuch --quiet", out, sizeof out), 2);
    assert_non_null(strstr(out, "nosuch"));
    /* a missing file, and a line where a site should be: one line each,
     * naming the file (and the feature) */
    assert_int_equal(cli("check-site --config line.ini --site missing.gpkg --quiet", out,
                         sizeof out), 1);
    assert_non_null(strstr(out, "missing.gpkg"));
    assert_int_equal(cli("check-site --config line.ini --site lines.shp --quiet", out,
                         sizeof out), 1);
    assert_non_null(strstr(out, "lines.shp"));
    assert_non_null(strstr(out, "feature 0"));
    assert_int_equal(cli("check-site --config line.ini --add-paths cands.shp --quiet", out,
                         sizeof out), 1);
    assert_non_null(strstr(out, "cands.shp"));
    /* and both commands working, their CSVs in place */
    assert_int_equal(cli("suggest-sites --config line.ini --candidates cands.shp --count 2 "
                         "--out sout --quiet", out, sizeof out), 0);
    assert_non_null(strstr(out, "reached with 2 pick(s)"));
    assert_int_equal(access(LINE "/sout/suggest_sites.csv", R_OK), 0);
    assert_int_equal(cli("check-site --config line.ini --site cands.shp --out cout --quiet", out,
                         sizeof out), 0);
    assert_int_equal(access(LINE "/cout/check_site.csv", R_OK), 0);
    assert_int_equal(access(LINE "/cout/check_site_flips.csv", R_OK), 0);
}

int main(void)
{
    GDALAllRegister();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_random_boxes_equal_rerun),
        cmocka_unit_test(test_random_points_equal_rerun),
        cmocka_unit_test(test_all_together_equal_rerun),
        cmocka_unit_test(test_add_paths_equal_rerun),
        cmocka_unit_test(test_suggest_known_picks),
        cmocka_unit_test(test_suggest_lowcar_weight),
        cmocka_unit_test(test_greedy_cover_lazy),
        cmocka_unit_test(test_connect),
        cmocka_unit_test(test_flips),
        cmocka_unit_test(test_cli_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
