#include "greenreach/whatif.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/crs.h"
#include "greenreach/search.h"
#include "greenreach/wardindex.h"

struct gr_whatif {
    const gr_run_t *run;
    uint32_t n_res, n_wards, n_nbhd, n_rows;
    char **nbhd_name;           /* [n_nbhd], borrowed from the run's wards */
    uint32_t *ward_nbhd_row;    /* [n_wards]: the ward's neighbourhood row or GR_NONE */
    uint32_t *edge_off;         /* residents by snapped edge (CSR over edges) */
    uint32_t *edge_res;
    uint8_t *lowcar;            /* per resident */
    bool has_lowcar;
    double lowcar_thr;
    double extent_m;            /* diagonal of the graph: the longest link --connect tries */
    gr_search_ws_t *ws;
    uint32_t *stamp;            /* per resident: the scan that last looked at it */
    uint32_t stamp_now;
    gr_source_t *src;           /* the current candidate's entrances */
    uint32_t n_src;
    double *pop, *pop_lowcar;                       /* [n_rows] */
    double *within[GR_MAX_CATEGORIES];              /* [n_rows * n_thr] */
    double *within_lowcar[GR_MAX_CATEGORIES];
    float *all_dist[GR_MAX_CATEGORIES];             /* all candidates together */
    gr_effect_t all[GR_MAX_CATEGORIES];             /* improved residents so far */
};

/* park_20 as DESIGN.md states it, for configs that name no targets. */
static const gr_target_t default_park_20 = {
    .id = "park_20",
    .title = "97% of residents within a 20-minute walk of a park or open space",
    .kind = GR_TARGET_COVERAGE,
    .category = "park",
    .threshold = "20min",
    .level = 0.97,
    .population = GR_POP_ALL,
    .scopes = GR_SCOPE_WARD | GR_SCOPE_AREA,
};

/* ---- growable effect lists ---- */

static int effect_push(gr_effect_t *e, uint32_t res, float d)
{
    if (e->n == e->cap) {
        uint32_t c = e->cap ? 2 * e->cap : 256;
        uint32_t *r = realloc(e->res, (size_t)c * sizeof *r);
        if (r)
            e->res = r;
        float *dd = r ? realloc(e->dist_m, (size_t)c * sizeof *dd) : NULL;
        if (!dd)
            return -1;
        e->dist_m = dd;
        e->cap = c;
    }
    e->res[e->n] = res;
    e->dist_m[e->n++] = d;
    return 0;
}

/* Empties e for category cat, keeping its buffers. */
static int effect_reset(gr_effect_t *e, const gr_whatif_t *w, int cat)
{
    uint32_t n_thr = (uint32_t)w->run->cats[cat].cat->n_thr;
    size_t cells = (size_t)w->n_rows * n_thr;
    if (!e->gain || e->n_rows * e->n_thr < cells) {
        free(e->gain);
        free(e->gain_lowcar);
        e->gain = malloc(cells * sizeof *e->gain);
        e->gain_lowcar = malloc(cells * sizeof *e->gain_lowcar);
        if (!e->gain || !e->gain_lowcar)
            return -1;
    }
    memset(e->gain, 0, cells * sizeof *e->gain);
    memset(e->gain_lowcar, 0, cells * sizeof *e->gain_lowcar);
    e->cat = cat;
    e->n = 0;
    e->n_rows = w->n_rows;
    e->n_thr = n_thr;
    return 0;
}

void gr_effect_free(gr_effect_t *e)
{
    if (!e)
        return;
    free(e->res);
    free(e->dist_m);
    free(e->gain);
    free(e->gain_lowcar);
    memset(e, 0, sizeof *e);
}

void gr_site_result_free(gr_site_result_t *r)
{
    for (int k = 0; r && k < GR_MAX_CATEGORIES; k++)
        gr_effect_free(&r->eff[k]);
}

void gr_paths_result_free(gr_paths_result_t *r)
{
    for (int k = 0; r && k < GR_MAX_CATEGORIES; k++)
        gr_effect_free(&r->eff[k]);
}

/* ---- rows and tallies ---- */

/* The rows resident i counts in (ward, neighbourhood, area); 0 when it
 * lives in no ward, as in the coverage tallies. */
static int resident_rows(const gr_whatif_t *w, uint32_t i, uint32_t rows[3])
{
    uint32_t ward = w->run->res_ward[i];
    if (ward == GR_NONE)
        return 0;
    int n = 0;
    rows[n++] = ward;
    if (w->ward_nbhd_row[ward] != GR_NONE)
        rows[n++] = w->ward_nbhd_row[ward];
    rows[n++] = w->n_rows - 1;
    return n;
}

/* Adds resident i to within[row * n_thr + t] for every threshold it
 * comes within going from distance `before` to `after`, and takes it off
 * for every one it leaves. */
static void tally_change(const gr_whatif_t *w, const gr_category_t *cat, uint32_t i,
                         float before, float after, double *within, double *within_lowcar)
{
    uint32_t rows[3];
    int n = resident_rows(w, i, rows);
    double pop = w->run->ds->residents.pop[i];
    for (int t = 0; t < cat->n_thr; t++) {
        bool was_in = before <= cat->thr_m[t], is_in = after <= cat->thr_m[t];
        double delta = is_in == was_in ? 0.0 : (is_in ? pop : -pop);
        for (int k = 0; delta != 0.0 && k < n; k++) {
            size_t cell = (size_t)rows[k] * (size_t)cat->n_thr + (size_t)t;
            within[cell] += delta;
            if (w->lowcar[i])
                within_lowcar[cell] += delta;
        }
    }
}

static void effect_tally(const gr_whatif_t *w, gr_effect_t *e)
{
    const gr_cat_result_t *cr = &w->run->cats[e->cat];
    for (uint32_t k = 0; k < e->n; k++)
        tally_change(w, cr->cat, e->res[k], cr->res_dist_m[e->res[k]], e->dist_m[k], e->gain,
                     e->gain_lowcar);
}

uint32_t gr_whatif_n_rows(const gr_whatif_t *w)
{
    return w->n_rows;
}

gr_row_kind_t gr_whatif_row(const gr_whatif_t *w, uint32_t row, const char **code,
                            const char **name)
{
    const gr_wards_t *wd = &w->run->ds->wards;
    if (row < w->n_wards) {
        *code = wd->code[row];
        *name = wd->name[row];
        return GR_ROW_WARD;
    }
    if (row < w->n_wards + w->n_nbhd) {
        *code = *name = w->nbhd_name[row - w->n_wards];
        return GR_ROW_NBHD;
    }
    *code = "ALL";
    *name = "All wards";
    return GR_ROW_AREA;
}

bool gr_whatif_has_lowcar(const gr_whatif_t *w, double *threshold)
{
    if (threshold)
        *threshold = w->lowcar_thr;
    return w->has_lowcar;
}

gr_tally_t gr_whatif_base(const gr_whatif_t *w, int cat)
{
    return (gr_tally_t){ w->n_rows, (uint32_t)w->run->cats[cat].cat->n_thr, w->pop,
                         w->pop_lowcar, w->within[cat], w->within_lowcar[cat] };
}

/* ---- building the engine ---- */

/* Neighbourhood rows: the distinct non-empty nbhd values of the wards. */
static int setup_rows(gr_whatif_t *w)
{
    const gr_wards_t *wd = &w->run->ds->wards;
    w->n_wards = wd->n;
    w->nbhd_name = calloc((size_t)wd->n + 1, sizeof *w->nbhd_name);
    w->ward_nbhd_row = malloc((size_t)wd->n * sizeof *w->ward_nbhd_row + 1);
    if (!w->nbhd_name || !w->ward_nbhd_row)
        return -1;
    for (uint32_t r = 0; r < wd->n; r++) {
        w->ward_nbhd_row[r] = GR_NONE;
        if (!wd->nbhd[r][0])
            continue;
        uint32_t k = 0;
        while (k < w->n_nbhd && strcmp(w->nbhd_name[k], wd->nbhd[r]) != 0)
            k++;
        if (k == w->n_nbhd)
            w->nbhd_name[w->n_nbhd++] = wd->nbhd[r];
        w->ward_nbhd_row[r] = wd->n + k;
    }
    w->n_rows = w->n_wards + w->n_nbhd + 1;
    return 0;
}

/* Residents grouped by the edge they are snapped to (counting sort). */
static int index_residents(gr_whatif_t *w)
{
    const gr_graph_t *g = w->run->g;
    const gr_snap_t *snap = w->run->res_snap;
    w->edge_off = calloc((size_t)g->n_edges + 2, sizeof *w->edge_off);
    w->edge_res = malloc((size_t)w->n_res * sizeof *w->edge_res + 1);
    uint32_t *fill = malloc((size_t)g->n_edges * sizeof *fill + 1);
    if (!w->edge_off || !w->edge_res || !fill) {
        free(fill);
        return -1;
    }
    for (uint32_t i = 0; i < w->n_res; i++)
        if (snap[i].edge != GR_NONE)
            w->edge_off[snap[i].edge + 1]++;
    for (uint32_t e = 0; e < g->n_edges; e++)
        w->edge_off[e + 1] += w->edge_off[e];
    memcpy(fill, w->edge_off, (size_t)g->n_edges * sizeof *fill);
    for (uint32_t i = 0; i < w->n_res; i++)
        if (snap[i].edge != GR_NONE)
            w->edge_res[fill[snap[i].edge]++] = i;
    free(fill);
    return 0;
}

