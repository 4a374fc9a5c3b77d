#include "greenreach/search.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/heap.h"
#include "greenreach/load.h"

static int relax(gr_field_t *f, gr_heap_t *h, uint32_t node, float d, uint32_t site)
{
    if (d > f->cutoff_m || d >= f->dist_m[node])
        return 0;
    f->dist_m[node] = d;
    f->site[node] = site;
    return gr_heap_push(h, d, node);
}

static int cmp_src_edge(const void *a, const void *b)
{
    const gr_source_t *x = a, *y = b;
    if (x->edge != y->edge)
        return x->edge < y->edge ? -1 : 1;
    return (x->pos_m > y->pos_m) - (x->pos_m < y->pos_m);
}

static int seed(gr_field_t *f, gr_heap_t *h)
{
    const gr_graph_t *g = f->g;
    for (uint32_t i = 0; i < f->n_src; i++) {
        const gr_source_t *s = &f->src[i];
        float len = g->edge_len_m[s->edge];
        if (relax(f, h, g->edge_u[s->edge], s->init_m + s->pos_m, s->site) ||
            relax(f, h, g->edge_v[s->edge], s->init_m + (len - s->pos_m), s->site))
            return -1;
    }
    return 0;
}

static int run_dijkstra(gr_field_t *f, gr_heap_t *h)
{
    const gr_graph_t *g = f->g;
    while (h->n > 0) {
        gr_heap_item_t it = gr_heap_pop(h);
        float d = (float)it.key;    /* pushed as a float: exact */
        if (d > f->dist_m[it.id])
            continue;
        uint32_t site = f->site[it.id];
        for (uint32_t k = g->adj_off[it.id]; k < g->adj_off[it.id + 1]; k++)
            if (relax(f, h, g->adj_node[k], d + g->adj_len_m[k], site))
                return -1;
    }
    return 0;
}

int gr_search_multi_source(const gr_graph_t *g, const gr_source_t *src, uint32_t n_src,
                           float cutoff_m, gr_field_t **out, gr_error_t *err)
{
    *out = NULL;
    gr_field_t *f = calloc(1, sizeof *f);
    gr_heap_t h = {0};
    if (!f)
        return gr_error_set(err, GR_ENOMEM, "out of memory for the search");
    f->g = g;
    f->cutoff_m = cutoff_m;
    f->n_src = n_src;
    f->dist_m = malloc((size_t)g->n_nodes * sizeof *f->dist_m + 1);
    f->site = malloc((size_t)g->n_nodes * sizeof *f->site + 1);
    f->src = malloc((size_t)n_src * sizeof *f->src + 1);
    int rc = (!f->dist_m || !f->site || !f->src) ? -1 : 0;
    if (rc == 0) {
        for (uint32_t i = 0; i < g->n_nodes; i++) {
            f->dist_m[i] = INFINITY;
            f->site[i] = GR_NONE;
        }
        if (n_src) {    /* src may be NULL then */
            memcpy(f->src, src, (size_t)n_src * sizeof *src);
            qsort(f->src, n_src, sizeof *f->src, cmp_src_edge);
        }
        rc = seed(f, &h);
    }
    if (rc == 0)
        rc = run_dijkstra(f, &h);
    gr_heap_free(&h);
    if (rc) {
        gr_field_free(f);
        return gr_error_set(err, GR_ENOMEM, "out of memory in the search");
    }
    *out = f;
    return 0;
}

void gr_field_free(gr_field_t *f)
{
    if (!f)
        return;
    free(f->dist_m);
    free(f->site);
    free(f->src);
    free(f);
}

/* First of n elements (stride bytes apart, sorted by the uint32_t at byte
 * offset off) whose key is not below key. */
