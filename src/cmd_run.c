/* `greenreach run`: the whole pipeline on the configured (or bundled) data,
 * writing the outputs into the output folder. */
#include <gdal.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/catchment.h"
#include "greenreach/config.h"
#include "greenreach/export.h"
#include "greenreach/layers.h"
#include "greenreach/parallel.h"
#include "greenreach/pipeline.h"
#include "greenreach/report.h"
#include "greenreach/targets.h"
#include "commands.h"

typedef struct {
    const char *config;
    const char *out_dir;
    const char *pg_conn;
    unsigned formats;            /* 0: as configured */
    int is_quiet;
    int is_strict;
} cli_opts_t;

static void usage(FILE *f)
{
    fputs("usage: greenreach run [--config FILE] [--out DIR] [--format LIST]... [--pg CONN]\n"
          "                      [--quiet] [--strict]\n"
          "  Computes walking catchments, ward coverage and the targets; writes DIR\n"
          "  (default out/). Without --config the bundled Rutland data and shipped\n"
          "  defaults are used. --format (repeatable, comma-separated): GIS layers as\n"
          "  gpkg (default), geojson, shp, postgis (into the database CONN, e.g.\n"
          "  \"PG:dbname=gis host=/run/postgresql\"). Exit status: 0 done (even if\n"
          "  targets are missed), 1 error, 2 bad usage or configuration, 3 with\n"
          "  --strict when an area-wide target is missed.\n",
          f);
}

static int parse_args(int argc, char **argv, cli_opts_t *o)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0)
            o->is_quiet = 1;
        else if (strcmp(argv[i], "--strict") == 0)
            o->is_strict = 1;
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            o->config = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            o->out_dir = argv[++i];
        else if (strcmp(argv[i], "--pg") == 0 && i + 1 < argc)
            o->pg_conn = argv[++i];
        else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            unsigned bits;
            if (gr_config_parse_formats(argv[++i], &bits))
                return -1;
            o->formats |= bits;
        } else
            return -1;
    }
    return 0;
}

static void on_progress(const char *msg, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "greenreach: %s\n", msg);
}

/* The outputs in two independent halves, one per core: the GIS layers
 * (most of the writing at national scale: SQLite and its R-tree, GDAL
 * drivers), and residents.gpkg with the tables, report and maps (about as
 * long on a big town). Each writes only its own files; the layers read
 * geometries through their own GEOS context, so the maps can use the
 * run's at the same time. */
#define EARLY_LAYERS ((unsigned)(GR_LAYER_RESIDENTS | GR_LAYER_UNSERVED))

typedef struct {
    gr_run_t *run;
    const gr_targets_t *tg;
    const gr_catchments_t *cs;
    const gr_history_t *prev;
    const char *dir;
    gr_gpkg_job_t *gpkg; /* greenreach.gpkg begun while the catchments were traced */
    gr_error_t err[2];
} write_job_t;

static int write_task(void *ctx, uint32_t task)
{
    write_job_t *j = ctx;
    const gr_config_t *cfg = &j->run->cfg;
    gr_layers_src_t src = { j->run, j->tg, j->cs };
    if (task == 0) {
        unsigned formats = j->gpkg ? cfg->formats & ~(unsigned)GR_FORMAT_GPKG : cfg->formats;
        int rc = gr_layers_write(&src, formats, j->dir, cfg->pg_conn, cfg->pg_schema, &j->err[0]);
        gr_gpkg_job_t *gpkg = j->gpkg;
        j->gpkg = NULL;
        if (rc)
            gr_layers_gpkg_abort(gpkg);
        else if (gpkg)
            rc = gr_layers_gpkg_finish(gpkg, &src, GR_LAYER_ALL & ~EARLY_LAYERS, &j->err[0]);
        return rc;
    }
    int rc = gr_layers_write_gpkg(&src, GR_LAYER_RESIDENTS, j->dir, "residents.gpkg", &j->err[1]);
    if (!rc)
        rc = gr_export_ward_csv(j->run, j->tg, j->cs, j->dir, &j->err[1]);
    if (!rc)
        rc = gr_export_nbhd_csv(j->run, j->tg, j->dir, &j->err[1]);
    if (!rc)
        rc = gr_report_write(j->run, j->tg, j->prev, j->dir, &j->err[1]);
    return rc;
}

static int write_outputs(gr_run_t *run, const gr_targets_t *tg, const gr_catchments_t *cs,
                         gr_gpkg_job_t *gpkg, const char *dir, gr_error_t *err)
{
    double t0 = gr_now_s();
    gr_history_t *prev = NULL;
    gr_history_load(dir, &prev);   /* before the ward table is replaced */
    int rc = gr_export_prepare_dir(dir, err);
    write_job_t job = { run, tg, cs, prev, dir, gpkg, { { 0 }, { 0 } } };
    if (!rc && (rc = gr_parallel_for(2, write_task, &job)))
        *err = job.err[0].code ? job.err[0] : job.err[1];
    gr_layers_gpkg_abort(job.gpkg); /* not reached by the layers' half */
    gr_history_free(prev);
    run->phase_s[GR_PHASE_WRITE] = gr_now_s() - t0;
    if (!rc)
        rc = gr_export_summary(run, dir, err);
    return rc;
}

/* The layers of greenreach.gpkg that need no catchments (the points:
 * millions of rows at national scale) are written on a thread of their
 * own while the catchments are traced; the polygon layers follow in the
 * write phase. */
