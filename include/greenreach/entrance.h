/* entrance.h - where walkers enter each site, as points on graph edges.
 * Sites with surveyed access points are entered there (snapped, with the
 * straight offset added). Otherwise a site is entered where paths cross or
 * touch its boundary and at path vertices inside it; a site no path enters
 * gets one entrance at the nearest path point within the snap cap; a site
 * given as a point (a what-if candidate) is entered where it snaps, as an
 * access point is; a site with none of these is unreached and reported.
 * Owns: the source array and per-site counts (gr_entrances_free).
 * Needs: dataset (sites, access points), graph, segindex, GEOS. */
#ifndef GR_ENTRANCE_H
#define GR_ENTRANCE_H

#include <stdint.h>
#include <geos_c.h>
#include "greenreach/load.h"
#include "greenreach/graph.h"
#include "greenreach/segindex.h"

/* A search source: a point on an edge, reached after init_m metres (the
 * straight walk from the path to a gate set back from it). */
typedef struct {
    uint32_t edge;
    float pos_m;
    float init_m;
    uint32_t site;
} gr_source_t;

typedef enum {
    GR_ENTRY_ACCESS_POINT = 0,   /* surveyed entrances */
    GR_ENTRY_CROSSING,           /* paths cross, touch or run inside */
    GR_ENTRY_NEAREST_PATH,       /* no path meets it: nearest one */
    GR_ENTRY_NONE                /* unreached */
} gr_entry_kind_t;

typedef struct {
    uint32_t n;
    gr_source_t *src;           /* sorted by site */
    uint32_t n_sites;
    uint32_t *site_first;       /* site i's sources: [first[i], first[i+1]) */
    uint8_t *site_kind;         /* gr_entry_kind_t per site */
    uint32_t access_unsnapped;  /* access points beyond the snap cap */
} gr_entrances_t;

int gr_entrances_build(const gr_dataset_t *ds, const gr_graph_t *g,
                       const gr_segindex_t *idx, GEOSContextHandle_t gh,
                       double snap_max_m, gr_entrances_t **out,
                       gr_error_t *err);
void gr_entrances_free(gr_entrances_t *e);

/* One site given on its own (a what-if candidate): a Polygon or
 * MultiPolygon, or a Point, with optional surveyed entrances. */
typedef struct {
    const GEOSGeometry *geom;
    const double *access_x, *access_y;
    uint32_t n_access;
    uint32_t site;              /* written into every source */
} gr_site_geom_t;

/* The entrances of one site by the rules gr_entrances_build applies to a
 * dataset site: snapped access points when any snap; else, for a polygon,
 * boundary crossings and inside path vertices, or the nearest path point
 * within snap_max_m; for a point, the point snapped to the nearest path
 * within snap_max_m (the offset becomes init_m). snap_max_m 0 finds
 * crossings only. *out (caller frees; NULL when none) receives *n_out
 * sources, *kind how they were found (GR_ENTRY_NONE: no path reaches). */
int gr_entrances_for_geom(const gr_graph_t *g, const gr_segindex_t *idx,
                          GEOSContextHandle_t gh, const gr_site_geom_t *site,
                          double snap_max_m, gr_source_t **out, uint32_t *n_out,
                          gr_entry_kind_t *kind, gr_error_t *err);

#endif