static uint32_t lower_bound(const void *a, size_t stride, size_t off, uint32_t n, uint32_t key)
{
    const char *p = a;
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2, k;
        memcpy(&k, p + (size_t)mid * stride + off, sizeof k);
        if (k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* First source on edge, over the edge-sorted sources. */
static uint32_t first_src_on_edge(const gr_field_t *f, uint32_t edge)
{
    return lower_bound(f->src, sizeof *f->src, offsetof(gr_source_t, edge), f->n_src, edge);
}

float gr_field_point_dist(const gr_field_t *f, uint32_t edge, float pos_m, uint32_t *site)
{
    const gr_graph_t *g = f->g;
    uint32_t u = g->edge_u[edge], v = g->edge_v[edge];
    float du = f->dist_m[u] + pos_m, dv = f->dist_m[v] + (g->edge_len_m[edge] - pos_m);
    float best = du;
    uint32_t best_site = f->site[u];
    if (dv < best) {
        best = dv;
        best_site = f->site[v];
    }
    for (uint32_t k = first_src_on_edge(f, edge); k < f->n_src && f->src[k].edge == edge; k++) {
        float d = f->src[k].init_m + fabsf(pos_m - f->src[k].pos_m);
        if (d < best) {
            best = d;
            best_site = f->src[k].site;
        }
    }
    if (!(best <= f->cutoff_m)) {
        best = INFINITY;
        best_site = GR_NONE;
    }
    if (site)
        *site = best_site;
    return best;
}

/* ---- bounded searches with a reusable workspace ---- */

struct gr_search_ws {
    const gr_graph_t *g;
    const gr_overlay_t *ov;
    uint32_t n_total;         /* graph plus overlay nodes */
    gr_field_t field;         /* dist_m/site over n_total nodes */
    uint32_t cap_src;
    uint32_t n_touched;
    uint32_t *touched;        /* each node at most once: n_total slots */
    const float *bound_m;
    gr_heap_t heap;
};

int gr_search_ws_new(const gr_graph_t *g, const gr_overlay_t *ov, gr_search_ws_t **out,
                     gr_error_t *err)
{
    *out = NULL;
    gr_search_ws_t *ws = calloc(1, sizeof *ws);
    if (!ws)
        return gr_error_set(err, GR_ENOMEM, "out of memory for a search workspace");
    ws->g = g;
    ws->ov = ov;
    ws->n_total = g->n_nodes + (ov ? ov->n_nodes : 0);
    ws->field.g = g;
    ws->field.dist_m = malloc((size_t)ws->n_total * sizeof *ws->field.dist_m + 1);
    ws->field.site = malloc((size_t)ws->n_total * sizeof *ws->field.site + 1);
    ws->touched = malloc((size_t)ws->n_total * sizeof *ws->touched + 1);
    if (!ws->field.dist_m || !ws->field.site || !ws->touched) {
        gr_search_ws_free(ws);
        return gr_error_set(err, GR_ENOMEM, "out of memory for a search workspace");
    }
    for (uint32_t i = 0; i < ws->n_total; i++) {
        ws->field.dist_m[i] = INFINITY;
        ws->field.site[i] = GR_NONE;
    }
    *out = ws;
    return 0;
}

void gr_search_ws_free(gr_search_ws_t *ws)
{
    if (!ws)
        return;
    free(ws->field.dist_m);
    free(ws->field.site);
    free(ws->field.src);
    free(ws->touched);
    gr_heap_free(&ws->heap);
    free(ws);
}

const gr_field_t *gr_search_ws_field(const gr_search_ws_t *ws)
{
    return &ws->field;
}

const uint32_t *gr_search_ws_touched(const gr_search_ws_t *ws, uint32_t *n)
{
    *n = ws->n_touched;
    return ws->touched;
}

/* Sets node's distance, recording it as touched the first time. */
static int ws_set(gr_search_ws_t *ws, uint32_t node, float d, uint32_t site)
{
    if (ws->field.dist_m[node] == INFINITY)
        ws->touched[ws->n_touched++] = node;
    ws->field.dist_m[node] = d;
    ws->field.site[node] = site;
    return gr_heap_push(&ws->heap, d, node);
}

/* Same acceptance rule as relax(), plus the bound: a node the base field
 * already reaches as soon is neither kept nor searched from. */
static int ws_relax(gr_search_ws_t *ws, uint32_t node, float d, uint32_t site)
{
    if (d > ws->field.cutoff_m || d >= ws->field.dist_m[node])
        return 0;
    if (ws->bound_m && node < ws->g->n_nodes && d >= ws->bound_m[node])
        return 0;
    return ws_set(ws, node, d, site);
}

static void ws_reset(gr_search_ws_t *ws)
{
    for (uint32_t k = 0; k < ws->n_touched; k++) {
        ws->field.dist_m[ws->touched[k]] = INFINITY;
        ws->field.site[ws->touched[k]] = GR_NONE;
    }
    ws->n_touched = 0;
    ws->heap.n = 0;
}

static int ws_copy_sources(gr_search_ws_t *ws, const gr_source_t *src, uint32_t n)
{
    if (n > ws->cap_src) {
        gr_source_t *a = realloc(ws->field.src, (size_t)n * sizeof *a);
        if (!a)
            return -1;
        ws->field.src = a;
        ws->cap_src = n;
    }
    if (n)
        memcpy(ws->field.src, src, (size_t)n * sizeof *src);
    ws->field.n_src = n;
    if (n)
        qsort(ws->field.src, n, sizeof *src, cmp_src_edge);
    return 0;
}

/* First overlay arc leaving node (arcs are sorted by from). */
static uint32_t first_arc(const gr_overlay_t *ov, uint32_t node)
{
    return lower_bound(ov->arcs, sizeof *ov->arcs, offsetof(gr_arc_t, from), ov->n_arcs, node);
}

static int ws_expand(gr_search_ws_t *ws, uint32_t node, float d)
{
    const gr_graph_t *g = ws->g;
    uint32_t site = ws->field.site[node];
    if (node < g->n_nodes)
        for (uint32_t k = g->adj_off[node]; k < g->adj_off[node + 1]; k++)
            if (ws_relax(ws, g->adj_node[k], d + g->adj_len_m[k], site))
                return -1;
    const gr_overlay_t *ov = ws->ov;
    for (uint32_t k = ov ? first_arc(ov, node) : 0; ov && k < ov->n_arcs && ov->arcs[k].from == node;
         k++)
        if (ws_relax(ws, ov->arcs[k].to, d + ov->arcs[k].len_m, site))
            return -1;
    return 0;
}

static int ws_seed(gr_search_ws_t *ws, const gr_bounded_query_t *q)
{
    const gr_graph_t *g = ws->g;
    for (uint32_t i = 0; i < ws->field.n_src; i++) {
        const gr_source_t *s = &ws->field.src[i];
        float len = g->edge_len_m[s->edge];
        if (ws_relax(ws, g->edge_u[s->edge], s->init_m + s->pos_m, q->site) ||
            ws_relax(ws, g->edge_v[s->edge], s->init_m + (len - s->pos_m), q->site))
            return -1;
    }
    for (uint32_t i = 0; i < q->n_seeds; i++) {
        const gr_seed_t *s = &q->seeds[i];
        if (s->node < ws->n_total && s->dist_m <= q->cutoff_m &&
            s->dist_m < ws->field.dist_m[s->node] && ws_set(ws, s->node, s->dist_m, q->site))
            return -1;
    }
    return 0;
}

int gr_search_bounded(gr_search_ws_t *ws, const gr_bounded_query_t *q, gr_error_t *err)
{
    ws_reset(ws);
    ws->field.cutoff_m = q->cutoff_m;
    ws->bound_m = q->bound_m;
    int rc = ws_copy_sources(ws, q->src, q->n_src);
    if (!rc)
        rc = ws_seed(ws, q);
    while (!rc && ws->heap.n > 0) {
        gr_heap_item_t it = gr_heap_pop(&ws->heap);
        if ((float)it.key <= ws->field.dist_m[it.id])
            rc = ws_expand(ws, it.id, (float)it.key);
    }
    if (rc)
        return gr_error_set(err, GR_ENOMEM, "out of memory in a bounded search");
    return 0;
}
