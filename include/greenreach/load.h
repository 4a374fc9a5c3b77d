/* load.h - reads the input layers through GDAL/OGR into one dataset in the
 * run's metric CRS.
 * Owns: every array and GEOS geometry in gr_dataset_t (freed together by
 * gr_dataset_free).
 * Needs: config (layer specs, field names), crs (reprojection), a GEOS
 * context supplied by the caller. */
#ifndef GR_LOAD_H
#define GR_LOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <geos_c.h>
#include "greenreach/config.h"
#include "greenreach/error.h"

#define GR_NONE UINT32_MAX

typedef struct {
    uint32_t n;
    GEOSGeometry **geom;   /* Polygon or MultiPolygon */
    char **code, **name, **nbhd;   /* nbhd[i] may be "" */
} gr_wards_t;

/* Path lines as flat coordinate arrays: line i has vertices
 * start[i] .. start[i+1]-1. */
typedef struct {
    uint32_t n_lines;
    uint32_t *start;
    double *x, *y;
} gr_lines_t;

typedef struct {
    uint32_t n;
    GEOSGeometry **geom;
    char **site_id, **function, **play_class;  /* function normalised */
    double *area_m2;
} gr_sites_t;

/* Surveyed entrances; site is an index into gr_sites_t or GR_NONE. */
typedef struct {
    uint32_t n;
    double *x, *y;
    uint32_t *site;
} gr_access_t;

/* Resident points (zones are taken at a point on their surface).
 * no_car_share is NaN where unknown. fid is the resident feature's (the
 * zone's, when a zone was spread over homes); home_fid the home feature the
 * point stands for, or -1. zone holds a zone's polygon in the run CRS when
 * a homes layer is configured (NULL for point residents; else NULL array):
 * the dasymetric stage consumes it. */
typedef struct {
    uint32_t n;
    double *x, *y;
    double *pop;
    float *no_car_share;
    int64_t *fid, *home_fid;
    GEOSGeometry **zone;
} gr_residents_t;

/* Homes (the where-people-live layer): points, or polygons at a point on
 * their surface, with a weight >= 0 (1 without a weight field). */
typedef struct {
    uint32_t n;
    double *x, *y, *weight;
    int64_t *fid;
} gr_homes_t;

/* What the loader skipped or repaired, for the run summary. */
typedef struct {
    uint32_t paths_unwalkable;     /* features dropped by highway class */
    uint32_t paths_empty;          /* null/empty geometries skipped */
    uint32_t sites_repaired;       /* invalid polygons made valid */
    uint32_t sites_empty;
    uint32_t access_unassigned;    /* entrances matched to no site */
    uint32_t residents_empty;
    uint32_t residents_zero_pop;   /* kept, weigh nothing */
    uint32_t wards_repaired;
    uint32_t zones_repaired;       /* invalid resident zones made valid */
    uint32_t homes_empty;          /* homes without geometry, skipped */
} gr_load_stats_t;

typedef struct {
    gr_wards_t wards;
    gr_lines_t paths;
    gr_sites_t sites;
    gr_access_t access;
    gr_residents_t residents;
    gr_homes_t homes;              /* n 0 without a homes layer */
    char crs_def[GR_PATH_MAX];     /* the run CRS as chosen or configured */
    bool is_candidates;            /* what-if sites: Points too, fields optional */
    gr_load_stats_t stats;
} gr_dataset_t;

/* Loads every configured layer. On failure *out is NULL and err names the
 * file, layer, feature and problem. The caller frees *out with
 * gr_dataset_free using the same GEOS context. */
int gr_load_dataset(const gr_config_t *cfg, GEOSContextHandle_t gh,
                    gr_dataset_t **out, gr_error_t *err);
void gr_dataset_free(gr_dataset_t *ds, GEOSContextHandle_t gh);

/* What-if inputs, read by the rules of the run's own layers into a
 * dataset of their own in the run CRS crs_def (is_candidates set):
 * candidate sites by the greenspaces rules, except that a Point is a site
 * too and the id and function fields are optional (a site without an id
 * is "#<fid>"); with access (may be NULL) their entrances by the access
 * point rules, matched to the candidates. Caller frees *out with
 * gr_dataset_free. */
int gr_load_candidates(const gr_config_t *cfg, const char *crs_def, const gr_layer_spec_t *sites,
                       const gr_layer_spec_t *access, GEOSContextHandle_t gh,
                       gr_dataset_t **out, gr_error_t *err);

/* New path lines by the paths rules (unwalkable classes dropped) into
 * (*out)->paths, in the run CRS crs_def. Caller frees with gr_dataset_free. */
int gr_load_new_paths(const gr_config_t *cfg, const char *crs_def, const gr_layer_spec_t *paths,
                      GEOSContextHandle_t gh, gr_dataset_t **out, gr_error_t *err);

/* Frees the residents' arrays and zone polygons and zeroes *r (the struct
 * itself is the caller's). */
void gr_residents_clear(gr_residents_t *r, GEOSContextHandle_t gh);

#endif
