#include "greenreach/catchment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/contour.h"
#include "greenreach/grow.h"
#include "greenreach/parallel.h"

/* ---- reached pieces: intervals [lo, hi] metres from edge_u along an edge ---- */

typedef struct {
    uint32_t edge;
    double lo, hi;
} piece_t;

typedef struct {
    piece_t *a;
    size_t n, cap;
} pieces_t;

typedef struct {
    double lo, hi;
} span_t;

typedef struct {
    span_t *a;
    size_t n, cap;
} spans_t;

static int spans_push(spans_t *s, double lo, double hi)
{
    span_t *a = gr_grow(s->a, &s->cap, s->n + 1, sizeof *a, 16);
    if (!a)
        return -1;
    s->a = a;
    s->a[s->n++] = (span_t){ lo, hi };
    return 0;
}

static int pieces_push(pieces_t *p, uint32_t edge, double lo, double hi)
{
    piece_t *a = gr_grow(p->a, &p->cap, p->n + 1, sizeof *a, 4096);
    if (!a)
        return -1;
    p->a = a;
    p->a[p->n++] = (piece_t){ edge, lo, hi };
    return 0;
}

/* Sorts the few spans of one edge by start and merges overlaps in place. */
static void spans_merge(spans_t *s)
{
    for (size_t i = 1; i < s->n; i++) {
        span_t x = s->a[i];
        size_t j = i;
        for (; j > 0 && s->a[j - 1].lo > x.lo; j--)
            s->a[j] = s->a[j - 1];
        s->a[j] = x;
    }
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (m > 0 && s->a[i].lo <= s->a[m - 1].hi) {
            if (s->a[i].hi > s->a[m - 1].hi)
                s->a[m - 1].hi = s->a[i].hi;
        } else {
            s->a[m++] = s->a[i];
        }
    }
    s->n = m;
}

/* The spans of edge e reached within thr: from either end node, and around
 * each source on the edge (src[k..] holds the edge's sources). A span of
 * zero length (a node reached exactly at the threshold) adds no area beyond
 * the edge it was reached along, so it is dropped. */
static int edge_spans(const gr_field_t *f, uint32_t e, double thr, uint32_t k, spans_t *s)
{
    const gr_graph_t *g = f->g;
    double len = g->edge_len_m[e];
    double du = f->dist_m[g->edge_u[e]], dv = f->dist_m[g->edge_v[e]];
    s->n = 0;
    int bad = 0;
    if (du + len <= thr || dv + len <= thr)
        return spans_push(s, 0.0, len);
    if (du < thr)
        bad |= spans_push(s, 0.0, thr - du);
    if (dv < thr)
        bad |= spans_push(s, len - (thr - dv), len);
    for (; k < f->n_src && f->src[k].edge == e; k++) {
        double r = thr - f->src[k].init_m, p = f->src[k].pos_m;
        if (r > 0.0)
            bad |= spans_push(s, fmax(0.0, p - r), fmin(len, p + r));
    }
    spans_merge(s);
    return bad;
}

/* a minus b (b within a, both sorted and merged) into d. */
static int spans_subtract(const spans_t *a, const spans_t *b, spans_t *d)
{
    d->n = 0;
    int bad = 0;
    size_t j = 0;
    for (size_t i = 0; i < a->n && !bad; i++) {
        double lo = a->a[i].lo, hi = a->a[i].hi;
        while (j < b->n && b->a[j].hi <= lo)
            j++;
        for (size_t q = j; q < b->n && b->a[q].lo < hi && !bad; q++) {
            if (b->a[q].lo > lo)
                bad = spans_push(d, lo, b->a[q].lo);
            lo = fmax(lo, b->a[q].hi);
        }
        if (lo < hi && !bad)
            bad = spans_push(d, lo, hi);
    }
    return bad;
}

/* The pieces of thresholds thr[0] < thr[1] < ..., nested: those within
 * thr[0], then what each next threshold adds (reached stretches only grow
 * with the threshold); n_seg[l] counts the pieces up to level l. */
