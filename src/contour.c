#include "greenreach/contour.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/rings.h"

#define BAND_ROWS 128                /* cell rows per band */
#define MAX_BAND_VERTICES (1 << 28)  /* 1 GB of distances: refuse wider grids */
#define THIN_M 1e-3                  /* straight-run points dropped within 1 mm */
#define T_EDGE 1e-7                  /* keeps a crossing off the cell corners */

/* The grid: vertex (i, j) sits at (x0 + i c, y0 + j c). Segments are kept
 * relative to (x0, y0), so every distance is taken between small numbers. */
typedef struct {
    double c, w, reach;
    float w2; /* the level, squared as the distances are stored */
    double x0, y0;
    int64_t nx, ny, nb;
    gr_seg_t *s;
    size_t n;
    size_t *band_first; /* the segments of band b: band_seg[band_first[b] .. band_first[b + 1]) */
    uint32_t *band_seg;
} grid_t;

/* One band of vertex rows j0 .. j0 + nr - 1 (its last row is the next
 * band's first, recomputed there from the same segments, so both agree). */
typedef struct {
    int64_t j0, nr;
    int64_t *lo, *hi;   /* per row: the columns within reach of a segment */
    int64_t *wlo, *whi; /* the same, widened over the rows above and below */
    float *d2;          /* nr x nx squared distances; FLT_MAX = beyond reach */
} band_t;

/* ---- where a segment's reach crosses a row ---- */

/* A segment with its direction and length worked out once. */
typedef struct {
    double ax, ay, bx, by, dx, dy, len, ux, uy, inv_l2;
} probe_t;

static void probe_init(probe_t *p, const gr_seg_t *s)
{
    p->ax = s->ax;
    p->ay = s->ay;
    p->bx = s->bx;
    p->by = s->by;
    p->dx = s->bx - s->ax;
    p->dy = s->by - s->ay;
    p->len = hypot(p->dx, p->dy);
    p->ux = p->len > 0 ? p->dx / p->len : 0;
    p->uy = p->len > 0 ? p->dy / p->len : 0;
    p->inv_l2 = p->len > 0 ? 1.0 / (p->len * p->len) : 0;
}

/* x with a x + b in [p, q], intersected into [*lo, *hi]; 0 when empty. */
static int clip_linear(double a, double b, double p, double q, double *lo, double *hi)
{
    if (fabs(a) < 1e-12)
        return b >= p && b <= q;
    double u = (p - b) / a, v = (q - b) / a;
    *lo = u < v ? (u > *lo ? u : *lo) : (v > *lo ? v : *lo);
    *hi = u < v ? (v < *hi ? v : *hi) : (u < *hi ? u : *hi);
    return *lo <= *hi;
}

static void hull_circle(double cx, double cy, double y, double r, double *lo, double *hi)
{
    double dy = y - cy;
    if (dy > r || dy < -r)
        return;
    double h = sqrt(r * r - dy * dy);
    *lo = cx - h < *lo ? cx - h : *lo;
    *hi = cx + h > *hi ? cx + h : *hi;
}

/* The points of row y within r of the segment form one interval (the
 * capsule is convex): the hull of its two end discs and its side strip. */
static int probe_span(const probe_t *p, double y, double r, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    hull_circle(p->ax, p->ay, y, r, lo, hi);
    hull_circle(p->bx, p->by, y, r, lo, hi);
    double a = -INFINITY, b = INFINITY;
    if (p->len > 0 && clip_linear(p->ux, -p->ax * p->ux + (y - p->ay) * p->uy, 0, p->len, &a, &b) &&
        clip_linear(-p->uy, p->ax * p->uy + (y - p->ay) * p->ux, -r, r, &a, &b)) {
        *lo = a < *lo ? a : *lo;
        *hi = b > *hi ? b : *hi;
    }
    return *lo <= *hi;
}

