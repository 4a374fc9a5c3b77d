/* `greenreach check-site` and `greenreach suggest-sites`: planning
 * what-if on top of one base run. check-site reports, per candidate and
 * for all together, who gains and which targets flip (and what new path
 * links would do); suggest-sites ranks candidates by newly covered
 * residents. Both print a table and write CSVs into the output folder. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "greenreach/config.h"
#include "greenreach/export.h"
#include "greenreach/pipeline.h"
#include "greenreach/candidates.h"
#include "greenreach/newpaths.h"
#include "greenreach/suggest.h"
#include "greenreach/whatif.h"
#include "commands.h"

typedef struct {
    const char *config, *out_dir, *site, *layer, *function, *entrances, *add_paths;
    const char *candidates, *target, *play_class;
    double grid_m, lowcar_weight;
    long count;
    int is_connect, is_quiet;
} wi_opts_t;

/* ---- shared: options, base run, atomic CSV files ---- */

static int parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return (end == s || *end || errno) ? -1 : 0;
}

static int parse_opts(int argc, char **argv, wi_opts_t *o)
{
    o->lowcar_weight = 1.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double num;
        if (strcmp(a, "--connect") == 0) { o->is_connect = 1; continue; }
        if (strcmp(a, "--quiet") == 0) { o->is_quiet = 1; continue; }
        if (!v)
            return -1;
        i++;
        if (strcmp(a, "--config") == 0) o->config = v;
        else if (strcmp(a, "--out") == 0) o->out_dir = v;
        else if (strcmp(a, "--site") == 0) o->site = v;
        else if (strcmp(a, "--layer") == 0) o->layer = v;
        else if (strcmp(a, "--site-function") == 0) o->function = v;
        else if (strcmp(a, "--play-class") == 0) o->play_class = v;
        else if (strcmp(a, "--entrances") == 0) o->entrances = v;
        else if (strcmp(a, "--add-paths") == 0) o->add_paths = v;
        else if (strcmp(a, "--candidates") == 0) o->candidates = v;
        else if (strcmp(a, "--target") == 0) o->target = v;
        else if (parse_number(v, &num)) return -1;
        else if (strcmp(a, "--grid") == 0 && num > 0) o->grid_m = num;
        else if (strcmp(a, "--count") == 0 && num >= 1) o->count = (long)num;
        else if (strcmp(a, "--lowcar-weight") == 0 && num >= 0) o->lowcar_weight = num;
        else return -1;
    }
    return 0;
}

static void on_progress(const char *msg, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "greenreach: %s\n", msg);
}

/* The base run every what-if question starts from. */
static int base_run(const wi_opts_t *o, gr_run_t **run, gr_error_t *err)
{
    gr_config_t cfg;
    gr_config_defaults(&cfg);
    if (o->config && gr_config_load(&cfg, o->config, err))
        return err->code;
    if (o->out_dir)
        snprintf(cfg.out_dir, sizeof cfg.out_dir, "%s", o->out_dir);
    int rc = gr_export_prepare_dir(cfg.out_dir, err);
    return rc ? rc : gr_run_compute(&cfg, o->is_quiet ? NULL : on_progress, NULL, run, err);
}

/* An output file written under a temporary name (export.h's rule). */
typedef struct {
    FILE *f;
    const char *dir, *name;
    char tmp[GR_PATH_MAX + 64];
} out_file_t;

static int out_open(out_file_t *of, const char *dir, const char *name, gr_error_t *err)
{
    of->dir = dir;
    of->name = name;
    return gr_export_open_tmp(dir, name, of->tmp, sizeof of->tmp, &of->f, err);
}

/* Renames into place when complete; on failure (or abandon) removes it. */
static int out_commit(out_file_t *of, int abandon, gr_error_t *err)
{
    if (!of->f)
        return 0;
    FILE *f = of->f;
    of->f = NULL;
    if (abandon) {
        fclose(f);
        remove(of->tmp);
        return 0;
    }
    return gr_export_commit(f, of->tmp, of->dir, of->name, err);
}

/* ---- check-site: printing one effect ---- */

