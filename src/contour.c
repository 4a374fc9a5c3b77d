#include "greenreach/contour.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/rings.h"
#include "greenreach/zones.h"

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
    uint64_t *bits;     /* nr x n_words: which vertices are inside */
    int64_t n_words;    /* per row, with a zero word past the last column */
} band_t;

/* ---- where a segment's reach crosses a row ---- */

/* A segment with its direction worked out once. */
typedef struct {
    double ax, ay, dx, dy, inv_dy, inv_l2;
} probe_t;

static void probe_init(probe_t *p, const gr_seg_t *s)
{
    p->ax = s->ax;
    p->ay = s->ay;
    p->dx = s->bx - s->ax;
    p->dy = s->by - s->ay;
    p->inv_dy = p->dy != 0 ? 1.0 / p->dy : 0;
    double l2 = p->dx * p->dx + p->dy * p->dy;
    p->inv_l2 = l2 > 0 ? 1.0 / l2 : 0;
}

/* Columns of row j within reach of the segment, clamped to the grid; 0
 * when none. A vertex within reach r lies within r across of a point of
 * the segment within r along, so the part of the segment within r of the
 * row, widened by r, holds them all: a little more than the true capsule
 * (its corners), found with two multiplications instead of two square
 * roots and two divisions; the distance loop is cheaper than that. */