static int collect_levels(const gr_field_t *f, const double *thr, int n, pieces_t *out,
                          size_t *n_seg)
{
    spans_t a = { 0 }, b = { 0 }, d = { 0 };
    int bad = 0;
    for (int l = 0; l < n && !bad; l++) {
        uint32_t k = 0;
        for (uint32_t e = 0; e < f->g->n_edges && !bad; e++) {
            while (k < f->n_src && f->src[k].edge < e)
                k++;
            bad = edge_spans(f, e, thr[l], k, &a);
            if (!bad && l > 0)
                bad = edge_spans(f, e, thr[l - 1], k, &b) || spans_subtract(&a, &b, &d);
            const spans_t *add = l > 0 ? &d : &a;
            for (size_t i = 0; i < add->n && !bad; i++)
                if (add->a[i].hi > add->a[i].lo)
                    bad = pieces_push(out, e, add->a[i].lo, add->a[i].hi);
        }
        n_seg[l] = out->n;
    }
    free(a.a);
    free(b.a);
    free(d.a);
    return bad;
}

/* ---- geometry ---- */

/* The ends of a piece; whole edges use the node coordinates exactly, so
 * neighbours meet. */
static gr_seg_t piece_seg(const gr_graph_t *g, const piece_t *p)
{
    uint32_t u = g->edge_u[p->edge], v = g->edge_v[p->edge];
    double len = g->edge_len_m[p->edge];
    double dx = len > 0 ? (g->x[v] - g->x[u]) / len : 0, dy = len > 0 ? (g->y[v] - g->y[u]) / len : 0;
    return (gr_seg_t){
        p->lo <= 0 ? g->x[u] : g->x[u] + dx * p->lo,
        p->lo <= 0 ? g->y[u] : g->y[u] + dy * p->lo,
        p->hi >= len ? g->x[v] : g->x[u] + dx * p->hi,
        p->hi >= len ? g->y[v] : g->y[u] + dy * p->hi,
    };
}

static GEOSGeometry *piece_line(GEOSContextHandle_t gh, const gr_graph_t *g, const piece_t *p)
{
    gr_seg_t s = piece_seg(g, p);
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(gh, 2, 2);
    if (!cs)
        return NULL;
    GEOSCoordSeq_setXY_r(gh, cs, 0, s.ax, s.ay);
    GEOSCoordSeq_setXY_r(gh, cs, 1, s.bx, s.by);
    return GEOSGeom_createLineString_r(gh, cs);
}

/* Every piece as one MultiLineString. */
static GEOSGeometry *pieces_multiline(GEOSContextHandle_t gh, const gr_graph_t *g,
                                      const pieces_t *p)
{
    GEOSGeometry **lines = malloc((p->n + 1) * sizeof *lines);
    if (!lines)
        return NULL;
    size_t m = 0;
    for (; m < p->n; m++)
        if (!(lines[m] = piece_line(gh, g, &p->a[m])))
            break;
    GEOSGeometry *ml = NULL;
    if (m == p->n)
        ml = GEOSGeom_createCollection_r(gh, GEOS_MULTILINESTRING, lines, (unsigned)p->n);
    if (!ml)
        for (size_t i = 0; i < m; i++)
            GEOSGeom_destroy_r(gh, lines[i]);
    free(lines);
    return ml;
}

static GEOSGeometry *buffer_lines(GEOSContextHandle_t gh, const GEOSGeometry *ml, double w)
{
    GEOSBufferParams *bp = GEOSBufferParams_create_r(gh);
    if (!bp)
        return NULL;
    GEOSBufferParams_setEndCapStyle_r(gh, bp, GEOSBUF_CAP_ROUND);
    GEOSBufferParams_setJoinStyle_r(gh, bp, GEOSBUF_JOIN_ROUND);
    GEOSBufferParams_setQuadrantSegments_r(gh, bp, GR_CATCHMENT_QUAD_SEGS);
    GEOSGeometry *b = GEOSBufferWithParams_r(gh, ml, bp, w);
    GEOSBufferParams_destroy_r(gh, bp);
    return b;
}

