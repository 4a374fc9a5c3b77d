#include "greenreach/entrance.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    gr_source_t *a;
    uint32_t n, cap;
} src_vec_t;

static int push_src(src_vec_t *v, uint32_t edge, float pos, float init, uint32_t site)
{
    if (v->n == v->cap) {
        uint32_t c = v->cap ? 2 * v->cap : 256;
        gr_source_t *a = realloc(v->a, (size_t)c * sizeof *a);
        if (!a)
            return -1;
        v->a = a;
        v->cap = c;
    }
    v->a[v->n++] = (gr_source_t){ edge, pos, init, site };
    return 0;
}

/* Everything one site's entrance search needs. */
typedef struct {
    const gr_graph_t *g;
    GEOSContextHandle_t gh;
    const GEOSGeometry *site;
    const GEOSPreparedGeometry *prep;
    GEOSGeometry *boundary;
    uint32_t site_idx;
    src_vec_t *out;
    uint32_t added;
    int failed;
    /* nearest-path fallback */
    double env[4];
    double best_d;
    uint32_t best_edge;
} site_ctx_t;

static GEOSGeometry *edge_line(const gr_graph_t *g, GEOSContextHandle_t gh, uint32_t e)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(gh, 2, 2);
    if (!cs)
        return NULL;
    GEOSCoordSeq_setXY_r(gh, cs, 0, g->x[g->edge_u[e]], g->y[g->edge_u[e]]);
    GEOSCoordSeq_setXY_r(gh, cs, 1, g->x[g->edge_v[e]], g->y[g->edge_v[e]]);
    return GEOSGeom_createLineString_r(gh, cs);
}

static bool node_inside(const site_ctx_t *c, uint32_t node)
{
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(c->gh, c->g->x[node], c->g->y[node]);
    bool in = pt && GEOSPreparedIntersects_r(c->gh, c->prep, pt) == 1;
    GEOSGeom_destroy_r(c->gh, pt);
    return in;
}

/* Position along edge e of point (x, y) on it. */
static float pos_on_edge(const gr_graph_t *g, uint32_t e, double x, double y)
{
    double t;
    uint32_t u = g->edge_u[e], v = g->edge_v[e];
    gr_project_segment(g->x[u], g->y[u], g->x[v], g->y[v], x, y, &t);
    return (float)(t * g->edge_len_m[e]);
}

/* Adds an entrance at every point where edge e meets the site boundary. */
static void add_crossings(site_ctx_t *c, uint32_t e, const GEOSGeometry *line)
{
    GEOSGeometry *hit = GEOSIntersection_r(c->gh, line, c->boundary);
    GEOSGeometry *pts = hit ? GEOSGeom_extractUniquePoints_r(c->gh, hit) : NULL;
    int n = pts ? GEOSGetNumGeometries_r(c->gh, pts) : 0;
    for (int i = 0; i < n; i++) {
        double x, y;
        const GEOSGeometry *p = GEOSGetGeometryN_r(c->gh, pts, i);
        if (GEOSGeomGetX_r(c->gh, p, &x) == 1 && GEOSGeomGetY_r(c->gh, p, &y) == 1)
            c->failed |= push_src(c->out, e, pos_on_edge(c->g, e, x, y), 0.0f, c->site_idx);
        c->added++;
    }
    GEOSGeom_destroy_r(c->gh, pts);
    GEOSGeom_destroy_r(c->gh, hit);
}

static void crossing_cb(uint32_t e, void *ctx)
{
    site_ctx_t *c = ctx;
    const gr_graph_t *g = c->g;
    GEOSGeometry *line = edge_line(g, c->gh, e);
    if (!line || GEOSPreparedIntersects_r(c->gh, c->prep, line) != 1) {
        GEOSGeom_destroy_r(c->gh, line);
        return;
    }
    bool u_in = node_inside(c, g->edge_u[e]), v_in = node_inside(c, g->edge_v[e]);
    if (u_in) {
        c->failed |= push_src(c->out, e, 0.0f, 0.0f, c->site_idx);
        c->added++;
    }
    if (v_in) {
        c->failed |= push_src(c->out, e, g->edge_len_m[e], 0.0f, c->site_idx);
        c->added++;
    }
    if (!(u_in && v_in))
        add_crossings(c, e, line);
    GEOSGeom_destroy_r(c->gh, line);
}

static void nearest_cb(uint32_t e, void *ctx)
{
    site_ctx_t *c = ctx;
    const gr_graph_t *g = c->g;
    uint32_t u = g->edge_u[e], v = g->edge_v[e];
    /* the gap between bounding boxes bounds the distance from below: most
     * edges in the search box are dismissed without GEOS */
    double gx = fmax(0.0, fmax(c->env[0] - fmax(g->x[u], g->x[v]), fmin(g->x[u], g->x[v]) - c->env[2]));
    double gy = fmax(0.0, fmax(c->env[1] - fmax(g->y[u], g->y[v]), fmin(g->y[u], g->y[v]) - c->env[3]));
    if (hypot(gx, gy) > c->best_d)
        return;
    GEOSGeometry *line = edge_line(g, c->gh, e);
    double d;
    if (line && GEOSPreparedDistance_r(c->gh, c->prep, line, &d) == 1 &&
        (d < c->best_d || (d == c->best_d && e < c->best_edge))) {
        c->best_d = d;
        c->best_edge = e;
    }
    GEOSGeom_destroy_r(c->gh, line);
}

