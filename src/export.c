/* renameat2 (Linux, glibc 2.28): swapping folders atomically */
#define _GNU_SOURCE
#include "greenreach/export.h"

#include <dirent.h>
#include <fcntl.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- atomic files: write to a temporary name, rename when complete ---- */

void gr_export_tmp_name(char *buf, size_t n, const char *dir, const char *name)
{
    snprintf(buf, n, "%s/.%s.tmp-%ld", dir, name, (long)getpid());
}

int gr_export_commit_path(const char *tmp, const char *dir, const char *name, gr_error_t *err)
{
    char final[GR_PATH_MAX + 64];
    snprintf(final, sizeof final, "%s/%s", dir, name);
    if (rename(tmp, final) != 0) {
        int e = errno;
        remove(tmp);
        return gr_error_set(err, GR_EIO, "%s: cannot rename into place: %s", final, strerror(e));
    }
    return 0;
}

int gr_export_open_tmp(const char *dir, const char *name, char *tmp, size_t n, FILE **f,
                       gr_error_t *err)
{
    gr_export_tmp_name(tmp, n, dir, name);
    *f = fopen(tmp, "wb");
    if (!*f)
        return gr_error_set(err, GR_EIO, "%s: cannot write: %s", tmp, strerror(errno));
    return 0;
}

int gr_export_commit(FILE *f, const char *tmp, const char *dir, const char *name,
                     gr_error_t *err)
{
    if (ferror(f) | (fclose(f) != 0)) {
        remove(tmp);
        return gr_error_set(err, GR_EIO, "%s/%s: write failed", dir, name);
    }
    return gr_export_commit_path(tmp, dir, name, err);
}

void gr_export_remove_folder(const char *path)
{
    char file[GR_PATH_MAX + 256];
    DIR *d = opendir(path);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        remove(file);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

int gr_export_commit_folder(const char *tmp, const char *dir, const char *name, gr_error_t *err)
{
    char final[GR_PATH_MAX + 64];
    snprintf(final, sizeof final, "%s/%s", dir, name);
    /* swap the complete new folder with the old one in one step, so a
     * reader never sees a half-written or missing folder */
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE) == 0) {
        gr_export_remove_folder(tmp);
        return 0;
    }
    if (errno == ENOENT && rename(tmp, final) == 0)
        return 0;
    int e = errno;
    gr_export_remove_folder(tmp);
    return gr_error_set(err, GR_EIO, "%s: cannot swap the new folder into place: %s", final,
                        strerror(e));
}