/* The union of the pieces buffered by w. Pieces are first merged into
 * maximal lines (runs of reached edges through nodes of degree two), each
 * line is buffered on its own and the buffers are unioned in one cascaded
 * GEOSUnaryUnion. Buffering the whole multi-line at once, or unioning one
 * buffer at a time, is orders of magnitude slower on a town's network
 * (minutes instead of seconds on Rutland). */
static GEOSGeometry *union_pieces(GEOSContextHandle_t gh, const gr_graph_t *g, const pieces_t *p,
                                  double w)
{
    GEOSGeometry *ml = pieces_multiline(gh, g, p);
    GEOSGeometry *merged = ml ? GEOSLineMerge_r(gh, ml) : NULL;
    if (ml)
        GEOSGeom_destroy_r(gh, ml);
    if (!merged)
        return NULL;
    int n = GEOSGetNumGeometries_r(gh, merged);
    GEOSGeometry **parts = n >= 0 ? malloc(((size_t)n + 1) * sizeof *parts) : NULL;
    int m = 0;
    for (; parts && m < n; m++)
        if (!(parts[m] = buffer_lines(gh, GEOSGetGeometryN_r(gh, merged, m), w)))
            break;
    GEOSGeom_destroy_r(gh, merged);
    GEOSGeometry *coll = parts && m == n
                             ? GEOSGeom_createCollection_r(gh, GEOS_GEOMETRYCOLLECTION, parts,
                                                           (unsigned)n)
                             : NULL;
    if (!coll)
        for (int i = 0; parts && i < m; i++)
            GEOSGeom_destroy_r(gh, parts[i]);
    free(parts);
    GEOSGeometry *u = coll ? GEOSUnaryUnion_r(gh, coll) : NULL;
    if (coll)
        GEOSGeom_destroy_r(gh, coll);
    return u;
}

/* Polygon or MultiPolygon (or empty) -> MultiPolygon; consumes g. */
static GEOSGeometry *as_multipolygon(GEOSContextHandle_t gh, GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(gh, g);
    if (type == GEOS_MULTIPOLYGON)
        return g;
    if (type == GEOS_POLYGON)
        return GEOSGeom_createCollection_r(gh, GEOS_MULTIPOLYGON, &g, 1);
    if (GEOSisEmpty_r(gh, g) == 1) {
        GEOSGeom_destroy_r(gh, g);
        return GEOSGeom_createEmptyCollection_r(gh, GEOS_MULTIPOLYGON);
    }
    /* a collection from MakeValid: keep its polygons, drop collapsed lines */
    int n = GEOSGetNumGeometries_r(gh, g);
    GEOSGeometry **polys = malloc(((size_t)n + 1) * sizeof *polys);
    unsigned m = 0;
    for (int i = 0; polys && i < n; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(gh, g, i);
        int pt = GEOSGeomTypeId_r(gh, part);
        if (pt == GEOS_POLYGON)
            polys[m++] = GEOSGeom_clone_r(gh, part);
    }
    GEOSGeom_destroy_r(gh, g);
    GEOSGeometry *mp = polys ? GEOSGeom_createCollection_r(gh, GEOS_MULTIPOLYGON, polys, m) : NULL;
    free(polys);
    return mp;
}

/* The pieces as segments, for the grid tracer; NULL when out of memory. */
static gr_seg_t *pieces_segments(const gr_graph_t *g, const pieces_t *p)
{
    gr_seg_t *segs = malloc((p->n + 1) * sizeof *segs);
    for (size_t i = 0; segs && i < p->n; i++)
        segs[i] = piece_seg(g, &p->a[i]);
    return segs;
}

static int grid_band(GEOSContextHandle_t gh, const gr_graph_t *g, const pieces_t *p,
                     const gr_catchment_opts_t *opt, GEOSGeometry **out, gr_error_t *err)
{
    gr_seg_t *segs = pieces_segments(g, p);
    if (!segs)
        return gr_error_set(err, GR_ENOMEM, "out of memory for catchment segments");
    int rc = gr_contour_band(gh, segs, p->n, opt->buffer_m, opt->cell_m, out, err);
    free(segs);
    return rc;
}

