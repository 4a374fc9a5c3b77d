/* candidates.h - candidate sites for what-if questions: read from a file
 * (with optional surveyed entrances) or proposed on a grid over the gaps,
 * each with its entrances on the run's graph by the rules every site
 * follows.
 * Owns: the candidates' dataset and entrances (gr_candidates_free).
 * Needs: a finished run (CRS, graph, segment index, sites, wards), the
 * loader and the entrance rules. */
#ifndef GR_CANDIDATES_H
#define GR_CANDIDATES_H

#include <stdint.h>
#include "greenreach/entrance.h"
#include "greenreach/load.h"
#include "greenreach/pipeline.h"

/* Candidate i is ds->sites entry i (a Polygon, MultiPolygon or Point in
 * the run CRS; function normalised, "" when the file has none); its
 * entrances within the snap cap are ent's sources of site i. */
typedef struct {
    uint32_t n;
    gr_dataset_t *ds;
    gr_entrances_t *ent;
} gr_candidates_t;

/* Reads every feature of `layer` (NULL or "": the first) of path, and
 * the entrance points of entrances_path (NULL: none), matched to the
 * candidates by site id or else the nearest within access_assign_m.
 * Caller frees *out with gr_candidates_free(…, run->gh). */
int gr_candidates_load(const gr_run_t *run, const char *path, const char *layer,
                       const char *entrances_path, gr_candidates_t **out, gr_error_t *err);

/* Point candidates on a square grid of step_m over the wards' extent, at
 * cell centres inside a ward and not inside any existing site. Ids are
 * "grid_<x>_<y>" (rounded metres). */
int gr_candidates_grid(const gr_run_t *run, double step_m, gr_candidates_t **out,
                       gr_error_t *err);

void gr_candidates_free(gr_candidates_t *c, GEOSContextHandle_t gh);

#endif
