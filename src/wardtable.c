#include "greenreach/wardtable.h"

#include <math.h>
#include <stdio.h>

gr_cell_kind_t gr_sink_num_kind(double v, int decimals, int is_null, long long *whole)
{
    if (is_null || !isfinite(v))
        return GR_CELL_NULL;
    if (decimals != 0)
        return GR_CELL_REAL;
    *whole = llround(v);
    return GR_CELL_WHOLE;
}

static void num(gr_sink_t *s, const char *name, double v, int decimals)
{
    s->num(s, name, v, decimals, 0);
}

static void target_cells(gr_sink_t *s, const gr_target_result_t *tr, const gr_measure_t *m)
{
    char name[GR_NAME_MAX + 16];
    const char *id = tr->target->id;
#define CELL(suffix, v, dec) (snprintf(name, sizeof name, "%s_%s", id, suffix), num(s, name, v, dec))
    if (tr->target->kind == GR_TARGET_COVERAGE) {
        CELL("pop", m->pop, 0);
        CELL("within", m->pop_within, 0);
        CELL("share", m->share, 6);
        CELL("shortfall", m->shortfall_pop, 0);
    } else {
        CELL("sites", m->n_sites, 0);
        CELL("area_m2", m->site_area_m2, 0);
        CELL("shortfall", m->shortfall_pop, 0);
    }
#undef CELL
    s->text(s, id, gr_verdict_name(m->verdict), 0);
}

static void coverage_cells(const gr_run_t *run, uint32_t r, gr_sink_t *s)
{
    char name[2 * GR_NAME_MAX];
    for (int c = 0; c < run->n_cats; c++) {
        const gr_category_t *cat = run->cats[c].cat;
        const gr_coverage_t *cv = run->cats[c].cov;
        for (uint32_t t = 0; t < cv->n_thr; t++) {
            snprintf(name, sizeof name, "%s_pop_%s", cat->name, cat->thr_label[t]);
            num(s, name, cv->pop_within[(size_t)r * cv->n_thr + t], 0);
            snprintf(name, sizeof name, "%s_share_%s", cat->name, cat->thr_label[t]);
            num(s, name, gr_coverage_share(cv, r, t), 6);
        }
    }
}

/* v[r], or the sum over all n wards for the total row (r == n). */
static double ward_or_total(const double *v, uint32_t n, uint32_t r)
{
    if (r < n)
        return v[r];
    double t = 0;
    for (uint32_t w = 0; w < n; w++)
        t += v[w];
    return t;
}

/* Catchment area inside ward r (or all wards) and its share of the
 * ward's area. */
static void catchment_cells(const gr_run_t *run, const gr_catchments_t *cs, uint32_t r,
                            gr_sink_t *s)
{
    char name[2 * GR_NAME_MAX];
    double ward_m2 = ward_or_total(cs->ward_area_m2, cs->n_wards, r);
    num(s, "area_m2", ward_m2, 0);
    for (int i = 0; i < cs->n; i++) {
        const gr_catchment_t *k = &cs->c[i];
        const gr_category_t *cat = run->cats[k->cat].cat;
        double in_m2 = ward_or_total(k->ward_area_m2, cs->n_wards, r);
        snprintf(name, sizeof name, "%s_catch_m2_%s", cat->name, cat->thr_label[k->thr]);
        num(s, name, in_m2, 0);
        snprintf(name, sizeof name, "%s_catch_share_%s", cat->name, cat->thr_label[k->thr]);
        num(s, name, ward_m2 > 0 ? in_m2 / ward_m2 : 0.0, 6);
    }
}

void gr_wardtable_row(const gr_run_t *run, const gr_targets_t *tg, const gr_catchments_t *cs,
                      uint32_t r, gr_sink_t *s)
{
    const gr_wards_t *w = &run->ds->wards;
    const gr_coverage_t *c0 = run->cats[0].cov;
    int is_total = r == w->n;
    const char *nbhd = is_total ? "" : w->nbhd[r];
    if (tg && !is_total && tg->ward_nbhd[r] != GR_NONE)
        nbhd = tg->nbhd_name[tg->ward_nbhd[r]];
    s->text(s, "ward_code", is_total ? "TOTAL" : w->code[r], 1);
    s->text(s, "ward_name", is_total ? "All wards" : w->name[r], 1);
    s->text(s, "nbhd", nbhd, 1);
    num(s, "population", c0->pop[r], 0);
    num(s, "pop_unsnapped", c0->pop_unsnapped[r], 0);
    coverage_cells(run, r, s);
    for (int i = 0; tg && i < tg->n; i++)
        target_cells(s, &tg->res[i], is_total ? &tg->res[i].area : &tg->res[i].ward[r]);
    if (cs)
        catchment_cells(run, cs, r, s);
}

void gr_nbhdtable_row(const gr_targets_t *tg, uint32_t k, gr_sink_t *s)
{
    uint32_t n_wards = 0;
    for (uint32_t w = 0; w < tg->n_wards; w++)
        n_wards += k == tg->n_nbhd || tg->ward_nbhd[w] == k;
    s->text(s, "nbhd", k < tg->n_nbhd ? tg->nbhd_name[k] : "ALL", 1);
    num(s, "wards", n_wards, 0);
    for (int i = 0; i < tg->n; i++)
        target_cells(s, &tg->res[i], k < tg->n_nbhd ? &tg->res[i].nbhd[k] : &tg->res[i].area);
}