static int row_cols(const grid_t *g, const probe_t *p, int64_t j, int64_t *ia, int64_t *ib)
{
    double y = (double)j * g->c, r = g->reach, t0 = 0, t1 = 1;
    if (p->dy != 0) {
        t0 = (y - r - p->ay) * p->inv_dy;
        t1 = (y + r - p->ay) * p->inv_dy;
        if (t0 > t1) {
            double t = t0;
            t0 = t1;
            t1 = t;
        }
        t0 = t0 < 0 ? 0 : t0;
        t1 = t1 > 1 ? 1 : t1;
        if (t0 > t1)
            return 0;
    } else if (fabs(y - p->ay) > r) {
        return 0;
    }
    double xa = p->ax + t0 * p->dx, xb = p->ax + t1 * p->dx;
    double a = ceil(((xa < xb ? xa : xb) - r) / g->c), b = floor(((xa < xb ? xb : xa) + r) / g->c);
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
        if (!isfinite(s[k].ax) || !isfinite(s[k].ay) || !isfinite(s[k].bx) || !isfinite(s[k].by))
            return gr_error_set(err, GR_EINPUT, "catchment: segment %zu has a coordinate that "
                                                "is not a finite number", k);
        minx = fmin(minx, fmin(s[k].ax, s[k].bx));
        maxx = fmax(maxx, fmax(s[k].ax, s[k].bx));
        miny = fmin(miny, fmin(s[k].ay, s[k].by));
        maxy = fmax(maxy, fmax(s[k].ay, s[k].by));
    }
    double pad = g->reach + g->c; /* the border vertices are beyond reach */
    /* vertices on multiples of the cell in the CRS, so an outline does not
     * depend on what else was traced with it (another threshold's pieces) */
    g->x0 = floor((minx - pad) / g->c) * g->c;
    g->y0 = floor((miny - pad) / g->c) * g->c;
    double cols = ceil((maxx + pad - g->x0) / g->c) + 1;
    double rows = ceil((maxy + pad - g->y0) / g->c) + 1;
    if (!isfinite(cols) || !isfinite(rows) || cols * (BAND_ROWS + 1) > MAX_BAND_VERTICES ||
        rows > (double)INT32_MAX)
        return gr_error_set(err, GR_ECONFIG,
                            "catchment grid of %.0f x %.0f cells is too large: raise "
                            "[catchment] cell_m",
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
    bd->n_words = g->nx / 64 + 2;
    bd->bits = malloc(rows * (size_t)bd->n_words * sizeof *bd->bits);
    if (!bd->lo || !bd->d2 || !bd->bits)
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
    free(bd->bits);
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
 * precision keeps well under a millimetre and the loop vectorises; it is
 * cloned for AVX2 (8 lanes, picked at load time where the CPU has them; no
 * FMA, so both clones give the same bits), 13-15% off tracing. */
__attribute__((target_clones("avx2", "default"))) static void
row_min(float *row, int64_t ia, int64_t ib, double c, const probe_t *p, double y)
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

static void band_reset(band_t *bd, const grid_t *g)
{
    for (int64_t r = 0; r < bd->nr; r++) {
        bd->wlo[r] = g->nx;
        bd->whi[r] = -1;
    }
}

/* Adds the band's segments from *cursor on whose index is below n_seg (a
 * band's bucket lists them in index order), moving the cursor past them. */
static void band_distances(band_t *bd, const grid_t *g, int64_t b, size_t n_seg, size_t *cursor)
{
    for (; *cursor < g->band_first[b + 1] && g->band_seg[*cursor] < n_seg; ++*cursor) {
        const gr_seg_t *s = &g->s[g->band_seg[*cursor]];
        probe_t p;
        probe_init(&p, s);
        int64_t jlo, jhi, ia, ib;
        seg_rows(g, s, &jlo, &jhi);
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
 * f is the distance minus w, so the inside is f < 0. A saddle (two inside
 * corners facing each other) is joined across the middle when the mean of
 * the corners is inside. */
typedef struct {
    int64_t i, j;
    double f[4];
    int in[4];
    int is_saddle, is_joined;
} cell_t;

static const double corner_u[4] = { 0, 1, 1, 0 }, corner_v[4] = { 0, 0, 1, 1 };

static void cell_init(cell_t *k, int64_t i, int64_t j, const float *c2, const grid_t *g)
{
    k->i = i;
    k->j = j;
    for (int q = 0; q < 4; q++) {
        k->in[q] = c2[q] < g->w2;
        k->f[q] = sqrt((double)c2[q]) - g->w;
    }
    k->is_saddle = k->in[0] == k->in[2] && k->in[1] == k->in[3];
    k->is_joined = (k->f[0] + k->f[1] + k->f[2] + k->f[3]) / 4 < 0;
}

/* How far along side `side` (from its first corner) the level is crossed,
 * by linear interpolation. */
static double side_t(const cell_t *k, int side)
{
    double fa = k->f[side], fb = k->f[(side + 1) & 3];
    double t = fa / (fa - fb);
    return t < T_EDGE ? T_EDGE : t > 1 - T_EDGE ? 1 - T_EDGE : t;
}

/* The crossing of side `side` in cell units (0..1 across the cell). */
static void side_uv(const cell_t *k, int side, double *u, double *v)
{
    double t = side_t(k, side);
    int b = (side + 1) & 3;
    *u = corner_u[side] + t * (corner_u[b] - corner_u[side]);
    *v = corner_v[side] + t * (corner_v[b] - corner_v[side]);
}

/* The side where the outline re-enters after leaving by side `out`:
 * going on round the cell, except at a saddle not joined, where each
 * inside corner is cut off on its own. */
static int entry_side(const cell_t *k, int out)
{
    if (k->is_saddle && !k->is_joined)
        return (out + 3) & 3;
    for (int s = 1; s < 4; s++) {
        int q = (out + s) & 3;
        if (!k->in[q] && k->in[(q + 1) & 3])
            return q;
    }
    return -1;
}

/* Joins links as they are made, by index, with no lookup: a crossing lies
 * on a side shared by two cells at most a row apart, the link leaving it
 * made in one and the link arriving at it in the other. For the cell row
 * being marched, a table per kind of side (its bottom row of horizontal
 * sides, its top row, its vertical sides) holds the link starting at each
 * side and the link waiting to arrive there. */
enum { J_BOTTOM, J_TOP, J_VERT, J_KINDS };

typedef struct {
    uint32_t *start[J_KINDS], *wait[J_KINDS]; /* nx + 1 each; UINT32_MAX = none */
    int64_t lo[J_KINDS], hi[J_KINDS];          /* columns touched, to clear */
    int64_t row;
} joiner_t;

static int joiner_init(joiner_t *J, int64_t nx)
{
    memset(J, 0, sizeof *J);
    J->row = -2;
    for (int t = 0; t < J_KINDS; t++) {
        J->start[t] = malloc(((size_t)nx + 1) * sizeof *J->start[t]);
        J->wait[t] = malloc(((size_t)nx + 1) * sizeof *J->wait[t]);
        if (!J->start[t] || !J->wait[t])
            return -1;
        memset(J->start[t], 0xff, ((size_t)nx + 1) * sizeof *J->start[t]);
        memset(J->wait[t], 0xff, ((size_t)nx + 1) * sizeof *J->wait[t]);
        J->lo[t] = nx;
        J->hi[t] = -1;
    }
    return 0;
}

static void joiner_free(joiner_t *J)
{
    for (int t = 0; t < J_KINDS; t++) {
        free(J->start[t]);
        free(J->wait[t]);
    }
}

static void joiner_clear(joiner_t *J, int t)
{
    for (int64_t c = J->lo[t]; c <= J->hi[t]; c++)
        J->start[t][c] = J->wait[t][c] = UINT32_MAX;
    J->lo[t] = INT64_MAX;
    J->hi[t] = -1;
}

/* The tables for cell row j: the top sides of row j - 1 are the bottom
 * sides of row j; everything else starts empty. */
static void joiner_to_row(joiner_t *J, int64_t j)
{
    if (j == J->row)
        return;
    if (j == J->row + 1) {
        uint32_t *s = J->start[J_BOTTOM], *w = J->wait[J_BOTTOM];
        int64_t lo = J->lo[J_BOTTOM], hi = J->hi[J_BOTTOM];
        J->start[J_BOTTOM] = J->start[J_TOP];
        J->wait[J_BOTTOM] = J->wait[J_TOP];
        J->lo[J_BOTTOM] = J->lo[J_TOP];
        J->hi[J_BOTTOM] = J->hi[J_TOP];
        J->start[J_TOP] = s;
        J->wait[J_TOP] = w;
        J->lo[J_TOP] = lo;
        J->hi[J_TOP] = hi;
    } else {
        joiner_clear(J, J_BOTTOM);
    }
    joiner_clear(J, J_TOP);
    joiner_clear(J, J_VERT);
    J->row = j;
}

static void side_slot(const cell_t *k, int side, int *t, int64_t *c)
{
    static const int kind[4] = { J_BOTTOM, J_VERT, J_TOP, J_VERT }, di[4] = { 0, 1, 0, 0 };
    *t = kind[side];
    *c = k->i + di[side];
}

/* Point idx starts at side `out` and goes on to side `in`. */
static void joiner_link(joiner_t *J, gr_links_t *l, const cell_t *k, int out, int in, uint32_t idx)
{
    int t;
    int64_t c;
    side_slot(k, out, &t, &c);
    J->start[t][c] = idx;
    if (J->wait[t][c] != UINT32_MAX)
        gr_links_join(l, J->wait[t][c], idx);
    J->lo[t] = c < J->lo[t] ? c : J->lo[t];
    J->hi[t] = c > J->hi[t] ? c : J->hi[t];
    side_slot(k, in, &t, &c);
    if (J->start[t][c] != UINT32_MAX)
        gr_links_join(l, idx, J->start[t][c]);
    else
        J->wait[t][c] = idx;
    J->lo[t] = c < J->lo[t] ? c : J->lo[t];
    J->hi[t] = c > J->hi[t] ? c : J->hi[t];
}

/* Links every side the outline leaves by to the side it re-enters by,
 * with the inside on the left. */
static int cell_links(const grid_t *g, const cell_t *k, gr_links_t *l, joiner_t *J)
{
    for (int out = 0; out < 4; out++) {
        if (!k->in[out] || k->in[(out + 1) & 3])
            continue;
        int in = entry_side(k, out);
        double u, v;
        uint32_t idx;
        side_uv(k, out, &u, &v);
        if (in < 0 || gr_links_push(l, g->x0 + ((double)k->i + u) * g->c,
                                    g->y0 + ((double)k->j + v) * g->c, &idx))
            return -1;
        joiner_link(J, l, k, out, in, idx);
    }
    return 0;
}

/* The inside part of the cell as a fraction of it: the polygon of its
 * inside corners and crossings in order, or, at a saddle not joined, the
 * two right triangles cut off at the inside corners. */
static double cell_inside(const cell_t *k)
{
    if (k->is_saddle && !k->is_joined) {
        double a = 0;
        for (int q = 0; q < 4; q++)
            if (k->in[q])
                a += side_t(k, q) * (1 - side_t(k, (q + 3) & 3)) / 2;
        return a;
    }
    double u[8], v[8], s = 0;
    int n = 0;
    for (int q = 0; q < 4; q++) {
        if (k->in[q]) {
            u[n] = corner_u[q];
            v[n++] = corner_v[q];
        }
        if (k->in[q] != k->in[(q + 1) & 3]) {
            side_uv(k, q, &u[n], &v[n]);
            n++;
        }
    }
    for (int p = 0; p < n; p++)
        s += u[p] * v[(p + 1) % n] - u[(p + 1) % n] * v[p];
    return s / 2;
}

/* Bit i of row r's words: vertex i is inside. Cells are then found 64 at
 * a time: a cell has an outline only if its four corners disagree. */
static void band_bits(band_t *bd, const grid_t *g)
{
    for (int64_t r = 0; r < bd->nr; r++) {
        uint64_t *w = bd->bits + r * bd->n_words;
        memset(w, 0, (size_t)bd->n_words * sizeof *w);
        const float *row = bd->d2 + r * g->nx;
        for (int64_t i = bd->lo[r]; i <= bd->hi[r]; i++)
            w[i >> 6] |= (uint64_t)(row[i] < g->w2) << (i & 63);
    }
}

/* Areas per zone, gathered as the cells are marched. */
typedef struct {
    const gr_zones_t *z;
    double *area_m2;
    gr_zone_spans_t spans;
} tally_t;

/* Cells wholly inside, 64 at a time: bit i set when all four corners of
 * cell i are. */
static uint64_t full_word(const uint64_t *w0, const uint64_t *w1, int64_t k)
{
    uint64_t A = w0[k], B = w1[k];
    return A & B & (A >> 1 | w0[k + 1] << 63) & (B >> 1 | w1[k + 1] << 63);
}

static int64_t count_full(const uint64_t *w0, const uint64_t *w1, int64_t lo, int64_t hi)
{
    int64_t n = 0;
    for (int64_t k = lo >> 6; k <= hi >> 6; k++) {
        uint64_t m = full_word(w0, w1, k);
        if (k == lo >> 6)
            m &= ~0ULL << (lo & 63);
        if (k == hi >> 6 && (hi & 63) != 63)
            m &= (1ULL << ((hi & 63) + 1)) - 1;
        n += __builtin_popcountll(m);
    }
    return n;
}

/* The zones of cell row r (cells a .. b - 1) and their wholly inside cells. */
static int tally_row(tally_t *t, const band_t *bd, const grid_t *g, int64_t r, int64_t a, int64_t b)
{
    double y = g->y0 + ((double)(bd->j0 + r) + 0.5) * g->c;
    if (gr_zones_row(t->z, y, g->x0, g->c, a, b - 1, &t->spans))
        return -1;
    const uint64_t *w0 = bd->bits + r * bd->n_words, *w1 = w0 + bd->n_words;
    for (size_t k = 0; k < t->spans.n; k++) {
        const gr_zone_span_t *sp = &t->spans.a[k];
        t->area_m2[sp->zone] += (double)count_full(w0, w1, sp->lo, sp->hi) * g->c * g->c;
    }
    return 0;
}

static int march_cell(const band_t *bd, const grid_t *g, int64_t r, int64_t i, gr_links_t *l,
                      joiner_t *J, tally_t *t)
{
    const float *r0 = bd->d2 + r * g->nx, *r1 = r0 + g->nx;
    float c2[4] = { r0[i], r0[i + 1], r1[i + 1], r1[i] };
    cell_t k;
    cell_init(&k, i, bd->j0 + r, c2, g);
    if (t) {
        uint32_t z = gr_zones_at(&t->spans, i);
        if (z != GR_ZONE_NONE)
            t->area_m2[z] += cell_inside(&k) * g->c * g->c;
    }
    return cell_links(g, &k, l, J);
}

static int band_march(const band_t *bd, const grid_t *g, gr_links_t *l, joiner_t *J, tally_t *t)
{
    for (int64_t r = 0; r + 1 < bd->nr; r++) {
        int64_t a = bd->lo[r] < bd->lo[r + 1] ? bd->lo[r] : bd->lo[r + 1];
        int64_t b = bd->hi[r] > bd->hi[r + 1] ? bd->hi[r] : bd->hi[r + 1];
        if (a >= b)
            continue;
        if (t && tally_row(t, bd, g, r, a, b))
            return -1;
        joiner_to_row(J, bd->j0 + r);
        const uint64_t *w0 = bd->bits + r * bd->n_words, *w1 = w0 + bd->n_words;
        for (int64_t k = a >> 6; k <= b >> 6; k++) {
            uint64_t A = w0[k], B = w1[k];
            uint64_t A1 = A >> 1 | w0[k + 1] << 63, B1 = B >> 1 | w1[k + 1] << 63;
            for (uint64_t m = (A ^ A1) | (A ^ B) | (A ^ B1); m; m &= m - 1)
                if (march_cell(bd, g, r, (k << 6) + __builtin_ctzll(m), l, J, t))
                    return -1;
        }
    }
    return 0;
}

/* One level's tracing state: its links, joiner and zone areas. */
typedef struct {
    gr_links_t *l;
    joiner_t J;
    tally_t t;
    int has_tally;
} level_run_t;

/* One band for every level in turn: each level's segments are added to
 * the distances the band already holds from the levels before, then its
 * outline is marched. */
static int band_run(band_t *bd, const grid_t *g, int64_t b, const gr_contour_level_t *lv,
                    level_run_t *lr, int n_lv)
{
    bd->j0 = b * BAND_ROWS;
    int64_t last = bd->j0 + BAND_ROWS < g->ny - 1 ? bd->j0 + BAND_ROWS : g->ny - 1;
    bd->nr = last - bd->j0 + 1;
    band_reset(bd, g);
    size_t cursor = g->band_first[b];
    for (int k = 0; k < n_lv; k++) {
        band_distances(bd, g, b, lv[k].n_seg, &cursor);
        band_widen(bd, g);
        band_bits(bd, g);
        if (band_march(bd, g, lr[k].l, &lr[k].J, lr[k].has_tally ? &lr[k].t : NULL))
            return -1;
    }
    return 0;
}

static int levels_start(level_run_t *lr, const gr_contour_level_t *lv, int n_lv,
                        const gr_zones_t *zones, int64_t nx)
{
    for (int k = 0; k < n_lv; k++) {
        lr[k].t = (tally_t){ zones, lv[k].zone_area_m2, { 0 } };
        lr[k].has_tally = zones && lv[k].zone_area_m2;
        if (!(lr[k].l = gr_links_new()) || joiner_init(&lr[k].J, nx))
            return -1;
    }
    return 0;
}

static void levels_end(level_run_t *lr, int n_lv)
{
    for (int k = 0; k < n_lv; k++) {
        gr_links_free(lr[k].l);
        joiner_free(&lr[k].J);
        free(lr[k].t.spans.a);
    }
}

/* Every band in turn, then each level's links into its polygon. */
static int trace(GEOSContextHandle_t gh, const gr_seg_t *s, double w, double cell_m,
                 const gr_zones_t *zones, gr_contour_level_t *lv, int n_lv, gr_error_t *err)
{
    grid_t g;
    int rc = grid_init(&g, s, lv[n_lv - 1].n_seg, w, cell_m, err);
    band_t bd = { 0 };
    level_run_t *lr = calloc((size_t)n_lv, sizeof *lr);
    if (!rc && (!lr || band_alloc(&bd, &g) || levels_start(lr, lv, n_lv, zones, g.nx)))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory for the catchment grid");
    for (int64_t b = 0; !rc && b < g.nb; b++)
        if (band_run(&bd, &g, b, lv, lr, n_lv))
            rc = gr_error_set(err, GR_ENOMEM,
                              "out of memory (or a broken cell) tracing the catchment outline");
    band_free(&bd);
    grid_free(&g);
    for (int k = 0; k < n_lv && !rc; k++)
        rc = gr_links_polygons(gh, lr[k].l, THIN_M, &lv[k].out, err);
    if (lr)
        levels_end(lr, n_lv);
    free(lr);
    return rc;
}

int gr_contour_levels(GEOSContextHandle_t gh, const gr_seg_t *s, double w, double cell_m,
                      const gr_zones_t *zones, gr_contour_level_t *lv, int n_lv, gr_error_t *err)
{
    for (int k = 0; k < n_lv; k++) {
        lv[k].out = NULL;
        for (uint32_t i = 0; zones && lv[k].zone_area_m2 && i < gr_zones_count(zones); i++)
            lv[k].zone_area_m2[i] = 0;
    }
    if (!(w > 0) || !(cell_m > 0))
        return gr_error_set(err, GR_ECONFIG, "catchment band %g m and cell %g m must be positive",
                            w, cell_m);
    for (int k = 1; k < n_lv; k++)
        if (lv[k].n_seg < lv[k - 1].n_seg)
            return gr_error_set(err, GR_ECONFIG, "catchment levels must not lose segments");
    int rc = 0;
    if (n_lv > 0 && lv[n_lv - 1].n_seg > 0) {
        rc = trace(gh, s, w, cell_m, zones, lv, n_lv, err);
    }
    for (int k = 0; k < n_lv && !rc; k++)
        if (!lv[k].out && !(lv[k].out = GEOSGeom_createEmptyCollection_r(gh, GEOS_MULTIPOLYGON)))
            rc = gr_error_set(err, GR_EGEOM, "GEOS cannot make an empty polygon");
    if (rc)
        for (int k = 0; k < n_lv; k++)
            if (lv[k].out) {
                GEOSGeom_destroy_r(gh, lv[k].out);
                lv[k].out = NULL;
            }
    return rc;
}

int gr_contour_band_zones(GEOSContextHandle_t gh, const gr_seg_t *s, size_t n, double w,
                          double cell_m, const gr_zones_t *zones, double *zone_area_m2,
                          GEOSGeometry **out, gr_error_t *err)
{
    gr_contour_level_t lv = { n, zone_area_m2, NULL };
    int rc = gr_contour_levels(gh, s, w, cell_m, zones, &lv, 1, err);
    *out = lv.out;
    return rc;
}

int gr_contour_band(GEOSContextHandle_t gh, const gr_seg_t *s, size_t n, double w, double cell_m,
                    GEOSGeometry **out, gr_error_t *err)
{
    return gr_contour_band_zones(gh, s, n, w, cell_m, NULL, NULL, out, err);
}