typedef struct {
    gr_layers_src_t src;
    const char *dir;
    gr_gpkg_job_t *job;
    gr_error_t err;
    int rc;
} early_t;

static void *early_main(void *ctx)
{
    early_t *e = ctx;
    e->rc = gr_layers_gpkg_begin(&e->src, EARLY_LAYERS, e->dir, "greenreach.gpkg", &e->job,
                                 &e->err);
    return NULL;
}

static int build_catchments(gr_run_t *run, int is_quiet, gr_catchments_t **cs, gr_error_t *err)
{
    gr_catchment_opts_t opt = { run->cfg.catchment_buffer_m, run->cfg.catchment_method,
                               run->cfg.catchment_cell_m };
    int rc = gr_catchments_build(run, &opt, cs, err);
    if (!rc) {
        run->phase_s[GR_PHASE_CATCHMENTS] = (*cs)->build_s;
        if (!is_quiet) {
            char msg[96];
            snprintf(msg, sizeof msg, "catchment polygons: %d in %.2f s", (*cs)->n, (*cs)->build_s);
            on_progress(msg, NULL);
        }
    }
    return rc;
}

static void print_headline(const gr_run_t *run, const gr_targets_t *tg, const char *dir)
{
    const gr_coverage_t *cv = run->cats[0].cov;
    printf("%.0f residents in %u wards\n", cv->pop[cv->n_wards], cv->n_wards);
    if (run->cfg.walk_mode == GR_WALK_STRAIGHT)
        printf("distances in a straight line to the nearest site ([walk] mode = straight)\n");
    for (int i = 0; i < tg->n; i++) {
        const gr_target_result_t *r = &tg->res[i];
        const gr_measure_t *m = &r->area;
        printf("  %-16s %-14s", r->target->id, gr_verdict_name(m->verdict));
        if (m->verdict == GR_VERDICT_NOT_EVALUATED)
            printf(" %s", r->note);
        else if (r->target->kind == GR_TARGET_PRESENCE)
            printf(" %u of %u wards", tg->n_wards - m->wards_short, tg->n_wards);
        else
            printf(" %.1f%% within %s (target %.0f%%)", 100.0 * m->share, r->target->threshold,
                   100.0 * r->target->level);
        if (m->verdict == GR_VERDICT_MISSED && r->target->kind == GR_TARGET_COVERAGE)
            printf(", short by %.0f residents", m->shortfall_pop);
        putchar('\n');
    }
    printf("outputs in %s/: report.html report.md ward_coverage.csv nbhd_coverage.csv "
           "residents.gpkg run_summary.txt maps/", dir);
    unsigned fm = run->cfg.formats;
    printf("%s%s%s%s\n", fm & GR_FORMAT_GPKG ? " greenreach.gpkg" : "",
           fm & GR_FORMAT_GEOJSON ? " geojson/" : "", fm & GR_FORMAT_SHP ? " shp/" : "",
           fm & GR_FORMAT_POSTGIS ? " (and PostGIS tables)" : "");
}

int gr_cmd_run(int argc, char **argv)
{
    cli_opts_t o = {0};
    if (parse_args(argc, argv, &o)) {
        usage(stderr);
        return 2;
    }
    gr_config_t cfg;
    gr_error_t err = {0};
    gr_config_defaults(&cfg);
    if (o.config && gr_config_load(&cfg, o.config, &err)) {
        fprintf(stderr, "greenreach: %s\n", err.msg);
        return 2;
    }
    if (o.out_dir)
        snprintf(cfg.out_dir, sizeof cfg.out_dir, "%s", o.out_dir);
    if (o.formats)
        cfg.formats = o.formats;
    if (o.pg_conn)
        snprintf(cfg.pg_conn, sizeof cfg.pg_conn, "%s", o.pg_conn);
    gr_run_t *run = NULL;
    gr_targets_t *tg = NULL;
    gr_catchments_t *cs = NULL;
    int rc = gr_export_prepare_dir(cfg.out_dir, &err);
    if (!rc)
        rc = gr_run_compute(&cfg, o.is_quiet ? NULL : on_progress, NULL, &run, &err);
    if (!rc)
        rc = gr_targets_evaluate(run, &tg, &err);
    early_t early = { { run, tg, NULL }, cfg.out_dir, NULL, { 0 }, 0 };
    pthread_t early_th;
    int is_early = !rc && (cfg.formats & GR_FORMAT_GPKG) &&
                   pthread_create(&early_th, NULL, early_main, &early) == 0;
    if (!rc)
        rc = build_catchments(run, o.is_quiet, &cs, &err);
    if (is_early) {
        pthread_join(early_th, NULL);
        if (!rc && early.rc) {
            rc = early.rc;
            err = early.err;
        }
    }
    if (!rc && !o.is_quiet)
        on_progress("writing tables, layers, report and maps", NULL);
    if (!rc)
        rc = write_outputs(run, tg, cs, early.job, cfg.out_dir, &err);
    else
        gr_layers_gpkg_abort(early.job);
    gr_catchments_free(cs);
    if (rc) {
        fprintf(stderr, "greenreach: error: %s\n", err.msg);
        gr_targets_free(tg);
        gr_run_free(run);
        return rc == GR_ECONFIG ? 2 : 1;
    }
    if (!o.is_quiet)
        print_headline(run, tg, cfg.out_dir);
    int missed = gr_targets_missed(tg);
    gr_targets_free(tg);
    gr_run_free(run);
    return (o.is_strict && missed > 0) ? 3 : 0;
}
