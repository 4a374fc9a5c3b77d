/* fuzz_graph.c - the network stages on arbitrary line work: gr_graph_build
 * (noding, gap joining, CSR, islands), gr_segindex nearest-segment queries
 * and gr_search_multi_source with gr_field_point_dist.
 * Input: a header (join tolerance, coordinate scale, snap cap), then lines
 * (a vertex count and int16 pairs), then query points and sources.
 * Coordinates stay finite and within +-3.3e7 m: the loader's contract.
 * Oracles: the CSR lists every edge twice with its length; the index finds
 * the same nearest distance as a scan of every edge; the search agrees
 * with Bellman-Ford relaxation on the same sources. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/graph.h"
#include "greenreach/search.h"
#include "greenreach/segindex.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

typedef struct {
    const uint8_t *p;
    size_t n;
} rd_t;

static unsigned rd_u8(rd_t *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

static int rd_i16(rd_t *r)
{
    unsigned lo = rd_u8(r), hi = rd_u8(r);
    return (int16_t)(uint16_t)(lo | hi << 8);
}

static const double scales[] = { 0.001, 0.25, 1.0, 10.0, 1000.0 };
static const double tols[] = { 0.0, 0.5, 1.0, 5.0 };

static gr_lines_t read_lines(rd_t *r, double scale)
{
    uint32_t n_lines = rd_u8(r) % 24;
    gr_lines_t L = { 0, malloc((n_lines + 1) * sizeof(uint32_t)), NULL, NULL };
    L.x = malloc(24 * 16 * sizeof(double) + 1);
    L.y = malloc(24 * 16 * sizeof(double) + 1);
    L.start[0] = 0;
    for (uint32_t i = 0; i < n_lines && r->n > 0; i++) {
        uint32_t nv = 2 + rd_u8(r) % 15, base = L.start[i];
        for (uint32_t k = 0; k < nv; k++) {
            L.x[base + k] = 400000.0 + rd_i16(r) * scale;
            L.y[base + k] = 300000.0 + rd_i16(r) * scale;
        }
        L.start[i + 1] = base + nv;
        L.n_lines++;
    }
    return L;
}

static void check_csr(const gr_graph_t *g)
{
    CHECK(g->adj_off[0] == 0 && g->adj_off[g->n_nodes] == 2 * g->n_edges);
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        CHECK(g->adj_off[i] <= g->adj_off[i + 1]);
        CHECK(isfinite(g->x[i]) && isfinite(g->y[i]));
        for (uint32_t k = g->adj_off[i]; k < g->adj_off[i + 1]; k++) {
            uint32_t e = g->adj_edge[k];
            CHECK(e < g->n_edges && g->adj_node[k] < g->n_nodes);
            CHECK(g->component[g->adj_node[k]] == g->component[i]);
            CHECK(g->adj_len_m[k] == g->edge_len_m[e]);
        }
    }
    for (uint32_t e = 0; e < g->n_edges; e++) {
        uint32_t u = g->edge_u[e], v = g->edge_v[e];
        CHECK(u != v && u < g->n_nodes && v < g->n_nodes);
        CHECK(g->edge_len_m[e] == (float)hypot(g->x[v] - g->x[u], g->y[v] - g->y[u]));
    }
    CHECK(g->n_nodes == 0 || (g->stats.components >= 1 &&
                              g->stats.largest_component <= g->n_nodes));
}

/* Nearest distance by scanning every edge, within max_m. */
static double brute_nearest(const gr_graph_t *g, double px, double py, double max_m)
{
    double best = INFINITY;
    for (uint32_t e = 0; e < g->n_edges; e++) {
        double t, d2 = gr_project_segment(g->x[g->edge_u[e]], g->y[g->edge_u[e]],
                                          g->x[g->edge_v[e]], g->y[g->edge_v[e]], px, py, &t);
        if (d2 <= max_m * max_m && sqrt(d2) < best)
            best = sqrt(d2);
    }
    return best;
}

