/* islands.h - residents cut off on path islands: snapped to a connected
 * component of the walking graph (gr_graph_t.component) that holds no
 * entrance of a site category, so no distance, however long, reaches them.
 * The run summary reports them apart from residents who are merely beyond
 * the thresholds, because the fix differs (a missing path link, not a
 * missing park).
 * Owns nothing. Needs the graph's component labels, a category's sources
 * (gr_field_t.src of its search) and the residents' snaps. */
#ifndef GR_ISLANDS_H
#define GR_ISLANDS_H

#include <stdint.h>
#include "greenreach/entrance.h"
#include "greenreach/error.h"
#include "greenreach/graph.h"
#include "greenreach/segindex.h"

typedef struct {
    uint32_t residents;    /* snapped residents on islands without an entrance */
    double population;     /* their population (0 when pop was NULL) */
    uint32_t islands;      /* islands holding at least one of them */
} gr_islands_cut_off_t;

/* Counts the residents whose snapped edge (snap[i].edge; GR_NONE, i.e.
 * unsnapped, is not counted here) lies in a component holding none of the
 * n_src sources. pop (per resident) may be NULL. Fails only when out of
 * memory. */
int gr_islands_cut_off(const gr_graph_t *g, const gr_source_t *src, uint32_t n_src,
                       const gr_snap_t *snap, const double *pop, uint32_t n,
                       gr_islands_cut_off_t *out, gr_error_t *err);

#endif