static void add_nearest_path(site_ctx_t *c, const gr_segindex_t *idx, double env[4], double cap_m)
{
    c->best_d = cap_m;
    c->best_edge = GR_NONE;
    memcpy(c->env, env, sizeof c->env);
    gr_segindex_query(idx, env[0] - cap_m, env[1] - cap_m, env[2] + cap_m, env[3] + cap_m,
                      nearest_cb, c);
    if (c->best_edge == GR_NONE)
        return;
    GEOSGeometry *line = edge_line(c->g, c->gh, c->best_edge);
    GEOSCoordSequence *np = line ? GEOSNearestPoints_r(c->gh, line, c->site) : NULL;
    double x, y;
    if (np && GEOSCoordSeq_getXY_r(c->gh, np, 0, &x, &y) == 1) {
        c->failed |= push_src(c->out, c->best_edge, pos_on_edge(c->g, c->best_edge, x, y),
                              (float)c->best_d, c->site_idx);
        c->added++;
    }
    GEOSCoordSeq_destroy_r(c->gh, np);
    GEOSGeom_destroy_r(c->gh, line);
}

static void site_envelope(GEOSContextHandle_t gh, const GEOSGeometry *g, double env[4])
{
    GEOSGeom_getXMin_r(gh, g, &env[0]);
    GEOSGeom_getYMin_r(gh, g, &env[1]);
    GEOSGeom_getXMax_r(gh, g, &env[2]);
    GEOSGeom_getYMax_r(gh, g, &env[3]);
}

/* Entrances of a site with no surveyed access point. */
static gr_entry_kind_t derive_entrances(site_ctx_t *c, const gr_segindex_t *idx,
                                        double snap_max_m)
{
    double env[4];
    site_envelope(c->gh, c->site, env);
    c->prep = GEOSPrepare_r(c->gh, c->site);
    c->boundary = GEOSBoundary_r(c->gh, c->site);
    gr_entry_kind_t kind = GR_ENTRY_NONE;
    if (c->prep && c->boundary) {
        gr_segindex_query(idx, env[0], env[1], env[2], env[3], crossing_cb, c);
        kind = c->added ? GR_ENTRY_CROSSING : GR_ENTRY_NONE;
        if (!c->added) {
            add_nearest_path(c, idx, env, snap_max_m);
            kind = c->added ? GR_ENTRY_NEAREST_PATH : GR_ENTRY_NONE;
        }
    } else {
        c->failed = 1;
    }
    GEOSPreparedGeom_destroy_r(c->gh, c->prep);
    GEOSGeom_destroy_r(c->gh, c->boundary);
    return kind;
}

/* One surveyed entrance snapped onto the nearest path within the cap
 * (the offset walked first); false when none is that near. */
static bool snap_entrance(const gr_segindex_t *idx, double x, double y, double snap_max_m,
                          uint32_t site, src_vec_t *out, int *failed)
{
    gr_snap_t s;
    if (snap_max_m <= 0.0 || !gr_segindex_nearest(idx, x, y, snap_max_m, &s))
        return false;
    *failed |= push_src(out, s.edge, s.pos_m, s.offset_m, site);
    return true;
}

/* Snaps the site's surveyed access points; returns how many snapped. */
static uint32_t snap_access(const gr_dataset_t *ds, const gr_segindex_t *idx,
                            const uint32_t *order, uint32_t from, uint32_t to,
                            double snap_max_m, src_vec_t *out, gr_entrances_t *e, int *failed)
{
    uint32_t snapped = 0;
    for (uint32_t k = from; k < to; k++) {
        uint32_t a = order[k];
        if (snap_entrance(idx, ds->access.x[a], ds->access.y[a], snap_max_m, ds->access.site[a],
                          out, failed))
            snapped++;
        else
            e->access_unsnapped++;
    }
    return snapped;
}

/* A site given as a point is entered where it snaps, like an access point. */
static gr_entry_kind_t point_entrance(const gr_segindex_t *idx, GEOSContextHandle_t gh,
                                      const GEOSGeometry *geom, uint32_t site, double snap_max_m,
                                      src_vec_t *out, int *failed)
{
    double x, y;
    if (GEOSGeomGetX_r(gh, geom, &x) != 1 || GEOSGeomGetY_r(gh, geom, &y) != 1) {
        *failed = 1;
        return GR_ENTRY_NONE;
    }
    return snap_entrance(idx, x, y, snap_max_m, site, out, failed) ? GR_ENTRY_NEAREST_PATH
                                                                   : GR_ENTRY_NONE;
}

