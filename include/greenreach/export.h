/* export.h - writes a run's tables: ward_coverage.csv, nbhd_coverage.csv
 * and run_summary.txt (the GIS layers are layers.h's), each to a temporary
 * name in the output folder and renamed into place only when complete, so
 * a failed run leaves earlier outputs untouched.
 * Owns: nothing. Needs: pipeline results, the ward table. */
#ifndef GR_EXPORT_H
#define GR_EXPORT_H

#include <stdio.h>
#include "greenreach/error.h"
#include "greenreach/pipeline.h"
#include "greenreach/targets.h"
#include "greenreach/wardtable.h"

/* Writes <dir>/ward_coverage.csv: one row per ward, then a total row
 * (ward_code "TOTAL"). Columns: ward_code, ward_name, nbhd, population,
 * pop_unsnapped, then per category and threshold <cat>_pop_<label> and
 * <cat>_share_<label> (share 0..1, 6 decimals), then per target (when
 * targets is not NULL) its measures and verdict: coverage targets
 * <id>_pop, <id>_within, <id>_share, <id>_shortfall, <id>; presence
 * targets <id>_sites, <id>_area_m2, <id>_shortfall, <id>; then, when cs is
 * not NULL, the ward's area and the catchment areas inside it (see
 * wardtable.h, which defines the columns). */
int gr_export_ward_csv(const gr_run_t *run, const gr_targets_t *targets,
                       const gr_catchments_t *cs, const char *dir, gr_error_t *err);

/* Writes <dir>/nbhd_coverage.csv: one row per neighbourhood and an
 * area-wide row ("ALL"), with the same target columns. */
int gr_export_nbhd_csv(const gr_run_t *run, const gr_targets_t *targets,
                       const char *dir, gr_error_t *err);

/* Writes <dir>/run_summary.txt: inputs (paths, sizes, dates), CRS, speed,
 * snap cap, thresholds, version, counts of everything skipped, phase times. */
int gr_export_summary(const gr_run_t *run, const char *dir, gr_error_t *err);

/* The temporary path of output <name> in dir: <dir>/.<name>.tmp-<pid>,
 * into buf (size n). */
void gr_export_tmp_name(char *buf, size_t n, const char *dir, const char *name);

/* Opens <dir>/.<name>.tmp-<pid> for writing: the way every output file is
 * started. tmp (size n) receives the temporary path. */
int gr_export_open_tmp(const char *dir, const char *name, char *tmp, size_t n, FILE **f,
                       gr_error_t *err);

/* Closes f and renames tmp to <dir>/<name> if everything was written;
 * otherwise removes tmp and fails, leaving any earlier <name> untouched. */
int gr_export_commit(FILE *f, const char *tmp, const char *dir, const char *name,
                     gr_error_t *err);

/* Writes s as one quoted CSV field, quotes doubled (RFC 4180). */
void gr_export_csv_str(FILE *f, const char *s);

/* Renames tmp to <dir>/<name>; on failure removes tmp. */
int gr_export_commit_path(const char *tmp, const char *dir, const char *name, gr_error_t *err);

/* Puts the complete folder tmp in place of <dir>/<name>, exchanging the
 * two in one rename when <dir>/<name> exists, then removes the old one;
 * on failure removes tmp. */
int gr_export_commit_folder(const char *tmp, const char *dir, const char *name,
                            gr_error_t *err);

/* Removes a flat folder and the files in it (temporary output folders). */
void gr_export_remove_folder(const char *path);

/* Creates dir (and parents) if missing and checks it is writable. */
int gr_export_prepare_dir(const char *dir, gr_error_t *err);

#endif
