/* graph.h - the walking graph: path lines noded into a compact
 * CSR (compressed sparse row) graph whose edges are straight segments.
 * Owns: all node, edge and adjacency arrays (gr_graph_free).
 * Needs: path lines as flat arrays (load.h's gr_lines_t); nothing else.
 *
 * Noding rules: vertices with identical coordinates become one node (lines
 * sharing a vertex are joined); a line's end vertex within join_tol_m of
 * another vertex is joined to it, and a dangling end within join_tol_m of
 * another segment's interior splits that segment there (small digitising
 * gaps; the end's own line leading up to it does not count); lines that
 * merely cross without a shared vertex stay apart (bridges, tunnels). */
#ifndef GR_GRAPH_H
#define GR_GRAPH_H

#include <stdint.h>
#include "greenreach/error.h"
#include "greenreach/load.h"

typedef struct {
    uint32_t lines_in;
    uint32_t vertices_in;
    uint32_t ends_joined;        /* end vertices merged within tolerance */
    uint32_t ends_split;         /* ends joined onto a segment interior */
    uint32_t zero_segments;      /* segments collapsed to one node */
    uint32_t components;         /* connected components (islands) */
    uint32_t largest_component;  /* nodes in the largest one */
} gr_graph_stats_t;

typedef struct {
    uint32_t n_nodes, n_edges;
    double *x, *y;               /* node coordinates, metres */
    uint32_t *edge_u, *edge_v;   /* edge end nodes */
    float *edge_len_m;
    /* CSR: node i's incident edges are adj_off[i] .. adj_off[i+1]-1 */
    uint32_t *adj_off;
    uint32_t *adj_node;          /* the node across the edge */
    uint32_t *adj_edge;
    float *adj_len_m;            /* copy of the edge length, for locality */
    uint32_t *component;         /* component id per node */
    gr_graph_stats_t stats;
} gr_graph_t;

/* Builds the graph from lines. The caller frees *out with gr_graph_free. */
int gr_graph_build(const gr_lines_t *lines, double join_tol_m,
                   gr_graph_t **out, gr_error_t *err);
void gr_graph_free(gr_graph_t *g);

#endif
