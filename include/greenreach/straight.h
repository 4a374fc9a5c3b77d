/* straight.h - straight-line (Euclidean) distance from points to the
 * nearest site polygon of a category, 0 inside: the measure buffer-based
 * official figures use, offered so users can reconcile with them (the
 * gap is what such figures overstate). Sites go into a GEOS STRtree and
 * each point asks it for its nearest site, measured against prepared
 * geometries, so the cost grows with points × log(sites), never
 * points × sites.
 * Owns: nothing once a call returns. Needs: the loaded sites (load.h), a
 * category (config.h), a GEOS context supplied by the caller. */
#ifndef GR_STRAIGHT_H
#define GR_STRAIGHT_H

#include <stdint.h>
#include <geos_c.h>
#include "greenreach/config.h"
#include "greenreach/error.h"
#include "greenreach/load.h"

/* For each of the n points (x[i], y[i]), in the sites' CRS: dist_m[i] the
 * distance in metres to the nearest site of category cat (0 on or inside
 * it) and site[i] that site's index, or INFINITY and GR_NONE when it is
 * farther than cutoff_m or the category has no sites. Ties go to the site
 * the tree meets first. */
int gr_straight_distances(GEOSContextHandle_t gh, const gr_sites_t *sites,
                          const gr_category_t *cat, const double *x, const double *y,
                          uint32_t n, float cutoff_m, float *dist_m, uint32_t *site,
                          gr_error_t *err);

#endif
