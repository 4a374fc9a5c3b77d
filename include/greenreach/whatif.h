/* whatif.h - planning what-if on a finished run: who gains from a
 * candidate site or from new path links, which targets flip, and which
 * candidates best close a gap. Incremental: the run's per-node and
 * per-resident distances are the base; a candidate costs one bounded
 * search from its own entrances, kept only where it beats the base, so
 * the answer equals a full rerun with the site added (min of the two).
 * Owns: the engine (gr_whatif_t: residents by edge, a search workspace,
 * low-car flags, neighbourhood rows, base tallies), candidate lists,
 * effects and suggestions, each with its _free.
 * Needs: a finished gr_run_t (borrowed; must outlive the engine), the
 * bounded search, entrances of one geometry; GDAL/PROJ to read files. */
#ifndef GR_WHATIF_H
#define GR_WHATIF_H

#include <stdbool.h>
#include <stdint.h>
#include <geos_c.h>
#include "greenreach/entrance.h"
#include "greenreach/error.h"
#include "greenreach/pipeline.h"

/* ---- candidates ---- */

/* Candidate sites in the run CRS. Candidate i's surveyed entrances are
 * access_x/y[access_first[i] .. access_first[i+1]). */
typedef struct {
    uint32_t n;
    GEOSGeometry **geom;       /* Polygon/MultiPolygon (made valid) or Point */
    char **id;                 /* the site id field, or "#<fid>" */
    char **function;           /* normalised; "" when the file has none */
    char **play_class;         /* as read; may be "" */
    uint32_t *access_first;    /* [n + 1] */
    double *access_x, *access_y;
} gr_candidates_t;

/* Reads every feature of `layer` (NULL or "": the first) in path as a
 * candidate, reprojected into the run CRS; fields are named as in the
 * run's config (site id, function, play class), all optional. With
 * entrances_path, its points are matched to candidates by site id, or
 * else to the nearest candidate within the config's access_assign_m.
 * A layer without a CRS is an error. Caller frees *out with
 * gr_candidates_free(…, run->gh). */
int gr_candidates_load(const gr_run_t *run, const char *path, const char *layer,
                       const char *entrances_path, gr_candidates_t **out,
                       gr_error_t *err);

/* Point candidates on a square grid of step_m over the wards' extent, at
 * cell centres inside a ward and not inside any existing green-space
 * site. Ids are "grid_<x>_<y>" (rounded metres). */
int gr_candidates_grid(const gr_run_t *run, double step_m, gr_candidates_t **out,
                       gr_error_t *err);
void gr_candidates_free(gr_candidates_t *c, GEOSContextHandle_t gh);

/* ---- the engine ---- */

typedef struct gr_whatif gr_whatif_t;

/* Prepares what-if questions on run. Low-car residents have no_car_share
 * above the config's lowcar_threshold, or when that is negative above
 * the area-wide population-weighted share (unknown shares are not
 * low-car). Caller frees *out with gr_whatif_free. */
int gr_whatif_new(const gr_run_t *run, gr_whatif_t **out, gr_error_t *err);
void gr_whatif_free(gr_whatif_t *w);

/* Tally rows: wards 0..n_wards-1, then neighbourhoods (distinct non-empty
 * nbhd values of the wards), then the whole area (last row). */
typedef enum { GR_ROW_WARD, GR_ROW_NBHD, GR_ROW_AREA } gr_row_kind_t;
uint32_t gr_whatif_n_rows(const gr_whatif_t *w);
/* Kind, code and name of a row (strings owned by the run or engine). */
gr_row_kind_t gr_whatif_row(const gr_whatif_t *w, uint32_t row, const char **code,
                            const char **name);
/* True when any resident has a known no_car_share; the threshold used. */
bool gr_whatif_has_lowcar(const gr_whatif_t *w, double *threshold);

/* Base tallies of category cat: population per row, and within threshold
 * t, for all residents and low-car ones. Arrays are [n_rows] and
 * [n_rows * n_thr] (row-major). Residents in no ward are not counted. */
typedef struct {
    uint32_t n_rows, n_thr;
    const double *pop, *pop_lowcar;
    const double *within, *within_lowcar;
} gr_tally_t;
gr_tally_t gr_whatif_base(const gr_whatif_t *w, int cat);

/* What one change does to one category: the residents whose distance
 * falls (with the new distance; residents in no ward included), and the
 * population newly within each threshold per row, all and low-car. */
typedef struct {
    int cat;
    uint32_t n, cap;
    uint32_t *res;
    float *dist_m;
    uint32_t n_rows, n_thr;
    double *gain;              /* [n_rows * n_thr] */
    double *gain_lowcar;       /* [n_rows * n_thr] */
} gr_effect_t;

void gr_effect_free(gr_effect_t *e);   /* frees the arrays, not e */

/* One candidate site's result. */
typedef struct {
    gr_entry_kind_t kind;      /* GR_ENTRY_NONE: no path reaches it */
    uint32_t n_entrances;
    float link_m;              /* with connect: the new straight link's
                                  length (0: none was needed) */
    int n_eff;
    gr_effect_t eff[GR_MAX_CATEGORIES];   /* the categories it belongs to */
} gr_site_result_t;

void gr_site_result_free(gr_site_result_t *r);   /* arrays only */