/* Columns of row j within reach of the segment, clamped to the grid; 0
 * when none. */
static int row_cols(const grid_t *g, const probe_t *p, int64_t j, int64_t *ia, int64_t *ib)
{
    double lo, hi;
    if (!probe_span(p, (double)j * g->c, g->reach, &lo, &hi))
        return 0;
    double a = ceil(lo / g->c), b = floor(hi / g->c);
    *ia = a < 0 ? 0 : (int64_t)a;
    *ib = b > (double)(g->nx - 1) ? g->nx - 1 : (int64_t)b;
    return *ia <= *ib;
}

static void seg_rows(const grid_t *g, const gr_seg_t *s, int64_t *jlo, int64_t *jhi)
{
    double a = ceil((fmin(s->ay, s->by) - g->reach) / g->c);
    double b = floor((fmax(s->ay, s->by) + g->reach) / g->c);
    *jlo = a < 0 ? 0 : (int64_t)a;
    *jhi = b > (double)(g->ny - 1) ? g->ny - 1 : (int64_t)b;
}

/* ---- the grid and its bands ---- */

static int grid_extent(grid_t *g, const gr_seg_t *s, size_t n, gr_error_t *err)
{
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t k = 0; k < n; k++) {
        minx = fmin(minx, fmin(s[k].ax, s[k].bx));
        maxx = fmax(maxx, fmax(s[k].ax, s[k].bx));
        miny = fmin(miny, fmin(s[k].ay, s[k].by));
        maxy = fmax(maxy, fmax(s[k].ay, s[k].by));
    }
    double pad = g->reach + g->c; /* the border vertices are beyond reach */
    g->x0 = minx - pad;
    g->y0 = miny - pad;
    double cols = ceil((maxx - minx + 2 * pad) / g->c) + 1;
    double rows = ceil((maxy - miny + 2 * pad) / g->c) + 1;
    if (!isfinite(cols) || !isfinite(rows) || cols * (BAND_ROWS + 1) > MAX_BAND_VERTICES ||
        rows > (double)INT32_MAX)
        return gr_error_set(err, GR_ECONFIG,
                            "catchment grid of %.0f x %.0f cells is too large: use larger cells",
                            cols, rows);
    g->nx = (int64_t)cols;
    g->ny = (int64_t)rows;
    g->nb = (g->ny - 2) / BAND_ROWS + 1;
    return 0;
}

static int64_t first_band(int64_t jlo)
{
    return jlo > 0 ? (jlo - 1) / BAND_ROWS : 0;
}

static int64_t last_band(const grid_t *g, int64_t jhi)
{
    int64_t b = jhi / BAND_ROWS;
    return b < g->nb - 1 ? b : g->nb - 1;
}

/* Segments bucketed by the bands their reach touches (counting sort). */
static int grid_buckets(grid_t *g)
{
    g->band_first = calloc((size_t)g->nb + 2, sizeof *g->band_first);
    if (!g->band_first)
        return -1;
    for (size_t k = 0; k < g->n; k++) {
        int64_t jlo, jhi;
        seg_rows(g, &g->s[k], &jlo, &jhi);
        for (int64_t b = first_band(jlo); b <= last_band(g, jhi); b++)
            g->band_first[b + 1]++;
    }
    for (int64_t b = 0; b < g->nb; b++)
        g->band_first[b + 1] += g->band_first[b];
    g->band_seg = malloc((g->band_first[g->nb] + 1) * sizeof *g->band_seg);
    size_t *fill = malloc(((size_t)g->nb + 1) * sizeof *fill);
    if (!g->band_seg || !fill) {
        free(fill);
        return -1;
    }
    memcpy(fill, g->band_first, (size_t)g->nb * sizeof *fill);
    for (size_t k = 0; k < g->n; k++) {
        int64_t jlo, jhi;
        seg_rows(g, &g->s[k], &jlo, &jhi);
        for (int64_t b = first_band(jlo); b <= last_band(g, jhi); b++)
            g->band_seg[fill[b]++] = (uint32_t)k;
    }
    free(fill);
    return 0;
}