int gr_export_prepare_dir(const char *dir, gr_error_t *err)
{
    char path[GR_PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(path, 0777);
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return gr_error_set(err, GR_EIO, "%s: cannot create output folder: %s", dir,
                            strerror(errno));
    if (access(path, W_OK | X_OK) != 0)
        return gr_error_set(err, GR_EIO, "%s: output folder is not writable", dir);
    return 0;
}

/* ---- ward_coverage.csv, nbhd_coverage.csv: the table rows as CSV ---- */

typedef struct {
    gr_sink_t base;
    FILE *f;
    int is_header;
    int col;
} csv_sink_t;

void gr_export_csv_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int csv_next(csv_sink_t *c, const char *name)
{
    if (c->col++ > 0)
        fputc(',', c->f);
    if (c->is_header)
        fputs(name, c->f);
    return c->is_header;
}

static void csv_text(gr_sink_t *s, const char *name, const char *v, int is_quoted)
{
    csv_sink_t *c = (csv_sink_t *)s;
    if (csv_next(c, name))
        return;
    if (is_quoted)
        gr_export_csv_str(c->f, v);
    else
        fputs(v, c->f);
}

static void csv_num(gr_sink_t *s, const char *name, double v, int decimals, int is_null)
{
    csv_sink_t *c = (csv_sink_t *)s;
    if (!csv_next(c, name) && !is_null)
        fprintf(c->f, "%.*f", decimals, v);
}

/* Starts a line of the CSV: the header when is_header. */
static gr_sink_t *csv_line(csv_sink_t *c, int is_header)
{
    if (c->col > 0 || c->is_header)
        fputc('\n', c->f);
    c->col = 0;
    c->is_header = is_header;
    return &c->base;
}

static csv_sink_t csv_sink(FILE *f)
{
    return (csv_sink_t){ .base = { csv_text, csv_num, NULL }, .f = f };
}

int gr_export_ward_csv(const gr_run_t *run, const gr_targets_t *tg, const gr_catchments_t *cs,
                       const char *dir, gr_error_t *err)
{
    char tmp[GR_PATH_MAX + 64];
    FILE *f;
    int rc = gr_export_open_tmp(dir, "ward_coverage.csv", tmp, sizeof tmp, &f, err);
    if (rc)
        return rc;
    csv_sink_t c = csv_sink(f);
    for (uint32_t r = 0; run->n_cats > 0 && r <= run->ds->wards.n; r++) {
        if (r == 0)
            gr_wardtable_row(run, tg, cs, r, csv_line(&c, 1));
        gr_wardtable_row(run, tg, cs, r, csv_line(&c, 0));
    }
    fputc('\n', f);
    return gr_export_commit(f, tmp, dir, "ward_coverage.csv", err);
}

int gr_export_nbhd_csv(const gr_run_t *run, const gr_targets_t *tg, const char *dir,
                       gr_error_t *err)
{
    char tmp[GR_PATH_MAX + 64];
    FILE *f;
    int rc = gr_export_open_tmp(dir, "nbhd_coverage.csv", tmp, sizeof tmp, &f, err);
    if (rc)
        return rc;
    csv_sink_t c = csv_sink(f);
    for (uint32_t k = 0; k <= tg->n_nbhd; k++) {
        if (k == 0)
            gr_nbhdtable_row(tg, k, csv_line(&c, 1));
        gr_nbhdtable_row(tg, k, csv_line(&c, 0));
    }
    fputc('\n', f);
    (void)run;
    return gr_export_commit(f, tmp, dir, "nbhd_coverage.csv", err);
}

/* ---- run_summary.txt: what was read, with what settings, what was skipped ---- */

static void summary_input(FILE *f, const char *role, const gr_layer_spec_t *spec)
{
    struct stat st;
    if (!spec->path[0])
        return;
    char when[32] = "?";
    long long size = -1;
    if (stat(spec->path, &st) == 0) {
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&st.st_mtime));
        size = (long long)st.st_size;
    }
    fprintf(f, "input.%s = %s (layer %s, %lld bytes, modified %s)\n", role, spec->path,
            spec->layer[0] ? spec->layer : "<first>", size, when);
}

/* How zones were spread over homes (nothing without a homes layer). */
static void summary_homes(FILE *f, const gr_run_t *run)
{
    const gr_dasymetric_stats_t *d = &run->dasy;
    if (!run->has_homes)
        return;
    fprintf(f, "homes.weight_field = %s\nhomes.where = %s\nhomes = %u\n"
               "homes.skipped_empty = %u\nhomes.outside_zones = %u\nhomes.peopled = %u\n"
               "residents.zones = %u\nresidents.zones_spread = %u\n"
               "residents.zones_without_homes = %u (%.0f people, at the zone's point on surface)\n"
               "homes.max_people = %.0f (zone fid %lld)\n"
               "repaired.zones = %u\ntime.homes_spread_s = %.3f (part of time.load_s)\n",
            run->cfg.f_home_weight[0] ? run->cfg.f_home_weight : "<none: equal>",
            run->cfg.homes_where, d->homes, run->ds->stats.homes_empty,
            d->homes - d->homes_in_zones, d->homes_peopled, d->zones, d->zones_spread,
            d->zones_without_homes, d->pop_without_homes, d->max_home_pop,
            (long long)d->max_home_zone_fid, run->ds->stats.zones_repaired,
            run->spread_s);
}