static const char *kind_name(gr_entry_kind_t k)
{
    static const char *const names[] = { "access points", "path crossings", "nearest path",
                                         "no path reaches it" };
    return names[k <= GR_ENTRY_NONE ? k : GR_ENTRY_NONE];
}

static double cell(const double *a, const gr_effect_t *e, uint32_t row, int t)
{
    return a[(size_t)row * e->n_thr + (size_t)t];
}

static bool row_gains(const gr_effect_t *e, uint32_t row)
{
    for (uint32_t t = 0; t < e->n_thr; t++)
        if (cell(e->gain, e, row, (int)t) != 0.0)
            return true;
    return false;
}

static void print_gains(const gr_effect_t *e, uint32_t row, const gr_category_t *cat,
                        bool has_lowcar)
{
    for (int t = 0; t < cat->n_thr; t++)
        printf("  %+.0f <=%s", cell(e->gain, e, row, t), cat->thr_label[t]);
    if (has_lowcar) {
        printf("   low-car:");
        for (int t = 0; t < cat->n_thr; t++)
            printf(" %+.0f", cell(e->gain_lowcar, e, row, t));
    }
    putchar('\n');
}

static void print_flips(const gr_whatif_t *w, const gr_effect_t *e)
{
    gr_flip_t flips[64];
    int n = gr_whatif_flips(w, e, flips, 64);
    for (int k = 0; k < n && k < 64; k++) {
        const char *code, *name;
        gr_row_kind_t kind = gr_whatif_row(w, flips[k].row, &code, &name);
        printf("    flips %s in %s %s: %s -> %s (%.1f%% -> %.1f%%)\n", flips[k].target->id,
               kind == GR_ROW_WARD ? "ward" : kind == GR_ROW_NBHD ? "nbhd" : "area", name,
               flips[k].is_met_before ? "met" : "missed", flips[k].is_met_after ? "met" : "missed",
               100.0 * flips[k].share_before, 100.0 * flips[k].share_after);
    }
    if (n > 64)
        printf("    ... and %d more verdict changes\n", n - 64);
}

/* Area row, then every ward and neighbourhood that gains. */
static void print_effect(const gr_whatif_t *w, const gr_run_t *run, const gr_effect_t *e)
{
    const gr_category_t *cat = run->cats[e->cat].cat;
    bool has_lowcar = gr_whatif_has_lowcar(w);
    uint32_t n_rows = gr_whatif_n_rows(w);
    printf("  %-12s %-19s", cat->name, "all wards");
    print_gains(e, n_rows - 1, cat, has_lowcar);
    for (uint32_t row = 0; row + 1 < n_rows; row++) {
        const char *code, *name;
        gr_row_kind_t kind = gr_whatif_row(w, row, &code, &name);
        if (!row_gains(e, row))
            continue;
        printf("    %-4s %-25.25s", kind == GR_ROW_WARD ? "ward" : "nbhd", name);
        print_gains(e, row, cat, has_lowcar);
    }
    print_flips(w, e);
}

/* ---- check-site: CSV rows ---- */

static void csv_effect(FILE *f, const gr_whatif_t *w, const gr_run_t *run, const char *cand,
                       const char *fn, const char *entry, const gr_site_result_t *r,
                       const gr_effect_t *e)
{
    const gr_category_t *cat = run->cats[e->cat].cat;
    gr_tally_t base = gr_whatif_base(w, e->cat);
    uint32_t n_rows = gr_whatif_n_rows(w);
    for (uint32_t row = 0; row < n_rows; row++) {
        const char *code, *name;
        gr_row_kind_t kind = gr_whatif_row(w, row, &code, &name);
        if (kind != GR_ROW_AREA && !row_gains(e, row))
            continue;
        for (int t = 0; t < cat->n_thr; t++) {
            double pop = base.pop[row], before = cell(base.within, e, row, t);
            double gain = cell(e->gain, e, row, t);
            gr_export_csv_str(f, cand);
            fprintf(f, ",%s,%s,%u,%.1f,%s,%s,%s,", fn, entry, r ? r->n_entrances : 0,
                    r ? r->link_m : 0.0, cat->name, cat->thr_label[t],
                    kind == GR_ROW_WARD ? "ward" : kind == GR_ROW_NBHD ? "nbhd" : "area");
            gr_export_csv_str(f, code);
            fputc(',', f);
            gr_export_csv_str(f, name);
            fprintf(f, ",%.0f,%.0f,%.0f,%.4f,%.4f\n", gain, cell(e->gain_lowcar, e, row, t), pop,
                    pop > 0 ? before / pop : 0.0, pop > 0 ? (before + gain) / pop : 0.0);
        }
    }
}

