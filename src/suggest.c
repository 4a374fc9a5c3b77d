#include "greenreach/suggest.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/heap.h"
#include "greenreach/targets.h"

/* ---- greedy maximum coverage, lazy re-evaluation ---- */

static double marginal_gain(const uint32_t *set_off, const uint32_t *set_item,
                            const double *weight, const uint8_t *covered, uint32_t i)
{
    double g = 0.0;
    for (uint32_t k = set_off[i]; k < set_off[i + 1]; k++)
        if (!covered[set_item[k]])
            g += weight[set_item[k]];
    return g;
}

/* A set's gain can only shrink as others are picked, so a stale gain at
 * the top of the queue is recomputed and pushed back; a gain fresh for
 * this round at the top beats every other set. The heap is a min-heap:
 * keys are negated gains, and equal keys pop the lower index first. */
int gr_greedy_cover(uint32_t n_sets, const uint32_t *set_off, const uint32_t *set_item,
                    uint32_t n_items, const double *weight, uint32_t *pick, double *gain,
                    uint32_t *n_picks, uint32_t *n_evals)
{
    gr_heap_t h = {0};
    uint8_t *covered = calloc((size_t)n_items + 1, 1);
    uint32_t *round = calloc((size_t)n_sets + 1, sizeof *round);
    int rc = (!covered || !round) ? GR_ENOMEM : 0;
    *n_picks = 0;
    *n_evals = n_sets;
    for (uint32_t i = 0; !rc && i < n_sets; i++) {
        double g = marginal_gain(set_off, set_item, weight, covered, i);
        if (g > 0.0 && gr_heap_push(&h, -g, i))
            rc = GR_ENOMEM;
    }
    while (!rc && h.n > 0) {
        gr_heap_item_t top = gr_heap_pop(&h);
        uint32_t i = top.id;
        if (round[i] == *n_picks) {
            for (uint32_t k = set_off[i]; k < set_off[i + 1]; k++)
                covered[set_item[k]] = 1;
            pick[*n_picks] = i;
            gain[(*n_picks)++] = -top.key;
            continue;
        }
        double g = marginal_gain(set_off, set_item, weight, covered, i);
        round[i] = *n_picks;
        (*n_evals)++;
        if (g > 0.0 && gr_heap_push(&h, -g, i))
            rc = GR_ENOMEM;
    }
    gr_heap_free(&h);
    free(covered);
    free(round);
    return rc;
}

/* ---- covered sets: who each candidate would newly bring within ---- */

/* Candidate i newly covers set_res[set_off[i] .. set_off[i+1]). */
typedef struct {
    const gr_target_t *t;
    int cat, thr;
    double thr_m;
    double *weight;            /* per resident */
    uint8_t *is_open;          /* counted and not covered in the base */
    uint32_t *set_off, *set_res;
    uint32_t n_set, cap_set;
} cover_t;

static int threshold_index(const gr_category_t *cat, const char *label)
{
    for (int t = 0; t < cat->n_thr; t++)
        if (strcmp(cat->thr_label[t], label) == 0)
            return t;
    return -1;
}

static int cover_setup(gr_whatif_t *w, const gr_target_t *t, double lowcar_weight,
                       uint32_t n_cand, cover_t *cv, gr_error_t *err)
{
    const gr_run_t *run = gr_whatif_run(w);
    const uint8_t *lowcar = gr_whatif_lowcar(w);
    uint32_t n_res = run->ds->residents.n;
    cv->t = t;
    cv->cat = gr_config_category(&run->cfg, t->category);
    cv->thr = threshold_index(run->cats[cv->cat].cat, t->threshold);
    cv->thr_m = run->cats[cv->cat].cat->thr_m[cv->thr];
    cv->weight = malloc((size_t)n_res * sizeof *cv->weight + 1);
    cv->is_open = malloc((size_t)n_res + 1);
    cv->set_off = calloc((size_t)n_cand + 1, sizeof *cv->set_off);
    if (!cv->weight || !cv->is_open || !cv->set_off)
        return gr_error_set(err, GR_ENOMEM, "out of memory for suggestions");
    bool only_lowcar = t->population == GR_POP_LOWCAR;
    for (uint32_t i = 0; i < n_res; i++) {
        bool counted = run->res_ward[i] != GR_NONE && (!only_lowcar || lowcar[i]);
        cv->is_open[i] = counted && !(run->cats[cv->cat].res_dist_m[i] <= cv->thr_m);
        cv->weight[i] = run->ds->residents.pop[i] * (lowcar[i] ? lowcar_weight : 1.0);
    }
    return 0;
}

static int cover_append(cover_t *cv, uint32_t res)
{
    if (cv->n_set == cv->cap_set) {
        uint32_t c = cv->cap_set ? 2 * cv->cap_set : 4096;
        uint32_t *a = realloc(cv->set_res, (size_t)c * sizeof *a);
        if (!a)
            return -1;
        cv->set_res = a;
        cv->cap_set = c;
    }
    cv->set_res[cv->n_set++] = res;
    return 0;
}

/* One bounded search per candidate, cut off at the target threshold:
 * the open residents it brings within it. */
