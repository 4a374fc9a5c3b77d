/* catchment.h - walking catchment polygons: the parts of the graph reached
 * within a threshold (whole edges, and partial edges cut at the exact
 * point) widened by a band width, plus each catchment's area inside every
 * ward. The band is traced on a grid (contour.h, the default: its work
 * grows with the area covered) or made as the GEOS union of round-capped
 * buffers of the reached paths (exact polygon arcs; the union's work grows
 * with how much the buffers overlap, minutes on a city).
 * Polygons are for display: the authoritative answer stays each resident's
 * network distance. Unreached blocks inside a catchment stay holes and
 * separate islands stay separate polygons, because the polygon is the union
 * of buffered reached paths, never a hull.
 * Buffers use round caps and joins with GR_CATCHMENT_QUAD_SEGS segments per
 * quarter circle, so a lone reached segment of length L gives
 * L * 2w + (a 4*QUAD_SEGS-gon of radius w).
 * Owns: the polygons and per-ward areas (gr_catchments_free).
 * Needs: the graph and the distance fields (search.h), ward geometries
 * (load.h), a GEOS context supplied by the caller. */
#ifndef GR_CATCHMENT_H
#define GR_CATCHMENT_H

#include <stdint.h>
#include <geos_c.h>
#include "greenreach/error.h"
#include "greenreach/load.h"
#include "greenreach/pipeline.h"
#include "greenreach/search.h"
#include "greenreach/zones.h"

#define GR_CATCHMENT_BUFFER_M 50.0  /* the usual service-area allowance */
#define GR_CATCHMENT_QUAD_SEGS 8

/* How the polygons are drawn: band width (> 0), method and grid cell. */
typedef struct {
    double buffer_m;
    gr_catchment_method_t method;
    double cell_m;
} gr_catchment_opts_t;

/* The catchment of field f (its graph, its sources) within thr_m metres,
 * each reached piece widened by opt->buffer_m. *out is a valid
 * MultiPolygon in the graph's CRS, empty when nothing is reached; the
 * caller destroys it with GEOSGeom_destroy_r. thr_m beyond the field's
 * cut-off is treated as the cut-off (nodes farther are unknown). */
int gr_catchment_build(GEOSContextHandle_t gh, const gr_field_t *f, double thr_m,
                       const gr_catchment_opts_t *opt, GEOSGeometry **out, gr_error_t *err);

/* Area of poly inside each of the n wards, into area_m2[n]. Envelopes are
 * compared first and wards wholly inside or outside skip the overlay. */
int gr_catchment_ward_areas(GEOSContextHandle_t gh, const GEOSGeometry *poly,
                            const gr_wards_t *wards, double *area_m2, gr_error_t *err);

/* One catchment per (category, threshold) of a run. */
typedef struct {
    int cat, thr;                /* indexes into run->cats and cat->thr_m */
    double thr_m;
    GEOSGeometry *geom;          /* MultiPolygon, run CRS */
    double area_m2;
    double *ward_area_m2;        /* [n_wards]: area inside each ward */
} gr_catchment_t;

typedef struct {
    GEOSContextHandle_t gh;      /* borrowed from the run, for freeing */
    gr_catchment_opts_t opt;     /* how the polygons were drawn */
    uint32_t n_wards;
    double *ward_area_m2;        /* [n_wards]: each ward's own area */
    gr_zones_t *zones;           /* the wards as zone edges (grid method) */
    int n;
    gr_catchment_t *c;           /* category-major, thresholds in order */
    double build_s;              /* wall time spent building polygons */
} gr_catchments_t;

/* Builds every category's catchment at every threshold of a computed run,
 * with its per-ward areas. The caller frees *out with gr_catchments_free
 * before gr_run_free (the polygons belong to the run's GEOS context). */
int gr_catchments_build(const gr_run_t *run, const gr_catchment_opts_t *opt,
                        gr_catchments_t **out, gr_error_t *err);
void gr_catchments_free(gr_catchments_t *cs);

/* Catchment for category c, threshold t, or NULL. */
const gr_catchment_t *gr_catchments_get(const gr_catchments_t *cs, int c, int t);

#endif