static void check_snaps(rd_t *r, const gr_graph_t *g, const gr_segindex_t *idx, double scale,
                        double max_m)
{
    for (int q = 0; q < 8 && r->n > 0; q++) {
        double px = 400000.0 + rd_i16(r) * scale, py = 300000.0 + rd_i16(r) * scale;
        gr_snap_t s;
        double want = brute_nearest(g, px, py, max_m);
        bool hit = gr_segindex_nearest(idx, px, py, max_m, &s);
        CHECK(hit == isfinite(want));
        if (!hit)
            continue;
        CHECK(s.edge < g->n_edges);
        CHECK(fabs(s.offset_m - want) <= 1e-3 + 1e-6 * want);
        CHECK(s.pos_m >= 0.0f && s.pos_m <= g->edge_len_m[s.edge] * 1.0001f + 1e-3f);
    }
}

/* Bellman-Ford over the same seeds: the reference the search must match. */
static void check_search(const gr_graph_t *g, const gr_source_t *src, uint32_t n_src,
                         float cutoff, const gr_field_t *f)
{
    double *d = malloc((g->n_nodes + 1) * sizeof *d);
    for (uint32_t i = 0; i < g->n_nodes; i++)
        d[i] = INFINITY;
    for (uint32_t i = 0; i < n_src; i++) {
        const gr_source_t *s = &src[i];
        double du = (double)s->init_m + s->pos_m;
        double dv = (double)s->init_m + (g->edge_len_m[s->edge] - s->pos_m);
        d[g->edge_u[s->edge]] = fmin(d[g->edge_u[s->edge]], du);
        d[g->edge_v[s->edge]] = fmin(d[g->edge_v[s->edge]], dv);
    }
    for (uint32_t it = 0; it < g->n_nodes; it++)
        for (uint32_t e = 0; e < g->n_edges; e++) {
            uint32_t u = g->edge_u[e], v = g->edge_v[e];
            d[v] = fmin(d[v], d[u] + g->edge_len_m[e]);
            d[u] = fmin(d[u], d[v] + g->edge_len_m[e]);
        }
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        float got = f->dist_m[i];
        /* float sums: allow a relative 1e-4 and a little absolute slack */
        double tol = 1e-4 * fmax(d[i], 1.0) + 1e-2;
        if (d[i] <= cutoff - tol)
            CHECK(fabs(got - d[i]) <= tol);
        else if (d[i] > cutoff + tol)
            CHECK(isinf(got));
        CHECK(isinf(got) == (f->site[i] == GR_NONE));
    }
    free(d);
}

static void run_search(rd_t *r, const gr_graph_t *g)
{
    if (g->n_edges == 0)
        return;
    uint32_t n_src = rd_u8(r) % 6;
    gr_source_t src[6];
    for (uint32_t i = 0; i < n_src; i++) {
        uint32_t e = rd_u8(r) % g->n_edges;
        float frac = (float)rd_u8(r) / 255.0f;
        src[i] = (gr_source_t){ e, frac * g->edge_len_m[e], (float)(rd_u8(r) % 50), i % 3 };
    }
    float cutoff = 1.0f + (float)(rd_u8(r) * rd_u8(r));
    gr_field_t *f = NULL;
    gr_error_t err;
    CHECK(gr_search_multi_source(g, src, n_src, cutoff, &f, &err) == 0);
    check_search(g, src, n_src, cutoff, f);
    for (int q = 0; q < 4; q++) {
        uint32_t e = rd_u8(r) % g->n_edges, site;
        float d = gr_field_point_dist(f, e, g->edge_len_m[e] * (float)rd_u8(r) / 255.0f, &site);
        CHECK((isinf(d) && site == GR_NONE) || (d >= 0.0f && d <= cutoff && site < 3));
    }
    gr_field_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rd_t r = { data, size };
    unsigned h = rd_u8(&r);
    double tol = tols[h % 4], scale = scales[(h / 4) % 5];
    double max_m = 1.0 + rd_u8(&r) * 2.0;
    gr_lines_t L = read_lines(&r, scale);
    gr_graph_t *g = NULL;
    gr_segindex_t *idx = NULL;
    gr_error_t err;
    CHECK(gr_graph_build(&L, tol, &g, &err) == 0);
    check_csr(g);
    CHECK(gr_segindex_build(g, 0.0, &idx, &err) == 0);
    check_snaps(&r, g, idx, scale, max_m);
    run_search(&r, g);
    gr_segindex_free(idx);
    gr_graph_free(g);
    free(L.start);
    free(L.x);
    free(L.y);
    return 0;
}
