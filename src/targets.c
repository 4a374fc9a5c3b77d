#include "greenreach/targets.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *gr_verdict_name(gr_verdict_t v)
{
    static const char *const names[] = { "met", "missed", "not evaluated", "n/a" };
    return names[v];
}

/* ---- neighbourhoods ---- */

static void trim(char *s)
{
    size_t n = strlen(s), k = 0;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (isspace((unsigned char)s[k]))
        k++;
    memmove(s, s + k, n - k + 1);
}

static uint32_t find_ward(const gr_wards_t *w, const char *key)
{
    for (uint32_t i = 0; i < w->n; i++)
        if (strcasecmp(w->code[i], key) == 0 || strcasecmp(w->name[i], key) == 0)
            return i;
    return GR_NONE;
}

static int add_nbhd(gr_targets_t *t, const char *name)
{
    for (uint32_t k = 0; k < t->n_nbhd; k++)
        if (strcmp(t->nbhd_name[k], name) == 0)
            return (int)k;
    char *copy = strdup(name);
    if (!copy)
        return -1;
    t->nbhd_name[t->n_nbhd] = copy;
    return (int)t->n_nbhd++;
}

/* Groups wards by the config's lookup when it has one, else by the wards'
 * own nbhd field. */
static int group_wards(const gr_run_t *run, gr_targets_t *t, gr_error_t *err)
{
    const gr_wards_t *w = &run->ds->wards;
    const gr_config_t *cfg = &run->cfg;
    t->ward_nbhd = malloc((size_t)w->n * sizeof *t->ward_nbhd + 1);
    t->nbhd_name = calloc((size_t)w->n + GR_MAX_NBHDS + 1, sizeof *t->nbhd_name);
    if (!t->ward_nbhd || !t->nbhd_name)
        return gr_error_set(err, GR_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < w->n; i++)
        t->ward_nbhd[i] = GR_NONE;
    for (int m = 0; m < cfg->n_nbhd_map; m++) {
        int k = add_nbhd(t, cfg->nbhd_map[m].name);
        char buf[GR_LIST_MAX];
        snprintf(buf, sizeof buf, "%s", cfg->nbhd_map[m].wards);
        for (char *save = NULL, *tok = strtok_r(buf, ",", &save); k >= 0 && tok;
             tok = strtok_r(NULL, ",", &save)) {
            trim(tok);
            uint32_t i = find_ward(w, tok);
            if (i == GR_NONE)
                return gr_error_set(err, GR_ECONFIG, "neighbourhood '%s': no ward '%s' in %s",
                                    cfg->nbhd_map[m].name, tok, cfg->wards.path);
            t->ward_nbhd[i] = (uint32_t)k;
        }
    }
    for (uint32_t i = 0; cfg->n_nbhd_map == 0 && i < w->n; i++) {
        int k = w->nbhd[i][0] ? add_nbhd(t, w->nbhd[i]) : (int)GR_NONE;
        t->ward_nbhd[i] = (uint32_t)k;
    }
    return 0;
}

/* ---- low-car residents ---- */

/* The area-wide share when the config says "auto": the population-weighted
 * mean of the residents' no-car shares. NaN when no resident has one. */
static double lowcar_threshold(const gr_run_t *run)
{
    const gr_residents_t *R = &run->ds->residents;
    double pop = 0.0, nocar = 0.0;
    for (uint32_t i = 0; i < R->n; i++) {
        if (isnan(R->no_car_share[i]))
            continue;
        pop += R->pop[i];
        nocar += R->pop[i] * R->no_car_share[i];
    }
    if (pop <= 0.0)
        return NAN;
    return run->cfg.lowcar_threshold >= 0.0 ? run->cfg.lowcar_threshold : nocar / pop;
}

static int mark_lowcar(const gr_run_t *run, gr_targets_t *t)
{
    const gr_residents_t *R = &run->ds->residents;
    t->res_lowcar = calloc((size_t)R->n + 1, 1);
    if (!t->res_lowcar)
        return -1;
    t->lowcar_threshold = lowcar_threshold(run);
    for (uint32_t i = 0; !isnan(t->lowcar_threshold) && i < R->n; i++)
        t->res_lowcar[i] = R->no_car_share[i] > t->lowcar_threshold;
    return 0;
}

/* ---- measures ---- */

double gr_targets_shortfall(double level, double pop, double pop_within)
{
    /* a share equal to the level meets it, whatever the rounding */
    double need = ceil(level * pop - pop_within - 1e-9);
    return need > 0.0 ? need : 0.0;
}

static void finish_coverage(gr_measure_t *m, double level)
{
    if (m->pop <= 0.0) {
        m->verdict = GR_VERDICT_NA;
        return;
    }
    m->share = m->pop_within / m->pop;
    m->shortfall_pop = gr_targets_shortfall(level, m->pop, m->pop_within);
    m->verdict = m->shortfall_pop > 0.0 ? GR_VERDICT_MISSED : GR_VERDICT_MET;
}

