/* export.h - writes a run's results: ward_coverage.csv and the residents
 * layer (GeoPackage), each to a temporary name in the output folder and
 * renamed into place only when complete, so a failed run leaves earlier
 * outputs untouched.
 * Owns: nothing. Needs: pipeline results, GDAL for the layer. */
#ifndef GR_EXPORT_H
#define GR_EXPORT_H

#include "greenreach/error.h"
#include "greenreach/pipeline.h"

/* Writes <dir>/ward_coverage.csv: one row per ward, then a total row
 * (ward_code "TOTAL"). Columns: ward_code, ward_name, nbhd, population,
 * pop_unsnapped, then per category and threshold <cat>_pop_<m>min and
 * <cat>_share_<m>min (share 0..1, 4 decimals). */
int gr_export_ward_csv(const gr_run_t *run, const char *dir, gr_error_t *err);

/* Writes <dir>/residents.gpkg, layer "residents": the point, population,
 * ward_code, snapped flag, snap offset and per category <cat>_dist_m
 * (NULL when beyond reach), <cat>_site and <cat>_<m>min served flags. */
int gr_export_residents(const gr_run_t *run, const char *dir,
                        gr_error_t *err);

/* Writes <dir>/run_summary.txt: inputs (paths, sizes, dates), CRS, speed,
 * snap cap, thresholds, version, counts of everything skipped, phase times. */
int gr_export_summary(const gr_run_t *run, const char *dir, gr_error_t *err);

/* Creates dir (and parents) if missing and checks it is writable. */
int gr_export_prepare_dir(const char *dir, gr_error_t *err);

#endif
