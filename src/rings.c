#include "greenreach/rings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the link table: links in the order added, then an open-addressing
 * index on the point id built once, at the size the links need ---- */

#define EMPTY UINT32_MAX
#define SEEN UINT64_MAX /* the id of a followed link */

typedef struct {
    uint64_t from, to;
    double x, y;
} link_t;

struct gr_links {
    link_t *a;
    size_t n, cap;
    uint32_t *slot; /* index into a, or EMPTY */
    size_t n_slots; /* a power of two, at least twice n */
};

static size_t hash64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return (size_t)k;
}

/* The slot holding key, or the empty slot where it would go. */
static uint32_t *find_slot(const gr_links_t *l, uint64_t key)
{
    size_t mask = l->n_slots - 1, i = hash64(key) & mask;
    while (l->slot[i] != EMPTY && l->a[l->slot[i]].from != key)
        i = (i + 1) & mask;
    return &l->slot[i];
}

static int build_index(gr_links_t *l)
{
    if (l->n >= EMPTY)
        return -1;
    l->n_slots = 1024;
    while (l->n_slots < 2 * l->n)
        l->n_slots *= 2;
    free(l->slot); /* a second call finds every link seen: no ring, no leak */
    l->slot = malloc(l->n_slots * sizeof *l->slot);
    if (!l->slot)
        return -1;
    memset(l->slot, 0xff, l->n_slots * sizeof *l->slot);
    for (size_t k = 0; k < l->n; k++) {
        uint32_t *s = find_slot(l, l->a[k].from);
        if (*s != EMPTY)
            return -2;
        *s = (uint32_t)k;
    }
    return 0;
}

gr_links_t *gr_links_new(void)
{
    return calloc(1, sizeof(gr_links_t));
}

void gr_links_free(gr_links_t *l)
{
    if (!l)
        return;
    free(l->a);
    free(l->slot);
    free(l);
}

size_t gr_links_count(const gr_links_t *l)
{
    return l->n;
}

int gr_links_add(gr_links_t *l, uint64_t from, uint64_t to, double x, double y)
{
    if (from == SEEN)
        return -2;
    if (l->n == l->cap) {
        size_t c = l->cap ? 2 * l->cap : 4096;
        link_t *a = realloc(l->a, c * sizeof *a);
        if (!a)
            return -1;
        l->a = a;
        l->cap = c;
    }
    l->a[l->n++] = (link_t){ from, to, x, y };
    return 0;
}

/* ---- rings ---- */

typedef struct {
    double *xy; /* n points, not repeated at the end */
    size_t n;
    double area; /* signed: > 0 counter-clockwise */
    double minx, miny, maxx, maxy;
} ring_t;

typedef struct {
    ring_t *a;
    size_t n, cap;
} rings_t;

/* Twice the signed area of the triangle (a, b, p). */
static double cross3(const double *a, const double *b, const double *p)
{
    return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
}

/* Whether b lies within tol of the line through a and p. */
static int is_straight(const double *a, const double *b, const double *p, double tol)
{
    double d = hypot(p[0] - a[0], p[1] - a[1]);
    return fabs(cross3(a, b, p)) <= tol * d;
}

/* Drops points on straight runs, in place, including around the start. */
static size_t thin(double *xy, size_t n, double tol)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        while (m >= 2 && is_straight(&xy[2 * (m - 2)], &xy[2 * (m - 1)], &xy[2 * i], tol))
            m--;
        xy[2 * m] = xy[2 * i];
        xy[2 * m + 1] = xy[2 * i + 1];
        m++;
    }
    size_t s = 0; /* the seam: the first kept points may sit on the closing run */
    while (m - s >= 4 && is_straight(&xy[2 * (m - 1)], &xy[2 * s], &xy[2 * (s + 1)], tol))
        s++;
    while (m - s >= 4 && is_straight(&xy[2 * (m - 2)], &xy[2 * (m - 1)], &xy[2 * s], tol))
        m--;
    memmove(xy, &xy[2 * s], (m - s) * 2 * sizeof *xy);
    return m - s;
}

