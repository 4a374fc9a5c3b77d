#include "greenreach/whatif.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/targets.h"

struct gr_whatif {
    const gr_run_t *run;
    gr_targets_t *targets;      /* the base verdicts, neighbourhoods, low-car flags */
    uint32_t n_res, n_wards, n_rows;
    uint32_t *edge_off;         /* residents by snapped edge (CSR over edges) */
    uint32_t *edge_res;
    bool has_lowcar;
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

const gr_run_t *gr_whatif_run(const gr_whatif_t *w)
{
    return w->run;
}

/* ---- effects ---- */

int gr_effect_add(gr_effect_t *e, uint32_t res, float d)
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

int gr_effect_reset(const gr_whatif_t *w, int cat, gr_effect_t *e)
{
    uint32_t n_thr = (uint32_t)w->run->cats[cat].cat->n_thr;
    size_t cells = (size_t)w->n_rows * n_thr;
    if (!e->gain || (size_t)e->n_rows * e->n_thr < cells) {
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

/* ---- rows and tallies ---- */

/* The rows resident i counts in (ward, neighbourhood, area); 0 when it
 * lives in no ward, as in the targets. */
static int resident_rows(const gr_whatif_t *w, uint32_t i, uint32_t rows[3])
{
    uint32_t ward = w->run->res_ward[i];
    if (ward == GR_NONE)
        return 0;
    int n = 0;
    rows[n++] = ward;
    if (w->targets->ward_nbhd[ward] != GR_NONE)
        rows[n++] = w->n_wards + w->targets->ward_nbhd[ward];
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
            if (w->targets->res_lowcar[i])
                within_lowcar[cell] += delta;
        }
    }
}

void gr_effect_tally(const gr_whatif_t *w, gr_effect_t *e)
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
    if (row + 1 < w->n_rows) {
        *code = *name = w->targets->nbhd_name[row - w->n_wards];
        return GR_ROW_NBHD;
    }
    *code = "ALL";
    *name = "All wards";
    return GR_ROW_AREA;
}

const uint8_t *gr_whatif_lowcar(const gr_whatif_t *w)
{
    return w->targets->res_lowcar;
}

bool gr_whatif_has_lowcar(const gr_whatif_t *w)
{
    return w->has_lowcar;
}

gr_tally_t gr_whatif_base(const gr_whatif_t *w, int cat)
{
    return (gr_tally_t){ w->n_rows, (uint32_t)w->run->cats[cat].cat->n_thr, w->pop,
                         w->pop_lowcar, w->within[cat], w->within_lowcar[cat] };
}

