#include "greenreach/graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/segindex.h"

/* Working state while noding: distinct vertices ("points"), the raw
 * segments between them, and union-find merges of points. */
typedef struct {
    uint32_t n_pts, n_seg;
    double *px, *py;
    uint32_t *occ;        /* line vertices at each point (a repeat counts once) */
    uint32_t *seg_a, *seg_b;
    uint32_t *parent;     /* union-find over points */
    uint32_t *vert_pt;    /* point of each input vertex */
} noder_t;

typedef struct {
    uint32_t seg;
    double t;
    uint32_t pt;
} split_t;

/* ---- step 1: identical coordinates become one point ---- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t coord_hash(double x, double y)
{
    uint64_t a, b;
    x += 0.0; /* folds -0.0 into 0.0 */
    y += 0.0;
    memcpy(&a, &x, sizeof a);
    memcpy(&b, &y, sizeof b);
    return mix64(a ^ mix64(b));
}

static int dedup_vertices(const gr_lines_t *L, noder_t *n)
{
    uint32_t nv = L->start[L->n_lines];
    size_t cap = 16;
    while (cap < 2 * (size_t)nv)
        cap *= 2;
    uint32_t *table = malloc(cap * sizeof *table);
    n->vert_pt = malloc((size_t)nv * sizeof *n->vert_pt + 1);
    n->px = malloc((size_t)nv * sizeof *n->px + 1);
    n->py = malloc((size_t)nv * sizeof *n->py + 1);
    n->occ = calloc((size_t)nv + 1, sizeof *n->occ);
    if (!table || !n->vert_pt || !n->px || !n->py || !n->occ) {
        free(table);
        return -1;
    }
    memset(table, 0xff, cap * sizeof *table);
    for (uint32_t v = 0; v < nv; v++) {
        double x = L->x[v], y = L->y[v];
        size_t h = coord_hash(x, y) & (cap - 1);
        while (table[h] != UINT32_MAX && (n->px[table[h]] != x || n->py[table[h]] != y))
            h = (h + 1) & (cap - 1);
        if (table[h] == UINT32_MAX) {
            table[h] = n->n_pts;
            n->px[n->n_pts] = x;
            n->py[n->n_pts] = y;
            n->n_pts++;
        }
        n->vert_pt[v] = table[h];
    }
    free(table);
    /* a vertex repeated in place is still one use of the point, so a
     * doubled end vertex stays a dangling end */
    for (uint32_t i = 0; i < L->n_lines; i++)
        for (uint32_t v = L->start[i]; v < L->start[i + 1]; v++)
            if (v == L->start[i] || n->vert_pt[v] != n->vert_pt[v - 1])
                n->occ[n->vert_pt[v]]++;
    return 0;
}

static int raw_segments(const gr_lines_t *L, noder_t *n, gr_graph_stats_t *st)
{
    uint32_t nv = L->start[L->n_lines];
    n->seg_a = malloc((size_t)nv * sizeof *n->seg_a + 1);
    n->seg_b = malloc((size_t)nv * sizeof *n->seg_b + 1);
    if (!n->seg_a || !n->seg_b)
        return -1;
    for (uint32_t i = 0; i < L->n_lines; i++) {
        for (uint32_t v = L->start[i]; v + 1 < L->start[i + 1]; v++) {
            uint32_t a = n->vert_pt[v], b = n->vert_pt[v + 1];
            if (a == b) {
                st->zero_segments++;
                continue;
            }
            n->seg_a[n->n_seg] = a;
            n->seg_b[n->n_seg] = b;
            n->n_seg++;
        }
    }
    return 0;
}

/* ---- step 2: dangling ends join nearby points or segments ---- */

