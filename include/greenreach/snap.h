/* snap.h - puts resident points on the walking graph: the nearest point on
 * the nearest segment within a cap.
 * Owns: nothing; fills caller arrays. Needs: segindex. */
#ifndef GR_SNAP_H
#define GR_SNAP_H

#include <stdint.h>
#include "greenreach/segindex.h"

/* Snaps n points. out[i].edge is GR_NONE for points farther than max_m
 * from every edge. Returns how many were not snapped. */
uint32_t gr_snap_points(const gr_segindex_t *idx, const double *x,
                        const double *y, uint32_t n, double max_m,
                        gr_snap_t *out);

#endif
