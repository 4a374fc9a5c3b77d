#include "greenreach/pipeline.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "greenreach/parallel.h"
#include "greenreach/search.h"
#include "greenreach/snap.h"
#include "greenreach/straight.h"
#include "greenreach/wardindex.h"

const char *const gr_phase_names[GR_PHASE_COUNT] = {
    "load", "graph", "snap", "search", "coverage", "catchments", "write"
};

double gr_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* GEOS reports through handlers; keep the last message in the run so a
 * failing call can be explained rather than printed. */
static void geos_msg(const char *message, void *user)
{
    gr_run_t *run = user;
    snprintf(run->geos_error, sizeof run->geos_error, "%s", message);
}

static void progress(gr_progress_fn fn, void *ctx, const char *fmt, ...)
{
    if (!fn)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fn(msg, ctx);
}

/* Residents are snapped in chunks, one task each, on every core. */
#define SNAP_CHUNK 16384

typedef struct {
    gr_run_t *run;
    uint32_t missed[];          /* per chunk */
} snap_job_t;

static int snap_task(void *ctx, uint32_t chunk)
{
    snap_job_t *j = ctx;
    const gr_residents_t *R = &j->run->ds->residents;
    uint32_t i0 = chunk * SNAP_CHUNK, n = R->n - i0 < SNAP_CHUNK ? R->n - i0 : SNAP_CHUNK;
    j->missed[chunk] = gr_snap_points(j->run->idx, R->x + i0, R->y + i0, n,
                                      j->run->cfg.snap_max_m, j->run->res_snap + i0);
    return 0;
}

static int snap_residents(gr_run_t *run, gr_error_t *err)
{
    const gr_residents_t *R = &run->ds->residents;
    uint32_t n_chunks = (R->n + SNAP_CHUNK - 1) / SNAP_CHUNK;
    snap_job_t *job = malloc(sizeof *job + (size_t)n_chunks * sizeof job->missed[0] + 1);
    run->res_snap = malloc((size_t)R->n * sizeof *run->res_snap + 1);
    run->res_snapped = malloc((size_t)R->n + 1);
    if (!job || !run->res_snap || !run->res_snapped) {
        free(job);
        return gr_error_set(err, GR_ENOMEM, "out of memory snapping residents");
    }
    job->run = run;
    gr_parallel_for(n_chunks, snap_task, job);
    run->n_unsnapped = 0;
    for (uint32_t k = 0; k < n_chunks; k++)
        run->n_unsnapped += job->missed[k];
    free(job);
    for (uint32_t i = 0; i < R->n; i++)
        run->res_snapped[i] = run->res_snap[i].edge != GR_NONE;
    return 0;
}

/* The category's entrances, from the site-sorted entrance list. */
static gr_source_t *category_sources(const gr_run_t *run, gr_cat_result_t *cr, uint32_t *n)
{
    const gr_entrances_t *e = run->ent;
    gr_source_t *src = malloc((size_t)e->n * sizeof *src + 1);
    *n = 0;
    if (!src)
        return NULL;
    for (uint32_t s = 0; s < e->n_sites; s++) {
        if (!gr_category_has_site(cr->cat, run->ds->sites.function[s],
                                  run->ds->sites.play_class[s], run->ds->sites.area_m2[s]))
            continue;
        cr->n_sites++;
        cr->n_sites_unreached += e->site_kind[s] == GR_ENTRY_NONE;
        for (uint32_t k = e->site_first[s]; k < e->site_first[s + 1]; k++)
            src[(*n)++] = e->src[k];
    }
    return src;
}

static int search_category(gr_run_t *run, gr_cat_result_t *cr, gr_error_t *err)
{
    const gr_residents_t *R = &run->ds->residents;
    float cutoff = (float)gr_category_max_m(cr->cat);
    uint32_t n_src;
    gr_source_t *src = category_sources(run, cr, &n_src);
    cr->res_dist_m = malloc((size_t)R->n * sizeof *cr->res_dist_m + 1);
    cr->res_site = malloc((size_t)R->n * sizeof *cr->res_site + 1);
    if (!src || !cr->res_dist_m || !cr->res_site) {
        free(src);
        return gr_error_set(err, GR_ENOMEM, "out of memory for category %s", cr->cat->name);
    }
    cr->n_sources = n_src;
    int rc = gr_search_multi_source(run->g, src, n_src, cutoff, &cr->field, err);
    const gr_field_t *f = cr->field;
    free(src);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < R->n; i++) {
        const gr_snap_t *s = &run->res_snap[i];
        float d = INFINITY;
        uint32_t site = GR_NONE;
        if (s->edge != GR_NONE)
            d = gr_field_point_dist(f, s->edge, s->pos_m, &site) + s->offset_m;
        if (!(d <= cutoff)) {
            d = INFINITY;
            site = GR_NONE;
        }
        cr->res_dist_m[i] = d;
        cr->res_site[i] = site;
    }
    /* With no entrance at all every island would count: that is a category
     * without sites (reported as such), not a network problem. */
    if (n_src == 0)
        return 0;
    return gr_islands_cut_off(run->g, f->src, f->n_src, run->res_snap, R->pop, R->n,
                              &cr->cut_off, err);
}

