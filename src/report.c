#include "greenreach/report.h"

#include <cpl_string.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "greenreach/export.h"
#include "greenreach/map.h"

/* ---- a table both writers print ---- */

#define MAX_COLS 24

typedef struct {
    int n_cols, n_rows, cap;
    char head[MAX_COLS][GR_NAME_MAX];
    char (*cells)[MAX_COLS][256];
    gr_verdict_t (*tone)[MAX_COLS];   /* colours verdict cells in HTML */
} table_t;

static int table_row(table_t *t)
{
    if (t->n_rows == t->cap) {
        int c = t->cap ? 2 * t->cap : 32;
        void *cells = realloc(t->cells, (size_t)c * sizeof *t->cells);
        if (!cells)
            return -1;
        t->cells = cells;
        void *tone = realloc(t->tone, (size_t)c * sizeof *t->tone);
        if (!tone)
            return -1;
        t->tone = tone;
        t->cap = c;
    }
    memset(t->cells[t->n_rows], 0, sizeof *t->cells);
    for (int k = 0; k < MAX_COLS; k++)
        t->tone[t->n_rows][k] = GR_VERDICT_NA;
    return t->n_rows++;
}

static void table_free(table_t *t)
{
    free(t->cells);
    free(t->tone);
}

static void md_table(FILE *f, const table_t *t)
{
    for (int c = 0; c < t->n_cols; c++)
        fprintf(f, "| %s ", t->head[c]);
    fputs("|\n", f);
    for (int c = 0; c < t->n_cols; c++)
        fputs(c == 0 ? "|---" : "|---:", f);
    fputs("|\n", f);
    for (int r = 0; r < t->n_rows; r++) {
        for (int c = 0; c < t->n_cols; c++)
            fprintf(f, "| %s ", t->cells[r][c]);
        fputs("|\n", f);
    }
    fputc('\n', f);
}

static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else
            fputc(*s, f);
    }
}

