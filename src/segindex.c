#include "greenreach/segindex.h"

#include <math.h>
#include <stdlib.h>

/* Every segment is listed in each cell its bounding box overlaps; cells
 * are a dense grid over the data extent, capped in number so sparse
 * national extents stay affordable. */
struct gr_segindex {
    const double *x, *y;
    const uint32_t *a, *b;
    uint32_t n_seg;
    double minx, miny, cell;
    uint32_t nx, ny;
    uint32_t *cell_off;   /* nx*ny + 1 */
    uint32_t *cell_seg;
};

double gr_project_segment(double ax, double ay, double bx, double by,
                          double px, double py, double *t)
{
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    double u = len2 > 0.0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0.0;
    u = u < 0.0 ? 0.0 : (u > 1.0 ? 1.0 : u);
    double qx = ax + u * dx - px, qy = ay + u * dy - py;
    *t = u;
    return qx * qx + qy * qy;
}

static uint32_t clamp_cell(double v, double lo, double cell, uint32_t n)
{
    double c = floor((v - lo) / cell);
    if (c < 0.0)
        return 0;
    if (c >= (double)n)
        return n - 1;
    return (uint32_t)c;
}

typedef struct {
    uint32_t x0, y0, x1, y1;
} cell_box_t;

static cell_box_t seg_cells(const gr_segindex_t *s, uint32_t i)
{
    double ax = s->x[s->a[i]], ay = s->y[s->a[i]], bx = s->x[s->b[i]], by = s->y[s->b[i]];
    return (cell_box_t){ clamp_cell(fmin(ax, bx), s->minx, s->cell, s->nx),
                         clamp_cell(fmin(ay, by), s->miny, s->cell, s->ny),
                         clamp_cell(fmax(ax, bx), s->minx, s->cell, s->nx),
                         clamp_cell(fmax(ay, by), s->miny, s->cell, s->ny) };
}

static void set_extent(gr_segindex_t *s, double cell_m)
{
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY, sum = 0.0;
    for (uint32_t i = 0; i < s->n_seg; i++) {
        double ax = s->x[s->a[i]], ay = s->y[s->a[i]], bx = s->x[s->b[i]], by = s->y[s->b[i]];
        minx = fmin(minx, fmin(ax, bx));
        maxx = fmax(maxx, fmax(ax, bx));
        miny = fmin(miny, fmin(ay, by));
        maxy = fmax(maxy, fmax(ay, by));
        sum += hypot(bx - ax, by - ay);
    }
    if (s->n_seg == 0)
        minx = miny = maxx = maxy = 0.0;
    double w = fmax(maxx - minx, 1.0), h = fmax(maxy - miny, 1.0);
    double cell = cell_m > 0.0 ? cell_m : fmax(2.0 * sum / fmax(s->n_seg, 1), 10.0);
    /* no more than ~2 cells per segment (and at least 1 m) */
    double min_cell = sqrt(w * h / (2.0 * fmax(s->n_seg, 1)));
    s->cell = fmax(fmax(cell, min_cell), 1.0);
    s->minx = minx;
    s->miny = miny;
    s->nx = (uint32_t)(w / s->cell) + 1;
    s->ny = (uint32_t)(h / s->cell) + 1;
}

static int fill_cells(gr_segindex_t *s)
{
    size_t n_cells = (size_t)s->nx * s->ny;
    s->cell_off = calloc(n_cells + 1, sizeof *s->cell_off);
    if (!s->cell_off)
        return -1;
    for (uint32_t i = 0; i < s->n_seg; i++) {
        cell_box_t c = seg_cells(s, i);
        for (uint32_t cy = c.y0; cy <= c.y1; cy++)
            for (uint32_t cx = c.x0; cx <= c.x1; cx++)
                s->cell_off[(size_t)cy * s->nx + cx + 1]++;
    }
    for (size_t k = 0; k < n_cells; k++)
        s->cell_off[k + 1] += s->cell_off[k];
    s->cell_seg = malloc((size_t)s->cell_off[n_cells] * sizeof *s->cell_seg + 1);
    uint32_t *fill = malloc(n_cells * sizeof *fill + 1);
    if (!s->cell_seg || !fill) {
        free(fill);
        return -1;
    }
    for (size_t k = 0; k < n_cells; k++)
        fill[k] = s->cell_off[k];
    for (uint32_t i = 0; i < s->n_seg; i++) {
        cell_box_t c = seg_cells(s, i);
        for (uint32_t cy = c.y0; cy <= c.y1; cy++)
            for (uint32_t cx = c.x0; cx <= c.x1; cx++)
                s->cell_seg[fill[(size_t)cy * s->nx + cx]++] = i;
    }
    free(fill);
    return 0;
}

