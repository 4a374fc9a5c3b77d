#include "greenreach/candidates.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/wardindex.h"

/* Entrances of every candidate by the rules every site follows. */
static int place_entrances(const gr_run_t *run, gr_candidates_t *c, gr_error_t *err)
{
    c->n = c->ds->sites.n;
    return gr_entrances_build(c->ds, run->g, run->idx, run->gh, run->cfg.snap_max_m, &c->ent,
                              err);
}

static gr_layer_spec_t layer_spec(const char *path, const char *layer)
{
    gr_layer_spec_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.path, sizeof s.path, "%s", path);
    snprintf(s.layer, sizeof s.layer, "%s", layer ? layer : "");
    return s;
}

int gr_candidates_load(const gr_run_t *run, const char *path, const char *layer,
                       const char *entrances_path, gr_candidates_t **out, gr_error_t *err)
{
    *out = NULL;
    gr_candidates_t *c = calloc(1, sizeof *c);
    if (!c)
        return gr_error_set(err, GR_ENOMEM, "out of memory reading candidates");
    gr_layer_spec_t sites = layer_spec(path, layer);
    gr_layer_spec_t access = layer_spec(entrances_path ? entrances_path : "", NULL);
    int rc = gr_load_candidates(&run->cfg, run->ds->crs_def, &sites,
                                entrances_path && entrances_path[0] ? &access : NULL, run->gh,
                                &c->ds, err);
    if (!rc)
        rc = place_entrances(run, c, err);
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
    gr_entrances_free(c->ent);
    gr_dataset_free(c->ds, gh);
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

static bool inside_any_site(GEOSContextHandle_t gh, GEOSSTRtree *tree, const GEOSGeometry *pt)
{
    site_hit_t h = { gh, pt, false };
    GEOSSTRtree_query_r(gh, tree, pt, site_hit_cb, &h);
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

/* Appends a point site named by its rounded coordinates; takes pt. */
static int grid_add(gr_sites_t *S, size_t *cap, GEOSGeometry *pt, double x, double y)
{
    if (S->n + 1 >= *cap) {
        size_t n = *cap ? 2 * *cap : 1024;
        GEOSGeometry **g = realloc(S->geom, n * sizeof *g);
        if (g)
            S->geom = g;
        char **id = g ? realloc(S->site_id, n * sizeof *id) : NULL;
        if (!id)
            return -1;
        S->site_id = id;
        *cap = n;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "grid_%.0f_%.0f", x, y);
    S->geom[S->n] = pt;
    if (!(S->site_id[S->n] = strdup(buf)))
        return -1;
    S->n++;
    return 0;
}

static int grid_points(const gr_run_t *run, double step_m, const gr_wardindex_t *wi,
                       GEOSSTRtree *sites, gr_sites_t *S)
{
    double env[4];
    size_t cap = 0;
    wards_extent(run, env);
    for (double y = env[1] + step_m / 2.0; y < env[3]; y += step_m) {
        for (double x = env[0] + step_m / 2.0; x < env[2]; x += step_m) {
            if (gr_wardindex_locate(wi, x, y) == GR_NONE)
                continue;
            GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(run->gh, x, y);
            if (!pt)
                return -1;
            if (inside_any_site(run->gh, sites, pt)) {
                GEOSGeom_destroy_r(run->gh, pt);
                continue;
            }
            if (grid_add(S, &cap, pt, x, y)) {
                GEOSGeom_destroy_r(run->gh, pt);
                return -1;
            }
        }
    }
    return 0;
}

/* Grid points carry no function or play class, and no area (a point
 * proposes a place, not a size: no size tier counts it). */
static int grid_finish(gr_sites_t *S)
{
    S->function = calloc((size_t)S->n + 1, sizeof *S->function);
    S->play_class = calloc((size_t)S->n + 1, sizeof *S->play_class);
    S->area_m2 = calloc((size_t)S->n + 1, sizeof *S->area_m2);
    if (!S->function || !S->play_class || !S->area_m2)
        return -1;
    for (uint32_t i = 0; i < S->n; i++)
        if (!(S->function[i] = strdup("")) || !(S->play_class[i] = strdup("")))
            return -1;
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
    int rc = (!c || !tree || !(c->ds = calloc(1, sizeof *c->ds)))
                 ? gr_error_set(err, GR_ENOMEM, "out of memory for grid candidates")
                 : gr_wardindex_build(&run->ds->wards, run->gh, &wi, err);
    for (uint32_t s = 0; !rc && s < run->ds->sites.n; s++)
        GEOSSTRtree_insert_r(run->gh, tree, run->ds->sites.geom[s], run->ds->sites.geom[s]);
    if (!rc) {
        c->ds->is_candidates = true;
        if (grid_points(run, step_m, wi, tree, &c->ds->sites) || grid_finish(&c->ds->sites))
            rc = gr_error_set(err, GR_ENOMEM, "out of memory for grid candidates");
    }
    if (!rc)
        rc = place_entrances(run, c, err);
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
