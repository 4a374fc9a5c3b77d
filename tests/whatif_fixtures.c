#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <shapefil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "whatif_fixtures.h"

#define OX 400000.0
#define OY 300000.0

/* ---- a deterministic random stream (splitmix64) ---- */

uint64_t wf_rng_state;

double wf_rnd(void)
{
    uint64_t z = (wf_rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

double wf_uniform(double lo, double hi)
{
    return lo + (hi - lo) * wf_rnd();
}

/* ---- the grid town ---- */

#define N_RES 245

void wf_node_xy(int i, int j, double *x, double *y)
{
    uint64_t saved = wf_rng_state;
    wf_rng_state = (uint64_t)(i * 131 + j * 7919 + 17);
    *x = 250.0 * i + wf_uniform(-30.0, 30.0);
    *y = 250.0 * j + wf_uniform(-30.0, 30.0);
    wf_rng_state = saved;
}

void wf_shift(double *xy, int n)
{
    for (int k = 0; k < n; k++) {
        xy[2 * k] += OX;
        xy[2 * k + 1] += OY;
    }
}

static void box_ring(const wf_shape_t *b, double xy[10])
{
    const double ring[10] = { b->x0, b->y0, b->x0, b->y1, b->x1, b->y1, b->x1, b->y0, b->x0, b->y0 };
    memcpy(xy, ring, sizeof ring);
    wf_shift(xy, 5);
}

static void write_paths(const char *dir, const wf_change_t *ch)
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
                wf_node_xy(dir_k ? a : b, dir_k ? b : a, &xy[2 * b], &xy[2 * b + 1]);
            wf_shift(xy, GN + 1);
            assert_int_equal(fx_shp_add(s, GN + 1, xy, v), 0);
        }
    }
    for (int l = 0; ch && l < ch->n_extra_lines; l++) {
        double xy[64];
        memcpy(xy, ch->line_xy[l], 2 * (size_t)ch->line_n[l] * sizeof *xy);
        wf_shift(xy, ch->line_n[l]);
        assert_int_equal(fx_shp_add(s, ch->line_n[l], xy, v), 0);
    }
    fx_shp_close(s);
}

static void write_sites(const char *dir, const wf_change_t *ch)
{
    char base[1024];
    static const char *const f[] = { "site_id", "function" };
    static const char *const p1[] = { "P1", "park" }, *const s1[] = { "S1", "pitch" };
    char cand_id[16];
    const char *cand[] = { cand_id, "park" };
    double x44, y44, xy[10];
    wf_node_xy(4, 4, &x44, &y44);
    snprintf(base, sizeof base, "%s/greenspaces", dir);
    fx_shp_t *s = fx_shp_create(base, SHPT_POLYGON, GR_WKT_BNG, 2, f, "CC");
    assert_non_null(s);
    box_ring(&(wf_shape_t){ -60, -60, 40, 40 }, xy);
    fx_shp_add(s, 5, xy, p1);
    box_ring(&(wf_shape_t){ x44 - 20, y44 - 20, x44 + 20, y44 + 20 }, xy);
    fx_shp_add(s, 5, xy, s1);
    for (int k = 0; ch && k < ch->n_boxes; k++) {
        snprintf(cand_id, sizeof cand_id, "CAND%d", k);
        box_ring(&ch->boxes[k], xy);
        fx_shp_add(s, 5, xy, cand);
    }
    if (ch && ch->access) {
        /* its polygon lies far off; the access point decides */
        snprintf(cand_id, sizeof cand_id, "CAND");
        box_ring(&(wf_shape_t){ 5000, 5000, 5010, 5010 }, xy);
        fx_shp_add(s, 5, xy, cand);
    }
    fx_shp_close(s);
    snprintf(base, sizeof base, "%s/access", dir);
    static const char *const af[] = { "site_id" }, *const av[] = { "CAND" };
    fx_shp_t *a = fx_shp_create(base, SHPT_POINT, GR_WKT_BNG, 1, af, "C");
    double pt[2] = { ch && ch->access ? ch->access->x0 : 5005, ch && ch->access ? ch->access->y0 : 5005 };
    wf_shift(pt, 1);
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
        box_ring(&(wf_shape_t){ wx[k], -300, wx[k + 1], 2400 }, xy);
        fx_shp_add(w, 5, xy, wv[k]);
    }
    fx_shp_close(w);
    static const char *const rf[] = { "population", "no_car" };
    snprintf(base, sizeof base, "%s/residents", dir);
    fx_shp_t *r = fx_shp_create(base, SHPT_POINT, GR_WKT_BNG, 2, rf, "NF");
    uint64_t saved = wf_rng_state;
    wf_rng_state = 4242;
    for (int i = 0; i < N_RES; i++) {
        bool is_north = i >= N_RES - 5;
        double xy[2] = { is_north ? 1550.0 + 100.0 * (i - (N_RES - 5)) : wf_uniform(-40, 2040),
                         is_north ? 2300.0 : wf_uniform(-40, 2040) };
        char pop[16], nc[16];
        snprintf(pop, sizeof pop, "%d", 1 + (int)(30 * wf_rnd()));
        snprintf(nc, sizeof nc, "%.2f", wf_rnd());
        const char *v[2] = { pop, nc };
        wf_shift(xy, 1);
        fx_shp_add(r, 1, xy, v);
    }
    wf_rng_state = saved;
    fx_shp_close(r);
}