static void csv_flips(FILE *f, const gr_whatif_t *w, const char *cand, const gr_effect_t *e)
{
    gr_flip_t flips[256];
    int n = gr_whatif_flips(w, e, flips, 256);
    for (int k = 0; k < n && k < 256; k++) {
        const char *code, *name;
        gr_row_kind_t kind = gr_whatif_row(w, flips[k].row, &code, &name);
        gr_export_csv_str(f, cand);
        fprintf(f, ",%s,%s,", flips[k].target->id,
                kind == GR_ROW_WARD ? "ward" : kind == GR_ROW_NBHD ? "nbhd" : "area");
        gr_export_csv_str(f, code);
        fprintf(f, ",%.4f,%.4f,%s,%s\n", flips[k].share_before, flips[k].share_after,
                flips[k].is_met_before ? "met" : "missed", flips[k].is_met_after ? "met" : "missed");
    }
}

/* ---- check-site: the three parts ---- */

typedef struct {
    out_file_t csv, flips;
    bool cat_used[GR_MAX_CATEGORIES];
} check_out_t;

static void print_candidate_head(const gr_candidates_t *c, uint32_t i, const char *fn,
                                 const gr_site_result_t *r)
{
    printf("%s (%s): ", c->ds->sites.site_id[i], fn);
    if (r->kind == GR_ENTRY_NONE)
        printf("no path reaches it (none within the snap cap; --connect links it)\n");
    else if (r->link_m > 0.0f)
        printf("%u entrance(s), linked by a new straight path of %.0f m\n", r->n_entrances,
               r->link_m);
    else
        printf("%u entrance(s) (%s)\n", r->n_entrances, kind_name(r->kind));
    if (r->kind != GR_ENTRY_NONE && r->n_eff == 0)
        printf("  its function is in no configured category: no effect\n");
}

/* Prints and writes one candidate's result and adds it to the total. */
static int check_report(const gr_candidates_t *c, uint32_t i, const char *fn, gr_run_t *run,
                        gr_whatif_t *w, const gr_site_result_t *r, check_out_t *co,
                        gr_error_t *err)
{
    const char *id = c->ds->sites.site_id[i];
    print_candidate_head(c, i, fn, r);
    if (r->kind == GR_ENTRY_NONE) {
        gr_export_csv_str(co->csv.f, id);
        fprintf(co->csv.f, ",%s,unreached,0,0.0,,,,,,,,,,\n", fn);
        return 0;
    }
    int rc = 0;
    for (int k = 0; !rc && k < r->n_eff; k++) {
        print_effect(w, run, &r->eff[k]);
        csv_effect(co->csv.f, w, run, id, fn, kind_name(r->kind), r, &r->eff[k]);
        csv_flips(co->flips.f, w, id, &r->eff[k]);
        co->cat_used[r->eff[k].cat] = true;
        rc = gr_whatif_accumulate(w, &r->eff[k], err);
    }
    return rc;
}

