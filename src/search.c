#include "greenreach/search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/load.h"

/* Binary min-heap with lazy deletion: a node may sit in the heap several
 * times; stale entries are skipped when popped. Cheaper than decrease-key
 * bookkeeping on sparse road graphs. */
typedef struct {
    float d;
    uint32_t node;
} heap_item_t;

typedef struct {
    heap_item_t *a;
    size_t n, cap;
} heap_t;

static int heap_push(heap_t *h, float d, uint32_t node)
{
    if (h->n == h->cap) {
        size_t c = h->cap ? 2 * h->cap : 1024;
        heap_item_t *a = realloc(h->a, c * sizeof *a);
        if (!a)
            return -1;
        h->a = a;
        h->cap = c;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->a[p].d <= d)
            break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = (heap_item_t){ d, node };
    return 0;
}

static heap_item_t heap_pop(heap_t *h)
{
    heap_item_t top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->a[c + 1].d < h->a[c].d)
            c++;
        if (h->a[c].d >= last.d)
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n > 0)
        h->a[i] = last;
    return top;
}

static int relax(gr_field_t *f, heap_t *h, uint32_t node, float d, uint32_t site)
{
    if (d > f->cutoff_m || d >= f->dist_m[node])
        return 0;
    f->dist_m[node] = d;
    f->site[node] = site;
    return heap_push(h, d, node);
}

static int cmp_src_edge(const void *a, const void *b)
{
    const gr_source_t *x = a, *y = b;
    if (x->edge != y->edge)
        return x->edge < y->edge ? -1 : 1;
    return (x->pos_m > y->pos_m) - (x->pos_m < y->pos_m);
}

static int seed(gr_field_t *f, heap_t *h)
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

static int run_dijkstra(gr_field_t *f, heap_t *h)
{
    const gr_graph_t *g = f->g;
    while (h->n > 0) {
        heap_item_t it = heap_pop(h);
        if (it.d > f->dist_m[it.node])
            continue;
        uint32_t site = f->site[it.node];
        for (uint32_t k = g->adj_off[it.node]; k < g->adj_off[it.node + 1]; k++)
            if (relax(f, h, g->adj_node[k], it.d + g->adj_len_m[k], site))
                return -1;
    }
    return 0;
}

int gr_search_multi_source(const gr_graph_t *g, const gr_source_t *src, uint32_t n_src,
                           float cutoff_m, gr_field_t **out, gr_error_t *err)
{
    *out = NULL;
    gr_field_t *f = calloc(1, sizeof *f);
    heap_t h = {0};
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
        memcpy(f->src, src, (size_t)n_src * sizeof *src);
        qsort(f->src, n_src, sizeof *f->src, cmp_src_edge);
        rc = seed(f, &h);
    }
    if (rc == 0)
        rc = run_dijkstra(f, &h);
    free(h.a);
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

/* First source on edge, by binary search over the edge-sorted sources. */
static uint32_t first_src_on_edge(const gr_field_t *f, uint32_t edge)
{
    uint32_t lo = 0, hi = f->n_src;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->src[mid].edge < edge)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
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