static void html_table(FILE *f, const table_t *t)
{
    static const char *const cls[] = { "met", "missed", "ne", "" };
    fputs("<table>\n<tr>", f);
    for (int c = 0; c < t->n_cols; c++) {
        fputs("<th>", f);
        html_text(f, t->head[c]);
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    for (int r = 0; r < t->n_rows; r++) {
        fputs("<tr>", f);
        for (int c = 0; c < t->n_cols; c++) {
            fprintf(f, "<td class=\"%s\">", cls[t->tone[r][c]]);
            html_text(f, t->cells[r][c]);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* ---- what the tables say ---- */

static const char *verdict_mark(gr_verdict_t v)
{
    static const char *const marks[] = { "met", "MISSED", "not evaluated", "-" };
    return marks[v];
}

static void measure_text(const gr_target_result_t *r, const gr_measure_t *m, char *out, size_t n,
                         uint32_t n_wards)
{
    if (m->verdict == GR_VERDICT_NOT_EVALUATED)
        snprintf(out, n, "-");
    else if (r->target->kind == GR_TARGET_PRESENCE)
        snprintf(out, n, "%u of %u wards", n_wards - m->wards_short, n_wards);
    else
        snprintf(out, n, "%.1f%% (%.0f of %.0f)", 100.0 * m->share, m->pop_within, m->pop);
}

static void shortfall_text(const gr_target_result_t *r, const gr_measure_t *m, char *out, size_t n)
{
    if (m->verdict != GR_VERDICT_MISSED)
        snprintf(out, n, "-");
    else if (r->target->kind == GR_TARGET_PRESENCE)
        snprintf(out, n, "%u wards (%.0f residents)", m->wards_short, m->shortfall_pop);
    else
        snprintf(out, n, "%.0f residents", m->shortfall_pop);
}

static void count_met(const gr_measure_t *rows, uint32_t n, char *out, size_t len)
{
    uint32_t met = 0, judged = 0;
    for (uint32_t i = 0; i < n; i++) {
        met += rows[i].verdict == GR_VERDICT_MET;
        judged += rows[i].verdict == GR_VERDICT_MET || rows[i].verdict == GR_VERDICT_MISSED;
    }
    if (judged)
        snprintf(out, len, "%u / %u", met, judged);
    else
        snprintf(out, len, "-");
}

static int headline_table(const gr_targets_t *tg, table_t *t)
{
    static const char *const head[] = { "Target", "What", "Area-wide", "Measure", "Short by",
                                        "Wards met", "Neighbourhoods met", "Note" };
    t->n_cols = 8;
    for (int c = 0; c < t->n_cols; c++)
        snprintf(t->head[c], sizeof t->head[c], "%s", head[c]);
    for (int i = 0; i < tg->n; i++) {
        const gr_target_result_t *r = &tg->res[i];
        int row = table_row(t);
        if (row < 0)
            return -1;
        char (*c)[256] = t->cells[row];
        snprintf(c[0], 256, "%s", r->target->id);
        snprintf(c[1], 256, "%s", r->target->title);
        snprintf(c[2], 256, "%s", verdict_mark(r->area.verdict));
        t->tone[row][2] = r->area.verdict;
        measure_text(r, &r->area, c[3], 256, tg->n_wards);
        shortfall_text(r, &r->area, c[4], 256);
        count_met(r->ward, tg->n_wards, c[5], 256);
        count_met(r->nbhd, tg->n_nbhd, c[6], 256);
        snprintf(c[7], 256, "%s", r->note);
    }
    return 0;
}

/* The first evaluated coverage target orders the rows: worst share first. */
static const gr_target_result_t *sort_target(const gr_targets_t *tg)
{
    for (int i = 0; i < tg->n; i++)
        if (tg->res[i].target->kind == GR_TARGET_COVERAGE &&
            tg->res[i].area.verdict != GR_VERDICT_NOT_EVALUATED)
            return &tg->res[i];
    return NULL;
}

static const gr_measure_t *sort_rows;

static int cmp_share(const void *a, const void *b)
{
    double x = sort_rows[*(const uint32_t *)a].share, y = sort_rows[*(const uint32_t *)b].share;
    if (x != y)
        return x < y ? -1 : 1;
    return (*(const uint32_t *)a > *(const uint32_t *)b) - (*(const uint32_t *)a < *(const uint32_t *)b);
}

static uint32_t *worst_first(const gr_measure_t *rows, uint32_t n)
{
    uint32_t *order = malloc((size_t)n * sizeof *order + 1);
    if (!order)
        return NULL;
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    if (rows) {
        sort_rows = rows;
        qsort(order, n, sizeof *order, cmp_share);
    }
    return order;
}

/* Rows of wards (is_nbhd false) or neighbourhoods, one column per target
 * with a verdict at that level, worst first. */
static int area_table(const gr_run_t *run, const gr_targets_t *tg, bool is_nbhd, table_t *t)
{
    const gr_target_result_t *key = sort_target(tg);
    uint32_t n = is_nbhd ? tg->n_nbhd : tg->n_wards;
    int scope = is_nbhd ? GR_SCOPE_NBHD : GR_SCOPE_WARD;
    snprintf(t->head[0], GR_NAME_MAX, "%s", is_nbhd ? "Neighbourhood" : "Ward");
    snprintf(t->head[1], GR_NAME_MAX, "%s", is_nbhd ? "Wards" : "Neighbourhood");
    snprintf(t->head[2], GR_NAME_MAX, "Population");
    t->n_cols = 3;
    for (int i = 0; i < tg->n && t->n_cols < MAX_COLS; i++)
        if (tg->res[i].target->scopes & scope)
            snprintf(t->head[t->n_cols++], GR_NAME_MAX, "%s", tg->res[i].target->id);
    uint32_t *order = worst_first(key ? (is_nbhd ? key->nbhd : key->ward) : NULL, n);
    if (!order)
        return -1;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = order[k];
        int row = table_row(t), col = 3;
        if (row < 0) {
            free(order);
            return -1;
        }
        char (*c)[256] = t->cells[row];
        uint32_t wards = 0;
        double pop = 0.0;
        for (uint32_t w = 0; w < tg->n_wards; w++)
            if (is_nbhd ? tg->ward_nbhd[w] == i : w == i) {
                wards++;
                pop += run->cats[0].cov->pop[w];
            }
        snprintf(c[0], 256, "%s", is_nbhd ? tg->nbhd_name[i] : run->ds->wards.name[i]);
        if (is_nbhd)
            snprintf(c[1], 256, "%u", wards);
        else
            snprintf(c[1], 256, "%s", tg->ward_nbhd[i] != GR_NONE ? tg->nbhd_name[tg->ward_nbhd[i]] : "");
        snprintf(c[2], 256, "%.0f", pop);
        for (int j = 0; j < tg->n && col < MAX_COLS; j++) {
            const gr_target_result_t *r = &tg->res[j];
            if (!(r->target->scopes & scope))
                continue;
            const gr_measure_t *m = is_nbhd ? &r->nbhd[i] : &r->ward[i];
            if (m->verdict == GR_VERDICT_MET || m->verdict == GR_VERDICT_MISSED)
                snprintf(c[col], 256, r->target->kind == GR_TARGET_COVERAGE ? "%.1f%% %s" : "%.0f %s",
                         r->target->kind == GR_TARGET_COVERAGE ? 100.0 * m->share : (double)m->n_sites,
                         verdict_mark(m->verdict));
            else
                snprintf(c[col], 256, "%s", verdict_mark(m->verdict));
            t->tone[row][col++] = m->verdict;
        }
    }
    free(order);
    return 0;
}

/* ---- changes since the previous run ---- */

static void state_text(const gr_target_result_t *r, const char *share, const char *verdict,
                       char *out, size_t n)
{
    if (r->target->kind == GR_TARGET_COVERAGE && share && strcmp(verdict, "met") == 0)
        snprintf(out, n, "%.1f%% met", 100.0 * atof(share));
    else if (r->target->kind == GR_TARGET_COVERAGE && share && strcmp(verdict, "missed") == 0)
        snprintf(out, n, "%.1f%% missed", 100.0 * atof(share));
    else
        snprintf(out, n, "%s", verdict);
}

/* One row per ward (and the total) and target whose verdict changed or
 * whose share moved by at least 0.1 percentage points. */
static int change_rows(const gr_run_t *run, const gr_targets_t *tg, const gr_history_t *prev,
                       uint32_t w, table_t *t)
{
    const char *code = w < tg->n_wards ? run->ds->wards.code[w] : "TOTAL";
    for (int i = 0; i < tg->n; i++) {
        const gr_target_result_t *r = &tg->res[i];
        const gr_measure_t *m = w < tg->n_wards ? &r->ward[w] : &r->area;
        char col[GR_NAME_MAX + 8], share_now[32];
        snprintf(col, sizeof col, "%s_share", r->target->id);
        const char *was = gr_history_get(prev, code, r->target->id);
        const char *was_share = gr_history_get(prev, code, col);
        snprintf(share_now, sizeof share_now, "%.6f", m->share);
        bool has_moved = was_share && r->target->kind == GR_TARGET_COVERAGE &&
                         fabs(atof(was_share) - m->share) >= 0.001;
        if (!was || (strcmp(was, gr_verdict_name(m->verdict)) == 0 && !has_moved))
            continue;
        int row = table_row(t);
        if (row < 0)
            return -1;
        char (*c)[256] = t->cells[row];
        snprintf(c[0], 256, "%s", w < tg->n_wards ? run->ds->wards.name[w] : "All wards");
        snprintf(c[1], 256, "%s", r->target->id);
        state_text(r, was_share, was, c[2], 256);
        state_text(r, share_now, gr_verdict_name(m->verdict), c[3], 256);
        t->tone[row][3] = m->verdict;
    }
    return 0;
}

static int changes_table(const gr_run_t *run, const gr_targets_t *tg, const gr_history_t *prev,
                         table_t *t)
{
    static const char *const head[] = { "Ward", "Target", "Last run", "This run" };
    t->n_cols = 4;
    for (int c = 0; c < 4; c++)
        snprintf(t->head[c], GR_NAME_MAX, "%s", head[c]);
    for (uint32_t w = 0; prev && w <= tg->n_wards; w++)
        if (change_rows(run, tg, prev, w, t))
            return -1;
    return 0;
}

/* ---- walked against straight-line shares ---- */

/* With compare_straight: each evaluated coverage target's area-wide share
 * walked and straight, and the gap buffer-based figures overstate by. */
static int compare_table(const gr_run_t *run, const gr_targets_t *tg, table_t *t)
{
    static const char *const head[] = { "Target", "Threshold", "Walked", "Straight line",
                                        "Gap (points)" };
    bool is_straight = run->cfg.walk_mode == GR_WALK_STRAIGHT;
    t->n_cols = 5;
    for (int c = 0; c < t->n_cols; c++)
        snprintf(t->head[c], sizeof t->head[c], "%s", head[c]);
    for (int i = 0; run->cfg.compare_straight && i < tg->n; i++) {
        const gr_target_result_t *r = &tg->res[i];
        int cat = gr_config_category(&run->cfg, r->target->category);
        double other = gr_targets_area_share(run, tg, r, run->cats[cat].cmp_dist_m);
        if (isnan(other))
            continue;
        double walked = is_straight ? other : r->area.share;
        double straight = is_straight ? r->area.share : other;
        int row = table_row(t);
        if (row < 0)
            return -1;
        char (*c)[256] = t->cells[row];
        snprintf(c[0], 256, "%s", r->target->id);
        snprintf(c[1], 256, "%s", r->target->threshold);
        snprintf(c[2], 256, "%.1f%%", 100.0 * walked);
        snprintf(c[3], 256, "%.1f%%", 100.0 * straight);
        snprintf(c[4], 256, "%+.1f", 100.0 * (straight - walked));
    }
    return 0;
}

static const char *const compare_intro =
    "The same targets measured both ways: walked along paths to an entrance, and in a straight "
    "line to the nearest site boundary as buffer-based figures measure it. The gap is how much "
    "a buffer overstates access.";

/* ---- notes on the data ---- */

/* Room for the fixed notes plus two per category (unreached sites, islands
 * without an entrance). */
#define MAX_NOTES (2 * GR_MAX_CATEGORIES + 12)

typedef struct {
    char text[MAX_NOTES][256];
    int n;
} notes_t;

static void note(notes_t *nt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(notes_t *nt, const char *fmt, ...)
{
    if (nt->n >= MAX_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(nt->text[nt->n++], sizeof nt->text[0], fmt, ap);
    va_end(ap);
}

/* Residents given as zones and spread over homes (dasymetric). */
static void homes_note(const gr_run_t *run, notes_t *nt)
{
    const gr_dasymetric_stats_t *d = &run->dasy;
    note(nt, "Residents: %u zones spread over the %u homes inside them (%s; at most %.0f people "
         "in one home, zone fid %lld); %u zones (%.0f people) have no home and stay at one "
         "point; %u homes outside every zone are ignored.", d->zones, d->homes_in_zones,
         run->cfg.f_home_weight[0] ? "by weight" : "equally", d->max_home_pop,
         (long long)d->max_home_zone_fid, d->zones_without_homes, d->pop_without_homes,
         d->homes - d->homes_in_zones);
}

/* One note naming every category that counts only sites of a least size. */
static void tier_note(const gr_run_t *run, notes_t *nt)
{
    char out[256];
    size_t k = 0, n = sizeof out;
    for (int c = 0; c < run->n_cats && k < n; c++) {
        const gr_category_t *cat = run->cats[c].cat;
        if (cat->min_area_m2 > 0.0)
            k += (size_t)snprintf(out + k, n - k, "%s%s: sites of at least %g ha",
                                  k ? "; " : "Size tiers (site area in the working CRS): ",
                                  cat->name, cat->min_area_m2 / 1e4);
    }
    if (k && k < n)
        snprintf(out + k, n - k, ".");
    if (k)
        note(nt, "%s", out);
}

/* Per category: sites no path reaches, and residents on path islands that
 * hold none of its entrances (a missing path link, not a missing park). */
static void category_notes(const gr_run_t *run, notes_t *nt)
{
    for (int c = 0; c < run->n_cats; c++) {
        const gr_cat_result_t *cr = &run->cats[c];
        if (cr->n_sites_unreached)
            note(nt, "%u of %u %s sites have no path entrance within %g m and serve nobody.",
                 cr->n_sites_unreached, cr->n_sites, cr->cat->name, run->cfg.snap_max_m);
        if (cr->cut_off.residents)
            note(nt, "%u resident points (%.0f people) are on %u path islands with no %s "
                 "entrance: no walk along the paths reaches one, however long.",
                 cr->cut_off.residents, cr->cut_off.population, cr->cut_off.islands,
                 cr->cat->name);
    }
}

/* What the loader skipped or repaired (the same counts as run_summary.txt). */
static void loader_notes(const gr_run_t *run, notes_t *nt)
{
    const gr_load_stats_t *s = &run->ds->stats;
    if (s->sites_repaired + s->wards_repaired)
        note(nt, "%u invalid site and %u invalid ward polygons were repaired (GEOS MakeValid).",
             s->sites_repaired, s->wards_repaired);
    if (s->paths_empty + s->sites_empty + s->residents_empty)
        note(nt, "Skipped for want of a usable geometry (null, empty or degenerate): %u path, "
             "%u site and %u resident features.", s->paths_empty, s->sites_empty,
             s->residents_empty);
    if (s->residents_zero_pop)
        note(nt, "%u resident points have a population of 0 and weigh nothing.",
             s->residents_zero_pop);
    if (s->access_unassigned + run->ent->access_unsnapped)
        note(nt, "%u surveyed entrances match no site and %u are beyond %g m of any path; "
             "neither is used.", s->access_unassigned, run->ent->access_unsnapped,
             run->cfg.snap_max_m);
    if (run->has_homes)
        homes_note(run, nt);
}

/* Over every resident, in a ward or not, like the count beside it (the
 * coverage rows hold only residents in a ward). */
static double unsnapped_population(const gr_run_t *run)
{
    const gr_residents_t *R = &run->ds->residents;
    double pop = 0.0;
    for (uint32_t i = 0; i < R->n; i++)
        pop += run->res_snapped[i] ? 0.0 : R->pop[i];
    return pop;
}

static void data_notes(const gr_run_t *run, const gr_targets_t *tg, notes_t *nt)
{
    const gr_coverage_t *cv = run->cats[0].cov;
    nt->n = 0;
    note(nt, "%u residents' points (%.0f people) are more than %g m from any path and count "
         "as not served.", run->n_unsnapped, unsnapped_population(run), run->cfg.snap_max_m);
    note(nt, "%u resident points (%.0f people) lie outside every ward and are left out of the "
         "ward and area figures.", cv->residents_outside, cv->pop_outside);
    note(nt, "The path network has %u separate islands; the largest holds %u of %u junctions.",
         run->g->stats.components, run->g->stats.largest_component, run->g->n_nodes);
    category_notes(run, nt);
    loader_notes(run, nt);
    tier_note(run, nt);
    if (isnan(tg->lowcar_threshold))
        note(nt, "No resident carries a no-car share, so low-car zones cannot be identified.");
    else
        note(nt, "Low-car zones: no-car share above %.1f%%.", 100.0 * tg->lowcar_threshold);
}

/* ---- maps ---- */

typedef struct {
    gr_png_t png[GR_MAP_COUNT];
} maps_t;

static int render_maps(const gr_run_t *run, const gr_targets_t *tg, maps_t *m, gr_error_t *err)
{
    int cat = gr_config_category(&run->cfg, "park");
    if (cat < 0)
        cat = 0;
    for (int k = 0; k < GR_MAP_COUNT; k++) {
        int rc = gr_map_render(run, tg, cat, (gr_map_kind_t)k, 900, &m->png[k], err);
        if (rc)
            return rc;
    }
    return 0;
}

static int write_map_files(const maps_t *m, const char *dir, gr_error_t *err)
{
    char sub[GR_PATH_MAX + 16];
    snprintf(sub, sizeof sub, "%s/maps", dir);
    int rc = gr_export_prepare_dir(sub, err);
    for (int k = 0; !rc && k < GR_MAP_COUNT; k++) {
        char name[64], tmp[GR_PATH_MAX + 96];
        FILE *f;
        snprintf(name, sizeof name, "%s.png", gr_map_names[k]);
        rc = gr_export_open_tmp(sub, name, tmp, sizeof tmp, &f, err);
        if (!rc) {
            fwrite(m->png[k].data, 1, m->png[k].len, f);
            rc = gr_export_commit(f, tmp, sub, name, err);
        }
    }
    return rc;
}

/* ---- the two documents ---- */

typedef struct {
    table_t headline, wards, nbhds, changes, compare;
    bool has_history;
    notes_t notes;
    char when[32];
} content_t;

static void content_free(content_t *c)
{
    table_free(&c->headline);
    table_free(&c->wards);
    table_free(&c->nbhds);
    table_free(&c->changes);
    table_free(&c->compare);
}

static int build_content(const gr_run_t *run, const gr_targets_t *tg, const gr_history_t *prev,
                         content_t *c)
{
    memset(c, 0, sizeof *c);
    time_t now = time(NULL);
    strftime(c->when, sizeof c->when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    data_notes(run, tg, &c->notes);
    if (headline_table(tg, &c->headline) || area_table(run, tg, false, &c->wards) ||
        (tg->n_nbhd && area_table(run, tg, true, &c->nbhds)) ||
        changes_table(run, tg, prev, &c->changes) || compare_table(run, tg, &c->compare))
        return -1;
    c->has_history = prev != NULL;
    return 0;
}

static void run_facts(FILE *f, const gr_run_t *run, const content_t *c, bool is_html)
{
    const gr_config_t *cfg = &run->cfg;
    fprintf(f, is_html ? "<p class=\"facts\">" : "");
    fprintf(f, "Generated %s by greenreach %s. Inputs: wards %s, paths %s, green spaces %s, "
               "residents %s. CRS %s; walking speed %g km/h; residents snapped to paths within "
               "%g m. %s",
            c->when, GR_VERSION, cfg->wards.path, cfg->paths.path, cfg->greenspaces.path,
            cfg->residents.path, run->ds->crs_def, cfg->speed_kmh, cfg->snap_max_m,
            cfg->walk_mode == GR_WALK_STRAIGHT
                ? "Distances are straight lines to the nearest site (0 inside it), as "
                  "buffer-based figures measure them ([walk] mode = straight): walking "
                  "distances are longer."
                : "Distances are walked along the path network to site entrances.");
    fputs(is_html ? "</p>\n" : "\n\n", f);
}

static const char *changes_intro(const content_t *c)
{
    if (!c->has_history)
        return "No earlier run in this output folder to compare with.";
    if (c->changes.n_rows == 0)
        return "No verdict changed and no share moved by 0.1 points or more since the last run.";
    return "Verdicts that changed, and shares that moved by 0.1 points or more, since the last "
           "run in this output folder.";
}

static void write_md(FILE *f, const gr_run_t *run, const content_t *c)
{
    fputs("# Walking access to green space: targets report\n\n", f);
    run_facts(f, run, c, false);
    fputs("## Targets\n\n", f);
    md_table(f, &c->headline);
    if (c->compare.n_rows) {
        fprintf(f, "## Walked and straight-line shares\n\n%s\n\n", compare_intro);
        md_table(f, &c->compare);
    }
    fprintf(f, "## Since the last run\n\n%s\n\n", changes_intro(c));
    if (c->changes.n_rows)
        md_table(f, &c->changes);
    fputs("## Maps\n\n", f);
    for (int k = 0; k < GR_MAP_COUNT; k++)
        fprintf(f, "![%s](maps/%s.png)\n\n*%s*\n\n", gr_map_caption(run, k), gr_map_names[k],
                gr_map_caption(run, k));
    fputs("## Wards (worst first)\n\n", f);
    md_table(f, &c->wards);
    if (c->nbhds.n_rows) {
        fputs("## Neighbourhoods (worst first)\n\n", f);
        md_table(f, &c->nbhds);
    }
    fputs("## About the data\n\n", f);
    for (int i = 0; i < c->notes.n; i++)
        fprintf(f, "- %s\n", c->notes.text[i]);
}

static const char *const css =
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:14px}"
    "th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#eee}"
    "td.met{background:#c8e6c9}td.missed{background:#ffcdd2}td.ne{background:#eeeeee;color:#666}"
    "figure{margin:1em 0}img{max-width:100%;border:1px solid #ccc}.facts{color:#555}";

static void write_html(FILE *f, const gr_run_t *run, const content_t *c, const maps_t *m)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<title>Walking access to green space</title><style>%s</style></head><body>\n"
               "<h1>Walking access to green space: targets report</h1>\n", css);
    run_facts(f, run, c, true);
    fputs("<h2>Targets</h2>\n", f);
    html_table(f, &c->headline);
    if (c->compare.n_rows) {
        fprintf(f, "<h2>Walked and straight-line shares</h2>\n<p>%s</p>\n", compare_intro);
        html_table(f, &c->compare);
    }
    fprintf(f, "<h2>Since the last run</h2>\n<p>%s</p>\n", changes_intro(c));
    if (c->changes.n_rows)
        html_table(f, &c->changes);
    fputs("<h2>Maps</h2>\n", f);
    for (int k = 0; k < GR_MAP_COUNT; k++) {
        char *b64 = CPLBase64Encode((int)m->png[k].len, m->png[k].data);
        fprintf(f, "<figure><img id=\"map-%s\" alt=\"%s\" src=\"data:image/png;base64,%s\">"
                   "<figcaption>%s</figcaption></figure>\n",
                gr_map_names[k], gr_map_caption(run, k), b64 ? b64 : "", gr_map_caption(run, k));
        CPLFree(b64);
    }
    fputs("<h2>Wards (worst first)</h2>\n", f);
    html_table(f, &c->wards);
    if (c->nbhds.n_rows) {
        fputs("<h2>Neighbourhoods (worst first)</h2>\n", f);
        html_table(f, &c->nbhds);
    }
    fputs("<h2>About the data</h2>\n<ul>\n", f);
    for (int i = 0; i < c->notes.n; i++) {
        fputs("<li>", f);
        html_text(f, c->notes.text[i]);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n</body></html>\n", f);
}

static int write_docs(const gr_run_t *run, const content_t *c, const maps_t *m, const char *dir,
                      gr_error_t *err)
{
    char tmp[GR_PATH_MAX + 64];
    FILE *f;
    int rc = gr_export_open_tmp(dir, "report.md", tmp, sizeof tmp, &f, err);
    if (rc)
        return rc;
    write_md(f, run, c);
    if ((rc = gr_export_commit(f, tmp, dir, "report.md", err)))
        return rc;
    if ((rc = gr_export_open_tmp(dir, "report.html", tmp, sizeof tmp, &f, err)))
        return rc;
    write_html(f, run, c, m);
    return gr_export_commit(f, tmp, dir, "report.html", err);
}

int gr_report_write(const gr_run_t *run, const gr_targets_t *tg, const gr_history_t *prev,
                    const char *dir, gr_error_t *err)
{
    content_t c;
    maps_t m;
    memset(&m, 0, sizeof m);
    int rc = build_content(run, tg, prev, &c) ? gr_error_set(err, GR_ENOMEM, "out of memory") : 0;
    if (!rc)
        rc = render_maps(run, tg, &m, err);
    if (!rc)
        rc = write_map_files(&m, dir, err);
    if (!rc)
        rc = write_docs(run, &c, &m, dir, err);
    for (int k = 0; k < GR_MAP_COUNT; k++)
        gr_png_free(&m.png[k]);
    content_free(&c);
    return rc;
}