static int grid_init(grid_t *g, const gr_seg_t *s, size_t n, double w, double c, gr_error_t *err)
{
    memset(g, 0, sizeof *g);
    g->c = c;
    g->w2 = (float)(w * w);
    g->w = sqrt((double)g->w2);
    /* a vertex next to one within w (a cell diagonal away at most) is
     * within w + c sqrt 2 of a segment: its distance must be exact too */
    g->reach = w + 1.5 * c;
    if (n >= UINT32_MAX)
        return gr_error_set(err, GR_ECONFIG, "catchment: %zu segments are too many", n);
    int rc = grid_extent(g, s, n, err);
    if (rc)
        return rc;
    g->s = malloc((n + 1) * sizeof *g->s);
    if (!g->s)
        return gr_error_set(err, GR_ENOMEM, "out of memory for catchment segments");
    for (size_t k = 0; k < n; k++)
        g->s[k] = (gr_seg_t){ s[k].ax - g->x0, s[k].ay - g->y0, s[k].bx - g->x0, s[k].by - g->y0 };
    g->n = n;
    if (grid_buckets(g))
        return gr_error_set(err, GR_ENOMEM, "out of memory for catchment grid bands");
    return 0;
}

static void grid_free(grid_t *g)
{
    free(g->s);
    free(g->band_first);
    free(g->band_seg);
}

static int band_alloc(band_t *bd, const grid_t *g)
{
    size_t rows = BAND_ROWS + 1;
    bd->lo = malloc(4 * rows * sizeof *bd->lo);
    bd->d2 = malloc(rows * (size_t)g->nx * sizeof *bd->d2);
    if (!bd->lo || !bd->d2)
        return -1;
    bd->hi = bd->lo + rows;
    bd->wlo = bd->hi + rows;
    bd->whi = bd->wlo + rows;
    return 0;
}

static void band_free(band_t *bd)
{
    free(bd->lo);
    free(bd->d2);
}

/* ---- distances in one band ---- */

static void fill_far(float *row, int64_t a, int64_t b)
{
    for (int64_t i = a; i <= b; i++)
        row[i] = FLT_MAX;
}

/* Row r holds set values on columns [ia, ib] (and on what it held). Rows
 * are set lazily, only where a segment reaches. */
static void row_ensure(band_t *bd, const grid_t *g, int64_t r, int64_t ia, int64_t ib)
{
    float *row = bd->d2 + r * g->nx;
    if (bd->whi[r] < bd->wlo[r]) {
        fill_far(row, ia, ib);
        bd->wlo[r] = ia;
        bd->whi[r] = ib;
        return;
    }
    if (ia < bd->wlo[r]) {
        fill_far(row, ia, bd->wlo[r] - 1);
        bd->wlo[r] = ia;
    }
    if (ib > bd->whi[r]) {
        fill_far(row, bd->whi[r] + 1, ib);
        bd->whi[r] = ib;
    }
}

/* The squared distance from vertices ia..ib of row y to the segment, kept
 * where smaller. Offsets from the segment's start are small, so single
 * precision keeps well under a millimetre and the loop vectorises. */
static void row_min(float *row, int64_t ia, int64_t ib, double c, const probe_t *p, double y)
{
    float qx0 = (float)((double)ia * c - p->ax), qy = (float)(y - p->ay), fc = (float)c;
    float dx = (float)p->dx, dy = (float)p->dy, inv = (float)p->inv_l2;
    float qyd = qy * dy, *out = row + ia;
    int64_t n = ib - ia + 1;
    for (int64_t k = 0; k < n; k++) {
        float qx = qx0 + (float)k * fc;
        float t = (qx * dx + qyd) * inv;
        t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
        float ex = qx - t * dx, ey = qy - t * dy;
        float d = ex * ex + ey * ey;
        out[k] = d < out[k] ? d : out[k];
    }
}