static void add_measure(gr_measure_t *to, const gr_measure_t *from)
{
    to->pop += from->pop;
    to->pop_within += from->pop_within;
    to->n_sites += from->n_sites;
    to->site_area_m2 += from->site_area_m2;
    to->wards_short += from->wards_short;
    to->shortfall_pop += from->wards_short ? from->shortfall_pop : 0.0;
}

/* Neighbourhood and area rows are sums of ward rows. */
static void aggregate(const gr_targets_t *t, gr_target_result_t *r)
{
    for (uint32_t w = 0; w < t->n_wards; w++) {
        if (t->ward_nbhd[w] != GR_NONE)
            add_measure(&r->nbhd[t->ward_nbhd[w]], &r->ward[w]);
        add_measure(&r->area, &r->ward[w]);
    }
}

/* Why a coverage target cannot be evaluated on this data, or NULL. */
static const char *coverage_gap(const gr_run_t *run, const gr_targets_t *t,
                                const gr_target_result_t *r, int c)
{
    if (r->target->population == GR_POP_LOWCAR && isnan(t->lowcar_threshold))
        return "no car-ownership data (no_car_share) for any resident";
    if (run->cats[c].n_sites > 0)
        return NULL;
    for (uint32_t s = 0; s < run->ds->sites.n; s++) {
        if (!gr_list_contains(r->cat->functions, run->ds->sites.function[s]))
            continue;
        if (r->cat->play_classes[0])
            return "play sites carry no play_class (LAP/LEAP/NEAP) in the data";
        /* a size tier no site is large enough for is an answer: nobody is served */
        if (r->cat->min_area_m2 > 0.0)
            return NULL;
    }
    return "the data has no sites of this category";
}

/* True when resident i counts towards coverage target r. */
static bool is_counted(const gr_run_t *run, const gr_targets_t *t, const gr_target_result_t *r,
                       uint32_t i)
{
    return run->res_ward[i] != GR_NONE &&
           (r->target->population != GR_POP_LOWCAR || t->res_lowcar[i]);
}

static void eval_coverage(const gr_run_t *run, const gr_targets_t *t, gr_target_result_t *r, int c)
{
    const char *gap = coverage_gap(run, t, r, c);
    if (gap) {
        snprintf(r->note, sizeof r->note, "%s", gap);
        return;
    }
    const gr_residents_t *R = &run->ds->residents;
    const float *dist = run->cats[c].res_dist_m;
    for (uint32_t i = 0; i < R->n; i++) {
        uint32_t w = run->res_ward[i];
        if (!is_counted(run, t, r, i))
            continue;
        r->ward[w].pop += R->pop[i];
        if (dist[i] <= r->thr_m)
            r->ward[w].pop_within += R->pop[i];
    }
    aggregate(t, r);
    for (uint32_t w = 0; w < t->n_wards; w++)
        finish_coverage(&r->ward[w], r->target->level);
    for (uint32_t k = 0; k < t->n_nbhd; k++)
        finish_coverage(&r->nbhd[k], r->target->level);
    finish_coverage(&r->area, r->target->level);
}

/* Counts the category's sites meeting each ward, and their area inside it. */
static int count_sites(const gr_run_t *run, gr_target_result_t *r)
{
    GEOSContextHandle_t gh = run->gh;
    const gr_sites_t *S = &run->ds->sites;
    const gr_wards_t *W = &run->ds->wards;
    for (uint32_t s = 0; s < S->n; s++) {
        if (!gr_category_has_site(r->cat, S->function[s], S->play_class[s], S->area_m2[s]) ||
            S->area_m2[s] < r->target->min_area_m2)
            continue;
        const GEOSPreparedGeometry *p = GEOSPrepare_r(gh, S->geom[s]);
        if (!p)
            return -1;
        for (uint32_t w = 0; w < W->n; w++) {
            if (GEOSPreparedIntersects_r(gh, p, W->geom[w]) != 1)
                continue;
            GEOSGeometry *in = GEOSIntersection_r(gh, S->geom[s], W->geom[w]);
            double a = 0.0;
            if (in)
                GEOSArea_r(gh, in, &a);
            GEOSGeom_destroy_r(gh, in);
            r->ward[w].n_sites++;
            r->ward[w].site_area_m2 += a;
        }
        GEOSPreparedGeom_destroy_r(gh, p);
    }
    return 0;
}

static void presence_verdict(gr_measure_t *m)
{
    m->verdict = m->wards_short ? GR_VERDICT_MISSED : GR_VERDICT_MET;
}

static int eval_presence(const gr_run_t *run, const gr_targets_t *t, gr_target_result_t *r, int c)
{
    if (count_sites(run, r))
        return -1;
    const gr_residents_t *R = &run->ds->residents;
    for (uint32_t i = 0; i < R->n; i++)
        if (run->res_ward[i] != GR_NONE)
            r->ward[run->res_ward[i]].pop += R->pop[i];
    for (uint32_t w = 0; w < t->n_wards; w++) {
        gr_measure_t *m = &r->ward[w];
        m->wards_short = m->n_sites < (uint32_t)r->target->min_sites;
        m->shortfall_pop = m->wards_short ? m->pop : 0.0;
        presence_verdict(m);
    }
    aggregate(t, r);
    for (uint32_t k = 0; k < t->n_nbhd; k++)
        presence_verdict(&r->nbhd[k]);
    presence_verdict(&r->area);
    if (run->cats[c].n_sites == 0)
        snprintf(r->note, sizeof r->note,
                 "no %s sites in the data: none exist, or the source does not map them",
                 r->cat->name);
    return 0;
}