static int check_candidates(const wi_opts_t *o, gr_run_t *run, gr_whatif_t *w, check_out_t *co,
                            gr_error_t *err)
{
    gr_candidates_t *c = NULL;
    char fn_norm[GR_NAME_MAX] = "";
    if (o->function)
        gr_normalise_function(o->function, fn_norm, sizeof fn_norm);
    double t0 = gr_now_s(), slowest = 0.0;
    int rc = gr_candidates_load(run, o->site, o->layer, o->entrances, &c, err);
    double t_read = gr_now_s() - t0;
    gr_site_result_t r = {0};
    for (uint32_t i = 0; !rc && i < c->n; i++) {
        const char *own = c->ds->sites.function[i];
        const char *fn = fn_norm[0] ? fn_norm : (own[0] ? own : "park");
        double t1 = gr_now_s();
        rc = gr_whatif_site(w, c, i, fn_norm, o->play_class, o->is_connect, &r, err);
        slowest = fmax(slowest, gr_now_s() - t1);
        if (!rc)
            rc = check_report(c, i, fn, run, w, &r, co, err);
    }
    double total = gr_now_s() - t0;
    if (!rc)
        printf("(%u candidate(s) after the base run: %.1f ms in all, %.1f of it opening the file "
               "and placing entrances; %.2f ms each; slowest search %.2f ms)\n", c->n,
               1e3 * total, 1e3 * t_read, 1e3 * total / (c->n ? c->n : 1), 1e3 * slowest);
    gr_site_result_free(&r);
    gr_candidates_free(c, run->gh);
    return rc;
}

static int check_combined(gr_run_t *run, gr_whatif_t *w, check_out_t *co, gr_error_t *err)
{
    gr_effect_t all = {0};
    int rc = 0;
    bool is_first = true;
    for (int cat = 0; !rc && cat < run->n_cats; cat++) {
        if (!co->cat_used[cat])
            continue;
        rc = gr_whatif_combined(w, cat, &all, err);
        if (rc)
            break;
        if (is_first)
            printf("ALL CANDIDATES TOGETHER:\n");
        is_first = false;
        print_effect(w, run, &all);
        csv_effect(co->csv.f, w, run, "ALL", "", "", NULL, &all);
        csv_flips(co->flips.f, w, "ALL", &all);
    }
    gr_effect_free(&all);
    return rc;
}

static int check_paths(const wi_opts_t *o, gr_run_t *run, gr_whatif_t *w, check_out_t *co,
                       gr_error_t *err)
{
    gr_dataset_t *ds = NULL;
    gr_paths_result_t r = {0};
    gr_layer_spec_t spec;
    memset(&spec, 0, sizeof spec);
    snprintf(spec.path, sizeof spec.path, "%s", o->add_paths);
    int rc = gr_load_new_paths(&run->cfg, run->ds->crs_def, &spec, run->gh, &ds, err);
    double t0 = gr_now_s();
    if (!rc)
        rc = gr_whatif_add_paths(w, &ds->paths, &r, err);
    if (!rc) {
        printf("NEW PATHS %s: %u segment(s); %u vertex(es) joined to existing nodes, %u by "
               "splitting an edge; %u line(s) joined nowhere; %u resident(s) now nearest a new "
               "link; %u new site entrance(s)  (%.1f ms)\n", o->add_paths, r.n_segments,
               r.n_joined, r.n_split, r.n_isolated, r.n_resnapped, r.n_new_entrances,
               1e3 * (gr_now_s() - t0));
        for (int k = 0; k < r.n_eff; k++) {
            print_effect(w, run, &r.eff[k]);
            csv_effect(co->csv.f, w, run, "ADD-PATHS", "", "new paths", NULL, &r.eff[k]);
            csv_flips(co->flips.f, w, "ADD-PATHS", &r.eff[k]);
        }
    }
    gr_paths_result_free(&r);
    gr_dataset_free(ds, run->gh);
    return rc;
}

static void check_usage(FILE *f)
{
    fputs("usage: greenreach check-site --site FILE [--layer L] [--site-function F]\n"
          "         [--play-class LAP|LEAP|NEAP] [--entrances FILE] [--connect] [--add-paths FILE] [--config FILE]\n"
          "         [--out DIR] [--quiet]\n"
          "  Each feature of FILE (polygon or point) is a candidate site: residents newly\n"
          "  within each threshold, per ward and neighbourhood, low-car residents gained,\n"
          "  and target verdicts that flip; then all candidates together. --add-paths adds\n"
          "  new path links (the candidates are judged without them). Writes\n"
          "  DIR/check_site.csv and DIR/check_site_flips.csv.\n", f);
}