static int buffer_band(GEOSContextHandle_t gh, const gr_graph_t *g, const pieces_t *p,
                       double w, GEOSGeometry **out)
{
    *out = p->n ? union_pieces(gh, g, p, w)
                : GEOSGeom_createEmptyCollection_r(gh, GEOS_MULTIPOLYGON);
    return *out ? 0 : -1;
}

int gr_catchment_build(GEOSContextHandle_t gh, const gr_field_t *f, double thr_m,
                       const gr_catchment_opts_t *opt, GEOSGeometry **out, gr_error_t *err)
{
    *out = NULL;
    if (!(opt->buffer_m > 0) || !(opt->cell_m > 0))
        return gr_error_set(err, GR_ECONFIG,
                            "catchment buffer and cell must be positive, got %g m and %g m",
                            opt->buffer_m, opt->cell_m);
    pieces_t p = { 0 };
    double thr = fmin(thr_m, f->cutoff_m);
    size_t n_seg;
    if (collect_levels(f, &thr, 1, &p, &n_seg)) {
        free(p.a);
        return gr_error_set(err, GR_ENOMEM, "out of memory collecting catchment edges");
    }
    GEOSGeometry *g = NULL;
    int rc = opt->method == GR_CATCHMENT_GRID ? grid_band(gh, f->g, &p, opt, &g, err)
                                              : buffer_band(gh, f->g, &p, opt->buffer_m, &g);
    free(p.a);
    if (rc && opt->method == GR_CATCHMENT_GRID)
        return rc;
    /* A traced outline is valid by construction (marching-squares rings
     * never cross; the tests check it on real and generated towns), and
     * GEOSisValid costs more than tracing on a big town. */
    if (g && opt->method == GR_CATCHMENT_BUFFER && GEOSisValid_r(gh, g) != 1) {
        GEOSGeometry *v = GEOSMakeValid_r(gh, g);
        GEOSGeom_destroy_r(gh, g);
        g = v;
    }
    if (g)
        g = as_multipolygon(gh, g);
    if (!g)
        return gr_error_set(err, GR_EGEOM, "catchment within %g m: GEOS failed to build the polygon",
                            thr_m);
    *out = g;
    return 0;
}

/* ---- per-ward areas ---- */

typedef struct {
    double minx, miny, maxx, maxy;
} env_t;

static int envelope(GEOSContextHandle_t gh, const GEOSGeometry *g, env_t *e)
{
    return (GEOSGeom_getXMin_r(gh, g, &e->minx) && GEOSGeom_getYMin_r(gh, g, &e->miny) &&
            GEOSGeom_getXMax_r(gh, g, &e->maxx) && GEOSGeom_getYMax_r(gh, g, &e->maxy))
               ? 0
               : -1;
}

static int env_meet(const env_t *a, const env_t *b)
{
    return a->minx <= b->maxx && b->minx <= a->maxx && a->miny <= b->maxy && b->miny <= a->maxy;
}

/* Area of one catchment polygon inside one (prepared) ward. */
static int part_in_ward(GEOSContextHandle_t gh, const GEOSGeometry *part, double part_area,
                        const GEOSGeometry *ward, const GEOSPreparedGeometry *prep, double *area)
{
    if (GEOSPreparedContains_r(gh, prep, part) == 1) {
        *area += part_area;
        return 0;
    }
    if (GEOSPreparedIntersects_r(gh, prep, part) != 1)
        return 0;
    GEOSGeometry *x = GEOSIntersection_r(gh, part, ward);
    double a = 0;
    int ok = x && GEOSArea_r(gh, x, &a);
    GEOSGeom_destroy_r(gh, x);
    *area += a;
    return ok ? 0 : -1;
}

