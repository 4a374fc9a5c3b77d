/* whatif.h - planning what-if on a finished run: who gains from a
 * candidate site, and which targets flip. Incremental: the run's per-node
 * and per-resident distances are the base; a candidate costs one bounded
 * search from its own entrances, kept only where it beats the base, so
 * the answer equals a full rerun with the site added (min of the two).
 * Rows are the targets module's: wards, then neighbourhoods (the config's
 * lookup or the wards' nbhd field), then the whole area; low-car
 * residents and verdicts follow the same rules as a run's targets.
 * Owns: the engine (gr_whatif_t: residents by edge, a search workspace,
 * the base targets and tallies), effects and site results (their _free).
 * Needs: a finished gr_run_t (borrowed; must outlive the engine), targets,
 * the bounded search, candidates. */
#ifndef GR_WHATIF_H
#define GR_WHATIF_H

#include <stdbool.h>
#include <stdint.h>
#include "greenreach/candidates.h"
#include "greenreach/error.h"
#include "greenreach/pipeline.h"
#include "greenreach/search.h"

typedef struct gr_whatif gr_whatif_t;

/* Prepares what-if questions on run. Caller frees *out with
 * gr_whatif_free. Fails (GR_ECONFIG) as gr_targets_evaluate does, and on
 * a run in [walk] mode = straight (what-if measures walked distances). */
int gr_whatif_new(const gr_run_t *run, gr_whatif_t **out, gr_error_t *err);
void gr_whatif_free(gr_whatif_t *w);

const gr_run_t *gr_whatif_run(const gr_whatif_t *w);

/* ---- rows and tallies ---- */

typedef enum { GR_ROW_WARD, GR_ROW_NBHD, GR_ROW_AREA } gr_row_kind_t;
uint32_t gr_whatif_n_rows(const gr_whatif_t *w);
/* Kind, code and name of a row (strings owned by the run or engine). */
gr_row_kind_t gr_whatif_row(const gr_whatif_t *w, uint32_t row, const char **code,
                            const char **name);
/* Per resident: 1 when low-car (as the targets decide), else 0. */
const uint8_t *gr_whatif_lowcar(const gr_whatif_t *w);
/* True when any resident has a known no_car_share. */
bool gr_whatif_has_lowcar(const gr_whatif_t *w);

/* Base tallies of category cat: population per row, and within threshold
 * t, for all residents and low-car ones. Arrays are [n_rows] and
 * [n_rows * n_thr] (row-major). Residents in no ward are not counted. */
typedef struct {
    uint32_t n_rows, n_thr;
    const double *pop, *pop_lowcar;
    const double *within, *within_lowcar;
} gr_tally_t;
gr_tally_t gr_whatif_base(const gr_whatif_t *w, int cat);

/* ---- effects ---- */

/* What one change does to one category: the residents whose distance
 * changes (with the new distance; INFINITY beyond reach; residents in no
 * ward included), and the net change in population within each threshold
 * per row, all and low-car. */
typedef struct {
    int cat;
    uint32_t n, cap;
    uint32_t *res;
    float *dist_m;
    uint32_t n_rows, n_thr;
    double *gain;              /* [n_rows * n_thr] */
    double *gain_lowcar;       /* [n_rows * n_thr] */
} gr_effect_t;

/* Empties e for category cat, keeping its buffers (e zeroed before first
 * use); adds resident res at its new distance; tallies the rows from the
 * residents listed. Each returns -1 when out of memory. */
int gr_effect_reset(const gr_whatif_t *w, int cat, gr_effect_t *e);
int gr_effect_add(gr_effect_t *e, uint32_t res, float dist_m);
void gr_effect_tally(const gr_whatif_t *w, gr_effect_t *e);
void gr_effect_free(gr_effect_t *e);   /* frees the arrays, not e */

/* Calls fn once for every resident snapped to an edge at a graph node the
 * last search of ws reached, or to one of the extra edges. Stops at and
 * returns fn's first non-zero return. */
typedef int (*gr_resident_fn)(void *ctx, uint32_t res);
int gr_whatif_scan(gr_whatif_t *w, const gr_search_ws_t *ws, const uint32_t *extra_edges,
                   uint32_t n_extra, gr_resident_fn fn, void *ctx);

/* One bounded search for category cat from n_src sources, cut off at
 * cutoff_m and bounded by the base distances; eff receives the residents
 * it brings nearer than the base, tallied. */
int gr_whatif_search(gr_whatif_t *w, int cat, const gr_source_t *src, uint32_t n_src,
                     float cutoff_m, gr_effect_t *eff, gr_error_t *err);

/* ---- one candidate ---- */

typedef struct {
    gr_entry_kind_t kind;      /* GR_ENTRY_NONE: no path reaches it */
    uint32_t n_entrances;
    float link_m;              /* with connect: the new straight link's
                                  length (0: none was needed) */
    int n_eff;
    gr_effect_t eff[GR_MAX_CATEGORIES];   /* the categories it belongs to */
} gr_site_result_t;

void gr_site_result_free(gr_site_result_t *r);   /* arrays only */

/* The candidate's entrances: its own within the snap cap, or with connect
 * (when it has none) the nearest path point at any distance, reached by
 * a straight new link (*link_m; 0 when none was needed). Valid until the
 * next call. */
int gr_whatif_entrances(gr_whatif_t *w, const gr_candidates_t *c, uint32_t i, bool connect,
                        const gr_source_t **src, uint32_t *n_src, gr_entry_kind_t *kind,
                        float *link_m, gr_error_t *err);

/* Evaluates candidate i as a site of `function` (normalised; NULL or "":
 * the candidate's own, else "park") and play_class (NULL or "": the
 * candidate's own). r must be zeroed before first use and may be reused;
 * each call replaces its contents. */
int gr_whatif_site(gr_whatif_t *w, const gr_candidates_t *c, uint32_t i,
                   const char *function, const char *play_class, bool connect,
                   gr_site_result_t *r, gr_error_t *err);

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

/* The config's coverage targets (those the data can evaluate) whose
 * verdict changes in any row in their scopes with effect e, by the
 * targets module's rule. Writes at most max flips into out; returns how
 * many there are in all. */
int gr_whatif_flips(const gr_whatif_t *w, const gr_effect_t *e, gr_flip_t *out, int max);

/* The coverage target of that id in the config; NULL when none. */
const gr_target_t *gr_whatif_target(const gr_whatif_t *w, const char *id);

#endif