/* Straight-line distances: they replace the network ones in straight
 * mode (which then become the comparison), or are the comparison. */
static int straight_category(gr_run_t *run, gr_cat_result_t *cr, gr_error_t *err)
{
    const gr_residents_t *R = &run->ds->residents;
    float *d = malloc((size_t)R->n * sizeof *d + 1);
    uint32_t *site = malloc((size_t)R->n * sizeof *site + 1);
    int rc = (!d || !site) ? gr_error_set(err, GR_ENOMEM, "out of memory for category %s",
                                          cr->cat->name)
                           : gr_straight_distances(run->gh, &run->ds->sites, cr->cat, R->x, R->y,
                                                   R->n, (float)gr_category_max_m(cr->cat), d,
                                                   site, err);
    if (!rc && run->cfg.walk_mode == GR_WALK_STRAIGHT) {
        float *t = cr->res_dist_m;
        cr->res_dist_m = d;
        d = t;
        uint32_t *u = cr->res_site;
        cr->res_site = site;
        site = u;
    }
    if (!rc && run->cfg.compare_straight) {
        cr->cmp_dist_m = d;
        d = NULL;
    }
    free(d);
    free(site);
    return rc;
}

static int locate_residents(gr_run_t *run, gr_error_t *err)
{
    const gr_residents_t *R = &run->ds->residents;
    gr_wardindex_t *wi = NULL;
    int rc = gr_wardindex_build(&run->ds->wards, run->gh, &wi, err);
    if (rc)
        return rc;
    run->res_ward = malloc((size_t)R->n * sizeof *run->res_ward + 1);
    if (!run->res_ward) {
        gr_wardindex_free(wi);
        return gr_error_set(err, GR_ENOMEM, "out of memory locating residents");
    }
    for (uint32_t i = 0; i < R->n; i++)
        run->res_ward[i] = gr_wardindex_locate(wi, R->x[i], R->y[i]);
    gr_wardindex_free(wi);
    return 0;
}

/* Residents given as zones become people at their homes. */
static int stage_homes(gr_run_t *run, gr_progress_fn pf, void *pc, gr_error_t *err)
{
    gr_dataset_t *ds = run->ds;
    gr_residents_t spread;
    double t0 = gr_now_s();
    int rc = gr_dasymetric_spread(&ds->residents, &ds->homes, run->gh, &spread, &run->dasy, err);
    run->spread_s = gr_now_s() - t0;
    if (rc)
        return rc;
    gr_residents_clear(&ds->residents, run->gh);
    ds->residents = spread;
    run->has_homes = true;
    const gr_dasymetric_stats_t *d = &run->dasy;
    progress(pf, pc, "homes: %u zones spread over %u of %u homes (%u outside every zone); "
             "%u zones without a home kept at one point", d->zones_spread, d->homes_peopled,
             d->homes, d->homes - d->homes_in_zones, d->zones_without_homes);
    return 0;
}

static int stage_network(gr_run_t *run, gr_progress_fn pf, void *pc, gr_error_t *err)
{
    double t0 = gr_now_s();
    int rc = gr_graph_build(&run->ds->paths, run->cfg.join_tol_m, &run->g, err);
    if (!rc)
        rc = gr_segindex_build(run->g, 0.0, &run->idx, err);
    run->phase_s[GR_PHASE_GRAPH] = gr_now_s() - t0;
    if (rc)
        return rc;
    progress(pf, pc, "graph: %u nodes, %u edges, %u islands", run->g->n_nodes,
             run->g->n_edges, run->g->stats.components);
    t0 = gr_now_s();
    rc = snap_residents(run, err);
    if (!rc)
        rc = gr_entrances_build(run->ds, run->g, run->idx, run->gh, run->cfg.snap_max_m,
                                &run->ent, err);
    run->phase_s[GR_PHASE_SNAP] = gr_now_s() - t0;
    return rc;
}

/* One search per category, the categories shared out over the cores:
 * each writes only its own gr_cat_result_t. */