/* Entrances of a site without surveyed ones that snap: a point's own, or a
 * polygon's crossings, else its nearest path point. */
static gr_entry_kind_t geometry_entrances(const gr_graph_t *g, const gr_segindex_t *idx,
                                          GEOSContextHandle_t gh, const GEOSGeometry *geom,
                                          uint32_t site, double snap_max_m, src_vec_t *out,
                                          int *failed)
{
    if (GEOSGeomTypeId_r(gh, geom) == GEOS_POINT)
        return point_entrance(idx, gh, geom, site, snap_max_m, out, failed);
    site_ctx_t c = { .g = g, .gh = gh, .site = geom, .site_idx = site, .out = out };
    gr_entry_kind_t kind = derive_entrances(&c, idx, snap_max_m);
    *failed |= c.failed;
    return kind;
}

/* Access points grouped by site (counting sort): site i's are
 * order[first[i] .. first[i+1]). */
static int group_access(const gr_dataset_t *ds, uint32_t **order, uint32_t **first)
{
    uint32_t ns = ds->sites.n;
    *first = calloc((size_t)ns + 2, sizeof **first);
    *order = malloc((size_t)ds->access.n * sizeof **order + 1);
    if (!*first || !*order)
        return -1;
    for (uint32_t a = 0; a < ds->access.n; a++)
        if (ds->access.site[a] != GR_NONE)
            (*first)[ds->access.site[a] + 1]++;
    for (uint32_t i = 0; i < ns; i++)
        (*first)[i + 1] += (*first)[i];
    uint32_t *fill = malloc((size_t)ns * sizeof *fill + 1);
    if (!fill)
        return -1;
    memcpy(fill, *first, (size_t)ns * sizeof *fill);
    for (uint32_t a = 0; a < ds->access.n; a++)
        if (ds->access.site[a] != GR_NONE)
            (*order)[fill[ds->access.site[a]]++] = a;
    free(fill);
    return 0;
}

int gr_entrances_build(const gr_dataset_t *ds, const gr_graph_t *g, const gr_segindex_t *idx,
                       GEOSContextHandle_t gh, double snap_max_m, gr_entrances_t **out,
                       gr_error_t *err)
{
    *out = NULL;
    gr_entrances_t *e = calloc(1, sizeof *e);
    uint32_t *order = NULL, *afirst = NULL;
    src_vec_t v = {0};
    int failed = !e || group_access(ds, &order, &afirst);
    if (!failed) {
        e->n_sites = ds->sites.n;
        e->site_first = calloc((size_t)ds->sites.n + 1, sizeof *e->site_first);
        e->site_kind = calloc((size_t)ds->sites.n + 1, 1);
        failed = !e->site_first || !e->site_kind;
    }
    for (uint32_t i = 0; !failed && i < ds->sites.n; i++) {
        e->site_first[i] = v.n;
        if (snap_access(ds, idx, order, afirst[i], afirst[i + 1], snap_max_m, &v, e, &failed)) {
            e->site_kind[i] = GR_ENTRY_ACCESS_POINT;
            continue;
        }
        e->site_kind[i] = (uint8_t)geometry_entrances(g, idx, gh, ds->sites.geom[i], i,
                                                      snap_max_m, &v, &failed);
    }
    free(order);
    free(afirst);
    if (failed) {
        free(v.a);
        gr_entrances_free(e);
        return gr_error_set(err, GR_EGEOM, "cannot place site entrances (out of memory or GEOS failure)");
    }
    e->site_first[ds->sites.n] = v.n;
    e->n = v.n;
    e->src = v.a;
    *out = e;
    return 0;
}

void gr_entrances_free(gr_entrances_t *e)
{
    if (!e)
        return;
    free(e->src);
    free(e->site_first);
    free(e->site_kind);
    free(e);
}

int gr_entrances_for_geom(const gr_graph_t *g, const gr_segindex_t *idx, GEOSContextHandle_t gh,
                          const gr_site_geom_t *site, double snap_max_m, gr_source_t **out,
                          uint32_t *n_out, gr_entry_kind_t *kind, gr_error_t *err)
{
    src_vec_t v = {0};
    int failed = 0;
    uint32_t snapped = 0;
    for (uint32_t k = 0; k < site->n_access; k++)
        snapped += snap_entrance(idx, site->access_x[k], site->access_y[k], snap_max_m,
                                 site->site, &v, &failed);
    *kind = snapped ? GR_ENTRY_ACCESS_POINT
                    : geometry_entrances(g, idx, gh, site->geom, site->site, snap_max_m, &v,
                                         &failed);
    if (failed) {
        free(v.a);
        *out = NULL;
        *n_out = 0;
        *kind = GR_ENTRY_NONE;
        return gr_error_set(err, GR_EGEOM, "cannot place the entrances of site %u "
                            "(out of memory or GEOS failure)", site->site);
    }
    *out = v.a;
    *n_out = v.n;
    return 0;
}