static void band_distances(band_t *bd, const grid_t *g, int64_t b)
{
    for (int64_t r = 0; r < bd->nr; r++) {
        bd->wlo[r] = g->nx;
        bd->whi[r] = -1;
    }
    for (size_t k = g->band_first[b]; k < g->band_first[b + 1]; k++) {
        probe_t p;
        probe_init(&p, &g->s[g->band_seg[k]]);
        int64_t jlo, jhi, ia, ib;
        seg_rows(g, &g->s[g->band_seg[k]], &jlo, &jhi);
        for (int64_t j = jlo > bd->j0 ? jlo : bd->j0; j <= jhi && j < bd->j0 + bd->nr; j++) {
            if (!row_cols(g, &p, j, &ia, &ib))
                continue;
            row_ensure(bd, g, j - bd->j0, ia, ib);
            row_min(bd->d2 + (j - bd->j0) * g->nx, ia, ib, g->c, &p, (double)j * g->c);
        }
    }
}

/* The columns each row reached, then every row set over its neighbours'
 * too, so a cell across two rows reads only set vertices. */
static void band_widen(band_t *bd, const grid_t *g)
{
    memcpy(bd->lo, bd->wlo, (size_t)bd->nr * sizeof *bd->lo);
    memcpy(bd->hi, bd->whi, (size_t)bd->nr * sizeof *bd->hi);
    for (int64_t r = 0; r < bd->nr; r++)
        for (int64_t q = r - 1; q <= r + 1; q += 2)
            if (q >= 0 && q < bd->nr && bd->lo[q] <= bd->hi[q])
                row_ensure(bd, g, r, bd->lo[q], bd->hi[q]);
}

/* ---- marching squares ---- */

/* A cell's corners counter-clockwise from (i, j): (i, j), (i + 1, j),
 * (i + 1, j + 1), (i, j + 1); side k runs from corner k to corner k + 1.
 * f is the distance minus w, so the inside is f < 0. */
typedef struct {
    int64_t i, j;
    double f[4];
    int in[4];
} cell_t;

static uint64_t side_id(const grid_t *g, const cell_t *k, int side)
{
    static const int di[4] = { 0, 1, 0, 0 }, dj[4] = { 0, 0, 1, 0 }, vert[4] = { 0, 1, 0, 1 };
    uint64_t v = (uint64_t)(k->j + dj[side]) * (uint64_t)g->nx + (uint64_t)(k->i + di[side]);
    return v << 1 | (uint64_t)vert[side];
}

/* Where side `side` crosses the level, by linear interpolation. */
static void side_point(const grid_t *g, const cell_t *k, int side, double *x, double *y)
{
    static const double cx[4] = { 0, 1, 1, 0 }, cy[4] = { 0, 0, 1, 1 };
    double fa = k->f[side], fb = k->f[(side + 1) & 3];
    double t = fa / (fa - fb);
    t = t < T_EDGE ? T_EDGE : t > 1 - T_EDGE ? 1 - T_EDGE : t;
    double ax = cx[side], ay = cy[side], bx = cx[(side + 1) & 3], by = cy[(side + 1) & 3];
    *x = g->x0 + ((double)k->i + ax + t * (bx - ax)) * g->c;
    *y = g->y0 + ((double)k->j + ay + t * (by - ay)) * g->c;
}

/* The side where the outline re-enters after leaving by side `out`:
 * going on round the cell, except at a saddle whose centre is outside,
 * where each inside corner is cut off on its own. */
static int entry_side(const cell_t *k, int out, int is_saddle)
{
    double centre = (k->f[0] + k->f[1] + k->f[2] + k->f[3]) / 4;
    if (is_saddle && centre >= 0)
        return (out + 3) & 3;
    for (int s = 1; s < 4; s++) {
        int q = (out + s) & 3;
        if (!k->in[q] && k->in[(q + 1) & 3])
            return q;
    }
    return -1;
}

