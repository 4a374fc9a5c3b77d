/* dasymetric.h - spreads residents given as zones (Census LSOA or OA
 * counts) over the homes inside them: the standard dasymetric method. Each
 * zone's population goes to its homes in proportion to their weight
 * (dwellings, floor area; equal when all weigh 1) and every home inherits
 * the zone's no_car_share. A zone with no home (of positive weight) inside
 * stays at its point on surface; homes in no zone are ignored; both are
 * counted.
 * Owns: nothing beyond the residents it returns.
 * Needs: the loader's residents (zone polygons in the run CRS) and homes;
 * the polygon index of wardindex to find each home's zone. */
#ifndef GR_DASYMETRIC_H
#define GR_DASYMETRIC_H

#include <stdint.h>
#include <geos_c.h>
#include "greenreach/error.h"
#include "greenreach/load.h"

typedef struct {
    uint32_t zones;              /* residents given as polygons */
    uint32_t zones_spread;       /* spread over their homes */
    uint32_t zones_without_homes;  /* kept at their point on surface */
    double pop_without_homes;    /* the people of those zones */
    uint32_t homes;              /* homes read */
    uint32_t homes_in_zones;     /* inside a zone (the rest are ignored) */
    uint32_t homes_peopled;      /* given at least one resident (or a
                                    share of one, for fractional counts) */
    double max_home_pop;         /* the most people given one home: a
                                    zone whose homes are badly mapped
                                    shows here (e.g. 1,402 in one) */
    int64_t max_home_zone_fid;   /* the zone of that home; -1: none */
} gr_dasymetric_stats_t;

/* Writes into *out the residents of `in` with every zone spread over the
 * homes inside it (a home on a boundary shared by zones belongs to the
 * first of them). Point residents are copied as they are. Resident order:
 * as in `in`, a zone's homes in the homes' order; homes given no one are
 * left out. A zone whose population is a whole number gives whole numbers
 * that sum to it exactly (cumulative rounding: each home's count is within
 * one of its exact share); other populations are split in proportion.
 * out->fid is the zone's fid, out->home_fid the home's (-1 at a zone's
 * point on surface or for a point resident); out->zone is NULL.
 * The caller frees *out with gr_residents_clear. */
int gr_dasymetric_spread(const gr_residents_t *in, const gr_homes_t *homes,
                         GEOSContextHandle_t gh, gr_residents_t *out,
                         gr_dasymetric_stats_t *st, gr_error_t *err);

#endif