static uint32_t uf_find(uint32_t *parent, uint32_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

typedef struct {
    const noder_t *n;
    const uint8_t *is_tail;   /* points of the end's own tail (mark_tail) */
    double px, py, tol2;
    double best_d2;
    uint32_t best_pt;
    uint32_t best_seg;
    double best_t;
} near_query_t;

static void near_point_cb(uint32_t seg, void *ctx)
{
    near_query_t *q = ctx;
    uint32_t ends[2] = { q->n->seg_a[seg], q->n->seg_b[seg] };
    for (int k = 0; k < 2; k++) {
        uint32_t p = ends[k];
        double dx = q->n->px[p] - q->px, dy = q->n->py[p] - q->py, d2 = dx * dx + dy * dy;
        if (!q->is_tail[p] && d2 <= q->tol2 &&
            (d2 < q->best_d2 || (d2 == q->best_d2 && p < q->best_pt))) {
            q->best_d2 = d2;
            q->best_pt = p;
        }
    }
}

static void near_segment_cb(uint32_t seg, void *ctx)
{
    near_query_t *q = ctx;
    const noder_t *n = q->n;
    if (q->is_tail[n->seg_a[seg]] || q->is_tail[n->seg_b[seg]])
        return;
    double t, d2 = gr_project_segment(n->px[n->seg_a[seg]], n->py[n->seg_a[seg]],
                                      n->px[n->seg_b[seg]], n->py[n->seg_b[seg]], q->px, q->py, &t);
    if (d2 <= q->tol2 && t > 0.0 && t < 1.0 &&
        (d2 < q->best_d2 || (d2 == q->best_d2 && seg < q->best_seg))) {
        q->best_d2 = d2;
        q->best_seg = seg;
        q->best_t = t;
    }
}

static bool is_dangling_end(const gr_lines_t *L, const noder_t *n, uint32_t line, int last,
                            uint32_t *pt)
{
    uint32_t first = L->start[line], end = L->start[line + 1];
    if (end - first < 2)
        return false;
    *pt = n->vert_pt[last ? end - 1 : first];
    /* a loop, or a line that never leaves its first point, has no loose end */
    return n->vert_pt[first] != n->vert_pt[end - 1] && n->occ[*pt] == 1;
}

/* Sets is_tail to value for the points of a line's tail at one end: the
 * end vertex and the run of vertices before it still within tol of it.
 * The tail is the line's own way in, not a gap, so an end never joins or
 * splits it (a densely drawn end would otherwise fold onto itself); a line
 * that leaves and comes back within tol may still close on itself. */
static void mark_tail(const gr_lines_t *L, const noder_t *n, uint32_t line, int last,
                      double tol2, uint8_t *is_tail, uint8_t value)
{
    uint32_t first = L->start[line], end = L->start[line + 1];
    uint32_t v = last ? end - 1 : first, pt = n->vert_pt[v];
    for (;;) {
        uint32_t p = n->vert_pt[v];
        double dx = n->px[p] - n->px[pt], dy = n->py[p] - n->py[pt];
        if (dx * dx + dy * dy > tol2)
            break;
        is_tail[p] = value;
        if (v == (last ? first : end - 1))
            break;
        v = last ? v - 1 : v + 1;
    }
}

/* Joins each dangling end to the nearest other point within tol, or else
 * records a split of the nearest segment within tol. */
static int join_gaps(const gr_lines_t *L, noder_t *n, double tol, split_t **splits,
                     uint32_t *n_splits, gr_graph_stats_t *st, gr_error_t *err)
{
    gr_segindex_t *idx = NULL;
    int rc = gr_segindex_build_raw(n->px, n->py, n->seg_a, n->seg_b, n->n_seg, 0.0, &idx, err);
    if (rc)
        return rc;
    uint8_t *is_tail = calloc((size_t)n->n_pts + 1, 1);
    if (!is_tail) {
        gr_segindex_free(idx);
        return gr_error_set(err, GR_ENOMEM, "out of memory noding paths");
    }
    size_t cap = 0;
    for (uint32_t i = 0; i < L->n_lines && rc == 0; i++) {
        for (int last = 0; last < 2; last++) {
            uint32_t pt;
            if (!is_dangling_end(L, n, i, last, &pt))
                continue;
            near_query_t q = { .n = n, .is_tail = is_tail, .px = n->px[pt], .py = n->py[pt],
                               .tol2 = tol * tol, .best_d2 = INFINITY,
                               .best_pt = UINT32_MAX, .best_seg = UINT32_MAX };
            mark_tail(L, n, i, last, q.tol2, is_tail, 1);
            gr_segindex_query(idx, q.px - tol, q.py - tol, q.px + tol, q.py + tol,
                              near_point_cb, &q);
            if (q.best_pt == UINT32_MAX)
                gr_segindex_query(idx, q.px - tol, q.py - tol, q.px + tol, q.py + tol,
                                  near_segment_cb, &q);
            mark_tail(L, n, i, last, q.tol2, is_tail, 0);
            if (q.best_pt != UINT32_MAX) {
                n->parent[uf_find(n->parent, pt)] = uf_find(n->parent, q.best_pt);
                st->ends_joined++;
                continue;
            }
            if (q.best_seg == UINT32_MAX)
                continue;
            if (*n_splits == cap) {
                cap = cap ? 2 * cap : 64;
                split_t *s = realloc(*splits, cap * sizeof *s);
                if (!s) {
                    rc = gr_error_set(err, GR_ENOMEM, "out of memory noding paths");
                    break;
                }
                *splits = s;
            }
            (*splits)[(*n_splits)++] = (split_t){ q.best_seg, q.best_t, pt };
            st->ends_split++;
        }
    }
    free(is_tail);
    gr_segindex_free(idx);
    return rc;
}

/* ---- step 3: edges between merged points, then CSR ---- */

static int cmp_split(const void *a, const void *b)
{
    const split_t *x = a, *y = b;
    if (x->seg != y->seg)
        return x->seg < y->seg ? -1 : 1;
    return (x->t > y->t) - (x->t < y->t);
}

typedef struct {
    uint32_t *node_of_pt;  /* compact node id per root point, or UINT32_MAX */
    gr_graph_t *g;
    size_t cap;
} emit_t;

static int node_for(emit_t *e, const noder_t *n, uint32_t pt)
{
    uint32_t r = uf_find(n->parent, pt);
    if (e->node_of_pt[r] == UINT32_MAX) {
        gr_graph_t *g = e->g;
        e->node_of_pt[r] = g->n_nodes;
        g->x[g->n_nodes] = n->px[r];
        g->y[g->n_nodes] = n->py[r];
        g->n_nodes++;
    }
    return (int)e->node_of_pt[r];
}

static int emit_edge(emit_t *e, const noder_t *n, uint32_t pa, uint32_t pb,
                     gr_graph_stats_t *st)
{
    uint32_t a = (uint32_t)node_for(e, n, pa), b = (uint32_t)node_for(e, n, pb);
    gr_graph_t *g = e->g;
    if (a == b) {
        st->zero_segments++;
        return 0;
    }
    if (g->n_edges == e->cap) {
        size_t c = e->cap ? 2 * e->cap : 1024;
        uint32_t *u = realloc(g->edge_u, c * sizeof *u);
        if (u)
            g->edge_u = u;
        uint32_t *v = u ? realloc(g->edge_v, c * sizeof *v) : NULL;
        if (v)
            g->edge_v = v;
        float *len = v ? realloc(g->edge_len_m, c * sizeof *len) : NULL;
        if (!len)
            return -1;
        g->edge_len_m = len;
        e->cap = c;
    }
    g->edge_u[g->n_edges] = a;
    g->edge_v[g->n_edges] = b;
    g->edge_len_m[g->n_edges] = (float)hypot(g->x[b] - g->x[a], g->y[b] - g->y[a]);
    g->n_edges++;
    return 0;
}

static int emit_edges(noder_t *n, split_t *splits, uint32_t n_splits, gr_graph_t *g,
                      gr_graph_stats_t *st)
{
    emit_t e = { .g = g };
    e.node_of_pt = malloc((size_t)n->n_pts * sizeof *e.node_of_pt + 1);
    g->x = malloc((size_t)n->n_pts * sizeof *g->x + 1);
    g->y = malloc((size_t)n->n_pts * sizeof *g->y + 1);
    if (!e.node_of_pt || !g->x || !g->y) {
        free(e.node_of_pt);
        return -1;
    }
    memset(e.node_of_pt, 0xff, (size_t)n->n_pts * sizeof *e.node_of_pt);
    if (n_splits)   /* splits may be NULL then */
        qsort(splits, n_splits, sizeof *splits, cmp_split);
    int rc = 0;
    uint32_t k = 0;
    for (uint32_t s = 0; s < n->n_seg && rc == 0; s++) {
        uint32_t from = n->seg_a[s];
        for (; k < n_splits && splits[k].seg == s && rc == 0; k++) {
            rc = emit_edge(&e, n, from, splits[k].pt, st);
            from = splits[k].pt;
        }
        if (rc == 0)
            rc = emit_edge(&e, n, from, n->seg_b[s], st);
    }
    free(e.node_of_pt);
    return rc;
}

static int build_csr(gr_graph_t *g)
{
    size_t m2 = 2 * (size_t)g->n_edges;
    g->adj_off = calloc((size_t)g->n_nodes + 1, sizeof *g->adj_off);
    g->adj_node = malloc(m2 * sizeof *g->adj_node + 1);
    g->adj_edge = malloc(m2 * sizeof *g->adj_edge + 1);
    g->adj_len_m = malloc(m2 * sizeof *g->adj_len_m + 1);
    uint32_t *fill = malloc((size_t)g->n_nodes * sizeof *fill + 1);
    if (!g->adj_off || !g->adj_node || !g->adj_edge || !g->adj_len_m || !fill) {
        free(fill);
        return -1;
    }
    for (uint32_t e = 0; e < g->n_edges; e++) {
        g->adj_off[g->edge_u[e] + 1]++;
        g->adj_off[g->edge_v[e] + 1]++;
    }
    for (uint32_t i = 0; i < g->n_nodes; i++)
        g->adj_off[i + 1] += g->adj_off[i];
    memcpy(fill, g->adj_off, (size_t)g->n_nodes * sizeof *fill);
    for (uint32_t e = 0; e < g->n_edges; e++) {
        uint32_t u = g->edge_u[e], v = g->edge_v[e];
        g->adj_node[fill[u]] = v;
        g->adj_edge[fill[u]] = e;
        g->adj_len_m[fill[u]++] = g->edge_len_m[e];
        g->adj_node[fill[v]] = u;
        g->adj_edge[fill[v]] = e;
        g->adj_len_m[fill[v]++] = g->edge_len_m[e];
    }
    free(fill);
    return 0;
}

static int label_components(gr_graph_t *g)
{
    uint32_t *parent = malloc((size_t)g->n_nodes * sizeof *parent + 1);
    uint32_t *size = calloc((size_t)g->n_nodes + 1, sizeof *size);
    g->component = malloc((size_t)g->n_nodes * sizeof *g->component + 1);
    if (!parent || !size || !g->component) {
        free(parent);
        free(size);
        return -1;
    }
    for (uint32_t i = 0; i < g->n_nodes; i++)
        parent[i] = i;
    for (uint32_t e = 0; e < g->n_edges; e++)
        parent[uf_find(parent, g->edge_u[e])] = uf_find(parent, g->edge_v[e]);
    /* component ids numbered in order of first node, so they are stable */
    uint32_t *id_of_root = g->component;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        size[i] = UINT32_MAX;
    g->stats.components = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        uint32_t r = uf_find(parent, i);
        if (size[r] == UINT32_MAX)
            size[r] = g->stats.components++;
        id_of_root[i] = size[r];
    }
    memset(size, 0, (size_t)g->n_nodes * sizeof *size);
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (++size[g->component[i]] > g->stats.largest_component)
            g->stats.largest_component = size[g->component[i]];
    free(parent);
    free(size);
    return 0;
}