static int check_run(const wi_opts_t *o, gr_run_t *run, gr_error_t *err)
{
    gr_whatif_t *w = NULL;
    check_out_t co = {0};
    const char *dir = run->cfg.out_dir;
    int rc = gr_whatif_new(run, &w, err);
    if (!rc)
        rc = out_open(&co.csv, dir, "check_site.csv", err);
    if (!rc)
        rc = out_open(&co.flips, dir, "check_site_flips.csv", err);
    if (!rc) {
        fputs("candidate,function,entry,entrances,link_m,category,threshold,scope,code,name,"
              "pop_gained,lowcar_gained,pop,share_before,share_after\n", co.csv.f);
        fputs("candidate,target,scope,code,share_before,share_after,verdict_before,"
              "verdict_after\n", co.flips.f);
    }
    if (!rc && !gr_whatif_has_lowcar(w))
        printf("(no no_car_share data: low-car gains not evaluated)\n");
    if (!rc && o->site)
        rc = check_candidates(o, run, w, &co, err);
    if (!rc && o->site)
        rc = check_combined(run, w, &co, err);
    if (!rc && o->add_paths)
        rc = check_paths(o, run, w, &co, err);
    int rc2 = out_commit(&co.csv, rc != 0, err);
    int rc3 = out_commit(&co.flips, rc != 0 || rc2 != 0, err);
    if (!rc && !rc2 && !rc3)
        printf("outputs in %s/: check_site.csv check_site_flips.csv\n", dir);
    gr_whatif_free(w);
    return rc ? rc : (rc2 ? rc2 : rc3);
}

int gr_cmd_check_site(int argc, char **argv)
{
    wi_opts_t o = {0};
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        check_usage(stdout);
        return 0;
    }
    if (parse_opts(argc, argv, &o) || (!o.site && !o.add_paths) || o.candidates || o.grid_m) {
        check_usage(stderr);
        return 2;
    }
    gr_error_t err = {0};
    gr_run_t *run = NULL;
    int rc = base_run(&o, &run, &err);
    if (!rc)
        rc = check_run(&o, run, &err);
    if (rc)
        fprintf(stderr, "greenreach: error: %s\n", err.msg);
    gr_run_free(run);
    return rc ? (rc == GR_ECONFIG ? 2 : 1) : 0;
}

/* ---- suggest-sites ---- */

static void suggest_usage(FILE *f)
{
    fputs("usage: greenreach suggest-sites (--candidates FILE [--layer L] [--entrances FILE]\n"
          "         | --grid METRES) --count K [--target ID] [--lowcar-weight W]\n"
          "         [--config FILE] [--out DIR] [--quiet]\n"
          "  Picks up to K candidates that together bring the most residents within the\n"
          "  target's distance (default park_20), greedily with lazy re-evaluation; low-car\n"
          "  residents weigh W (default 1). --grid proposes points every METRES over the\n"
          "  wards, outside existing sites. Writes DIR/suggest_sites.csv.\n", f);
}

static void candidate_xy(const gr_run_t *run, const gr_candidates_t *c, uint32_t i, double *x,
                         double *y)
{
    GEOSGeometry *p = GEOSPointOnSurface_r(run->gh, c->ds->sites.geom[i]);
    *x = *y = 0.0;
    if (p && GEOSGeomGetX_r(run->gh, p, x) == 1)
        GEOSGeomGetY_r(run->gh, p, y);
    GEOSGeom_destroy_r(run->gh, p);
}

static void print_verdict(const gr_suggestion_t *s, long k)
{
    uint32_t n = s->n_picks, need = s->picks_to_target;
    double last = n ? s->share[n - 1] : s->share_base;
    if (need == 0)
        printf("The target is already met without new sites (%.1f%%).\n", 100.0 * s->share_base);
    else if (need != GR_NONE && need <= (uint32_t)k)
        printf("The target (%.0f%%) is reached with %u pick(s).\n", 100.0 * s->target->level, need);
    else if (need != GR_NONE)
        printf("%ld pick(s) reach %.1f%%; the target (%.0f%%) needs %u greedy picks.\n", k,
               100.0 * s->share[k - 1], 100.0 * s->target->level, need);
    else
        printf("These candidates cannot reach the target: all %u useful ones together reach "
               "%.1f%% (target %.0f%%).\n", n, 100.0 * last, 100.0 * s->target->level);
}