/* Links every side the outline leaves by to the side it re-enters by,
 * with the inside on the left. */
static int cell_links(const grid_t *g, cell_t *k, const float *c2, gr_links_t *l)
{
    for (int q = 0; q < 4; q++)
        k->f[q] = sqrt((double)c2[q]) - g->w;
    int is_saddle = k->in[0] == k->in[2] && k->in[1] == k->in[3];
    for (int out = 0; out < 4; out++) {
        if (!k->in[out] || k->in[(out + 1) & 3])
            continue;
        int in = entry_side(k, out, is_saddle);
        double x, y;
        side_point(g, k, out, &x, &y);
        if (in < 0 || gr_links_add(l, side_id(g, k, out), side_id(g, k, in), x, y))
            return -1;
    }
    return 0;
}

static int band_march(const band_t *bd, const grid_t *g, gr_links_t *l)
{
    for (int64_t r = 0; r + 1 < bd->nr; r++) {
        int64_t a = bd->lo[r] < bd->lo[r + 1] ? bd->lo[r] : bd->lo[r + 1];
        int64_t b = bd->hi[r] > bd->hi[r + 1] ? bd->hi[r] : bd->hi[r + 1];
        const float *r0 = bd->d2 + r * g->nx, *r1 = r0 + g->nx;
        for (int64_t i = a; i < b; i++) {
            int n_in = (r0[i] < g->w2) + (r0[i + 1] < g->w2) + (r1[i + 1] < g->w2) + (r1[i] < g->w2);
            if (n_in == 0 || n_in == 4)
                continue;
            float c2[4] = { r0[i], r0[i + 1], r1[i + 1], r1[i] };
            cell_t k = { .i = i, .j = bd->j0 + r };
            for (int q = 0; q < 4; q++)
                k.in[q] = c2[q] < g->w2;
            if (cell_links(g, &k, c2, l))
                return -1;
        }
    }
    return 0;
}

static int band_run(band_t *bd, const grid_t *g, int64_t b, gr_links_t *l)
{
    bd->j0 = b * BAND_ROWS;
    int64_t last = bd->j0 + BAND_ROWS < g->ny - 1 ? bd->j0 + BAND_ROWS : g->ny - 1;
    bd->nr = last - bd->j0 + 1;
    band_distances(bd, g, b);
    band_widen(bd, g);
    return band_march(bd, g, l);
}

int gr_contour_band(GEOSContextHandle_t gh, const gr_seg_t *s, size_t n, double w, double cell_m,
                    GEOSGeometry **out, gr_error_t *err)
{
    *out = NULL;
    if (!(w > 0) || !(cell_m > 0))
        return gr_error_set(err, GR_ECONFIG, "catchment band %g m and cell %g m must be positive",
                            w, cell_m);
    if (n == 0) {
        *out = GEOSGeom_createEmptyCollection_r(gh, GEOS_MULTIPOLYGON);
        return *out ? 0 : gr_error_set(err, GR_EGEOM, "GEOS cannot make an empty polygon");
    }
    grid_t g;
    int rc = grid_init(&g, s, n, w, cell_m, err);
    band_t bd = { 0 };
    gr_links_t *l = rc ? NULL : gr_links_new();
    if (!rc && (!l || band_alloc(&bd, &g)))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory for the catchment grid");
    for (int64_t b = 0; !rc && b < g.nb; b++)
        if (band_run(&bd, &g, b, l))
            rc = gr_error_set(err, GR_ENOMEM,
                              "out of memory (or a broken cell) tracing the catchment outline");
    band_free(&bd);
    grid_free(&g);
    if (!rc)
        rc = gr_links_polygons(gh, l, THIN_M, out, err);
    gr_links_free(l);
    return rc;
}
