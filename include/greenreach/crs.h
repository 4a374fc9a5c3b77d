/* crs.h - the run's one metric CRS and transformations into it (PROJ).
 * Owns: a PJ_CONTEXT and the target CRS definition (gr_crs_t), and one
 * PJ transformation per source CRS (gr_transform_t).
 * Needs: PROJ; GEOS only to transform geometries in place. */
#ifndef GR_CRS_H
#define GR_CRS_H

#include <stdbool.h>
#include <stddef.h>
#include <geos_c.h>
#include "greenreach/error.h"

typedef struct gr_crs gr_crs_t;
typedef struct gr_transform gr_transform_t;

/* Describes a layer's CRS for choosing the run's CRS. */
typedef struct {
    bool is_projected_metric;   /* projected with metre units */
    double lon, lat;            /* a point of the data in lon/lat degrees */
} gr_crs_probe_t;

/* Picks the target CRS for data described by probe: the data's own when it
 * is projected in metres (source_def is then copied), British National Grid
 * for geographic data in Great Britain, otherwise the WGS 84 UTM zone of
 * probe's point. Writes a definition PROJ accepts into out (size n). */
void gr_crs_choose(const gr_crs_probe_t *probe, const char *source_def,
                   char *out, size_t n);

/* Creates the run CRS from a definition ("EPSG:27700", WKT, PROJ string).
 * The caller frees *out with gr_crs_free. */
int gr_crs_new(const char *def, gr_crs_t **out, gr_error_t *err);
void gr_crs_free(gr_crs_t *crs);

/* The target definition as WKT (owned by crs, valid until gr_crs_free). */
const char *gr_crs_wkt(const gr_crs_t *crs);

/* True when the CRS is projected with metre units. */
bool gr_crs_is_metric(const gr_crs_t *crs);

/* A transformation from src_def (WKT or "EPSG:n", x = easting/longitude
 * order) into the run CRS. It uses crs's PROJ context, so the caller frees
 * *out with gr_transform_free before gr_crs_free(crs). */
int gr_transform_new(gr_crs_t *crs, const char *src_def,
                     gr_transform_t **out, gr_error_t *err);
void gr_transform_free(gr_transform_t *tr);

/* Transforms n coordinates in place. Fails if any result is not finite. */
int gr_transform_xy(gr_transform_t *tr, double *x, double *y, size_t n,
                    gr_error_t *err);

/* Returns a transformed copy of g (caller destroys it), NULL on failure. */
GEOSGeometry *gr_transform_geom(gr_transform_t *tr, GEOSContextHandle_t gh,
                                const GEOSGeometry *g);

#endif