void wf_write_grid_town(const char *dir, const wf_change_t *ch)
{
    assert_int_equal(fx_mkdir(dir), 0);
    write_wards_residents(dir);
    write_paths(dir, ch);
    write_sites(dir, ch);
}

gr_run_t *wf_run_dir(const char *dir, bool with_access)
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
void wf_write_candidates(const char *base, const wf_shape_t *c, int n, bool is_point)
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
            wf_shift(xy, 1);
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
void wf_assert_matches_rerun(const gr_run_t *base, const gr_whatif_t *w,
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

gr_whatif_t *wf_new_whatif(const gr_run_t *run)
{
    gr_whatif_t *w = NULL;
    gr_error_t err = {0};
    int rc = gr_whatif_new(run, &w, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    return w;
}

gr_candidates_t *wf_load_candidates(const gr_run_t *run, const char *path)
{
    gr_candidates_t *c = NULL;
    gr_error_t err = {0};
    int rc = gr_candidates_load(run, path, NULL, NULL, &c, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    return c;
}

void wf_write_line_town(const char *dir)
{
    char base[1024];
    assert_int_equal(fx_mkdir(dir), 0);
    static const char *const wf[] = { "ward_code", "ward_name" }, *const wv[] = { "W", "Ward W" };
    double xy[14];
    snprintf(base, sizeof base, "%s/wards", dir);
    fx_shp_t *w = fx_shp_create(base, SHPT_POLYGON, GR_WKT_BNG, 2, wf, "CC");
    box_ring(&(wf_shape_t){ -200, -1500, 6200, 1500 }, xy);
    fx_shp_add(w, 5, xy, wv);
    fx_shp_close(w);
    static const char *const pf[] = { "highway" }, *const pv[] = { "footway" };
    snprintf(base, sizeof base, "%s/paths", dir);
    fx_shp_t *p = fx_shp_create(base, SHPT_ARC, GR_WKT_BNG, 1, pf, "C");
    double line[26];
    for (int k = 0; k <= 12; k++)
        line[2 * k] = 500.0 * k, line[2 * k + 1] = 0.0;
    wf_shift(line, 13);
    fx_shp_add(p, 13, line, pv);
    fx_shp_close(p);
    static const char *const sf[] = { "site_id", "function" }, *const sv[] = { "P1", "park" };
    snprintf(base, sizeof base, "%s/greenspaces", dir);
    fx_shp_t *s = fx_shp_create(base, SHPT_POLYGON, GR_WKT_BNG, 2, sf, "CC");
    box_ring(&(wf_shape_t){ -100, -50, 0, 50 }, xy);
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
        wf_shift(pt, 1);
        fx_shp_add(r, 1, pt, rv[i]);
    }
    fx_shp_close(r);
    static const wf_shape_t cand[] = { { 3500, 0, 3500, 0 }, { 2500, 0, 2500, 0 },
                                    { 5000, 0, 5000, 0 }, { 5800, 0, 5800, 0 },
                                    { 3000, 1000, 3000, 1000 } };
    snprintf(base, sizeof base, "%s/cands", dir);
    wf_write_candidates(base, cand, 5, true);
}