static int cover_sets(gr_whatif_t *w, const gr_candidates_t *c, cover_t *cv,
                      gr_suggestion_t *s, gr_error_t *err)
{
    gr_effect_t eff = {0};
    int rc = 0;
    for (uint32_t i = 0; !rc && i < c->n; i++) {
        const gr_source_t *src;
        uint32_t n_src;
        gr_entry_kind_t kind;
        float link_m;
        cv->set_off[i] = cv->n_set;
        /* a candidate smaller than a size tier cannot serve it */
        if (c->ds->sites.area_m2[i] < gr_whatif_run(w)->cats[cv->cat].cat->min_area_m2)
            continue;
        rc = gr_whatif_entrances(w, c, i, false, &src, &n_src, &kind, &link_m, err);
        if (rc || kind == GR_ENTRY_NONE) {
            s->n_unreached += !rc;
            continue;
        }
        rc = gr_whatif_search(w, cv->cat, src, n_src, (float)cv->thr_m, &eff, err);
        for (uint32_t k = 0; !rc && k < eff.n; k++)
            if (cv->is_open[eff.res[k]] && cover_append(cv, eff.res[k]))
                rc = gr_error_set(err, GR_ENOMEM, "out of memory for suggestions");
    }
    cv->set_off[c->n] = cv->n_set;
    gr_effect_free(&eff);
    return rc;
}

/* Residents and running area-wide share of each pick, in pick order. */
static int pick_shares(const gr_whatif_t *w, const cover_t *cv, gr_suggestion_t *s)
{
    const gr_run_t *run = gr_whatif_run(w);
    uint8_t *covered = calloc((size_t)run->ds->residents.n + 1, 1);
    if (!covered)
        return -1;
    bool lc = cv->t->population == GR_POP_LOWCAR;
    gr_tally_t base = gr_whatif_base(w, cv->cat);
    uint32_t area = base.n_rows - 1;
    double pop_all = lc ? base.pop_lowcar[area] : base.pop[area];
    size_t cell = (size_t)area * base.n_thr + (size_t)cv->thr;
    double within = lc ? base.within_lowcar[cell] : base.within[cell];
    s->share_base = pop_all > 0.0 ? within / pop_all : 0.0;
    s->picks_to_target = gr_targets_shortfall(cv->t->level, pop_all, within) == 0.0 ? 0 : GR_NONE;
    for (uint32_t p = 0; p < s->n_picks; p++) {
        s->gain_pop[p] = 0.0;
        for (uint32_t k = cv->set_off[s->cand[p]]; k < cv->set_off[s->cand[p] + 1]; k++) {
            uint32_t r = cv->set_res[k];
            s->gain_pop[p] += covered[r] ? 0.0 : run->ds->residents.pop[r];
            covered[r] = 1;
        }
        within += s->gain_pop[p];
        s->share[p] = pop_all > 0.0 ? within / pop_all : 0.0;
        if (s->picks_to_target == GR_NONE &&
            gr_targets_shortfall(cv->t->level, pop_all, within) == 0.0)
            s->picks_to_target = p + 1;
    }
    free(covered);
    return 0;
}

static void cover_free(cover_t *cv)
{
    free(cv->weight);
    free(cv->is_open);
    free(cv->set_off);
    free(cv->set_res);
}

static gr_suggestion_t *suggestion_new(uint32_t n)
{
    gr_suggestion_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cand = malloc((size_t)n * sizeof *s->cand + 1);
    s->gain_weighted = malloc((size_t)n * sizeof *s->gain_weighted + 1);
    s->gain_pop = malloc((size_t)n * sizeof *s->gain_pop + 1);
    s->share = malloc((size_t)n * sizeof *s->share + 1);
    if (!s->cand || !s->gain_weighted || !s->gain_pop || !s->share) {
        gr_suggestion_free(s);
        return NULL;
    }
    return s;
}

int gr_suggest_sites(gr_whatif_t *w, const gr_candidates_t *c, const char *target_id,
                     double lowcar_weight, gr_suggestion_t **out, gr_error_t *err)
{
    *out = NULL;
    const gr_target_t *t = gr_whatif_target(w, target_id);
    if (!t)
        return gr_error_set(err, GR_ECONFIG, "no coverage target '%s' in the config", target_id);
    gr_suggestion_t *s = suggestion_new(c->n);
    if (!s)
        return gr_error_set(err, GR_ENOMEM, "out of memory for suggestions");
    s->target = t;
    cover_t cv = {0};
    int rc = cover_setup(w, t, lowcar_weight, c->n, &cv, err);
    if (!rc)
        rc = cover_sets(w, c, &cv, s, err);
    if (!rc && (gr_greedy_cover(c->n, cv.set_off, cv.set_res, gr_whatif_run(w)->ds->residents.n,
                                cv.weight, s->cand, s->gain_weighted, &s->n_picks,
                                &s->n_evaluations) ||
                pick_shares(w, &cv, s)))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory for suggestions");
    cover_free(&cv);
    if (rc) {
        gr_suggestion_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void gr_suggestion_free(gr_suggestion_t *s)
{
    if (!s)
        return;
    free(s->cand);
    free(s->gain_weighted);
    free(s->gain_pop);
    free(s->share);
    free(s);
}