static int suggest_write(const gr_run_t *run, const gr_candidates_t *c, const gr_suggestion_t *s,
                         long k, gr_error_t *err)
{
    out_file_t of = {0};
    int rc = out_open(&of, run->cfg.out_dir, "suggest_sites.csv", err);
    if (rc)
        return rc;
    fputs("rank,candidate,x,y,gain_weighted,gain_pop,share\n", of.f);
    for (uint32_t p = 0; p < s->n_picks && p < (uint32_t)k; p++) {
        double x, y;
        candidate_xy(run, c, s->cand[p], &x, &y);
        fprintf(of.f, "%u,", p + 1);
        gr_export_csv_str(of.f, c->ds->sites.site_id[s->cand[p]]);
        fprintf(of.f, ",%.1f,%.1f,%.1f,%.0f,%.4f\n", x, y, s->gain_weighted[p], s->gain_pop[p],
                s->share[p]);
    }
    return out_commit(&of, 0, err);
}

static void suggest_print(const gr_candidates_t *c, const gr_suggestion_t *s, long k,
                          double t_sets)
{
    printf("target %s: %s\n", s->target->id, s->target->title);
    printf("%u candidates (%u no path reaches); read or made, entered, searched and ranked "
           "in %.2f s (%u gain evaluations); area-wide share now %.1f%%\n", c->n,
           s->n_unreached, t_sets, s->n_evaluations, 100.0 * s->share_base);
    printf("%-5s %-28s %14s %10s %8s\n", "rank", "candidate", "gain (weighted)", "residents",
           "share");
    for (uint32_t p = 0; p < s->n_picks && p < (uint32_t)k; p++)
        printf("%-5u %-28.28s %14.0f %10.0f %7.1f%%\n", p + 1, c->ds->sites.site_id[s->cand[p]],
               s->gain_weighted[p], s->gain_pop[p], 100.0 * s->share[p]);
    if (s->n_picks < (uint32_t)k)
        printf("(only %u candidate(s) add anyone)\n", s->n_picks);
    print_verdict(s, k);
}

static int suggest_for_target(gr_whatif_t *w, const gr_candidates_t *c,
                                     const wi_opts_t *o, gr_suggestion_t **s, gr_error_t *err)
{
    return gr_suggest_sites(w, c, o->target ? o->target : "park_20", o->lowcar_weight, s, err);
}

static int suggest_run(const wi_opts_t *o, gr_run_t *run, gr_error_t *err)
{
    gr_whatif_t *w = NULL;
    gr_candidates_t *c = NULL;
    gr_suggestion_t *s = NULL;
    int rc = gr_whatif_new(run, &w, err);
    double t0 = gr_now_s();
    if (!rc)
        rc = o->candidates ? gr_candidates_load(run, o->candidates, o->layer, o->entrances, &c, err)
                           : gr_candidates_grid(run, o->grid_m, &c, err);
    if (!rc)
        rc = suggest_for_target(w, c, o, &s, err);
    if (!rc) {
        suggest_print(c, s, o->count, gr_now_s() - t0);
        rc = suggest_write(run, c, s, o->count, err);
    }
    if (!rc)
        printf("outputs in %s/: suggest_sites.csv\n", run->cfg.out_dir);
    gr_suggestion_free(s);
    gr_candidates_free(c, run->gh);
    gr_whatif_free(w);
    return rc;
}

int gr_cmd_suggest_sites(int argc, char **argv)
{
    wi_opts_t o = {0};
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        suggest_usage(stdout);
        return 0;
    }
    if (parse_opts(argc, argv, &o) || o.count < 1 || (!o.candidates == !(o.grid_m > 0)) ||
        o.site || o.add_paths) {
        suggest_usage(stderr);
        return 2;
    }
    gr_error_t err = {0};
    gr_run_t *run = NULL;
    int rc = base_run(&o, &run, &err);
    if (!rc)
        rc = suggest_run(&o, run, &err);
    if (rc)
        fprintf(stderr, "greenreach: error: %s\n", err.msg);
    gr_run_free(run);
    return rc ? (rc == GR_ECONFIG ? 2 : 1) : 0;
}