/* Low-car residents: no_car_share above the configured threshold, or by
 * default above the area-wide population-weighted share. */
static void mark_lowcar(gr_whatif_t *w)
{
    const gr_residents_t *R = &w->run->ds->residents;
    double sum = 0.0, pop = 0.0;
    for (uint32_t i = 0; i < R->n; i++) {
        if (!isnan(R->no_car_share[i])) {
            sum += R->pop[i] * R->no_car_share[i];
            pop += R->pop[i];
            w->has_lowcar = true;
        }
    }
    double cfg_thr = w->run->cfg.lowcar_threshold;
    w->lowcar_thr = cfg_thr >= 0.0 ? cfg_thr : (pop > 0.0 ? sum / pop : NAN);
    for (uint32_t i = 0; i < R->n; i++)
        w->lowcar[i] = !isnan(R->no_car_share[i]) && R->no_car_share[i] > w->lowcar_thr;
}

static int base_tallies(gr_whatif_t *w)
{
    const gr_residents_t *R = &w->run->ds->residents;
    w->pop = calloc(w->n_rows, sizeof *w->pop);
    w->pop_lowcar = calloc(w->n_rows, sizeof *w->pop_lowcar);
    if (!w->pop || !w->pop_lowcar)
        return -1;
    for (uint32_t i = 0; i < R->n; i++) {
        uint32_t rows[3];
        int n = resident_rows(w, i, rows);
        for (int k = 0; k < n; k++) {
            w->pop[rows[k]] += R->pop[i];
            w->pop_lowcar[rows[k]] += w->lowcar[i] ? R->pop[i] : 0.0;
        }
    }
    for (int c = 0; c < w->run->n_cats; c++) {
        const gr_cat_result_t *cr = &w->run->cats[c];
        size_t cells = (size_t)w->n_rows * (size_t)cr->cat->n_thr + 1;
        w->within[c] = calloc(cells, sizeof *w->within[c]);
        w->within_lowcar[c] = calloc(cells, sizeof *w->within_lowcar[c]);
        if (!w->within[c] || !w->within_lowcar[c])
            return -1;
        for (uint32_t i = 0; i < R->n; i++)
            tally_change(w, cr->cat, i, INFINITY, cr->res_dist_m[i], w->within[c],
                         w->within_lowcar[c]);
    }
    return 0;
}

static double graph_extent(const gr_graph_t *g)
{
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        minx = fmin(minx, g->x[i]);
        maxx = fmax(maxx, g->x[i]);
        miny = fmin(miny, g->y[i]);
        maxy = fmax(maxy, g->y[i]);
    }
    return g->n_nodes ? hypot(maxx - minx, maxy - miny) : 0.0;
}

int gr_whatif_new(const gr_run_t *run, gr_whatif_t **out, gr_error_t *err)
{
    *out = NULL;
    gr_whatif_t *w = calloc(1, sizeof *w);
    if (!w)
        return gr_error_set(err, GR_ENOMEM, "out of memory for what-if");
    w->run = run;
    w->n_res = run->ds->residents.n;
    w->lowcar = calloc((size_t)w->n_res + 1, 1);
    w->stamp = calloc((size_t)w->n_res + 1, sizeof *w->stamp);
    int rc = (!w->lowcar || !w->stamp || setup_rows(w) || index_residents(w)) ? -1 : 0;
    if (!rc) {
        mark_lowcar(w);
        rc = base_tallies(w);
    }
    if (rc) {
        gr_whatif_free(w);
        return gr_error_set(err, GR_ENOMEM, "out of memory for what-if");
    }
    w->extent_m = graph_extent(run->g);
    rc = gr_search_ws_new(run->g, NULL, &w->ws, err);
    if (rc) {
        gr_whatif_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void gr_whatif_free(gr_whatif_t *w)
{
    if (!w)
        return;
    free(w->nbhd_name);
    free(w->ward_nbhd_row);
    free(w->edge_off);
    free(w->edge_res);
    free(w->lowcar);
    free(w->stamp);
    free(w->src);
    free(w->pop);
    free(w->pop_lowcar);
    for (int c = 0; c < GR_MAX_CATEGORIES; c++) {
        free(w->within[c]);
        free(w->within_lowcar[c]);
        free(w->all_dist[c]);
        gr_effect_free(&w->all[c]);
    }
    gr_search_ws_free(w->ws);
    free(w);
}

/* ---- one candidate ---- */

/* The candidate's entrances into w->src. With connect, a candidate no
 * path reaches within the snap cap is tried again with the cap doubled
 * until a path is found: the straight link to it is the new link. */
static int candidate_sources(gr_whatif_t *w, const gr_candidates_t *c, uint32_t i,
                             bool connect, gr_site_result_t *r, gr_error_t *err)
{
    const gr_run_t *run = w->run;
    uint32_t a0 = c->access_first[i], na = c->access_first[i + 1] - a0;
    gr_site_geom_t sg = { c->geom[i], c->access_x + a0, c->access_y + a0, na,
                          run->ds->sites.n + i };
    double cap = run->cfg.snap_max_m;
    free(w->src);
    w->src = NULL;
    r->link_m = 0.0f;
    int rc = gr_entrances_for_geom(run->g, run->idx, run->gh, &sg, cap, &w->src, &w->n_src,
                                   &r->kind, err);
    while (!rc && connect && r->kind == GR_ENTRY_NONE && cap < w->extent_m) {
        cap *= 2.0;
        rc = gr_entrances_for_geom(run->g, run->idx, run->gh, &sg, cap, &w->src, &w->n_src,
                                   &r->kind, err);
        for (uint32_t k = 0; !rc && k < w->n_src; k++)
            if (k == 0 || w->src[k].init_m < r->link_m)
                r->link_m = w->src[k].init_m;
    }
    r->n_entrances = w->n_src;
    return rc;
}

/* Residents on edge e whose distance the last search brings below the
 * base: appended to eff with the new distance (same rule as the
 * pipeline: nearest point distance along the edge, plus the offset). */
static int scan_edge(gr_whatif_t *w, const gr_field_t *f, const float *base, uint32_t e,
                     gr_effect_t *eff)
{
    for (uint32_t k = w->edge_off[e]; k < w->edge_off[e + 1]; k++) {
        uint32_t i = w->edge_res[k];
        if (w->stamp[i] == w->stamp_now)
            continue;
        w->stamp[i] = w->stamp_now;
        const gr_snap_t *s = &w->run->res_snap[i];
        float d = gr_field_point_dist(f, e, s->pos_m, NULL) + s->offset_m;
        if (d <= f->cutoff_m && d < base[i] && effect_push(eff, i, d))
            return -1;
    }
    return 0;
}

/* Every resident on an edge the last search reached. */
static int collect_gains(gr_whatif_t *w, const float *base, gr_effect_t *eff)
{
    const gr_graph_t *g = w->run->g;
    const gr_field_t *f = gr_search_ws_field(w->ws);
    uint32_t n_touched;
    const uint32_t *touched = gr_search_ws_touched(w->ws, &n_touched);
    if (++w->stamp_now == 0) {
        memset(w->stamp, 0, (size_t)w->n_res * sizeof *w->stamp);
        w->stamp_now = 1;
    }
    for (uint32_t k = 0; k < n_touched; k++) {
        uint32_t v = touched[k];
        if (v >= g->n_nodes)
            continue;
        for (uint32_t a = g->adj_off[v]; a < g->adj_off[v + 1]; a++)
            if (scan_edge(w, f, base, g->adj_edge[a], eff))
                return -1;
    }
    /* a long edge may hold a resident near a source with both ends beyond reach */
    for (uint32_t k = 0; k < f->n_src; k++)
        if (scan_edge(w, f, base, f->src[k].edge, eff))
            return -1;
    return 0;
}

/* One bounded search for category cat from the current sources, cut off
 * at cutoff_m, then the residents it improves into eff. */
static int search_category(gr_whatif_t *w, int cat, float cutoff_m, uint32_t site,
                           gr_effect_t *eff, gr_error_t *err)
{
    const gr_cat_result_t *cr = &w->run->cats[cat];
    gr_bounded_query_t q = { .src = w->src, .n_src = w->n_src, .bound_m = cr->field->dist_m,
                             .cutoff_m = cutoff_m, .site = site };
    if (effect_reset(eff, w, cat))
        return gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
    int rc = gr_search_bounded(w->ws, &q, err);
    if (!rc && collect_gains(w, cr->res_dist_m, eff))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
    return rc;
}

int gr_whatif_site(gr_whatif_t *w, const gr_candidates_t *c, uint32_t i, const char *function,
                   const char *play_class, bool connect, gr_site_result_t *r, gr_error_t *err)
{
    const char *fn = (function && function[0]) ? function
                     : (c->function[i][0] ? c->function[i] : "park");
    const char *pc = (play_class && play_class[0]) ? play_class : c->play_class[i];
    r->n_eff = 0;
    int rc = candidate_sources(w, c, i, connect, r, err);
    for (int cat = 0; !rc && cat < w->run->n_cats; cat++) {
        const gr_cat_result_t *cr = &w->run->cats[cat];
        if (!gr_category_has_site(cr->cat, fn, pc))
            continue;
        gr_effect_t *eff = &r->eff[r->n_eff++];
        rc = search_category(w, cat, cr->field->cutoff_m, w->run->ds->sites.n + i, eff, err);
        if (!rc)
            effect_tally(w, eff);
    }
    return rc;
}

/* ---- all candidates together ---- */

int gr_whatif_accumulate(gr_whatif_t *w, const gr_effect_t *e, gr_error_t *err)
{
    int c = e->cat;
    if (!w->all_dist[c]) {
        w->all_dist[c] = malloc((size_t)w->n_res * sizeof *w->all_dist[c] + 1);
        if (!w->all_dist[c] || effect_reset(&w->all[c], w, c))
            return gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
        memcpy(w->all_dist[c], w->run->cats[c].res_dist_m, (size_t)w->n_res * sizeof(float));
    }
    const float *base = w->run->cats[c].res_dist_m;
    for (uint32_t k = 0; k < e->n; k++) {
        uint32_t i = e->res[k];
        /* list each resident once, the first time it improves */
        if (w->all_dist[c][i] == base[i] && effect_push(&w->all[c], i, e->dist_m[k]))
            return gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
        if (e->dist_m[k] < w->all_dist[c][i])
            w->all_dist[c][i] = e->dist_m[k];
    }
    return 0;
}

int gr_whatif_combined(gr_whatif_t *w, int cat, gr_effect_t *out, gr_error_t *err)
{
    if (effect_reset(out, w, cat))
        return gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
    const gr_effect_t *all = &w->all[cat];
    for (uint32_t k = 0; w->all_dist[cat] && k < all->n; k++)
        if (effect_push(out, all->res[k], w->all_dist[cat][all->res[k]]))
            return gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
    effect_tally(w, out);
    return 0;
}

/* ---- target verdicts ---- */

/* The coverage targets to check: the config's, or park_20. */
static const gr_target_t *target_at(const gr_whatif_t *w, int k, int *n)
{
    const gr_config_t *cfg = &w->run->cfg;
    *n = cfg->n_targets > 0 ? cfg->n_targets : 1;
    return cfg->n_targets > 0 ? &cfg->targets[k] : &default_park_20;
}

const gr_target_t *gr_whatif_target(const gr_whatif_t *w, const char *id)
{
    int n;
    target_at(w, 0, &n);
    for (int k = 0; k < n; k++) {
        const gr_target_t *t = target_at(w, k, &n);
        if (t->kind == GR_TARGET_COVERAGE && strcmp(t->id, id) == 0)
            return t;
    }
    return strcmp(id, default_park_20.id) == 0 ? &default_park_20 : NULL;
}

/* Threshold index of label in category cat, or -1. */
static int threshold_index(const gr_category_t *cat, const char *label)
{
    for (int t = 0; t < cat->n_thr; t++)
        if (strcmp(cat->thr_label[t], label) == 0)
            return t;
    return -1;
}

static bool row_in_scope(const gr_whatif_t *w, uint32_t row, int scopes)
{
    const char *code, *name;
    switch (gr_whatif_row(w, row, &code, &name)) {
    case GR_ROW_WARD: return scopes & GR_SCOPE_WARD;
    case GR_ROW_NBHD: return scopes & GR_SCOPE_NBHD;
    default: return scopes & GR_SCOPE_AREA;
    }
}

/* The one place verdicts are decided: share of the counted population
 * within the target's threshold, before and after, against its level. */
static bool verdict_flips(const gr_whatif_t *w, const gr_target_t *t, const gr_effect_t *e,
                          int thr, uint32_t row, gr_flip_t *f)
{
    bool lc = t->population == GR_POP_LOWCAR;
    size_t cell = (size_t)row * e->n_thr + (size_t)thr;
    double pop = lc ? w->pop_lowcar[row] : w->pop[row];
    double before = lc ? w->within_lowcar[e->cat][cell] : w->within[e->cat][cell];
    double gain = lc ? e->gain_lowcar[cell] : e->gain[cell];
    if (!(pop > 0.0))
        return false;
    *f = (gr_flip_t){ t, row, before / pop, (before + gain) / pop, before / pop >= t->level,
                      (before + gain) / pop >= t->level };
    return f->is_met_before != f->is_met_after;
}

int gr_whatif_flips(const gr_whatif_t *w, const gr_effect_t *e, gr_flip_t *out, int max)
{
    const gr_category_t *cat = w->run->cats[e->cat].cat;
    int n_targets, found = 0;
    target_at(w, 0, &n_targets);
    for (int k = 0; k < n_targets; k++) {
        const gr_target_t *t = target_at(w, k, &n_targets);
        int thr = threshold_index(cat, t->threshold);
        if (t->kind != GR_TARGET_COVERAGE || strcmp(t->category, cat->name) != 0 || thr < 0)
            continue;
        for (uint32_t row = 0; row < w->n_rows; row++) {
            gr_flip_t f;
            if (!row_in_scope(w, row, t->scopes) || !verdict_flips(w, t, e, thr, row, &f))
                continue;
            if (found < max)
                out[found] = f;
            found++;
        }
    }
    return found;
}

/* ---- suggestions: greedy maximum coverage, lazy re-evaluation ---- */

typedef struct {
    double gain;
    uint32_t cand;
    uint32_t round;            /* picks made when gain was computed */
} celf_item_t;

typedef struct {
    celf_item_t *a;
    uint32_t n;
} celf_heap_t;

/* Larger gain first; equal gains go to the lower index, so runs repeat. */
static bool celf_above(const celf_item_t *x, const celf_item_t *y)
{
    return x->gain > y->gain || (x->gain == y->gain && x->cand < y->cand);
}

static void celf_push(celf_heap_t *h, celf_item_t it)
{
    uint32_t i = h->n++;
    while (i > 0 && celf_above(&it, &h->a[(i - 1) / 2])) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = it;
}

static celf_item_t celf_pop(celf_heap_t *h)
{
    celf_item_t top = h->a[0], last = h->a[--h->n];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && celf_above(&h->a[c + 1], &h->a[c]))
            c++;
        if (!celf_above(&h->a[c], &last))
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n > 0)
        h->a[i] = last;
    return top;
}