static void ring_measure(ring_t *r)
{
    double s = 0, ox = r->xy[0], oy = r->xy[1];
    r->minx = r->maxx = ox;
    r->miny = r->maxy = oy;
    for (size_t i = 0; i < r->n; i++) {
        size_t j = (i + 1) % r->n;
        double x = r->xy[2 * i], y = r->xy[2 * i + 1];
        s += (x - ox) * (r->xy[2 * j + 1] - oy) - (r->xy[2 * j] - ox) * (y - oy);
        r->minx = fmin(r->minx, x);
        r->maxx = fmax(r->maxx, x);
        r->miny = fmin(r->miny, y);
        r->maxy = fmax(r->maxy, y);
    }
    r->area = s / 2;
}

static int rings_push(rings_t *rs, ring_t r)
{
    if (rs->n == rs->cap) {
        size_t c = rs->cap ? 2 * rs->cap : 64;
        ring_t *a = realloc(rs->a, c * sizeof *a);
        if (!a)
            return -1;
        rs->a = a;
        rs->cap = c;
    }
    rs->a[rs->n++] = r;
    return 0;
}

static void rings_free(rings_t *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->a[i].xy);
    free(rs->a);
}

static int ring_append(ring_t *r, size_t *cap, double x, double y)
{
    if (r->n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        double *xy = realloc(r->xy, c * 2 * sizeof *xy);
        if (!xy)
            return -1;
        r->xy = xy;
        *cap = c;
    }
    r->xy[2 * r->n] = x;
    r->xy[2 * r->n + 1] = y;
    r->n++;
    return 0;
}

/* Follows links from link p until back at its start, marking them seen.
 * A ring thinned below three points encloses nothing and is not kept. */
static int follow(gr_links_t *l, link_t *p, double tol, rings_t *rs, gr_error_t *err)
{
    ring_t r = { 0 };
    size_t cap = 0;
    uint64_t start = p->from;
    for (;;) {
        if (ring_append(&r, &cap, p->x, p->y)) {
            free(r.xy);
            return gr_error_set(err, GR_ENOMEM, "out of memory tracing a catchment ring");
        }
        uint64_t next = p->to;
        p->from = SEEN;
        if (next == start)
            break;
        uint32_t k = *find_slot(l, next);
        if (k == EMPTY) {
            free(r.xy);
            return gr_error_set(err, GR_EGEOM, "catchment outline left open (or joined twice) at point %llu",
                                (unsigned long long)next);
        }
        p = &l->a[k];
    }
    r.n = thin(r.xy, r.n, tol);
    if (r.n < 3) {
        free(r.xy);
        return 0;
    }
    ring_measure(&r);
    if (rings_push(rs, r)) {
        free(r.xy);
        return gr_error_set(err, GR_ENOMEM, "out of memory tracing catchment rings");
    }
    return 0;
}

static int trace_rings(gr_links_t *l, double tol, rings_t *rs, gr_error_t *err)
{
    int rc = build_index(l);
    if (rc)
        return gr_error_set(err, rc == -1 ? GR_ENOMEM : GR_EGEOM,
                            rc == -1 ? "out of memory indexing %zu catchment outline links"
                                     : "catchment outline: a point of %zu links starts two",
                            l->n);
    for (size_t i = 0; i < l->n; i++)
        if (l->a[i].from != SEEN && (rc = follow(l, &l->a[i], tol, rs, err)))
            return rc;
    return 0;
}

/* ---- polygons ---- */

/* Crossing-number test of (x, y) against the ring's own outline. */
static int in_ring(const ring_t *r, double x, double y)
{
    int in = 0;
    for (size_t i = 0, j = r->n - 1; i < r->n; j = i++) {
        double xi = r->xy[2 * i], yi = r->xy[2 * i + 1];
        double xj = r->xy[2 * j], yj = r->xy[2 * j + 1];
        if ((yi > y) != (yj > y) && x < xj + (y - yj) * (xi - xj) / (yi - yj))
            in = !in;
    }
    return in;
}

static int env_holds(const ring_t *a, const ring_t *b)
{
    return a->minx <= b->minx && a->miny <= b->miny && a->maxx >= b->maxx && a->maxy >= b->maxy;
}

typedef struct {
    size_t *a;
    size_t n, cap;
    int bad;
} hits_t;