static void noder_free(noder_t *n)
{
    free(n->px);
    free(n->py);
    free(n->occ);
    free(n->seg_a);
    free(n->seg_b);
    free(n->parent);
    free(n->vert_pt);
}

int gr_graph_build(const gr_lines_t *lines, double join_tol_m, gr_graph_t **out,
                   gr_error_t *err)
{
    *out = NULL;
    gr_graph_t *g = calloc(1, sizeof *g);
    noder_t n = {0};
    split_t *splits = NULL;
    uint32_t n_splits = 0;
    int rc = 0;
    if (!g || dedup_vertices(lines, &n) || raw_segments(lines, &n, &g->stats) ||
        !(n.parent = malloc((size_t)n.n_pts * sizeof *n.parent + 1)))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory building the graph");
    for (uint32_t i = 0; rc == 0 && i < n.n_pts; i++)
        n.parent[i] = i;
    if (rc == 0 && join_tol_m > 0.0)
        rc = join_gaps(lines, &n, join_tol_m, &splits, &n_splits, &g->stats, err);
    if (rc == 0 && (emit_edges(&n, splits, n_splits, g, &g->stats) || build_csr(g) ||
                    label_components(g)))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory building the graph");
    if (g) {
        g->stats.lines_in = lines->n_lines;
        g->stats.vertices_in = lines->start[lines->n_lines];
    }
    free(splits);
    noder_free(&n);
    if (rc) {
        gr_graph_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

void gr_graph_free(gr_graph_t *g)
{
    if (!g)
        return;
    free(g->x);
    free(g->y);
    free(g->edge_u);
    free(g->edge_v);
    free(g->edge_len_m);
    free(g->adj_off);
    free(g->adj_node);
    free(g->adj_edge);
    free(g->adj_len_m);
    free(g->component);
    free(g);
}