/* Candidate i newly covers set_res[set_off[i] .. set_off[i+1]). */
typedef struct {
    const gr_target_t *t;
    int cat, thr;
    double thr_m;
    double *weight;            /* per resident; 0 when not counted */
    uint8_t *is_open;          /* counted and not covered in the base */
    uint32_t *set_off, *set_res;
    uint32_t n_set, cap_set;
} cover_t;

static int cover_setup(gr_whatif_t *w, const gr_target_t *t, double lowcar_weight, uint32_t n_cand,
                       cover_t *cv, gr_error_t *err)
{
    const gr_run_t *run = w->run;
    cv->t = t;
    for (cv->cat = 0; cv->cat < run->n_cats; cv->cat++)
        if (strcmp(run->cats[cv->cat].cat->name, t->category) == 0)
            break;
    cv->thr = cv->cat < run->n_cats ? threshold_index(run->cats[cv->cat].cat, t->threshold) : -1;
    if (cv->thr < 0)
        return gr_error_set(err, GR_ECONFIG, "target %s: no category '%s' with threshold %s",
                            t->id, t->category, t->threshold);
    cv->thr_m = run->cats[cv->cat].cat->thr_m[cv->thr];
    cv->weight = malloc((size_t)w->n_res * sizeof *cv->weight + 1);
    cv->is_open = malloc((size_t)w->n_res + 1);
    cv->set_off = calloc((size_t)n_cand + 1, sizeof *cv->set_off);
    if (!cv->weight || !cv->is_open || !cv->set_off)
        return gr_error_set(err, GR_ENOMEM, "out of memory for suggestions");
    bool only_lowcar = t->population == GR_POP_LOWCAR;
    for (uint32_t i = 0; i < w->n_res; i++) {
        bool counted = run->res_ward[i] != GR_NONE && (!only_lowcar || w->lowcar[i]);
        cv->is_open[i] = counted && !(run->cats[cv->cat].res_dist_m[i] <= cv->thr_m);
        cv->weight[i] = run->ds->residents.pop[i] * (w->lowcar[i] ? lowcar_weight : 1.0);
    }
    return 0;
}

static int cover_append(cover_t *cv, uint32_t res)
{
    if (cv->n_set == cv->cap_set) {
        uint32_t c = cv->cap_set ? 2 * cv->cap_set : 4096;
        uint32_t *a = realloc(cv->set_res, (size_t)c * sizeof *a);
        if (!a)
            return -1;
        cv->set_res = a;
        cv->cap_set = c;
    }
    cv->set_res[cv->n_set++] = res;
    return 0;
}

/* One bounded search per candidate, cut off at the target threshold:
 * the open residents it brings within it. */
static int cover_sets(gr_whatif_t *w, const gr_candidates_t *c, cover_t *cv,
                      gr_suggestion_t *s, gr_error_t *err)
{
    gr_effect_t eff = {0};
    gr_site_result_t r = {0};
    int rc = 0;
    for (uint32_t i = 0; !rc && i < c->n; i++) {
        cv->set_off[i] = cv->n_set;
        rc = candidate_sources(w, c, i, false, &r, err);
        if (rc || r.kind == GR_ENTRY_NONE) {
            s->n_unreached += !rc;
            continue;
        }
        rc = search_category(w, cv->cat, (float)cv->thr_m, w->run->ds->sites.n + i, &eff, err);
        for (uint32_t k = 0; !rc && k < eff.n; k++)
            if (cv->is_open[eff.res[k]] && eff.dist_m[k] <= cv->thr_m && cover_append(cv, eff.res[k]))
                rc = gr_error_set(err, GR_ENOMEM, "out of memory for suggestions");
    }
    cv->set_off[c->n] = cv->n_set;
    gr_effect_free(&eff);
    return rc;
}