static void on_hit(void *item, void *ctx)
{
    hits_t *h = ctx;
    if (h->n == h->cap) {
        size_t c = h->cap ? 2 * h->cap : 16;
        size_t *a = realloc(h->a, c * sizeof *a);
        if (!a) {
            h->bad = 1;
            return;
        }
        h->a = a;
        h->cap = c;
    }
    h->a[h->n++] = *(const size_t *)item;
}

static GEOSGeometry *env_geom(GEOSContextHandle_t gh, const ring_t *r)
{
    return GEOSGeom_createRectangle_r(gh, r->minx, r->miny, r->maxx, r->maxy);
}

/* The smallest shell among the tree's hits that holds hole h; SIZE_MAX if
 * none does (a hole is always inside some shell, so that is a bug). Shells
 * are tried smallest first and the largest candidate is never tested: a
 * hole must be in one of them, and the test costs the shell's length (a
 * town's catchment is one shell of a million points with thousands of
 * holes). */
static size_t shell_of(GEOSContextHandle_t gh, GEOSSTRtree *tree, const rings_t *rs,
                       const ring_t *h, hits_t *hits)
{
    GEOSGeometry *q = env_geom(gh, h);
    if (!q)
        return SIZE_MAX;
    hits->n = 0;
    GEOSSTRtree_query_r(gh, tree, q, on_hit, hits);
    GEOSGeom_destroy_r(gh, q);
    size_t m = 0;
    for (size_t k = 0; k < hits->n && !hits->bad; k++)
        if (env_holds(&rs->a[hits->a[k]], h))
            hits->a[m++] = hits->a[k];
    for (size_t k = 1; k < m; k++) { /* by area; few candidates */
        size_t x = hits->a[k], j = k;
        for (; j > 0 && rs->a[hits->a[j - 1]].area > rs->a[x].area; j--)
            hits->a[j] = hits->a[j - 1];
        hits->a[j] = x;
    }
    for (size_t k = 0; k + 1 < m; k++)
        if (in_ring(&rs->a[hits->a[k]], h->xy[0], h->xy[1]))
            return hits->a[k];
    return m ? hits->a[m - 1] : SIZE_MAX;
}

/* owner[i] = the shell of hole i (the ring itself for shells). */
static int assign_holes(GEOSContextHandle_t gh, const rings_t *rs, size_t *idx, size_t *owner)
{
    GEOSSTRtree *tree = GEOSSTRtree_create_r(gh, 10);
    GEOSGeometry **envs = calloc(rs->n + 1, sizeof *envs);
    int rc = tree && envs ? 0 : -1;
    for (size_t i = 0; i < rs->n && !rc; i++) {
        idx[i] = i;
        owner[i] = i;
        if (rs->a[i].area > 0 && !(rc = (envs[i] = env_geom(gh, &rs->a[i])) ? 0 : -1))
            GEOSSTRtree_insert_r(gh, tree, envs[i], &idx[i]);
    }
    hits_t hits = { 0 };
    for (size_t i = 0; i < rs->n && !rc; i++)
        if (rs->a[i].area < 0 && (owner[i] = shell_of(gh, tree, rs, &rs->a[i], &hits)) == SIZE_MAX)
            rc = -1;
    rc = rc || hits.bad ? -1 : 0;
    free(hits.a);
    if (tree)
        GEOSSTRtree_destroy_r(gh, tree);
    for (size_t i = 0; envs && i < rs->n; i++)
        if (envs[i])
            GEOSGeom_destroy_r(gh, envs[i]);
    free(envs);
    return rc;
}

static GEOSGeometry *ring_geom(GEOSContextHandle_t gh, const ring_t *r)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(gh, (unsigned)r->n + 1, 2);
    if (!cs)
        return NULL;
    for (size_t i = 0; i <= r->n; i++) {
        size_t k = i % r->n;
        GEOSCoordSeq_setXY_r(gh, cs, (unsigned)i, r->xy[2 * k], r->xy[2 * k + 1]);
    }
    return GEOSGeom_createLinearRing_r(gh, cs);
}

static void destroy_all(GEOSContextHandle_t gh, GEOSGeometry **g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (g[i])
            GEOSGeom_destroy_r(gh, g[i]);
}