static int ward_area(GEOSContextHandle_t gh, const GEOSGeometry *poly, const GEOSGeometry *ward,
                     double *area)
{
    env_t we, pe;
    *area = 0;
    if (GEOSisEmpty_r(gh, poly) == 1 || envelope(gh, ward, &we) || envelope(gh, poly, &pe))
        return 0;
    if (!env_meet(&we, &pe))
        return 0;
    const GEOSPreparedGeometry *prep = GEOSPrepare_r(gh, ward);
    if (!prep)
        return -1;
    int rc = 0;
    for (int i = 0; i < GEOSGetNumGeometries_r(gh, poly) && !rc; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(gh, poly, i);
        double pa = 0;
        if (envelope(gh, part, &pe) == 0 && env_meet(&we, &pe))
            rc = GEOSArea_r(gh, part, &pa) ? part_in_ward(gh, part, pa, ward, prep, area) : -1;
    }
    GEOSPreparedGeom_destroy_r(gh, prep);
    return rc;
}

int gr_catchment_ward_areas(GEOSContextHandle_t gh, const GEOSGeometry *poly,
                            const gr_wards_t *wards, double *area_m2, gr_error_t *err)
{
    for (uint32_t w = 0; w < wards->n; w++)
        if (ward_area(gh, poly, wards->geom[w], &area_m2[w]))
            return gr_error_set(err, GR_EGEOM, "ward %s: GEOS failed to intersect the catchment",
                                wards->code[w]);
    return 0;
}

/* ---- every category and threshold of a run ---- */

/* One catchment per task, each on its own GEOS context (a context is not
 * shared between threads); the geometries it makes outlive it, as GEOS
 * geometries do not refer back to their context. */
typedef struct {
    const gr_run_t *run;
    gr_catchments_t *cs;
    gr_error_t *errs;
    const int *first;
    const uint32_t *order; /* tasks, costliest first */
} build_job_t;

/* One catchment by the buffer method, with GEOS overlays for its ward areas. */
static int build_one(const gr_run_t *run, gr_catchments_t *cs, gr_catchment_t *k,
                     GEOSContextHandle_t gh, gr_error_t *err)
{
    const gr_cat_result_t *cr = &run->cats[k->cat];
    k->thr_m = cr->cat->thr_m[k->thr];
    k->ward_area_m2 = calloc((size_t)cs->n_wards + 1, sizeof *k->ward_area_m2);
    if (!k->ward_area_m2)
        return gr_error_set(err, GR_ENOMEM, "out of memory for catchment ward areas");
    int rc = gr_catchment_build(gh, cr->field, k->thr_m, &cs->opt, &k->geom, err);
    if (!rc && !GEOSArea_r(gh, k->geom, &k->area_m2))
        rc = gr_error_set(err, GR_EGEOM, "catchment %s %s: GEOS failed to measure its area",
                          cr->cat->name, cr->cat->thr_label[k->thr]);
    if (!rc)
        rc = gr_catchment_ward_areas(gh, k->geom, &run->ds->wards, k->ward_area_m2, err);
    return rc;
}

/* Every threshold of one category at once on the grid: the pieces of the
 * nearer threshold are where the farther one starts (contour levels). */