static void summary_counts(FILE *f, const gr_run_t *run)
{
    const gr_load_stats_t *s = &run->ds->stats;
    const gr_graph_stats_t *g = &run->g->stats;
    fprintf(f, "wards = %u\npath_lines = %u\nsites = %u\nresidents = %u\npopulation = %.0f\n",
            run->ds->wards.n, run->ds->paths.n_lines, run->ds->sites.n, run->ds->residents.n,
            run->n_cats ? run->cats[0].cov->pop[run->ds->wards.n] + run->cats[0].cov->pop_outside
                        : 0.0);
    fprintf(f, "graph.nodes = %u\ngraph.edges = %u\ngraph.islands = %u\n"
               "graph.largest_island_nodes = %u\ngraph.ends_joined = %u\n"
               "graph.ends_split = %u\n",
            run->g->n_nodes, run->g->n_edges, g->components, g->largest_component,
            g->ends_joined, g->ends_split);
    fprintf(f, "skipped.paths_unwalkable = %u\nskipped.paths_empty = %u\n"
               "skipped.sites_empty = %u\nrepaired.sites = %u\nrepaired.wards = %u\n"
               "skipped.residents_empty = %u\nresidents.zero_population = %u\n"
               "residents.unsnapped = %u\nresidents.outside_wards = %u\n"
               "access_points.unassigned = %u\naccess_points.unsnapped = %u\n",
            s->paths_unwalkable, s->paths_empty, s->sites_empty, s->sites_repaired,
            s->wards_repaired, s->residents_empty, s->residents_zero_pop, run->n_unsnapped,
            run->n_cats ? run->cats[0].cov->residents_outside : 0, s->access_unassigned,
            run->ent->access_unsnapped);
    summary_homes(f, run);
    for (int c = 0; c < run->n_cats; c++) {
        const gr_cat_result_t *cr = &run->cats[c];
        fprintf(f, "category.%s = %u sites, %u unreached, %u entrances (functions: %s)\n",
                cr->cat->name, cr->n_sites, cr->n_sites_unreached, cr->n_sources,
                cr->cat->functions);
        /* apart from "beyond the thresholds": no distance reaches them */
        if (cr->n_sources == 0)
            fprintf(f, "cut_off.%s = n/a (no entrance anywhere)\n", cr->cat->name);
        else
            fprintf(f, "cut_off.%s = %u residents, %.0f people, on %u path islands with no "
                       "entrance\n", cr->cat->name, cr->cut_off.residents,
                    cr->cut_off.population, cr->cut_off.islands);
    }
}

int gr_export_summary(const gr_run_t *run, const char *dir, gr_error_t *err)
{
    char tmp[GR_PATH_MAX + 64];
    FILE *f;
    int rc = gr_export_open_tmp(dir, "run_summary.txt", tmp, sizeof tmp, &f, err);
    if (rc)
        return rc;
    const gr_config_t *cfg = &run->cfg;
    fprintf(f, "greenreach_version = %s\n", GR_VERSION);
    summary_input(f, "wards", &cfg->wards);
    summary_input(f, "paths", &cfg->paths);
    summary_input(f, "greenspaces", &cfg->greenspaces);
    summary_input(f, "access_points", &cfg->access_points);
    summary_input(f, "residents", &cfg->residents);
    summary_input(f, "homes", &cfg->homes);
    fprintf(f, "crs = %s\nspeed_kmh = %g\nsnap_max_m = %g\njoin_tolerance_m = %g\n",
            run->ds->crs_def, cfg->speed_kmh, cfg->snap_max_m, cfg->join_tol_m);
    fprintf(f, "walk.mode = %s\ncompare_straight = %s\n",
            cfg->walk_mode == GR_WALK_STRAIGHT ? "straight" : "network",
            cfg->compare_straight ? "true" : "false");
    fprintf(f, "catchment.buffer_m = %g\ncatchment.method = %s\n", cfg->catchment_buffer_m,
            cfg->catchment_method == GR_CATCHMENT_GRID ? "grid" : "buffer");
    if (cfg->catchment_method == GR_CATCHMENT_GRID)
        fprintf(f, "catchment.cell_m = %g\n", cfg->catchment_cell_m);
    for (int c = 0; c < run->n_cats; c++)
        if (run->cats[c].cat->min_area_m2 > 0.0)
            fprintf(f, "min_area_m2.%s = %g\n", run->cats[c].cat->name,
                    run->cats[c].cat->min_area_m2);
    for (int c = 0; c < run->n_cats; c++)
        for (int t = 0; t < run->cats[c].cat->n_thr; t++)
            fprintf(f, "threshold.%s = %s = %.0f m\n", run->cats[c].cat->name,
                    run->cats[c].cat->thr_label[t], run->cats[c].cat->thr_m[t]);
    summary_counts(f, run);
    for (int p = 0; p < GR_PHASE_COUNT; p++)
        fprintf(f, "time.%s_s = %.3f\n", gr_phase_names[p], run->phase_s[p]);
    return gr_export_commit(f, tmp, dir, "run_summary.txt", err);
}