/* The polygon of shell s with every hole whose owner is s; holes listed in
 * order[first..last). */
static GEOSGeometry *shell_polygon(GEOSContextHandle_t gh, const rings_t *rs, size_t s,
                                   const size_t *order, size_t first, size_t last)
{
    size_t nh = last - first;
    GEOSGeometry **holes = calloc(nh + 1, sizeof *holes);
    GEOSGeometry *shell = holes ? ring_geom(gh, &rs->a[s]) : NULL;
    size_t k = 0;
    for (; shell && k < nh; k++)
        if (!(holes[k] = ring_geom(gh, &rs->a[order[first + k]])))
            break;
    GEOSGeometry *poly = shell && k == nh
                             ? GEOSGeom_createPolygon_r(gh, shell, holes, (unsigned)nh)
                             : NULL;
    if (!poly) {
        destroy_all(gh, holes, k);
        if (shell)
            GEOSGeom_destroy_r(gh, shell);
    }
    free(holes);
    return poly;
}

/* Holes grouped by shell: the holes of shell s are order[start[s]..start[s+1]). */
static int group_holes(const rings_t *rs, const size_t *owner, size_t *start, size_t *order)
{
    memset(start, 0, (rs->n + 1) * sizeof *start);
    for (size_t i = 0; i < rs->n; i++)
        if (rs->a[i].area < 0)
            start[owner[i] + 1]++;
    for (size_t i = 0; i < rs->n; i++)
        start[i + 1] += start[i];
    size_t *fill = malloc((rs->n + 1) * sizeof *fill);
    if (!fill)
        return -1;
    memcpy(fill, start, (rs->n + 1) * sizeof *fill);
    for (size_t i = 0; i < rs->n; i++)
        if (rs->a[i].area < 0)
            order[fill[owner[i]]++] = i;
    free(fill);
    return 0;
}

static GEOSGeometry *assemble(GEOSContextHandle_t gh, const rings_t *rs, const size_t *start,
                              const size_t *order)
{
    size_t ns = 0;
    for (size_t i = 0; i < rs->n; i++)
        ns += rs->a[i].area > 0;
    GEOSGeometry **polys = calloc(ns + 1, sizeof *polys);
    size_t k = 0;
    for (size_t i = 0; polys && i < rs->n; i++) {
        if (rs->a[i].area <= 0)
            continue;
        if (!(polys[k] = shell_polygon(gh, rs, i, order, start[i], start[i + 1])))
            break;
        k++;
    }
    GEOSGeometry *mp = polys && k == ns
                           ? GEOSGeom_createCollection_r(gh, GEOS_MULTIPOLYGON, polys, (unsigned)ns)
                           : NULL;
    if (!mp && polys)
        destroy_all(gh, polys, k);
    free(polys);
    return mp;
}

static GEOSGeometry *build_polygons(GEOSContextHandle_t gh, const rings_t *rs)
{
    size_t n = rs->n + 1;
    size_t *idx = malloc(n * sizeof *idx), *owner = malloc(n * sizeof *owner);
    size_t *start = malloc(n * sizeof *start), *order = malloc(n * sizeof *order);
    GEOSGeometry *mp = NULL;
    if (idx && owner && start && order && !assign_holes(gh, rs, idx, owner) &&
        !group_holes(rs, owner, start, order))
        mp = assemble(gh, rs, start, order);
    free(idx);
    free(owner);
    free(start);
    free(order);
    return mp;
}

int gr_links_polygons(GEOSContextHandle_t gh, gr_links_t *l, double thin_m, GEOSGeometry **out,
                      gr_error_t *err)
{
    *out = NULL;
    rings_t rs = { 0 };
    int rc = trace_rings(l, thin_m, &rs, err);
    if (!rc) {
        *out = rs.n ? build_polygons(gh, &rs)
                    : GEOSGeom_createEmptyCollection_r(gh, GEOS_MULTIPOLYGON);
        if (!*out)
            rc = gr_error_set(err, GR_EGEOM, "catchment outline: %zu rings could not be assembled",
                              rs.n);
    }
    rings_free(&rs);
    return rc;
}
