/* `greenreach run`: the whole pipeline on the configured (or bundled) data,
 * writing the outputs into the output folder. */
#include <gdal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/config.h"
#include "greenreach/export.h"
#include "greenreach/pipeline.h"
#include "commands.h"

typedef struct {
    const char *config;
    const char *out_dir;
    int is_quiet;
} cli_opts_t;

static void usage(FILE *f)
{
    fputs("usage: greenreach run [--config FILE] [--out DIR] [--quiet]\n"
          "  Computes walking catchments and ward coverage; writes DIR (default out/).\n"
          "  Without --config the bundled Rutland data and shipped defaults are used.\n",
          f);
}

static int parse_args(int argc, char **argv, cli_opts_t *o)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0)
            o->is_quiet = 1;
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            o->config = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            o->out_dir = argv[++i];
        else
            return -1;
    }
    return 0;
}

static void on_progress(const char *msg, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "greenreach: %s\n", msg);
}

static int write_outputs(gr_run_t *run, const char *dir, gr_error_t *err)
{
    double t0 = gr_now_s();
    int rc = gr_export_prepare_dir(dir, err);
    if (!rc)
        rc = gr_export_ward_csv(run, dir, err);
    if (!rc)
        rc = gr_export_residents(run, dir, err);
    run->phase_s[GR_PHASE_WRITE] = gr_now_s() - t0;
    if (!rc)
        rc = gr_export_summary(run, dir, err);
    return rc;
}

static void print_headline(const gr_run_t *run, const char *dir)
{
    for (int c = 0; c < run->n_cats; c++) {
        const gr_coverage_t *cv = run->cats[c].cov;
        printf("%s:", run->cats[c].cat->name);
        for (uint32_t t = 0; t < cv->n_thr; t++)
            printf(" %.1f%% within %s", 100.0 * gr_coverage_share(cv, cv->n_wards, t),
                   run->cats[c].cat->thr_label[t]);
        printf(" (%.0f residents in %u wards)\n", cv->pop[cv->n_wards], cv->n_wards);
    }
    printf("outputs in %s/: ward_coverage.csv residents.gpkg run_summary.txt\n", dir);
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
    gr_run_t *run = NULL;
    int rc = gr_export_prepare_dir(cfg.out_dir, &err);
    if (!rc)
        rc = gr_run_compute(&cfg, o.is_quiet ? NULL : on_progress, NULL, &run, &err);
    if (!rc)
        rc = write_outputs(run, cfg.out_dir, &err);
    if (rc) {
        fprintf(stderr, "greenreach: error: %s\n", err.msg);
        gr_run_free(run);
        return 1;
    }
    if (!o.is_quiet)
        print_headline(run, cfg.out_dir);
    gr_run_free(run);
    return 0;
}