static double marginal_gain(const uint32_t *set_off, const uint32_t *set_item,
                            const double *weight, const uint8_t *covered, uint32_t i)
{
    double g = 0.0;
    for (uint32_t k = set_off[i]; k < set_off[i + 1]; k++)
        if (!covered[set_item[k]])
            g += weight[set_item[k]];
    return g;
}

/* A set's gain can only shrink as others are picked, so a stale gain at
 * the top of the queue is recomputed and pushed back; a gain fresh for
 * this round at the top beats every other set. */
int gr_greedy_cover(uint32_t n_sets, const uint32_t *set_off, const uint32_t *set_item,
                    uint32_t n_items, const double *weight, uint32_t *pick, double *gain,
                    uint32_t *n_picks, uint32_t *n_evals)
{
    celf_heap_t h = { malloc((size_t)n_sets * sizeof *h.a + 1), 0 };
    uint8_t *covered = calloc((size_t)n_items + 1, 1);
    *n_picks = 0;
    *n_evals = n_sets;
    if (!h.a || !covered) {
        free(h.a);
        free(covered);
        return GR_ENOMEM;
    }
    for (uint32_t i = 0; i < n_sets; i++) {
        double g = marginal_gain(set_off, set_item, weight, covered, i);
        if (g > 0.0)
            celf_push(&h, (celf_item_t){ g, i, 0 });
    }
    while (h.n > 0) {
        celf_item_t top = celf_pop(&h);
        if (top.round == *n_picks) {
            for (uint32_t k = set_off[top.cand]; k < set_off[top.cand + 1]; k++)
                covered[set_item[k]] = 1;
            pick[*n_picks] = top.cand;
            gain[(*n_picks)++] = top.gain;
            continue;
        }
        top.gain = marginal_gain(set_off, set_item, weight, covered, top.cand);
        top.round = *n_picks;
        (*n_evals)++;
        if (top.gain > 0.0)
            celf_push(&h, top);
    }
    free(h.a);
    free(covered);
    return 0;
}

/* Residents and running area-wide share of each pick, in pick order. */
static int pick_shares(const gr_whatif_t *w, const cover_t *cv, gr_suggestion_t *s)
{
    uint8_t *covered = calloc((size_t)w->n_res + 1, 1);
    if (!covered)
        return -1;
    bool lc = cv->t->population == GR_POP_LOWCAR;
    uint32_t area = w->n_rows - 1;
    double pop_all = lc ? w->pop_lowcar[area] : w->pop[area];
    size_t cell = (size_t)area * (size_t)w->run->cats[cv->cat].cat->n_thr + (size_t)cv->thr;
    double within = lc ? w->within_lowcar[cv->cat][cell] : w->within[cv->cat][cell];
    s->share_base = pop_all > 0.0 ? within / pop_all : 0.0;
    s->picks_to_target = s->share_base >= cv->t->level ? 0 : GR_NONE;
    for (uint32_t p = 0; p < s->n_picks; p++) {
        s->gain_pop[p] = 0.0;
        for (uint32_t k = cv->set_off[s->cand[p]]; k < cv->set_off[s->cand[p] + 1]; k++) {
            uint32_t r = cv->set_res[k];
            s->gain_pop[p] += covered[r] ? 0.0 : w->run->ds->residents.pop[r];
            covered[r] = 1;
        }
        within += s->gain_pop[p];
        s->share[p] = pop_all > 0.0 ? within / pop_all : 0.0;
        if (s->picks_to_target == GR_NONE && s->share[p] >= cv->t->level)
            s->picks_to_target = p + 1;
    }
    free(covered);
    return 0;
}

static void cover_free(cover_t *cv)
{
    free(cv->weight);
    free(cv->is_open);
    free(cv->set_off);
    free(cv->set_res);
}

