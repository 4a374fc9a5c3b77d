/* segindex.h - a uniform-grid spatial index over straight segments (the
 * graph's edges, or raw segments while the graph is being noded), for
 * nearest-segment snapping and box queries.
 * Owns: its cell arrays (gr_segindex_free). Borrows the coordinate and
 * segment arrays, which must outlive it. */
#ifndef GR_SEGINDEX_H
#define GR_SEGINDEX_H

#include <stdbool.h>
#include <stdint.h>
#include "greenreach/error.h"
#include "greenreach/graph.h"

typedef struct gr_segindex gr_segindex_t;

/* A point on an edge: pos_m from edge_u along the edge, offset_m the
 * straight distance from the query point to that point. */
typedef struct {
    uint32_t edge;
    float pos_m;
    float offset_m;
} gr_snap_t;

/* Indexes n_seg segments from node seg_a[i] to node seg_b[i], with node
 * coordinates x[], y[]. cell_m <= 0 picks a cell size from the data. */
int gr_segindex_build_raw(const double *x, const double *y,
                          const uint32_t *seg_a, const uint32_t *seg_b,
                          uint32_t n_seg, double cell_m,
                          gr_segindex_t **out, gr_error_t *err);

/* Indexes the graph's edges. */
int gr_segindex_build(const gr_graph_t *g, double cell_m,
                      gr_segindex_t **out, gr_error_t *err);
void gr_segindex_free(gr_segindex_t *idx);

/* Nearest point on any edge to (x, y) within max_m. Returns false (and
 * leaves *out alone) when no edge is that close. Ties go to the lower edge
 * id so results are reproducible. */
bool gr_segindex_nearest(const gr_segindex_t *idx, double x, double y,
                         double max_m, gr_snap_t *out);

/* Calls fn(edge, ctx) once for every segment whose bounding box meets the
 * box (and possibly for a few near it). */
typedef void (*gr_edge_fn)(uint32_t edge, void *ctx);
void gr_segindex_query(const gr_segindex_t *idx, double minx, double miny,
                       double maxx, double maxy, gr_edge_fn fn, void *ctx);

/* Projection of (px, py) onto segment a-b: parameter t in [0, 1] and the
 * squared distance to the projected point. */
double gr_project_segment(double ax, double ay, double bx, double by,
                          double px, double py, double *t);

#endif
