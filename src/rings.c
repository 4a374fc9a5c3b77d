#include "greenreach/rings.h"

#include "greenreach/grow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the link table: points in the order added, each with the index of
 * the next; a tracer that knows the next index joins them itself, keyed
 * links are joined through an open-addressing index on the point id, built
 * once at the size the links need ---- */

#define NONE UINT32_MAX

struct gr_links {
    double *xy;     /* 2 per point */
    uint32_t *next; /* index of the next point, or NONE until joined */
    uint64_t *key;  /* from, to per point; NULL until a keyed link is added */
    size_t n, cap;
    uint32_t *slot; /* index of the point with a key, or NONE */
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
    while (l->slot[i] != NONE && l->key[2 * l->slot[i]] != key)
        i = (i + 1) & mask;
    return &l->slot[i];
}

static int build_index(gr_links_t *l)
{
    l->n_slots = 1024;
    while (l->n_slots < 2 * l->n)
        l->n_slots *= 2;
    free(l->slot);
    l->slot = malloc(l->n_slots * sizeof *l->slot);
    if (!l->slot)
        return -1;
    memset(l->slot, 0xff, l->n_slots * sizeof *l->slot);
    for (size_t k = 0; k < l->n; k++) {
        uint32_t *s = find_slot(l, l->key[2 * k]);
        if (*s != NONE)
            return -2;
        *s = (uint32_t)k;
    }
    return 0;
}

/* Every keyed link's next from its `to` key: 0, -1 out of memory, -2 a
 * point starting two links, -3 a link to a point starting none. */
static int join_keyed(gr_links_t *l)
{
    if (!l->key)
        return 0;
    int rc = build_index(l);
    for (size_t k = 0; k < l->n && !rc; k++)
        if (l->next[k] == NONE && (l->next[k] = *find_slot(l, l->key[2 * k + 1])) == NONE)
            rc = -3;
    return rc;
}

gr_links_t *gr_links_new(void)
{
    return calloc(1, sizeof(gr_links_t));
}

void gr_links_free(gr_links_t *l)
{
    if (!l)
        return;
    free(l->xy);
    free(l->next);
    free(l->key);
    free(l->slot);
    free(l);
}

size_t gr_links_count(const gr_links_t *l)
{
    return l->n;
}

static int grow(gr_links_t *l, int has_key)
{
    size_t c = l->cap ? 2 * l->cap : 4096;
    if (c >= NONE)
        return -1;
    double *xy = realloc(l->xy, c * 2 * sizeof *xy);
    if (xy)
        l->xy = xy;
    uint32_t *next = realloc(l->next, c * sizeof *next);
    if (next)
        l->next = next;
    uint64_t *key = l->key || has_key ? realloc(l->key, c * 2 * sizeof *key) : NULL;
    if (key)
        l->key = key;
    if (!xy || !next || ((l->key || has_key) && !key))
        return -1;
    l->cap = c;
    return 0;
}

int gr_links_push(gr_links_t *l, double x, double y, uint32_t *idx)
{
    if (l->n == l->cap && grow(l, 0))
        return -1;
    l->xy[2 * l->n] = x;
    l->xy[2 * l->n + 1] = y;
    l->next[l->n] = NONE;
    if (l->key)
        l->key[2 * l->n] = l->key[2 * l->n + 1] = UINT64_MAX - 1 - l->n;
    *idx = (uint32_t)l->n++;
    return 0;
}

void gr_links_join(gr_links_t *l, uint32_t idx, uint32_t next_idx)
{
    l->next[idx] = next_idx;
}

int gr_links_add(gr_links_t *l, uint64_t from, uint64_t to, double x, double y)
{
    if (from == UINT64_MAX)
        return -2;
    if (!l->key && l->n > 0) { /* pushed points so far: give them keys no one uses */
        l->key = malloc(l->cap * 2 * sizeof *l->key);
        if (!l->key)
            return -1;
        for (size_t k = 0; k < l->n; k++)
            l->key[2 * k] = l->key[2 * k + 1] = UINT64_MAX - 1 - k;
    }
    if (l->n == l->cap && grow(l, 1))
        return -1;
    uint32_t k;
    gr_links_push(l, x, y, &k);
    if (!l->key)
        return -1;
    l->key[2 * k] = from;
    l->key[2 * k + 1] = to;
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
    ring_t *a = gr_grow(rs->a, &rs->cap, rs->n + 1, sizeof *a, 64);
    if (!a)
        return -1;
    rs->a = a;
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
    double *xy = gr_grow(r->xy, cap, r->n + 1, 2 * sizeof *xy, 64);
    if (!xy)
        return -1;
    r->xy = xy;
    r->xy[2 * r->n] = x;
    r->xy[2 * r->n + 1] = y;
    r->n++;
    return 0;
}

/* Follows the points from k until back at it, marking them seen. A ring
 * thinned below three points encloses nothing and is not kept. */
static int follow(const gr_links_t *l, uint32_t k, uint8_t *seen, double tol, rings_t *rs,
                  gr_error_t *err)
{
    ring_t r = { 0 };
    size_t cap = 0;
    for (uint32_t p = k;;) {
        if (p == NONE || seen[p]) {
            free(r.xy);
            return gr_error_set(err, GR_EGEOM,
                                "catchment outline left open (or joined twice) at point %u", p);
        }
        seen[p] = 1;
        if (ring_append(&r, &cap, l->xy[2 * p], l->xy[2 * p + 1])) {
            free(r.xy);
            return gr_error_set(err, GR_ENOMEM, "out of memory tracing a catchment ring");
        }
        p = l->next[p];
        if (p == k)
            break;
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
    int rc = join_keyed(l);
    if (rc)
        return gr_error_set(err, rc == -1 ? GR_ENOMEM : GR_EGEOM, "%s (%zu links)",
                            rc == -1   ? "out of memory indexing the catchment outline"
                            : rc == -2 ? "catchment outline: a point starts two links"
                                       : "catchment outline left open",
                            l->n);
    uint8_t *seen = calloc(l->n + 1, 1);
    if (!seen)
        return gr_error_set(err, GR_ENOMEM, "out of memory tracing catchment rings");
    for (size_t i = 0; i < l->n && !rc; i++)
        if (!seen[i])
            rc = follow(l, (uint32_t)i, seen, tol, rs, err);
    free(seen);
    return rc;
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
    size_t *a = gr_grow(h->a, &h->cap, h->n + 1, sizeof *a, 16);
    if (!a) {
        h->bad = 1;
        return;
    }
    h->a = a;
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
