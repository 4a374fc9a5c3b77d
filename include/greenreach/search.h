/* search.h - multi-source shortest paths over the walking graph.
 * One Dijkstra from every source of a site category at once, cut off at a
 * distance, gives each node its distance to the nearest site and that
 * site. Points on edges (residents) are then read off the field.
 * Owns: the distance field arrays and a copy of the sources sorted by edge
 * (gr_field_free). Borrows the graph, which must outlive the field. */
#ifndef GR_SEARCH_H
#define GR_SEARCH_H

#include <stdint.h>
#include "greenreach/error.h"
#include "greenreach/graph.h"
#include "greenreach/entrance.h"

typedef struct {
    const gr_graph_t *g;
    float cutoff_m;
    float *dist_m;        /* per node; INFINITY when beyond the cut-off */
    uint32_t *site;       /* per node; nearest source's site or GR_NONE */
    uint32_t n_src;
    gr_source_t *src;     /* the sources, sorted by edge */
} gr_field_t;

/* Runs the search from n_src sources. The caller frees *out with
 * gr_field_free. */
int gr_search_multi_source(const gr_graph_t *g, const gr_source_t *src,
                           uint32_t n_src, float cutoff_m, gr_field_t **out,
                           gr_error_t *err);
void gr_field_free(gr_field_t *f);

/* Network distance from the point pos_m along edge to the nearest source,
 * through either end of the edge or directly along it to a source on the
 * same edge. INFINITY when more than the cut-off. *site (if not NULL)
 * receives the site reached, GR_NONE when none. */
float gr_field_point_dist(const gr_field_t *f, uint32_t edge, float pos_m,
                          uint32_t *site);

/* ---- bounded searches from a few sources, for what-if questions ----
 * A workspace sized to the graph (plus any overlay nodes) is allocated
 * once; each search records the nodes it reaches in a touched list and
 * resets only those next time, so one search costs time in proportion to
 * the area it reaches, not to the graph. */

/* Extra directed arcs beyond the graph (new path links). Nodes numbered
 * g->n_nodes .. g->n_nodes + n_nodes - 1 exist only in the overlay; arcs
 * are sorted by `from` and each undirected link is listed both ways. */
typedef struct {
    uint32_t from, to;
    float len_m;
} gr_arc_t;

typedef struct {
    uint32_t n_nodes;
    uint32_t n_arcs;
    const gr_arc_t *arcs;
} gr_overlay_t;

/* A node with a known distance to start from. */
typedef struct {
    uint32_t node;
    float dist_m;
} gr_seed_t;

/* One bounded search: sources on graph edges (seeded exactly as
 * gr_search_multi_source seeds them) and/or seed nodes, cut off at
 * cutoff_m. With bound_m (per graph node, e.g. a base field's distances),
 * a node keeps a distance only when it is below bound_m[node], and the
 * search does not go on from nodes it cannot improve; seeds are kept as
 * given. Every node kept gets `site`. */
typedef struct {
    const gr_source_t *src;
    uint32_t n_src;
    const gr_seed_t *seeds;
    uint32_t n_seeds;
    const float *bound_m;
    float cutoff_m;
    uint32_t site;
} gr_bounded_query_t;

typedef struct gr_search_ws gr_search_ws_t;

/* A workspace for searches over g and, when ov is not NULL, its overlay
 * (borrowed; both must outlive the workspace). The caller frees *out with
 * gr_search_ws_free. */
int gr_search_ws_new(const gr_graph_t *g, const gr_overlay_t *ov, gr_search_ws_t **out,
                     gr_error_t *err);
void gr_search_ws_free(gr_search_ws_t *ws);

/* Runs one bounded search, discarding the previous one's results. */
int gr_search_bounded(gr_search_ws_t *ws, const gr_bounded_query_t *q, gr_error_t *err);

/* The last search as a field: dist_m and site are INFINITY / GR_NONE
 * except at touched nodes; src holds the query's sources sorted by edge,
 * so gr_field_point_dist works on it unchanged. dist_m is indexed over
 * graph and overlay nodes. Valid until the next search. */
const gr_field_t *gr_search_ws_field(const gr_search_ws_t *ws);

/* The nodes the last search gave a distance, in the order reached;
 * *n receives their number. */
const uint32_t *gr_search_ws_touched(const gr_search_ws_t *ws, uint32_t *n);

#endif
