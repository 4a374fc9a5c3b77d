/* contour.h - the band of width w around a set of straight segments (every
 * point within w of one of them), traced on a grid: its outline is where
 * the distance to the nearest segment crosses w.
 * The exact distance is computed at the vertices of a square grid of side
 * cell_m, one band of rows at a time, only near the segments; the outline
 * is traced by marching squares, each crossing placed by linear
 * interpolation along the cell side. Where the distance is smooth (beside a
 * segment, around an end) the outline is within about cell^2 / (8 w) of the
 * true one; at the inner corner where two bands meet it cuts at most half a
 * cell. Round ends and joins are true circles sampled about one point per
 * cell, not polygons with a fixed number of sides.
 * The work grows with the area near the segments, not with how many of
 * them overlap a point, and the grid is never held whole: one band of 128
 * rows at a time.
 * Owns nothing after return. Needs: a GEOS context for the result, zone
 * edges (zones.h) for areas per zone. */
#ifndef GR_CONTOUR_H
#define GR_CONTOUR_H

#include <stddef.h>
#include <geos_c.h>
#include "greenreach/error.h"
#include "greenreach/zones.h"

typedef struct {
    double ax, ay, bx, by;
} gr_seg_t;

/* The band of width w (> 0) around the n segments s, traced with cells of
 * cell_m (> 0), as a valid MultiPolygon in the segments' coordinates (empty
 * when n is 0) into *out, destroyed by the caller with GEOSGeom_destroy_r.
 * Holes (places farther than w from every segment but enclosed by the
 * band) and separate parts are kept. */
int gr_contour_band(GEOSContextHandle_t gh, const gr_seg_t *s, size_t n, double w, double cell_m,
                    GEOSGeometry **out, gr_error_t *err);

/* The same, and the band's area inside each zone into zone_area_m2[z] for
 * every zone z of zones (NULL: none). A cell counts to the zone holding
 * its centre: the part of the band inside it (exact for the traced
 * outline) when the outline crosses it, the whole cell otherwise. So each
 * zone's area is within about half a cell along its border of the exact
 * overlay, and the zones' areas add up to the band's. */
int gr_contour_band_zones(GEOSContextHandle_t gh, const gr_seg_t *s, size_t n, double w,
                          double cell_m, const gr_zones_t *zones, double *zone_area_m2,
                          GEOSGeometry **out, gr_error_t *err);

/* Nested bands in one pass: level k is the band around segments
 * s[0 .. lv[k].n_seg), n_seg never decreasing with k (a catchment's 15- and
 * 20-minute pieces: the second adds to the first). The distances of one
 * level are where the next starts, so the shared segments are measured
 * once. Each lv[k].out gets its MultiPolygon (empty without segments; the
 * caller destroys them), and lv[k].zone_area_m2 (NULL: none) its areas per
 * zone as for gr_contour_band_zones. On error no out is left. */
typedef struct {
    size_t n_seg;
    double *zone_area_m2;
    GEOSGeometry *out;
} gr_contour_level_t;

int gr_contour_levels(GEOSContextHandle_t gh, const gr_seg_t *s, double w, double cell_m,
                      const gr_zones_t *zones, gr_contour_level_t *lv, int n_lv, gr_error_t *err);

#endif