static int build_levels(const gr_run_t *run, gr_catchments_t *cs, gr_catchment_t *k, int n,
                        GEOSContextHandle_t gh, gr_error_t *err)
{
    const gr_cat_result_t *cr = &run->cats[k[0].cat];
    int *order = malloc(((size_t)n + 1) * sizeof *order);
    double *thr = malloc(((size_t)n + 1) * sizeof *thr);
    size_t *n_seg = malloc(((size_t)n + 1) * sizeof *n_seg);
    gr_contour_level_t *lv = calloc((size_t)n + 1, sizeof *lv);
    pieces_t p = { 0 };
    gr_seg_t *segs = NULL;
    int rc = order && thr && n_seg && lv ? 0 : -1;
    for (int i = 0; i < n && !rc; i++) {
        k[i].thr_m = cr->cat->thr_m[k[i].thr];
        k[i].ward_area_m2 = calloc((size_t)cs->n_wards + 1, sizeof *k[i].ward_area_m2);
        rc = k[i].ward_area_m2 ? 0 : -1;
        int j = i; /* thresholds nearest first */
        for (; j > 0 && k[order[j - 1]].thr_m > k[i].thr_m; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    for (int i = 0; i < n && !rc; i++)
        thr[i] = fmin(k[order[i]].thr_m, cr->field->cutoff_m);
    if (!rc && !collect_levels(cr->field, thr, n, &p, n_seg) &&
        (segs = pieces_segments(cr->field->g, &p))) {
        for (int i = 0; i < n; i++)
            lv[i] = (gr_contour_level_t){ n_seg[i], k[order[i]].ward_area_m2, NULL };
        rc = gr_contour_levels(gh, segs, cs->opt.buffer_m, cs->opt.cell_m, cs->zones, lv, n, err);
        for (int i = 0; i < n && !rc; i++)
            if (!GEOSArea_r(gh, (k[order[i]].geom = lv[i].out), &k[order[i]].area_m2))
                rc = gr_error_set(err, GR_EGEOM, "catchment %s: GEOS failed to measure its area",
                                  cr->cat->name);
    } else if (!rc) {
        rc = -1;
    }
    if (rc == -1)
        rc = gr_error_set(err, GR_ENOMEM, "out of memory for the %s catchments", cr->cat->name);
    free(segs);
    free(p.a);
    free(order);
    free(thr);
    free(n_seg);
    free(lv);
    return rc;
}

/* Tasks: each category (grid: its thresholds together) or each catchment
 * (buffer); task i covers catchments first[i] .. first[i + 1] - 1. */
static int build_task(void *ctx, uint32_t k)
{
    build_job_t *job = ctx;
    uint32_t i = job->order[k];
    GEOSContextHandle_t gh = GEOS_init_r();
    if (!gh)
        return gr_error_set(&job->errs[i], GR_ENOMEM, "cannot start a GEOS context");
    gr_catchments_t *cs = job->cs;
    int a = job->first[i], b = job->first[i + 1], rc = 0;
    if (cs->opt.method == GR_CATCHMENT_GRID)
        rc = build_levels(job->run, cs, &cs->c[a], b - a, gh, &job->errs[i]);
    for (int c = a; c < b && !rc && cs->opt.method != GR_CATCHMENT_GRID; c++)
        rc = build_one(job->run, cs, &cs->c[c], gh, &job->errs[i]);
    GEOS_finish_r(gh);
    return rc;
}

/* Lays out the catchments category-major, thresholds in order. */
static int plan(const gr_run_t *run, gr_catchments_t *cs)
{
    int total = 0;
    for (int c = 0; c < run->n_cats; c++)
        total += run->cats[c].cat->n_thr;
    cs->c = calloc((size_t)total + 1, sizeof *cs->c);
    if (!cs->c)
        return -1;
    for (int c = 0; c < run->n_cats; c++)
        for (int t = 0; t < run->cats[c].cat->n_thr; t++)
            cs->c[cs->n++] = (gr_catchment_t){ .cat = c, .thr = t };
    return 0;
}

/* A task's work grows with the area its farthest threshold reaches:
 * counted as the graph nodes within it. */
static double task_cost(const gr_run_t *run, const gr_catchments_t *cs, int a, int b)
{
    const gr_cat_result_t *cr = &run->cats[cs->c[a].cat];
    double thr = 0, n = 0;
    for (int c = a; c < b; c++)
        thr = fmax(thr, cr->cat->thr_m[cs->c[c].thr]);
    for (uint32_t v = 0; v < cr->field->g->n_nodes; v++)
        n += cr->field->dist_m[v] <= thr;
    return n;
}

/* Tasks costliest first, so the last one to start is a small one and both
 * threads finish together (longest processing time first). */
static void order_tasks(const gr_run_t *run, const gr_catchments_t *cs, const int *first,
                        int n_tasks, uint32_t *order, double *cost)
{
    for (int t = 0; t < n_tasks; t++) {
        cost[t] = task_cost(run, cs, first[t], first[t + 1]);
        int j = t;
        for (; j > 0 && cost[order[j - 1]] < cost[t]; j--)
            order[j] = order[j - 1];
        order[j] = (uint32_t)t;
    }
}

static int build_all(const gr_run_t *run, gr_catchments_t *cs, gr_error_t *err)
{
    size_t n = (size_t)cs->n + 2;
    gr_error_t *errs = calloc(n, sizeof *errs);
    int *first = calloc(n, sizeof *first);
    uint32_t *order = calloc(n, sizeof *order);
    double *cost = calloc(n, sizeof *cost);
    int rc = errs && first && order && cost ? 0 : gr_error_set(err, GR_ENOMEM,
                                                               "out of memory for catchments");
    int n_tasks = 0;
    for (int i = 0; i < cs->n && !rc; i++)
        if (cs->opt.method != GR_CATCHMENT_GRID || i == 0 || cs->c[i].cat != cs->c[i - 1].cat)
            first[n_tasks++] = i;
    if (!rc) {
        first[n_tasks] = cs->n;
        order_tasks(run, cs, first, n_tasks, order, cost);
        build_job_t job = { run, cs, errs, first, order };
        rc = gr_parallel_for((uint32_t)n_tasks, build_task, &job);
    }
    for (int i = 0; rc && errs && i < n_tasks; i++)
        if (errs[i].code) {
            *err = errs[i];
            break;
        }
    free(errs);
    free(first);
    free(order);
    free(cost);
    return rc;
}

int gr_catchments_build(const gr_run_t *run, const gr_catchment_opts_t *opt,
                        gr_catchments_t **out, gr_error_t *err)
{
    double t0 = gr_now_s();
    *out = NULL;
    gr_catchments_t *cs = calloc(1, sizeof *cs);
    if (!cs)
        return gr_error_set(err, GR_ENOMEM, "out of memory for catchments");
    cs->gh = run->gh;
    cs->opt = *opt;
    cs->n_wards = run->ds->wards.n;
    cs->ward_area_m2 = calloc((size_t)cs->n_wards + 1, sizeof *cs->ward_area_m2);
    int rc = (!cs->ward_area_m2 || plan(run, cs))
                 ? gr_error_set(err, GR_ENOMEM, "out of memory for catchments")
                 : 0;
    /* Measuring each ward here also fills its cached envelope before the
     * threads read the wards. */
    for (uint32_t w = 0; !rc && w < cs->n_wards; w++)
        if (!GEOSArea_r(cs->gh, run->ds->wards.geom[w], &cs->ward_area_m2[w]) ||
            GEOSGeom_getXMin_r(cs->gh, run->ds->wards.geom[w], &(double){ 0 }) != 1)
            rc = gr_error_set(err, GR_EGEOM, "ward %s: GEOS failed to measure its area",
                              run->ds->wards.code[w]);
    if (!rc && opt->method == GR_CATCHMENT_GRID)
        rc = gr_zones_build(cs->gh, (const GEOSGeometry *const *)run->ds->wards.geom,
                            cs->n_wards, &cs->zones, err);
    if (!rc)
        rc = build_all(run, cs, err);
    cs->build_s = gr_now_s() - t0;
    if (rc) {
        gr_catchments_free(cs);
        return rc;
    }
    *out = cs;
    return 0;
}

void gr_catchments_free(gr_catchments_t *cs)
{
    if (!cs)
        return;
    for (int i = 0; i < cs->n; i++) {
        if (cs->c[i].geom)
            GEOSGeom_destroy_r(cs->gh, cs->c[i].geom);
        free(cs->c[i].ward_area_m2);
    }
    free(cs->c);
    free(cs->ward_area_m2);
    gr_zones_free(cs->zones);
    free(cs);
}

const gr_catchment_t *gr_catchments_get(const gr_catchments_t *cs, int c, int t)
{
    for (int i = 0; i < cs->n; i++)
        if (cs->c[i].cat == c && cs->c[i].thr == t)
            return &cs->c[i];
    return NULL;
}
