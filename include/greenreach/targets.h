/* targets.h - checks the council's targets against a run: per ward, per
 * neighbourhood (wards grouped by the config's lookup or the wards' nbhd
 * field) and area-wide, with the shortfall in residents (or wards).
 * Owns: every result array (gr_targets_free). Needs: the pipeline's
 * results (distances, ward of each resident), GEOS for site-in-ward tests. */
#ifndef GR_TARGETS_H
#define GR_TARGETS_H

#include <stdint.h>
#include "greenreach/pipeline.h"

typedef enum {
    GR_VERDICT_MET,
    GR_VERDICT_MISSED,
    GR_VERDICT_NOT_EVALUATED,   /* the data cannot answer: see the note */
    GR_VERDICT_NA               /* nobody to measure here, or scope not asked */
} gr_verdict_t;

typedef struct {
    double pop;            /* residents counted (all, or of low-car zones) */
    double pop_within;     /* coverage: of whom within the threshold */
    double share;          /* coverage: pop_within / pop */
    uint32_t n_sites;      /* presence: qualifying sites meeting the ward */
    double site_area_m2;   /* presence: their area inside the ward */
    uint32_t wards_short;  /* presence: wards (in this row) that miss */
    double shortfall_pop;  /* residents short of the level (coverage), or
                              living in wards that miss (presence) */
    gr_verdict_t verdict;
} gr_measure_t;

typedef struct {
    const gr_target_t *target;
    const gr_category_t *cat;
    double thr_m;              /* coverage threshold in metres */
    int thr_index;
    char note[256];            /* why not evaluated, or a caveat; may be "" */
    gr_measure_t *ward;        /* [n_wards] */
    gr_measure_t *nbhd;        /* [n_nbhd] */
    gr_measure_t area;
} gr_target_result_t;

typedef struct {
    uint32_t n_wards, n_nbhd;
    char **nbhd_name;          /* [n_nbhd] */
    uint32_t *ward_nbhd;       /* [n_wards]: neighbourhood index or GR_NONE */
    double lowcar_threshold;   /* no_car_share above this is low-car; NaN: no data */
    uint8_t *res_lowcar;       /* per resident */
    int n;
    gr_target_result_t *res;
} gr_targets_t;

/* Evaluates every configured target. Fails (GR_ECONFIG) when the
 * neighbourhood lookup names a ward the data does not have. The caller
 * frees *out with gr_targets_free. */
int gr_targets_evaluate(const gr_run_t *run, gr_targets_t **out, gr_error_t *err);
void gr_targets_free(gr_targets_t *t);

/* "met", "missed", "not evaluated", "n/a". */
const char *gr_verdict_name(gr_verdict_t v);

/* Residents short of a coverage level: how many more of pop must be
 * within for pop_within / pop to reach level (0: met). The one rule for
 * coverage verdicts, shared with what-if questions. */
double gr_targets_shortfall(double level, double pop, double pop_within);

/* Area-wide share of coverage target r's residents (as it counts them)
 * within its threshold by other per-resident distances dist_m, e.g. a
 * category's cmp_dist_m. NaN for a presence target, one not evaluated or
 * one with nobody to measure. */
double gr_targets_area_share(const gr_run_t *run, const gr_targets_t *t,
                             const gr_target_result_t *r, const float *dist_m);

/* Number of targets whose area-wide verdict is MISSED. */
int gr_targets_missed(const gr_targets_t *t);

#endif