int gr_whatif_suggest(gr_whatif_t *w, const gr_candidates_t *c, const char *target_id,
                      double lowcar_weight, gr_suggestion_t **out, gr_error_t *err)
{
    *out = NULL;
    const char *id = target_id ? target_id : default_park_20.id;
    const gr_target_t *t = gr_whatif_target(w, id);
    if (!t)
        return gr_error_set(err, GR_ECONFIG, "no coverage target '%s' in the config", id);
    gr_suggestion_t *s = calloc(1, sizeof *s);
    cover_t cv = {0};
    if (!s)
        return gr_error_set(err, GR_ENOMEM, "out of memory for suggestions");
    s->target = t;
    s->cand = malloc((size_t)c->n * sizeof *s->cand + 1);
    s->gain_weighted = malloc((size_t)c->n * sizeof *s->gain_weighted + 1);
    s->gain_pop = malloc((size_t)c->n * sizeof *s->gain_pop + 1);
    s->share = malloc((size_t)c->n * sizeof *s->share + 1);
    int rc = (!s->cand || !s->gain_weighted || !s->gain_pop || !s->share)
                 ? gr_error_set(err, GR_ENOMEM, "out of memory for suggestions")
                 : cover_setup(w, t, lowcar_weight, c->n, &cv, err);
    if (!rc)
        rc = cover_sets(w, c, &cv, s, err);
    if (!rc && (gr_greedy_cover(c->n, cv.set_off, cv.set_res, w->n_res, cv.weight, s->cand,
                                s->gain_weighted, &s->n_picks, &s->n_evaluations) ||
                pick_shares(w, &cv, s)))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory for suggestions");
    cover_free(&cv);
    if (rc) {
        gr_suggestion_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void gr_suggestion_free(gr_suggestion_t *s)
{
    if (!s)
        return;
    free(s->cand);
    free(s->gain_weighted);
    free(s->gain_pop);
    free(s->share);
    free(s);
}

/* ---- reading candidate and path files ---- */

typedef struct {
    GDALDatasetH ds;
    OGRLayerH lyr;
    const char *path;
    gr_crs_t *crs;
    gr_transform_t *tr;
} vec_src_t;

static void vec_close(vec_src_t *v)
{
    gr_transform_free(v->tr);
    gr_crs_free(v->crs);
    if (v->ds)
        GDALClose(v->ds);
    memset(v, 0, sizeof *v);
}

/* Opens a layer and its transformation into the run CRS. */
static int vec_open(const gr_run_t *run, const char *path, const char *layer, vec_src_t *v,
                    gr_error_t *err)
{
    memset(v, 0, sizeof *v);
    v->path = path;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    v->ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    CPLPopErrorHandler();
    if (!v->ds)
        return gr_error_set(err, GR_EIO, "%s: cannot open as a vector file", path);
    v->lyr = (layer && layer[0]) ? GDALDatasetGetLayerByName(v->ds, layer)
                                 : GDALDatasetGetLayer(v->ds, 0);
    if (!v->lyr) {
        vec_close(v);
        return gr_error_set(err, GR_EINPUT, "%s: no layer '%s'", path, layer ? layer : "");
    }
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(v->lyr);
    char *wkt = NULL;
    if (!srs || OSRExportToWkt(srs, &wkt) != OGRERR_NONE) {
        CPLFree(wkt);
        int code = gr_error_set(err, GR_ECRS, "%s layer '%s': no CRS (no .prj?)", path,
                                OGR_L_GetName(v->lyr));
        vec_close(v);
        return code;
    }
    int rc = gr_crs_new(run->ds->crs_def, &v->crs, err);
    if (!rc)
        rc = gr_transform_new(v->crs, wkt, &v->tr, err);
    CPLFree(wkt);
    if (rc)
        vec_close(v);
    return rc;
}

static int vec_feature_error(gr_error_t *err, int code, const vec_src_t *v, OGRFeatureH f,
                             const char *problem)
{
    return gr_error_set(err, code, "%s layer '%s' feature %lld: %s", v->path,
                        OGR_L_GetName(v->lyr), (long long)OGR_F_GetFID(f), problem);
}

/* The feature's Point or (valid) polygon in the run CRS; NULL with err
 * set for any other geometry. */
static GEOSGeometry *candidate_geom(const vec_src_t *v, OGRFeatureH f, GEOSContextHandle_t gh,
                                    gr_error_t *err)
{
    OGRGeometryH og = OGR_F_GetGeometryRef(f);
    OGRwkbGeometryType t = og ? wkbFlatten(OGR_G_GetGeometryType(og)) : wkbUnknown;
    if (!og || OGR_G_IsEmpty(og) ||
        (t != wkbPoint && t != wkbPolygon && t != wkbMultiPolygon)) {
        vec_feature_error(err, GR_EINPUT, v, f, "candidate must be a Point or Polygon");
        return NULL;
    }
    size_t n = (size_t)OGR_G_WkbSize(og);
    unsigned char *buf = malloc(n);
    GEOSGeometry *g = NULL, *tg = NULL;
    if (buf) {
        OGR_G_ExportToIsoWkb(og, wkbNDR, buf);
        g = GEOSGeomFromWKB_buf_r(gh, buf, n);
        free(buf);
    }
    tg = g ? gr_transform_geom(v->tr, gh, g) : NULL;
    GEOSGeom_destroy_r(gh, g);
    if (tg && t != wkbPoint && GEOSisValid_r(gh, tg) != 1) {
        GEOSGeometry *valid = GEOSMakeValid_r(gh, tg);
        GEOSGeom_destroy_r(gh, tg);
        tg = valid;
    }
    if (!tg)
        vec_feature_error(err, GR_EGEOM, v, f, "cannot convert the geometry");
    return tg;
}

static char *field_or(OGRFeatureH f, const char *field, const char *fallback, bool is_norm)
{
    int idx = field[0] ? OGR_F_GetFieldIndex(f, field) : -1;
    const char *val = (idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, idx))
                          ? OGR_F_GetFieldAsString(f, idx) : fallback;
    char buf[GR_NAME_MAX];
    if (!is_norm)
        return strdup(val);
    gr_normalise_function(val, buf, sizeof buf);
    return strdup(buf);
}

static int candidates_alloc(gr_candidates_t *c, size_t n)
{
    c->geom = calloc(n + 1, sizeof *c->geom);
    c->id = calloc(n + 1, sizeof *c->id);
    c->function = calloc(n + 1, sizeof *c->function);
    c->play_class = calloc(n + 1, sizeof *c->play_class);
    c->access_first = calloc(n + 2, sizeof *c->access_first);
    return (c->geom && c->id && c->function && c->play_class && c->access_first) ? 0 : -1;
}

static int read_candidates(const gr_run_t *run, vec_src_t *v, gr_candidates_t *c,
                           gr_error_t *err)
{
    const gr_config_t *cfg = &run->cfg;
    size_t cap = (size_t)OGR_L_GetFeatureCount(v->lyr, 1);
    if (candidates_alloc(c, cap))
        return gr_error_set(err, GR_ENOMEM, "out of memory reading candidates");
    int rc = 0;
    OGR_L_ResetReading(v->lyr);
    for (OGRFeatureH f; !rc && c->n < cap && (f = OGR_L_GetNextFeature(v->lyr));
         OGR_F_Destroy(f)) {
        GEOSGeometry *g = candidate_geom(v, f, run->gh, err);
        if (!g) {
            rc = err->code ? err->code : GR_EGEOM;
            continue;
        }
        char fid[32];
        snprintf(fid, sizeof fid, "#%lld", (long long)OGR_F_GetFID(f));
        c->geom[c->n] = g;
        c->id[c->n] = field_or(f, cfg->f_site_id, fid, false);
        c->function[c->n] = field_or(f, cfg->f_function, "", true);
        c->play_class[c->n] = field_or(f, cfg->f_play_class, "", false);
        if (!c->id[c->n] || !c->function[c->n] || !c->play_class[c->n])
            rc = gr_error_set(err, GR_ENOMEM, "out of memory reading candidates");
        c->n++;
    }
    if (!rc && c->n == 0)
        rc = gr_error_set(err, GR_EINPUT, "%s: no candidate sites", v->path);
    return rc;
}

/* Candidate an entrance belongs to: by site id, else the nearest within
 * assign_m; GR_NONE when none. */
static uint32_t entrance_owner(const gr_run_t *run, const gr_candidates_t *c, const char *id,
                               double x, double y)
{
    for (uint32_t i = 0; id[0] && i < c->n; i++)
        if (strcmp(c->id[i], id) == 0)
            return i;
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(run->gh, x, y);
    uint32_t best = GR_NONE;
    double best_d = run->cfg.access_assign_m;
    for (uint32_t i = 0; pt && i < c->n; i++) {
        double d;
        if (GEOSDistance_r(run->gh, pt, c->geom[i], &d) == 1 && d <= best_d) {
            best_d = d;
            best = i;
        }
    }
    GEOSGeom_destroy_r(run->gh, pt);
    return best;
}

/* Reads entrance points and stores them grouped by candidate. */
static int read_entrances(const gr_run_t *run, vec_src_t *v, gr_candidates_t *c,
                          gr_error_t *err)
{
    size_t cap = (size_t)OGR_L_GetFeatureCount(v->lyr, 1), n = 0;
    double *x = malloc(cap * sizeof *x + 1), *y = malloc(cap * sizeof *y + 1);
    uint32_t *owner = malloc(cap * sizeof *owner + 1);
    c->access_x = malloc(cap * sizeof *c->access_x + 1);
    c->access_y = malloc(cap * sizeof *c->access_y + 1);
    int rc = (!x || !y || !owner || !c->access_x || !c->access_y)
                 ? gr_error_set(err, GR_ENOMEM, "out of memory reading entrances") : 0;
    OGR_L_ResetReading(v->lyr);
    for (OGRFeatureH f; !rc && n < cap && (f = OGR_L_GetNextFeature(v->lyr)); OGR_F_Destroy(f)) {
        OGRGeometryH og = OGR_F_GetGeometryRef(f);
        if (!og || wkbFlatten(OGR_G_GetGeometryType(og)) != wkbPoint) {
            rc = vec_feature_error(err, GR_EINPUT, v, f, "entrance must be a Point");
            continue;
        }
        x[n] = OGR_G_GetX(og, 0);
        y[n] = OGR_G_GetY(og, 0);
        rc = gr_transform_xy(v->tr, &x[n], &y[n], 1, err);
        char *id = field_or(f, run->cfg.f_access_site_id, "", false);
        owner[n] = id ? entrance_owner(run, c, id, x[n], y[n]) : GR_NONE;
        free(id);
        n++;
    }
    for (size_t k = 0; !rc && k < n; k++)
        if (owner[k] != GR_NONE)
            c->access_first[owner[k] + 1]++;
    for (uint32_t i = 0; !rc && i < c->n; i++)
        c->access_first[i + 1] += c->access_first[i];
    uint32_t *fill = rc ? NULL : malloc((size_t)c->n * sizeof *fill + 1);
    if (!rc && !fill)
        rc = gr_error_set(err, GR_ENOMEM, "out of memory reading entrances");
    if (!rc)
        memcpy(fill, c->access_first, (size_t)c->n * sizeof *fill);
    for (size_t k = 0; !rc && k < n; k++) {
        if (owner[k] == GR_NONE)
            continue;
        c->access_x[fill[owner[k]]] = x[k];
        c->access_y[fill[owner[k]]++] = y[k];
    }
    free(fill);
    free(x);
    free(y);
    free(owner);
    return rc;
}

int gr_candidates_load(const gr_run_t *run, const char *path, const char *layer,
                       const char *entrances_path, gr_candidates_t **out, gr_error_t *err)
{
    *out = NULL;
    gr_candidates_t *c = calloc(1, sizeof *c);
    vec_src_t v;
    if (!c)
        return gr_error_set(err, GR_ENOMEM, "out of memory reading candidates");
    int rc = vec_open(run, path, layer, &v, err);
    if (!rc) {
        rc = read_candidates(run, &v, c, err);
        vec_close(&v);
    }
    if (!rc && entrances_path && entrances_path[0]) {
        rc = vec_open(run, entrances_path, NULL, &v, err);
        if (!rc) {
            rc = read_entrances(run, &v, c, err);
            vec_close(&v);
        }
    }
    if (rc) {
        gr_candidates_free(c, run->gh);
        return rc;
    }
    *out = c;
    return 0;
}

void gr_candidates_free(gr_candidates_t *c, GEOSContextHandle_t gh)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->n; i++) {
        GEOSGeom_destroy_r(gh, c->geom[i]);
        free(c->id[i]);
        free(c->function[i]);
        free(c->play_class[i]);
    }
    free(c->geom);
    free(c->id);
    free(c->function);
    free(c->play_class);
    free(c->access_first);
    free(c->access_x);
    free(c->access_y);
    free(c);
}

/* ---- grid candidates ---- */

typedef struct {
    GEOSContextHandle_t gh;
    const GEOSGeometry *pt;
    bool is_inside;
} site_hit_t;

static void site_hit_cb(void *item, void *user)
{
    site_hit_t *h = user;
    if (!h->is_inside && GEOSIntersects_r(h->gh, item, h->pt) == 1)
        h->is_inside = true;
}

static bool inside_any_site(GEOSContextHandle_t gh, GEOSSTRtree *tree, double x, double y)
{
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(gh, x, y);
    site_hit_t h = { gh, pt, false };
    if (pt)
        GEOSSTRtree_query_r(gh, tree, pt, site_hit_cb, &h);
    GEOSGeom_destroy_r(gh, pt);
    return h.is_inside;
}

static void wards_extent(const gr_run_t *run, double env[4])
{
    env[0] = env[1] = INFINITY;
    env[2] = env[3] = -INFINITY;
    for (uint32_t r = 0; r < run->ds->wards.n; r++) {
        double a, b, cc, d;
        const GEOSGeometry *g = run->ds->wards.geom[r];
        if (GEOSGeom_getXMin_r(run->gh, g, &a) == 1 && GEOSGeom_getYMin_r(run->gh, g, &b) == 1 &&
            GEOSGeom_getXMax_r(run->gh, g, &cc) == 1 && GEOSGeom_getYMax_r(run->gh, g, &d) == 1) {
            env[0] = fmin(env[0], a);
            env[1] = fmin(env[1], b);
            env[2] = fmax(env[2], cc);
            env[3] = fmax(env[3], d);
        }
    }
}

static int grid_add(gr_candidates_t *c, size_t *cap, GEOSContextHandle_t gh, double x, double y)
{
    if (c->n + 1 >= *cap) {
        size_t n = *cap ? 2 * *cap : 1024;
        GEOSGeometry **g = realloc(c->geom, n * sizeof *g);
        if (g)
            c->geom = g;
        char **id = g ? realloc(c->id, n * sizeof *id) : NULL;
        if (!id)
            return -1;
        c->id = id;
        *cap = n;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "grid_%.0f_%.0f", x, y);
    c->geom[c->n] = GEOSGeom_createPointFromXY_r(gh, x, y);
    c->id[c->n] = strdup(buf);
    if (!c->geom[c->n] || !c->id[c->n]) {
        GEOSGeom_destroy_r(gh, c->geom[c->n]);
        free(c->id[c->n]);
        return -1;
    }
    c->n++;
    return 0;
}