typedef struct {
    gr_run_t *run;
    int rc[GR_MAX_CATEGORIES];
    gr_error_t err[GR_MAX_CATEGORIES];
} search_job_t;

static int search_task(void *ctx, uint32_t c)
{
    search_job_t *j = ctx;
    j->run->cats[c].cat = &j->run->cfg.categories[c];
    j->rc[c] = search_category(j->run, &j->run->cats[c], &j->err[c]);
    return j->rc[c];
}

static int stage_search(gr_run_t *run, gr_progress_fn pf, void *pc, gr_error_t *err)
{
    double t0 = gr_now_s();
    int rc = 0;
    search_job_t *job = calloc(1, sizeof *job);
    if (!job)
        return gr_error_set(err, GR_ENOMEM, "out of memory for the searches");
    job->run = run;
    gr_parallel_for((uint32_t)run->n_cats, search_task, job);
    for (int c = 0; c < run->n_cats && !rc; c++) {
        rc = job->rc[c];
        if (rc)
            *err = job->err[c];
        /* after the threads: the run's one GEOS context is not shared */
        else if (run->cfg.walk_mode == GR_WALK_STRAIGHT || run->cfg.compare_straight)
            rc = straight_category(run, &run->cats[c], err);
        if (!rc)
            progress(pf, pc, "search %s: %u sites, %u entrances", run->cats[c].cat->name,
                     run->cats[c].n_sites, run->cats[c].n_sources);
    }
    free(job);
    run->phase_s[GR_PHASE_SEARCH] = gr_now_s() - t0;
    if (rc)
        return rc;
    t0 = gr_now_s();
    rc = locate_residents(run, err);
    const gr_residents_t *R = &run->ds->residents;
    for (int c = 0; c < run->n_cats && !rc; c++)
        rc = gr_coverage_compute(run->ds->wards.n, run->res_ward, R->pop,
                                 run->cats[c].res_dist_m, run->res_snapped, R->n,
                                 run->cats[c].cat->thr_m, (uint32_t)run->cats[c].cat->n_thr,
                                 &run->cats[c].cov, err);
    run->phase_s[GR_PHASE_COVERAGE] = gr_now_s() - t0;
    return rc;
}

int gr_run_compute(const gr_config_t *cfg, gr_progress_fn pf, void *pc, gr_run_t **out,
                   gr_error_t *err)
{
    *out = NULL;
    gr_run_t *run = calloc(1, sizeof *run);
    if (!run)
        return gr_error_set(err, GR_ENOMEM, "out of memory");
    run->cfg = *cfg;
    int rc = gr_config_resolve(&run->cfg, err);
    if (rc) {
        free(run);
        return rc;
    }
    run->n_cats = cfg->n_categories;
    run->gh = GEOS_init_r();
    GEOSContext_setErrorMessageHandler_r(run->gh, geos_msg, run);
    GEOSContext_setNoticeMessageHandler_r(run->gh, NULL, NULL);
    double t0 = gr_now_s();
    progress(pf, pc, "loading layers");
    rc = gr_load_dataset(&run->cfg, run->gh, &run->ds, err);
    if (!rc && run->cfg.homes.path[0])
        rc = stage_homes(run, pf, pc, err);
    run->phase_s[GR_PHASE_LOAD] = gr_now_s() - t0;
    if (!rc) {
        progress(pf, pc, "loaded %u wards, %u path lines, %u sites, %u residents (CRS %s)",
                 run->ds->wards.n, run->ds->paths.n_lines, run->ds->sites.n,
                 run->ds->residents.n, run->ds->crs_def);
        rc = stage_network(run, pf, pc, err);
    }
    if (!rc)
        rc = stage_search(run, pf, pc, err);
    if (rc) {
        gr_run_free(run);
        return rc;
    }
    *out = run;
    return 0;
}

void gr_run_free(gr_run_t *run)
{
    if (!run)
        return;
    for (int c = 0; c < run->n_cats; c++) {
        free(run->cats[c].res_dist_m);
        free(run->cats[c].res_site);
        free(run->cats[c].cmp_dist_m);
        gr_field_free(run->cats[c].field);
        gr_coverage_free(run->cats[c].cov);
    }
    free(run->res_snap);
    free(run->res_snapped);
    free(run->res_ward);
    gr_entrances_free(run->ent);
    gr_segindex_free(run->idx);
    gr_graph_free(run->g);
    gr_dataset_free(run->ds, run->gh);
    if (run->gh)
        GEOS_finish_r(run->gh);
    free(run);
}
