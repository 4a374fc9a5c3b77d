#include "greenreach/zones.h"

#include "greenreach/grow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STRIP_M 250.0 /* edges are found by the 250 m strips they cross */

typedef struct {
    double x1, y1, x2, y2;
    uint32_t zone;
} edge_t;

struct gr_zones {
    uint32_t n_zones;
    edge_t *e;
    size_t n, cap;
    double y0;
    int64_t n_strips;
    size_t *strip_first; /* edges of strip s: strip_edge[strip_first[s] .. strip_first[s + 1]) */
    uint32_t *strip_edge;
};

static int add_edge(gr_zones_t *z, edge_t e)
{
    edge_t *a = gr_grow(z->e, &z->cap, z->n + 1, sizeof *a, 1024);
    if (!a)
        return -1;
    z->e = a;
    z->e[z->n++] = e;
    return 0;
}

/* Horizontal edges never cross a row under the half-open rule: skipped. */
static int add_ring(gr_zones_t *z, GEOSContextHandle_t gh, const GEOSGeometry *ring, uint32_t zone)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(gh, ring);
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(gh, cs, &n))
        return -1;
    double px = 0, py = 0;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(gh, cs, i, &x, &y))
            return -1;
        if (i > 0 && y != py && add_edge(z, (edge_t){ px, py, x, y, zone }))
            return -1;
        px = x;
        py = y;
    }
    return 0;
}

static int add_polygon(gr_zones_t *z, GEOSContextHandle_t gh, const GEOSGeometry *p, uint32_t zone)
{
    if (add_ring(z, gh, GEOSGetExteriorRing_r(gh, p), zone))
        return -1;
    int nh = GEOSGetNumInteriorRings_r(gh, p);
    for (int h = 0; h < nh; h++)
        if (add_ring(z, gh, GEOSGetInteriorRingN_r(gh, p, h), zone))
            return -1;
    return 0;
}

static int add_zone(gr_zones_t *z, GEOSContextHandle_t gh, const GEOSGeometry *g, uint32_t zone)
{
    int type = GEOSGeomTypeId_r(gh, g);
    if (type == GEOS_POLYGON)
        return GEOSisEmpty_r(gh, g) == 1 ? 0 : add_polygon(z, gh, g, zone);
    if (type != GEOS_MULTIPOLYGON)
        return 0;
    int np = GEOSGetNumGeometries_r(gh, g);
    for (int i = 0; i < np; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(gh, g, i);
        if (GEOSisEmpty_r(gh, p) != 1 && add_polygon(z, gh, p, zone))
            return -1;
    }
    return 0;
}

static void strip_range(const gr_zones_t *z, const edge_t *e, int64_t *a, int64_t *b)
{
    *a = (int64_t)floor((fmin(e->y1, e->y2) - z->y0) / STRIP_M);
    *b = (int64_t)floor((fmax(e->y1, e->y2) - z->y0) / STRIP_M);
}

static int build_strips(gr_zones_t *z)
{
    double y0 = INFINITY, y1 = -INFINITY;
    for (size_t k = 0; k < z->n; k++) {
        y0 = fmin(y0, fmin(z->e[k].y1, z->e[k].y2));
        y1 = fmax(y1, fmax(z->e[k].y1, z->e[k].y2));
    }
    z->y0 = z->n ? y0 : 0;
    z->n_strips = z->n ? (int64_t)floor((y1 - y0) / STRIP_M) + 1 : 0;
    z->strip_first = calloc((size_t)z->n_strips + 2, sizeof *z->strip_first);
    if (!z->strip_first)
        return -1;
    int64_t a, b;
    for (size_t k = 0; k < z->n; k++) {
        strip_range(z, &z->e[k], &a, &b);
        for (int64_t s = a; s <= b; s++)
            z->strip_first[s + 1]++;
    }
    for (int64_t s = 0; s < z->n_strips; s++)
        z->strip_first[s + 1] += z->strip_first[s];
    z->strip_edge = malloc((z->strip_first[z->n_strips] + 1) * sizeof *z->strip_edge);
    size_t *fill = malloc(((size_t)z->n_strips + 1) * sizeof *fill);
    if (!z->strip_edge || !fill) {
        free(fill);
        return -1;
    }
    memcpy(fill, z->strip_first, (size_t)z->n_strips * sizeof *fill);
    for (size_t k = 0; k < z->n; k++) {
        strip_range(z, &z->e[k], &a, &b);
        for (int64_t s = a; s <= b; s++)
            z->strip_edge[fill[s]++] = (uint32_t)k;
    }
    free(fill);
    return 0;
}

