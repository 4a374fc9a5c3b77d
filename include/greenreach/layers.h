/* layers.h - a run's GIS layers, written through GDAL/OGR:
 *   catchments  category, threshold, threshold_m, buffer_m, area_m2, parts,
 *               holes; MultiPolygon (empty when nothing is reached)
 *   wards       every ward-table column (wardtable.h); MultiPolygon
 *   residents   source_fid, home_fid, population, ward_code, snapped, snap_offset_m,
 *               per category <cat>_dist_m (NULL beyond reach), <cat>_site,
 *               <cat>_<label> served flags; Point
 *   unserved    one feature per category with sites and resident beyond
 *               its largest threshold: source_fid, category, threshold,
 *               population, ward_code, snapped, dist_m (NULL beyond reach);
 *               Point
 *   sites       site_id, function, play_class, area_m2, entry (how it is
 *               entered), per category <cat>_pop_<label>: residents whose
 *               nearest site of the category is this one, within the
 *               threshold (NULL when the site is not of the category);
 *               MultiPolygon
 * Formats: a GeoPackage <dir>/greenreach.gpkg (all layers, run CRS);
 * GeoJSON <dir>/geojson/<layer>.geojson (RFC 7946: WGS 84 lon/lat);
 * ESRI Shapefiles <dir>/shp/<layer>.shp (run CRS) with field names cut to
 * 10 characters (gr_layers_short_name) and the mapping in
 * <dir>/shp/fields.csv; PostGIS tables <schema>.<layer>, written in one
 * transaction that replaces the previous run's tables (OVERWRITE, which
 * drops views on them too) only when every layer is complete.
 * Files and folders are written under temporary names and swapped into
 * place when complete.
 * Geometries are read through a GEOS context of the layers' own, so the
 * layers can be written beside other work that uses the run's context.
 * Owns: nothing. Needs: pipeline, targets, catchments, wardtable, export
 * (atomic files), GDAL. */
#ifndef GR_LAYERS_H
#define GR_LAYERS_H

#include "greenreach/catchment.h"
#include "greenreach/error.h"
#include "greenreach/pipeline.h"
#include "greenreach/targets.h"

enum {
    GR_LAYER_CATCHMENTS = 1, GR_LAYER_WARDS = 2, GR_LAYER_RESIDENTS = 4,
    GR_LAYER_UNSERVED = 8, GR_LAYER_SITES = 16, GR_LAYER_ALL = 31
};

/* What the layers are made of; tg and cs may be NULL (no target columns;
 * no catchments layer nor catchment columns). */
typedef struct {
    const gr_run_t *run;
    const gr_targets_t *tg;
    const gr_catchments_t *cs;
} gr_layers_src_t;

/* Writes every layer in each format of `formats` (GR_FORMAT_* bits);
 * pg_conn ("PG:..." or a libpq string) and pg_schema are used by the
 * postgis format. Stops at the first failure, naming the format and layer;
 * formats already written stay written. */
int gr_layers_write(const gr_layers_src_t *src, unsigned formats, const char *dir,
                    const char *pg_conn, const char *pg_schema, gr_error_t *err);

/* Writes the layers in `layers` (GR_LAYER_* bits) into one GeoPackage
 * <dir>/<name>, atomically. */
int gr_layers_write_gpkg(const gr_layers_src_t *src, unsigned layers, const char *dir,
                         const char *name, gr_error_t *err);

/* A GeoPackage written in two goes, so layers that need no catchments go
 * in while the catchments are traced (another thread): begin writes
 * `layers` into a temporary file in dir; finish adds `layers` (now with
 * the catchments in src) and renames it to <dir>/<name>; abort removes it.
 * finish and abort free the job, also on failure (which removes the file). */
typedef struct gr_gpkg_job gr_gpkg_job_t;
int gr_layers_gpkg_begin(const gr_layers_src_t *src, unsigned layers, const char *dir,
                         const char *name, gr_gpkg_job_t **out, gr_error_t *err);
int gr_layers_gpkg_finish(gr_gpkg_job_t *job, const gr_layers_src_t *src, unsigned layers,
                          gr_error_t *err);
void gr_layers_gpkg_abort(gr_gpkg_job_t *job);

/* Shapefile field name (at most 10 characters) for `name`, unique
 * (case-insensitively) among the n_used names already given out for the
 * layer: the name itself when short enough; else with words shortened
 * (population pop, share shr, shortfall sf, within win, unsnapped uns,
 * catch c, offset off, source src, threshold thr, snapped snp, area ar,
 * dist d, and a number's unit min m) if that fits with its underscores;
 * else without underscores, the longest letters-only words cut a letter at
 * a time until it fits (words with digits stay whole). A clash is cut to 8
 * characters plus a two-digit counter. */
void gr_layers_short_name(const char *name, char (*used)[11], int n_used, char out[11]);

#endif