/* ---- building the engine ---- */

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
        w->has_lowcar |= !isnan(R->no_car_share[i]);
        for (int k = 0; k < n; k++) {
            w->pop[rows[k]] += R->pop[i];
            w->pop_lowcar[rows[k]] += w->targets->res_lowcar[i] ? R->pop[i] : 0.0;
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
    if (run->cfg.walk_mode == GR_WALK_STRAIGHT)
        return gr_error_set(err, GR_ECONFIG, "what-if answers in walked distances: set "
                            "[walk] mode = network");
    gr_whatif_t *w = calloc(1, sizeof *w);
    if (!w)
        return gr_error_set(err, GR_ENOMEM, "out of memory for what-if");
    w->run = run;
    w->n_res = run->ds->residents.n;
    int rc = gr_targets_evaluate(run, &w->targets, err);
    if (!rc) {
        w->n_wards = run->ds->wards.n;
        w->n_rows = w->n_wards + w->targets->n_nbhd + 1;
        w->stamp = calloc((size_t)w->n_res + 1, sizeof *w->stamp);
        if (!w->stamp || index_residents(w) || base_tallies(w))
            rc = gr_error_set(err, GR_ENOMEM, "out of memory for what-if");
    }
    w->extent_m = graph_extent(run->g);
    if (!rc)
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
    gr_targets_free(w->targets);
    free(w->edge_off);
    free(w->edge_res);
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

/* ---- scanning the residents a search reached ---- */

static int scan_edge(gr_whatif_t *w, uint32_t e, gr_resident_fn fn, void *ctx)
{
    for (uint32_t k = w->edge_off[e]; k < w->edge_off[e + 1]; k++) {
        uint32_t i = w->edge_res[k];
        if (w->stamp[i] == w->stamp_now)
            continue;
        w->stamp[i] = w->stamp_now;
        int rc = fn(ctx, i);
        if (rc)
            return rc;
    }
    return 0;
}

int gr_whatif_scan(gr_whatif_t *w, const gr_search_ws_t *ws, const uint32_t *extra_edges,
                   uint32_t n_extra, gr_resident_fn fn, void *ctx)
{
    const gr_graph_t *g = w->run->g;
    uint32_t n_touched;
    const uint32_t *touched = gr_search_ws_touched(ws, &n_touched);
    if (++w->stamp_now == 0) {
        memset(w->stamp, 0, (size_t)w->n_res * sizeof *w->stamp);
        w->stamp_now = 1;
    }
    int rc = 0;
    for (uint32_t k = 0; !rc && k < n_touched; k++) {
        uint32_t v = touched[k];
        for (uint32_t a = v < g->n_nodes ? g->adj_off[v] : 0;
             !rc && v < g->n_nodes && a < g->adj_off[v + 1]; a++)
            rc = scan_edge(w, g->adj_edge[a], fn, ctx);
    }
    for (uint32_t k = 0; !rc && k < n_extra; k++)
        rc = scan_edge(w, extra_edges[k], fn, ctx);
    return rc;
}

/* ---- one candidate ---- */

typedef struct {
    const gr_whatif_t *w;
    const gr_field_t *f;
    const float *base;
    gr_effect_t *eff;
} gain_ctx_t;

/* A resident the search may bring nearer (same rule as the pipeline:
 * nearest point distance along the edge, plus the offset). */
static int gain_resident(void *ctx, uint32_t i)
{
    gain_ctx_t *c = ctx;
    const gr_snap_t *s = &c->w->run->res_snap[i];
    float d = gr_field_point_dist(c->f, s->edge, s->pos_m, NULL) + s->offset_m;
    return (d <= c->f->cutoff_m && d < c->base[i]) ? gr_effect_add(c->eff, i, d) : 0;
}

int gr_whatif_search(gr_whatif_t *w, int cat, const gr_source_t *src, uint32_t n_src,
                     float cutoff_m, gr_effect_t *eff, gr_error_t *err)
{
    const gr_cat_result_t *cr = &w->run->cats[cat];
    gr_bounded_query_t q = { .src = src, .n_src = n_src, .bound_m = cr->field->dist_m,
                             .cutoff_m = cutoff_m, .site = GR_NONE };
    if (gr_effect_reset(w, cat, eff))
        return gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
    int rc = gr_search_bounded(w->ws, &q, err);
    if (rc)
        return rc;
    /* a long edge may hold a resident near a source with both ends beyond
     * reach: the sources' own edges are scanned too */
    const gr_field_t *f = gr_search_ws_field(w->ws);
    uint32_t *edges = malloc((size_t)f->n_src * sizeof *edges + 1);
    if (!edges)
        return gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
    for (uint32_t k = 0; k < f->n_src; k++)
        edges[k] = f->src[k].edge;
    gain_ctx_t ctx = { w, f, cr->res_dist_m, eff };
    rc = gr_whatif_scan(w, w->ws, edges, f->n_src, gain_resident, &ctx);
    free(edges);
    if (rc)
        return gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
    gr_effect_tally(w, eff);
    return 0;
}

/* With connect, a candidate no path reaches within the snap cap is tried
 * again with the cap doubled until a path is found: the straight link to
 * it is the new link. */
int gr_whatif_entrances(gr_whatif_t *w, const gr_candidates_t *c, uint32_t i, bool connect,
                        const gr_source_t **src, uint32_t *n_src, gr_entry_kind_t *kind,
                        float *link_m, gr_error_t *err)
{
    const gr_run_t *run = w->run;
    const gr_entrances_t *e = c->ent;
    *kind = (gr_entry_kind_t)e->site_kind[i];
    *link_m = 0.0f;
    *src = e->src + e->site_first[i];
    *n_src = e->site_first[i + 1] - e->site_first[i];
    if (!connect || *kind != GR_ENTRY_NONE)
        return 0;
    gr_site_geom_t sg = { c->ds->sites.geom[i], NULL, NULL, 0, i };
    int rc = 0;
    for (double cap = 2.0 * run->cfg.snap_max_m; !rc && *kind == GR_ENTRY_NONE &&
         cap < 2.0 * w->extent_m; cap *= 2.0) {
        free(w->src);
        rc = gr_entrances_for_geom(run->g, run->idx, run->gh, &sg, cap, &w->src, &w->n_src,
                                   kind, err);
    }
    for (uint32_t k = 0; !rc && k < w->n_src; k++)
        if (k == 0 || w->src[k].init_m < *link_m)
            *link_m = w->src[k].init_m;
    *src = w->src;
    *n_src = rc ? 0 : w->n_src;
    return rc;
}

int gr_whatif_site(gr_whatif_t *w, const gr_candidates_t *c, uint32_t i, const char *function,
                   const char *play_class, bool connect, gr_site_result_t *r, gr_error_t *err)
{
    const gr_sites_t *S = &c->ds->sites;
    const char *fn = (function && function[0]) ? function
                     : (S->function[i][0] ? S->function[i] : "park");
    const char *pc = (play_class && play_class[0]) ? play_class : S->play_class[i];
    const gr_source_t *src;
    r->n_eff = 0;
    int rc = gr_whatif_entrances(w, c, i, connect, &src, &r->n_entrances, &r->kind, &r->link_m,
                                 err);
    for (int cat = 0; !rc && cat < w->run->n_cats; cat++) {
        const gr_cat_result_t *cr = &w->run->cats[cat];
        if (gr_category_has_site(cr->cat, fn, pc, S->area_m2[i]))
            rc = gr_whatif_search(w, cat, src, r->n_entrances, cr->field->cutoff_m,
                                  &r->eff[r->n_eff++], err);
    }
    return rc;
}

/* ---- all candidates together ---- */

int gr_whatif_accumulate(gr_whatif_t *w, const gr_effect_t *e, gr_error_t *err)
{
    int c = e->cat;
    if (!w->all_dist[c]) {
        w->all_dist[c] = malloc((size_t)w->n_res * sizeof *w->all_dist[c] + 1);
        if (!w->all_dist[c] || gr_effect_reset(w, c, &w->all[c]))
            return gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
        memcpy(w->all_dist[c], w->run->cats[c].res_dist_m, (size_t)w->n_res * sizeof(float));
    }
    const float *base = w->run->cats[c].res_dist_m;
    for (uint32_t k = 0; k < e->n; k++) {
        uint32_t i = e->res[k];
        /* list each resident once, the first time it improves */
        if (w->all_dist[c][i] == base[i] && gr_effect_add(&w->all[c], i, e->dist_m[k]))
            return gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
        if (e->dist_m[k] < w->all_dist[c][i])
            w->all_dist[c][i] = e->dist_m[k];
    }
    return 0;
}

int gr_whatif_combined(gr_whatif_t *w, int cat, gr_effect_t *out, gr_error_t *err)
{
    if (gr_effect_reset(w, cat, out))
        return gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
    const gr_effect_t *all = &w->all[cat];
    for (uint32_t k = 0; w->all_dist[cat] && k < all->n; k++)
        if (gr_effect_add(out, all->res[k], w->all_dist[cat][all->res[k]]))
            return gr_error_set(err, GR_ENOMEM, "out of memory in what-if");
    gr_effect_tally(w, out);
    return 0;
}

/* ---- target verdicts ---- */

const gr_target_t *gr_whatif_target(const gr_whatif_t *w, const char *id)
{
    const gr_config_t *cfg = &w->run->cfg;
    for (int k = 0; k < cfg->n_targets; k++)
        if (cfg->targets[k].kind == GR_TARGET_COVERAGE && strcmp(cfg->targets[k].id, id) == 0)
            return &cfg->targets[k];
    return NULL;
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

/* Share of the counted population within the target's threshold, before
 * and after, judged by the targets module's rule. */
static bool verdict_flips(const gr_whatif_t *w, const gr_target_result_t *tr,
                          const gr_effect_t *e, uint32_t row, gr_flip_t *f)
{
    bool lc = tr->target->population == GR_POP_LOWCAR;
    size_t cell = (size_t)row * e->n_thr + (size_t)tr->thr_index;
    double pop = lc ? w->pop_lowcar[row] : w->pop[row];
    double before = lc ? w->within_lowcar[e->cat][cell] : w->within[e->cat][cell];
    double after = before + (lc ? e->gain_lowcar[cell] : e->gain[cell]);
    double level = tr->target->level;
    if (!(pop > 0.0))
        return false;
    *f = (gr_flip_t){ tr->target, row, before / pop, after / pop,
                      gr_targets_shortfall(level, pop, before) == 0.0,
                      gr_targets_shortfall(level, pop, after) == 0.0 };
    return f->is_met_before != f->is_met_after;
}

int gr_whatif_flips(const gr_whatif_t *w, const gr_effect_t *e, gr_flip_t *out, int max)
{
    const gr_category_t *cat = w->run->cats[e->cat].cat;
    int found = 0;
    for (int k = 0; k < w->targets->n; k++) {
        const gr_target_result_t *tr = &w->targets->res[k];
        if (tr->target->kind != GR_TARGET_COVERAGE || tr->cat != cat ||
            tr->area.verdict == GR_VERDICT_NOT_EVALUATED)
            continue;
        for (uint32_t row = 0; row < w->n_rows; row++) {
            gr_flip_t f;
            if (!row_in_scope(w, row, tr->target->scopes) || !verdict_flips(w, tr, e, row, &f))
                continue;
            if (found < max)
                out[found] = f;
            found++;
        }
    }
    return found;
}