int gr_segindex_build_raw(const double *x, const double *y, const uint32_t *seg_a,
                          const uint32_t *seg_b, uint32_t n_seg, double cell_m,
                          gr_segindex_t **out, gr_error_t *err)
{
    *out = NULL;
    gr_segindex_t *s = calloc(1, sizeof *s);
    if (!s)
        return gr_error_set(err, GR_ENOMEM, "out of memory building the segment index");
    *s = (gr_segindex_t){ .x = x, .y = y, .a = seg_a, .b = seg_b, .n_seg = n_seg };
    set_extent(s, cell_m);
    if (fill_cells(s)) {
        gr_segindex_free(s);
        return gr_error_set(err, GR_ENOMEM, "out of memory building the segment index");
    }
    *out = s;
    return 0;
}

int gr_segindex_build(const gr_graph_t *g, double cell_m, gr_segindex_t **out,
                      gr_error_t *err)
{
    return gr_segindex_build_raw(g->x, g->y, g->edge_u, g->edge_v, g->n_edges, cell_m, out,
                                 err);
}

void gr_segindex_free(gr_segindex_t *idx)
{
    if (!idx)
        return;
    free(idx->cell_off);
    free(idx->cell_seg);
    free(idx);
}

typedef struct {
    double d2;
    uint32_t seg;
    double t;
} best_t;

static void scan_cell(const gr_segindex_t *s, size_t cell, double px, double py, best_t *best)
{
    for (uint32_t k = s->cell_off[cell]; k < s->cell_off[cell + 1]; k++) {
        uint32_t i = s->cell_seg[k];
        double t, d2 = gr_project_segment(s->x[s->a[i]], s->y[s->a[i]], s->x[s->b[i]],
                                          s->y[s->b[i]], px, py, &t);
        if (d2 < best->d2 || (d2 == best->d2 && i < best->seg)) {
            best->d2 = d2;
            best->seg = i;
            best->t = t;
        }
    }
}

/* Visits the ring of cells at Chebyshev distance r around (cx, cy). */
static void scan_ring(const gr_segindex_t *s, long cx, long cy, long r, double px, double py,
                      best_t *best)
{
    for (long y = cy - r; y <= cy + r; y++) {
        if (y < 0 || y >= (long)s->ny)
            continue;
        long step = (y == cy - r || y == cy + r) ? 1 : 2 * r;
        for (long x = cx - r; x <= cx + r; x += step ? step : 1) {
            if (x >= 0 && x < (long)s->nx)
                scan_cell(s, (size_t)y * s->nx + (size_t)x, px, py, best);
        }
    }
}

bool gr_segindex_nearest(const gr_segindex_t *idx, double x, double y, double max_m,
                         gr_snap_t *out)
{
    if (idx->n_seg == 0)
        return false;
    best_t best = { max_m * max_m, UINT32_MAX, 0.0 };
    long cx = (long)floor((x - idx->minx) / idx->cell);
    long cy = (long)floor((y - idx->miny) / idx->cell);
    long max_r = (long)ceil(max_m / idx->cell) + 1;
    /* Every point of ring r+1 lies at least r cells away from the query
     * point, so once the best is closer than that the search is done. */
    for (long r = 0; r <= max_r; r++) {
        scan_ring(idx, cx, cy, r, x, y, &best);
        if (best.seg != UINT32_MAX && sqrt(best.d2) <= (double)r * idx->cell)
            break;
    }
    if (best.seg == UINT32_MAX)
        return false;
    double ax = idx->x[idx->a[best.seg]], ay = idx->y[idx->a[best.seg]];
    double bx = idx->x[idx->b[best.seg]], by = idx->y[idx->b[best.seg]];
    out->edge = best.seg;
    out->pos_m = (float)(best.t * hypot(bx - ax, by - ay));
    out->offset_m = (float)sqrt(best.d2);
    return true;
}

void gr_segindex_query(const gr_segindex_t *idx, double minx, double miny, double maxx,
                       double maxy, gr_edge_fn fn, void *ctx)
{
    if (idx->n_seg == 0)
        return;
    cell_box_t q = { clamp_cell(minx, idx->minx, idx->cell, idx->nx),
                     clamp_cell(miny, idx->miny, idx->cell, idx->ny),
                     clamp_cell(maxx, idx->minx, idx->cell, idx->nx),
                     clamp_cell(maxy, idx->miny, idx->cell, idx->ny) };
    for (uint32_t cy = q.y0; cy <= q.y1; cy++) {
        for (uint32_t cx = q.x0; cx <= q.x1; cx++) {
            size_t cell = (size_t)cy * idx->nx + cx;
            for (uint32_t k = idx->cell_off[cell]; k < idx->cell_off[cell + 1]; k++) {
                uint32_t i = idx->cell_seg[k];
                cell_box_t c = seg_cells(idx, i);
                /* report a segment only from the first cell it shares with the query */
                if (cx == (c.x0 > q.x0 ? c.x0 : q.x0) && cy == (c.y0 > q.y0 ? c.y0 : q.y0))
                    fn(i, ctx);
            }
        }
    }
}
