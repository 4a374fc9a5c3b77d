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

#endif