/* Evaluates candidate i as a site of `function` (normalised; NULL or "":
 * the candidate's own function, else "park") and play_class (NULL or "":
 * the candidate's own). With
 * connect, a candidate no path reaches within the snap cap is linked to
 * the nearest path by a straight new link whose length is walked first.
 * r must be zeroed before first use and may be reused; each call
 * replaces its contents. */
int gr_whatif_site(gr_whatif_t *w, const gr_candidates_t *c, uint32_t i,
                   const char *function, const char *play_class, bool connect,
                   gr_site_result_t *r,
                   gr_error_t *err);

/* Folds an effect into the engine's "all candidates together" state for
 * its category, and reads that state back as one effect (out zeroed
 * before first use; replaced on each call). */
int gr_whatif_accumulate(gr_whatif_t *w, const gr_effect_t *e, gr_error_t *err);
int gr_whatif_combined(gr_whatif_t *w, int cat, gr_effect_t *out, gr_error_t *err);

/* ---- target verdicts ---- */

/* A coverage target whose verdict in one row changes. */
typedef struct {
    const gr_target_t *target;
    uint32_t row;
    double share_before, share_after;
    bool is_met_before, is_met_after;
} gr_flip_t;

/* The coverage targets (the config's, or park_20 by default: 97% within
 * 20 min, per ward and area-wide) whose verdict changes in any row with
 * effect e. Writes at most max flips into out; returns how many there
 * are in all. */
int gr_whatif_flips(const gr_whatif_t *w, const gr_effect_t *e, gr_flip_t *out, int max);

/* ---- suggestions ---- */

typedef struct {
    const gr_target_t *target;
    uint32_t n_picks;          /* greedy picks with a positive gain */
    uint32_t *cand;            /* [n_picks] candidate index, best first */
    double *gain_weighted;     /* marginal gain, low-car residents weighted */
    double *gain_pop;          /* marginal residents newly covered */
    double *share;             /* area-wide share after this pick */
    double share_base;
    uint32_t picks_to_target;  /* 0: already met; GR_NONE: cannot */
    uint32_t n_unreached;      /* candidates no path reaches */
    uint32_t n_evaluations;    /* marginal gains computed (lazy greedy) */
} gr_suggestion_t;

/* Chooses candidates (as sites of the target's category) maximising the
 * target's newly covered residents, weighting low-car residents by
 * lowcar_weight: each candidate's covered set comes from one bounded
 * search, then greedy maximum coverage with lazy (CELF) re-evaluation
 * runs until no candidate adds anyone. target_id NULL means park_20.
 * Caller frees *out with gr_suggestion_free. */
int gr_whatif_suggest(gr_whatif_t *w, const gr_candidates_t *c, const char *target_id,
                      double lowcar_weight, gr_suggestion_t **out, gr_error_t *err);
void gr_suggestion_free(gr_suggestion_t *s);

/* Greedy maximum weighted coverage with lazy (CELF) re-evaluation over
 * explicit sets: set i holds items set_item[set_off[i] .. set_off[i+1])
 * (each at most once), item k weighs weight[k] >= 0. Picks the set with
 * the largest marginal gain (ties: the lower index) until none adds
 * weight; pick[p] and gain[p] (arrays of n_sets) for p < *n_picks.
 * *n_evals counts marginal gains computed (n_sets for the first round).
 * Returns GR_ENOMEM on allocation failure. */
int gr_greedy_cover(uint32_t n_sets, const uint32_t *set_off, const uint32_t *set_item,
                    uint32_t n_items, const double *weight, uint32_t *pick, double *gain,
                    uint32_t *n_picks, uint32_t *n_evals);

/* The target of that id among the config's coverage targets (park_20 is
 * always known); NULL when there is none. */
const gr_target_t *gr_whatif_target(const gr_whatif_t *w, const char *id);

/* ---- new path links ---- */

typedef struct {
    uint32_t n_segments;       /* new straight segments */
    uint32_t n_joined;         /* new vertices joined to existing nodes */
    uint32_t n_split;          /* line ends joined by splitting an edge */
    uint32_t n_isolated;       /* lines joined to the graph at no vertex */
    uint32_t n_resnapped;      /* residents now nearer a new link */
    uint32_t n_new_entrances;  /* where new links enter existing sites */
    int n_eff;
    gr_effect_t eff[GR_MAX_CATEGORIES];   /* one per category */
} gr_paths_result_t;

void gr_paths_result_free(gr_paths_result_t *r);   /* arrays only */

/* Reads the lines of `layer` (NULL or "": the first) of path into the
 * run CRS. Caller frees with gr_lines_free. */
int gr_lines_load(const gr_run_t *run, const char *path, const char *layer,
                  gr_lines_t *out, gr_error_t *err);
void gr_lines_free(gr_lines_t *l);

/* Adds the lines as new path links over the run's graph (joined at
 * shared or nearby vertices, or by splitting the nearest edge within the
 * join tolerance) and repairs every category's distances from the new
 * links with a bounded search over graph plus overlay (distances can only
 * fall). r must be zeroed; the caller frees it with gr_paths_result_free. */
int gr_whatif_add_paths(gr_whatif_t *w, const gr_lines_t *lines, gr_paths_result_t *r,
                        gr_error_t *err);

#endif
