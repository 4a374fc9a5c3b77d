/* pipeline.h - one whole run: load, spread zones over homes (when a homes
 * layer is given), graph, snap, entrances, one search per site category,
 * per-resident distances, ward coverage.
 * Owns: the GEOS context and every stage's output (gr_run_free).
 * Needs: every stage module; it is the only place they meet. */
#ifndef GR_PIPELINE_H
#define GR_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <geos_c.h>
#include "greenreach/config.h"
#include "greenreach/coverage.h"
#include "greenreach/dasymetric.h"
#include "greenreach/entrance.h"
#include "greenreach/graph.h"
#include "greenreach/islands.h"
#include "greenreach/load.h"
#include "greenreach/search.h"
#include "greenreach/segindex.h"

typedef enum {
    GR_PHASE_LOAD, GR_PHASE_GRAPH, GR_PHASE_SNAP, GR_PHASE_SEARCH,
    GR_PHASE_COVERAGE, GR_PHASE_CATCHMENTS, GR_PHASE_WRITE, GR_PHASE_COUNT
} gr_phase_t;

extern const char *const gr_phase_names[GR_PHASE_COUNT];

/* Results for one site category (thresholds: cat->thr_m). */
typedef struct {
    const gr_category_t *cat;
    gr_field_t *field;           /* per-node distances, kept for catchments
                                    and incremental what-if searches */
    uint32_t n_sites;            /* sites of this category */
    uint32_t n_sites_unreached;  /* of which no path reaches */
    uint32_t n_sources;
    float *res_dist_m;           /* per resident: path + offsets, or straight
                                    to the site in [walk] mode = straight;
                                    INFINITY beyond the largest threshold */
    uint32_t *res_site;          /* per resident: nearest site or GR_NONE */
    float *cmp_dist_m;           /* with compare_straight: per resident, the
                                    other mode's distance; else NULL */
    gr_coverage_t *cov;
    gr_islands_cut_off_t cut_off;  /* snapped residents on path islands
                                      with no entrance of this category;
                                      zero when it has no entrance at all */
} gr_cat_result_t;

typedef struct {
    gr_config_t cfg;
    GEOSContextHandle_t gh;
    gr_dataset_t *ds;
    bool has_homes;              /* residents' zones were spread over homes */
    gr_dasymetric_stats_t dasy;
    double spread_s;             /* of the load phase: spreading zones */
    gr_graph_t *g;
    gr_segindex_t *idx;
    gr_entrances_t *ent;
    gr_snap_t *res_snap;         /* per resident; edge GR_NONE: unsnapped */
    uint32_t *res_ward;          /* per resident; GR_NONE: in no ward */
    uint8_t *res_snapped;
    uint32_t n_unsnapped;
    int n_cats;
    gr_cat_result_t cats[GR_MAX_CATEGORIES];
    double phase_s[GR_PHASE_COUNT];
    char geos_error[256];        /* last message GEOS reported */
} gr_run_t;

/* Optional progress reports (library code never prints). */
typedef void (*gr_progress_fn)(const char *msg, void *ctx);

/* Runs every stage up to coverage on a copy of cfg (resolved with
 * gr_config_resolve). The caller frees *out with gr_run_free.
 * On failure *out is NULL and err says why. */
int gr_run_compute(const gr_config_t *cfg, gr_progress_fn progress,
                   void *progress_ctx, gr_run_t **out, gr_error_t *err);
void gr_run_free(gr_run_t *run);

/* Monotonic wall clock in seconds. */
double gr_now_s(void);

#endif