int gr_zones_build(GEOSContextHandle_t gh, const GEOSGeometry *const *geom, uint32_t n,
                   gr_zones_t **out, gr_error_t *err)
{
    *out = NULL;
    gr_zones_t *z = calloc(1, sizeof *z);
    if (!z)
        return gr_error_set(err, GR_ENOMEM, "out of memory for zone edges");
    z->n_zones = n;
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++)
        if (geom[i] && add_zone(z, gh, geom[i], i))
            rc = gr_error_set(err, GR_EGEOM, "zone %u: GEOS failed to read its rings", i);
    if (!rc && (z->n >= UINT32_MAX || build_strips(z)))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory for zone edges");
    if (rc) {
        gr_zones_free(z);
        return rc;
    }
    *out = z;
    return 0;
}

void gr_zones_free(gr_zones_t *z)
{
    if (!z)
        return;
    free(z->e);
    free(z->strip_first);
    free(z->strip_edge);
    free(z);
}

uint32_t gr_zones_count(const gr_zones_t *z)
{
    return z->n_zones;
}

/* ---- one row ---- */

typedef struct {
    double x;
    uint32_t zone;
} hit_t;

static int by_zone_x(const void *pa, const void *pb)
{
    const hit_t *a = pa, *b = pb;
    if (a->zone != b->zone)
        return a->zone < b->zone ? -1 : 1;
    return (a->x > b->x) - (a->x < b->x);
}

static int by_lo(const void *pa, const void *pb)
{
    const gr_zone_span_t *a = pa, *b = pb;
    return (a->lo > b->lo) - (a->lo < b->lo);
}

static int push_span(gr_zone_spans_t *s, gr_zone_span_t v)
{
    gr_zone_span_t *a = gr_grow(s->a, &s->cap, s->n + 1, sizeof *a, 64);
    if (!a)
        return -1;
    s->a = a;
    s->a[s->n++] = v;
    return 0;
}

/* Where row y crosses the edges of its strip, into *out (NULL with none):
 * 0, or -1 when out of memory. */
static int row_hits(const gr_zones_t *z, double y, hit_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    double s = floor((y - z->y0) / STRIP_M);
    if (!(s >= 0 && s < (double)z->n_strips))
        return 0;
    size_t a = z->strip_first[(int64_t)s], b = z->strip_first[(int64_t)s + 1];
    hit_t *h = malloc((b - a + 1) * sizeof *h);
    if (!h)
        return -1;
    for (size_t k = a; k < b; k++) {
        const edge_t *e = &z->e[z->strip_edge[k]];
        if ((e->y1 > y) != (e->y2 > y))
            h[(*n)++] = (hit_t){ e->x1 + (y - e->y1) * (e->x2 - e->x1) / (e->y2 - e->y1), e->zone };
    }
    *out = h;
    return 0;
}

/* Cells whose centre lies between crossings xa and xb, within lo .. hi. */
static int add_span(gr_zone_spans_t *out, double xa, double xb, uint32_t zone, double x0,
                    double c, int64_t lo, int64_t hi)
{
    double ia = ceil((xa - x0) / c - 0.5), ib = ceil((xb - x0) / c - 0.5) - 1;
    ia = ia < (double)lo ? (double)lo : ia;
    ib = ib > (double)hi ? (double)hi : ib;
    return ia <= ib ? push_span(out, (gr_zone_span_t){ (int64_t)ia, (int64_t)ib, zone }) : 0;
}

int gr_zones_row(const gr_zones_t *z, double y, double x0, double c, int64_t lo, int64_t hi,
                 gr_zone_spans_t *out)
{
    out->n = 0;
    hit_t *h;
    size_t n;
    if (row_hits(z, y, &h, &n))
        return -1;
    if (n > 1)
        qsort(h, n, sizeof *h, by_zone_x);
    int rc = 0;
    /* closed rings cross a row an even number of times per zone: pairs */
    for (size_t k = 0; k + 1 < n && !rc;) {
        if (h[k].zone != h[k + 1].zone) {
            k++;
            continue;
        }
        rc = add_span(out, h[k].x, h[k + 1].x, h[k].zone, x0, c, lo, hi);
        k += 2;
    }
    free(h);
    if (out->n > 1)
        qsort(out->a, out->n, sizeof *out->a, by_lo);
    return rc;
}

uint32_t gr_zones_at(const gr_zone_spans_t *s, int64_t i)
{
    size_t a = 0, b = s->n;
    while (a < b) {
        size_t m = (a + b) / 2;
        if (s->a[m].hi < i)
            a = m + 1;
        else
            b = m;
    }
    return a < s->n && s->a[a].lo <= i ? s->a[a].zone : GR_ZONE_NONE;
}
