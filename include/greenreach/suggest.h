/* suggest.h - where new sites should go: greedy maximum coverage over
 * candidate sites, with lazy (CELF) re-evaluation of marginal gains.
 * Owns: suggestions (gr_suggestion_free).
 * Needs: the what-if engine (one bounded search per candidate gives the
 * residents it would newly bring within the target's distance), the heap. */
#ifndef GR_SUGGEST_H
#define GR_SUGGEST_H

#include <stdint.h>
#include "greenreach/candidates.h"
#include "greenreach/whatif.h"

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
 * target's newly covered residents (those it counts, in a ward, not
 * within its distance now), low-car residents weighing lowcar_weight:
 * each candidate's covered set comes from one bounded search, then greedy
 * maximum coverage runs until no candidate adds anyone. Candidates
 * smaller than the category's min_area_m2 (points: 0) are never picked. Fails with
 * GR_ECONFIG when target_id is no coverage target of the config. Caller
 * frees *out with gr_suggestion_free. */
int gr_suggest_sites(gr_whatif_t *w, const gr_candidates_t *c, const char *target_id,
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

#endif