/* Fills the per-candidate fields a grid point leaves empty. */
static int grid_finish(gr_candidates_t *c)
{
    c->function = calloc((size_t)c->n + 1, sizeof *c->function);
    c->play_class = calloc((size_t)c->n + 1, sizeof *c->play_class);
    c->access_first = calloc((size_t)c->n + 2, sizeof *c->access_first);
    if (!c->function || !c->play_class || !c->access_first)
        return -1;
    for (uint32_t i = 0; i < c->n; i++) {
        c->function[i] = strdup("");
        c->play_class[i] = strdup("");
        if (!c->function[i] || !c->play_class[i])
            return -1;
    }
    return 0;
}

static int grid_points(const gr_run_t *run, double step_m, const gr_wardindex_t *wi,
                       GEOSSTRtree *sites, gr_candidates_t *c)
{
    double env[4];
    size_t cap = 0;
    wards_extent(run, env);
    for (double y = env[1] + step_m / 2.0; y < env[3]; y += step_m) {
        for (double x = env[0] + step_m / 2.0; x < env[2]; x += step_m) {
            if (gr_wardindex_locate(wi, x, y) == GR_NONE || inside_any_site(run->gh, sites, x, y))
                continue;
            if (grid_add(c, &cap, run->gh, x, y))
                return -1;
        }
    }
    return 0;
}

int gr_candidates_grid(const gr_run_t *run, double step_m, gr_candidates_t **out,
                       gr_error_t *err)
{
    *out = NULL;
    if (!(step_m > 0.0))
        return gr_error_set(err, GR_ECONFIG, "grid spacing must be positive metres");
    gr_candidates_t *c = calloc(1, sizeof *c);
    gr_wardindex_t *wi = NULL;
    GEOSSTRtree *tree = GEOSSTRtree_create_r(run->gh, 10);
    int rc = (!c || !tree) ? gr_error_set(err, GR_ENOMEM, "out of memory for grid candidates")
                           : gr_wardindex_build(&run->ds->wards, run->gh, &wi, err);
    for (uint32_t s = 0; !rc && s < run->ds->sites.n; s++)
        GEOSSTRtree_insert_r(run->gh, tree, run->ds->sites.geom[s], run->ds->sites.geom[s]);
    if (!rc && (grid_points(run, step_m, wi, tree, c) || grid_finish(c)))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory for grid candidates");
    gr_wardindex_free(wi);
    if (tree)
        GEOSSTRtree_destroy_r(run->gh, tree);
    if (rc) {
        gr_candidates_free(c, run->gh);
        return rc;
    }
    *out = c;
    return 0;
}

/* ---- path lines ---- */

static int lines_push(gr_lines_t *L, size_t *cap_v, size_t *cap_l, OGRGeometryH line)
{
    int np = OGR_G_GetPointCount(line);
    if (np < 2)
        return 0;
    size_t base = L->start[L->n_lines], need = base + (size_t)np;
    if (need > *cap_v) {
        size_t c = *cap_v ? *cap_v : 256;
        while (c < need)
            c *= 2;
        double *x = realloc(L->x, c * sizeof *x);
        if (x)
            L->x = x;
        double *y = x ? realloc(L->y, c * sizeof *y) : NULL;
        if (!y)
            return -1;
        L->y = y;
        *cap_v = c;
    }
    if (L->n_lines + 2 > *cap_l) {
        size_t c = *cap_l ? 2 * *cap_l : 64;
        uint32_t *s = realloc(L->start, c * sizeof *s);
        if (!s)
            return -1;
        L->start = s;
        *cap_l = c;
    }
    OGR_G_GetPoints(line, L->x + base, sizeof(double), L->y + base, sizeof(double), NULL, 0);
    L->start[++L->n_lines] = (uint32_t)need;
    return 0;
}

static int read_lines(vec_src_t *v, gr_lines_t *L, gr_error_t *err)
{
    size_t cap_v = 0, cap_l = 2;
    L->start = calloc(cap_l, sizeof *L->start);
    int rc = L->start ? 0 : gr_error_set(err, GR_ENOMEM, "out of memory reading paths");
    OGR_L_ResetReading(v->lyr);
    for (OGRFeatureH f; !rc && (f = OGR_L_GetNextFeature(v->lyr)); OGR_F_Destroy(f)) {
        OGRGeometryH og = OGR_F_GetGeometryRef(f);
        OGRwkbGeometryType t = og ? wkbFlatten(OGR_G_GetGeometryType(og)) : wkbUnknown;
        if (t == wkbLineString) {
            rc = lines_push(L, &cap_v, &cap_l, og);
        } else if (t == wkbMultiLineString) {
            for (int k = 0; !rc && k < OGR_G_GetGeometryCount(og); k++)
                rc = lines_push(L, &cap_v, &cap_l, OGR_G_GetGeometryRef(og, k));
        } else {
            rc = vec_feature_error(err, GR_EINPUT, v, f, "new path must be a LineString");
            continue;
        }
        if (rc)
            rc = gr_error_set(err, GR_ENOMEM, "out of memory reading paths");
    }
    if (!rc && L->n_lines == 0)
        rc = gr_error_set(err, GR_EINPUT, "%s: no path lines", v->path);
    if (!rc)
        rc = gr_transform_xy(v->tr, L->x, L->y, L->start[L->n_lines], err);
    return rc;
}

int gr_lines_load(const gr_run_t *run, const char *path, const char *layer, gr_lines_t *out,
                  gr_error_t *err)
{
    memset(out, 0, sizeof *out);
    vec_src_t v;
    int rc = vec_open(run, path, layer, &v, err);
    if (!rc) {
        rc = read_lines(&v, out, err);
        vec_close(&v);
    }
    if (rc)
        gr_lines_free(out);
    return rc;
}

void gr_lines_free(gr_lines_t *l)
{
    if (!l)
        return;
    free(l->start);
    free(l->x);
    free(l->y);
    memset(l, 0, sizeof *l);
}

/* ---- new path links: an overlay over the graph, then a repair ---- */

/* Overlay nodes are numbered from the graph's node count; a split node
 * sits on a graph edge (split_edge, split_pos) and cuts it in two. */
typedef struct {
    const gr_graph_t *g;
    uint32_t n_nodes, cap_nodes;
    double *x, *y;
    uint32_t *split_edge;
    float *split_pos;
    uint32_t n_seg, cap_seg;
    uint32_t *seg_a, *seg_b;
    float *seg_len;
    uint32_t n_arcs, cap_arcs;
    gr_arc_t *arcs;
    gr_overlay_t view;
} overlay_t;

static void overlay_free(overlay_t *o)
{
    free(o->x);
    free(o->y);
    free(o->split_edge);
    free(o->split_pos);
    free(o->seg_a);
    free(o->seg_b);
    free(o->seg_len);
    free(o->arcs);
}