/* Rows outside the target's scopes, and everything when the data cannot
 * answer, carry no verdict of their own. */
static void apply_scopes(const gr_targets_t *t, gr_target_result_t *r)
{
    int scopes = r->target->scopes;
    bool is_open = r->note[0] && r->target->kind == GR_TARGET_COVERAGE;
    gr_verdict_t none = is_open ? GR_VERDICT_NOT_EVALUATED : GR_VERDICT_NA;
    for (uint32_t w = 0; w < t->n_wards; w++)
        if (is_open || !(scopes & GR_SCOPE_WARD))
            r->ward[w].verdict = none;
    for (uint32_t k = 0; k < t->n_nbhd; k++)
        if (is_open || !(scopes & GR_SCOPE_NBHD))
            r->nbhd[k].verdict = none;
    if (is_open)
        r->area.verdict = GR_VERDICT_NOT_EVALUATED;
    else if (!(scopes & GR_SCOPE_AREA))
        r->area.verdict = GR_VERDICT_NA;
    if (!is_open && (scopes & GR_SCOPE_NBHD) && t->n_nbhd == 0 && !r->note[0])
        snprintf(r->note, sizeof r->note, "no neighbourhood lookup: evaluated per %s",
                 (scopes & GR_SCOPE_WARD) ? "ward and area-wide" : "area only");
}

static int evaluate_one(const gr_run_t *run, gr_targets_t *t, gr_target_result_t *r,
                        const gr_target_t *target)
{
    int c = gr_config_category(&run->cfg, target->category);
    r->target = target;
    r->cat = &run->cfg.categories[c];
    r->ward = calloc((size_t)t->n_wards + 1, sizeof *r->ward);
    r->nbhd = calloc((size_t)t->n_nbhd + 1, sizeof *r->nbhd);
    if (!r->ward || !r->nbhd)
        return -1;
    for (int k = 0; k < r->cat->n_thr; k++)
        if (strcmp(r->cat->thr_label[k], target->threshold) == 0) {
            r->thr_index = k;
            r->thr_m = r->cat->thr_m[k];
        }
    if (target->kind == GR_TARGET_PRESENCE) {
        if (eval_presence(run, t, r, c))
            return -1;
    } else {
        eval_coverage(run, t, r, c);
    }
    apply_scopes(t, r);
    return 0;
}

int gr_targets_evaluate(const gr_run_t *run, gr_targets_t **out, gr_error_t *err)
{
    *out = NULL;
    gr_targets_t *t = calloc(1, sizeof *t);
    if (!t)
        return gr_error_set(err, GR_ENOMEM, "out of memory");
    t->n_wards = run->ds->wards.n;
    int rc = group_wards(run, t, err);
    if (!rc && mark_lowcar(run, t))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory");
    if (!rc && !(t->res = calloc((size_t)run->cfg.n_targets + 1, sizeof *t->res)))
        rc = gr_error_set(err, GR_ENOMEM, "out of memory");
    for (int i = 0; !rc && i < run->cfg.n_targets; i++)
        if ((t->n = i + 1) && evaluate_one(run, t, &t->res[i], &run->cfg.targets[i]))
            rc = gr_error_set(err, GR_EGEOM, "target %s: cannot evaluate (%s)",
                              run->cfg.targets[i].id, run->geos_error);
    if (rc) {
        gr_targets_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void gr_targets_free(gr_targets_t *t)
{
    if (!t)
        return;
    for (uint32_t k = 0; k < t->n_nbhd; k++)
        free(t->nbhd_name[k]);
    for (int i = 0; i < t->n; i++) {
        free(t->res[i].ward);
        free(t->res[i].nbhd);
    }
    free(t->res);
    free(t->nbhd_name);
    free(t->ward_nbhd);
    free(t->res_lowcar);
    free(t);
}

int gr_targets_missed(const gr_targets_t *t)
{
    int n = 0;
    for (int i = 0; i < t->n; i++)
        n += t->res[i].area.verdict == GR_VERDICT_MISSED;
    return n;
}

double gr_targets_area_share(const gr_run_t *run, const gr_targets_t *t,
                             const gr_target_result_t *r, const float *dist_m)
{
    if (r->target->kind != GR_TARGET_COVERAGE || r->area.verdict == GR_VERDICT_NOT_EVALUATED ||
        !(r->area.pop > 0.0))
        return NAN;
    double within = 0.0;
    for (uint32_t i = 0; i < run->ds->residents.n; i++)
        if (is_counted(run, t, r, i) && dist_m[i] <= r->thr_m)
            within += run->ds->residents.pop[i];
    return within / r->area.pop;
}
