/* wardindex.h - point-in-polygon assignment of points to wards with
 * prepared GEOS geometries behind a GEOS STRtree.
 * Owns: the prepared geometries and tree (gr_wardindex_free). Borrows the
 * ward geometries, which must outlive it. */
#ifndef GR_WARDINDEX_H
#define GR_WARDINDEX_H

#include <stdint.h>
#include <geos_c.h>
#include "greenreach/error.h"
#include "greenreach/load.h"

typedef struct gr_wardindex gr_wardindex_t;

int gr_wardindex_build(const gr_wards_t *wards, GEOSContextHandle_t gh,
                       gr_wardindex_t **out, gr_error_t *err);

/* The same over any n polygons (entries may be NULL: never located), e.g.
 * residents' zones. */
int gr_wardindex_build_geoms(GEOSGeometry *const *geom, uint32_t n, GEOSContextHandle_t gh,
                             gr_wardindex_t **out, gr_error_t *err);
void gr_wardindex_free(gr_wardindex_t *wi);

/* Index of the ward (polygon) containing (x, y) (on a shared boundary: the
 * lowest index), or GR_NONE when the point is in none. */
uint32_t gr_wardindex_locate(const gr_wardindex_t *wi, double x, double y);

#endif