static int grow_to(void **p, size_t elem, uint32_t need, uint32_t *cap)
{
    if (need <= *cap)
        return 0;
    uint32_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static double node_x(const overlay_t *o, uint32_t n)
{
    return n < o->g->n_nodes ? o->g->x[n] : o->x[n - o->g->n_nodes];
}

static double node_y(const overlay_t *o, uint32_t n)
{
    return n < o->g->n_nodes ? o->g->y[n] : o->y[n - o->g->n_nodes];
}

static int overlay_node(overlay_t *o, double x, double y, uint32_t edge, float pos, uint32_t *id)
{
    uint32_t k = o->n_nodes, c = o->cap_nodes;
    if (grow_to((void **)&o->x, sizeof *o->x, k + 1, &c) ||
        (c = o->cap_nodes, grow_to((void **)&o->y, sizeof *o->y, k + 1, &c)) ||
        (c = o->cap_nodes, grow_to((void **)&o->split_edge, sizeof *o->split_edge, k + 1, &c)) ||
        (c = o->cap_nodes, grow_to((void **)&o->split_pos, sizeof *o->split_pos, k + 1, &c)))
        return -1;
    o->cap_nodes = c;
    o->x[k] = x;
    o->y[k] = y;
    o->split_edge[k] = edge;
    o->split_pos[k] = pos;
    o->n_nodes++;
    *id = o->g->n_nodes + k;
    return 0;
}

static int overlay_arc(overlay_t *o, uint32_t a, uint32_t b, float len)
{
    if (grow_to((void **)&o->arcs, sizeof *o->arcs, o->n_arcs + 2, &o->cap_arcs))
        return -1;
    o->arcs[o->n_arcs++] = (gr_arc_t){ a, b, len };
    o->arcs[o->n_arcs++] = (gr_arc_t){ b, a, len };
    return 0;
}

/* Nearest graph node within tol (tol 0: an identical vertex). */
typedef struct {
    const gr_graph_t *g;
    double x, y, best_d2;
    uint32_t best;
} near_node_t;

static void near_node_cb(uint32_t e, void *ctx)
{
    near_node_t *q = ctx;
    uint32_t ends[2] = { q->g->edge_u[e], q->g->edge_v[e] };
    for (int k = 0; k < 2; k++) {
        double dx = q->g->x[ends[k]] - q->x, dy = q->g->y[ends[k]] - q->y, d2 = dx * dx + dy * dy;
        if (d2 < q->best_d2 || (d2 == q->best_d2 && ends[k] < q->best)) {
            q->best_d2 = d2;
            q->best = ends[k];
        }
    }
}

/* The node a new line's vertex becomes: an earlier new vertex or a graph
 * node at the same place (line ends: within tol), a split of the nearest
 * edge within tol (line ends only), or a new overlay node. */
static int vertex_node(const gr_run_t *run, overlay_t *o, double x, double y, bool is_end,
                       uint32_t *id, gr_paths_result_t *r)
{
    double tol = is_end ? run->cfg.join_tol_m : 0.0;
    for (uint32_t k = 0; k < o->n_nodes; k++) {
        if (hypot(o->x[k] - x, o->y[k] - y) <= tol) {
            *id = run->g->n_nodes + k;
            return 0;
        }
    }
    near_node_t q = { run->g, x, y, tol * tol, GR_NONE };
    gr_segindex_query(run->idx, x - tol, y - tol, x + tol, y + tol, near_node_cb, &q);
    if (q.best != GR_NONE) {
        *id = q.best;
        r->n_joined++;
        return 0;
    }
    gr_snap_t s;
    if (is_end && tol > 0.0 && gr_segindex_nearest(run->idx, x, y, tol, &s)) {
        r->n_split++;
        return overlay_node(o, x, y, s.edge, s.pos_m, id);
    }
    return overlay_node(o, x, y, GR_NONE, 0.0f, id);
}

static int overlay_segment(overlay_t *o, uint32_t a, uint32_t b)
{
    uint32_t k = o->n_seg, c = o->cap_seg;
    if (grow_to((void **)&o->seg_a, sizeof *o->seg_a, k + 1, &c) ||
        (c = o->cap_seg, grow_to((void **)&o->seg_b, sizeof *o->seg_b, k + 1, &c)) ||
        (c = o->cap_seg, grow_to((void **)&o->seg_len, sizeof *o->seg_len, k + 1, &c)))
        return -1;
    o->cap_seg = c;
    o->seg_a[k] = a;
    o->seg_b[k] = b;
    o->seg_len[k] = (float)hypot(node_x(o, b) - node_x(o, a), node_y(o, b) - node_y(o, a));
    o->n_seg++;
    return overlay_arc(o, a, b, o->seg_len[k]);
}

static int add_lines(const gr_run_t *run, const gr_lines_t *L, overlay_t *o,
                     gr_paths_result_t *r)
{
    for (uint32_t l = 0; l < L->n_lines; l++) {
        uint32_t prev = GR_NONE, joined_before = r->n_joined + r->n_split;
        for (uint32_t v = L->start[l]; v < L->start[l + 1]; v++) {
            uint32_t id;
            bool is_end = v == L->start[l] || v + 1 == L->start[l + 1];
            if (vertex_node(run, o, L->x[v], L->y[v], is_end, &id, r))
                return -1;
            if (prev != GR_NONE && prev != id && overlay_segment(o, prev, id))
                return -1;
            prev = id;
        }
        r->n_isolated += r->n_joined + r->n_split == joined_before;
    }
    return 0;
}

/* A split node cuts its edge: the overlay walks the edge from u through
 * the edge's split nodes in order to v. Each node links to its next one
 * (or v), and the first to u. Equal positions order by node. */
static bool split_before(const overlay_t *o, uint32_t j, uint32_t k)
{
    return o->split_pos[j] < o->split_pos[k] || (o->split_pos[j] == o->split_pos[k] && j < k);
}

static int split_arcs(overlay_t *o)
{
    const gr_graph_t *g = o->g;
    for (uint32_t k = 0; k < o->n_nodes; k++) {
        uint32_t e = o->split_edge[k], next = GR_NONE;
        bool is_first = true;
        if (e == GR_NONE)
            continue;
        for (uint32_t j = 0; j < o->n_nodes; j++) {
            if (j == k || o->split_edge[j] != e)
                continue;
            if (split_before(o, j, k))
                is_first = false;
            else if (next == GR_NONE || split_before(o, j, next))
                next = j;
        }
        float p = o->split_pos[k];
        float to_next = next == GR_NONE ? g->edge_len_m[e] - p : o->split_pos[next] - p;
        uint32_t next_node = next == GR_NONE ? g->edge_v[e] : g->n_nodes + next;
        if ((is_first && overlay_arc(o, g->edge_u[e], g->n_nodes + k, p)) ||
            overlay_arc(o, g->n_nodes + k, next_node, to_next))
            return -1;
    }
    return 0;
}

static int cmp_arc(const void *a, const void *b)
{
    const gr_arc_t *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return (x->to > y->to) - (x->to < y->to);
}

/* Where new links enter existing sites (those without surveyed
 * entrances): crossings and inside vertices on the new segments, found
 * by the entrance rules on a small graph of just those segments. The
 * sources' edge is the segment index. */
typedef struct {
    gr_source_t *a;
    uint32_t n, cap;
} srcs_t;

static int segment_graph(const overlay_t *o, gr_graph_t *t)
{
    memset(t, 0, sizeof *t);
    t->n_nodes = 2 * o->n_seg;
    t->n_edges = o->n_seg;
    t->x = malloc((size_t)t->n_nodes * sizeof *t->x + 1);
    t->y = malloc((size_t)t->n_nodes * sizeof *t->y + 1);
    t->edge_u = malloc((size_t)t->n_edges * sizeof *t->edge_u + 1);
    t->edge_v = malloc((size_t)t->n_edges * sizeof *t->edge_v + 1);
    if (!t->x || !t->y || !t->edge_u || !t->edge_v)
        return -1;
    for (uint32_t k = 0; k < o->n_seg; k++) {
        t->x[2 * k] = node_x(o, o->seg_a[k]);
        t->y[2 * k] = node_y(o, o->seg_a[k]);
        t->x[2 * k + 1] = node_x(o, o->seg_b[k]);
        t->y[2 * k + 1] = node_y(o, o->seg_b[k]);
        t->edge_u[k] = 2 * k;
        t->edge_v[k] = 2 * k + 1;
    }
    t->edge_len_m = o->seg_len;
    return 0;
}

static int site_entrances_on_links(const gr_run_t *run, const gr_graph_t *t,
                                   const gr_segindex_t *tidx, uint32_t s, srcs_t *out,
                                   gr_error_t *err)
{
    gr_site_geom_t sg = { run->ds->sites.geom[s], NULL, NULL, 0, s };
    gr_source_t *src = NULL;
    uint32_t n = 0;
    gr_entry_kind_t kind;
    int rc = gr_entrances_for_geom(t, tidx, run->gh, &sg, 0.0, &src, &n, &kind, err);
    if (!rc && n && grow_to((void **)&out->a, sizeof *out->a, out->n + n, &out->cap))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory adding paths");
    if (!rc && n) {
        memcpy(out->a + out->n, src, (size_t)n * sizeof *src);
        out->n += n;
    }
    free(src);
    return rc;
}

static int link_entrances(const gr_run_t *run, const overlay_t *o, srcs_t *out, gr_error_t *err)
{
    gr_graph_t t;
    gr_segindex_t *tidx = NULL;
    int rc = segment_graph(o, &t) ? gr_error_set(err, GR_ENOMEM, "out of memory adding paths")
                                  : gr_segindex_build(&t, 0.0, &tidx, err);
    for (uint32_t s = 0; !rc && s < run->ds->sites.n; s++)
        if (run->ent->site_kind[s] != GR_ENTRY_ACCESS_POINT)
            rc = site_entrances_on_links(run, &t, tidx, s, out, err);
    gr_segindex_free(tidx);
    free(t.x);
    free(t.y);
    free(t.edge_u);
    free(t.edge_v);
    return rc;
}

/* Residents for whom a new link is nearer than the path they were
 * snapped to (or who were beyond the snap cap): that link is a new way
 * out for them. */
typedef struct {
    uint32_t seg;
    float pos_m, offset_m;
} resnap_t;

static void resnap_resident(const gr_run_t *run, const overlay_t *o, uint32_t i, resnap_t *best)
{
    double px = run->ds->residents.x[i], py = run->ds->residents.y[i];
    const gr_snap_t *cur = &run->res_snap[i];
    double limit = cur->edge != GR_NONE ? cur->offset_m : run->cfg.snap_max_m;
    best->seg = GR_NONE;
    for (uint32_t k = 0; k < o->n_seg; k++) {
        double ax = node_x(o, o->seg_a[k]), ay = node_y(o, o->seg_a[k]);
        double bx = node_x(o, o->seg_b[k]), by = node_y(o, o->seg_b[k]);
        if (px < fmin(ax, bx) - limit || px > fmax(ax, bx) + limit ||
            py < fmin(ay, by) - limit || py > fmax(ay, by) + limit)
            continue;
        double t, d = sqrt(gr_project_segment(ax, ay, bx, by, px, py, &t));
        if (d < limit) {
            limit = d;
            *best = (resnap_t){ k, (float)(t * hypot(bx - ax, by - ay)), (float)d };
        }
    }
}

/* Everything one repair needs. */
typedef struct {
    gr_whatif_t *w;
    const overlay_t *o;
    gr_search_ws_t *ws;
    const srcs_t *link_src;         /* entrances on new links */
    const resnap_t *resnap;         /* per resident; seg GR_NONE: none */
    int cat;
    gr_seed_t *seeds;
    uint32_t n_seeds, cap_seeds;
} repair_t;

static int add_seed(repair_t *rp, uint32_t node, float d)
{
    if (!(d < INFINITY))
        return 0;
    if (grow_to((void **)&rp->seeds, sizeof *rp->seeds, rp->n_seeds + 1, &rp->cap_seeds))
        return -1;
    rp->seeds[rp->n_seeds++] = (gr_seed_t){ node, d };
    return 0;
}

static bool site_in_category(const gr_run_t *run, int cat, uint32_t site)
{
    return gr_category_has_site(run->cats[cat].cat, run->ds->sites.function[site],
                                run->ds->sites.play_class[site]);
}

/* Seeds: the graph's distances where new links join it (at nodes, or
 * part-way along split edges), and the new entrances on the links. */
static int repair_seeds(repair_t *rp)
{
    const gr_run_t *run = rp->w->run;
    const gr_field_t *base = run->cats[rp->cat].field;
    const overlay_t *o = rp->o;
    rp->n_seeds = 0;
    for (uint32_t k = 0; k < o->n_seg; k++) {
        if ((o->seg_a[k] < o->g->n_nodes && add_seed(rp, o->seg_a[k], base->dist_m[o->seg_a[k]])) ||
            (o->seg_b[k] < o->g->n_nodes && add_seed(rp, o->seg_b[k], base->dist_m[o->seg_b[k]])))
            return -1;
    }
    for (uint32_t k = 0; k < o->n_nodes; k++)
        if (o->split_edge[k] != GR_NONE &&
            add_seed(rp, o->g->n_nodes + k,
                     gr_field_point_dist(base, o->split_edge[k], o->split_pos[k], NULL)))
            return -1;
    for (uint32_t k = 0; k < rp->link_src->n; k++) {
        const gr_source_t *s = &rp->link_src->a[k];
        float len = o->seg_len[s->edge];
        if (site_in_category(run, rp->cat, s->site) &&
            (add_seed(rp, o->seg_a[s->edge], s->init_m + s->pos_m) ||
             add_seed(rp, o->seg_b[s->edge], s->init_m + (len - s->pos_m))))
            return -1;
    }
    return 0;
}

/* A node's distance after the repair. */
static float repaired_label(const repair_t *rp, const gr_field_t *f, uint32_t n)
{
    const float *base = rp->w->run->cats[rp->cat].field->dist_m;
    return n < rp->o->g->n_nodes ? fminf(f->dist_m[n], base[n]) : f->dist_m[n];
}

/* Resident i's distance through a new link it is now nearest to. */
static float via_link(const repair_t *rp, const gr_field_t *f, uint32_t i)
{
    const resnap_t *s = &rp->resnap[i];
    const overlay_t *o = rp->o;
    if (s->seg == GR_NONE)
        return INFINITY;
    float len = o->seg_len[s->seg];
    float d = fminf(repaired_label(rp, f, o->seg_a[s->seg]) + s->pos_m,
                    repaired_label(rp, f, o->seg_b[s->seg]) + (len - s->pos_m));
    for (uint32_t k = 0; k < rp->link_src->n; k++) {
        const gr_source_t *src = &rp->link_src->a[k];
        if (src->edge == s->seg && site_in_category(rp->w->run, rp->cat, src->site))
            d = fminf(d, src->init_m + fabsf(s->pos_m - src->pos_m));
    }
    return d + s->offset_m;
}

/* Resident i's distance along its own edge, now also through split
 * nodes on that edge. */
static float via_edge(const repair_t *rp, const gr_field_t *f, uint32_t i)
{
    const gr_snap_t *s = &rp->w->run->res_snap[i];
    const overlay_t *o = rp->o;
    if (s->edge == GR_NONE)
        return INFINITY;
    float d = gr_field_point_dist(f, s->edge, s->pos_m, NULL);
    for (uint32_t k = 0; k < o->n_nodes; k++)
        if (o->split_edge[k] == s->edge)
            d = fminf(d, f->dist_m[o->g->n_nodes + k] + fabsf(s->pos_m - o->split_pos[k]));
    return d + s->offset_m;
}

/* A resident nearer a new link walks from it, as a rerun would snap it
 * there: its distance may rise (its old path no longer counts). Anyone
 * else keeps its path, which new links can only shorten. */
static int repair_resident(repair_t *rp, const gr_field_t *f, uint32_t i, gr_effect_t *eff)
{
    gr_whatif_t *w = rp->w;
    if (w->stamp[i] == w->stamp_now)
        return 0;
    w->stamp[i] = w->stamp_now;
    float before = w->run->cats[rp->cat].res_dist_m[i];
    float d = rp->resnap[i].seg != GR_NONE ? via_link(rp, f, i)
                                           : fminf(via_edge(rp, f, i), before);
    if (!(d <= f->cutoff_m))
        d = INFINITY;
    if (d != before)
        return effect_push(eff, i, d);
    return 0;
}

static int repair_edge(repair_t *rp, const gr_field_t *f, uint32_t e, gr_effect_t *eff)
{
    for (uint32_t k = rp->w->edge_off[e]; k < rp->w->edge_off[e + 1]; k++)
        if (repair_resident(rp, f, rp->w->edge_res[k], eff))
            return -1;
    return 0;
}

/* Residents on edges the repair reached, on split edges, and those now
 * nearest a new link. */
static int repair_collect(repair_t *rp, gr_effect_t *eff)
{
    gr_whatif_t *w = rp->w;
    const gr_graph_t *g = w->run->g;
    const gr_field_t *f = gr_search_ws_field(rp->ws);
    uint32_t n_touched;
    const uint32_t *touched = gr_search_ws_touched(rp->ws, &n_touched);
    if (++w->stamp_now == 0) {
        memset(w->stamp, 0, (size_t)w->n_res * sizeof *w->stamp);
        w->stamp_now = 1;
    }
    for (uint32_t k = 0; k < n_touched; k++) {
        uint32_t v = touched[k];
        if (v >= g->n_nodes)
            continue;
        for (uint32_t a = g->adj_off[v]; a < g->adj_off[v + 1]; a++)
            if (repair_edge(rp, f, g->adj_edge[a], eff))
                return -1;
    }
    for (uint32_t k = 0; k < rp->o->n_nodes; k++)
        if (rp->o->split_edge[k] != GR_NONE && repair_edge(rp, f, rp->o->split_edge[k], eff))
            return -1;
    for (uint32_t i = 0; i < w->n_res; i++)
        if (rp->resnap[i].seg != GR_NONE && repair_resident(rp, f, i, eff))
            return -1;
    return 0;
}

static int repair_category(repair_t *rp, gr_effect_t *eff, gr_error_t *err)
{
    const gr_field_t *base = rp->w->run->cats[rp->cat].field;
    if (effect_reset(eff, rp->w, rp->cat) || repair_seeds(rp))
        return gr_error_set(err, GR_ENOMEM, "out of memory adding paths");
    gr_bounded_query_t q = { .seeds = rp->seeds, .n_seeds = rp->n_seeds,
                             .bound_m = base->dist_m, .cutoff_m = base->cutoff_m,
                             .site = GR_NONE };
    int rc = gr_search_bounded(rp->ws, &q, err);
    if (!rc && repair_collect(rp, eff))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory adding paths");
    if (!rc)
        effect_tally(rp->w, eff);
    return rc;
}

static int build_overlay(const gr_run_t *run, const gr_lines_t *lines, overlay_t *o,
                         gr_paths_result_t *r)
{
    o->g = run->g;
    if (add_lines(run, lines, o, r) || split_arcs(o))
        return -1;
    if (o->n_arcs)
        qsort(o->arcs, o->n_arcs, sizeof *o->arcs, cmp_arc);
    o->view = (gr_overlay_t){ o->n_nodes, o->n_arcs, o->arcs };
    r->n_segments = o->n_seg;
    return 0;
}

static int resnap_all(const gr_run_t *run, const overlay_t *o, resnap_t *rs,
                      gr_paths_result_t *r)
{
    for (uint32_t i = 0; i < run->ds->residents.n; i++) {
        resnap_resident(run, o, i, &rs[i]);
        r->n_resnapped += rs[i].seg != GR_NONE;
    }
    return 0;
}

int gr_whatif_add_paths(gr_whatif_t *w, const gr_lines_t *lines, gr_paths_result_t *r,
                        gr_error_t *err)
{
    const gr_run_t *run = w->run;
    overlay_t o = {0};
    srcs_t link_src = {0};
    repair_t rp = { .w = w, .o = &o, .link_src = &link_src };
    resnap_t *rs = malloc((size_t)w->n_res * sizeof *rs + 1);
    int rc = (!rs || build_overlay(run, lines, &o, r))
                 ? gr_error_set(err, GR_ENOMEM, "out of memory adding paths") : 0;
    if (!rc)
        rc = link_entrances(run, &o, &link_src, err);
    if (!rc) {
        r->n_new_entrances = link_src.n;
        resnap_all(run, &o, rs, r);
        rp.resnap = rs;
        rc = gr_search_ws_new(run->g, &o.view, &rp.ws, err);
    }
    for (int c = 0; !rc && c < run->n_cats; c++) {
        rp.cat = c;
        rc = repair_category(&rp, &r->eff[r->n_eff++], err);
    }
    gr_search_ws_free(rp.ws);
    free(rp.seeds);
    free(rs);
    free(link_src.a);
    overlay_free(&o);
    return rc;
}
